"""The notification centre in Chromium (issue 21 item 5, Acceptance): the member's unread count
updates live on a page they already have open when their proxy files a request for them (said
in the polite live region, never by sound), the centre is axe-clean, and the member's one tap on
"this wasn't me" — with the keyboard — pauses the grant at once and closes the proxy's open
live-session socket (its page says it may no longer take part)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests import browser as base
from tests.browser import run_axe
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e

SETUP = (
    base.SIGNED_IN_SETUP
    + """
import time
from django.utils import timezone
from proxies.models import Grant
from proxies.scopes import SCOPES
customer = person("c1", "山田 花子", ["member"], member_number="1234567890")
helper = person("p1", "山田 太郎", ["proxy"])
operator = person("o1", "鈴木 さくら", ["operator"], skills=["sign_language", "written_chat"])
grant = Grant.objects.create(member=customer, proxy=helper, proxy_name=helper.name,
    proxy_email=helper.email, relationship="子", scopes=list(SCOPES), state="active",
    created_at=timezone.now())
chat = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="written_chat", kind="now", state="active", topic="明細")
acting = {"proxies.acting_for": {"member_id": customer.pk, "seen": time.time()}}
caller = person("c2", "佐藤 一郎", ["member"], member_number="2345678901")
waiting = Session.objects.create(customer=caller, booked_by=caller, mode="written_chat",
    kind="now", state="waiting", topic="カード")
keys = {"customer": signed_in(customer), "customer_other_tab": signed_in(customer),
    "caller": signed_in(caller), "waiting": waiting.pk,
    "proxy": signed_in(helper, **acting), "operator": signed_in(operator),
    "chat": chat.pk, "grant": grant.pk}
