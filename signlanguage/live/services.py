"""State changes of live sessions: storing chat messages with gapless sequence numbers, read
markers, switching a sign-language session to written chat and back, closing (with a summary,
or for abuse), feedback, canned phrases. Each function is one transaction; broadcasts are
scheduled on commit (signlanguage.events). Free text is masked (access_support.masking) before
its transaction begins, so no lock is held while it is scanned."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field
from django.db.models.functions import Greatest
from django.utils import timezone

from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.domain import DomainError
from access_support.masking import mask_card_numbers
from signlanguage import events
from signlanguage.live import policies as live_policies
from signlanguage.live.selectors import message_frame
from signlanguage.models import (
    CannedPhrase,
    ChatMessage,
    Feedback,
    ReadMarker,
    Session,
    SessionClosure,
    SessionSequence,
)

MAX_TEXT = 2000


class LiveError(DomainError):
    """A refused change in a live session (a message, a close, feedback)."""


@dataclass(frozen=True)
class PostResult:
    seq: int | None
    created: bool
    masked: bool
    closed: bool = False
    frame: dict[str, Any] = field(default_factory=dict)


def _prep(field_name: str, value: Any) -> Any:
    model_field = ChatMessage._meta.get_field(field_name)
    assert isinstance(model_field, Field)
    return model_field.get_db_prep_value(value, connection)


def _insert_message_sql() -> str:
    """One statement stores the message with its sequence number, and stores nothing when the
    session is closed (or gone). Table names come from the models and the states are
    placeholders: nothing user-given.

    PostgreSQL: the counter upsert runs in a data-modifying CTE; its row lock serialises senders
    of the same session until commit, so numbers are gapless. A repeated client id is found
    before the counter moves (NOT EXISTS): the statement stores nothing and raises nothing, so
    a batch needs no savepoint around it. Only two senders of one client id at the same moment
    can still meet the unique constraint (IntegrityError). SQLite: writers are already
    serialised by the IMMEDIATE transaction, so the next number is the session's highest + 1
    (read through the (session, seq) unique index)."""
    chat = ChatMessage._meta.db_table
    session = Session._meta.db_table
    closed = ", ".join(["%s"] * len(live_policies.CLOSED_STATES))
    columns = "session_id, seq, client_id, sender_id, sender_role, text, masked, sent_at"
    values = "%s, %s, %s, %s, %s, %s"  # client_id … sent_at
    if connection.vendor == "postgresql":
        counter = SessionSequence._meta.db_table
        return (
            f"WITH s AS (INSERT INTO {counter} (session_id, last_seq) "  # noqa: S608
            f"SELECT id, 1 FROM {session} WHERE id = %s AND state NOT IN ({closed}) "
            f"AND NOT EXISTS (SELECT 1 FROM {chat} WHERE session_id = %s AND client_id = %s) "
            f"ON CONFLICT (session_id) DO UPDATE SET last_seq = {counter}.last_seq + 1 "
            "RETURNING session_id, last_seq) "
            f"INSERT INTO {chat} ({columns}) SELECT s.session_id, s.last_seq, {values} FROM s "
            "RETURNING seq"
        )
    return (
        f"INSERT INTO {chat} ({columns}) "  # noqa: S608
        f"SELECT s.id, COALESCE((SELECT MAX(m.seq) FROM {chat} m WHERE m.session_id = s.id), 0)"
        f" + 1, {values} FROM {session} s WHERE s.id = %s AND s.state NOT IN ({closed}) "
        "RETURNING seq"
    )


def _insert_message(session_id: int, fields: list[Any]) -> int | None:
    """Run the one write; the new seq, or None when the session is closed."""
    sql = _insert_message_sql()
    closed = sorted(live_policies.CLOSED_STATES)
    if connection.vendor == "postgresql":
        params = [session_id, *closed, session_id, fields[0], *fields]
    else:
        params = [*fields, session_id, *closed]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]) if row else None


def message_post(
    *,
    session_id: int,
    sender: Any,
    role: str,
    client_id: uuid.UUID,
    text: str,
    masked: bool | None = None,
    savepoint: bool = True,
) -> PostResult:
    """Store one chat message (card numbers masked) and return its frame — one write, sequence
    allocation included. A repeated `client_id` returns the original message: the unique
    constraint decides, not a lookup.

    `masked` given: `text` was already masked by the caller, and `masked` says whether anything
    was hidden. The chat writer masks each message before it joins a batch, so the batch's
    transaction never waits on masking; a caller without it gets the text masked here.

    `savepoint=False` (the chat writer's PostgreSQL batches): inside a transaction, the
    statement runs without a savepoint of its own, and any failure is raised for the caller to
    roll the whole transaction back (a failed statement aborts a PostgreSQL transaction). It
    saves two round trips per message (SAVEPOINT, RELEASE); a closed session and a repeated
    client id raise nothing (see _insert_message_sql)."""
    if masked is None:
        stored_text, masked = mask_card_numbers(text)
    else:
        stored_text = text
    message = ChatMessage(  # unsaved: the one statement below stores it, seq included
        session_id=session_id,
        client_id=client_id,
        sender=sender,
        sender_role=role,
        text=stored_text,
        masked=masked,
        sent_at=timezone.now(),
    )
    fields = [
        _prep("client_id", message.client_id),
        sender.pk,
        role,
        stored_text,
        masked,
        _prep("sent_at", message.sent_at),
    ]
    try:
        if connection.vendor == "postgresql" and (not savepoint or not connection.in_atomic_block):
            # Outside a transaction a single statement is its own: one round trip, committed on
            # return. Inside one without a savepoint, the caller rolls back on any failure.
            seq = _insert_message(session_id, fields)
        else:
            with transaction.atomic():
                seq = _insert_message(session_id, fields)
    except IntegrityError:
        if not savepoint and connection.in_atomic_block:
            raise  # the transaction is aborted: the caller rolls it back and tries again
        seq, conflict = None, True  # the client_id is taken, nothing written: find the original
    else:
        conflict = False
    if seq is None:
        original = (
            ChatMessage.objects.select_related("sender")
            .filter(session_id=session_id, client_id=client_id)
            .first()
        )
        if original is not None:  # a repeat (also after the session closed) gets its first ack
            return PostResult(original.seq, False, masked, frame=message_frame(original))
        if conflict:
            raise LiveError("conflict", 409, "The message could not be stored.")
        return PostResult(None, False, masked, closed=True)
    message.seq = seq
    return PostResult(seq, True, masked, frame=message_frame(message))


def read_mark(*, session_id: int, user: Any, role: str, seq: int) -> None:
    """Move the user's read marker forward (never back)."""
    now = timezone.now()
    with transaction.atomic():
        updated = ReadMarker.objects.filter(session_id=session_id, user=user).update(
            last_read_seq=Greatest(F("last_read_seq"), seq), updated_at=now
        )
        if updated:
            return
    try:
        with transaction.atomic():
            ReadMarker.objects.create(
                session_id=session_id, user=user, role=role, last_read_seq=seq, updated_at=now
            )
    except IntegrityError:
        ReadMarker.objects.filter(session_id=session_id, user=user).update(
            last_read_seq=Greatest(F("last_read_seq"), seq), updated_at=now
        )


VIDEO_MODES = ("text", "video")


@dataclass(frozen=True)
class VideoSwitch:
    mode: str  # "text" | "video"
    by: str  # the role that switched to written chat ("" when the video is on)
    changed: bool


@transaction.atomic
def video_switch(*, session_id: int, actor: Any, role: str, mode: str) -> VideoSwitch | None:
    """A participant switches a sign-language session to written chat (`mode` "text") or back
    to video ("video"). Stored on the session, so a page that connects later is told; audited
    when it changes. None when the session is gone or closed."""
    if mode not in VIDEO_MODES:
        raise LiveError("invalid_mode", 400, 'The mode must be "text" or "video".')
    locked = Session.objects.select_for_update().filter(pk=session_id).first()
    if locked is None or live_policies.is_closed(locked):
        return None
    before = locked.video_off_by
    after = role if mode == "text" else ""
    if before == after:
        return VideoSwitch(mode, after, changed=False)
    locked.video_off_by = after
    locked.save(update_fields=["video_off_by"])
    audit.record(
        action=(
            AuditAction.SESSION_SWITCHED_TO_WRITTEN_CHAT
            if mode == "text"
            else AuditAction.SESSION_SWITCHED_TO_VIDEO
        ),
        actor=actor,
        subject_user=locked.customer,
        obj=locked,
        before={"video_off_by": before},
        after={"video_off_by": after},
    )
    return VideoSwitch(mode, after, changed=True)


def session_close(
    *, session: Session, actor: Any, summary: str = "", for_abuse: bool = False, note: str = ""
) -> SessionClosure:
    """The operator ends the session with a summary; or ends it because the customer was
    abusive, which flags it for a supervisor. Every open socket gets session.state closed.
    The summary and the note are masked first, outside the transaction."""
    return _session_close(
        session=session,
        actor=actor,
        summary=mask_card_numbers(summary[:4000])[0],
        for_abuse=for_abuse,
        note=mask_card_numbers(note[:2000])[0],
    )


@transaction.atomic
def _session_close(
    *, session: Session, actor: Any, summary: str, for_abuse: bool, note: str
) -> SessionClosure:
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if not live_policies.can_close(actor, locked):
        if live_policies.is_closed(locked):
            raise LiveError("already_closed", 409, "The session has already ended.")
        raise LiveError("forbidden", 403, "Only the assigned operator may end the session.")
    before = {"state": locked.state}
    now = timezone.now()
    locked.state = "closed"
    locked.closed_at = now
    locked.summary = summary[:4000]
    locked.save(update_fields=["state", "closed_at", "summary"])
    closure = SessionClosure.objects.create(
        session=locked,
        closed_by=actor,
        closed_at=now,
        ended_for_abuse=for_abuse,
        abuse_note=note[:2000],
    )
    audit.record(
        action=AuditAction.SESSION_ENDED_FOR_ABUSE if for_abuse else AuditAction.SESSION_CLOSED,
        actor=actor,
        subject_user=locked.customer,
        obj=locked,
        reason="abuse" if for_abuse else "",
        before=before,
        after={"state": "closed", "ended_for_abuse": for_abuse},
    )
    events.session_state_changed(locked.pk, "closed")
    session.state = locked.state
    return closure


@transaction.atomic
def abuse_review(*, closure: SessionClosure, actor: Any) -> SessionClosure:
    if not live_policies.can_review_abuse(actor):
        raise LiveError("forbidden", 403)
    closure.abuse_reviewed_by = actor
    closure.abuse_reviewed_at = timezone.now()
    closure.save(update_fields=["abuse_reviewed_by", "abuse_reviewed_at"])
    audit.record(action=AuditAction.ABUSE_REVIEWED, actor=actor, obj=closure.session)
    return closure


def feedback_give(*, session: Session, actor: Any, rating: int, comment: str = "") -> Feedback:
    """The customer's rating and comment (the comment masked first, outside the transaction)."""
    return _feedback_give(
        session=session, actor=actor, rating=rating, comment=mask_card_numbers(comment[:2000])[0]
    )


@transaction.atomic
def _feedback_give(*, session: Session, actor: Any, rating: int, comment: str) -> Feedback:
    if not 1 <= rating <= 5:
        raise LiveError("invalid_rating", 400, "Choose 1 to 5.")
    feedback, _created = Feedback.objects.update_or_create(
        session=session,
        author=actor,
        defaults={"rating": rating, "comment": comment[:2000], "created_at": timezone.now()},
    )
    audit.record(
        action=AuditAction.FEEDBACK_GIVEN,
        actor=actor,
        subject_user=session.customer,
        obj=session,
        after={"rating": rating},
    )
    return feedback


@transaction.atomic
def canned_phrase_save(
    *, actor: Any, text: str, position: int = 0, phrase: CannedPhrase | None = None
) -> CannedPhrase:
    if not live_policies.can_edit_canned_phrases(actor):
        raise LiveError("forbidden", 403)
    text = text.strip()
    if not text or len(text) > 300:
        raise LiveError("invalid_text", 400)
    before = {"text": phrase.text} if phrase else None
    phrase = phrase or CannedPhrase()
    phrase.text = text
    phrase.position = position
    phrase.updated_by = actor
    phrase.updated_at = timezone.now()
    phrase.save()
    audit.record(
        action=AuditAction.CANNED_PHRASE_SAVED,
        actor=actor,
        obj=phrase,
        before=before,
        after={"text": text},
    )
    return phrase


@transaction.atomic
def canned_phrase_delete(*, actor: Any, phrase: CannedPhrase) -> None:
    if not live_policies.can_edit_canned_phrases(actor):
        raise LiveError("forbidden", 403)
    audit.record(
        action=AuditAction.CANNED_PHRASE_DELETED,
        actor=actor,
        object_type="signlanguage.cannedphrase",
        object_id=phrase.pk,
        before={"text": phrase.text},
    )
    phrase.delete()
