"""The browser client (signlanguage/static/signlanguage/session.js) in headless Chromium against a
live daphne: a written chat survives a dropped socket with nothing lost or shown twice, and a
sign-language session reaches a WebRTC `connected` state on both pages with the fake camera."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import (
    CHROME_FLAGS,
    MEDIA_FLAGS,
    SIGNED_IN_SETUP,
    daphne,
    e2e_env,
    last_json,
    prepare,
    require_browser,
    run_axe,
    signed_in_driver,
)

pytestmark = pytest.mark.e2e

FLAGS = (*CHROME_FLAGS, *MEDIA_FLAGS)

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
    tmp = tmp_path_factory.mktemp("live-browser")
    env = e2e_env(tmp / "live.sqlite3")
    data = last_json(prepare(env, ["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]))
    with daphne(env, tmp / "daphne.log") as url:
        yield {**data, "url": url, "log": tmp / "daphne.log", "env": env}


def browser(server: dict[str, Any], session_key: str, path: str, script: str | None = None) -> Any:
    return signed_in_driver(server["url"], session_key, path, FLAGS, script)


@contextlib.contextmanager
def both_sides(server: dict[str, Any], customer_key: str, path: str) -> Iterator[tuple[Any, Any]]:
    """The customer's browser (session `customer_key`) and the operator's, both at `path`;
    closed afterwards."""
    customer = browser(server, customer_key, path)
    operator = browser(server, server["operator"], path)
    try:
        yield customer, operator
    finally:
        customer.quit()
        operator.quit()


def wait_for(driver: Any, script: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        time.sleep(0.1)


ROOT_JS = "document.querySelector('.live-session')"
LOG_JS = (
    "return Array.from(document.querySelectorAll('[data-live-log] li:not([data-pending])'),"
    " li => [Number(li.dataset.seq), li.querySelector('.live-text').textContent]);"
)


def stored_count(n: int) -> str:
    return (
        f"return document.querySelectorAll('[data-live-log] li:not([data-pending])').length === {n}"
    )


def send(driver: Any, text: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.CSS_SELECTOR, "[data-live-input]")
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "[data-live-compose] button[type=submit]").click()


def test_written_chat_loses_and_repeats_nothing_when_the_customer_socket_drops(server):
    path = f"/sessions/{server['chat']}/live/"
    with both_sides(server, server["customer"], path) as (customer, operator):
        for driver in (customer, operator):
            wait_for(driver, f"return {ROOT_JS}.dataset.connection === 'open'")
        send(customer, "こんにちは <b>太字?</b>")
        wait_for(operator, stored_count(1))

        # The customer's socket drops; while it is down the operator answers twice and the
        # customer writes again (kept in the page, sent on reconnect with the same client_id).
        customer.execute_script(f"{ROOT_JS}.liveSession.socket.close()")
        send(operator, "お待たせしました")
        send(operator, "ご用件をどうぞ")
        send(customer, "明細の件です")
        wait_for(customer, f"return {ROOT_JS}.dataset.connection === 'open'")
        expected_texts = {
            "こんにちは <b>太字?</b>",
            "お待たせしました",
            "ご用件をどうぞ",
            "明細の件です",
        }
        for driver in (customer, operator):
            wait_for(driver, stored_count(4))
            log = driver.execute_script(LOG_JS)
            assert [seq for seq, _ in log] == [1, 2, 3, 4]
            assert {text for _, text in log} == expected_texts
        # Rendered as text, never as HTML.
        assert not customer.execute_script("return document.querySelector('[data-live-log] b')")
        # The operator's page was open and visible, so the customer's messages end up "read".
        wait_for(
            customer,
            "return Array.from(document.querySelectorAll('[data-mine=true]'))"
            ".every(li => li.dataset.status === 'read')",
        )
        assert (
            customer.execute_script("return document.querySelector('[data-live-input]').value")
            == ""
        )
        # WCAG 2.2 AA with messages in the log, on both sides.
        assert run_axe(customer) == []
        assert run_axe(operator) == []


def test_sign_language_session_connects_webrtc_on_both_pages(server):
    path = f"/sessions/{server['video']}/live/"
    with both_sides(server, server["other"], path) as (customer, operator):
        for driver in (customer, operator):
            wait_for(driver, f"return {ROOT_JS}.dataset.rtcState === 'connected'", timeout=30)
            # Self-view shows the camera; the remote picture arrives; the track asks for motion.
            wait_for(driver, "return document.querySelector('[data-live-remote]').srcObject")
            assert (
                driver.execute_script(
                    "return document.querySelector('[data-live-self]').srcObject"
                    ".getVideoTracks()[0].contentHint"
                )
                == "motion"
            )
        assert run_axe(customer) == []
