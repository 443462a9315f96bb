"""Issue 26 items 11 and 12 on the live-session websocket (docs/websocket.md): read marks reach a
page that connects again (a reload shows 既読, not 送信済み), and switching a sign-language session
to written chat and back is a state both sides see (the `mode` frame), stored and audited."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async

from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    cookie_of,
    joined,
    make_session,
    next_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


def db(fn: Any) -> Any:
    return database_sync_to_async(fn)


def chat(text: str) -> dict[str, Any]:
    return {"type": "chat.message", "client_id": str(uuid.uuid4()), "text": text}


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
