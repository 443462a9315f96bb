"""The shifts page shows one chosen week; a supervisor copies a week's shifts to the next."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from access_support.audit.models import AuditEvent
from signlanguage.booking import availability
from signlanguage.models import Shift
from tests.signlanguage.conftest import at

pytestmark = pytest.mark.django_db

COPY_URL = reverse("signlanguage:shifts-copy-week")
SHIFTS_URL = reverse("signlanguage:shifts")


def open_week_day() -> datetime.date:
    """A future day that is open, and open again 7 days later (holidays move around)."""
    day = datetime.date.today() + datetime.timedelta(days=14)
    while availability.is_closed_day(day) or availability.is_closed_day(
        day + datetime.timedelta(days=7)
    ):
        day += datetime.timedelta(days=1)
    return day


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def test_the_page_shows_the_chosen_week_with_japanese_dates_and_links_to_its_neighbours(
    supervisor: Any, operator: Any, signed_in: Any
) -> None:
    Shift.objects.create(
        operator=operator,
        start=datetime.datetime(2026, 12, 3, 9, tzinfo=availability.JST),
        end=datetime.datetime(2026, 12, 3, 12, tzinfo=availability.JST),
    )
    Shift.objects.create(  # the next week: not on this page
        operator=operator,
        start=datetime.datetime(2026, 12, 10, 9, tzinfo=availability.JST),
        end=datetime.datetime(2026, 12, 10, 12, tzinfo=availability.JST),
    )
    page = signed_in(supervisor).get(SHIFTS_URL + "?week=2026-12-03").content.decode()
    assert "2026年11月30日(月)" in page and "2026年12月6日(日)" in page  # Monday to Sunday
    assert "2026年12月3日(木)" in page
    assert "2026年12月10日(木)" not in page.split("<table>")[1]  # only this week's rows
    assert 'name="week" value="2026-11-23"' in page  # previous week
    assert 'name="week" value="2026-12-07"' in page  # next week
    assert "前の週（2026年11月23日(月)～2026年11月29日(日)）" in page
    assert f"{COPY_URL}?week=2026-11-30" in page
    assert page.count("<h1") == 1


def test_a_bad_week_shows_this_week(supervisor: Any, signed_in: Any) -> None:
    response = signed_in(supervisor).get(SHIFTS_URL + "?week=2026-13-40")
    this_monday = monday_of(datetime.date.today())
    assert response.status_code == 200
    assert f'value="{this_monday - datetime.timedelta(days=7)}"' in response.content.decode()


def test_copy_week_copies_skips_overlaps_and_shows_in_availability_at_once(
    supervisor: Any,
    make_operator: Any,
    signed_in: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    day = open_week_day()
    later = day + datetime.timedelta(days=7)
    first, second, third = make_operator(), make_operator(), make_operator()
    for op in (first, second, third):
        Shift.objects.create(operator=op, start=at(day, "09:00"), end=at(day, "12:00"))
    Shift.objects.create(operator=first, start=at(day, "13:00"), end=at(day, "17:00"))
    # `second` already works the copy's morning next week: that copy is skipped.
    Shift.objects.create(operator=second, start=at(later, "11:00"), end=at(later, "15:00"))
    client = signed_in(supervisor)

    confirm = client.get(f"{COPY_URL}?week={monday_of(day)}").content.decode()
    assert "4" in confirm and 'method="post"' in confirm
    assert Shift.objects.count() == 5  # looking changes nothing

    ten = at(later, "10:00").isoformat()

    def free_at_ten() -> int:
        slots = client.get(f"/api/v1/availability?mode=written_chat&date={later}").json()
        return {s["start"]: s["available"] for s in slots["slots"]}[ten]

    assert free_at_ten() == 0  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(COPY_URL, {"week": monday_of(day).isoformat()}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"?week={monday_of(later)}")
    assert "3件の勤務を次の週にコピーしました" in page
    assert "1件の勤務はコピーしませんでした" in page
    assert Shift.objects.filter(start__date__gte=later).count() == 4  # 3 copies + the existing
    copied = Shift.objects.filter(start=at(later, "09:00"), end=at(later, "12:00"))
    assert sorted(s.operator_id for s in copied) == sorted([first.pk, third.pk])
    assert Shift.objects.filter(operator=first, start=at(later, "13:00")).exists()
    assert free_at_ten() == 2  # first and third, not the cached 0

    event = AuditEvent.objects.get(action="signlanguage.shifts_copied")
    assert event.actor_id == supervisor.pk
    assert event.after["copied"] == 3 and event.after["skipped_overlap"] == 1


def test_copying_twice_copies_nothing_the_second_time(
    supervisor: Any, operator: Any, signed_in: Any
) -> None:
    day = open_week_day()
    Shift.objects.create(operator=operator, start=at(day, "09:00"), end=at(day, "12:00"))
    client = signed_in(supervisor)
    client.post(COPY_URL, {"week": monday_of(day).isoformat()})
    page = client.post(COPY_URL, {"week": monday_of(day).isoformat()}, follow=True)
    assert "0件の勤務を次の週にコピーしました" in page.content.decode()
    assert Shift.objects.count() == 2


def test_copy_week_needs_a_monday(supervisor: Any, signed_in: Any) -> None:
    response = signed_in(supervisor).post(COPY_URL, {"week": "2026-12-03"})  # a Thursday
    assert response.status_code == 400
    assert Shift.objects.count() == 0


@pytest.mark.parametrize("persona", ["operator", "senior"])
def test_only_supervisors_copy_a_week(
    persona: str, request: Any, operator: Any, signed_in: Any
) -> None:
    day = open_week_day()
    Shift.objects.create(operator=operator, start=at(day, "09:00"), end=at(day, "12:00"))
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(f"{COPY_URL}?week={monday_of(day)}").status_code == 403
    assert client.post(COPY_URL, {"week": monday_of(day).isoformat()}).status_code == 403
    assert Shift.objects.count() == 1
    assert not AuditEvent.objects.filter(action="signlanguage.shifts_copied").exists()
