"""Video that keeps its frame rate (issue 22 item 4), in headless Chromium with fake cameras
against a live daphne: each page's video sender keeps the frame rate under a 1 Mbit/s ceiling
(read back from the browser's own RTCRtpSender.getParameters()), the receiving page measures the
picture it gets, and a frame rate that stays under 12 a second is said in words in a polite
status region, with written chat offered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e

# A talk-now sign-language session (open whatever the time of day).
server = live.server_fixture("video-quality", live.live_setup(video=True))

VIDEO_JS = f"{live.ROOT_JS}.liveSession.video"
SENDER_JS = f"const s = {VIDEO_JS}.pc.getSenders().find(s => s.track && s.track.kind === 'video');"
wait_for = live.wait_for
NOTE_JS = "return document.querySelector('[data-live-video-quality]').textContent"


@pytest.fixture(scope="module")
def pages(server: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The customer's and the operator's pages of the session, video connected."""
    path = f"/sessions/{server['video']}/live/"
    sides = live.both_sides(server, server["customer"], path, live.CONNECTED_JS, timeout=40)
    with sides as (customer, operator):
        yield {"customer": customer, "operator": operator}


def test_senders_keep_the_frame_rate_under_a_ceiling_and_receivers_measure_the_picture(pages):
    for driver in pages.values():
        # The browser itself reports what the page asked of the sender (once it has been set).
        params = wait_for(
            driver,
            SENDER_JS + "const p = s.getParameters();"
            " return p.degradationPreference === 'maintain-framerate' && p;",
        )
        assert params["encodings"][0]["maxBitrate"] == 1_000_000
        assert driver.execute_script(SENDER_JS + " return s.track.contentHint") == "motion"
        # The other person's picture is measured from getStats(): frames a second, size, RTT.
        quality = wait_for(
            driver, f"const q = {VIDEO_JS}.quality; return q && q.fps > 0 && q.width > 0 && q"
        )
        assert quality["width"] >= 320 and quality["height"] >= 240
        assert quality["rtt"] is not None and 0 <= quality["rtt"] < 1
        note = driver.execute_script(
            "const n = document.querySelector('[data-live-video-quality]');"
            " return [n.getAttribute('role'), n.textContent]"
        )
        assert note == ["status", ""], "a notice while the video runs smoothly"


def test_a_frame_rate_that_stays_under_12_is_said_in_words_with_written_chat_offered(pages):
    customer, operator = pages["customer"], pages["operator"]
    # The customer's camera now sends 5 frames a second (as on a poor line).
    customer.execute_async_script(
        SENDER_JS + "const done = arguments[arguments.length - 1];"
        " const p = s.getParameters(); p.encodings[0].maxFramerate = 5;"
        " s.setParameters(p).then(() => done(true), (e) => done(String(e)));"
    )
    # Not at once: only after the rate has stayed low for 10 s.
    time.sleep(5)
    assert operator.execute_script(NOTE_JS) == ""
    note = wait_for(operator, NOTE_JS, timeout=30)
    assert "12コマ未満" in note and "「筆談にする」" in note
    assert operator.execute_script(f"return {VIDEO_JS}.quality.fps") < 12
    # The customer's own page, which receives smooth video, says nothing.
    assert customer.execute_script(NOTE_JS) == ""
