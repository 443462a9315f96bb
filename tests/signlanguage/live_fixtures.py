"""Fixtures and socket helpers for the live-session tests (imported by tests/signlanguage/
test_live_*.py, so they do not clash with the booking tests' conftest)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from access_support.asgi import application

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture
def make_session(db: Any) -> Callable[..., Any]:
    """A live session (booked or talk-now: one model), made directly."""
    from signlanguage.models import Session

    def make(
        customer: Any,
        operator: Any = None,
        *,
        mode: str = "written_chat",
        state: str = "active",
        topic: str = "明細について",
        **fields: Any,
    ) -> Any:
        # A talk-now session (no slot times needed); pass kind/start/end for a booked one.
        fields.setdefault("kind", "now")
        return Session.objects.create(
            customer=customer,
            booked_by=fields.pop("booked_by", customer),
            operator=operator,
            mode=mode,
            state=state,
            topic=topic,
            **fields,
        )

    return make


def create_grant(
    member: Any, proxy: Any, *, scopes: list[str], state: str = "active", **fields: Any
) -> Any:
    """A grant from `member` to `proxy` (a child of the member) with `scopes`, in `state`, made
    now unless `fields` say otherwise."""
    from django.utils import timezone

    from proxies.models import Grant

    fields.setdefault("created_at", timezone.now())
    return Grant.objects.create(
        member=member,
        proxy=proxy,
        proxy_name=proxy.name,
        proxy_email=proxy.email,
        relationship="子",
        scopes=scopes,
        state=state,
        **fields,
    )


@pytest.fixture
def make_grant(db: Any) -> Callable[..., Any]:
    return create_grant


def db(fn: Any) -> Any:
    """`fn` made awaitable, run in the database thread."""
    return database_sync_to_async(fn)


def chat(text: str, client_id: str | None = None) -> dict[str, Any]:
    """A `chat.message` frame with a fresh client_id unless one is given."""
    return {"type": "chat.message", "client_id": client_id or str(uuid.uuid4()), "text": text}


def cookie_for(client: Client) -> bytes:
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def cookie_of(signed_in: Callable[[Any], Client], user: Any) -> bytes:
    client = await database_sync_to_async(signed_in)(user)
    return cookie_for(client)


async def open_socket(session_id: int, cookie: bytes | None) -> tuple[WebsocketCommunicator, bool]:
    headers = [ORIGIN]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(
        application, f"/ws/sessions/{session_id}/", headers=headers
    )
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


async def joined(session_id: int, cookie: bytes) -> WebsocketCommunicator:
    """An open socket past its first `session.state` frame."""
    communicator, connected = await open_socket(session_id, cookie)
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "session.state", first
    return communicator


async def closed_with(communicator: WebsocketCommunicator) -> int:
    """Skip frames until the close; return its code."""
    while True:
        message = await communicator.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return int(message["code"])


async def next_of(communicator: WebsocketCommunicator, frame_type: str) -> dict[str, Any]:
    """The next frame of `frame_type`, skipping others."""
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == frame_type:
            return frame
