"""Operator management: the list, adding an operator who then chooses their own password from
an e-mailed link and signs in with the second factor, and changing an operator's skills."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access_support.accounts.models import User
from access_support.audit.models import AuditEvent
from signlanguage.booking.availability import JST
from signlanguage.models import Shift

pytestmark = pytest.mark.django_db

NEW_URL = reverse("supervision:operator-new")
LIST_URL = reverse("supervision:operators")


def link_in(message: Any) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/set-password/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def add_operator(client: Client, capture: Any, **data: Any) -> Any:
    fields = {"name": "高橋 みどり", "email": "Midori@Example.jp", "skills": ["written_chat"]}
    fields.update(data)
    with capture(execute=True):
        return client.post(NEW_URL, fields, follow=True)


def test_list_shows_name_email_skills_and_shifts_this_week(
    supervisor: Any,
    operator: Any,
    make_user: Any,
    signed_in: Any,
    django_assert_max_num_queries: Any,
) -> None:
    idle = make_user("operator", display_name="休み 太郎", skills=["written_chat"])
    today = timezone.localdate()
    monday = datetime.datetime.combine(
        today - datetime.timedelta(days=today.weekday()), datetime.time(10), tzinfo=JST
    )
    for days in (0, 4):  # two shifts this week (Monday and Friday)
        Shift.objects.create(
            operator=operator,
            start=monday + datetime.timedelta(days=days),
            end=monday + datetime.timedelta(days=days, hours=3),
        )
    Shift.objects.create(  # next Monday: not this week
        operator=idle,
        start=monday + datetime.timedelta(days=7),
        end=monday + datetime.timedelta(days=7, hours=3),
    )
    client = signed_in(supervisor)
    with django_assert_max_num_queries(8):
        page = client.get(LIST_URL).content.decode()
    cards = page.split("<h2>")
    mine = next(card for card in cards if card.startswith(operator.name))
    theirs = next(card for card in cards if card.startswith(idle.name))
    assert operator.email in mine
    assert "手話（ビデオ）" in mine and "筆談（文字のチャット）" in mine
    assert "2件" in mine
    assert "今週の勤務はありません" in theirs
    assert "手話（ビデオ）" not in theirs
    assert page.count("<h1") == 1
    assert reverse("supervision:operator-new") in page


def test_supervisor_home_links_to_operators(supervisor: Any, signed_in: Any) -> None:
    page = signed_in(supervisor).get(reverse("supervision:home")).content.decode()
    assert f'href="{LIST_URL}"' in page


def test_new_operator_chooses_a_password_from_the_link_then_signs_in_with_a_code(
    supervisor: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = add_operator(signed_in(supervisor), django_capture_on_commit_callbacks)
    new = User.objects.get(email="midori@example.jp")
    assert response.redirect_chain[-1][0] == reverse("supervision:operator-detail", args=[new.pk])
    assert "高橋 みどり" in response.content.decode()
    assert new.is_operator and not new.is_supervisor and new.skills == ["written_chat"]
    assert not new.has_usable_password()  # nobody, not even the supervisor, knows a password
    created = AuditEvent.objects.get(action="user.created", subject_user=new)
    assert created.actor_id == supervisor.pk
    assert AuditEvent.objects.filter(action="user.password_link_sent", subject_user=new).exists()

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["midori@example.jp"]
    assert "midori@example.jp" in mail.outbox[0].body  # the user name to sign in with
    path = link_in(mail.outbox[0])

    visitor = Client()
    page = visitor.get(path).content.decode()
    assert 'autocomplete="new-password"' in page and 'autocomplete="username"' in page
    bad = visitor.post(path, {"password1": "short", "password2": "short"})
    assert bad.status_code == 400
    assert "error-summary" in bad.content.decode()
    done = visitor.post(
        path, {"password1": "sky-lantern-ocean-42", "password2": "sky-lantern-ocean-42"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    new.refresh_from_db()
    assert new.check_password("sky-lantern-ocean-42")
    assert AuditEvent.objects.filter(action="user.password_set_by_link", subject_user=new).exists()

    # The link works once.
    again = visitor.get(path).content.decode()
    assert "このリンクは使えません" in again
    assert "password1" not in again

    # Sign-in is password, then the e-mailed code, as for everyone.
    mail.outbox.clear()
    step_one = visitor.post(
        reverse("accounts:login"),
        {"username": "midori@example.jp", "password": "sky-lantern-ocean-42"},
    )
    assert step_one.status_code == 302 and step_one["Location"].startswith(reverse("accounts:otp"))
    assert visitor.get(reverse("supervision:home")).status_code == 302  # not yet: code needed
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body)
    assert code
    visitor.post(reverse("accounts:otp"), {"token": code.group(1)})
    assert visitor.get(reverse("signlanguage:queue")).status_code == 200


def test_a_wrong_link_changes_nothing(operator: Any) -> None:
    from access_support.accounts.services import password_setup_path

    path = password_setup_path(operator)
    tampered = path[:-3] + ("a" if path[-3] != "a" else "b") + path[-2:]
    page = Client().post(
        tampered, {"password1": "sky-lantern-ocean-42", "password2": "sky-lantern-ocean-42"}
    )
    assert "このリンクは使えません" in page.content.decode()
    operator.refresh_from_db()
    assert not operator.check_password("sky-lantern-ocean-42")


def test_an_address_already_in_use_is_refused_with_a_clear_message(
    supervisor: Any, operator: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = add_operator(
        signed_in(supervisor), django_capture_on_commit_callbacks, email=operator.email.upper()
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "このメールアドレスのアカウントはすでにあります" in page
    assert 'href="#id_email"' in page  # the error summary links to the field
    assert "高橋 みどり" in page  # what was typed is kept
    assert User.objects.filter(email__iexact=operator.email).count() == 1
    assert not mail.outbox


def test_missing_fields_and_no_skill_are_explained(
    supervisor: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    response = add_operator(
        signed_in(supervisor), django_capture_on_commit_callbacks, name="", email="x", skills=[]
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "オペレーターの名前を入力してください" in page
    assert "メールアドレスは name@example.jp のように書いてください" in page
    assert "スキルを1つ以上選んでください" in page
    assert not User.objects.filter(is_operator=True).exists()


def test_the_form_in_english(
    supervisor: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(supervisor)
    client.cookies["as_language"] = "en"
    response = add_operator(client, django_capture_on_commit_callbacks, skills=[])
    assert "Choose at least one skill." in response.content.decode()


def test_changing_skills_is_audited_and_changes_what_the_operator_can_take(
    supervisor: Any, operator: Any, signed_in: Any
) -> None:
    url = reverse("supervision:operator-detail", args=[operator.pk])
    client = signed_in(supervisor)
    page = client.get(url).content.decode()
    assert page.count("checked") == 2  # both skills today
    response = client.post(url, {"skills": ["sign_language"]}, follow=True)
    assert "スキルを保存しました" in response.content.decode()
    operator.refresh_from_db()
    assert operator.skills == ["sign_language"]
    event = AuditEvent.objects.get(action="user.skills_changed", subject_user=operator)
    assert event.actor_id == supervisor.pk
    assert event.before == {"skills": ["sign_language", "written_chat"]}
    assert event.after == {"skills": ["sign_language"]}

    refused = client.post(url, {"skills": []})
    assert refused.status_code == 400
    operator.refresh_from_db()
    assert operator.skills == ["sign_language"]


def test_a_new_link_only_before_the_password_is_chosen(
    supervisor: Any, operator: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(supervisor)
    add_operator(client, django_capture_on_commit_callbacks)
    new = User.objects.get(email="midori@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("supervision:operator-password-link", args=[new.pk]))
    assert len(mail.outbox) == 2
    # `operator` has a password: no link (this is not a way to take over an account).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:operator-password-link", args=[operator.pk]), follow=True
        )
    assert len(mail.outbox) == 2
    assert "すでにパスワードを決めています" in response.content.decode()


def test_a_member_is_not_an_operator_page(supervisor: Any, senior: Any, signed_in: Any) -> None:
    url = reverse("supervision:operator-detail", args=[senior.pk])
    assert signed_in(supervisor).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["operator", "senior"])
def test_only_supervisors_manage_operators(
    persona: str, request: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(LIST_URL).status_code == 403
    response = add_operator(client, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not User.objects.filter(email="midori@example.jp").exists()


def test_a_new_operator_s_name_reading_is_asked_and_kept(
    supervisor: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The reading of the name (フリガナ) goes over the name for customers who turn furigana on
    (issue 23 item 7): asked, optional, kana only."""
    client = signed_in(supervisor)
    assert 'name="name_reading"' in client.get(NEW_URL).content.decode()
    response = add_operator(
        client, django_capture_on_commit_callbacks, name_reading="たかはし みどり"
    )
    assert response.status_code == 200
    assert User.objects.get(email="midori@example.jp").name_reading == "たかはし みどり"
    response = add_operator(
        client,
        django_capture_on_commit_callbacks,
        email="other@example.jp",
        name_reading="<b>Takahashi</b>",
    )
    assert 'id="id_name_reading"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.filter(email="other@example.jp").exists()
