"""Every free-text field a customer, operator or supervisor writes is stored with card numbers
masked, and the voice-of-the-customer export masks what older rows still hold (issue 20 item 7);
the masker knows every way people separate digit groups and every script of digits."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import csv
import io

import pytest

from access_support.masking import has_card_number, mask_card_numbers
from proxies.models import Procedure
from signlanguage.models import Feedback, SessionClosure
from supervision.models import VoiceItem
from tests.signlanguage.live_fixtures import make_session  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

CARD = "4111\t1111\t1111\t1111"
NOTICE_JA = "カード番号は送らないでください"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111\t1111\t1111\t1111", "****\t****\t****\t1111"),
        ("4111\u00a01111\u00a01111\u00a01111", "****\u00a0****\u00a0****\u00a01111"),
        ("4111.1111.1111.1111", "****.****.****.1111"),
        ("4111  1111  1111  1111", "****  ****  ****  1111"),
        ("4111 - 1111 - 1111 - 1111", "**** - **** - **** - 1111"),
        ("4111\u20131111\u20131111\u20131111", "****\u2013****\u2013****\u20131111"),
        ("٤١١١١١١١١١١١١١١١", "************١١١١"),
        ("۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱", "**** **** **** ۱۱۱۱"),
        ("४१११-११११११११११११११०", "****-***********१११०"),
        (
            "番号 4111111111111111 と 5555 5555 5555 4444",
            "番号 ************1111 と **** **** **** 4444",
        ),
        # Two cards in one run of groups: both are masked, not only the longest.
        ("4111 1111 1111 1111 5555 5555 5555 4444", "**** **** **** 1111 **** **** **** 4444"),
    ],
)
def test_every_separator_and_script_of_digits_is_masked(text, expected):
    assert mask_card_numbers(text) == (expected, True)


@pytest.mark.parametrize(
    "text",
    ["2026.12.03 10:00", "電話 090\t1234\t5678", "1.5 + 2.25", "4111\t1111\t1111\t1112"],
)
def test_numbers_that_are_not_cards_are_left_alone(text):
    assert mask_card_numbers(text) == (text, False)
    assert not has_card_number(text)


def _masked(value: str) -> bool:
    return "1111" in value and "4111" not in value and "****" in value


# --- the fields ---------------------------------------------------------------------------------


def test_feedback_comment_is_stored_masked_and_the_customer_is_told(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator, state="closed")
    response = signed_in(senior).post(
        f"/sessions/{session.pk}/feedback/",
        {"rating": "4", "comment": f"カード {CARD} の件"},
        follow=True,
    )
    assert response.status_code == 200
    assert Feedback.objects.get(session=session).comment == "カード ****\t****\t****\t1111 の件"
    assert NOTICE_JA in response.content.decode()


def _operator_ends(client, session, action, **data):
    """The operator's form that ends the live session (`action`: close, end-abuse), answered."""
    response = client.post(f"/sessions/{session.pk}/live/{action}/", data, follow=True)
    assert response.status_code == 200
    return response


def test_operator_close_summary_is_stored_masked_and_the_operator_is_told(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator)
    response = _operator_ends(
        signed_in(operator), session, "close", summary="番号 4111.1111.1111.1111 を確認"
    )
    session.refresh_from_db()
    assert session.summary == "番号 ****.****.****.1111 を確認"
    assert NOTICE_JA in response.content.decode()


def test_abuse_note_is_stored_masked(senior, operator, signed_in, make_session):
    session = make_session(senior, operator)
    response = _operator_ends(
        signed_in(operator), session, "end-abuse", note="カード 4111  1111  1111  1111 を読み上げた"
    )
    closure = SessionClosure.objects.get(session=session)
    assert closure.abuse_note == "カード ****  ****  ****  1111 を読み上げた"
    assert NOTICE_JA in response.content.decode()


def test_procedure_details_with_arabic_indic_digits_are_stored_masked(senior, signed_in):
    response = signed_in(senior).post(
        "/proxies/procedures/new/",
        {"kind": "lost_card", "details": "番号 ٤١١١١١١١١١١١١١١١ を紛失"},
        follow=True,
    )
    assert response.status_code == 200
    assert Procedure.objects.get(on_behalf_of=senior).details == "番号 ************١١١١ を紛失"
    assert NOTICE_JA in response.content.decode()


def test_supervisor_notes_are_stored_masked(senior, operator, supervisor, make_session):
    from signlanguage.live import services as live_services
    from supervision import services as supervision

    session = make_session(senior, operator)
    live_services.session_close(session=session, actor=operator, summary="住所変更")
    item = supervision.voice_tag_summary(
        session=session, tag="request", topic="住所", actor=supervisor
    )
    item = supervision.voice_item_advance(
        item=item, to_status="shared", note=f"返金先 {CARD}", actor=supervisor
    )
    assert _masked(item.improvement_note)
    abusive = make_session(senior, operator)
    closure = live_services.session_close(
        session=abusive, actor=operator, for_abuse=True, note="暴言"
    )
    review = supervision.abuse_decide(
        closure=closure, decision="upheld", note=f"番号 {CARD}", actor=supervisor
    )
    assert _masked(review.note)


def test_voice_items_are_tagged_masked_and_the_csv_masks_older_rows(
    senior, operator, supervisor, signed_in, make_session
):
    from supervision import services as supervision

    session = make_session(senior, operator, state="closed")
    # Rows written before masking covered these fields: the copy and the export mask them.
    feedback = Feedback.objects.create(
        session=session, author=senior, rating=2, comment=f"カード {CARD} が使えない"
    )
    tagged = supervision.voice_tag_feedback(
        feedback=feedback, tag="complaint", topic="カード", actor=supervisor
    )
    assert _masked(tagged.text)
    VoiceItem.objects.create(
        source="summary",
        session=session,
        text="番号 4111.1111.1111.1111 を案内",
        tag="request",
        topic="カード",
        improvement_note="返金 4111 1111 1111 1111",
        tagged_by=supervisor,
    )
    response = signed_in(supervisor).get("/supervision/voice.csv")
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert "番号 ****.****.****.1111 を案内" in cells
    assert "返金 **** **** **** 1111" in cells
    assert "カード ****\t****\t****\t1111 が使えない" in cells
    assert "4111" not in body


def test_text_without_a_card_number_shows_no_notice(senior, operator, signed_in, make_session):
    session = make_session(senior, operator)
    response = signed_in(operator).post(
        f"/sessions/{session.pk}/live/close/", {"summary": "会員番号 1234567890"}, follow=True
    )
    session.refresh_from_db()
    assert session.summary == "会員番号 1234567890"
    assert NOTICE_JA not in response.content.decode()
