"""Senior Support pages the link crawl cannot reach (they come after a form post): the acting
banner, error summaries, the verification code, the desk's answer and the invitation page —
axe-core (WCAG 2.2 A/AA), layout and structure in Japanese and English, in headless Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import mailed_texts
from tests.e2e import conftest as e2e
from tests.e2e.conftest import (
    LANGUAGE_COOKIE,
    Browsers,
    LiveServer,
    check_page,
    format_axe,
    wait_for,
)

# The e2e harness's session fixtures (live daphne server, one browser per role), used here too.
e2e_server = e2e.e2e_server
browsers = e2e.browsers

pytestmark = pytest.mark.e2e


def _submit(driver: Any, selector: str = "main form button[type=submit]") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    wait_for(driver, expected_conditions.staleness_of(page), "the form's answer")


def _check(driver: Any, label: str, signed_in: bool = True) -> list[str]:
    result = check_page(
        driver, driver.execute_script("return document.documentElement.lang"), signed_in=signed_in
    )
    problems = [format_axe([result])] if result.axe else []
    problems += [f"{label}: {p}" for p in result.layout + result.structure]
    return [p for p in problems if p]


def _both_languages(driver: Any, label: str, produce: Any, signed_in: bool = True) -> list[str]:
    problems: list[str] = []
    for language in ("ja", "en"):
        driver.add_cookie({"name": LANGUAGE_COOKIE, "value": language, "path": "/"})
        produce()
        problems += [f"[{language}] {p}" for p in _check(driver, label, signed_in)]
    return problems


def _invitation_link(server: LiveServer, address: str) -> str:
    for _, text in mailed_texts(server.mail_dir, address):
        found = re.search(r"/proxies/invitations/[\w-]+/", text)
        if found:
            return found.group(0)
    pytest.fail(f"no invitation e-mailed to {address}")


def test_proxy_pages_after_a_post_are_accessible(browsers: Browsers) -> None:
    from selenium.webdriver.common.by import By

    server = browsers.server
    driver = browsers.for_role("proxy")

    def acting_form() -> None:
        driver.get(server.path("/proxies/helping/"))
        _submit(driver, "main form[action^='/proxies/act/'] button")
        assert driver.find_elements(By.CSS_SELECTOR, ".acting-banner form button")

    def acting_form_with_errors() -> None:
        driver.get(server.path("/proxies/procedures/new/"))
        _submit(driver)
        assert driver.find_elements(By.CSS_SELECTOR, ".error-summary")

    def code_page() -> None:
        driver.get(server.path("/proxies/helping/"))
        _submit(driver, "main form[action^='/proxies/codes/'] button")
        assert "code" in driver.current_url

    problems = _both_languages(driver, "acting for a member", acting_form)
    problems += _both_languages(driver, "procedure with errors", acting_form_with_errors)
    problems += _both_languages(driver, "verification code", code_page)
    assert not problems, "\n".join(problems)


def test_desk_and_registration_answers_are_accessible(browsers: Browsers) -> None:
    from selenium.webdriver.common.by import By

    server = browsers.server
    operator = browsers.for_role("operator")

    def desk_errors() -> None:
        operator.get(server.path("/proxies/desk/"))
        _submit(operator)

    def desk_answer() -> None:
        operator.get(server.path("/proxies/desk/"))
        operator.find_element(By.NAME, "member_number").send_keys("1234-567-890")
        operator.find_element(By.NAME, "code").send_keys("WRONG123")
        _submit(operator)
        assert operator.find_elements(By.CSS_SELECTOR, "[role=status]")

    problems = _both_languages(operator, "desk with errors", desk_errors)
    problems += _both_languages(operator, "desk answer", desk_answer)

    member = browsers.for_role("member")

    def register_errors() -> None:
        member.get(server.path("/proxies/register/"))
        _submit(member)
        assert member.find_elements(By.CSS_SELECTOR, ".error-summary")

    problems += _both_languages(member, "registration with errors", register_errors)

    # Register a proxy for real, one question per page, then open the invitation as someone
    # not signed in.
    member.get(server.path("/proxies/register/"))
    member.find_element(By.NAME, "proxy_name").send_keys("山田 次郎")
    member.find_element(By.NAME, "proxy_name_reading").send_keys("やまだ じろう")
    member.find_element(By.NAME, "proxy_email").send_keys("jiro@example.jp")
    _submit(member)
    member.find_element(By.CSS_SELECTOR, "input[name=relationship][value='孫']").click()
    _submit(member)
    member.find_element(By.CSS_SELECTOR, "input[name=scopes][value='inquiry.points']").click()
    _submit(member)
    _submit(member)  # no end date

    def check_answers() -> None:
        member.get(server.path("/proxies/register/check/"))
        assert member.find_elements(By.CSS_SELECTOR, ".answer-list")

    problems += _both_languages(member, "check your answers", check_answers)
    _submit(member)
    link = _invitation_link(server, "jiro@example.jp")
    visitor = browsers.get("anonymous")
    visitor.get(server.path("/healthz"))  # a cookie needs a page of the site first

    def invitation() -> None:
        visitor.get(server.path(link))
        assert visitor.find_elements(By.NAME, "username")

    problems += _both_languages(visitor, "invitation", invitation, signed_in=False)
    assert not problems, "\n".join(problems)
