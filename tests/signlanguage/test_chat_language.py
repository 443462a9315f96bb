"""Issue 23 item 8: Japanese chat text inside an English page is marked lang="ja" (WCAG 3.1.2),
in the history the page renders (the live client marks new messages the same way:
tests/js/part-language.test.mjs)."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from signlanguage.live import services as live_services
from tests.signlanguage.live_fixtures import make_session  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def post(session: Any, user: Any, role: str, text: str) -> None:
    live_services.message_post(
        session_id=session.pk, sender=user, role=role, client_id=uuid.uuid4(), text=text
    )


def ended_page(signed_in: Any, user: Any, session: Any, language: str) -> str:
    client = signed_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(f"/sessions/{session.pk}/live/").content.decode()


@pytest.fixture
def ended(senior: Any, operator: Any, make_session: Any) -> Any:
    session = make_session(senior, operator)
    post(session, senior, "customer", "カードの明細が届きません")
    post(session, operator, "operator", "Thank you, I will check.")
    live_services.session_close(session=session, actor=operator, summary="住所変更の方法を案内")
    session.refresh_from_db()
    assert session.state == "closed" and session.closed_at <= timezone.now()
    return session


def test_japanese_messages_carry_lang_ja_on_an_english_page(
    signed_in: Any, senior: Any, operator: Any, ended: Any
) -> None:
    html = ended_page(signed_in, senior, ended, "en")
    assert '<html lang="en">' in html
    log = html[html.index("data-live-log") : html.index("</ol>")]
    assert '<p class="live-text" lang="ja">カードの明細が届きません</p>' in log
    assert '<p class="live-text">Thank you, I will check.</p>' in log
    assert f'<span lang="ja">{operator.name}</span> (Operator)' in log
    assert '<p class="live-summary" lang="ja">住所変更の方法を案内</p>' in html
    assert '<dd lang="ja">明細について</dd>' in html


def test_a_japanese_page_needs_no_mark(signed_in: Any, senior: Any, ended: Any) -> None:
    html = ended_page(signed_in, senior, ended, "ja")
    assert '<p class="live-text">カードの明細が届きません</p>' in html
    assert 'lang="ja">' not in html.split("<body>", 1)[1].replace(
        '<button type="submit" name="language" value="ja" lang="ja">', ""
    )
