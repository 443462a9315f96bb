"""Cross-cutting HTTP middleware: request ids, language choice and the second-factor gate."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from access_support import request_context
from access_support.speedups.lazy import unwrapped

# Paths reachable before the second factor is verified (sign-in, health, static, language,
# the public help page).
OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/otp/",
    "/accounts/logout/",
    "/accounts/set-password/",
    "/accounts/forgot-password/",
    "/accounts/reset-password/",
    "/accounts/recovery/",
    "/api/v1/auth/",
    "/healthz",
    "/help/",
    "/static/",
    "/i18n/",
    "/proxies/invitations/",
)


class RequestIdMiddleware:
    """Gives every request an id that the audit log records."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_context.request_id.set(request_id)
        address_token = request_context.client_address.set(client_address(request))
        request_token = request_context.request.set(request)
        try:
            response = self.get_response(request)
        finally:
            request_context.request_id.reset(token)
            request_context.client_address.reset(address_token)
            request_context.request.reset(request_token)
        response["X-Request-Id"] = request_id
        return response


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def set_language_cookie(request: HttpRequest, response: HttpResponse, language: str) -> None:
    """Pages on this device in `language` from the next request on (LanguageMiddleware)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )


class LanguageMiddleware:
    """Japanese unless the user chose English with the switch (the browser's header is ignored:
    our users are served in Japanese first, whatever their device says)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.setdefault("Vary", "Cookie")
        translation.deactivate()
        return response


# Reading the idle clock (the warning dialog asks before it shows) is not activity: a GET here
# leaves the clock alone, or asking "how long is left?" would itself keep the session alive.
IDLE_CLOCK_PATH = "/api/v1/session"


def idle_seconds_for(user: Any) -> int:
    return int(settings.OPERATOR_IDLE_SECONDS if user.is_operator else settings.IDLE_SECONDS)


def touch_session(request: HttpRequest, user: Any, *, force: bool = False) -> None:
    """Sliding idle timeout: operators 15 minutes, everyone else 30. The session row is
    rewritten at most once a minute (not on every request), so reads stay reads; `force`
    (the warning dialog's Extend button) restarts the clock now."""
    idle = idle_seconds_for(user)
    now = int(time.time())
    session = request.session
    if force or session.get("_idle") != idle or now - int(session.get("_touched", 0)) >= 60:
        session["_idle"] = idle
        session["_touched"] = now
        session.set_expiry(idle)


class SecondFactorRequiredMiddleware:
    """Every page and API except sign-in, health and static needs a verified second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        user: Any = request.user
        if user.is_authenticated and user.is_verified():
            # From here on the request's user is known: views and services get the User itself,
            # not the two lazy wrappers (auth's, django-otp's) that every attribute read would
            # otherwise pass through.
            user = request.user = unwrapped(user)
            if not (request.method == "GET" and path == IDLE_CLOCK_PATH):
                touch_session(request, user)
            return self.get_response(request)
        is_api = path.startswith("/api/")
        if not user.is_authenticated:
            if is_api:
                return JsonResponse(
                    {"error": "not_authenticated", "detail": "Sign in first."}, status=401
                )
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        if is_api:
            return JsonResponse(
                {"error": "otp_required", "detail": "Verify the second factor first."}, status=401
            )
        return redirect(f"{reverse('accounts:otp')}?next={request.get_full_path()}")
