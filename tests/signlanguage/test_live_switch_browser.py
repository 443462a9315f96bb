"""Issue 26 items 11 and 12 in headless Chromium against a live daphne (tests/browser.py):
read marks (既読) survive a reload of the page; a customer who switches a sign-language session to
written chat is shown to the operator as that (never "connection lost, reconnecting" over a frozen
frame), and switches back to video without a reload."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import (
    CHROME_FLAGS,
    MEDIA_FLAGS,
    SIGNED_IN_SETUP,
    daphne,
    last_json,
    prepare,
    require_browser,
    run_axe,
    signed_in_driver,
)

pytestmark = pytest.mark.e2e

FLAGS = (*CHROME_FLAGS, *MEDIA_FLAGS, "--lang=ja")

# Talk-now sessions (kind "now") are open whatever the time of day.
SETUP = (
    SIGNED_IN_SETUP
    + """
customer = person("c1", "山田 花子", ["member"], member_number="1234567890")
other = person("c2", "佐藤 一郎", ["member"], member_number="2345678901")
operator = person("o1", "鈴木 さくら", ["operator"], skills=["sign_language", "written_chat"])
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
video = Session.objects.create(customer=other, booked_by=other, operator=operator,
    mode="sign_language", kind="now", state="active", topic="手話")
print(json.dumps({"customer": signed_in(customer), "other": signed_in(other),
    "operator": signed_in(operator), "chat": chat.pk, "video": video.pk}))
"""
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    tmp = tmp_path_factory.mktemp("live-switch")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
        "DATABASE_URL": f"sqlite:///{tmp}/live.sqlite3",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    data = last_json(prepare(env, ["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]))
    with daphne(env, tmp / "daphne.log") as url:
        yield {**data, "url": url}


def browser(server: dict[str, Any], session_key: str, path: str) -> Any:
    driver = signed_in_driver(server["url"], session_key, "/healthz", FLAGS)
    driver.add_cookie({"name": "as_language", "value": "ja", "path": "/"})
    driver.get(server["url"] + path)
    return driver


def wait_for(driver: Any, script: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        time.sleep(0.1)


ROOT_JS = "document.querySelector('.live-session')"
OPEN_JS = f"return {ROOT_JS}.dataset.connection === 'open'"
MINE_STATUS_JS = (
    "return Array.from(document.querySelectorAll('[data-live-log] li[data-mine=true]'),"
    " li => li.querySelector('.live-status').textContent);"
)


def send(driver: Any, text: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "[data-live-input]").send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "[data-live-compose] button[type=submit]").click()


def test_read_marks_survive_a_reload(server):
    path = f"/sessions/{server['chat']}/live/"
    customer = browser(server, server["customer"], path)
    operator = browser(server, server["operator"], path)
    try:
        for driver in (customer, operator):
            wait_for(driver, OPEN_JS)
        send(customer, "明細の件で質問があります")
        # The operator's page is open and visible: it reads the message, the customer sees 既読.
        wait_for(
            customer,
            "return document.querySelector('[data-live-log] li[data-mine=true]')"
            "?.dataset.status === 'read'",
        )
        customer.refresh()
        wait_for(customer, OPEN_JS)
        wait_for(customer, "return document.querySelectorAll('[data-live-log] li').length === 1")
        wait_for(
            customer,
            "return document.querySelector('[data-live-log] li[data-mine=true]')"
            "?.dataset.status === 'read'",
            timeout=5,
        )
        assert customer.execute_script(MINE_STATUS_JS) == ["[既読]"]
    finally:
        customer.quit()
        operator.quit()


STATUS = "document.querySelector('[data-live-rtc-status]').textContent"
STATUS_JS = f"return {STATUS}"
CONNECTED_JS = f"return {ROOT_JS}.dataset.rtcState === 'connected'"
SWITCHED = "お客様が筆談に切り替えました。ビデオは止まっています。チャットでお答えください。"


def test_customer_switches_to_written_chat_and_back_without_a_reload(server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = f"/sessions/{server['video']}/live/"
    customer = browser(server, server["other"], path)
    operator = browser(server, server["operator"], path)
    try:
        for driver in (customer, operator):
            wait_for(driver, CONNECTED_JS, timeout=30)
        customer.execute_script("window.notReloaded = true")
        # The customer presses 「筆談にする」 with the keyboard.
        customer.find_element(By.CSS_SELECTOR, "[data-live-use-chat]").send_keys(Keys.ENTER)

        # The operator's page says so in its status line, and shows no picture.
        wait_for(operator, f"return {STATUS} === {SWITCHED!r}")
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
            wait_for(driver, CONNECTED_JS, timeout=30)
            wait_for(driver, "return document.querySelector('[data-live-remote]').srcObject")
            assert driver.find_element(By.CSS_SELECTOR, "[data-live-video-frames]").is_displayed()
        assert customer.execute_script("return window.notReloaded === true")
        assert not back.is_displayed()
    finally:
        customer.quit()
        operator.quit()
