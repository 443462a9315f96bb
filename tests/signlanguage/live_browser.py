"""What the live-session browser tests share (on top of tests/browser.py): the set-up of a
customer and an operator with active talk-now sessions, a live daphne serving them, two signed-in
browsers on one session page, and the page's own probes (connection state, stored messages,
sending a message)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import browser as base

# Chromium with the fake camera and loopback ICE candidates.
LIVE_FLAGS = (*base.CHROME_FLAGS, *base.MEDIA_FLAGS)

ROOT_JS = "document.querySelector('.live-session')"
OPEN_JS = f"return {ROOT_JS}.dataset.connection === 'open'"
CONNECTED_JS = f"return {ROOT_JS}.dataset.rtcState === 'connected'"

PEOPLE = """
customer = person("c1", "山田 花子", ["member"], member_number="1234567890")
operator = person("o1", "鈴木 さくら", ["operator"], skills=["sign_language", "written_chat"])
keys = {"customer": signed_in(customer), "operator": signed_in(operator)}
"""
CHAT = """
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
keys["chat"] = chat.pk
"""
# The sign-language session is the customer's own, or a second member's ("other") when the
# customer has the written chat.
VIDEO = """
caller = customer
if "chat" in keys:
    caller = person("c2", "佐藤 一郎", ["member"], member_number="2345678901")
    keys["other"] = signed_in(caller)
video = Session.objects.create(customer=caller, booked_by=caller, operator=operator,
    mode="sign_language", kind="now", state="active", topic="手話")
keys["video"] = video.pk
"""


def live_setup(*, chat: bool = False, video: bool = False) -> str:
    """A `manage.py shell -c` script (talk-now sessions are open whatever the time of day) that
    prints the session keys of "customer" and "operator" and, as asked, the pk of an active
    written chat ("chat") and of an active sign-language session ("video"; with a chat as well,
    that is a second member's, whose key is "other")."""
    parts = [base.SIGNED_IN_SETUP, PEOPLE, CHAT if chat else "", VIDEO if video else ""]
    return "".join(parts) + "print(json.dumps(keys))\n"


@contextlib.contextmanager
def live_server(
    tmp: Path, setup: str, *, seed: bool = False, **env_extra: str
) -> Iterator[dict[str, Any]]:
    """daphne on tests/e2e/settings.py (SQLite in `tmp`), migrated, seeded with the demo data if
    asked, then `setup` run; yields what `setup` printed last, with "url", "log" and "env"."""
    base.require_browser()
    env = base.e2e_env(tmp / "live.sqlite3", **env_extra)
    commands = [["migrate", "--noinput", "-v0"], *([["seed_demo"]] if seed else [])]
    data = base.last_json(base.prepare(env, *commands, ["shell", "-c", setup]))
    with base.daphne(env, tmp / "daphne.log") as url:
        yield {**data, "url": url, "log": tmp / "daphne.log", "env": env}


def server_fixture(name: str, setup: str, *, seed: bool = False, **env_extra: str) -> Any:
    """A module-scoped `server` fixture: `live_server` in a temporary folder called `name`."""

    @pytest.fixture(scope="module")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
        with live_server(tmp_path_factory.mktemp(name), setup, seed=seed, **env_extra) as data:
            yield data

    return server


def browser(
    server: dict[str, Any],
    session_key: str,
    path: str,
    script: str | None = None,
    flags: tuple[str, ...] = LIVE_FLAGS,
    language: str | None = None,
) -> Any:
    """A browser signed in with `session_key`, at `path`; with the `as_language` cookie set to
    `language` before the page loads if one is given."""
    if language is None:
        return base.signed_in_driver(server["url"], session_key, path, flags, script)
    driver = base.signed_in_driver(server["url"], session_key, "/healthz", flags, script)
    driver.add_cookie({"name": "as_language", "value": language, "path": "/"})
    driver.get(server["url"] + path)
    return driver


@contextlib.contextmanager
def both_sides(
    server: dict[str, Any],
    customer_key: str,
    path: str,
    until: str | None = None,
    timeout: float = 20,
    **options: Any,
) -> Iterator[tuple[Any, Any]]:
    """The customer's browser (session `customer_key`) and the operator's, both at `path` (with
    `browser`'s `options`), once the script `until` is true on both if given; closed
    afterwards."""
    customer = browser(server, customer_key, path, **options)
    try:
        operator = browser(server, server["operator"], path, **options)
    except BaseException:
        customer.quit()
        raise
    try:
        if until is not None:
            for driver in (customer, operator):
                wait_for(driver, until, timeout)
        yield customer, operator
    finally:
        customer.quit()
        operator.quit()


def wait_for(driver: Any, script: str, timeout: float = 20, step: float = 0.1) -> Any:
    """The first true value of `script` on the page, polled every `step` s; fails the test after
    `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        time.sleep(step)


def stored_count(n: int) -> str:
    return (
        f"return document.querySelectorAll('[data-live-log] li:not([data-pending])').length === {n}"
    )


def send(driver: Any, text: str) -> Any:
    """Type `text` in the message box and press the send button; returns the box."""
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.CSS_SELECTOR, "[data-live-input]")
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "[data-live-compose] button[type=submit]").click()
    return box
