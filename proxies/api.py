"""JSON API v1 for Senior Support (docs/api.md): grants, acceptance, review, revocation, codes and
the authorisation check."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from access_support.accounts.models import User
from access_support.http import (
    ApiError,
    api_user,
    api_view,
    json_body,
    optional_str,
    require_str,
)
from proxies import selectors, services
from proxies.models import Grant
from proxies.scopes import ordered_scopes


def grant_json(grant: Grant | None) -> dict[str, Any] | None:
    if grant is None:
        return None
    return {
        "id": grant.pk,
        "member_number": grant.member.member_number,
        "proxy": {
            "name": grant.proxy_display_name,
            "name_reading": grant.proxy_reading,
            "email": grant.proxy.email if grant.proxy is not None else grant.proxy_email,
        },
        "relationship": grant.relationship,
        "scopes": ordered_scopes(grant.scopes),
        "state": grant.effective_state(),
        "ends_on": grant.ends_on.isoformat() if grant.ends_on else None,
    }


def _gate(request: HttpRequest, pk: int) -> Grant:
    try:
        return selectors.grant_for_user(api_user(request), pk)
    except Http404 as exc:
        raise ApiError("not_found", 404, "No such grant.") from exc


def _parse_date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ApiError("invalid_field", 400, "'ends_on' must be YYYY-MM-DD.", field="ends_on")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(
            "invalid_field", 400, "'ends_on' must be YYYY-MM-DD.", field="ends_on"
        ) from exc


@api_view("GET", "POST")
def grants(request: HttpRequest) -> HttpResponse:
    user = api_user(request)
    if request.method == "GET":
        return JsonResponse({"grants": [grant_json(g) for g in selectors.grants_for_user(user)]})
    data = json_body(request)
    member: User | None = user
    if user.is_operator and data.get("member_number"):
        # An operator registers at the member's request (proxies/README.md).
        member = selectors.member_by_number(require_str(data, "member_number", max_length=20))
        if member is None:
            raise ApiError("not_found", 404, "No such member.")
    elif not user.is_member:
        raise ApiError("forbidden", 403, "Only a member registers their proxies.")
    assert member is not None  # the member themself, or the one the operator named
    grant, _token = services.grant_register(
        actor=user,
        member=member,
        proxy_name=require_str(data, "proxy_name", max_length=100),
        proxy_name_reading=optional_str(data, "proxy_name_reading", max_length=100),
        proxy_email=require_str(data, "proxy_email", max_length=254),
        relationship=require_str(data, "relationship", max_length=40),
        scopes=data.get("scopes"),
        ends_on=_parse_date(data.get("ends_on")),
    )
    return JsonResponse(grant_json(grant), status=201)


@api_view("POST")
def accept(request: HttpRequest) -> HttpResponse:
    user = api_user(request)
    token = require_str(json_body(request), "token", max_length=200)
    grant = services.grant_accept(token=token, actor=user)
    # Gaining the proxy role changes the session hash: keep this session signed in.
    update_session_auth_hash(request, user)
    return JsonResponse(grant_json(grant))


@api_view("POST")
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _gate(request, pk)
    data = json_body(request)
    grant = services.grant_approve(
        grant=grant,
        actor=api_user(request),
        documents_checked=data.get("documents_checked"),
    )
    return JsonResponse(grant_json(grant))


@api_view("POST")
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _gate(request, pk)
    data = json_body(request)
    reason = data.get("reason")
    grant = services.grant_reject(
        grant=grant,
        actor=api_user(request),
        reason=reason if isinstance(reason, str) else "",
    )
    return JsonResponse(grant_json(grant))


def _transition(service: Callable[..., Grant]) -> Callable[[HttpRequest, int], HttpResponse]:
    @api_view("POST")
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        grant = _gate(request, pk)
        return JsonResponse(grant_json(service(grant=grant, actor=api_user(request))))

    return view


revoke = _transition(services.grant_revoke)
suspend = _transition(services.grant_suspend)
resume = _transition(services.grant_resume)


@api_view("POST")
def scopes(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _gate(request, pk)
    data = json_body(request)
    grant = services.grant_change_scopes(
        grant=grant, actor=api_user(request), scopes=data.get("scopes")
    )
    return JsonResponse(grant_json(grant))


@api_view("POST")
def authorization_check(request: HttpRequest) -> HttpResponse:
    desk = services.desk_open(api_user(request))  # before the body: a stranger learns nothing more
    data = json_body(request)
    result: services.DeskResult = desk.check(
        member_number=require_str(data, "member_number", max_length=20),
        code=require_str(data, "code", max_length=20),
        action=require_str(data, "action", max_length=40),
    )
    if result.throttled or result.decision is None:
        raise ApiError(
            "throttled",
            429,
            f"Too many wrong codes. The desk is locked for this member for "
            f"{math.ceil(result.retry_after / 60)} minutes.",
            retry_after=result.retry_after,
        )
    decision = result.decision
    return JsonResponse(
        {
            "allowed": decision.allowed,
            "reason": decision.reason,
            "grant": grant_json(decision.grant),
        }
    )


@api_view("POST")
def codes(request: HttpRequest) -> HttpResponse:
    user = api_user(request)
    number = require_str(json_body(request), "member_number", max_length=20)
    member = selectors.member_by_number(number)
    code, record = services.code_issue(proxy=user, member=member)
    return JsonResponse(
        {"code": code, "expires_at": timezone.localtime(record.expires_at).isoformat()},
        status=201,
    )
