"""The two hooks as signlanguage uses them: an extra closed day has no slots, and a restricted
customer cannot join the talk-now queue."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from signlanguage.booking import availability
from signlanguage.booking import services as booking
from signlanguage.models import SessionClosure
from supervision import services


def _next_weekday_open(after: int = 20) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=after)
    while availability.is_closed_day(day):
        day += datetime.timedelta(days=1)
    return day


def test_an_extra_closed_day_is_closed_for_bookings(
    supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    day = _next_weekday_open()
    assert availability.slot_starts(day)
    with django_capture_on_commit_callbacks(execute=True):
        services.closed_day_add(day=day, reason="システム点検", actor=supervisor)
    assert availability.is_closed_day(day)
    assert availability.slot_starts(day) == []


def test_a_restricted_customer_cannot_ask_for_talk_now(
    flagged_session: Any, supervisor: Any, senior: Any
) -> None:
    services.abuse_decide(
        closure=SessionClosure.objects.get(session=flagged_session),
        decision="upheld",
        note="",
        restrict=True,
        actor=supervisor,
    )
    with pytest.raises(booking.BookingError) as caught:
        booking.queue_request(actor=senior, mode="written_chat", topic="カードについて")
    assert caught.value.code == "talk_now_restricted"
