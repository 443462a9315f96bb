"""A booked session's customer is told in the notification centre when its operator opens the
session (issue 21 item 5: "session started"), once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from access_support.notifications.models import Notice
from signlanguage.models import Session
from tests.signlanguage.conftest import booked

pytestmark = pytest.mark.django_db


def test_a_booked_session_started_by_its_operator_is_told_once(
    senior: Any, operator: Any, signed_in: Any
) -> None:
    from django.utils import timezone

    now = timezone.now()
    session = booked(senior, operator, now - datetime.timedelta(minutes=1))
    client = signed_in(operator)
    assert client.get(f"/sessions/{session.pk}/live/").status_code == 200
    assert client.get(f"/sessions/{session.pk}/live/").status_code == 200
    assert list(Notice.objects.filter(user=senior).values_list("kind", flat=True)) == [
        "session.started"
    ]
    Session.objects.filter(pk=session.pk).update(state="closed")
