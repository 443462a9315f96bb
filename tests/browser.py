"""What the browser and live-server tests share: `manage.py` (or any Python) in a child
process, daphne on a free port (waited for until /healthz answers, stopped with its process
group), headless Debian Chromium driven by selenium with the standard flags, a driver signed in
with a session cookie, axe-core from the pinned npm copy, and the e-mails of the file backend.

Selenium is imported inside the functions, so a test module that only needs `manage` or the
server does not load it.
"""

from __future__ import annotations

import contextlib
import email
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1280,900",
)
# WebRTC with Chromium's fake camera, and ICE candidates on 127.0.0.1 (seen on this stack).
MEDIA_FLAGS = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
)

# The start of a `manage.py shell -c` set-up script: `person(...)` makes a user with the test
# password, and `signed_in(user, **session)` returns the key of a session that has passed the
# second factor (the `sessionid` cookie), with any extra session data.
SIGNED_IN_SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from access_support.sessions import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from access_support.accounts import services
from signlanguage.models import Session

def person(username, display_name, roles, **extra):
    return services.user_create(username=username, password="pw-long-enough-1",
        email=f"{username}@example.jp", roles=roles, display_name=display_name, **extra)

def signed_in(user, **session):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "access_support.accounts.backends.UserBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = services.email_device_for(user).persistent_id
    for key, value in session.items():
        store[key] = value
    store.create()
    return store.session_key
"""


def e2e_env(database: Path, **extra: str) -> dict[str, str]:
    """The environment of a live server on tests/e2e/settings.py with the SQLite file `database`:
    one process, so no Redis (in-memory layer and cache, nothing shared)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("REDIS_URL", None)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_browser(axe: bool = False) -> None:
    """Skip (fail under REQUIRE_SERVICES=1) without Chromium, chromedriver or, if asked, axe."""
    require_service(
        "Chromium", Path(CHROMIUM).exists(), "apt-get install -y chromium chromium-driver"
    )
    require_service(
        "chromedriver", Path(CHROMEDRIVER).exists(), "apt-get install -y chromium-driver"
    )
    if axe:
        require_service("axe-core", AXE_JS.exists(), "run npm ci at the repository root")


def python(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """This Python with `args` at the repository root, in `env`; the output captured as text."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(env: dict[str, str], *command: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python manage.py <command>` at the repository root with `env`, output captured."""
    return python(env, "manage.py", *command, timeout=timeout)


def prepare(env: dict[str, str], *commands: list[str]) -> str:
    """Run the manage.py commands in turn (migrate, seed, a set-up script); fail the test on the
    first that fails. Returns the standard output of the last."""
    stdout = ""
    for command in commands:
        done = manage(env, *command)
        if done.returncode != 0:
            pytest.fail(f"manage.py {command[0]} failed:\n{done.stdout}\n{done.stderr}")
        stdout = done.stdout
    return stdout


def last_json(stdout: str) -> Any:
    """The JSON a set-up script prints last."""
    return json.loads(stdout.strip().splitlines()[-1])


def log_tail(log_path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_until_up(process: subprocess.Popen, url: str, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"daphne exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"daphne did not answer /healthz in {timeout:g} s:\n{log_tail(log_path)}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL after 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def daphne(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """daphne serving the project's ASGI application on a free port, its output in `log_path`;
    yields its URL (http://127.0.0.1:port) once /healthz answers."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "access_support.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, url, log_path)
        yield url
    finally:
        stop(process)


def new_driver(flags: tuple[str, ...] = CHROME_FLAGS, script: str | None = None) -> Any:
    """Headless Chromium; `script` runs in every document before the page's own scripts."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in flags:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    if script is not None:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
    return driver


def signed_in_driver(
    url: str,
    session_key: str,
    path: str,
    flags: tuple[str, ...] = CHROME_FLAGS,
    script: str | None = None,
) -> Any:
    """A browser holding the `sessionid` cookie `session_key`, opened at `path`."""
    driver = new_driver(flags, script)
    driver.get(url + "/healthz")  # a cookie needs a page of the site first
    driver.add_cookie({"name": "sessionid", "value": session_key, "path": "/"})
    driver.get(url + path)
    return driver


def run_axe(driver: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA violations on the page (id, impact, help, up to 8 targets)."""
    require_browser(axe=True)
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE_JS.read_text())
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},
                           resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 8).map(n => n.target.join(' '))}))))
          .catch(e => done({error: String(e)}));
        """,
        AXE_TAGS,
    )
    if isinstance(result, dict):
        pytest.fail(f"axe-core failed on {driver.current_url}: {result['error']}")
    return result


def mailed_texts(mail_dir: Path, address: str) -> Iterator[tuple[float, str]]:
    """(file mtime, plain-text body) of every e-mail to `address` in the file backend's folder
    (one file per connection, messages separated by a line of 79 dashes)."""
    for path in mail_dir.glob("*.log"):
        mtime = path.stat().st_mtime
        for chunk in path.read_bytes().split(b"-" * 79):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk.strip(), policy=policy.default)
            if address not in str(message.get("To", "")):
                continue
            body = message.get_body(preferencelist=("plain",))
            yield mtime, body.get_content() if body is not None else ""
