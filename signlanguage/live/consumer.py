"""The live-session websocket `/ws/sessions/<id>/` (a public contract: docs/websocket.md).

Chat messages are stored before anyone hears of them: the insert runs off the event loop
(signlanguage.live.chat_writer: the process's one writer thread, which stores the messages that
arrive together in one transaction) and commits; only then does the sender get `chat.ack` and
the session group the `chat.message`. Typing, read markers and WebRTC signals are relayed
through the session group; signals are never stored. Switching a sign-language session to
written chat and back (`mode`) is stored on the session and sent to every socket. Each socket
stores its role as connected or gone (signlanguage.live.presence) and pages that ask are sent
`presence` frames.
"""

from __future__ import annotations

import uuid
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from access_support.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_SESSION_CLOSED,
    ProtectedJsonConsumer,
    carriable,
)
from signlanguage.events import session_group
from signlanguage.live import chat_writer, presence, turn
from signlanguage.live import policies as live_policies
from signlanguage.live import selectors as live_selectors
from signlanguage.live import services as live_services

MAX_TEXT = live_services.MAX_TEXT


_worker = chat_writer.off_loop


# A booked session before its opening time (live_policies.OPENS_BEFORE_START before its start):
# the customer or proxy is refused, the page says when to come back. Like HTTP 425 Too Early.
CLOSE_NOT_OPEN_YET = 4425

MAX_SEQ = 2**31 - 1  # the largest sequence number a database column holds
# WebRTC offers, answers and ICE candidates are two or three levels deep.
MAX_SIGNAL_DEPTH = 16
# "operator-2147483647" and more: a participant id (`rtc.signal` `to`) is never longer.
MAX_PARTICIPANT_ID = 64


