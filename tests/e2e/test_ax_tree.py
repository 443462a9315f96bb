"""Issue 23: what a screen reader is given, read from Chromium's accessibility tree (Chrome
DevTools Protocol `Accessibility.getFullAXTree`), for the pages that change by themselves: the
operator's queue and console, the customer's waiting page and the chat log of a live session.

- The live regions are in the tree before any update arrives (a region added with its content is
  not announced).
- One new message (or one new customer waiting) adds exactly one node to the live region, and the
  nodes already there stay the same nodes (a rebuilt list or a replaced pending message is read
  out again).
- Focus stays where it was when the page updates.

A server of its own; one browser each for the operator, the customer (山田 花子) and a second
customer (佐藤 一郎).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import (
    LANGUAGE_COOKIE,
    LiveServer,
    _browser_available,
    new_driver,
    path_of,
    start_live_server,
    wait_for,
)
from tests.e2e.test_state_crawl import sign_in, submit

pytestmark = pytest.mark.e2e


@dataclass
class Region:
    """A live region in the accessibility tree: its node, role, politeness, and the DOM node ids
    of its list items (or its text, for a status line)."""

    role: str
    live: str
    name: str
    items: list[int]
    text: str
    node: int = 0  # the region's DOM node (backendDOMNodeId)


def ax_nodes(driver: Any) -> dict[str, dict[str, Any]]:
    tree = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})
    return {node["nodeId"]: node for node in tree["nodes"]}


def _prop(node: dict[str, Any], name: str) -> Any:
    for prop in node.get("properties", []):
        if prop["name"] == name:
            return prop["value"].get("value")
    return None


def _value(node: dict[str, Any], key: str) -> str:
    return str((node.get(key) or {}).get("value") or "")


def live_regions(driver: Any) -> list[Region]:
    """Every live region root (aria-live, or role log/status/alert) with its list items."""
    nodes = ax_nodes(driver)
    regions = []
    for node in nodes.values():
        if node.get("ignored"):
            continue
        role = _value(node, "role")
        live = _prop(node, "live") or ""
        root = _prop(node, "liveRegionRoot")
        if role not in ("log", "status", "alert") and not (live and live != "off"):
            continue
        if root is not None and str(root) != str(node.get("backendDOMNodeId")):
            # A node inside a region reports the region's root: only roots are regions here.
            if role not in ("log", "status", "alert"):
                continue
        items: list[int] = []
        texts: list[str] = []
        stack = list(node.get("childIds", []))
        while stack:
            child = nodes.get(stack.pop(0))
            if child is None:
                continue
            if _value(child, "role") == "listitem":
                items.append(int(child.get("backendDOMNodeId", 0)))
            elif _value(child, "role") in ("StaticText", "text"):
                texts.append(_value(child, "name"))
            stack.extend(child.get("childIds", []))
        regions.append(
            Region(
                role,
                str(live),
                _value(node, "name"),
                items,
                " ".join(texts),
                int(node.get("backendDOMNodeId", 0)),
            )
        )
    return regions


def _header_regions(driver: Any) -> set[int]:
    """DOM node ids of the live regions in the page's <header> (the notification centre's line,
    on every signed-in page): not the page's own regions the tests below are about."""
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    found = driver.execute_cdp_cmd(
        "DOM.querySelectorAll",
        {"nodeId": root, "selector": "header [role], header [aria-live]"},
    )["nodeIds"]
    return {
        int(driver.execute_cdp_cmd("DOM.describeNode", {"nodeId": node})["node"]["backendNodeId"])
        for node in found
    }


def region(driver: Any, role: str, name: str = "") -> Region:
    header = _header_regions(driver)
    found = [
        r
        for r in live_regions(driver)
        if r.role == role and name in r.name and r.node not in header
    ]
    assert found, f"no {role} live region {name!r} in the tree of {path_of(driver)}: " + str(
        [(r.role, r.name) for r in live_regions(driver)]
    )
    return found[0]


