"""Bookings: made by a member or an authorised proxy, validated, changed until the start,
confirmed by e-mail with an .ics file, reminded exactly once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from access_support.audit.models import AuditEvent
from signlanguage.booking import services
from signlanguage.models import Session
from tests.signlanguage.conftest import at, post_json
from tests.signlanguage.live_fixtures import create_grant

pytestmark = pytest.mark.django_db


def _book(client: Any, start: datetime.datetime, **extra: Any) -> Any:
    body = {"mode": "written_chat", "start": start.isoformat(), "topic": "明細について"} | extra
    return post_json(client, "/api/v1/bookings", body)


def _ics_event(message: Any) -> Any:
    ((name, content, mimetype),) = message.attachments
    assert name.endswith(".ics") and mimetype == "text/calendar"
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return event


def test_member_books_a_slot_and_gets_an_ics_by_email(
    staffed: datetime.date,
    senior: Any,
    operator: Any,
    signed_in: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    start = at(staffed, "10:00")
    with django_capture_on_commit_callbacks(execute=True):
        response = _book(signed_in(senior), start)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["start"] == start.isoformat() and body["start"].endswith("+09:00")
    assert body["end"] == at(staffed, "10:30").isoformat()
    assert body["mode"] == "written_chat"
    session = Session.objects.get(pk=body["session_id"])
    assert body["id"] == session.pk
    assert session.operator == operator and session.customer == senior
    assert session.kind == "booked" and session.state == "waiting"
    (message,) = mail.outbox
    assert message.to == [senior.email]
    event = _ics_event(message)
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == at(staffed, "10:30")
    assert f"/sessions/{session.pk}/calendar.ics" in message.body
    assert AuditEvent.objects.filter(action="signlanguage.session_booked").count() == 1


def test_the_ics_download_parses_and_is_only_for_the_owner(
    staffed: datetime.date, senior: Any, stranger: Any, signed_in: Any
) -> None:
    session_id = _book(signed_in(senior), at(staffed, "11:00")).json()["id"]
    response = signed_in(senior).get(f"/sessions/{session_id}/calendar.ics")
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == at(staffed, "11:00")
    assert signed_in(stranger).get(f"/sessions/{session_id}/calendar.ics").status_code == 404


@pytest.mark.parametrize(
    ("when", "mode", "code"),
    [
        ("past", "written_chat", "in_the_past"),
        ("08:30", "written_chat", "outside_hours"),
        ("18:00", "written_chat", "outside_hours"),
        ("10:15", "written_chat", "off_grid"),
        ("10:00", "telephone", "invalid_mode"),
        ("naive", "written_chat", "invalid_start"),
    ],
)
def test_bad_bookings_are_refused_and_nothing_is_stored(
    staffed: datetime.date, senior: Any, signed_in: Any, when: str, mode: str, code: str
) -> None:
    if when == "past":
        start = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    elif when == "naive":
        start = at(staffed, "10:00").replace(tzinfo=None).isoformat()
    else:
        start = at(staffed, when).isoformat()
    response = post_json(
        signed_in(senior), "/api/v1/bookings", {"mode": mode, "start": start, "topic": "明細"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert response.json()["detail"]
    assert not Session.objects.exists()


def test_a_closed_day_is_refused(senior: Any, signed_in: Any) -> None:
    day = datetime.date.today() + datetime.timedelta(days=1)
    while day.weekday() != 6:
        day += datetime.timedelta(days=1)
    response = _book(signed_in(senior), at(day, "10:00"))
    assert response.status_code == 400 and response.json()["error"] == "closed_day"


def test_a_full_slot_answers_409_and_a_member_cannot_be_in_two_places(
    staffed: datetime.date,
    senior: Any,
    member_b: Any,
    make_operator: Any,
    add_shift: Any,
    signed_in: Any,
) -> None:
    add_shift(make_operator(), staffed)
    first = _book(signed_in(senior), at(staffed, "10:00"))
    assert first.status_code == 201
    again = _book(signed_in(senior), at(staffed, "10:00"))
    assert again.status_code == 409 and again.json()["error"] == "customer_busy"
    assert _book(signed_in(member_b), at(staffed, "10:00")).status_code == 201
    full = _book(signed_in(member_b), at(staffed, "10:00"))
    assert full.status_code == 409 and full.json()["error"] == "slot_full"
    operators = set(Session.objects.values_list("operator_id", flat=True))
    assert len(operators) == 2


def test_proxy_without_session_book_is_denied(
    staffed: datetime.date, senior: Any, proxy: Any, signed_in: Any
) -> None:
    create_grant(senior, proxy, scopes=["inquiry.statement"])
    response = _book(signed_in(proxy), at(staffed, "10:00"), on_behalf_of=senior.member_number)
    assert response.status_code == 403
    assert response.json()["error"] == "scope_missing"
    assert not Session.objects.exists()


def test_proxy_with_session_book_books_for_the_member(
    staffed: datetime.date,
    senior: Any,
    proxy: Any,
    signed_in: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from proxies.services import authorize

    assert callable(authorize)
    create_grant(senior, proxy, scopes=["session.book"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _book(signed_in(proxy), at(staffed, "10:00"), on_behalf_of=senior.member_number)
    assert response.status_code == 201, response.json()
    session = Session.objects.get(pk=response.json()["id"])
    assert session.customer == senior and session.booked_by == proxy
    # The member sees it on their page and in their timeline (the audit log about them).
    page = signed_in(senior).get("/sessions/")
    assert "明細について" in page.content.decode()
    assert AuditEvent.objects.filter(
        subject_user=senior, action="signlanguage.session_booked", actor=proxy
    ).exists()
    # One e-mail each (each in its reader's language: tests/signlanguage/test_email_language.py).
    assert sorted(m.to for m in mail.outbox) == sorted([[senior.email], [proxy.email]])


def test_stranger_gets_404_on_someone_elses_booking(
    staffed: datetime.date, senior: Any, stranger: Any, signed_in: Any
) -> None:
    booking = _book(signed_in(senior), at(staffed, "10:00")).json()
    client = signed_in(stranger)
    assert client.get(f"/sessions/{booking['id']}/").status_code == 404
    assert client.get(f"/api/v1/bookings/{booking['id']}").status_code == 404
    cancel = post_json(client, f"/api/v1/bookings/{booking['id']}/cancel")
    assert cancel.status_code == 404 and cancel.json()["error"] == "not_found"
    assert Session.objects.get(pk=booking["id"]).state == "waiting"


def test_cancel_and_reschedule_until_the_start(
    staffed: datetime.date,
    senior: Any,
    signed_in: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = signed_in(senior)
    booking = _book(client, at(staffed, "10:00")).json()
    with django_capture_on_commit_callbacks(execute=True):
        moved = post_json(
            client,
            f"/api/v1/bookings/{booking['id']}/reschedule",
            {"start": at(staffed, "14:00").isoformat()},
        )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["start"] == at(staffed, "14:00").isoformat()
    assert _ics_event(mail.outbox[-1]).decoded("dtstart") == at(staffed, "14:00")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = post_json(client, f"/api/v1/bookings/{booking['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert str(_ics_event(mail.outbox[-1])["status"]) == "CANCELLED"
    # The freed slot can be booked again.
    assert _book(client, at(staffed, "14:00")).status_code == 201
    again = post_json(client, f"/api/v1/bookings/{booking['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "not_changeable"


def test_a_started_session_cannot_be_cancelled(
    staffed: datetime.date, senior: Any, signed_in: Any
) -> None:
    booking = _book(signed_in(senior), at(staffed, "10:00")).json()
    session = Session.objects.get(pk=booking["id"])
    with pytest.raises(services.BookingError) as caught:
        services.booking_cancel(session=session, actor=senior, now=at(staffed, "10:05"))
    assert caught.value.code == "already_started"


def test_reminders_are_sent_once_each(staffed: datetime.date, senior: Any, signed_in: Any) -> None:
    booking = _book(signed_in(senior), at(staffed, "10:00")).json()
    mail.outbox.clear()
    day_before = at(staffed, "10:00") - datetime.timedelta(hours=20)
    assert services.reminders_send(now=day_before) == {"day_before": 1, "soon": 0}
    assert services.reminders_send(now=day_before) == {"day_before": 0, "soon": 0}
    soon = at(staffed, "09:50")
    assert services.reminders_send(now=soon) == {"day_before": 0, "soon": 1}
    assert services.reminders_send(now=soon + datetime.timedelta(minutes=1)) == {
        "day_before": 0,
        "soon": 0,
    }
    assert len(mail.outbox) == 2
    assert all(m.to == [senior.email] for m in mail.outbox)
    session = Session.objects.get(pk=booking["id"])
    assert session.reminded_day_before_at and session.reminded_soon_at


def test_send_reminders_command_runs_twice_without_repeating(
    staffed: datetime.date, senior: Any, signed_in: Any
) -> None:
    from django.core.management import call_command

    booking = _book(signed_in(senior), at(staffed, "10:00")).json()
    Session.objects.filter(pk=booking["id"]).update(
        start=timezone.now() + datetime.timedelta(minutes=10),
        end=timezone.now() + datetime.timedelta(minutes=40),
    )
    mail.outbox.clear()
    call_command("send_reminders")
    call_command("send_reminders")
    assert len(mail.outbox) == 1


def test_an_unknown_member_number_answers_as_a_member_who_gave_no_grant(
    staffed: datetime.date, proxy: Any, member_b: Any, signed_in: Any
) -> None:
    # Issue 20 item 9: `unknown_member` vs `no_grant` told a stranger which numbers exist.
    client = signed_in(proxy)
    unknown = _book(client, at(staffed, "10:00"), on_behalf_of="0000000000")
    known = _book(client, at(staffed, "10:00"), on_behalf_of=member_b.member_number)
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert (unknown.status_code, unknown.json()["error"]) == (403, "no_grant")
    assert not Session.objects.exists()


def test_sweeping_member_numbers_is_throttled(
    staffed: datetime.date, proxy: Any, signed_in: Any
) -> None:
    client = signed_in(proxy)
    answers = [
        _book(client, at(staffed, "10:00"), on_behalf_of=f"{1000000000 + n}").status_code
        for n in range(12)
    ]
    assert answers[:10] == [403] * 10
    assert answers[10:] == [429, 429]
    assert not Session.objects.exists()


def test_a_proxy_cannot_book_for_themself(
    staffed: datetime.date, proxy: Any, signed_in: Any
) -> None:
    response = _book(signed_in(proxy), at(staffed, "10:00"))
    assert response.status_code == 403 and response.json()["error"] == "not_a_member"


def test_a_full_width_member_number_books_on_behalf_like_a_half_width_one(
    staffed: datetime.date, senior: Any, proxy: Any, signed_in: Any
) -> None:
    # Issue 25: the booking API cleaned member numbers its own way (isdigit kept full-width
    # digits, which matched nobody); it now uses proxies' one NFKC normalisation.
    create_grant(senior, proxy, scopes=["session.book"])
    response = _book(signed_in(proxy), at(staffed, "10:00"), on_behalf_of="１２３４５６７８９０")
    assert response.status_code == 201, response.content
    assert Session.objects.get().customer == senior


def test_the_operator_does_not_see_a_grant_past_its_end_date_as_active(
    staffed: datetime.date, senior: Any, proxy: Any, operator: Any, signed_in: Any
) -> None:
    from proxies.models import Grant
    from signlanguage.booking import services

    grant = create_grant(senior, proxy, scopes=["session.book"])
    # Booked by the proxy, so the proxy takes part and the card shows what they may do (a
    # member's own session shows no proxy's scopes: issue 26 item 9).
    session = services.booking_create(
        actor=proxy, customer=senior, mode="written_chat", start=at(staffed, "10:00"), topic="t"
    )
    scopes_heading = f"{proxy.name}ができること"
    page = signed_in(operator).get(f"/sessions/{session.pk}/live/").content.decode()
    assert scopes_heading in page
    Grant.objects.filter(pk=grant.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = signed_in(operator).get(f"/sessions/{session.pk}/live/").content.decode()
    assert scopes_heading not in page


# --- e-mails: the public address, the words, the calendar file (issue 26 item 1) ---------------

PUBLIC = "https://support.example.jp"


def _links(body: str) -> list[str]:
    import re

    return re.findall(r"https?://\S+", body)


def _book_then_move(client: Any, day: datetime.date, on_commit: Any) -> dict[str, Any]:
    """Book 10:00 on `day`, then move it to 14:00; the e-mails go out on each commit."""
    with on_commit(execute=True):
        booking = _book(client, at(day, "10:00")).json()
    with on_commit(execute=True):
        post_json(
            client,
            f"/api/v1/bookings/{booking['id']}/reschedule",
            {"start": at(day, "14:00").isoformat()},
        )
    return booking


def _cancel(client: Any, booking: dict[str, Any], on_commit: Any) -> None:
    with on_commit(execute=True):
        post_json(client, f"/api/v1/bookings/{booking['id']}/cancel")


def test_every_session_email_links_to_the_public_address_in_japanese_sentences(
    staffed: datetime.date,
    senior: Any,
    signed_in: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from signlanguage.booking import services

    settings.SITE_URL = PUBLIC
    client = signed_in(senior)
    booking = _book_then_move(client, staffed, django_capture_on_commit_callbacks)
    session = Session.objects.get(pk=booking["id"])
    services.send_session_email(session, "day_before")
    services.send_session_email(session, "soon")
    _cancel(client, booking, django_capture_on_commit_callbacks)
    kinds = ["booked", "rescheduled", "day_before", "soon", "cancelled"]
    first_sentences = ["予約ができました。", "予約の時間を変えました。", "明日、予約があります。"]
    assert len(mail.outbox) == len(kinds)
    for kind, message in zip(kinds, mail.outbox, strict=True):
        links = _links(message.body)
        assert links, kind
        assert all(link.startswith(PUBLIC + "/sessions/") for link in links), (kind, links)
        assert "127.0.0.1" not in message.body, kind
        assert "。." not in message.body and "た." not in message.body, kind
    for sentence, message in zip(first_sentences, mail.outbox, strict=False):
        assert sentence in message.body
    cancelled = mail.outbox[-1].body
    assert "カレンダーに入れる" not in cancelled and "カレンダーから消す" in cancelled
    event = _ics_event(mail.outbox[-1])
    assert str(event["uid"]) == f"session-{booking['id']}@support.example.jp"


def test_the_calendar_sequence_counts_up_at_each_change_including_cancellation(
    staffed: datetime.date,
    senior: Any,
    signed_in: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = signed_in(senior)
    booking = _book_then_move(client, staffed, django_capture_on_commit_callbacks)
    _cancel(client, booking, django_capture_on_commit_callbacks)
    sequences = [int(_ics_event(m)["sequence"]) for m in mail.outbox]
    assert sequences == sorted(set(sequences)), sequences
    assert len(sequences) == 3
    assert str(_ics_event(mail.outbox[-1])["status"]) == "CANCELLED"


def test_invitation_and_set_password_emails_use_the_public_address_not_the_request_host(
    senior: Any,
    supervisor: Any,
    signed_in: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SITE_URL = PUBLIC
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(senior).post(
            "/api/v1/grants",
            '{"proxy_name": "山田 太郎", "proxy_email": "t@example.jp", "relationship": "子",'
            ' "scopes": ["inquiry.points"]}',
            content_type="application/json",
            HTTP_HOST="evil.example",
        )
    invitation = next(m for m in mail.outbox if "t@example.jp" in m.to)
    assert any(
        link.startswith(PUBLIC + "/proxies/invitations/") for link in _links(invitation.body)
    )
    assert "evil.example" not in invitation.body
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(supervisor).post(
            "/supervision/operators/new/",
            {"name": "新人 花子", "email": "new@example.jp", "skills": ["written_chat"]},
            HTTP_HOST="evil.example",
        )
    setup = next(m for m in mail.outbox if "new@example.jp" in m.to)
    assert any(link.startswith(PUBLIC + "/") for link in _links(setup.body)), setup.body
    assert "evil.example" not in setup.body
