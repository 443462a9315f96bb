"""Issue 21 item 1: requests reach staff and come back answered. The back-office queue (lost
cards pinned on top, oldest first, filters), one claimer under concurrency, the statuses and
their audit rows, the member's timeline, notices and e-mails, the lost-card "what happens next",
and the `procedures` skill that lets an operator in."""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connections
from django.utils import timezone

from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from access_support.audit.services import verify_chain
from access_support.notifications.models import Notice
from proxies import hours, procedure_views, services
from proxies.models import Procedure, ProcedureKind, ProcedureStatus

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def clerk(make_user: Any) -> Any:
    """An operator with the `procedures` skill: back-office staff."""
    return make_user("operator", username="clerk", display_name="受付 一郎", skills=["procedures"])


def _file(actor: Any, member: Any, kind: str, *, ago: datetime.timedelta | None = None) -> Any:
    procedure = services.procedure_file(
        actor=actor, member=member, kind=kind, details="詳細", verified=True
    )
    if ago is not None:
        Procedure.objects.filter(pk=procedure.pk).update(created_at=timezone.now() - ago)
        procedure.refresh_from_db()
    return procedure


# --- who is staff -----------------------------------------------------------------------------


def test_only_supervisors_and_operators_with_the_procedures_skill_see_the_queue(
    signed_in, clerk, operator, supervisor, senior, proxy
):
    assert signed_in(clerk).get("/proxies/back-office/").status_code == 200
    assert signed_in(supervisor).get("/proxies/back-office/").status_code == 200
    # An operator without the skill, a member and a proxy are refused.
    for user in (operator, senior, proxy):
        assert signed_in(user).get("/proxies/back-office/").status_code == 403


def test_the_supervisor_gives_an_operator_the_procedures_skill(signed_in, supervisor, operator):
    response = signed_in(supervisor).post(
        f"/supervision/operators/{operator.pk}/", {"skills": ["written_chat", "procedures"]}
    )
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.skill_procedures and operator.skills == ["written_chat", "procedures"]
    event = AuditEvent.objects.get(action=AuditAction.USER_SKILLS_CHANGED)
    assert event.after == {"skills": ["written_chat", "procedures"]}
    assert signed_in(operator).get("/proxies/back-office/").status_code == 200


# --- the queue ------------------------------------------------------------------------------------


def test_lost_cards_are_pinned_on_top_then_the_oldest_first(
    signed_in, clerk, senior, proxy, active_grant
):
    old = _file(senior, senior, ProcedureKind.ADDRESS_CHANGE, ago=datetime.timedelta(days=5))
    older = _file(senior, senior, ProcedureKind.STATEMENT_INQUIRY, ago=datetime.timedelta(days=9))
    lost = _file(proxy, senior, ProcedureKind.LOST_CARD, ago=datetime.timedelta(hours=7))
    page = signed_in(clerk).get("/proxies/back-office/")
    html = page.content.decode()
    assert [p.pk for p in page.context["pinned"]] == [lost.pk]
    assert [p.pk for p in page.context["rows"]] == [older.pk, old.pk]
    # Highlighted (a frame and a word, never colour alone) and with its age.
    assert html.index("card-urgent") < html.index(f"/proxies/back-office/{older.pk}/")
    assert "至急：" in html or "緊急：" in html
    assert "7時間" in html


def test_the_queue_filters_by_kind_status_age_filer_and_member(
    signed_in, clerk, senior, member_b, proxy, active_grant
):
    mine = _file(senior, senior, ProcedureKind.ADDRESS_CHANGE, ago=datetime.timedelta(days=4))
    by_proxy = _file(proxy, senior, ProcedureKind.STATEMENT_INQUIRY)
    other = _file(member_b, member_b, ProcedureKind.PAYMENT_METHOD)
    client = signed_in(clerk)

    def shown(query: str) -> set[int]:
        page = client.get(f"/proxies/back-office/?{query}")
        assert page.status_code == 200
        return {p.pk for p in [*page.context["pinned"], *page.context["rows"]]}

    assert shown("") == {mine.pk, by_proxy.pk, other.pk}
    assert shown("kind=payment_method") == {other.pk}
    assert shown("age=3d") == {mine.pk}
    assert shown("filed_by=proxy") == {by_proxy.pk}
    assert shown("filed_by=member") == {mine.pk, other.pk}
    assert shown("member_number=1234567890") == {mine.pk, by_proxy.pk}
    assert shown("member_number=1111111111") == set()
    services.procedure_claim(procedure=other, actor=clerk)
    assert shown("status=in_progress") == {other.pk}
    assert shown("status=received") == {mine.pk, by_proxy.pk}


