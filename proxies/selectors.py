"""Read queries for Senior Support; the only place that filters by what a user may see."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from access_support.accounts.models import User
from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from access_support.notifications.models import Notice
from access_support.speedups.queries import Query
from proxies import policies
from proxies.models import (
    OPEN_STATES,
    PROCEDURE_OPEN,
    PROCEDURE_SCOPES,
    Grant,
    GrantState,
    Procedure,
    ProcedureKind,
    ProcedureMessage,
    VerificationCode,
)
from proxies.scopes import ordered_scopes

# The desk's three reads (a hot path: every authorisation check), compiled once
# (access_support/speedups/queries.py). The samples are values no row has.
_MEMBER_BY_NUMBER = Query(
    User,
    lambda number: User.objects.filter(member_number=number, is_member=True).order_by("pk")[:1],
    ("sample-member-number",),
)
_GRANT_BETWEEN = Query(
    Grant,
    lambda member_id, proxy_id: (
        Grant.objects.filter(member_id=member_id, proxy_id=proxy_id)
        # An open grant first, else the most recent one.
        .order_by(
            Case(When(state__in=OPEN_STATES, then=Value(0)), default=Value(1)), "-created_at", "-id"
        )[:1]
    ),
    (-7130002, -7130003),
)
_CODE_BY_HASH = Query(
    VerificationCode,
    lambda code_hash: (
        VerificationCode.objects.select_related("proxy", "member")
        .filter(code_hash=code_hash)
        .order_by("-created_at")[:1]
    ),
    ("sample-code-hash",),
)
# SQLite: the code with its proxy, its member and the grant between them that decides (the one
# `grant_between` finds), in one statement: of the pair's grants an open one first, else the
# most recent (decision 0014). PostgreSQL reads the grant apart: with client-side binding every
# statement is planned anew, and planning this four-table join cost more (0.5–0.9 ms) than the
# separate read it saves.
_CODE_WITH_GRANT_BY_HASH = Query(
    VerificationCode,
    lambda code_hash: (
        VerificationCode.objects.select_related("proxy", "member", "pair_grant")
        .filter(code_hash=code_hash)
        .order_by(
            "-created_at",
            "-id",
            Case(When(pair_grant__state__in=OPEN_STATES, then=Value(0)), default=Value(1)),
            "-pair_grant__created_at",
            "-pair_grant__id",
        )[:1]
    ),
    ("sample-code-hash",),
)


def token_hash(token: str) -> str:
    """Invitation tokens and verification codes are stored only as keyed hashes."""
    return hmac.new(settings.SECRET_KEY.encode(), token.encode(), hashlib.sha256).hexdigest()


def normalise_code(code: str) -> str:
    """Codes are accepted with spaces, hyphens, lower case and full-width characters."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", code)
    return "".join(ch for ch in folded if ch.isalnum()).upper()


def normalise_member_number(value: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if ch.isdigit())


def member_by_number(member_number: str) -> User | None:
    number = normalise_member_number(member_number)
    if len(number) != 10:
        return None
    return _MEMBER_BY_NUMBER.first(number)


def grant_between(proxy: Any, member: Any) -> Grant | None:
    """The grant that decides for this pair: an open one if any, else the most recent one (so a
    revoked proxy hears `grant_revoked`, not `no_grant`)."""
    if proxy is None or member is None or not getattr(proxy, "pk", None):
        return None
    grant = _GRANT_BETWEEN.first(member.pk, proxy.pk)
    if grant is not None:
        # The caller holds both users already: no query to reach them from the grant.
        if isinstance(member, User):
            grant.member = member
        if isinstance(proxy, User):
            grant.proxy = proxy
    return grant


def member_ids_granting(proxy: Any, action: str, now: datetime.datetime | None = None) -> list[int]:
    """The members for whom `proxy` may do `action` now: each grant re-decided by
    `policies.decide` (state, end date, scopes), so a list of what a proxy may see follows the
    same rule as each single use. The second factor is the caller's edge's business."""
    if proxy is None or not getattr(proxy, "pk", None):
        return []
    grants = grants_in_force(now).filter(proxy=proxy).select_related("member")
    return [
        grant.member_id
        for grant in grants
        if policies.decide(proxy, grant.member, action, grant=grant, now=now, verified=True).allowed
    ]


def grants_for_user(user: Any) -> QuerySet[Grant]:
    """Grants where the user is the member or the proxy."""
    return (
        Grant.objects.filter(Q(member=user) | Q(proxy=user))
        .select_related("member", "proxy")
        .order_by("-created_at", "-id")
    )


def grants_of_member(member: Any) -> QuerySet[Grant]:
    return Grant.objects.filter(member=member).select_related("proxy").order_by("-created_at")


def grant_for_user(user: Any, pk: int) -> Grant:
    """The object gate: a grant the user may not see is a 404, the same as a missing one."""
    grant = Grant.objects.select_related("member", "proxy").filter(pk=pk).first()
    if grant is None or not policies.can_view_grant(user, grant):
        raise Http404("No such grant.")
    return grant


