"""The authorisation check (a hot path for operators) runs a fixed number of queries, however
many grants and codes exist."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access_support import speedups
from proxies import policies, selectors, services

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
    django_assert_num_queries,
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
    # 8 on SQLite: session, the second-factor device with its user; the code with its proxy,
    # its member (who holds the number given, so no read by number) and their grant (one
    # statement, decision 0014); code spent (one conditional UPDATE); the audit row (chain's
    # last link, insert); one transaction (a savepoint pair here, inside the test's) that holds
    # the spent code and its audit row together — the reads before it are outside it. On
    # PostgreSQL the grant is read apart (planning the joined read cost more than the read,
    # decision 0014) and the audit row is one statement (audit_append: the chain's lock, last
    # link and insert; decision 0011), so 8 as well: the desk's one-statement function is gone
    # (decision 0016). The grant arrives with its member and proxy. With SPEEDUPS=off django-otp's
    # stock middleware reads the device, and auth the user, apart: one more (decision 0012); on
    # PostgreSQL the audit row is then three statements (the chain's lock, last link, insert;
    # access_support/audit/services.py): two more.
    expected = 8 if speedups.enabled() else 9 + 2 * (connection.vendor == "postgresql")
    with django_assert_num_queries(expected):
        response = client.post(
            "/api/v1/authorizations/check", json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 200
    assert response.json()["allowed"] is True


@pytest.mark.parametrize("history", ["active", "revoked_then_new", "only_revoked"])
def test_decide_needs_one_query_for_the_grant_and_none_itself(
    senior, proxy, make_user, make_grant, history, django_assert_num_queries
):
    """The grant that decides is found in one query however many grants the pair has had; the
    decision itself is pure."""
    for _ in range(5):
        make_grant(make_user("member"), proxy)  # other members' grants do not count
    first = make_grant(senior, proxy)
    if history != "active":
        services.grant_revoke(grant=first, actor=senior, reason="test")
    if history == "revoked_then_new":
        make_grant(senior, proxy)
    with django_assert_num_queries(1):
        grant = selectors.grant_between(proxy, senior)
    with django_assert_num_queries(0):
        decision = policies.decide(proxy, senior, "inquiry.points", grant=grant, verified=True)
        answer = (decision.allowed, decision.reason, grant.member.pk, grant.proxy.pk)
    expected = (False, "grant_revoked") if history == "only_revoked" else (True, "ok")
    assert answer == (*expected, senior.pk, proxy.pk)


@pytest.mark.parametrize("history", ["active", "revoked_then_new", "only_revoked", "none"])
def test_the_desk_reads_the_code_and_the_deciding_grant_together(
    senior, proxy, make_user, make_grant, history, django_assert_num_queries
):
    """The desk's read finds the grant `grant_between` finds: with the code, in one statement,
    on SQLite; in a second on PostgreSQL (decision 0014)."""
    make_grant(senior, make_user("proxy"))  # another proxy's grant for the member
    first = make_grant(senior, proxy)
    code, _ = services.code_issue(proxy=proxy, member=senior)
    if history == "none":
        first.delete()
    if history in ("revoked_then_new", "only_revoked"):
        services.grant_revoke(grant=first, actor=senior, reason="test")
    if history == "revoked_then_new":
        make_grant(senior, proxy)
    expected = selectors.grant_between(proxy, senior)
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        member, found, grant = selectors.desk_lookup(senior.member_number, code)
        names = (grant.member.username, grant.proxy.username) if grant else None
    assert member == senior and found is not None and found.proxy == proxy
    assert grant == expected
    if history == "none":
        assert grant is None
    else:
        assert grant is not None and names == (senior.username, proxy.username)
        assert grant.state == ("revoked" if history == "only_revoked" else "active")


@pytest.mark.parametrize("other_grants", [0, 25])
def test_authorize_service_query_count_is_fixed(
    senior, proxy, make_user, make_grant, other_grants, django_assert_num_queries
):
    """authorize = decide + its audit row: the grant, the chain's last link and the insert —
    three statements, plus one savepoint pair (authorize's transaction, inside the test's; the
    audit write takes none of its own); on PostgreSQL the chain's lock, last link and insert
    are one statement (audit_append), so four; six with SPEEDUPS=off (lock, last link and
    insert apart)."""
    for _ in range(other_grants):
        make_grant(make_user("member"), proxy)
    make_grant(senior, proxy)
    on_postgresql = connection.vendor == "postgresql"
    expected = (4 if speedups.enabled() else 6) if on_postgresql else 5
    with django_assert_num_queries(expected):
        decision = services.authorize(
            actor=proxy, member=senior, action="inquiry.points", verified=True
        )
    assert decision.allowed


def test_a_code_arrives_with_its_proxy_in_one_query(make_user, make_grant) -> None:
    member, helper = make_user("member"), make_user("proxy")
    make_grant(member, helper)
    code, issued = services.code_issue(proxy=helper, member=member)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.verification_code(code.lower())
        assert found is not None
        assert (found.pk, found.proxy.username) == (issued.pk, helper.username)
    assert len(queries) == 1
    assert selectors.verification_code("ZZZZ-ZZZZ") is None
