"""Reads for the supervisor's console. The rules the sessions obey (closed days, talk-now
restrictions) are read by signlanguage itself; this app only edits and lists them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from access_support.accounts.models import User
from proxies.models import Grant, GrantState
from signlanguage.booking.availability import JST
from signlanguage.models import (
    ClosedDay,
    Feedback,
    Kind,
    Session,
    SessionClosure,
    Shift,
    State,
    TalkNowRestriction,
)
from supervision.models import VoiceItem, VoiceStatus, VoiceTag

# --- home ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingGrant:
    grant: Grant
    waited: datetime.timedelta


def grants_awaiting_review(now: datetime.datetime, limit: int = 50) -> list[WaitingGrant]:
    """Oldest first. A grant enters review when the proxy accepts, which stamps updated_at."""
    grants = (
        Grant.objects.filter(state=GrantState.PENDING_REVIEW)
        .select_related("member", "proxy")
        .order_by("updated_at", "id")[:limit]
    )
    return [WaitingGrant(grant, now - grant.updated_at) for grant in grants]


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def todays_sessions(now: datetime.datetime) -> dict[str, Any]:
    """Today's bookings (by start) and talk-now requests (by creation), counted by state, and the
    queue of customers waiting now."""
    start, end = day_bounds(timezone.localdate(now))
    today = Q(kind=Kind.BOOKED, start__gte=start, start__lt=end) | Q(
        kind=Kind.NOW, created_at__gte=start, created_at__lt=end
    )
    counts = Session.objects.filter(today).aggregate(
        total=Count("id"),
        waiting=Count("id", filter=Q(state=State.WAITING)),
        active=Count("id", filter=Q(state=State.ACTIVE)),
        closed=Count("id", filter=Q(state=State.CLOSED)),
        cancelled=Count("id", filter=Q(state=State.CANCELLED)),
    )
    queue = list(
        Session.objects.filter(kind=Kind.NOW, state=State.WAITING)
        .select_related("customer")
        .order_by("created_at", "id")[:50]
    )
    upcoming = list(
        Session.objects.filter(kind=Kind.BOOKED, start__gte=now, start__lt=end)
        .exclude(state=State.CANCELLED)
        .select_related("customer", "operator")
        .order_by("start", "id")[:50]
    )
    return {"counts": counts, "queue": queue, "upcoming": upcoming}


def operators_on_shift(now: datetime.datetime) -> list[Shift]:
    return list(
        Shift.objects.filter(start__lte=now, end__gt=now)
        .select_related("operator")
        .order_by("end", "operator_id")
    )


def abuse_flags_to_decide(limit: int = 50) -> list[SessionClosure]:
    return list(
        SessionClosure.objects.filter(ended_for_abuse=True, session__abuse_review__isnull=True)
        .select_related("session__customer", "closed_by")
        .order_by("closed_at")[:limit]
    )


# --- abuse reports ---------------------------------------------------------------------------


def abuse_reports(limit: int = 200) -> list[SessionClosure]:
    """Every session ended for abuse, undecided first, then newest."""
    return list(
        SessionClosure.objects.filter(ended_for_abuse=True)
        .select_related("session__customer", "closed_by", "session__abuse_review__decided_by")
        .order_by("session__abuse_review__decided_at", "-closed_at")[:limit]
    )


def abuse_closure(session_pk: Any) -> SessionClosure:
    """The gate for one abuse report: a session that was not ended for abuse is a 404."""
    closure = (
        SessionClosure.objects.filter(session_id=session_pk, ended_for_abuse=True)
        .select_related("session__customer", "session__operator", "closed_by")
        .first()
    )
    if closure is None:
        raise Http404
    return closure


def restrictions_of(customer: Any) -> list[TalkNowRestriction]:
    return list(
        TalkNowRestriction.objects.filter(customer=customer).select_related(
            "created_by", "lifted_by"
        )
    )


def restriction(pk: Any) -> TalkNowRestriction:
    found = TalkNowRestriction.objects.filter(pk=pk).select_related("customer").first()
    if found is None:
        raise Http404
    return found


# --- closed days -----------------------------------------------------------------------------


def closed_days(today: datetime.date) -> QuerySet[ClosedDay]:
    """From a month ago onwards: older exceptions no longer matter to anyone planning."""
    return ClosedDay.objects.filter(day__gte=today - datetime.timedelta(days=31)).select_related(
        "created_by"
    )


def closed_day(pk: Any) -> ClosedDay:
    found = ClosedDay.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- voice of the customer -------------------------------------------------------------------


def voice_items(*, tag: str = "", status: str = "", limit: int = 200) -> list[VoiceItem]:
    return list(
        voice_items_matching(tag=tag, status=status).select_related("session", "tagged_by")[:limit]
    )


def voice_items_matching(*, tag: str = "", status: str = "") -> QuerySet[VoiceItem]:
    """Every item with the list page's filters (the CSV export takes them all)."""
    items = VoiceItem.objects.all()
    if tag:
        items = items.filter(tag=tag)
    if status:
        items = items.filter(status=status)
    return items.order_by("-created_at", "-id")


