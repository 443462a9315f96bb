"""The voice of the customer list as a CSV file a spreadsheet opens with Japanese intact."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.urls import reverse

from signlanguage.booking.availability import JST
from supervision.models import VoiceItem

pytestmark = pytest.mark.django_db

URL = reverse("supervision:voice-csv")


@pytest.fixture
def items(flagged_session: Any, make_feedback: Any, supervisor: Any) -> list[VoiceItem]:
    feedback = make_feedback(flagged_session, 2, '=HYPERLINK("x")')
    made = [
        VoiceItem.objects.create(
            source="summary",
            session=flagged_session,
            text="予約画面の文字を大きくしてほしい、とのこと。\n二行目",
            tag="request",
            topic="予約",
            status="planned",
            improvement_note="12月に文字を大きくします",
            tagged_by=supervisor,
            created_at=datetime.datetime(2026, 11, 20, 10, 5, tzinfo=JST),
            updated_at=datetime.datetime(2026, 11, 22, 9, 0, tzinfo=JST),
        ),
        VoiceItem.objects.create(
            source="feedback",
            session=flagged_session,
            feedback=feedback,
            text=feedback.comment,
            tag="complaint",
            topic="待ち時間",
            tagged_by=supervisor,
            created_at=datetime.datetime(2026, 11, 21, 15, 30, tzinfo=JST),
            updated_at=datetime.datetime(2026, 11, 21, 15, 30, tzinfo=JST),
        ),
    ]
    return made


def rows_of(response: Any) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads Japanese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_csv_has_every_column_in_japanese_with_values_intact(
    items: list[VoiceItem], supervisor: Any, signed_in: Any
) -> None:
    response = signed_in(supervisor).get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == [
        "分類",
        "用件",
        "状態",
        "出どころ",
        "内容",
        "改善の内容",
        "タグ付けした日時",
        "最後に変わった日時",
    ]
    assert len(rows) == 3
    newest, older = rows[1], rows[2]  # newest first, like the page
    assert newest == [
        "指摘",
        "待ち時間",
        "新規",
        "お客様の評価",
        '\'=HYPERLINK("x")',  # a formula stays text in the spreadsheet
        "",
        "2026-11-21 15:30",
        "2026-11-21 15:30",
    ]
    assert older[:6] == [
        "要望",
        "予約",
        "改善予定",
        "オペレーターのまとめ",
        "予約画面の文字を大きくしてほしい、とのこと。\n二行目",
        "12月に文字を大きくします",
    ]
    assert older[6:] == ["2026-11-20 10:05", "2026-11-22 09:00"]


def test_csv_takes_the_list_pages_filters(
    items: list[VoiceItem], supervisor: Any, signed_in: Any
) -> None:
    client = signed_in(supervisor)
    rows = rows_of(client.get(URL + "?tag=request"))
    assert [row[1] for row in rows[1:]] == ["予約"]
    rows = rows_of(client.get(URL + "?status=new"))
    assert [row[1] for row in rows[1:]] == ["待ち時間"]
    page = client.get(reverse("supervision:voice") + "?tag=request").content.decode()
    assert f"{URL}?tag=request" in page  # the download link carries the filter


def test_csv_is_in_english_for_english_readers(
    items: list[VoiceItem], supervisor: Any, signed_in: Any
) -> None:
    client = signed_in(supervisor)
    client.cookies["as_language"] = "en"
    rows = rows_of(client.get(URL))
    assert rows[0][:3] == ["Tag", "Topic", "Status"]
    assert rows[1][0] == "Complaint (指摘)"


def test_only_supervisors_download_the_csv(
    items: list[VoiceItem], operator: Any, signed_in: Any
) -> None:
    assert signed_in(operator).get(URL).status_code == 403
