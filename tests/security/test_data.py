"""Data handling: card-number-like digit runs are masked before storage wherever a customer
writes free text (chat is tested in tests/signlanguage/test_live_masking.py; here booking topics
and notes, talk-now topics and proxy procedure details), and the customer is told why; chat
transcripts and feedback follow RETENTION_DAYS (`purge_expired`), the audit log never does."""

from __future__ import annotations

import datetime
import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_support.audit.models import AuditEvent
from access_support.masking import luhn_valid, mask_card_numbers
from proxies.models import Procedure
from signlanguage.models import ChatMessage, Feedback, Session
from tests.security.conftest import _at, _next_open_day

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"
FULL_WIDTH_CARD = "４１１１－１１１１－１１１１－１１１１"
NOTICE_JA = "カード番号は送らないでください"


def luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError


@st.composite
def card_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A Luhn-valid 13–19 digit number written as people write it: groups split by spaces or
    hyphens, half- or full-width digits. Returns (as written, its digits)."""
    length = draw(st.integers(13, 19))
    body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    digits = luhn_complete(body)
    separator = draw(st.sampled_from(["", " ", "-", "－", "\u3000"]))
    group = draw(st.sampled_from([4, 5, 6]))
    groups = [digits[i : i + group] for i in range(0, len(digits), group)]
    written = separator.join(groups)
    if draw(st.booleans()):
        written = written.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return written, digits


@settings(max_examples=200, deadline=None)
@given(card=card_numbers(), before=st.sampled_from(["", "番号は ", "card: "]))
def test_every_card_number_shape_is_masked_except_the_last_four(card, before):
    written, digits = card
    masked, changed = mask_card_numbers(f"{before}{written} です")
    assert changed
    kept = "".join(c for c in masked if c.isdigit())
    assert len(kept) == 4
    assert kept.translate(str.maketrans("０１２３４５６７８９", "0123456789")) == digits[-4:]


def test_a_booking_topic_and_note_are_stored_masked_and_the_customer_is_told(
    world, signed_in, settings
):
    member = world.users["member"]
    client = signed_in(member)
    start = _at(_next_open_day(), 16)
    response = client.post(
        "/sessions/book/confirm/",
        {
            "mode": "written_chat",
            "start": start.isoformat(),
            "topic": f"カード {CARD} の明細",
            "note": f"番号は {FULL_WIDTH_CARD} です",
        },
        follow=True,
    )
    assert response.status_code == 200
    session = Session.objects.get(customer=member, start=start)
    assert "1111 1111 1111" not in session.topic and "**** **** **** 1111" in session.topic
    assert "１１１１－１１１１－１１１１－" not in session.note
    assert session.note.endswith("１１１１ です")
    assert NOTICE_JA in response.content.decode()


def test_the_bookings_api_masks_and_says_so(world, signed_in):
    member = world.users["member"]
    client = signed_in(member)
    start = _at(_next_open_day(), 17)
    response = client.post(
        "/api/v1/bookings",
        json.dumps(
            {"mode": "written_chat", "start": start.isoformat(), "topic": CARD, "note": "x"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["topic"] == "**** **** **** 1111"
    assert body["notice"]["code"] == "card_number_masked"
    assert Session.objects.get(pk=body["id"]).topic == "**** **** **** 1111"


def test_a_talk_now_topic_is_masked(world, make_user):
    from signlanguage.booking import services

    session = services.queue_request(
        actor=make_user("member"),
        mode="written_chat",
        topic=f"紛失 {CARD}",
        now=_at(_next_open_day(), 10),
    )
    assert session.topic == "紛失 **** **** **** 1111"


def test_procedure_details_filed_by_a_proxy_are_masked_and_the_proxy_is_told(world, signed_in):
    member, proxy = world.users["member"], world.users["proxy"]
    client = signed_in(proxy)
    assert client.post(f"/proxies/act/{member.pk}/").status_code == 302
    response = client.post(
        "/proxies/procedures/new/",
        {"kind": "lost_card", "details": f"カード番号 {CARD} を紛失しました"},
        follow=True,
    )
    assert response.status_code == 200
    procedure = Procedure.objects.filter(on_behalf_of=member).latest("pk")  # the world has one too
    assert procedure.details == "カード番号 **** **** **** 1111 を紛失しました"
    assert NOTICE_JA in response.content.decode()


def test_text_without_a_card_number_is_kept_and_no_notice_is_shown(world, signed_in):
    member = world.users["member"]
    response = signed_in(member).post(
        "/proxies/procedures/new/",
        {"kind": "address_change", "details": "会員番号 1234567890、電話 03-1234-5678"},
        follow=True,
    )
    assert Procedure.objects.filter(on_behalf_of=member).latest("pk").details == (
        "会員番号 1234567890、電話 03-1234-5678"
    )
    assert NOTICE_JA not in response.content.decode()


# --- retention ----------------------------------------------------------------------------------


def _old(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def test_purge_expired_deletes_old_transcripts_and_feedback_and_audits_the_counts(
    world, settings, capsys
):
    settings.RETENTION_DAYS = 365
    member, operator = world.users["member"], world.users["operator"]
    closed = world.objects["closed"]
    for seq, (who, role, age) in enumerate(
        [(member, "customer", 400), (operator, "operator", 366), (member, "customer", 10)], 1
    ):
        ChatMessage.objects.create(
            session=closed,
            seq=seq,
            client_id=uuid.uuid4(),
            sender=who,
            sender_role=role,
            text=f"message {seq}",
            sent_at=_old(age),
        )
    # The world's feedback on the closed session (rating 4) is from today.
    Feedback.objects.create(
        session=world.objects["booking"], author=member, rating=5, created_at=_old(500)
    )
    audit_before = AuditEvent.objects.count()

    call_command("purge_expired")

    assert list(ChatMessage.objects.values_list("text", flat=True)) == ["message 3"]
    assert list(Feedback.objects.values_list("rating", flat=True)) == [4]
    event = AuditEvent.objects.get(action="retention.purged")
    assert event.after["chat_messages"] == 2 and event.after["feedback"] == 1
    assert event.after["retention_days"] == 365
    assert AuditEvent.objects.count() == audit_before + 1
    assert "deleted 2 chat messages and 1 feedback" in capsys.readouterr().out


def test_old_feedback_tagged_by_a_supervisor_is_purged_and_the_voice_item_keeps_its_words(
    world, settings
):
    """Regression: the voice-of-the-customer item protected its feedback row, so one tagged
    comment made every later purge fail with ProtectedError."""
    voice = world.objects["voice"]
    Feedback.objects.filter(pk=world.objects["feedback"].pk).update(created_at=_old(400))
    call_command("purge_expired", stdout=io.StringIO())
    assert not Feedback.objects.filter(pk=world.objects["feedback"].pk).exists()
    voice.refresh_from_db()
    assert voice.feedback_id is None and voice.text == "とても親切でした"


def test_the_audit_log_is_never_purged_however_old(world, settings):
    settings.RETENTION_DAYS = 1
    ids = list(AuditEvent.objects.values_list("pk", flat=True))
    # Make every event look ancient (the append-only trigger forbids UPDATE too, so only the
    # cut-off moves: a 1-day retention two days from now).
    later = timezone.now() + datetime.timedelta(days=3)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("purge_expired")
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert set(ids) <= remaining
    call_command("verify_audit")


def test_a_dry_run_deletes_nothing(world, settings, capsys):
    settings.RETENTION_DAYS = 30
    ChatMessage.objects.create(
        session=world.objects["closed"],
        seq=1,
        client_id=uuid.uuid4(),
        sender=world.users["member"],
        sender_role="customer",
        text="old",
        sent_at=_old(40),
    )
    call_command("purge_expired", "--dry-run")
    assert ChatMessage.objects.count() == 1
    assert not AuditEvent.objects.filter(action="retention.purged").exists()
    assert "would delete 1 chat messages" in capsys.readouterr().out


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(days=st.integers(1, 3650))
def test_retention_keeps_exactly_what_is_younger_than_the_setting(world, settings, days):
    settings.RETENTION_DAYS = days
    ChatMessage.objects.all().delete()
    closed = world.objects["closed"]
    for seq, age in enumerate([days + 1, days - 1 if days > 1 else 0], 1):
        ChatMessage.objects.create(
            session=closed,
            seq=seq,
            client_id=uuid.uuid4(),
            sender=world.users["member"],
            sender_role="customer",
            text=str(age),
            sent_at=_old(age),
        )
    call_command("purge_expired", stdout=io.StringIO())
    assert list(ChatMessage.objects.values_list("seq", flat=True)) == [2]
