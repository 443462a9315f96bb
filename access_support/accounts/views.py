"""Sign-in pages: password, second factor, security settings (TOTP, backup codes), sign-out."""

from __future__ import annotations

from base64 import b32encode
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_support.accounts import known_browsers, reading, services, sign_in_link
from access_support.accounts.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    NameReadingForm,
    RecoveryRequestForm,
    SetPasswordForm,
    TokenForm,
)
from access_support.accounts.models import User
from access_support.accounts.name_reading import user_set_name_reading
from access_support.middleware import set_language_cookie


def safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes calls this when an account or address is locked."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "locked_out", "detail": "Too many failed sign-ins. Try again later."},
            status=429,
        )
    form = LoginForm(request.POST or None)
    return render(request, "accounts/login.html", {"form": form, "locked": True}, status=429)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        result = services.password_sign_in(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if result.locked:
            return lockout_response(request)
        if result.user is not None:
            device = services.email_device_for(result.user)
            if device is not None:
                services.send_challenge(
                    result.user, device, request=request, next_url=safe_next(request)
                )
                request.session["otp_sent_to"] = device.persistent_id
            return redirect(f"{reverse('accounts:otp')}?next={safe_next(request)}")
        failed = True
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/login.html",
        {"form": form, "failed": failed, "next": safe_next(request, "")},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    assert isinstance(user, User)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(safe_next(request))
    devices = services.devices_for(user)
    chosen_id = (
        request.POST.get("device")
        or request.GET.get("device")
        or (devices[0].persistent_id if devices else "")
    )
    device = services.find_device(user, chosen_id)
    form = TokenForm(initial={"device": chosen_id})
    error = ""
    status = 200
    if request.method == "POST" and device is not None:
        if request.POST.get("action") == "send":
            # A new code replaces the one sent before (django-otp keeps one per device).
            if services.send_challenge(user, device, request=request, next_url=safe_next(request)):
                messages.success(
                    request,
                    _(
                        "We have sent a new code to your e-mail. The code in earlier e-mails "
                        "no longer works: use the code in the newest e-mail."
                    ),
                )
            else:
                seconds = services.challenge_wait_seconds(device)
                messages.info(
                    request,
                    ngettext(
                        "We sent a code a moment ago. You can ask for a new one in %(seconds)s "
                        "second. Until then, the code in the newest e-mail works.",
                        "We sent a code a moment ago. You can ask for a new one in %(seconds)s "
                        "seconds. Until then, the code in the newest e-mail works.",
                        seconds,
                    )
                    % {"seconds": seconds},
                )
            return redirect(
                f"{reverse('accounts:otp')}?device={device.persistent_id}&next={safe_next(request)}"
            )
        form = TokenForm(request.POST)
        if form.is_valid():
            result = services.verify_second_factor(request, device, form.cleaned_data["token"])
            if result.verified:
                return known_browsers.remember(request, redirect(safe_next(request)))
            status = 429 if result.throttled else 400
            if result.throttled:
                error = _(
                    "Too many wrong codes. Please wait %(seconds)s seconds and try again."
                ) % {"seconds": result.retry_after}
            else:
                error = _("That code is not correct or has expired. Check the code and try again.")
        else:
            status = 400
    return render(
        request,
        "accounts/otp.html",
        {
            "form": form,
            "devices": [services.describe_device(d) for d in devices],
            "device": services.describe_device(device) if device else None,
            "error": error,
            "next": safe_next(request, ""),
        },
        status=status,
    )


@never_cache
@require_GET
def otp_link_view(request: HttpRequest, secret: str) -> HttpResponse:
    """The one-click link in the code e-mail: signs in the browser that asked for the code, once,
    while the code is valid. Anywhere else it only says to enter the code (sign_in_link)."""
    user = request.user
    if user.is_authenticated and user.is_verified():  # type: ignore[attr-defined]
        return redirect(sign_in_link.next_url(request))
    target = sign_in_link.next_url(request)
    used = services.sign_in_by_link(request, secret)
    if used.outcome is sign_in_link.Outcome.SIGNED_IN:
        return known_browsers.remember(request, redirect(target))
    throttled = used.outcome is sign_in_link.Outcome.THROTTLED
    return render(
        request,
        "accounts/otp_link.html",
        {
            "outcome": used.outcome.value,
            "seconds": used.retry_after,
            "signed_in_by_password": user.is_authenticated,
        },
        status=429 if throttled else 400,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.sign_out(request)
    return redirect("accounts:login")


@never_cache
@require_POST
def admin_logout_view(request: HttpRequest) -> HttpResponse:
    """/admin/logout/, matched before the admin's own URLs (access_support/urls.py). The admin's
    view only ended the session: no audit row, and the user's websockets stayed open. This one
    is the project's sign-out, like every other way out (audited, sockets closed with 4401)."""
    services.sign_out(request)
    return redirect("accounts:login")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _totp_context(device: TOTPDevice) -> dict[str, Any]:
    return {
        "pending_totp": device,
        "qr_svg": _qr_svg(device.config_url),
        "totp_secret": b32encode(device.bin_key).decode().rstrip("="),
    }


@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    context: dict[str, Any] = {
        "totp_devices": TOTPDevice.objects.filter(user=user, confirmed=True),
        "language_form": LanguageForm(initial={"language": user.language}),
        "name_form": NameReadingForm(initial={"name_reading": user.name_reading}),
    }
    action = request.POST.get("action")
    if action == "name_reading":
        name_form = NameReadingForm(request.POST)
        if name_form.is_valid():
            user_set_name_reading(
                user=user, name_reading=name_form.cleaned_data["name_reading"], actor=user
            )
            messages.success(
                request,
                reading.wording(
                    _("We saved how your name is read."),
                    pgettext_lazy("plain", "We saved how your name is read."),
                ),
            )
            return redirect(f"{reverse('accounts:security')}#name-reading")
        context["name_form"] = name_form
        return render(request, "accounts/security.html", context, status=400)
    if action == "language":
        form = LanguageForm(request.POST)
        if form.is_valid():
            return _language_chosen(request, user, form.cleaned_data["language"])
        context["language_form"] = form
    if action == "totp_start":
        device = services.totp_device_start(user=user)
        context.update(_totp_context(device))
    elif action == "totp_confirm":
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        token = request.POST.get("token", "")
        if pending and services.totp_device_confirm(user=user, device=pending, token=token):
            messages.success(request, _("Your authenticator app is now set up."))
            return redirect("accounts:security")
        if pending:
            context.update(_totp_context(pending))
        context["totp_error"] = _("That code is not correct. Enter the 6 digits the app shows now.")
    elif action == "backup_codes":
        context["new_codes"] = services.backup_codes_regenerate(user=user)
    return render(request, "accounts/security.html", context)


def _language_chosen(request: HttpRequest, user: User, language: str) -> HttpResponse:
    """Stored on the user (e-mails) and in this device's language cookie (pages), like the
    language switch."""
    services.user_set_language(user=user, language=language, actor=user)
    response = redirect("accounts:security")
    set_language_cookie(request, response, language)
    with translation.override(language):
        messages.success(request, _("We will write to you in this language."))
    return response


@require_http_methods(["GET", "POST"])
def set_password_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The e-mailed link of a new staff account: its owner chooses the first password. Open
    before sign-in; a wrong, used or expired link shows how to get a new one."""
    user = services.password_setup_user(uidb64, token)
    if user is None:
        return render(request, "accounts/set_password.html", {"invalid": True})
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            services.password_setup_complete(user=user, new_password=form.cleaned_data["password1"])
            messages.success(
                request, _("Your password is set. Sign in with it and the code we e-mail you.")
            )
            return redirect("accounts:login")
        return render(
            request, "accounts/set_password.html", {"form": form, "account": user}, status=400
        )
    return render(request, "accounts/set_password.html", {"form": form, "account": user})


@require_http_methods(["GET", "POST"])
def forgot_password_view(request: HttpRequest) -> HttpResponse:
    """ "Forgot your password?": open before sign-in. The answer after sending is the same
    whether or not the address has an account; only too many requests from one client address
    are told apart (429), which says nothing about any account."""
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/forgot_password.html", {"form": form}, status=400)
        if not services.password_reset_request(email=form.cleaned_data["email"]):
            return render(
                request,
                "accounts/forgot_password.html",
                {"form": form, "throttled": True},
                status=429,
            )
        return render(request, "accounts/forgot_password.html", {"sent": True})
    return render(request, "accounts/forgot_password.html", {"form": form})


@require_http_methods(["GET", "POST"])
def reset_password_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The e-mailed reset link: choose a new password; every session of the account ends."""
    user = services.password_reset_user(uidb64, token)
    context: dict[str, Any] = {"reset": True}
    if user is None:
        return render(request, "accounts/set_password.html", context | {"invalid": True})
    form = SetPasswordForm(request.POST or None, user=user)
    context |= {"form": form, "account": user}
    if request.method == "POST":
        if form.is_valid():
            services.password_reset_complete(user=user, new_password=form.cleaned_data["password1"])
            messages.success(
                request,
                _("Your new password is set. Sign in with it and the code we e-mail you."),
            )
            return redirect("accounts:login")
        return render(request, "accounts/set_password.html", context, status=400)
    return render(request, "accounts/set_password.html", context)


# --- lost every sign-in method (accounts/recovery.py) ------------------------------------------


@require_http_methods(["GET", "POST"])
def recovery_request_view(request: HttpRequest) -> HttpResponse:
    """ "I can't use any of my sign-in methods": after a correct password only."""
    from access_support.accounts import recovery

    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:security")
    assert isinstance(user, User)
    template = "accounts/recovery_request.html"
    if recovery.open_request_for(user) is not None:
        return render(request, template, {"already_open": True})
    form = RecoveryRequestForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, template, {"form": form}, status=400)
        try:
            made = recovery.request_recovery(
                user=user,
                reason=form.cleaned_data["reason"],
                contact=form.cleaned_data["contact"],
            )
        except recovery.RecoveryError as exc:
            if exc.code == "already_open":
                return render(request, template, {"already_open": True})
            if exc.code == "no_email":
                return render(request, template, {"no_email": True}, status=400)
            return render(request, template, {"form": form, "throttled": True}, status=429)
        return render(
            request, template, {"sent": True, "hours": recovery.wait_hours(), "recovery": made}
        )
    return render(request, template, {"form": form, "hours": recovery.wait_hours()})


@require_http_methods(["GET", "POST"])
def recovery_stop_view(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed "not you? stop it here" link: GET shows one button, POST stops. No
    sign-in needed; the link works once."""
    from access_support.accounts import recovery

    template = "accounts/recovery_stop.html"
    if request.method == "POST":
        if recovery.stop(token=token) is None:
            return render(request, template, {"invalid": True})
        return render(request, template, {"stopped": True})
    if recovery.request_for_stop_token(token) is None:
        return render(request, template, {"invalid": True})
    return render(request, template, {})


@require_http_methods(["GET", "POST"])
def recovery_finish_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link sent on approval: works once; then sign in with the password and an e-mailed
    code, and set up a new sign-in method on the security page."""
    from access_support.accounts import recovery

    template = "accounts/recovery_finish.html"
    if request.method == "POST":
        if recovery.finish(token=token) is None:
            return render(request, template, {"invalid": True})
        messages.success(
            request,
            _(
                "Sign in with your password and the code we e-mail you. Then set up a new "
                "sign-in method."
            ),
        )
        return redirect(f"{reverse('accounts:login')}?next={reverse('accounts:security')}")
    if recovery.request_for_finish_token(token) is None:
        return render(request, template, {"invalid": True})
    return render(request, template, {})
