"""Demo data for `manage.py seed_demo`: shifts this week for the demo operators (idempotent)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from access_support.accounts.models import User
from signlanguage.booking import availability
from signlanguage.booking.availability import JST
from signlanguage.models import Shift


@transaction.atomic
def seed(users: dict[str, User]) -> list[str]:
    operators = [users[name] for name in ("operator", "operator2") if name in users]
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    added = 0
    for operator in operators:
        for day in availability.week_days(monday):
            if availability.is_closed_day(day):
                continue
            start = datetime.datetime.combine(day, availability.open_time(), tzinfo=JST)
            end = datetime.datetime.combine(day, availability.close_time(), tzinfo=JST)
            if Shift.objects.filter(operator=operator, start__lt=end, end__gt=start).exists():
                continue
            Shift.objects.create(operator=operator, start=start, end=end)
            added += 1
    if not operators:
        return []
    names = ", ".join(op.username for op in operators)
    return [
        f"Shifts this week {availability.open_time():%H:%M}–{availability.close_time():%H:%M}"
        f" on open days for {names} ({added} added)."
    ]
