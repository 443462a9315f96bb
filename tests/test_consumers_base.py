"""The base consumer every websocket uses: 4401 without a verified second factor, error frames
for bad input with the socket left open, 4429 over 20 frames a second, closes on sign-out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import path

from access_support.consumers import ProtectedJsonConsumer
from access_support.events import user_group
from access_support.ws import OTPStateMiddleware


class EchoConsumer(ProtectedJsonConsumer):
    async def handle_frame(self, frame):
        if frame["type"] == "echo":
            await self.send_json({"type": "echo", "text": frame.get("text")})
        else:
            await super().handle_frame(frame)


app = AuthMiddlewareStack(OTPStateMiddleware(URLRouter([path("ws/echo/", EchoConsumer.as_asgi())])))

pytestmark = pytest.mark.django_db(transaction=True)


def cookie_for(client: Client) -> bytes:
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def open_socket(cookie: bytes | None) -> tuple[WebsocketCommunicator, bool]:
    headers = [(b"origin", b"http://127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(app, "/ws/echo/", headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected


async def assert_closed_with(communicator: WebsocketCommunicator, code: int) -> None:
    message = await communicator.receive_output(timeout=2)
    while message["type"] == "websocket.send":
        message = await communicator.receive_output(timeout=2)
    assert message == {"type": "websocket.close", "code": code}


async def member_socket(make_user: Any, signed_in: Any) -> tuple[Any, Any, bool]:
    """A member signed in with both factors, their socket and whether it was accepted."""
    user = await database_sync_to_async(make_user)("member")
    client = await database_sync_to_async(signed_in)(user)
    communicator, connected = await open_socket(cookie_for(client))
    return user, communicator, connected


async def test_anonymous_socket_is_closed_with_4401():
    communicator, _ = await open_socket(None)
    await assert_closed_with(communicator, 4401)
    await communicator.disconnect()


async def test_password_only_socket_is_closed_with_4401(make_user):
    user = await database_sync_to_async(make_user)("member")
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    communicator, _ = await open_socket(cookie_for(client))
    await assert_closed_with(communicator, 4401)
    await communicator.disconnect()


async def test_bad_frames_get_error_frames_and_the_socket_stays_open(make_user, signed_in):
    _, communicator, connected = await member_socket(make_user, signed_in)
    assert connected
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from())["code"] == "malformed_json"
    await communicator.send_to(text_data=json.dumps({"type": "echo", "text": "x" * 17000}))
    assert (await communicator.receive_json_from())["code"] == "frame_too_large"
    await communicator.send_to(text_data="[1, 2]")
    assert (await communicator.receive_json_from())["code"] == "invalid_frame"
    await communicator.send_to(text_data=json.dumps({"type": "nope"}))
    assert (await communicator.receive_json_from())["code"] == "unknown_type"
    await communicator.send_json_to({"type": "echo", "text": "こんにちは"})
    assert await communicator.receive_json_from() == {"type": "echo", "text": "こんにちは"}
    await communicator.disconnect()


async def test_more_than_20_frames_a_second_closes_with_4429(make_user, signed_in):
    _, communicator, _ = await member_socket(make_user, signed_in)
    for _ in range(25):
        await communicator.send_json_to({"type": "echo", "text": "a"})
    echoes = 0
    while True:
        message = await communicator.receive_output(timeout=2)
        if message["type"] == "websocket.close":
            assert message["code"] == 4429
            break
        echoes += 1
    assert 1 <= echoes <= 20
    await communicator.disconnect()


async def test_signing_out_elsewhere_closes_the_socket(make_user, signed_in):
    user, communicator, connected = await member_socket(make_user, signed_in)
    assert connected
    await get_channel_layer().group_send(user_group(user.pk), {"type": "user.signed_out"})
    await assert_closed_with(communicator, 4401)
    await communicator.disconnect()


def frames_at(times: list[float], monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Feed frames at the given clock readings to a fresh connection's limiter."""
    import access_support.consumers as consumers

    clock = iter(times)
    monkeypatch.setattr(consumers.time, "monotonic", lambda: next(clock))
    connection = object.__new__(ProtectedJsonConsumer)
    return [consumers.over_rate_limit(connection) for _ in times]


def test_a_burst_of_21_frames_split_by_a_clock_second_is_still_caught(monkeypatch):
    # 10 frames late in one second and 11 early in the next: 21 within 0.6 s.
    times = [100.5 + i * 0.04 for i in range(10)] + [101.0 + i * 0.01 for i in range(11)]
    assert frames_at(times, monkeypatch) == [False] * 20 + [True]


def test_20_frames_every_second_never_trip_the_limit(monkeypatch):
    times = [i * 0.0505 for i in range(100)]  # just under 20 a second for 5 seconds
    assert not any(frames_at(times, monkeypatch))
