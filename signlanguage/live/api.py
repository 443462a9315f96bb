"""JSON API of live sessions (docs/api.md): the messages of a session, for participants only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from access_support.accounts.models import User
from access_support.http import ApiError, api_view
from signlanguage.live import keeping
from signlanguage.live import selectors as live_selectors


@api_view("GET")
def session_messages(request: HttpRequest, pk: int) -> HttpResponse:
    """`GET /api/v1/sessions/<id>/messages?after_seq=N` → `{"messages": [chat.message frames],
    "next_after_seq": N|null}`; pages of 200. Missing or not yours → 404."""
    user = request.user
    if not isinstance(user, User):
        raise ApiError("not_authenticated", 401, "Sign in first.")
    raw = request.GET.get("after_seq", "0")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:  # "²".isdigit() is true
        raise ApiError("invalid_after_seq", 400, "after_seq must be a whole number, 0 or more.")
    session, part = live_selectors.participant_session(user, pk, via="api")
    if session is None or not part.allowed:
        raise ApiError("not_found", 404, "No such session.")
    if not keeping.can_read(part, session):  # ended, and the customer did not keep it
        raise ApiError(
            "transcript_not_kept", 403, "The customer chose not to keep this conversation."
        )
    return JsonResponse(live_selectors.message_page(session.pk, int(raw)))
