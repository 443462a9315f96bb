"""Who may do what with sessions and shifts. Pure functions over what the caller passes in."""

from __future__ import annotations

import datetime
from typing import Any

from access_support.domain import Decision
from signlanguage.booking.availability import SKILL_FIELD

OK = Decision(True, "ok")


def can_see_session(user: Any, session: Any, *, booker_decision: Any = None) -> bool:
    """Customer, its operator, a supervisor — or the proxy who booked it while the member's
    grant still lets them (`booker_decision`: proxies' decide for "session.book", see
    `booker_refusal`). Having booked it once is no right by itself: a revoked, paused or
    expired proxy, or one whose scope was removed, no longer sees it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if (
        session.customer_id == user.pk
        or (session.operator_id is not None and session.operator_id == user.pk)
        or bool(user.is_supervisor)
    ):
        return True
    return booker_refusal(user, session, booker_decision) is None


def booker_refusal(user: Any, session: Any, booker_decision: Any) -> str | None:
    """Why the user, as the proxy who booked `session` for its customer, may not use it now
    (None: they may). `booker_decision` is the grant's decision the caller fetched."""
    if session.booked_by_id != user.pk or session.customer_id == user.pk:
        return "not_booker"
    if booker_decision is None:
        return "no_grant"
    if not booker_decision.allowed:
        return str(booker_decision.reason)
    return None


# Refusals of a booking change that are about the session's state, not about who asks.
CONFLICTS = frozenset({"not_a_booking", "not_changeable", "already_started"})


def can_change_booking(
    user: Any, session: Any, now: datetime.datetime, *, booker_decision: Any = None
) -> Decision:
    """Cancel or reschedule: the customer, or the proxy who booked it while the grant allows
    (`booker_decision`), while the session has not started."""
    if session.customer_id != user.pk:
        refusal = booker_refusal(user, session, booker_decision)
        if refusal is not None:
            return Decision(False, "forbidden" if refusal == "not_booker" else refusal)
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
