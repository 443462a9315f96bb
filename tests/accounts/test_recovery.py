"""Account recovery when every sign-in method is lost (issue 21 item 2): a request after the
password, the account's e-mail told at once with a one-click stop link, a supervisor's approval
only after the waiting period (clock faked), a single-use link, a new factor enrolled."""

from __future__ import annotations

import datetime
import re
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_support.accounts import services
from access_support.accounts.models import BackupCodeDevice, RecoveryRequest
from access_support.audit.models import AuditEvent
from tests.conftest import PASSWORD, verify_session

pytestmark = pytest.mark.django_db

SITE = "https://support.example.jp"


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = SITE
    settings.RECOVERY_WAIT_HOURS = 72


def _password_only(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(body: str, kind: str) -> str:
    match = re.search(rf"{re.escape(SITE)}(/accounts/recovery/{kind}/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def _ask(user: Any, capture: Any, reason: str = "スマホをなくしました。") -> Any:
    with capture(execute=True):
        return _password_only(user).post(
            "/accounts/recovery/", {"reason": reason, "contact": "other@example.jp"}
        )


def _later(hours: float) -> Any:
    return mock.patch(
        "django.utils.timezone.now",
        return_value=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours),
    )


def test_the_code_page_links_to_the_recovery_request(senior):
    page = _password_only(senior).get("/accounts/otp/").content.decode()
    assert 'href="/accounts/recovery/"' in page


def test_full_journey_request_wait_approve_and_enrol_a_new_factor(
    senior, supervisor, signed_in, django_capture_on_commit_callbacks
):
    TOTPDevice.objects.create(user=senior, name="old phone", confirmed=True)
    services.backup_codes_regenerate(user=senior)
    answer = _ask(senior, django_capture_on_commit_callbacks, "カード 4111 1111 1111 1111 も")
    assert answer.status_code == 200
    recovery = RecoveryRequest.objects.get(user=senior)
    assert "4111 1111 1111 1111" not in recovery.reason
    assert recovery.status == "requested"
    assert recovery.earliest_approval_at - recovery.created_at >= datetime.timedelta(hours=72)
    told = mail.outbox[-1]
    assert told.to == [senior.email]
    assert "心当たりがない場合は、ここで止めてください" in told.body  # in her language
    _link(told.body, "stop")

    boss = signed_in(supervisor)
    listing = boss.get("/supervision/recovery/").content.decode()
    assert senior.name in listing
    page = boss.get(f"/supervision/recovery/{recovery.pk}/").content.decode()
    assert "disabled" in page
    # Before the wait ends, approval is refused.
    refused = boss.post(
        f"/supervision/recovery/{recovery.pk}/",
        {"action": "approve", "documents": ["運転免許証"]},
    )
    assert refused.status_code == 400
    recovery.refresh_from_db()
    assert recovery.status == "requested"
    assert TOTPDevice.objects.filter(user=senior).exists()

    with _later(72.5), django_capture_on_commit_callbacks(execute=True):
        boss = signed_in(supervisor)  # a new sign-in: the faked 72 h ran out the idle clock
        assert "disabled" not in boss.get(f"/supervision/recovery/{recovery.pk}/").content.decode()
        done = boss.post(
            f"/supervision/recovery/{recovery.pk}/",
            {"action": "approve", "documents": ["運転免許証"]},
        )
        assert done["Location"] == f"/supervision/recovery/{recovery.pk}/"
    recovery.refresh_from_db()
    assert recovery.status == "approved" and recovery.decided_by == supervisor
    assert not TOTPDevice.objects.filter(user=senior).exists()
    assert not BackupCodeDevice.objects.filter(user=senior).exists()
    assert services.email_device_for(senior) is not None
    finish = _link(mail.outbox[-1].body, "finish")
    assert mail.outbox[-1].to == [senior.email]

    with _later(73):
        browser = Client()
        assert browser.get(finish).status_code == 200
        went = browser.post(finish)
        assert went.status_code == 302 and went["Location"].startswith("/accounts/login/")
        # Single use.
        assert 'name="finish"' not in browser.get(finish).content.decode()
        browser.post(finish)
    recovery.refresh_from_db()
    assert recovery.status == "completed"

    # Password + e-mailed code, then a new authenticator app.
    with django_capture_on_commit_callbacks(execute=True):
        signed = browser.post("/accounts/login/", {"username": "senior", "password": PASSWORD})
    assert signed.status_code == 302
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert code
    device = services.email_device_for(senior)
    assert device is not None
    verified = browser.post(
        "/accounts/otp/", {"device": device.persistent_id, "token": code.group(1)}
    )
    assert verified.status_code == 302
    browser.post("/accounts/security/", {"action": "totp_start"})
    pending = TOTPDevice.objects.get(user=senior, confirmed=False)
    token = f"{totp(pending.bin_key, step=pending.step, t0=pending.t0, digits=pending.digits):06d}"
    browser.post("/accounts/security/", {"action": "totp_confirm", "token": token})
    assert TOTPDevice.objects.filter(user=senior, confirmed=True).exists()

    actions = set(AuditEvent.objects.filter(subject_user=senior).values_list("action", flat=True))
    assert {"recovery.requested", "recovery.approved", "recovery.completed"} <= actions


def test_the_stop_link_stops_it_once_and_approval_is_then_refused(
    senior, supervisor, signed_in, django_capture_on_commit_callbacks
):
    _ask(senior, django_capture_on_commit_callbacks)
    stop = _link(mail.outbox[-1].body, "stop")
    stranger = Client()  # no sign-in needed
    page = stranger.get(stop)
    assert page.status_code == 200 and 'name="stop"' in page.content.decode()
    # GET alone changes nothing (mail scanners open links).
    assert RecoveryRequest.objects.get(user=senior).status == "requested"
    assert stranger.post(stop).status_code == 200
    recovery = RecoveryRequest.objects.get(user=senior)
    assert recovery.status == "stopped"
    assert AuditEvent.objects.filter(action="recovery.stopped", subject_user=senior).exists()
    # Single use: the link no longer shows the button, and a second POST changes nothing.
    assert 'name="stop"' not in stranger.get(stop).content.decode()
    stranger.post(stop)
    assert RecoveryRequest.objects.filter(status="stopped").count() == 1
    with _later(100):
        refused = signed_in(supervisor).post(
            f"/supervision/recovery/{recovery.pk}/",
            {"action": "approve", "documents": ["運転免許証"]},
        )
    assert refused.status_code == 400
    recovery.refresh_from_db()
    assert recovery.status == "stopped"


def test_one_open_request_per_user(senior, django_capture_on_commit_callbacks):
    _ask(senior, django_capture_on_commit_callbacks)
    second = _ask(senior, django_capture_on_commit_callbacks)
    assert second.status_code == 200
    assert RecoveryRequest.objects.filter(user=senior).count() == 1
    from access_support.accounts import recovery

    with pytest.raises(recovery.RecoveryError) as caught:
        recovery.request_recovery(user=senior, reason="again", contact="")
    assert caught.value.code == "already_open"


def test_requests_are_throttled(senior, django_capture_on_commit_callbacks):
    from access_support.accounts import recovery

    for _ in range(recovery.PER_ACCOUNT_PER_DAY):
        _ask(senior, django_capture_on_commit_callbacks)
        RecoveryRequest.objects.filter(user=senior).update(status="stopped")
    assert _ask(senior, django_capture_on_commit_callbacks).status_code == 429


def test_only_after_the_password_and_not_when_signed_in(senior, signed_in):
    assert Client().get("/accounts/recovery/")["Location"].startswith("/accounts/login/")
    assert signed_in(senior).get("/accounts/recovery/")["Location"] == "/accounts/security/"


def test_a_wrong_stop_or_finish_link_does_nothing(senior):
    client = Client()
    assert 'name="stop"' not in client.get("/accounts/recovery/stop/nope/").content.decode()
    assert client.post("/accounts/recovery/stop/nope/").status_code == 200
    assert 'name="finish"' not in client.get("/accounts/recovery/finish/nope/").content.decode()
    assert client.post("/accounts/recovery/finish/nope/").status_code == 200
    assert not RecoveryRequest.objects.exists()


def test_decline_needs_a_reason_and_tells_the_customer(
    senior, supervisor, signed_in, django_capture_on_commit_callbacks
):
    _ask(senior, django_capture_on_commit_callbacks)
    recovery = RecoveryRequest.objects.get(user=senior)
    boss = signed_in(supervisor)
    assert boss.post(
        f"/supervision/recovery/{recovery.pk}/", {"action": "decline"}
    ).status_code == (400)
    with django_capture_on_commit_callbacks(execute=True):
        done = boss.post(
            f"/supervision/recovery/{recovery.pk}/", {"action": "decline", "reason": "本人確認不可"}
        )
    assert done.status_code == 302
    recovery.refresh_from_db()
    assert recovery.status == "declined"
    assert mail.outbox[-1].to == [senior.email]
    assert AuditEvent.objects.filter(action="recovery.declined").exists()


def test_only_supervisors_see_the_review(senior, operator, signed_in):
    assert signed_in(operator).get("/supervision/recovery/").status_code == 403
    assert verify_session(Client(), senior).get("/supervision/recovery/").status_code == 403
