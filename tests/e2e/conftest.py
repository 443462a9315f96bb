"""Browser test harness: a live daphne server on a throw-away SQLite database, headless Chromium
driven by selenium, axe-core from the pinned npm copy, and the page checks every page must pass.

One server and one browser per signed-in role are shared by the whole session; each role signs
in once, with the keyboard alone and the code read from the e-mail files. The e-mailed code has a
30-second cool-down: a test that must sign a role in again (the keyboard journey, when another
test came first) waits it out in a second browser (`Browsers.browser_to_sign_in`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests import browser
from tests.browser import AXE_TAGS as AXE_TAGS  # imported from here by the e2e tests
from tests.browser import ROOT, mailed_texts, run_axe

CHROME_FLAGS = (*browser.CHROME_FLAGS, "--force-device-scale-factor=1")
DEMO_PASSWORD = "demo-pass-2026"
EMAIL_CODE_COOLDOWN = 30  # settings.OTP_EMAIL_COOLDOWN_DURATION of the live server
LANGUAGE_COOKIE = "as_language"
# role → demo user (seed_demo) who has that role.
ROLE_USERS = {
    "member": ("senior", "senior@example.jp", "山田 花子"),
    "proxy": ("proxy", "proxy@example.jp", "山田 太郎"),
    "operator": ("operator", "operator@example.jp", "鈴木 さくら"),
    "supervisor": ("supervisor", "supervisor@example.jp", "田中 真理"),
}
ROLES = list(ROLE_USERS)
CRAWL_CAP = int(os.environ.get("E2E_CRAWL_CAP", "40"))
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
REPORT_PATH = Path(os.environ.get("E2E_REPORT_PATH", ROOT / "var" / "e2e-report.json"))

# Links the crawl never follows: state-changing or non-page URLs, and downloads.
SKIP_PREFIXES = (
    "/accounts/logout/",
    "/admin/",
    "/static/",
    "/media/",
    "/i18n/",
    "/api/",
    "/healthz",
)
DOWNLOAD_SUFFIXES = (
    ".pdf", ".csv", ".ics", ".zip", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".json", ".txt",
    ".xlsx", ".mp4", ".webm",
)  # fmt: skip

# Viewports the layout checks use, applied with CDP Emulation.setDeviceMetricsOverride so the
# page relayouts in place (no reload). "200% zoom": browser zoom at 200% on a 1280×900 window
# gives exactly a 640×450 CSS-pixel layout viewport with devicePixelRatio 2 — the same media
# queries, the same line breaks — so emulating that viewport is the zoom, measured in CSS px
# (CSS `zoom` on <body> is not: it leaves media queries and viewport units at 100%). "375px" is
# a phone; "320px" is WCAG 1.4.10 reflow (1280 px at 400%).
VIEWPORTS = {
    "375px": {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": False},
    "200% zoom": {"width": 640, "height": 450, "deviceScaleFactor": 2, "mobile": False},
    "320px": {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": False},
}


# --- live server --------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    mail_dir: Path
    log_path: Path

    def path(self, path: str) -> str:
        return self.url + path

    def log_tail(self, lines: int = 40) -> str:
        return browser.log_tail(self.log_path, lines)


def _browser_available() -> None:
    browser.require_browser(axe=True)


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    _browser_available()
    with start_live_server(tmp_path_factory.mktemp("e2e")) as server:
        yield server


@contextlib.contextmanager
def start_live_server(tmp: Path, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """A daphne server of its own (database, mail folder) on a free port, seeded with the demo
    data; `extra_env` reaches tests/e2e/settings.py (e.g. a short idle timeout)."""
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    env = browser.e2e_env(
        tmp / "e2e.sqlite3",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        **(extra_env or {}),
    )
    browser.prepare(env, ["migrate", "--noinput", "-v0"], ["seed_demo"])
    with browser.daphne(env, tmp / "daphne.log") as url:
        yield LiveServer(url, mail_dir, tmp / "daphne.log")


def sign_in_code(server: LiveServer, address: str, timeout: float = 10) -> str:
    """The code in the newest e-mail to `address` (file e-mail backend: one file per
    connection, messages separated by a line of 79 dashes)."""
    deadline = time.monotonic() + timeout
    while True:
        newest: tuple[float, str] | None = None
        for mtime, text in mailed_texts(server.mail_dir, address):
            found = re.search(r"(?:sign-in code:|確認コード：)\s*([0-9A-Za-z-]+)", text)
            if found and (newest is None or mtime >= newest[0]):
                newest = (mtime, found.group(1))
        if newest is not None:
            return newest[1]
        if time.monotonic() > deadline:
            pytest.fail(f"no sign-in code e-mailed to {address} in {server.mail_dir}")
        time.sleep(0.2)


# --- browsers -----------------------------------------------------------------------------


def new_driver() -> Any:
    return browser.new_driver(CHROME_FLAGS)


class Browsers:
    """One browser per name (a role, or "anonymous"), each with its own cookies."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.drivers: dict[str, Any] = {}
        self.signed_in: set[str] = set()
        self.signed_in_at: dict[str, float] = {}

    def get(self, name: str) -> Any:
        if name not in self.drivers:
            self.drivers[name] = new_driver()
        return self.drivers[name]

    def for_role(self, role: str) -> Any:
        """The role's browser, signed in (with the keyboard) on first use."""
        driver = self.get(role)
        if role not in self.signed_in:
            keyboard_sign_in(driver, self.server, role)
            self.mark_signed_in(role)
        return driver

    def mark_signed_in(self, role: str) -> None:
        self.signed_in.add(role)
        self.signed_in_at[role] = time.monotonic()

    def browser_to_sign_in(self, role: str) -> Any:
        """A browser not yet signed in as `role`: the role's own on first use. If another test
        signed the role in already, a second browser — after the e-mailed code's cool-down
        since that sign-in (one code per OTP_EMAIL_COOLDOWN_DURATION seconds), so the tests
        may run in any order."""
        if role not in self.signed_in:
            return self.get(role)
        wait = self.signed_in_at[role] + EMAIL_CODE_COOLDOWN + 1 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        return self.get(f"{role}-again")

    def close(self) -> None:
        for driver in self.drivers.values():
            try:
                driver.quit()
            except Exception:  # noqa: BLE001 - closing down; nothing to do about it
                pass


