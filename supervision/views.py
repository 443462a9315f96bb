"""Supervisor pages: each view checks one gate, parses a form, calls one service or selector."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access_support.masking import mask_card_numbers, tell_saved
from access_support.site import site_url
from signlanguage.booking import selectors as session_selectors
from signlanguage.live import selectors as live_selectors
from supervision import charts, policies, reports, selectors, services
from supervision.forms import (
    AbuseDecisionForm,
    ClosedDayForm,
    OperatorForm,
    OperatorSkillsForm,
    PeriodForm,
    VoiceAdvanceForm,
    VoiceTagForm,
)
from supervision.models import NEXT_STATUS, VoiceStatus, VoiceTag

View = Callable[..., HttpResponse]


def supervisor_only(view: View) -> View:
    """Every page here is for supervisors: anyone else signed in gets 403 (the middleware sends
    anonymous visitors to sign in first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policies.can_supervise(request.user).allowed:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _try(request: HttpRequest, change: Callable[[], Any], done: Callable[[Any], str]) -> None:
    """Make a change and tell the supervisor how it went: what went wrong in words, or `done`
    (given what the change returned)."""
    try:
        result = change()
    except services.SupervisionError as exc:
        messages.error(request, _error_text(exc.code))
    else:
        messages.success(request, done(result))


def _error_text(code: str) -> str:
    texts = {
        "duplicate_day": _("This day is already closed."),
        "already_tagged": _("This has already been tagged."),
        "invalid_transition": _("This cannot be done now. The page shows the current status."),
        "note_required": _("Write what will change (the improvement)."),
        "already_decided": _("A decision has already been made on this report."),
        "restriction_needs_upheld": _(
            "A restriction is only possible when the customer was abusive."
        ),
        "already_lifted": _("This restriction has already been lifted."),
        "duplicate_email": _(
            "An account with this e-mail address already exists. Use another address."
        ),
        "skills_required": _("Choose at least one skill."),
        "already_inactive": _("This operator's account is already switched off."),
        "already_active": _("This operator's account is already switched on."),
        "confirm_required": _(
            "Tick the box to confirm that the coming shifts will be removed, then press "
            '"Switch the account off" again.'
        ),
        "password_already_set": _(
            "This operator has already chosen a password, so no new link is needed."
        ),
    }
    return texts.get(code, _("This cannot be done now."))


# --- home ------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@supervisor_only
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "supervision/home.html",
        {
            "grants": selectors.grants_awaiting_review(now),
            "today": selectors.todays_sessions(now),
            "shifts": selectors.operators_on_shift(now),
            "flags": selectors.abuse_flags_to_decide(),
        },
    )


