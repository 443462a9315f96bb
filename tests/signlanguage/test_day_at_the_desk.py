"""Issue 26 items 6, 8 and 9: cancelling a booking asks first; the operator console lists
today's sessions with their times and opens only those whose time has come (the socket refuses
a customer or proxy earlier); the operator's card says who takes part and the desk in words."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from proxies import services as proxy_services
from signlanguage.live import policies as live_policies
from signlanguage.live import selectors as live_selectors
from signlanguage.live import services as live_services
from tests.signlanguage.live_fixtures import (  # noqa: F401 (fixtures)
    closed_with,
    cookie_of,
    joined,
    make_grant,
    make_session,
    open_socket,
)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def booked(make_session: Any, customer: Any, operator: Any, start: datetime.datetime, **kw: Any):
    return make_session(
        customer,
        operator,
        kind="booked",
        state="waiting",
        start=start,
        end=start + datetime.timedelta(minutes=30),
        **kw,
    )


# --- item 6: cancelling asks first -----------------------------------------------------------


@pytest.mark.django_db
def test_cancelling_a_booking_shows_what_will_be_cancelled_first(
    senior, operator, signed_in, make_session
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    session = booked(make_session, senior, operator, at(tomorrow, 10), topic="ポイントの相談")
    client = signed_in(senior)
    detail = client.get(f"/sessions/{session.pk}/").content.decode()
    # The detail page links to the question; it has no one-click cancel form.
    assert f'action="/sessions/{session.pk}/cancel/"' not in detail
    assert f'href="/sessions/{session.pk}/cancel/"' in detail
    response = client.get(f"/sessions/{session.pk}/cancel/")
    html = response.content.decode()
    assert response.status_code == 200  # was 405: the cancel URL took POST only
    assert "ポイントの相談" in html and "10:00" in html
    assert "取り消す" in html and "戻る" in html and f'href="/sessions/{session.pk}/"' in html
    session.refresh_from_db()
    assert session.state == "waiting"  # asking changes nothing
    client.post(f"/sessions/{session.pk}/cancel/")
    session.refresh_from_db()
    assert session.state == "cancelled"


@pytest.mark.django_db
def test_reopening_a_code_page_answers_a_page_not_a_blank_405(senior, proxy, signed_in, make_grant):
    make_grant(senior, proxy, scopes=["session.book"])
    response = signed_in(proxy).get(f"/proxies/codes/{senior.pk}/", follow=True)
    assert response.status_code == 200  # was a blank 405
    assert response.redirect_chain[-1][0] == "/proxies/helping/"
    html = response.content.decode()
    assert "確認コード" in html and "一度だけ" in html


# --- item 8: the console ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_console_selector_opens_only_todays_sessions_whose_time_has_come(
    senior, member_b, stranger, operator, make_session
):
    today = timezone.localdate()
    now = at(today, 9)
    soon = booked(make_session, senior, operator, at(today, 9, 5))
    later = booked(make_session, member_b, operator, at(today, 11))
    tomorrow = booked(make_session, stranger, operator, at(today + datetime.timedelta(days=1), 10))
    talk_now = make_session(senior, operator, kind="now", state="active")
    lists = live_selectors.console_sessions(operator, now)
    # By start time (a talk-now request by when it came in); tomorrow's apart.
    assert [s.pk for s in lists["today"] if s.kind == "booked"] == [soon.pk, later.pk]
    assert talk_now.pk in [s.pk for s in lists["today"]]
    assert [s.pk for s in lists["upcoming"]] == [tomorrow.pk]
    assert {s.pk for s in lists["open_chats"]} == {talk_now.pk, soon.pk}
    assert later.pk not in [s.pk for s in lists["open_chats"]]
    opening = {s.pk: s.opens_at for s in lists["today"]}
    assert opening[later.pk] == at(today, 11) - live_policies.OPENS_BEFORE_START


@pytest.mark.django_db
def test_the_console_lists_tomorrows_booking_apart_without_a_chat_pane(
    senior, operator, signed_in, make_session
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    session = booked(make_session, senior, operator, at(tomorrow, 10), topic="明日の相談")
    html = signed_in(operator).get("/sessions/console/").content.decode()
    assert f'data-session-id="{session.pk}"' not in html  # no live pane, no socket
    today_part, upcoming_part = html.split('id="upcoming-heading"', 1)
    assert "明日の相談" not in today_part.split('id="today-heading"', 1)[1]
    assert "明日の相談" in upcoming_part and "10:00" in upcoming_part


@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_a_customer_before_the_session_opens(
    senior, operator, signed_in, make_session
):
    start = timezone.now() + datetime.timedelta(days=1)
    session = await database_sync_to_async(booked)(make_session, senior, operator, start)
    communicator, _ = await open_socket(session.pk, await cookie_of(signed_in, senior))
    assert await closed_with(communicator) == 4425
    await communicator.disconnect()
    # The assigned operator may look in early (nobody else can join yet).
    communicator = await joined(session.pk, await cookie_of(signed_in, operator))
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_socket_lets_the_customer_in_ten_minutes_before_the_start(
    senior, operator, signed_in, make_session
):
    start = timezone.now() + live_policies.OPENS_BEFORE_START - datetime.timedelta(seconds=30)
    session = await database_sync_to_async(booked)(make_session, senior, operator, start)
    communicator = await joined(session.pk, await cookie_of(signed_in, senior))
    await communicator.disconnect()


@pytest.mark.django_db
def test_the_page_explains_a_refusal_before_the_opening_time(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator)
    html = signed_in(senior).get(f"/sessions/{session.pk}/live/").content.decode()
    assert '"closed_4425"' in html  # the client stops reconnecting and says why


# --- item 9: the operator's card ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_card_of_a_members_own_session_shows_no_absent_proxy(
    senior, proxy, operator, signed_in, make_session, make_grant
):
    make_grant(senior, proxy, scopes=["session.book", "inquiry.points"])
    session = make_session(senior, operator)  # booked by the member herself
    html = signed_in(operator).get(f"/sessions/{session.pk}/live/").content.decode()
    card = html.split('id="customer-heading-', 1)[1].split("</section>", 1)[0]
    assert "山田 花子（お客様）" in card
    assert "山田 太郎" not in card  # was "山田 太郎ができること" with the scopes


@pytest.mark.django_db
def test_the_card_names_a_proxy_who_takes_part_and_their_scopes(
    senior, proxy, operator, signed_in, make_session, make_grant
):
    make_grant(senior, proxy, scopes=["session.book", "inquiry.points"])
    session = make_session(senior, operator)
    live_services.message_post(
        session_id=session.pk, sender=proxy, role="proxy", client_id=uuid.uuid4(), text="代理です"
    )
    html = signed_in(operator).get(f"/sessions/{session.pk}/live/").content.decode()
    card = html.split('id="customer-heading-', 1)[1].split("</section>", 1)[0]
    assert "山田 太郎（山田 花子様の代理人）" in card
    assert "山田 太郎ができること" in card


@pytest.mark.django_db
def test_the_card_says_the_desk_result_in_words(
    senior, proxy, operator, signed_in, make_session, make_grant
):
    make_grant(senior, proxy, scopes=["session.book", "inquiry.points"])
    proxy_services.desk_check(
        operator=operator,
        member_number=senior.member_number,
        code="WRONGWRN",
        action="inquiry.points",
    )
    session = make_session(senior, operator, booked_by=proxy)
    html = signed_in(operator).get(f"/sessions/{session.pk}/live/").content.decode()
    card = html.split('id="customer-heading-', 1)[1].split("</section>", 1)[0]
    assert "invalid_code" not in card  # was "確認済み：できません (invalid_code, 17:06)"
    assert "コード" in card