@pytest.fixture(scope="session")
def browsers(e2e_server: LiveServer) -> Iterator[Browsers]:
    pool = Browsers(e2e_server)
    try:
        yield pool
    finally:
        pool.close()


# --- keyboard -----------------------------------------------------------------------------


def press(driver: Any, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def shift_tab(driver: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()


DESCRIBE_ACTIVE = """
const el = document.activeElement;
if (!el) return null;
const style = getComputedStyle(el);
return {
  tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
  type: el.getAttribute('type') || '', cls: el.className || '',
  text: (el.innerText || el.value || '').trim().slice(0, 40),
  outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
  boxShadow: style.boxShadow,
};
"""


def focused(driver: Any) -> dict[str, Any]:
    return driver.execute_script(DESCRIBE_ACTIVE) or {}


def focus_ring_problem(info: dict[str, Any]) -> str:
    """docs/accessibility.md: a 3 px outline (plus the halo) on whatever has keyboard focus."""
    if info.get("id") == "main":  # the skip link's target: focus lands, nothing to operate
        return ""
    if info.get("outlineStyle") not in (None, "none") and info.get("outlineWidth", 0) >= 3:
        return ""
    return f"no visible 3px focus ring on {info}"


def tab_until(
    driver: Any, wanted: Callable[[dict[str, Any]], bool], what: str, limit: int = 40
) -> tuple[dict[str, Any], list[str]]:
    """Press Tab until `wanted(focused element)`; returns it and any focus-ring problems."""
    from selenium.webdriver.common.keys import Keys

    path: list[str] = []
    problems: list[str] = []
    for _ in range(limit):
        press(driver, Keys.TAB)
        info = focused(driver)
        path.append(f"{info.get('tag')}#{info.get('id')}[{info.get('text')}]")
        if problem := focus_ring_problem(info):
            problems.append(problem)
        if wanted(info):
            return info, problems
    pytest.fail(f"Tab never reached {what} on {driver.current_url}; focus went: {path}")


def wait_for(driver: Any, condition: Callable[[Any], Any], what: str, timeout: float = 10) -> Any:
    from selenium.common.exceptions import (
        JavascriptException,
        StaleElementReferenceException,
        TimeoutException,
        WebDriverException,
    )
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        # Probing a page while it navigates can fail in several ways; the probe is retried.
        ignored = (JavascriptException, StaleElementReferenceException, WebDriverException)
        return WebDriverWait(driver, timeout, ignored_exceptions=ignored).until(condition)
    except TimeoutException:
        pytest.fail(f"timed out waiting for {what}; at {driver.current_url}")


def click_and_wait_for_new_page(driver: Any, element: Any) -> None:
    """Click, then wait until another document has loaded (marked old page, not staleness: a
    stale-element probe during navigation can itself fail inside chromedriver)."""
    driver.execute_script("window.__e2eOldPage = true;")
    element.click()
    wait_for(
        driver,
        lambda d: d.execute_script(
            "return !window.__e2eOldPage && document.readyState === 'complete';"
        ),
        f"a new page after clicking on {driver.current_url}",
    )


def path_of(driver: Any) -> str:
    parts = urlsplit(driver.current_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def keyboard_sign_in(driver: Any, server: LiveServer, role: str) -> list[str]:
    """Sign in as the role's demo user with Tab, Shift-Tab, Enter and Space only. Returns the
    focus-ring problems met on the way (the caller decides whether to assert)."""
    from selenium.webdriver.common.keys import Keys

    username, address, display_name = ROLE_USERS[role]
    problems: list[str] = []
    driver.get(server.path("/accounts/login/"))
    # The skip link is the first stop and moves focus to <main>.
    first, _ = tab_until(driver, lambda el: True, "the first focusable element", limit=1)
    assert "skip-link" in first.get("cls", ""), f"first Tab stop is not the skip link: {first}"
    press(driver, Keys.ENTER)
    assert focused(driver).get("id") == "main", "the skip link did not move focus to <main>"
    _, found = tab_until(driver, lambda el: el.get("name") == "username", "the user name field")
    problems += found
    press(driver, username)
    _, found = tab_until(driver, lambda el: el.get("name") == "password", "the password field")
    problems += found
    press(driver, DEMO_PASSWORD)
    shift_tab(driver)
    back = focused(driver)
    assert back.get("name") == "username", f"Shift-Tab from password went to {back}"
    assert driver.execute_script("return document.activeElement.value") == username
    press(driver, Keys.TAB, Keys.ENTER)
    wait_for(driver, lambda d: urlsplit(d.current_url).path == "/accounts/otp/", "the code page")
    code = sign_in_code(server, address)
    _, found = tab_until(driver, lambda el: el.get("name") == "token", "the code field")
    problems += found
    press(driver, code)
    _, found = tab_until(
        driver, lambda el: el.get("tag") == "button" and el.get("type") == "submit", "Sign in"
    )
    problems += found
    press(driver, Keys.SPACE)
    wait_for(driver, lambda d: urlsplit(d.current_url).path == "/", "the home page")
    heading = driver.execute_script("return document.querySelector('h1')?.innerText || ''")
    assert display_name in heading, f"home page h1 {heading!r} does not greet {display_name}"
    return problems


# --- page checks --------------------------------------------------------------------------


LAYOUT_JS = r"""
const problems = [];
const doc = document.documentElement;
const px = v => parseFloat(v) || 0;
const describe = el => {
  let d = el.tagName.toLowerCase();
  if (el.id) d += '#' + el.id;
  else if (el.classList.length) d += '.' + [...el.classList].join('.');
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
  return d + (text ? ` "${text.slice(0, 30)}"` : '');
};
const visible = el => {
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) return false;
  if (r.bottom + window.scrollY <= 0 || r.right + window.scrollX <= 0) return false;  // parked
  const s = getComputedStyle(el);
  return s.visibility !== 'hidden' && s.display !== 'none' && px(s.opacity) !== 0
    && !el.closest('[hidden], [aria-hidden="true"]');
};
if (doc.scrollWidth > doc.clientWidth) {
  const wide = [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 0.5 && visible(el))
    .slice(-3).map(describe);
  problems.push(`horizontal scrolling: scrollWidth ${doc.scrollWidth} > clientWidth `
    + `${doc.clientWidth} (too wide: ${wide.join(', ')})`);
}
for (const el of [doc, document.body]) {
  const size = px(getComputedStyle(el).fontSize);
  if (size < 18) problems.push(`base font-size of <${el.tagName.toLowerCase()}> is ${size}px`);
}
// Visible text smaller than 18px (furigana <rt> is meant to be small).
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('rt, script, style, noscript, template, svg')) continue;
  const hasText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!hasText || !visible(el)) continue;
  const size = px(getComputedStyle(el).fontSize);
  if (size < 18) problems.push(`text ${size}px (< 18px): ${describe(el)}`);
}
// Targets: every visible control at least 44×44 CSS px (docs/accessibility.md; WCAG 2.5.5).
// Exempt, as WCAG 2.5.8 words it, a link inside a sentence: an inline <a> whose nearest block
// (p, li, td, …) holds other text besides the link. A checkbox or radio counts with its label,
// which is part of its target.
const nearestBlock = el => {
  let node = el.parentElement;
  while (node && getComputedStyle(node).display.startsWith('inline')) node = node.parentElement;
  return node || document.body;
};
const inSentence = el => {
  if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
  const block = nearestBlock(el);
  const text = block.innerText.replace(el.innerText, '');
  return /[^\s:：、。,.()（）]/.test(text);
};
const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
  + '[role=button], [role=link], [role=checkbox], [role=radio], [role=tab], [tabindex="0"]';
for (const el of document.querySelectorAll(controls)) {
  if (!visible(el)) continue;
  let w = el.getBoundingClientRect().width, h = el.getBoundingClientRect().height;
  if (el.matches('input[type=checkbox], input[type=radio]')) {
    for (const label of el.labels || []) {
      const r = label.getBoundingClientRect();
      w = Math.max(w, r.width); h = Math.max(h, r.height);
    }
  }
  if (w >= 44 - 0.01 && h >= 44 - 0.01) continue;
  if (inSentence(el)) continue;
  problems.push(`target ${Math.round(w)}×${Math.round(h)}px (< 44×44): ${describe(el)}`);
}
return problems;
"""

STRUCTURE_JS = r"""
const problems = [];
const service = arguments[0];
const lang = document.documentElement.getAttribute('lang');
if (lang !== arguments[1]) problems.push(`<html lang="${lang}">, expected "${arguments[1]}"`);
const h1s = [...document.querySelectorAll('h1')];
if (h1s.length !== 1) problems.push(`${h1s.length} <h1> elements (want exactly one)`);
const title = document.title.trim();
const parts = title.split(' | ');
if (parts.length < 2 || !parts[0].trim() || !title.includes(service))
  problems.push(`<title> "${title}" does not name the page and the service`);
for (const landmark of ['header', 'main', 'footer'])
  if (!document.querySelector(landmark)) problems.push(`no <${landmark}> landmark`);
if (arguments[2] && !document.querySelector('nav')) problems.push('no <nav> for a signed-in user');
const focusable = document.querySelector('a[href], button, input:not([type=hidden]), select, '
  + 'textarea, [tabindex]:not([tabindex="-1"])');
if (!focusable || !focusable.classList.contains('skip-link'))
  problems.push('the skip link is not the first focusable element');
else if (!document.querySelector(focusable.getAttribute('href')))
  problems.push(`the skip link's target ${focusable.getAttribute('href')} does not exist`);
if (!document.querySelector('form.language-switch button'))
  problems.push('no language switch');
const media = document.querySelectorAll('audio, bgsound, [autoplay]');
if (media.length)
  problems.push(`sound or autoplay: ${[...media].map(m => m.outerHTML.slice(0, 60)).join(', ')}`);
return problems;
"""

SERVICE_NAME = {"ja": "アクセシブル・サポート", "en": "Accessible Support"}


def emulate(driver: Any, metrics: dict[str, Any] | None) -> None:
    if metrics is None:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    else:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


# WCAG 1.4.12: with line height 1.5, paragraph spacing 2 em, letter spacing 0.12 em and word
# spacing 0.16 em (the bookmarklet users apply), nothing may be cut off or need sideways scrolling.
TEXT_SPACING_JS = r"""
// A constructed style sheet: the page's CSP (style-src 'self') would refuse a <style> element.
const sheet = new CSSStyleSheet();
sheet.replaceSync(`* { line-height: 1.5 !important; letter-spacing: .12em !important;
  word-spacing: .16em !important; } p { margin-bottom: 2em !important; }`);
const before = [...document.adoptedStyleSheets];  // a copy: the property is a live array
document.adoptedStyleSheets = [...before, sheet];
const problems = [];
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth)
  problems.push(`horizontal scrolling (${doc.scrollWidth} > ${doc.clientWidth})`);
for (const el of document.body.querySelectorAll('*')) {
  const s = getComputedStyle(el);
  if (!/hidden|clip/.test(s.overflowX + s.overflowY)) continue;
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1 || !(el.innerText || el.textContent || '').trim()) continue;
  if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
    problems.push(`text cut off in ${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
}
document.adoptedStyleSheets = before;
return problems;
"""

# Every control shows a focus ring of at least 3 px when reached by keyboard (2.4.7, and our
# rule in docs/accessibility.md). One real Tab press puts Chromium in keyboard mode, after which
# focus() from script matches :focus-visible as a Tab would.
FOCUS_JS = r"""
const problems = [];
const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), '
  + 'select, textarea, summary, [tabindex]:not([tabindex="-1"])');
for (const el of controls) {
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1 || el.disabled) continue;
  el.focus({preventScroll: true});
  if (document.activeElement !== el) continue;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0;
  if (outline < 3) {
    const text = (el.innerText || el.value || el.name || '').trim().slice(0, 30);
    problems.push(`no 3px focus ring on ${el.tagName.toLowerCase()} "${text}"`);
  }
}
document.activeElement && document.activeElement.blur();
return problems;
"""


# With furigana on, a control's label holds <ruby> elements: in a flex or grid box each of them
# is an item of its own and the label is laid out in columns that cannot wrap (a long menu link or
# button ran off a 375 px screen). A control with furigana must be a box whose text wraps as text,
# and no control may be wider than the screen.
RUBY_WRAP_JS = r"""
const problems = [];
const doc = document.documentElement;
const describe = el => {
  let d = el.tagName.toLowerCase();
  if (el.classList.length) d += '.' + [...el.classList].join('.');
  const words = (el.innerText || '').replace(/\s+/g, ' ').trim();
  return d + ` "${words.slice(0, 40)}"`;
};
for (const el of document.querySelectorAll('a[href], button, summary, [role=button]')) {
  const r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1 || el.closest('[hidden]')) continue;
  if (r.bottom + window.scrollY <= 0 || r.right + window.scrollX <= 0) continue;  // parked
  const s = getComputedStyle(el);
  if (/flex|grid/.test(s.display) && [...el.children].some(c => c.tagName === 'RUBY'))
    problems.push(`furigana cannot wrap: ${describe(el)} is a ${s.display} box, each <ruby> `
      + 'an item of its own');
  if (r.right > doc.clientWidth + 0.5 || r.left < -0.5)
    problems.push(`wider than the screen: ${describe(el)} (${Math.round(r.left)} to `
      + `${Math.round(r.right)}px of ${doc.clientWidth})`);
}
return problems;
"""


def ruby_wrap_problems(driver: Any, width: int = 375) -> list[str]:
    """RUBY_WRAP_JS at a phone's width (`width` CSS px)."""
    try:
        emulate(driver, {"width": width, "height": 812, "deviceScaleFactor": 1, "mobile": False})
        return [f"{width}px: {p}" for p in driver.execute_script(RUBY_WRAP_JS)]
    finally:
        emulate(driver, None)


def layout_problems(driver: Any) -> list[str]:
    problems = [f"1280px: {p}" for p in driver.execute_script(LAYOUT_JS)]
    try:
        for name, metrics in VIEWPORTS.items():
            emulate(driver, metrics)
            problems += [f"{name}: {p}" for p in driver.execute_script(LAYOUT_JS)]
            if name == "375px":
                spaced = driver.execute_script(TEXT_SPACING_JS)
                problems += [f"375px, text spacing (1.4.12): {p}" for p in spaced]
                problems += [f"375px: {p}" for p in driver.execute_script(RUBY_WRAP_JS)]
    finally:
        emulate(driver, None)
    return problems


# Tab from the top of the page through every control: each visible one must be reached (one
# radio per group is enough: arrows move inside a group). Unreached controls mean a keyboard
# trap, a mouse-only control or a tabindex mistake.
REACH_SETUP_JS = r"""
window.__e2eSeen = new Set();
document.addEventListener('focusin', e => window.__e2eSeen.add(e.target), true);
if (document.activeElement) document.activeElement.blur();
window.scrollTo(0, 0);
return document.querySelectorAll('a[href], button, input, select, textarea, summary, '
  + '[tabindex]').length + 3;
"""
REACH_CHECK_JS = r"""
const seen = window.__e2eSeen;
const problems = [];
const reachedRadio = new Set([...seen].filter(el => el.type === 'radio').map(el => el.name));
const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), '
  + 'select, textarea, summary, [tabindex]:not([tabindex="-1"])');
// Inside a closed <details> only its <summary> is in the tab order: the rest is reached by
// opening it (Chromium may still report a size for the closed content).
const folded = el => {
  const box = el.closest('details:not([open])');
  return box !== null && !(el.matches('summary') && el.parentElement === box);
};
for (const el of controls) {
  if (el.disabled || el.closest('[inert]') || seen.has(el) || folded(el)) continue;
  if (el.type === 'radio' && reachedRadio.has(el.name)) continue;
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  if (r.width <= 1 || r.height <= 1 || s.visibility === 'hidden') continue;
  const text = (el.innerText || el.value || el.name || '').trim().slice(0, 30);
  problems.push(`Tab never reaches ${el.tagName.toLowerCase()} "${text}"`);
}
return problems;
"""


def focus_problems(driver: Any) -> list[str]:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    # A headless window can lose keyboard focus while several browsers run; then no element
    # matches :focus-visible. Emulate a focused page so the check sees what a user would.
    driver.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": True})
    presses = int(driver.execute_script(REACH_SETUP_JS))
    ActionChains(driver).send_keys(*([Keys.TAB] * presses)).perform()
    problems = list(driver.execute_script(REACH_CHECK_JS))
    return problems + list(driver.execute_script(FOCUS_JS))


def screenshot(driver: Any, name: str, width: int = 375) -> Path:
    """A full-page PNG at `width` CSS px, as a phone shows it (overlay scrollbars), for a
    person to look at."""
    import base64

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOT_DIR / f"{name}.png"
    try:
        emulate(driver, {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": True})
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        target.write_bytes(base64.b64decode(shot["data"]))
    finally:
        emulate(driver, None)
    return target


def status_of(driver: Any) -> int:
    """HTTP status of the document's navigation (0 when the browser does not say)."""
    return int(
        driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return n && n.responseStatus || 0;"
        )
    )


@dataclass
class PageResult:
    path: str
    language: str
    status: int
    axe: list[dict[str, Any]] = field(default_factory=list)
    layout: list[str] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)


def check_page(driver: Any, language: str, signed_in: bool) -> PageResult:
    result = PageResult(path_of(driver), language, status_of(driver))
    result.structure = driver.execute_script(
        STRUCTURE_JS, SERVICE_NAME[language], language, signed_in
    )
    result.axe = run_axe(driver)
    result.layout = layout_problems(driver)
    result.focus = focus_problems(driver)
    return result


def current_language(driver: Any) -> str:
    return str(driver.execute_script("return document.documentElement.lang"))


def switch_language(driver: Any) -> tuple[str, str]:
    """Press the language button (it posts and returns). Returns the page's path before and
    after."""
    from selenium.webdriver.common.by import By

    before_path = path_of(driver)
    before_language = current_language(driver)
    button = driver.find_element(By.CSS_SELECTOR, "form.language-switch button[type=submit]")
    click_and_wait_for_new_page(driver, button)
    wait_for(
        driver,
        lambda d: (
            d.execute_script("return document.readyState") == "complete"
            and current_language(d) != before_language
        ),
        f"the language to change from {before_language} on {before_path}",
    )
    return before_path, path_of(driver)


def same_origin_links(driver: Any, base: str) -> list[str]:
    hrefs = driver.execute_script(
        "return [...document.querySelectorAll('a[href]')]"
        # Links in a closed dialog (the idle warning's 'sign in again') are not seen until it
        # opens; the timeout tests follow that one.
        ".filter(a => !a.hasAttribute('download') && !a.closest('dialog:not([open])'))"
        ".map(a => a.href);"
    )
    origin = urlsplit(base)
    found: list[str] = []
    for href in hrefs:
        parts = urlsplit(href)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        if parts.path.startswith(SKIP_PREFIXES) or parts.path.lower().endswith(DOWNLOAD_SUFFIXES):
            continue
        found.append(urlunsplit(("", "", parts.path, parts.query, "")))
    return found


@dataclass
class CrawlReport:
    role: str
    pages: list[str] = field(default_factory=list)
    results: list[PageResult] = field(default_factory=list)
    switch_problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def pages_clean(self, language: str) -> int:
        return sum(1 for r in self.results if r.language == language and not r.axe)


def crawl(
    driver: Any,
    server: LiveServer,
    role: str,
    start: list[str],
    *,
    signed_in: bool,
    follow: bool = True,
    screenshots: bool = True,
) -> CrawlReport:
    """Breadth-first over the same-origin links the user sees (GET only), at most CRAWL_CAP
    pages. Each page is checked in the language it opens in, then the language button is pressed
    (it must come back to the same page) and it is checked again in the other language."""
    report = CrawlReport(role)
    queue = list(start)
    seen = set(start)
    shots_all = os.environ.get("E2E_SCREENSHOTS") == "all"
    while queue and len(report.pages) < CRAWL_CAP:
        wanted = queue.pop(0)
        driver.get(server.path(wanted))
        path = path_of(driver)
        if path != wanted and path in report.pages:
            continue  # a redirect to a page already checked
        if signed_in and urlsplit(path).path.startswith("/accounts/login/"):
            report.errors.append(f"{wanted} sent the signed-in {role} to the sign-in page")
            continue
        report.pages.append(path)
        seen.add(path)
        for step in range(2):
            language = current_language(driver)
            result = check_page(driver, language, signed_in)
            report.results.append(result)
            if result.status >= 400:
                report.errors.append(f"{path} ({language}) answered HTTP {result.status}")
            if screenshots and (shots_all or len(report.pages) == 1 or not signed_in):
                slug = re.sub(r"[^a-z0-9]+", "-", urlsplit(path).path.lower()).strip("-")
                screenshot(driver, f"{role}-{slug or 'home'}-{language}")
            if follow:
                for link in same_origin_links(driver, server.url):
                    if link not in seen:
                        seen.add(link)
                        queue.append(link)
            if step == 0:
                before, after = switch_language(driver)
                if before != after:
                    report.switch_problems.append(
                        f"language switch on {before} went to {after} instead"
                    )
                    break
    return report


def format_axe(results: list[PageResult]) -> str:
    lines = []
    for result in results:
        for violation in result.axe:
            lines.append(
                f"{result.path} [{result.language}] {violation['id']} ({violation['impact']}): "
                f"{violation['help']} — {', '.join(violation['targets'])}"
            )
    return "\n".join(lines)


# --- session report -----------------------------------------------------------------------

_CRAWLS: dict[str, CrawlReport] = {}


@pytest.fixture(scope="session")
def crawl_reports() -> dict[str, CrawlReport]:
    return _CRAWLS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _CRAWLS:
        return
    summary = {
        role: {
            "pages": report.pages,
            "clean_ja": report.pages_clean("ja"),
            "clean_en": report.pages_clean("en"),
        }
        for role, report in _CRAWLS.items()
    }
    REPORT_PATH.parent.mkdir(exist_ok=True)
    REPORT_PATH.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    terminalreporter.write_sep("-", "axe crawl: pages with zero violations (ja / en)")
    distinct: set[str] = set()
    for role, report in _CRAWLS.items():
        distinct.update(report.pages)
        terminalreporter.write_line(
            f"{role:<11} {len(report.pages):>3} pages, clean ja {report.pages_clean('ja')}, "
            f"clean en {report.pages_clean('en')}"
        )
    terminalreporter.write_line(f"distinct pages: {len(distinct)}; screenshots: {SCREENSHOT_DIR}")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """The journeys (test_journeys.py) add a grant, a booking and a chat to the shared live
    server; run them after the crawl so the crawl checks the seeded pages only. Stable: every
    other test keeps its order."""
    items.sort(key=lambda item: item.path.name == "test_journeys.py")
