"""Service hours, closed days and the slot grid; availability computed from shifts and bookings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import jpholiday
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from signlanguage.models import ClosedDay, Kind, Session, Shift, State

JST = ZoneInfo("Asia/Tokyo")
SKILL_FIELD = {"sign_language": "skill_sign_language", "written_chat": "skill_written_chat"}


def _hm(value: str) -> datetime.time:
    if value == "24:00":  # a closing time at midnight: open until the day's last instant
        return datetime.time.max
    hour, minute = value.split(":")
    return datetime.time(int(hour), int(minute))


def open_time() -> datetime.time:
    return _hm(settings.SERVICE_OPEN_TIME)


def close_time() -> datetime.time:
    return _hm(settings.SERVICE_CLOSE_TIME)


def slot_length() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SLOT_MINUTES)


# Closed days a supervisor adds (the supervision pages edit them through this app's services).
CLOSED_DAYS_CACHE_KEY = "signlanguage:extra-closed-days"
CLOSED_DAYS_CACHE_SECONDS = 300


def _extra_closed_days() -> frozenset[datetime.date]:
    """Days a supervisor closed the service on. One query at most every five minutes per cache
    (the shared cache in production); the services that change the list clear it on commit."""
    days = cache.get(CLOSED_DAYS_CACHE_KEY)
    if days is None:
        days = frozenset(ClosedDay.objects.values_list("day", flat=True))
        cache.set(CLOSED_DAYS_CACHE_KEY, days, CLOSED_DAYS_CACHE_SECONDS)
    return frozenset(days)


def is_closed_day(day: datetime.date) -> bool:
    closed = getattr(settings, "SERVICE_CLOSED_DAYS", [])
    weekdays = getattr(settings, "SERVICE_WEEKDAYS", [0, 1, 2, 3, 4])  # Monday = 0
    return (
        day.weekday() not in weekdays
        or f"{day:%m-%d}" in closed
        or (getattr(settings, "SERVICE_CLOSED_ON_HOLIDAYS", True) and jpholiday.is_holiday(day))
        or day in _extra_closed_days()
    )


def slot_starts(day: datetime.date) -> list[datetime.datetime]:
    """The grid of slot starts (aware, JST) for a day; empty on a closed day."""
    if is_closed_day(day):
        return []
    start = datetime.datetime.combine(day, open_time(), tzinfo=JST)
    close = datetime.datetime.combine(day, close_time(), tzinfo=JST)
    step = slot_length()
    starts = []
    while start + step <= close:
        starts.append(start)
        start += step
    return starts


def slot_problem(start: datetime.datetime, now: datetime.datetime) -> str | None:
    """Why `start` cannot be booked (an error code), or None when it is a bookable slot start."""
    local = start.astimezone(JST)
    if local <= now:
        return "in_the_past"
    if is_closed_day(local.date()):
        return "closed_day"
    if local not in slot_starts(local.date()):
        day_open = datetime.datetime.combine(local.date(), open_time(), tzinfo=JST)
        day_close = datetime.datetime.combine(local.date(), close_time(), tzinfo=JST)
        if local < day_open or local + slot_length() > day_close:
            return "outside_hours"
        return "off_grid"
    return None


def is_open_at(moment: datetime.datetime) -> bool:
    local = moment.astimezone(JST)
    if is_closed_day(local.date()):
        return False
    return open_time() <= local.time() < close_time()


def next_opening(moment: datetime.datetime) -> datetime.datetime:
    """When the service next opens after `moment` (or `moment` itself if open)."""
    if is_open_at(moment):
        return moment
    local = moment.astimezone(JST)
    day = local.date()
    if local.time() >= open_time():
        day += datetime.timedelta(days=1)
    while is_closed_day(day):
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, open_time(), tzinfo=JST)


def operators_on_shift(mode: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    """Filter for Shift rows that cover [start, end) for an operator with the mode's skill."""
    return Q(
        start__lte=start,
        end__gte=end,
        operator__is_operator=True,
        operator__is_active=True,
        **{f"operator__{SKILL_FIELD[mode]}": True},
    )


@dataclass(frozen=True)
class Slot:
    start: datetime.datetime
    end: datetime.datetime
    available: int

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "available": self.available,
        }


def day_slots(mode: str, day: datetime.date, now: datetime.datetime | None = None) -> list[Slot]:
    """Every slot of the day with its free capacity: operators on shift with the skill, minus
    those already booked in that slot. Past slots show 0. Two queries for the whole day."""
    starts = slot_starts(day)
    if not starts:
        return []
    step = slot_length()
    day_start, day_end = starts[0], starts[-1] + step
    shifts = list(
        Shift.objects.filter(
            start__lt=day_end,
            end__gt=day_start,
            operator__is_operator=True,
            operator__is_active=True,
            **{f"operator__{SKILL_FIELD[mode]}": True},
        ).values_list("operator_id", "start", "end")
    )
    booked = set(
        Session.objects.filter(
            kind=Kind.BOOKED, start__gte=day_start, start__lt=day_end, operator__isnull=False
        )
        .exclude(state=State.CANCELLED)
        .values_list("operator_id", "start")
    )
    now = now or datetime.datetime.now(tz=JST)
    slots = []
    for start in starts:
        end = start + step
        on_shift = {op for op, s, e in shifts if s <= start and e >= end}
        free = sum(1 for op in on_shift if (op, start) not in booked)
        slots.append(Slot(start, end, free if start > now else 0))
    return slots


def week_days(first: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=i) for i in range(7)]


# --- the cached form the API serves -------------------------------------------------------
# Availability is read far more often than it changes. The API serves it from the shared cache
# under a version number that every service changing shifts or bookings bumps on commit, so a
# booking shows at once. It is advisory: the booking guarantee itself is in the database.
# Changes outside those services (a skill or closed day edited) show within CACHE_SECONDS.

CACHE_VERSION_KEY = "availability:version"
CACHE_SECONDS = 60


def _cache_version() -> int:
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        cache.add(CACHE_VERSION_KEY, 1, timeout=None)
        version = cache.get(CACHE_VERSION_KEY, 1)
    return int(version)


def _bump_version() -> None:
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:
        cache.set(CACHE_VERSION_KEY, 2, timeout=None)


def invalidate() -> None:
    """Call from any service that changes shifts, bookings or closed days."""
    transaction.on_commit(_bump_version)


def day_slots_json(mode: str, day: datetime.date) -> list[dict[str, Any]]:
    now = datetime.datetime.now(tz=JST)
    # Past slots show 0, so the answer also changes when a slot starts: key on the slot of now.
    minutes = now.hour * 60 + now.minute
    tick = f"{now:%Y%m%d}-{minutes // int(settings.SLOT_MINUTES)}"
    key = f"availability:{_cache_version()}:{mode}:{day.isoformat()}:{tick}"
    slots = cache.get(key)
    if slots is None:
        slots = [slot.as_json() for slot in day_slots(mode, day, now)]
        cache.set(key, slots, timeout=CACHE_SECONDS)
    return list(slots)
