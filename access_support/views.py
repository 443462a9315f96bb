"""Project-wide pages: home per role, health check, language and reading-aid switches."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from access_support.accounts import reading, services
from access_support.middleware import set_language_cookie


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"roles": request.user.roles})  # type: ignore[union-attr]


async def _layer_round_trip() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = await layer.new_channel()
    marker = uuid.uuid4().hex
    await layer.send(channel, {"type": "health.ping", "marker": marker})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    return bool(message.get("marker") == marker)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure makes us unhealthy
        problems.append("database")
    try:
        if not async_to_sync(_layer_round_trip)():
            problems.append("channel_layer")
    except Exception:  # noqa: BLE001
        problems.append("channel_layer")
    if problems:
        return JsonResponse({"status": "error", "failing": problems}, status=503)
    return JsonResponse({"status": "ok"})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Set the language cookie and go back to the same page; signed in, remember the choice
    on the user too (their e-mails follow it)."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        set_language_cookie(request, response, language)
        # Signed in: the choice is also the language we write e-mails in (stored on the user,
        # audited; the sign-in settings page shows and changes it too).
        user: Any = request.user
        if user.is_authenticated and user.is_verified():
            services.user_set_language(user=user, language=language, actor=user)
    return response


@require_POST
def switch_reading(request: HttpRequest) -> HttpResponse:
    """Turn plain-Japanese wording or furigana on or off and go back to the same page.
    Remembered in a cookie (the sign-in page, after signing out) and, once signed in with the
    second factor, on the user."""
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    now = reading.chosen(request)
    wanted = reading.Reading(
        plain=_switched(request.POST.get("plain"), now.plain),
        furigana=_switched(request.POST.get("furigana"), now.furigana),
    )
    response = HttpResponseRedirect(target)
    response.set_cookie(
        reading.COOKIE_NAME,
        wanted.cookie_value(),
        max_age=reading.COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    user: Any = request.user
    if user.is_authenticated and user.is_verified():
        services.user_set_reading(
            user=user,
            plain_japanese=wanted.plain,
            furigana=wanted.furigana,
            actor=user,
        )
    return response


def _switched(value: str | None, current: bool) -> bool:
    return {"on": True, "off": False}.get(value or "", current)
