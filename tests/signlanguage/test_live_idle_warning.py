"""The live chat is where a customer can type for a long time without an HTTP request (websocket
frames do not touch the session), so its pages carry the timeout warning like every other page."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import re

import pytest

from tests.signlanguage.live_fixtures import make_grant, make_session  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_the_customers_chat_page_carries_the_timeout_warning(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator, mode="written_chat")
    html = signed_in(senior).get(f"/sessions/{session.pk}/live/").content.decode()
    assert '<dialog id="idle-dialog"' in html and "js/idle-timeout.js" in html
    left = int(re.search(r'data-session-left="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert 29 * 60 <= left <= 30 * 60


def test_the_operators_chat_page_warns_on_the_fifteen_minute_clock(
    senior, operator, signed_in, make_session
):
    session = make_session(senior, operator, mode="written_chat")
    html = signed_in(operator).get(f"/sessions/{session.pk}/live/").content.decode()
    left = int(re.search(r'data-session-left="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert 14 * 60 <= left <= 15 * 60
