"""Screenshots of the key pages in both languages for the README (issue 6): a phone (375 CSS px,
the whole page) and a desktop window (1280 × 900, what fits on screen). Stable names under
docs/screenshots/, overwritten by each run, so a change to a page shows in the diff."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LANGUAGE_COOKIE, ROOT, Browsers, emulate, wait_for

pytestmark = pytest.mark.e2e

# E2E_DOCS_SCREENSHOT_DIR: elsewhere, for a CI pass that runs beside the one drawing docs/.
DOCS_SHOTS = Path(os.environ.get("E2E_DOCS_SCREENSHOT_DIR", ROOT / "docs" / "screenshots"))
# name → (who looks, path). The README shows them in this order.
KEY_PAGES = {
    "sign-in": ("anonymous", "/accounts/login/"),
    "member-home": ("member", "/"),
    "proxy-registration": ("member", "/proxies/register/"),
    "booking": ("member", "/sessions/book/"),
    "talk-now": ("member", "/sessions/now/"),
    "operator-queue": ("operator", "/sessions/queue/"),
    "supervisor-home": ("supervisor", "/supervision/"),
}
WIDTHS = {"375": (375, 812, True), "1280": (1280, 900, False)}


def capture(driver: Any, target: Path, width: int, height: int, full_page: bool) -> None:
    try:
        emulate(driver, {"width": width, "height": height, "deviceScaleFactor": 1,
                         "mobile": width < 800})  # fmt: skip
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full_page}
        )
        target.write_bytes(base64.b64decode(shot["data"]))
    finally:
        emulate(driver, None)


@pytest.mark.parametrize("name", list(KEY_PAGES))
def test_screenshots_of_the_key_pages(browsers: Browsers, name: str) -> None:
    role, path = KEY_PAGES[name]
    driver = browsers.get(role) if role == "anonymous" else browsers.for_role(role)
    server = browsers.server
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    if role == "anonymous":
        driver.get(server.path("/healthz"))  # a cookie needs a page of the site first
    for language in ("ja", "en"):
        driver.add_cookie({"name": LANGUAGE_COOKIE, "value": language, "path": "/"})
        driver.get(server.path(path))
        wait_for(
            driver,
            lambda d: d.execute_script("return document.documentElement.lang") == language,
            f"{path} in {language}",
        )
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        for label, (width, height, full_page) in WIDTHS.items():
            target = DOCS_SHOTS / f"{name}-{language}-{label}.png"
            capture(driver, target, width, height, full_page)
            assert target.stat().st_size > 5_000, f"{target} looks empty"
            assert target.stat().st_size < 1_500_000, f"{target} is too big to commit"
    driver.add_cookie({"name": LANGUAGE_COOKIE, "value": "ja", "path": "/"})
