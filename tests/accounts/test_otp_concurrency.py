"""The one-time-code back-off under concurrency (issue 20 item 4): wrong codes sent in parallel,
from threads of one process and from two processes on PostgreSQL + Redis, are each counted, and
no more of them are compared with the code than the back-off and the per-address limit allow.

Each attempt reads its device first, then all are released together, as parallel requests
would (`find_device` reads the device before `verify_second_factor`)."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, connections
from django.test import RequestFactory
from django_otp.plugins.otp_email.models import EmailDevice

from access_support import request_context
from access_support.accounts import services
from access_support.accounts.models import User
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "198.51.100.7"


def _prepare(make_user: Callable[..., Any]) -> tuple[int, int, str]:
    """A member with an e-mail device holding a fresh code; (user id, device id, a wrong code)."""
    user = make_user("member")
    device = services.email_device_for(user)
    assert device is not None
    device.generate_challenge()
    device.refresh_from_db()
    wrong = "000000" if device.token != "000000" else "111111"
    return user.pk, device.pk, wrong


def _attempt(user_pk: int, device_pk: int, token: str, barrier: Any) -> str:
    """One sign-in code attempt, released with the others at the barrier: "failed",
    "throttled" or "verified". Runs in its own thread, with its own database connection."""
    request_context.client_address.set(ADDRESS)
    try:
        user = User.objects.get(pk=user_pk)
        device = EmailDevice.objects.get(pk=device_pk)
        request = RequestFactory().post("/api/v1/auth/otp/verify")
        request.user = user
        request.session = SessionStore()
        barrier.wait(timeout=30)
        result = services.verify_second_factor(request, device, token)
        if result.throttled:
            return "throttled"
        return "verified" if result.verified else "failed"
    finally:
        connections.close_all()


def _threads(user_pk: int, device_pk: int, token: str, n: int, barrier: Any) -> list[str]:
    answers: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            answer = _attempt(user_pk, device_pk, token, barrier)
        except Exception as exc:  # reported, so the test shows it rather than a short count
            answer = f"error {exc!r}"
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _close_pool() -> None:
    """Close the PostgreSQL connection pool (DATABASES OPTIONS "pool"); the next query opens a
    new one. A pool forked with its connections open would hand the parent's sockets to the
    children."""
    close_pool = getattr(connection, "close_pool", None)
    if close_pool is not None:
        close_pool()


def _in_process(user_pk: int, device_pk: int, token: str, n: int, barrier: Any, out: Any) -> None:
    """The body of a forked process: n parallel attempts; the answers go back through `out`."""
    try:
        out.put(_threads(user_pk, device_pk, token, n, barrier))
    finally:
        _close_pool()


def _two_processes(user_pk: int, device_pk: int, token: str, n: int) -> Counter[str]:
    """n attempts split over two forked processes (threads in each), all released together."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(n)
    out = context.Queue()
    # The children must open their own connections: none may be open, nor pooled, at the fork.
    connections.close_all()
    _close_pool()
    halves = (n // 2, n - n // 2)
    processes = [
        context.Process(target=_in_process, args=(user_pk, device_pk, token, half, barrier, out))
        for half in halves
    ]
    for process in processes:
        process.start()
    answers: Counter[str] = Counter()
    for _ in processes:
        answers.update(out.get(timeout=120))
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return answers


def _stored_failures(device_pk: int) -> int:
    return int(EmailDevice.objects.get(pk=device_pk).throttling_failure_count)


# --- one process, threads (SQLite in the embedded pass) ------------------------------------


def test_parallel_wrong_codes_are_each_counted(make_user: Any, settings: Any) -> None:
    # No back-off, so every attempt is compared with the code: each one must be counted.
    settings.OTP_EMAIL_THROTTLE_FACTOR = 0
    user_pk, device_pk, wrong = _prepare(make_user)
    n = 16
    answers = Counter(_threads(user_pk, device_pk, wrong, n, threading.Barrier(n)))
    assert answers == Counter({"failed": n})
    assert _stored_failures(device_pk) == n


def test_parallel_wrong_codes_get_one_guess_under_the_back_off(make_user: Any) -> None:
    # The back-off after a first failure is 1 s: of a burst, one code is compared, the rest wait.
    user_pk, device_pk, wrong = _prepare(make_user)
    n = 16
    answers = Counter(_threads(user_pk, device_pk, wrong, n, threading.Barrier(n)))
    assert answers["failed"] == _stored_failures(device_pk)
    assert 1 <= answers["failed"] <= 2, answers  # a second only if the burst outlasts 1 s
    assert answers["failed"] + answers["throttled"] == n


def test_parallel_wrong_codes_from_one_address_stop_at_the_limit(
    make_user: Any, settings: Any
) -> None:
    settings.OTP_EMAIL_THROTTLE_FACTOR = 0
    settings.OTP_ADDRESS_FAILURE_LIMIT = 5
    user_pk, device_pk, wrong = _prepare(make_user)
    n = 16
    answers = Counter(_threads(user_pk, device_pk, wrong, n, threading.Barrier(n)))
    assert answers == Counter({"failed": 5, "throttled": n - 5})
    assert _stored_failures(device_pk) == 5


# --- two processes on PostgreSQL + Redis ----------------------------------------------------


def _require_shared_cache(settings: Any) -> None:
    assert connection.vendor == "postgresql"
    backend = settings.CACHES["default"]["BACKEND"]
    require_service("Redis (REDIS_URL)", "redis" in backend.lower(), "set REDIS_URL")


@pytest.mark.postgres
@pytest.mark.redis
def test_forty_wrong_codes_from_two_processes_count_forty(make_user: Any, settings: Any) -> None:
    _require_shared_cache(settings)
    settings.OTP_EMAIL_THROTTLE_FACTOR = 0
    settings.OTP_ADDRESS_FAILURE_LIMIT = 1000
    user_pk, device_pk, wrong = _prepare(make_user)
    answers = _two_processes(user_pk, device_pk, wrong, 40)
    assert answers == Counter({"failed": 40})
    assert _stored_failures(device_pk) == 40


@pytest.mark.postgres
@pytest.mark.redis
def test_forty_wrong_codes_from_two_processes_get_one_guess_under_the_back_off(
    make_user: Any, settings: Any
) -> None:
    _require_shared_cache(settings)
    user_pk, device_pk, wrong = _prepare(make_user)
    answers = _two_processes(user_pk, device_pk, wrong, 40)
    assert answers["failed"] == _stored_failures(device_pk)
    assert 1 <= answers["failed"] <= 2, answers
    assert answers["failed"] + answers["throttled"] == 40


@pytest.mark.postgres
@pytest.mark.redis
def test_forty_wrong_codes_from_two_processes_stop_at_the_address_limit(
    make_user: Any, settings: Any
) -> None:
    _require_shared_cache(settings)
    settings.OTP_EMAIL_THROTTLE_FACTOR = 0
    settings.OTP_ADDRESS_FAILURE_LIMIT = 10
    user_pk, device_pk, wrong = _prepare(make_user)
    answers = _two_processes(user_pk, device_pk, wrong, 40)
    assert answers == Counter({"failed": 10, "throttled": 30})
    assert _stored_failures(device_pk) == 10
