"""Live-session pages: the session page (customer, proxy, operator), the operator console,
closing, ending for abuse, the transcript download, feedback, canned phrases, abuse flags.
Each view asks one gate and calls one service."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access_support.http import request_user, require
from access_support.masking import MASKED_NOTICE, has_card_number
from signlanguage.booking import notices as booking_notices
from signlanguage.live import forms as live_forms
from signlanguage.live import keeping
from signlanguage.live import policies as live_policies
from signlanguage.live import selectors as live_selectors
from signlanguage.live import services as live_services
from signlanguage.live.policies import Participation
from signlanguage.models import CannedPhrase, Session, SessionClosure

TRANSCRIPT_BOM = "\ufeff"


def _posted_pk(value: str | None) -> int:
    """A primary key from a form field; anything else (words, "²", 40 digits) is a 404."""
    if not value or not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise Http404
    return int(value)


def _gate(request: HttpRequest, pk: int) -> tuple[Session, Participation]:
    """The session if the user takes part in it; 404 otherwise (missing or not yours)."""
    session, part = live_selectors.participant_session(request_user(request), pk)
    if session is None or not part.allowed:
        raise Http404
    return session, part


def client_strings() -> dict[str, str]:
    """Words the browser client shows, in the page's language (passed as JSON, no inline JS)."""
    return {
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "reconnecting": _("Connection lost. Reconnecting… Your messages are kept."),
        "closed_4401": _("You are signed out. Please sign in again."),
        "closed_4403": _("You cannot take part in this session."),
        "closed_4403_proxy": _(
            "You can no longer write in this session: the member has ended or paused your "
            "permission to act for them. Your proxy pages show the current state."
        ),
        "closed_4404": _("This session does not exist."),
        "closed_4425": _(
            "This session has not opened yet. It opens 10 minutes before its start: "
            "please open this page again then."
        ),
        "operator": _("Operator"),
        "customer": _("Customer"),
        "proxy": _("Proxy"),
        "system": _("Notice"),  # a line of the service's own (the hand-over's)
        "you": _("You"),
        "typing": _("typing…"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "not_sent": _("Not sent"),
        "read": _("Read"),
        "new_message": _("New message"),
        "operator_joined": _("The operator has joined."),
        # Presence (issue 22 item 6; presence.js fills in {who}, {since}, {minutes}, {until}).
        "presence_connected": _("{who}: connected (since {since})"),
        "presence_reconnecting": _(
            "{who}: connection lost {minutes} min ago (at {since}). Their place is held until "
            "{until}: they can come back without you doing anything."
        ),
        "presence_gone": _("{who}: gone since {since} ({minutes} min)"),
        "presence_ended_customer_left": _(
            "The customer did not come back in time, so the session has ended (customer left)."
        ),
        "presence_ended_abandoned": _(
            "Everyone had left for some time, so the session has ended (abandoned)."
        ),
        "state_waiting": _("Waiting for an operator"),
        "state_active": _("In session"),
        "state_closed": _("Session ended"),
        "card_number_masked": _(
            "Please do not send card numbers. We hid the number before saving your message."
        ),
        "text_length": _("A message must be 1 to 2000 characters."),
        "characters_left": _("Characters left"),
        "rtc_new": _("Video: waiting for the other person"),
        "rtc_connecting": _("Video: connecting…"),
        "rtc_connected": _("Video: connected"),
        "rtc_disconnected": _("Video: connection lost, trying again…"),
        "rtc_failed": _("Video: could not connect. Written chat still works."),
        "rtc_closed": _("Video: ended"),
        # The other person's video has stayed under 12 frames a second for 10 s (issue 22 item 4).
        "video_slow": _(
            "The video is jerky (fewer than 12 pictures a second): signs may be hard to read. "
            "If so, please press 'Use written chat instead' and write."
        ),
        "camera_denied": _(
            "The camera is not allowed. Allow it with the camera icon next to the address bar, "
            "then press “Try the camera again”. You can write in the chat now."
        ),
        "camera_missing": _("No camera was found. Connect a camera, or use written chat."),
        "camera_busy": _(
            "The camera is being used by another app. Close that app and try again, "
            "or use written chat."
        ),
        "camera_unsupported": _("This browser cannot show video. Please use written chat."),
        "camera_other": _("The camera could not start. Please use written chat, or try again."),
        # Written chat instead of video (issue 26 item 11): who switched, as the other page says it.
        "mode_text_you": _(
            "You switched to written chat. The video is off: please write in the chat. "
            "You can switch back to video at any time."
        ),
        "mode_text_customer": _(
            "The customer switched to written chat. The video is off: please answer in the chat."
        ),
        "mode_text_proxy": _(
            "The proxy switched to written chat. The video is off: please answer in the chat."
        ),
        "mode_text_operator": _(
            "The operator switched to written chat. The video is off: please write in the chat."
        ),
    }


def _page_context(session: Session, part: Participation) -> dict[str, Any]:
    return {
        "session": session,
        "part": part,
        "ice_servers": settings.ICE_SERVERS,
        "client_strings": client_strings(),
    }


def _keeping_context(session: Session, part: Participation) -> dict[str, Any]:
    """What the ended page says about the conversation being kept (issue 22 item 7)."""
    return {
        "transcript_readable": keeping.can_read(part, session),
        "transcript_delete_at": keeping.delete_at(session),
        "keep_form": (
            live_forms.TranscriptChoiceForm(
                initial={"keep": "keep" if session.transcript_kept else "delete"}
            )
            if keeping.can_choose(part, session)
            else None
        ),
    }


def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session, part = _gate(request, pk)
    context = _page_context(session, part)
    context.update(_keeping_context(session, part))
    user = request_user(request)
    if part.role == "operator":
        context["canned_phrases"] = list(live_selectors.canned_phrases())
        context["close_form"] = live_forms.CloseForm()
        context["abuse_form"] = live_forms.AbuseForm()
        context["operator_view"] = live_selectors.operator_view_of(session)
        if session.operator_joined_at is None:
            # The operator opens a booked session: the customer hears it has started.
            booking_notices.session_started(session)
    if live_policies.can_give_feedback(part, session):
        context["feedback"] = live_selectors.feedback_of(session, user)
    if session.state == "closed" and context["transcript_readable"]:
        # An ended session is read, not joined: the conversation is on the page, no socket.
        context["history"] = [
            {"message": m, "mine": m.sender_role == part.role}
            for m in live_selectors.messages_after(session.pk, 0)
        ]
    return render(request, "signlanguage/live_session.html", context)


@require_POST
def transcript_choice(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's side chooses whether the conversation is kept (issue 22 item 7)."""
    session, part = _gate(request, pk)
    require(keeping.can_choose(part, session))
    form = live_forms.TranscriptChoiceForm(request.POST)
    if not form.is_valid():
        context = _page_context(session, part)
        context.update(_keeping_context(session, part), keep_form=form)
        context["history"] = [
            {"message": m, "mine": m.sender_role == part.role}
            for m in live_selectors.messages_after(session.pk, 0)
        ]
        if live_policies.can_give_feedback(part, session):
            context["feedback"] = live_selectors.feedback_of(session, request_user(request))
        return render(request, "signlanguage/live_session.html", context, status=400)
    keep = form.cleaned_data["keep"] == "keep"
    try:
        keeping.transcript_choose(
            session_id=session.pk, actor=request_user(request), role=part.role or "", keep=keep
        )
    except live_services.LiveError:
        messages.info(request, _("The conversation has already been deleted."))
        return redirect("signlanguage:live-session", pk=session.pk)
    if keep:
        messages.success(request, _("Saved: we keep the conversation."))
    else:
        messages.success(
            request,
            _(
                "Saved: we do not keep the conversation. Download it now if you want a copy: "
                "it is deleted once you have downloaded it, or 24 hours after the end."
            ),
        )
    return redirect("signlanguage:live-session", pk=session.pk)


@require_POST
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    session, _part = _gate(request, pk)
    user = request_user(request)
    require(live_policies.can_close(user, session))
    form = live_forms.CloseForm(request.POST)
    if not form.is_valid():
        context = _page_context(session, _part)
        context.update(close_form=form, abuse_form=live_forms.AbuseForm())
        context["canned_phrases"] = list(live_selectors.canned_phrases())
        context["operator_view"] = live_selectors.operator_view_of(session)
        return render(request, "signlanguage/live_session.html", context, status=400)
    live_services.session_close(session=session, actor=user, summary=form.cleaned_data["summary"])
    messages.success(request, _("The session has ended. The summary was saved."))
    if has_card_number(form.cleaned_data["summary"]):
        messages.warning(request, MASKED_NOTICE)
    return redirect("signlanguage:live-console")


@require_POST
def session_end_for_abuse(request: HttpRequest, pk: int) -> HttpResponse:
    session, _part = _gate(request, pk)
    user = request_user(request)
    require(live_policies.can_close(user, session))
    form = live_forms.AbuseForm(request.POST)
    if not form.is_valid():
        context = _page_context(session, _part)
        context.update(close_form=live_forms.CloseForm(), abuse_form=form)
        context["canned_phrases"] = list(live_selectors.canned_phrases())
        context["operator_view"] = live_selectors.operator_view_of(session)
        return render(request, "signlanguage/live_session.html", context, status=400)
    live_services.session_close(
        session=session, actor=user, for_abuse=True, note=form.cleaned_data["note"]
    )
    messages.success(request, _("The session has ended. A supervisor will review it."))
    if has_card_number(form.cleaned_data["note"]):
        messages.warning(request, MASKED_NOTICE)
    return redirect("signlanguage:live-console")


def transcript(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    session, part = live_selectors.participant_session(user, pk)
    if session is None:
        raise Http404
    if not live_policies.can_download_transcript(part):
        closure = SessionClosure.objects.filter(session=session).first()
        if not live_policies.can_read_flagged_transcript(user, closure):
            raise Http404
    elif session.transcript_deleted_at is not None or not keeping.can_read(part, session):
        # Deleted, or not kept and this is the operator: the ended page says which.
        if session.transcript_deleted_at is not None:
            messages.info(request, _("The conversation was deleted, as the customer chose."))
        else:
            messages.info(request, _("The customer chose not to keep this conversation."))
        return redirect("signlanguage:live-session", pk=session.pk)
    # UTF-8 with a byte-order mark: Notepad and Excel on Windows then read Japanese correctly.
    body = (TRANSCRIPT_BOM + live_selectors.transcript_text(session)).encode("utf-8")
    if part.allowed:  # the customer's own download of the ended conversation is noted (keeping)
        keeping.transcript_downloaded(session=session, actor=user, role=part.role or "")
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    stamp = timezone.localtime(getattr(session, "created_at", None) or timezone.now())
    response["Content-Disposition"] = (
        f'attachment; filename="transcript-{session.pk}-{stamp:%Y%m%d}.txt"'
    )
    return response


@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    session, part = _gate(request, pk)
    user = request_user(request)
    if part.role in {"customer", "proxy"} and session.state != "closed":
        # A link to here stays on the page for when the session ends while it is open; before
        # that, it leads back to the conversation with a word, not to a refusal.
        messages.info(request, _("You can tell us how it went once the session has ended."))
        return redirect("signlanguage:live-session", pk=session.pk)
    require(live_policies.can_give_feedback(part, session))
    existing = live_selectors.feedback_of(session, user)
    if request.method == "POST":
        form = live_forms.FeedbackForm(request.POST)
        if form.is_valid():
            live_services.feedback_give(
                session=session,
                actor=user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Thank you. Your feedback was saved."))
            if has_card_number(form.cleaned_data["comment"]):
                messages.warning(request, MASKED_NOTICE)
            return redirect("signlanguage:live-session", pk=session.pk)
    else:
        initial = {"rating": existing.rating, "comment": existing.comment} if existing else None
        form = live_forms.FeedbackForm(initial=initial)
    status = 400 if form.errors else 200
    return render(
        request,
        "signlanguage/live_feedback.html",
        {"session": session, "form": form},
        status=status,
    )


def console(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(live_policies.can_use_console(user))
    sessions = live_selectors.console_sessions(user)
    return render(
        request,
        "signlanguage/live_console.html",
        {
            "waiting": live_selectors.queue_for_console(user),
            "sessions": sessions["today"],
            "upcoming": sessions["upcoming"],
            "open_chats": sessions["open_chats"],
            "opens_before_minutes": int(live_policies.OPENS_BEFORE_START.total_seconds() // 60),
            "canned_phrases": list(live_selectors.canned_phrases()),
            "ice_servers": settings.ICE_SERVERS,
            "client_strings": client_strings(),
        },
    )


@require_http_methods(["GET", "POST"])
def canned_phrases(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(live_policies.can_edit_canned_phrases(user))
    form = live_forms.CannedPhraseForm(request.POST or None)
    if request.method == "POST":
        if "delete" in request.POST:
            phrase = get_object_or_404(CannedPhrase, pk=_posted_pk(request.POST.get("delete")))
            live_services.canned_phrase_delete(actor=user, phrase=phrase)
            messages.success(request, _("The phrase was deleted."))
            return redirect("signlanguage:live-canned-phrases")
        if form.is_valid():
            phrase_id = request.POST.get("phrase_id")
            existing = (
                get_object_or_404(CannedPhrase, pk=_posted_pk(phrase_id)) if phrase_id else None
            )
            live_services.canned_phrase_save(
                actor=user,
                text=form.cleaned_data["text"],
                position=form.cleaned_data["position"],
                phrase=existing,
            )
            messages.success(request, _("The phrase was saved."))
            return redirect("signlanguage:live-canned-phrases")
    return render(
        request,
        "signlanguage/live_canned_phrases.html",
        {"phrases": live_selectors.canned_phrases(), "form": form},
        status=400 if form.errors else 200,
    )
