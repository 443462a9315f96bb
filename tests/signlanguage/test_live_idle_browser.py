"""No one is signed out mid-call (issue 22 item 5), in headless Chromium against a live daphne
whose idle clock is one minute (the warning 50 s before): a customer and an operator stay on a
written chat for over two minutes — one message at the start, then the customer only keeps the
page open with the cursor in the message box, the operator only reads. Both are still signed in
at the end, the timeout dialog never opened, and the customer's focus never left the box.

Its own daphne (tests/browser.py), with E2E_IDLE_SECONDS (tests/e2e/settings.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import (
    SIGNED_IN_SETUP,
    daphne,
    e2e_env,
    last_json,
    prepare,
    require_browser,
    signed_in_driver,
)

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 60
WARNING_SECONDS = 50
LIVE_FOR_SECONDS = 135  # over two idle timeouts

SETUP = (
    SIGNED_IN_SETUP
    + """
customer = person("c1", "山田 花子", ["member"], member_number="1234567890")
operator = person("o1", "鈴木 さくら", ["operator"], skills=["sign_language", "written_chat"])
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
print(json.dumps({"customer": signed_in(customer), "operator": signed_in(operator),
    "chat": chat.pk}))
"""
)

# Per check: the dialog's state, where focus is, the clock as the server reads it (a GET of the
# clock is not activity), and whether the polite status line is showing.
PROBE = """
const done = arguments[arguments.length - 1];
const dialog = document.getElementById('idle-dialog');
const status = document.getElementById('idle-status');
const active = document.activeElement;
fetch('/api/v1/session', {credentials: 'same-origin', headers: {Accept: 'application/json'}})
  .then(r => r.ok ? r.json() : {seconds_left: null, status: r.status})
  .then(body => done({dialogOpen: !!(dialog && dialog.open),
    focusInBox: !!(active && active.matches('[data-live-input]')),
    statusShown: !!(status && !status.hidden), visibility: document.visibilityState,
    rtc: (document.querySelector('.live-session') || {dataset: {}}).dataset.connection,
    left: body.seconds_left, status: body.status || 200}))
  .catch(e => done({error: String(e)}));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    tmp = tmp_path_factory.mktemp("live-idle-browser")
    env = e2e_env(
        tmp / "live.sqlite3",
        E2E_IDLE_SECONDS=str(IDLE_SECONDS),
        E2E_IDLE_WARNING_SECONDS=str(WARNING_SECONDS),
    )
    data = last_json(prepare(env, ["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]))
    with daphne(env, tmp / "daphne.log") as url:
        yield {**data, "url": url, "log": tmp / "daphne.log"}


def browser(server: dict[str, Any], session_key: str, path: str) -> Any:
    driver = signed_in_driver(server["url"], session_key, path)
    driver.set_script_timeout(15)
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


def test_a_two_minute_chat_on_a_one_minute_idle_clock_signs_no_one_out(server):
    from selenium.webdriver.common.by import By

    path = f"/sessions/{server['chat']}/live/"
    customer = browser(server, server["customer"], path)
    operator = browser(server, server["operator"], path)
    try:
        for driver in (customer, operator):
            wait_for(driver, f"return {ROOT_JS}.dataset.connection === 'open'")
        box = customer.find_element(By.CSS_SELECTOR, "[data-live-input]")
        box.send_keys("カードの明細について聞きたいです")
        customer.find_element(By.CSS_SELECTOR, "[data-live-compose] button[type=submit]").click()
        wait_for(operator, "return document.querySelectorAll('[data-live-log] li').length === 1")
        box.click()  # the customer's cursor stays in the box from now on; nothing else is done

        started = time.monotonic()
        seen: dict[str, list[Any]] = {"customer": [], "operator": []}
        while time.monotonic() - started < LIVE_FOR_SECONDS:
            for name, driver in (("customer", customer), ("operator", operator)):
                probe = driver.execute_async_script(PROBE)
                seen[name].append(probe)
                assert "error" not in probe, probe
                elapsed = round(time.monotonic() - started)
                assert probe["status"] == 200, f"{name} signed out after {elapsed} s: {seen[name]}"
                assert not probe["dialogOpen"], f"the timeout dialog opened for the {name}"
                if name == "customer":
                    assert probe["focusInBox"], "focus left the customer's message box"
            time.sleep(3)
        # Well past two idle timeouts: both still signed in, the server's clock running ahead.
        for name in ("customer", "operator"):
            assert seen[name][-1]["left"] > 0, seen[name][-1]
        # On this 1-minute clock the warning did come (50 s before the end): as the polite line.
        assert any(probe["statusShown"] for probe in seen["customer"]), seen["customer"]
        assert wait_for(customer, f"return {ROOT_JS}.dataset.connection === 'open'")
        assert not server["log"].read_text(errors="replace").count("Traceback")
    finally:
        customer.quit()
        operator.quit()
