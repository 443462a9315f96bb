"""The project's HTTP handler: Django's ``ASGIHandler`` with fewer thread hops per request.

Replaces: ``django.core.asgi.get_asgi_application()`` (stock, used when the speedups are off):
a subclass of ``ASGIHandler`` overriding its ``handle``, built on its ``create_request``,
``read_body`` and ``send_response``, and a patch of daphne's ``WebRequest`` (Twisted's form
parsing). Buys (measured, docs/performance.md): the embedded in-project constant at 87 req/s on
Django's handler → 181 with long-lived threads and the chain entered once (decision 0007), and
371 → 551 req/s alternated with one crossing per request (decision 0013); Twisted's form parsing
was 5 % of the GIL's time during the authorisation check. Decisions 0007, 0013 and 0014.

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
   fixed set and gives it back once its response is made, so its connection lives for
   ``CONN_MAX_AGE``. A request waits for a free thread when all are busy. Fewer threads in use
   cost each request less CPU (they contend for the GIL with the event loop and each other), so
   on SQLite one serves while requests are quick, and the second joins in while a request has
   held the first longer than ``HTTP_SLOW_REQUEST_SECONDS``: a sign-in hashing a password
   holds up other requests by that long at most (``_Threads``, decision 0014). PostgreSQL
   uses a bounded set too, all four in use (its connections still come from the psycopg pool;
   a thread waiting on the network holds no GIL): fifty threads contending for the GIL served
   fewer requests than eight.
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
import collections
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

    def __init__(
        self, threads: int | None = None, active: int | None = None, slow_after: float = 0.02
    ) -> None:
        # Not ASGIHandler.__init__: it would build the async chain first, only to be replaced.
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = threads or 0
        # Threads in use while no request is slow; the others join in while one is (_Threads).
        self.active = min(active or self.threads, self.threads)
        self.slow_after = slow_after
        self.executors: list[ThreadPoolExecutor] = []
        # One dispenser of threads per event loop (its waiters belong to the loop they run on).
        self._dispensers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Threads] = (
            weakref.WeakKeyDictionary()
        )
        self._fresh_threads()
        _handlers.add(self)

    def _fresh_threads(self) -> None:
        self.executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-sync")
            for _ in range(self.threads)
        ]
        self._dispensers.clear()

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # The whole sync chain, view included, in one call on the request's thread.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django's ``handle`` with one crossing to the request's thread instead of three (see
        the module's docstring). Without long-lived threads, Django's own. A thread is borrowed
        once the body has arrived, and given back as soon as a response held in memory is made
        (before it is sent); a streaming response keeps it until it is sent and closed."""
        if not self.executors:
            await super().handle(scope, receive, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        threads = self._threads()
        executor = await threads.take()
        lent = True
        try:
            async with ThreadSensitiveContext(executor=executor):
                set_script_prefix(get_script_prefix(scope))
                respond = sync_to_async(self._respond, thread_sensitive=True)
                response = await respond(scope, body_file)
                if response.streaming:
                    await self._send_streaming(response, receive, send)
                    return
                threads.give_back(executor)  # no more calls on it for this request
                lent = False
                # Already closed; a client gone by now is the server's to ignore.
                await self.send_response(response, send)
        finally:
            if lent:
                threads.give_back(executor)
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

    def _threads(self) -> _Threads:
        loop = asyncio.get_running_loop()
        dispenser = self._dispensers.get(loop)
        if dispenser is None:
            dispenser = self._dispensers[loop] = _Threads(
                self.executors, self.active, self.slow_after, loop
            )
        return dispenser

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.executors:
            await super().__call__(scope, receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)


class _Threads:
    """Lends the request threads to requests, one request per thread, in the order they ask.

    `active` threads serve while every request is quick: under daphne a request thread contends
    for the GIL with the event loop's thread and with the other request threads, and each one
    more costs every request CPU (decision 0014). The others join in while a request has held
    its thread longer than `slow_after` seconds — a sign-in hashing a password, a slow e-mail
    server — so such a request holds the others up by that long at most, not for as long as it
    runs."""

    def __init__(
        self,
        executors: list[ThreadPoolExecutor],
        active: int,
        slow_after: float,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.free = list(reversed(executors))  # taken from the end: the first thread first
        self.active = active
        self.slow_after = slow_after
        self.loop = loop
        self.lent: dict[ThreadPoolExecutor, float] = {}  # thread → when it was lent
        self.waiting: collections.deque[asyncio.Future[ThreadPoolExecutor]] = collections.deque()
        self.timer: asyncio.TimerHandle | None = None

    def _may_lend(self) -> bool:
        """A thread is free, and fewer are lent than `active` plus those held by slow requests."""
        if not self.free:
            return False
        if len(self.lent) < self.active:
            return True
        now = self.loop.time()
        slow = sum(1 for lent_at in self.lent.values() if now - lent_at > self.slow_after)
        return len(self.lent) < self.active + slow

    def _lend(self) -> ThreadPoolExecutor:
        executor = self.free.pop()
        self.lent[executor] = self.loop.time()
        return executor

    async def take(self) -> ThreadPoolExecutor:
        if not self.waiting and self._may_lend():
            return self._lend()
        waiter: asyncio.Future[ThreadPoolExecutor] = self.loop.create_future()
        self.waiting.append(waiter)
        self._watch()
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give_back(waiter.result())  # lent just as the request was cancelled
            elif waiter in self.waiting:
                self.waiting.remove(waiter)
            raise

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        del self.lent[executor]
        self.free.append(executor)
        self._hand_on()

    def _hand_on(self) -> None:
        while self.waiting and self._may_lend():
            waiter = self.waiting.popleft()
            if not waiter.done():  # a cancelled request's waiter is passed over
                waiter.set_result(self._lend())
        self._watch()

    def _watch(self) -> None:
        """While requests wait and a thread is free, look again when a lent one turns slow."""
        if self.timer is not None or not self.waiting or not self.free:
            return
        now = self.loop.time()
        turns_slow = [t + self.slow_after for t in self.lent.values() if now - t <= self.slow_after]
        if turns_slow:
            self.timer = self.loop.call_at(min(turns_slow) + 0.001, self._look)

    def _look(self) -> None:
        self.timer = None
        self._hand_on()


_handlers: weakref.WeakSet[ProjectASGIHandler] = weakref.WeakSet()


def _fresh_threads_in_child() -> None:
    # A forked child inherits the executors without their threads (seen here): new ones.
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


def http_application(vendor: str | None = None) -> ASGIHandler:
    """The HTTP application: with the speedups on, this handler with the long-lived threads set
    for the database (`vendor`, default the project's) and Twisted's form parsing off; with them
    off, Django's own."""
    import django
    from django.core.asgi import get_asgi_application

    from access_support.speedups import enabled

    if not enabled():
        return get_asgi_application()
    django.setup(set_prefix=False)
    if vendor is None:
        from django.db import connection

        vendor = connection.vendor
    skip_twisted_form_parsing()
    return ProjectASGIHandler(
        settings.HTTP_SYNC_THREADS.get(vendor),
        settings.HTTP_SYNC_THREADS_ACTIVE.get(vendor),
        settings.HTTP_SLOW_REQUEST_SECONDS,
    )
