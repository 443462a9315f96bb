"""The single authorisation decision (proxies/README.md): every reason, scope × grant state."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from proxies import policies
from proxies.policies import UnknownAction, decide, decide_at_desk
from proxies.scopes import NEVER_DELEGABLE, SCOPES

NOW = timezone.make_aware(datetime.datetime(2026, 12, 3, 10, 0))
TODAY = timezone.localdate(NOW)


def person(
    pk: int, *, member: bool = False, verified: bool = True, authenticated: bool = True
) -> Any:
    return SimpleNamespace(
        pk=pk, is_member=member, is_authenticated=authenticated, is_verified=lambda: verified
    )


SENIOR = person(1, member=True)
PROXY = person(2)
OTHER_MEMBER = person(3, member=True)


def grant(
    state: str = "active",
    scopes: list[str] | None = None,
    ends_on: datetime.date | None = None,
    member: Any = SENIOR,
    proxy: Any = PROXY,
) -> Any:
    return SimpleNamespace(
        member_id=member.pk,
        proxy_id=proxy.pk,
        state=state,
        scopes=list(SCOPES) if scopes is None else scopes,
        ends_on=ends_on,
    )


REASON_CASES = [
    ("not_authenticated", None, SENIOR, "inquiry.points", grant()),
    ("not_authenticated", person(2, authenticated=False), SENIOR, "inquiry.points", grant()),
    ("otp_required", person(2, verified=False), SENIOR, "inquiry.points", grant()),
    ("unknown_member", PROXY, None, "inquiry.points", grant()),
    ("unknown_member", PROXY, person(9), "inquiry.points", grant()),
    ("not_delegable", PROXY, SENIOR, "cash_advance", grant()),
    ("no_grant", PROXY, SENIOR, "inquiry.points", None),
    ("no_grant", PROXY, OTHER_MEMBER, "inquiry.points", grant()),
    ("no_grant", person(5), SENIOR, "inquiry.points", grant()),
    ("grant_not_active", PROXY, SENIOR, "inquiry.points", grant("pending_review")),
    ("grant_paused", PROXY, SENIOR, "inquiry.points", grant("suspended")),
    ("grant_revoked", PROXY, SENIOR, "inquiry.points", grant("revoked")),
    ("grant_expired", PROXY, SENIOR, "inquiry.points", grant("expired")),
    (
        "grant_expired",
        PROXY,
        SENIOR,
        "inquiry.points",
        grant(ends_on=TODAY - datetime.timedelta(days=1)),
    ),
    ("scope_missing", PROXY, SENIOR, "inquiry.points", grant(scopes=["inquiry.statement"])),
    ("ok", PROXY, SENIOR, "inquiry.points", grant(ends_on=TODAY)),
    ("ok", SENIOR, SENIOR, "cash_advance", None),
]


@pytest.mark.parametrize(("reason", "actor", "member", "action", "the_grant"), REASON_CASES)
def test_decide_gives_each_reason_of_the_specification(reason, actor, member, action, the_grant):
    decision = decide(actor, member, action, grant=the_grant, now=NOW)
    assert decision.reason == reason
    assert decision.allowed is (reason == "ok")


def test_every_reason_of_the_specification_is_covered_by_the_table():
    covered = {case[0] for case in REASON_CASES} | {"invalid_code"}
    assert covered == set(policies.REASONS)


EXPECTED_BY_STATE = {
    "invited": "grant_not_active",
    "pending_review": "grant_not_active",
    "active": "ok",
    "suspended": "grant_paused",
    "declined": "grant_not_active",
    "rejected": "grant_not_active",
    "revoked": "grant_revoked",
    "expired": "grant_expired",
}


@pytest.mark.parametrize("state", sorted(EXPECTED_BY_STATE))
@pytest.mark.parametrize("scope", list(SCOPES))
def test_every_scope_in_every_grant_state(scope, state):
    with_scope = decide(PROXY, SENIOR, scope, grant=grant(state), now=NOW)
    assert with_scope.reason == EXPECTED_BY_STATE[state]
    others = [s for s in SCOPES if s != scope]
    without_scope = decide(PROXY, SENIOR, scope, grant=grant(state, scopes=others), now=NOW)
    expected = "scope_missing" if state == "active" else EXPECTED_BY_STATE[state]
    assert without_scope.reason == expected
    assert not without_scope.allowed


@pytest.mark.parametrize("action", list(NEVER_DELEGABLE))
def test_never_delegable_actions_are_refused_whatever_the_grant_says(action):
    the_grant = grant(scopes=list(SCOPES) + [action])
    assert decide(PROXY, SENIOR, action, grant=the_grant, now=NOW).reason == "not_delegable"


@pytest.mark.parametrize("action", list(SCOPES) + list(NEVER_DELEGABLE))
def test_a_member_acting_for_themself_is_allowed_everything(action):
    assert decide(SENIOR, SENIOR, action, now=NOW).reason == "ok"


def test_an_unknown_action_is_an_error_not_a_decision():
    with pytest.raises(UnknownAction):
        decide(PROXY, SENIOR, "transfer.money", grant=grant(), now=NOW)


def test_reasons_are_checked_in_the_order_of_the_specification():
    # Unverified, asking for a never-delegable action with a revoked grant: otp first.
    assert (
        decide(
            person(2, verified=False), SENIOR, "cash_advance", grant=grant("revoked"), now=NOW
        ).reason
        == "otp_required"
    )
    # Never-delegable comes before a missing grant.
    assert decide(PROXY, SENIOR, "card.close", grant=None, now=NOW).reason == "not_delegable"
    # A suspended grant past its end date is reported as paused (state first).
    past = TODAY - datetime.timedelta(days=3)
    assert (
        decide(
            PROXY, SENIOR, "inquiry.points", grant=grant("suspended", ends_on=past), now=NOW
        ).reason
        == "grant_paused"
    )


def test_the_verified_flag_overrides_the_actor_for_websocket_callers():
    assert decide(
        person(2, verified=False), SENIOR, "session.book", grant=grant(), now=NOW, verified=True
    ).allowed


def code(member: Any = SENIOR, *, used: bool = False, expired: bool = False) -> Any:
    expires = NOW + datetime.timedelta(minutes=-1 if expired else 5)
    return SimpleNamespace(
        member_id=member.pk,
        proxy=PROXY,
        is_usable=lambda now: not used and now < expires,
    )


DESK_CASES = [
    ("unknown_member", None, "inquiry.points", None, grant()),
    ("not_delegable", SENIOR, "cash_advance", None, grant()),
    ("invalid_code", SENIOR, "inquiry.points", None, grant()),
    ("invalid_code", SENIOR, "inquiry.points", code(used=True), grant()),
    ("invalid_code", SENIOR, "inquiry.points", code(expired=True), grant()),
    ("invalid_code", SENIOR, "inquiry.points", code(OTHER_MEMBER), grant()),
    ("no_grant", SENIOR, "inquiry.points", code(), None),
    ("grant_revoked", SENIOR, "inquiry.points", code(), grant("revoked")),
    ("scope_missing", SENIOR, "inquiry.points", code(), grant(scopes=["session.book"])),
    ("ok", SENIOR, "inquiry.points", code(), grant()),
]


@pytest.mark.parametrize(("reason", "member", "action", "the_code", "the_grant"), DESK_CASES)
def test_the_desk_checks_the_code_before_the_grant(reason, member, action, the_code, the_grant):
    decision = decide_at_desk(member, action, code=the_code, grant=the_grant, now=NOW)
    assert decision.reason == reason
