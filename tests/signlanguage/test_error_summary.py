"""The booking check page showed two summaries when a change of time failed: the view's message
and the (hidden) topic field's "required". Now one summary, one alert, the view's message."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from signlanguage.models import Session
from tests.proxies.test_error_summary import assert_one_summary
from tests.signlanguage.conftest import at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "message"),
    [("ja", "それは今の予約と同じ時間です。"), ("en", "That is the time already booked.")],
)
def test_a_failed_change_of_time_shows_one_summary(
    open_day: datetime.date,
    operator: Any,
    add_shift: Any,
    senior: Any,
    signed_in: Any,
    language: str,
    message: str,
) -> None:
    add_shift(operator, open_day, "10:00", "11:00")
    client = signed_in(senior)
    start = at(open_day, "10:30").isoformat()
    booked = client.post(
        "/sessions/book/confirm/",
        {"mode": "written_chat", "start": start, "topic": "ポイント", "note": ""},
    )
    assert booked.status_code == 302
    session = Session.objects.get()
    client.cookies["as_language"] = language
    same = client.post(
        "/sessions/book/confirm/",
        {"mode": "written_chat", "start": start, "reschedule": session.pk},
    )
    assert same.status_code == 409
    html = same.content.decode()
    summary = assert_one_summary(html)
    assert f"<li>{message}</li>" in summary
    assert "id_topic" not in summary  # rescheduling shows no topic field


def test_an_empty_topic_links_to_the_field(
    open_day: datetime.date, operator: Any, add_shift: Any, senior: Any, signed_in: Any
) -> None:
    add_shift(operator, open_day, "10:00", "11:00")
    client = signed_in(senior)
    start = at(open_day, "10:30").isoformat()
    query = urlencode({"mode": "written_chat", "start": start})
    assert client.get(f"/sessions/book/confirm/?{query}").status_code == 200
    html = client.post(
        "/sessions/book/confirm/", {"mode": "written_chat", "start": start, "topic": ""}
    ).content.decode()
    summary = assert_one_summary(html)
    assert '<a href="#id_topic">' in summary and 'id="id_topic"' in html
