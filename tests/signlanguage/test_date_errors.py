"""Booking's date (issue 23 item 5): each message at the part that is wrong, saying how to fix
it, the control marked invalid and described by it; a day that has passed is refused."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from tests.field_errors import invalid_controls
from tests.proxies.test_error_summary import assert_one_summary

pytestmark = pytest.mark.django_db


def book(client: Any, year: Any, month: Any, day: Any) -> str:
    query = urlencode({"mode": "written_chat", "year": year, "month": month, "day": day})
    response = client.get(f"/sessions/book/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_an_empty_month_is_explained_at_the_month(signed_in: Any, senior: Any) -> None:
    html = book(signed_in(senior), 2027, "", 3)
    assert invalid_controls(html) == {"id_month": "月を1から12の数字で入れてください。"}
    assert '<a href="#id_month">' in assert_one_summary(html)


def test_a_day_the_month_does_not_have_says_so(signed_in: Any, senior: Any) -> None:
    html = book(signed_in(senior), 2027, 2, 31)
    assert invalid_controls(html) == {"id_day": "2月31日はありません。日を確かめてください。"}
    assert '<a href="#id_day">' in assert_one_summary(html)


def test_a_month_that_does_not_exist_says_so(signed_in: Any, senior: Any) -> None:
    html = book(signed_in(senior), 2027, 13, 1)
    assert invalid_controls(html) == {
        "id_month": "13月はありません。1から12の数字で入れてください。"
    }


def test_a_day_that_has_passed_is_refused_with_a_message(signed_in: Any, senior: Any) -> None:
    html = book(signed_in(senior), 2025, 1, 5)
    message = "過ぎた日は選べません。今日以降の日を入れてください。"
    assert "空いている時間" not in html.split("<main", 1)[1].split("<form", 1)[0]
    assert invalid_controls(html) == {"id_year": message, "id_month": message, "id_day": message}
    assert html.count(message) == 2  # at the fields and in the summary


def test_today_is_not_refused(signed_in: Any, senior: Any) -> None:
    today = timezone.localdate()
    html = book(signed_in(senior), today.year, today.month, today.day)
    assert 'class="error-summary"' not in html
    tomorrow = today + datetime.timedelta(days=1)
    assert 'class="error-summary"' not in book(
        signed_in(senior), tomorrow.year, tomorrow.month, tomorrow.day
    )


def test_letters_in_a_part_are_explained_in_english(signed_in: Any, senior: Any) -> None:
    client = signed_in(senior)
    client.cookies["as_language"] = "en"
    html = book(client, "２０２７", "x", 3)
    assert invalid_controls(html) == {"id_month": "Enter the month as a number from 1 to 12."}
