"""The live queue socket: the customer's position and the operators' list update on commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from access_support.asgi import application
from signlanguage.booking import services
from signlanguage.models import Session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def service_open() -> Any:
    """Whatever the clock says: after closing time a waiting request is closed (issue 26)."""
    with mock.patch("signlanguage.booking.availability.is_open_at", return_value=True):
        yield


ORIGIN = (b"origin", b"http://127.0.0.1")


async def _socket(cookie: bytes | None) -> tuple[WebsocketCommunicator, Any]:
    """(communicator, True) when accepted and kept, else (communicator, close code). A refused
    socket is accepted and then closed with its code, so the browser sees the code (a refused
    handshake reaches it as 1006)."""
    headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
    communicator = WebsocketCommunicator(application, "/ws/queue/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        return communicator, code
    if cookie is None or not await communicator.receive_nothing(timeout=0.3):
        first = await communicator.receive_output(timeout=5)
        if first["type"] == "websocket.close":
            return communicator, first["code"]
        communicator.output_queue.put_nowait(first)  # the first view: the test reads it
    return communicator, True


async def _cookie(signed_in: Callable[[Any], Client], user: Any) -> bytes:
    client = await database_sync_to_async(signed_in)(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def _waiting(customer: Any, topic: str = "明細") -> Session:
    return Session.objects.create(
        customer=customer, booked_by=customer, mode="written_chat", kind="now", topic=topic
    )


async def test_bad_frames_get_error_frames_and_the_socket_stays(
    senior: Any, signed_in: Any
) -> None:
    communicator, connected = await _socket(await _cookie(signed_in, senior))
    try:
        assert connected is True
        assert (await communicator.receive_json_from(timeout=5))["type"] == "queue.status"
        await communicator.send_to(text_data="{not json")
        assert (await communicator.receive_json_from())["code"] == "malformed_json"
        await communicator.send_to(text_data='{"type": "' + "x" * 17000 + '"}')
        assert (await communicator.receive_json_from())["code"] == "frame_too_large"
        await communicator.send_json_to({"type": "nope"})
        assert (await communicator.receive_json_from())["code"] == "unknown_type"
        await communicator.send_json_to({"type": "refresh"})
        assert (await communicator.receive_json_from())["type"] == "queue.status"
    finally:
        await communicator.disconnect()


async def test_customer_sees_their_position_move_up(
    senior: Any, member_b: Any, operator: Any, signed_in: Any
) -> None:
    ahead = await database_sync_to_async(_waiting)(member_b)
    await database_sync_to_async(_waiting)(senior)
    communicator, connected = await _socket(await _cookie(signed_in, senior))
    try:
        assert connected is True
        first = await communicator.receive_json_from(timeout=5)
        assert first["type"] == "queue.status" and first["position"] == 2
        await database_sync_to_async(services.queue_take)(session=ahead, operator=operator)
        update = await communicator.receive_json_from(timeout=5)
        assert update["position"] == 1 and update["state"] == "waiting"
        assert update["estimated_wait_minutes"] > 0
    finally:
        await communicator.disconnect()


async def test_operator_sees_the_queue_live(senior: Any, operator: Any, signed_in: Any) -> None:
    communicator, connected = await _socket(await _cookie(signed_in, operator))
    try:
        assert connected is True
        first = await communicator.receive_json_from(timeout=5)
        assert first == {"type": "queue.list", "waiting": []}
        session = await database_sync_to_async(_waiting)(senior)
        # A direct insert broadcasts nothing; the service does, after its commit.
        await database_sync_to_async(services.queue_leave)(session=session, actor=senior)
        cleared = await communicator.receive_json_from(timeout=5)
        assert cleared["waiting"] == []
        await database_sync_to_async(_waiting)(senior, "二回目")

        def request() -> None:
            from unittest import mock

            from signlanguage.models import Shift
            from tests.signlanguage.conftest import at, next_open_day

            Session.objects.filter(customer=senior).delete()
            day = next_open_day()
            Shift.objects.create(operator=operator, start=at(day, "09:00"), end=at(day, "18:00"))
            with mock.patch("django.utils.timezone.now", return_value=at(day, "11:00")):
                services.queue_request(actor=senior, mode="written_chat", topic="ポイント")

        await database_sync_to_async(request)()
        update = await communicator.receive_json_from(timeout=5)
        assert [w["topic"] for w in update["waiting"]] == ["ポイント"]
        assert update["waiting"][0]["customer"] == senior.name
    finally:
        await communicator.disconnect()


async def test_unverified_or_anonymous_sockets_are_closed_4401(senior: Any) -> None:
    communicator, connected = await _socket(None)
    try:
        assert connected == 4401
    finally:
        await communicator.disconnect()

    def password_only() -> bytes:
        client = Client()
        client.force_login(senior)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    cookie = await database_sync_to_async(password_only)()
    communicator, connected = await _socket(cookie)
    try:
        assert connected == 4401
    finally:
        await communicator.disconnect()
