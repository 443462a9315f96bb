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
from tests.conftest import psql

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


def prepared(redis_url: str, database_url: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment of a cluster's processes (one database, one Redis) and SETUP's data."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "access_support.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    return env, last_json(prepare(env, ["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]))


@pytest.fixture
def cluster(redis_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    env, data = prepared(redis_url, f"sqlite:///{tmp_path}/cluster.sqlite3")
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


def _http(base: str, path: str, session_key: str, *, post: bool = False) -> tuple[int, Any]:
    """A signed-in request to one process: GET, or POST with the CSRF token that process gave."""
    import http.cookiejar
    import urllib.error
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = f"sessionid={session_key}"
    headers = {"Cookie": cookie}
    if post:
        with opener.open(urllib.request.Request(base + "/api/v1/auth/csrf", headers=headers)) as r:
            token = json.loads(r.read())["csrf_token"]
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        headers = {"Cookie": f"{cookie}; csrftoken={csrf}", "X-CSRFToken": token}
    request = urllib.request.Request(
        base + path, headers=headers, data=b"" if post else None, method="POST" if post else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (127.0.0.1)
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    with contextlib.suppress(ValueError):
        return status, json.loads(body)
    return status, body


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def mixed_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database both processes share: an SQLite file, or (the production database, in the
    PostgreSQL pass) a PostgreSQL database of the test's own, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/mixed.sqlite3"
        return
    name = f"as_mixed_{os.getpid()}"

    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def test_a_process_with_the_speedups_off_serves_beside_one_with_them_on(
    redis_url: str, mixed_database: str, tmp_path: Path
) -> None:
    """Turning the speedups off on a running cluster means restarting its processes one by one
    (docs/operations.md): for a while one runs with them on and the next with them off, on the
    same database, sessions and channel layer. Both serve the same signed-in people; chat,
    typing and `sync` cross between them both ways; signing out through one closes the
    person's socket on the other."""
    import websockets

    env, data = prepared(redis_url, mixed_database)
    with contextlib.ExitStack() as stack:
        on, off = (
            stack.enter_context(daphne({**env, "SPEEDUPS": mode}, tmp_path / f"{mode}.log"))
            for mode in ("on", "off")
        )
        for base in (on, off):
            status, me = await asyncio.to_thread(_http, base, "/api/v1/me", data["customer"])
            assert status == 200 and me["name"] == "山田 花子", (base, status, me)
        session_id = data["session"]
        customer = await connect(on.removeprefix("http://"), session_id, data["customer"])
        operator = await connect(off.removeprefix("http://"), session_id, data["operator"])
        try:
            await questions_cross(customer, operator, 3)
            await operator.send(json.dumps({"type": "chat.typing", "active": True}))
            assert (await next_of(customer, "chat.typing"))["role"] == "operator"
            answer = str(uuid.uuid4())
            await operator.send(
                json.dumps({"type": "chat.message", "client_id": answer, "text": "回答"})
            )
            assert (await next_of(operator, "chat.ack"))["seq"] == 4
            frame = await next_of(customer, "chat.message")
            assert (frame["seq"], frame["text"], frame["sender"]["role"]) == (4, "回答", "operator")

            # The customer comes back on the other process: sync resumes from the same store.
            await customer.close()
            customer = await connect(off.removeprefix("http://"), session_id, data["customer"])
            await customer.send(json.dumps({"type": "sync", "after_seq": 2}))
            resumed = [await next_of(customer, "chat.message") for _ in range(2)]
            assert [(f["seq"], f["text"]) for f in resumed] == [(3, "質問2"), (4, "回答")]

            # The operator signs out through the process with the speedups on: their socket on
            # the other process closes with 4401.
            status, _ = await asyncio.to_thread(
                _http, on, "/accounts/logout/", data["operator"], post=True
            )
            assert status in (200, 302), status
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(operator.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
            status, _ = await asyncio.to_thread(_http, off, "/api/v1/me", data["operator"])
            assert status == 401, status
        finally:
            await asyncio.gather(customer.close(), operator.close())
