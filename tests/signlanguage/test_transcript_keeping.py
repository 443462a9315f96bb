"""The customer chooses what is kept of the conversation (issue 22 item 7): the default from
TRANSCRIPT_KEPT_BY_DEFAULT, the choice on the ended page (the customer or their proxy), who reads
a conversation that is not kept, its deletion once the customer has downloaded it or after 24
hours (`manage.py sweep_transcripts`), the audit trail, and what is left to read afterwards."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import datetime
import io
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from signlanguage.live import keeping
from signlanguage.live import services as live_services
from signlanguage.live.services import LiveError
from signlanguage.models import AbuseReview, ChatMessage, Session
from tests.signlanguage.live_fixtures import make_grant, make_session  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def post(session: Any, user: Any, role: str, text: str) -> None:
    live_services.message_post(
        session_id=session.pk, sender=user, role=role, client_id=uuid.uuid4(), text=text
    )


def ended(make_session: Any, customer: Any, operator: Any, **fields: Any) -> Session:
    """A session with two messages, closed by its operator (through the service) an hour ago
    unless `closed_at` says otherwise."""
    session = make_session(customer, operator, **fields)
    post(session, customer, "customer", "住所を変えたいです")
    post(session, operator, "operator", "ご案内します")
    live_services.session_close(session=session, actor=operator, summary="住所変更の方法を案内")
    session.refresh_from_db()
    return session


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type="signlanguage.session", object_id=str(session.pk)
        )
    )


# --- the default --------------------------------------------------------------------------------


def test_a_new_session_takes_the_default_from_the_setting(senior, operator, make_session, settings):
    settings.TRANSCRIPT_KEPT_BY_DEFAULT = True
    assert make_session(senior, operator).transcript_kept is True
    settings.TRANSCRIPT_KEPT_BY_DEFAULT = False
    assert make_session(senior, operator, state="closed").transcript_kept is False


# --- the service --------------------------------------------------------------------------------


def test_the_customers_choice_is_stored_and_audited_with_who_chose(senior, operator, make_session):
    session = ended(make_session, senior, operator)
    keeping.transcript_choose(session_id=session.pk, actor=senior, role="customer", keep=False)
    session.refresh_from_db()
    assert session.transcript_kept is False and session.transcript_chosen_at is not None
    (event,) = events(session, AuditAction.SESSION_TRANSCRIPT_NOT_KEPT)
    assert event.actor_id == senior.pk and event.subject_user_id == senior.pk
    assert event.after == {"transcript_kept": False, "chosen_by": "customer"}
    # Choosing the same again writes nothing; changing back is audited again.
    keeping.transcript_choose(session_id=session.pk, actor=senior, role="customer", keep=False)
    assert len(events(session, AuditAction.SESSION_TRANSCRIPT_NOT_KEPT)) == 1
    keeping.transcript_choose(session_id=session.pk, actor=senior, role="customer", keep=True)
    assert len(events(session, AuditAction.SESSION_TRANSCRIPT_KEPT)) == 1


def test_the_choice_is_refused_before_the_end_to_the_operator_and_after_deletion(
    senior, member_b, operator, make_session
):
    running = make_session(member_b, operator)
    with pytest.raises(LiveError) as refused:
        keeping.transcript_choose(
            session_id=running.pk, actor=member_b, role="customer", keep=False
        )
    assert refused.value.code == "not_ended"
    session = ended(make_session, senior, operator)
    with pytest.raises(LiveError) as refused:
        keeping.transcript_choose(
            session_id=session.pk, actor=operator, role="operator", keep=False
        )
    assert refused.value.code == "forbidden"
    Session.objects.filter(pk=session.pk).update(transcript_deleted_at=timezone.now())
    with pytest.raises(LiveError) as refused:
        keeping.transcript_choose(session_id=session.pk, actor=senior, role="customer", keep=True)
    assert refused.value.code == "transcript_deleted"


def test_not_kept_is_deleted_once_downloaded_and_only_the_metadata_stays(
    senior, operator, make_session
):
    session = ended(make_session, senior, operator)
    keeping.transcript_choose(session_id=session.pk, actor=senior, role="customer", keep=False)
    session.refresh_from_db()
    assert keeping.transcripts_sweep().downloaded == 0  # not downloaded, not 24 hours yet
    assert ChatMessage.objects.filter(session=session).count() == 2
    assert keeping.transcript_downloaded(session=session, actor=senior, role="customer")
    result = keeping.transcripts_sweep()
    assert (result.downloaded, result.after_24_hours) == (1, 0)
    session.refresh_from_db()
    assert not ChatMessage.objects.filter(session=session).exists()
    assert session.transcript_deleted_at is not None
    # What stays: times, people, mode and outcome.
    assert session.state == "closed" and session.closed_at and session.created_at
    assert (session.customer_id, session.operator_id) == (senior.pk, operator.pk)
    assert session.mode == "written_chat" and session.summary == "住所変更の方法を案内"
    (deleted,) = events(session, AuditAction.SESSION_TRANSCRIPT_DELETED)
    assert deleted.reason == "downloaded" and deleted.after == {"chat_messages": 2}
    assert len(events(session, AuditAction.SESSION_TRANSCRIPT_DOWNLOADED)) == 1


def test_not_kept_is_deleted_24_hours_after_the_end_and_kept_is_never_swept(
    senior, member_b, operator, make_session, settings
):
    settings.TRANSCRIPT_KEPT_BY_DEFAULT = False
    not_kept = ended(make_session, senior, operator)  # no choice: the default applies
    settings.TRANSCRIPT_KEPT_BY_DEFAULT = True
    kept = ended(make_session, member_b, operator)
    end = not_kept.closed_at
    assert (
        keeping.transcripts_sweep(end + datetime.timedelta(hours=23, minutes=59)).after_24_hours
        == 0
    )
    result = keeping.transcripts_sweep(end + datetime.timedelta(hours=24))
    assert (result.downloaded, result.after_24_hours) == (0, 1)
    assert not ChatMessage.objects.filter(session=not_kept).exists()
    assert ChatMessage.objects.filter(session=kept).count() == 2
    (deleted,) = events(not_kept, AuditAction.SESSION_TRANSCRIPT_DELETED)
    assert deleted.reason == "after_24_hours" and deleted.actor_id is None


def test_a_proxys_download_does_not_count_as_the_customers(senior, proxy, operator, make_session):
    session = ended(make_session, senior, operator, transcript_kept=False)
    assert not keeping.transcript_downloaded(session=session, actor=proxy, role="proxy")
    assert keeping.transcripts_sweep().downloaded == 0
    assert ChatMessage.objects.filter(session=session).count() == 2


def test_a_session_ended_for_harassment_keeps_its_conversation_until_the_review(
    senior, operator, supervisor, make_session
):
    session = make_session(senior, operator, transcript_kept=False)
    post(session, senior, "customer", "ひどい言葉")
    live_services.session_close(session=session, actor=operator, for_abuse=True, note="暴言")
    session.refresh_from_db()
    later = session.closed_at + datetime.timedelta(days=2)
    assert keeping.transcripts_sweep(later).after_24_hours == 0
    assert ChatMessage.objects.filter(session=session).exists()
    AbuseReview.objects.create(session=session, decision="upheld", decided_by=supervisor)
    assert keeping.transcripts_sweep(later).after_24_hours == 1
    assert not ChatMessage.objects.filter(session=session).exists()


def test_sweep_transcripts_command_says_what_it_deleted(senior, operator, make_session):
    session = ended(make_session, senior, operator, transcript_kept=False)
    Session.objects.filter(pk=session.pk).update(transcript_downloaded_at=timezone.now())
    out = io.StringIO()
    call_command("sweep_transcripts", stdout=out)
    assert out.getvalue().strip() == "Conversations deleted: downloaded: 1, after 24 hours: 0."
    assert not ChatMessage.objects.filter(session=session).exists()


# --- the pages ----------------------------------------------------------------------------------


def live(session: Session, suffix: str = "live/") -> str:
    return f"/sessions/{session.pk}/{suffix}"


def test_the_ended_page_offers_the_customer_the_choice_and_saves_it(
    senior, operator, signed_in, make_session
):
    session = ended(make_session, senior, operator)
    client = signed_in(senior)
    html = client.get(live(session)).content.decode()
    assert f'action="/sessions/{session.pk}/live/keep/"' in html
    assert 'type="radio" name="keep" value="keep"' in html and "checked" in html
    assert 'data-keep-state="kept"' in html
    response = client.post(live(session, "live/keep/"), {"keep": "delete"})
    assert response.status_code == 302 and response["Location"] == live(session)
    html = client.get(live(session)).content.decode()
    assert 'data-keep-state="not-kept"' in html
    assert "会話の記録は残しません" in html  # the saved message, in Japanese by default
    session.refresh_from_db()
    assert session.transcript_kept is False
    assert len(events(session, AuditAction.SESSION_TRANSCRIPT_NOT_KEPT)) == 1


def test_the_session_page_leads_the_customer_to_the_choice_but_not_a_supervisor(
    senior, operator, supervisor, signed_in, make_session
):
    # A session that ended while the customer was away (e.g. "customer left"): they come back
    # through their sessions list to the session's page.
    session = ended(make_session, senior, operator)
    html = signed_in(senior).get(f"/sessions/{session.pk}/").content.decode()
    assert f'href="/sessions/{session.pk}/live/" data-keep-choice' in html
    assert (
        "data-keep-choice"
        not in signed_in(supervisor).get(f"/sessions/{session.pk}/").content.decode()
    )


def test_an_empty_choice_is_a_400_with_the_message_at_the_field(
    senior, operator, signed_in, make_session
):
    session = ended(make_session, senior, operator)
    response = signed_in(senior).post(live(session, "live/keep/"), {"keep": "maybe"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "会話の記録を残すかどうか選んでください。" in html
    assert 'class="error-summary' in html or "error-summary" in html


def test_the_proxy_chooses_for_the_member_and_the_operator_may_not(
    senior, proxy, operator, signed_in, make_session, make_grant
):
    make_grant(senior, proxy, scopes=["session.book"])
    session = ended(make_session, senior, operator)
    assert (
        signed_in(operator).post(live(session, "live/keep/"), {"keep": "delete"}).status_code == 403
    )
    assert signed_in(proxy).post(live(session, "live/keep/"), {"keep": "delete"}).status_code == 302
    (event,) = events(session, AuditAction.SESSION_TRANSCRIPT_NOT_KEPT)
    assert event.actor_id == proxy.pk and event.subject_user_id == senior.pk


def test_a_conversation_not_kept_is_hidden_from_the_operator_until_it_is_deleted(
    senior, operator, signed_in, make_session
):
    session = ended(make_session, senior, operator, transcript_kept=False)
    operator_client = signed_in(operator)
    html = operator_client.get(live(session)).content.decode()
    assert "住所を変えたいです" not in html and "data-live-download" not in html
    assert 'data-keep-state="not-kept"' in html
    download = operator_client.get(live(session, "transcript.txt"))
    assert download.status_code == 302 and download["Location"] == live(session)
    api = operator_client.get(f"/api/v1/sessions/{session.pk}/messages")
    assert api.status_code == 403 and api.json()["error"] == "transcript_not_kept"
    # The customer still reads it, and downloads it.
    customer_client = signed_in(senior)
    assert "住所を変えたいです" in customer_client.get(live(session)).content.decode()
    body = customer_client.get(live(session, "transcript.txt")).content.decode("utf-8-sig")
    assert "住所を変えたいです" in body
    session.refresh_from_db()
    assert session.transcript_downloaded_at is not None


def test_after_deletion_every_page_says_so_and_the_download_is_gone(
    senior, operator, supervisor, signed_in, make_session
):
    session = ended(make_session, senior, operator, transcript_kept=False)
    signed_in(senior).get(live(session, "transcript.txt"))
    keeping.transcripts_sweep()
    customer = signed_in(senior)
    html = customer.get(live(session)).content.decode()
    assert 'data-keep-state="deleted"' in html and "data-live-download" not in html
    assert 'name="keep"' not in html  # nothing left to choose
    again = customer.get(live(session, "transcript.txt"))
    assert again.status_code == 302
    assert (
        "お客様が選んだとおり、会話の記録を消しました。"
        in customer.get(live(session)).content.decode()
    )
    detail = signed_in(supervisor).get(f"/sessions/{session.pk}/").content.decode()
    assert 'data-keep-state="deleted"' in detail and "transcript.txt" not in detail


def test_the_supervisors_abuse_page_says_the_conversation_was_deleted(
    senior, operator, supervisor, signed_in, make_session
):
    session = make_session(senior, operator, transcript_kept=False)
    post(session, senior, "customer", "ひどい言葉")
    live_services.session_close(session=session, actor=operator, for_abuse=True, note="暴言")
    page = f"/supervision/abuse/{session.pk}/"
    assert "ひどい言葉" in signed_in(supervisor).get(page).content.decode()
    AbuseReview.objects.create(session=session, decision="upheld", decided_by=supervisor)
    keeping.transcripts_sweep(timezone.now() + datetime.timedelta(days=2))
    html = signed_in(supervisor).get(page).content.decode()
    assert 'data-keep-state="deleted"' in html and "ひどい言葉" not in html
