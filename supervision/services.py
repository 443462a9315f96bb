"""State changes of the supervisor's console: one function per change, each audited. Free text
(copied words, supervisors' notes) is masked for card numbers before its transaction begins."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from access_support.accounts import services as accounts
from access_support.accounts.models import SKILLS, User
from access_support.accounts.name_reading import user_set_name_reading
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.domain import Decision, DomainError
from access_support.masking import mask_card_numbers
from signlanguage.booking import availability
from signlanguage.booking import services as booking
from signlanguage.booking.availability import CLOSED_DAYS_CACHE_KEY
from signlanguage.live import services as live_services
from signlanguage.models import (
    AbuseDecision,
    AbuseReview,
    ClosedDay,
    Feedback,
    Session,
    SessionClosure,
    Shift,
    TalkNowRestriction,
)
from supervision import policies
from supervision.models import VoiceItem, VoiceSource, VoiceTag


class SupervisionError(DomainError):
    """A refused change on the supervisor's console."""


def _require(decision: Decision) -> None:
    if not decision.allowed:
        status = 403 if decision.reason.startswith("not_") else 409
        raise SupervisionError(decision.reason, status)


def _forget_closed_days() -> None:
    transaction.on_commit(lambda: cache.delete(CLOSED_DAYS_CACHE_KEY))


# --- closed days -----------------------------------------------------------------------------


@transaction.atomic
def closed_day_add(*, day: datetime.date, reason: str, actor: Any) -> ClosedDay:
    _require(policies.can_supervise(actor))
    try:
        with transaction.atomic():
            closed = ClosedDay.objects.create(day=day, reason=reason.strip(), created_by=actor)
    except IntegrityError as exc:
        raise SupervisionError("duplicate_day", 409) from exc
    audit.record(
        action=AuditAction.CLOSED_DAY_ADDED,
        actor=actor,
        obj=closed,
        reason=closed.reason[:255],
        after={"day": day},
    )
    _forget_closed_days()
    return closed


@transaction.atomic
def closed_day_remove(*, closed_day: ClosedDay, actor: Any) -> None:
    _require(policies.can_supervise(actor))
    audit.record(
        action=AuditAction.CLOSED_DAY_REMOVED,
        actor=actor,
        obj=closed_day,
        before={"day": closed_day.day, "reason": closed_day.reason},
    )
    closed_day.delete()
    _forget_closed_days()


# --- voice of the customer -------------------------------------------------------------------


def _check_tag(tag: str, topic: str) -> str:
    if tag not in VoiceTag.values:
        raise SupervisionError("invalid_tag")
    topic = topic.strip()
    if not topic or len(topic) > 100:
        raise SupervisionError("invalid_topic")
    return topic


def _masked(text: str) -> str:
    return mask_card_numbers(text)[0]


def voice_tag_feedback(*, feedback: Feedback, tag: str, topic: str, actor: Any) -> VoiceItem:
    copy = VoiceItem(source=VoiceSource.FEEDBACK, session=feedback.session, feedback=feedback)
    text, topic = _masked(feedback.comment), _masked(topic)
    return _voice_tag(copy, text=text, tag=tag, topic=topic, actor=actor)


def voice_tag_summary(*, session: Session, tag: str, topic: str, actor: Any) -> VoiceItem:
    copy = VoiceItem(source=VoiceSource.SUMMARY, session=session)
    text, topic = _masked(session.summary), _masked(topic)
    return _voice_tag(copy, text=text, tag=tag, topic=topic, actor=actor)


@transaction.atomic
def _voice_tag(copy: VoiceItem, *, text: str, tag: str, topic: str, actor: Any) -> VoiceItem:
    """Keep a copy of a customer's voice (a feedback comment or a session summary), once: the
    database refuses a second copy (already_tagged). The callers mask the copy before the
    transaction: feedback and summaries stored before they were masked may hold a card number."""
    _require(policies.can_tag_voice(actor, copy.session))
    copy.topic = _check_tag(tag, topic)
    copy.text, copy.tag, copy.tagged_by = text, tag, actor
    try:
        with transaction.atomic():
            copy.save(force_insert=True)
    except IntegrityError as exc:
        raise SupervisionError("already_tagged", 409) from exc
    _audit_tagged(copy, actor)
    return copy


def _audit_tagged(item: VoiceItem, actor: Any) -> None:
    audit.record(
        action=AuditAction.VOICE_TAGGED,
        actor=actor,
        obj=item,
        after={
            "source": item.source,
            "session": item.session_id,
            "tag": item.tag,
            "topic": item.topic,
            "status": item.status,
        },
    )


