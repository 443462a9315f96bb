"""The one-click sign-in link in the sign-in code e-mail (issue 23 item 9).

The link stands for the code in the same e-mail: it works once, until the code expires, and no
longer once the code is used or a newer code is sent. It works only in the browser that entered
the password and asked for the code: its secret is random, only a digest of it is kept, and that
digest is kept in this browser's session (with a digest of the code it stands for). Opened in
another browser (or by a mail scanner) it signs nobody in and only says to enter the code.

Policy: `OTP_EMAIL_SIGN_IN_LINK` (on by default; off sends the code alone). The API's sign-in has
no link (no browser session to bind it to).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.plugins.otp_email.models import EmailDevice

from access_support.site import site_url

SESSION_KEY = "sign_in_link"
# The reason of the AUTH_OTP_VERIFIED row when the e-mailed link, not the typed code, was used.
LINK_REASON = "e-mailed link"


class Outcome(Enum):
    SIGNED_IN = "signed_in"  # the link's code is used up: services.sign_in_by_link signs in
    ELSEWHERE = "elsewhere"  # not the browser that asked: enter the code there
    EXPIRED = "expired"  # used, expired or replaced by a newer code
    THROTTLED = "throttled"  # wrong codes paused the device: wait, like for the code


@dataclass(frozen=True)
class Used:
    outcome: Outcome
    device: EmailDevice | None = None  # whose code the link used up (SIGNED_IN)
    locked_until: datetime | None = None  # THROTTLED
    retry_after: int = 0  # THROTTLED: whole seconds to wait


@dataclass(frozen=True)
class Link:
    secret: str

    @property
    def url(self) -> str:
        return site_url(reverse("accounts:otp-link", args=[self.secret]))


def _digest(kind: str, value: str) -> str:
    return salted_hmac(f"access_support.accounts.sign_in_link.{kind}", value).hexdigest()


def new_link() -> Link | None:
    """A fresh link to put in the next code e-mail, or None when policy sends no link."""
    if not settings.OTP_EMAIL_SIGN_IN_LINK:
        return None
    return Link(secrets.token_urlsafe(32))


def remember(request: HttpRequest, device: EmailDevice, link: Link | None, next_url: str) -> None:
    """Bind the link just e-mailed to this browser's session and to the code it stands for; an
    earlier link of this browser stops working (like the earlier code)."""
    if link is None or device.token is None:
        request.session.pop(SESSION_KEY, None)
        return
    request.session[SESSION_KEY] = {
        "device": device.pk,
        "secret": _digest("secret", link.secret),
        "code": _digest("code", device.token),
        "next": next_url,
    }


def next_url(request: HttpRequest) -> str:
    entry = request.session.get(SESSION_KEY)
    return str(entry.get("next") or "/") if isinstance(entry, dict) else "/"


def use(request: HttpRequest, secret: str) -> Used:
    """Check the e-mailed link in this browser and use up its code (services.sign_in_by_link
    then completes the sign-in). The device row is locked like for a typed code, so the link
    and the code cannot both be used."""
    user = request.user
    entry = request.session.get(SESSION_KEY)
    if not settings.OTP_EMAIL_SIGN_IN_LINK or not user.is_authenticated:
        return Used(Outcome.ELSEWHERE)
    if not isinstance(entry, dict):
        return Used(Outcome.ELSEWHERE)
    if not constant_time_compare(str(entry.get("secret", "")), _digest("secret", secret)):
        # This browser asked for a code since: the newer e-mail's link and code work instead.
        return Used(Outcome.EXPIRED)
    with transaction.atomic():
        device = (
            EmailDevice.objects.select_for_update()
            .filter(pk=entry.get("device"), user=user)
            .first()
        )
        if (
            device is None
            or device.token is None
            or device.valid_until is None
            or device.valid_until <= timezone.now()
            or not constant_time_compare(str(entry.get("code", "")), _digest("code", device.token))
        ):
            request.session.pop(SESSION_KEY, None)
            return Used(Outcome.EXPIRED)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return Used(Outcome.THROTTLED, locked_until=(info or {}).get("locked_until"))
        # Uses the code itself (django-otp clears it): the code in the e-mail stops working too.
        if not device.verify_token(device.token):
            request.session.pop(SESSION_KEY, None)
            return Used(Outcome.EXPIRED)
    request.session.pop(SESSION_KEY, None)
    return Used(Outcome.SIGNED_IN, device=device)
