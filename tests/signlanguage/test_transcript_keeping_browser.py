"""The customer's choice at the end of a session (issue 22 item 7) in headless Chromium against a
live daphne: the operator ends a written chat; the customer's open page offers the choice; with
the keyboard only the customer chooses "do not keep" and saves; the page says what now happens,
in Japanese by default, in English, and in plain Japanese with furigana; the targets are 44 px;
axe-core finds nothing."""

from __future__ import annotations

import pytest

from tests.browser import run_axe
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e


server = live.server_fixture("keep-browser", live.live_setup(chat=True))

CLOSED_SHOWN_JS = "return !document.querySelector('[data-live-closed]').hidden"
LEGEND_TEXT_JS = (
    "const legend = document.querySelector('.live-keep legend');"
    "if (!legend) return null;"
    "const copy = legend.cloneNode(true);"
    "copy.querySelectorAll('rt, rp').forEach(e => e.remove());"
    "return copy.textContent.trim();"
)
HEIGHTS_JS = (
    "return Array.from(document.querySelectorAll("
    "'.live-keep label:has(> input[type=radio]), .live-keep button[type=submit]'),"
    " e => e.getBoundingClientRect().height);"
)


def test_the_customer_chooses_with_the_keyboard_not_to_keep_the_conversation(server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = f"/sessions/{server['chat']}/live/"
    with live.both_sides(server, server["customer"], path, live.OPEN_JS) as (customer, operator):
        live.send(customer, "住所を変えたいです")
        live.wait_for(operator, live.stored_count(1))
        summary = operator.find_element(By.CSS_SELECTOR, "textarea[name=summary]")
        summary.send_keys("住所変更の方法を案内")
        summary.find_element(By.XPATH, "ancestor::form//button[@type='submit']").click()

        # The customer's open page says the session ended and leads to the choice.
        live.wait_for(customer, CLOSED_SHOWN_JS)
        customer.find_element(By.CSS_SELECTOR, "[data-live-keep-link]").send_keys(Keys.ENTER)
        live.wait_for(customer, "return document.querySelector('.live-keep') !== null")
        assert customer.execute_script(LEGEND_TEXT_JS) == "会話の記録を残しますか"
        assert customer.find_element(By.CSS_SELECTOR, "input[value=keep]").is_selected()
        assert all(height >= 44 for height in customer.execute_script(HEIGHTS_JS))

        # Keyboard only: the arrow key moves the choice, Tab reaches the button, Enter saves.
        customer.find_element(By.CSS_SELECTOR, "input[value=keep]").send_keys(Keys.ARROW_DOWN)
        assert customer.find_element(By.CSS_SELECTOR, "input[value=delete]").is_selected()
        ActionChains(customer).send_keys(Keys.TAB).perform()
        focused = customer.switch_to.active_element
        assert focused.get_attribute("type") == "submit"
        focused.send_keys(Keys.ENTER)
        live.wait_for(
            customer, "return document.querySelector('[data-keep-state=\"not-kept\"]') !== null"
        )
        text = customer.find_element(By.TAG_NAME, "main").text
        assert "会話の記録は残しません" in text and "ダウンロード" in text
        assert customer.find_element(By.CSS_SELECTOR, "input[value=delete]").is_selected()
        assert run_axe(customer) == []

        # The operator no longer reads it on the ended page.
        operator.get(server["url"] + path)
        live.wait_for(
            operator, "return document.querySelector('[data-keep-state=\"not-kept\"]') !== null"
        )
        assert "住所を変えたいです" not in operator.find_element(By.TAG_NAME, "main").text

        # English, then plain Japanese with furigana.
        customer.add_cookie({"name": "as_language", "value": "en", "path": "/"})
        customer.get(server["url"] + path)
        assert customer.execute_script(LEGEND_TEXT_JS) == "Shall we keep the written conversation?"
        customer.add_cookie({"name": "as_language", "value": "ja", "path": "/"})
        customer.add_cookie({"name": "as_reading", "value": "plain-furigana", "path": "/"})
        customer.get(server["url"] + path)
        assert customer.execute_script(LEGEND_TEXT_JS) == "会話の 記録を 残しますか"
        assert (
            customer.execute_script(
                "return document.querySelectorAll('.live-keep legend ruby').length"
            )
            >= 2
        )
        assert run_axe(customer) == []
