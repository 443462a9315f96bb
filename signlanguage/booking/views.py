"""Booking, talk-now, queue and shift pages: each view parses a form, asks one gate and calls
one service."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_support.accounts.models import User
from access_support.audit.actions import AuditAction
from access_support.http import request_user, require
from access_support.masking import MASKED_NOTICE, has_card_number
from proxies import acting
from signlanguage.booking import availability, forms, policies, selectors, services
from signlanguage.booking.availability import JST
from signlanguage.booking.ics import session_ics
from signlanguage.formatting import format_date, format_datetime, format_time
from signlanguage.models import Mode, Session, Shift


def error_text(code: str) -> str:
    texts = {
        "slot_full": _("Sorry, that time was just taken. Please choose another time."),
        "customer_busy": _("There is already a session booked at that time."),
        "in_the_past": _("That time has already passed. Please choose another time."),
        "closed_day": _("We are closed on that day. Please choose another day."),
        "outside_hours": _("That time is outside service hours."),
        "off_grid": _("Please choose one of the times shown."),
        "already_started": _("The session has already started, so it cannot be changed."),
        "not_changeable": _("This session can no longer be changed."),
        "already_waiting": _("You are already waiting for an operator."),
        "service_closed": _("The service is closed now."),
        "already_taken": _("Another operator has already taken this request."),
        "scope_missing": _("The member has not allowed you to book sessions for them."),
        "not_a_member": _("Only card members can book a session."),
        "same_slot": _("That is the time already booked."),
        "shift_overlap": _("This operator already has a shift at that time."),
        "talk_now_restricted": _("Talk now is not available for you. Please book a time."),
        "nobody_on_shift": _(
            "No operator for this way of talking is on shift now, so we cannot connect you. "
            "Please book a time."
        ),
    }
    return texts.get(code, _("Something went wrong. Please try again."))


def _customer_for(request: HttpRequest) -> User | None:
    """Who the booking is for: the acting-for member of a proxy, else the member themself."""
    user = request_user(request)
    member = acting.acting_member(request)
    if member is not None:
        return member
    return user if user.is_member else None


def _session_view(session: Session) -> dict[str, Any]:
    return {
        "obj": session,
        "when": format_datetime(session.start) if session.start else "",
        "mode_label": Mode(session.mode).label,
    }


@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    sessions = [_session_view(s) for s in selectors.sessions_for_user(user)[:50]]
    today = timezone.localdate()
    handled = [_session_view(s) for s in selectors.sessions_for_operator(user, today)]
    return render(
        request,
        "signlanguage/my_sessions.html",
        {"sessions": sessions, "handled": handled, "today": format_date(today)},
    )


@require_GET
def book(request: HttpRequest) -> HttpResponse:
    """Choose a mode and a day, then see that day and the six after it as big time buttons."""
    reschedule = request.GET.get("reschedule", "")
    form = forms.ModeDateForm(request.GET if "mode" in request.GET else None)
    if form.is_bound and "date" in (form.cleaned_data if form.is_valid() else {}):
        mode = form.cleaned_data["mode"]
        first: datetime.date = form.cleaned_data["date"]
        days = []
        for day in availability.week_days(first):
            slots = [
                {
                    "label": format_time(slot.start),
                    "when": format_datetime(slot.start),
                    "url": reverse("signlanguage:confirm")
                    + "?"
                    + urlencode(
                        {"mode": mode, "start": slot.start.isoformat(), "reschedule": reschedule}
                    ),
                    "available": slot.available,
                }
                for slot in availability.day_slots(mode, day)
                if slot.available > 0
            ]
            days.append(
                {
                    "label": format_date(day),
                    "slots": slots,
                    "closed": availability.is_closed_day(day),
                }
            )
        previous = first - datetime.timedelta(days=7)
        following = first + datetime.timedelta(days=7)

        def week_url(day: datetime.date) -> str:
            params = {"mode": mode, "year": day.year, "month": day.month, "day": day.day}
            if reschedule:
                params["reschedule"] = reschedule
            return reverse("signlanguage:book") + "?" + urlencode(params)

        return render(
            request,
            "signlanguage/availability.html",
            {
                "days": days,
                "mode_label": Mode(mode).label,
                "slot_minutes": availability.slot_length().seconds // 60,
                "first": format_date(first),
                "previous_url": week_url(previous) if previous >= timezone.localdate() else "",
                "next_url": week_url(following),
            },
        )
    if not form.is_bound:
        today = timezone.localdate()
        form = forms.ModeDateForm(
            initial={
                "mode": request.GET.get("m", Mode.WRITTEN_CHAT),
                "year": today.year,
                "month": today.month,
                "day": today.day,
            }
        )
    return render(request, "signlanguage/book.html", {"form": form, "reschedule": reschedule})


def _parse_start(value: str) -> datetime.datetime | None:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if not datetime.MINYEAR < parsed.year < datetime.MAXYEAR:
        return None  # may not exist in UTC: the database conversion would overflow (a 500)
    return parsed if timezone.is_aware(parsed) else None


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    mode = params.get("mode", "")
    start = _parse_start(params.get("start", ""))
    if mode not in Mode.values or start is None:
        messages.error(request, _("Please choose one of the times shown."))
        return redirect("signlanguage:book")
    reschedule_id = params.get("reschedule", "")
    user = request_user(request)
    existing = selectors.session_for_user(user, reschedule_id) if reschedule_id else None
    customer = existing.customer if existing else _customer_for(request)
    if customer is None:
        messages.error(request, _("Choose the member you are helping first."))
        return redirect("proxies:helping")
    form = forms.BookingForm(request.POST or None)
    error = ""
    if request.method == "POST" and (existing is not None or form.is_valid()):
        try:
            if existing is not None:
                session = services.booking_reschedule(session=existing, actor=user, start=start)
                messages.success(request, _("The new time is booked. We sent you an e-mail."))
            else:
                session = services.booking_create(
                    actor=user,
                    customer=customer,
                    mode=mode,
                    start=start,
                    topic=form.cleaned_data["topic"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Your session is booked. We sent you an e-mail."))
                if has_card_number(form.cleaned_data["topic"], form.cleaned_data["note"]):
                    messages.warning(request, MASKED_NOTICE)
            return redirect("signlanguage:detail", pk=session.pk)
        except services.BookingError as exc:
            error = error_text(exc.code)
    return render(
        request,
        "signlanguage/confirm.html",
        {
            "form": form,
            "mode": mode,
            "mode_label": Mode(mode).label,
            "start": start.isoformat(),
            "when": format_datetime(start),
            "customer": customer,
            "for_someone_else": customer.pk != user.pk,
            "existing": existing,
            "error": error,
        },
        status=409 if error else 200,
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_user(request_user(request), pk)
    changeable = policies.can_change_booking(request_user(request), session, timezone.now()).allowed
    context = _session_view(session) | {
        "changeable": changeable,
        "reschedule_url": reverse("signlanguage:book")
        + "?"
        + urlencode({"m": session.mode, "reschedule": str(session.pk)}),
    }
    return render(request, "signlanguage/detail.html", context)


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: say what will be cancelled, with 取り消す / 戻る (no JavaScript). POST: cancel."""
    session = selectors.session_for_user(request_user(request), pk)
    if request.method == "GET":
        if not policies.can_change_booking(request_user(request), session, timezone.now()).allowed:
            messages.error(request, _("This session can no longer be cancelled."))
            return redirect("signlanguage:detail", pk=session.pk)
        return render(request, "signlanguage/cancel_confirm.html", _session_view(session))
    try:
        services.booking_cancel(session=session, actor=request_user(request))
        messages.success(request, _("The session is cancelled. We sent you an e-mail."))
    except services.BookingError as exc:
        messages.error(request, error_text(exc.code))
    return redirect("signlanguage:detail", pk=session.pk)


