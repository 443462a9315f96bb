"""The guarantee lives in the database: constraints refuse an overlap even when Python code is
bypassed, and on PostgreSQL the booking locks the candidate operators' shift rows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from signlanguage.booking import services
from signlanguage.models import Session
from tests.signlanguage.conftest import at, booked

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_double_booked_operator(
    open_day: datetime.date, senior: Any, member_b: Any, operator: Any
) -> None:
    booked(senior, operator, at(open_day, "10:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        booked(member_b, operator, at(open_day, "10:00"))


def test_the_database_refuses_a_customer_in_two_places(
    open_day: datetime.date, senior: Any, operator: Any, make_operator: Any
) -> None:
    booked(senior, operator, at(open_day, "10:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        booked(senior, make_operator(), at(open_day, "10:00"))


def test_a_cancelled_booking_frees_the_operator_and_the_customer(
    open_day: datetime.date, senior: Any, operator: Any
) -> None:
    booked(senior, operator, at(open_day, "10:00"), state="cancelled")
    booked(senior, operator, at(open_day, "10:00"))


def test_one_open_talk_now_request_per_customer(senior: Any) -> None:
    Session.objects.create(
        customer=senior, booked_by=senior, mode="written_chat", kind="now", topic="t"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            customer=senior, booked_by=senior, mode="sign_language", kind="now", topic="t"
        )


@pytest.mark.postgres
def test_booking_locks_the_candidate_shift_rows_on_postgresql(
    open_day: datetime.date, senior: Any, operator: Any, add_shift: Any
) -> None:
    add_shift(operator, open_day)
    with CaptureQueriesContext(connection) as queries:
        services.booking_create(
            actor=senior,
            customer=senior,
            mode="written_chat",
            start=at(open_day, "10:00"),
            topic="明細",
        )
    locking = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert any('FROM "signlanguage_shift"' in sql for sql in locking), locking