ACTIVE = """const el = document.activeElement;
return el ? el.tagName.toLowerCase() + '#' + el.id + '|' + (el.innerText || el.value || '').trim()
  + '|' + (el.getAttribute('data-session-id') || el.closest('[data-session-id]')?.dataset.sessionId
  || '') : null;"""


@dataclass
class People:
    server: LiveServer
    operator: Any
    customer: Any
    second: Any


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    _browser_available()
    with start_live_server(tmp_path_factory.mktemp("ax-tree"), {"E2E_ALWAYS_OPEN": "1"}) as server:
        drivers = []
        try:
            for user, address in (
                ("operator", ""), ("member", ""), ("member2", "member2@example.jp"),
            ):  # fmt: skip
                driver = new_driver()
                drivers.append(driver)
                driver.get(server.path("/healthz"))
                driver.add_cookie({"name": LANGUAGE_COOKIE, "value": "en", "path": "/"})
                sign_in(driver, server, user, address)
                driver.add_cookie({"name": LANGUAGE_COOKIE, "value": "ja", "path": "/"})
            yield People(server, *drivers)
        finally:
            for driver in drivers:
                driver.quit()


def ask_to_talk(driver: Any, server: LiveServer, topic: str) -> str:
    from selenium.webdriver.common.by import By

    driver.get(server.path("/sessions/now/"))
    driver.execute_script(
        "const r = document.querySelector('main form input[type=radio][value=written_chat]')"
        " || document.querySelector('main form input[type=radio]'); if (r) r.checked = true;"
        "document.querySelector('main form [name=topic]').value = arguments[0];",
        topic,
    )
    submit(driver, driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    return path_of(driver)


COUNT = "return document.querySelectorAll(arguments[0] + ' li[data-session-id]').length"
KEEP = "document.querySelector(arguments[0] + ' li[data-session-id]').__axKept = true"
KEPT = "return [...document.querySelectorAll(arguments[0] + ' li')].some(li => li.__axKept)"


def _wait_rows(driver: Any, where: str, rows: int) -> None:
    wait_for(driver, lambda d: d.execute_script(COUNT, where) == rows, f"{rows} rows in {where}")


def test_queue_console_and_waiting_page(people: People) -> None:
    server, operator = people.server, people.operator
    # Two tabs of the operator's browser, open before anyone waits: the queue and the console.
    operator.get(server.path("/sessions/queue/"))
    queue_tab = operator.current_window_handle
    before_queue = region(operator, "status")
    assert before_queue.live == "polite", before_queue
    operator.switch_to.new_window("tab")
    operator.get(server.path("/sessions/console/"))
    console_tab = operator.current_window_handle
    # The console's notice ("another operator has taken this request") is an alert region that
    # is already in the tree, empty, before it has anything to say: one shown from `hidden` is
    # not announced by every screen reader.
    notice = region(operator, "alert")
    assert notice.live == "assertive" and notice.text == "", notice

    # The first customer: the waiting page has its status region from the start.
    waiting = ask_to_talk(people.customer, server, "明細")
    assert region(people.customer, "status").live == "polite", f"waiting page {waiting}"
    # On both operator pages, focus goes to the first customer's button (about to take them);
    # a mark on the row itself tells later whether it was kept or rebuilt.
    focus = {}
    for tab, where in ((console_tab, "[data-console-waiting]"), (queue_tab, "#queue-list")):
        operator.switch_to.window(tab)
        _wait_rows(operator, where, 1)
        operator.execute_script(
            "document.querySelector(arguments[0] + ' li button').focus();" + KEEP, where
        )
        focus[tab] = operator.execute_script(ACTIVE)
    first = region(operator, "status")
    assert first.text != before_queue.text, "the queue's count was not updated"

    # The second customer arrives: each list grows by one row, in place, and focus stays.
    ask_to_talk(people.second, server, "住所の変更")
    for tab, where in ((queue_tab, "#queue-list"), (console_tab, "[data-console-waiting]")):
        operator.switch_to.window(tab)
        _wait_rows(operator, where, 2)
        assert operator.execute_script(ACTIVE) == focus[tab], (
            f"focus moved when {where} was updated: {focus[tab]} → "
            f"{operator.execute_script(ACTIVE)}"
        )
        assert operator.execute_script(KEPT, where), f"{where}: the first row was rebuilt"
        names = operator.execute_script(
            "return [...document.querySelectorAll(arguments[0] + ' li button')]"
            ".map(b => b.innerText)",
            where,
        )
        assert any("佐藤 一郎" in n for n in names), f"{where}: buttons without the name: {names}"
        if tab == queue_tab:
            second = region(operator, "status")
            assert second.text != first.text, "the count did not change for the second customer"
            assert second.text.count("2") >= 1, f"the count does not say 2: {second.text!r}"
    operator.switch_to.window(console_tab)
    operator.close()
    operator.switch_to.window(queue_tab)


def _log_items(driver: Any) -> list[int]:
    return region(driver, "log").items


def _send(driver: Any, text: str) -> None:
    driver.execute_script(
        "const input = document.querySelector('[data-live-input]');"
        "input.focus(); input.value = arguments[0];"
        "input.form.querySelector('button[type=submit]').click();",
        text,
    )


def test_chat_log_announces_each_message_once(people: People) -> None:
    from selenium.webdriver.common.by import By

    server, operator, customer = people.server, people.operator, people.customer
    operator.get(server.path("/sessions/queue/"))
    take = [
        b
        for b in operator.find_elements(By.CSS_SELECTOR, "#queue-list li button")
        if "山田 花子" in b.text
    ]
    assert take, "山田 花子 is not waiting"
    submit(operator, take[0])
    wait_for(operator, lambda d: "/live/" in d.current_url, "the operator's live page")
    live = path_of(operator)
    wait_for(customer, lambda d: "/live/" in d.current_url, "the customer's live page", 20)
    for driver in (operator, customer):
        wait_for(
            driver,
            lambda d: d.execute_script(
                "return document.querySelector('.live-session')?.dataset.connection === 'open'"
            ),
            f"the live socket on {live}",
            20,
        )
    log = region(customer, "log")
    assert log.live == "polite", log
    # The page's notice (a refusal, a lost connection) is an alert region already in the tree,
    # empty, before it has anything to say.
    notice = region(customer, "alert")
    assert notice.live == "assertive" and notice.text == "", notice
    before = _log_items(customer)

    # The customer has started typing; the operator's message arrives.
    customer.execute_script(
        "const input = document.querySelector('[data-live-input]');"
        "input.focus(); input.value = '下書き';"
    )
    _send(operator, "ご用件をどうぞ")
    wait_for(
        customer,
        lambda d: len(_log_items(d)) == len(before) + 1,
        "the operator's message in the customer's log",
    )
    after = _log_items(customer)
    assert set(before) <= set(after) and len(set(after) - set(before)) == 1, (
        f"not exactly one new node in the log: {before} → {after}"
    )
    assert customer.execute_script(
        "return document.activeElement.matches('[data-live-input]') "
        "&& document.activeElement.value === '下書き'"
    ), "focus or the draft was lost when a message arrived"

    # The customer's own message: one node, updated in place when the server confirms it.
    _send(customer, "カードをなくしました")
    wait_for(
        customer,
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('[data-live-log] li')].some("
            "li => li.textContent.includes('カードをなくしました') && li.dataset.seq)"
        ),
        "the customer's message confirmed",
    )
    mine = _log_items(customer)
    assert set(after) <= set(mine) and len(mine) == len(after) + 1, (
        f"the own message was not one node kept in place: {after} → {mine}"
    )
    wait_for(
        operator,
        lambda d: d.execute_script(
            "return document.querySelector('[data-live-log]').textContent"
            ".includes('カードをなくしました')"
        ),
        "the customer's message on the operator's side",
    )
    assert len(_log_items(operator)) == len(mine), "the two sides' logs differ"
