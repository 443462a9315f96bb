"""Issue 26 items 3 and 4: an ended chat reopens with its conversation, read-only and each
element once; the waiting page moves into the conversation once an operator takes the request;
at closing time a waiting request is closed (audited) and the customer is offered a booking."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import uuid
from typing import Any
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from access_support.asgi import application
from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from signlanguage.live import services as live_services
from signlanguage.models import Session
from tests.signlanguage.conftest import at, next_open_day
from tests.signlanguage.live_fixtures import ORIGIN, make_session  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def post(session: Any, user: Any, role: str, text: str) -> None:
    live_services.message_post(
        session_id=session.pk, sender=user, role=role, client_id=uuid.uuid4(), text=text
    )


def waiting_request(customer: Any) -> Session:
    return Session.objects.create(
        customer=customer, booked_by=customer, mode="written_chat", kind="now", topic="明細"
    )


# --- item 3: the ended chat ---------------------------------------------------------------


def test_an_ended_chat_shows_its_conversation_read_only_and_each_element_once(
    senior: Any, operator: Any, signed_in: Any, make_session: Any
) -> None:
    session = make_session(senior, operator)
    post(session, senior, "customer", "カードの明細が<b>届きません</b>")
    post(session, operator, "operator", "住所を確認します。")
    session.state = "closed"
    session.closed_at = timezone.now()
    session.save()
    html = signed_in(senior).get(f"/sessions/{session.pk}/live/").content.decode()
    log = html[html.index("data-live-log") : html.index("</ol>")]
    # The conversation, in order, as text (escaped), with who wrote it.
    first = log.index("カードの明細が&lt;b&gt;届きません&lt;/b&gt;")
    assert first < log.index("住所を確認します。")
    assert "あなた" in log and "オペレーター" in log
    # Read-only: no compose box.
    assert "data-live-compose" not in html and "<textarea" not in html
    # Each element once: "相談は終わりました" not said twice in the status line, one download
    # link, one feedback link.
    assert html.count(f"/sessions/{session.pk}/transcript.txt") == 1
    assert html.count(f"/sessions/{session.pk}/feedback/") == 1
    start = html.index('class="live-state-line"')
    state_line = html[start : html.index("</p>", start)]
    assert state_line.count("相談は終わりました") == 1, state_line


# --- item 4: the waiting page ---------------------------------------------------------------


def test_the_waiting_page_moves_into_the_conversation_once_taken(
    senior: Any, operator: Any, signed_in: Any
) -> None:
    session = waiting_request(senior)
    session.state = "active"
    session.operator = operator
    session.save()
    response = signed_in(senior).get(f"/sessions/now/{session.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{session.pk}/live/"


def test_a_request_still_waiting_at_closing_time_is_closed_and_booking_offered(
    senior: Any, signed_in: Any
) -> None:
    day = next_open_day()
    with mock.patch("django.utils.timezone.now", return_value=at(day, "17:50")):
        session = waiting_request(senior)
    with mock.patch("django.utils.timezone.now", return_value=at(day, "18:01")):
        client = signed_in(senior)
        response = client.get(f"/sessions/now/{session.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.state == "cancelled"
    event = AuditEvent.objects.get(action=AuditAction.QUEUE_CLOSED_FOR_THE_DAY)
    assert event.object_id == str(session.pk) and event.subject_user_id == senior.pk
    assert "番目" not in html and "オペレーターを待っています" not in html
    assert "/sessions/book/?m=written_chat" in html
    assert "queue.js" not in html and "待つのをやめる" not in html
    # Reloading says the same and writes nothing more.
    with mock.patch("django.utils.timezone.now", return_value=at(day, "18:05")):
        again = client.get(f"/sessions/now/{session.pk}/").content.decode()
    assert "/sessions/book/?m=written_chat" in again
    assert AuditEvent.objects.filter(action=AuditAction.QUEUE_CLOSED_FOR_THE_DAY).count() == 1


def test_a_waiting_request_during_opening_hours_stays(senior: Any, signed_in: Any) -> None:
    moment = at(next_open_day(), "11:00")
    with mock.patch("django.utils.timezone.now", return_value=moment):
        session = waiting_request(senior)
        html = signed_in(senior).get(f"/sessions/now/{session.pk}/").content.decode()
    session.refresh_from_db()
    assert session.state == "waiting"
    assert "1 番目" in html and "queue.js" in html


@pytest.mark.django_db(transaction=True)
async def test_the_queue_socket_closes_a_request_after_closing_time(
    senior: Any, signed_in: Any
) -> None:
    session = await database_sync_to_async(waiting_request)(senior)
    client = await database_sync_to_async(signed_in)(senior)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    with mock.patch("signlanguage.booking.availability.is_open_at", return_value=False):
        communicator = WebsocketCommunicator(
            application, "/ws/queue/", headers=[ORIGIN, (b"cookie", cookie)]
        )
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        try:
            frame = await communicator.receive_json_from(timeout=5)
        finally:
            await communicator.disconnect()
    assert frame["type"] == "queue.status"
    assert frame["state"] == "closed_for_the_day" and frame["session_id"] == session.pk
    await database_sync_to_async(session.refresh_from_db)()
    assert session.state == "cancelled"
