"""GET /api/v1/sessions/<id>/messages?after_seq=N (docs/api.md): pages of chat.message frames for
participants; everyone else gets 404."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import uuid
from typing import Any

import pytest

from signlanguage.live import services as live_services
from tests.signlanguage.live_fixtures import make_grant, make_session  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def post(session: Any, user: Any, role: str, text: str) -> int:
    result = live_services.message_post(
        session_id=session.pk, sender=user, role=role, client_id=uuid.uuid4(), text=text
    )
    assert result.seq is not None
    return result.seq


def url(session: Any, after_seq: Any = None) -> str:
    base = f"/api/v1/sessions/{session.pk}/messages"
    return base if after_seq is None else f"{base}?after_seq={after_seq}"


def test_participant_reads_messages_after_a_seq(senior, operator, signed_in, make_session):
    session = make_session(senior, operator)
    for n in range(1, 4):
        post(session, senior if n % 2 else operator, "customer" if n % 2 else "operator", f"m{n}")

    body = signed_in(senior).get(url(session, 1)).json()
    assert [m["seq"] for m in body["messages"]] == [2, 3]
    assert body["next_after_seq"] is None
    first = signed_in(operator).get(url(session)).json()["messages"][0]
    assert set(first) == {"type", "seq", "client_id", "sender", "text", "sent_at"}
    assert first["type"] == "chat.message" and first["text"] == "m1"
    assert first["sender"] == {"role": "customer", "name": "山田 花子"}


def test_messages_come_in_pages_of_200(senior, operator, signed_in, make_session):
    session = make_session(senior, operator)
    for n in range(205):
        post(session, senior, "customer", f"{n}")
    client = signed_in(senior)
    page = client.get(url(session, 0)).json()
    assert len(page["messages"]) == 200 and page["next_after_seq"] == 200
    rest = client.get(url(session, page["next_after_seq"])).json()
    assert [m["seq"] for m in rest["messages"]] == [201, 202, 203, 204, 205]
    assert rest["next_after_seq"] is None


def test_query_count_does_not_grow_with_the_messages(
    senior, operator, signed_in, make_session, django_assert_max_num_queries
):
    session = make_session(senior, operator)
    client = signed_in(senior)
    for n in range(30):
        post(session, senior, "customer", f"{n}")
    with django_assert_max_num_queries(8):
        assert client.get(url(session)).status_code == 200


def test_stranger_and_proxy_without_session_book_get_404(
    senior, operator, stranger, proxy, signed_in, make_session, make_grant
):
    session = make_session(senior, operator)
    post(session, senior, "customer", "秘密の相談")
    make_grant(senior, proxy, scopes=["inquiry.points"])
    for user in (stranger, proxy):
        response = signed_in(user).get(url(session))
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        assert "秘密" not in response.content.decode()
    assert signed_in(senior).get(f"/api/v1/sessions/{session.pk + 99}/messages").status_code == 404


def test_proxy_with_session_book_may_read(
    senior, operator, proxy, signed_in, make_session, make_grant
):
    session = make_session(senior, operator)
    post(session, senior, "customer", "こんにちは")
    make_grant(senior, proxy, scopes=["session.book"])
    assert len(signed_in(proxy).get(url(session)).json()["messages"]) == 1


def test_bad_after_seq_is_400_and_anonymous_is_401(senior, signed_in, make_session, client):
    session = make_session(senior)
    assert signed_in(senior).get(url(session, "-1")).json()["error"] == "invalid_after_seq"
    assert signed_in(senior).get(url(session, "abc")).status_code == 400
    assert client.get(url(session)).status_code == 401
