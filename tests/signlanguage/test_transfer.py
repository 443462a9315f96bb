"""Handing a live session over to a colleague on shift (issue 21 item 6): the customer sees who
took over, the transcript runs on without a gap, the colleague must be on shift, active and
skilled, and the hand-over is audited with its note."""

from __future__ import annotations

import uuid
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from access_support.audit.models import AuditEvent
from signlanguage.live.services import message_post
from signlanguage.models import ChatMessage, Session
from tests.signlanguage.conftest import at, booked

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(staffed: Any) -> Any:
    moment = at(staffed, "11:00")
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture
def colleague(make_operator: Any, add_shift: Any, staffed: Any) -> Any:
    user = make_operator(display_name="佐藤 次郎")
    add_shift(user, staffed)
    return user


@pytest.fixture
def session(senior: Any, operator: Any, now: Any) -> Session:
    return booked(senior, operator, now)


def say(session: Session, who: Any, role: str, text: str) -> int | None:
    sent = message_post(
        session_id=session.pk, sender=who, role=role, client_id=uuid.uuid4(), text=text
    )
    return sent.seq


def hand_over(client: Client, session: Session, to: Any, note: str = "") -> Any:
    return client.post(
        f"/sessions/{session.pk}/live/transfer/", {"operator": str(to.pk), "note": note}
    )


def test_the_transcript_is_gapless_across_the_hand_over(
    session: Session, senior: Any, operator: Any, colleague: Any, signed_in: Any
) -> None:
    say(session, senior, "customer", "住所を変えたいです")
    say(session, operator, "operator", "承知しました")
    page = signed_in(operator).get(f"/sessions/{session.pk}/live/transfer/")
    assert page.status_code == 200 and "佐藤 次郎" in page.content.decode()

    answer = hand_over(signed_in(operator), session, colleague, note="住所変更の途中")
    assert answer.status_code == 302

    session.refresh_from_db()
    assert session.operator_id == colleague.pk
    say(session, colleague, "operator", "引き継ぎました。続けます")
    say(session, senior, "customer", "お願いします")
    rows = list(ChatMessage.objects.filter(session=session).order_by("seq"))
    assert [m.seq for m in rows] == [1, 2, 3, 4, 5]
    assert rows[2].text == "担当が佐藤 次郎に代わりました。"

    # The customer sees who took over; the colleague reads everything, from the first line.
    for reader in (senior, colleague):
        text = signed_in(reader).get(f"/sessions/{session.pk}/transcript.txt").content.decode()
        said = ["住所を変えたいです", "承知しました", "担当が佐藤 次郎に代わりました。"]
        said += ["引き継ぎました。続けます", "お願いします"]
        places = [text.index(line) for line in said]
        assert places == sorted(places)
    # The operator who handed over no longer takes part.
    assert signed_in(operator).get(f"/sessions/{session.pk}/transcript.txt").status_code == 404

    event = AuditEvent.objects.get(
        object_type="signlanguage.session",
        object_id=str(session.pk),
        action="signlanguage.session_transferred",
    )
    assert event.actor_id == operator.pk
    assert event.before == {"operator_id": operator.pk}
    assert event.after == {"operator_id": colleague.pk, "note": "住所変更の途中"}


def test_the_line_is_the_services_own_not_the_new_operators(
    session: Session, senior: Any, operator: Any, colleague: Any, signed_in: Any
) -> None:
    say(session, senior, "customer", "住所を変えたいです")
    assert hand_over(signed_in(operator), session, colleague).status_code == 302
    line = ChatMessage.objects.get(session=session, seq=2)
    assert line.sender_role == "system"
    # The transcript gives it as a notice, with nobody's name.
    text = signed_in(senior).get(f"/sessions/{session.pk}/transcript.txt").content.decode()
    (heading,) = [row for row in text.splitlines() if "お知らせ" in row]
    assert "佐藤 次郎" not in heading and "オペレーター" not in heading
    # The ended page shows it as a notice too, not as something someone said.
    Session.objects.filter(pk=session.pk).update(state="closed")
    html = signed_in(senior).get(f"/sessions/{session.pk}/live/").content.decode()
    item = html.split('data-seq="2"')[0].rsplit("<li", 1)[1] + html.split('data-seq="2"')[1]
    assert "live-message-system" in item
    sender = item.split('class="live-sender">', 1)[1].split("</span>", 1)[0]
    assert sender == "お知らせ"


