"""The idle clocks a signed-in page shows in its timeout warning (WCAG 2.2.1): the session's
and, for a proxy, the acting context's; and the Extend button that restarts both."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

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
