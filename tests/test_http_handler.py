"""The HTTP handler under daphne: one thread crossing per request, SQLite connections kept."""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.testing import HttpCommunicator
from django.core.signals import request_started
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.urls import path

from access_support.speedups.handler import ProjectASGIHandler, http_application


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


@pytest.mark.speedups_only
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


@pytest.mark.speedups_only
@pytest.mark.django_db(transaction=True)
def test_requests_run_on_the_bounded_set_of_long_lived_threads(settings):
    app = http_application()
    assert app.threads == settings.HTTP_SYNC_THREADS[connection.vendor] >= 1
    statuses, ran_on = twelve_health_checks(app, request_started)
    assert statuses == [200] * 12
    # Django's handler ran each request on a new thread: 12 different ones.
    assert len(ran_on) == 12 and all(name.startswith("http-sync") for name in ran_on)
    assert len(set(ran_on)) <= app.threads


@pytest.mark.speedups_only
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


@pytest.mark.speedups_only
@pytest.mark.django_db(transaction=True)
def test_a_request_crosses_to_its_thread_once_for_signals_view_and_close():
    """request_started, the view and request_finished all run in one call on the request's
    thread: one hand-over per request, not three (decision 0013)."""
    from django.core.signals import request_finished

    app = http_application()
    handed_over: list[str] = []
    for executor in app.executors:
        submit = executor.submit

        def counting_submit(*args: Any, _submit: Any = submit, **kwargs: Any) -> Any:
            handed_over.append("submit")
            return _submit(*args, **kwargs)

        executor.submit = counting_submit  # type: ignore[method-assign]
    finished: list[str] = []

    def note_finished(sender: Any, **kwargs: Any) -> None:
        finished.append(threading.current_thread().name)

    request_finished.connect(note_finished)
    try:
        statuses, started = twelve_health_checks(app, request_started)
    finally:
        request_finished.disconnect(note_finished)
    assert statuses == [200] * 12
    # Twelve requests, plus close_threads' one call per thread to close its connection.
    assert len(handed_over) == 12 + len(app.executors)
    assert len(started) == 12 and len(finished) == 12
    assert all(name.startswith("http-sync") for name in started + finished)


# A streaming view, served by the handler in the two tests below (ROOT_URLCONF = this module).
streamed: list[str] = []


async def _stream(request: Any) -> Any:
    from django.http import StreamingHttpResponse

    async def chunks() -> Any:
        try:
            for n in range(1_000_000 if request.GET.get("forever") else 3):
                streamed.append(f"chunk {n}")
                yield f"chunk {n};".encode()
                await asyncio.sleep(0.01)
        finally:
            streamed.append("closed")

    return StreamingHttpResponse(chunks())


def _sleep(request: Any) -> Any:
    """A slow sync view (a password being hashed, a slow e-mail server)."""
    import time

    from django.http import HttpResponse

    time.sleep(float(request.GET.get("s", "0")))
    return HttpResponse(str(threading.get_ident()))


urlpatterns = [path("stream", _stream), path("sleep", _sleep)]


