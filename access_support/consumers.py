"""Base websocket consumer: authentication, frame limits, rate limit, per-user close events.

Every consumer of the project derives from `ProtectedJsonConsumer`, so the rules of
docs/websocket.md that are not about a particular session live in one place:
- the user must be signed in with a verified second factor, else close 4401; and the socket
  closes with 4401 when that HTTP session ends (expiry, deletion: access_support/session_watch.py);
- every socket joins the user's group (access_support.events.user_group), so signing out, a
  role change or a revoke reaches it from any process;
- frames over 16 KiB or malformed JSON get an `error` frame and the socket stays open;
- more than 20 frames within any one second on one connection closes it with 4429. The limit
  is per connection and a connection lives in one process, so the times of its last 20 frames
  are kept on the consumer: no other process ever needs them (scale-out keeps in shared
  storage only what another process needs), and counting costs no round trip to Redis and no
  thread hop per frame — it used to be two Redis calls on a pool thread for every frame
  (docs/performance.md).
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from access_support import idle
from access_support.events import user_group
from access_support.http import has_lone_surrogate, has_nul
from access_support.session_watch import SessionWatch
from access_support.speedups.consumers import DirectDispatch

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_SESSION_CLOSED = 4408
CLOSE_RATE_LIMITED = 4429

MAX_FRAME_BYTES = 16 * 1024


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_frame(text: str) -> Any:
    """The frame's JSON; ValueError if it is not JSON (Python would accept NaN and Infinity,
    which a browser's JSON.parse refuses), nests too deeply for the parser, or holds NUL
    (U+0000) in a string (PostgreSQL text cannot store it) or a lone surrogate (``\\ud800``:
    no UTF-8 encoder, so no database driver, accepts it)."""
    try:
        frame = json.loads(text, parse_constant=_not_json)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc
    if has_nul(frame):
        raise ValueError("NUL (U+0000) in a string")
    if has_lone_surrogate(frame):
        raise ValueError("a lone surrogate in a string")
    return frame


# What the channel layer (msgpack in Redis: 64-bit whole numbers) and a browser (JSON.parse: no
# NaN or Infinity) can both carry, for values relayed as the client sent them.
WHOLE_NUMBER_RANGE = (-(2**63), 2**63 - 1)


def carriable(value: Any, max_depth: int) -> bool:
    """True if `value` nests at most `max_depth` levels and every number in it is a 64-bit
    whole number or a finite float."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= max_depth:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, int) and not WHOLE_NUMBER_RANGE[0] <= item <= WHOLE_NUMBER_RANGE[1]:
            return False
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True


def over_rate_limit(consumer: Any) -> bool:
    """Record a frame on `consumer`; True when it is the 21st (WS_FRAMES_PER_SECOND + 1) within
    one second — a sliding window, so a burst split by a clock second is caught too."""
    limit = int(getattr(settings, "WS_FRAMES_PER_SECOND", 20))
    recent: deque[float] | None = getattr(consumer, "_frame_times", None)
    if recent is None or recent.maxlen != limit:
        recent = consumer._frame_times = deque(maxlen=limit)
    now = time.monotonic()
    over = len(recent) == limit and now - recent[0] < 1.0
    recent.append(now)
    return over


def read_frame(text_data: str | None) -> tuple[dict[str, Any] | None, tuple[str, str]]:
    """The frame, or None and the `error` frame's code and message."""
    if text_data is None:
        return None, ("binary_not_supported", "Send JSON text frames.")
    if len(text_data.encode()) > MAX_FRAME_BYTES:
        return None, ("frame_too_large", "A frame may be at most 16 KiB.")
    try:
        frame = parse_frame(text_data)
    except ValueError:  # JSONDecodeError included
        return None, ("malformed_json", "The frame is not valid JSON.")
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None, ("invalid_frame", 'A frame is a JSON object with a "type".')
    return frame, ("", "")


_keep_alive = database_sync_to_async(idle.keep_alive_from_socket)


