"""Issue 22 item 6 in the browser: the operator's page shows whether the customer is connected;
when the customer's browser goes, the operator reads that the customer's connection was lost and
until when the place is held; when the customer opens the page again the operator reads that
they are back — without doing anything."""

from __future__ import annotations

import pytest

from tests.browser import run_axe
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e


server = live.server_fixture("live-presence", live.live_setup(chat=True))

CUSTOMER_STATE_JS = (
    "const li = document.querySelector('[data-live-presence] li[data-presence-role=customer]');"
    " return li && !li.closest('[hidden]') ? [li.dataset.presenceState, li.textContent] : null;"
)


def _customer_is(state: str) -> str:
    return (
        "const li = document.querySelector("
        "'[data-live-presence] li[data-presence-role=customer]');"
        f" return !!li && li.dataset.presenceState === '{state}';"
    )


def test_the_operator_sees_the_customer_go_and_come_back(server):
    path = f"/sessions/{server['chat']}/live/"
    operator = live.browser(server, server["operator"], path, language="en")
    try:
        live.wait_for(operator, live.OPEN_JS)
        customer = live.browser(server, server["customer"], path)
        live.wait_for(customer, live.OPEN_JS)
        live.wait_for(operator, _customer_is("connected"))
        assert operator.execute_script(CUSTOMER_STATE_JS)[1].startswith("Customer: connected")

        customer.quit()  # the customer's browser goes away
        live.wait_for(operator, _customer_is("reconnecting"))
        state, text = operator.execute_script(CUSTOMER_STATE_JS)
        assert "connection lost" in text and "held until" in text, text
        assert run_axe(operator) == []  # WCAG 2.2 AA with the presence line shown

        customer = live.browser(server, server["customer"], path)
        live.wait_for(customer, live.OPEN_JS)
        live.wait_for(operator, _customer_is("connected"))
        customer.quit()
    finally:
        operator.quit()
