"""The grant-state dimension of the authorisation matrix (issue 20 item 1): a proxy who booked a
session for a member keeps it only while the member's grant lets them book.

The proxy books two sessions for the member through the service (one coming, one the operator
has closed); then the grant is left active, paused, revoked, past its end date, or stripped of
`session.book`, and every booking/session route a proxy can reach is asked. Active answers as
before; every other state refuses (403 with the grant's reason, or 404 where the route answers
"not yours" alike) and changes nothing. Having booked a session is no right by itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from proxies.scopes import SCOPES
from tests.security.conftest import _active_grant, _at, _next_open_day

pytestmark = pytest.mark.django_db

ORIGIN = (b"origin", b"http://testserver")
STATES = ["active", "paused", "revoked", "expired", "scope_removed"]
# The reason each refused state gives (the JSON API's `error`, the page's 403).
REASONS = {
    "paused": "grant_paused",
    "revoked": "grant_revoked",
    "expired": "grant_expired",
    "scope_removed": "scope_missing",
}


def _world(make_user: Callable[..., Any], state: str) -> dict[str, Any]:
    from proxies import services as proxies
    from proxies.models import Grant
    from signlanguage.booking import services as sessions
    from signlanguage.live import services as live_services

    member = make_user("member", username="senior", member_number="1234567890")
    proxy = make_user("proxy", username="proxy", display_name="山田 太郎")
    operator = make_user("operator", username="operator", skills=["sign_language", "written_chat"])
    supervisor = make_user("supervisor", username="supervisor")
    grant = _active_grant(member, proxy, supervisor, list(SCOPES))
    day = _next_open_day()
    sessions.shift_add(operator=operator, start=_at(day, 9), end=_at(day, 18), actor=supervisor)
    booking = sessions.booking_create(
        actor=proxy, customer=member, mode="written_chat", start=_at(day, 10), topic="明細"
    )
    closed = sessions.booking_create(
        actor=proxy, customer=member, mode="written_chat", start=_at(day, 11), topic="ポイント"
    )
    live_services.session_close(session=closed, actor=operator, summary="ご案内しました")
    if state == "paused":
        proxies.grant_suspend(grant=grant, actor=member)
    elif state == "revoked":
        proxies.grant_revoke(grant=grant, actor=member)
    elif state == "expired":
        # Past its end date: expired at once, whatever the stored state still says.
        Grant.objects.filter(pk=grant.pk).update(
            ends_on=timezone.localdate() - datetime.timedelta(days=1)
        )
    elif state == "scope_removed":
        scopes = [s for s in SCOPES if s != "session.book"]
        proxies.grant_change_scopes(grant=grant, actor=member, scopes=scopes)
    return {"member": member, "proxy": proxy, "booking": booking, "closed": closed}


# Every HTTP booking/session route a proxy can reach: (name, method, url, data, json?).
def _routes(w: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any], bool]]:
    booking, closed = w["booking"].pk, w["closed"].pk
    later = timezone.localtime(w["booking"].start + datetime.timedelta(minutes=180)).isoformat()
    confirm = reverse("signlanguage:confirm")
    return [
        ("detail", "GET", reverse("signlanguage:detail", args=[booking]), {}, False),
        ("ics", "GET", reverse("signlanguage:ics", args=[booking]), {}, False),
        ("cancel", "POST", reverse("signlanguage:cancel", args=[booking]), {}, False),
        (
            "reschedule-page",
            "GET",
            confirm,
            {"mode": "written_chat", "start": later, "reschedule": str(booking)},
            False,
        ),
        (
            "reschedule-post",
            "POST",
            confirm,
            {"mode": "written_chat", "start": later, "reschedule": str(booking)},
            False,
        ),
        ("live-session", "GET", reverse("signlanguage:live-session", args=[booking]), {}, False),
        ("transcript", "GET", reverse("signlanguage:live-transcript", args=[closed]), {}, False),
        ("feedback", "GET", reverse("signlanguage:live-feedback", args=[closed]), {}, False),
        ("api-booking", "GET", reverse("signlanguage-api:booking", args=[booking]), {}, True),
        ("api-cancel", "POST", reverse("signlanguage-api:cancel", args=[booking]), {}, True),
        (
            "api-reschedule",
            "POST",
            reverse("signlanguage-api:reschedule", args=[booking]),
            {"start": later},
            True,
        ),
        (
            "api-messages",
            "GET",
            reverse("signlanguage-api:live-api-messages", args=[booking]),
            {},
            True,
        ),
    ]


# What the active grant answers; a route that changes the booking is asked in its own world.
ACTIVE = {
    "detail": 200,
    "ics": 200,
    "cancel": 302,
    "reschedule-page": 200,
    "reschedule-post": 302,
    "live-session": 200,
    "transcript": 200,
    "feedback": 200,
    "api-booking": 200,
    "api-cancel": 200,
    "api-reschedule": 200,
    "api-messages": 200,
}
# Routes of the booking gate answer 403 with the reason; the live-session gate answers "not a
# participant" as 404 (the same as for any stranger: one gate per kind, docs/security.md).
REFUSED = {name: 403 for name in ACTIVE} | {
    "live-session": 404,
    "transcript": 404,
    "feedback": 404,
    "api-messages": 404,
}


def _ask(client: Any, method: str, url: str, data: dict[str, Any], as_json: bool) -> Any:
    import json

    if method == "GET":
        return client.get(url, data)
    if as_json:
        return client.post(url, json.dumps(data), content_type="application/json")
    return client.post(url, data)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("route", sorted(ACTIVE))
def test_a_proxy_keeps_a_booking_it_made_only_while_the_grant_allows(
    make_user, signed_in, state, route
):
    from signlanguage.models import Session

    w = _world(make_user, state)
    name, method, url, data, as_json = next(r for r in _routes(w) if r[0] == route)
    before = list(Session.objects.order_by("pk").values_list("pk", "state", "start"))
    response = _ask(signed_in(w["proxy"]), method, url, data, as_json)
    if state == "active":
        assert response.status_code == ACTIVE[route], (route, response.status_code)
        return
    assert response.status_code == REFUSED[route], (route, state, response.status_code)
    if as_json and REFUSED[route] == 403:
        assert response.json()["error"] == REASONS[state]
    after = list(Session.objects.order_by("pk").values_list("pk", "state", "start"))
    assert after == before, "a refused proxy changed a booking"


@pytest.mark.parametrize("state", STATES)
def test_the_lists_show_a_proxy_what_it_booked_only_while_the_grant_allows(
    make_user, signed_in, state
):
    w = _world(make_user, state)
    client = signed_in(w["proxy"])
    listed = {b["id"] for b in client.get(reverse("signlanguage-api:bookings")).json()["bookings"]}
    page = client.get(reverse("signlanguage:mine")).content.decode()
    detail_url = reverse("signlanguage:detail", args=[w["booking"].pk])
    if state == "active":
        assert w["booking"].pk in listed and detail_url in page
    else:
        assert not listed and detail_url not in page
    # The member's own list keeps the booking whatever happens to the grant.
    member_listed = signed_in(w["member"]).get(reverse("signlanguage-api:bookings")).json()
    assert w["booking"].pk in {b["id"] for b in member_listed["bookings"]}


@pytest.mark.parametrize("state", STATES)
def test_a_former_proxy_gets_no_more_emails_of_the_members_sessions(make_user, state):
    from signlanguage.booking import services as sessions

    w = _world(make_user, state)
    mail.outbox.clear()
    sessions.send_session_email(w["booking"], "day_before")
    recipients = [r for m in mail.outbox for r in m.to]
    assert w["member"].email in recipients
    assert (w["proxy"].email in recipients) == (state == "active")


@pytest.mark.parametrize("verb", ["revoke", "suspend"])
def test_the_member_is_told_which_bookings_the_proxy_had_made(
    make_user, verb, django_capture_on_commit_callbacks
):
    from access_support.notifications.models import Notice
    from proxies import services as proxies
    from proxies.models import Grant

    w = _world(make_user, "active")
    grant = Grant.objects.get(member=w["member"], proxy=w["proxy"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        getattr(proxies, f"grant_{verb}")(grant=grant, actor=w["member"])
    when = timezone.localtime(w["booking"].start).strftime("%Y-%m-%d %H:%M")
    notice = Notice.objects.get(user=w["member"], kind="grant.proxy_bookings")
    assert when in proxies.notice_text(notice.kind, notice.params)
    # The closed session is history, not a coming booking: only the coming one is listed.
    assert notice.params["items"] == when
    told = [m for m in mail.outbox if w["member"].email in m.to and when in m.body]
    assert told, "the member's e-mail does not list the booking"
    assert all(w["proxy"].email not in m.to for m in told)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("state", STATES)
async def test_a_proxy_joins_the_booked_session_socket_only_while_the_grant_allows(
    make_user, state
):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from access_support.asgi import application
    from tests.conftest import verify_session

    def setup() -> tuple[int, tuple[bytes, bytes]]:
        from django.test import Client

        from signlanguage.models import Session

        w = _world(make_user, state)
        # Open now: a booked session's socket opens shortly before its start (4425 before).
        soon = timezone.now() + datetime.timedelta(minutes=5)
        Session.objects.filter(pk=w["booking"].pk).update(
            start=soon, end=soon + datetime.timedelta(minutes=30)
        )
        client = verify_session(Client(), w["proxy"])
        cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
        return w["booking"].pk, cookie

    pk, cookie = await sync_to_async(setup)()
    communicator = WebsocketCommunicator(
        application, f"/ws/sessions/{pk}/", headers=[ORIGIN, cookie]
    )
    try:
        connected, _ = await communicator.connect(timeout=5)
        if state == "active":
            assert connected
            assert (await communicator.receive_json_from(timeout=5))["type"] == "session.state"
        else:
            output = await communicator.receive_output(timeout=5)
            assert output == {"type": "websocket.close", "code": 4403}
    finally:
        await communicator.disconnect()


def test_the_grant_state_matrix_size_is_printed(capsys):
    cells = len(ACTIVE) * len(STATES)
    with capsys.disabled():
        print(
            f"\ngrant-state matrix: {len(ACTIVE)} proxy booking/session routes × {len(STATES)} "
            f"grant states = {cells} cells, + lists, e-mails and the socket × {len(STATES)}"
        )
    assert cells == 60
