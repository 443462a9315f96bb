"""Out of hours and emergencies (issue 21 item 3): the public help page, linked from every page's
footer, the closed page and the waiting page; talk-now refused when nobody with the skill is on
shift."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import translation

from signlanguage.booking import availability
from signlanguage.formatting import format_datetime
from signlanguage.models import Session
from tests.signlanguage.conftest import at, next_open_day, post_json

pytestmark = pytest.mark.django_db

HELP = 'href="/help/"'


@pytest.fixture
def evening() -> Any:
    moment = at(next_open_day(), "19:00")
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture
def open_now(db: Any) -> Any:
    moment = at(next_open_day(), "11:00")
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def _page(client: Client, language: str) -> str:
    client.cookies["as_language"] = language
    response = client.get("/help/")
    assert response.status_code == 200
    return response.content.decode()


def test_help_page_is_public_in_japanese(evening: Any, settings: Any) -> None:
    settings.LOST_CARD_PHONE = "0120-111-222"
    html = _page(Client(), "ja")
    assert 'lang="ja"' in html
    with translation.override("ja"):
        opens = format_datetime(availability.next_opening(evening))
    assert f"次は {opens} から受け付けます。" in html
    assert "受付時間" in html and "09:00" in html
    assert "0120-111-222" in html and "電話リレーサービス" in html
    assert "https://www.nftrs.or.jp/" in html
    # the written route: the lost-card report in the service, through sign-in when signed out
    assert "/accounts/login/?next=%2Fproxies%2Fprocedures%2Fnew%2F" in html
    assert "紛失・盗難" in html
    assert "Net119緊急通報システム" in html and "110番アプリ" in html
    assert "/sessions/book/" in html


def test_help_page_in_english_gives_the_next_opening_and_the_routes(evening: Any) -> None:
    html = _page(Client(), "en")
    assert 'lang="en"' in html
    with translation.override("en"):
        opens = format_datetime(availability.next_opening(evening))
    assert f"We open again on {opens}." in html
    assert "Lost or stolen card: stop it now" in html
    assert "Net119" in html and "110 app" in html
    assert "telephone relay service" in html
    # the services' Japanese names, which a reader searches for, are marked as Japanese
    assert '<span lang="ja">Net119緊急通報システム</span>' in html
    assert '<span lang="ja">110番アプリ</span>' in html


def test_help_page_open_now_says_so(open_now: Any, senior: Any, signed_in: Any) -> None:
    html = _page(signed_in(senior), "en")
    assert "We are open now." in html
    assert 'href="/proxies/procedures/new/"' in html  # signed in: straight to the report


def test_footer_of_a_signed_in_page_and_of_the_sign_in_page_links_to_help(
    senior: Any, signed_in: Any
) -> None:
    home = signed_in(senior).get("/")
    assert home.status_code == 200 and HELP in home.content.decode()
    login = Client().get("/accounts/login/")
    assert HELP in login.content.decode()


def test_closed_page_links_to_help(evening: Any, senior: Any, signed_in: Any) -> None:
    page = signed_in(senior).get("/sessions/now/")
    assert page.status_code == 200 and HELP in page.content.decode()


def test_waiting_page_links_to_help(
    open_now: Any, senior: Any, signed_in: Any, make_operator: Any, add_shift: Any
) -> None:
    add_shift(make_operator(["written_chat"]), open_now.date())
    client = signed_in(senior)
    response = client.post("/sessions/now/", {"mode": "written_chat", "topic": "明細"})
    assert response.status_code == 302
    assert HELP in client.get(response["Location"]).content.decode()


def test_talk_now_with_nobody_of_that_skill_on_shift_is_refused(
    open_now: Any, senior: Any, signed_in: Any, make_operator: Any, add_shift: Any
) -> None:
    # on shift, but with the other skill only; an inactive one with the skill does not count
    add_shift(make_operator(["sign_language"]), open_now.date())
    gone = make_operator(["written_chat"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    add_shift(gone, open_now.date())
    client = signed_in(senior)
    response = post_json(client, "/api/v1/queue", {"mode": "written_chat", "topic": "明細"})
    assert response.status_code == 409
    assert response.json()["error"] == "nobody_on_shift"
    client.cookies["as_language"] = "en"
    page = client.post("/sessions/now/", {"mode": "written_chat", "topic": "明細"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "No operator for this way of talking is on shift now" in html
    assert 'href="/sessions/book/"' in html and HELP in html
    assert not Session.objects.exists()


def test_talk_now_with_a_skilled_operator_on_shift_gives_an_estimate(
    open_now: Any, senior: Any, signed_in: Any, make_operator: Any, add_shift: Any
) -> None:
    add_shift(make_operator(["written_chat"]), open_now.date())
    response = post_json(
        signed_in(senior), "/api/v1/queue", {"mode": "written_chat", "topic": "明細"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["estimated_wait_minutes"] >= 0
