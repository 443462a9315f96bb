"""TURN with short-lived credentials (issue 22 item 2): coturn's shared-secret scheme, handed to
each participant of a sign-language session over its websocket, ending with the session; none
once it has ended, none without TURN_URLS, and the secret never in a page."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from signlanguage.live import turn
from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    closed_with,
    cookie_of,
    joined,
    make_grant,
    make_session,
    next_of,
)

TURN_URLS = ["turn:turn.example.jp:3478?transport=udp", "turns:turn.example.jp:5349"]
SECRET = "north-wind-0a9c7e1f-static-auth-secret"
STUN = [{"urls": ["stun:stun.example.jp:3478"]}]


@pytest.fixture
def with_turn(settings: Any) -> Any:
    settings.TURN_URLS = TURN_URLS
    settings.TURN_SECRET = SECRET
    settings.ICE_SERVERS = STUN
    return settings


def coturn_password(secret: str, username: str) -> str:
    """What coturn computes for `use-auth-secret`, written out again here."""
    mac = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def booked(make_session: Any, customer: Any, operator: Any, *, end_in: datetime.timedelta) -> Any:
    now = timezone.now()
    return make_session(
        customer,
        operator,
        mode="sign_language",
        kind="booked",
        start=now + end_in - datetime.timedelta(minutes=30),
        end=now + end_in,
    )


# --- the scheme ----------------------------------------------------------------------------------


def test_the_password_is_coturns_hmac_sha1_in_base64() -> None:
    # A fixed vector, computed outside Python:
    #   printf '%s' '1700000000:s41u7' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64
    assert turn.password("north-wind", "1700000000:s41u7") == "iFct8n1lDsq530VrlMwV1ilW+2Y="


@pytest.mark.django_db
def test_a_booked_sessions_credential_ends_with_the_session_plus_the_margin(
    with_turn: Any, senior: Any, operator: Any, make_session: Any
) -> None:
    session = booked(make_session, senior, operator, end_in=datetime.timedelta(minutes=20))
    now = timezone.now()
    cred = turn.credential_for(session, senior, now)
    assert cred is not None
    margin = with_turn.TURN_CREDENTIAL_MARGIN_SECONDS
    assert cred.expires == int(session.end.timestamp()) + margin
    expires, who = cred.username.split(":")
    assert int(expires) == cred.expires
    assert who == f"s{session.pk}u{senior.pk}"
    assert cred.credential == coturn_password(SECRET, cred.username)
    assert cred.urls == TURN_URLS


@pytest.mark.django_db
def test_a_talk_now_or_overrunning_session_gets_a_bounded_credential_from_now(
    with_turn: Any, senior: Any, operator: Any, make_session: Any
) -> None:
    now = timezone.now()
    bound = with_turn.TURN_CREDENTIAL_SECONDS + with_turn.TURN_CREDENTIAL_MARGIN_SECONDS
    talk_now = make_session(senior, operator, mode="sign_language")
    assert turn.credential_for(talk_now, operator, now).expires == int(now.timestamp()) + bound
    over = booked(make_session, senior, operator, end_in=datetime.timedelta(minutes=-5))
    assert turn.credential_for(over, senior, now).expires == int(now.timestamp()) + bound


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["closed", "cancelled"])
def test_an_ended_session_gets_no_credential(
    with_turn: Any, senior: Any, operator: Any, make_session: Any, state: str
) -> None:
    session = make_session(senior, operator, mode="sign_language", state=state)
    assert turn.credential_for(session, senior, timezone.now()) is None
    assert turn.ice_frame(session, senior, timezone.now()) is None


@pytest.mark.django_db
def test_no_turn_urls_no_credential_and_written_chat_none(
    settings: Any, senior: Any, member_b: Any, operator: Any, make_session: Any
) -> None:
    settings.TURN_URLS = []
    settings.TURN_SECRET = SECRET
    video = make_session(senior, operator, mode="sign_language")
    assert turn.credential_for(video, senior, timezone.now()) is None
    settings.TURN_URLS = TURN_URLS
    chat = make_session(member_b, None, mode="written_chat", state="waiting")
    assert turn.credential_for(chat, senior, timezone.now()) is None


# --- over the websocket -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_each_participant_gets_its_own_credential_on_connecting(
    with_turn: Any, senior: Any, operator: Any, signed_in: Any, make_session: Any
) -> None:
    session = await database_sync_to_async(booked)(
        make_session, senior, operator, end_in=datetime.timedelta(minutes=25)
    )
    usernames = []
    for user in (senior, operator):
        socket = await joined(session.pk, await cookie_of(signed_in, user))
        frame = await next_of(socket, "rtc.ice_servers")
        await socket.disconnect()
        servers = frame["ice_servers"]
        assert servers[: len(STUN)] == STUN  # the page's STUN servers are kept
        relay = servers[-1]
        assert relay["urls"] == TURN_URLS
        assert re.fullmatch(rf"\d+:s{session.pk}u{user.pk}", relay["username"])
        assert relay["credential"] == coturn_password(SECRET, relay["username"])
        expires = int(relay["username"].split(":")[0])
        assert expires == int(session.end.timestamp()) + with_turn.TURN_CREDENTIAL_MARGIN_SECONDS
        assert datetime.datetime.fromisoformat(frame["expires_at"]).timestamp() == expires
        assert SECRET not in json.dumps(frame)
        usernames.append(relay["username"])
    assert usernames[0] != usernames[1]


@pytest.mark.django_db(transaction=True)
async def test_a_page_renews_its_credential_and_is_refused_once_the_session_ended(
    with_turn: Any, senior: Any, operator: Any, signed_in: Any, make_session: Any
) -> None:
    session = await database_sync_to_async(make_session)(senior, operator, mode="sign_language")
    socket = await joined(session.pk, await cookie_of(signed_in, senior))
    await next_of(socket, "rtc.ice_servers")
    await socket.send_json_to({"type": "rtc.ice_servers"})
    renewed = await next_of(socket, "rtc.ice_servers")
    assert renewed["ice_servers"][-1]["urls"] == TURN_URLS
    # The session ends without its event reaching this socket (e.g. another process's close
    # being slow): the store decides, and the page gets no credential.
    from signlanguage.models import Session

    await database_sync_to_async(Session.objects.filter(pk=session.pk).update)(state="closed")
    await socket.send_json_to({"type": "rtc.ice_servers"})
    error = await next_of(socket, "error")
    assert error["code"] == "session_closed"
    assert await closed_with(socket) == 4408
    # And a closed session is not joined at all (4408 at connect): no frame, no credential.
    from tests.signlanguage.live_fixtures import open_socket

    again, _ = await open_socket(session.pk, await cookie_of(signed_in, senior))
    first = await again.receive_output(timeout=5)
    assert first["type"] == "websocket.close" and first["code"] == 4408


@pytest.mark.django_db(transaction=True)
async def test_without_turn_urls_no_frame_and_a_request_is_answered_no_turn(
    settings: Any, senior: Any, operator: Any, signed_in: Any, make_session: Any
) -> None:
    settings.TURN_URLS = []
    settings.TURN_SECRET = ""
    session = await database_sync_to_async(make_session)(senior, operator, mode="sign_language")
    socket = await joined(session.pk, await cookie_of(signed_in, senior))
    await socket.send_json_to({"type": "rtc.ice_servers"})
    frame = await socket.receive_json_from(timeout=5)
    assert frame == {
        "type": "error",
        "code": "no_turn",
        "message": "No TURN server is configured for this session.",
    }
    await socket.disconnect()


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_secret_and_no_turn_credential_are_ever_in_the_page(
    with_turn: Any, senior: Any, operator: Any, signed_in: Any, make_session: Any
) -> None:
    session = make_session(senior, operator, mode="sign_language")
    for user in (senior, operator):
        html = signed_in(user).get(f"/sessions/{session.pk}/live/").content.decode()
        assert SECRET not in html
        block = re.search(r'<script id="ice-servers" type="application/json">(.*?)</script>', html)
        assert block is not None
        assert json.loads(block.group(1)) == STUN  # STUN only: TURN comes over the socket
        assert "credential" not in block.group(1) and "turn:" not in html
    console = signed_in(operator).get("/sessions/console/").content.decode()
    assert SECRET not in console


# --- settings ------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'urls': settings.TURN_URLS, 'secret': settings.TURN_SECRET}))"
)


def load(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"TURN_URLS", "TURN_SECRET", "ICE_SERVERS"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="access_support.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TURN_URLS": "turn:turn.example.jp:3478, http://turn.example.jp"}, "TURN_URLS"),
        ({"TURN_URLS": "turn:turn.example.jp:3478"}, "TURN_SECRET"),
        (
            {
                "ICE_SERVERS": '[{"urls": ["turn:t.example.jp"], "username": "u", '
                '"credential": "static"}]'
            },
            "ICE_SERVERS",
        ),
    ],
)
def test_a_bad_turn_setting_stops_start_up_naming_it(env: dict[str, str], named: str) -> None:
    result = load(env)
    assert result.returncode != 0
    last = result.stderr.splitlines()[-1]
    assert "ImproperlyConfigured" in last and named in last


def test_turn_settings_from_the_environment() -> None:
    probe_env = {
        "TURN_URLS": "turn:turn.example.jp:3478?transport=udp, turns:turn.example.jp:5349",
        "TURN_SECRET": SECRET,
    }
    result = load(probe_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "urls": ["turn:turn.example.jp:3478?transport=udp", "turns:turn.example.jp:5349"],
        "secret": SECRET,
    }
    default = load({})
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout) == {"urls": [], "secret": ""}  # the embedded default
