"""The member's timeline (/proxies/timeline/): everything done in their name, 50 events a page,
narrowed by who acted and by kind. Each desk check names the proxy who asked, the operator who
checked and what was asked. A page costs the same few queries however long the history is:
the count, the page's events with their actors, and one look-up of the proxies the page's desk
checks name."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from access_support.accounts.models import User
from access_support.audit.actions import AuditAction
from access_support.audit.actions import label as audit_label
from access_support.audit.models import AuditEvent
from proxies import reasons, selectors
from proxies.scopes import ACTIONS

PAGE_SIZE = 50


class TimelineFilterForm(forms.Form):
    who = forms.ChoiceField(
        label=gettext_lazy("Who did it"),
        required=False,
        choices=[
            ("", gettext_lazy("Everyone")),
            ("you", gettext_lazy("You")),
            ("proxy", gettext_lazy("A proxy")),
            ("staff", gettext_lazy("Our staff (operators, supervisors)")),
            ("service", gettext_lazy("The service by itself (for example, an end date)")),
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("What happened"),
        required=False,
        choices=[
            ("", gettext_lazy("Everything")),
            ("grants", gettext_lazy("Proxy registrations")),
            ("requests", gettext_lazy("What proxies did and asked for")),
            ("desk", gettext_lazy("Checks at the desk (by phone or chat)")),
            ("sessions", gettext_lazy("Sessions (sign language, written chat)")),
        ],
    )


@require_GET
def timeline(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.is_member:
        raise PermissionDenied
    form = TimelineFilterForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    who, kind = chosen.get("who", ""), chosen.get("kind", "")
    paginator = Paginator(selectors.timeline_for_member(user, who=who, kind=kind), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    events: list[AuditEvent] = list(page.object_list)
    proxies = selectors.users_by_pk(
        (event.after or {}).get("proxy") for event in events if _at_desk(event)
    )
    filters = {key: value for key, value in (("who", who), ("kind", kind)) if value}

    def page_url(number: int) -> str:
        return "?" + urlencode({**filters, "page": number})

    return render(
        request,
        "proxies/timeline.html",
        {
            "form": form if form.is_valid() else TimelineFilterForm(),
            "filtered": bool(filters),
            "events": [_row(event, proxies) for event in events],
            "page": page,
            "start": paginator.count - page.start_index() + 1 if events else 0,
            "previous_url": page_url(page.previous_page_number()) if page.has_previous() else "",
            "next_url": page_url(page.next_page_number()) if page.has_next() else "",
            "procedures": selectors.procedures_for_member(user, 20),
        },
    )


def _at_desk(event: AuditEvent) -> bool:
    return event.action == AuditAction.PROXY_DECISION and (event.after or {}).get("via") == "desk"


def _row(event: AuditEvent, proxies: dict[int, User]) -> dict[str, Any]:
    """The sentence of one event in the reader's language (AuditAction's labels) and who did it
    (left out where the sentence names them)."""
    after = event.after or {}
    actor = event.actor.name if event.actor else ""
    if event.action != AuditAction.PROXY_DECISION:
        return {"event": event, "label": audit_label(event.action), "actor": actor}
    action = str(after.get("action", ""))
    values = {
        "action": ACTIONS.get(action, action),
        "reason": reasons.explain(event.reason),
        "operator": actor or _("an operator"),
    }
    if not _at_desk(event):
        if after.get("allowed"):
            label = _("Allowed: %(action)s") % values
        else:
            label = _("Refused: %(action)s (%(reason)s)") % values
        return {"event": event, "label": label, "actor": actor}
    proxy_pk = after.get("proxy")
    proxy = proxies.get(proxy_pk) if isinstance(proxy_pk, int) else None
    if proxy is None:
        label = _(
            "Desk check: someone asked for “%(action)s” with a code that did not match. "
            "%(operator)s refused it (%(reason)s)."
        )
    elif after.get("allowed"):
        label = _(
            "Desk check: your proxy %(proxy)s asked for “%(action)s”. %(operator)s allowed it."
        )
    else:
        label = _(
            "Desk check: your proxy %(proxy)s asked for “%(action)s”. "
            "%(operator)s refused it (%(reason)s)."
        )
    values["proxy"] = proxy.name if proxy is not None else ""
    return {"event": event, "label": label % values, "actor": ""}
