"""Puts `acting_for` (the member the proxy acts for, or None) into every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from proxies.acting import acting_member


def acting(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_proxy", False):
        return {"acting_for": None}
    return {"acting_for": acting_member(request)}
