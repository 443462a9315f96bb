"""Issue 26 item 10: a desk check refused for the action leaves the code usable (the code proves
the proxy is at the desk; a refusal does not use that proof); only an allowed action spends it,
and the desk says which."""

from __future__ import annotations

import pytest

from proxies import services
from proxies.models import VerificationCode

pytestmark = pytest.mark.django_db


def check(operator, member, code, action):
    return services.desk_check(
        operator=operator, member_number=member.member_number, code=code, action=action
    )


def test_a_wrong_action_does_not_use_up_the_code(make_grant, senior, proxy, operator):
    make_grant(senior, proxy, scopes=["inquiry.statement"])
    code, record = services.code_issue(proxy=proxy, member=senior)
    assert check(operator, senior, code, "inquiry.points").decision.reason == "scope_missing"
    record.refresh_from_db()
    assert record.used_at is None
    # The right action next: allowed (it was `invalid_code` when the refusal spent the code).
    right = check(operator, senior, code, "inquiry.statement")
    assert (right.decision.allowed, right.decision.reason) == (True, "ok")
    # An allowed action spends it: single use.
    assert check(operator, senior, code, "inquiry.statement").decision.reason == "invalid_code"


def test_a_paused_grant_refusal_leaves_the_code_for_after_the_resume(
    make_grant, senior, proxy, operator
):
    grant = make_grant(senior, proxy, scopes=["inquiry.statement"])
    code, _ = services.code_issue(proxy=proxy, member=senior)
    grant.state = "suspended"
    grant.save()
    assert check(operator, senior, code, "inquiry.statement").decision.reason == "grant_paused"
    grant.state = "active"
    grant.save()
    assert check(operator, senior, code, "inquiry.statement").decision.allowed


def test_the_desk_page_says_what_became_of_the_code(signed_in, make_grant, senior, proxy, operator):
    make_grant(senior, proxy, scopes=["inquiry.statement"])
    code, record = services.code_issue(proxy=proxy, member=senior)
    client = signed_in(operator)
    body = {"member_number": senior.member_number, "code": code}
    refused = client.post("/proxies/desk/", body | {"action": "inquiry.points"}).content.decode()
    assert "使用済みになっていません" in refused
    allowed = client.post("/proxies/desk/", body | {"action": "inquiry.statement"}).content.decode()
    assert "<code>ok</code>" in allowed and "新しいコード" in allowed
    assert VerificationCode.objects.get(pk=record.pk).used_at is not None
