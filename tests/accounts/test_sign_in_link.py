"""The one-click sign-in link in the code e-mail (issue 23 item 9): it works once, while the code
is valid, and only in the browser that entered the password and asked for the code; elsewhere
it signs nobody in and says to enter the code. Signing in by it is audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice

from access_support.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ELSEWHERE = "パスワードを入れたブラウザーでだけ使えます"
NO_LONGER = "このリンクは、もう使えません"


def after_password(user: Any, next_url: str = "") -> Client:
    client = Client()
    suffix = f"?next={next_url}" if next_url else ""
    client.post(f"/accounts/login/{suffix}", {"username": user.username, "password": PASSWORD})
    return client


def newest_mail(user: Any) -> str:
    bodies = [m.body for m in mail.outbox if user.email in m.to]
    assert bodies, "no code e-mail"
    return bodies[-1]


def link_in(body: str) -> str:
    found = re.search(r"https?://\S+/accounts/otp/link/\S+/", body)
    assert found, body
    return urlsplit(found.group(0)).path


def code_in(body: str) -> str:
    found = re.search(r"(\d{6})", body)
    assert found, body
    return found.group(1)


def is_verified(client: Client) -> bool:
    return client.get("/").status_code == 200


def link_sign_ins(user: Any) -> int:
    return AuditEvent.objects.filter(
        action="auth.otp_verified", subject_user=user, reason="e-mailed link"
    ).count()


def test_the_link_signs_in_the_browser_that_asked_once(make_user: Any) -> None:
    user = make_user("member")
    client = after_password(user, next_url="/accounts/security/")
    body = newest_mail(user)
    assert "1回だけ使えます" in body and "パスワードを入れたブラウザーで開いて" in body
    link = link_in(body)

    answer = client.get(link)
    assert answer.status_code == 302 and answer["Location"] == "/accounts/security/"
    assert is_verified(client)
    assert link_sign_ins(user) == 1
    # It used the code: the code in the same e-mail no longer works.
    assert EmailDevice.objects.get(user=user).verify_token(code_in(body)) is False

    # Signed out and in again with the password (within the cool-down: no new e-mail), the
    # same browser cannot use the link a second time.
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    again = client.get(link)
    assert again.status_code == 400
    assert not is_verified(client)
    assert link_sign_ins(user) == 1


def test_the_link_in_another_browser_only_says_to_enter_the_code(make_user: Any) -> None:
    user = make_user("member")
    asking = after_password(user)
    link = link_in(newest_mail(user))

    other = Client()
    page = other.get(link)
    assert page.status_code == 400
    assert ELSEWHERE in page.content.decode()
    assert not is_verified(other)

    # Another browser that knows the password is refused too.
    intruder = after_password(user)
    assert intruder.get(link).status_code == 400
    assert not is_verified(intruder)
    assert link_sign_ins(user) == 0

    # The refusals did not use it up: the browser that asked still signs in with it.
    assert asking.get(link).status_code == 302
    assert is_verified(asking)


@pytest.mark.parametrize(
    ("after", "works"),
    [(timedelta(minutes=9, seconds=50), True), (timedelta(minutes=10, seconds=1), False)],
)
def test_the_link_expires_with_the_code(make_user: Any, after: timedelta, works: bool) -> None:
    user = make_user("member")
    client = after_password(user)
    link = link_in(newest_mail(user))
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + after):
        page = client.get(link)
        assert is_verified(client) is works
    if works:
        assert page.status_code == 302
    else:
        assert page.status_code == 400
        assert NO_LONGER in page.content.decode()
    assert link_sign_ins(user) == (1 if works else 0)


def test_after_wrong_codes_the_link_says_how_long_to_wait(make_user: Any) -> None:
    user = make_user("member")
    client = after_password(user)
    link = link_in(newest_mail(user))
    EmailDevice.objects.filter(user=user).update(
        throttling_failure_count=3, throttling_failure_timestamp=timezone.now()
    )
    page = client.get(link)
    assert page.status_code == 429
    wait = re.search(r"(\d+)秒待ってから、もう一度リンクを", page.content.decode())
    assert wait and 1 <= int(wait.group(1)) <= 4, page.content.decode()
    assert not is_verified(client)
    later = timezone.now() + timedelta(seconds=5)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get(link).status_code == 302
        assert is_verified(client)


def test_a_typed_code_ends_the_link_too(make_user: Any) -> None:
    user = make_user("member")
    client = after_password(user)
    body = newest_mail(user)
    device = EmailDevice.objects.get(user=user)
    assert device.verify_token(code_in(body))  # e.g. typed in another tab's form
    page = client.get(link_in(body))
    assert page.status_code == 400
    assert NO_LONGER in page.content.decode()


def test_a_newer_code_ends_the_earlier_link(make_user: Any) -> None:
    user = make_user("member")
    client = after_password(user)
    first = link_in(newest_mail(user))
    EmailDevice.objects.filter(user=user).update(
        last_generated_timestamp=timezone.now() - timedelta(seconds=31)
    )
    client.post("/accounts/otp/", {"action": "send"})
    second = link_in(newest_mail(user))
    assert second != first
    page = client.get(first)
    assert page.status_code == 400
    assert NO_LONGER in page.content.decode()
    assert client.get(second).status_code == 302
    assert is_verified(client)


def test_the_english_e_mail_and_page(make_user: Any) -> None:
    user = make_user("member")
    user.language = "en"
    user.save(update_fields=["language"])
    after_password(user)
    body = newest_mail(user)
    assert "Or sign in with one click" in body
    other = Client()
    other.cookies["as_language"] = "en"
    page = other.get(link_in(body)).content.decode()
    assert "This link works only in the browser where you entered your password" in page


def test_no_link_when_policy_is_off(make_user: Any, settings: Any) -> None:
    user = make_user("member")
    client = after_password(user)
    link = link_in(newest_mail(user))
    settings.OTP_EMAIL_SIGN_IN_LINK = False
    # A link sent before the policy changed no longer signs in.
    assert client.get(link).status_code == 400
    assert not is_verified(client)
    # A new code comes alone.
    EmailDevice.objects.filter(user=user).update(
        last_generated_timestamp=timezone.now() - timedelta(seconds=31)
    )
    client.post("/accounts/otp/", {"action": "send"})
    body = newest_mail(user)
    assert "/accounts/otp/link/" not in body
    assert "コードを入れずにログインできます" not in body
    assert len(code_in(body)) == 6