def _non_negative_int(value: Any) -> int | None:
    """A sequence number from a client: a whole number from 0 to MAX_SEQ (a larger one would
    overflow the column, or move a read marker past any message there can be)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        return None
    return value


class SessionConsumer(ProtectedJsonConsumer):
    session_id: int
    role: str
    side: str
    acting_for_id: int | None = None
    ice_frame: dict[str, Any] | None = None
    joined_group: str | None = None
    read_marks: list[dict[str, Any]]
    video_off_by: str = ""
    # The page asked for `presence` frames (the client's `presence` frame; issue 22 item 6).
    watches_presence: bool = False
    # This socket's participant id in the video mesh ("customer-3"; issue 22 item 3).
    participant_id: str = ""

    async def authorize(self) -> int | None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        session, part = await database_sync_to_async(live_selectors.participant_session)(
            self.user, self.session_id, verified=True, via="websocket", with_read_marks=True
        )
        if session is None:
            return CLOSE_NOT_FOUND
        if not part.allowed or part.role is None or part.side is None:
            return CLOSE_FORBIDDEN
        if live_policies.is_closed(session):
            return CLOSE_SESSION_CLOSED
        if part.role != "operator" and not live_policies.is_open_yet(session, timezone.now()):
            return CLOSE_NOT_OPEN_YET
        # Its people went longer ago than the hold allows and no sweep has ended it yet: end it
        # now, as the sweep would (issue 22 item 6), and say so.
        if presence.may_have_ended(session, timezone.now()):
            ended = await _worker(presence.end_if_gone)(session_id=self.session_id)
            if ended is not None:
                return CLOSE_SESSION_CLOSED
        # This participant's TURN credentials, ending with the session (issue 22 item 2).
        self.ice_frame = turn.ice_frame(session, self.user, timezone.now())
        self.role = part.role
        self.side = part.side
        self.acting_for_id = part.acting_for_id
        self.participant_id = live_policies.participant_id(part.role, self.user.pk)
        self.mode = session.mode
        self.state = session.state
        self.read_marks = live_selectors.read_marks_of_other_side(session, part.side)
        self.video_off_by = session.video_off_by
        return None

    async def joined(self) -> None:
        self.joined_group = session_group(self.session_id)
        await self.channel_layer.group_add(self.joined_group, self.channel_name)
        # Here: stored (before the page hears anything), and the session's sockets nudged.
        await self.mark_presence(connected=True)
        await self.send_json({"type": "session.state", "state": self.state})
        # What the other side has already read, so a reloaded page shows 既読 (issue 26 item 12).
        for frame in self.read_marks:
            await self.send_json(frame)
        if self.ice_frame is not None:  # rtc.ice_servers: before any rtc.signal can arrive
            await self.send_json(self.ice_frame)
        # A sign-language session in written chat: say so, and who switched (issue 26 item 11).
        if self.mode == "sign_language" and self.video_off_by:
            await self.send_json({"type": "mode", "mode": "text", "role": self.video_off_by})

    async def left(self) -> None:
        if self.joined_group is not None:
            await self.channel_layer.group_discard(self.joined_group, self.channel_name)
            self.joined_group = None
            await self.mark_presence(connected=False)

    async def mark_presence(self, *, connected: bool) -> None:
        """Store that this role is connected or has gone, and tell the session's sockets
        (issue 22 item 6: in the database, so every daphne process agrees)."""
        await _worker(presence.mark)(
            session_id=self.session_id, role=self.role, connected=connected
        )
        await self.channel_layer.group_send(session_group(self.session_id), dict(presence.CHANGED))

    async def handle_frame(self, frame: dict[str, Any]) -> None:
        handlers = {
            "chat.message": self.on_chat_message,
            "chat.typing": self.on_typing,
            "chat.read": self.on_read,
            "sync": self.on_sync,
            "rtc.signal": self.on_rtc_signal,
            "rtc.ice_servers": self.on_ice_servers,
            "rtc.peers": self.on_rtc_peers,
            "heartbeat": self.on_heartbeat,
            "mode": self.on_mode,
            "presence": self.on_presence,
        }
        handler = handlers.get(frame["type"])
        if handler is None:
            await super().handle_frame(frame)
            return
        await handler(frame)
        # Someone in a live session is not idle: every frame of theirs keeps them signed in
        # (issue 22 item 5; at most one write a minute per connection). Counted once the frame
        # is answered, so that write (a thread hop, a read and an update with its commit) never
        # holds up the frame's own answer or message. Measured (docs/performance.md): with 500
        # live sessions whose sockets reach their minute together, those writes queue on one
        # thread and the frames that waited for them were the slowest percent.
        await self.count_as_activity()

    # --- client → server ---------------------------------------------------------------------

    def session_checked_by_handler(self, frame: dict[str, Any]) -> bool:
        # A chat message's sender's session is read in the chat writer's batch, before anything
        # is stored (on_chat_message): no read of its own on another thread first.
        return bool(frame["type"] == "chat.message")

    async def on_chat_message(self, frame: dict[str, Any]) -> None:
        watch = self.session_watch
        check = None
        if watch is not None and watch.due():
            check = chat_writer.SessionCheck(watch.session_key, watch.user_id)
        raw_id = frame.get("client_id")
        try:
            client_id = uuid.UUID(raw_id) if isinstance(raw_id, str) else None
        except ValueError:
            client_id = None
        text = frame.get("text")
        if client_id is None or (
            not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT
        ):
            # Refused before the writer: the session is read here first, as receive would.
            if watch is not None and check is not None and not await watch.recheck():
                await self.session_ended()
            elif client_id is None:
                await self.send_error("invalid_client_id", '"client_id" must be a UUID string.')
            else:
                await self.send_error(
                    "text_length", f'"text" must be 1 to {MAX_TEXT} characters (not only spaces).'
                )
            return
        try:
            result = await chat_writer.post_message(
                session_id=self.session_id,
                sender=self.user,
                role=self.role,
                client_id=client_id,
                text=text,
                session_check=check,
            )
        except chat_writer.SessionEnded:
            if watch is not None:
                watch.settle(None)
            await self.session_ended()
            return
        if watch is not None and check is not None:
            watch.settle(check.deadline)
        if result.closed:
            await self.send_error("session_closed", "The session has ended.")
            await self.close(code=CLOSE_SESSION_CLOSED)
            return
        # The transaction has committed: acknowledge, then tell everyone (the sender included,
        # so every tab of theirs shows the stored, possibly masked, text).
        await self.send_json({"type": "chat.ack", "client_id": str(client_id), "seq": result.seq})
        if result.masked:
            await self.send_error(
                "card_number_masked",
                "The message looked like it contained a card number. The number was hidden "
                "before the message was stored. Please never send card numbers in chat.",
            )
        if result.created:
            await self.channel_layer.group_send(
                session_group(self.session_id), {"type": "chat.message", "frame": result.frame}
            )

    async def on_typing(self, frame: dict[str, Any]) -> None:
        active = frame.get("active")
        if not isinstance(active, bool):
            await self.send_error("invalid_active", '"active" must be true or false.')
            return
        await self.channel_layer.group_send(
            session_group(self.session_id),
            {
                "type": "chat.typing",
                "from_channel": self.channel_name,
                "role": self.role,
                "active": active,
            },
        )

    async def on_read(self, frame: dict[str, Any]) -> None:
        seq = _non_negative_int(frame.get("seq"))
        if seq is None:
            await self.send_error(
                "invalid_seq", f'"seq" must be a whole number from 0 to {MAX_SEQ}.'
            )
            return
        await _worker(live_services.read_mark)(
            session_id=self.session_id, user=self.user, role=self.role, seq=seq
        )
        await self.channel_layer.group_send(
            session_group(self.session_id),
            {"type": "chat.read", "from_channel": self.channel_name, "role": self.role, "seq": seq},
        )

    async def on_sync(self, frame: dict[str, Any]) -> None:
        after_seq = _non_negative_int(frame.get("after_seq"))
        if after_seq is None:
            await self.send_error(
                "invalid_after_seq", f'"after_seq" must be a whole number from 0 to {MAX_SEQ}.'
            )
            return
        frames = await _worker(self._missed_frames)(after_seq)
        for item in frames:
            await self.send_json(item)

    def _missed_frames(self, after_seq: int) -> list[dict[str, Any]]:
        messages = live_selectors.messages_after(self.session_id, after_seq)
        return [live_selectors.message_frame(m) for m in messages]

    async def on_heartbeat(self, frame: dict[str, Any]) -> None:
        """The page is open and seen, or its video connected (docs/websocket.md): counted as
        activity by handle_frame; nothing to answer."""

    async def on_presence(self, frame: dict[str, Any]) -> None:
        """The page wants to know who is here: the current `presence` now, and every change."""
        self.watches_presence = True
        current = await database_sync_to_async(presence.current)(self.session_id)
        if current is not None:
            await self.send_json(current)

    async def on_ice_servers(self, frame: dict[str, Any]) -> None:
        """Fresh TURN credentials before the page's run out; none once the session has ended."""
        session = await database_sync_to_async(turn.session_of)(self.session_id)
        if session is None or live_policies.is_closed(session):
            await self.send_error("session_closed", "The session has ended.")
            await self.close(code=CLOSE_SESSION_CLOSED)
            return
        ice = turn.ice_frame(session, self.user, timezone.now())
        if ice is None:
            await self.send_error("no_turn", "No TURN server is configured for this session.")
            return
        await self.send_json(ice)

    async def on_rtc_signal(self, frame: dict[str, Any]) -> None:
        payload = frame.get("payload")
        if not isinstance(payload, dict) or not carriable(payload, MAX_SIGNAL_DEPTH):
            await self.send_error(
                "invalid_payload",
                f'"payload" must be a JSON object nested at most {MAX_SIGNAL_DEPTH} levels, '
                "with 64-bit whole numbers and finite numbers only.",
            )
            return
        if self.mode != "sign_language":
            await self.send_error("not_video_session", "This is a written-chat session.")
            return
        to = frame.get("to")
        if to is not None:
            # Three-way video (issue 22 item 3): one participant's pages only, and only someone
            # who may take part in this session's video (never the sender itself).
            if not isinstance(to, str) or not 1 <= len(to) <= MAX_PARTICIPANT_ID:
                await self.send_error("invalid_to", '"to" must be a participant id string.')
                return
            if to == self.participant_id or not await self.is_video_peer(to):
                await self.send_error(
                    "unknown_participant", "No other participant of this session has that id."
                )
                return
        await self.channel_layer.group_send(
            session_group(self.session_id),
            {
                "type": "rtc.signal",
                "from_side": self.side,
                "from_id": self.participant_id,
                "to": to,
                "payload": payload,
            },
        )

    async def is_video_peer(self, participant: str) -> bool:
        """Read each time: an operator assigned or a grant given or revoked after this socket
        connected counts at once (a handful of signals per call, one query each)."""
        peers = await database_sync_to_async(live_selectors.video_participants)(self.session_id)
        return participant in peers

    async def on_rtc_peers(self, frame: dict[str, Any]) -> None:
        """Who this page is in the video mesh, and whom it may call (issue 22 item 3)."""
        if self.mode != "sign_language":
            await self.send_error("not_video_session", "This is a written-chat session.")
            return
        everyone = await database_sync_to_async(live_selectors.video_participants)(self.session_id)
        peers = sorted(everyone - {self.participant_id})
        await self.send_json({"type": "rtc.peers", "you": self.participant_id, "peers": peers})

    async def on_mode(self, frame: dict[str, Any]) -> None:
        mode = frame.get("mode")
        if not isinstance(mode, str) or mode not in live_services.VIDEO_MODES:
            await self.send_error("invalid_mode", '"mode" must be "text" or "video".')
            return
        if self.mode != "sign_language":
            await self.send_error("not_video_session", "This is a written-chat session.")
            return
        switched = await _worker(live_services.video_switch)(
            session_id=self.session_id, actor=self.user, role=self.role, mode=mode
        )
        if switched is None:
            await self.send_error("session_closed", "The session has ended.")
            await self.close(code=CLOSE_SESSION_CLOSED)
            return
        # Every socket of the session, the sender's included (its other tabs follow).
        await self.channel_layer.group_send(
            session_group(self.session_id),
            {"type": "video.mode", "mode": switched.mode, "role": self.role},
        )

    # --- channel-layer events → client ---------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event["frame"])
        # The conversation goes on: activity for everyone in it, the reader too (issue 22 item 5).
        await self.count_as_activity()

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event["from_channel"] != self.channel_name:
            await self.send_json(
                {"type": "chat.typing", "role": event["role"], "active": event["active"]}
            )

    async def chat_read(self, event: dict[str, Any]) -> None:
        if event["from_channel"] != self.channel_name:
            await self.send_json({"type": "chat.read", "role": event["role"], "seq": event["seq"]})

    async def video_mode(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "mode", "mode": event["mode"], "role": event["role"]})

    async def presence_changed(self, event: dict[str, Any]) -> None:
        """Presence changed: a page that watches it reads and gets the current `presence`."""
        if not self.watches_presence:
            return
        frame = await database_sync_to_async(presence.current)(self.session_id)
        if frame is None:
            return
        await self.send_json(frame)
        if self.joined_group is None or frame.get("ended_as"):
            return
        # Another tab of this role closed, so the database says the role went; this socket is
        # still open: say so again (one write, one more frame, and no loop: that one says
        # connected).
        mine = [p for p in frame["participants"] if p["role"] == self.role]
        if mine and mine[0]["state"] != "connected":
            await self.mark_presence(connected=True)

    async def rtc_signal(self, event: dict[str, Any]) -> None:
        to = event.get("to")
        if to is not None:
            # Addressed: that participant's sockets only, never back to the sender.
            if to == self.participant_id and event.get("from_id") != self.participant_id:
                await self.send_json(
                    {"type": "rtc.signal", "from": event["from_id"], "payload": event["payload"]}
                )
            return
        # Not addressed (one-to-one, as before): only the other end of the call; the customer's
        # proxy shares the customer's side.
        if event["from_side"] != self.side:
            await self.send_json(
                {"type": "rtc.signal", "from": event["from_side"], "payload": event["payload"]}
            )

    async def session_state(self, event: dict[str, Any]) -> None:
        self.state = event["state"]
        await self.send_json({"type": "session.state", "state": event["state"]})
        if live_policies.is_closed_state(event["state"]):
            await self.close(code=CLOSE_SESSION_CLOSED)

    async def authority_revoked(self, event: dict[str, Any]) -> None:
        if self.acting_for_id is not None and event.get("member_id") == self.acting_for_id:
            await self.close(code=CLOSE_FORBIDDEN)

    async def session_handed_over(self, event: dict[str, Any]) -> None:
        """The operator handed the session to a colleague (live/transfer.py): the sockets of the
        operator who handed over close with 4403; everyone else's stay open."""
        if self.role == "operator" and event.get("from_operator_id") == self.user.pk:
            await self.close(code=CLOSE_FORBIDDEN)
