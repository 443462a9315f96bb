"""The customer's side of a request (/proxies/procedures/): the requests a member has, or a proxy
filed, and each one's page — its status, the history of what staff and the customer wrote, the
answer to a question from staff, and for a lost or stolen card what happens next and when."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from access_support.accounts.models import User
from access_support.http import request_user, require
from access_support.masking import tell_saved
from proxies import forms, hours, policies, reasons, selectors, services
from proxies.models import Procedure, ProcedureStatus


@require_http_methods(["GET"])
def procedures(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user.is_member or user.is_proxy)
    return render(
        request,
        "proxies/procedures.html",
        {
            "procedures": selectors.procedures_followed_by(user),
            "notices": [
                (n, services.notice_text(n.kind, n.params)) for n in selectors.notices_for(user, 10)
            ],
        },
    )


def followed(user: User, pk: int) -> Procedure:
    """Gate: a request this user follows, else 404 (the same as no such request)."""
    procedure = selectors.procedure(pk)
    grant = None
    if user.pk != procedure.on_behalf_of_id:
        grant = selectors.grant_between(user, procedure.on_behalf_of)
    if not policies.can_follow_procedure(user, procedure, grant=grant):
        raise Http404
    return procedure


def _now() -> datetime.datetime:
    return timezone.now()  # one name for tests to set the clock of this page alone


def lost_card_next(now: datetime.datetime | None = None) -> dict[str, Any]:
    """What happens next with a lost-card report, as the clock stands now."""
    moment = now or _now()
    known = hours.hours_at(moment)
    return {
        "open_now": known.open_now,
        "next_opening": timezone.localtime(known.next_opening) if known.next_opening else None,
        "closes_at": known.closes_at,
        "phone": settings.LOST_CARD_PHONE,
    }


@require_http_methods(["GET", "POST"])
def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    procedure = followed(user, pk)
    waiting = procedure.status == ProcedureStatus.NEEDS_INFO
    form = forms.ProcedureAnswerForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not waiting:
            messages.error(request, _("No question is waiting for an answer on this request."))
            return redirect("proxies:procedure", pk=procedure.pk)
        if form.is_valid():
            answer = form.cleaned_data["answer"]
            try:
                services.procedure_answer(procedure=procedure, actor=user, answer=answer)
            except services.GrantError as exc:
                messages.error(request, reasons.explain(exc.code))
            else:
                tell_saved(request, _("Your answer has been sent to our staff."), answer)
            return redirect("proxies:procedure", pk=procedure.pk)
        status = 400
    lost_card = lost_card_next() if procedure.is_lost_card and procedure.is_open else None
    form_now = form if waiting else None
    return procedure_page(
        request, "proxies/procedure_detail.html", procedure, form_now, status, lost_card=lost_card
    )


def procedure_page(
    request: HttpRequest,
    template: str,
    procedure: Procedure,
    form: Any,
    status: int,
    **more: Any,
) -> HttpResponse:
    """A request's page, for its customer or the back office: the request, its history, and the
    form for whoever may act on it now (None: nothing to do)."""
    history = selectors.procedure_messages(procedure)
    context = {"procedure": procedure, "history": history, "form": form, **more}
    return render(request, template, context, status=status)
