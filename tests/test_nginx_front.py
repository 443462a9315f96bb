"""The documented front, tested: nginx (deploy/nginx/, through tools/nginx_front.py as `make
scaleout` runs it) in front of two daphne processes on PostgreSQL + Redis. Pages and sockets pass
through it, it serves static files itself, a client cannot choose the address the throttles count,
and the production file docs/operations.md shows is the one in deploy/nginx/ and passes `nginx -t`.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ROOT, free_port, last_json, prepare, stop, wait_until_up
from tests.conftest import port_open, psql, redis_server_open, redis_url_for_tests, require_service
from tests.signlanguage.test_live_cluster import SETUP, connect, questions_cross
from tools import nginx_front

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log_path: Path, url: str) -> Iterator[None]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_up(process, url, log_path)
        yield
    finally:
        stop(process)


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_service("nginx", nginx_front.nginx_binary() is not None, "apt-get install nginx")
    require_service("PostgreSQL", port_open("127.0.0.1", 5432), "start PostgreSQL on 5432")
    redis = redis_url_for_tests().rsplit("/", 1)[0] + "/7"
    require_service("Redis", redis_server_open(redis), f"start redis-server for {redis}")
    tmp = tmp_path_factory.mktemp("front")
    database = f"as_front_{os.getpid()}"
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "access_support.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": redis,
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    try:
        data = last_json(prepare(env, ["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]))
        with contextlib.ExitStack() as stack:
            ports = [free_port(), free_port()]
            for n, port in enumerate(ports):
                # --proxy-headers as in production: the client address is nginx's X-Forwarded-For.
                args = [sys.executable, "-m", "daphne", "--proxy-headers", "-b", "127.0.0.1",
                        "-p", str(port), "access_support.asgi:application"]  # fmt: skip
                url = f"http://127.0.0.1:{port}"
                stack.enter_context(_process(args, env, tmp / f"daphne{n}.log", url))
            port = free_port()
            prefix = tmp / "nginx"
            config = nginx_front.write(
                nginx_front.render(port, ports, prefix, ROOT / "var" / "static"), prefix
            )
            args = nginx_front.command(prefix, config, "-g", "daemon off;")
            base = f"http://127.0.0.1:{port}"
            stack.enter_context(_process(args, env, tmp / "nginx.log", base))
            yield {**data, "base": base, "host": f"127.0.0.1:{port}", "direct": ports,
                   "database": database}  # fmt: skip
    finally:
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (a repeated header's values joined with ", ") and body."""

    def joined(message: Any) -> dict[str, str]:
        return {name: ", ".join(message.get_all(name)) for name in set(message.keys())}

    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1)
            return response.status, joined(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, joined(error.headers), error.read()


def test_pages_pass_through_and_static_files_come_from_nginx(front: dict[str, Any]) -> None:
    status, headers, _ = _get(front["base"] + "/healthz")
    assert status == 200
    assert "X-Request-Id" in headers, "a page must come from Django (it sets X-Request-Id)"
    css = next((ROOT / "var" / "static").rglob("session.css"))
    path = "/static/" + css.relative_to(ROOT / "var" / "static").as_posix()
    status, headers, body = _get(front["base"] + path)
    assert status == 200 and body == css.read_bytes()
    assert "immutable" in headers.get("Cache-Control", ""), headers
    assert "X-Request-Id" not in headers, "static files must not reach daphne"


async def test_sockets_pass_through_the_front(front: dict[str, Any]) -> None:
    host, session_id = front["host"], front["session"]
    customer = await connect(host, session_id, front["customer"])
    operator = await connect(host, session_id, front["operator"])
    try:
        await questions_cross(customer, operator, 3)
    finally:
        await asyncio.gather(customer.close(), operator.close())


def _failed_sign_in(base: str, forwarded_for: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/api/v1/auth/csrf", timeout=10) as response:
        token = json.loads(response.read())["csrf_token"]
    request = urllib.request.Request(
        base + "/api/v1/auth/login",
        data=json.dumps({"username": "c1", "password": "wrong-password-1"}).encode(),
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": token,
            "X-Forwarded-For": forwarded_for,
        },
        method="POST",
    )
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _attempt_addresses(database: str) -> set[str]:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc",
         "SELECT DISTINCT ip_address FROM axes_accessattempt"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return {line for line in out.split() if line}


def test_a_client_cannot_choose_the_address_the_throttles_count(front: dict[str, Any]) -> None:
    # Through the front, a forged X-Forwarded-For is overwritten with the real peer address.
    assert _failed_sign_in(front["base"], "203.0.113.9") == 401
    assert _attempt_addresses(front["database"]) == {"127.0.0.1"}
    # daphne itself believes the header (--proxy-headers): that is why it listens on 127.0.0.1
    # only, and why nginx must overwrite, not append.
    direct = f"http://127.0.0.1:{front['direct'][0]}"
    assert _failed_sign_in(direct, "198.51.100.7") == 401
    assert _attempt_addresses(front["database"]) == {"127.0.0.1", "198.51.100.7"}


def test_the_production_file_passes_nginx_t(tmp_path: Path) -> None:
    require_service("nginx", nginx_front.nginx_binary() is not None, "apt-get install nginx")
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=support.example.jp", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    prefix = tmp_path / "nginx"
    config = nginx_front.write(
        nginx_front.render_production_check(prefix, certificate, key), prefix
    )
    result = subprocess.run(
        nginx_front.command(prefix, config, "-t"), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_operations_md_shows_the_files_as_they_are() -> None:
    document = (ROOT / "docs" / "operations.md").read_text()
    blocks = re.findall(r"```nginx\n(.*?)```", document, flags=re.S)
    for path in (nginx_front.PRODUCTION, nginx_front.LOCATIONS):
        assert path.read_text() in blocks, f"docs/operations.md does not show {path.name} as it is"
