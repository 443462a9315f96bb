"""The member's timeline (issue 23 item 10): every event reachable, 50 a page with 44px links,
narrowed by who acted and by kind, and each desk check names the proxy, the operator and what was
asked — at a fixed number of queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from proxies import services
from proxies.scopes import ACTIONS

pytestmark = pytest.mark.django_db


def items(html: str) -> list[str]:
    listed = re.search(r'<ol class="timeline".*?</ol>', html, re.DOTALL)
    return re.findall(r"<li>(.*?)</li>", listed.group(0), re.DOTALL) if listed else []


def many_events(member: Any, count: int) -> None:
    for number in range(count):
        audit.record(
            action=AuditAction.SESSION_BOOKED,
            actor=member,
            subject_user=member,
            reason=f"event {number}",
        )


def test_every_event_is_reachable_50_a_page(signed_in: Any, senior: Any) -> None:
    many_events(senior, 120)
    client = signed_in(senior)
    first = client.get("/proxies/timeline/").content.decode()
    assert len(items(first)) == 50
    assert "全120件のうち1〜50件目" in first
    assert 'class="button-secondary" href="?page=2#history" rel="next"' in first
    assert 'rel="prev"' not in first
    third = client.get("/proxies/timeline/?page=3").content.decode()
    assert len(items(third)) == 20
    assert "3 / 3ページ" in third and 'rel="prev"' in third and 'rel="next"' not in third
    # Out of range: the last page, not an error.
    assert len(items(client.get("/proxies/timeline/?page=99").content.decode())) == 20


def test_the_filters_narrow_by_who_and_kind(
    signed_in: Any, senior: Any, proxy: Any, operator: Any, active_grant: Any
) -> None:
    services.authorize(actor=proxy, member=senior, action="cash_advance", verified=True)
    many_events(senior, 2)
    client = signed_in(senior)
    by_proxy = items(client.get("/proxies/timeline/?who=proxy").content.decode())
    assert by_proxy and all(proxy.name in item for item in by_proxy)
    mine = items(client.get("/proxies/timeline/?who=you").content.decode())
    assert mine and not any(proxy.name in item for item in mine)
    sessions = items(client.get("/proxies/timeline/?kind=sessions").content.decode())
    assert len(sessions) == 2
    asked = items(client.get("/proxies/timeline/?kind=requests&who=proxy").content.decode())
    assert len(asked) == 1 and "お断り：キャッシング" in asked[0]
    assert not items(client.get("/proxies/timeline/?kind=grants").content.decode())
    page = client.get("/proxies/timeline/?who=staff&kind=desk").content.decode()
    assert "この種類の記録は、まだありません。" in page
    assert '<option value="staff" selected>' in page
    # An unknown choice shows everything rather than an error.
    assert client.get("/proxies/timeline/?who=robot").status_code == 200


def test_a_desk_check_names_the_proxy_the_operator_and_what_was_asked(
    signed_in: Any, senior: Any, proxy: Any, operator: Any, make_grant: Any
) -> None:
    make_grant(senior, proxy, scopes=["inquiry.statement"])
    code, _ = services.code_issue(proxy=proxy, member=senior)
    for action in ("inquiry.points", "inquiry.statement"):
        services.desk_check(
            operator=operator, member_number=senior.member_number, code=code, action=action
        )
    services.desk_check(
        operator=operator,
        member_number=senior.member_number,
        code="WRONG1",
        action="inquiry.points",
    )
    html = signed_in(senior).get("/proxies/timeline/?kind=desk").content.decode()
    with translation.override("ja"):
        statement, points = str(ACTIONS["inquiry.statement"]), str(ACTIONS["inquiry.points"])
    found = items(html)
    assert len(found) == 3, found
    assert (
        f"窓口での確認：代理人の{proxy.name}さんが「{statement}」を申し出て、"
        f"{operator.name}が認めました。"
    ) in found[1]
    assert (
        f"代理人の{proxy.name}さんが「{points}」を申し出て、{operator.name}がお断りしました（"
        in (found[2])
    )
    assert (
        f"合わないコードで「{points}」の申し出がありました。{operator.name}がお断りしました"
        in (found[0])
    )


def test_the_page_has_a_fixed_number_of_queries(
    signed_in: Any,
    senior: Any,
    proxy: Any,
    operator: Any,
    make_grant: Any,
    django_assert_max_num_queries: Any,
) -> None:
    make_grant(senior, proxy, scopes=["inquiry.statement"])
    client = signed_in(senior)
    for _ in range(30):
        code, _record = services.code_issue(proxy=proxy, member=senior)
        services.desk_check(
            operator=operator,
            member_number=senior.member_number,
            code=code,
            action="inquiry.statement",
        )
    many_events(senior, 40)
    with django_assert_max_num_queries(14):
        assert client.get("/proxies/timeline/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/proxies/timeline/?page=2&kind=desk").status_code == 200
