"""Issue 20, items 3 and 11: input that used to end in a 500, a 1011 close or another user's
lost message — a lone surrogate in JSON text, unknown websocket paths, dates at the ends of the
calendar — and the `{"error": code}` answers JSON clients get for CSRF failures, oversized bodies
and server errors (docs/api.md)."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import DatabaseError
from django.test import Client

from access_support.asgi import application
from signlanguage.live import chat_writer
from signlanguage.live import services as live_services
from signlanguage.models import ChatMessage
from tests.security.error_log import error_log
from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    ORIGIN,
    closed_with,
    cookie_of,
    joined,
    make_session,
    next_of,
)

# JSON may carry a lone surrogate as an escape; UTF-8 (and so every database driver) cannot.
LONE_SURROGATE_BODY = b'{"username": "\\ud800", "password": "x"}'


def item(session: Any, user: Any, text: str) -> dict[str, Any]:
    return {
        "session_id": session.pk,
        "sender": user,
        "role": "customer",
        "client_id": uuid.uuid4(),
        "text": text,
    }


# --- item 3: a lone surrogate -------------------------------------------------------------------


@pytest.mark.django_db
def test_store_batch_isolates_a_message_that_fails_with_any_exception(
    senior, member_b, operator, make_session
):
    first = make_session(senior, operator)
    second = make_session(member_b, operator)
    results = chat_writer.store_batch(
        [
            item(first, senior, "前の通"),
            item(second, member_b, "\ud800"),
            item(first, senior, "後の通"),
        ]
    )
    assert [r.seq for r in (results[0], results[2])] == [1, 2]
    assert isinstance(results[1], Exception)
    assert list(ChatMessage.objects.filter(session=first).values_list("text", flat=True)) == [
        "前の通",
        "後の通",
    ]
    assert not ChatMessage.objects.filter(session=second).exists()


@pytest.mark.django_db(transaction=True)
async def test_an_unexpected_writer_failure_does_not_fail_the_other_messages_of_the_batch(
    senior, member_b, operator, make_session, monkeypatch
):
    """Whatever goes wrong with one message (here: an error no handler expects, raised by the
    write itself), the messages stored with it in one batch are stored and answered."""
    first = await database_sync_to_async(make_session)(senior, operator)
    second = await database_sync_to_async(make_session)(member_b, operator)
    original = live_services.message_post

    def fussy(**item: Any) -> Any:
        if item["text"] == "壊れた":
            raise RuntimeError("unexpected")
        return original(**item)

    monkeypatch.setattr(live_services, "message_post", fussy)
    results = await asyncio.gather(
        chat_writer.post_message(**item(first, senior, "一")),
        chat_writer.post_message(**item(second, member_b, "壊れた")),
        chat_writer.post_message(**item(first, senior, "二")),
        return_exceptions=True,
    )
    assert [r.seq for r in (results[0], results[2])] == [1, 2]  # type: ignore[union-attr]
    assert isinstance(results[1], RuntimeError)


@pytest.mark.django_db(transaction=True)
async def test_a_failed_batch_transaction_retries_each_message_alone_in_the_batcher(
    senior, member_b, operator, make_session, monkeypatch
):
    """If storing the batch fails as a whole with something store_batch does not expect, the
    batcher stores each message alone rather than failing every sender."""
    first = await database_sync_to_async(make_session)(senior, operator)
    second = await database_sync_to_async(make_session)(member_b, operator)
    original = chat_writer.store_batch

    def failing_batch(items: list[dict[str, Any]]) -> list[Any]:
        if len(items) > 1:
            raise MemoryError("the batch as a whole")
        return original(items)

    monkeypatch.setattr(chat_writer, "store_batch", failing_batch)
    results = await asyncio.gather(
        chat_writer.post_message(**item(first, senior, "一")),
        chat_writer.post_message(**item(second, member_b, "二")),
        return_exceptions=True,
    )
    assert [getattr(r, "seq", r) for r in results] == [1, 1]


@pytest.mark.django_db(transaction=True)
async def test_a_lone_surrogate_in_a_chat_frame_gets_an_error_frame_and_spares_other_sessions(
    senior, member_b, operator, signed_in, make_session
):
    """Two sessions' messages sent at once (one writer batch): the one whose text holds a lone
    surrogate is refused with an `error` frame on a socket that stays open; the other is stored
    and acknowledged. Before, both sockets closed with 1011 and neither message was stored."""
    good_session = await database_sync_to_async(make_session)(senior, operator)
    bad_session = await database_sync_to_async(make_session)(member_b, operator)
    good = await joined(good_session.pk, await cookie_of(signed_in, senior))
    bad = await joined(bad_session.pk, await cookie_of(signed_in, member_b))
    good_id, bad_id = str(uuid.uuid4()), str(uuid.uuid4())
    # json.dumps writes the lone surrogate as the escape \\ud800, as a hostile client would.
    await bad.send_to(
        text_data=json.dumps({"type": "chat.message", "client_id": bad_id, "text": "\ud800"})
    )
    await good.send_json_to({"type": "chat.message", "client_id": good_id, "text": "こんにちは"})
    ack = await next_of(good, "chat.ack")
    assert ack["client_id"] == good_id and ack["seq"] == 1
    error = await next_of(bad, "error")
    assert error["code"] == "malformed_json"
    # Still open: the next message of the same socket is stored.
    await bad.send_json_to({"type": "chat.message", "client_id": bad_id, "text": "もう一度"})
    assert (await next_of(bad, "chat.ack"))["seq"] == 1

    @database_sync_to_async
    def texts(session_id: int) -> list[str]:
        return list(
            ChatMessage.objects.filter(session_id=session_id).values_list("text", flat=True)
        )

    assert await texts(good_session.pk) == ["こんにちは"]
    assert await texts(bad_session.pk) == ["もう一度"]
    await good.disconnect()
    await bad.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("signed", [False, True])
def test_a_lone_surrogate_in_a_json_body_is_invalid_json(make_user, signed_in, signed):
    client = signed_in(make_user("member")) if signed else Client()
    url = "/api/v1/bookings" if signed else "/api/v1/auth/login"
    with error_log() as errors:
        response = client.post(url, LONE_SURROGATE_BODY, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_json"
    assert not errors.records, [r.getMessage() for r in errors.records]


@pytest.mark.django_db
def test_a_lone_surrogate_in_a_nested_key_is_invalid_json(make_user, signed_in):
    client = signed_in(make_user("member"))
    body = b'{"mode": "written_chat", "extra": [{"\\udfff": 1}]}'
    response = client.post("/api/v1/bookings", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


@pytest.mark.django_db
def test_a_percent_encoded_surrogate_in_a_form_or_query_is_replaced_not_a_500(make_user):
    """Django decodes form bodies and query strings with errors='replace': the bytes of a
    surrogate (ED A0 80) can never reach the database as one."""
    with error_log() as errors:
        response = Client().post(
            "/accounts/login/?next=%ED%A0%80",
            "username=%ED%A0%80&password=x",
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code in (200, 400)
    assert not errors.records, [r.getMessage() for r in errors.records]


# --- item 11: websocket paths ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/sessions/abc/", "/"])
async def test_an_unknown_websocket_path_is_closed_with_4404_without_an_error(
    senior, signed_in, path
):
    cookie = await cookie_of(signed_in, senior)
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])
    with error_log() as errors:
        await communicator.connect(timeout=5)
        assert await closed_with(communicator) == 4404
        await communicator.disconnect()
    assert not errors.records, [r.getMessage() for r in errors.records]


@pytest.mark.django_db(transaction=True)
async def test_a_session_id_beyond_the_column_is_closed_with_4404(senior, signed_in):
    cookie = await cookie_of(signed_in, senior)
    communicator = WebsocketCommunicator(
        application, f"/ws/sessions/{2**70}/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    with error_log() as errors:
        await communicator.connect(timeout=5)
        assert await closed_with(communicator) == 4404
        await communicator.disconnect()
    assert not errors.records, [r.getMessage() for r in errors.records]


# --- item 11: dates at the ends of the calendar --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start", ["0001-01-01T00:00:00+09:00", "9999-12-31T23:30:00-12:00", "0001-01-01T00:00:00Z"]
)
def test_a_booking_start_at_the_ends_of_the_calendar_is_invalid_start(make_user, signed_in, start):
    client = signed_in(make_user("member"))
    body = {"mode": "written_chat", "start": start, "topic": "明細"}
    with error_log() as errors:
        response = client.post("/api/v1/bookings", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_start"
    assert not errors.records, [r.getMessage() for r in errors.records]


@pytest.mark.django_db
@pytest.mark.parametrize("week", ["9999-12-31", "9999-12-20", "0001-01-01", "0001-01-03"])
@pytest.mark.parametrize("page", ["/sessions/shifts/", "/sessions/shifts/copy-week/"])
def test_a_shifts_week_at_the_ends_of_the_calendar_is_404(make_user, signed_in, page, week):
    client = signed_in(make_user("supervisor"))
    with error_log() as errors:
        response = client.get(page, {"week": week})
        posted = client.post("/sessions/shifts/copy-week/", {"week": week})
    assert response.status_code == 404
    assert posted.status_code in (400, 404)
    assert not errors.records, [r.getMessage() for r in errors.records]


# --- item 11: JSON answers for JSON clients -----------------------------------------------------


@pytest.mark.django_db
def test_a_csrf_failure_answers_json_to_a_json_client(make_user, signed_in):
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(
        "/api/v1/auth/login", {"username": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "csrf_failed"
    # A page asked for JSON gets JSON as well; a browser's form post still gets the HTML page.
    page = anonymous.post("/accounts/login/", {}, HTTP_ACCEPT="application/json")
    assert page.status_code == 403 and page.json()["error"] == "csrf_failed"
    html = anonymous.post("/accounts/login/", {}, HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert html.status_code == 403 and html["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_an_oversized_json_body_answers_body_too_large(settings):
    body = json.dumps({"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = Client().post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


@pytest.mark.django_db
def test_a_server_error_answers_json_to_a_json_client(make_user, signed_in, monkeypatch):
    from signlanguage.booking import availability

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("the database went away")

    monkeypatch.setattr(availability, "day_slots_json", broken)
    client = signed_in(make_user("member"))
    client.raise_request_exception = False
    response = client.get("/api/v1/availability", {"mode": "written_chat", "date": "2030-01-07"})
    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "detail": "server error"}


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_not_found(make_user, signed_in):
    response = signed_in(make_user("member")).get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
