"""JSON API: sign-in steps and /me (docs/api.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token

from access_support import idle
from access_support.accounts import known_browsers, services
from access_support.accounts.models import User
from access_support.http import ApiError, api_view, json_body, require_str


@api_view("GET")
def csrf(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"csrf_token": get_token(request)})


@api_view("POST")
def login(request: HttpRequest) -> HttpResponse:
    data = json_body(request)
    username = require_str(data, "username", max_length=150)
    password = require_str(data, "password", max_length=4096)
    result = services.password_sign_in(request, username, password)
    if result.locked:
        raise ApiError("locked_out", 429, "Too many failed sign-ins. Try again later.")
    if result.user is None:
        raise ApiError("invalid_credentials", 401, "The user name or password is not correct.")
    devices = [services.describe_device(d) for d in services.devices_for(result.user)]
    return JsonResponse({"otp_required": True, "devices": devices})


def _password_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise ApiError("not_authenticated", 401, "Sign in with your password first.")
    return user


@api_view("POST")
def otp_challenge(request: HttpRequest) -> HttpResponse:
    user = _password_user(request)
    data = json_body(request)
    device = services.find_device(user, str(data.get("device") or "email"))
    if device is None or services.device_kind(device) != "email":
        raise ApiError("unknown_device", 400, "No such e-mail device.")
    if not services.send_challenge(user, device):
        wait = max(1, services.challenge_wait_seconds(device))
        raise ApiError(
            "too_soon",
            429,
            f"A code was sent a moment ago. You can ask for a new one in {wait} seconds.",
            retry_after=wait,
        )
    return JsonResponse({"sent": True, "device": device.persistent_id})


@api_view("POST")
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = _password_user(request)
    data = json_body(request)
    token = require_str(data, "token", max_length=32)
    device = services.find_device(user, str(data.get("device") or "email"))
    if device is None:
        raise ApiError("unknown_device", 400, "No such device.")
    result = services.verify_second_factor(request, device, token)
    if result.throttled:
        raise ApiError("throttled", 429, "Too many wrong codes.", retry_after=result.retry_after)
    if not result.verified:
        raise ApiError("invalid_token", 401, "The code is not correct or has expired.")
    # The client keeps the browser cookie too: its next sign-in is not "a new device".
    return known_browsers.remember(request, JsonResponse({"verified": True}))


def me_payload(user: User) -> dict[str, object]:
    from access_support import extensions

    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "roles": user.roles,
        "member_number": user.member_number,
        "skills": user.skills,
        "acting_for": acting.members_for(user) if (acting := extensions.acting()) else [],
    }


@api_view("GET")
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return JsonResponse(me_payload(user))


@api_view("GET", "POST")
def session_clock(request: HttpRequest) -> HttpResponse:
    """The idle clocks behind the timeout warning: GET reads them (the middleware does not count
    it as activity), POST is the Extend button and restarts them."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        return JsonResponse(idle.extend(request, user).as_json())
    return JsonResponse(idle.clock(request, user).as_json())
