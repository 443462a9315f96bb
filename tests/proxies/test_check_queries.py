"""The authorisation check (a hot path for operators) runs a fixed number of queries, however
many grants and codes exist."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from proxies import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("other_pairs", [0, 25])
def test_authorisation_check_query_count_is_fixed(
    signed_in,
    operator,
    senior,
    proxy,
    make_user,
    make_grant,
    other_pairs,
    django_assert_max_num_queries,
):
    for _ in range(other_pairs):
        member, helper = make_user("member"), make_user("proxy")
        make_grant(member, helper)
        services.code_issue(proxy=helper, member=member)
    make_grant(senior, proxy)
    code, _ = services.code_issue(proxy=proxy, member=senior)
    client = signed_in(operator)
    client.get("/api/v1/me")  # the first request after sign-in starts the idle clock
    body = {"member_number": senior.member_number, "code": code, "action": "inquiry.points"}
    # 15 on SQLite (session, user, device, the check, its audit row); PostgreSQL adds the audit
    # chain's advisory lock.
    with django_assert_max_num_queries(16 if connection.vendor == "postgresql" else 15):
        response = client.post(
            "/api/v1/authorizations/check", json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 200
    assert response.json()["allowed"] is True
