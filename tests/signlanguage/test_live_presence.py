"""Issue 22 item 6 (presence and a held session) and issue 21 item 4 (an honest queue): who is
connected is stored on the session, the operator's page hears `presence` frames, a dropped
customer's place is held for LIVE_HOLD_MINUTES, then the session ends as "customer left"; a
session everyone left ends as abandoned (and reports count it); a talk-now request whose
customer left the waiting page is closed with a notice and a booking link. Time is faked."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import datetime
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import translation

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from signlanguage.booking import services as booking_services
from signlanguage.live import presence
from signlanguage.models import Session
from tests.signlanguage.conftest import at, next_open_day
from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    closed_with,
    cookie_of,
    db,
    joined,
    make_session,
    next_of,
    open_socket,
)

MIN = datetime.timedelta(minutes=1)


def _at(moment: datetime.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _mark(session: Session, role: str, connected: bool, moment: datetime.datetime) -> Any:
    with _at(moment):
        presence.mark(session_id=session.pk, role=role, connected=connected)
        return presence.current(session.pk)


def _sweep(moment: datetime.datetime) -> str:
    out = StringIO()
    with _at(moment):
        call_command("sweep_queue", stdout=out)
    return out.getvalue()


def _swept(session: Session, moment: datetime.datetime) -> tuple[str, str, str]:
    """Run the sweep at `moment`: its output, then the session's state and ended_as."""
    out = _sweep(moment)
    session.refresh_from_db()
    return out, session.state, session.ended_as


def _actions(session: Session) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type="signlanguage.session", object_id=str(session.pk)
        ).values_list("action", flat=True)
    )


def _state_of(frame: dict[str, Any], role: str) -> str:
    return next(p["state"] for p in frame["participants"] if p["role"] == role)


# --- the held session -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_customer_who_drops_is_held_then_the_session_ends_as_customer_left(
    settings, senior, operator, make_session, signed_in
):
    settings.LIVE_HOLD_MINUTES = 10
    eleven = at(next_open_day(), "11:00")
    session = make_session(senior, operator)
    _mark(session, "operator", True, eleven)
    _mark(session, "customer", True, eleven)
    frame = _mark(session, "customer", False, eleven + 2 * MIN)
    assert _state_of(frame, "customer") == "reconnecting"
    assert frame["participants"][0]["held_until"].startswith((eleven + 12 * MIN).isoformat()[:16])

    assert _swept(session, eleven + 11 * MIN)[1] == "active"  # still held
    out, state, ended_as = _swept(session, eleven + 12 * MIN)
    assert "customer left: 1" in out and (state, ended_as) == ("closed", "customer_left")
    assert AuditAction.SESSION_ENDED_CUSTOMER_LEFT in _actions(session)
    assert "customer left: 0" in _sweep(eleven + 20 * MIN)  # once only
    # The session's page says why it ended.
    page = signed_in(operator).get(f"/sessions/{session.pk}/live/").content.decode()
    assert "お客様が時間内に戻らなかったため、相談を終えました" in page


@pytest.mark.django_db
def test_coming_back_within_the_hold_keeps_the_session(settings, senior, operator, make_session):
    settings.LIVE_HOLD_MINUTES = 10
    eleven = at(next_open_day(), "11:00")
    session = make_session(senior, operator)
    _mark(session, "operator", True, eleven)
    _mark(session, "customer", True, eleven)
    _mark(session, "customer", False, eleven + 2 * MIN)
    frame = _mark(session, "customer", True, eleven + 8 * MIN)
    assert _state_of(frame, "customer") == "connected"
    assert _swept(session, eleven + 30 * MIN)[1:] == ("active", "")


@pytest.mark.django_db
def test_a_session_everyone_left_is_abandoned_and_the_report_counts_it(
    settings, senior, operator, make_session
):
    from supervision import reports

    settings.LIVE_ABANDONED_MINUTES = 5
    settings.LIVE_HOLD_MINUTES = 10
    eleven = at(next_open_day(), "11:00")
    session = make_session(senior, operator)
    for role in ("operator", "customer"):
        _mark(session, role, True, eleven)
    _mark(session, "operator", False, eleven + 1 * MIN)
    _mark(session, "customer", False, eleven + 2 * MIN)
    assert _swept(session, eleven + 6 * MIN)[1] == "active"
    out, state, ended_as = _swept(session, eleven + 7 * MIN)
    assert "abandoned: 1" in out and (state, ended_as) == ("closed", "abandoned")
    assert AuditAction.SESSION_ABANDONED in _actions(session)

    period = reports.Period(start=eleven.date(), end=eleven.date())
    with translation.override("en"):
        summary = {str(label): value for label, value in reports.build("handling", period).summary}
    assert summary["Sessions abandoned"] == 1
    assert summary["Ended: the customer left"] == 0


@pytest.mark.django_db
def test_a_customer_who_never_met_the_operator_is_not_ended_as_customer_left(
    settings, senior, operator, make_session
):
    eleven = at(next_open_day(), "11:00")
    session = make_session(senior, operator)
    _mark(session, "customer", True, eleven)
    _mark(session, "customer", False, eleven + MIN)
    assert _swept(session, eleven + 60 * MIN)[1] == "active"


# --- the socket ---------------------------------------------------------------------------------


