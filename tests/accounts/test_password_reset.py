"""Account recovery without a phone (issue 21 item 2, first part): "forgot your password?" by
e-mail — the same answer whether or not the address has an account, throttled, the link
single-use and short-lived, every other session ended by the reset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from access_support.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-Long-pass-2026"


def _ask(client: Client, email: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/accounts/forgot-password/", {"email": email})


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    senior, django_capture_on_commit_callbacks
):
    known = _ask(Client(), senior.email, django_capture_on_commit_callbacks)
    unknown = _ask(Client(), "nobody@example.jp", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)  # noqa: E731
    assert strip(known.content.decode()) == strip(unknown.content.decode())
    assert [m.to for m in mail.outbox] == [[senior.email]]
    assert AuditEvent.objects.filter(action="user.password_reset_requested").count() == 1


def test_the_link_sets_a_new_password_once_and_ends_every_other_session(
    senior, signed_in, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://support.example.jp"
    elsewhere = signed_in(senior)
    assert elsewhere.get("/").status_code == 200
    _ask(Client(), senior.email, django_capture_on_commit_callbacks)
    body = mail.outbox[-1].body
    assert "https://support.example.jp/accounts/reset-password/" in body
    path = "/" + body.split("https://support.example.jp/", 1)[1].split()[0]
    browser = Client()
    assert "新しいパスワードを決める" in browser.get(path).content.decode()
    done = browser.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    senior.refresh_from_db()
    assert senior.check_password(NEW_PASSWORD) and not senior.check_password(PASSWORD)
    # The session signed in before the reset is signed out.
    assert elsewhere.get("/").status_code == 302
    # The link works once.
    again = browser.post(path, {"password1": "x-Other-pass-2027", "password2": "x-Other-pass-2027"})
    assert "もう使ったか" in again.content.decode()
    senior.refresh_from_db()
    assert senior.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_reset", subject_user=senior).exists()


def test_the_link_expires_after_an_hour(senior, settings, django_capture_on_commit_callbacks):
    import time
    from unittest import mock

    _ask(Client(), senior.email, django_capture_on_commit_callbacks)
    path = (
        "/accounts/reset-password/"
        + mail.outbox[-1].body.split("/accounts/reset-password/", 1)[1].split()[0]
    )
    later = time.time() + settings.PASSWORD_RESET_LINK_SECONDS + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        page = Client().get(path).content.decode()
    assert "1時間以上" in page


def test_asking_too_often_from_one_address_is_refused_without_telling_about_accounts(
    senior, django_capture_on_commit_callbacks, settings
):
    client = Client()
    answers = [
        _ask(client, f"someone{n}@example.jp", django_capture_on_commit_callbacks).status_code
        for n in range(settings.PASSWORD_RESET_PER_ADDRESS)
    ]
    assert answers == [200] * settings.PASSWORD_RESET_PER_ADDRESS
    refused = _ask(client, senior.email, django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert not mail.outbox


def test_one_account_gets_at_most_three_links_an_hour(
    senior, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_RESET_PER_ADDRESS = 100
    for _ in range(5):
        assert _ask(Client(), senior.email, django_capture_on_commit_callbacks).status_code == 200
    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_ACCOUNT


def test_the_sign_in_page_links_to_the_forgotten_password_page(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/forgot-password/"' in html and "パスワードを忘れたとき" in html
