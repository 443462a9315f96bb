"""The notification centre page (/notices/): every notice of the signed-in person, newest
first, 50 a page, with each notice's one action; mark one or all read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from access_support.accounts import reading
from access_support.http import request_user
from access_support.notifications import services
from access_support.notifications.models import Notice


@never_cache
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    paginator = Paginator(services.notices_of(user), services.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    notices = list(page.object_list)
    for notice in notices:
        # The names in the notices, read as their owners gave them (furigana when on).
        for name, name_reading in (notice.params.get("readings") or {}).items():
            reading.note_name(str(name), str(name_reading))
    rows = [
        {
            "notice": notice,
            "text": services.text_of(notice.kind, notice.params),
            "link": services.link_of(notice.kind, notice.params),
            "action": services.action_of(notice),
        }
        for notice in notices
    ]
    return render(
        request,
        "notifications/list.html",
        {
            "rows": rows,
            "unread": services.unread_count(user.pk),
            "page": page,
            "previous_url": f"?page={page.previous_page_number()}" if page.has_previous() else "",
            "next_url": f"?page={page.next_page_number()}" if page.has_next() else "",
        },
    )


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """`notice` (an id) marks that one read; without it, all of them."""
    user = request_user(request)
    raw = request.POST.get("notice", "")
    notice_id = int(raw) if raw.isdigit() else None
    if raw and notice_id is None:
        return HttpResponse(status=400)
    services.mark_read(user=user, notice_id=notice_id)
    return redirect("notifications:list")


@require_POST
def stop_recovery(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Not you? Stop it" on a recovery notice: the owner, signed in with a second factor,
    stops the request (audited, as the e-mailed stop link does)."""
    from access_support.accounts import recovery

    user = request_user(request)
    notice = get_object_or_404(Notice, pk=pk, user=user, kind="recovery.requested")
    stopped = recovery.stop_by_owner(user=user, recovery_id=int(notice.params["recovery_id"]))
    services.mark_acted(notice)
    if stopped is not None:
        messages.success(
            request,
            reading.wording(
                _("Stopped: nobody can reset your sign-in with that request."),
                pgettext_lazy("plain", "Stopped: nobody can reset your sign-in with that request."),
            ),
        )
    else:
        messages.info(request, _("That request is no longer open: nothing to stop."))
    return redirect("notifications:list")
