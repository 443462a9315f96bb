"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from access_support.accounts import reading


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "service_hours": f"{settings.SERVICE_OPEN_TIME}–{settings.SERVICE_CLOSE_TIME}",
        "other_language": "en" if getattr(request, "LANGUAGE_CODE", "ja") == "ja" else "ja",
        # Plain Japanese wording and furigana, as chosen (both off in English).
        "reading": reading.active(request),
    }


def idle_clock(request: HttpRequest) -> dict[str, Any]:
    """The idle clocks a signed-in page needs for its timeout warning (templates/components/
    idle_dialog.html), or None for a visitor who is not signed in with the second factor."""
    from access_support import idle

    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"idle_clock": None}
    clock = idle.clock(request, user)
    return {
        "idle_clock": {
            "session_left": clock.session_left,
            "acting_left": clock.acting_left,
            "warn_before": idle.warning_seconds(),
        }
    }
