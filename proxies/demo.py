"""Demo data for `manage.py seed_demo`: the senior with an active proxy (idempotent)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from access_support.accounts.models import User
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from proxies.models import OPEN_STATES, Grant, GrantState, Procedure, ProcedureKind
from proxies.scopes import SCOPES


@transaction.atomic
def seed(users: dict[str, User]) -> list[str]:
    senior = users.get("senior")
    proxy = users.get("proxy")
    if senior is None or proxy is None:
        return []
    grant = Grant.objects.filter(member=senior, proxy=proxy, state__in=OPEN_STATES).first()
    if grant is None:
        now = timezone.now()
        grant = Grant.objects.create(
            member=senior,
            proxy=proxy,
            proxy_name=proxy.name,
            proxy_email=proxy.email,
            relationship="子",
            scopes=list(SCOPES),
            state=GrantState.ACTIVE,
            documents_checked=["demo data"],
            reviewed_by=users.get("supervisor"),
            reviewed_at=now,
            invitation_used_at=now,
            created_by=senior,
        )
        audit.record(
            action=AuditAction.PROXY_GRANT_APPROVED,
            actor=users.get("supervisor"),
            subject_user=senior,
            obj=grant,
            reason="demo data",
            after={"state": grant.state, "scopes": grant.scopes},
        )
    elif grant.state != GrantState.ACTIVE or set(grant.scopes) != set(SCOPES):
        grant.state = GrantState.ACTIVE
        grant.scopes = list(SCOPES)
        grant.ends_on = None
        grant.save(update_fields=["state", "scopes", "ends_on"])
    if not Procedure.objects.filter(on_behalf_of=senior, kind=ProcedureKind.LOST_CARD).exists():
        # A lost-card report waiting in the back office (docs/back-office.md).
        from proxies import services

        services.procedure_file(
            actor=proxy,
            member=senior,
            kind=ProcedureKind.LOST_CARD,
            details="駅でカードを落としました（デモ）",
            verified=True,
        )
    return [
        f"Senior Support: {proxy.username} ({proxy.name}) is an active proxy (子) of "
        f"{senior.username} ({senior.name}, member {senior.member_number}) with all six scopes.",
        "Back office: a lost-card report filed by the proxy waits at /proxies/back-office/ "
        "(supervisor, or operator2 with the procedures skill).",
    ]
