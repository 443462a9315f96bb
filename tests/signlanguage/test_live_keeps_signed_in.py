"""No one is signed out in the middle of a call (issue 22 item 5): while a live session's socket
carries traffic — the participant's own frames, the page's heartbeat while it is seen, or the
conversation reaching them — the idle clock counts it as activity, for every participant (and a
proxy's acting clock too). After the session the usual idle rule signs them out.

Through the real stack (access_support.asgi.application) with the idle timeout set to a few
seconds and real time passing."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session as StoredSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from access_support import idle
from proxies import acting
from signlanguage.live import services as live_services
from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    chat,
    closed_with,
    cookie_for,
    joined,
    make_grant,
    make_session,
    next_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

IDLE = 4  # seconds: the socket restarts the clock at most every second (idle.live_touch_seconds)


@pytest.fixture
def short_idle(settings: Any) -> Any:
    settings.IDLE_SECONDS = settings.OPERATOR_IDLE_SECONDS = IDLE
    settings.ACTING_IDLE_SECONDS = IDLE
    return settings


async def _client(signed_in: Any, user: Any) -> Client:
    """A verified client whose session the idle clock has touched, as a page load does."""
    client: Client = await database_sync_to_async(signed_in)(user)
    assert (await database_sync_to_async(client.get)("/api/v1/me")).status_code == 200
    return client


async def _still_signed_in(client: Client) -> bool:
    """Asks without moving the clock (GET /api/v1/session is not activity)."""
    response = await database_sync_to_async(client.get)("/api/v1/session")
    return response.status_code == 200


async def _for(seconds: float, every: float, action: Any) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await action()
        await asyncio.sleep(every)


@pytest.fixture
def on_a_call(
    short_idle: Any, senior: Any, operator: Any, signed_in: Any, make_session: Any
) -> Callable[[str], Awaitable[tuple[Any, Client, Any]]]:
    """`await on_a_call(mode)`: a session of `mode` between the senior and the operator, on the
    short idle clock: it, the senior's client and her joined socket."""

    async def start(mode: str) -> tuple[Any, Client, Any]:
        session = await database_sync_to_async(make_session)(senior, operator, mode=mode)
        client = await _client(signed_in, senior)
        return session, client, await joined(session.pk, cookie_for(client))

    return start


async def _heartbeats(socket: Any, seconds: float) -> None:
    """The page's heartbeat frame every half second for `seconds`."""

    async def beat() -> None:
        await socket.send_json_to({"type": "heartbeat"})

    await _for(seconds, 0.5, beat)


async def test_the_pages_heartbeat_keeps_a_participant_signed_in_past_the_idle_timeout(
    on_a_call: Any,
) -> None:
    _, client, socket = await on_a_call("sign_language")
    await _heartbeats(socket, IDLE * 2.5)
    assert await socket.receive_nothing(timeout=0.2)  # no close, no answer to a heartbeat
    assert await _still_signed_in(client), "signed out in the middle of the call"
    await socket.disconnect()


async def test_chat_reaching_the_operator_keeps_the_operator_signed_in(
    on_a_call: Any, operator: Any, signed_in: Any
) -> None:
    session, customer, customer_socket = await on_a_call("written_chat")
    staff = await _client(signed_in, operator)
    operator_socket = await joined(session.pk, cookie_for(staff))  # reads, sends nothing

    async def say() -> None:
        await customer_socket.send_json_to(chat("まだいますか"))
        await next_of(operator_socket, "chat.message")

    await _for(IDLE * 2.5, 1.0, say)
    assert await _still_signed_in(staff), "the operator was signed out while reading"
    assert await _still_signed_in(customer)
    await customer_socket.disconnect()
    await operator_socket.disconnect()


async def test_after_the_session_ends_the_usual_idle_rule_signs_them_out(
    on_a_call: Any, operator: Any
) -> None:
    session, client, socket = await on_a_call("sign_language")
    await _heartbeats(socket, IDLE * 1.5)
    await database_sync_to_async(live_services.session_close)(
        session=session, actor=operator, summary="ご案内しました"
    )
    assert await closed_with(socket) == 4408
    assert await _still_signed_in(client)
    await asyncio.sleep(IDLE + 1.5)
    assert not await _still_signed_in(client), "still signed in after the session and its idle"


