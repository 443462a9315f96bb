"""State changes of shifts and sessions: one function per transition, each audited.

The booking guarantee (no operator double-booked, no slot over capacity, no customer in two
sessions at once) rests on the database: booked sessions are aligned one-slot rows and two
partial unique constraints forbid the same operator or customer twice at one start; on
PostgreSQL the candidate operators' shift rows are locked (SELECT … FOR UPDATE) so concurrent
bookings of a slot queue behind each other and see each other's rows; on SQLite every
transaction begins IMMEDIATE (settings), which serialises writers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from access_support import mail
from access_support.accounts.models import User
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.domain import DomainError
from access_support.masking import mask_card_numbers
from access_support.site import site_url
from proxies import services as proxy_services
from signlanguage import events
from signlanguage.booking import availability, notices, policies, selectors
from signlanguage.booking.ics import session_ics
from signlanguage.formatting import format_datetime
from signlanguage.models import Kind, Mode, Session, Shift, State


class BookingError(DomainError):
    """A refused change of a shift, a booking or a talk-now request."""


SLOT_PROBLEMS = {
    "in_the_past": "That time has already passed.",
    "closed_day": "The service is closed on that day.",
    "outside_hours": "That time is outside service hours.",
    "off_grid": "Bookings start on the slot grid (every SLOT_MINUTES minutes).",
}


def _check_mode(mode: Any) -> str:
    if mode not in Mode.values:
        raise BookingError("invalid_mode", 400, f"mode must be one of {', '.join(Mode.values)}.")
    return str(mode)


def _check_slot(start: datetime.datetime, now: datetime.datetime) -> None:
    if timezone.is_naive(start):
        raise BookingError("invalid_start", 400, "start must carry a time-zone offset.")
    problem = availability.slot_problem(start, now)
    if problem:
        raise BookingError(problem, 400, SLOT_PROBLEMS[problem])


def _check_text(topic: Any, note: Any) -> tuple[str, str]:
    if not isinstance(topic, str) or not topic.strip() or len(topic) > 200:
        raise BookingError("invalid_topic", 400, "topic must be 1–200 characters.")
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note) > 2000:
        raise BookingError("invalid_note", 400, "note must be at most 2000 characters.")
    return topic.strip(), note.strip()


def _masked(text: Any) -> Any:
    """No card numbers are stored (docs/security.md): card-number-like runs are masked, as in chat.
    Callers mask before their transaction begins (no lock is held while text is scanned);
    masking keeps the length, so the checks of _check_text read the same afterwards."""
    return mask_card_numbers(text)[0] if isinstance(text, str) else text


def _snapshot(session: Session) -> dict[str, Any]:
    return {
        "kind": session.kind,
        "mode": session.mode,
        "state": session.state,
        "start": session.start,
        "operator_id": session.operator_id,
        "booked_by_id": session.booked_by_id,
    }


def _free_operators(
    mode: str, start: datetime.datetime, exclude_pk: int | None = None
) -> list[int]:
    """Operators on shift with the skill and not booked at `start`, after locking their shift
    rows on PostgreSQL (in operator order, so lockers never deadlock)."""
    end = start + availability.slot_length()
    shifts = Shift.objects.filter(availability.operators_on_shift(mode, start, end))
    if connection.vendor == "postgresql":
        shifts = shifts.select_for_update(of=("self",))
    candidates = list(shifts.order_by("operator_id", "pk").values_list("operator_id", flat=True))
    booked_qs = Session.objects.filter(kind=Kind.BOOKED, start=start, operator_id__in=candidates)
    booked_qs = booked_qs.exclude(state=State.CANCELLED)
    if exclude_pk is not None:
        booked_qs = booked_qs.exclude(pk=exclude_pk)
    booked = set(booked_qs.values_list("operator_id", flat=True))
    free: list[int] = []
    for operator_id in candidates:
        if operator_id not in booked and operator_id not in free:
            free.append(operator_id)
    return free


def _free_operators_for(
    customer: User, mode: str, start: datetime.datetime, exclude_pk: int | None = None
) -> list[int]:
    """The operators free at `start` (see _free_operators); 409 `slot_full` when none is, 409
    `customer_busy` when the customer already has a session then."""
    free = _free_operators(mode, start, exclude_pk=exclude_pk)
    if not free:
        raise BookingError("slot_full", 409, "No operator is free at that time.")
    if _customer_busy(customer, start, exclude_pk=exclude_pk):
        raise BookingError("customer_busy", 409, "There is already a session at that time.")
    return free


def _booking_changed(
    session: Session, actor: User, action: str, event: str, before: dict[str, Any] | None = None
) -> Session:
    """What follows every change of a booking, in its transaction: the slots are read afresh,
    the change is audited (before and after), and the customer's e-mail goes out on commit."""
    availability.invalidate()
    audit.record(
        action=action,
        actor=actor,
        subject_user=session.customer,
        obj=session,
        before=before,
        after=_snapshot(session),
    )
    _email_on_commit(session, event)
    notices.booking_changed(session, actor, event)
    return session


