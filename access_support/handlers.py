"""The project's HTTP handler: Django's ``ASGIHandler`` with fewer thread hops per request.

Three costs of Django's handler, found with py-spy on daphne and by each thread's CPU time
(docs/performance.md, decisions 0007 and 0013):

1. **Middleware chain.** Our middleware is sync, and some of Django's below it can run async,
   so Django built a chain that went loop → thread (the sync middleware) → loop (the async
   middleware below) → thread again (the sync view): four crossings per request, each a wake-up
   of the other side. Here the chain is built sync, end to end, and a request enters it once:
   one crossing to a thread, everything on it, one back.
2. **A new SQLite connection per request** (embedded default). Django runs every request inside
   asgiref's ``ThreadSensitiveContext``, which gives each request a new thread; a SQLite
   connection is thread-local, so each request opened one (PRAGMAs, about forty registered SQL
   functions) and ``CONN_MAX_AGE`` could not help. With ``threads`` set, a request still runs
   all its sync code on one thread of its own, as Django requires, but borrows it from a small
   fixed set and gives it back after the response, so its connection lives for
   ``CONN_MAX_AGE``. A request waits for a free thread when all are busy; more than one thread
   keeps what per-request threads gave: a sign-in hashing a password (which releases the GIL)
   does not hold up other requests. PostgreSQL uses a bounded set too (its connections still
   come from the psycopg pool): fifty threads contending for the GIL served fewer requests
   than eight.
3. **Three crossings, not one.** Django's ``handle`` also crosses to the request's thread to
   send ``request_started`` (its receivers are sync) and again after the response is sent, to
   close it (``request_finished``). With ``threads`` set, one crossing does all of it: the
   signal, the request object, the chain, and — for a response whose body is already in memory
   — ``close()``, before the bytes are handed to the server (decision 0013). A streaming
   response is sent as Django sends it, stopped if the client goes away, and closed after.
   Each crossing passes the GIL between the event loop's thread and a request thread, usually
   on the other core; measured on this machine, a request thread under daphne spent 1.5–1.9×
   the CPU of the same code run in one thread.

(Twisted's own cost below daphne, parsing POST bodies nobody reads, is turned off by
``skip_twisted_form_parsing``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.urls import set_script_prefix


class ProjectASGIHandler(ASGIHandler):
    """``ASGIHandler`` with a sync middleware chain and, given ``threads``, long-lived threads."""

    def __init__(self, threads: int | None = None) -> None:
        # Not ASGIHandler.__init__: it would build the async chain first, only to be replaced.
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = threads or 0
        self.executors: list[ThreadPoolExecutor] = []
        # One queue of free threads per event loop (a queue belongs to the loop it runs on).
        self._free: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Queue[Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._fresh_threads()
        _handlers.add(self)

    def _fresh_threads(self) -> None:
        self.executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-sync")
            for _ in range(self.threads)
        ]
        self._free.clear()

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # The whole sync chain, view included, in one call on the request's thread.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django's ``handle`` with one crossing to the request's thread instead of three (see
        the module's docstring). Without long-lived threads, Django's own."""
        if not self.executors:
            await super().handle(scope, receive, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            set_script_prefix(get_script_prefix(scope))
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            if response.streaming:
                await self._send_streaming(response, receive, send)
            else:
                # Already closed; a client gone by now is the server's to ignore.
                await self.send_response(response, send)
        finally:
            body_file.close()

    async def _send_streaming(self, response: HttpResponseBase, receive: Any, send: Any) -> None:
        """As Django sends a response: stop if the client disconnects; then close it."""
        sending = asyncio.create_task(self.send_response(response, send))
        listening = asyncio.create_task(self.listen_for_disconnect(receive))
        try:
            await asyncio.wait([sending, listening], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (listening, sending):
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                    await task
            await sync_to_async(response.close, thread_sensitive=True)()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """On the request's thread: ``request_started``, the request, the middleware chain and
        view, and ``close()`` of a response held in memory (``request_finished``)."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None  # create_request gives one or the other
            response: HttpResponseBase = error_response
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response

    def _free_threads(self) -> asyncio.Queue[ThreadPoolExecutor]:
        loop = asyncio.get_running_loop()
        free = self._free.get(loop)
        if free is None:
            free = self._free[loop] = asyncio.Queue()
            for executor in self.executors:
                free.put_nowait(executor)
        return free

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.executors:
            await super().__call__(scope, receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        free = self._free_threads()
        executor = await free.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            free.put_nowait(executor)


_handlers: weakref.WeakSet[ProjectASGIHandler] = weakref.WeakSet()


def _fresh_threads_in_child() -> None:
    # A forked child inherits the executors without their threads (FIELD-NOTES): new ones.
    for handler in list(_handlers):
        handler._fresh_threads()


os.register_at_fork(after_in_child=_fresh_threads_in_child)


def skip_twisted_form_parsing() -> bool:
    """Stop Twisted parsing POST bodies that daphne never reads (decision 0013).

    Before daphne sees a request, Twisted's ``Request.requestReceived`` parses the Content-Type
    of every POST with the ``email`` package, then a form body with ``parse_qs`` and a multipart
    body with ``email.message_from_bytes`` — all into ``request.args``, on the event loop's
    thread. daphne hands the raw body to the application, where Django parses it; nothing reads
    ``args``. Twisted's own switch, ``parsePOSTFormSubmission``, is an argument daphne does not
    pass, so it is turned off once daphne's ``__init__`` has run. Returns whether it is off."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # not served by daphne
        return False
    original = WebRequest.__init__
    if getattr(original, "skips_form_parsing", False):
        return True

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False

    __init__.skips_form_parsing = True  # type: ignore[attr-defined]
    WebRequest.__init__ = __init__
    return True


def http_application() -> ASGIHandler:
    """The HTTP application, with the long-lived threads set for this database."""
    import django
    from django.db import connection

    django.setup(set_prefix=False)
    skip_twisted_form_parsing()
    return ProjectASGIHandler(settings.HTTP_SYNC_THREADS.get(connection.vendor))
