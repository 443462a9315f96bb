"""Issue 23 item 8: the language we write to a person in is stored on the user (default
Japanese), chosen on the sign-in settings page or with the language switch while signed in,
audited; the sign-in code and password e-mails follow it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from access_support.accounts import services
from access_support.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def changes(user: Any) -> list[tuple[Any, Any, int | None]]:
    events = AuditEvent.objects.filter(action="user.language_changed", subject_user=user)
    return [(e.before, e.after, e.actor_id) for e in events.order_by("seq")]


def test_japanese_is_the_default(senior: Any) -> None:
    assert senior.language == "ja"


def test_the_settings_page_switches_and_audits_the_language(signed_in: Any, senior: Any) -> None:
    client = signed_in(senior)
    page = client.get("/accounts/security/").content.decode()
    assert 'name="language" value="ja"' in page and 'name="language" value="en"' in page
    assert '<span lang="en">English</span>' in page and '<span lang="ja">日本語</span>' in page
    response = client.post("/accounts/security/", {"action": "language", "language": "en"})
    assert response.status_code == 302
    senior.refresh_from_db()
    assert senior.language == "en"
    assert changes(senior) == [({"language": "ja"}, {"language": "en"}, senior.pk)]
    # The pages follow on this device, and the page says it is saved, in English.
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in page
    assert "We will write to you in this language." in page
    assert re.search(r'value="en"[^>]* checked>', page) and not re.search(
        r'value="ja"[^>]* checked>', page
    )
    # Choosing the same again writes nothing more.
    client.post("/accounts/security/", {"action": "language", "language": "en"})
    assert len(changes(senior)) == 1


def test_an_unknown_language_is_refused_with_a_message(signed_in: Any, senior: Any) -> None:
    client = signed_in(senior)
    response = client.post("/accounts/security/", {"action": "language", "language": "fr"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode() or "field-error" in (
        response.content.decode()
    )
    senior.refresh_from_db()
    assert senior.language == "ja" and not changes(senior)
    with pytest.raises(ValueError):
        services.user_set_language(user=senior, language="fr", actor=senior)


def test_the_language_switch_stores_the_choice_once_signed_in(signed_in: Any, senior: Any) -> None:
    Client().post("/i18n/language", {"language": "en", "next": "/"})  # signed out: cookie only
    client = signed_in(senior)
    client.post("/i18n/language", {"language": "en", "next": "/"})
    senior.refresh_from_db()
    assert senior.language == "en"
    client.post("/i18n/language", {"language": "ja", "next": "/"})
    senior.refresh_from_db()
    assert senior.language == "ja"
    assert [after for _before, after, _actor in changes(senior)] == [
        {"language": "en"},
        {"language": "ja"},
    ]


def test_the_sign_in_code_comes_in_the_users_language(senior: Any) -> None:
    services.user_set_language(user=senior, language="en", actor=senior)
    client = Client()
    client.post("/accounts/login/", {"username": "senior", "password": PASSWORD})
    message = mail.outbox[-1]
    assert message.subject == "[Accessible Support] Sign-in code"
    assert "Your sign-in code: " in message.body and "確認コード" not in message.body
    services.user_set_language(user=senior, language="ja", actor=senior)
    client.cookies.clear()
    mail.outbox.clear()
    senior.emaildevice_set.update(last_generated_timestamp=None)
    Client().post("/accounts/login/", {"username": "senior", "password": PASSWORD})
    message = mail.outbox[-1]
    assert message.subject == "【Accessible Support】確認コード"
    assert "確認コード：" in message.body and "sign-in code" not in message.body


def test_the_password_link_comes_in_the_users_language(
    senior: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.user_set_language(user=senior, language="en", actor=senior)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/forgot-password/", {"email": senior.email})
    (message,) = mail.outbox
    assert message.subject == "[Accessible Support] Choose a new password"
    assert message.body.startswith(f"Dear {senior.name},")
    assert "/accounts/reset-password/" in message.body
    assert "パスワード" not in message.body
