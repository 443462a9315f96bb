"""Benchmark data for the proxies and signlanguage hot paths (bulk-created: this is data
set-up for measuring, not a path a user takes)."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from access_support.accounts.models import User
from bench.fixtures import PASSWORD, users
from proxies.models import Grant, VerificationCode
from proxies.selectors import token_hash
from signlanguage.models import Kind, Mode, Session, Shift, State

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def next_open_day() -> datetime.date:
    from signlanguage.booking import availability

    day = timezone.localdate() + datetime.timedelta(days=1)
    while availability.is_closed_day(day):
        day += datetime.timedelta(days=1)
    return day


@transaction.atomic
def http_extra(clients: int, pairs: int = 12000) -> dict[str, Any]:
    """Shifts for the bench operators on the next open day, and `pairs` members each with an
    active proxy and a live verification code, so every authorisation check is a real,
    first-use check that is allowed."""
    day = next_open_day()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=tz)
    operators = User.objects.filter(username__startswith="benchop")
    Shift.objects.bulk_create(
        Shift(operator=o, start=start, end=start + datetime.timedelta(hours=9)) for o in operators
    )
    hashed = make_password(PASSWORD)

    def bulk_users(prefix: str, name: str, **fields: Any) -> list[User]:
        """`pairs` users prefix0… named name0…, with `fields` (a callable gets the index)."""
        return User.objects.bulk_create(
            User(
                username=f"{prefix}{i}",
                password=hashed,
                email=f"{prefix}{i}@bench.example",
                display_name=f"{name}{i}",
                **{k: v(i) if callable(v) else v for k, v in fields.items()},
            )
            for i in range(pairs)
        )

    members = bulk_users(
        "bm", "会員", is_member=True, member_number=lambda i: f"{7_000_000_000 + i}"
    )
    proxies = bulk_users("bp", "代理人", is_proxy=True)
    Grant.objects.bulk_create(
        Grant(
            member=m,
            proxy=p,
            proxy_name=p.display_name,
            proxy_email=p.email,
            relationship="子",
            scopes=["inquiry.statement", "inquiry.points"],
            state="active",
        )
        for m, p in zip(members, proxies, strict=True)
    )
    now = timezone.now()
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(8)) for _ in range(pairs)]
    VerificationCode.objects.bulk_create(
        VerificationCode(
            proxy=p,
            member=m,
            code_hash=token_hash(c),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=10),
        )
        for m, p, c in zip(members, proxies, codes, strict=True)
    )
    return {
        "date": day.isoformat(),
        "checks": [
            {"member_number": m.member_number, "code": c}
            for m, c in zip(members, codes, strict=True)
        ],
    }


@transaction.atomic
def signed_in_session(user_id: int) -> str:
    """A session key as a password + TOTP sign-in leaves it (user, backend, auth hash, verified
    device), made on the server: for runs too large to sign every user in through the API."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access_support.sessions import SessionStore

    user = User.objects.get(pk=user_id)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "access_support.accounts.backends.UserBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    store.create()
    return str(store.session_key)


def chat_setup(sessions: int, server_side_sign_in: bool = False) -> dict[str, Any]:
    """K active written-chat sessions, each with its own customer and operator (with a session
    key each when `server_side_sign_in`)."""
    customers = users("benchcust", sessions, ["member"])
    operators = users("benchchatop", sessions, ["operator"], skills=["written_chat"])
    if server_side_sign_in:
        for person in customers + operators:
            person["session_key"] = signed_in_session(person["id"])
    pairs = []
    for customer, operator in zip(customers, operators, strict=True):
        session = Session.objects.create(
            customer_id=customer["id"],
            booked_by_id=customer["id"],
            operator_id=operator["id"],
            mode=Mode.WRITTEN_CHAT,
            kind=Kind.NOW,
            state=State.ACTIVE,
            topic="明細について",
            taken_at=timezone.now(),
        )
        pairs.append({"customer": customer, "operator": operator, "session_id": session.pk})
    return {"pairs": pairs}


@transaction.atomic
def booking_setup(clients: int, slots: int, operators: int) -> dict[str, Any]:
    """`clients` members, `operators` written-chat operators on shift on the next open days,
    and the first `slots` slot starts of those days."""
    from signlanguage.booking import availability

    staff = users("benchbookop", operators, ["operator"], skills=["written_chat"])
    tz = timezone.get_current_timezone()
    starts: list[datetime.datetime] = []
    day = next_open_day()
    while len(starts) < slots:  # 18 slots a day: take as many open days as needed
        start = datetime.datetime.combine(day, datetime.time(9), tzinfo=tz)
        Shift.objects.bulk_create(
            Shift(operator_id=o["id"], start=start, end=start + datetime.timedelta(hours=9))
            for o in staff
        )
        starts.extend(availability.slot_starts(day))
        day += datetime.timedelta(days=1)
        while availability.is_closed_day(day):
            day += datetime.timedelta(days=1)
    starts = starts[:slots]
    return {
        "members": users("benchbooker", clients, ["member"]),
        "slots": [s.isoformat() for s in starts],
    }
