"""Benchmark clients: real sign-in over HTTP (password + TOTP) with aiohttp."""

from __future__ import annotations

from typing import Any

import aiohttp
from django_otp.oath import totp

ORIGIN = "http://127.0.0.1"


class SignedIn:
    """An aiohttp session signed in as one user, with its CSRF token at hand."""

    def __init__(self, http: aiohttp.ClientSession, base: str, csrf: str) -> None:
        self.http = http
        self.base = base
        self.csrf = csrf

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.key}={c.value}" for c in self.http.cookie_jar)

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(self.base + path) as response:
            return response.status, await response.read()

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        headers = {"X-CSRFToken": self.csrf, "Origin": self.base, "Referer": self.base + "/"}
        async with self.http.post(self.base + path, json=body, headers=headers) as response:
            return response.status, await response.read()


async def sign_in(
    base: str, user: dict[str, Any], connector: aiohttp.BaseConnector | None = None
) -> SignedIn:
    jar = aiohttp.CookieJar(unsafe=True)
    http = aiohttp.ClientSession(
        cookie_jar=jar, connector=connector, connector_owner=False if connector else True
    )

    async def csrf() -> str:
        async with http.get(f"{base}/api/v1/auth/csrf") as response:
            return str((await response.json())["csrf_token"])

    client = SignedIn(http, base, await csrf())
    status, body = await client.post(
        "/api/v1/auth/login", {"username": user["username"], "password": user["password"]}
    )
    if status != 200:
        raise RuntimeError(f"login {user['username']}: {status} {body[:200]!r}")
    client.csrf = await csrf()
    token = f"{totp(bytes.fromhex(user['totp_key'])):06d}"
    status, body = await client.post("/api/v1/auth/otp/verify", {"device": "totp", "token": token})
    if status != 200:
        raise RuntimeError(f"otp {user['username']}: {status} {body[:200]!r}")
    client.csrf = await csrf()
    return client
