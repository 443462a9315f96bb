"""Item 12 of issue 20: the websocket Origin check compares scheme, host and port.

Channels' `AllowedHostsOriginValidator` compared only the host name with ALLOWED_HOSTS: a page
on another port of the same host (`http://testserver:6666`) or the plain-HTTP page of an HTTPS
site could open a socket with the visitor's cookies. Now the Origin must be the origin the
socket was opened on (access_support/origin.py)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from access_support.origin import SameOriginValidator


async def _accept(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})


def opens(headers: dict[str, str], scheme: str | None = None) -> bool:
    """Whether a handshake with these headers gets through the validator."""
    app = SameOriginValidator(_accept)
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

    async def go() -> bool:
        communicator = WebsocketCommunicator(app, "/ws/queue/", headers=raw)
        if scheme is not None:
            communicator.scope["scheme"] = scheme
        try:
            connected, _ = await communicator.connect(timeout=5)
            return bool(connected)
        finally:
            await communicator.disconnect()

    return async_to_sync(go)()


@pytest.fixture(autouse=True)
def hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["support.example.jp", "testserver"]
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.SECURE_PROXY_SSL_HEADER = None


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("support.example.jp", "http://support.example.jp"),
        ("support.example.jp:8001", "http://support.example.jp:8001"),
        ("Support.Example.JP:80", "http://support.example.jp"),  # the default port spelt out
    ],
)
def test_the_exact_origin_the_socket_was_opened_on_is_accepted(host, origin):
    assert opens({"Host": host, "Origin": origin})


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("support.example.jp", "http://support.example.jp:6666"),
        ("support.example.jp:8001", "http://support.example.jp"),
        ("support.example.jp:8001", "http://support.example.jp:8002"),
    ],
)
def test_an_origin_on_another_port_is_refused(host, origin):
    assert not opens({"Host": host, "Origin": origin})


def test_an_origin_with_another_scheme_is_refused():
    # ws:// socket, https:// page: not the page's own origin.
    assert not opens({"Host": "support.example.jp", "Origin": "https://support.example.jp"})
    # wss:// socket, http:// page (a plain-HTTP page an attacker on the network can write).
    assert not opens(
        {"Host": "support.example.jp", "Origin": "http://support.example.jp"}, scheme="wss"
    )
    assert opens({"Host": "support.example.jp", "Origin": "https://support.example.jp"}, "wss")


def test_behind_the_tls_proxy_the_origin_must_be_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # settings_production
    proxied = {"Host": "support.example.jp", "X-Forwarded-Proto": "https"}
    assert opens({**proxied, "Origin": "https://support.example.jp"})
    assert not opens({**proxied, "Origin": "http://support.example.jp"})
    assert not opens({**proxied, "Origin": "https://support.example.jp:8443"})


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example", "Origin": "http://evil.example"},  # host not allowed
        {"Host": "support.example.jp", "Origin": "http://evil.example"},
        {"Host": "support.example.jp", "Origin": "http://support.example.jp.evil.example"},
        {"Host": "support.example.jp", "Origin": "null"},
        {"Host": "support.example.jp", "Origin": "http://support.example.jp/path"},
        {"Host": "support.example.jp", "Origin": "http://user@support.example.jp"},
        {"Host": "support.example.jp"},
        # No Host header (not a browser): the default port of an allowed host only.
        {"Origin": "http://testserver:6666"},
        {"Origin": "https://testserver"},
        {"Origin": "http://evil.example"},
    ],
)
def test_foreign_malformed_or_missing_origins_are_refused(headers):
    assert not opens(headers)


def test_a_trusted_origin_is_accepted_exactly(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.jp"]
    assert opens({"Host": "support.example.jp", "Origin": "https://app.example.jp"})
    assert not opens({"Host": "support.example.jp", "Origin": "http://app.example.jp"})
    assert not opens({"Host": "support.example.jp", "Origin": "https://app.example.jp:444"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        (b"http://testserver:8000", True),
        (b"http://testserver:6666", False),
        (b"http://testserver", False),
        (b"https://testserver:8000", False),
    ],
)
def test_the_application_checks_the_origin_of_a_signed_in_socket(world, origin, expected):
    from access_support.asgi import application

    cookie = (b"cookie", f"sessionid={world.client('member').cookies['sessionid'].value}".encode())
    headers = [(b"host", b"testserver:8000"), (b"origin", origin), cookie]

    async def go() -> bool:
        communicator = WebsocketCommunicator(application, "/ws/queue/", headers=headers)
        try:
            connected, _ = await communicator.connect(timeout=5)
            return bool(connected)
        finally:
            await communicator.disconnect()

    assert async_to_sync(go)() is expected
