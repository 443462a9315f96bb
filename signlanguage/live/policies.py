"""Who may take part in a live session and do what in it (docs/websocket.md). Pure functions:
no queries, no writes. The consumer, the messages API and the session pages all ask here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

CLOSED_STATES = frozenset({"closed", "cancelled"})
# A booked session opens (its chat pane on the console, its websocket) this long before its
# start: the operator and the customer or proxy can say hello a little early, not a day early.
OPENS_BEFORE_START = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Participation:
    allowed: bool
    reason: str
    # "customer" | "proxy" | "operator" when allowed.
    role: str | None = None
    # The member a proxy acts for (so a revoke can close the socket), else None.
    acting_for_id: int | None = None

    @property
    def side(self) -> str | None:
        """Which end of a video call: a proxy sits on the customer's side."""
        if self.role is None:
            return None
        return "operator" if self.role == "operator" else "customer"


def participation(user: Any, session: Any, *, proxy_decision: Any = None) -> Participation:
    """`proxy_decision` is proxies.services.authorize(actor=user, member=session.customer,
    action="session.book") for a user who is neither the customer nor the operator."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Participation(False, "not_authenticated")
    if user.pk == session.customer_id:
        return Participation(True, "ok", "customer")
    if session.operator_id is not None and user.pk == session.operator_id:
        return Participation(True, "ok", "operator")
    if proxy_decision is not None and proxy_decision.allowed:
        return Participation(True, "ok", "proxy", acting_for_id=session.customer_id)
    if proxy_decision is not None:
        return Participation(False, proxy_decision.reason)
    return Participation(False, "not_participant")


def participant_id(role: str, user_id: int) -> str:
    """A participant's id in the video mesh (`rtc.signal` `to` / `from`, docs/websocket.md):
    the role and the user, e.g. "proxy-12". The same on every page load, so a participant who
    reloads keeps it (the page's own instance tells the loads apart)."""
    return f"{role}-{user_id}"


def needs_proxy_decision(user: Any, session: Any) -> bool:
    return (
        bool(getattr(user, "is_proxy", False))
        and user.pk != session.customer_id
        and user.pk != session.operator_id
    )


def is_closed_state(state: str) -> bool:
    return state in CLOSED_STATES


def is_closed(session: Any) -> bool:
    return is_closed_state(session.state)


def opens_at(session: Any) -> datetime.datetime | None:
    """When a booked session opens for chat and video; None for a talk-now request (open at
    once)."""
    start = getattr(session, "start", None)
    if getattr(session, "kind", "now") != "booked" or start is None:
        return None
    result: datetime.datetime = start - OPENS_BEFORE_START
    return result


def is_open_yet(session: Any, now: datetime.datetime) -> bool:
    """May the session's chat and video run now? Talk-now: always; booked: from `opens_at`."""
    opening = opens_at(session)
    return opening is None or now >= opening


def can_post(participation: Participation, session: Any) -> bool:
    return participation.allowed and not is_closed(session)


def can_close(user: Any, session: Any) -> bool:
    """Only the assigned operator closes a session (with a summary) or ends it for abuse."""
    return (
        session.operator_id is not None
        and user.pk == session.operator_id
        and not is_closed(session)
    )


def can_give_feedback(participation: Participation, session: Any) -> bool:
    return participation.role in {"customer", "proxy"} and session.state == "closed"


def can_download_transcript(participation: Participation) -> bool:
    return participation.allowed


def can_read_flagged_transcript(user: Any, closure: Any) -> bool:
    """A supervisor reviewing a session ended for harassment reads its conversation."""
    return (
        bool(getattr(user, "is_supervisor", False))
        and closure is not None
        and bool(closure.ended_for_abuse)
    )


def can_use_console(user: Any) -> bool:
    return bool(getattr(user, "is_operator", False))


def can_edit_canned_phrases(user: Any) -> bool:
    return bool(getattr(user, "is_supervisor", False))


def can_review_abuse(user: Any) -> bool:
    return bool(getattr(user, "is_supervisor", False))