def grant_by_token(token: str) -> Grant | None:
    if not token or len(token) > 200:
        return None
    return (
        Grant.objects.select_related("member", "proxy")
        .filter(invitation_hash=token_hash(token))
        .first()
    )


def open_grant_count(member: Any, now: datetime.datetime | None = None) -> int:
    """Grants that count towards the member's limit: not ended, not past their end date, and
    invitations still valid."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    return (
        Grant.objects.filter(member=member, state__in=OPEN_STATES)
        .exclude(state=GrantState.INVITED, invitation_expires_at__lte=moment)
        .exclude(ends_on__lt=today)
        .count()
    )


def grants_in_force(now: datetime.datetime | None = None) -> QuerySet[Grant]:
    """Grants in force now: active and not past their end date (a grant past its end date is
    expired at once, whatever its stored state). Filter further by member or proxy."""
    today = timezone.localdate(now or timezone.now())
    return Grant.objects.filter(state=GrantState.ACTIVE).exclude(ends_on__lt=today)


def active_grants_for_proxy(proxy: Any, now: datetime.datetime | None = None) -> QuerySet[Grant]:
    return (
        grants_in_force(now)
        .filter(proxy=proxy)
        .select_related("member")
        .order_by("member__display_name", "id")
    )


def active_grant(proxy: Any, member: Any, now: datetime.datetime | None = None) -> Grant | None:
    """The grant in force between this proxy and member right now, or None."""
    grant = grant_between(proxy, member)
    if grant is None:
        return None
    return grant if policies.grant_standing(proxy, member, grant=grant, now=now).allowed else None


def procedure_kinds_allowed(actor: Any, member: Any) -> list[str]:
    """The requests `actor` may file for `member` now: all for the member themself; for a proxy,
    those whose scope the grant allows (decided as each filing will be)."""
    grant = grant_between(actor, member)
    return [
        kind
        for kind, scope in PROCEDURE_SCOPES.items()
        if policies.decide(actor, member, scope, grant=grant, verified=True).allowed
    ]


def members_for_proxy_json(user: Any) -> list[dict[str, Any]]:
    """The members a user may act for right now (for /api/v1/me)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        {
            "member_number": grant.member.member_number,
            "name": grant.member.name,
            "scopes": ordered_scopes(grant.scopes),
        }
        for grant in active_grants_for_proxy(user)
    ]


def pending_reviews() -> QuerySet[Grant]:
    return (
        Grant.objects.filter(state=GrantState.PENDING_REVIEW)
        .select_related("member", "proxy")
        .order_by("created_at", "id")
    )


def verification_code(code: str, *, with_grant: bool = False) -> VerificationCode | None:
    """The code with its proxy and its member; `with_grant`: and their deciding grant in
    `pair_grant` (SQLite only, see `_CODE_WITH_GRANT_BY_HASH`)."""
    normal = normalise_code(code)
    if not normal or len(normal) > 32:
        return None
    query = _CODE_WITH_GRANT_BY_HASH if with_grant else _CODE_BY_HASH
    return query.first(token_hash(normal))


def desk_lookup(
    member_number: str, code: str
) -> tuple[User | None, VerificationCode | None, Grant | None]:
    """The desk's member, the code shown and the grant that decides (`grant_between`'s), read
    together: the code arrives with its proxy and its member (on SQLite with their grant too,
    in the same statement), and when that member holds the number given (the usual case) no
    read by number is needed. Otherwise the member is read by number (`member_by_number`) and
    there is no grant: the code is not that member's."""
    with_grant = connection.vendor == "sqlite"
    found = verification_code(code, with_grant=with_grant)
    number = normalise_member_number(member_number)
    if found is not None and len(number) == 10:
        holder = found.member
        if holder.is_member and holder.member_number == number:
            if not with_grant:
                return holder, found, grant_between(found.proxy, holder)
            grant = found.pair_grant
            if grant is not None:
                # The code holds both users already: no query to reach them from the grant.
                grant.member, grant.proxy = holder, found.proxy
            return holder, found, grant
    return member_by_number(member_number), found, None


def notices_for(user: Any, limit: int = 20) -> list[Notice]:
    """The person's notices about proxies and requests (the notification centre,
    /notices/, has them all)."""
    about = Q(kind__startswith="grant.") | Q(kind__startswith="procedure.")
    return list(Notice.objects.filter(about, user=user).order_by("-created_at", "-id")[:limit])


def procedures_for_member(member: Any, limit: int = 50) -> list[Procedure]:
    return list(
        Procedure.objects.filter(on_behalf_of=member)
        .select_related("filed_by")
        .order_by("-created_at", "-id")[:limit]
    )


# --- requests: the customer's side and the back-office queue -----------------------------------


def procedures_followed_by(user: Any, limit: int = 50) -> list[Procedure]:
    """The requests a user follows: those for them (a member) and those they filed (a proxy)."""
    return list(
        Procedure.objects.filter(Q(on_behalf_of=user) | Q(filed_by=user))
        .select_related("filed_by", "on_behalf_of")
        .order_by("-created_at", "-id")[:limit]
    )


