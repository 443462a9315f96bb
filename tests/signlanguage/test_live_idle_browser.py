"""No one is signed out mid-call (issue 22 item 5), in headless Chromium against a live daphne
whose idle clock is one minute (the warning 50 s before): a customer and an operator stay on a
written chat for over two minutes — one message at the start, then the customer only keeps the
page open with the cursor in the message box, the operator only reads. Both are still signed in
at the end, the timeout dialog never opened, and the customer's focus never left the box.

Self-contained (its own daphne and sessions), like test_live_browser.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1280,900",
)
IDLE_SECONDS = 60
WARNING_SECONDS = 50
LIVE_FOR_SECONDS = 135  # over two idle timeouts

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from access_support.sessions import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from access_support.accounts import services
from signlanguage.models import Session

def signed_in(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "access_support.accounts.backends.UserBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = services.email_device_for(user).persistent_id
    store.create()
    return store.session_key

customer = services.user_create(username="c1", password="pw-long-enough-1", email="c1@example.jp",
    roles=["member"], display_name="山田 花子", member_number="1234567890")
operator = services.user_create(username="o1", password="pw-long-enough-1", email="o1@example.jp",
    roles=["operator"], display_name="鈴木 さくら", skills=["sign_language", "written_chat"])
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
print(json.dumps({"customer": signed_in(customer), "operator": signed_in(operator),
    "chat": chat.pk}))
"""

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install -y chromium")
    require_service("chromedriver", Path(CHROMEDRIVER).exists(), "apt-get install chromium-driver")
    tmp = tmp_path_factory.mktemp("live-idle-browser")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
        "DATABASE_URL": f"sqlite:///{tmp}/live.sqlite3",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
        "E2E_IDLE_SECONDS": str(IDLE_SECONDS),
        "E2E_IDLE_WARNING_SECONDS": str(WARNING_SECONDS),
    }
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--noinput", "-v0"], ["shell", "-c", SETUP]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])
    port = _free_port()
    log_path = tmp / "daphne.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "access_support.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text(errors="replace")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "daphne did not start"
            time.sleep(0.2)
        yield {**data, "url": url, "log": log_path}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def browser(server: dict[str, Any], session_key: str, path: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(15)
    driver.get(server["url"] + "/healthz")
    driver.add_cookie({"name": "sessionid", "value": session_key, "path": "/"})
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
        assert wait_for(customer, f"return {ROOT_JS}.dataset.connection === 'open'")
        assert not server["log"].read_text(errors="replace").count("Traceback")
    finally:
        customer.quit()
        operator.quit()
