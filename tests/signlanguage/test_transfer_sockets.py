"""A hand-over on the live sockets (issue 21 item 6): the customer's page gets the line saying who
took over, in order after the messages before it; the socket of the operator who handed over
closes with 4403, and the colleague joins and carries on from the next number."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from signlanguage.models import Shift
from tests.signlanguage import live_fixtures as live
from tests.signlanguage.live_fixtures import make_session  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@live.db
def on_shift_now(user: Any) -> None:
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    Shift.objects.create(operator=user, start=now - hour, end=now + hour)


async def test_the_customer_sees_who_took_over_and_the_old_operators_socket_closes(
    senior, operator, make_operator, signed_in, make_session
):
    from signlanguage.live.transfer import session_transfer

    session = await live.db(make_session)(senior, operator)
    colleague = await live.db(make_operator)(display_name="佐藤 次郎")
    await on_shift_now(colleague)
    customer = await live.joined(session.pk, await live.cookie_of(signed_in, senior))
    staff = await live.joined(session.pk, await live.cookie_of(signed_in, operator))
    await customer.send_json_to(live.chat("こんにちは"))
    assert (await live.next_of(customer, "chat.ack"))["seq"] == 1
    assert (await live.next_of(customer, "chat.message"))["seq"] == 1  # the sender's page too
    assert (await live.next_of(staff, "chat.message"))["seq"] == 1

    await live.db(session_transfer)(
        session_id=session.pk, actor=operator, to_operator_id=colleague.pk
    )

    line = await live.next_of(customer, "chat.message")
    assert line["seq"] == 2
    assert line["text"] == "担当が佐藤 次郎に代わりました。"
    # The service's own line, not one the new operator said (issue 21 item 6).
    assert line["sender"] == {"role": "system", "name": ""}
    assert await live.closed_with(staff) == 4403

    new_staff = await live.joined(session.pk, await live.cookie_of(signed_in, colleague))
    await new_staff.send_json_to(live.chat("引き継ぎました"))
    assert (await live.next_of(new_staff, "chat.ack"))["seq"] == 3
    assert (await live.next_of(customer, "chat.message"))["text"] == "引き継ぎました"
    await customer.disconnect()
    await new_staff.disconnect()
    await staff.disconnect()


async def test_the_colleagues_console_is_told_the_session_is_now_theirs(
    senior, operator, make_operator, signed_in, make_session
):
    from channels.testing import WebsocketCommunicator

    from access_support.asgi import application
    from signlanguage.live.transfer import session_transfer

    session = await live.db(make_session)(senior, operator, mode="sign_language")
    colleague = await live.db(make_operator)(display_name="佐藤 次郎")
    await on_shift_now(colleague)
    headers = [live.ORIGIN, (b"cookie", await live.cookie_of(signed_in, colleague))]
    console = WebsocketCommunicator(application, "/ws/queue/", headers=headers)
    connected, _ = await console.connect()
    assert connected
    assert (await console.receive_json_from())["type"] == "queue.list"
    # Someone else's console hears nothing of it.
    other = await live.db(make_operator)(display_name="高橋 健")
    headers = [live.ORIGIN, (b"cookie", await live.cookie_of(signed_in, other))]
    bystander = WebsocketCommunicator(application, "/ws/queue/", headers=headers)
    assert (await bystander.connect())[0]
    assert (await bystander.receive_json_from())["type"] == "queue.list"

    await live.db(session_transfer)(
        session_id=session.pk, actor=operator, to_operator_id=colleague.pk
    )

    alert = await live.next_of(console, "session.handed_to_you")
    assert alert["session_id"] == session.pk
    assert alert["url"] == f"/sessions/{session.pk}/live/"
    said = f"{operator.name}さんから相談を引き継ぎました：{senior.name}様、手話（ビデオ）。"
    assert alert["text"] == said
    assert alert["link"] == "相談を開く"
    assert await bystander.receive_nothing(timeout=0.3)
    await console.disconnect()
    await bystander.disconnect()
