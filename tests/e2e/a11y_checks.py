"""The checks the state crawl (test_state_crawl.py) runs beside axe-core on each page:
HTML_CodeSniffer (WCAG2AA, errors only), the computed-style contrast of text and focus rings
(contrast.js), and the reading aids (plain Japanese differs from the standard wording; no kanji
outside <ruby> with furigana on). docs/accessibility.md says what each one ignores and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
HTMLCS_JS = ROOT / "node_modules" / "html_codesniffer" / "build" / "HTMLCS.js"
CONTRAST_JS = Path(__file__).with_name("contrast.js")

# HTML_CodeSniffer error codes not counted, each with its reason (docs/accessibility.md).
HTMLCS_IGNORED: dict[str, str] = {}


def require_htmlcs() -> None:
    require_service("html_codesniffer", HTMLCS_JS.exists(), "run npm ci at the repository root")


_HTMLCS_RUN = """
const done = arguments[arguments.length - 1];
const ignored = arguments[0];
const describe = el => {
  if (!el || !el.tagName) return String(el);
  let d = el.tagName.toLowerCase();
  if (el.id) d += '#' + el.id;
  else if (el.classList && el.classList.length) d += '.' + [...el.classList].join('.');
  return d + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
};
try {
  HTMLCS.process('WCAG2AA', document, () => {
    done(HTMLCS.getMessages()
      .filter(m => m.type === HTMLCS.ERROR && !ignored.some(code => m.code.startsWith(code)))
      .map(m => ({code: m.code, msg: m.msg.slice(0, 160), element: describe(m.element)})));
  }, () => done({error: 'HTMLCS failed'}), 'en');
} catch (e) { done({error: String(e)}); }
"""


def run_htmlcs(driver: Any) -> list[dict[str, str]]:
    """HTML_CodeSniffer's WCAG2AA errors on the page (warnings and notices are for a person)."""
    if not driver.execute_script("return typeof window.HTMLCS === 'object'"):
        # The bundle's UMD wrapper copies its exports onto `this`, which is window here.
        driver.execute_script(HTMLCS_JS.read_text())
    result = driver.execute_async_script(_HTMLCS_RUN, list(HTMLCS_IGNORED))
    if isinstance(result, dict):
        pytest.fail(f"HTML_CodeSniffer failed on {driver.current_url}: {result['error']}")
    return list(result)


def run_contrast(driver: Any, focus_sample: int = 0) -> dict[str, Any]:
    """contrast.js: problems (text < 4.5:1 or 3:1 large, focus ring < 3:1), unknown (behind an
    image or gradient), and how many text elements and rings were measured."""
    if focus_sample:
        # One real key press puts Chromium in keyboard mode, so focus() matches :focus-visible.
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        driver.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": True})
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        ActionChains(driver).send_keys(Keys.SHIFT).perform()
    return dict(driver.execute_script(CONTRAST_JS.read_text(), focus_sample))


# Kanji outside <ruby> (and outside what the user typed) with furigana on.
KANJI_OUTSIDE_RUBY_JS = r"""
// Each element with kanji outside <ruby> in its own text, once, as [scope, its text without the
// readings]: scope "chrome" for the header, menu and footer (the same on every page), else "main".
const found = new Map();
const own = el => [...el.childNodes].map(n => n.nodeType === 3 ? n.textContent
  : (n.matches && n.matches('rt, rp') ? '' : own(n))).join('');
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!el || el.closest('ruby, rt, rp, input, textarea, select, option, script, style, noscript, '
      + 'template, [hidden], [aria-hidden="true"], dialog:not([open]), [lang]:not([lang|="ja"])'))
    continue;
  const r = el.getBoundingClientRect();
  if (r.width < 1 || r.height < 1 || !/[\u4e00-\u9fff]/.test(node.textContent)) continue;
  const scope = el.closest('main') || !el.closest('header, footer, nav') ? 'main' : 'chrome';
  const text = own(el).trim().replace(/\s+/g, ' ').slice(0, 80);
  found.set(scope + '\u0000' + text, [scope, text]);
}
return [...found.values()];
"""

# The visible text blocks of <main>, header and footer: one entry per element with its own text.
# A word in <ruby> (furigana) is read with the text around it, its reading left out.
TEXT_BLOCKS_JS = r"""
const blocks = [];
const seen = new Set();
const own = el => [...el.childNodes].map(n => n.nodeType === 3 ? n.textContent
  : (n.matches && n.matches('rt, rp') ? '' : own(n))).join('');
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  let el = node.parentElement;
  if (!el || el.closest('script, style, noscript, template, rt, rp, [hidden], dialog:not([open])'))
    continue;
  let raw = node.textContent;
  if (el.closest('ruby')) {
    el = el.closest('ruby').parentElement;
    if (seen.has(el)) continue;
    seen.add(el);
    raw = own(el);
  }
  const text = raw.trim().replace(/\s+/g, ' ');
  const scope = el.closest('main') || !el.closest('header, footer, nav') ? 'main' : 'chrome';
  if (text) blocks.push([scope, text]);
}
return blocks;
"""


def kanji_outside_ruby(driver: Any) -> list[tuple[str, str]]:
    """(scope, text) of each element showing kanji outside <ruby>; scope "chrome" is the
    header, menu and footer, "main" the rest."""
    return [(scope, text) for scope, text in driver.execute_script(KANJI_OUTSIDE_RUBY_JS)]


def text_blocks(driver: Any) -> list[tuple[str, str]]:
    return [(scope, text) for scope, text in driver.execute_script(TEXT_BLOCKS_JS)]
