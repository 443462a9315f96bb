"""Journeys with the keyboard alone: Tab, Shift-Tab, Enter and Space, never a mouse click."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROLES, Browsers, keyboard_sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("role", ROLES)
def test_sign_in_with_the_keyboard_and_the_emailed_code(browsers: Browsers, role: str) -> None:
    driver = browsers.browser_to_sign_in(role)
    focus_problems = keyboard_sign_in(driver, browsers.server, role)
    browsers.mark_signed_in(role)
    assert not focus_problems, "\n".join(focus_problems)
