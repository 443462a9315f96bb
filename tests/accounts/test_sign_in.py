"""Sign-in with password + e-mailed token through the pages and the JSON API, for every role."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice

from access_support.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ["member", "proxy", "operator", "supervisor"]


def mailed_code() -> str:
    assert mail.outbox, "no e-mail was sent"
    match = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def api_post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_through_the_pages_with_an_emailed_code(make_user, role):
    user = make_user(role)
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")
    key_after_password = client.session.session_key
    # Not verified yet: the home page sends the user to the code step.
    assert client.get("/")["Location"].startswith("/accounts/otp/")
    response = client.post("/accounts/otp/", {"token": mailed_code()})
    assert response.status_code == 302
    assert client.session.session_key != key_after_password
    home = client.get("/")
    assert home.status_code == 200
    assert user.name in home.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_through_the_json_api(make_user, role):
    user = make_user(role)
    client = Client(enforce_csrf_checks=True)
    csrf = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    headers = {"HTTP_X_CSRFTOKEN": csrf}
    anonymous_key = client.cookies.get("sessionid")
    response = client.post(
        "/api/v1/auth/login",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["otp_required"] is True
    assert body["devices"][0]["type"] == "email"
    key_after_password = client.session.session_key
    assert key_after_password != anonymous_key
    # The CSRF token is rotated by login; fetch the new one.
    headers = {"HTTP_X_CSRFTOKEN": client.get("/api/v1/auth/csrf").json()["csrf_token"]}
    assert client.get("/api/v1/me").json() == {
        "error": "otp_required",
        "detail": "Verify the second factor first.",
    }
    response = client.post(
        "/api/v1/auth/otp/challenge",
        {"device": "email"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    response = client.post(
        "/api/v1/auth/otp/verify",
        {"device": "email", "token": mailed_code()},
        content_type="application/json",
        **headers,
    )
    assert response.json() == {"verified": True}
    assert client.session.session_key != key_after_password
    me = client.get("/api/v1/me").json()
    assert me["username"] == user.username
    assert me["roles"] == [role]


def test_api_without_csrf_token_is_refused(senior):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/auth/login",
        {"username": "senior", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_wrong_password_and_unknown_user_get_the_same_answer(senior):
    client = Client()
    wrong_password = api_post(
        client, "/api/v1/auth/login", {"username": "senior", "password": "nope"}
    )
    unknown_user = api_post(
        client, "/api/v1/auth/login", {"username": "nobody", "password": "nope"}
    )
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
    assert wrong_password.json()["error"] == "invalid_credentials"
    page = client.post("/accounts/login/", {"username": "senior", "password": "nope"})
    assert "user name or password" in page.content.decode() or "ユーザー名" in page.content.decode()


def test_five_wrong_passwords_lock_the_account_even_with_the_right_password(senior):
    client = Client()
    for _ in range(5):
        api_post(client, "/api/v1/auth/login", {"username": "senior", "password": "wrong"})
    response = api_post(client, "/api/v1/auth/login", {"username": "senior", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["error"] == "locked_out"
    assert AuditEvent.objects.filter(action="auth.locked_out", subject_user=senior).exists()


def test_wrong_passwords_from_one_address_lock_that_address_across_accounts(make_user):
    users = [make_user("member") for _ in range(6)]
    client = Client(REMOTE_ADDR="203.0.113.9")
    for user in users[:5]:
        api_post(client, "/api/v1/auth/login", {"username": user.username, "password": "wrong"})
    response = api_post(
        client, "/api/v1/auth/login", {"username": users[5].username, "password": PASSWORD}
    )
    assert response.status_code == 429
    other_address = Client(REMOTE_ADDR="198.51.100.7")
    response = api_post(
        other_address, "/api/v1/auth/login", {"username": users[5].username, "password": PASSWORD}
    )
    assert response.status_code == 200


def _password_step(user: Any) -> Client:
    client = Client()
    response = api_post(
        client, "/api/v1/auth/login", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    return client


def test_ten_wrong_tokens_lock_the_code_step_with_exponential_back_off(senior):
    client = _password_step(senior)
    api_post(client, "/api/v1/auth/otp/challenge", {"device": "email"})
    correct = mailed_code()
    wrong = "000000" if correct != "000000" else "111111"
    start = timezone.now()
    clock = {"now": start}
    with mock.patch("django.utils.timezone.now", lambda: clock["now"]):
        for attempt in range(10):
            response = api_post(
                client, "/api/v1/auth/otp/verify", {"device": "email", "token": wrong}
            )
            assert response.status_code == 401, (attempt, response.content)
            # Wait out the back-off of this failure (1, 2, 4 … seconds) before the next try.
            clock["now"] += timedelta(seconds=2**attempt + 1)
        device = EmailDevice.objects.get(user=senior)
        assert device.throttling_failure_count == 10
        clock["now"] = device.throttling_failure_timestamp + timedelta(seconds=1)
        # The 11th attempt, with the correct token, is refused while the back-off (512 s) runs.
        response = api_post(
            client, "/api/v1/auth/otp/verify", {"device": "email", "token": correct}
        )
        assert response.status_code == 429
        assert response.json()["error"] == "throttled"
        assert response.json()["retry_after"] > 500
        # After the back-off ends, the correct token works (it is still within its validity).
        clock["now"] = device.throttling_failure_timestamp + timedelta(seconds=513)
        device.valid_until = clock["now"] + timedelta(minutes=5)
        device.save()
        response = api_post(
            client, "/api/v1/auth/otp/verify", {"device": "email", "token": correct}
        )
        assert response.json() == {"verified": True}


def test_a_used_token_is_refused_the_second_time(senior):
    client = _password_step(senior)
    api_post(client, "/api/v1/auth/otp/challenge", {"device": "email"})
    code = mailed_code()
    assert (
        api_post(client, "/api/v1/auth/otp/verify", {"device": "email", "token": code}).status_code
        == 200
    )
    second = _password_step(senior)
    response = api_post(second, "/api/v1/auth/otp/verify", {"device": "email", "token": code})
    assert response.status_code in (401, 429)
    assert second.get("/api/v1/me").status_code == 401


def test_wrong_tokens_from_one_address_are_throttled_across_accounts(make_user, settings):
    settings.OTP_ADDRESS_FAILURE_LIMIT = 3
    from django.core.cache import cache

    cache.clear()
    users = [make_user("member") for _ in range(4)]
    for user in users[:3]:
        client = _password_step(user)
        api_post(client, "/api/v1/auth/otp/verify", {"device": "email", "token": "999999"})
    client = _password_step(users[3])
    response = api_post(client, "/api/v1/auth/otp/verify", {"device": "email", "token": "999999"})
    assert response.status_code == 429


@pytest.mark.parametrize("path", ["/", "/accounts/security/"])
def test_protected_pages_redirect_to_the_code_step_without_second_factor(senior, path):
    client = _password_step(senior)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/")


def test_protected_pages_send_anonymous_users_to_sign_in():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_protected_api_answers_401_without_the_second_factor(senior):
    client = _password_step(senior)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"] == "otp_required"
    assert Client().get("/api/v1/me").json()["error"] == "not_authenticated"


def test_sign_in_and_failure_are_audited(senior):
    client = Client()
    api_post(client, "/api/v1/auth/login", {"username": "senior", "password": "wrong"})
    client = _password_step(senior)
    actions = list(AuditEvent.objects.filter(subject_user=senior).values_list("action", flat=True))
    assert "auth.password_failed" in actions
    assert "auth.password_ok" in actions


def test_bad_json_gets_a_clear_error():
    client = Client()
    response = client.post("/api/v1/auth/login", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    response = api_post(client, "/api/v1/auth/login", {"username": "x"})
    assert response.json()["error"] == "invalid_field"


@pytest.mark.django_db
def test_nul_characters_in_a_json_body_are_refused_before_anything_is_looked_up():
    """JSON can carry U+0000 (as \\u0000); PostgreSQL text cannot store it, and before this the
    login's lockout lookup failed with a 500 on PostgreSQL (found by Hypothesis)."""
    client = Client()
    for body in (
        {"username": "\x00", "password": "x"},
        {"username": "senior", "password": "pass\x00word"},
        {"username": "senior", "password": "x", "extra": ["ok", {"k\x00": 1}]},
    ):
        response = api_post(client, "/api/v1/auth/login", body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "invalid_json"


def test_logout_ends_the_session(signed_in, senior):
    client = signed_in(senior)
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_the_icon_the_code_page_asks_for_cannot_sign_the_user_out(make_user):
    """A browser fetches a page's icon after the page, with the cookie it had then. If the app
    answered that request (as /favicon.ico went through the session middleware), an answer that
    came after the code was accepted found the replaced session gone and cleared the new
    session's cookie: the member landed on the sign-in page again, code accepted. The icon is a
    static file, served before the session middleware, so it leaves the cookie alone."""
    user = make_user("member")
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    page = client.get("/accounts/otp/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon, "the code page names no icon, so the browser asks the app for /favicon.ico"
    old_cookie = client.cookies["sessionid"].value
    assert client.post("/accounts/otp/", {"token": mailed_code()}).status_code == 302
    assert client.cookies["sessionid"].value != old_cookie

    late = Client()  # the icon request, sent with the code page's cookie, answered late
    late.cookies["sessionid"] = old_cookie
    answer = late.get(icon.group(1))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("image/svg+xml")
    assert "sessionid" not in answer.cookies, answer.cookies
    # What the old way did: an app page answered with that cookie clears it.
    assert late.get("/favicon.ico").cookies["sessionid"].value == ""
    assert client.get("/").status_code == 200
