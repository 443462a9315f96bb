"""Read queries for sessions, shifts and the queue; the only place that filters by visibility."""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from access_support.accounts.models import User
from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from proxies import policies as proxy_policies
from proxies import selectors as proxy_selectors
from proxies import services as proxy_services
from signlanguage.booking import policies
from signlanguage.booking.availability import JST, SKILL_FIELD
from signlanguage.models import Kind, Session, Shift, State, TalkNowRestriction

DEFAULT_HANDLING = datetime.timedelta(minutes=10)
# The range shown to a waiting customer is built from this many recent handling times at least
# (fewer: "we can't tell yet"), taken from the last RECENT_DAYS days.
RANGE_SAMPLE_MIN = 3
RECENT_DAYS = 14
# The proxy scope that covers booking and joining sessions.
BOOK_ACTION = "session.book"


class SessionRefused(PermissionDenied):
    """The proxy who booked the session may no longer use it: the grant's `reason`
    (grant_revoked, grant_paused, grant_expired, scope_missing, …). Pages answer 403, the API
    403 `{"error": reason}`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def booker_decision(user: Any, session: Session, *, audited: bool = False) -> Any:
    """The grant's decision, now, for `user` as the proxy who booked `session` for another
    member (None when `user` did not book it for someone else). `audited`: through
    proxies.services.authorize, which writes the decision to the audit log."""
    if session.booked_by_id != user.pk or session.customer_id == user.pk:
        return None
    if audited:
        return proxy_services.authorize(actor=user, member=session.customer, action=BOOK_ACTION)
    grant = proxy_selectors.grant_between(user, session.customer)
    return proxy_policies.decide(user, session.customer, BOOK_ACTION, grant=grant, verified=True)


def session_for_user(user: Any, pk: Any) -> Session:
    """The one gate: missing or not yours → 404, the same answer either way. The proxy who
    booked it is let in only while the member's grant allows `session.book` now; otherwise
    SessionRefused with the grant's reason (they knew of the booking, so naming why hides
    nothing)."""
    try:
        session = Session.objects.select_related("customer", "booked_by", "operator").get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404("No such session") from exc
    decision = None
    if session.customer_id != user.pk and session.operator_id != user.pk:
        decision = booker_decision(user, session, audited=True)
    if policies.can_see_session(user, session, booker_decision=decision):
        return session
    refusal = policies.booker_refusal(user, session, decision)
    if refusal not in (None, "not_booker"):
        raise SessionRefused(str(refusal))
    raise Http404("No such session")


def sessions_for_user(user: Any) -> QuerySet[Session]:
    """Sessions where the user is the customer, or the booker for a member whose grant still
    lets them book (a proxy sees what they booked only while the grant allows it)."""
    members = proxy_selectors.member_ids_granting(user, BOOK_ACTION)
    return (
        Session.objects.filter(Q(customer=user) | Q(booked_by=user, customer_id__in=members))
        .select_related("customer", "booked_by", "operator")
        .order_by("-start", "-created_at")
    )


def sessions_for_operator(user: Any, day: datetime.date) -> QuerySet[Session]:
    return (
        Session.objects.filter(operator=user, start__date=day)
        .exclude(state=State.CANCELLED)
        .select_related("customer")
        .order_by("start")
    )


def waiting_queue(mode: str | None = None) -> QuerySet[Session]:
    qs = Session.objects.filter(kind=Kind.NOW, state=State.WAITING).select_related("customer")
    if mode:
        qs = qs.filter(mode=mode)
    return qs.order_by("created_at", "pk")


def average_handling_time(mode: str, sample: int = 20) -> datetime.timedelta:
    """Mean taken→closed time of the most recent talk-now sessions of this mode."""
    rows = list(
        Session.objects.filter(
            kind=Kind.NOW,
            mode=mode,
            state=State.CLOSED,
            taken_at__isnull=False,
            closed_at__isnull=False,
        )
        .order_by("-closed_at")
        .values_list("taken_at", "closed_at")[:sample]
    )
    if not rows:
        return DEFAULT_HANDLING
    total = sum(
        (closed - taken for taken, closed in rows if taken and closed), datetime.timedelta()
    )
    return total / len(rows)


def recent_handling_times(
    mode: str, sample: int = 20, now: datetime.datetime | None = None
) -> list[datetime.timedelta]:
    """How long the most recent talk-now sessions of this mode took, taken → closed, shortest
    first: at most `sample`, none older than RECENT_DAYS."""
    now = now or timezone.now()
    rows = (
        Session.objects.filter(
            kind=Kind.NOW,
            mode=mode,
            state=State.CLOSED,
            taken_at__isnull=False,
            closed_at__gte=now - datetime.timedelta(days=RECENT_DAYS),
        )
        .order_by("-closed_at")
        .values_list("taken_at", "closed_at")[:sample]
    )
    return sorted(closed - taken for taken, closed in rows if taken and closed)


def estimated_wait_range(mode: str, position: int) -> tuple[int, int] | None:
    """The wait for the request at `position`, in whole minutes, as a range — or None when we
    cannot tell: no operator with the skill is on shift, or too few recent sessions to go by.
    Each round of the queue ahead (position ÷ operators on shift) takes between the lower and
    the upper quartile of recent handling times; the first in line may be taken at once."""
    if position <= 0:
        return (0, 0)
    operators = operators_on_duty(mode)
    times = recent_handling_times(mode)
    if operators == 0 or len(times) < RANGE_SAMPLE_MIN:
        return None
    low, high = times[len(times) // 4], times[(3 * len(times)) // 4]
    rounds = math.ceil(position / operators)
    low_minutes = math.floor((low * (rounds - 1)).total_seconds() / 60)
    high_minutes = max(low_minutes + 1, math.ceil((high * rounds).total_seconds() / 60))
    return (low_minutes, high_minutes)


def operators_on_duty(mode: str, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return (
        Shift.objects.filter(
            start__lte=now,
            end__gt=now,
            operator__is_operator=True,
            operator__is_active=True,
            **{f"operator__{SKILL_FIELD[mode]}": True},
        )
        .values("operator_id")
        .distinct()
        .count()
    )


def queue_position(session: Session) -> int:
    """1 = next in line. 0 when the session is no longer waiting."""
    if session.state != State.WAITING or session.kind != Kind.NOW:
        return 0
    return (
        Session.objects.filter(kind=Kind.NOW, state=State.WAITING, mode=session.mode)
        .filter(
            Q(created_at__lt=session.created_at)
            | Q(created_at=session.created_at, pk__lte=session.pk)
        )
        .count()
    )


def estimated_wait(mode: str, position: int) -> datetime.timedelta:
    """Rounds of the queue ahead × recent handling time, spread over operators on duty."""
    if position <= 0:
        return datetime.timedelta()
    operators = max(1, operators_on_duty(mode))
    rounds = math.ceil(position / operators)
    return average_handling_time(mode) * rounds


def queue_status(session: Session) -> dict[str, Any]:
    position = queue_position(session)
    wait = estimated_wait(session.mode, position)
    wait_range = estimated_wait_range(session.mode, position)
    return {
        "type": "queue.status",
        "session_id": session.pk,
        "state": session.state,
        "position": position,
        "estimated_wait_minutes": math.ceil(wait.total_seconds() / 60),
        "estimated_wait_range_minutes": list(wait_range) if wait_range is not None else None,
    }


def closed_for_the_day(session: Session) -> bool:
    """Whether this talk-now request was closed at closing time (not left, not taken): the
    audit row services.queue_close_for_the_day wrote says so."""
    return queue_closed_because(session) == AuditAction.QUEUE_CLOSED_FOR_THE_DAY


def queue_closed_because(session: Session) -> str | None:
    """Why the service closed this talk-now request — the audit action: closing time, waited
    too long, or the customer had left the waiting page — or None when it did not (waiting,
    taken, or the customer withdrew it)."""
    if session.state != State.CANCELLED:
        return None
    return (
        AuditEvent.objects.filter(
            action__in=[
                AuditAction.QUEUE_CLOSED_FOR_THE_DAY,
                AuditAction.QUEUE_CLOSED_WAITED_TOO_LONG,
                AuditAction.QUEUE_CLOSED_CUSTOMER_LEFT,
            ],
            object_type=session._meta.label_lower,
            object_id=str(session.pk),
        )
        .values_list("action", flat=True)
        .first()
    )


def talk_now_restricted(user: Any, now: datetime.datetime | None = None) -> bool:
    """True while a supervisor's restriction on this customer's talk-now use is in force."""
    if getattr(user, "pk", None) is None:
        return False
    now = now or timezone.now()
    return (
        TalkNowRestriction.objects.filter(customer_id=user.pk, lifted_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .exists()
    )


def open_now_session(user: Any) -> Session | None:
    return (
        Session.objects.filter(
            customer=user, kind=Kind.NOW, state__in=[State.WAITING, State.ACTIVE]
        )
        .order_by("-created_at")
        .first()
    )


def queue_snapshot() -> dict[str, Any]:
    return {
        "type": "queue.list",
        "waiting": [
            {
                "session_id": s.pk,
                "mode": s.mode,
                "topic": s.topic,
                "customer": s.customer.name,
                "created_at": timezone.localtime(s.created_at).isoformat(),
            }
            for s in waiting_queue()
        ],
    }


def shifts_between(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Shift]:
    return Shift.objects.filter(start__lt=end, end__gt=start).select_related("operator")


def shifts_starting_in_week(monday: datetime.date) -> QuerySet[Shift]:
    """The shifts a copy of the week takes: those that start Monday 00:00 to Sunday 24:00 JST."""
    start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=JST)
    return Shift.objects.filter(start__gte=start, start__lt=start + datetime.timedelta(days=7))


def operators() -> QuerySet[User]:
    return User.objects.filter(is_operator=True, is_active=True).order_by("username")


def member_by_number(member_number: str) -> User | None:
    """One normalisation for member numbers (NFKC: full-width digits match), proxies' own."""
    return proxy_selectors.member_by_number(member_number)
