"""Issue 21 item 6: removing a shift does not orphan its bookings. Each moves to another
operator with the skill and that slot free, in one transaction (never two bookings for one
operator at one time); one that nobody can take is cancelled and its customer is e-mailed a link
to book again. The supervisor's page says what happened."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db.models import Count

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from signlanguage.booking import services
from signlanguage.models import Session
from tests.signlanguage.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)


def _book(customer: Any, day: datetime.date, hhmm: str, mode: str = "written_chat") -> Session:
    return services.booking_create(
        actor=customer, customer=customer, mode=mode, start=at(day, hhmm), topic="カードの利用明細"
    )


@pytest.fixture
def three_customers(make_user: Callable[..., Any]) -> list[Any]:
    return [
        make_user(
            "member", username=f"m{i}", email=f"m{i}@example.jp", member_number=f"12345678{i:02d}"
        )
        for i in range(3)
    ]


def test_three_bookings_move_to_the_one_free_operator_and_the_customers_are_told(
    open_day, add_shift, make_operator, supervisor, three_customers, signed_in
):
    leaving = make_operator(username="leaving")
    staying = make_operator(username="staying")
    busy_elsewhere = make_operator(username="wrong_skill", skills=["sign_language"])
    shift = add_shift(leaving, open_day)
    add_shift(busy_elsewhere, open_day)
    # Only the leaving operator has the skill when the three book, so it takes all three.
    booked = [
        _book(c, open_day, hhmm) for c, hhmm in zip(three_customers, ["10:00", "10:30", "11:00"])
    ]
    assert {s.operator_id for s in booked} == {leaving.pk}
    add_shift(staying, open_day, "09:00", "13:00")  # free at 10:00, 10:30 and 11:00
    mail.outbox.clear()

    page = signed_in(supervisor).post(f"/sessions/shifts/{shift.pk}/delete/", follow=True)
    text = page.content.decode()
    assert "3件の予約は、ほかのオペレーターに移しました" in text, text

    for session in Session.objects.filter(pk__in=[s.pk for s in booked]):
        assert (session.state, session.operator_id) == ("waiting", staying.pk)
    # The guarantee: no operator holds two bookings at one time.
    doubled = (
        Session.objects.exclude(state="cancelled")
        .filter(kind="booked")
        .values("operator_id", "start")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in three_customers)
    assert all("別のオペレーター" in m.body for m in mail.outbox), mail.outbox[0].body
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_REASSIGNED).count() == 3


def test_a_booking_nobody_can_take_is_cancelled_with_a_link_to_book_again(
    open_day, add_shift, make_operator, supervisor, senior
):
    leaving = make_operator(username="leaving")
    shift = add_shift(leaving, open_day)
    session = _book(senior, open_day, "14:00")
    mail.outbox.clear()

    removal = services.shift_delete(shift=shift, actor=supervisor)

    assert (removal.reassigned, removal.cancelled) == (0, 1)
    session.refresh_from_db()
    assert session.state == "cancelled"
    (message,) = mail.outbox
    assert "/sessions/book/" in message.body and "予約を取り消しました" in message.body


def test_a_booking_still_covered_by_another_shift_of_the_same_operator_stays(
    open_day, add_shift, make_operator, supervisor, senior
):
    operator = make_operator(username="two_shifts")
    morning = add_shift(operator, open_day, "09:00", "12:00")
    session = _book(senior, open_day, "10:00")
    # A second shift over the same hours (the page refuses overlaps; the database does not).
    add_shift(operator, open_day, "09:00", "18:00")
    mail.outbox.clear()

    removal = services.shift_delete(shift=morning, actor=supervisor)

    assert (removal.reassigned, removal.cancelled) == (0, 0)
    session.refresh_from_db()
    assert (session.state, session.operator_id) == ("waiting", operator.pk)
    assert mail.outbox == []
