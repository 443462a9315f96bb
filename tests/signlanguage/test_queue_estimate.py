"""Issue 21 item 4: an honest estimate. The waiting customer sees a range built from recent
handling times and the operators actually on shift, and "we can't tell yet" rather than a guess
when there is too little to go by or nobody with the skill is on shift."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from signlanguage.booking import selectors
from signlanguage.models import Session, Shift
from tests.signlanguage.conftest import at, handled, next_open_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def open_now() -> Any:
    """11:00 on an open day: the waiting page is not closed for the day."""
    with mock.patch("django.utils.timezone.now", return_value=at(next_open_day(), "11:00")):
        yield


def _on_shift(operator: Any) -> None:
    now = timezone.now()
    Shift.objects.create(
        operator=operator,
        start=now - datetime.timedelta(hours=1),
        end=now + datetime.timedelta(hours=1),
    )


def _waiting(customer: Any) -> Session:
    return Session.objects.create(
        customer=customer, booked_by=customer, mode="written_chat", kind="now", topic="t"
    )


def test_the_wait_is_a_range_from_recent_handling_times(
    make_user, senior, member_b, operator, signed_in
):
    _on_shift(operator)
    handled(member_b, operator, [4, 6, 8, 10])
    first = _waiting(senior)
    second = _waiting(make_user("member"))
    # Quartiles of 4, 6, 8, 10 minutes: 6 and 10. First in line: taken at once or within one
    # session; second, behind one more round on the one operator on shift.
    assert selectors.queue_status(first)["estimated_wait_range_minutes"] == [0, 10]
    assert selectors.queue_status(second)["estimated_wait_range_minutes"] == [6, 20]
    page = signed_in(senior).get(f"/sessions/now/{first.pk}/").content.decode()
    assert "待ち時間の目安: 0〜10分" in page, page


def test_too_few_recent_sessions_say_we_cannot_tell(senior, member_b, operator, signed_in):
    _on_shift(operator)
    handled(member_b, operator, [5, 7])  # two are too few to go by
    handled(member_b, operator, [5, 5, 5], days_ago=30)  # and these are too old
    waiting = _waiting(senior)
    assert selectors.queue_status(waiting)["estimated_wait_range_minutes"] is None
    page = signed_in(senior).get(f"/sessions/now/{waiting.pk}/").content.decode()
    assert "待ち時間は、まだわかりません" in page, page
    assert "分</p>" not in page  # no number of minutes shown as if known


def test_nobody_on_shift_means_no_estimate(senior, member_b, operator):
    handled(member_b, operator, [4, 6, 8, 10])
    assert selectors.queue_status(_waiting(senior))["estimated_wait_range_minutes"] is None
