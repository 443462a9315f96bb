"""Issue 23 item 8: every booking e-mail is written in its reader's language (User.language), in
plain Japanese when they chose it; the calendar file has a 15-minute alarm and the session page's
link."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from icalendar import Calendar

from access_support.accounts import services as accounts
from signlanguage.booking import services
from signlanguage.models import Session
from tests.signlanguage.conftest import at, post_json
from tests.signlanguage.live_fixtures import create_grant

pytestmark = pytest.mark.django_db
PUBLIC = "https://support.example.jp"


@pytest.fixture(autouse=True)
def _public_address(settings: Any) -> None:
    settings.SITE_URL = PUBLIC


def book(client: Any, start: datetime.datetime, capture: Any, **extra: Any) -> Any:
    body = {"mode": "written_chat", "start": start.isoformat(), "topic": "明細について"} | extra
    with capture(execute=True):
        response = post_json(client, "/api/v1/bookings", body)
    assert response.status_code == 201, response.json()
    return response.json()


def to(user: Any) -> Any:
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    return message


def event_of(message: Any) -> Any:
    ((_name, content, _mimetype),) = message.attachments
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    return event


def test_a_member_who_chose_english_gets_an_english_confirmation(
    staffed: Any, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    accounts.user_set_language(user=senior, language="en", actor=senior)
    book(signed_in(senior), at(staffed, "10:00"), django_capture_on_commit_callbacks)
    message = to(senior)
    day = at(staffed, "10:00")
    assert message.subject == "[Accessible Support] Your session is booked"
    assert "Your session is booked." in message.body
    assert f"Date and time: {day:%a} {day.day} {day:%b} {day.year} 10:00" in message.body
    assert "Type: Written chat" in message.body
    assert "We never call you by phone." in message.body
    assert not any(mark in message.body for mark in ("年", "予約", "（", "【"))
    # The calendar file speaks English too.
    assert "Your session starts in 15 minutes" in str(
        event_of(message).walk("VALARM")[0]["description"]
    )


def test_a_member_with_the_default_gets_it_in_japanese(
    staffed: Any, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    book(signed_in(senior), at(staffed, "10:00"), django_capture_on_commit_callbacks)
    message = to(senior)
    day = at(staffed, "10:00")
    assert message.subject == "【Accessible Support】予約ができました"
    assert "予約ができました。" in message.body
    assert f"日時：{day.year}年{day.month}月{day.day}日(" in message.body
    assert "Your session" not in message.body and "Date and time" not in message.body


def test_a_member_who_chose_plain_japanese_gets_the_plain_wording(
    staffed: Any, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    accounts.user_set_reading(user=senior, plain_japanese=True, furigana=False, actor=senior)
    book(signed_in(senior), at(staffed, "14:30"), django_capture_on_commit_callbacks)
    message = to(senior)
    day = at(staffed, "14:30")
    assert message.subject == "【Accessible Support】予約が できました"
    assert "予約が できました。" in message.body
    # Dates and times written out in full.
    weekday = "月火水木金土日"[day.weekday()]
    assert f"日にちと 時間：{day.year}年{day.month}月{day.day}日 {weekday}曜日 午後2時30分" in (
        message.body
    )
    assert "話し方：筆談（文字で 話す）" in message.body
    assert "わたしたちから 電話を する ことは ありません。" in message.body
    assert "予約ができました。" not in message.body


def test_plain_japanese_does_not_change_an_english_e_mail(
    staffed: Any, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    accounts.user_set_reading(user=senior, plain_japanese=True, furigana=False, actor=senior)
    accounts.user_set_language(user=senior, language="en", actor=senior)
    book(signed_in(senior), at(staffed, "10:00"), django_capture_on_commit_callbacks)
    assert "Your session is booked." in to(senior).body


def test_the_member_and_the_proxy_who_booked_each_read_their_own_language(
    staffed: Any,
    senior: Any,
    proxy: Any,
    signed_in: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    create_grant(senior, proxy, scopes=["session.book"])
    accounts.user_set_language(user=proxy, language="en", actor=proxy)
    book(
        signed_in(proxy),
        at(staffed, "10:00"),
        django_capture_on_commit_callbacks,
        on_behalf_of=senior.member_number,
    )
    assert len(mail.outbox) == 2
    assert "予約ができました。" in to(senior).body
    english = to(proxy).body
    assert "Your session is booked." in english and f"Booked by: {proxy.name}" in english


def test_reminders_follow_the_readers_language(
    staffed: Any, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    accounts.user_set_language(user=senior, language="en", actor=senior)
    booking = book(signed_in(senior), at(staffed, "10:00"), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    services.reminders_send(now=at(staffed, "09:50"))
    (message,) = mail.outbox
    assert message.subject == "[Accessible Support] Reminder: your session starts in 15 minutes"
    assert f"{PUBLIC}/sessions/{booking['id']}/" in message.body


def test_the_calendar_file_has_a_15_minute_alarm_and_the_session_page(
    staffed: Any, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(senior)
    booking = book(client, at(staffed, "10:00"), django_capture_on_commit_callbacks)
    page = f"{PUBLIC}/sessions/{booking['id']}/"
    for content in (
        to(senior).attachments[0][1],
        client.get(f"/sessions/{booking['id']}/calendar.ics").content,
    ):
        calendar = Calendar.from_ical(content)
        (event,) = calendar.walk("VEVENT")
        assert str(event["url"]) == page
        assert page in str(event["description"])
        (alarm,) = event.walk("VALARM")
        assert str(alarm["action"]) == "DISPLAY"
        assert alarm.decoded("trigger") == -datetime.timedelta(minutes=15)
        assert b"TRIGGER:-PT15M" in calendar.to_ical()
        assert "15分後に予約の時間です" in str(alarm["description"])
        assert page in str(alarm["description"])


def test_a_cancelled_session_s_calendar_file_sets_no_alarm(
    staffed: Any, senior: Any, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    booking = book(signed_in(senior), at(staffed, "10:00"), django_capture_on_commit_callbacks)
    session = Session.objects.get(pk=booking["id"])
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(session=session, actor=senior)
    assert not event_of(mail.outbox[-1]).walk("VALARM")
