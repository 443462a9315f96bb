"""The websocket Origin check: a socket opens only from the page's own origin.

Channels' `AllowedHostsOriginValidator` compares only the Origin's host name with
ALLOWED_HOSTS, so a page at `http://support.example.jp:6666` (another service on the same host)
or at `http://support.example.jp` (a plain-HTTP page an attacker on the network can write) could
open a socket with the visitor's cookies. Here, as Django's CSRF check does for forms, the
Origin must be exactly the scheme, host and port the socket was opened on — the handshake's
`Host` header, whose host must be in ALLOWED_HOSTS, and `https` when the handshake came over
TLS (`wss`, or SECURE_PROXY_SSL_HEADER from the TLS-terminating proxy) — or one of
CSRF_TRUSTED_ORIGINS, matched exactly.

Every browser sends `Host`. A handshake without one comes from a program, which can send any
Origin it likes anyway (the check protects browsers' cookies, not the server); it is taken to
be on its scheme's default port, so such clients (Channels' in-process test communicator) still
need an Origin whose host is allowed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host name (lower case, IPv6 without brackets), port


def parse_origin(value: str) -> Origin | None:
    """scheme://host[:port] exactly (an Origin header carries nothing else); None otherwise,
    including the opaque origin "null"."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    """The header's value; None if it is missing or repeated (a repeated Origin or Host is
    never a browser's)."""
    values = [value for key, value in scope.get("headers", []) if key.lower() == name]
    if len(values) != 1:
        return None
    return bytes(values[0]).decode("latin-1")


def socket_scheme(scope: dict[str, Any]) -> str:
    """`https` if the handshake came over TLS, as Django's `request.is_secure()` decides: the
    proxy's header when SECURE_PROXY_SSL_HEADER names one and it is present, else the scope's
    scheme (daphne leaves it out for websockets: "ws")."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_name, secure_value = proxy_header
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        value = _header(scope, name)
        if value is not None:
            return "https" if value.split(",")[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme", "ws") in {"wss", "https"} else "http"


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:  # as Django's HttpRequest.get_host()
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def expected_origin(scope: dict[str, Any]) -> Origin | None:
    """The origin the socket was opened on, or None if its Host is not allowed."""
    scheme = socket_scheme(scope)
    host = _header(scope, b"host")
    if host is None:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    return parse_origin(f"{scheme}://{host}")


def origin_allowed(scope: dict[str, Any]) -> bool:
    raw = _header(scope, b"origin")
    origin = parse_origin(raw) if raw is not None else None
    if origin is None:
        return False
    trusted = getattr(settings, "CSRF_TRUSTED_ORIGINS", [])
    if origin in {parse_origin(entry) for entry in trusted if "*" not in entry}:
        return True
    if not any(key.lower() == b"host" for key, _value in scope.get("headers", [])):
        # No Host header: not a browser (module docstring).
        scheme, hostname, port = origin
        return (
            scheme == socket_scheme(scope)
            and port == DEFAULT_PORTS[scheme]
            and validate_host(_bracketed(hostname), _allowed_hosts())
        )
    return origin == expected_origin(scope)


class SameOriginValidator:
    """ASGI middleware for websockets: refuses the handshake unless `origin_allowed`."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator is for websocket connections only")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
