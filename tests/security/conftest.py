"""The security suite's world: every persona of the authorisation matrix and the objects their
URLs point at (grants, an invitation, bookings, a talk-now request, a closed session), built
through the apps' services so the states are the ones real users reach."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from proxies.scopes import SCOPES
from tests.conftest import invite

ROLES = [
    "anonymous",
    "password_only",
    "member",
    "member_b",
    "proxy",
    "proxy_nobook",
    "revoked_proxy",
    "operator",
    "supervisor",
]

ALL_SCOPES = list(SCOPES)
NO_BOOK_SCOPES = [s for s in SCOPES if s != "session.book"]


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)
    invitation_token: str = ""

    def client(self, role: str) -> Client:
        from tests.conftest import verify_session

        if role == "anonymous":
            return Client()
        if role == "password_only":
            client = Client()
            client.force_login(self.users["member"])
            return client
        return verify_session(Client(), self.users[role])


def _next_open_day() -> datetime.date:
    from signlanguage.booking import availability

    day = timezone.localdate() + datetime.timedelta(days=3)
    while availability.is_closed_day(day):
        day += datetime.timedelta(days=1)
    return day


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    from signlanguage.booking.availability import JST

    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=JST)


def _active_grant(member: Any, proxy: Any, supervisor: Any, scopes: list[str]) -> Any:
    from proxies import services

    grant, token = invite(
        member, proxy.name, proxy.email, scopes=scopes, base_url="http://testserver/"
    )
    grant = services.grant_accept(token=token, actor=proxy)
    return services.grant_approve(grant=grant, actor=supervisor, documents_checked=["運転免許証"])


def build_world(make_user: Callable[..., Any]) -> World:
    """Member A (`member`) with three proxies (all scopes; no session.book; revoked), an open
    invitation, a booked session and a closed one with the operator, and A's talk-now request."""
    from proxies import services as proxies
    from signlanguage.booking import services as sessions
    from signlanguage.live import services as live_services

    users = {
        "member": make_user(
            "member", username="senior", display_name="山田 花子", member_number="1234567890"
        ),
        "member_b": make_user(
            "member", username="memberb", display_name="佐藤 一郎", member_number="2345678901"
        ),
        "proxy": make_user("proxy", username="proxy", display_name="山田 太郎"),
        "proxy_nobook": make_user("proxy", username="proxynobook", display_name="山田 次郎"),
        "revoked_proxy": make_user("proxy", username="revoked", display_name="山田 三郎"),
        "operator": make_user(
            "operator",
            username="operator",
            display_name="鈴木 さくら",
            skills=["sign_language", "written_chat"],
        ),
        "supervisor": make_user("supervisor", username="supervisor", display_name="田中 真理"),
    }
    member, supervisor, operator = users["member"], users["supervisor"], users["operator"]
    world = World(users=users)
    grant = _active_grant(member, users["proxy"], supervisor, ALL_SCOPES)
    nobook = _active_grant(member, users["proxy_nobook"], supervisor, NO_BOOK_SCOPES)
    revoked = _active_grant(member, users["revoked_proxy"], supervisor, ALL_SCOPES)
    proxies.grant_revoke(grant=revoked, actor=member)
    _invited, token = invite(
        member, "招待 花子", "invitee@example.jp", relationship="孫", base_url="http://testserver/"
    )
    day = _next_open_day()
    sessions.shift_add(operator=operator, start=_at(day, 9), end=_at(day, 18), actor=supervisor)
    booking = sessions.booking_create(
        actor=member,
        customer=member,
        mode="sign_language",
        start=_at(day, 10),
        topic="明細について",
    )
    # The live session is open: it starts in five minutes (a booked session's socket opens
    # shortly before its start, docs/websocket.md, close code 4425).
    from signlanguage.models import Session

    soon = timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.filter(pk=booking.pk).update(
        start=soon, end=soon + datetime.timedelta(minutes=30)
    )
    booking.refresh_from_db()
    closed = sessions.booking_create(
        actor=member, customer=member, mode="written_chat", start=_at(day, 11), topic="ポイント"
    )
    live_services.session_close(session=closed, actor=operator, summary="ご案内しました")
    now_request = sessions.queue_request(
        actor=member, mode="written_chat", topic="紛失", now=_at(day, 12)
    )
    feedback = live_services.feedback_give(
        session=closed, actor=member, rating=4, comment="とても親切でした"
    )
    world.objects.update(_supervision_objects(world, day, feedback))
    # A lost-card report the proxy filed for A: the customer's page and the back office's.
    world.objects["procedure"] = proxies.procedure_file(
        actor=users["proxy"], member=member, kind="lost_card", details="駅で紛失", verified=True
    )
    # Member B lost every sign-in method: a recovery request waiting for a supervisor.
    from access_support.accounts import recovery

    world.objects["recovery"] = recovery.request_recovery(
        user=users["member_b"], reason="スマホをなくしました", contact=""
    )
    world.objects.update(
        grant=grant,
        grant_nobook=nobook,
        grant_revoked=revoked,
        invited=_invited,
        booking=booking,
        closed=closed,
        now_request=now_request,
        shift=operator.shifts.first(),
    )
    world.invitation_token = token
    return world


def _supervision_objects(world: World, day: datetime.date, feedback: Any) -> dict[str, Any]:
    """A closed day, a tagged piece of feedback, an abuse report waiting for a decision (member
    B's session) and a decided one with a talk-now restriction (also member B)."""
    from signlanguage.booking import services as sessions
    from signlanguage.live import services as live_services
    from supervision import services as supervision

    supervisor, operator = world.users["supervisor"], world.users["operator"]
    member_b = world.users["member_b"]
    closed_day = supervision.closed_day_add(
        day=day + datetime.timedelta(days=60), reason="臨時休業", actor=supervisor
    )
    voice = supervision.voice_tag_feedback(
        feedback=feedback, tag="praise", topic="対応", actor=supervisor
    )
    reports = []
    for hour in (13, 14):
        session = sessions.booking_create(
            actor=member_b, customer=member_b, mode="written_chat", start=_at(day, hour), topic="x"
        )
        reports.append(
            live_services.session_close(
                session=session, actor=operator, for_abuse=True, note="暴言がありました"
            )
        )
    supervision.abuse_decide(
        closure=reports[1], decision="upheld", note="確認", actor=supervisor, restrict=True
    )
    return {
        "feedback": feedback,
        "closed_day": closed_day,
        "voice": voice,
        "abuse": reports[0].session,
        "restriction": member_b.talk_now_restrictions.get(),
    }


@pytest.fixture
def world(make_user: Callable[..., Any]) -> World:
    return build_world(make_user)
