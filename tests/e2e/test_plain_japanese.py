"""Plain Japanese wording and furigana in the browser: the switch in the header keeps the page,
the key pages change, and axe-core, the layout checks (375 px, 320 px, 200 %) and the page
structure still pass with both aids on. Each browser turns the aids off again afterwards, so the
tests after this one see the default pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import (
    LANGUAGE_COOKIE,
    Browsers,
    check_page,
    click_and_wait_for_new_page,
    path_of,
)
from tests.e2e.test_screenshots import DOCS_SHOTS, capture

pytestmark = pytest.mark.e2e

# role → the key pages it sees (sign-in, home, proxy registration, booking, talk now, sessions).
KEY_PAGES = {
    "anonymous": ["/accounts/login/"],
    "member": ["/", "/proxies/register/", "/sessions/book/", "/sessions/now/", "/sessions/"],
    "proxy": ["/", "/sessions/"],
}


def press_switch(driver: Any, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    selector = f"form.reading-switch button[name={name}][value={value}]"
    before = path_of(driver)
    click_and_wait_for_new_page(driver, driver.find_element(By.CSS_SELECTOR, selector))
    assert path_of(driver) == before, f"the {name} switch went from {before} to {path_of(driver)}"


def aids_off(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    for name in ("plain", "furigana"):
        if driver.find_elements(By.CSS_SELECTOR, f"form.reading-switch [name={name}][value=off]"):
            press_switch(driver, name, "off")


@pytest.fixture
def drivers(browsers: Browsers) -> Iterator[dict[str, Any]]:
    server = browsers.server
    found = {
        role: browsers.get(role) if role == "anonymous" else browsers.for_role(role)
        for role in KEY_PAGES
    }
    for driver in found.values():
        driver.get(server.path("/healthz"))  # a cookie needs a page of the site first
        driver.add_cookie({"name": LANGUAGE_COOKIE, "value": "ja", "path": "/"})
    yield found
    for role, driver in found.items():
        driver.get(server.path(KEY_PAGES[role][0]))
        aids_off(driver)


def test_aids_are_off_by_default_then_on_for_every_key_page(drivers, browsers: Browsers) -> None:
    from selenium.webdriver.common.by import By

    server = browsers.server
    problems: list[str] = []
    for role, pages in KEY_PAGES.items():
        driver = drivers[role]
        driver.get(server.path(pages[-1]))
        assert not driver.find_elements(By.CSS_SELECTOR, "main ruby"), f"{role}: ruby by default"
        plain_before = {}
        for page in pages:
            driver.get(server.path(page))
            plain_before[page] = driver.find_element(By.TAG_NAME, "main").text
        driver.get(server.path(pages[-1]))
        press_switch(driver, "plain", "on")
        press_switch(driver, "furigana", "on")
        for page in pages:
            driver.get(server.path(page))
            assert driver.find_elements(By.CSS_SELECTOR, "main ruby rt"), f"no furigana on {page}"
            assert driver.find_element(By.TAG_NAME, "main").text != plain_before[page], (
                f"{page} shows no plain wording"
            )
            result = check_page(driver, "ja", signed_in=role != "anonymous")
            for violation in result.axe:
                problems.append(
                    f"{role} {page} axe {violation['id']}: {violation['help']} — "
                    f"{', '.join(violation['targets'])}"
                )
            problems += [f"{role} {page} {p}" for p in result.layout + result.structure]
            problems += [f"{role} {page} {p}" for p in result.focus]
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    member = drivers["member"]
    member.get(server.path("/"))
    capture(member, DOCS_SHOTS / "member-home-plain-furigana-ja-375.png", 375, 812, True)
    anonymous = drivers["anonymous"]
    anonymous.get(server.path("/accounts/login/"))
    capture(anonymous, DOCS_SHOTS / "sign-in-plain-furigana-ja-375.png", 375, 812, True)
    assert not problems, "\n".join(problems)


def test_english_pages_have_no_reading_switch_and_no_ruby(drivers, browsers: Browsers) -> None:
    from selenium.webdriver.common.by import By

    driver = drivers["member"]
    driver.get(browsers.server.path("/"))
    press_switch(driver, "furigana", "on")
    driver.add_cookie({"name": LANGUAGE_COOKIE, "value": "en", "path": "/"})
    driver.get(browsers.server.path("/sessions/book/"))
    assert not driver.find_elements(By.CSS_SELECTOR, "ruby, form.reading-switch")
    driver.add_cookie({"name": LANGUAGE_COOKIE, "value": "ja", "path": "/"})
