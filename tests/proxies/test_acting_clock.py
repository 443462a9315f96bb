"""The acting context's idle clock in the timeout warning: shown to the page, read without
restarting it, restarted by the Extend button (POST /api/v1/session)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from proxies import acting

pytestmark = pytest.mark.django_db

CLOCK = "/api/v1/session"


def _acting_for(client: Any, member: Any, idle_for: int) -> None:
    client.post(f"/proxies/act/{member.pk}/")
    session = client.session
    session[acting.SESSION_KEY] = {"member_id": member.pk, "seen": time.time() - idle_for}
    session.save()


def test_extend_restarts_the_acting_clock(signed_in, proxy, senior, active_grant):
    client = signed_in(proxy)
    _acting_for(client, senior, 27 * 60)

    body = client.post(CLOCK, "{}", content_type="application/json").json()

    assert 29 * 60 < body["acting"]["seconds_left"] <= 30 * 60
    assert time.time() - client.session[acting.SESSION_KEY]["seen"] < 5


def test_reading_the_clock_leaves_the_acting_clock_alone(signed_in, proxy, senior, active_grant):
    client = signed_in(proxy)
    _acting_for(client, senior, 27 * 60)

    body = client.get(CLOCK).json()

    assert 2 * 60 < body["acting"]["seconds_left"] <= 3 * 60
    assert time.time() - client.session[acting.SESSION_KEY]["seen"] > 26 * 60


def test_extend_does_not_revive_acting_after_the_grant_is_revoked(
    signed_in, proxy, senior, active_grant
):
    from proxies import services

    client = signed_in(proxy)
    _acting_for(client, senior, 5 * 60)
    services.grant_revoke(grant=active_grant, actor=senior)

    body = client.post(CLOCK, "{}", content_type="application/json").json()

    assert body["acting"] is None
    assert acting.SESSION_KEY not in client.session


def test_a_page_shows_the_acting_clock_and_names_the_member(signed_in, proxy, senior, active_grant):
    client = signed_in(proxy)
    _acting_for(client, senior, 10 * 60)
    html = client.get("/").content.decode()  # opening a page is activity: the clock restarts
    assert 'data-acting-left="' in html
    left = int(html.split('data-acting-left="', 1)[1].split('"', 1)[0])
    assert 29 * 60 < left <= 30 * 60
    assert "山田 花子様の代理の操作が終わります" in html
