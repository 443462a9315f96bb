"""Issue 26 item 5: the proxy hears when their grant is approved, paused or ended (and why), and
a request form posted after a pause keeps its text and says why it was refused."""

from __future__ import annotations

import pytest
from django.core import mail

from access_support.audit.models import AuditEvent
from proxies import services
from proxies.models import Procedure

pytestmark = pytest.mark.django_db


def to_proxy(proxy):
    return [m for m in mail.outbox if m.to == [proxy.email]]


def test_the_proxy_is_emailed_when_the_member_ends_the_grant(
    senior, proxy, active_grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.grant_revoke(grant=active_grant, actor=senior, reason="自分でできるようになった")
    [message] = to_proxy(proxy)
    assert "山田 太郎 様" in message.body
    assert "山田 花子" in message.body
    # In the proxy's language (Japanese by default), with who did it and the reason given.
    assert "会員" in message.body and "The member ended" not in message.body
    assert "自分でできるようになった" in message.body


def test_the_proxy_is_emailed_when_staff_pause_the_grant(
    senior, proxy, supervisor, active_grant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.grant_suspend(grant=active_grant, actor=supervisor)
    [message] = to_proxy(proxy)
    assert "山田 花子" in message.body and "Our staff" not in message.body


def test_a_proxy_who_chose_english_hears_in_english(
    senior, proxy, supervisor, active_grant, django_capture_on_commit_callbacks
):
    from access_support.accounts.services import user_set_language

    user_set_language(user=proxy, language="en", actor=proxy)
    with django_capture_on_commit_callbacks(execute=True):
        services.grant_suspend(grant=active_grant, actor=supervisor)
    [message] = to_proxy(proxy)
    assert message.subject == "[Accessible Support] Your proxy registration"
    assert message.body.startswith("Dear 山田 太郎,")
    assert "Our staff paused your registration as the proxy of 山田 花子" in message.body
    assert "様" not in message.body and "【" not in message.subject


def test_the_proxy_is_emailed_when_the_grant_is_approved(
    senior, proxy, supervisor, make_grant, django_capture_on_commit_callbacks
):
    grant = make_grant(senior, proxy, state="pending_review")
    with django_capture_on_commit_callbacks(execute=True):
        services.grant_approve(grant=grant, actor=supervisor, documents_checked=["運転免許証"])
    [message] = to_proxy(proxy)
    assert "代理人としての登録が認められました" in message.body


def test_a_request_posted_after_a_pause_keeps_the_text_and_says_why(
    signed_in, proxy, senior, active_grant
):
    client = signed_in(proxy)
    client.post(f"/proxies/act/{senior.pk}/")
    assert client.get("/proxies/procedures/new/").status_code == 200
    services.grant_suspend(grant=active_grant, actor=senior)
    response = client.post(
        "/proxies/procedures/new/", {"kind": "address_change", "details": "東京都港区1-2-3へ転居"}
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "東京都港区1-2-3へ転居" in html  # the typed text is kept
    # Refused, and why (grant_paused).
    assert "notice-error" in html and "一時的に止めています" in html
    assert "acting-banner" not in html
    assert not Procedure.objects.exists()
    assert AuditEvent.objects.filter(action="proxy.grant_suspended").exists()
