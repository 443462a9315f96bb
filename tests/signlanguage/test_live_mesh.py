"""Three-way video on the live socket (issue 22 item 3, docs/websocket.md): each page learns its
participant id and whom it may call (`rtc.peers`), and a `rtc.signal` with a `to` reaches only
that participant's sockets, with the sender's id as `from` — the customer and the proxy, who sit
on the same side, can call each other. A `to` that is not another participant of the session is
refused with an error frame and the socket stays open; a signal without `to` still goes to the
other side only (one-to-one, as before)."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

from typing import Any

import pytest

from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    cookie_of,
    db,
    joined,
    make_grant,
    make_session,
    next_of,
)

pytestmark = pytest.mark.django_db(transaction=True)

OFFER = {"kind": "description", "description": {"type": "offer", "sdp": "v=0..."}}


@pytest.fixture
def video_session(
    senior: Any, operator: Any, proxy: Any, make_session: Any, make_grant: Any
) -> Any:
    make_grant(senior, proxy, scopes=["session.book"])
    return make_session(senior, operator, mode="sign_language")


async def three(session: Any, signed_in: Any, *users: Any) -> list[Any]:
    return [await joined(session.pk, await cookie_of(signed_in, user)) for user in users]


async def peers_of(socket: Any) -> dict[str, Any]:
    await socket.send_json_to({"type": "rtc.peers"})
    return await next_of(socket, "rtc.peers")


async def disconnect(*sockets: Any) -> None:
    for socket in sockets:
        await socket.disconnect()


async def test_each_page_learns_its_id_and_the_other_two(
    senior, proxy, operator, signed_in, video_session
):
    customer_s, proxy_s, operator_s = await three(video_session, signed_in, senior, proxy, operator)
    ids = {"c": f"customer-{senior.pk}", "p": f"proxy-{proxy.pk}", "o": f"operator-{operator.pk}"}
    assert await peers_of(customer_s) == {
        "type": "rtc.peers",
        "you": ids["c"],
        "peers": sorted([ids["p"], ids["o"]]),
    }
    assert (await peers_of(proxy_s))["peers"] == sorted([ids["c"], ids["o"]])
    frame = await peers_of(operator_s)
    assert frame["you"] == ids["o"] and frame["peers"] == sorted([ids["c"], ids["p"]])
    await disconnect(customer_s, proxy_s, operator_s)


async def test_a_signal_with_to_reaches_that_participant_only_with_the_senders_id(
    senior, proxy, operator, signed_in, video_session
):
    customer_s, proxy_s, operator_s = await three(video_session, signed_in, senior, proxy, operator)
    # The operator calls the proxy: the customer's page hears nothing of it.
    await operator_s.send_json_to(
        {"type": "rtc.signal", "to": f"proxy-{proxy.pk}", "payload": OFFER}
    )
    assert await proxy_s.receive_json_from(timeout=5) == {
        "type": "rtc.signal",
        "from": f"operator-{operator.pk}",
        "payload": OFFER,
    }
    assert await customer_s.receive_nothing(timeout=0.2)
    assert await operator_s.receive_nothing(timeout=0.2)
    # The customer calls the proxy, on the same side of the call (one-to-one could not).
    hello = {"kind": "hello", "instance": "a1"}
    await customer_s.send_json_to(
        {"type": "rtc.signal", "to": f"proxy-{proxy.pk}", "payload": hello}
    )
    frame = await proxy_s.receive_json_from(timeout=5)
    assert frame == {"type": "rtc.signal", "from": f"customer-{senior.pk}", "payload": hello}
    assert await operator_s.receive_nothing(timeout=0.2)
    # Without `to`, one-to-one as before: the other side only, `from` the side.
    await customer_s.send_json_to({"type": "rtc.signal", "payload": hello})
    assert await operator_s.receive_json_from(timeout=5) == {
        "type": "rtc.signal",
        "from": "customer",
        "payload": hello,
    }
    assert await proxy_s.receive_nothing(timeout=0.2)
    await disconnect(customer_s, proxy_s, operator_s)


async def test_a_to_that_is_not_another_participant_is_refused_and_the_socket_stays_open(
    senior, proxy, operator, stranger, signed_in, video_session
):
    from proxies import services as proxy_services
    from proxies.models import Grant

    customer_s, operator_s = await three(video_session, signed_in, senior, operator)
    refused = {
        f"customer-{stranger.pk}": "unknown_participant",  # not in this session
        f"operator-{senior.pk}": "unknown_participant",  # a real user, not in that role
        f"operator-{operator.pk}": "unknown_participant",  # the sender itself
        "": "invalid_to",
        "x" * 65: "invalid_to",
        7: "invalid_to",
    }
    for to, code in refused.items():
        await operator_s.send_json_to({"type": "rtc.signal", "to": to, "payload": OFFER})
        error = await operator_s.receive_json_from(timeout=5)
        assert (error["type"], error["code"]) == ("error", code), to
    assert await customer_s.receive_nothing(timeout=0.2)
    # A proxy whose grant has been revoked is no longer someone to call.
    grant = await db(Grant.objects.get)(member=senior, proxy=proxy)
    await db(proxy_services.grant_revoke)(grant=grant, actor=senior)
    await operator_s.send_json_to(
        {"type": "rtc.signal", "to": f"proxy-{proxy.pk}", "payload": OFFER}
    )
    assert (await operator_s.receive_json_from(timeout=5))["code"] == "unknown_participant"
    # Still open: a good signal goes through.
    await operator_s.send_json_to(
        {"type": "rtc.signal", "to": f"customer-{senior.pk}", "payload": OFFER}
    )
    assert (await customer_s.receive_json_from(timeout=5))["from"] == f"operator-{operator.pk}"
    await disconnect(customer_s, operator_s)


async def test_an_operator_assigned_after_the_customer_connected_can_be_called(
    senior, operator, signed_in, make_session
):
    from signlanguage.models import Session

    session = await db(make_session)(senior, None, mode="sign_language", state="waiting")
    customer_s = await joined(session.pk, await cookie_of(signed_in, senior))
    assert (await peers_of(customer_s))["peers"] == []
    await db(Session.objects.filter(pk=session.pk).update)(operator=operator, state="active")
    operator_s = await joined(session.pk, await cookie_of(signed_in, operator))
    await customer_s.send_json_to(
        {"type": "rtc.signal", "to": f"operator-{operator.pk}", "payload": OFFER}
    )
    assert (await operator_s.receive_json_from(timeout=5))["from"] == f"customer-{senior.pk}"
    await disconnect(customer_s, operator_s)


async def test_rtc_peers_in_a_written_chat_gets_an_error(senior, operator, signed_in, make_session):
    session = await db(make_session)(senior, operator)
    customer_s = await joined(session.pk, await cookie_of(signed_in, senior))
    await customer_s.send_json_to({"type": "rtc.peers"})
    assert (await customer_s.receive_json_from(timeout=5))["code"] == "not_video_session"
    await customer_s.disconnect()
