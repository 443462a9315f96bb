"""Shared fixtures: personas, signed-in clients, and the service requirements of CI."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.db.backends.sqlite3.base import DatabaseWrapper as _SQLiteWrapper
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _fresh_executor_in_child() -> None:
    # Measured on this stack: a forked live server inherits asgiref's executor without its thread.
    from concurrent.futures import ThreadPoolExecutor

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


os.register_at_fork(after_in_child=_fresh_executor_in_child)

# The audit log refuses DELETE (a trigger). Django's flush between transactional tests deletes
# every table, so in tests only, flush lifts the SQLite trigger for its own run and restores it.
SQLiteOperations = _SQLiteWrapper.ops_class
_original_sql_flush = SQLiteOperations.sql_flush


def _sql_flush_keeping_audit_guard(self: Any, style: Any, tables: Any, **kwargs: Any) -> Any:
    statements = _original_sql_flush(self, style, tables, **kwargs)
    if "audit_auditevent" not in tables:
        return statements
    return [
        "DROP TRIGGER IF EXISTS audit_no_delete;",
        *statements,
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;",
    ]


SQLiteOperations.sql_flush = _sql_flush_keeping_audit_guard  # type: ignore[method-assign]


def require_service(name: str, available: bool, how: str = "") -> None:
    """Skip on a laptop without the service; fail under REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    message = f"{name} is not available{': ' + how if how else ''}"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}")
    pytest.skip(message)


def psql(sql: str) -> None:
    """One statement to the local PostgreSQL server as `postgres` (databases of a test's own)."""
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
    )


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--slow", action="store_true", help="hypothesis: 1,000 examples a schema")


def pytest_configure(config: Any) -> None:
    if config.getoption("--slow"):
        os.environ["HYPOTHESIS_PROFILE"] = "slow"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    from django.db import connection

    # Database-specific tests run in the CI pass for their database and are deselected (not
    # skipped) in the other: `postgres` ones in the PostgreSQL pass, `sqlite` ones in SQLite's.
    other = "sqlite" if connection.vendor == "postgresql" else "postgres"
    # Tests that pin a speedup's effect (statement counts of the hot paths, the handler's thread
    # crossings) run with the speedups on and are deselected with SPEEDUPS=off (decision 0019).
    from django.conf import settings

    unmarked = () if settings.SPEEDUPS else ("speedups_only",)
    # Browser tests serve the app from a live daphne of their own on a SQLite file with the
    # in-memory layer (tests/browser.py, e2e_env), whatever the pass's database: in the
    # PostgreSQL pass they would repeat the SQLite pass's run exactly, so they run there only.
    if connection.vendor == "postgresql":
        unmarked += ("e2e",)
    keep, drop = [], []
    for item in items:
        dropped = item.get_closest_marker(other) or any(
            item.get_closest_marker(name) for name in unmarked
        )
        (drop if dropped else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def redis_url_for_tests() -> str:
    """The Redis the tests use: REDIS_URL's (the PostgreSQL + Redis pass), else TEST_REDIS_URL
    (a Redis server of its own for a pass that runs beside another, .ci/run: some tests count
    the server's connections), else 127.0.0.1:6379 db 0."""
    return (
        os.environ.get("REDIS_URL")
        or os.environ.get("TEST_REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )


def redis_server_open(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return port_open(parts.hostname or "127.0.0.1", parts.port or 6379)


@pytest.fixture
def redis_url() -> str:
    url = redis_url_for_tests()
    require_service("Redis", redis_server_open(url), f"start redis-server for {url}")
    return url


# --- personas -----------------------------------------------------------------------------

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from access_support.accounts import services

    counter = {"n": 0}

    def make(roles: list[str] | str = "member", **fields: Any) -> Any:
        counter["n"] += 1
        n = counter["n"]
        roles = [roles] if isinstance(roles, str) else roles
        username = fields.pop("username", f"{roles[0]}{n}")
        if "member" in roles and "member_number" not in fields:
            fields["member_number"] = f"{9000000000 + n}"
        return services.user_create(
            username=username,
            password=fields.pop("password", PASSWORD),
            email=fields.pop("email", f"{username}@example.jp"),
            roles=roles,
            display_name=fields.pop("display_name", f"{username} 様"),
            **fields,
        )

    return make


@pytest.fixture
def senior(make_user: Callable[..., Any]) -> Any:
    return make_user(
        "member", username="senior", display_name="山田 花子", member_number="1234567890"
    )


@pytest.fixture
def member_b(make_user: Callable[..., Any]) -> Any:
    return make_user(
        "member", username="memberb", display_name="佐藤 一郎", member_number="2345678901"
    )


@pytest.fixture
def proxy(make_user: Callable[..., Any]) -> Any:
    return make_user("proxy", username="proxy", display_name="山田 太郎")


@pytest.fixture
def stranger(make_user: Callable[..., Any]) -> Any:
    return make_user("member", username="stranger", display_name="見知らぬ 人")


@pytest.fixture
def operator(make_user: Callable[..., Any]) -> Any:
    return make_user(
        "operator",
        username="operator",
        display_name="鈴木 さくら",
        skills=["sign_language", "written_chat"],
    )


@pytest.fixture
def supervisor(make_user: Callable[..., Any]) -> Any:
    return make_user("supervisor", username="supervisor", display_name="田中 真理")


def verify_session(client: Client, user: Any) -> Client:
    """Sign `client` in as `user` with a verified e-mail second factor."""
    from access_support.accounts.services import email_device_for

    client.force_login(user)
    device = email_device_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def signed_in() -> Callable[[Any], Client]:
    """`signed_in(user)` → a test client with password and second factor done."""

    def make(user: Any) -> Client:
        return verify_session(Client(), user)

    return make


def invite(
    member: Any,
    proxy_name: str = "山田 太郎",
    proxy_email: str = "t@example.jp",
    *,
    relationship: str = "子",
    scopes: list[str] | None = None,
    **extra: Any,
) -> tuple[Any, str]:
    """`member` invites a proxy (their child unless `relationship` says otherwise) with `scopes`
    (points enquiries by default) through the service: the new grant and its invitation token."""
    from proxies import services

    return services.grant_register(
        actor=member,
        member=member,
        proxy_name=proxy_name,
        proxy_email=proxy_email,
        relationship=relationship,
        scopes=scopes or ["inquiry.points"],
        **extra,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 at full strength costs ~0.3 s per sign-in; tests check behaviour, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()
