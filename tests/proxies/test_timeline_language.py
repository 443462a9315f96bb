"""Issue 23 item 8: the timeline on an English page shows dates the English way (no 年/月/日) and
ASCII brackets; Japanese that people wrote (names, a request's details) is marked lang="ja"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from access_support.audit.models import AuditEvent
from access_support.formatting import format_datetime
from proxies import services
from proxies.models import Procedure

pytestmark = pytest.mark.django_db
FULL_WIDTH = re.compile(r"[（）【】「」]")


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') : html.index("</main>")]


def without_japanese_parts(html: str) -> str:
    """The page's own words: what is marked lang="ja" (names, what people wrote) is theirs."""
    return re.sub(r'<span lang="ja">.*?</span>', "", html, flags=re.DOTALL)


@pytest.fixture
def history(senior: Any, proxy: Any, operator: Any, make_grant: Any) -> Any:
    grant = make_grant(senior, proxy, scopes=["inquiry.statement"])
    code, _ = services.code_issue(proxy=proxy, member=senior)
    for action in ("inquiry.points", "inquiry.statement"):
        services.desk_check(
            operator=operator, member_number=senior.member_number, code=code, action=action
        )
    services.authorize(actor=proxy, member=senior, action="cash_advance", verified=True)
    Procedure.objects.create(
        on_behalf_of=senior, filed_by=proxy, kind="address_change", details="東京都港区（転居）"
    )
    services.grant_revoke(grant=grant, actor=senior, reason="自分でできるようになった")
    return grant


def test_the_english_timeline_has_no_japanese_dates_or_full_width_brackets(
    signed_in: Any, senior: Any, proxy: Any, history: Any
) -> None:
    client = signed_in(senior)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = main_of(client.get("/proxies/timeline/").content.decode())
    assert '<ol class="timeline"' in html
    own = without_japanese_parts(html)
    assert not re.search(r"[年月日]", own), re.findall(r".{30}[年月日].{10}", own)
    assert not FULL_WIDTH.search(own), FULL_WIDTH.findall(own)
    now = timezone.localtime(AuditEvent.objects.latest("seq").created_at)  # Japan time
    assert f"{now:%a} " in html and f" {now.year} " in html  # Thu 3 Dec 2026 10:00
    # Names and what people wrote are marked as Japanese.
    assert f' (<span lang="ja">{proxy.name}</span>)' in html
    assert '<span lang="ja">東京都港区（転居）</span>' in html


def test_the_japanese_timeline_keeps_the_japanese_dates_and_marks_nothing(
    signed_in: Any, senior: Any, history: Any
) -> None:
    html = main_of(signed_in(senior).get("/proxies/timeline/").content.decode())
    now = timezone.localtime(AuditEvent.objects.latest("seq").created_at)  # Japan time
    assert f"{now:%Y}年" in html and "（" in html
    assert 'lang="ja"' not in html
    # The house format, with the weekday: 2026年12月3日(木) 10:00.
    assert format_datetime(now)[:-6] in html
