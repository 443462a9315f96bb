"""Each report against figures worked out by hand from the `seeded` data set (conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone, translation

from access_support.audit import services as audit
from supervision import reports
from supervision.reports import Period
from tests.supervision.conftest import PERIOD_END, PERIOD_START

PERIOD = Period(PERIOD_START, PERIOD_END)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def summary(report: reports.Report) -> dict[str, Any]:
    return {str(label): value for label, value in report.summary}


def test_percentile_is_nearest_rank() -> None:
    assert reports.percentile([60, 300], 90) == 300
    assert reports.percentile(list(range(1, 11)), 90) == 9
    assert reports.percentile([], 90) is None


def test_sessions_by_mode_and_day(seeded: dict[str, Any]) -> None:
    report = reports.sessions_report(PERIOD)
    # 11/2: n1, n2 (written), b1 (sign). 11/3: n3, n4, b3 (sign), b4 (written).
    # Left out: n5 and b2 (cancelled), n6 (11/4), n7 (asked 11/1 23:50 JST).
    assert report.tables[0].rows == [["2026-11-02", 1, 2, 3], ["2026-11-03", 3, 1, 4]]
    assert summary(report) == {"Sign-language video": 4, "Written chat": 3, "All sessions": 7}


def test_wait_to_answer_median_and_90th_percentile(seeded: dict[str, Any]) -> None:
    report = reports.wait_report(PERIOD)
    # sign: 60, 300 → median 180 s = 3.0 min, p90 300 s = 5.0 min
    # written: 120, 600 → median 360 s = 6.0, p90 600 s = 10.0
    # all: 60, 120, 300, 600 → median 210 s = 3.5, p90 (rank 4) 600 s = 10.0
    assert report.tables[0].rows == [
        ["Sign-language video", 2, 3.0, 5.0],
        ["Written chat", 2, 6.0, 10.0],
        ["All modes", 4, 3.5, 10.0],
    ]
    assert summary(report)["Left the queue before an answer"] == 1


def test_no_shows_and_cancellations(seeded: dict[str, Any]) -> None:
    report = reports.no_show_report(PERIOD)
    # Bookings: sign b1, b3 (b3 never started: no-show); written b2 (cancelled), b4.
    # Talk now: sign n3, n4; written n1, n2, n5 (withdrawn).
    assert report.tables[0].rows == [
        ["Sign-language video", 2, 0, 1, 2, 0],
        ["Written chat", 2, 1, 0, 3, 1],
    ]
    assert summary(report) == {
        "Bookings cancelled": 1,
        "Bookings not attended": 1,
        "Talk-now requests withdrawn": 1,
    }


def test_handling_time(seeded: dict[str, Any]) -> None:
    report = reports.handling_report(PERIOD)
    # sign: n3 1200, n4 1800, n7 600, b1 1680 (from the slot start) → mean 1320 s = 22.0 min,
    #       median (1200 + 1680) / 2 = 1440 s = 24.0
    # written: n1 600, n2 1200, b4 1080 → mean 960 s = 16.0, median 1080 s = 18.0
    # all seven: mean 8160 / 7 = 1165.7 s = 19.4 min, median 1200 s = 20.0
    assert report.tables[0].rows == [
        ["Sign-language video", 4, 22.0, 24.0],
        ["Written chat", 3, 16.0, 18.0],
        ["All modes", 7, 19.4, 20.0],
    ]


def test_feedback_scores(seeded: dict[str, Any]) -> None:
    report = reports.feedback_report(PERIOD)
    # 5, 2, 4, 5 in the period (the 1 on 11/4 is outside) → average 4.0, two with a comment.
    assert summary(report) == {
        "Answers": 4,
        "Average score (1–5)": 4.0,
        "Answers with a comment": 2,
    }
    assert report.tables[0].rows == [[5, 2], [4, 1], [3, 0], [2, 1], [1, 0]]
    assert report.tables[1].rows == [["Sign-language video", 1, 4.0], ["Written chat", 3, 4.0]]


def test_proxy_grants_by_state_and_relationship(seeded: dict[str, Any]) -> None:
    report = reports.grants_report(PERIOD)
    headers = report.tables[0].headers
    rows = {row[0]: dict(zip(headers, row, strict=True)) for row in report.tables[0].rows}
    assert rows["Child"]["Active"] == 1
    assert rows["Child"]["Waiting for review"] == 1
    assert rows["Child"]["Total"] == 2  # the one from 10/30 is outside
    assert rows["Spouse"]["Active"] == 1
    assert rows["Grandchild"]["Revoked"] == 1
    assert rows["Parent"]["Total"] == 0
    assert summary(report) == {"Registrations": 4}


def _desk(reason: str, *, via: str = "desk") -> None:
    audit.record(
        action="proxy.decision",
        reason=reason,
        after={"action": "inquiry.points", "allowed": reason == "ok", "via": via},
    )


def test_desk_checks_allowed_and_denied_by_reason(db: Any) -> None:
    for reason in ["ok", "ok", "invalid_code", "invalid_code", "invalid_code", "scope_missing"]:
        _desk(reason)
    _desk("ok", via="web")  # a proxy acting on the web, not the desk
    audit.record(action="proxy.desk_refused", reason="desk locked after too many wrong codes")
    today = timezone.localdate()
    report = reports.desk_report(Period(today, today))
    by_code = {row[1]: (row[2], row[3]) for row in report.tables[0].rows}
    assert by_code["ok"] == ("Allowed", 2)
    assert by_code["invalid_code"] == ("Denied", 3)
    assert by_code["scope_missing"] == ("Denied", 1)
    assert by_code["desk_locked"] == ("Denied", 1)
    assert by_code["no_grant"] == ("Denied", 0)
    assert summary(report) == {"Allowed": 2, "Denied": 5}


def test_an_empty_period_reports_zeros_not_errors(db: Any) -> None:
    for slug in reports.REPORTS:
        report = reports.build(slug, PERIOD)
        assert report.tables
    assert summary(reports.wait_report(PERIOD))["Median wait (minutes)"] is None
