"""Faults (issue 8): two real daphne processes on PostgreSQL + Redis. A customer sends chat
messages over /ws/sessions/<id>/; process A is killed with SIGKILL mid-stream, the customer
resumes on process B with `sync` and every acknowledged message is there, exactly once. Then
Redis is restarted mid-session: clients reconnect, resume, and nothing acknowledged is lost.

The Redis here is a private redis-server on a free port started by the test (not the shared
one on 6379, which other test runs may be using), so restarting it harms nobody.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.conftest import port_open, require_service
from tests.security.conftest import World

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = str(Path(sys.executable).with_name("daphne"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process on {port} exited with {process.returncode}")
        if port_open("127.0.0.1", port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {seconds} s")


class Redis:
    """A private redis-server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis() -> Iterator[Redis]:
    require_service("redis-server", shutil.which("redis-server") is not None, "install redis")
    server = Redis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Daphne:
    def __init__(self, redis_url: str, log_dir: Path) -> None:
        self.port = free_port()
        self.log = log_dir / f"daphne-{self.port}.log"
        db = connection.settings_dict
        user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env = dict(
            os.environ,
            DATABASE_URL=f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}",
            REDIS_URL=redis_url,
            DJANGO_SETTINGS_MODULE="access_support.settings",
            PYTHONPATH=str(ROOT),
        )
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [DAPHNE, "-b", "127.0.0.1", "-p", str(self.port), "access_support.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )
        wait_for_port(self.port, self.process)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def daphnes(redis: Redis, tmp_path: Path) -> Iterator[list[Daphne]]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    servers: list[Daphne] = []
    try:
        servers = [Daphne(redis.url, tmp_path), Daphne(redis.url, tmp_path)]
        yield servers
    finally:
        for server in servers:
            server.stop()
            tail = server.log.read_text(errors="replace")[-3000:] if server.log.exists() else ""
            print(f"--- daphne {server.port} log tail ---\n{tail}")


class Customer:
    """A chat client that remembers what was acknowledged and resends what was not."""

    def __init__(self, session_id: int, cookie: str) -> None:
        self.session_id = session_id
        self.cookie = cookie
        self.acked: dict[str, int] = {}
        self.sent: list[str] = []
        self.seen: dict[int, str] = {}

    async def connect(self, port: int) -> Any:
        from websockets.asyncio.client import connect

        socket_ = await connect(
            f"ws://127.0.0.1:{port}/ws/sessions/{self.session_id}/",
            # The page's own origin: scheme, host and port (access_support/origin.py).
            origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
            additional_headers={"Cookie": f"sessionid={self.cookie}"},
            proxy=None,
            open_timeout=10,
        )
        first = json.loads(await asyncio.wait_for(socket_.recv(), 5))
        assert first["type"] == "session.state", first
        return socket_

    async def send_until_closed(self, socket_: Any, count: int, on_ack: Any = None) -> None:
        """Send `count` new messages (16 a second, under the rate limit) and read acks; stop
        quietly when the connection drops."""
        from websockets.exceptions import ConnectionClosed

        async def reader() -> None:
            async for raw in socket_:
                frame = json.loads(raw)
                if frame["type"] == "chat.ack":
                    self.acked[frame["client_id"]] = frame["seq"]
                    if on_ack is not None:
                        await on_ack(len(self.acked))
                elif frame["type"] == "chat.message":
                    self.seen[frame["seq"]] = frame["client_id"]

        task = asyncio.create_task(reader())
        try:
            for n in range(count):
                client_id = str(uuid.uuid4())
                self.sent.append(client_id)
                await socket_.send(
                    json.dumps({"type": "chat.message", "client_id": client_id, "text": f"#{n}"})
                )
                await asyncio.sleep(1 / 16)
            await asyncio.sleep(0.5)
        except ConnectionClosed:
            pass
        finally:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, ConnectionClosed):
                pass

    async def resume(self, port: int) -> dict[int, str]:
        """Reconnect, resend every message without an ack (the same client_id: the server
        stores it at most once), then `sync` from 0 and return seq → client_id."""
        socket_ = await self.connect(port)
        try:
            for client_id in self.sent:
                if client_id not in self.acked:
                    await socket_.send(
                        json.dumps({"type": "chat.message", "client_id": client_id, "text": "r"})
                    )
                    await asyncio.sleep(1 / 16)
            await socket_.send(json.dumps({"type": "sync", "after_seq": 0}))
            stored: dict[int, str] = {}
            while True:
                try:
                    frame = json.loads(await asyncio.wait_for(socket_.recv(), 2))
                except TimeoutError:
                    return stored
                if frame["type"] == "chat.ack":
                    self.acked[frame["client_id"]] = frame["seq"]
                elif frame["type"] == "chat.message":
                    stored[frame["seq"]] = frame["client_id"]
        finally:
            await socket_.close()


