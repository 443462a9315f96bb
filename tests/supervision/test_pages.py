"""The console's pages: home, report pages (charts with tables), CSV, speed with 10,000 rows."""

from __future__ import annotations

import csv
import datetime
import io
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from proxies.models import Grant
from signlanguage.models import Feedback, Session, Shift
from supervision import reports
from tests.supervision.conftest import PERIOD_END, PERIOD_START

PERIOD_QUERY = reports.Period(PERIOD_START, PERIOD_END).query()


def test_home_shows_waiting_grants_oldest_first_with_waiting_time(
    supervisor: Any,
    senior: Any,
    member_b: Any,
    operator: Any,
    flagged_session: Any,
    signed_in: Callable[[Any], Any],
    django_assert_max_num_queries: Any,
) -> None:
    now = timezone.now()
    for member, name, days in [(senior, "新しい 代理", 1), (member_b, "古い 代理", 5)]:
        Grant.objects.create(
            member=member,
            proxy_name=name,
            proxy_email=f"{days}@example.jp",
            relationship="子",
            state="pending_review",
            updated_at=now - datetime.timedelta(days=days),
        )
    Shift.objects.create(
        operator=operator,
        start=now - datetime.timedelta(hours=1),
        end=now + datetime.timedelta(hours=2),
    )
    client = signed_in(supervisor)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("supervision:home")).content.decode()
    assert page.index("古い 代理") < page.index("新しい 代理")
    assert "5日" in page  # how long the oldest has waited
    assert operator.name in page  # on shift now
    assert reverse("supervision:abuse-detail", args=[flagged_session.pk]) in page
    assert page.count("<h1") == 1


def _for_period(client: Any, view: str, slug: str) -> Any:
    """GET the `view` ("report" or "report-csv") of the report `slug` for PERIOD."""
    return client.get(reverse(f"supervision:{view}", args=[slug]) + "?" + PERIOD_QUERY)


@pytest.mark.parametrize("slug", list(reports.REPORTS))
def test_report_page_has_charts_each_with_a_table(
    slug: str, seeded: dict[str, Any], supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    response = _for_period(signed_in(supervisor), "report", slug)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<h1") == 1
    assert page.count("<svg") >= 1
    assert page.count('role="img"') == page.count("<svg")
    assert "<table>" in page
    assert reverse("supervision:report-csv", args=[slug]) in page


def test_sessions_report_page_shows_the_seeded_numbers(
    seeded: dict[str, Any], supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    page = _for_period(signed_in(supervisor), "report", "sessions").content.decode()
    assert '<th scope="row">2026-11-03</th><td class="number">3</td>' in page


def test_period_accepts_full_width_digits_and_rejects_a_reversed_one(
    supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    client = signed_in(supervisor)
    url = reverse("supervision:report", args=["sessions"])
    fine = client.get(
        url,
        {
            "start_year": "２０２６",
            "start_month": "１１",
            "start_day": "２",
            "end_year": "2026",
            "end_month": "11",
            "end_day": "3",
        },
    )
    assert "2026-11-02" in fine.content.decode()
    reversed_period = client.get(
        url,
        {
            "start_year": "2026",
            "start_month": "11",
            "start_day": "5",
            "end_year": "2026",
            "end_month": "11",
            "end_day": "3",
        },
    )
    assert reversed_period.status_code == 200
    assert 'role="alert"' in reversed_period.content.decode()
    assert "<svg" not in reversed_period.content.decode()


def test_csv_has_a_bom_and_japanese_intact(
    seeded: dict[str, Any], supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    response = _for_period(signed_in(supervisor), "report-csv", "grants")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["代理人の登録（状態別・続柄別）"]
    child = next(row for row in rows if row and row[0] == "子")
    assert child[-1] == "2"


def test_feedback_csv_keeps_japanese_labels(
    seeded: dict[str, Any], supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    body = _for_period(signed_in(supervisor), "report-csv", "feedback").content.decode("utf-8-sig")
    assert "平均点（1〜5）,4.0" in body


def test_unknown_report_is_404(supervisor: Any, signed_in: Callable[[Any], Any]) -> None:
    assert signed_in(supervisor).get("/supervision/reports/nope/").status_code == 404


@pytest.fixture
def ten_thousand_sessions(make_user: Callable[..., Any], operator: Any) -> None:
    """10,000 sessions over the last 30 days, 2,000 of them with feedback."""
    customers = [make_user("member") for _ in range(20)]
    operators = [operator, *[make_user("operator") for _ in range(9)]]
    now = timezone.now()
    rows = []
    for i in range(10_000):
        created = now - datetime.timedelta(minutes=4 * i)
        taken = created + datetime.timedelta(seconds=30 + (i * 37) % 900)
        closed = taken + datetime.timedelta(seconds=300 + (i * 53) % 1800)
        booked = i % 5 == 0
        start = created.replace(second=0, microsecond=0) if booked else None
        rows.append(
            Session(
                customer=customers[i % 20],
                booked_by=customers[i % 20],
                mode="sign_language" if i % 3 else "written_chat",
                kind="booked" if booked else "now",
                state="cancelled" if i % 17 == 0 else "closed",
                topic="お支払い",
                operator=operators[i % 10],
                start=start,
                end=start + datetime.timedelta(minutes=30) if start else None,
                taken_at=taken,
                closed_at=closed,
                summary="",
            )
        )
    sessions = Session.objects.bulk_create(rows, batch_size=2000)
    Feedback.objects.bulk_create(
        [
            Feedback(session=s, author=s.customer, rating=1 + i % 5, comment="ありがとう")
            for i, s in enumerate(sessions[:2000])
        ],
        batch_size=2000,
    )


@pytest.fixture
def supervisor_client(supervisor: Any, signed_in: Callable[[Any], Any]) -> Any:
    return signed_in(supervisor)


@pytest.mark.parametrize("slug", ["sessions", "wait", "handling", "feedback", "no-shows"])
def test_report_with_ten_thousand_sessions_is_fast_and_bounded(
    slug: str,
    ten_thousand_sessions: None,
    supervisor_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    url = reverse("supervision:report", args=[slug])
    supervisor_client.get(url)  # warm the template cache and the session
    started = time.perf_counter()
    with django_assert_max_num_queries(12) as captured:
        response = supervisor_client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 1.0, f"{slug}: {elapsed:.3f} s"
    print(f"\n{slug}: {elapsed * 1000:.0f} ms, {len(captured)} queries")


def test_home_with_ten_thousand_sessions_is_bounded(
    ten_thousand_sessions: None,
    supervisor_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    with django_assert_max_num_queries(14):
        assert supervisor_client.get(reverse("supervision:home")).status_code == 200


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_link_on_the_home_page_has_its_own_name(
    supervisor: Any, signed_in: Callable[[Any], Any], language: str
) -> None:
    """Two buttons that read the same but lead to different pages (once: 'Operators' and
    'Operator shifts' both read オペレーター) leave a supervisor guessing (WCAG 2.4.4)."""
    import re
    from html import unescape

    client = signed_in(supervisor)
    client.cookies["as_language"] = language
    body = client.get(reverse("supervision:home")).content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    links: dict[str, set[str]] = {}
    for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', main, re.S):
        name = " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
        links.setdefault(name, set()).add(href.split("?")[0])
    assert {name: hrefs for name, hrefs in links.items() if len(hrefs) > 1} == {}
    assert len(links) >= 7
