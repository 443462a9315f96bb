"""A websocket ends with the HTTP session it was opened with (issue 20 item 6).

A socket is authenticated once, at connect, from the session cookie; without this module it
outlived its session: after the idle timeout a queue socket still answered with customer names.
`ProtectedJsonConsumer` keeps a `SessionWatch` per connection and closes with 4401 when the
session has ended, for any reason:
- signing out (also /admin/logout/), a password or role change: `events.user_signed_out`
  closes every socket of the user at once, from any process (unchanged);
- idle expiry: a timer sleeps until the session's expiry and re-reads the session store (HTTP
  activity may have extended it meanwhile); every received frame is also checked against the
  expiry last read, so a frame after it never gets an answer;
- the session deleted otherwise (cleared, key rotated by a new sign-in): found by the next
  frame (the store is re-read at most every WS_SESSION_CHECK_SECONDS, 1 s, so a frame costs no
  query while the expiry is ahead) or by the timer (at most every WS_SESSION_TIMER_SECONDS).
  A frame whose handler writes through the chat writer (a chat message) has the store read
  there instead, in the writer's batch before anything of it is stored
  (`ProtectedJsonConsumer.session_checked_by_handler`): the same check, without a thread hop
  and a round trip of its own per message.

The session store (database sessions, access_support/sessions.py) decides: a session has ended
when its row is gone, its `expire_date` has passed, or it no longer names this user with a
verified second factor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django_otp import DEVICE_ID_SESSION_KEY

from access_support.sessions import SessionStore
from access_support.speedups.queries import by_primary_key

logger = logging.getLogger(__name__)

# A timer that could not read the store (database unavailable) tries again after this long.
RETRY_SECONDS = 5.0


def _now() -> float:
    """Wall-clock time, as the session's `expire_date` is (tests move it forward)."""
    return time.time()


def check_seconds() -> float:
    return float(getattr(settings, "WS_SESSION_CHECK_SECONDS", 1.0))


def timer_seconds() -> float:
    return float(getattr(settings, "WS_SESSION_TIMER_SECONDS", 60.0))


def session_deadline(session_key: str | None, user_id: Any) -> float | None:
    """When the stored session ends (Unix time), or None if it has ended already: no such row,
    expired, or not (any more) this user's session with a verified second factor."""
    if not session_key:
        return None
    return _deadline_of(by_primary_key(Session).get(session_key), user_id)


def session_deadlines(
    wanted: Collection[tuple[str, Any]],
) -> dict[tuple[str, Any], float | None]:
    """`session_deadline` of several (session key, user id) pairs, in one query: the chat
    writer reads the sessions of a batch's sockets this way (signlanguage/live/chat_writer.py)."""
    keys = {key for key, _ in wanted if key}
    if len(keys) == 1:  # most batches: the compiled read by primary key, half the time
        rows = {key: by_primary_key(Session).get(key) for key in keys}
    else:
        rows = {row.session_key: row for row in Session.objects.filter(session_key__in=keys)}
    return {(key, user_id): _deadline_of(rows.get(key), user_id) for key, user_id in wanted}


def _deadline_of(row: Session | None, user_id: Any) -> float | None:
    if row is None:
        return None
    deadline = row.expire_date.timestamp()
    if deadline <= _now():
        return None
    data = SessionStore().decode(row.session_data)
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(DEVICE_ID_SESSION_KEY):
        return None
    return deadline


_read_deadline = database_sync_to_async(session_deadline)


class SessionWatch:
    """The session of one connection: its key, its user, the expiry last read and when."""

    def __init__(self, session_key: str, user_id: Any, deadline: float) -> None:
        self.session_key = session_key
        self.user_id = user_id
        self.deadline = deadline
        self.checked_at = time.monotonic()
        self.timer: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, session: Any, user_id: Any) -> SessionWatch | None:
        """The watch for a connecting socket's session (scope["session"], loaded by the auth
        middleware a moment ago: its expiry is known without a query), or None if the session
        has ended already."""
        key = session.session_key
        loaded = getattr(session, "loaded_expiry", None)
        if loaded is None:
            deadline = await _read_deadline(key, user_id)
        else:
            deadline = loaded.timestamp() if loaded.timestamp() > _now() else None
        return None if key is None or deadline is None else cls(key, user_id, deadline)

    async def recheck(self) -> bool:
        """Re-read the store: True (and the new expiry kept) while the session lasts."""
        return self.settle(await _read_deadline(self.session_key, self.user_id))

    def settle(self, deadline: float | None) -> bool:
        """The store has just been read (`session_deadline`, here or by the chat writer in its
        batch): True, and the new expiry kept, while the session lasts."""
        self.checked_at = time.monotonic()
        if deadline is None:
            return False
        self.deadline = deadline
        return True

    def due(self) -> bool:
        """True when the next frame must wait for the store: the expiry last read has passed,
        or that read is older than WS_SESSION_CHECK_SECONDS."""
        return not (_now() < self.deadline and time.monotonic() - self.checked_at < check_seconds())

    async def frame_allowed(self) -> bool:
        """For each received frame: no query while the expiry last read is ahead and that read
        is recent; otherwise the store decides."""
        if not self.due():
            return True
        return await self.recheck()

    def start_timer(self, on_end: Callable[[], Awaitable[None]]) -> None:
        self.timer = asyncio.create_task(self._run(on_end))

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    async def _run(self, on_end: Callable[[], Awaitable[None]]) -> None:
        """Sleep until the expiry (at most WS_SESSION_TIMER_SECONDS, to notice a session deleted
        without an event), re-read the store, and call `on_end` once the session has ended."""
        while True:
            await asyncio.sleep(max(0.01, min(self.deadline - _now(), timer_seconds())))
            try:
                lasts = await self.recheck()
            except Exception:  # the socket stays; its frames still check the store
                logger.exception("session check failed; retrying in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if not lasts:
                self.timer = None
                await on_end()
                return
