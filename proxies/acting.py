"""The acting-on-behalf context kept in the session (proxies/README.md): who the proxy acts for,
ended after 30 minutes idle, or at once when the grant stops being in force."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from access_support.accounts.models import User
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.domain import Decision
from proxies import policies, selectors

SESSION_KEY = "proxies.acting_for"
IDLE_SECONDS = 30 * 60
TOUCH_EVERY_SECONDS = 60
_CACHE_ATTR = "_proxies_acting_member"
_ENDED_ATTR = "_proxies_acting_ended"


def start_acting(request: HttpRequest, member: User) -> Decision:
    user = request.user
    grant = selectors.grant_between(user, member)
    decision = policies.grant_standing(user, member, grant=grant)
    if decision.allowed:
        request.session[SESSION_KEY] = {"member_id": member.pk, "seen": time.time()}
        audit.record(
            action=AuditAction.PROXY_ACTING_STARTED, actor=user, subject_user=member, obj=grant
        )
        setattr(request, _CACHE_ATTR, member)
    return decision


def stop_acting(request: HttpRequest) -> None:
    data = request.session.pop(SESSION_KEY, None)
    setattr(request, _CACHE_ATTR, None)
    if data and request.user.is_authenticated:
        member = selectors.member_by_id(data.get("member_id"))
        audit.record(action=AuditAction.PROXY_ACTING_ENDED, actor=request.user, subject_user=member)


def acting_member(request: HttpRequest) -> User | None:
    """The member the signed-in user acts for now, or None (and the context dropped) when it
    is missing, idle too long, or the grant is no longer in force."""
    if hasattr(request, _CACHE_ATTR):
        cached: User | None = getattr(request, _CACHE_ATTR)
        return cached
    member = _load(request)
    setattr(request, _CACHE_ATTR, member)
    return member


def ended_now(request: HttpRequest) -> tuple[User, str] | None:
    """(member, reason) when this very request found the acting context dropped because the
    grant stopped being in force (grant_paused, grant_revoked, …): a form posted for the member
    can then say why it was refused and keep what was typed."""
    acting_member(request)
    ended: tuple[User, str] | None = getattr(request, _ENDED_ATTR, None)
    return ended


def _load(request: HttpRequest) -> User | None:
    session: Any = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return None
    user = request.user
    data = session.get(SESSION_KEY) or {}
    if not user.is_authenticated or time.time() - float(data.get("seen", 0)) > idle_seconds():
        session.pop(SESSION_KEY, None)
        return None
    member = selectors.member_by_id(data.get("member_id"))
    grant = selectors.grant_between(user, member) if member is not None else None
    standing = policies.grant_standing(user, member, grant=grant)
    if not standing.allowed:
        session.pop(SESSION_KEY, None)
        if member is not None:
            setattr(request, _ENDED_ATTR, (member, standing.reason))
        return None
    now = time.time()
    if now - float(data.get("seen", 0)) >= TOUCH_EVERY_SECONDS:
        # Like the session's own idle clock: rewritten at most once a minute, so reads stay reads.
        session[SESSION_KEY] = {"member_id": data.get("member_id"), "seen": now}
    return member


def idle_seconds() -> int:
    """30 minutes (proxies/README.md); a setting only so the browser tests can shorten it."""
    return int(getattr(settings, "ACTING_IDLE_SECONDS", IDLE_SECONDS))


def seconds_left(request: HttpRequest) -> int | None:
    """Seconds before the acting context ends for idleness, or None when not acting. Reads
    only: asking how long is left does not restart the clock."""
    session: Any = getattr(request, "session", None)
    data = session.get(SESSION_KEY) if session is not None else None
    if not data:
        return None
    return max(0, int(float(data.get("seen", 0)) + idle_seconds() - time.time()))


def keep_alive(request: HttpRequest) -> int | None:
    """The warning dialog's Extend button: restart the idle clock of an acting context still
    in force. Returns the seconds now left, or None when there is no such context."""
    if acting_member(request) is None:
        return None
    data = request.session.get(SESSION_KEY) or {}
    request.session[SESSION_KEY] = {"member_id": data.get("member_id"), "seen": time.time()}
    return idle_seconds()
