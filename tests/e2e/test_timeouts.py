"""No time limit without a warning and a way to extend (WCAG 2.2.1), in the browser: a server of
its own with a one-minute idle timeout and the warning 50 seconds before the end. The warning
is a modal that takes focus and passes axe; Extend (keyboard only) moves the server's clock;
letting it run out shows a plain "signed out for your safety" message, keeps what was typed, and
signing in again comes back to the same page with the text put back."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import (
    AXE_TAGS,
    DEMO_PASSWORD,
    ROLE_USERS,
    SCREENSHOT_DIR,
    VIEWPORTS,
    Browsers,
    _browser_available,
    emulate,
    layout_problems,
    press,
    run_axe,
    sign_in_code,
    start_live_server,
    tab_until,
    wait_for,
)

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 60
WARNING_SECONDS = 50
PAGE = "/sessions/now/"  # a form with a text field (E2E_ALWAYS_OPEN: the form, not "closed")

DIALOG_STATE = """
const d = document.getElementById('idle-dialog');
if (!d) return null;
const active = document.activeElement;
return {open: d.open, modal: d.matches(':modal'), focusInside: d.contains(active),
  focused: active ? (active.innerText || '').trim() : '',
  title: document.getElementById('idle-title').innerText.trim(),
  text: document.getElementById('idle-text').innerText.trim(),
  targets: [...d.querySelectorAll('button, a[href]')]
    .filter(el => el.getBoundingClientRect().width > 0)
    .map(el => [el.innerText.trim(), el.getBoundingClientRect().width,
                el.getBoundingClientRect().height])};
"""

CLOCK = """
const done = arguments[arguments.length - 1];
fetch('/api/v1/session', {credentials: 'same-origin', headers: {Accept: 'application/json'}})
  .then(r => r.ok ? r.json().then(b => done({status: r.status, left: b.seconds_left}))
                  : done({status: r.status, left: null}))
  .catch(e => done({status: 0, left: String(e)}));
"""


@pytest.fixture(scope="module")
def short_idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browsers]:
    _browser_available()
    env = {
        "E2E_IDLE_SECONDS": str(IDLE_SECONDS),
        "E2E_IDLE_WARNING_SECONDS": str(WARNING_SECONDS),
        "E2E_ALWAYS_OPEN": "1",
    }
    with start_live_server(tmp_path_factory.mktemp("e2e-timeouts"), env) as server:
        pool = Browsers(server)
        try:
            yield pool
        finally:
            pool.close()


def dialog_state(driver: Any) -> dict[str, Any]:
    return driver.execute_script(DIALOG_STATE) or {}


def server_clock(driver: Any) -> dict[str, Any]:
    return dict(driver.execute_async_script(CLOCK))


def save_view(driver: Any, name: str, metrics: dict[str, Any]) -> None:
    """What the user sees (the viewport, not the full page) at `metrics`, for a person to open."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    try:
        emulate(driver, metrics)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        (SCREENSHOT_DIR / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        emulate(driver, None)


def test_the_warning_takes_focus_and_extend_moves_the_servers_clock(short_idle: Browsers):
    from selenium.webdriver.common.keys import Keys

    driver = short_idle.for_role("member")
    driver.get(short_idle.server.path(PAGE))
    wait_for(driver, lambda d: dialog_state(d).get("open"), "the timeout warning", timeout=40)

    state = dialog_state(driver)
    assert state["modal"], "the warning is not a modal dialog"
    assert state["focusInside"] and state["focused"] == "延長する", state
    assert state["title"] == "このまま続けますか？"
    assert "自動的にログアウトします" in state["text"] and "分" in state["text"], state["text"]
    for label, width, height in state["targets"]:
        assert width >= 44 and height >= 44, f"{label!r} is {width:.0f}×{height:.0f}px"

    violations = run_axe(driver)
    assert not violations, f"axe with the warning open ({AXE_TAGS}): {violations}"
    problems = layout_problems(driver)  # 375 px, 200 %, 320 px: no sideways scroll, 44 px targets
    assert not problems, "\n".join(problems)
    save_view(driver, "timeout-warning-375px-ja", VIEWPORTS["375px"])
    save_view(driver, "timeout-warning-200pct-ja", VIEWPORTS["200% zoom"])

    before = server_clock(driver)
    assert before["status"] == 200 and before["left"] <= WARNING_SECONDS, before
    assert dialog_state(driver)["focusInside"], "focus left the dialog during the checks"
    press(driver, Keys.ENTER)  # on 延長する, which has focus

    wait_for(driver, lambda d: not dialog_state(d).get("open"), "the warning to close")
    after = server_clock(driver)
    assert after["status"] == 200, after
    assert after["left"] > before["left"] + 5 and after["left"] > IDLE_SECONDS - 10, (before, after)


def test_when_time_runs_out_the_page_says_so_and_keeps_what_was_typed(short_idle: Browsers):
    from selenium.webdriver.common.keys import Keys

    server = short_idle.server
    username, address, _name = ROLE_USERS["member"]
    driver = short_idle.for_role("member")
    driver.get(server.path(PAGE))
    typed = "カードの明細について聞きたい"
    tab_until(driver, lambda el: el.get("name") == "topic", "the topic field")
    press(driver, typed)

    # Let the warning come and go unanswered.
    wait_for(driver, lambda d: dialog_state(d).get("open"), "the timeout warning", timeout=40)
    wait_for(
        driver,
        lambda d: dialog_state(d).get("title") == "時間切れになりました",
        "the signed-out message",
        timeout=IDLE_SECONDS + 15,
    )
    state = dialog_state(driver)
    assert state["open"] and state["focusInside"], state
    assert "安全のためログアウトしました" in state["text"], state["text"]
    assert state["focused"] == "もう一度ログインする", state
    assert driver.execute_script("return document.querySelector('[name=topic]').value") == typed, (
        "the typed text was lost"
    )
    assert server_clock(driver)["status"] == 401, "the server still has the session"
    assert not run_axe(driver), "axe with the signed-out message open"

    # Sign in again (keyboard only): back on the same page, the text put back.
    press(driver, Keys.ENTER)
    wait_for(driver, lambda d: urlsplit(d.current_url).path == "/accounts/login/", "sign-in")
    assert f"next={PAGE}" in driver.current_url
    tab_until(driver, lambda el: el.get("name") == "username", "the user name field")
    press(driver, username)
    tab_until(driver, lambda el: el.get("name") == "password", "the password field")
    mails = set(server.mail_dir.glob("*.log"))
    press(driver, DEMO_PASSWORD, Keys.ENTER)
    wait_for(driver, lambda d: urlsplit(d.current_url).path == "/accounts/otp/", "the code page")
    wait_for(driver, lambda d: set(server.mail_dir.glob("*.log")) - mails, "the new code e-mail")
    code = sign_in_code(server, address)
    tab_until(driver, lambda el: el.get("name") == "token", "the code field")
    press(driver, code, Keys.ENTER)
    wait_for(driver, lambda d: urlsplit(d.current_url).path == PAGE, f"{PAGE} after sign-in")
    wait_for(
        driver,
        lambda d: d.execute_script("return document.querySelector('[name=topic]').value") == typed,
        "the typed text to be put back",
    )
    # Said in a status region (filled a moment after it is added, so it is announced).
    wait_for(
        driver,
        lambda d: (
            d.execute_script("return document.querySelector('main [role=status]')?.innerText")
            == "ログアウトの前に入力した内容を、元に戻しました。"
        ),
        "the notice that the text was put back",
    )