print(json.dumps(keys))
"""
)

server = live.server_fixture("notices", SETUP, E2E_ALWAYS_OPEN="1")

COUNT_JS = (
    "const c = document.querySelector('[data-unread-count]');"
    " return c ? [c.dataset.live || '', c.hidden, c.textContent] : null;"
)
LIVE_OPEN_JS = (
    "const c = document.querySelector('[data-unread-count]');"
    " return !!c && c.dataset.live === 'open';"
)


def _grant_state(server: dict[str, Any]) -> str:
    database = Path(server["env"]["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(database) as db:
        (state,) = db.execute(
            "SELECT state FROM proxies_grant WHERE id = ?", (server["grant"],)
        ).fetchone()
    return str(state)


def _file_a_request_as_the_proxy(proxy: Any, server: dict[str, Any]) -> None:
    from selenium.webdriver.common.by import By

    proxy.get(server["url"] + "/proxies/procedures/new/")
    proxy.find_element(By.CSS_SELECTOR, "input[name=kind][value=address_change]").click()
    proxy.find_element(By.NAME, "details").send_keys("新しい住所は東京都です")
    proxy.find_element(By.CSS_SELECTOR, "form button[type=submit].button-primary").click()
    live.wait_for(proxy, "return !location.pathname.endsWith('/procedures/new/')")


def test_the_unread_count_updates_live_on_another_open_page(server):
    member = live.browser(server, server["customer"], "/")
    proxy = live.browser(server, server["proxy"], "/")
    try:
        live.wait_for(member, LIVE_OPEN_JS)
        assert member.execute_script(COUNT_JS)[1] is True  # nothing unread: no count shown
        _file_a_request_as_the_proxy(proxy, server)
        live.wait_for(
            member, "return document.querySelector('[data-unread-count]').hidden === false"
        )
        _, hidden, text = member.execute_script(COUNT_JS)
        assert text == "（未読 1件）"
        said = live.wait_for(member, "return document.getElementById('notices-live').textContent")
        assert said.startswith("新しいお知らせ：山田 太郎")
        region = member.execute_script(
            "const r = document.getElementById('notices-live');"
            " return [r.getAttribute('role'), r.getAttribute('aria-live')];"
        )
        assert region == ["status", "polite"]
        # No sound anywhere: the page holds no audio and plays none.
        assert member.execute_script("return document.querySelectorAll('audio').length") == 0
        member.get(server["url"] + "/notices/")
        assert run_axe(member) == []
    finally:
        member.quit()
        proxy.quit()


def test_this_wasnt_me_pauses_the_grant_and_closes_the_proxys_open_socket(server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = f"/sessions/{server['chat']}/live/"
    proxy = live.browser(server, server["proxy"], path)
    member = live.browser(server, server["customer_other_tab"], "/notices/")
    try:
        live.wait_for(proxy, live.OPEN_JS)
        if not member.find_elements(By.CSS_SELECTOR, "form[action$='/not-me/'] button"):
            _file_a_request_as_the_proxy(live.browser(server, server["proxy"], "/"), server)
            member.get(server["url"] + "/notices/")
        button = member.find_element(By.CSS_SELECTOR, "form[action$='/not-me/'] button")
        size = button.size
        assert size["height"] >= 44 and size["width"] >= 44
        # Keyboard only: focus the button, press Enter.
        member.execute_script("arguments[0].focus()", button)
        button.send_keys(Keys.ENTER)
        live.wait_for(
            member,
            "return location.pathname === '/notices/'"
            " && !!document.querySelector('.notice-success')",
        )
        assert _grant_state(server) == "suspended"
        live.wait_for(
            proxy, "return document.querySelector('.live-session').dataset.connection === 'stopped'"
        )
        assert run_axe(member) == []
    finally:
        member.quit()
        proxy.quit()


# The browser's notifications, faked before any script of the page runs: what was asked and
# shown is kept in sessionStorage, which outlives the page's move to the conversation.
FAKE_NOTIFICATION = """
(() => {
  const log = (key, value) => {
    const all = JSON.parse(sessionStorage.getItem(key) || "[]");
    all.push(value);
    sessionStorage.setItem(key, JSON.stringify(all));
  };
  class FakeNotification {
    static permission = sessionStorage.getItem("granted") ? "granted" : "default";
    static requestPermission() {
      log("asked", true);
      sessionStorage.setItem("granted", "1");
      FakeNotification.permission = "granted";
      return Promise.resolve("granted");
    }
    constructor(title, options) { log("shown", [title, options]); }
  }
  window.Notification = FakeNotification;
})();
"""


def test_the_waiting_page_asks_for_a_browser_notification_only_by_its_button(server):
    from selenium.webdriver.common.by import By

    path = f"/sessions/now/{server['waiting']}/"
    customer = live.browser(server, server["caller"], path, script=FAKE_NOTIFICATION)
    operator = live.browser(server, server["operator"], "/sessions/console/")
    try:
        assert customer.find_elements(By.ID, "browser-notify"), (
            customer.current_url,
            customer.find_element(By.TAG_NAME, "main").text[:500],
        )
        live.wait_for(customer, "return !document.getElementById('browser-notify').hidden")
        stored = "return [sessionStorage.getItem('asked'), sessionStorage.getItem('shown')]"
        assert customer.execute_script(stored) == [None, None]  # nothing asked on load
        assert run_axe(customer) == []
        box = customer.find_element(By.ID, "browser-notify")
        button = box.find_element(By.TAG_NAME, "button")
        assert button.size["height"] >= 44
        button.click()
        said = live.wait_for(
            customer, "return document.querySelector('[data-notify-state]').textContent"
        )
        assert said.startswith("設定しました")
        take = f"[data-take-url='/api/v1/queue/{server['waiting']}/take']"
        live.wait_for(operator, f'return !!document.querySelector("{take}")')
        operator.find_element(By.CSS_SELECTOR, take).click()
        live.wait_for(customer, "return location.pathname.endsWith('/live/')")
        asked, shown = customer.execute_script(stored)
        assert asked == "[true]"
        (title, options), *more = json.loads(shown)
        assert not more and title == "オペレーターがあなたの申し込みを受けました"
        assert options["silent"] is True
    finally:
        customer.quit()
        operator.quit()
