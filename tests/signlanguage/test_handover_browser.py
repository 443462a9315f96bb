"""A hand-over seen in headless Chromium against a live daphne (issue 21 item 6): the colleague's
console says, in a polite status region and without taking focus, that the session is now theirs,
with a link to it; the customer's page shows the hand-over line as a notice of the service, not
as something the new operator said."""

from __future__ import annotations

import pytest

from tests.browser import run_axe
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e

COLLEAGUE = """
import datetime
from django.utils import timezone
from signlanguage.models import Shift
colleague = person("o2", "高橋 健", ["operator"], skills=["written_chat"])
now = timezone.now()
Shift.objects.create(operator=colleague, start=now - datetime.timedelta(hours=1),
    end=now + datetime.timedelta(hours=1))
keys["colleague"] = signed_in(colleague)
"""

server = live.server_fixture(
    "handover-browser",
    live.live_setup(chat=True).replace(
        "print(json.dumps(keys))\n", COLLEAGUE + "print(json.dumps(keys))\n"
    ),
)

HANDED_JS = "return document.querySelector('[data-console-handed] p')?.textContent || ''"


def test_the_colleagues_console_says_the_session_is_theirs_and_the_customer_sees_a_notice(
    server,
):
    from selenium.webdriver.common.by import By

    path = f"/sessions/{server['chat']}/live/"
    console = live.browser(server, server["colleague"], "/sessions/console/")
    try:
        with live.both_sides(server, server["customer"], path, live.OPEN_JS) as (
            customer,
            operator,
        ):
            region = console.find_element(By.CSS_SELECTOR, "[data-console-handed]")
            assert region.get_attribute("role") == "status"
            live.wait_for(console, "return document.readyState === 'complete'")
            operator.get(server["url"] + f"/sessions/{server['chat']}/live/transfer/")
            operator.find_element(By.CSS_SELECTOR, "input[name=operator]").click()
            operator.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

            live.wait_for(operator, "return !location.pathname.endsWith('/transfer/')")
            said = live.wait_for(console, HANDED_JS)
            assert "鈴木 さくらさんから相談を引き継ぎました：山田 花子様" in said
            link = console.find_element(By.CSS_SELECTOR, "[data-console-handed] a")
            assert link.get_attribute("href").endswith(path) and link.text == "相談を開く"
            # Nothing took focus from what the operator was doing; nothing plays.
            assert console.execute_script("return document.activeElement === document.body")
            assert not console.execute_script("return document.querySelector('audio')")
            assert run_axe(console) == []

            line = live.wait_for(
                customer,
                "const li = document.querySelector('.live-message-system');"
                "return li && li.querySelector('.live-sender').textContent;",
            )
            assert line == "お知らせ"
            text = customer.find_element(By.CSS_SELECTOR, ".live-message-system .live-text").text
            assert text == "担当が高橋 健に代わりました。"
    finally:
        console.quit()
