"""Sign-in from a new device (issue 21 item 5): a browser that completed a sign-in for a user
keeps a signed cookie naming them; a second-factor sign-in from a browser without it, for a user
who had signed in before, puts a notice in their notification centre and e-mails them (in their
language). Nothing is kept on the server: the cookie is the memory of the browser."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "as_known"
SALT = "access_support.accounts.known_browsers"
MAX_AGE = 400 * 24 * 3600
# A shared family computer: a few people may sign in on it.
MAX_USERS = 8
_PENDING = "_known_browsers"


def _known(request: HttpRequest) -> list[int]:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return []
    try:
        value = signing.loads(raw, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    return [int(x) for x in value if isinstance(x, int)] if isinstance(value, list) else []


def describe(user_agent: str) -> str:
    """A short, language-neutral name for the browser ("Chrome, Windows")."""
    browser = next((name for key, name in BROWSERS if key in user_agent), "browser")
    system = next((name for key, name in SYSTEMS if key in user_agent), "")
    return f"{browser}, {system}" if system else browser


BROWSERS = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS", "macOS"),
    ("Linux", "Linux"),
]


def signed_in(request: HttpRequest, user: Any, *, signed_in_before: bool) -> None:
    """After a second factor passed: tell the user when this browser is new to them (and they
    had signed in before somewhere), and remember the browser (the view sets the cookie)."""
    known = _known(request)
    if user.pk not in known and signed_in_before:
        from access_support.notifications import services as notifications

        agent = str(request.META.get("HTTP_USER_AGENT", ""))[:300]
        notifications.notify(user, "account.new_device", device=describe(agent))
    setattr(request, _PENDING, ([user.pk] + [pk for pk in known if pk != user.pk])[:MAX_USERS])


def remember(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    ids = getattr(request, _PENDING, None)
    if ids is not None:
        response.set_cookie(
            COOKIE,
            signing.dumps(ids, salt=SALT),
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
        )
    return response
