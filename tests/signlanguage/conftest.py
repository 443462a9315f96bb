"""Booking-test fixtures: a future open day, shifts, and a JSON helper."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from signlanguage.booking import availability
from signlanguage.booking.availability import JST


def next_open_day(after_days: int = 3) -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(days=after_days)
    while availability.is_closed_day(day):
        day += datetime.timedelta(days=1)
    return day


def at(day: datetime.date, hhmm: str) -> datetime.datetime:
    hour, minute = hhmm.split(":")
    return datetime.datetime.combine(day, datetime.time(int(hour), int(minute)), tzinfo=JST)


def post_json(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def handled(customer: Any, operator: Any, minutes: list[int], days_ago: int = 0) -> None:
    """Closed written chats of `customer` that `operator` took `minutes` each, ending now (or
    `days_ago`): the handling times the queue's wait estimate goes by."""
    from django.utils import timezone

    from signlanguage.models import Session

    now = timezone.now() - datetime.timedelta(days=days_ago)
    for length in minutes:
        Session.objects.create(
            customer=customer,
            booked_by=customer,
            mode="written_chat",
            kind="now",
            topic="t",
            state="closed",
            operator=operator,
            taken_at=now - datetime.timedelta(minutes=length),
            closed_at=now,
        )


def booked(customer: Any, operator: Any, start: datetime.datetime, **fields: Any) -> Any:
    """A written chat `customer` booked with `operator` for the 30 minutes from `start`."""
    from signlanguage.models import Session

    return Session.objects.create(
        customer=customer,
        booked_by=customer,
        mode="written_chat",
        kind="booked",
        topic="t",
        operator=operator,
        start=start,
        end=start + datetime.timedelta(minutes=30),
        **fields,
    )


@pytest.fixture
def open_day() -> datetime.date:
    return next_open_day()


@pytest.fixture
def add_shift(db: Any) -> Callable[..., Any]:
    from signlanguage.models import Shift

    def make(operator: Any, day: datetime.date, start: str = "09:00", end: str = "18:00") -> Any:
        return Shift.objects.create(operator=operator, start=at(day, start), end=at(day, end))

    return make


@pytest.fixture
def staffed(open_day: datetime.date, operator: Any, add_shift: Any) -> datetime.date:
    """The open day, with the operator on shift from 9:00 to 18:00."""
    add_shift(operator, open_day)
    return open_day


@pytest.fixture
def make_operator(make_user: Callable[..., Any]) -> Callable[..., Any]:
    def make(skills: list[str] | None = None, **fields: Any) -> Any:
        return make_user("operator", skills=skills or ["sign_language", "written_chat"], **fields)

    return make
