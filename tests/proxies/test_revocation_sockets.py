"""Revocation reaches an open websocket through the channel layer (proxies/README.md): a socket
where the proxy acts for the member closes with 4403 within 2 seconds, from any process."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from access_support.consumers import CLOSE_FORBIDDEN, ProtectedJsonConsumer
from proxies import services


class ActingForMemberConsumer(ProtectedJsonConsumer):
    """The smallest consumer that acts for a member: asks the policy on connect, closes on
    `authority.revoked` for that member (what every real consumer that acts for a member does)."""

    acting_for_id: int | None = None

    async def authorize(self) -> int | None:
        member = self.scope["member"]
        decision = await database_sync_to_async(services.authorize)(
            actor=self.user,
            member=member,
            action="session.book",
            verified=self.scope["otp_verified"],
            via="websocket",
        )
        if not decision.allowed:
            return CLOSE_FORBIDDEN
        self.acting_for_id = member.pk
        return None

    async def authority_revoked(self, event: dict[str, Any]) -> None:
        if event.get("member_id") == self.acting_for_id:
            await self.close(code=CLOSE_FORBIDDEN)


def communicator(user: Any, member: Any) -> WebsocketCommunicator:
    app = ActingForMemberConsumer.as_asgi()
    comm = WebsocketCommunicator(app, "/ws/test/")
    comm.scope.update(user=user, member=member, otp_verified=True)
    return comm


@pytest.mark.django_db(transaction=True)
async def test_revoking_closes_the_proxys_open_socket_within_two_seconds(senior, proxy, make_grant):
    grant = await database_sync_to_async(make_grant)(senior, proxy)
    comm = communicator(proxy, senior)
    connected, _ = await comm.connect()
    assert connected
    try:
        assert await comm.receive_nothing(timeout=0.1)
        await database_sync_to_async(services.grant_revoke)(grant=grant, actor=senior)
        closed = await asyncio.wait_for(comm.receive_output(), timeout=2)
        assert closed == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    finally:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_revoking_another_members_grant_leaves_the_socket_open(
    senior, member_b, proxy, make_grant
):
    await database_sync_to_async(make_grant)(senior, proxy)
    other = await database_sync_to_async(make_grant)(member_b, proxy)
    comm = communicator(proxy, senior)
    connected, _ = await comm.connect()
    assert connected
    try:
        await database_sync_to_async(services.grant_revoke)(grant=other, actor=member_b)
        assert await comm.receive_nothing(timeout=0.5)
    finally:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_revoked_proxy_cannot_open_a_new_socket(senior, proxy, make_grant):
    grant = await database_sync_to_async(make_grant)(senior, proxy)
    await database_sync_to_async(services.grant_revoke)(grant=grant, actor=senior)
    comm = communicator(proxy, senior)
    await comm.connect()
    try:
        closed = await asyncio.wait_for(comm.receive_output(), timeout=2)
        assert closed == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    finally:
        await comm.disconnect()
