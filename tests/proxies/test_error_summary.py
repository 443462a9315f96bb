"""The review page shows two forms (approve, reject): one error summary for both, one alert,
each line a link to its field and worded "label: message" in the page language."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def summaries(html: str) -> list[str]:
    return re.findall(r'<div class="error-summary".*?</div>', html, re.DOTALL)


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') : html.index("</main>")]


def assert_one_summary(html: str) -> str:
    """One summary, and the page content holds no other alert or autofocus (the idle-timeout
    dialog outside <main> has its own, empty, alert region)."""
    found = summaries(html)
    assert len(found) == 1, found
    assert main_of(html).count('role="alert"') == 1
    assert html.count("autofocus") == 1
    return found[0]


@pytest.mark.parametrize(
    ("language", "action", "line"),
    [
        (
            "ja",
            "approve",
            '<a href="#id_documents">確認した書類：確認した書類を選んでください。</a>',
        ),
        (
            "en",
            "approve",
            '<a href="#id_documents">Documents checked: Choose the documents you checked.</a>',
        ),
        (
            "ja",
            "reject",
            '<a href="#id_reason">理由：理由を入れてください。会員に表示されます。</a>',
        ),
        (
            "en",
            "reject",
            '<a href="#id_reason">Reason: Enter the reason. The member will see it.</a>',
        ),
    ],
)
def test_the_review_page_has_one_summary_for_its_two_forms(
    signed_in: Any,
    supervisor: Any,
    senior: Any,
    proxy: Any,
    make_grant: Any,
    language: str,
    action: str,
    line: str,
) -> None:
    grant = make_grant(senior, proxy, state="pending_review")
    client = signed_in(supervisor)
    client.cookies["as_language"] = language
    page = client.post(f"/proxies/review/{grant.pk}/", {"action": action})
    assert page.status_code == 400
    html = page.content.decode()
    summary = assert_one_summary(html)
    assert line in summary
    target = re.search(r'href="#([^"]+)"', summary)
    assert target is not None and f'id="{target.group(1)}"' in html


def test_the_review_page_shows_no_summary_before_a_post(
    signed_in: Any, supervisor: Any, senior: Any, proxy: Any, make_grant: Any
) -> None:
    grant = make_grant(senior, proxy, state="pending_review")
    html = signed_in(supervisor).get(f"/proxies/review/{grant.pk}/").content.decode()
    assert not summaries(html) and 'role="alert"' not in main_of(html)
