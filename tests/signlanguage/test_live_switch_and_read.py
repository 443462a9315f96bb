"""Issue 26 items 11 and 12 on the live-session websocket (docs/websocket.md): read marks reach a
page that connects again (a reload shows 既読, not 送信済み), and switching a sign-language session
to written chat and back is a state both sides see (the `mode` frame), stored and audited."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

from typing import Any

import pytest

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from signlanguage.models import Session
from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    chat,
    cookie_of,
    db,
    joined,
    make_session,
    next_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


# --- item 12: read marks survive a reload -----------------------------------------------------


async def test_a_reconnecting_page_is_told_what_the_other_side_has_read(
    senior, operator, signed_in, make_session
):
    session = await db(make_session)(senior, operator)
    customer_cookie = await cookie_of(signed_in, senior)
    customer = await joined(session.pk, customer_cookie)
    staff = await joined(session.pk, await cookie_of(signed_in, operator))
    for text in ("一つ目", "二つ目"):
        await customer.send_json_to(chat(text))
        await next_of(customer, "chat.ack")
        await next_of(staff, "chat.message")
    await staff.send_json_to({"type": "chat.read", "seq": 2})
    assert (await next_of(customer, "chat.read"))["seq"] == 2
    await customer.disconnect()

    # The customer reloads: the new socket hears the operator's stored read mark before the
    # history it asks for, so both messages show 既読 again.
    again = await joined(session.pk, customer_cookie)
    assert await again.receive_json_from(timeout=5) == {
        "type": "chat.read",
        "role": "operator",
        "seq": 2,
    }
    await again.send_json_to({"type": "sync", "after_seq": 0})
    assert [(await next_of(again, "chat.message"))["seq"] for _ in range(2)] == [1, 2]

    # The operator's own mark is not sent back to the operator (it marks nothing of theirs),
    # and the customer has read nothing yet: the operator's new socket gets no chat.read.
    staff_again = await joined(session.pk, await cookie_of(signed_in, operator))
    assert await staff_again.receive_nothing(timeout=0.3)
    for socket in (again, staff, staff_again):
        await socket.disconnect()


# --- item 11: switching to written chat and back ----------------------------------------------


@db
def switches_audited(session_id: int) -> list[tuple[str, Any]]:
    return list(
        AuditEvent.objects.filter(
            object_id=str(session_id),
            action__in=[
                AuditAction.SESSION_SWITCHED_TO_WRITTEN_CHAT,
                AuditAction.SESSION_SWITCHED_TO_VIDEO,
            ],
        )
        .order_by("seq")
        .values_list("action", "after")
    )


async def test_switching_to_written_chat_reaches_the_operator_and_back_again(
    senior, operator, signed_in, make_session
):
    session = await db(make_session)(senior, operator, mode="sign_language")
    customer = await joined(session.pk, await cookie_of(signed_in, senior))
    staff_cookie = await cookie_of(signed_in, operator)
    staff = await joined(session.pk, staff_cookie)

    await customer.send_json_to({"type": "mode", "mode": "text"})
    switched = {"type": "mode", "mode": "text", "role": "customer"}
    assert await staff.receive_json_from(timeout=5) == switched
    assert await customer.receive_json_from(timeout=5) == switched  # the sender's tabs too
    stored = await db(Session.objects.get)(pk=session.pk)
    assert stored.video_off_by == "customer"

    # The operator reloads the page: the new socket is told at once that video is off.
    await staff.disconnect()
    staff = await joined(session.pk, staff_cookie)
    assert await staff.receive_json_from(timeout=5) == switched

    # Sending the same mode again changes nothing and audits nothing more.
    await customer.send_json_to({"type": "mode", "mode": "text"})
    await next_of(staff, "mode")
    await customer.send_json_to({"type": "mode", "mode": "video"})
    back = {"type": "mode", "mode": "video", "role": "customer"}
    assert await next_of(staff, "mode") == back
    stored = await db(Session.objects.get)(pk=session.pk)
    assert stored.video_off_by == ""
    assert await switches_audited(session.pk) == [
        (AuditAction.SESSION_SWITCHED_TO_WRITTEN_CHAT, {"video_off_by": "customer"}),
        (AuditAction.SESSION_SWITCHED_TO_VIDEO, {"video_off_by": ""}),
    ]
    # With the video on, a new socket gets no mode frame.
    await staff.disconnect()
    staff = await joined(session.pk, staff_cookie)
    assert await staff.receive_nothing(timeout=0.3)
    for socket in (customer, staff):
        await socket.disconnect()


async def test_a_bad_mode_and_a_mode_in_a_written_chat_get_errors(
    senior, member_b, operator, signed_in, make_session
):
    video = await db(make_session)(senior, operator, mode="sign_language")
    customer = await joined(video.pk, await cookie_of(signed_in, senior))
    for bad in ("TEXT", "", None, 1, ["text"]):
        await customer.send_json_to({"type": "mode", "mode": bad})
        error = await customer.receive_json_from(timeout=5)
        assert error["type"] == "error" and error["code"] == "invalid_mode", (bad, error)
    assert (await db(Session.objects.get)(pk=video.pk)).video_off_by == ""
    await customer.disconnect()

    chat_only = await db(make_session)(member_b, operator, mode="written_chat")
    other = await joined(chat_only.pk, await cookie_of(signed_in, member_b))
    await other.send_json_to({"type": "mode", "mode": "text"})
    error = await other.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["code"] == "not_video_session"
    await other.disconnect()
