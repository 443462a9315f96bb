"""Dates shown the way seniors read them: 2026年12月3日(木) 10:00 (English: Thu 3 Dec 2026)."""

from __future__ import annotations

import datetime

from django.utils import translation

from signlanguage.booking.availability import JST

_JA_WEEKDAYS = "月火水木金土日"


def format_date(day: datetime.date) -> str:
    if (translation.get_language() or "ja").startswith("ja"):
        return f"{day.year}年{day.month}月{day.day}日({_JA_WEEKDAYS[day.weekday()]})"
    return f"{day:%a} {day.day} {day:%b} {day.year}"


def format_datetime(moment: datetime.datetime) -> str:
    local = moment.astimezone(JST)
    return f"{format_date(local.date())} {local:%H:%M}"


def format_time(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(JST):%H:%M}"