def procedure(pk: Any) -> Procedure:
    try:
        return Procedure.objects.select_related(
            "filed_by", "on_behalf_of", "claimed_by", "grant"
        ).get(pk=int(pk))
    except (Procedure.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def procedure_messages(procedure: Procedure) -> list[ProcedureMessage]:
    return list(procedure.messages.select_related("author").order_by("created_at", "id"))


# Back-office queue filters (proxies/backoffice.py): how old, and who filed.
QUEUE_AGES = {"1d": 1, "3d": 3, "7d": 7}
QUEUE_FILERS = ("member", "proxy", "staff")
QUEUE_LIMIT = 200


def procedure_queue(
    *,
    kind: str = "",
    status: str = "",
    age: str = "",
    filed_by: str = "",
    member: Any = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Procedure]:
    """The back office's list: lost or stolen cards first (pinned), then oldest first. `status`
    "" means every open request, "all" every request."""
    moment = now or timezone.now()
    rows = Procedure.objects.select_related("filed_by", "on_behalf_of", "claimed_by")
    if status == "all":
        pass
    elif status:
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(status__in=PROCEDURE_OPEN)
    if kind:
        rows = rows.filter(kind=kind)
    if age in QUEUE_AGES:
        rows = rows.filter(created_at__lte=moment - datetime.timedelta(days=QUEUE_AGES[age]))
    if filed_by == "member":
        rows = rows.filter(filed_by=F("on_behalf_of"))
    elif filed_by == "proxy":
        rows = rows.exclude(filed_by=F("on_behalf_of")).filter(
            filed_by__is_operator=False, filed_by__is_supervisor=False
        )
    elif filed_by == "staff":
        rows = rows.filter(Q(filed_by__is_operator=True) | Q(filed_by__is_supervisor=True))
    if member is not None:
        rows = rows.filter(on_behalf_of=member)
    pinned = Case(
        When(kind=ProcedureKind.LOST_CARD, status__in=PROCEDURE_OPEN, then=Value(0)),
        default=Value(1),
    )
    return rows.annotate(pinned=pinned).order_by("pinned", "created_at", "id")


# The member's timeline can be narrowed by who acted and by kind (proxies/timeline.py).
TIMELINE_WHO = ("you", "proxy", "staff", "service")
TIMELINE_KINDS = ("grants", "requests", "desk", "sessions")


def _timeline_kind(kind: str) -> Q:
    desk = Q(action=AuditAction.PROXY_DECISION, after__via="desk") | Q(
        action__in=[AuditAction.PROXY_DESK_LOCKED, AuditAction.PROXY_DESK_REFUSED]
    )
    if kind == "grants":
        return Q(action__startswith="proxy.grant_")
    if kind == "desk":
        return desk
    if kind == "requests":
        not_at_desk = ~Q(after__via="desk") | Q(after__via__isnull=True)
        return Q(
            action__in=[
                AuditAction.PROXY_PROCEDURE_FILED,
                AuditAction.PROXY_PROCEDURE_CLAIMED,
                AuditAction.PROXY_PROCEDURE_QUESTION_ASKED,
                AuditAction.PROXY_PROCEDURE_ANSWERED,
                AuditAction.PROXY_PROCEDURE_DONE,
                AuditAction.PROXY_PROCEDURE_DECLINED,
                AuditAction.PROXY_CODE_ISSUED,
                AuditAction.PROXY_ACTING_STARTED,
                AuditAction.PROXY_ACTING_ENDED,
            ]
        ) | (Q(action=AuditAction.PROXY_DECISION) & not_at_desk)
    if kind == "sessions":
        return Q(action__startswith="signlanguage.") | Q(action__startswith="supervision.")
    return Q()


def timeline_for_member(member: Any, *, who: str = "", kind: str = "") -> QuerySet[AuditEvent]:
    """Everything recorded in the member's name, newest first (proxies/README.md), optionally
    only what one kind of person did (`who`: TIMELINE_WHO) or one kind of event (TIMELINE_KINDS).
    A queryset: the page shows it 50 at a time."""
    # Sign-ins and account changes are the member's own doing; the timeline is for what was
    # done in their name.
    events = (
        AuditEvent.objects.filter(subject_user=member)
        .exclude(action__startswith="auth.")
        .exclude(action__startswith="user.")
    )
    if who == "you":
        events = events.filter(actor=member)
    elif who == "proxy":
        events = events.filter(
            actor__is_proxy=True, actor__is_operator=False, actor__is_supervisor=False
        ).exclude(actor=member)
    elif who == "staff":
        events = events.filter(Q(actor__is_operator=True) | Q(actor__is_supervisor=True))
    elif who == "service":
        events = events.filter(actor__isnull=True)
    return events.filter(_timeline_kind(kind)).select_related("actor").order_by("-seq")


def users_by_pk(pks: Any) -> dict[int, User]:
    """The users of a page's events in one query (the desk's rows name a proxy by pk)."""
    wanted = {int(pk) for pk in pks if isinstance(pk, int)}
    return {user.pk: user for user in User.objects.filter(pk__in=wanted)} if wanted else {}


def member_by_id(pk: Any) -> User | None:
    try:
        return User.objects.filter(pk=int(pk), is_member=True).first()
    except (TypeError, ValueError):
        return None