async def connect_with_retries(customer: Customer, ports: list[int], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        for port in ports:
            try:
                return await customer.connect(port)
            except Exception as exc:  # noqa: BLE001 - any refusal: try again
                last = exc
        await asyncio.sleep(0.3)
    raise AssertionError(f"could not reconnect: {last!r}")


def assert_nothing_acknowledged_is_lost(customer: Customer, stored: dict[int, str]) -> None:
    by_client = {client_id: seq for seq, client_id in stored.items()}
    lost = {c: s for c, s in customer.acked.items() if by_client.get(c) != s}
    assert not lost, f"acknowledged but not recovered (client_id → seq): {lost}"
    assert len(by_client) == len(stored), "a client_id was stored twice"
    assert sorted(stored) == list(range(1, len(stored) + 1)), "sequence numbers have gaps"


@pytest.fixture
def live(world: World) -> tuple[int, str]:
    from signlanguage.models import Session

    booking = world.objects["booking"]
    Session.objects.filter(pk=booking.pk).update(state="active")
    cookie = world.client("member").cookies["sessionid"].value
    return booking.pk, cookie


def test_sigkill_mid_stream_loses_no_acknowledged_message(live, daphnes):
    session_id, cookie = live
    a, b = daphnes
    customer = Customer(session_id, cookie)

    async def scenario() -> dict[int, str]:
        socket_ = await customer.connect(a.port)

        async def kill_after_ten(acks: int) -> None:
            if acks == 10:
                a.kill()  # SIGKILL: no close frames, no cleanup, mid-stream

        await customer.send_until_closed(socket_, 60, on_ack=kill_after_ten)
        return await customer.resume(b.port)

    stored = asyncio.run(scenario())
    print(f"SIGKILL: sent {len(customer.sent)}, acked {len(customer.acked)}, stored {len(stored)}")
    assert a.process.returncode == -signal.SIGKILL
    assert len(customer.acked) >= 10
    assert_nothing_acknowledged_is_lost(customer, stored)
    # Every message the customer sent was stored in the end (resent after the kill).
    assert set(customer.sent) <= set(stored.values())


def test_redis_restart_mid_session_clients_reconnect_and_lose_nothing(live, daphnes, redis):
    session_id, cookie = live
    ports = [d.port for d in daphnes]
    customer = Customer(session_id, cookie)

    async def scenario() -> dict[int, str]:
        socket_ = await customer.connect(ports[0])
        restarts: list[asyncio.Task[None]] = []

        async def restart() -> None:
            await asyncio.to_thread(redis.stop)
            await asyncio.sleep(1)
            await asyncio.to_thread(redis.start)

        async def restart_redis(acks: int) -> None:
            if acks == 10 and not restarts:
                # Its own task: the reader that calls this is cancelled when the socket drops.
                restarts.append(asyncio.create_task(restart()))

        await customer.send_until_closed(socket_, 40, on_ack=restart_redis)
        assert restarts, "Redis was never restarted"
        await restarts[0]
        print(f"first socket after the restart: {socket_.state.name}, acked {len(customer.acked)}")
        # Whether or not this socket survived, a reconnect on either process resumes.
        socket_ = await connect_with_retries(customer, ports)
        await customer.send_until_closed(socket_, 10)
        await socket_.close()
        return await customer.resume(ports[1])

    stored = asyncio.run(scenario())
    print(f"Redis: sent {len(customer.sent)}, acked {len(customer.acked)}, stored {len(stored)}")
    assert len(customer.acked) >= 10
    assert_nothing_acknowledged_is_lost(customer, stored)
    assert set(customer.sent) <= set(stored.values())
    for daphne in daphnes:
        assert daphne.process.poll() is None, "a daphne process died when Redis restarted"


def wait_for_subscribers(redis: Redis, session_id: int, count: int, seconds: float = 20) -> None:
    """Until `count` processes are subscribed (again) to the session's group channel."""
    import redis as redis_py

    client = redis_py.Redis.from_url(redis.url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                channels = client.pubsub_channels(f"*live.session.{session_id}")
                subscribed = (
                    sum(n for _name, n in client.pubsub_numsub(*channels)) if channels else 0
                )
            except redis_py.ConnectionError:
                subscribed = 0
            if subscribed >= count:
                return
            time.sleep(0.1)
    finally:
        client.close()
    raise TimeoutError(f"fewer than {count} subscribers to the session after {seconds} s")


async def exchange(sender: Any, receiver: Any, text: str) -> str:
    """The sender sends a chat message; returns its client_id once the sender has its ack and
    its broadcast and the receiver its broadcast. A socket that closes fails with its code."""
    from websockets.exceptions import ConnectionClosed

    client_id = str(uuid.uuid4())
    await sender.send(json.dumps({"type": "chat.message", "client_id": client_id, "text": text}))

    async def until(socket_: Any, wanted: set[str]) -> None:
        while wanted:
            frame = json.loads(await asyncio.wait_for(socket_.recv(), 10))
            if frame.get("client_id") == client_id:
                wanted.discard(frame["type"])

    try:
        await until(sender, {"chat.ack", "chat.message"})
        await until(receiver, {"chat.message"})
    except ConnectionClosed as exc:
        raise AssertionError(f"a socket closed with {exc.rcvd!r} instead of delivering") from exc
    return client_id


def test_after_a_redis_restart_a_message_is_stored_and_broadcast_without_closing(
    live, daphnes, redis, world
):
    """Issue 20: after a Redis restart the first publish on the process's pooled connection
    failed, the sender's socket closed with 1011 and the other participant never heard of the
    message until a sync. Customer on one process, operator on the other."""
    from signlanguage.live.selectors import messages_after

    session_id, cookie = live
    a, b = daphnes
    customer = Customer(session_id, cookie)
    operator = Customer(session_id, world.client("operator").cookies["sessionid"].value)

    async def scenario() -> tuple[str, str]:
        customer_socket = await customer.connect(a.port)
        operator_socket = await operator.connect(b.port)
        try:
            before = await exchange(customer_socket, operator_socket, "before the restart")
            await asyncio.to_thread(redis.stop)
            await asyncio.to_thread(redis.start)
            # Both processes' subscriptions are back (channels-redis's reader reconnects);
            # what is sent from now on must reach both sockets.
            await asyncio.to_thread(wait_for_subscribers, redis, session_id, 2)
            after = await exchange(customer_socket, operator_socket, "after the restart")
            assert customer_socket.state.name == "OPEN"
            assert operator_socket.state.name == "OPEN"
            return before, after
        finally:
            await customer_socket.close()
            await operator_socket.close()

    before, after = asyncio.run(scenario())
    stored = [str(m.client_id) for m in messages_after(session_id, 0)]
    assert stored == [before, after]
