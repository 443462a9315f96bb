"""The talk-now queue over websockets: a customer sees their position and estimated wait,
operators see the waiting list. Every change is a "queue.changed" nudge; each socket then
reads its own view from the database (so any process can serve any socket)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from access_support.consumers import ProtectedJsonConsumer
from signlanguage import events
from signlanguage.booking import policies, selectors, services


class QueueConsumer(ProtectedJsonConsumer):
    """/ws/queue/. Sign-in, second factor, the frame rules (size, JSON, 20 frames a second) and
    sign-out closes come from ProtectedJsonConsumer, as on every socket. Client frame:
    {"type": "refresh"}; server frames: the customer's `queue.status` or the operators'
    `queue.list`, sent on connect, on refresh and after every queue change, and an operator's
    `session.handed_to_you` when a colleague hands a live session over to them."""

    async def joined(self) -> None:
        self.is_operator = policies.can_see_queue(self.user)
        self.queue_groups = events.queue_groups(is_operator=self.is_operator)
        if self.is_operator:  # a session handed over to this operator is said on their console
            self.queue_groups.append(events.operator_group(self.user.pk))
        for group in self.queue_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        if not self.is_operator:  # the customer is on the waiting page (issue 21 item 4)
            await database_sync_to_async(services.queue_presence)(
                customer_id=self.user.pk, here=True
            )
        await self.send_view()

    async def left(self) -> None:
        for group in getattr(self, "queue_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "queue_groups", None) and not self.is_operator:
            await database_sync_to_async(services.queue_presence)(
                customer_id=self.user.pk, here=False
            )

    async def handle_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "refresh":
            await self.send_view()
        else:
            await super().handle_frame(frame)

    async def queue_changed(self, message: dict[str, Any]) -> None:
        await self.send_view()

    async def operator_handed_over(self, message: dict[str, Any]) -> None:
        """A colleague handed a session over to this operator: `session.handed_to_you`."""
        await self.send_json(message["frame"])

    async def send_view(self) -> None:
        await self.send_json(await self._view())

    async def _view(self) -> dict[str, Any]:
        view: dict[str, Any] = await database_sync_to_async(self._view_sync)()
        return view

    def _view_sync(self) -> dict[str, Any]:
        if self.is_operator:
            return selectors.queue_snapshot()
        from access_support.accounts.models import User

        session = selectors.open_now_session(User(pk=self.user.pk))
        if session is None:
            return {
                "type": "queue.status",
                "session_id": None,
                "state": None,
                "position": 0,
                "estimated_wait_minutes": 0,
                "estimated_wait_range_minutes": None,
            }
        if session.waiting_left_at is not None:  # another tab of theirs closed; this one is open
            services.queue_presence(customer_id=self.user.pk, here=True)
        if services.queue_close_for_the_day(session=session) is not None:
            # Closing time passed while they waited: the page reloads and says so.
            return selectors.queue_status(session) | {"state": "closed_for_the_day"}
        return selectors.queue_status(session)