def _customer_busy(customer: User, start: datetime.datetime, exclude_pk: int | None = None) -> bool:
    qs = Session.objects.filter(kind=Kind.BOOKED, customer=customer, start=start).exclude(
        state=State.CANCELLED
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _integrity_to_booking_error(exc: IntegrityError) -> BookingError:
    if "customer" in str(exc):
        return BookingError("customer_busy", 409, "You already have a session at that time.")
    return BookingError("slot_full", 409, "That slot was just taken. Please choose another.")


# --- shifts ---------------------------------------------------------------------------------


@transaction.atomic
def shift_add(
    *, operator: User, start: datetime.datetime, end: datetime.datetime, actor: User | None
) -> Shift:
    if not operator.is_operator:
        raise BookingError("not_an_operator", 400, "Shifts are for operators.")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise BookingError("invalid_time", 400, "Times must carry a time-zone offset.")
    if end <= start:
        raise BookingError("invalid_time", 400, "A shift ends after it starts.")
    if Shift.objects.filter(operator=operator, start__lt=end, end__gt=start).exists():
        raise BookingError("shift_overlap", 409, "This operator already has a shift then.")
    shift = Shift.objects.create(operator=operator, start=start, end=end)
    availability.invalidate()
    audit.record(
        action=AuditAction.SHIFT_ADDED,
        actor=actor,
        obj=shift,
        after={"operator_id": operator.pk, "start": start, "end": end},
    )
    return shift


@transaction.atomic
@dataclass(frozen=True)
class ShiftRemoval:
    reassigned: int  # bookings moved to another operator
    cancelled: int  # bookings no one was free to take: cancelled, the customer told


def shift_delete(
    *, shift: Shift, actor: User, now: datetime.datetime | None = None
) -> ShiftRemoval:
    """Remove a shift without orphaning its bookings. Each coming booking it held moves to
    another operator with the skill and that slot free, in the same transaction (the one
    operator, one slot guarantee holds: _free_operators locks the shifts it reads); one that no
    one can take is cancelled, and its customer is e-mailed with a link to book again."""
    try:
        return _shift_delete(shift=shift, actor=actor, now=now or timezone.now())
    except IntegrityError as exc:
        raise _integrity_to_booking_error(exc) from exc


@transaction.atomic
def _shift_delete(*, shift: Shift, actor: User, now: datetime.datetime) -> ShiftRemoval:
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    held = list(
        Session.objects.select_for_update()
        .select_related("customer")
        .filter(
            kind=Kind.BOOKED,
            state=State.WAITING,
            operator_id=shift.operator_id,
            start__gte=max(shift.start, now),
            start__lt=shift.end,
        )
        .order_by("start", "pk")
    )
    audit.record(
        action=AuditAction.SHIFT_DELETED,
        actor=actor,
        obj=shift,
        before={"operator_id": shift.operator_id, "start": shift.start, "end": shift.end},
        after={"bookings": len(held)},
    )
    shift.delete()
    reassigned = cancelled = 0
    for session in held:
        assert session.start is not None  # a booked session has its time
        free = _free_operators(session.mode, session.start, exclude_pk=session.pk)
        if session.operator_id in free:
            continue  # another shift of the same operator still covers it
        before = _snapshot(session)
        if free:
            session.operator_id = free[0]
            session.save(update_fields=["operator"])
            action, event = AuditAction.SESSION_REASSIGNED, "reassigned"
            reassigned += 1
        else:
            session.state = State.CANCELLED
            session.cancelled_at = now
            session.ics_sequence += 1
            session.save(update_fields=["state", "cancelled_at", "ics_sequence"])
            action, event = AuditAction.SESSION_CANCELLED, "cancelled_no_operator"
            cancelled += 1
        _booking_changed(session, actor, action, event, before)
    availability.invalidate()
    return ShiftRemoval(reassigned=reassigned, cancelled=cancelled)


@dataclass(frozen=True)
class WeekCopy:
    copied: int
    skipped_overlap: int
    skipped_not_operator: int


@transaction.atomic
def shifts_copy_week(*, monday: datetime.date, actor: User) -> WeekCopy:
    """Every shift starting in the week of `monday` (Japan time), again 7 days later. A copy
    that would overlap a shift the operator already has then is skipped (and counted), as is
    a shift of someone who is no longer an active operator. All or nothing: one transaction,
    one audit event; the cached availability is refreshed on commit."""
    if not policies.can_manage_shifts(actor):
        raise BookingError("forbidden", 403, "Only supervisors manage shifts.")
    if monday.weekday() != 0:
        raise BookingError("invalid_week", 400, "A week starts on a Monday.")
    week = datetime.timedelta(days=7)
    sources = list(
        selectors.shifts_starting_in_week(monday)
        .select_related("operator")
        .order_by("start", "operator_id", "pk")
    )
    copies = [(shift, shift.start + week, shift.end + week) for shift in sources]
    taken: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    if copies:
        first = min(s for _shift, s, _e in copies)
        last = max(e for _shift, _s, e in copies)
        for operator_id, s, e in Shift.objects.filter(start__lt=last, end__gt=first).values_list(
            "operator_id", "start", "end"
        ):
            taken.setdefault(operator_id, []).append((s, e))
    new: list[Shift] = []
    overlap = not_operator = 0
    for shift, s, e in copies:
        if not (shift.operator.is_operator and shift.operator.is_active):
            not_operator += 1
            continue
        busy = taken.setdefault(shift.operator_id, [])
        if any(bs < e and be > s for bs, be in busy):
            overlap += 1
            continue
        busy.append((s, e))
        new.append(Shift(operator_id=shift.operator_id, start=s, end=e))
    created = Shift.objects.bulk_create(new)
    availability.invalidate()
    result = WeekCopy(len(created), overlap, not_operator)
    audit.record(
        action=AuditAction.SHIFTS_COPIED,
        actor=actor,
        object_type="signlanguage.week",
        object_id=monday.isoformat(),
        after={
            "from_week": monday.isoformat(),
            "to_week": (monday + week).isoformat(),
            "copied": result.copied,
            "skipped_overlap": result.skipped_overlap,
            "skipped_not_operator": result.skipped_not_operator,
            "shift_ids": [shift.pk for shift in created],
        },
    )
    return result


# --- bookings -------------------------------------------------------------------------------


def _check_may_change(actor: User, session: Session, now: datetime.datetime) -> None:
    """The gate of cancel and reschedule, in the service: the proxy who booked is re-decided
    through the member's grant at each use (a revoked or paused proxy is refused)."""
    decision = policies.can_change_booking(
        actor, session, now, booker_decision=selectors.booker_decision(actor, session)
    )
    if not decision.allowed:
        raise BookingError(decision.reason, 409 if decision.reason in policies.CONFLICTS else 403)


def _check_may_book_for(actor: User, customer: User, *, via: str) -> None:
    """Booking for another member needs that member's grant with `session.book`, decided now
    and written to the audit log (the one gate: views and the API only translate). The second
    factor is the edge's business (middleware), so it counts as done here."""
    if not customer.is_member:
        raise BookingError("not_a_member", 403, "Sessions are booked for card members.")
    if actor.pk == customer.pk:
        return
    decision = proxy_services.authorize(
        actor=actor, member=customer, action=selectors.BOOK_ACTION, verified=True, via=via
    )
    if not decision.allowed:
        raise BookingError(decision.reason, 403, "You may not book for this member.")


def booking_create(
    *,
    actor: User,
    customer: User,
    mode: Any,
    start: datetime.datetime,
    topic: Any,
    note: Any = "",
    now: datetime.datetime | None = None,
    via: str = "web",
) -> Session:
    """Book one slot for `customer` — the actor, or a member whose grant lets the actor book
    (decided here, first) — and assign a free operator; 409 slot_full when none is left. The
    topic and note are masked first, outside the transaction."""
    _check_may_book_for(actor, customer, via=via)
    return _booking_create(
        actor=actor,
        customer=customer,
        mode=mode,
        start=start,
        topic=_masked(topic),
        note=_masked(note),
        now=now,
    )


@transaction.atomic
def _booking_create(
    *,
    actor: User,
    customer: User,
    mode: Any,
    start: datetime.datetime,
    topic: Any,
    note: Any,
    now: datetime.datetime | None,
) -> Session:
    now = now or timezone.now()
    mode = _check_mode(mode)
    _check_slot(start, now)
    topic, note = _check_text(topic, note)
    free = _free_operators_for(customer, mode, start)
    try:
        with transaction.atomic():
            session = Session.objects.create(
                customer=customer,
                booked_by=actor,
                mode=mode,
                kind=Kind.BOOKED,
                state=State.WAITING,
                topic=topic,
                note=note,
                operator_id=free[0],
                start=start,
                end=start + availability.slot_length(),
            )
    except IntegrityError as exc:
        raise _integrity_to_booking_error(exc) from exc
    return _booking_changed(session, actor, AuditAction.SESSION_BOOKED, "booked")


@transaction.atomic
def booking_reschedule(
    *, session: Session, actor: User, start: datetime.datetime, now: datetime.datetime | None = None
) -> Session:
    now = now or timezone.now()
    session = Session.objects.select_for_update().select_related("customer").get(pk=session.pk)
    _check_may_change(actor, session, now)
    _check_slot(start, now)
    if start == session.start:
        raise BookingError("same_slot", 400, "That is the time already booked.")
    before = _snapshot(session)
    free = _free_operators_for(session.customer, session.mode, start, exclude_pk=session.pk)
    session.operator_id = session.operator_id if session.operator_id in free else free[0]
    session.start = start
    session.end = start + availability.slot_length()
    session.reminded_day_before_at = None
    session.reminded_soon_at = None
    session.ics_sequence += 1
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        raise _integrity_to_booking_error(exc) from exc
    return _booking_changed(session, actor, AuditAction.SESSION_RESCHEDULED, "rescheduled", before)


@transaction.atomic
def booking_cancel(
    *, session: Session, actor: User, now: datetime.datetime | None = None
) -> Session:
    now = now or timezone.now()
    session = Session.objects.select_for_update().select_related("customer").get(pk=session.pk)
    _check_may_change(actor, session, now)
    before = _snapshot(session)
    session.state = State.CANCELLED
    session.cancelled_at = now
    session.ics_sequence += 1
    session.save(update_fields=["state", "cancelled_at", "ics_sequence"])
    return _booking_changed(session, actor, AuditAction.SESSION_CANCELLED, "cancelled", before)


def bookings_made_by_proxy(grant: Any) -> list[str]:
    """The member's coming sessions that the grant's proxy booked, as "YYYY-MM-DD HH:MM" lines:
    told to the member when the grant is revoked or paused (the sessions stay theirs)."""
    sessions = Session.objects.filter(
        customer_id=grant.member_id,
        booked_by_id=grant.proxy_id,
        kind=Kind.BOOKED,
        state=State.WAITING,
        start__gt=timezone.now(),
    ).order_by("start")
    return [
        timezone.localtime(session.start).strftime("%Y-%m-%d %H:%M")
        for session in sessions
        if session.start is not None
    ]


# --- talk now -------------------------------------------------------------------------------


def queue_request(
    *, actor: User, mode: Any, topic: Any, now: datetime.datetime | None = None
) -> Session:
    """Ask for an operator now. The topic is masked first, outside the transaction."""
    return _queue_request(actor=actor, mode=mode, topic=_masked(topic), now=now)


@transaction.atomic
def _queue_request(*, actor: User, mode: Any, topic: Any, now: datetime.datetime | None) -> Session:
    now = now or timezone.now()
    mode = _check_mode(mode)
    topic, _note = _check_text(topic, "")
    decision = policies.can_request_now(actor, restricted=selectors.talk_now_restricted(actor))
    if not decision.allowed:
        raise BookingError(decision.reason, 403, "You cannot use talk now. Please book a time.")
    if not availability.is_open_at(now):
        opens = availability.next_opening(now)
        raise BookingError(
            "service_closed", 409, "The service is closed now.", opens_at=opens.isoformat()
        )
    if selectors.operators_on_duty(mode, now) == 0:
        # No estimate to give and nobody to take it: refuse rather than queue in vain.
        raise BookingError(
            "nobody_on_shift",
            409,
            "No operator with this skill is on shift now. Book a time instead.",
        )
    try:
        with transaction.atomic():
            session = Session.objects.create(
                customer=actor, booked_by=actor, mode=mode, kind=Kind.NOW, topic=topic
            )
    except IntegrityError as exc:
        raise BookingError(
            "already_waiting", 409, "You are already waiting for an operator."
        ) from exc
    audit.record(
        action=AuditAction.QUEUE_REQUESTED,
        actor=actor,
        subject_user=actor,
        obj=session,
        after=_snapshot(session),
    )
    events.queue_changed()
    return session


@transaction.atomic
def queue_take(
    *, session: Session, operator: User, now: datetime.datetime | None = None
) -> Session:
    """Exactly one operator wins: a conditional UPDATE … WHERE operator IS NULL, not a read
    followed by a write."""
    now = now or timezone.now()
    decision = policies.can_take(operator, session.mode)
    if not decision.allowed:
        raise BookingError(decision.reason, 403)
    won = Session.objects.filter(
        pk=session.pk, kind=Kind.NOW, state=State.WAITING, operator__isnull=True
    ).update(operator=operator, state=State.ACTIVE, taken_at=now)
    if won != 1:
        raise BookingError("already_taken", 409, "Another operator has taken this request.")
    session.refresh_from_db()
    audit.record(
        action=AuditAction.QUEUE_TAKEN,
        actor=operator,
        subject_user=session.customer,
        obj=session,
        after=_snapshot(session),
    )
    events.queue_changed()
    events.session_state_changed(session.pk, State.ACTIVE)
    notices.queue_taken(session)
    return session


@transaction.atomic
def queue_leave(*, session: Session, actor: User, now: datetime.datetime | None = None) -> Session:
    now = now or timezone.now()
    left = Session.objects.filter(
        pk=session.pk, kind=Kind.NOW, state=State.WAITING, customer=actor
    ).update(state=State.CANCELLED, cancelled_at=now)
    if left != 1:
        raise BookingError("not_waiting", 409, "This request is no longer waiting.")
    session.refresh_from_db()
    audit.record(action=AuditAction.QUEUE_LEFT, actor=actor, subject_user=actor, obj=session)
    events.queue_changed()
    return session


def queue_close_for_the_day(
    *, session: Session, now: datetime.datetime | None = None
) -> Session | None:
    """A talk-now request still waiting when the service has closed (availability.is_open_at)
    is closed for the day: cancelled, audited (no actor: the clock did it), every queue socket
    nudged. A request that has waited longer than settings.QUEUE_MAX_WAIT_MINUTES is closed the
    same way (audited `signlanguage.queue_closed_waited_too_long`). Returns the session when
    this call closed it; None while it may still wait, or when it is no longer waiting (taken,
    left, or already closed)."""
    now = now or timezone.now()
    if not availability.is_open_at(now):
        action, reason = AuditAction.QUEUE_CLOSED_FOR_THE_DAY, "closing_time"
    elif session.created_at <= now - datetime.timedelta(minutes=settings.QUEUE_MAX_WAIT_MINUTES):
        action, reason = AuditAction.QUEUE_CLOSED_WAITED_TOO_LONG, "waited_too_long"
    else:
        return None
    with transaction.atomic():
        closed = Session.objects.filter(pk=session.pk, kind=Kind.NOW, state=State.WAITING).update(
            state=State.CANCELLED, cancelled_at=now
        )
        if closed != 1:
            return None
        session.refresh_from_db()
        audit.record(
            action=action,
            subject_user=session.customer,
            obj=session,
            after={"state": State.CANCELLED, "reason": reason},
        )
        events.queue_changed()
    return session


def queue_presence(*, customer_id: int, here: bool) -> None:
    """The customer's waiting page (its queue socket) opened or closed: stored on their waiting
    talk-now request, so a request whose customer has left can be closed (signlanguage.live
    .presence.queue_close_customer_left). Not audited: where a page is open is not a change."""
    Session.objects.filter(customer_id=customer_id, kind=Kind.NOW, state=State.WAITING).update(
        waiting_left_at=None if here else timezone.now()
    )


def queue_sweep(*, now: datetime.datetime | None = None) -> int:
    """Close every talk-now request that may wait no longer (queue_close_for_the_day): after
    closing time, or waiting past settings.QUEUE_MAX_WAIT_MINUTES. Run by `manage.py
    sweep_queue` from cron; the waiting page and the queue socket also close their own request
    when they answer, so a customer is told even between two runs. Returns how many it closed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.QUEUE_MAX_WAIT_MINUTES)
    waiting = Session.objects.filter(kind=Kind.NOW, state=State.WAITING)
    if availability.is_open_at(now):
        waiting = waiting.filter(created_at__lte=cutoff)
    return sum(
        queue_close_for_the_day(session=session, now=now) is not None
        for session in waiting.select_related("customer").order_by("created_at", "pk")
    )


# --- e-mail and reminders -------------------------------------------------------------------

_SUBJECTS = {
    "booked": gettext_noop("Your session is booked"),
    "rescheduled": gettext_noop("Your session has a new time"),
    "cancelled": gettext_noop("Your session is cancelled"),
    "reassigned": gettext_noop("Your session will be with another operator"),
    "cancelled_no_operator": gettext_noop("We had to cancel your session"),
    "day_before": gettext_noop("Reminder: your session is tomorrow"),
    "soon": gettext_noop("Reminder: your session starts in 15 minutes"),
}
# The body's first sentence: a sentence of its own in each language (the Japanese ends with
# "。", not an ASCII stop added after the subject).
_SENTENCES = {
    "booked": gettext_noop("Your session is booked."),
    "rescheduled": gettext_noop("Your session has a new time."),
    "cancelled": gettext_noop("Your session is cancelled."),
    "reassigned": gettext_noop(
        "Your session will be with another operator. The date and time stay the same, and "
        "there is nothing you need to do."
    ),
    "cancelled_no_operator": gettext_noop(
        "We are sorry: the operator for your session can no longer take it, and no other "
        "operator is free at that time, so we had to cancel it. Please book another time."
    ),
    "day_before": gettext_noop("Reminder: your session is tomorrow."),
    "soon": gettext_noop("Reminder: your session starts in 15 minutes."),
}


# The plain-Japanese wording of each (docs/accessibility.md, "Language"): a reader who chose plain
# Japanese gets these; the same msgids in the "plain" context.
_PLAIN_SUBJECTS = {
    "booked": pgettext_lazy("plain", "Your session is booked"),
    "rescheduled": pgettext_lazy("plain", "Your session has a new time"),
    "cancelled": pgettext_lazy("plain", "Your session is cancelled"),
    "reassigned": pgettext_lazy("plain", "Your session will be with another operator"),
    "cancelled_no_operator": pgettext_lazy("plain", "We had to cancel your session"),
    "day_before": pgettext_lazy("plain", "Reminder: your session is tomorrow"),
    "soon": pgettext_lazy("plain", "Reminder: your session starts in 15 minutes"),
}
_PLAIN_SENTENCES = {
    "booked": pgettext_lazy("plain", "Your session is booked."),
    "rescheduled": pgettext_lazy("plain", "Your session has a new time."),
    "cancelled": pgettext_lazy("plain", "Your session is cancelled."),
    "reassigned": pgettext_lazy(
        "plain",
        "Your session will be with another operator. The date and time stay the same, and "
        "there is nothing you need to do.",
    ),
    "cancelled_no_operator": pgettext_lazy(
        "plain",
        "We are sorry: the operator for your session can no longer take it, and no other "
        "operator is free at that time, so we had to cancel it. Please book another time.",
    ),
    "day_before": pgettext_lazy("plain", "Reminder: your session is tomorrow."),
    "soon": pgettext_lazy("plain", "Reminder: your session starts in 15 minutes."),
}
# Mode's labels (their msgids) and their plain wording.
_MODE_WORDS = {
    Mode.SIGN_LANGUAGE: ("Sign-language video", pgettext_lazy("plain", "Sign-language video")),
    Mode.WRITTEN_CHAT: ("Written chat", pgettext_lazy("plain", "Written chat")),
}
_PLAIN_LINES = {
    gettext_noop("Date and time: %(when)s"): pgettext_lazy("plain", "Date and time: %(when)s"),
    gettext_noop("Type: %(mode)s"): pgettext_lazy("plain", "Type: %(mode)s"),
    gettext_noop("Topic: %(topic)s"): pgettext_lazy("plain", "Topic: %(topic)s"),
    gettext_noop("Booked by: %(name)s"): pgettext_lazy("plain", "Booked by: %(name)s"),
    gettext_noop("See the booking: %(url)s"): pgettext_lazy("plain", "See the booking: %(url)s"),
    gettext_noop("Remove it from your calendar: %(url)s"): pgettext_lazy(
        "plain", "Remove it from your calendar: %(url)s"
    ),
    gettext_noop("Book another time: %(url)s"): pgettext_lazy(
        "plain", "Book another time: %(url)s"
    ),
    gettext_noop("See or change the booking: %(url)s"): pgettext_lazy(
        "plain", "See or change the booking: %(url)s"
    ),
    gettext_noop("Add it to your calendar: %(url)s"): pgettext_lazy(
        "plain", "Add it to your calendar: %(url)s"
    ),
    gettext_noop("We never call you by phone."): pgettext_lazy(
        "plain", "We never call you by phone."
    ),
}


def _recipients(session: Session) -> list[User]:
    """The customer, and the proxy who booked only while the member's grant still lets them
    (a revoked, paused or expired proxy hears nothing more of the member's sessions); one each
    per address."""
    people = [session.customer]
    booker = session.booked_by
    if booker.pk == session.customer_id:
        people.append(booker)
    else:
        decision = selectors.booker_decision(booker, session)
        if decision is not None and decision.allowed:
            people.append(booker)
    by_address = {person.email: person for person in reversed(people) if person.email}
    return list(reversed(by_address.values()))


def send_session_email(session: Session, event: str) -> None:
    """One e-mail to each recipient, in their language (and plain wording when they chose it),
    with the calendar file in the same language."""
    if session.start is None:
        return
    for person in _recipients(session):
        with mail.writing_to(person) as reader:
            message = _session_message(session, event, reader)
            message.to = [person.email]
            message.attach(f"session-{session.pk}.ics", session_ics(session), "text/calendar")
        message.send(fail_silently=False)


def _session_message(session: Session, event: str, reader: mail.Reader) -> EmailMessage:
    from django.urls import reverse

    def line(msgid: str, **values: Any) -> str:
        return reader.words(msgid, _PLAIN_LINES.get(msgid)) % values

    assert session.start is not None
    mode = reader.words(*_MODE_WORDS[Mode(session.mode)])
    lines = [
        _("Dear %(name)s,") % {"name": session.customer.name},
        "",
        reader.words(_SENTENCES[event], _PLAIN_SENTENCES.get(event)),
        line("Date and time: %(when)s", when=format_datetime(session.start, plain=reader.plain)),
        line("Type: %(mode)s", mode=mode),
        line("Topic: %(topic)s", topic=session.topic),
    ]
    if session.booked_by_id != session.customer_id:
        lines.append(line("Booked by: %(name)s", name=session.booked_by.name))
    detail_url = site_url(reverse("signlanguage:detail", args=[session.pk]))
    ics_url = site_url(reverse("signlanguage:ics", args=[session.pk]))
    if event in ("cancelled", "cancelled_no_operator"):
        # The attached calendar file cancels the event in the calendar it was added to.
        lines += [
            "",
            line("See the booking: %(url)s", url=detail_url),
            line("Remove it from your calendar: %(url)s", url=ics_url),
        ]
        if event == "cancelled_no_operator":
            book_url = site_url(reverse("signlanguage:book"))
            lines.append(line("Book another time: %(url)s", url=book_url))
    else:
        lines += [
            "",
            line("See or change the booking: %(url)s", url=detail_url),
            line("Add it to your calendar: %(url)s", url=ics_url),
        ]
    lines += ["", line("We never call you by phone.")]
    return EmailMessage(
        subject=mail.subject(reader.words(_SUBJECTS[event], _PLAIN_SUBJECTS.get(event))),
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
    )


def _email_on_commit(session: Session, event: str) -> None:
    pk = session.pk

    def send() -> None:
        fresh = Session.objects.select_related("customer", "booked_by").get(pk=pk)
        send_session_email(fresh, event)

    transaction.on_commit(send)


REMINDERS = (
    ("day_before", "reminded_day_before_at", datetime.timedelta(days=1)),
    ("soon", "reminded_soon_at", datetime.timedelta(minutes=15)),
)


def reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the reminders due now. Each is claimed with a conditional UPDATE of its sent flag
    before the e-mail goes out, so two runs (even at once) never send one twice. The day-before
    reminder is skipped once the 15-minute one is due."""
    now = now or timezone.now()
    sent = {"day_before": 0, "soon": 0}
    for event, flag, lead in REMINDERS:
        due = Session.objects.filter(
            kind=Kind.BOOKED,
            state=State.WAITING,
            start__gt=now,
            start__lte=now + lead,
            **{f"{flag}__isnull": True},
        )
        if event == "day_before":
            due = due.filter(start__gt=now + datetime.timedelta(minutes=15))
        for pk in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                claimed = Session.objects.filter(pk=pk, **{f"{flag}__isnull": True}).update(
                    **{flag: now}
                )
                if claimed != 1:
                    continue
                session = Session.objects.select_related("customer", "booked_by").get(pk=pk)
                send_session_email(session, event)
                notices.reminded(session)
                sent[event] += 1
    return sent