def test_the_line_is_in_the_customers_language(
    session: Session, senior: Any, operator: Any, colleague: Any, signed_in: Any
) -> None:
    senior.language = "en"
    senior.save(update_fields=["language"])
    assert hand_over(signed_in(operator), session, colleague).status_code == 302
    assert ChatMessage.objects.get(session=session).text == "The operator is now 佐藤 次郎."


def test_a_colleague_off_shift_without_the_skill_or_switched_off_is_refused(
    session: Session,
    operator: Any,
    make_operator: Any,
    add_shift: Any,
    staffed: Any,
    signed_in: Any,
) -> None:
    off_shift = make_operator(display_name="非番 さん")
    add_shift(off_shift, staffed, "13:00", "18:00")
    unskilled = make_operator(skills=["sign_language"], display_name="手話 さん")
    add_shift(unskilled, staffed)
    switched_off = make_operator(display_name="休止 さん")
    switched_off.is_active = False
    switched_off.save(update_fields=["is_active"])
    add_shift(switched_off, staffed)
    client = signed_in(operator)
    page = client.get(f"/sessions/{session.pk}/live/transfer/").content.decode()
    for name in ("非番 さん", "手話 さん", "休止 さん"):
        assert name not in page
    for who in (off_shift, unskilled, switched_off):
        answer = hand_over(client, session, who)
        assert answer.status_code == 400  # not among the colleagues on shift who can take it
    session.refresh_from_db()
    assert session.operator_id == operator.pk
    assert not ChatMessage.objects.filter(session=session).exists()
    assert not AuditEvent.objects.filter(action="signlanguage.session_transferred").exists()


def test_the_service_checks_the_colleague_under_the_lock(
    session: Session, operator: Any, make_operator: Any, add_shift: Any, staffed: Any
) -> None:
    from signlanguage.live.services import LiveError
    from signlanguage.live.transfer import session_transfer

    later = make_operator(display_name="遅番 さん")
    add_shift(later, staffed, "13:00", "18:00")
    with pytest.raises(LiveError) as refused:
        session_transfer(session_id=session.pk, actor=operator, to_operator_id=later.pk)
    assert refused.value.code == "not_on_shift"
    unskilled = make_operator(skills=["sign_language"])
    add_shift(unskilled, staffed)
    with pytest.raises(LiveError) as refused:
        session_transfer(session_id=session.pk, actor=operator, to_operator_id=unskilled.pk)
    assert refused.value.code == "skill_missing"


def test_only_the_sessions_operator_hands_it_over(
    session: Session, senior: Any, colleague: Any, signed_in: Any
) -> None:
    assert hand_over(signed_in(senior), session, colleague).status_code == 403
    assert hand_over(signed_in(colleague), session, colleague).status_code == 404
    session.refresh_from_db()
    assert session.operator_id != colleague.pk


def test_the_colleague_reads_the_note_on_the_live_page(
    session: Session, senior: Any, operator: Any, colleague: Any, signed_in: Any
) -> None:
    hand_over(signed_in(operator), session, colleague, note="住所変更の書類を案内済み")
    page = signed_in(colleague).get(f"/sessions/{session.pk}/live/").content.decode()
    assert "あなたに引き継がれた相談" in page
    assert "住所変更の書類を案内済み" in page
    assert "鈴木 さくらから、11:00に引き継ぎました。" in page
    # The note is for staff: the customer's page does not show it.
    assert (
        "住所変更の書類を案内済み"
        not in signed_in(senior).get(f"/sessions/{session.pk}/live/").content.decode()
    )
