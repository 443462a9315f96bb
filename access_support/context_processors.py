"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "service_hours": f"{settings.SERVICE_OPEN_TIME}–{settings.SERVICE_CLOSE_TIME}",
        "other_language": "en" if getattr(request, "LANGUAGE_CODE", "ja") == "ja" else "ja",
    }