@require_GET
def ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_user(request_user(request), pk)
    if session.start is None:
        raise PermissionDenied
    response = HttpResponse(session_ics(session), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def talk_now(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    now = timezone.now()
    if not availability.is_open_at(now):
        opens = availability.next_opening(now)
        return render(
            request, "signlanguage/talk_now_closed.html", {"opens": format_datetime(opens)}
        )
    decision = policies.can_request_now(user, restricted=selectors.talk_now_restricted(user))
    if not decision.allowed:
        return render(
            request,
            "signlanguage/talk_now_closed.html",
            {"restricted": True},
            status=403,
        )
    waiting = selectors.open_now_session(user)
    if waiting is not None:
        return redirect("signlanguage:waiting", pk=waiting.pk)
    form = forms.TalkNowForm(request.POST or None)
    error = error_code = ""
    if request.method == "POST" and form.is_valid():
        try:
            session = services.queue_request(
                actor=user, mode=form.cleaned_data["mode"], topic=form.cleaned_data["topic"]
            )
            if has_card_number(form.cleaned_data["topic"]):
                messages.warning(request, MASKED_NOTICE)
            return redirect("signlanguage:waiting", pk=session.pk)
        except services.BookingError as exc:
            error, error_code = error_text(exc.code), exc.code
    return render(
        request,
        "signlanguage/talk_now.html",
        {"form": form, "error": error, "nobody_on_shift": error_code == "nobody_on_shift"},
    )


@require_GET
def waiting(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's place in the talk-now queue. Taken (or already ended): straight to the
    conversation. Still waiting after closing time: the request is closed for the day
    (services.queue_close_for_the_day, audited) and the page says so and offers a booking."""
    session = selectors.session_for_user(request_user(request), pk)
    if session.kind == "now" and session.state in ("active", "closed"):
        return redirect("signlanguage:live-session", pk=session.pk)
    now = timezone.now()
    if session.state == "waiting":
        services.queue_close_for_the_day(session=session, now=now)
    closed_because = selectors.queue_closed_because(session)
    closed_for_the_day = closed_because == AuditAction.QUEUE_CLOSED_FOR_THE_DAY
    return render(
        request,
        "signlanguage/waiting.html",
        _session_view(session)
        | {
            "status": selectors.queue_status(session),
            "closed_for_the_day": closed_for_the_day,
            "waited_too_long": closed_because == AuditAction.QUEUE_CLOSED_WAITED_TOO_LONG,
            "customer_left": closed_because == AuditAction.QUEUE_CLOSED_CUSTOMER_LEFT,
            "hold": settings.LIVE_HOLD_MINUTES,
            "max_wait": settings.QUEUE_MAX_WAIT_MINUTES,
            "opens": format_datetime(availability.next_opening(now)) if closed_for_the_day else "",
            "book_url": reverse("signlanguage:book") + "?" + urlencode({"m": session.mode}),
        },
    )


@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_user(request_user(request), pk)
    try:
        services.queue_leave(session=session, actor=request_user(request))
        messages.success(request, _("You have left the queue."))
    except services.BookingError as exc:
        messages.error(request, error_text(exc.code))
    return redirect("signlanguage:mine")


@require_GET
def operator_queue(request: HttpRequest) -> HttpResponse:
    require(policies.can_see_queue(request_user(request)))
    waiting_list = [_session_view(s) for s in selectors.waiting_queue()]
    # Words for queue.js's live update (the mode in words, the button named with the customer).
    queue_strings = {
        "take": _("Take %(name)s"),
        "modes": {str(mode.value): str(mode.label) for mode in Mode},
    }
    return render(
        request,
        "signlanguage/queue.html",
        {"waiting": waiting_list, "queue_strings": queue_strings},
    )


@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require(user.is_operator)
    session = (
        selectors.waiting_queue().filter(pk=pk).first()
        or Session.objects.filter(pk=pk, kind="now").first()
    )
    if session is None:
        messages.error(request, error_text("already_taken"))
        return redirect("signlanguage:queue")
    try:
        services.queue_take(session=session, operator=user)
    except services.BookingError as exc:
        messages.error(request, error_text(exc.code))
        return redirect("signlanguage:queue")
    messages.success(request, _("You have taken the request."))
    return redirect("signlanguage:live-session", pk=session.pk)


def _monday(value: str | None) -> datetime.date:
    """The Monday of the week holding the date `value` (YYYY-MM-DD); this week when missing or
    not a date; 404 in the first or last year of the calendar, where the page's week arithmetic
    and the conversion to UTC overflow (`?week=9999-12-31` was a 500)."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        day = timezone.localdate()
    if not datetime.MINYEAR < day.year < datetime.MAXYEAR:
        raise Http404("No such week.")
    return day - datetime.timedelta(days=day.weekday())


def _week_url(monday: datetime.date) -> str:
    return f"{reverse('signlanguage:shifts')}?{urlencode({'week': monday.isoformat()})}"


def _week_label(monday: datetime.date) -> str:
    return _("%(first)s to %(last)s") % {
        "first": format_date(monday),
        "last": format_date(monday + datetime.timedelta(days=6)),
    }


@require_http_methods(["GET", "POST"])
def shifts(request: HttpRequest) -> HttpResponse:
    """One week of shifts (Monday to Sunday), with the weeks before and after a click away."""
    user = request_user(request)
    require(policies.can_manage_shifts(user))
    form = forms.ShiftForm(request.POST or None, operators=selectors.operators())
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.shift_add(
                operator=form.cleaned_data["operator"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                actor=user,
            )
            messages.success(request, _("The shift is added."))
            return redirect(_week_url(_monday(shift.start.astimezone(JST).date().isoformat())))
        except services.BookingError as exc:
            error = error_text(exc.code)
    monday = _monday(request.GET.get("week"))
    start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=JST)
    rows = [
        {
            "obj": shift,
            "day": format_date(shift.start.astimezone(JST).date()),
            "start": format_time(shift.start),
            "end": format_time(shift.end),
        }
        for shift in selectors.shifts_between(start, start + datetime.timedelta(days=7))
    ]
    week = datetime.timedelta(days=7)
    this_monday = _monday(None)
    return render(
        request,
        "signlanguage/shifts.html",
        {
            "form": form,
            "rows": rows,
            "error": error,
            "week_label": _week_label(monday),
            "week": monday.isoformat(),
            "is_this_week": monday == this_monday,
            "previous_week": (monday - week).isoformat(),
            "next_week": (monday + week).isoformat(),
            "previous_label": _week_label(monday - week),
            "next_label": _week_label(monday + week),
        },
    )


@require_http_methods(["GET", "POST"])
def shifts_copy_week(request: HttpRequest) -> HttpResponse:
    """Check, then copy every shift of a week to the next week (the button is a POST)."""
    user = request_user(request)
    require(policies.can_manage_shifts(user))
    raw = request.POST.get("week") if request.method == "POST" else request.GET.get("week")
    monday = _monday(raw)
    if request.method == "POST":
        valid = bool(raw) and monday.isoformat() == raw
        if not valid:
            return render(
                request,
                "signlanguage/shifts_copy.html",
                {"error": _("Choose the week again from the shifts page.")},
                status=400,
            )
        result = services.shifts_copy_week(monday=monday, actor=user)
        text = ngettext(
            "%(n)d shift is copied to the next week.",
            "%(n)d shifts are copied to the next week.",
            result.copied,
        ) % {"n": result.copied}
        messages.success(request, text)
        _tell_count(request, messages.WARNING, result.skipped_overlap, NOT_COPIED_OVERLAP)
        _tell_count(request, messages.WARNING, result.skipped_not_operator, NOT_COPIED_NOT_OPERATOR)
        return redirect(_week_url(monday + datetime.timedelta(days=7)))
    return render(
        request,
        "signlanguage/shifts_copy.html",
        {
            "week": monday.isoformat(),
            "count": selectors.shifts_starting_in_week(monday).count(),
            "from_label": _week_label(monday),
            "to_label": _week_label(monday + datetime.timedelta(days=7)),
            "back_url": _week_url(monday),
        },
    )


# What a supervisor is told about the bookings and shifts a change could not keep.
NOT_COPIED_OVERLAP = ngettext_lazy(
    "%(n)d shift was not copied: the operator already has a shift at that time.",
    "%(n)d shifts were not copied: the operator already has a shift at that time.",
    "n",
)
NOT_COPIED_NOT_OPERATOR = ngettext_lazy(
    "%(n)d shift was not copied: the person is no longer an operator.",
    "%(n)d shifts were not copied: the person is no longer an operator.",
    "n",
)
MOVED = ngettext_lazy(
    "%(count)d booking in it moved to another operator; the customer was told.",
    "%(count)d bookings in it moved to other operators; the customers were told.",
    "count",
)
CANCELLED = ngettext_lazy(
    "%(count)d booking in it had no other operator free and was cancelled; "
    "the customer was e-mailed a link to book again.",
    "%(count)d bookings in it had no other operator free and were cancelled; "
    "the customers were e-mailed a link to book again.",
    "count",
)


def _tell_count(request: HttpRequest, level: int, count: int, text: Any, *, key: str = "n") -> None:
    """Add `text` (an ngettext_lazy keyed by `key`) for `count`, unless nothing was counted."""
    if count:
        messages.add_message(request, level, text % {key: count})


@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require(policies.can_manage_shifts(user))
    shift = Shift.objects.filter(pk=pk).first()
    if shift is not None:
        monday = _monday(shift.start.astimezone(JST).date().isoformat())
        removal = services.shift_delete(shift=shift, actor=user)
        messages.success(request, _("The shift is removed."))
        _tell_count(request, messages.INFO, removal.reassigned, MOVED, key="count")
        _tell_count(request, messages.WARNING, removal.cancelled, CANCELLED, key="count")
        return redirect(_week_url(monday))
    return redirect("signlanguage:shifts")
