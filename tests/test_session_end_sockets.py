"""A websocket ends with its HTTP session (issue 20 item 6): after the idle timeout, after
/admin/logout/, or once the session is deleted, the socket closes with 4401 and answers nothing
more. Through the real stack (access_support.asgi.application), on the talk-now queue socket,
whose operator view lists customers by name."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from access_support import session_watch
from access_support.asgi import application
from access_support.audit.models import AuditEvent
from signlanguage.models import Session as SupportSession

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1")


async def _signed_in(signed_in: Any, user: Any) -> Client:
    """A verified client whose session the idle clock has touched (as any page load does):
    its stored expiry is now + the user's idle timeout."""
    client: Client = await database_sync_to_async(signed_in)(user)
    response = await database_sync_to_async(client.get)("/api/v1/me")
    assert response.status_code == 200
    return client


async def _queue_socket(client: Client) -> WebsocketCommunicator:
    """The operator's queue socket, open, its first `queue.list` read."""
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application, "/ws/queue/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "queue.list"
    return communicator


async def _closed_with_nothing_before(communicator: WebsocketCommunicator, timeout: float) -> Any:
    """The next output, which must be the close (no data frame first); its code."""
    message = await communicator.receive_output(timeout=timeout)
    assert message["type"] == "websocket.close", message
    return message["code"]


@asynccontextmanager
async def _operator_on_the_queue(
    signed_in: Any, operator: Any
) -> AsyncIterator[tuple[Client, WebsocketCommunicator]]:
    """The signed-in operator's client and open queue socket, disconnected afterwards."""
    client = await _signed_in(signed_in, operator)
    communicator = await _queue_socket(client)
    try:
        yield client, communicator
    finally:
        await communicator.disconnect()


@database_sync_to_async
def _set_expiry(client: Client, expire_date: datetime.datetime) -> None:
    """The client's stored session now expires at `expire_date` (as activity elsewhere does)."""
    Session.objects.filter(pk=client.cookies["sessionid"].value).update(expire_date=expire_date)


def _stored_expiry(client: Client) -> datetime.datetime:
    return Session.objects.get(pk=client.cookies["sessionid"].value).expire_date


@pytest.fixture
def waiting_customer(senior: Any) -> Any:
    return SupportSession.objects.create(
        customer=senior, booked_by=senior, mode="written_chat", kind="now", topic="明細"
    )


async def test_a_frame_after_the_idle_deadline_gets_4401_and_no_data(
    operator: Any, signed_in: Any, waiting_customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _operator_on_the_queue(signed_in, operator) as (client, communicator):
        expiry = await database_sync_to_async(_stored_expiry)(client)
        # 15 minutes (the operators' idle timeout) and a little more pass without activity.
        assert expiry - timezone.now() <= datetime.timedelta(minutes=15)
        later = expiry.timestamp() + 5
        monkeypatch.setattr(session_watch, "_now", lambda: later)
        await communicator.send_json_to({"type": "refresh"})
        assert await _closed_with_nothing_before(communicator, timeout=5) == 4401


async def test_a_frame_after_the_first_deadline_is_answered_when_activity_extended_it(
    operator: Any, signed_in: Any, waiting_customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _operator_on_the_queue(signed_in, operator) as (client, communicator):
        expiry = await database_sync_to_async(_stored_expiry)(client)
        later = expiry.timestamp() + 5
        # Meanwhile the operator used a page: the stored expiry moved past `later`.
        await _set_expiry(client, expiry + datetime.timedelta(minutes=10))
        monkeypatch.setattr(session_watch, "_now", lambda: later)
        await communicator.send_json_to({"type": "refresh"})
        assert (await communicator.receive_json_from(timeout=5))["type"] == "queue.list"


async def test_the_timer_closes_an_idle_socket_at_the_session_expiry(
    operator: Any, signed_in: Any, waiting_customer: Any, settings: Any
) -> None:
    settings.OPERATOR_IDLE_SECONDS = 2
    async with _operator_on_the_queue(signed_in, operator) as (client, communicator):
        expiry = await database_sync_to_async(_stored_expiry)(client)
        # Nothing is sent on the socket: it is closed at the expiry all the same.
        assert await _closed_with_nothing_before(communicator, timeout=5) == 4401
        assert time.time() >= expiry.timestamp()


async def test_the_timer_keeps_a_socket_whose_session_activity_extended(
    operator: Any, signed_in: Any, waiting_customer: Any, settings: Any
) -> None:
    settings.OPERATOR_IDLE_SECONDS = 2
    async with _operator_on_the_queue(signed_in, operator) as (client, communicator):
        extended = timezone.now() + datetime.timedelta(seconds=4)
        await _set_expiry(client, extended)
        # The first expiry passes: the timer reads the store again and the socket stays.
        assert await communicator.receive_nothing(timeout=2.5)
        assert await _closed_with_nothing_before(communicator, timeout=5) == 4401
        assert time.time() >= extended.timestamp()


async def test_admin_logout_closes_the_supervisors_socket_and_is_audited(
    supervisor: Any, signed_in: Any
) -> None:
    client = await _signed_in(signed_in, supervisor)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application, "/ws/queue/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    try:
        await communicator.receive_json_from(timeout=5)  # the supervisor's first view
        response = await database_sync_to_async(client.post)("/admin/logout/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/"
        assert await _closed_with_nothing_before(communicator, timeout=2) == 4401
        logged = await database_sync_to_async(
            AuditEvent.objects.filter(action="auth.logout", subject_user=supervisor).count
        )()
        assert logged == 1
        # And the admin is signed out.
        admin = await database_sync_to_async(client.get)("/admin/")
        assert admin.status_code == 302
    finally:
        await communicator.disconnect()


async def test_admin_logout_needs_post(supervisor: Any, signed_in: Any) -> None:
    client = await _signed_in(signed_in, supervisor)
    response = await database_sync_to_async(client.get)("/admin/logout/")
    assert response.status_code == 405


async def test_a_frame_after_the_session_is_deleted_gets_4401_and_no_data(
    operator: Any, signed_in: Any, waiting_customer: Any
) -> None:
    async with _operator_on_the_queue(signed_in, operator) as (_, communicator):
        await database_sync_to_async(lambda: Session.objects.all().delete())()
        # The store is read again at most once a second (WS_SESSION_CHECK_SECONDS).
        await asyncio.sleep(session_watch.check_seconds() + 0.1)
        await communicator.send_json_to({"type": "refresh"})
        assert await _closed_with_nothing_before(communicator, timeout=5) == 4401