async def test_a_socket_that_is_silent_is_not_activity(on_a_call: Any) -> None:
    """A page that is hidden, with no video and no conversation, sends nothing: the usual rule
    (the socket closes with 4401 at the expiry)."""
    _, client, socket = await on_a_call("written_chat")
    assert await closed_with(socket) == 4401
    assert not await _still_signed_in(client)


# --- the clock the socket restarts ------------------------------------------------------------


def _stored_data(client: Client) -> dict[str, Any]:
    from access_support.sessions import SessionStore

    key = client.cookies["sessionid"].value
    return SessionStore().decode(StoredSession.objects.get(pk=key).session_data)


@pytest.mark.django_db
def test_the_socket_restarts_a_proxys_acting_clock_too(
    proxy: Any, senior: Any, signed_in: Any, make_grant: Any
) -> None:
    make_grant(senior, proxy, scopes=["session.book"])
    client = signed_in(proxy)
    client.post(f"/proxies/act/{senior.pk}/")
    stored = client.session
    stored[acting.SESSION_KEY] = {"member_id": senior.pk, "seen": time.time() - 20 * 60}
    stored["_touched"] = int(time.time()) - 20 * 60
    stored.save()

    deadline = idle.keep_alive_from_socket(client.cookies["sessionid"].value, proxy)

    data = _stored_data(client)
    assert deadline is not None and deadline > time.time() + 29 * 60
    assert time.time() - data["_touched"] < 5
    assert time.time() - data[acting.SESSION_KEY]["seen"] < 5


@pytest.mark.django_db
def test_a_signed_out_session_is_never_brought_back(senior: Any, signed_in: Any) -> None:
    client = signed_in(senior)
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert idle.keep_alive_from_socket(key, senior) is None
    assert not StoredSession.objects.filter(pk=key).exists()


@pytest.mark.django_db
def test_someone_elses_session_is_left_alone(senior: Any, operator: Any, signed_in: Any) -> None:
    client = signed_in(senior)
    assert idle.keep_alive_from_socket(client.cookies["sessionid"].value, operator) is None


@pytest.mark.django_db
def test_the_cookie_lasts_while_the_browser_is_open_and_the_stored_expiry_decides(
    senior: Any, signed_in: Any
) -> None:
    """A cookie with Max-Age = the idle timeout would end, in the browser, a session that socket
    traffic kept alive on the server (no response carries a new cookie): the cookie has no
    Max-Age; the stored expiry is the sliding idle clock."""
    client = signed_in(senior)
    stored = client.session
    stored["_touched"] = int(time.time()) - 120  # so this page load rewrites the clock
    stored.save()
    response = client.get("/api/v1/me")
    cookie = response.cookies["sessionid"]
    assert cookie.value and not cookie["max-age"] and not cookie["expires"]
    key = cookie.value
    left = StoredSession.objects.get(pk=key).expire_date.timestamp() - time.time()
    assert 29 * 60 < left <= 30 * 60


@pytest.mark.django_db
def test_restarting_the_clock_reads_the_session_once_and_writes_it_once(
    senior: Any, signed_in: Any
) -> None:
    """Every live socket restarts its clock once a minute, so at 1,000 sessions these writes
    come dozens a second: the row is read once and written once (it used to be read twice)."""
    client = signed_in(senior)
    with CaptureQueriesContext(connection) as queries:
        deadline = idle.keep_alive_from_socket(client.cookies["sessionid"].value, senior)
    on_the_session = [
        q["sql"].split()[0].upper()
        for q in queries.captured_queries
        if "django_session" in q["sql"]
    ]
    assert deadline is not None and deadline > time.time() + 29 * 60
    assert on_the_session == ["SELECT", "UPDATE"]
