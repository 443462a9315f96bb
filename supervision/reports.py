"""The reports for a chosen period. Each report is computed with a few aggregate queries (the
per-row durations are fetched as bare tuples), so its cost does not grow in queries with the
data. Times are Japan time; a period is whole days, both ends included.

Definitions (what a supervisor reads in each table):
- sessions: booked sessions by their slot's start, talk-now requests by when they were made;
  cancelled ones are left out (they have their own report).
- wait to answer: talk-now requests made in the period that an operator took;
  wait = taken_at − created_at. Median; 90th percentile by the nearest-rank method.
- no-shows: booked sessions whose slot ended without the session ever starting (still waiting).
- handling time: sessions closed in the period, from the start of the conversation (taken_at,
  or the slot's start for a booking) to closed_at.
- feedback: ratings given in the period.
- proxy grants: grants registered in the period, by their state now and the relationship.
- requests (procedures): requests filed in the period, by kind. Time to first response =
  first_response_at − created_at (the claim by staff); time to done = closed_at − created_at for
  requests done or declined. Medians and 90th percentiles (nearest rank), in hours; requests
  still waiting are counted, not timed.
- desk checks: `proxy.decision` audit events made at the verification desk (`after.via ==
  "desk"`), and checks refused while the desk was locked (`proxy.desk_refused`).
"""

from __future__ import annotations

