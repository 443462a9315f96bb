"""What is kept of a session's conversation (issue 22 item 7).

At the end of a session the customer (or the proxy acting for them in it) chooses whether the
written conversation — the chat messages — is kept. A new session takes the default from
TRANSCRIPT_KEPT_BY_DEFAULT (Session.transcript_kept); the choice can be changed until the
conversation is deleted, and the audit log records each choice.

Not kept: the customer's side can still read and download it; the operator and supervisors no
longer can (a supervisor still reads a session ended for harassment until it is reviewed). The
messages are deleted (`manage.py sweep_transcripts`, every minute) once the customer has
downloaded the ended conversation, or 24 hours after the end; a session ended for harassment
keeps them until a supervisor has decided on it. The session row stays: its times, the people,
the mode and the outcome (how it ended, the operator's summary). Video is never recorded.

Policies (pure), the services that change the choice and delete, and the sweep live together
here so the rule is read in one place.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from signlanguage.live.policies import Participation
from signlanguage.live.services import LiveError
from signlanguage.models import AbuseReview, ChatMessage, Session, SessionClosure, State

# How long a conversation the customer chose not to keep stays for them to download.
DELETE_AFTER = datetime.timedelta(hours=24)
# Who chooses: the customer, or the proxy acting for them in the session.
CHOOSERS = frozenset({"customer", "proxy"})


# --- policies (no queries) ---------------------------------------------------------------------


def can_choose(part: Participation, session: Any) -> bool:
    """The customer's side chooses, once the session has ended and while the conversation is
    still there."""
    return (
        part.allowed
        and part.role in CHOOSERS
        and session.state == State.CLOSED
        and session.transcript_deleted_at is None
    )


def can_read(part: Participation, session: Any) -> bool:
    """Who reads the conversation of a session they take part in: everyone while it runs; after
    the end, the operator only if the customer keeps it (the customer's side always, until it is
    deleted)."""
    if not part.allowed:
        return False
    if part.role in CHOOSERS or session.state != State.CLOSED:
        return True
    return bool(session.transcript_kept)


def delete_at(session: Any) -> datetime.datetime | None:
    """When a conversation that is not kept is deleted at the latest (None when it is kept or
    the session has not ended)."""
    if session.transcript_kept or session.closed_at is None:
        return None
    result: datetime.datetime = session.closed_at + DELETE_AFTER
    return result


def deletion_due(
    session: Any, now: datetime.datetime, *, held_for_review: bool = False
) -> str | None:
    """Why the conversation is to be deleted now ("downloaded" or "after_24_hours"), or None."""
    if (
        session.transcript_kept
        or session.state != State.CLOSED
        or session.transcript_deleted_at is not None
        or held_for_review
    ):
        return None
    if session.transcript_downloaded_at is not None:
        return "downloaded"
    deadline = delete_at(session)
    if deadline is not None and now >= deadline:
        return "after_24_hours"
    return None


# --- services -------------------------------------------------------------------------------


@transaction.atomic
def transcript_choose(*, session_id: int, actor: Any, role: str, keep: bool) -> Session:
    """The customer's side keeps the conversation or not. Audited with who chose; a repeat of
    the current choice once made changes nothing and writes nothing."""
    if role not in CHOOSERS:
        raise LiveError("forbidden", 403, "Only the customer chooses what is kept.")
    locked = Session.objects.select_for_update().select_related("customer").get(pk=session_id)
    if locked.state != State.CLOSED:
        raise LiveError("not_ended", 409, "The session has not ended yet.")
    if locked.transcript_deleted_at is not None:
        raise LiveError("transcript_deleted", 409, "The conversation has already been deleted.")
    if locked.transcript_chosen_at is not None and locked.transcript_kept == keep:
        return locked
    before = {"transcript_kept": locked.transcript_kept}
    locked.transcript_kept = keep
    locked.transcript_chosen_at = timezone.now()
    locked.save(update_fields=["transcript_kept", "transcript_chosen_at"])
    audit.record(
        action=(
            AuditAction.SESSION_TRANSCRIPT_KEPT if keep else AuditAction.SESSION_TRANSCRIPT_NOT_KEPT
        ),
        actor=actor,
        subject_user=locked.customer,
        obj=locked,
        before=before,
        after={"transcript_kept": keep, "chosen_by": role},
    )
    return locked


def transcript_downloaded(*, session: Session, actor: Any, role: str) -> bool:
    """Note the customer's first download of the ended conversation (a proxy's download does
    not count: the member may still want their own copy). True when this was that download."""
    if role != "customer" or session.state != State.CLOSED:
        return False
    if session.transcript_downloaded_at is not None or session.transcript_deleted_at is not None:
        return False
    now = timezone.now()
    with transaction.atomic():
        noted = Session.objects.filter(
            pk=session.pk, transcript_downloaded_at__isnull=True, transcript_deleted_at__isnull=True
        ).update(transcript_downloaded_at=now)
        if noted:
            audit.record(
                action=AuditAction.SESSION_TRANSCRIPT_DOWNLOADED,
                actor=actor,
                subject_user=session.customer,
                obj=session,
                after={"transcript_kept": session.transcript_kept},
            )
    session.transcript_downloaded_at = now
    return bool(noted)


def _held_for_review(session_id: int) -> bool:
    """A session ended for harassment keeps its conversation until a supervisor decides."""
    flagged = SessionClosure.objects.filter(session_id=session_id, ended_for_abuse=True).first()
    if flagged is None:
        return False
    decided = AbuseReview.objects.filter(session_id=session_id).exists()
    return not (decided or flagged.abuse_reviewed_at is not None)


@transaction.atomic
def transcript_delete_if_due(*, session_id: int, now: datetime.datetime) -> str | None:
    """Delete the conversation of one session if it is due (with the row locked, so a choice
    to keep made at the same moment wins or waits). Returns why, or None."""
    locked = Session.objects.select_for_update().filter(pk=session_id).first()
    if locked is None:
        return None
    why = deletion_due(locked, now, held_for_review=_held_for_review(session_id))
    if why is None:
        return None
    deleted, _by_model = ChatMessage.objects.filter(session_id=session_id).delete()
    locked.transcript_deleted_at = now
    locked.save(update_fields=["transcript_deleted_at"])
    audit.record(
        action=AuditAction.SESSION_TRANSCRIPT_DELETED,
        subject_user=locked.customer,
        obj=locked,
        reason=why,
        after={"chat_messages": deleted},
    )
    return why


@dataclass(frozen=True)
class SweepResult:
    downloaded: int = 0
    after_24_hours: int = 0


def transcripts_sweep(now: datetime.datetime | None = None) -> SweepResult:
    """Delete every conversation that is due (`manage.py sweep_transcripts`)."""
    now = now or timezone.now()
    candidates = (
        Session.objects.filter(
            state=State.CLOSED, transcript_kept=False, transcript_deleted_at__isnull=True
        )
        .filter(Q(transcript_downloaded_at__isnull=False) | Q(closed_at__lte=now - DELETE_AFTER))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    counts = {"downloaded": 0, "after_24_hours": 0}
    for session_id in list(candidates):
        why = transcript_delete_if_due(session_id=session_id, now=now)
        if why is not None:
            counts[why] += 1
    return SweepResult(**counts)
