"""Issue 26 items 11 and 12 in headless Chromium against a live daphne (tests/browser.py):
read marks (既読) survive a reload of the page; a customer who switches a sign-language session to
written chat is shown to the operator as that (never "connection lost, reconnecting" over a frozen
frame), and switches back to video without a reload."""

from __future__ import annotations

import time

import pytest

from tests.browser import run_axe
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e

# Chromium and the site in Japanese.
JA = {"flags": (*live.LIVE_FLAGS, "--lang=ja"), "language": "ja"}

# Talk-now sessions (kind "now") are open whatever the time of day.
server = live.server_fixture("live-switch", live.live_setup(chat=True, video=True))

MINE_STATUS_JS = (
    "return Array.from(document.querySelectorAll('[data-live-log] li[data-mine=true]'),"
    " li => li.querySelector('.live-status').textContent);"
)


def test_read_marks_survive_a_reload(server):
    path = f"/sessions/{server['chat']}/live/"
    sides = live.both_sides(server, server["customer"], path, live.OPEN_JS, **JA)
    with sides as (customer, operator):
        live.send(customer, "明細の件で質問があります")
        # The operator's page is open and visible: it reads the message, the customer sees 既読.
        live.wait_for(
            customer,
            "return document.querySelector('[data-live-log] li[data-mine=true]')"
            "?.dataset.status === 'read'",
        )
        customer.refresh()
        live.wait_for(customer, live.OPEN_JS)
        live.wait_for(
            customer, "return document.querySelectorAll('[data-live-log] li').length === 1"
        )
        live.wait_for(
            customer,
            "return document.querySelector('[data-live-log] li[data-mine=true]')"
            "?.dataset.status === 'read'",
            timeout=5,
        )
        assert customer.execute_script(MINE_STATUS_JS) == ["[既読]"]


STATUS = "document.querySelector('[data-live-rtc-status]').textContent"
STATUS_JS = f"return {STATUS}"
SWITCHED = "お客様が筆談に切り替えました。ビデオは止まっています。チャットでお答えください。"


def test_customer_switches_to_written_chat_and_back_without_a_reload(server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = f"/sessions/{server['video']}/live/"
    sides = live.both_sides(server, server["other"], path, live.CONNECTED_JS, 30, **JA)
    with sides as (customer, operator):
        customer.execute_script("window.notReloaded = true")
        # The customer presses 「筆談にする」 with the keyboard.
        customer.find_element(By.CSS_SELECTOR, "[data-live-use-chat]").send_keys(Keys.ENTER)

        # The operator's page says so in its status line, and shows no picture.
        live.wait_for(operator, f"return {STATUS} === {SWITCHED!r}")
        status = operator.find_element(By.CSS_SELECTOR, "[data-live-rtc-status]")
        assert status.get_attribute("role") == "status"
        assert not operator.find_element(By.CSS_SELECTOR, "[data-live-video-frames]").is_displayed()
        assert operator.execute_script(
            "return document.querySelector('[data-live-remote]').srcObject === null"
        )
        # …and never "connection lost, reconnecting" while the customer writes instead.
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            text = operator.find_element(By.TAG_NAME, "body").text
            assert "つなぎ直しています" not in text, text
            assert operator.execute_script(STATUS_JS) == SWITCHED
            time.sleep(0.25)
        assert run_axe(operator) == []

        # The customer has a large "Switch back to video" button, reached with the keyboard.
        back = customer.find_element(By.CSS_SELECTOR, "[data-live-use-video]")
        assert back.is_displayed() and back.text == "ビデオに戻す"
        assert back.size["height"] >= 44 and back.size["width"] >= 44
        assert not operator.find_element(By.CSS_SELECTOR, "[data-live-use-video]").is_displayed()
        assert run_axe(customer) == []
        back.send_keys(Keys.ENTER)

        # Video again on both pages, without a reload.
        for driver in (customer, operator):
            live.wait_for(driver, live.CONNECTED_JS, timeout=30)
            live.wait_for(driver, "return document.querySelector('[data-live-remote]').srcObject")
            assert driver.find_element(By.CSS_SELECTOR, "[data-live-video-frames]").is_displayed()
        assert customer.execute_script("return window.notReloaded === true")
        assert not back.is_displayed()
