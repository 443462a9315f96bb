"""Handing a live session over to another operator on shift (issue 21 item 6).

The session's operator picks a colleague who is on shift now, active and has the session's skill,
and may leave a note for them. In one transaction, with the session row locked (and the
colleague's shift row, so the shift cannot be removed meanwhile), the session gets its new
operator, a chat line in the customer's language says who took over ("担当が○○に代わりました。"),
stored with the session's next sequence number like every message — a line of the service's own
(sender role "system", shown as お知らせ), not one the new operator said — and the audit log
records both operators and the note. On commit, the new operator's console (their queue socket)
gets `session.handed_to_you` with a sentence in their language and the session's address: the
console shows it in a polite status region, with no sound. Nothing of the conversation moves:
the messages stay the session's, so the transcript runs on without a gap and the new operator
reads it all.
"""

from __future__ import annotations

import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from access_support import mail
from access_support.accounts.models import User
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.http import request_user, require
from access_support.masking import mask_card_numbers
from signlanguage.booking import policies as booking_policies
from signlanguage.booking.availability import SKILL_FIELD
from signlanguage.events import operator_group, session_group
from signlanguage.live import policies as live_policies
from signlanguage.live import selectors as live_selectors
from signlanguage.live.services import LiveError, message_post
from signlanguage.models import Session, Shift

NOTE_MAX = 500


def colleagues_on_shift(session: Session, now: Any = None) -> QuerySet[User]:
    """Who can take the session over now: active operators with its skill, on shift, not its
    operator."""
    now = now or timezone.now()
    on_shift = Shift.objects.filter(start__lte=now, end__gt=now).values("operator_id")
    return (
        User.objects.filter(
            is_active=True, is_operator=True, pk__in=on_shift, **{SKILL_FIELD[session.mode]: True}
        )
        .exclude(pk=session.operator_id or 0)
        .order_by("display_name", "pk")
    )


def session_transfer(
    *, session_id: int, actor: Any, to_operator_id: int, note: str = "", now: Any = None
) -> Session:
    """Hand the session over; LiveError when it is not the actor's, not in progress, or the
    colleague is not on shift, active and skilled. The note is masked before the lock."""
    note, _masked = mask_card_numbers(note.strip()[:NOTE_MAX])
    with transaction.atomic():
        return _session_transfer(
            session_id=session_id,
            actor=actor,
            to_operator_id=to_operator_id,
            note=note,
            now=now or timezone.now(),
        )


def _session_transfer(
    *, session_id: int, actor: Any, to_operator_id: int, note: str, now: Any
) -> Session:
    session = Session.objects.select_for_update().select_related("customer").get(pk=session_id)
    if live_policies.is_closed(session):
        raise LiveError("not_in_progress", 409, "Only a session in progress can be handed over.")
    if not live_policies.can_close(actor, session):
        raise LiveError("not_your_session", 403, "Only the session's operator can hand it over.")
    target = User.objects.filter(pk=to_operator_id, is_active=True).first()
    if target is None or target.pk == actor.pk:
        raise LiveError("unknown_operator", 400, "Choose a colleague to hand the session to.")
    if not booking_policies.can_take(target, session.mode).allowed:
        raise LiveError("skill_missing", 409, "That colleague cannot take this kind of session.")
    shift = (
        Shift.objects.select_for_update()
        .filter(operator=target, start__lte=now, end__gt=now)
        .first()
    )
    if shift is None:
        raise LiveError("not_on_shift", 409, "That colleague is not on shift now.")
    before = session.operator_id
    Session.objects.filter(pk=session.pk).update(operator=target)
    session.operator = target
    with mail.writing_to(session.customer):  # the customer's language, like their e-mails
        line = gettext("The operator is now %(name)s.") % {"name": target.name}
    posted = message_post(  # the service's line: stored as caused by the actor, said by nobody
        session_id=session.pk, sender=actor, role="system", client_id=uuid.uuid4(), text=line
    )
    alert = _handed_to_you(session, actor=actor, target=target)
    event = AuditAction.SESSION_TRANSFERRED
    was: dict[str, Any] = {"operator_id": before}
    new: dict[str, Any] = {"operator_id": target.pk, "note": note}
    audit.record(
        action=event, actor=actor, subject_user=session.customer, obj=session, before=was, after=new
    )
    transaction.on_commit(lambda: _broadcast(session.pk, posted.frame, before, target.pk, alert))
    return session


def _handed_to_you(session: Session, *, actor: Any, target: User) -> dict[str, Any]:
    """The `session.handed_to_you` frame for the new operator's console, in their language."""
    with mail.writing_to(target):
        text = gettext("%(name)s handed a session over to you: %(customer)s, %(mode)s.") % {
            "name": actor.name,
            "customer": session.customer.name,
            "mode": session.get_mode_display(),
        }
        link = gettext("Open the session")
    return {
        "type": "session.handed_to_you",
        "session_id": session.pk,
        "url": reverse("signlanguage:live-session", args=[session.pk]),
        "text": text,
        "link": link,
    }


def _broadcast(
    session_id: int,
    frame: dict[str, Any],
    from_operator_id: int | None,
    to_operator_id: int,
    alert: dict[str, Any],
) -> None:
    """Every socket of the session shows the line (SessionConsumer.chat_message); then the
    sockets of the operator who handed over close with 4403 (session_handed_over); and the new
    operator's console says the session is theirs (QueueConsumer.operator_handed_over)."""
    layer = get_channel_layer()
    if layer is None:
        return
    group = session_group(session_id)
    if frame:
        async_to_sync(layer.group_send)(group, {"type": "chat.message", "frame": frame})
    handed = {"type": "session.handed_over", "from_operator_id": from_operator_id}
    async_to_sync(layer.group_send)(group, handed)
    async_to_sync(layer.group_send)(
        operator_group(to_operator_id), {"type": "operator.handed_over", "frame": alert}
    )


class TransferForm(forms.Form):
    operator = forms.TypedChoiceField(
        label=_("Colleague on shift"), coerce=int, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note for your colleague"),
        help_text=_("Optional. What has been asked and done so far. The customer does not see it."),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, colleagues: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["operator"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(user.pk, user.name) for user in colleagues]


@require_http_methods(["GET", "POST"])
def transfer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the colleagues on shift who can take over, and a note. POST: hand over."""
    user = request_user(request)
    session, part = live_selectors.participant_session(user, pk)
    if session is None or not part.allowed:
        raise Http404
    require(live_policies.can_close(user, session))
    colleagues = colleagues_on_shift(session)
    form = TransferForm(request.POST if request.method == "POST" else None, colleagues=colleagues)
    context = {"session": session, "form": form, "colleagues": colleagues}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "signlanguage/live_transfer.html", context, status=400)
        try:
            session_transfer(
                session_id=session.pk,
                actor=user,
                to_operator_id=form.cleaned_data["operator"],
                note=form.cleaned_data["note"],
            )
        except LiveError as exc:
            form.add_error("operator", _refusal(exc.code))
            return render(request, "signlanguage/live_transfer.html", context, status=exc.status)
        messages.success(request, gettext("The session is handed over."))
        return redirect("signlanguage:live-console")
    return render(request, "signlanguage/live_transfer.html", context)


def _refusal(code: str) -> str:
    if code == "not_on_shift":
        return gettext("That colleague is no longer on shift. Choose another colleague.")
    if code == "not_in_progress":
        return gettext("The session is no longer in progress, so it cannot be handed over.")
    return gettext("That colleague cannot take this session. Choose another colleague.")
