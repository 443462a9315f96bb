"""The HTTP handler under daphne: one thread crossing per request, SQLite connections kept."""

from __future__ import annotations

import inspect
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.db import connection
from django.db.backends.signals import connection_created

from access_support.handlers import ProjectASGIHandler, http_application


def get(app: ProjectASGIHandler, path: str) -> dict:
    async def run() -> dict:
        request = HttpCommunicator(app, "GET", path, headers=[(b"host", b"127.0.0.1")])
        return await request.get_response(timeout=10)

    return async_to_sync(run)()


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_sqlite_requests_reuse_their_threads_connections_instead_of_opening_one_each():
    app = http_application()
    assert isinstance(app, ProjectASGIHandler) and app.threads >= 1
    opened: list[str] = []

    def count(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    connection_created.connect(count)
    try:
        answers = [get(app, "/healthz") for _ in range(12)]
    finally:
        connection_created.disconnect(count)
    assert [a["status"] for a in answers] == [200] * 12
    # Django's own handler gave every request a new thread and so a new connection: 12.
    assert len(opened) <= app.threads, opened
    assert all(name.startswith("http-sync") for name in opened)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_requests_keep_a_thread_each_and_take_connections_from_the_pool():
    app = http_application()
    assert isinstance(app, ProjectASGIHandler) and app.threads == 0 and not app.executors
    assert connection.settings_dict["OPTIONS"].get("pool")
    answers = [get(app, "/healthz") for _ in range(3)]
    assert [a["status"] for a in answers] == [200] * 3


@pytest.mark.django_db(transaction=True)
def test_a_request_runs_its_middleware_and_view_in_one_sync_chain():
    app = http_application()
    # Django built a chain that crossed from thread to loop and back inside the middleware.
    assert not getattr(app._middleware_chain, "_is_coroutine", False)
    assert not inspect.iscoroutinefunction(app._middleware_chain)
    answer = get(app, "/accounts/login/")
    assert answer["status"] == 200
    headers = {k.decode().lower(): v.decode() for k, v in answer["headers"]}
    assert "content-security-policy" in headers and headers["x-frame-options"] == "DENY"
    assert "ログイン" in answer["body"].decode()