def voice_item_advance(*, item: VoiceItem, to_status: str, note: str, actor: Any) -> VoiceItem:
    """Move the item one step along new → shared → planned → done (the note masked first)."""
    return _voice_item_advance(item=item, to_status=to_status, note=_masked(note), actor=actor)


@transaction.atomic
def _voice_item_advance(*, item: VoiceItem, to_status: str, note: str, actor: Any) -> VoiceItem:
    item = VoiceItem.objects.select_for_update().get(pk=item.pk)
    _require(policies.can_advance_voice(actor, item, to_status, note))
    before = {"status": item.status, "improvement_note": item.improvement_note}
    item.status = to_status
    if note.strip():
        item.improvement_note = note.strip()
    item.updated_at = timezone.now()
    item.save(update_fields=["status", "improvement_note", "updated_at"])
    audit.record(
        action=AuditAction.VOICE_STATUS_CHANGED,
        actor=actor,
        obj=item,
        before=before,
        after={"status": item.status, "improvement_note": item.improvement_note},
    )
    return item


# --- abuse reports ---------------------------------------------------------------------------


def abuse_decide(
    *,
    closure: SessionClosure,
    decision: str,
    note: str,
    actor: Any,
    restrict: bool = False,
    restrict_days: int | None = None,
) -> AbuseReview:
    """Record the supervisor's decision on a session ended for abuse and, for an upheld report,
    optionally restrict the customer's talk-now use (for `restrict_days`, or until lifted).
    The note is masked first, outside the transaction."""
    return _abuse_decide(
        closure=closure,
        decision=decision,
        note=_masked(note),
        actor=actor,
        restrict=restrict,
        restrict_days=restrict_days,
    )


@transaction.atomic
def _abuse_decide(
    *,
    closure: SessionClosure,
    decision: str,
    note: str,
    actor: Any,
    restrict: bool,
    restrict_days: int | None,
) -> AbuseReview:
    session = Session.objects.select_for_update().get(pk=closure.session_id)
    already = AbuseReview.objects.filter(session=session).exists()
    _require(policies.can_decide_abuse(actor, closure, already))
    if restrict:
        _require(policies.can_restrict(decision))
    if decision not in AbuseDecision.values:
        raise SupervisionError("invalid_decision")
    if restrict_days is not None and not 1 <= restrict_days <= 3650:
        raise SupervisionError("invalid_days")
    try:
        with transaction.atomic():
            review = AbuseReview.objects.create(
                session=session, decision=decision, note=note.strip(), decided_by=actor
            )
    except IntegrityError as exc:  # a second supervisor decided at the same moment
        raise SupervisionError("already_decided", 409) from exc
    audit.record(
        action=AuditAction.ABUSE_DECIDED,
        actor=actor,
        subject_user=session.customer,
        obj=session,
        reason=decision,
        after={"decision": decision, "note": review.note, "restrict": restrict},
    )
    if closure.abuse_reviewed_at is None:
        # Keep the live-session list in step: it shows the flag as reviewed.
        live_services.abuse_review(closure=closure, actor=actor)
    if restrict:
        ends_at = (
            review.decided_at + datetime.timedelta(days=restrict_days) if restrict_days else None
        )
        restriction = TalkNowRestriction.objects.create(
            customer=session.customer,
            review=review,
            reason=f"abuse in session {session.pk}",
            ends_at=ends_at,
            created_by=actor,
        )
        audit.record(
            action=AuditAction.TALK_NOW_RESTRICTED,
            actor=actor,
            subject_user=session.customer,
            obj=restriction,
            reason=restriction.reason,
            after={"session": session.pk, "ends_at": ends_at},
        )
    return review


@transaction.atomic
def restriction_lift(*, restriction: TalkNowRestriction, actor: Any) -> TalkNowRestriction:
    _require(policies.can_supervise(actor))
    restriction = TalkNowRestriction.objects.select_for_update().get(pk=restriction.pk)
    if restriction.lifted_at is not None:
        raise SupervisionError("already_lifted", 409)
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = actor
    restriction.save(update_fields=["lifted_at", "lifted_by"])
    audit.record(
        action=AuditAction.TALK_NOW_RESTRICTION_LIFTED,
        actor=actor,
        subject_user=restriction.customer,
        obj=restriction,
    )
    return restriction


# --- operators -------------------------------------------------------------------------------


def _clean_skills(skills: list[str]) -> list[str]:
    chosen = [skill for skill in SKILLS if skill in skills]
    if not chosen or set(skills) - set(SKILLS):
        raise SupervisionError("skills_required")
    return chosen


