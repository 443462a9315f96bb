"""Live-session pages: the session page, the operator console, closing with a summary, ending
for abuse, the transcript download, feedback, canned phrases and the abuse flags."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from access_support.audit.models import AuditEvent
from signlanguage.live import services as live_services
from signlanguage.models import CannedPhrase, Feedback, SessionClosure
from tests.signlanguage.live_fixtures import make_grant, make_session  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def post(session: Any, user: Any, role: str, text: str) -> None:
    live_services.message_post(
        session_id=session.pk, sender=user, role=role, client_id=uuid.uuid4(), text=text
    )


def page(session: Any, suffix: str = "") -> str:
    return f"/sessions/{session.pk}/{suffix}"


def test_customer_page_has_the_live_chat_without_inline_script(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator, mode="sign_language")
    response = signed_in(senior).get(page(session, "live/"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert f'data-ws-path="/ws/sessions/{session.pk}/"' in html
    assert 'data-role="customer"' in html and "data-live-video" in html
    assert "signlanguage/session.js" in html
    # Only data blocks and external modules: the CSP allows no inline JavaScript.
    for chunk in html.split("<script")[1:]:
        head = chunk.split(">", 1)[0]
        assert 'type="application/json"' in head or "src=" in head
    assert "<audio" not in html
    assert 'id="ice-servers"' in html and "stun:" in html


def test_stranger_gets_404_on_every_session_page(
    senior, operator, stranger, signed_in, make_session
):
    session = make_session(senior, operator, state="closed")
    client = signed_in(stranger)
    for suffix in ("live/", "transcript.txt", "feedback/"):
        assert client.get(page(session, suffix)).status_code == 404


def test_operator_sees_customer_grant_scopes_and_canned_phrases(
    senior, operator, proxy, signed_in, make_session, make_grant
):
    make_grant(senior, proxy, scopes=["session.book", "inquiry.points"])
    CannedPhrase.objects.create(text="少々お待ちください。")
    session = make_session(senior, operator, booked_by=proxy)
    html = signed_in(operator).get(page(session, "live/")).content.decode()
    assert "山田 花子" in html and "1234567890" in html and "山田 太郎" in html
    assert 'data-canned="少々お待ちください。"' in html
    assert "data-live-compose" in html


def test_operator_closes_with_a_summary_and_the_customer_sees_it(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator)
    response = signed_in(operator).post(
        page(session, "live/close/"), {"summary": "住所変更の方法を案内"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == "closed"
    assert session.summary == "住所変更の方法を案内" and session.closed_at is not None
    assert SessionClosure.objects.get(session=session).closed_by == operator
    assert AuditEvent.objects.filter(action="signlanguage.session_closed").count() == 1
    assert "住所変更の方法を案内" in signed_in(senior).get(page(session, "live/")).content.decode()


def test_only_the_assigned_operator_may_close(senior, operator, signed_in, make_session):
    session = make_session(senior, operator)
    assert signed_in(senior).post(page(session, "live/close/"), {"summary": "x"}).status_code == 403
    session.refresh_from_db()
    assert session.state == "active"


def test_ending_for_abuse_flags_the_session_for_supervisors(
    senior, operator, supervisor, signed_in, make_session
):
    session = make_session(senior, operator)
    response = signed_in(operator).post(page(session, "live/end-abuse/"), {"note": "暴言が続いた"})
    assert response.status_code == 302
    closure = SessionClosure.objects.get(session=session)
    assert closure.ended_for_abuse and closure.abuse_note == "暴言が続いた"
    boss = signed_in(supervisor)
    # One place reviews it: the supervisor's abuse reports (issue 25 item 4); the sessions app
    # has no second review page any more.
    assert f"/supervision/abuse/{session.pk}/" in boss.get("/supervision/abuse/").content.decode()
    assert "暴言が続いた" in boss.get(f"/supervision/abuse/{session.pk}/").content.decode()
    assert boss.get("/sessions/abuse/").status_code == 404
    transcript = boss.get(page(session, "transcript.txt"))
    assert transcript.status_code == 200 and transcript.content.startswith(b"\xef\xbb\xbf")
    boss.post(f"/supervision/abuse/{session.pk}/", {"decision": "upheld", "note": "確認済み"})
    closure.refresh_from_db()
    assert closure.abuse_reviewed_by == supervisor
    assert signed_in(operator).get(f"/supervision/abuse/{session.pk}/").status_code == 403


def test_supervisor_cannot_read_a_transcript_that_was_not_flagged(
    senior, operator, supervisor, signed_in, make_session
):
    session = make_session(senior, operator)
    live_services.session_close(session=session, actor=operator, summary="ok")
    assert signed_in(supervisor).get(page(session, "transcript.txt")).status_code == 404


def test_transcript_is_utf8_text_with_a_bom(senior, operator, signed_in, make_session):
    session = make_session(senior, operator)
    post(session, senior, "customer", "明細の<b>質問</b>です")
    post(session, operator, "operator", "かしこまりました。\n確認します。")
    live_services.session_close(session=session, actor=operator, summary="明細を案内")
    response = signed_in(senior).get(page(session, "transcript.txt"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert "山田 花子（お客様）" in text and "明細の<b>質問</b>です" in text
    assert "  確認します。\r\n" in text and "明細を案内" in text


def test_feedback_is_stored_once_per_customer(senior, operator, signed_in, make_session):
    session = make_session(senior, operator, state="closed")
    client = signed_in(senior)
    assert client.get(page(session, "feedback/")).status_code == 200
    bad = client.post(page(session, "feedback/"), {"rating": "9"})
    assert bad.status_code == 400
    client.post(page(session, "feedback/"), {"rating": "5", "comment": "とても分かりやすかった"})
    client.post(page(session, "feedback/"), {"rating": "4", "comment": "分かりやすかった"})
    feedback = Feedback.objects.get(session=session)
    assert (feedback.rating, feedback.comment) == (4, "分かりやすかった")


def test_feedback_waits_for_the_end_and_is_not_for_operators(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator)
    # Before the end, the page's own "tell us how it went" link (kept for when the session
    # ends while open) leads back to the conversation with a word, not to a 403.
    early = signed_in(senior).get(page(session, "feedback/"), follow=True)
    assert early.redirect_chain[-1][0] == page(session, "live/")
    assert "相談が終わってから" in early.content.decode()
    assert not Feedback.objects.exists()
    session.state = "closed"
    session.save()
    assert signed_in(operator).get(page(session, "feedback/")).status_code == 403


def test_supervisor_edits_canned_phrases_and_operator_cannot(operator, supervisor, signed_in):
    boss = signed_in(supervisor)
    boss.post(
        "/sessions/canned-phrases/", {"text": "ご連絡ありがとうございます。", "position": "1"}
    )
    phrase = CannedPhrase.objects.get()
    boss.post(
        "/sessions/canned-phrases/",
        {"phrase_id": phrase.pk, "text": "お問い合わせありがとうございます。", "position": "2"},
    )
    phrase.refresh_from_db()
    assert (phrase.text, phrase.position) == ("お問い合わせありがとうございます。", 2)
    boss.post("/sessions/canned-phrases/", {"delete": phrase.pk, "text": "", "position": "0"})
    assert not CannedPhrase.objects.exists()
    assert signed_in(operator).get("/sessions/canned-phrases/").status_code == 403


def test_console_is_for_operators_and_shows_their_chats(
    senior, member_b, operator, signed_in, make_session, django_assert_max_num_queries
):
    mine = make_session(senior, operator)
    waiting = make_session(member_b, None, state="waiting", topic="今すぐ相談")
    client = signed_in(operator)
    with django_assert_max_num_queries(12):
        html = client.get("/sessions/console/").content.decode()
    assert f'data-session-id="{mine.pk}"' in html
    assert f"/api/v1/queue/{waiting.pk}/take" in html and "今すぐ相談" in html
    assert signed_in(senior).get("/sessions/console/").status_code == 403


def test_client_strings_are_json_for_the_script(senior, operator, signed_in, make_session):
    session = make_session(senior, operator)
    html = signed_in(senior).get(page(session, "live/")).content.decode()
    block = html.split('id="client-strings" type="application/json">', 1)[1].split("</script>", 1)[
        0
    ]
    strings = json.loads(block)
    assert strings["new_message"]
