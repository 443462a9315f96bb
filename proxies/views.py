"""Senior Support pages: each view parses a form, asks one gate and calls one service."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from access_support.accounts import backends, reading
from access_support.accounts import services as accounts
from access_support.accounts.models import User
from access_support.accounts.name_reading import user_set_name_reading
from access_support.accounts.reading import wording
from access_support.domain import Decision
from access_support.http import request_user, require
from access_support.masking import MASKED_NOTICE, tell_saved
from proxies import acting, drafts, forms, policies, reasons, selectors, services
from proxies.models import Grant
from proxies.scopes import ACTIONS, SCOPES, relationship_label, scope_label


def _explain(reason: str) -> str:
    return reasons.explain(reason)


def _grant_error(request: HttpRequest, exc: services.GrantError) -> None:
    texts = {
        "grant_limit": _("You have the most proxies you can have. End one before adding another."),
        "invitation_limit": _("Too many invitations today. Please try again tomorrow."),
        "duplicate_grant": _("This person is already registered as your proxy."),
        "self_proxy": _("You cannot be your own proxy."),
        "invalid_state": _("This cannot be done now. The page shows the current state."),
        "invitation_used": _("This invitation has already been used."),
        "invitation_expired": _("This invitation has expired. Ask the member to send a new one."),
        "invalid_end_date": _("The end date is in the past."),
        "grant_expired": _("The proxy registration has passed its end date."),
    }
    messages.error(request, texts.get(exc.code) or _explain(exc.code))


# --- member: my proxies ---------------------------------------------------------------------


@require_http_methods(["GET"])
def my_proxies(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user.is_member)
    grants = list(selectors.grants_of_member(user))
    return render(
        request,
        "proxies/my_proxies.html",
        {
            "grants": grants,
            "notices": [
                (n, services.notice_text(n.kind, n.params)) for n in selectors.notices_for(user, 10)
            ],
            "can_add": selectors.open_grant_count(user) < services.max_grants(),
            "max_grants": services.max_grants(),
        },
    )


# --- registering a proxy: one question per page, then "check your answers" ------------------

# The answers wait in a draft bound to the user (proxies/drafts.py), not in the session, so the
# idle sign-out loses none of them. This session key only remembers that the person was told
# their earlier answers were kept (told once per session).
REGISTER_RESUMED_KEY = "proxy_register_resumed"
# The questions in order (slug → its form); operators first give the member number.
REGISTER_STEPS: dict[str, type[django_forms.Form]] = {
    "member": forms.MemberNumberForm,
    "person": forms.ProxyPersonForm,
    "relationship": forms.RelationshipForm,
    "scopes": forms.ScopesForm,
    "end-date": forms.EndDateForm,
}


def _register_steps(user: User) -> list[str]:
    steps = list(REGISTER_STEPS)
    return steps if user.is_operator else steps[1:]


def _register_gate(request: HttpRequest) -> User:
    user = request_user(request)
    require(user.is_member or user.is_operator)
    return user


def _answers(user: User) -> dict[str, Any]:
    draft = drafts.draft_for(user)
    return dict(draft.answers) if draft else {}


def _tell_if_resumed(request: HttpRequest, user: User) -> drafts.Draft | None:
    """The user's draft; the first time a session meets one it did not write (after signing in
    again), say that the earlier answers were kept."""
    draft = drafts.draft_for(user)
    if draft is not None and not request.session.get(REGISTER_RESUMED_KEY):
        request.session[REGISTER_RESUMED_KEY] = True
        messages.info(
            request,
            pgettext("plain", "We kept what you entered last time. Please go on from here.")
            if reading.active(request).plain
            else _("We kept what you entered last time. Please go on from here."),
        )
    return draft


def _submit_registration(
    request: HttpRequest, user: User, form: forms.RegisterForm
) -> HttpResponse | None:
    """Send the invitation for a valid form; None when it could not (the form or the messages
    say why)."""
    data = form.cleaned_data
    member: User | None = user
    if user.is_operator:
        member = selectors.member_by_number(data["member_number"])
        if member is None:
            form.add_error("member_number", _("There is no member with this number."))
            return None
    assert member is not None
    try:
        services.grant_register(
            actor=user,
            member=member,
            proxy_name=data["proxy_name"],
            proxy_name_reading=data.get("proxy_name_reading", ""),
            proxy_email=data["proxy_email"],
            relationship=data["relationship"],
            scopes=data["scopes"],
            ends_on=data["ends_on"],
        )
    except services.GrantError as exc:
        _grant_error(request, exc)
        return None
    drafts.draft_discard(user=user)
    messages.success(request, _("We have sent the invitation by e-mail."))
    return redirect("proxies:my-proxies" if user.is_member else "home")


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """GET: the first question. POST: every answer at once (the one-page form)."""
    user = _register_gate(request)
    if request.method == "GET":
        steps = _register_steps(user)
        # Coming back to an unfinished registration: the question they were on.
        draft = _tell_if_resumed(request, user)
        if draft is not None and draft.step in (*steps[1:], "check"):
            return redirect("proxies:register-step", step=draft.step)
        return _register_question(request, user, steps[0])
    form_class = forms.OperatorRegisterForm if user.is_operator else forms.RegisterForm
    form = form_class(request.POST)
    if form.is_valid() and (done := _submit_registration(request, user, form)):
        return done
    return render(request, "proxies/register.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
def register_step(request: HttpRequest, step: str) -> HttpResponse:
    user = _register_gate(request)
    steps = _register_steps(user)
    if step == "check":
        return _register_check(request, user, steps)
    if step not in steps:
        raise Http404
    return _register_question(request, user, step)


def _register_question(request: HttpRequest, user: User, step: str) -> HttpResponse:
    steps = _register_steps(user)
    if request.method == "GET":
        _tell_if_resumed(request, user)
    answers = _answers(user)
    changing = (request.POST if request.method == "POST" else request.GET).get("from") == "check"
    form = REGISTER_STEPS[step](request.POST if request.method == "POST" else None, initial=answers)
    if request.method == "POST" and form.is_valid():
        if (
            step == "member"
            and selectors.member_by_number(form.cleaned_data["member_number"]) is None
        ):
            form.add_error("member_number", _("There is no member with this number."))
        else:
            answers.update(
                {
                    name: request.POST.getlist(name)
                    if isinstance(form.fields[name], django_forms.MultipleChoiceField)
                    else request.POST.get(name, "")
                    for name in form.fields
                }
            )
            index = steps.index(step)
            following = "check" if changing or index + 1 == len(steps) else steps[index + 1]
            request.session[REGISTER_RESUMED_KEY] = True
            if drafts.draft_save(user=user, answers=answers, step=following):
                messages.warning(request, MASKED_NOTICE)
            return redirect("proxies:register-step", step=following)
    if reading.active(request).plain:
        forms.use_plain_wording(form)
    index = steps.index(step)
    back = (
        reverse("proxies:register-step", kwargs={"step": "check"})
        if changing
        else reverse("proxies:register-step", kwargs={"step": steps[index - 1]})
        if index
        else reverse("proxies:my-proxies" if user.is_member else "home")
    )
    return render(
        request,
        "proxies/register_step.html",
        {
            "form": form,
            "step": step,
            "number": index + 1,
            "count": len(steps),
            "changing": changing,
            "back_url": back,
            "action": reverse("proxies:register-step", kwargs={"step": step}),
        },
        status=400 if request.method == "POST" else 200,
    )


def _register_check(request: HttpRequest, user: User, steps: list[str]) -> HttpResponse:
    form_class = forms.OperatorRegisterForm if user.is_operator else forms.RegisterForm
    if request.method == "GET":
        _tell_if_resumed(request, user)
    form = form_class(_answers(user))
    if not form.is_valid():
        # An answer is missing (a page skipped, or a draft left for more than a day): ask it
        # again, and say why this question comes back.
        missing = next(
            (s for s in steps if any(f in form.errors for f in REGISTER_STEPS[s].base_fields)),
            steps[0],
        )
        messages.error(
            request,
            wording(
                _("Please answer this question first."),
                pgettext_lazy("plain", "Please answer this question first."),
            ),
        )
        return redirect("proxies:register-step", step=missing)
    if request.method == "POST" and (done := _submit_registration(request, user, form)):
        return done
    data = form.cleaned_data
    reading.note_name(data["proxy_name"], data.get("proxy_name_reading", ""))
    if reading.active(request).plain:
        forms.use_plain_wording(form)
    change = {
        s.replace("-", "_"): reverse("proxies:register-step", kwargs={"step": s}) + "?from=check"
        for s in steps
    }
    return render(
        request,
        "proxies/register_check.html",
        {
            "form": form,
            "data": data,
            "relationship_label": relationship_label(data["relationship"]),
            "scope_labels": [scope_label(s) for s in data["scopes"]],
            "change": change,
            "back_url": reverse("proxies:register-step", kwargs={"step": steps[-1]}),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    grant = selectors.grant_for_user(user, pk)
    form = forms.ScopesForm(
        request.POST if request.method == "POST" else None, initial={"scopes": grant.scopes}
    )
    if request.method == "POST":
        require(policies.can_change_scopes(user, grant))
        if form.is_valid():
            try:
                services.grant_change_scopes(
                    grant=grant, actor=user, scopes=form.cleaned_data["scopes"]
                )
            except services.GrantError as exc:
                _grant_error(request, exc)
            else:
                messages.success(request, _("The changes are saved."))
            return redirect("proxies:grant-detail", pk=grant.pk)
    return render(
        request,
        "proxies/grant_detail.html",
        {
            "grant": grant,
            "state": grant.effective_state(),
            "scope_labels": [scope_label(s) for s in grant.scopes if s in SCOPES],
            "form": form,
            "is_member": policies.can_change_scopes(user, grant),
            "can_manage": policies.can_revoke_or_suspend(user, grant),
            "open": grant.state in ("invited", "pending_review", "active", "suspended"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def grant_pause(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = request_user(request)
    grant = selectors.grant_for_user(user, pk)
    require(policies.can_revoke_or_suspend(user, grant))
    service = {"suspend": services.grant_suspend, "resume": services.grant_resume}.get(verb)
    if service is None:
        raise Http404
    try:
        service(grant=grant, actor=user)
    except services.GrantError as exc:
        _grant_error(request, exc)
    else:
        messages.success(
            request,
            _("The proxy is paused.")
            if verb == "suspend"
            else _("The proxy can act for you again."),
        )
    return redirect("proxies:grant-detail", pk=grant.pk)


@require_http_methods(["GET", "POST"])
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    grant = selectors.grant_for_user(user, pk)
    require(policies.can_revoke_or_suspend(user, grant))
    if request.method == "POST":
        try:
            services.grant_revoke(grant=grant, actor=user)
        except services.GrantError as exc:
            _grant_error(request, exc)
        else:
            messages.success(request, _("The proxy can no longer act for you."))
        if user.is_member and user.pk == grant.member_id:
            return redirect("proxies:my-proxies")
        return redirect("proxies:grant-detail", pk=grant.pk)
    return render(request, "proxies/revoke_confirm.html", {"grant": grant})


# --- the invitation -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open before sign-in (middleware), so it checks the second factor itself."""
    try:
        grant = services.invitation_for_token(token)
    except services.GrantError as exc:
        return render(
            request, "proxies/invitation_gone.html", {"code": exc.code}, status=exc.status
        )
    user: Any = request.user
    verified = user.is_authenticated and user.is_verified()
    account_form = forms.AccountForm(
        request.POST if request.POST.get("action") == "create_account" else None
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "decline":
            try:
                services.grant_decline(token=token, actor=user if user.is_authenticated else None)
            except services.GrantError as exc:
                return render(
                    request, "proxies/invitation_gone.html", {"code": exc.code}, status=exc.status
                )
            return render(request, "proxies/invitation_done.html", {"declined": True})
        if action == "accept" and verified:
            try:
                services.grant_accept(token=token, actor=user)
            except services.GrantError as exc:
                _grant_error(request, exc)
                return redirect("home")
            # Gaining the proxy role changes the session hash: keep this session signed in.
            update_session_auth_hash(request, user)
            return render(request, "proxies/invitation_done.html", {"declined": False})
        if action == "create_account" and not user.is_authenticated and account_form.is_valid():
            return _create_proxy_account(request, grant, token, account_form)
    return render(
        request,
        "proxies/invitation.html",
        {
            "grant": grant,
            "token": token,
            "verified": verified,
            "account_form": account_form,
            "login_url": f"{reverse('accounts:login')}?next={request.path}",
            "scope_labels": [scope_label(s) for s in grant.scopes if s in SCOPES],
        },
        status=400 if request.method == "POST" else 200,
    )


def _create_proxy_account(
    request: HttpRequest, grant: Grant, token: str, form: forms.AccountForm
) -> HttpResponse:
    username = form.cleaned_data["username"]
    if User.objects.filter(email__iexact=grant.proxy_email).exists():
        # One account per invitation (and per address): the link cannot mint accounts, each
        # sending mail. Whoever has the address already signs in and accepts.
        form.add_error(None, _("An account with this e-mail address exists. Please sign in."))
    elif User.objects.filter(username=username).exists():
        form.add_error("username", _("This user name is taken. Choose another."))
    if form.errors:
        return render(
            request,
            "proxies/invitation.html",
            {
                "grant": grant,
                "token": token,
                "verified": False,
                "account_form": form,
                "login_url": f"{reverse('accounts:login')}?next={request.path}",
                "scope_labels": [scope_label(s) for s in grant.scopes if s in SCOPES],
            },
            status=400,
        )
    new_user = accounts.user_create(
        username=username,
        password=form.cleaned_data["password"],
        email=grant.proxy_email,
        roles=["proxy"],
        display_name=grant.proxy_name,
    )
    if grant.proxy_name_reading:
        # The account takes the name the member registered, so with it the member's reading
        # (the proxy can change it on the sign-in settings page).
        new_user = user_set_name_reading(
            user=new_user, name_reading=grant.proxy_name_reading, actor=new_user
        )
    login(request, new_user, backend=backends.PATH)
    device = accounts.email_device_for(new_user)
    if device is not None:
        accounts.send_challenge(new_user, device)
    return redirect(f"{reverse('accounts:otp')}?next={request.path}")


# --- proxy: members I help, acting, codes, procedures ---------------------------------------


@require_http_methods(["GET"])
def helping(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user.is_proxy)
    grants = list(
        selectors.grants_for_user(user)
        .filter(proxy=user)
        .exclude(state__in=["revoked", "declined", "rejected", "expired"])
    )
    return render(
        request,
        "proxies/helping.html",
        {
            "grants": [
                (g, g.effective_state(), [scope_label(s) for s in g.scopes if s in SCOPES])
                for g in grants
            ],
        },
    )


def _member_for_proxy(user: User, member_id: int) -> User:
    """Gate: a member this proxy has a grant from, else 404 (the same as no such member)."""
    member = selectors.member_by_id(member_id)
    if member is None or selectors.grant_between(user, member) is None:
        raise Http404
    return member


@require_POST
def act_start(request: HttpRequest, member_id: int) -> HttpResponse:
    user = request_user(request)
    member = _member_for_proxy(user, member_id)
    decision = acting.start_acting(request, member)
    if not decision.allowed:
        messages.error(request, _explain(decision.reason))
        return redirect("proxies:helping")
    return redirect("proxies:procedure-new")


@require_POST
def act_stop(request: HttpRequest) -> HttpResponse:
    acting.stop_acting(request)
    messages.success(request, _("You have stopped acting for the member."))
    return redirect("home")


@require_http_methods(["GET", "POST"])
def code_new(request: HttpRequest, member_id: int) -> HttpResponse:
    user = request_user(request)
    member = _member_for_proxy(user, member_id)
    if request.method == "GET":
        # Reopened from the history or a bookmark: a code is shown once, when it is made.
        messages.info(
            request,
            _(
                "A verification code is shown only once. If you need one, press "
                "“Show a verification code for %(name)s” again."
            )
            % {"name": member.name},
        )
        return redirect("proxies:helping")
    try:
        code, record = services.code_issue(proxy=user, member=member)
    except services.GrantError as exc:
        messages.error(request, _explain(exc.code))
        return redirect("proxies:helping")
    return render(
        request,
        "proxies/code.html",
        {
            "member": member,
            "code": code,
            "expires_at": timezone.localtime(record.expires_at),
        },
    )


@require_http_methods(["GET", "POST"])
def procedure_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    member = acting.acting_member(request) if user.is_proxy else None
    if member is None and user.is_member:
        member = user
    ended = acting.ended_now(request) if member is None and request.method == "POST" else None
    if ended is not None:
        # The grant was paused or ended while the form was open: keep the text, say why.
        refused = forms.ProcedureForm(
            initial={"kind": request.POST.get("kind"), "details": request.POST.get("details", "")}
        )
        return render(
            request,
            "proxies/procedure_new.html",
            {"form": refused, "member": ended[0], "refusal": _explain(ended[1])},
            status=403,
        )
    if member is None:
        messages.info(request, _("Choose the member you are helping first."))
        return redirect("proxies:helping" if user.is_proxy else "home")
    kinds = selectors.procedure_kinds_allowed(user, member)
    if not kinds:
        messages.error(request, _("The member has not allowed you to file any request."))
        return redirect("proxies:helping")
    form = forms.ProcedureForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.procedure_file(
                actor=user,
                member=member,
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
            )
        except services.GrantError as exc:
            messages.error(request, _explain(exc.code))
        else:
            done = _("The request has been sent. The member is told too.")
            tell_saved(request, done, form.cleaned_data["details"])
            # The request's own page: its status, and for a lost card what happens next.
            return redirect("proxies:procedure", pk=filed.pk)
    return render(
        request,
        "proxies/procedure_new.html",
        {"form": form, "member": member},
        status=400 if request.method == "POST" else 200,
    )


# --- supervisor: review ---------------------------------------------------------------------


@require_http_methods(["GET"])
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require(user.is_supervisor)
    return render(
        request, "proxies/review_queue.html", {"grants": list(selectors.pending_reviews()[:200])}
    )


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    grant = selectors.grant_for_user(user, pk)
    require(policies.can_review(user, grant))
    action = request.POST.get("action")
    approve_form = forms.ApproveForm(request.POST if action == "approve" else None)
    reject_form = forms.RejectForm(request.POST if action == "reject" else None)
    if request.method == "POST":
        try:
            if action == "approve" and approve_form.is_valid():
                services.grant_approve(
                    grant=grant,
                    actor=user,
                    documents_checked=approve_form.cleaned_data["documents_checked"],
                )
                messages.success(request, _("The proxy is approved."))
                return redirect("proxies:review-queue")
            if action == "reject" and reject_form.is_valid():
                services.grant_reject(
                    grant=grant, actor=user, reason=reject_form.cleaned_data["reason"]
                )
                messages.success(request, _("The proxy is rejected."))
                return redirect("proxies:review-queue")
        except services.GrantError as exc:
            _grant_error(request, exc)
            return redirect("proxies:review-queue")
    return render(
        request,
        "proxies/review.html",
        {
            "grant": grant,
            "approve_form": approve_form,
            "reject_form": reject_form,
            "scope_labels": [scope_label(s) for s in grant.scopes if s in SCOPES],
        },
        status=400 if request.method == "POST" else 200,
    )


# --- operator: verification desk ------------------------------------------------------------


def _desk_code_note(decision: Decision | None) -> str:
    """What became of the code shown (policies.desk_spends_code), in words."""
    if decision is None or decision.reason in ("unknown_member", "invalid_code"):
        return ""
    if policies.desk_spends_code(decision):
        return _("The code is now used up. For another check the proxy needs a new code.")
    return _("The code was not used up: it still works for an allowed action until it expires.")


@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    try:
        desk = services.desk_open(request_user(request))
    except services.GrantError as exc:
        raise PermissionDenied from exc
    form = forms.DeskForm(request.POST if request.method == "POST" else None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result = desk.check(**form.cleaned_data)
            status = 429 if result.throttled else 200
    decision = result.decision if result is not None else None
    return render(
        request,
        "proxies/desk.html",
        {
            "form": form,
            "result": result,
            "decision": decision,
            "explanation": _explain(decision.reason) if decision else "",
            "code_note": _desk_code_note(decision),
            "action_label": ACTIONS.get(form.cleaned_data.get("action", ""), "")
            if form.is_bound and form.is_valid()
            else "",
            "scope_labels": [scope_label(s) for s in decision.grant.scopes if s in SCOPES]
            if decision is not None and decision.grant is not None
            else [],
        },
        status=status,
    )


# --- the member's "this wasn't me" on a notice of a proxy's action (issue 21 item 5) ----------


@require_POST
def notice_disown(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap from the notification centre: the proxy is paused at once and our staff get a
    request (services.proxy_action_disown); the member reads what happened."""
    user = request_user(request)
    require(user.is_member)
    try:
        services.proxy_action_disown(member=user, notice_id=pk)
    except services.GrantError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        _grant_error(request, exc)
    else:
        messages.success(
            request,
            _(
                "You told us this wasn't you: the proxy is paused and cannot act for you, "
                "and our staff will contact you."
            ),
        )
    return redirect("notifications:list")
