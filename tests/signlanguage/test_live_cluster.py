"""Scale-out: two daphne processes on the Redis channel layer and one database. The customer's
socket is on one process, the operator's on the other; messages and typing cross between them,
and a reconnect to the other process resumes with `sync`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from access_support.sessions import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from access_support.accounts import services
from signlanguage.models import Session

def signed_in(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "access_support.accounts.backends.UserBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = services.email_device_for(user).persistent_id
    store.create()
    return store.session_key

customer = services.user_create(username="c1", password="pw-long-enough-1", email="c1@example.jp",
    roles=["member"], display_name="山田 花子", member_number="1234567890")
operator = services.user_create(username="o1", password="pw-long-enough-1", email="o1@example.jp",
    roles=["operator"], display_name="鈴木 さくら", skills=["written_chat"])
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
print(json.dumps({"customer": signed_in(customer), "operator": signed_in(operator),
    "session": chat.pk, "operator_id": operator.pk}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    for command in (["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])
    processes, urls = [], []
    try:
        for n in range(2):
            port = _free_port()
            log = (tmp_path / f"daphne{n}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "daphne",
                        "-b",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "access_support.asgi:application",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            )
            urls.append(f"127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, "daphne exited"
                try:
                    with urllib.request.urlopen(f"http://{url}/healthz", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "daphne did not start"
                time.sleep(0.2)
        yield {**data, "hosts": urls, "env": env}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


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


async def test_messages_cross_between_two_processes(cluster):
    host_a, host_b = cluster["hosts"]
    session_id = cluster["session"]
    customer = await connect(host_a, session_id, cluster["customer"])
    operator = await connect(host_b, session_id, cluster["operator"])
    try:
        for n in range(5):
            client_id = str(uuid.uuid4())
            await customer.send(
                json.dumps({"type": "chat.message", "client_id": client_id, "text": f"質問{n}"})
            )
            ack = await next_of(customer, "chat.ack")
            assert ack == {"type": "chat.ack", "client_id": client_id, "seq": n + 1}
            frame = await next_of(operator, "chat.message")
            assert (frame["seq"], frame["text"]) == (n + 1, f"質問{n}")

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
