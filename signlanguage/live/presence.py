"""Presence in a live session, and what happens when people go (issue 22 item 6, issue 21 item 4).

Who is connected is stored on the Session (`<role>_joined_at`, `<role>_left_at`), never in a
process's memory: several daphne processes serve the sockets of one session. Each live socket
marks its role connected when it joins and gone when it closes; every socket of the session then
gets a `presence` frame (docs/websocket.md) through the channel layer.

A participant who drops keeps their place for settings.LIVE_HOLD_MINUTES: coming back within it
is an ordinary reconnect (the chat syncs, the video calls again). After it, a session whose
customer (and proxy) did not come back is ended as "customer left"; one whose customer side and
operator have both been gone for settings.LIVE_ABANDONED_MINUTES is ended as "abandoned". A
talk-now request whose customer closed the waiting page is closed after LIVE_HOLD_MINUTES too.
These endings are audited and run from `manage.py sweep_queue` (cron), and when someone connects
to a session that is already past them."""

from __future__ import annotations

import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from signlanguage import events
from signlanguage.models import OPEN_STATES, EndedAs, Kind, Session, State

ROLES = ("customer", "proxy", "operator")
CUSTOMER_SIDE = ("customer", "proxy")


def hold() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LIVE_HOLD_MINUTES)


def abandoned_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LIVE_ABANDONED_MINUTES)


def _iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


def participants(session: Session, now: datetime.datetime) -> list[dict[str, Any]]:
    """Each role that has joined: "connected" (since it joined), "reconnecting" (gone, its
    place held until `held_until`) or "gone" (since it went; the hold is over)."""
    found = []
    for role in ROLES:
        joined = getattr(session, f"{role}_joined_at")
        left = getattr(session, f"{role}_left_at")
        if joined is None:
            continue
        if left is None:
            state, since, until = "connected", joined, None
        else:
            until = left + hold()
            state, since = ("reconnecting" if now < until else "gone"), left
        found.append(
            {"role": role, "state": state, "since": _iso(since), "held_until": _iso(until)}
        )
    return found


def frame(session: Session, now: datetime.datetime) -> dict[str, Any]:
    """The `presence` frame of docs/websocket.md."""
    return {
        "type": "presence",
        "participants": participants(session, now),
        "ended_as": session.ended_as or None,
    }


def mark(*, session_id: int, role: str, connected: bool) -> None:
    """A live socket of `role` joined (`connected`) or closed: one UPDATE (a session that has
    ended is left alone). Connecting again after a drop starts a new "connected since"; a role
    already connected (another tab of theirs) keeps its time. The caller nudges the session's
    sockets (`presence.changed`); those that watch presence read `current` themselves."""
    if role not in ROLES:
        return
    now = timezone.now()
    joined, left = f"{role}_joined_at", f"{role}_left_at"
    if connected:
        still_here = Q(**{f"{left}__isnull": True, f"{joined}__isnull": False})
        change: dict[str, Any] = {
            joined: Case(When(still_here, then=F(joined)), default=Value(now)),
            left: None,
        }
    else:
        change = {left: now}
    Session.objects.filter(pk=session_id, state__in=OPEN_STATES).update(**change)


def current(session_id: int) -> dict[str, Any] | None:
    session = Session.objects.filter(pk=session_id).first()
    return frame(session, timezone.now()) if session is not None else None


def _gone_since(session: Session, roles: tuple[str, ...]) -> datetime.datetime | None:
    """When the last of `roles` went; None while one of them is connected or none joined."""
    lefts = []
    for role in roles:
        if getattr(session, f"{role}_joined_at") is None:
            continue
        left = getattr(session, f"{role}_left_at")
        if left is None:
            return None
        lefts.append(left)
    return max(lefts) if lefts else None


def outcome(session: Session, now: datetime.datetime) -> str | None:
    """How an open session ends now, or None while it goes on: "abandoned" when its customer
    side and its operator have both been gone for LIVE_ABANDONED_MINUTES; "customer_left" when
    the customer (and proxy) were with the operator and have been gone for LIVE_HOLD_MINUTES."""
    if session.state not in OPEN_STATES:
        return None
    customer_gone = _gone_since(session, CUSTOMER_SIDE)
    if customer_gone is None:
        return None
    operator_gone = _gone_since(session, ("operator",))
    if operator_gone is not None and now - max(customer_gone, operator_gone) >= abandoned_after():
        return EndedAs.ABANDONED
    if session.operator_joined_at is not None and now - customer_gone >= hold():
        return EndedAs.CUSTOMER_LEFT
    return None


