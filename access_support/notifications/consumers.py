"""/ws/notices/: the header's unread count, live on every signed-in page (docs/websocket.md,
"Notices"). Sign-in, second factor, origin, frame rules and sign-out closes come from
ProtectedJsonConsumer and asgi.py as on every socket. Nothing is kept in process memory: a new
notice reaches the user's channel-layer group (any process), and each socket then reads the
count from the database."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils import translation

from access_support import mail
from access_support.consumers import ProtectedJsonConsumer
from access_support.notifications import services
from access_support.notifications.models import Notice


def _frame(user: Any, notice_id: int | None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "notices.unread", "count": services.unread_count(user.pk)}
    if notice_id is not None:
        notice = Notice.objects.filter(pk=notice_id, user_id=user.pk).first()
        if notice is not None:
            with translation.override(mail.language_of(user)):
                frame["latest"] = services.text_of(notice.kind, notice.params)
    return frame


_read_frame = database_sync_to_async(_frame)


class NoticesConsumer(ProtectedJsonConsumer):
    """Server frames: `notices.unread` {count, latest?} on connect (no `latest`), on "refresh",
    and after every change of the count (a new notice carries its text as `latest`)."""

    async def joined(self) -> None:
        await self.send_json(await _read_frame(self.user, None))

    async def handle_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "refresh":
            await self.send_json(await _read_frame(self.user, None))
        else:
            await super().handle_frame(frame)

    async def notices_changed(self, event: dict[str, Any]) -> None:
        if self.closed_with is None:
            await self.send_json(await _read_frame(self.user, event.get("notice_id")))
