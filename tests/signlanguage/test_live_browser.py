"""The browser client (signlanguage/static/signlanguage/session.js) in headless Chromium against a
live daphne: a written chat survives a dropped socket with nothing lost or shown twice, and a
sign-language session reaches a WebRTC `connected` state on both pages with the fake camera."""

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
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1280,900",
    # WebRTC with Chromium's fake camera, and ICE candidates on 127.0.0.1 (seen on this stack).
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
)

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
other = services.user_create(username="c2", password="pw-long-enough-1", email="c2@example.jp",
    roles=["member"], display_name="佐藤 一郎", member_number="2345678901")
operator = services.user_create(username="o1", password="pw-long-enough-1", email="o1@example.jp",
    roles=["operator"], display_name="鈴木 さくら", skills=["sign_language", "written_chat"])
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
video = Session.objects.create(customer=other, booked_by=other, operator=operator,
    mode="sign_language", kind="now", state="active", topic="手話")
print(json.dumps({"customer": signed_in(customer), "other": signed_in(other),
    "operator": signed_in(operator), "chat": chat.pk, "video": video.pk}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_service("Chromium", Path(CHROMIUM).exists(), "apt-get install -y chromium")
    require_service("chromedriver", Path(CHROMEDRIVER).exists(), "apt-get install chromium-driver")
    tmp = tmp_path_factory.mktemp("live-browser")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
        "DATABASE_URL": f"sqlite:///{tmp}/live.sqlite3",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
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
        yield {**data, "url": url, "log": log_path, "env": env}
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
LOG_JS = (
    "return Array.from(document.querySelectorAll('[data-live-log] li:not([data-pending])'),"
    " li => [Number(li.dataset.seq), li.querySelector('.live-text').textContent]);"
)


def axe_violations(driver: Any) -> list[Any]:
    require_service("axe-core", AXE_JS.exists(), "run npm ci at the repository root")
    driver.execute_script(AXE_JS.read_text())
    return list(
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(AXE_TAGS)}}}}})"
            ".then(r => done(r.violations.map(v => [v.id, v.nodes.map(n => n.target)])));"
        )
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
    customer = browser(server, server["customer"], path)
    operator = browser(server, server["operator"], path)
    try:
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
        assert axe_violations(customer) == []
        assert axe_violations(operator) == []
    finally:
        customer.quit()
        operator.quit()


def test_sign_language_session_connects_webrtc_on_both_pages(server):
    path = f"/sessions/{server['video']}/live/"
    customer = browser(server, server["other"], path)
    operator = browser(server, server["operator"], path)
    try:
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
        assert axe_violations(customer) == []
    finally:
        customer.quit()
        operator.quit()