# Channels' dispatch without a hop to the shared thread per event, when the speedups are on
# (access_support/speedups/consumers.py, decision 0006).
class ProtectedJsonConsumer(DirectDispatch, AsyncJsonWebsocketConsumer):
    """Subclasses implement `authorize()` (after authentication) and `handle_frame(frame)`."""

    user: Any
    closed_with: int | None = None
    session_watch: SessionWatch | None = None
    _activity_at: float = 0.0
    _frame_times: deque[float] | None = None  # over_rate_limit's window

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        await self.accept()
        if (
            self.user is None
            or not self.user.is_authenticated
            or not self.scope.get("otp_verified")
        ):
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        code = await self.authorize()
        if code is not None:
            await self.close(code=code)
            return
        await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
        # The socket lasts only as long as its HTTP session (access_support/session_watch.py).
        # Every route has one (asgi.py: AuthMiddlewareStack); a bare test harness may not.
        if self.scope.get("session") is not None:
            self.session_watch = await SessionWatch.start(self.scope["session"], self.user.pk)
            if self.session_watch is None:
                await self.close(code=CLOSE_NOT_AUTHENTICATED)
                return
            self.session_watch.start_timer(self.session_ended)
            # The page that opened the socket has just restarted the idle clock.
            self._activity_at = time.monotonic()
        await self.joined()

    async def authorize(self) -> int | None:
        """Return a close code to refuse the connection, or None to keep it."""
        return None

    async def joined(self) -> None:
        """Called once the connection is accepted and authorised."""

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        self.closed_with = code
        await super().close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.session_watch is not None:
            self.session_watch.stop_timer()
        if getattr(self, "user", None) is not None and self.user.is_authenticated:
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        await self.left()

    async def left(self) -> None:
        """Called on disconnect; leave groups here."""

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if self.closed_with is not None:
            return
        if over_rate_limit(self):
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        frame, problem = read_frame(text_data)  # nothing is answered before the session check
        watch = self.session_watch
        if (
            watch is not None
            and watch.due()
            and not (frame is not None and self.session_checked_by_handler(frame))
            and not await watch.recheck()
        ):
            await self.session_ended()
            return
        if frame is None:
            await self.send_error(*problem)
            return
        await self.handle_frame(frame)

    def session_checked_by_handler(self, frame: dict[str, Any]) -> bool:
        """True if this frame's handler reads the session store itself when
        `self.session_watch.due()`, before it answers or stores anything (the live session's
        chat messages: in the chat writer's batch). Then `receive` does not read it first."""
        return False

    async def handle_frame(self, frame: dict[str, Any]) -> None:
        await self.send_error("unknown_type", f"Unknown frame type {frame['type'][:40]!r}.")

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def count_as_activity(self) -> None:
        """Traffic that counts as the user's activity (a live session's: issue 22 item 5)
        restarts the idle clock of the HTTP session this socket was opened with, and the
        proxy's acting clock, at most every `idle.live_touch_seconds` per connection. Frames of
        other sockets (the queue's) are not activity: only consumers that call this."""
        watch = self.session_watch
        if watch is None or self.closed_with is not None:
            return
        now = time.monotonic()
        if now - self._activity_at < idle.live_touch_seconds(self.user):
            return
        self._activity_at = now
        deadline = await _keep_alive(watch.session_key, self.user)
        if deadline is not None:
            watch.deadline = max(watch.deadline, deadline)

    async def session_ended(self) -> None:
        """The HTTP session this socket was opened with has ended (expired or deleted)."""
        await self.close(code=CLOSE_NOT_AUTHENTICATED)

    # Channel-layer events (sent through access_support.events).
    async def user_signed_out(self, event: dict[str, Any]) -> None:
        await self.close(code=CLOSE_NOT_AUTHENTICATED)

    async def authority_revoked(self, event: dict[str, Any]) -> None:
        """Subclasses acting for a member close with 4403 when it is theirs."""

    async def notices_changed(self, event: dict[str, Any]) -> None:
        """A notice for the user (every socket joins their group): only the notices socket
        (access_support.notifications.consumers) answers it."""