# --- one claimer ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_racing_claims_one_wins(make_user: Any, senior: Any) -> None:
    """Runs on SQLite and, in CI's second pass, on PostgreSQL: each thread has its own
    connection; both are released at the same moment."""
    procedure = _file(senior, senior, ProcedureKind.LOST_CARD)
    staff = [make_user("operator", skills=["procedures"]) for _ in range(2)]
    for _round in range(5):
        barrier = threading.Barrier(len(staff))
        answers: list[str] = []
        lock = threading.Lock()

        def run(user: Any) -> None:
            try:
                barrier.wait()
                try:
                    services.procedure_claim(procedure=procedure, actor=user)
                    answer = "won"
                except services.GrantError as exc:
                    answer = exc.code
                with lock:
                    answers.append(answer)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(user,)) for user in staff]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert Counter(answers) == Counter({"won": 1, "already_claimed": 1})
        claimed = AuditEvent.objects.filter(
            action=AuditAction.PROXY_PROCEDURE_CLAIMED, object_id=str(procedure.pk)
        )
        assert claimed.count() == 1
        procedure.refresh_from_db()
        assert procedure.status == ProcedureStatus.IN_PROGRESS
        assert procedure.claimed_by_id == claimed.get().actor_id
        assert procedure.claimed_by_id in {user.pk for user in staff}
        # The next round races for a fresh request.
        procedure = _file(senior, senior, ProcedureKind.LOST_CARD)
    assert verify_chain().ok


def test_a_second_claim_by_page_says_someone_else_has_it(signed_in, clerk, supervisor, senior):
    procedure = _file(senior, senior, ProcedureKind.ADDRESS_CHANGE)
    first = signed_in(clerk).post(f"/proxies/back-office/{procedure.pk}/claim/", follow=True)
    assert first.status_code == 200
    second = signed_in(supervisor).post(f"/proxies/back-office/{procedure.pk}/claim/", follow=True)
    html = second.content.decode()
    assert "notice-error" in html and "受付 一郎" in html
    procedure.refresh_from_db()
    assert procedure.claimed_by == clerk and procedure.status == ProcedureStatus.IN_PROGRESS


# --- the statuses, audit, timeline, notices, e-mails ------------------------------------------


