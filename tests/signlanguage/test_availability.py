"""Availability: closed days are empty, open days are shifts minus bookings, times in JST."""

from __future__ import annotations

import datetime
from typing import Any

import jpholiday
import pytest

from signlanguage.booking import availability
from signlanguage.models import Kind, Session
from tests.signlanguage.conftest import at

pytestmark = pytest.mark.django_db


def _next_holiday_on_weekday() -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(days=1)
    while not (jpholiday.is_holiday(day) and day.weekday() < 5):
        day += datetime.timedelta(days=1)
    return day


def _next_saturday() -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(days=1)
    while day.weekday() != 5:
        day += datetime.timedelta(days=1)
    return day


def _next_december_30() -> datetime.date:
    today = datetime.date.today()
    day = datetime.date(today.year, 12, 30)
    return day if day > today else datetime.date(today.year + 1, 12, 30)


@pytest.mark.parametrize("closed", [_next_holiday_on_weekday, _next_saturday, _next_december_30])
def test_closed_days_have_no_slots_even_with_a_shift(
    closed: Any, operator: Any, add_shift: Any, signed_in: Any, senior: Any
) -> None:
    day = closed()
    add_shift(operator, day)
    assert availability.day_slots("written_chat", day) == []
    response = signed_in(senior).get(
        "/api/v1/availability", {"mode": "written_chat", "date": day.isoformat()}
    )
    assert response.status_code == 200
    assert response.json() == {"slots": []}


def test_open_day_is_shifts_minus_bookings(
    open_day: datetime.date,
    make_operator: Any,
    add_shift: Any,
    senior: Any,
    signed_in: Any,
) -> None:
    first = make_operator(["sign_language"])
    second = make_operator(["sign_language", "written_chat"])
    chat_only = make_operator(["written_chat"])
    add_shift(first, open_day, "09:00", "12:00")
    add_shift(second, open_day, "10:00", "18:00")
    add_shift(chat_only, open_day)
    Session.objects.create(
        customer=senior,
        booked_by=senior,
        mode="sign_language",
        kind=Kind.BOOKED,
        topic="明細",
        operator=second,
        start=at(open_day, "10:30"),
        end=at(open_day, "11:00"),
    )
    response = signed_in(senior).get(
        "/api/v1/availability", {"mode": "sign_language", "date": open_day.isoformat()}
    )
    slots = {s["start"]: s for s in response.json()["slots"]}
    assert len(slots) == 18  # 09:00–18:00 in 30-minute slots
    expected = {"09:00": 1, "09:30": 1, "10:00": 2, "10:30": 1, "11:30": 2, "12:00": 1, "17:30": 1}
    for hhmm, free in expected.items():
        key = at(open_day, hhmm).isoformat()
        assert key.endswith("+09:00")
        assert slots[key]["available"] == free, hhmm
    assert slots[at(open_day, "09:00").isoformat()]["end"] == at(open_day, "09:30").isoformat()


def test_availability_api_rejects_a_bad_mode_and_date(senior: Any, signed_in: Any) -> None:
    client = signed_in(senior)
    bad_mode = client.get("/api/v1/availability", {"mode": "phone", "date": "2026-12-03"})
    assert bad_mode.status_code == 400
    assert bad_mode.json()["error"] == "invalid_mode"
    bad_date = client.get("/api/v1/availability", {"mode": "written_chat", "date": "12/3"})
    assert bad_date.json()["error"] == "invalid_date"


def test_availability_api_needs_sign_in(client: Any) -> None:
    response = client.get("/api/v1/availability", {"mode": "written_chat", "date": "2026-12-03"})
    assert response.status_code in (401, 403)


def test_next_opening_skips_closed_days() -> None:
    friday_evening = at(datetime.date(2026, 12, 25), "19:00")
    assert availability.next_opening(friday_evening) == at(datetime.date(2026, 12, 28), "09:00")
    new_year = at(datetime.date(2026, 12, 28), "18:30")
    assert availability.next_opening(new_year) == at(datetime.date(2027, 1, 4), "09:00")


def test_a_day_closed_by_a_supervisor_has_no_slots(
    open_day: datetime.date, operator: Any, add_shift: Any, supervisor: Any
) -> None:
    from signlanguage.models import ClosedDay

    add_shift(operator, open_day)
    assert availability.day_slots("written_chat", open_day)
    ClosedDay.objects.create(day=open_day, reason="設備点検", created_by=supervisor)
    from django.core.cache import cache

    cache.clear()  # the supervision services clear it on commit; here the row is made directly
    assert availability.day_slots("written_chat", open_day) == []
