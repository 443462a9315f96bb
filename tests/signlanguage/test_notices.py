"""Sign-language and chat news in the one notification centre (issue 21 item 5): a booking
made (by the member, or by their proxy with "this wasn't me"), changed, cancelled, reminded; a
talk-now request taken; a booked session started. In-app only: each booking change has its own
e-mail already (no second one)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from access_support.formatting import format_datetime
from access_support.notifications import services as notifications
from access_support.notifications.models import Notice
from signlanguage.booking import services
from tests.signlanguage.conftest import at, post_json
from tests.signlanguage.live_fixtures import create_grant
from tests.signlanguage.test_queue import open_now  # noqa: F401

pytestmark = pytest.mark.django_db


def kinds(user: Any) -> list[str]:
    return list(Notice.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def _book(client: Any, start: datetime.datetime, **extra: Any) -> Any:
    body = {"mode": "written_chat", "start": start.isoformat(), "topic": "明細について"} | extra
    return post_json(client, "/api/v1/bookings", body)


def test_a_booking_made_changed_reminded_and_cancelled_is_in_the_members_list(
    staffed: datetime.date, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(senior)
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(client, at(staffed, "10:00")).json()
        post_json(
            client,
            f"/api/v1/bookings/{booking['id']}/reschedule",
            {"start": at(staffed, "14:00").isoformat()},
        )
    assert len(mail.outbox) == 2  # the booking's own e-mails, no second copy from the notices
    services.reminders_send(now=at(staffed, "13:50"))
    post_json(client, f"/api/v1/bookings/{booking['id']}/cancel")
    assert kinds(senior) == [
        "booking.made",
        "booking.changed",
        "booking.reminded",
        "booking.cancelled",
    ]
    changed = Notice.objects.get(user=senior, kind="booking.changed")
    with translation.override("ja"):
        assert notifications.text_of(changed.kind, changed.params) == (
            f"予約が変わりました。新しい日時：{format_datetime(at(staffed, '14:00'))}、"
            "筆談（文字のチャット）。"
        )
    with translation.override("en"):
        text = notifications.text_of(changed.kind, changed.params)
    assert text.startswith("Your booked session has changed: now ") and "Written chat" in text
    page = client.get("/notices/").content.decode()
    assert f'href="/sessions/{booking["id"]}/"' in page


def test_a_booking_by_the_proxy_is_said_as_theirs_with_this_wasnt_me(
    staffed: datetime.date, senior: Any, proxy: Any, signed_in: Any
) -> None:
    grant = create_grant(senior, proxy, scopes=["session.book"])
    response = _book(signed_in(proxy), at(staffed, "10:00"), on_behalf_of=senior.member_number)
    assert response.status_code == 201
    notice = Notice.objects.get(user=senior, kind="booking.by_proxy")
    assert notice.params["grant_id"] == grant.pk
    with translation.override("en"):
        assert notifications.text_of(notice.kind, notice.params).startswith(
            f"{proxy.name} booked a session for you: "
        )
    client = signed_in(senior)
    assert (
        f'action="/proxies/notices/{notice.pk}/not-me/"' in client.get("/notices/").content.decode()
    )
    client.post(f"/proxies/notices/{notice.pk}/not-me/")
    grant.refresh_from_db()
    assert grant.state == "suspended"


@pytest.mark.usefixtures("open_now")
def test_the_customer_hears_when_an_operator_takes_the_request(
    senior: Any, operator: Any, signed_in: Any
) -> None:
    request = post_json(signed_in(senior), "/api/v1/queue", {"mode": "written_chat", "topic": "x"})
    session_id = request.json()["session_id"]
    assert post_json(signed_in(operator), f"/api/v1/queue/{session_id}/take").status_code == 200
    notice = Notice.objects.get(user=senior, kind="queue.taken")
    assert notifications.link_of(notice.kind, notice.params) == f"/sessions/{session_id}/live/"
    assert len(mail.outbox) == 0
