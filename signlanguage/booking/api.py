"""JSON API v1 for availability, bookings and the talk-now queue (docs/api.md)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from access_support.accounts.models import User
from access_support.http import ApiError, api_user, api_view, json_body
from access_support.masking import MASKED_NOTICE, has_card_number
from signlanguage.booking import availability, policies, selectors, services
from signlanguage.models import Mode, Session


def _gate(request: HttpRequest, pk: int) -> Session:
    try:
        return selectors.session_for_user(api_user(request), pk)
    except Http404 as exc:
        raise ApiError("not_found", 404, "No such session.") from exc
    except selectors.SessionRefused as exc:
        raise ApiError(exc.reason, 403, "The member's grant no longer allows this.") from exc


def _mode(value: Any) -> str:
    if value not in Mode.values:
        raise ApiError("invalid_mode", 400, f"mode must be one of {', '.join(Mode.values)}.")
    return str(value)


def _start(value: Any) -> datetime.datetime:
    if not isinstance(value, str):
        raise ApiError("invalid_start", 400, "start must be an ISO 8601 date-time with offset.")
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(
            "invalid_start", 400, "start must be an ISO 8601 date-time with offset."
        ) from exc
    if timezone.is_naive(parsed):
        raise ApiError("invalid_start", 400, "start must carry a time-zone offset, e.g. +09:00.")
    if not datetime.MINYEAR < parsed.year < datetime.MAXYEAR:
        # In the first and last year a time may not exist in UTC or JST (0001-01-01T00:00+09:00
        # is in year 0 in UTC): converting it for the database raised OverflowError, a 500.
        # A year's margin also covers adding the slot length.
        raise ApiError("invalid_start", 400, "start is out of range.")
    return parsed


def booking_json(session: Session) -> dict[str, Any]:
    assert session.start is not None and session.end is not None
    return {
        "id": session.pk,
        "session_id": session.pk,
        "start": timezone.localtime(session.start).isoformat(),
        "end": timezone.localtime(session.end).isoformat(),
        "mode": session.mode,
        "state": session.state,
        "topic": session.topic,
        "member_number": session.customer.member_number,
    }


@api_view("GET")
def availability_view(request: HttpRequest) -> HttpResponse:
    api_user(request)
    mode = _mode(request.GET.get("mode"))
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError as exc:
        raise ApiError("invalid_date", 400, "date must be YYYY-MM-DD.") from exc
    return JsonResponse({"slots": availability.day_slots_json(mode, day)})


# `on_behalf_of` refusals a user may meet per window before the API answers 429 throttled.
ON_BEHALF_REFUSALS = 10
ON_BEHALF_WINDOW = 600
# Reasons that would tell whether a member number exists: answered as `no_grant`.
PROBE_REASONS = frozenset({"unknown_member", "no_grant"})


def _customer_for(actor: User, on_behalf_of: Any) -> User:
    """The member the booking is for: the actor, or the member a proxy is authorised for."""
    if on_behalf_of in (None, ""):
        decision = policies.can_book_for_self(actor)
        if not decision.allowed:
            raise ApiError(decision.reason, 403, "Only card members book for themselves.")
        return actor
    if not isinstance(on_behalf_of, str):
        raise ApiError("invalid_field", 400, "'on_behalf_of' must be a member number.")
    refusals_key = f"on-behalf-refused:{actor.pk}"
    if int(cache.get(refusals_key, 0)) >= ON_BEHALF_REFUSALS:
        raise ApiError(
            "throttled", 429, "Too many refused member numbers.", retry_after=ON_BEHALF_WINDOW
        )
    member = selectors.member_by_number(on_behalf_of)
    if member is None:
        _refused_on_behalf(actor)
        raise ApiError("no_grant", 403, "You may not book for this member.")
    return member


def _refused_on_behalf(actor: User) -> None:
    """A number nobody has and a member who gave you no grant answer alike (`no_grant`): the API
    must not tell a stranger which member numbers exist. Refusals are counted to stop a sweep."""
    refusals_key = f"on-behalf-refused:{actor.pk}"
    cache.add(refusals_key, 0, ON_BEHALF_WINDOW)
    cache.incr(refusals_key)


@api_view("GET", "POST")
def bookings(request: HttpRequest) -> HttpResponse:
    actor = api_user(request)
    if request.method == "GET":
        items = [booking_json(s) for s in selectors.sessions_for_user(actor) if s.kind == "booked"]
        return JsonResponse({"bookings": items})
    data = json_body(request)
    mode = _mode(data.get("mode"))
    start = _start(data.get("start"))
    customer = _customer_for(actor, data.get("on_behalf_of"))
    try:
        session = services.booking_create(
            actor=actor,
            customer=customer,
            mode=mode,
            start=start,
            topic=data.get("topic"),
            note=data.get("note", ""),
            via="api",
        )
    except services.BookingError as exc:
        if customer.pk != actor.pk and exc.code in PROBE_REASONS | {"not_a_member"}:
            _refused_on_behalf(actor)
            raise ApiError("no_grant", 403, "You may not book for this member.") from exc
        raise
    body = booking_json(session)
    if has_card_number(data.get("topic"), data.get("note")):
        body["notice"] = {"code": "card_number_masked", "detail": str(MASKED_NOTICE)}
    return JsonResponse(body, status=201)


@api_view("GET")
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(booking_json(_gate(request, pk)))


@api_view("POST")
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _gate(request, pk)
    session = services.booking_cancel(session=session, actor=api_user(request))
    return JsonResponse(booking_json(session))


@api_view("POST")
def booking_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = _gate(request, pk)
    start = _start(json_body(request).get("start"))
    session = services.booking_reschedule(session=session, actor=api_user(request), start=start)
    return JsonResponse(booking_json(session))


@api_view("GET", "POST")
def queue(request: HttpRequest) -> HttpResponse:
    actor = api_user(request)
    if request.method == "GET":
        if not policies.can_see_queue(actor):
            raise ApiError("forbidden", 403, "Only operators see the queue.")
        return JsonResponse(selectors.queue_snapshot())
    data = json_body(request)
    session = services.queue_request(actor=actor, mode=data.get("mode"), topic=data.get("topic"))
    status = selectors.queue_status(session)
    return JsonResponse(
        {
            "session_id": session.pk,
            "position": status["position"],
            "estimated_wait_minutes": status["estimated_wait_minutes"],
            "estimated_wait_range_minutes": status["estimated_wait_range_minutes"],
        },
        status=201,
    )


@api_view("POST")
def queue_take(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = api_user(request)
    if not actor.is_operator:
        raise ApiError("not_an_operator", 403, "Only operators take requests.")
    session = Session.objects.filter(pk=session_id, kind="now").first()
    if session is None:
        raise ApiError("not_found", 404, "No such request.")
    session = services.queue_take(session=session, operator=actor)
    return JsonResponse({"session_id": session.pk, "state": session.state})
