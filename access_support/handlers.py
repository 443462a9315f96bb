"""The project's HTTP handler: Django's ``ASGIHandler`` with fewer thread hops per request.

Two costs of Django's handler, both found with py-spy on daphne (docs/performance.md,
decision 0007):

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
"""

from __future__ import annotations

import asyncio
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase


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


def http_application() -> ASGIHandler:
    """The HTTP application, with the long-lived threads set for this database."""
    import django
    from django.db import connection

    django.setup(set_prefix=False)
    return ProjectASGIHandler(settings.HTTP_SYNC_THREADS.get(connection.vendor))
