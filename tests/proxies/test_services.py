"""Grant lifecycle, limits, invitations, notices, codes, the desk and revocation."""

from __future__ import annotations

import asyncio
import datetime

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core import mail
from django.db import connection
from django.utils import timezone, translation

from access_support.audit.models import AuditEvent
from access_support.events import user_group
from access_support.notifications import services as notifications
from access_support.notifications.models import Notice
from proxies import selectors, services
from proxies.models import Grant, Procedure, VerificationCode
from proxies.services import GrantError

pytestmark = pytest.mark.django_db


def register(member, email="helper@example.jp", actor=None, **kwargs):
    return services.grant_register(
        actor=actor or member,
        member=member,
        proxy_name="山田 太郎",
        proxy_email=email,
        relationship=kwargs.pop("relationship", "子"),
        scopes=kwargs.pop("scopes", ["inquiry.statement", "session.book"]),
        **kwargs,
    )


def test_registering_a_proxy_emails_a_single_use_link_and_keeps_only_its_hash(
    senior, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant, token = register(senior)
    assert grant.state == "invited"
    assert token not in (grant.invitation_hash or "")
    assert grant.invitation_hash == selectors.token_hash(token)
    invitation = [m for m in mail.outbox if m.to == ["helper@example.jp"]]
    assert len(invitation) == 1
    assert f"/proxies/invitations/{token}/" in invitation[0].body
    assert grant.invitation_expires_at - timezone.now() > datetime.timedelta(days=6, hours=23)
    assert [m.to for m in mail.outbox if m.to == [senior.email]]
    assert Notice.objects.filter(user=senior, kind="grant.invited").exists()


def test_english_relationship_codes_are_accepted_and_stored_as_the_japanese_word(senior):
    grant, _ = register(senior, relationship="grandchild")
    assert grant.relationship == "孫"


def test_a_member_cannot_register_themself(senior):
    with pytest.raises(GrantError) as error:
        register(senior, email=senior.email)
    assert error.value.code == "self_proxy"


def test_a_member_cannot_accept_their_own_invitation(senior):
    _, token = register(senior)
    with pytest.raises(GrantError) as error:
        services.grant_accept(token=token, actor=senior)
    assert error.value.code == "self_proxy"


def test_a_member_has_at_most_three_open_grants(senior, settings):
    for n in range(3):
        register(senior, email=f"p{n}@example.jp")
    with pytest.raises(GrantError) as error:
        register(senior, email="p4@example.jp")
    assert (error.value.code, error.value.status) == ("grant_limit", 409)


def test_the_grant_limit_is_a_setting_and_ended_grants_do_not_count(senior, settings):
    settings.PROXY_MAX_GRANTS = 1
    first, _ = register(senior, email="p1@example.jp")
    with pytest.raises(GrantError):
        register(senior, email="p2@example.jp")
    services.grant_revoke(grant=first, actor=senior)
    register(senior, email="p2@example.jp")


def test_a_proxy_may_serve_several_members(senior, member_b, proxy):
    _, token_a = register(senior, email=proxy.email)
    _, token_b = register(member_b, email=proxy.email)
    services.grant_accept(token=token_a, actor=proxy)
    services.grant_accept(token=token_b, actor=proxy)
    assert Grant.objects.filter(proxy=proxy, state="pending_review").count() == 2


def test_an_invitation_works_once(senior, proxy, make_user):
    _, token = register(senior)
    services.grant_accept(token=token, actor=proxy)
    with pytest.raises(GrantError) as error:
        services.grant_accept(token=token, actor=make_user("proxy"))
    assert (error.value.code, error.value.status) == ("invitation_used", 410)


def test_an_invitation_expires_after_seven_days(senior, proxy):
    grant, token = register(senior)
    Grant.objects.filter(pk=grant.pk).update(
        invitation_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(GrantError) as error:
        services.grant_accept(token=token, actor=proxy)
    assert (error.value.code, error.value.status) == ("invitation_expired", 410)


def test_accepting_gives_the_proxy_role_to_an_account_without_it(senior, member_b):
    _, token = register(senior, email=member_b.email)
    grant = services.grant_accept(token=token, actor=member_b)
    member_b.refresh_from_db()
    assert member_b.is_proxy and grant.state == "pending_review"


def test_only_a_supervisor_approves_and_the_documents_are_recorded(senior, proxy, supervisor):
    _, token = register(senior)
    grant = services.grant_accept(token=token, actor=proxy)
    with pytest.raises(GrantError) as error:
        services.grant_approve(grant=grant, actor=senior, documents_checked=["運転免許証"])
    assert error.value.status == 403
    grant = services.grant_approve(
        grant=grant, actor=supervisor, documents_checked=["運転免許証", "戸籍謄本"]
    )
    assert grant.state == "active"
    assert grant.documents_checked == ["運転免許証", "戸籍謄本"]
    event = AuditEvent.objects.get(action="proxy.grant_approved")
    assert event.after["documents_checked"] == ["運転免許証", "戸籍謄本"]


def test_a_rejection_needs_a_reason_and_tells_the_member(senior, proxy, supervisor):
    _, token = register(senior)
    grant = services.grant_accept(token=token, actor=proxy)
    with pytest.raises(GrantError):
        services.grant_reject(grant=grant, actor=supervisor, reason=" ")
    grant = services.grant_reject(grant=grant, actor=supervisor, reason="本人確認書類が不鮮明")
    assert grant.state == "rejected"
    notice = Notice.objects.get(user=senior, kind="grant.rejected")
    assert "本人確認書類が不鮮明" in services.notice_text(notice.kind, notice.params)


def test_declining_ends_the_invitation(senior):
    _, token = register(senior)
    assert services.grant_decline(token=token).state == "declined"
    assert Notice.objects.filter(user=senior, kind="grant.declined").exists()


def test_suspend_and_resume_by_the_member(active_grant, senior):
    grant = services.grant_suspend(grant=active_grant, actor=senior)
    assert grant.state == "suspended"
    with pytest.raises(GrantError) as error:
        services.grant_suspend(grant=grant, actor=senior)
    assert (error.value.code, error.value.status) == ("invalid_state", 409)
    assert services.grant_resume(grant=grant, actor=senior).state == "active"


def test_the_proxy_cannot_revoke_or_change_scopes(active_grant, proxy):
    for service in (services.grant_revoke, services.grant_suspend):
        with pytest.raises(GrantError) as error:
            service(grant=active_grant, actor=proxy)
        assert error.value.status == 403
    with pytest.raises(GrantError):
        services.grant_change_scopes(grant=active_grant, actor=proxy, scopes=["inquiry.points"])


def test_changing_scopes_takes_effect_on_the_next_decision(active_grant, senior, proxy):
    services.grant_change_scopes(grant=active_grant, actor=senior, scopes=["inquiry.points"])
    decision = services.authorize(
        actor=proxy, member=senior, action="inquiry.statement", verified=True
    )
    assert decision.reason == "scope_missing"


def test_unknown_scopes_are_refused(active_grant, senior):
    with pytest.raises(GrantError) as error:
        services.grant_change_scopes(grant=active_grant, actor=senior, scopes=["cash_advance"])
    assert error.value.code == "unknown_scope"


def test_every_state_change_notifies_the_member_by_email_and_in_app(
    senior, proxy, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant, token = register(senior)
        grant = services.grant_accept(token=token, actor=proxy)
        grant = services.grant_approve(
            grant=grant, actor=supervisor, documents_checked="運転免許証"
        )
        grant = services.grant_suspend(grant=grant, actor=senior)
        grant = services.grant_resume(grant=grant, actor=supervisor)
        grant = services.grant_revoke(grant=grant, actor=senior)
    kinds = list(Notice.objects.filter(user=senior).order_by("id").values_list("kind", flat=True))
    assert kinds == [
        "grant.invited",
        "grant.accepted",
        "grant.approved",
        "grant.suspended",
        "grant.resumed",
        "grant.revoked",
    ]
    assert len([m for m in mail.outbox if m.to == [senior.email]]) == 6


def test_every_proxy_decision_is_audited_allowed_or_denied(active_grant, senior, proxy):
    services.authorize(actor=proxy, member=senior, action="inquiry.points", verified=True)
    services.authorize(actor=proxy, member=senior, action="cash_advance", verified=True)
    rows = list(AuditEvent.objects.filter(action="proxy.decision").order_by("seq"))
    assert [(r.reason, r.after["allowed"], r.after["action"]) for r in rows] == [
        ("ok", True, "inquiry.points"),
        ("not_delegable", False, "cash_advance"),
    ]
    assert all(r.subject_user_id == senior.pk and r.actor_id == proxy.pk for r in rows)


def test_a_member_acting_for_themself_is_not_logged_as_a_proxy_decision(senior):
    assert services.authorize(
        actor=senior, member=senior, action="card.close", verified=True
    ).allowed
    assert not AuditEvent.objects.filter(action="proxy.decision").exists()


def test_an_expired_grant_is_denied_without_any_job(make_grant, senior, proxy):
    make_grant(senior, proxy, ends_on=timezone.localdate() - datetime.timedelta(days=1))
    decision = services.authorize(
        actor=proxy, member=senior, action="inquiry.points", verified=True
    )
    assert decision.reason == "grant_expired"


def test_a_revoked_proxy_is_denied_at_once(active_grant, senior, proxy):
    services.grant_revoke(grant=active_grant, actor=senior)
    decision = services.authorize(
        actor=proxy, member=senior, action="inquiry.points", verified=True
    )
    assert decision.reason == "grant_revoked"


def test_a_denied_procedure_is_not_stored_but_its_decision_is_audited(make_grant, senior, proxy):
    make_grant(senior, proxy, scopes=["inquiry.points"])
    with pytest.raises(GrantError) as error:
        services.procedure_file(
            actor=proxy, member=senior, kind="lost_card", details="駅で紛失", verified=True
        )
    assert error.value.code == "scope_missing"
    assert not Procedure.objects.exists()
    assert AuditEvent.objects.filter(action="proxy.decision", reason="scope_missing").exists()


# --- verification codes and the desk -------------------------------------------------------


def test_a_code_has_eight_characters_without_look_alikes(active_grant, senior, proxy):
    codes = {services.code_issue(proxy=proxy, member=senior)[0] for _ in range(30)}
    for code in codes:
        assert len(code) == 8
        assert not set(code) & set("0O1IL2Z5S8B")
    record = VerificationCode.objects.latest("created_at")
    assert record.expires_at - record.created_at == datetime.timedelta(minutes=10)


def test_only_a_proxy_with_an_active_grant_gets_a_code(make_grant, senior, member_b, proxy):
    make_grant(senior, proxy, state="suspended")
    with pytest.raises(GrantError) as error:
        services.code_issue(proxy=proxy, member=senior)
    assert (error.value.code, error.value.status) == ("grant_paused", 403)
    with pytest.raises(GrantError) as error:
        services.code_issue(proxy=proxy, member=member_b)
    assert (error.value.code, error.value.status) == ("not_found", 404)


def check(operator, member, code, action="inquiry.statement"):
    return services.desk_check(
        operator=operator, member_number=member.member_number, code=code, action=action
    )


def test_the_desk_accepts_a_good_code_once(active_grant, senior, proxy, operator):
    code, _ = services.code_issue(proxy=proxy, member=senior)
    spaced = f"{code[:4].lower()}-{code[4:]}"
    first = check(operator, senior, spaced)
    assert (first.decision.allowed, first.decision.reason) == (True, "ok")
    assert first.decision.grant == active_grant
    assert check(operator, senior, code).decision.reason == "invalid_code"


def test_two_operators_checking_one_code_at_once_get_one_yes(
    active_grant, senior, proxy, operator, make_user, monkeypatch
):
    """The second of two checks that both read the code while it was unused loses: the code is
    spent by one conditional write, so a single-use code cannot allow two actions."""
    code, record = services.code_issue(proxy=proxy, member=senior)
    # Read before either check spends it, as the desk reads it.
    stale = selectors.verification_code(code, with_grant=connection.vendor == "sqlite")
    assert stale is not None and stale.used_at is None
    first = check(operator, senior, code)
    assert (first.decision.allowed, first.decision.reason) == (True, "ok")
    monkeypatch.setattr(selectors, "verification_code", lambda _code, **_kwargs: stale)
    second = check(make_user("operator"), senior, code)
    assert (second.decision.allowed, second.decision.reason) == (False, "invalid_code")
    reasons = AuditEvent.objects.filter(action="proxy.decision", after__via="desk")
    assert sorted(reasons.values_list("reason", flat=True)) == ["invalid_code", "ok"]


def test_a_code_is_spent_only_with_its_audit_row(
    active_grant, senior, proxy, operator, monkeypatch
):
    """The desk spends the code and appends the decision in one transaction, on either database
    (decision 0016): when the audit row cannot be written, the code is not spent either."""
    from access_support.audit import services as audit

    code, record = services.code_issue(proxy=proxy, member=senior)
    rows = AuditEvent.objects.count()

    def refuse(**_fields):
        raise RuntimeError("the audit row cannot be written")

    with monkeypatch.context() as patched:
        patched.setattr(audit, "record", refuse)
        with pytest.raises(RuntimeError):
            check(operator, senior, code)
    record.refresh_from_db()
    assert record.used_at is None and AuditEvent.objects.count() == rows
    # Then the desk spends it and records the decision, chained.
    assert check(operator, senior, code).decision.reason == "ok"
    record.refresh_from_db()
    latest = AuditEvent.objects.latest("seq")
    assert record.used_at is not None
    assert (latest.action, latest.reason, latest.after["via"]) == ("proxy.decision", "ok", "desk")
    assert audit.verify_chain().ok


def test_the_desk_refuses_an_expired_code(active_grant, senior, proxy, operator):
    code, record = services.code_issue(proxy=proxy, member=senior)
    VerificationCode.objects.filter(pk=record.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert check(operator, senior, code).decision.reason == "invalid_code"


def test_the_desk_refuses_a_code_bound_to_another_member(
    active_grant, make_grant, senior, member_b, proxy, operator
):
    make_grant(member_b, proxy)
    code, _ = services.code_issue(proxy=proxy, member=senior)
    assert check(operator, member_b, code).decision.reason == "invalid_code"
    # The check is on record against the member whose number was given, not the code's member.
    assert AuditEvent.objects.filter(action="proxy.decision").latest("seq").subject_user_id == (
        member_b.pk
    )
    # The code was not spent by the wrong check.
    assert check(operator, senior, code).decision.reason == "ok"


def test_the_desk_reports_a_missing_scope_and_never_delegable_actions(
    make_grant, senior, proxy, operator
):
    make_grant(senior, proxy, scopes=["inquiry.statement"])
    code, _ = services.code_issue(proxy=proxy, member=senior)
    assert check(operator, senior, code, "cash_advance").decision.reason == "not_delegable"
    assert check(operator, senior, code, "inquiry.points").decision.reason == "scope_missing"


def test_five_wrong_codes_lock_the_desk_for_that_member(
    active_grant, senior, proxy, operator, make_user
):
    for _ in range(5):
        assert check(operator, senior, "WRONGWRN").decision.reason == "invalid_code"
    assert AuditEvent.objects.filter(action="proxy.desk_locked", subject_user=senior).exists()
    code, _ = services.code_issue(proxy=proxy, member=senior)
    other_operator = make_user("operator")
    result = check(other_operator, senior, code)
    assert result.throttled and result.decision is None
    assert AuditEvent.objects.filter(action="proxy.desk_refused").exists()


def test_a_locked_desk_does_not_look_at_the_code(active_grant, senior, proxy, operator):
    """While the desk is locked for a member it answers before reading any code, so how fast it
    answers says nothing about the code shown; the refusal is still on record for the member."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        check(operator, senior, "WRONGWRN")
    code, _ = services.code_issue(proxy=proxy, member=senior)
    with CaptureQueriesContext(connection) as queries:
        result = check(operator, senior, code)
    assert result.throttled
    assert not [q for q in queries if "proxies_verificationcode" in q["sql"]]
    refused = AuditEvent.objects.filter(action="proxy.desk_refused").latest("seq")
    assert refused.subject_user_id == senior.pk
    # The code was not spent: once the lock is lifted it works.
    from django.core.cache import cache

    cache.clear()
    assert check(operator, senior, code).decision.reason == "ok"


def test_wrong_codes_are_throttled_per_operator_across_members(make_user, operator, settings):
    settings.PROXY_DESK_OPERATOR_FAILURES = 3
    members = [make_user("member") for _ in range(3)]
    for member in members:
        check(operator, member, "WRONGWRN")
    assert check(operator, make_user("member"), "WRONGWRN").throttled


def test_every_desk_check_is_audited(active_grant, senior, proxy, operator):
    code, _ = services.code_issue(proxy=proxy, member=senior)
    check(operator, senior, code)
    check(operator, senior, "NOPENOPE")
    rows = AuditEvent.objects.filter(action="proxy.decision", after__via="desk")
    assert sorted(rows.values_list("reason", flat=True)) == ["invalid_code", "ok"]


def test_only_operators_use_the_desk(senior, proxy):
    with pytest.raises(GrantError) as error:
        check(proxy, senior, "ABCDEFGH")
    assert error.value.status == 403


# --- revocation reaches open sockets -------------------------------------------------------


async def _close_message_after(change, proxy) -> dict:
    """Listen on the proxy's user group (in one event loop, as the Redis pub/sub layer needs),
    make the change, return what the group received."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(proxy.pk), channel)
    try:
        await database_sync_to_async(change)()
        return await asyncio.wait_for(layer.receive(channel), timeout=5)
    finally:
        await layer.group_discard(user_group(proxy.pk), channel)


@pytest.mark.django_db(transaction=True)
async def test_revoking_sends_a_close_to_the_proxys_user_group(senior, proxy, make_grant):
    grant = await database_sync_to_async(make_grant)(senior, proxy)
    message = await _close_message_after(
        lambda: services.grant_revoke(grant=grant, actor=senior), proxy
    )
    assert message == {"type": "authority.revoked", "member_id": senior.pk}


@pytest.mark.django_db(transaction=True)
async def test_suspending_also_closes_the_proxys_sockets(senior, proxy, make_grant):
    grant = await database_sync_to_async(make_grant)(senior, proxy)
    message = await _close_message_after(
        lambda: services.grant_suspend(grant=grant, actor=senior), proxy
    )
    assert message["type"] == "authority.revoked"


def test_housekeeping_stores_expired_and_tells_the_member(make_grant, senior, proxy, member_b):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    past = make_grant(senior, proxy, ends_on=yesterday)
    current = make_grant(member_b, proxy, ends_on=timezone.localdate())
    stale, _ = register(member_b, email="late@example.jp")
    Grant.objects.filter(pk=stale.pk).update(
        invitation_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.grants_expire_due() == 2
    past.refresh_from_db()
    current.refresh_from_db()
    stale.refresh_from_db()
    assert (past.state, current.state, stale.state) == ("expired", "active", "expired")
    assert Notice.objects.filter(user=senior, kind="grant.expired").exists()
    assert services.grants_expire_due() == 0


def test_the_proxy_hears_of_a_scope_change_and_of_the_end_of_their_registration(
    make_grant, senior, proxy, django_capture_on_commit_callbacks
):
    """Issue 21 item 5: every change to a proxy's grant reaches the proxy's notification centre
    and e-mail, in their language (approved, paused and ended had already; these two had not)."""
    grant = make_grant(senior, proxy)
    with django_capture_on_commit_callbacks(execute=True):
        services.grant_change_scopes(grant=grant, actor=senior, scopes=["inquiry.points"])
    changed = Notice.objects.get(user=proxy, kind="proxy.scopes_changed")
    with translation.override("ja"):
        assert "できることを変えました" in notifications.text_of(changed.kind, changed.params)
    assert [m.to for m in mail.outbox][-1:] == [[proxy.email]]
    Grant.objects.filter(pk=grant.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.grants_expire_due() == 1
    ended = Notice.objects.get(user=proxy, kind="proxy.expired")
    with translation.override("en"):
        assert "has ended" in notifications.text_of(ended.kind, ended.params)
    assert mail.outbox[-1].to == [proxy.email]


def test_the_demo_seed_is_idempotent(senior, proxy, supervisor):
    from proxies import demo

    users = {"senior": senior, "proxy": proxy, "supervisor": supervisor}
    first = demo.seed(users)
    second = demo.seed(users)
    assert first == second and "子" in first[0]
    grant = Grant.objects.get(member=senior, proxy=proxy)
    assert grant.state == "active" and len(grant.scopes) == 6
    assert services.authorize(
        actor=proxy, member=senior, action="session.book", verified=True
    ).allowed


def test_the_expire_grants_command_reports_what_it_did(make_grant, senior, proxy):
    from io import StringIO

    from django.core.management import call_command

    make_grant(senior, proxy, ends_on=timezone.localdate() - datetime.timedelta(days=2))
    out = StringIO()
    call_command("expire_grants", stdout=out)
    assert "1 grant(s) expired." in out.getvalue()
