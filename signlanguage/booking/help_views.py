"""The public help page (/help/): today's hours and the next opening, what to do now about a lost
or stolen card, emergencies, and booking. Open without signing in (OPEN_PREFIXES), linked from
every page's footer, the closed page and the waiting page. Every route it gives works without
a phone call: the relay service, a written report here, Net119 and the 110 app."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from signlanguage.booking import availability
from signlanguage.booking.availability import JST
from signlanguage.formatting import format_date, format_datetime

# The national telephone relay service (電話リレーサービス, 24 hours, sign language or text).
RELAY_SERVICE_URL = "https://www.nftrs.or.jp/"
# The services' own Japanese names, which a reader searches for: marked as Japanese on the
# English page too (WCAG 3.1.2).
NAMES = {
    "relay": "電話リレーサービス",
    "net119": "Net119緊急通報システム",
    "app110": "110番アプリ",
}


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = now.astimezone(JST).date()
    open_now = availability.is_open_at(now)
    user = request.user
    signed_in = bool(user.is_authenticated and getattr(user, "is_verified", lambda: False)())
    report_url = reverse("proxies:procedure-new")
    if not signed_in:
        report_url = f"{reverse('accounts:login')}?{urlencode({'next': report_url})}"
    return render(
        request,
        "signlanguage/help.html",
        {
            "today": format_date(today),
            "open_today": not availability.is_closed_day(today),
            "opens_at": settings.SERVICE_OPEN_TIME,
            "closes_at": settings.SERVICE_CLOSE_TIME,
            "open_now": open_now,
            "next_opening": "" if open_now else format_datetime(availability.next_opening(now)),
            "lost_card_phone": settings.LOST_CARD_PHONE,
            "relay_service_url": RELAY_SERVICE_URL,
            "names": {
                key: format_html('<span lang="ja">{}</span>', name) for key, name in NAMES.items()
            },
            "report_url": report_url,
            "signed_in": signed_in,
        },
    )
