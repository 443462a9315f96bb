"""Who may use the supervisor's console. Pure functions: no queries, no writes."""

from __future__ import annotations

from typing import Any

from access_support.domain import Decision


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_supervise(user: Any) -> Decision:
    """Every page of this app: supervisors only."""
    if not _authenticated(user):
        return Decision(False, "not_authenticated")
    if not getattr(user, "is_supervisor", False):
        return Decision(False, "not_supervisor")
    return Decision(True, "ok")


def can_tag_voice(user: Any, session: Any) -> Decision:
    """A supervisor tags any session's feedback or summary; an operator only the sessions they
    handled."""
    if not _authenticated(user):
        return Decision(False, "not_authenticated")
    if getattr(user, "is_supervisor", False):
        return Decision(True, "ok")
    if not getattr(user, "is_operator", False):
        return Decision(False, "not_staff")
    if session.operator_id != user.pk:
        return Decision(False, "not_your_session")
    return Decision(True, "ok")


def can_advance_voice(user: Any, item: Any, to_status: str, note: str) -> Decision:
    """One step forward in new → shared → planned → done; planning and finishing need a note
    of the improvement."""
    from supervision.models import NEXT_STATUS, VoiceStatus

    if not can_supervise(user).allowed:
        return Decision(False, "not_supervisor")
    if NEXT_STATUS.get(item.status) != to_status:
        return Decision(False, "invalid_transition")
    needs_note = to_status in (VoiceStatus.PLANNED, VoiceStatus.DONE)
    if needs_note and not note.strip():
        return Decision(False, "note_required")
    return Decision(True, "ok")


def can_decide_abuse(user: Any, closure: Any, already_decided: bool) -> Decision:
    if not can_supervise(user).allowed:
        return Decision(False, "not_supervisor")
    if not closure.ended_for_abuse:
        return Decision(False, "not_flagged")
    if already_decided:
        return Decision(False, "already_decided")
    return Decision(True, "ok")


def can_restrict(decision: str) -> Decision:
    """A restriction follows only from an upheld report."""
    if decision != "upheld":
        return Decision(False, "restriction_needs_upheld")
    return Decision(True, "ok")
