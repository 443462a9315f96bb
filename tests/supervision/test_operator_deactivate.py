"""Issue 21 item 6: a supervisor switches an operator's account off from the console. The
operator can no longer sign in, and their coming shifts go the way a removed shift goes: each
booking moves to another free operator, or is cancelled with the customer told."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from signlanguage.booking import services as booking
from signlanguage.models import Shift
from tests.signlanguage.conftest import at, next_open_day

pytestmark = pytest.mark.django_db


def _shift(operator: Any, day: datetime.date, start: str, end: str) -> Shift:
    return Shift.objects.create(operator=operator, start=at(day, start), end=at(day, end))


def test_switching_off_moves_or_cancels_the_bookings_and_stops_sign_in(
    make_user, supervisor, senior, member_b, signed_in, django_capture_on_commit_callbacks
):
    day = next_open_day()
    leaving = make_user("operator", username="leaving", skills=["written_chat"])
    _shift(leaving, day, "09:00", "18:00")
    first = booking.booking_create(
        actor=senior, customer=senior, mode="written_chat", start=at(day, "10:00"), topic="明細"
    )
    second = booking.booking_create(
        actor=member_b, customer=member_b, mode="written_chat", start=at(day, "15:00"), topic="x"
    )
    other = make_user("operator", username="other", skills=["written_chat"])
    _shift(other, day, "09:00", "12:00")  # free at 10:00, gone by 15:00
    operator_client = signed_in(leaving)
    assert operator_client.get("/").status_code == 200
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        page = signed_in(supervisor).post(
            f"/supervision/operators/{leaving.pk}/deactivate/", {"confirm": "yes"}, follow=True
        )

    text = page.content.decode()
    assert "削除したシフト: 1" in text and "移した予約: 1" in text and "取り消した予約" in text, (
        text
    )
    leaving.refresh_from_db()
    assert not leaving.is_active
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.operator_id) == ("waiting", other.pk)
    assert second.state == "cancelled"
    assert not Shift.objects.filter(operator=leaving).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([senior.email, member_b.email])
    row = AuditEvent.objects.get(action=AuditAction.USER_DEACTIVATED)
    assert row.after == {"is_active": False, "shifts": 1, "reassigned": 1, "cancelled": 1}
    # The switched-off operator's open session no longer gets them in.
    assert operator_client.get("/sessions/console/").status_code == 302


def test_without_the_tick_nothing_happens_and_the_page_says_what_to_do(
    make_user, supervisor, signed_in
):
    operator = make_user("operator", username="stays")
    page = signed_in(supervisor).post(
        f"/supervision/operators/{operator.pk}/deactivate/", {}, follow=True
    )
    assert "チェックを入れて" in page.content.decode()
    operator.refresh_from_db()
    assert operator.is_active


def test_switching_on_again(make_user, supervisor, signed_in):
    operator = make_user("operator", username="back")
    client = signed_in(supervisor)
    client.post(f"/supervision/operators/{operator.pk}/deactivate/", {"confirm": "yes"})
    page = client.post(f"/supervision/operators/{operator.pk}/reactivate/", follow=True)
    operator.refresh_from_db()
    assert operator.is_active
    assert AuditEvent.objects.filter(action=AuditAction.USER_REACTIVATED).count() == 1
    assert "もう一度オンに" in page.content.decode()
