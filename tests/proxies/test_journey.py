"""The whole Senior Support journey, as the people involved would live it."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from access_support.audit.models import AuditEvent
from access_support.notifications import services as notifications
from access_support.notifications.models import Notice
from proxies.models import Procedure

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_register_accept_approve_act_check_and_revoke(
    signed_in, senior, supervisor, operator, django_capture_on_commit_callbacks
):
    def committed():
        return django_capture_on_commit_callbacks(execute=True)

    member = signed_in(senior)
    notices = lambda: list(  # noqa: E731
        Notice.objects.filter(user=senior).order_by("id").values_list("kind", flat=True)
    )

    # 1. The member registers her son; he is e-mailed a single-use link.
    with committed():
        response = post(
            member,
            "/api/v1/grants",
            {
                "proxy_email": "taro@example.jp",
                "proxy_name": "山田 太郎",
                "relationship": "子",
                "scopes": ["inquiry.statement", "procedure.address_change"],
            },
        )
    assert response.status_code == 201
    grant_id = response.json()["id"]
    invitation = mails_to("taro@example.jp")[0]
    link = re.search(r"/proxies/invitations/[\w-]+/", invitation.body).group(0)
    assert notices() == ["grant.invited"]

    # 2. He opens the link before signing in, makes an account and finishes the second factor.
    son = Client()
    assert "代理人" in son.get(link).content.decode()
    with committed():
        response = son.post(
            link,
            {"action": "create_account", "username": "taro", "password": "kazoku-no-himitsu-7"},
        )
    assert response.status_code == 302 and "/accounts/otp/" in response["Location"]
    sign_in_mail = mails_to("taro@example.jp")[-1]
    token = re.search(r"確認コード：(\d+)", sign_in_mail.body).group(1)  # in his language
    response = son.post(response["Location"], {"token": token})
    assert response.status_code == 302
    with committed():
        accepted = son.post(link, {"action": "accept"})
    assert accepted.status_code == 200
    assert notices()[-1] == "grant.accepted"
    # The link works once.
    assert son.get(link).status_code == 410

    # 3. A supervisor checks his documents and approves.
    with committed():
        response = post(
            signed_in(supervisor),
            f"/api/v1/grants/{grant_id}/approve",
            {"documents_checked": ["運転免許証", "戸籍謄本"]},
        )
    assert response.json()["state"] == "active"
    assert notices()[-1] == "grant.approved"

    # 4. He acts for his mother and files an address change.
    assert son.post(f"/proxies/act/{senior.pk}/").status_code == 302
    with committed():
        son.post(
            "/proxies/procedures/new/",
            {"kind": "address_change", "details": "新住所：東京都港区1-2-3"},
        )
    procedure = Procedure.objects.get()
    assert procedure.on_behalf_of == senior and procedure.filed_by.username == "taro"
    assert notices()[-1] == "procedure.filed"

    # 5. He calls the desk with a code: allowed for statements, not for points, never cash.
    desk = signed_in(operator)

    def check(action):
        code = post(son, "/api/v1/proxies/codes", {"member_number": "1234567890"}).json()["code"]
        return post(
            desk,
            "/api/v1/authorizations/check",
            {"member_number": "1234567890", "code": code, "action": action},
        ).json()

    assert check("inquiry.statement")["reason"] == "ok"
    assert check("inquiry.points")["reason"] == "scope_missing"
    assert check("cash_advance")["reason"] == "not_delegable"

    # 6. His mother sees all of it in her timeline.
    timeline = member.get("/proxies/timeline/").content.decode()
    assert "新住所" in timeline and "代理人が承認されました" in timeline

    # 7. She revokes; his next requests are denied.
    with committed():
        response = post(member, f"/api/v1/grants/{grant_id}/revoke", {})
    assert response.json()["state"] == "revoked"
    assert notices()[-1] == "grant.revoked"
    refused = post(son, "/api/v1/proxies/codes", {"member_number": "1234567890"})
    assert (refused.status_code, refused.json()["error"]) == (403, "grant_revoked")
    son.post("/proxies/procedures/new/", {"kind": "address_change", "details": "再度"})
    assert Procedure.objects.count() == 1
    assert "acting-banner" not in son.get("/").content.decode()

    # Every step is in the audit log, in the member's name; she had an e-mail for each.
    actions = set(AuditEvent.objects.filter(subject_user=senior).values_list("action", flat=True))
    assert {
        "proxy.grant_invited",
        "proxy.grant_accepted",
        "proxy.grant_approved",
        "proxy.procedure_filed",
        "proxy.code_issued",
        "proxy.decision",
        "proxy.grant_revoked",
    } <= actions
    assert len(mails_to(senior.email)) == len(notices()) == 5

    # 8. Her notification centre lists each step, newest first, all unread until she reads them
    # (the header counts them); the son's filing carries "this wasn't me".
    centre = member.get("/notices/").content.decode()
    shown = [
        centre.index(notifications.text_of(kind, params))
        for kind, params in Notice.objects.filter(user=senior)
        .order_by("-created_at", "-id")
        .values_list("kind", "params")
    ]
    assert shown == sorted(shown) and len(shown) == 5
    assert "（未読 5件）" in centre
    filed = Notice.objects.get(user=senior, kind="procedure.filed")
    assert f'action="/proxies/notices/{filed.pk}/not-me/"' in centre
    member.post("/notices/read/")
    assert 'data-unread-count="0"' in member.get("/notices/").content.decode()
