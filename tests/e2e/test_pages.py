"""Every page each role can reach, in Japanese and in English: axe-core (WCAG 2.2 A/AA), layout at
375 px, 320 px and 200 % zoom, page structure, and the language switch.

The pages are found by crawling the links each role sees from the home page, so a page added
later is checked as soon as a link leads to it.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    DEMO_PASSWORD,
    LANGUAGE_COOKIE,
    ROLES,
    Browsers,
    CrawlReport,
    LiveServer,
    check_page,
    click_and_wait_for_new_page,
    crawl,
    format_axe,
    screenshot,
    wait_for,
)

pytestmark = pytest.mark.e2e

SUBJECTS = ["anonymous", *ROLES]


def _anonymous_crawl(browsers: Browsers) -> CrawlReport:
    """The pages open to everyone: the login page and the public help page (crawled, with the
    language switch), then the states a form post leads to, each produced afresh in each
    language (switching language after a post shows the page again, not the post's result):
    login with errors, the code page, and the code page after a wrong code. member2 signs in
    only here."""
    from selenium.webdriver.common.by import By

    server: LiveServer = browsers.server
    driver = browsers.get("anonymous")
    report = crawl(
        driver, server, "anonymous", ["/accounts/login/", "/help/"], signed_in=False, follow=False
    )

    def submit() -> None:
        button = driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
        click_and_wait_for_new_page(driver, button)

    def login_with_errors() -> None:
        driver.get(server.path("/accounts/login/"))
        submit()

    def code_page() -> None:
        driver.get(server.path("/accounts/login/"))
        driver.find_element(By.NAME, "username").send_keys("member2")
        driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
        submit()

    def code_page_with_error() -> None:
        driver.get(server.path("/accounts/otp/?next=/"))
        driver.find_element(By.NAME, "token").send_keys("000000")
        submit()

    for label, produce, marker in (
        ("login with errors", login_with_errors, ".error-summary"),
        ("code page", code_page, "input[name=token]"),
        ("code page with an error", code_page_with_error, ".error-summary"),
    ):
        report.pages.append(label)
        for language in ("ja", "en"):
            driver.add_cookie({"name": LANGUAGE_COOKIE, "value": language, "path": "/"})
            produce()
            shown = driver.find_elements(By.CSS_SELECTOR, marker)
            assert shown, f"{label} [{language}]: {marker} not on {driver.current_url}"
            if marker == ".error-summary":
                # autofocus runs at the next rendering opportunity after load: poll for it.
                wait_for(
                    driver,
                    lambda d: d.execute_script(
                        "return document.activeElement.matches('.error-summary')"
                    ),
                    f"{label}: the error summary to take focus",
                )
            result = check_page(driver, language, signed_in=False)
            result.path = f"{result.path} ({label})"
            report.results.append(result)
            screenshot(driver, f"anonymous-{label.replace(' ', '-')}-{language}")
    return report


@pytest.fixture(scope="session")
def crawl_for(browsers: Browsers, crawl_reports: dict[str, CrawlReport]):  # type: ignore[no-untyped-def]
    def get(subject: str) -> CrawlReport:
        if subject not in crawl_reports:
            if subject == "anonymous":
                crawl_reports[subject] = _anonymous_crawl(browsers)
            else:
                driver = browsers.for_role(subject)
                crawl_reports[subject] = crawl(
                    driver, browsers.server, subject, ["/"], signed_in=True
                )
        return crawl_reports[subject]

    return get


@pytest.mark.parametrize("subject", SUBJECTS)
def test_axe_finds_no_violations(crawl_for, subject: str) -> None:  # type: ignore[no-untyped-def]
    report = crawl_for(subject)
    assert not report.errors, "\n".join(report.errors)
    assert report.results, f"nothing crawled for {subject}"
    failing = [r for r in report.results if r.axe]
    assert not failing, f"axe-core violations for {subject}:\n{format_axe(failing)}"


@pytest.mark.parametrize("subject", SUBJECTS)
def test_layout_at_375px_320px_and_200_percent(crawl_for, subject: str) -> None:  # type: ignore[no-untyped-def]
    report = crawl_for(subject)
    problems = [f"{r.path} [{r.language}] {p}" for r in report.results for p in r.layout]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_page_structure_language_and_no_sound(crawl_for, subject: str) -> None:  # type: ignore[no-untyped-def]
    report = crawl_for(subject)
    problems = [f"{r.path} [{r.language}] {p}" for r in report.results for p in r.structure]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_language_switch_keeps_the_page(crawl_for, subject: str) -> None:  # type: ignore[no-untyped-def]
    report = crawl_for(subject)
    assert not report.switch_problems, "\n".join(report.switch_problems)
    languages = {r.language for r in report.results}
    assert languages == {"ja", "en"}, f"only {languages} checked"


def test_japanese_by_default(browsers: Browsers) -> None:
    driver = browsers.get("anonymous")
    driver.delete_all_cookies()
    driver.get(browsers.server.path("/accounts/login/"))
    assert driver.execute_script("return document.documentElement.lang") == "ja"
    assert "ログイン" in driver.title


@pytest.mark.parametrize("subject", SUBJECTS)
def test_tab_reaches_every_control_with_a_focus_ring(crawl_for, subject: str) -> None:  # type: ignore[no-untyped-def]
    report = crawl_for(subject)
    problems = [f"{r.path} [{r.language}] {p}" for r in report.results for p in r.focus]
    assert not problems, "\n".join(problems)
