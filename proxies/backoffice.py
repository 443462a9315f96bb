"""The back office for requests (/proxies/back-office/): staff — supervisors and operators with
the `procedures` skill — see every request filed for a member, lost or stolen cards pinned on
top with their age, then the oldest first; one of them claims a request (one claimer, however
many press at once), asks the customer a question, finishes it or declines it with a reason.
The state changes are proxies/services.py's; this module only shows and asks."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access_support.accounts.models import User
from access_support.http import request_user, require
from access_support.masking import tell_saved
from proxies import forms, policies, reasons, selectors, services
from proxies.procedure_views import procedure_page


def _staff(request: HttpRequest) -> User:
    user = request_user(request)
    require(policies.can_handle_procedures(user))
    return user


def _error_text(exc: services.GrantError) -> str:
    texts = {
        "already_claimed": _("Someone else has already taken this request. The page shows who."),
        "not_yours": _("Another staff member has this request."),
        "invalid_state": _("This cannot be done now. The page shows the current status."),
        "invalid_field": _("Write the text (up to 2000 characters)."),
    }
    return texts.get(exc.code) or reasons.explain(exc.code)


@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    _staff(request)
    form = forms.ProcedureQueueForm(request.GET or None)
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    member = None
    unknown_member = False
    if chosen.get("member_number"):
        member = selectors.member_by_number(chosen["member_number"])
        unknown_member = member is None
    rows = []
    if not unknown_member:
        rows = list(
            selectors.procedure_queue(
                kind=chosen.get("kind", ""),
                status=chosen.get("status", ""),
                age=chosen.get("age", ""),
                filed_by=chosen.get("filed_by", ""),
                member=member,
            )[: selectors.QUEUE_LIMIT]
        )
    return render(
        request,
        "proxies/backoffice_queue.html",
        {
            "form": form,
            "pinned": [row for row in rows if getattr(row, "pinned", 1) == 0],
            "rows": [row for row in rows if getattr(row, "pinned", 1) != 0],
            "unknown_member": unknown_member,
            "limit": selectors.QUEUE_LIMIT,
        },
    )


@require_http_methods(["GET", "POST"])
def procedure(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    item = selectors.procedure(pk)
    holds = item.is_open and item.claimed_by_id is not None
    may_act = holds and (item.claimed_by_id == user.pk or user.is_supervisor)
    form = forms.ProcedureOutcomeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not may_act:
            messages.error(
                request, _("This cannot be done now. The page shows the current status.")
            )
            return redirect("proxies:backoffice-procedure", pk=item.pk)
        if form.is_valid():
            outcome, text = form.cleaned_data["outcome"], form.cleaned_data["text"]
            try:
                if outcome == "ask":
                    services.procedure_ask(procedure=item, actor=user, question=text)
                    done = _("The question has been sent. The customer is told.")
                elif outcome == "done":
                    services.procedure_done(procedure=item, actor=user, note=text)
                    done = _("The request is done. The customer is told.")
                else:
                    services.procedure_decline(procedure=item, actor=user, reason=text)
                    done = _("The request is declined. The customer is told why.")
            except services.GrantError as exc:
                messages.error(request, _error_text(exc))
            else:
                tell_saved(request, done, text)
            return redirect("proxies:backoffice-procedure", pk=item.pk)
        status = 400
    can_claim = item.status == "received"
    template = "proxies/backoffice_procedure.html"
    return procedure_page(
        request, template, item, form if may_act else None, status, can_claim=can_claim
    )


@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    item = selectors.procedure(pk)
    try:
        services.procedure_claim(procedure=item, actor=user)
    except services.GrantError as exc:
        messages.error(request, _error_text(exc))
        return redirect("proxies:backoffice-procedure", pk=item.pk)
    messages.success(request, _("You have this request now. The customer is told."))
    return redirect("proxies:backoffice-procedure", pk=item.pk)


@require_http_methods(["GET", "POST"])
def procedure_new(request: HttpRequest) -> HttpResponse:
    """Any operator (in a session, at the desk) or supervisor files a request a member asked
    them for; it waits in the back office like any other."""
    user = request_user(request)
    require(policies.can_file_for_member(user))
    form = forms.StaffProcedureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        member = selectors.member_by_number(form.cleaned_data["member_number"])
        if member is None:
            form.add_error("member_number", _("There is no member with this number."))
        else:
            details = form.cleaned_data["details"]
            filed = services.procedure_file_for_member(
                actor=user, member=member, kind=form.cleaned_data["kind"], details=details
            )
            done = _("The request is in the back office. The member is told.")
            tell_saved(request, done, details)
            if policies.can_handle_procedures(user):
                return redirect("proxies:backoffice-procedure", pk=filed.pk)
            return redirect("proxies:backoffice-new")
    return render(
        request,
        "proxies/backoffice_new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
