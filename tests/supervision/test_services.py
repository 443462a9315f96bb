"""State changes: closed days, voice-of-the-customer cycle, abuse decisions and restrictions —
each one audited — and the two hooks signlanguage calls."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from access_support.audit.models import AuditEvent
from access_support.audit.services import verify_chain
from signlanguage.booking import availability
from signlanguage.booking import selectors as session_selectors
from signlanguage.models import AbuseReview, ClosedDay, SessionClosure, TalkNowRestriction
from supervision import selectors, services
from supervision.models import VoiceItem


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --- closed days -----------------------------------------------------------------------------


def test_closing_a_day_is_audited_and_seen_by_the_hook(
    supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    day = timezone.localdate() + datetime.timedelta(days=10)
    assert day not in availability._extra_closed_days()  # now cached as "no extra days"
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.closed_day_add(day=day, reason="システム点検", actor=supervisor)
    assert day in availability._extra_closed_days()  # the cache was cleared on commit
    assert events("supervision.closed_day_added")[0].after == {"day": day.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        services.closed_day_remove(closed_day=closed, actor=supervisor)
    assert day not in availability._extra_closed_days()
    assert events("supervision.closed_day_removed")[0].before["reason"] == "システム点検"
    assert verify_chain().ok


def test_closing_the_same_day_twice_is_refused(supervisor: Any) -> None:
    day = timezone.localdate() + datetime.timedelta(days=3)
    services.closed_day_add(day=day, reason="点検", actor=supervisor)
    with pytest.raises(services.SupervisionError) as caught:
        services.closed_day_add(day=day, reason="点検", actor=supervisor)
    assert caught.value.code == "duplicate_day"


def test_an_operator_cannot_close_a_day(operator: Any) -> None:
    with pytest.raises(services.SupervisionError) as caught:
        services.closed_day_add(day=timezone.localdate(), reason="x", actor=operator)
    assert caught.value.status == 403


def test_closed_days_page_takes_year_month_day(
    supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    day = timezone.localdate() + datetime.timedelta(days=40)
    client = signed_in(supervisor)
    response = client.post(
        reverse("supervision:closed-days"),
        {"year": str(day.year), "month": str(day.month), "day": str(day.day), "reason": "棚卸し"},
    )
    assert response.status_code == 302
    assert ClosedDay.objects.get().day == day
    page = client.get(reverse("supervision:closed-days")).content.decode()
    assert "棚卸し" in page


def test_closed_days_page_refuses_a_past_day_and_keeps_what_was_typed(
    supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    response = signed_in(supervisor).post(
        reverse("supervision:closed-days"),
        {"year": "2020", "month": "1", "day": "6", "reason": "昔の日"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert 'value="昔の日"' in page
    assert not ClosedDay.objects.exists()


# --- voice of the customer -------------------------------------------------------------------


@pytest.fixture
def feedback(flagged_session: Any, make_feedback: Callable[..., Any]) -> Any:
    return make_feedback(flagged_session, 2, "予約の画面が分かりにくいです")


def test_voice_cycle_new_shared_planned_done_is_audited(feedback: Any, supervisor: Any) -> None:
    item = services.voice_tag_feedback(
        feedback=feedback, tag="complaint", topic="予約", actor=supervisor
    )
    assert (item.status, item.text) == ("new", "予約の画面が分かりにくいです")
    services.voice_item_advance(item=item, to_status="shared", note="", actor=supervisor)
    services.voice_item_advance(
        item=item, to_status="planned", note="予約画面の文字を大きくする", actor=supervisor
    )
    services.voice_item_advance(item=item, to_status="done", note="12月に実施", actor=supervisor)
    item.refresh_from_db()
    assert (item.status, item.improvement_note) == ("done", "12月に実施")
    changes = events("supervision.voice_status_changed")
    assert [(e.before["status"], e.after["status"]) for e in changes] == [
        ("new", "shared"),
        ("shared", "planned"),
        ("planned", "done"),
    ]
    assert all(e.actor_id == supervisor.pk for e in changes)
    assert events("supervision.voice_tagged")[0].after["tag"] == "complaint"
    assert verify_chain().ok


def test_voice_status_cannot_skip_a_step_or_plan_without_a_note(
    feedback: Any, supervisor: Any
) -> None:
    item = services.voice_tag_feedback(
        feedback=feedback, tag="request", topic="予約", actor=supervisor
    )
    with pytest.raises(services.SupervisionError) as skipped:
        services.voice_item_advance(item=item, to_status="done", note="x", actor=supervisor)
    assert skipped.value.code == "invalid_transition"
    services.voice_item_advance(item=item, to_status="shared", note="", actor=supervisor)
    with pytest.raises(services.SupervisionError) as no_note:
        services.voice_item_advance(item=item, to_status="planned", note=" ", actor=supervisor)
    assert no_note.value.code == "note_required"
    assert len(events("supervision.voice_status_changed")) == 1


def test_a_source_is_tagged_once(feedback: Any, supervisor: Any) -> None:
    services.voice_tag_feedback(feedback=feedback, tag="request", topic="予約", actor=supervisor)
    with pytest.raises(services.SupervisionError) as caught:
        services.voice_tag_feedback(feedback=feedback, tag="praise", topic="x", actor=supervisor)
    assert caught.value.code == "already_tagged"


def test_operator_tags_a_summary_of_their_own_session(
    flagged_session: Any, operator: Any, signed_in: Callable[[Any], Any]
) -> None:
    flagged_session.summary = "丁寧な説明でよかったとのこと"
    flagged_session.save(update_fields=["summary"])
    response = signed_in(operator).post(
        reverse("supervision:voice-tag-summary", args=[flagged_session.pk]),
        {"tag": "praise", "topic": "説明"},
    )
    assert response.status_code == 302
    item = VoiceItem.objects.get()
    assert (item.source, item.tag, item.tagged_by_id) == ("summary", "praise", operator.pk)


def test_voice_list_counts_by_tag_and_topic(
    make_session: Callable[..., Any],
    make_feedback: Callable[..., Any],
    supervisor: Any,
    signed_in: Callable[[Any], Any],
    django_assert_max_num_queries: Any,
) -> None:
    from tests.supervision.conftest import at

    for n, (tag, topic) in enumerate(
        [("request", "予約"), ("request", "予約"), ("complaint", "待ち時間"), ("praise", "予約")]
    ):
        session = make_session(created_at=at(11, 5, 10, n))
        fb = make_feedback(session, 3, f"コメント{n}")
        services.voice_tag_feedback(feedback=fb, tag=tag, topic=topic, actor=supervisor)
    counts = selectors.voice_counts()
    assert [(row["tag"], row["total"]) for row in counts["tags"]] == [
        ("request", 2),
        ("complaint", 1),
        ("praise", 1),
    ]
    assert counts["topics"][0] == {"topic": "予約", "counts": [2, 0, 1], "total": 3}
    client = signed_in(supervisor)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("supervision:voice"), {"tag": "request"}).content.decode()
    assert "コメント0" in page and "コメント1" in page
    assert "コメント2" not in page  # a complaint, filtered out


def test_voice_detail_page_moves_one_step(
    feedback: Any, supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    item = services.voice_tag_feedback(
        feedback=feedback, tag="request", topic="予約", actor=supervisor
    )
    client = signed_in(supervisor)
    url = reverse("supervision:voice-detail", args=[item.pk])
    assert client.post(url, {"note": ""}).status_code == 302
    item.refresh_from_db()
    assert item.status == "shared"
    refused = client.post(url, {"note": ""})  # planning needs a note
    assert refused.status_code == 200
    assert 'role="alert"' in refused.content.decode()
    item.refresh_from_db()
    assert item.status == "shared"


# --- abuse reports ---------------------------------------------------------------------------


def test_abuse_decision_with_restriction_is_audited_and_blocks_talk_now(
    flagged_session: Any, supervisor: Any, senior: Any
) -> None:
    closure = SessionClosure.objects.get(session=flagged_session)
    assert not session_selectors.talk_now_restricted(senior)
    services.abuse_decide(
        closure=closure,
        decision="upheld",
        note="録画と記録を確認しました",
        restrict=True,
        restrict_days=30,
        actor=supervisor,
    )
    assert session_selectors.talk_now_restricted(senior)
    later = timezone.now() + datetime.timedelta(days=31)
    assert not session_selectors.talk_now_restricted(senior, now=later)
    decided = events("supervision.abuse_decided")[0]
    assert (decided.subject_user_id, decided.reason) == (senior.pk, "upheld")
    restricted = events("supervision.talk_now_restricted")[0]
    assert restricted.subject_user_id == senior.pk
    closure.refresh_from_db()
    assert closure.abuse_reviewed_by_id == supervisor.pk  # signlanguage's list shows it reviewed
    assert verify_chain().ok


def test_lifting_a_restriction_is_audited(
    flagged_session: Any, supervisor: Any, senior: Any
) -> None:
    closure = SessionClosure.objects.get(session=flagged_session)
    services.abuse_decide(
        closure=closure, decision="upheld", note="", restrict=True, actor=supervisor
    )
    restriction = TalkNowRestriction.objects.get()
    assert restriction.ends_at is None
    assert session_selectors.talk_now_restricted(senior)
    services.restriction_lift(restriction=restriction, actor=supervisor)
    assert not session_selectors.talk_now_restricted(senior)
    assert events("supervision.talk_now_restriction_lifted")[0].subject_user_id == senior.pk


def test_no_restriction_without_an_upheld_decision(flagged_session: Any, supervisor: Any) -> None:
    closure = SessionClosure.objects.get(session=flagged_session)
    with pytest.raises(services.SupervisionError) as caught:
        services.abuse_decide(
            closure=closure, decision="not_upheld", note="", restrict=True, actor=supervisor
        )
    assert caught.value.code == "restriction_needs_upheld"
    assert not AbuseReview.objects.exists()
    assert not events("supervision.abuse_decided")


def test_a_report_is_decided_once(flagged_session: Any, supervisor: Any) -> None:
    closure = SessionClosure.objects.get(session=flagged_session)
    services.abuse_decide(closure=closure, decision="not_upheld", note="", actor=supervisor)
    with pytest.raises(services.SupervisionError) as caught:
        services.abuse_decide(closure=closure, decision="upheld", note="", actor=supervisor)
    assert caught.value.code == "already_decided"


def test_abuse_page_records_a_decision_and_restriction(
    flagged_session: Any, supervisor: Any, senior: Any, signed_in: Callable[[Any], Any]
) -> None:
    client = signed_in(supervisor)
    url = reverse("supervision:abuse-detail", args=[flagged_session.pk])
    page = client.get(url).content.decode()
    assert "暴言が続いたため終了しました。" in page
    response = client.post(
        url, {"decision": "upheld", "note": "確認済み", "restrict": "on", "restrict_days": "７"}
    )
    assert response.status_code == 302
    restriction = TalkNowRestriction.objects.get(customer=senior)
    assert restriction.ends_at is not None
    assert restriction.ends_at - restriction.starts_at == pytest.approx(
        datetime.timedelta(days=7), abs=datetime.timedelta(seconds=5)
    )
    assert session_selectors.talk_now_restricted(senior)


def test_a_session_not_ended_for_abuse_has_no_report_page(
    make_session: Callable[..., Any], supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    from tests.supervision.conftest import at

    session = make_session(created_at=at(11, 6, 10))
    url = reverse("supervision:abuse-detail", args=[session.pk])
    assert signed_in(supervisor).get(url).status_code == 404


def test_talk_now_restricted_is_false_for_anonymous() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert session_selectors.talk_now_restricted(AnonymousUser()) is False
