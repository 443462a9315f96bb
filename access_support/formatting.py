"""Dates shown the way seniors read them, in the active language: 2026年12月3日(木) 10:00 on a
Japanese page or e-mail, Thu 3 Dec 2026 10:00 on an English one, always in Japan time. The plain
Japanese wording writes the time out in full: 2026年12月3日 木曜日 午前10時."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

JST = ZoneInfo("Asia/Tokyo")
_JA_WEEKDAYS = "月火水木金土日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def japanese() -> bool:
    return (translation.get_language() or "ja").split("-")[0] == "ja"


def format_date(day: datetime.date, *, plain: bool = False) -> str:
    if japanese():
        weekday = _JA_WEEKDAYS[day.weekday()]
        if plain:
            return f"{day.year}年{day.month}月{day.day}日 {weekday}曜日"
        return f"{day.year}年{day.month}月{day.day}日({weekday})"
    # Not strftime: its names follow the process locale, not the page's language.
    return f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def format_time(moment: datetime.datetime, *, plain: bool = False) -> str:
    local = moment.astimezone(JST)
    if not (plain and japanese()):
        return f"{local:%H:%M}"
    minutes = f"{local.minute}分" if local.minute else ""
    if local.hour == 12:
        return f"昼の12時{minutes}"
    half = "午前" if local.hour < 12 else "午後"
    return f"{half}{local.hour % 12}時{minutes}"


def format_datetime(moment: datetime.datetime, *, plain: bool = False) -> str:
    local = moment.astimezone(JST)
    return f"{format_date(local.date(), plain=plain)} {format_time(local, plain=plain)}"
