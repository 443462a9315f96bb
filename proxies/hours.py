"""The service's opening hours as this app may know them. The hours and closed days are kept by
`signlanguage` (a layer above, which this app may not import: decision 0015), so the top layer
registers its clock here (supervision/apps.py). Without one, nothing is promised: the page says
"at the next opening" with no time."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Clock:
    is_open_at: Callable[[datetime.datetime], bool]
    next_opening: Callable[[datetime.datetime], datetime.datetime]


_CLOCKS: list[Clock] = []


def register(clock: Clock) -> None:
    """Set the clock (the last registration wins: one app owns the hours)."""
    _CLOCKS[:] = [clock]


@dataclass(frozen=True)
class Hours:
    open_now: bool | None  # None: not known
    next_opening: datetime.datetime | None
    closes_at: str


def hours_at(moment: datetime.datetime) -> Hours:
    closes_at = str(getattr(settings, "SERVICE_CLOSE_TIME", ""))
    if not _CLOCKS:
        return Hours(None, None, closes_at)
    clock = _CLOCKS[0]
    if clock.is_open_at(moment):
        return Hours(True, None, closes_at)
    return Hours(False, clock.next_opening(moment), closes_at)