def _scope(path: str, query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "scheme": "http",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def _streaming_app(settings: Any) -> ProjectASGIHandler:
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = []
    streamed.clear()
    return ProjectASGIHandler(threads=1)


@pytest.mark.django_db(transaction=True)
def test_a_streaming_response_is_sent_whole_and_closed_after_it(settings):
    from django.core.signals import request_finished

    app = _streaming_app(settings)
    finished_after: list[list[str]] = []

    def note_finished(sender: Any, **kwargs: Any) -> None:
        finished_after.append(list(streamed))

    async def run() -> tuple[int, bytes]:
        client = ApplicationCommunicator(app, _scope("/stream"))
        await client.send_input({"type": "http.request", "body": b""})
        start = await client.receive_output(timeout=5)
        body = b""
        while True:
            part = await client.receive_output(timeout=5)
            body += part.get("body", b"")  # the last part may carry no body (ASGI allows it)
            if not part.get("more_body"):
                await client.wait(timeout=5)  # the handler has returned
                return start["status"], body

    request_finished.connect(note_finished)
    try:
        status, body = async_to_sync(run)()
    finally:
        request_finished.disconnect(note_finished)
        close_threads(app)
    assert status == 200
    assert body == b"chunk 0;chunk 1;chunk 2;"
    # Closed once, after the last chunk went out.
    assert finished_after == [["chunk 0", "chunk 1", "chunk 2", "closed"]]


@pytest.mark.django_db(transaction=True)
def test_a_stream_stops_when_its_client_goes_away(settings):
    app = _streaming_app(settings)

    async def run() -> None:
        client = ApplicationCommunicator(app, _scope("/stream", b"forever=1"))
        await client.send_input({"type": "http.request", "body": b""})
        start = await client.receive_output(timeout=5)
        assert start["type"] == "http.response.start" and start["status"] == 200
        first = await client.receive_output(timeout=5)
        assert first["body"].startswith(b"chunk 0;")
        await client.send_input({"type": "http.disconnect"})
        await client.wait(timeout=5)  # the handler returns instead of streaming on

    try:
        async_to_sync(run)()
    finally:
        close_threads(app)
    assert streamed[-1] == "closed" and len(streamed) < 100


def _timed_get(app: ProjectASGIHandler, query: bytes) -> Any:
    async def run() -> tuple[float, int]:
        loop = asyncio.get_running_loop()
        client = ApplicationCommunicator(app, _scope("/sleep", query))
        await client.send_input({"type": "http.request", "body": b""})
        start = await client.receive_output(timeout=5)
        body = await client.receive_output(timeout=5)
        assert start["status"] == 200
        return loop.time(), int(body["body"])

    return run


@pytest.mark.django_db(transaction=True)
def test_quick_requests_share_the_active_thread_and_a_slow_one_lets_the_spare_in(settings):
    """One thread serves while requests are quick (decision 0014); while a request holds it
    longer than slow_after, the spare thread answers the requests waiting behind it."""
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = []
    app = ProjectASGIHandler(threads=2, active=1, slow_after=0.05)

    async def run() -> tuple[set[int], float, list[tuple[float, int]]]:
        loop = asyncio.get_running_loop()
        quick = await asyncio.gather(*(_timed_get(app, b"s=0")() for _ in range(20)))
        began = loop.time()
        slow = asyncio.ensure_future(_timed_get(app, b"s=0.6")())
        await asyncio.sleep(0.01)  # the slow one has its thread
        others = await asyncio.gather(*(_timed_get(app, b"s=0")() for _ in range(5)))
        done_slow, slow_thread = await slow
        assert done_slow - began >= 0.6
        return (
            {t for _, t in quick},
            began,
            [(at - began, t) for at, t in others] + [(done_slow - began, slow_thread)],
        )

    try:
        quick_threads, began, answered = async_to_sync(run)()
    finally:
        close_threads(app)
    # Twenty quick requests at once, all on one thread.
    assert len(quick_threads) == 1
    *others, (slow_done, slow_thread) = answered
    # The five behind the slow request were answered by the other thread, about slow_after
    # after they asked, long before the slow one ended.
    assert all(at < 0.3 for at, _ in others), answered
    assert slow_thread not in {t for _, t in others}


def test_a_request_cancelled_while_waiting_for_a_thread_leaves_none_lent():
    from concurrent.futures import ThreadPoolExecutor

    from access_support.speedups.handler import _Threads

    async def run() -> None:
        executor = ThreadPoolExecutor(max_workers=1)
        threads = _Threads([executor], 1, 10.0, asyncio.get_running_loop())
        held = await threads.take()
        waiting = asyncio.ensure_future(threads.take())
        await asyncio.sleep(0)
        assert not waiting.done()  # the one thread is lent
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        threads.give_back(held)
        assert not threads.lent and not threads.waiting and threads.free == [executor]
        # And the thread is lent again at once.
        assert await asyncio.wait_for(threads.take(), 1) is executor
        executor.shutdown()

    async_to_sync(run)()


def test_twisted_leaves_a_posted_form_to_django_and_daphne_passes_it_on_whole():
    """Twisted no longer parses a POST body into request.args on the event loop (daphne never
    reads them; Django parses the body itself): the raw body still reaches the application."""
    from unittest import mock

    from daphne.http_protocol import HTTPFactory
    from twisted.internet.testing import StringTransport

    from access_support.speedups.handler import skip_twisted_form_parsing

    assert skip_twisted_form_parsing() is True
    assert skip_twisted_form_parsing() is True  # once is enough; a second call changes nothing
    server = mock.MagicMock(
        proxy_forwarded_address_header=None, request_buffer_size=8192, root_path=""
    )
    protocol = HTTPFactory(server).buildProtocol(("127.0.0.1", 50000))
    protocol.makeConnection(StringTransport())
    body = "名前=山田&code=AB12".encode()
    protocol.dataReceived(
        b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    request = server.protocol_connected.call_args.args[0]
    assert request.args == {}
    queue = server.create_application.return_value
    [message] = [c.args[0] for c in queue.put_nowait.call_args_list]
    assert message["type"] == "http.request" and message["body"] == body
