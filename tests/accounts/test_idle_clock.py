"""The timeout warning's clock (WCAG 2.2.1): signed-in pages carry the time left, GET
/api/v1/session reads it without restarting it, POST (the Extend button) restarts it."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

CLOCK = "/api/v1/session"


def _backdate(client: Client, seconds: int) -> None:
    """As if the last activity was `seconds` ago (the session row's expiry included)."""
    session = client.session
    session["_touched"] = int(time.time()) - seconds
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=session["_idle"] - seconds)
    )


def _row_expiry(client: Client) -> timedelta:
    row = Session.objects.get(session_key=client.session.session_key)
    return row.expire_date - timezone.now()


def test_extend_restarts_the_idle_clock_and_moves_the_server_expiry(signed_in: Any, senior: Any):
    client = signed_in(senior)
    client.get("/")
    _backdate(client, 28 * 60)
    assert _row_expiry(client) < timedelta(minutes=3)

    response = client.post(CLOCK, "{}", content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert 29 * 60 < body["seconds_left"] <= 30 * 60
    assert body["acting"] is None
    assert body["expires_at"].endswith("+09:00")
    assert timedelta(minutes=29) < _row_expiry(client) <= timedelta(minutes=30)


def test_an_operators_extension_is_fifteen_minutes(signed_in: Any, operator: Any):
    client = signed_in(operator)
    client.get("/")
    _backdate(client, 14 * 60)
    body = client.post(CLOCK, "{}", content_type="application/json").json()
    assert 14 * 60 < body["seconds_left"] <= 15 * 60
    assert timedelta(minutes=14) < _row_expiry(client) <= timedelta(minutes=15)


def test_reading_the_clock_does_not_restart_it(signed_in: Any, senior: Any):
    client = signed_in(senior)
    client.get("/")
    _backdate(client, 10 * 60)
    before = _row_expiry(client)

    body = client.get(CLOCK).json()

    assert 19 * 60 < body["seconds_left"] <= 20 * 60
    assert abs((_row_expiry(client) - before).total_seconds()) < 5


def test_a_visitor_who_is_not_signed_in_cannot_extend(client: Client):
    response = client.post(CLOCK, "{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert client.get(CLOCK).status_code == 401


def test_a_password_only_session_cannot_extend(senior: Any):
    client = Client()
    client.force_login(senior)
    response = client.post(CLOCK, "{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "otp_required"


def test_extend_needs_the_csrf_token(senior: Any):
    from tests.conftest import verify_session

    client = verify_session(Client(enforce_csrf_checks=True), senior)
    page = client.get("/").content.decode()
    assert client.post(CLOCK, "{}", content_type="application/json").status_code == 403

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "the page carries no CSRF token for the Extend button"
    response = client.post(
        CLOCK, "{}", content_type="application/json", headers={"X-CSRFToken": token.group(1)}
    )
    assert response.status_code == 200


def test_a_signed_in_page_carries_the_warning_and_its_clock(signed_in: Any, senior: Any):
    html = signed_in(senior).get("/").content.decode()
    dialog = re.search(r"<dialog id=\"idle-dialog\"[^>]*>", html)
    assert dialog, "no timeout warning on a signed-in page"
    left = int(re.search(r'data-session-left="(\d+)"', dialog.group(0)).group(1))  # type: ignore[union-attr]
    assert 29 * 60 <= left <= 30 * 60
    warn = int(re.search(r'data-warn-before="(\d+)"', dialog.group(0)).group(1))  # type: ignore[union-attr]
    assert warn >= 120, "the warning must come at least 2 minutes before the end"
    assert "延長する" in html and "{minutes}" in dialog.group(0)
    assert '<script src="/static/js/idle-timeout.js" defer></script>' in html


def test_the_sign_in_page_has_no_timeout_warning(client: Client):
    html = client.get("/accounts/login/").content.decode()
    assert "idle-dialog" not in html and "idle-timeout.js" not in html


def test_the_warning_comes_at_least_two_minutes_before_the_end():
    assert settings.IDLE_WARNING_SECONDS >= 120
    assert settings.OPERATOR_IDLE_SECONDS > settings.IDLE_WARNING_SECONDS


# --- consistent help (WCAG 3.2.6): the footer links to the channels ---------------------------


def _footer(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]


def test_a_members_footer_links_to_written_chat_and_booking(signed_in: Any, senior: Any):
    for path in ("/", "/accounts/security/", "/sessions/"):
        footer = _footer(signed_in(senior).get(path).content.decode())
        assert 'href="/sessions/now/"' in footer, path
        assert 'href="/sessions/book/"' in footer, path


def test_staff_footer_links_to_booking_only(signed_in: Any, operator: Any):
    footer = _footer(signed_in(operator).get("/").content.decode())
    assert 'href="/sessions/now/"' not in footer  # talk-now is for members (403 for staff)
    assert 'href="/sessions/book/"' in footer


def test_a_visitors_footer_links_to_sign_in_first(client: Client):
    footer = _footer(client.get("/accounts/login/").content.decode())
    assert 'href="/accounts/login/?next=/sessions/"' in footer