CHANGED = {"type": "presence.changed"}


def _nudge(session_id: int) -> None:
    """Tell the session's sockets that presence changed, once the transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(events.session_group(session_id), dict(CHANGED))

    transaction.on_commit(send)


_ENDED_ACTIONS = {
    EndedAs.CUSTOMER_LEFT: AuditAction.SESSION_ENDED_CUSTOMER_LEFT,
    EndedAs.ABANDONED: AuditAction.SESSION_ABANDONED,
}


@transaction.atomic
def end_if_gone(*, session_id: int, now: datetime.datetime | None = None) -> str | None:
    """End the session when its people have gone for longer than the settings allow
    (`outcome`): closed, `ended_as` stored, audited (no actor: the clock did it), and every
    socket told — a `presence` frame with `ended_as`, then `session.state` closed. Returns
    how it ended, or None when it goes on."""
    now = now or timezone.now()
    locked = Session.objects.select_for_update().filter(pk=session_id).first()
    if locked is None:
        return None
    ended = outcome(locked, now)
    if ended is None:
        return None
    before = {"state": locked.state}
    locked.state = State.CLOSED
    locked.closed_at = now
    locked.ended_as = ended
    locked.save(update_fields=["state", "closed_at", "ended_as"])
    audit.record(
        action=_ENDED_ACTIONS[EndedAs(ended)],
        subject_user=locked.customer,
        obj=locked,
        reason=ended,
        before=before,
        after={"state": State.CLOSED, "ended_as": ended},
    )
    _nudge(locked.pk)
    events.session_state_changed(locked.pk, State.CLOSED)
    return ended


def may_have_ended(session: Session, now: datetime.datetime) -> bool:
    """Cheap, on the session already read: whether end_if_gone could end it now."""
    return outcome(session, now) is not None


def sweep_sessions(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """End every open session whose people have gone for too long (end_if_gone): how many
    ended each way."""
    now = now or timezone.now()
    cutoff = now - min(hold(), abandoned_after())
    gone = Q()
    for role in CUSTOMER_SIDE:
        gone |= Q(**{f"{role}_left_at__lte": cutoff})
    counts = {EndedAs.CUSTOMER_LEFT.value: 0, EndedAs.ABANDONED.value: 0}
    candidates = Session.objects.filter(gone, state__in=OPEN_STATES).order_by("pk")
    for session_id in candidates.values_list("pk", flat=True):
        ended = end_if_gone(session_id=session_id, now=now)
        if ended is not None:
            counts[ended] += 1
    return counts


def queue_close_customer_left(
    *, session: Session, now: datetime.datetime | None = None
) -> Session | None:
    """A talk-now request whose customer closed the waiting page (the queue socket went) and did
    not come back within LIVE_HOLD_MINUTES is closed: cancelled, audited
    (`signlanguage.queue_closed_customer_left`), the queue told. When they come back, the
    waiting page says why and offers a booking. None while it may still wait."""
    now = now or timezone.now()
    cutoff = now - hold()
    with transaction.atomic():
        closed = Session.objects.filter(
            pk=session.pk, kind=Kind.NOW, state=State.WAITING, waiting_left_at__lte=cutoff
        ).update(state=State.CANCELLED, cancelled_at=now)
        if closed != 1:
            return None
        session.refresh_from_db()
        audit.record(
            action=AuditAction.QUEUE_CLOSED_CUSTOMER_LEFT,
            subject_user=session.customer,
            obj=session,
            after={"state": State.CANCELLED, "reason": "customer_left"},
        )
        events.queue_changed()
    return session


def sweep_queue_left(*, now: datetime.datetime | None = None) -> int:
    """Close every talk-now request whose customer has left (queue_close_customer_left)."""
    now = now or timezone.now()
    left = Session.objects.filter(
        kind=Kind.NOW, state=State.WAITING, waiting_left_at__lte=now - hold()
    ).select_related("customer")
    return sum(
        queue_close_customer_left(session=session, now=now) is not None
        for session in left.order_by("waiting_left_at", "pk")
    )