async def _customer_until(socket: Any, state: str) -> dict[str, Any]:
    """The first `presence` frame on `socket` with the customer in `state` (each frame is the
    whole stored state, so an earlier nudge may still be on its way with an older one)."""
    while True:
        frame = await next_of(socket, "presence")
        if any(p["role"] == "customer" and p["state"] == state for p in frame["participants"]):
            return frame


@pytest.mark.django_db(transaction=True)
async def test_the_operator_sees_the_customer_come_go_and_come_back(
    senior, operator, signed_in, make_session
):
    session = await db(make_session)(senior, operator)
    staff = await joined(session.pk, await cookie_of(signed_in, operator))
    await staff.send_json_to({"type": "presence"})
    first = await next_of(staff, "presence")
    assert [p["role"] for p in first["participants"]] == ["operator"]

    customer_cookie = await cookie_of(signed_in, senior)
    customer = await joined(session.pk, customer_cookie)
    await _customer_until(staff, "connected")

    await customer.disconnect()
    gone = await _customer_until(staff, "reconnecting")
    assert gone["participants"][0]["held_until"]

    again = await joined(session.pk, customer_cookie)
    await _customer_until(staff, "connected")
    stored = await db(Session.objects.get)(pk=session.pk)
    assert stored.customer_left_at is None and stored.customer_joined_at is not None
    for socket in (staff, again):
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_coming_back_after_the_hold_finds_the_session_ended(
    settings, senior, operator, signed_in, make_session
):
    settings.LIVE_HOLD_MINUTES = 10
    session = await db(make_session)(senior, operator)
    now = datetime.datetime.now(datetime.UTC)
    await db(Session.objects.filter(pk=session.pk).update)(
        operator_joined_at=now - 30 * MIN,
        customer_joined_at=now - 30 * MIN,
        customer_left_at=now - 11 * MIN,
    )
    socket, connected = await open_socket(session.pk, await cookie_of(signed_in, senior))
    assert await closed_with(socket) == 4408
    stored = await db(Session.objects.get)(pk=session.pk)
    assert (stored.state, stored.ended_as) == ("closed", "customer_left")


# --- the queue ------------------------------------------------------------------------------------


def _waiting(customer: Any, created: datetime.datetime) -> Session:
    session = Session.objects.create(
        customer=customer, booked_by=customer, mode="written_chat", kind="now", topic="明細"
    )
    Session.objects.filter(pk=session.pk).update(created_at=created)
    return session


@pytest.mark.django_db
def test_a_request_whose_customer_left_is_closed_with_a_notice_and_a_booking_link(
    settings, senior, signed_in
):
    settings.LIVE_HOLD_MINUTES = 10
    settings.QUEUE_MAX_WAIT_MINUTES = 60
    eleven = at(next_open_day(), "11:00")
    session = _waiting(senior, eleven)
    with _at(eleven + MIN):
        booking_services.queue_presence(customer_id=senior.pk, here=False)

    out, state, _ended_as = _swept(session, eleven + 10 * MIN)
    assert "waiting page: 0" in out and state == "waiting"
    out, state, _ended_as = _swept(session, eleven + 11 * MIN)
    assert "waiting page: 1" in out and state == "cancelled"
    assert AuditAction.QUEUE_CLOSED_CUSTOMER_LEFT in _actions(session)

    with _at(eleven + 12 * MIN):
        page = signed_in(senior).get(f"/sessions/now/{session.pk}/").content.decode()
    assert "10分より長く" in page, page
    assert "/sessions/book/?m=written_chat" in page
    assert "queue.js" not in page


@pytest.mark.django_db
def test_a_customer_back_on_the_waiting_page_keeps_their_place(settings, senior):
    settings.LIVE_HOLD_MINUTES = 10
    eleven = at(next_open_day(), "11:00")
    session = _waiting(senior, eleven)
    with _at(eleven + MIN):
        booking_services.queue_presence(customer_id=senior.pk, here=False)
    with _at(eleven + 5 * MIN):
        booking_services.queue_presence(customer_id=senior.pk, here=True)
    assert _swept(session, eleven + 20 * MIN)[1] == "waiting"


@pytest.mark.django_db(transaction=True)
async def test_closing_the_waiting_page_is_stored_and_opening_it_again_clears_it(senior, signed_in):
    from channels.testing import WebsocketCommunicator

    from access_support.asgi import application
    from tests.signlanguage.live_fixtures import ORIGIN

    session = await db(_waiting)(senior, datetime.datetime.now(datetime.UTC))
    # Whatever the real clock says: after closing time a waiting request would be closed.
    opened = mock.patch("signlanguage.booking.availability.is_open_at", return_value=True)
    opened.start()
    headers = [ORIGIN, (b"cookie", await cookie_of(signed_in, senior))]

    async def waiting_page() -> WebsocketCommunicator:
        socket = WebsocketCommunicator(application, "/ws/queue/", headers=headers)
        assert (await socket.connect(timeout=5))[0]
        assert (await socket.receive_json_from(timeout=5))["type"] == "queue.status"
        return socket

    page = await waiting_page()
    await page.disconnect()
    stored = await db(Session.objects.get)(pk=session.pk)
    assert stored.waiting_left_at is not None
    page = await waiting_page()
    stored = await db(Session.objects.get)(pk=session.pk)
    assert stored.waiting_left_at is None
    await page.disconnect()
    opened.stop()
