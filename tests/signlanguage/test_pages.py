"""Booking pages: a keyboard-only journey with big time buttons, shifts for supervisors, and
who may open what."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from signlanguage.models import Session, Shift
from tests.signlanguage.conftest import at, booked

pytestmark = pytest.mark.django_db


def test_member_books_through_the_pages(
    open_day: datetime.date, operator: Any, add_shift: Any, senior: Any, signed_in: Any
) -> None:
    add_shift(operator, open_day, "10:00", "11:00")
    client = signed_in(senior)
    assert client.get("/sessions/book/").status_code == 200
    week = client.get(
        "/sessions/book/",
        {
            "mode": "written_chat",
            "year": open_day.year,
            "month": open_day.month,
            "day": open_day.day,
        },
    )
    html = week.content.decode()
    assert html.count("<h1") == 1
    assert f"{open_day.year}年{open_day.month}月{open_day.day}日(" in html
    assert html.count('class="button-secondary slot-button"') == 2  # 10:00 and 10:30
    start = at(open_day, "10:30")
    confirm_url = "/sessions/book/confirm/?" + urlencode(
        {"mode": "written_chat", "start": start.isoformat()}
    )
    assert client.get(confirm_url).status_code == 200
    empty = client.post(
        "/sessions/book/confirm/", {"mode": "written_chat", "start": start.isoformat(), "topic": ""}
    )
    assert 'class="error-summary"' in empty.content.decode()
    booked = client.post(
        "/sessions/book/confirm/",
        {"mode": "written_chat", "start": start.isoformat(), "topic": "ポイント", "note": ""},
    )
    session = Session.objects.get()
    assert booked["Location"] == f"/sessions/{session.pk}/"
    assert session.start == start
    detail = client.get(booked["Location"]).content.decode()
    assert "10:30" in detail and "calendar.ics" in detail


def test_full_width_digits_are_accepted_in_the_date(senior: Any, signed_in: Any) -> None:
    import datetime

    from django.utils import timezone

    from signlanguage.formatting import format_date

    # A day to come (a day that has passed is refused), its digits typed full-width.
    day = timezone.localdate() + datetime.timedelta(days=20)
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    response = signed_in(senior).get(
        "/sessions/book/",
        {
            "mode": "written_chat",
            "year": str(day.year).translate(wide),
            "month": str(day.month).translate(wide),
            "day": str(day.day).translate(wide),
        },
    )
    assert format_date(day) in response.content.decode()


def test_a_date_that_does_not_exist_is_explained(senior: Any, signed_in: Any) -> None:
    response = signed_in(senior).get(
        "/sessions/book/", {"mode": "written_chat", "year": "2026", "month": "2", "day": "30"}
    )
    assert 'class="error-summary"' in response.content.decode()


def test_supervisor_adds_a_shift_and_others_may_not(
    open_day: datetime.date, supervisor: Any, operator: Any, senior: Any, signed_in: Any
) -> None:
    data = {
        "operator": operator.pk,
        "year": open_day.year,
        "month": open_day.month,
        "day": open_day.day,
        "start_hour": "9",
        "start_minute": "00",
        "end_hour": "18",
        "end_minute": "00",
    }
    assert signed_in(senior).post("/sessions/shifts/", data).status_code == 403
    assert signed_in(operator).get("/sessions/shifts/").status_code == 403
    response = signed_in(supervisor).post("/sessions/shifts/", data)
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert shift.start == at(open_day, "09:00") and shift.end == at(open_day, "18:00")


def test_operator_queue_page_is_for_staff(operator: Any, senior: Any, signed_in: Any) -> None:
    assert signed_in(operator).get("/sessions/queue/").status_code == 200
    assert signed_in(senior).get("/sessions/queue/").status_code == 403


def test_add_shift_command(open_day: datetime.date, operator: Any, capsys: Any) -> None:
    call_command(
        "add_shift",
        "--operator",
        operator.username,
        "--start",
        at(open_day, "09:00").isoformat(),
        "--end",
        at(open_day, "13:00").isoformat(),
    )
    shift = Shift.objects.get()
    assert shift.operator == operator and shift.end == at(open_day, "13:00")
    assert "+09:00" in capsys.readouterr().out


def test_demo_seed_is_idempotent(make_user: Any) -> None:
    from signlanguage import demo

    users = {
        "operator": make_user("operator", username="demo-op", skills=["written_chat"]),
        "operator2": make_user("operator", username="demo-op2", skills=["sign_language"]),
    }
    first = demo.seed(users)
    count = Shift.objects.count()
    assert demo.seed(users) and first
    assert Shift.objects.count() == count
    from signlanguage.booking.availability import JST

    assert all(s.start.astimezone(JST).hour == 9 for s in Shift.objects.all())


def test_pages_are_japanese_by_default(senior: Any, signed_in: Any) -> None:
    html = signed_in(senior).get("/sessions/book/").content.decode()
    assert "空いている時間を見る" in html and "何日からさがしますか" in html


def test_proxy_acting_for_a_member_books_on_the_page(
    open_day: datetime.date,
    operator: Any,
    add_shift: Any,
    senior: Any,
    proxy: Any,
    signed_in: Any,
) -> None:
    from proxies.models import Grant

    add_shift(operator, open_day)
    Grant.objects.create(
        member=senior,
        proxy=proxy,
        proxy_name=proxy.name,
        proxy_email=proxy.email,
        relationship="子",
        scopes=["session.book"],
        state="active",
    )
    client = signed_in(proxy)
    assert client.post(f"/proxies/act/{senior.pk}/").status_code == 302
    start = at(open_day, "15:00")
    response = client.post(
        "/sessions/book/confirm/",
        {"mode": "sign_language", "start": start.isoformat(), "topic": "住所変更"},
    )
    session = Session.objects.get()
    assert response["Location"] == f"/sessions/{session.pk}/"
    assert session.customer == senior and session.booked_by == proxy
    assert "住所変更" in signed_in(senior).get("/sessions/").content.decode()


def test_list_pages_do_not_grow_queries_with_data(
    open_day: datetime.date,
    make_operator: Any,
    add_shift: Any,
    make_user: Any,
    operator: Any,
    senior: Any,
    signed_in: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(5):
        add_shift(make_operator(), open_day)
    for hour in range(9, 14):
        booked(senior, operator, at(open_day, f"{hour:02d}:00"))
    for _ in range(5):
        member = make_user("member")
        Session.objects.create(
            customer=member, booked_by=member, mode="written_chat", kind="now", topic="t"
        )
    member_client, operator_client = signed_in(senior), signed_in(operator)
    with django_assert_max_num_queries(12):
        assert member_client.get("/sessions/").status_code == 200
    with django_assert_max_num_queries(12):
        assert operator_client.get("/sessions/queue/").status_code == 200
    # The week page: two queries per day shown (shifts, bookings), whatever the data.
    with django_assert_max_num_queries(8 + 2 * 7):
        member_client.get(
            "/sessions/book/",
            {
                "mode": "written_chat",
                "year": open_day.year,
                "month": open_day.month,
                "day": open_day.day,
            },
        )
    with django_assert_max_num_queries(10):
        member_client.get(
            "/api/v1/availability", {"mode": "written_chat", "date": open_day.isoformat()}
        )
