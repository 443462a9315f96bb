"""Who may do what for a member (proxies/README.md). Pure functions: no queries beyond what is
passed in, no writes. Every view, API endpoint and consumer that acts for a member asks `decide`."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from access_support.domain import Decision, DomainError
from proxies import scopes

# The reasons of the decision (docs/api.md), in the order they are checked.
REASONS = (
    "not_authenticated",
    "otp_required",
    "unknown_member",
    "not_delegable",
    "invalid_code",
    "no_grant",
    "grant_not_active",
    "grant_paused",
    "grant_revoked",
    "grant_expired",
    "scope_missing",
    "ok",
)
_NOT_ACTIVE_STATES = frozenset({"invited", "pending_review", "declined", "rejected"})


class UnknownAction(DomainError, ValueError):
    """The action code is not in the catalogue: a 400 `unknown_action`, never a decision."""

    def __init__(self, action: str) -> None:
        super().__init__("unknown_action", 400, f"Unknown action {action!r}.")
        self.action = action


def _today(now: datetime.datetime | None) -> datetime.date:
    return timezone.localdate(now or timezone.now())


def _is_verified(actor: Any, verified: bool | None) -> bool:
    if verified is not None:
        return verified
    check = getattr(actor, "is_verified", None)
    return bool(check()) if callable(check) else False


def _grant_reason(grant: Any, member: Any, today: datetime.date, proxy: Any = None) -> str | None:
    """The grant checks shared by `decide`, the desk and code issuing; None means the grant
    stands."""
    if grant is None or grant.member_id != member.pk:
        return "no_grant"
    if proxy is not None and grant.proxy_id != proxy.pk:
        return "no_grant"
    if grant.state in _NOT_ACTIVE_STATES:
        return "grant_not_active"
    if grant.state == "suspended":
        # Paused by the member or a supervisor: said apart from "not active", so a proxy (and
        # an API client) hears that the member may resume it.
        return "grant_paused"
    if grant.state == "revoked":
        return "grant_revoked"
    if grant.state == "expired":
        return "grant_expired"
    if grant.ends_on is not None and grant.ends_on < today:
        return "grant_expired"
    return None


def _deny(reason: str, grant: Any = None) -> Decision:
    return Decision(False, reason, grant)


def decide(
    actor: Any,
    member: Any,
    action: str,
    *,
    grant: Any = None,
    now: datetime.datetime | None = None,
    verified: bool | None = None,
) -> Decision:
    """May `actor` do `action` for `member`? `grant` is the grant between them that the caller
    fetched (selectors.grant_between), or None. `verified` overrides `actor.is_verified()` for
    callers that hold the second-factor state elsewhere (websocket scopes)."""
    if not scopes.is_known_action(action):
        raise UnknownAction(action)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _deny("not_authenticated")
    if not _is_verified(actor, verified):
        return _deny("otp_required")
    if member is None or not getattr(member, "is_member", False):
        return _deny("unknown_member")
    if actor.pk == member.pk:
        # A member acting for themself: every catalogue action is theirs to do.
        return Decision(True, "ok", None)
    if not scopes.is_delegable(action):
        return _deny("not_delegable", grant)
    grant_reason = _grant_reason(grant, member, _today(now), proxy=actor)
    if grant_reason is not None:
        return _deny(grant_reason, grant if grant_reason != "no_grant" else None)
    if action not in grant.scopes:
        return _deny("scope_missing", grant)
    return Decision(True, "ok", grant)


def decide_at_desk(
    member: Any,
    action: str,
    *,
    code: Any,
    grant: Any = None,
    now: datetime.datetime | None = None,
) -> Decision:
    """The verification desk (proxies/README.md): the proxy is identified by the code they show,
    so the sign-in checks give way to `invalid_code` (unknown, expired, used or another
    member's)."""
    if not scopes.is_known_action(action):
        raise UnknownAction(action)
    moment = now or timezone.now()
    if member is None or not getattr(member, "is_member", False):
        return _deny("unknown_member")
    if not scopes.is_delegable(action):
        return _deny("not_delegable")
    if code is None or code.member_id != member.pk or not code.is_usable(moment):
        return _deny("invalid_code")
    grant_reason = _grant_reason(grant, member, _today(moment), proxy=code.proxy)
    if grant_reason is not None:
        return _deny(grant_reason, grant if grant_reason != "no_grant" else None)
    if action not in grant.scopes:
        return _deny("scope_missing", grant)
    return Decision(True, "ok", grant)


def desk_spends_code(decision: Decision) -> bool:
    """Is the code shown at the desk used up by this answer? Only when the action is allowed.
    The code proves the proxy is at the desk; a refusal of the action (`scope_missing`,
    `not_delegable`, a paused or ended grant, …) does nothing with that proof, so the same code
    still works for a right action until it expires (issue 26 item 10)."""
    return decision.allowed


def grant_standing(
    actor: Any, member: Any, *, grant: Any, now: datetime.datetime | None = None
) -> Decision:
    """Does `actor` hold a grant for `member` that is in force now (any scope)? Used to issue
    verification codes and to keep an acting context alive."""
    if member is None or not getattr(member, "is_member", False):
        return _deny("unknown_member")
    grant_reason = _grant_reason(grant, member, _today(now), proxy=actor)
    if grant_reason is not None:
        return _deny(grant_reason, grant if grant_reason != "no_grant" else None)
    return Decision(True, "ok", grant)


# --- who may change a grant ---------------------------------------------------------------


def _is_member_of(actor: Any, grant: Any) -> bool:
    return bool(actor.pk == grant.member_id)


def can_register(actor: Any, member: Any) -> bool:
    """A member registers their own proxy; an operator may do it at the member's request."""
    if actor.is_operator:
        return True
    return bool(actor.is_member and member is not None and actor.pk == member.pk)


def can_view_grant(actor: Any, grant: Any) -> bool:
    if actor.is_supervisor:
        return True
    return bool(actor.pk in (grant.member_id, grant.proxy_id))


def can_review(actor: Any, grant: Any) -> bool:
    return bool(actor.is_supervisor)


def can_revoke_or_suspend(actor: Any, grant: Any) -> bool:
    return bool(actor.is_supervisor or _is_member_of(actor, grant))


def can_change_scopes(actor: Any, grant: Any) -> bool:
    return _is_member_of(actor, grant)


def can_use_desk(actor: Any) -> bool:
    return bool(actor.is_operator or actor.is_supervisor)


# --- requests (procedures) in the back office -------------------------------------------------


def can_handle_procedures(actor: Any) -> bool:
    """Staff of the back office: supervisors, and operators with the `procedures` skill."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if getattr(actor, "is_supervisor", False):
        return True
    return bool(getattr(actor, "is_operator", False) and getattr(actor, "skill_procedures", False))


def can_follow_procedure(actor: Any, procedure: Any, *, grant: Any) -> bool:
    """The customer's side of a request: the member it is for, or the proxy who filed it while
    their grant from that member is still in force (`grant`: the grant between them)."""
    if actor.pk == procedure.on_behalf_of_id:
        return True
    if actor.pk != procedure.filed_by_id or not getattr(actor, "is_proxy", False):
        return False
    return grant_standing(actor, procedure.on_behalf_of, grant=grant).allowed


def can_file_for_member(actor: Any) -> bool:
    """Staff file a request a member asked them for (in a session, at the desk): operators,
    whatever their skills, and supervisors."""
    return bool(actor.is_operator or actor.is_supervisor)
