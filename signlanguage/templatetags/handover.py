"""The hand-over note on the live page of the operator who took a session over (issue 21 item 6;
signlanguage/live/transfer.py records it in the audit log, the one record of the hand-over)."""

from __future__ import annotations

from typing import Any

from django import template

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent

register = template.Library()


@register.simple_tag
def handover_of(session: Any) -> dict[str, Any] | None:
    """Who handed the session to its operator, when, and their note; None when nobody did."""
    event = (
        AuditEvent.objects.filter(
            object_type="signlanguage.session",
            object_id=str(session.pk),
            action=AuditAction.SESSION_TRANSFERRED,
        )
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    after = (event.after or {}) if event is not None else {}
    if event is None or after.get("operator_id") != session.operator_id:
        return None
    return {
        "by": event.actor.name if event.actor else "",
        "at": event.created_at,
        "note": str(after.get("note") or ""),
    }
