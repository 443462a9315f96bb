"""The talk-now queue over websockets: a customer sees their position and estimated wait,
operators see the waiting list. Every change is a "queue.changed" nudge; each socket then
reads its own view from the database (so any process can serve any socket)."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from access_support.consumers import (
    CLOSE_RATE_LIMITED,
    MAX_FRAME_BYTES,
    over_rate_limit,
)
from access_support.events import user_group
from signlanguage import events, policies, selectors


class QueueConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    groups: list[str] = []

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not self.scope.get("otp_verified"):
            await self.close(code=4401)
            return
        self.is_operator = policies.can_see_queue(user)
        self.user_id = user.pk
        self.joined = [*events.queue_groups(is_operator=self.is_operator), user_group(user.pk)]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_view()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """The frame rules of every socket (SPEC §5.6, access_support.consumers): over 20 frames
        a second closes 4429; binary, oversize or malformed frames get an error frame and the
        socket stays open (JSON decoding used to raise and drop the socket)."""
        if over_rate_limit(self):
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        if text_data is None:
            await self._error("binary_not_supported", "Send JSON text frames.")
        elif len(text_data.encode()) > MAX_FRAME_BYTES:
            await self._error("frame_too_large", "A frame may be at most 16 KiB.")
        else:
            try:
                content = json.loads(text_data)
            except ValueError:
                await self._error("malformed_json", "The frame is not valid JSON.")
                return
            await self.receive_json(content)

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The only client frame: {"type": "refresh"}; anything else is ignored.
        if isinstance(content, dict) and content.get("type") == "refresh":
            await self.send_view()

    async def queue_changed(self, message: dict[str, Any]) -> None:
        await self.send_view()

    async def user_signed_out(self, message: dict[str, Any]) -> None:
        await self.close(code=4401)

    async def authority_revoked(self, message: dict[str, Any]) -> None:
        return None

    async def send_view(self) -> None:
        await self.send_json(await self._view())

    async def _view(self) -> dict[str, Any]:
        view: dict[str, Any] = await database_sync_to_async(self._view_sync)()
        return view

    def _view_sync(self) -> dict[str, Any]:
        if self.is_operator:
            return selectors.queue_snapshot()
        from access_support.accounts.models import User

        session = selectors.open_now_session(User(pk=self.user_id))
        if session is None:
            return {
                "type": "queue.status",
                "session_id": None,
                "state": None,
                "position": 0,
                "estimated_wait_minutes": 0,
            }
        return selectors.queue_status(session)