def test_a_request_goes_round_and_everyone_hears_of_each_step(
    signed_in, clerk, senior, proxy, active_grant, django_capture_on_commit_callbacks
):
    procedure = _file(proxy, senior, ProcedureKind.ADDRESS_CHANGE)
    staff, son = signed_in(clerk), signed_in(proxy)
    url = f"/proxies/back-office/{procedure.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"{url}claim/").status_code == 302
        # A question needs its text.
        assert staff.post(url, {"outcome": "ask", "text": ""}).status_code == 400
        assert staff.post(url, {"outcome": "ask", "text": "新しい郵便番号は？"}).status_code == 302
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.NEEDS_INFO
    # The proxy sees the question on the request's page and answers there.
    page = son.get(f"/proxies/procedures/{procedure.pk}/").content.decode()
    assert "新しい郵便番号は？" in page and 'name="answer"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            son.post(f"/proxies/procedures/{procedure.pk}/", {"answer": "105-0011"}).status_code
            == 302
        )
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.IN_PROGRESS
    # Declining needs a reason; done does not.
    assert staff.post(url, {"outcome": "decline", "text": " "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url, {"outcome": "done", "text": "変更しました"}).status_code == 302
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.DONE and procedure.closed_at is not None
    assert procedure.first_response_at == procedure.claimed_at

    steps = [
        AuditAction.PROXY_PROCEDURE_CLAIMED,
        AuditAction.PROXY_PROCEDURE_QUESTION_ASKED,
        AuditAction.PROXY_PROCEDURE_ANSWERED,
        AuditAction.PROXY_PROCEDURE_DONE,
    ]
    events = list(
        AuditEvent.objects.filter(object_id=str(procedure.pk), action__in=steps).order_by("seq")
    )
    assert [e.action for e in events] == steps
    assert all(e.subject_user_id == senior.pk for e in events)
    assert [e.after["status"] for e in events] == [
        "in_progress",
        "needs_info",
        "in_progress",
        "done",
    ]

    # The member's timeline shows each step, also under "what proxies did and asked for".
    timeline = signed_in(senior).get("/proxies/timeline/?kind=requests").content.decode()
    for sentence in ("受付", "質問", "回答", "完了"):
        assert sentence in timeline, sentence

    # In-app notices: the member hears of all four, the proxy (who answered) of the other three.
    member_notices = list(Notice.objects.filter(user=senior).values_list("kind", flat=True))
    proxy_notices = list(Notice.objects.filter(user=proxy).values_list("kind", flat=True))
    assert set(member_notices) >= {
        "procedure.claimed",
        "procedure.question",
        "procedure.answered",
        "procedure.done",
    }
    assert sorted(proxy_notices) == ["procedure.claimed", "procedure.done", "procedure.question"]
    assert "山田 花子" in signed_in(proxy).get("/proxies/procedures/").content.decode()
    # And e-mails, in the reader's language (Japanese by default), with the request's link.
    to_proxy = [m for m in mail.outbox if m.to == [proxy.email]]
    assert len(to_proxy) == 3
    assert "質問" in to_proxy[1].body and "question" not in to_proxy[1].body
    assert f"/proxies/procedures/{procedure.pk}/" in to_proxy[1].body
    assert len([m for m in mail.outbox if m.to == [senior.email]]) >= 4
    assert verify_chain().ok


def test_declining_needs_a_reason_the_customer_reads(
    signed_in, clerk, senior, django_capture_on_commit_callbacks
):
    procedure = _file(senior, senior, ProcedureKind.PAYMENT_METHOD)
    services.procedure_claim(procedure=procedure, actor=clerk)
    with pytest.raises(services.GrantError):
        services.procedure_decline(procedure=procedure, actor=clerk, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.procedure_decline(procedure=procedure, actor=clerk, reason="口座名義が違います")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.DECLINED
    event = AuditEvent.objects.get(action=AuditAction.PROXY_PROCEDURE_DECLINED)
    assert event.reason == "口座名義が違います"
    page = signed_in(senior).get(f"/proxies/procedures/{procedure.pk}/").content.decode()
    assert "口座名義が違います" in page
    assert "口座名義が違います" in mail.outbox[-1].body


def test_only_the_claimer_or_a_supervisor_moves_a_request_on(clerk, make_user, supervisor, senior):
    other = make_user("operator", skills=["procedures"])
    procedure = _file(senior, senior, ProcedureKind.ADDRESS_CHANGE)
    with pytest.raises(services.GrantError) as refused:
        services.procedure_done(procedure=procedure, actor=clerk)  # not claimed yet
    assert refused.value.code == "invalid_state"
    services.procedure_claim(procedure=procedure, actor=clerk)
    with pytest.raises(services.GrantError) as refused:
        services.procedure_ask(procedure=procedure, actor=other, question="?")
    assert refused.value.code == "not_yours"
    services.procedure_done(procedure=procedure, actor=supervisor)
    assert Procedure.objects.get().status == ProcedureStatus.DONE


def test_strangers_and_a_revoked_proxy_cannot_see_the_request(
    signed_in, senior, proxy, stranger, active_grant
):
    procedure = _file(proxy, senior, ProcedureKind.ADDRESS_CHANGE)
    url = f"/proxies/procedures/{procedure.pk}/"
    assert signed_in(senior).get(url).status_code == 200
    assert signed_in(proxy).get(url).status_code == 200
    assert signed_in(stranger).get(url).status_code == 404
    services.grant_revoke(grant=active_grant, actor=senior)
    assert signed_in(proxy).get(url).status_code == 404


# --- a lost card at any hour --------------------------------------------------------------------


def _tonight_at_23() -> datetime.datetime:
    return datetime.datetime.combine(timezone.localdate(), datetime.time(23), tzinfo=JST)


def _next_opening(moment: datetime.datetime) -> datetime.datetime:
    """signlanguage's clock, as supervision registered it (proxies may not import it): the next
    open day after `moment`, at opening time."""
    clock = hours._CLOCKS[0]
    assert clock.next_opening.__module__.startswith("signlanguage.")
    opens = timezone.localtime(clock.next_opening(moment))
    assert opens.date() > moment.date() and f"{opens:%H:%M}" == settings.SERVICE_OPEN_TIME
    return opens


def test_a_lost_card_filed_at_23_00_says_when_staff_look_and_how_to_stop_it_now(
    signed_in, proxy, senior, active_grant, settings, monkeypatch
):
    settings.LOST_CARD_PHONE = "0120-123-456"
    at_23 = _tonight_at_23()
    expected = _next_opening(at_23)
    client = signed_in(proxy)
    client.post(f"/proxies/act/{senior.pk}/")
    monkeypatch.setattr(procedure_views, "_now", lambda: at_23)
    response = client.post(
        "/proxies/procedures/new/", {"kind": "lost_card", "details": "駅で紛失"}, follow=True
    )
    html = response.content.decode()
    procedure = Procedure.objects.get()
    assert response.redirect_chain[-1][0] == f"/proxies/procedures/{procedure.pk}/"
    weekday = "月火水木金土日"[expected.weekday()]
    assert f"{expected:%Y年%-m月%-d日}({weekday}) {expected:%H:%M}" in html
    assert "0120-123-456" in html and "電話リレーサービス" in html
    assert 'href="/help/"' in html


def test_the_lost_card_clock_comes_from_the_service_hours(monkeypatch):
    at_23 = _tonight_at_23()
    told = procedure_views.lost_card_next(at_23)
    assert told["open_now"] is False
    assert told["next_opening"] == _next_opening(at_23)
    # Without a clock (no app registered one) nothing is promised.
    monkeypatch.setattr(hours, "_CLOCKS", [])
    assert procedure_views.lost_card_next(at_23)["next_opening"] is None


def test_the_members_timeline_links_each_request_with_its_state(
    signed_in, clerk, senior, proxy, active_grant
):
    procedure = _file(proxy, senior, ProcedureKind.LOST_CARD)
    services.procedure_claim(procedure=procedure, actor=clerk)
    html = signed_in(senior).get("/proxies/timeline/").content.decode()
    assert f'href="/proxies/procedures/{procedure.pk}/"' in html
    assert "状態： 対応中" in html
    assert "スタッフがお手続きの対応を始めました" in html  # the audit row's sentence


def test_the_demo_has_a_lost_card_report_waiting_once(senior, proxy, supervisor):
    from proxies import demo

    users = {"senior": senior, "proxy": proxy, "supervisor": supervisor}
    assert demo.seed(users) == demo.seed(users)
    waiting = Procedure.objects.get()
    assert (waiting.kind, waiting.status, waiting.filed_by) == ("lost_card", "received", proxy)


# --- staff file a request for a member ---------------------------------------------------------


def test_an_operator_files_a_lost_card_report_the_member_asked_for(
    signed_in, operator, clerk, senior, django_capture_on_commit_callbacks
):
    """An operator without the procedures skill (in a written-chat session, say) files it; it
    waits in the back office as filed by staff, audited, and the member is told."""
    client = signed_in(operator)
    assert client.get("/proxies/back-office/new/").status_code == 200
    unknown = client.post(
        "/proxies/back-office/new/",
        {"member_number": "1111111111", "kind": "lost_card", "details": "紛失"},
    )
    assert unknown.status_code == 400 and "この会員番号の会員はいません" in unknown.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/proxies/back-office/new/",
            {"member_number": "1234-5678-90", "kind": "lost_card", "details": "バスで紛失"},
            follow=True,
        )
    assert response.status_code == 200
    procedure = Procedure.objects.get()
    assert (procedure.filed_by, procedure.on_behalf_of, procedure.kind) == (
        operator,
        senior,
        "lost_card",
    )
    filed = AuditEvent.objects.get(action=AuditAction.PROXY_PROCEDURE_FILED)
    assert (filed.actor_id, filed.subject_user_id) == (operator.pk, senior.pk)
    assert Notice.objects.filter(user=senior, kind="procedure.filed").exists()
    assert any(m.to == [senior.email] for m in mail.outbox)
    queue = signed_in(clerk).get("/proxies/back-office/?filed_by=staff")
    assert [p.pk for p in queue.context["pinned"]] == [procedure.pk]
    # A member or a proxy cannot use the staff form.
    assert signed_in(senior).get("/proxies/back-office/new/").status_code == 403