@transaction.atomic
def operator_create(
    *,
    name: str,
    email: str,
    skills: list[str],
    base_url: str,
    actor: Any,
    name_reading: str = "",
) -> User:
    """A new operator account with no password yet: the link to choose one goes to the
    operator's own e-mail address (why: supervision/README.md). The user name is the address."""
    _require(policies.can_supervise(actor))
    email = User.objects.normalize_email(email.strip()).lower()
    chosen = _clean_skills(skills)
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise SupervisionError("duplicate_email", 409)
    try:
        with transaction.atomic():
            operator = accounts.user_create(
                username=email,
                password=None,
                email=email,
                roles=["operator"],
                display_name=name.strip(),
                skills=chosen,
                actor=actor,
            )
            if name_reading.strip():
                user_set_name_reading(user=operator, name_reading=name_reading, actor=actor)
    except IntegrityError as exc:  # the same address, created a moment ago
        raise SupervisionError("duplicate_email", 409) from exc
    except ValidationError as exc:
        if "username" in getattr(exc, "error_dict", {}):
            raise SupervisionError("duplicate_email", 409) from exc
        raise
    accounts.password_setup_link_send(user=operator, base_url=base_url, actor=actor)
    return operator


@transaction.atomic
def operator_set_skills(*, operator: User, skills: list[str], actor: Any) -> User:
    """Skills decide what the operator can take and the capacity of every slot, so the cached
    availability is refreshed when the change commits."""
    _require(policies.can_supervise(actor))
    chosen = _clean_skills(skills)
    operator = User.objects.select_for_update().get(pk=operator.pk, is_operator=True)
    before = operator.skills
    for skill in SKILLS:
        setattr(operator, f"skill_{skill}", skill in chosen)
    operator.save(update_fields=[f"skill_{skill}" for skill in SKILLS])
    after = {"skills": operator.skills}
    audit.record_account(
        operator,
        AuditAction.USER_SKILLS_CHANGED,
        actor=actor,
        before={"skills": before},
        after=after,
    )
    availability.invalidate()
    return operator


@dataclass(frozen=True)
class Deactivation:
    shifts: int  # coming (or current) shifts removed
    reassigned: int  # bookings moved to another operator
    cancelled: int  # bookings nobody could take: cancelled, the customer told


@transaction.atomic
def operator_deactivate(
    *, operator: User, actor: Any, now: datetime.datetime | None = None
) -> Deactivation:
    """Switch an operator's account off: they can no longer sign in (Django refuses an inactive
    account, and their open sessions stop at the next request), and each shift still to come —
    or under way — is removed as booking.shift_delete removes one, so every booking it held
    moves to another free operator or is cancelled with the customer told. One transaction."""
    _require(policies.can_supervise(actor))
    now = now or timezone.now()
    operator = _switch(operator, on=False)
    shifts = list(Shift.objects.filter(operator=operator, end__gt=now).order_by("start", "pk"))
    reassigned = cancelled = 0
    for shift in shifts:
        removal = booking.shift_delete(shift=shift, actor=actor, now=now)
        reassigned += removal.reassigned
        cancelled += removal.cancelled
    result = Deactivation(shifts=len(shifts), reassigned=reassigned, cancelled=cancelled)
    after = {"is_active": False} | result.__dict__
    audit.record_account(
        operator, AuditAction.USER_DEACTIVATED, actor=actor, before={"is_active": True}, after=after
    )
    return result


@transaction.atomic
def operator_reactivate(*, operator: User, actor: Any) -> User:
    """Switch a switched-off operator's account on again. Their removed shifts stay removed."""
    _require(policies.can_supervise(actor))
    operator = _switch(operator, on=True)
    audit.record_account(
        operator,
        AuditAction.USER_REACTIVATED,
        actor=actor,
        before={"is_active": False},
        after={"is_active": True},
    )
    availability.invalidate()
    return operator


def _switch(operator: User, *, on: bool) -> User:
    """Lock the operator's account and switch it on or off (already_active/already_inactive
    when it is so already)."""
    operator = User.objects.select_for_update().get(pk=operator.pk, is_operator=True)
    if operator.is_active == on:
        raise SupervisionError("already_active" if on else "already_inactive", 409)
    operator.is_active = on
    operator.save(update_fields=["is_active"])
    return operator


@transaction.atomic
def operator_password_link_resend(*, operator: User, base_url: str, actor: Any) -> None:
    """Another link, for an operator who has not chosen a password yet (the first one expires
    after three days). Once a password is set, this is not a way to reset it."""
    _require(policies.can_supervise(actor))
    if operator.has_usable_password():
        raise SupervisionError("password_already_set", 409)
    accounts.password_setup_link_send(user=operator, base_url=base_url, actor=actor)
