"""JSON API v1 for grants, codes and the authorisation check: status and error codes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from access_support.audit.models import AuditEvent
from proxies import services
from proxies.models import Grant

pytestmark = pytest.mark.django_db


def post(client, path, body=None):
    return client.post(path, data=json.dumps(body or {}), content_type="application/json")


GRANT_BODY = {
    "proxy_email": "helper@example.jp",
    "proxy_name": "山田 太郎",
    "relationship": "子",
    "scopes": ["inquiry.statement", "session.book"],
}


def test_a_member_registers_a_proxy_and_gets_the_grant(signed_in, senior):
    body = {**GRANT_BODY, "ends_on": "2099-03-31", "proxy_name_reading": "やまだ  たろう"}
    response = post(signed_in(senior), "/api/v1/grants", body)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "member_number": "1234567890",
        "proxy": {
            "name": "山田 太郎",
            "name_reading": "やまだ たろう",
            "email": "helper@example.jp",
        },
        "relationship": "子",
        "scopes": ["inquiry.statement", "session.book"],
        "state": "invited",
        "ends_on": "2099-03-31",
    }


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"scopes": ["cash_advance"]}, 400, "unknown_scope"),
        ({"scopes": []}, 400, "invalid_scopes"),
        ({"relationship": "友人"}, 400, "invalid_relationship"),
        ({"proxy_email": "not-an-email"}, 400, "invalid_field"),
        ({"proxy_name": ""}, 400, "invalid_field"),
        ({"ends_on": "2001-01-01"}, 400, "invalid_end_date"),
        ({"ends_on": "next week"}, 400, "invalid_field"),
        ({"proxy_email": "senior@example.jp"}, 400, "self_proxy"),
    ],
)
def test_registration_errors_have_codes(signed_in, senior, change, status, code):
    response = post(signed_in(senior), "/api/v1/grants", {**GRANT_BODY, **change})
    assert (response.status_code, response.json()["error"]) == (status, code)


def test_the_fourth_grant_is_a_conflict(signed_in, senior):
    client = signed_in(senior)
    for n in range(3):
        assert (
            post(
                client, "/api/v1/grants", {**GRANT_BODY, "proxy_email": f"p{n}@example.jp"}
            ).status_code
            == 201
        )
    response = post(client, "/api/v1/grants", GRANT_BODY)
    assert (response.status_code, response.json()["error"]) == (409, "grant_limit")


def test_only_members_register_proxies(signed_in, proxy):
    assert post(signed_in(proxy), "/api/v1/grants", GRANT_BODY).status_code == 403


def test_the_api_needs_sign_in_and_the_second_factor(senior):
    assert Client().get("/api/v1/grants").json()["error"] == "not_authenticated"
    client = Client()
    client.force_login(senior)
    response = client.get("/api/v1/grants")
    assert (response.status_code, response.json()["error"]) == (401, "otp_required")


def test_grants_lists_those_where_i_am_member_or_proxy(
    signed_in, senior, member_b, proxy, make_grant
):
    mine = make_grant(senior, proxy)
    make_grant(member_b, None, state="invited")
    for user in (senior, proxy):
        ids = [g["id"] for g in signed_in(user).get("/api/v1/grants").json()["grants"]]
        assert ids == [mine.pk]
    assert signed_in(member_b).get("/api/v1/grants").json()["grants"][0]["id"] != mine.pk


def test_accept_twice_is_gone(signed_in, senior, proxy, make_user):
    _, token = services.grant_register(
        actor=senior,
        member=senior,
        **{
            "proxy_name": "山田 太郎",
            "proxy_email": proxy.email,
            "relationship": "子",
            "scopes": ["inquiry.points"],
        },
    )
    first = post(signed_in(proxy), "/api/v1/grants/accept", {"token": token})
    assert (first.status_code, first.json()["state"]) == (200, "pending_review")
    second = post(signed_in(make_user("proxy")), "/api/v1/grants/accept", {"token": token})
    assert (second.status_code, second.json()["error"]) == (410, "invitation_used")
    unknown = post(signed_in(proxy), "/api/v1/grants/accept", {"token": "nope"})
    assert unknown.status_code == 404


def test_approve_and_reject_are_for_supervisors(
    signed_in, senior, proxy, supervisor, make_grant, stranger
):
    grant = make_grant(senior, proxy, state="pending_review")
    path = f"/api/v1/grants/{grant.pk}/approve"
    assert post(signed_in(stranger), path, {"documents_checked": ["x"]}).status_code == 404
    assert post(signed_in(senior), path, {"documents_checked": ["x"]}).status_code == 403
    assert post(signed_in(supervisor), path, {}).json()["error"] == "invalid_field"
    ok = post(signed_in(supervisor), path, {"documents_checked": ["運転免許証"]})
    assert (ok.status_code, ok.json()["state"]) == (200, "active")
    again = post(signed_in(supervisor), f"/api/v1/grants/{grant.pk}/reject", {"reason": "x"})
    assert (again.status_code, again.json()["error"]) == (409, "invalid_state")


@pytest.mark.parametrize("verb", ["revoke", "suspend"])
def test_owner_allowed_stranger_404_wrong_role_403(
    signed_in, senior, proxy, stranger, active_grant, verb
):
    path = f"/api/v1/grants/{active_grant.pk}/{verb}"
    assert post(signed_in(stranger), path).status_code == 404
    assert post(signed_in(proxy), path).status_code == 403
    response = post(signed_in(senior), path)
    assert response.status_code == 200
    assert response.json()["state"] == {"revoke": "revoked", "suspend": "suspended"}[verb]


def test_a_missing_grant_is_the_same_404_as_someone_elses(signed_in, stranger, active_grant):
    client = signed_in(stranger)
    theirs = post(client, f"/api/v1/grants/{active_grant.pk}/revoke")
    missing = post(client, "/api/v1/grants/999999/revoke")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


def test_a_supervisor_suspends_and_resumes(signed_in, supervisor, active_grant):
    client = signed_in(supervisor)
    assert post(client, f"/api/v1/grants/{active_grant.pk}/suspend").json()["state"] == "suspended"
    assert post(client, f"/api/v1/grants/{active_grant.pk}/resume").json()["state"] == "active"


def test_resuming_an_active_grant_is_a_conflict(signed_in, senior, active_grant):
    response = post(signed_in(senior), f"/api/v1/grants/{active_grant.pk}/resume")
    assert (response.status_code, response.json()["error"]) == (409, "invalid_state")


def test_a_proxy_gets_a_code_only_with_an_active_grant(signed_in, senior, proxy, make_grant):
    grant = make_grant(senior, proxy, state="suspended")
    client = signed_in(proxy)
    refused = post(client, "/api/v1/proxies/codes", {"member_number": "1234567890"})
    assert (refused.status_code, refused.json()["error"]) == (403, "grant_paused")
    Grant.objects.filter(pk=grant.pk).update(state="active")
    made = post(client, "/api/v1/proxies/codes", {"member_number": "1234-567-890"})
    assert made.status_code == 201
    assert len(made.json()["code"]) == 8
    assert "+09:00" in made.json()["expires_at"]


def test_a_proxy_asking_about_another_member_gets_the_same_404_as_for_nobody(
    signed_in, proxy, active_grant, member_b
):
    client = signed_in(proxy)
    other = post(client, "/api/v1/proxies/codes", {"member_number": member_b.member_number})
    nobody = post(client, "/api/v1/proxies/codes", {"member_number": "0000000000"})
    assert other.status_code == nobody.status_code == 404
    assert other.json() == nobody.json()


def test_the_authorization_check_answers_with_the_decision(
    signed_in, senior, proxy, operator, active_grant
):
    code = post(signed_in(proxy), "/api/v1/proxies/codes", {"member_number": "1234567890"}).json()[
        "code"
    ]
    client = signed_in(operator)
    response = post(
        client,
        "/api/v1/authorizations/check",
        {"member_number": "1234567890", "code": code, "action": "inquiry.statement"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["allowed"], body["reason"], body["grant"]["id"]) == (True, "ok", active_grant.pk)
    used = post(
        client,
        "/api/v1/authorizations/check",
        {"member_number": "1234567890", "code": code, "action": "inquiry.statement"},
    )
    assert used.json() == {"allowed": False, "reason": "invalid_code", "grant": None}


def test_the_authorization_check_errors(signed_in, proxy, operator):
    client = signed_in(operator)
    unknown = post(
        client,
        "/api/v1/authorizations/check",
        {"member_number": "1234567890", "code": "ABCDEFGH", "action": "fly"},
    )
    assert (unknown.status_code, unknown.json()["error"]) == (400, "unknown_action")
    missing = post(client, "/api/v1/authorizations/check", {"member_number": "1234567890"})
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_field")
    nobody = post(
        client,
        "/api/v1/authorizations/check",
        {"member_number": "0000000000", "code": "ABCDEFGH", "action": "inquiry.points"},
    )
    assert nobody.json()["reason"] == "unknown_member"
    wrong_role = post(
        signed_in(proxy),
        "/api/v1/authorizations/check",
        {"member_number": "1234567890", "code": "ABCDEFGH", "action": "inquiry.points"},
    )
    assert wrong_role.status_code == 403


def test_a_locked_desk_answers_429(signed_in, senior, operator, active_grant):
    client = signed_in(operator)
    body = {"member_number": "1234567890", "code": "WRONGWRN", "action": "inquiry.points"}
    for _ in range(5):
        assert post(client, "/api/v1/authorizations/check", body).status_code == 200
    locked = post(client, "/api/v1/authorizations/check", body)
    assert (locked.status_code, locked.json()["error"]) == (429, "throttled")


def test_me_lists_the_members_a_proxy_may_act_for(
    signed_in, proxy, active_grant, make_grant, member_b
):
    make_grant(member_b, proxy, state="suspended")
    acting_for = signed_in(proxy).get("/api/v1/me").json()["acting_for"]
    assert acting_for == [
        {"member_number": "1234567890", "name": "山田 花子", "scopes": active_grant.scopes}
    ]


def test_wrong_methods_are_405(signed_in, senior):
    assert signed_in(senior).get("/api/v1/grants/accept").status_code == 405


def test_api_decisions_are_audited(signed_in, operator, senior):
    post(
        signed_in(operator),
        "/api/v1/authorizations/check",
        {"member_number": "1234567890", "code": "ABCDEFGH", "action": "inquiry.points"},
    )
    assert AuditEvent.objects.filter(action="proxy.decision", subject_user=senior).count() == 1


def test_an_operator_registers_for_a_member_by_number(signed_in, operator, senior):
    client = signed_in(operator)
    made = post(client, "/api/v1/grants", {**GRANT_BODY, "member_number": "1234-567-890"})
    assert (made.status_code, made.json()["member_number"]) == (201, "1234567890")
    missing = post(client, "/api/v1/grants", {**GRANT_BODY, "member_number": "0000000000"})
    assert missing.status_code == 404
    assert post(client, "/api/v1/grants", GRANT_BODY).status_code == 403
