"""Health check, the Japanese default, the language switch, the websocket second-factor gate."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from access_support.ws import OTPStateMiddleware

pytestmark = pytest.mark.django_db


def test_healthz_checks_database_and_channel_layer():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_reports_a_broken_channel_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        response = Client().get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["failing"] == ["channel_layer"]


def test_pages_are_japanese_by_default_even_for_an_english_browser():
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="ja">' in page.content.decode()


def test_language_switch_returns_to_the_same_page_in_english():
    client = Client()
    response = client.post("/i18n/language", {"language": "en", "next": "/accounts/login/?x=1"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?x=1"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_language_switch_refuses_an_outside_redirect():
    response = Client().post("/i18n/language", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_every_page_has_a_skip_link_and_landmarks():
    page = Client().get("/accounts/login/").content.decode()
    assert 'class="skip-link" href="#main"' in page
    for landmark in ("<header", "<main", "<footer"):
        assert landmark in page


async def _scope_after_middleware(user, session) -> dict:
    seen = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    await OTPStateMiddleware(inner)(
        {"type": "websocket", "user": user, "session": session}, None, None
    )
    return seen


@pytest.mark.django_db(transaction=True)
async def test_websocket_scope_shows_whether_the_second_factor_is_verified(make_user):
    from django_otp import DEVICE_ID_SESSION_KEY

    from access_support.accounts.services import email_device_for

    user = await database_sync_to_async(make_user)("member")
    device = await database_sync_to_async(email_device_for)(user)
    verified = await _scope_after_middleware(user, {DEVICE_ID_SESSION_KEY: device.persistent_id})
    assert verified["otp_verified"] is True
    password_only = await _scope_after_middleware(user, {})
    assert password_only["otp_verified"] is False
    other = await database_sync_to_async(make_user)("member")
    stolen = await _scope_after_middleware(other, {DEVICE_ID_SESSION_KEY: device.persistent_id})
    assert stolen["otp_verified"] is False


def test_refused_and_missing_pages_keep_the_site_layout_and_language_switch(signed_in, senior):
    client = signed_in(senior)
    refused = client.get("/supervision/")
    assert refused.status_code == 403
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    for response, heading in (
        (refused, "このページは開けません"),
        (missing, "ページが見つかりません"),
    ):
        page = response.content.decode()
        assert f"<h1>{heading}</h1>" in page
        assert 'class="skip-link"' in page and "<nav" in page
        assert 'name="language" value="en"' in page


@pytest.mark.speedups_only
def test_a_verified_request_hands_views_the_user_itself(signed_in, make_user):
    """After the second-factor gate, views get the User (no lazy wrappers to pass through on
    every attribute read), still carrying django-otp's device and is_verified()."""
    from access_support.accounts.models import User

    member = make_user("member")
    response = signed_in(member).get("/api/v1/me")
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is User
    assert (user.pk, user.is_verified()) == (member.pk, True)
    assert user.otp_device is not None and user.otp_device.user_id == member.pk


def test_an_unverified_request_is_still_stopped_at_the_gate(make_user):
    member = make_user("member")
    client = Client()
    client.force_login(member)
    response = client.get("/api/v1/me")
    assert (response.status_code, response.json()["error"]) == (401, "otp_required")