def voice_counts() -> dict[str, Any]:
    """Counts by tag (with a status breakdown) and by topic × tag."""
    by_tag = {
        row["tag"]: row
        for row in VoiceItem.objects.values("tag").annotate(
            total=Count("id"),
            **{s: Count("id", filter=Q(status=s)) for s in VoiceStatus.values},
        )
    }
    tags = [
        {
            "tag": tag,
            "label": label,
            "total": by_tag.get(tag, {}).get("total", 0),
            "statuses": [by_tag.get(tag, {}).get(s, 0) for s in VoiceStatus.values],
        }
        for tag, label in VoiceTag.choices
    ]
    topics: dict[str, dict[str, int]] = {}
    for row in VoiceItem.objects.values("topic", "tag").annotate(n=Count("id")):
        topics.setdefault(row["topic"], {t: 0 for t in VoiceTag.values})[row["tag"]] = row["n"]
    topic_rows = sorted(
        (
            {"topic": topic, "counts": [c[t] for t in VoiceTag.values], "total": sum(c.values())}
            for topic, c in topics.items()
        ),
        key=lambda r: (-int(r["total"]), str(r["topic"])),  # type: ignore[call-overload]
    )
    return {"tags": tags, "topics": topic_rows}


def voice_item(pk: Any) -> VoiceItem:
    found = VoiceItem.objects.filter(pk=pk).select_related("session", "tagged_by").first()
    if found is None:
        raise Http404
    return found


def voice_sources(limit: int = 50) -> dict[str, list[Any]]:
    """What is still to be tagged: feedback with a comment, and closed sessions with a summary."""
    feedback = list(
        Feedback.objects.exclude(comment="")
        .filter(voice_items__isnull=True)
        .select_related("session")
        .order_by("-created_at")[:limit]
    )
    summaries = list(
        Session.objects.filter(state=State.CLOSED)
        .exclude(summary="")
        .exclude(voice_items__source="summary")
        .select_related("operator")
        .order_by("-closed_at")[:limit]
    )
    return {"feedback": feedback, "summaries": summaries}


def feedback_for_tagging(pk: Any) -> Feedback:
    found = Feedback.objects.filter(pk=pk).exclude(comment="").select_related("session").first()
    if found is None:
        raise Http404
    return found


def session_for_tagging(pk: Any) -> Session:
    found = Session.objects.filter(pk=pk, state=State.CLOSED).exclude(summary="").first()
    if found is None:
        raise Http404
    return found


# --- operators -------------------------------------------------------------------------------


def week_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to the next Monday 00:00 (Japan time) of the week that holds `day`."""
    monday = day - datetime.timedelta(days=day.weekday())
    start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=JST)
    return start, start + datetime.timedelta(days=7)


def operators_with_week(today: datetime.date) -> list[User]:
    """Every operator, each with `shifts_this_week`: one query, whatever the number."""
    start, end = week_bounds(today)
    return list(
        User.objects.filter(is_operator=True)
        .annotate(
            shifts_this_week=Count("shifts", filter=Q(shifts__start__lt=end, shifts__end__gt=start))
        )
        .order_by("-is_active", "display_name", "username")
    )


def operator(pk: Any) -> User:
    found = User.objects.filter(pk=pk, is_operator=True).first()
    if found is None:
        raise Http404
    return found
