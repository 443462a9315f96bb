"""Issue 21 item 1: time to first response and to done, by kind of request, as a report beside
the others (chart, data table, CSV). Figures worked out by hand; times relative to a day of the
chosen period, so the test does not depend on today's date or hour."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from proxies.models import Procedure, ProcedureKind, ProcedureStatus
from supervision import reports
from supervision.reports import Period

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def period_with_requests(senior: Any, supervisor: Any) -> Period:
    day = timezone.localdate() - datetime.timedelta(days=10)
    base = datetime.datetime.combine(day, datetime.time(10), tzinfo=JST)
    hour = datetime.timedelta(hours=1)

    def make(kind: str, status: str, first: float | None, closed: float | None) -> None:
        Procedure.objects.create(
            kind=kind,
            details="x",
            on_behalf_of=senior,
            filed_by=senior,
            status=status,
            created_at=base,
            claimed_by=None if status == ProcedureStatus.RECEIVED else supervisor,
            claimed_at=None if first is None else base + first * hour,
            first_response_at=None if first is None else base + first * hour,
            closed_at=None if closed is None else base + closed * hour,
        )

    # Lost card: answered after 1 h and 3 h; done after 2 h and 5 h (declined counts as an end).
    make(ProcedureKind.LOST_CARD, ProcedureStatus.DONE, 1, 2)
    make(ProcedureKind.LOST_CARD, ProcedureStatus.DECLINED, 3, 5)
    # Address change: one answered after 24 h and still in progress, one not yet taken.
    make(ProcedureKind.ADDRESS_CHANGE, ProcedureStatus.IN_PROGRESS, 24, None)
    make(ProcedureKind.ADDRESS_CHANGE, ProcedureStatus.RECEIVED, None, None)
    # Filed before the period: left out.
    Procedure.objects.filter(
        pk=Procedure.objects.create(
            kind=ProcedureKind.LOST_CARD, details="x", on_behalf_of=senior, filed_by=senior
        ).pk
    ).update(created_at=base - datetime.timedelta(days=3))
    return Period(day, day)


def test_time_to_first_response_and_to_done_by_kind(period_with_requests: Period) -> None:
    report = reports.procedures_report(period_with_requests)
    rows = {row[0]: row for row in report.tables[0].rows}
    # kind: filed, not taken, median first (h), p90 first, ended, median done (h), p90 done
    assert rows["Report a lost or stolen card"][1:] == [2, 0, 2.0, 3.0, 2, 3.5, 5.0]
    assert rows["Change of address or contact details"][1:] == [2, 1, 24.0, 24.0, 0, None, None]
    assert rows["Every kind"][1:] == [4, 1, 3.0, 24.0, 2, 3.5, 5.0]
    assert rows["Change of payment method"][1:] == [0, 0, None, None, 0, None, None]
    summary = {str(label): value for label, value in report.summary}
    assert summary["Requests filed"] == 4
    assert summary["Median time to done (hours)"] == 3.5
    bars = dict(report.charts[0].bars)
    assert bars["Report a lost or stolen card: first response"] == 2.0
    assert bars["Report a lost or stolen card: done"] == 3.5


def test_the_report_page_has_the_chart_the_table_and_the_csv(
    period_with_requests: Period, signed_in: Any, supervisor: Any
) -> None:
    client = signed_in(supervisor)
    query = period_with_requests.query()
    index = client.get(f"/supervision/reports/?{query}").content.decode()
    assert "/supervision/reports/procedures/" in index
    page = client.get(f"/supervision/reports/procedures/?{query}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'role="img"' in html and 'aria-describedby="chart-1-table"' in html
    assert "最初の対応までの中央値（時間）" in html  # the data table, in Japanese by default
    csv = client.get(f"/supervision/reports/procedures.csv?{query}")
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "紛失" in text and "3.5" in text
