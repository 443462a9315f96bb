"""Issue 21 item 4: a talk-now request that nobody takes in QUEUE_MAX_WAIT_MINUTES is closed —
by `manage.py sweep_queue` from cron, or by the waiting page itself when it is looked at — and
the customer is told in words and offered a booking. After closing time every waiting request is
closed the same way."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from signlanguage.models import Session
from tests.signlanguage.conftest import at, next_open_day

pytestmark = pytest.mark.django_db


def _waiting(customer: Any, created: datetime.datetime) -> Session:
    session = Session.objects.create(
        customer=customer, booked_by=customer, mode="written_chat", kind="now", topic="明細"
    )
    Session.objects.filter(pk=session.pk).update(created_at=created)
    return session


def _sweep(moment: datetime.datetime) -> str:
    out = StringIO()
    with mock.patch("django.utils.timezone.now", return_value=moment):
        call_command("sweep_queue", stdout=out)
    return out.getvalue()


def test_the_sweep_closes_only_requests_past_the_limit(settings, senior, member_b):
    settings.QUEUE_MAX_WAIT_MINUTES = 30
    now = at(next_open_day(), "11:00")
    stale = _waiting(senior, now - datetime.timedelta(minutes=31))
    fresh = _waiting(member_b, now - datetime.timedelta(minutes=29))

    assert "Closed 1 " in _sweep(now)

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.state, fresh.state) == ("cancelled", "waiting")
    row = AuditEvent.objects.get(action=AuditAction.QUEUE_CLOSED_WAITED_TOO_LONG)
    assert row.object_id == str(stale.pk) and row.after["reason"] == "waited_too_long"
    assert "Closed 0 " in _sweep(now)  # once only


def test_after_closing_time_every_waiting_request_is_closed(senior, member_b):
    evening = at(next_open_day(), "18:05")
    first = _waiting(senior, evening - datetime.timedelta(minutes=2))
    second = _waiting(member_b, evening - datetime.timedelta(minutes=40))
    assert "Closed 2 " in _sweep(evening)
    actions = set(
        AuditEvent.objects.filter(
            object_type="signlanguage.session", object_id__in=[str(first.pk), str(second.pk)]
        ).values_list("action", flat=True)
    )
    assert actions == {AuditAction.QUEUE_CLOSED_FOR_THE_DAY}


def test_the_waiting_page_says_nobody_could_take_it_and_offers_a_booking(
    settings, senior, signed_in
):
    settings.QUEUE_MAX_WAIT_MINUTES = 30
    now = at(next_open_day(), "11:00")
    session = _waiting(senior, now - datetime.timedelta(minutes=45))
    with mock.patch("django.utils.timezone.now", return_value=now):
        page = signed_in(senior).get(f"/sessions/now/{session.pk}/").content.decode()
    assert "30分のうちに" in page, page
    assert "/sessions/book/?m=written_chat" in page
    assert "queue.js" not in page  # nothing left to wait for
    session.refresh_from_db()
    assert session.state == "cancelled"
