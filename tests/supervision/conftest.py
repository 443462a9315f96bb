"""Supervision fixtures: a seeded data set with hand-computed report figures, and builders."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from signlanguage.booking.availability import JST

PERIOD_START = datetime.date(2026, 11, 2)
PERIOD_END = datetime.date(2026, 11, 3)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=JST)


@pytest.fixture
def make_session(db: Any, operator: Any, make_user: Callable[..., Any]) -> Callable[..., Any]:
    """A session with explicit times (created_at is auto_now_add, so it is set after)."""
    from signlanguage.models import Session

    def make(
        *,
        kind: str = "now",
        mode: str = "written_chat",
        state: str = "closed",
        created_at: datetime.datetime,
        customer: Any = None,
        taken_at: datetime.datetime | None = None,
        closed_at: datetime.datetime | None = None,
        start: datetime.datetime | None = None,
        summary: str = "",
        with_operator: bool = True,
    ) -> Any:
        customer = customer or make_user("member")
        session = Session.objects.create(
            customer=customer,
            booked_by=customer,
            kind=kind,
            mode=mode,
            state=state,
            topic="カードについて",
            operator=operator if with_operator else None,
            start=start,
            end=start + datetime.timedelta(minutes=30) if start else None,
            taken_at=taken_at,
            closed_at=closed_at,
            cancelled_at=closed_at if state == "cancelled" else None,
            summary=summary,
        )
        Session.objects.filter(pk=session.pk).update(created_at=created_at)
        session.refresh_from_db()
        return session

    return make


@pytest.fixture
def make_feedback(db: Any) -> Callable[..., Any]:
    from signlanguage.models import Feedback

    def make(session: Any, rating: int, comment: str = "", created_at: Any = None) -> Any:
        return Feedback.objects.create(
            session=session,
            author=session.customer,
            rating=rating,
            comment=comment,
            created_at=created_at or session.closed_at or session.created_at,
        )

    return make


@pytest.fixture
def flagged_session(make_session: Callable[..., Any], operator: Any, senior: Any) -> Any:
    """A session the operator ended because the customer (senior) was abusive."""
    from signlanguage.models import SessionClosure

    session = make_session(
        customer=senior,
        mode="written_chat",
        created_at=at(11, 20, 10),
        taken_at=at(11, 20, 10, 1),
        closed_at=at(11, 20, 10, 9),
    )
    SessionClosure.objects.create(
        session=session,
        closed_by=operator,
        closed_at=at(11, 20, 10, 9),
        ended_for_abuse=True,
        abuse_note="暴言が続いたため終了しました。",
    )
    return session


@pytest.fixture
def seeded(
    make_session: Callable[..., Any], make_feedback: Callable[..., Any], make_user: Any
) -> dict[str, Any]:
    """The report data set. Every figure the tests expect is worked out in the comments of
    tests/supervision/test_reports.py from these rows."""
    from proxies.models import Grant

    s: dict[str, Any] = {}
    # Talk now.
    s["n1"] = make_session(
        created_at=at(11, 2, 10), taken_at=at(11, 2, 10, 2), closed_at=at(11, 2, 10, 12)
    )  # wait 120 s, handled 600 s
    s["n2"] = make_session(
        created_at=at(11, 2, 11), taken_at=at(11, 2, 11, 10), closed_at=at(11, 2, 11, 30)
    )  # wait 600 s, handled 1200 s
    s["n3"] = make_session(
        mode="sign_language",
        created_at=at(11, 3, 9, 30),
        taken_at=at(11, 3, 9, 31),
        closed_at=at(11, 3, 9, 51),
    )  # 60 s, 1200 s
    s["n4"] = make_session(
        mode="sign_language",
        created_at=at(11, 3, 13),
        taken_at=at(11, 3, 13, 5),
        closed_at=at(11, 3, 13, 35),
    )  # 300 s, 1800 s
    s["n5"] = make_session(
        state="cancelled", created_at=at(11, 3, 14), with_operator=False, closed_at=at(11, 3, 14, 3)
    )  # left the queue
    s["n6"] = make_session(
        created_at=at(11, 4, 10), taken_at=at(11, 4, 10, 30), closed_at=at(11, 4, 10, 40)
    )  # after the period
    # Asked 23:50 the night before the period (JST): only its closing falls in the period.
    s["n7"] = make_session(
        mode="sign_language",
        created_at=at(11, 1, 23, 50),
        taken_at=at(11, 2, 0, 10),
        closed_at=at(11, 2, 0, 20),
    )  # 600 s
    # Bookings.
    s["b1"] = make_session(
        kind="booked",
        mode="sign_language",
        start=at(11, 2, 10),
        created_at=at(10, 28, 9),
        closed_at=at(11, 2, 10, 28),
    )  # 1680 s
    s["b2"] = make_session(
        kind="booked",
        state="cancelled",
        start=at(11, 2, 14),
        created_at=at(10, 28, 9),
        closed_at=at(10, 30, 9),
    )
    s["b3"] = make_session(
        kind="booked",
        mode="sign_language",
        state="waiting",
        start=at(11, 3, 15),
        created_at=at(10, 28, 9),
    )  # no-show
    s["b4"] = make_session(
        kind="booked",
        start=at(11, 3, 16),
        created_at=at(10, 29, 9),
        taken_at=at(11, 3, 16, 2),
        closed_at=at(11, 3, 16, 20),
    )  # 1080 s
    # Feedback.
    make_feedback(s["n1"], 5, "とても丁寧でした", at(11, 2, 10, 20))
    make_feedback(s["n2"], 2, "待ち時間が長いです", at(11, 2, 11, 40))
    make_feedback(s["n3"], 4, "", at(11, 3, 10))
    make_feedback(s["b4"], 5, "", at(11, 3, 16, 30))
    make_feedback(s["n6"], 1, "outside", at(11, 4, 11))
    # Proxy registrations.
    member = make_user("member")
    for relationship, state, created in [
        ("子", "active", at(11, 2, 9)),
        ("子", "pending_review", at(11, 3, 9)),
        ("配偶者", "active", at(11, 3, 12)),
        ("孫", "revoked", at(11, 3, 17)),
        ("子", "active", at(10, 30, 9)),  # before the period
    ]:
        Grant.objects.create(
            member=member,
            proxy_name="代理 人",
            proxy_email=f"p{created:%m%d%H}@example.jp",
            relationship=relationship,
            state=state,
            created_at=created,
        )
    return s
