"""The HTTP handler under daphne: one thread crossing per request, SQLite connections kept."""

from __future__ import annotations

import inspect
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.signals import request_started
from django.db import connection, connections
from django.db.backends.signals import connection_created

from access_support.handlers import ProjectASGIHandler, http_application


def close_threads(app: ProjectASGIHandler) -> None:
    """Let each long-lived thread close its database connection, as a server does on exit."""
    for executor in app.executors:
        executor.submit(connections.close_all).result()
        executor.shutdown()


def get(app: ProjectASGIHandler, path: str) -> dict:
    async def run() -> dict:
        request = HttpCommunicator(app, "GET", path, headers=[(b"host", b"127.0.0.1")])
        return await request.get_response(timeout=10)

    return async_to_sync(run)()


def twelve_health_checks(app: ProjectASGIHandler, signal: Any) -> tuple[list[int], list[str]]:
    """Answer statuses of 12 GET /healthz, and the thread that sent `signal` each time."""
    threads: list[str] = []

    def note_thread(sender: Any, **kwargs: Any) -> None:
        threads.append(threading.current_thread().name)

    signal.connect(note_thread)
    try:
        statuses = [get(app, "/healthz")["status"] for _ in range(12)]
    finally:
        signal.disconnect(note_thread)
        close_threads(app)
    return statuses, threads


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_sqlite_requests_reuse_their_threads_connections_instead_of_opening_one_each():
    app = http_application()
    assert isinstance(app, ProjectASGIHandler) and app.threads >= 1
    statuses, opened = twelve_health_checks(app, connection_created)
    assert statuses == [200] * 12
    # Django's own handler gave every request a new thread and so a new connection: 12.
    assert len(opened) <= app.threads, opened
    assert all(name.startswith("http-sync") for name in opened)


@pytest.mark.django_db(transaction=True)
def test_requests_run_on_the_bounded_set_of_long_lived_threads(settings):
    app = http_application()
    assert app.threads == settings.HTTP_SYNC_THREADS[connection.vendor] >= 1
    statuses, ran_on = twelve_health_checks(app, request_started)
    assert statuses == [200] * 12
    # Django's handler ran each request on a new thread: 12 different ones.
    assert len(ran_on) == 12 and all(name.startswith("http-sync") for name in ran_on)
    assert len(set(ran_on)) <= app.threads


@pytest.mark.django_db(transaction=True)
def test_a_request_runs_its_middleware_and_view_in_one_sync_chain():
    app = http_application()
    # Django built a chain that crossed from thread to loop and back inside the middleware.
    assert not getattr(app._middleware_chain, "_is_coroutine", False)
    assert not inspect.iscoroutinefunction(app._middleware_chain)
    try:
        answer = get(app, "/accounts/login/")
    finally:
        close_threads(app)
    assert answer["status"] == 200
    headers = {k.decode().lower(): v.decode() for k, v in answer["headers"]}
    assert "content-security-policy" in headers and headers["x-frame-options"] == "DENY"
    assert "ログイン" in answer["body"].decode()
