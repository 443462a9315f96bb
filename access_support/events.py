"""Channel-layer group names and messages shared across apps (built only here)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    """Every websocket of a user joins this group, so a revoke or sign-out can close it from
    any process."""
    return f"user.{user_id}"


def send_to_user_on_commit(user_id: int, message: dict[str, Any]) -> None:
    """Send `message` (with a "type" naming the consumer handler) to all of a user's sockets
    once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(user_group(user_id), message)

    transaction.on_commit(send)


def authority_revoked(proxy_id: int, member_id: int) -> None:
    """Close the proxy's sockets that act for this member (consumer handler
    `authority_revoked` closes with 4403)."""
    send_to_user_on_commit(proxy_id, {"type": "authority.revoked", "member_id": member_id})


def user_signed_out(user_id: int) -> None:
    send_to_user_on_commit(user_id, {"type": "user.signed_out"})
