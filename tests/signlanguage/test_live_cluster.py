"""Scale-out: two daphne processes on the Redis channel layer and one database. The customer's
socket is on one process, the operator's on the other; messages and typing cross between them,
and a reconnect to the other process resumes with `sync`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import SIGNED_IN_SETUP, daphne, last_json, prepare

pytestmark = pytest.mark.redis

SETUP = (
    SIGNED_IN_SETUP
    + """
customer = person("c1", "山田 花子", ["member"], member_number="1234567890")
operator = person("o1", "鈴木 さくら", ["operator"], skills=["written_chat"])
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
print(json.dumps({"customer": signed_in(customer), "operator": signed_in(operator),
    "session": chat.pk, "operator_id": operator.pk}))
"""
)


@pytest.fixture
def cluster(redis_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "access_support.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/cluster.sqlite3",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    data = last_json(prepare(env, ["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]))
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(daphne(env, tmp_path / f"daphne{n}.log")) for n in range(2)]
        hosts = [url.removeprefix("http://") for url in urls]
        yield {**data, "hosts": hosts, "env": env}


async def connect(host: str, session_id: int, session_key: str) -> Any:
    import websockets

    socket = await websockets.connect(
        f"ws://{host}/ws/sessions/{session_id}/",
        origin=f"http://{host}",
        additional_headers={"Cookie": f"sessionid={session_key}"},
    )
    first = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert first == {"type": "session.state", "state": "active"}
    return socket


async def next_of(socket: Any, frame_type: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if frame["type"] == frame_type:
            return frame


async def questions_cross(customer: Any, operator: Any, count: int) -> None:
    """The customer asks `count` questions (質問0, 質問1, …): each is acknowledged with the next
    seq and reaches the operator with that seq."""
    for n in range(count):
        client_id = str(uuid.uuid4())
        await customer.send(
            json.dumps({"type": "chat.message", "client_id": client_id, "text": f"質問{n}"})
        )
        ack = await next_of(customer, "chat.ack")
        assert ack == {"type": "chat.ack", "client_id": client_id, "seq": n + 1}
        frame = await next_of(operator, "chat.message")
        assert (frame["seq"], frame["text"]) == (n + 1, f"質問{n}")


async def test_messages_cross_between_two_processes(cluster):
    host_a, host_b = cluster["hosts"]
    session_id = cluster["session"]
    customer = await connect(host_a, session_id, cluster["customer"])
    operator = await connect(host_b, session_id, cluster["operator"])
    try:
        await questions_cross(customer, operator, 5)

        await operator.send(json.dumps({"type": "chat.typing", "active": True}))
        assert await next_of(customer, "chat.typing") == {
            "type": "chat.typing",
            "role": "operator",
            "active": True,
        }

        # The customer drops and comes back on the other process: sync resumes exactly.
        await customer.close()
        await operator.send(
            json.dumps({"type": "chat.message", "client_id": str(uuid.uuid4()), "text": "回答"})
        )
        await next_of(operator, "chat.ack")
        customer = await connect(host_b, session_id, cluster["customer"])
        await customer.send(json.dumps({"type": "sync", "after_seq": 5}))
        frame = await next_of(customer, "chat.message")
        assert (frame["seq"], frame["text"], frame["sender"]["role"]) == (6, "回答", "operator")
    finally:
        await customer.close()
        await operator.close()
