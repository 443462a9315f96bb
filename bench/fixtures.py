"""Benchmark data, created inside a Django child process (see common.run_django)."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_support.accounts import services
from access_support.accounts.models import User

PASSWORD = "bench-password-2026"


@functools.cache
def _hashed_password() -> str:
    """Hashed once per set-up: every bench user has the same password, and hashing it per user
    (1,000,000 PBKDF2 rounds each) made the set-up, not the measurement, the slow part."""
    return make_password(PASSWORD)


def user_with_totp(username: str, roles: list[str], **fields: Any) -> dict[str, Any]:
    """A user who signs in for real: password, then a TOTP code the client computes."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.user_create(
            username=username,
            password=None,
            email=f"{username}@bench.example",
            roles=roles,
            display_name=username,
            **fields,
        )
        User.objects.filter(pk=user.pk).update(password=_hashed_password())
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return {"id": user.pk, "username": username, "password": PASSWORD, "totp_key": device.key}


@transaction.atomic
def users(prefix: str, count: int, roles: list[str], **fields: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        extra = dict(fields)
        if "member" in roles:
            extra["member_number"] = f"{8_000_000_000 + hash(prefix) % 1000 * 1000 + i:010d}"
        out.append(user_with_totp(f"{prefix}{i}", roles, **extra))
    return out


def http_setup(clients: int) -> dict[str, Any]:
    """Operators to sign in as (they may see every hot path), plus what the targets need."""
    data: dict[str, Any] = {
        "operators": users(
            "benchop", clients, ["operator"], skills=["written_chat", "sign_language"]
        )
    }
    data.update(_optional_setup(clients))
    return data


def _optional_setup(clients: int) -> dict[str, Any]:
    """Data for the booking and proxy hot paths, when those apps provide the hooks."""
    extra: dict[str, Any] = {}
    try:
        from bench import app_fixtures
    except ImportError:
        return extra
    # 240 member/proxy pairs per client (12,000 at the full 50: 10 s of checks at 1,200 a
    # second): every check is a first use; a --quick run (5 clients) needs a few hundred, and
    # creating thousands cost it seconds.
    extra.update(app_fixtures.http_extra(clients, pairs=max(500, clients * 240)))
    return extra
