"""The browser client (signlanguage/static/signlanguage/session.js) in headless Chromium against a
live daphne: a written chat survives a dropped socket with nothing lost or shown twice, and a
sign-language session reaches a WebRTC `connected` state on both pages with the fake camera."""

from __future__ import annotations

import pytest

from tests.browser import run_axe
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e


server = live.server_fixture("live-browser", live.live_setup(chat=True, video=True))


LOG_JS = (
    "return Array.from(document.querySelectorAll('[data-live-log] li:not([data-pending])'),"
    " li => [Number(li.dataset.seq), li.querySelector('.live-text').textContent]);"
)


def test_written_chat_loses_and_repeats_nothing_when_the_customer_socket_drops(server):
    path = f"/sessions/{server['chat']}/live/"
    with live.both_sides(server, server["customer"], path, live.OPEN_JS) as (customer, operator):
        live.send(customer, "こんにちは <b>太字?</b>")
        live.wait_for(operator, live.stored_count(1))

        # The customer's socket drops; while it is down the operator answers twice and the
        # customer writes again (kept in the page, sent on reconnect with the same client_id).
        customer.execute_script(f"{live.ROOT_JS}.liveSession.socket.close()")
        live.send(operator, "お待たせしました")
        live.send(operator, "ご用件をどうぞ")
        live.send(customer, "明細の件です")
        live.wait_for(customer, live.OPEN_JS)
        expected_texts = {
            "こんにちは <b>太字?</b>",
            "お待たせしました",
            "ご用件をどうぞ",
            "明細の件です",
        }
        for driver in (customer, operator):
            live.wait_for(driver, live.stored_count(4))
            log = driver.execute_script(LOG_JS)
            assert [seq for seq, _ in log] == [1, 2, 3, 4]
            assert {text for _, text in log} == expected_texts
        # Rendered as text, never as HTML.
        assert not customer.execute_script("return document.querySelector('[data-live-log] b')")
        # The operator's page was open and visible, so the customer's messages end up "read".
        live.wait_for(
            customer,
            "return Array.from(document.querySelectorAll('[data-mine=true]'))"
            ".every(li => li.dataset.status === 'read')",
        )
        assert (
            customer.execute_script("return document.querySelector('[data-live-input]').value")
            == ""
        )
        # WCAG 2.2 AA with messages in the log, on both sides.
        assert run_axe(customer) == []
        assert run_axe(operator) == []


def test_sign_language_session_connects_webrtc_on_both_pages(server):
    path = f"/sessions/{server['video']}/live/"
    sides = live.both_sides(server, server["other"], path, live.CONNECTED_JS, 30)
    with sides as (customer, operator):
        for driver in (customer, operator):
            # Self-view shows the camera; the remote picture arrives; the track asks for motion.
            live.wait_for(driver, "return document.querySelector('[data-live-remote]').srcObject")
            assert (
                driver.execute_script(
                    "return document.querySelector('[data-live-self]').srcObject"
                    ".getVideoTracks()[0].contentHint"
                )
                == "motion"
            )
        assert run_axe(customer) == []