import datetime
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, DateTimeField, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from proxies.models import Grant, GrantState, Procedure, ProcedureKind, ProcedureStatus
from proxies.scopes import RELATIONSHIPS
from signlanguage.models import EndedAs, Feedback, Kind, Mode, Session, State


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included

    @property
    def since(self) -> datetime.datetime:
        tz = timezone.get_current_timezone()
        return datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period."""
        return self.since + datetime.timedelta(days=(self.end - self.start).days + 1)

    def days(self) -> list[datetime.date]:
        return [
            self.start + datetime.timedelta(days=n) for n in range((self.end - self.start).days + 1)
        ]

    def query(self) -> str:
        return (
            f"start_year={self.start.year}&start_month={self.start.month}&start_day={self.start.day}"
            f"&end_year={self.end.year}&end_month={self.end.month}&end_day={self.end.day}"
        )


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Chart:
    title: str
    bars: list[tuple[Any, Any]]
    unit: str = ""


@dataclass
class Report:
    slug: str
    title: str
    summary: list[tuple[str, Any]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _day_label(day: datetime.date) -> str:
    return date_format(day, "n/j")


def _mode_labels() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Mode.choices]


# --- the reports -----------------------------------------------------------------------------


def sessions_report(period: Period) -> Report:
    tz = timezone.get_current_timezone()
    rows = (
        Session.objects.exclude(state=State.CANCELLED)
        .annotate(when=Coalesce("start", "created_at", output_field=DateTimeField()))
        .filter(when__gte=period.since, when__lt=period.until)
        .annotate(day=TruncDate("when", tzinfo=tz))
        .values("day", "mode")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[datetime.date, str], int] = {}
    for row in rows:
        counts[(row["day"], row["mode"])] = row["n"]
    modes = _mode_labels()
    table_rows: list[list[Any]] = []
    for day in period.days():
        per_mode = [counts.get((day, mode), 0) for mode, _label in modes]
        table_rows.append([day.isoformat(), *per_mode, sum(per_mode)])
    totals = [sum(r[i + 1] for r in table_rows) for i in range(len(modes))]
    return Report(
        slug="sessions",
        title=_("Sessions by mode and by day"),
        summary=[(label, totals[i]) for i, (_m, label) in enumerate(modes)]
        + [(_("All sessions"), sum(totals))],
        charts=[
            Chart(
                _("Sessions by mode"), [(label, totals[i]) for i, (_m, label) in enumerate(modes)]
            ),
            Chart(
                _("Sessions by day"),
                [(_day_label(datetime.date.fromisoformat(r[0])), r[-1]) for r in table_rows],
            ),
        ],
        tables=[
            Table(
                _("Sessions by day"),
                [_("Date"), *[label for _m, label in modes], _("Total")],
                table_rows,
            )
        ],
    )


def wait_report(period: Period) -> Report:
    taken = Session.objects.filter(
        kind=Kind.NOW,
        created_at__gte=period.since,
        created_at__lt=period.until,
        taken_at__isnull=False,
    ).values_list("mode", "created_at", "taken_at")
    waits: dict[str, list[float]] = {mode: [] for mode, _label in _mode_labels()}
    for mode, created_at, taken_at in taken:
        assert taken_at is not None
        waits.setdefault(mode, []).append(max(0.0, (taken_at - created_at).total_seconds()))
    left = Session.objects.filter(
        kind=Kind.NOW,
        created_at__gte=period.since,
        created_at__lt=period.until,
        taken_at__isnull=True,
        state=State.CANCELLED,
    ).count()
    everyone = [w for values in waits.values() for w in values]
    rows: list[list[Any]] = []
    for mode, label in [*_mode_labels(), ("", _("All modes"))]:
        values = waits[mode] if mode else everyone
        rows.append(
            [
                label,
                len(values),
                minutes(median(values)),
                minutes(percentile(values, 90)),
            ]
        )
    return Report(
        slug="wait",
        title=_("Talk now: wait to answer"),
        summary=[
            (_("Requests answered"), len(everyone)),
            (_("Median wait (minutes)"), minutes(median(everyone))),
            (_("90th percentile wait (minutes)"), minutes(percentile(everyone, 90))),
            (_("Left the queue before an answer"), left),
        ],
        charts=[
            Chart(
                _("Median and 90th percentile wait (minutes)"),
                [
                    bar
                    for row in rows
                    for bar in (
                        (_("%(mode)s: median") % {"mode": row[0]}, row[2] or 0),
                        (_("%(mode)s: 90th percentile") % {"mode": row[0]}, row[3] or 0),
                    )
                ],
                unit=_("min"),
            )
        ],
        tables=[
            Table(
                _("Wait to answer by mode"),
                [
                    _("Mode"),
                    _("Requests answered"),
                    _("Median wait (minutes)"),
                    _("90th percentile wait (minutes)"),
                ],
                rows,
            )
        ],
    )


def no_show_report(period: Period, now: datetime.datetime | None = None) -> Report:
    now = now or timezone.now()
    booked = Session.objects.filter(
        kind=Kind.BOOKED, start__gte=period.since, start__lt=period.until
    )
    booked_counts = {
        row["mode"]: row
        for row in booked.values("mode").annotate(
            total=Count("id"),
            cancelled=Count("id", filter=Q(state=State.CANCELLED)),
            no_show=Count("id", filter=Q(state=State.WAITING, end__lte=now)),
        )
    }
    now_counts = {
        row["mode"]: row
        for row in Session.objects.filter(
            kind=Kind.NOW, created_at__gte=period.since, created_at__lt=period.until
        )
        .values("mode")
        .annotate(total=Count("id"), cancelled=Count("id", filter=Q(state=State.CANCELLED)))
    }
    rows: list[list[Any]] = []
    for mode, label in _mode_labels():
        b = booked_counts.get(mode, {})
        n = now_counts.get(mode, {})
        rows.append(
            [
                label,
                b.get("total", 0),
                b.get("cancelled", 0),
                b.get("no_show", 0),
                n.get("total", 0),
                n.get("cancelled", 0),
            ]
        )
    totals = [sum(r[i] for r in rows) for i in range(1, 6)]
    return Report(
        slug="no-shows",
        title=_("No-shows and cancellations"),
        summary=[
            (_("Bookings cancelled"), totals[1]),
            (_("Bookings not attended"), totals[2]),
            (_("Talk-now requests withdrawn"), totals[4]),
        ],
        charts=[
            Chart(
                _("Cancellations and no-shows"),
                [
                    (_("Bookings cancelled"), totals[1]),
                    (_("Bookings not attended"), totals[2]),
                    (_("Talk-now requests withdrawn"), totals[4]),
                ],
            )
        ],
        tables=[
            Table(
                _("No-shows and cancellations by mode"),
                [
                    _("Mode"),
                    _("Bookings"),
                    _("Bookings cancelled"),
                    _("Bookings not attended"),
                    _("Talk-now requests"),
                    _("Talk-now requests withdrawn"),
                ],
                rows,
            )
        ],
    )


def handling_report(period: Period) -> Report:
    closed = Session.objects.filter(
        state=State.CLOSED, closed_at__gte=period.since, closed_at__lt=period.until
    ).values_list("mode", "taken_at", "start", "closed_at")
    durations: dict[str, list[float]] = {mode: [] for mode, _label in _mode_labels()}
    for mode, taken_at, start, closed_at in closed:
        began = taken_at or start
        if began is None or closed_at is None or closed_at < began:
            continue
        durations.setdefault(mode, []).append((closed_at - began).total_seconds())
    everyone = [d for values in durations.values() for d in values]
    rows: list[list[Any]] = []
    for mode, label in [*_mode_labels(), ("", _("All modes"))]:
        values = durations[mode] if mode else everyone
        mean = statistics.fmean(values) if values else None
        rows.append([label, len(values), minutes(mean), minutes(median(values))])
    # Sessions that ended by themselves (signlanguage.live.presence, issue 22 item 6).
    ended_as = dict(
        Session.objects.filter(
            state=State.CLOSED, closed_at__gte=period.since, closed_at__lt=period.until
        )
        .exclude(ended_as="")
        .order_by()
        .values_list("ended_as")
        .annotate(n=Count("id"))
    )
    return Report(
        slug="handling",
        title=_("Handling time"),
        summary=[
            (_("Sessions closed"), len(everyone)),
            (_("Average (minutes)"), rows[-1][2]),
            (_("Median (minutes)"), rows[-1][3]),
            (_("Ended: the customer left"), ended_as.get(EndedAs.CUSTOMER_LEFT, 0)),
            (_("Sessions abandoned"), ended_as.get(EndedAs.ABANDONED, 0)),
        ],
        charts=[
            Chart(
                _("Average handling time by mode (minutes)"),
                [(row[0], row[2] or 0) for row in rows],
                unit=_("min"),
            )
        ],
        tables=[
            Table(
                _("Handling time by mode"),
                [_("Mode"), _("Sessions closed"), _("Average (minutes)"), _("Median (minutes)")],
                rows,
            )
        ],
    )


def feedback_report(period: Period) -> Report:
    given = Feedback.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
    agg = given.aggregate(
        total=Count("id"),
        average=Avg("rating"),
        with_comment=Count("id", filter=~Q(comment="")),
        **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
    )
    by_mode = {
        row["session__mode"]: row
        for row in given.values("session__mode").annotate(n=Count("id"), average=Avg("rating"))
    }
    average = round(agg["average"], 2) if agg["average"] is not None else None
    rating_rows = [[n, agg[f"r{n}"]] for n in range(5, 0, -1)]
    mode_rows: list[list[Any]] = []
    for mode, label in _mode_labels():
        row = by_mode.get(mode, {})
        avg = row.get("average")
        mode_rows.append([label, row.get("n", 0), round(avg, 2) if avg is not None else None])
    return Report(
        slug="feedback",
        title=_("Feedback scores"),
        summary=[
            (_("Answers"), agg["total"]),
            (_("Average score (1–5)"), average),
            (_("Answers with a comment"), agg["with_comment"]),
        ],
        charts=[
            Chart(
                _("Answers by score"),
                [(_("Score %(n)s") % {"n": n}, count) for n, count in rating_rows],
            )
        ],
        tables=[
            Table(_("Answers by score"), [_("Score"), _("Answers")], rating_rows),
            Table(_("Feedback by mode"), [_("Mode"), _("Answers"), _("Average score")], mode_rows),
        ],
    )


def grants_report(period: Period) -> Report:
    counts: dict[tuple[str, str], int] = {}
    for row in (
        Grant.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
        .values("relationship", "state")
        .annotate(n=Count("id"))
    ):
        counts[(row["relationship"], row["state"])] = row["n"]
    states = [(str(v), str(label)) for v, label in GrantState.choices]
    rows: list[list[Any]] = []
    for relationship, label in RELATIONSHIPS.items():
        per_state = [counts.get((relationship, state), 0) for state, _l in states]
        rows.append([str(label), *per_state, sum(per_state)])
    state_totals = [sum(r[i + 1] for r in rows) for i in range(len(states))]
    return Report(
        slug="grants",
        title=_("Proxy registrations by state and relationship"),
        summary=[(_("Registrations"), sum(state_totals))],
        charts=[
            Chart(
                _("Registrations by state"),
                [(label, state_totals[i]) for i, (_s, label) in enumerate(states)],
            ),
            Chart(_("Registrations by relationship"), [(r[0], r[-1]) for r in rows]),
        ],
        tables=[
            Table(
                _("Registrations by relationship and state"),
                [_("Relationship"), *[label for _s, label in states], _("Total")],
                rows,
            )
        ],
    )


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def procedures_report(period: Period) -> Report:
    filed = Procedure.objects.filter(
        created_at__gte=period.since, created_at__lt=period.until
    ).values_list("kind", "status", "created_at", "first_response_at", "closed_at")
    kinds = [(str(value), str(label)) for value, label in ProcedureKind.choices]
    counts: dict[str, int] = {kind: 0 for kind, _label in kinds}
    first: dict[str, list[float]] = {kind: [] for kind, _label in kinds}
    to_done: dict[str, list[float]] = {kind: [] for kind, _label in kinds}
    waiting: dict[str, int] = {kind: 0 for kind, _label in kinds}
    for kind, status, created_at, first_response_at, closed_at in filed:
        counts[kind] = counts.get(kind, 0) + 1
        if first_response_at is not None:
            first.setdefault(kind, []).append(
                max(0.0, (first_response_at - created_at).total_seconds())
            )
        else:
            waiting[kind] = waiting.get(kind, 0) + 1
        if closed_at is not None and status in (ProcedureStatus.DONE, ProcedureStatus.DECLINED):
            to_done.setdefault(kind, []).append(max(0.0, (closed_at - created_at).total_seconds()))
    rows: list[list[Any]] = []
    for kind, label in [*kinds, ("", _("Every kind"))]:
        answered = first[kind] if kind else [v for values in first.values() for v in values]
        finished = to_done[kind] if kind else [v for values in to_done.values() for v in values]
        rows.append(
            [
                label,
                counts[kind] if kind else sum(counts.values()),
                waiting[kind] if kind else sum(waiting.values()),
                hours(median(answered)),
                hours(percentile(answered, 90)),
                len(finished),
                hours(median(finished)),
                hours(percentile(finished, 90)),
            ]
        )
    every = rows[-1]
    return Report(
        slug="procedures",
        title=_("Requests: time to first response and to done"),
        summary=[
            (_("Requests filed"), every[1]),
            (_("Not yet taken by staff"), every[2]),
            (_("Median time to first response (hours)"), every[3]),
            (_("Done or declined"), every[5]),
            (_("Median time to done (hours)"), every[6]),
        ],
        charts=[
            Chart(
                _("Median time to first response and to done by kind (hours)"),
                [
                    bar
                    for row in rows
                    for bar in (
                        (_("%(kind)s: first response") % {"kind": row[0]}, row[3] or 0),
                        (_("%(kind)s: done") % {"kind": row[0]}, row[6] or 0),
                    )
                ],
                unit=_("h"),
            )
        ],
        tables=[
            Table(
                _("Requests by kind"),
                [
                    _("Request"),
                    _("Requests filed"),
                    _("Not yet taken by staff"),
                    _("Median time to first response (hours)"),
                    _("90th percentile time to first response (hours)"),
                    _("Done or declined"),
                    _("Median time to done (hours)"),
                    _("90th percentile time to done (hours)"),
                ],
                rows,
            )
        ],
    )


DESK_REASONS: dict[str, Any] = {
    "ok": gettext_lazy("Allowed"),
    "unknown_member": gettext_lazy("No such member"),
    "not_delegable": gettext_lazy("Never delegable"),
    "invalid_code": gettext_lazy("Wrong or expired code"),
    "no_grant": gettext_lazy("Not a proxy of this member"),
    "grant_not_active": gettext_lazy("Registration not active"),
    "grant_revoked": gettext_lazy("Registration ended by the member"),
    "grant_expired": gettext_lazy("Registration past its end date"),
    "scope_missing": gettext_lazy("Not allowed by the member"),
    "desk_locked": gettext_lazy("Desk locked after wrong codes"),
}


def desk_report(period: Period) -> Report:
    in_period = AuditEvent.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
    counts = {
        row["reason"]: row["n"]
        for row in in_period.filter(action=AuditAction.PROXY_DECISION, after__via="desk")
        .values("reason")
        .annotate(n=Count("id"))
    }
    counts["desk_locked"] = in_period.filter(action=AuditAction.PROXY_DESK_REFUSED).count()
    rows: list[list[Any]] = []
    for reason, label in DESK_REASONS.items():
        allowed = reason == "ok"
        rows.append(
            [str(label), reason, _("Allowed") if allowed else _("Denied"), counts.get(reason, 0)]
        )
    for reason, n in sorted(counts.items()):
        if reason not in DESK_REASONS:  # a reason added later still shows up
            rows.append([reason, reason, _("Denied"), n])
    allowed_total = counts.get("ok", 0)
    denied_total = sum(n for reason, n in counts.items() if reason != "ok")
    return Report(
        slug="desk",
        title=_("Verification desk: checks allowed and denied"),
        summary=[(_("Allowed"), allowed_total), (_("Denied"), denied_total)],
        charts=[Chart(_("Desk checks by reason"), [(r[0], r[3]) for r in rows])],
        tables=[
            Table(
                _("Desk checks by reason"),
                [_("Reason"), _("Code"), _("Answer"), _("Checks")],
                rows,
            )
        ],
    )


REPORTS: dict[str, tuple[Any, Callable[[Period], Report]]] = {
    "sessions": (gettext_lazy("Sessions by mode and by day"), sessions_report),
    "wait": (gettext_lazy("Talk now: wait to answer"), wait_report),
    "no-shows": (gettext_lazy("No-shows and cancellations"), no_show_report),
    "handling": (gettext_lazy("Handling time"), handling_report),
    "feedback": (gettext_lazy("Feedback scores"), feedback_report),
    "grants": (gettext_lazy("Proxy registrations by state and relationship"), grants_report),
    "desk": (gettext_lazy("Verification desk: checks allowed and denied"), desk_report),
    "procedures": (
        gettext_lazy("Requests: time to first response and to done"),
        procedures_report,
    ),
}


def build(slug: str, period: Period) -> Report:
    return REPORTS[slug][1](period)


def csv_rows(report: Report, period: Period) -> list[list[Any]]:
    """Every table of the report, one after another, each under its caption."""
    out: list[list[Any]] = [
        [report.title],
        [_("Period"), period.start.isoformat(), period.end.isoformat()],
        [],
    ]
    for label, value in report.summary:
        out.append([label, "" if value is None else value])
    for table in report.tables:
        out += [[], [table.caption], table.headers]
        out += [["" if cell is None else cell for cell in row] for row in table.rows]
    return out
