"""Who may do what with sessions and shifts. Pure functions over what the caller passes in."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from signlanguage.availability import SKILL_FIELD


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


OK = Decision(True, "ok")


def can_see_session(user: Any, session: Any) -> bool:
    """Customer, whoever booked it (a proxy), its operator, or a supervisor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        session.customer_id == user.pk
        or session.booked_by_id == user.pk
        or (session.operator_id is not None and session.operator_id == user.pk)
        or bool(user.is_supervisor)
    )


def can_change_booking(user: Any, session: Any, now: datetime.datetime) -> Decision:
    """Cancel or reschedule: the customer or the booker, while the session has not started."""
    if session.customer_id != user.pk and session.booked_by_id != user.pk:
        return Decision(False, "forbidden")
    if session.kind != "booked":
        return Decision(False, "not_a_booking")
    if session.state != "waiting":
        return Decision(False, "not_changeable")
    if session.start is None or session.start <= now:
        return Decision(False, "already_started")
    return OK


def can_request_now(user: Any, *, restricted: bool = False) -> Decision:
    """`restricted`: a supervisor has restricted this customer's talk-now use (abuse policy)."""
    if not getattr(user, "is_member", False):
        return Decision(False, "not_a_member")
    if restricted:
        return Decision(False, "talk_now_restricted")
    return OK


def can_book_for_self(user: Any) -> Decision:
    if not getattr(user, "is_member", False):
        return Decision(False, "not_a_member")
    return OK


def can_take(user: Any, mode: str) -> Decision:
    if not getattr(user, "is_operator", False):
        return Decision(False, "not_an_operator")
    if not getattr(user, SKILL_FIELD[mode], False):
        return Decision(False, "skill_missing")
    return OK


def can_see_queue(user: Any) -> bool:
    return bool(getattr(user, "is_operator", False) or getattr(user, "is_supervisor", False))


def can_manage_shifts(user: Any) -> bool:
    return bool(getattr(user, "is_supervisor", False))