# --- closed days -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@supervisor_only
def closed_days(request: HttpRequest) -> HttpResponse:
    form = ClosedDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.closed_day_add(
                day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except services.SupervisionError as exc:
            form.add_error("year", _error_text(exc.code))
        else:
            messages.success(request, _("The day is closed."))
            return redirect("supervision:closed-days")
    return render(
        request,
        "supervision/closed_days.html",
        {"form": form, "days": selectors.closed_days(timezone.localdate())},
    )


@require_POST
@supervisor_only
def closed_day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    services.closed_day_remove(closed_day=selectors.closed_day(pk), actor=request.user)
    messages.success(request, _("The day is open again."))
    return redirect("supervision:closed-days")


# --- reports ---------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, reports.Period | None]:
    if any(key in request.GET for key in PeriodForm.base_fields):
        form = PeriodForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            return form, reports.Period(data["start"], data["end"])
        return form, None
    initial = PeriodForm.default_initial()
    form = PeriodForm(initial=initial)
    bound = PeriodForm(initial)
    bound.is_valid()
    return form, reports.Period(bound.cleaned_data["start"], bound.cleaned_data["end"])


@require_http_methods(["GET"])
@supervisor_only
def report_index(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    return render(
        request,
        "supervision/report_index.html",
        {
            "form": form,
            "period": period,
            "reports": [(slug, title) for slug, (title, _build) in reports.REPORTS.items()],
        },
    )


@require_http_methods(["GET"])
@supervisor_only
def report(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in reports.REPORTS:
        raise Http404
    form, period = _period(request)
    report = reports.build(slug, period) if period else None
    figures = []
    if report is not None:
        figures = [
            {
                "id": f"chart-{n}",
                "chart": chart,
                "svg": charts.bar_chart(f"chart-{n}", chart.bars, chart.unit),
            }
            for n, chart in enumerate(report.charts, start=1)
        ]
    return render(
        request,
        "supervision/report.html",
        {
            "form": form,
            "period": period,
            "slug": slug,
            "title": reports.REPORTS[slug][0],
            "report": report,
            "figures": figures,
        },
    )


@require_http_methods(["GET"])
@supervisor_only
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in reports.REPORTS:
        raise Http404
    _form, period = _period(request)
    if period is None:
        return redirect(f"{request.path.removesuffix('.csv')}/?{request.GET.urlencode()}")
    report = reports.build(slug, period)
    # UTF-8 with a byte-order mark: Excel then opens Japanese text correctly.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerows(reports.csv_rows(report, period))
    return response


# --- operators -------------------------------------------------------------------------------


def _base_url(request: HttpRequest) -> str:
    # Links in e-mails use the configured public address, never the request's Host header.
    return site_url()


@require_http_methods(["GET"])
@supervisor_only
def operators(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "supervision/operators.html",
        {"operators": selectors.operators_with_week(timezone.localdate())},
    )


@require_http_methods(["GET", "POST"])
@supervisor_only
def operator_new(request: HttpRequest) -> HttpResponse:
    form = OperatorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operator = services.operator_create(
                name=data["name"],
                name_reading=data["name_reading"],
                email=data["email"],
                skills=data["skills"],
                base_url=_base_url(request),
                actor=request.user,
            )
        except services.SupervisionError as exc:
            form.add_error(
                "email" if exc.code == "duplicate_email" else "skills", _error_text(exc.code)
            )
        else:
            messages.success(
                request,
                _("%(name)s is added. We have e-mailed them a link to choose a password.")
                % {"name": operator.name},
            )
            return redirect("supervision:operator-detail", pk=operator.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "supervision/operator_new.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@supervisor_only
def operator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.operator(pk)
    form = OperatorSkillsForm(
        request.POST if request.method == "POST" else None, initial={"skills": operator.skills}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.operator_set_skills(
                operator=operator, skills=form.cleaned_data["skills"], actor=request.user
            )
        except services.SupervisionError as exc:
            form.add_error("skills", _error_text(exc.code))
        else:
            messages.success(request, _("The skills are saved."))
            return redirect("supervision:operator-detail", pk=operator.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "supervision/operator_detail.html",
        {"operator": operator, "form": form, "password_set": operator.has_usable_password()},
        status=status,
    )


@require_POST
@supervisor_only
def operator_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.operator(pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _error_text("confirm_required"))
        return redirect("supervision:operator-detail", pk=operator.pk)
    _try(
        request,
        lambda: services.operator_deactivate(operator=operator, actor=request.user),
        lambda done: (
            _(
                "The account is switched off. Shifts removed: %(shifts)d. Bookings moved to "
                "other operators: %(reassigned)d. Bookings cancelled (customers told): "
                "%(cancelled)d."
            )
            % done.__dict__
        ),
    )
    return redirect("supervision:operator-detail", pk=operator.pk)


@require_POST
@supervisor_only
def operator_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.operator(pk)
    _try(
        request,
        lambda: services.operator_reactivate(operator=operator, actor=request.user),
        lambda _done: _("The account is switched on again. Add shifts as needed."),
    )
    return redirect("supervision:operator-detail", pk=operator.pk)


@require_POST
@supervisor_only
def operator_password_link(request: HttpRequest, pk: int) -> HttpResponse:
    operator = selectors.operator(pk)
    base_url = _base_url(request)
    _try(
        request,
        lambda: services.operator_password_link_resend(
            operator=operator, base_url=base_url, actor=request.user
        ),
        lambda _done: _("We have e-mailed a new link to choose a password."),
    )
    return redirect("supervision:operator-detail", pk=operator.pk)


# --- voice of the customer -------------------------------------------------------------------


@require_http_methods(["GET"])
@supervisor_only
def voice_list(request: HttpRequest) -> HttpResponse:
    tag, status = _voice_filters(request)
    csv_query = urlencode({k: v for k, v in (("tag", tag), ("status", status)) if v})
    return render(
        request,
        "supervision/voice_list.html",
        {
            "items": selectors.voice_items(tag=tag, status=status),
            "counts": selectors.voice_counts(),
            "tag": tag,
            "status": status,
            "csv_query": csv_query,
            "tags": VoiceTag.choices,
            "statuses": VoiceStatus.choices,
        },
    )


def _voice_filters(request: HttpRequest) -> tuple[str, str]:
    tag = request.GET.get("tag", "")
    status = request.GET.get("status", "")
    return (tag if tag in VoiceTag.values else "", status if status in VoiceStatus.values else "")


def _csv_text(value: str) -> str:
    # Customers' words go into a spreadsheet: a cell that starts like a formula is kept as
    # text (OWASP's advice on CSV injection), so opening the file runs nothing. Card numbers
    # are masked too: rows stored before every field was masked may still hold one, and a
    # file leaves the service's control.
    value = mask_card_numbers(value)[0]
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_time(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


@require_http_methods(["GET"])
@supervisor_only
def voice_csv(request: HttpRequest) -> HttpResponse:
    """The items of the list page, with its filters, every one (the page shows 200)."""
    tag, status = _voice_filters(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "-".join(["voice", *(part for part in (tag, status) if part)])
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # UTF-8 with a byte-order mark, as the reports
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(
        [
            _("Tag"),
            _("Topic"),
            _("Status"),
            _("From"),
            _("What was said"),
            _("Improvement"),
            _("Tagged on"),
            _("Last changed"),
        ]
    )
    for item in selectors.voice_items_matching(tag=tag, status=status).iterator():
        writer.writerow(
            [
                item.get_tag_display(),
                _csv_text(item.topic),
                item.get_status_display(),
                item.get_source_display(),
                _csv_text(item.text),
                _csv_text(item.improvement_note),
                _csv_time(item.created_at),
                _csv_time(item.updated_at),
            ]
        )
    return response


@require_http_methods(["GET"])
@supervisor_only
def voice_sources(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/voice_sources.html", selectors.voice_sources())


def _tag_page(
    request: HttpRequest, *, session: Any, text: str, save: Callable[..., Any]
) -> HttpResponse:
    if not policies.can_tag_voice(request.user, session).allowed:
        raise PermissionDenied
    form = VoiceTagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _try(
            request,
            lambda: save(tag=data["tag"], topic=data["topic"], actor=request.user),
            lambda _done: _("Tagged. It is now in the voice of the customer list."),
        )
        if request.user.is_supervisor:  # type: ignore[union-attr]
            return redirect("supervision:voice-sources")
        return redirect("home")
    return render(
        request, "supervision/voice_tag.html", {"form": form, "session": session, "text": text}
    )


@require_http_methods(["GET", "POST"])
def voice_tag_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = selectors.feedback_for_tagging(pk)

    def save(**kwargs: Any) -> Any:
        return services.voice_tag_feedback(feedback=feedback, **kwargs)

    return _tag_page(request, session=feedback.session, text=feedback.comment, save=save)


@require_http_methods(["GET", "POST"])
def voice_tag_summary(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_tagging(pk)

    def save(**kwargs: Any) -> Any:
        return services.voice_tag_summary(session=session, **kwargs)

    return _tag_page(request, session=session, text=session.summary, save=save)


@require_http_methods(["GET", "POST"])
@supervisor_only
def voice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.voice_item(pk)
    next_status = NEXT_STATUS.get(VoiceStatus(item.status))
    form = VoiceAdvanceForm(request.POST or None, initial={"note": item.improvement_note})
    if request.method == "POST" and next_status is not None and form.is_valid():
        try:
            services.voice_item_advance(
                item=item, to_status=next_status, note=form.cleaned_data["note"], actor=request.user
            )
        except services.SupervisionError as exc:
            form.add_error("note", _error_text(exc.code))
        else:
            tell_saved(request, _("The status is changed."), form.cleaned_data["note"])
            return redirect("supervision:voice-detail", pk=item.pk)
    return render(
        request,
        "supervision/voice_detail.html",
        {
            "item": item,
            "form": form,
            "next_status": next_status,
            "next_label": VoiceStatus(next_status).label if next_status else "",
        },
    )


# --- abuse reports ---------------------------------------------------------------------------


@require_http_methods(["GET"])
@supervisor_only
def abuse_list(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/abuse_list.html", {"closures": selectors.abuse_reports()})


@require_http_methods(["GET", "POST"])
@supervisor_only
def abuse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    closure = selectors.abuse_closure(pk)
    session = closure.session
    review = getattr(session, "abuse_review", None)
    form = AbuseDecisionForm(request.POST or None)
    if request.method == "POST" and review is None and form.is_valid():
        data = form.cleaned_data
        try:
            services.abuse_decide(
                closure=closure,
                decision=data["decision"],
                note=data["note"],
                restrict=data["restrict"],
                restrict_days=data["restrict_days"],
                actor=request.user,
            )
        except services.SupervisionError as exc:
            form.add_error("decision", _error_text(exc.code))
        else:
            tell_saved(request, _("The decision is recorded."), data["note"])
            return redirect("supervision:abuse-detail", pk=session.pk)
    return render(
        request,
        "supervision/abuse_detail.html",
        {
            "closure": closure,
            "session": session,
            "review": review,
            "form": form,
            "restrictions": selectors.restrictions_of(session.customer),
            "restricted_now": session_selectors.talk_now_restricted(session.customer),
            "transcript": live_selectors.transcript_text(session),
        },
    )


@require_POST
@supervisor_only
def restriction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    restriction = selectors.restriction(pk)
    _try(
        request,
        lambda: services.restriction_lift(restriction=restriction, actor=request.user),
        lambda _done: _("The restriction is lifted."),
    )
    back = request.POST.get("session", "")
    if back.isascii() and back.isdigit():  # "²".isdigit() is true too
        return redirect("supervision:abuse-detail", pk=int(back))
    return redirect("supervision:abuse")


# --- account recovery (access_support/accounts/recovery.py) -----------------------------------


def _recovery_error_text(code: str) -> str:
    texts = {
        "too_early": _("The waiting period has not ended yet. Approve after it ends."),
        "not_open": _("This request is no longer open. The page shows its current status."),
        "own_account": _("You cannot decide on a request for your own account."),
        "documents_required": _("Choose the documents you checked."),
        "reason_required": _("Write the reason."),
    }
    return texts.get(code, _("This cannot be done now."))


@require_http_methods(["GET"])
@supervisor_only
def recovery_list(request: HttpRequest) -> HttpResponse:
    from access_support.accounts.models import RecoveryRequest, RecoveryStatus

    now = timezone.now()
    waiting = RecoveryRequest.objects.filter(status=RecoveryStatus.REQUESTED).select_related("user")
    rows = [
        {"recovery": r, "ready": now >= r.earliest_approval_at}
        for r in waiting.order_by("created_at")
    ]
    return render(request, "supervision/recovery_list.html", {"rows": rows, "now": now})


@require_http_methods(["GET", "POST"])
@supervisor_only
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from access_support.accounts import recovery as recovery_services
    from access_support.accounts.models import RecoveryRequest, RecoveryStatus
    from proxies.forms import ApproveForm, RejectForm

    found = RecoveryRequest.objects.select_related("user", "decided_by").filter(pk=pk).first()
    if found is None:
        raise Http404
    action = request.POST.get("action") if request.method == "POST" else None
    approve_form = ApproveForm(request.POST if action == "approve" else None)
    decline_form = RejectForm(request.POST if action == "decline" else None)
    error = ""
    actor: Any = request.user
    decision: tuple[Callable[[], Any], str] | None = None
    if action == "approve" and approve_form.is_valid():
        documents = approve_form.cleaned_data["documents_checked"]
        decision = (
            lambda: recovery_services.approve(recovery=found, actor=actor, documents=documents),
            _("Approved. We have e-mailed the customer a link to set up a new method."),
        )
    elif action == "decline" and decline_form.is_valid():
        reason = decline_form.cleaned_data["reason"]
        decision = (
            lambda: recovery_services.decline(recovery=found, actor=actor, reason=reason),
            _("Declined. We have e-mailed the customer."),
        )
    if decision is not None:
        decide, done = decision
        try:
            decide()
        except recovery_services.RecoveryError as exc:
            error = _recovery_error_text(exc.code)
        else:
            messages.success(request, done)
            return redirect("supervision:recovery-detail", pk=found.pk)
    now = timezone.now()
    status = 400 if action in ("approve", "decline") else 200
    return render(
        request,
        "supervision/recovery_detail.html",
        {
            "recovery": found,
            "waiting": found.status == RecoveryStatus.REQUESTED,
            "ready": now >= found.earliest_approval_at,
            "approve_form": approve_form,
            "decline_form": decline_form,
            "error": error,
            "now": now,
        },
        status=status,
    )
