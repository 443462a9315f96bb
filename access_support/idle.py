"""The idle clocks a signed-in page shows in its timeout warning (WCAG 2.2.1): the session's
and, for a proxy, the acting context's; the Extend button that restarts both; and a live
session's websocket, whose traffic restarts them too (issue 22 item 5: no one is signed out in
the middle of a call)."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from access_support import extensions
from access_support.middleware import idle_seconds_for, touch_session

# The warning shows this long before the earlier clock runs out; at least 2 minutes
# (docs/accessibility.md: warned, with time to react, before a timeout).
DEFAULT_WARNING_SECONDS = 3 * 60


@dataclass(frozen=True)
class IdleClock:
    session_left: int
    acting_left: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "seconds_left": self.session_left,
            "expires_at": _at(self.session_left),
            "acting": None
            if self.acting_left is None
            else {"seconds_left": self.acting_left, "expires_at": _at(self.acting_left)},
        }


def warning_seconds() -> int:
    return int(getattr(settings, "IDLE_WARNING_SECONDS", DEFAULT_WARNING_SECONDS))


def _at(seconds: int) -> str:
    moment = timezone.now() + datetime.timedelta(seconds=seconds)
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def session_seconds_left(request: HttpRequest, user: Any) -> int:
    """From the sliding clock touch_session keeps: last touch + idle seconds − now."""
    session = request.session
    touched = session.get("_touched")
    idle = int(session.get("_idle") or idle_seconds_for(user))
    if touched is None:
        return int(session.get_expiry_age())
    return max(0, int(touched) + idle - int(time.time()))


def clock(request: HttpRequest, user: Any) -> IdleClock:
    """Reads both clocks without restarting either."""
    hooks = extensions.acting()
    acting = hooks.seconds_left(request) if hooks is not None else None
    return IdleClock(session_seconds_left(request, user), acting)


def extend(request: HttpRequest, user: Any) -> IdleClock:
    """Restart the session's idle clock and, when acting for a member, the acting context's."""
    touch_session(request, user, force=True)
    hooks = extensions.acting()
    acting = hooks.keep_alive(request) if hooks is not None else None
    return IdleClock(session_seconds_left(request, user), acting)


def live_touch_seconds(user: Any) -> float:
    """How often a live session's socket restarts the idle clock while it is in use: every
    minute, or a quarter of the idle timeout when that is shorter (a test's 1-minute clock)."""
    return float(max(1, min(60, idle_seconds_for(user) // 4)))


def keep_alive_from_socket(session_key: str, user: Any) -> float | None:
    """Live-session traffic counts as activity (issue 22 item 5): restart the idle clock of the
    HTTP session a websocket was opened with, as a page load does, and the acting context's of a
    proxy. Returns the session's new expiry (Unix time), or None when it has ended already (it
    is then left alone: an ended session is never brought back)."""
    # The configured store, as Django's session middleware takes it. The row is read once, by
    # the first `get`, which keeps it for the checks below and for `save` (`load()` called
    # directly keeps nothing: `touch_session` would read the row again). A missing or expired
    # session reads as empty: no user, left alone.
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(store.get(SESSION_KEY)) != str(user.pk) or not store.get(DEVICE_ID_SESSION_KEY):
        return None
    request = HttpRequest()
    request.session = store
    request.user = user
    touch_session(request, user, force=True)
    hooks = extensions.acting()
    if hooks is not None:
        hooks.keep_alive(request)
    try:
        store.save()  # an update only: a session deleted meanwhile (signed out) stays deleted
    except UpdateError:
        return None
    return store.get_expiry_date().timestamp()
