"""Registering a proxy one question per page: answers kept in the session, Back links, a "check
your answers" page with change links, then the invitation."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.proxies.conftest import STEP, answer_first_three

pytestmark = pytest.mark.django_db


def answer_all(client) -> None:
    answer_first_three(client)
    client.post(STEP.format("end-date"), {"ends_year": "2099", "ends_month": "3", "ends_day": "31"})


def test_the_first_page_asks_only_who_will_help(signed_in, senior):
    html = signed_in(senior).get("/proxies/register/").content.decode()
    assert 'name="proxy_name"' in html and 'name="proxy_email"' in html
    assert 'name="relationship"' not in html and 'name="scopes"' not in html
    assert 'action="/proxies/register/person/"' in html
    assert "質問 1 / 4" in html


def test_each_answer_leads_to_the_next_question_then_the_check_page(signed_in, senior):
    client = signed_in(senior)
    response = client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "taro@example.jp",
        },
    )
    assert response["Location"] == STEP.format("relationship")
    page = client.get(STEP.format("relationship")).content.decode()
    assert f'href="{STEP.format("person")}"' in page  # Back
    assert client.post(STEP.format("relationship"), {"relationship": "子"})["Location"] == (
        STEP.format("scopes")
    )
    assert client.post(STEP.format("scopes"), {"scopes": ["inquiry.points"]})["Location"] == (
        STEP.format("end-date")
    )
    assert client.post(STEP.format("end-date"), {})["Location"] == STEP.format("check")
    assert not senior.grants_given.exists()


def test_a_wrong_answer_stays_on_its_page_with_the_error_summary(signed_in, senior):
    response = signed_in(senior).post(STEP.format("person"), {"proxy_name": "山田 太郎"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in html and 'href="#id_proxy_email"' in html
    assert 'value="山田 太郎"' in html


def test_check_your_answers_shows_them_with_change_links_and_sends_the_invitation(
    signed_in, senior, django_capture_on_commit_callbacks
):
    client = signed_in(senior)
    answer_all(client)
    html = client.get(STEP.format("check")).content.decode()
    for shown in ("山田 太郎", "taro@example.jp", "2099年3月31日"):
        assert shown in html
    assert f'href="{STEP.format("relationship")}?from=check"' in html
    # Change one answer: back to the check page, not through the remaining questions.
    changed = client.post(STEP.format("relationship"), {"relationship": "孫", "from": "check"})
    assert changed["Location"] == STEP.format("check")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(STEP.format("check"))
    assert response.status_code == 302 and response["Location"] == "/proxies/"
    grant = senior.grants_given.get()
    assert grant.relationship == "孫" and grant.scopes == ["inquiry.points", "session.book"]
    assert any("taro@example.jp" in m.to for m in mail.outbox)
    # The answers are gone: a new registration starts empty.
    assert "山田 太郎" not in client.get("/proxies/register/").content.decode()


def test_the_check_page_sends_back_to_a_question_not_answered(signed_in, senior):
    client = signed_in(senior)
    client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "t@example.jp",
        },
    )
    assert client.get(STEP.format("check"))["Location"] == STEP.format("relationship")
    assert client.post(STEP.format("check"))["Location"] == STEP.format("relationship")
    assert not senior.grants_given.exists()


def test_an_operator_first_gives_the_member_number(signed_in, operator, senior):
    client = signed_in(operator)
    html = client.get("/proxies/register/").content.decode()
    assert 'name="member_number"' in html and "質問 1 / 5" in html
    missing = client.post(STEP.format("member"), {"member_number": "0000000000"})
    assert missing.status_code == 400
    assert client.post(STEP.format("member"), {"member_number": "1234-567-890"})["Location"] == (
        STEP.format("person")
    )
    answer_all(client)
    assert client.post(STEP.format("check"))["Location"] == "/"
    assert senior.grants_given.get().created_by == operator


def test_unknown_steps_and_other_roles_are_refused(signed_in, senior, proxy):
    assert signed_in(senior).get(STEP.format("member")).status_code == 404
    assert signed_in(senior).get(STEP.format("nothing")).status_code == 404
    assert signed_in(proxy).get(STEP.format("person")).status_code == 403
