"""Talk now: joining the queue, position and wait, taking, and the closed-hours answer."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from signlanguage.booking import selectors
from signlanguage.models import Session, Shift
from tests.signlanguage.conftest import at, handled, next_open_day, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_now(db: Any, make_user: Any) -> Any:
    """11:00 on an open day, with an operator of both skills on shift (talk-now refuses when
    nobody with the skill is on shift: test_help_page.py)."""
    moment = at(next_open_day(), "11:00")
    on_duty = make_user("operator", username="onduty", skills=["sign_language", "written_chat"])
    Shift.objects.create(
        operator=on_duty, start=at(moment.date(), "09:00"), end=at(moment.date(), "18:00")
    )
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def test_member_joins_the_queue_and_sees_their_position(
    open_now: Any, senior: Any, member_b: Any, signed_in: Any
) -> None:
    first = post_json(signed_in(senior), "/api/v1/queue", {"mode": "written_chat", "topic": "明細"})
    assert first.status_code == 201, first.json()
    assert first.json()["position"] == 1
    second = post_json(
        signed_in(member_b), "/api/v1/queue", {"mode": "written_chat", "topic": "ポイント"}
    )
    assert second.json()["position"] == 2
    assert second.json()["estimated_wait_minutes"] >= first.json()["estimated_wait_minutes"]
    again = post_json(signed_in(senior), "/api/v1/queue", {"mode": "written_chat", "topic": "x"})
    assert again.status_code == 409 and again.json()["error"] == "already_waiting"


def test_estimated_wait_comes_from_recent_handling_times(
    senior: Any, member_b: Any, operator: Any
) -> None:
    handled(member_b, operator, [4, 6])
    waiting = Session.objects.create(
        customer=senior, booked_by=senior, mode="written_chat", kind="now", topic="t"
    )
    status = selectors.queue_status(waiting)
    assert status["position"] == 1
    assert status["estimated_wait_minutes"] == 5


def _sign_language_request(client: Any) -> int:
    """The id of the talk-now request for sign language (about a card) that `client` makes."""
    response = post_json(client, "/api/v1/queue", {"mode": "sign_language", "topic": "カード"})
    return response.json()["session_id"]


def test_operator_takes_and_a_second_take_is_409(
    open_now: Any, senior: Any, operator: Any, make_operator: Any, signed_in: Any
) -> None:
    session_id = _sign_language_request(signed_in(senior))
    taken = post_json(signed_in(operator), f"/api/v1/queue/{session_id}/take")
    assert taken.status_code == 200 and taken.json()["state"] == "active"
    late = post_json(signed_in(make_operator()), f"/api/v1/queue/{session_id}/take")
    assert late.status_code == 409 and late.json()["error"] == "already_taken"


def test_only_operators_with_the_skill_take(
    open_now: Any, senior: Any, make_operator: Any, signed_in: Any, member_b: Any
) -> None:
    session_id = _sign_language_request(signed_in(senior))
    member = post_json(signed_in(member_b), f"/api/v1/queue/{session_id}/take")
    assert member.status_code == 403
    chat_only = post_json(
        signed_in(make_operator(["written_chat"])), f"/api/v1/queue/{session_id}/take"
    )
    assert chat_only.status_code == 403 and chat_only.json()["error"] == "skill_missing"


def test_outside_hours_the_queue_says_when_it_opens(senior: Any, signed_in: Any) -> None:
    evening = at(next_open_day(), "19:00")
    with mock.patch("django.utils.timezone.now", return_value=evening):
        response = post_json(
            signed_in(senior), "/api/v1/queue", {"mode": "written_chat", "topic": "明細"}
        )
        page = signed_in(senior).get("/sessions/now/")
    assert response.status_code == 409
    assert response.json()["error"] == "service_closed"
    assert response.json()["opens_at"].endswith("T09:00:00+09:00")
    html = page.content.decode()
    assert "09:00" in html and "/sessions/book/" in html
    assert not Session.objects.exists()


def test_talk_now_page_puts_the_member_in_the_queue(
    open_now: Any, senior: Any, signed_in: Any
) -> None:
    client = signed_in(senior)
    response = client.post("/sessions/now/", {"mode": "written_chat", "topic": "明細"})
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/now/{session.pk}/"
    page = client.get(response["Location"])
    assert 'role="status"' in page.content.decode()
    assert "1" in page.content.decode()


def test_a_restricted_customer_cannot_use_talk_now(
    open_now: Any, senior: Any, supervisor: Any, signed_in: Any
) -> None:
    from signlanguage.models import TalkNowRestriction

    TalkNowRestriction.objects.create(customer=senior, reason="abuse", created_by=supervisor)
    response = post_json(signed_in(senior), "/api/v1/queue", {"mode": "written_chat", "topic": "x"})
    assert response.status_code == 403
    assert response.json()["error"] == "talk_now_restricted"
    assert not Session.objects.exists()
