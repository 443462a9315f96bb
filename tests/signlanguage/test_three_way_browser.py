"""Three-way video (issue 22 item 3) in headless Chromium with fake cameras against a live daphne:
the customer, her proxy (her daughter, with a grant that includes `session.book`, acting for her)
and the operator open the same sign-language session; each page shows the other two as two
remote <video> elements actually playing (a decoded picture, its clock running), the operator's
the larger beside the proxy's on the customer's desktop page and stacked at 375 px; the written
chat is shared by all three; and when the proxy reloads her page she is called again while the
customer–operator connection is left as it was (the same RTCPeerConnection, still connected, no
new offer)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests import browser as base
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e

SETUP = (
    base.SIGNED_IN_SETUP
    + """
import time
from django.utils import timezone
from proxies import acting
from proxies.models import Grant
customer = person("c1", "山田 花子", ["member"], member_number="1234567890")
daughter = person("p1", "山田 太郎", ["proxy"])
operator = person("o1", "鈴木 さくら", ["operator"], skills=["sign_language", "written_chat"])
Grant.objects.create(member=customer, proxy=daughter, proxy_name=daughter.name,
    proxy_email=daughter.email, relationship="子", scopes=["session.book"], state="active",
    created_at=timezone.now())
video = Session.objects.create(customer=customer, booked_by=customer, operator=operator,
    mode="sign_language", kind="now", state="active", topic="手話")
print(json.dumps({
    "customer": signed_in(customer),
    "proxy": signed_in(daughter, **{acting.SESSION_KEY: {"member_id": customer.pk,
                                                         "seen": time.time()}}),
    "operator": signed_in(operator), "video": video.pk,
    "ids": {"customer": f"customer-{customer.pk}", "proxy": f"proxy-{daughter.pk}",
            "operator": f"operator-{operator.pk}"}}))
"""
)

server = live.server_fixture("three-way", SETUP)

VIDEO_JS = f"{live.ROOT_JS}.liveSession.video"
# Each remote figure shown on the page: its role, whether its video has a decoded picture, and
# its playback clock.
REMOTES_JS = """
return Array.from(document.querySelectorAll('[data-remote-role]'))
  .filter(f => !f.hidden)
  .map(f => { const v = f.querySelector('video');
    return {role: f.dataset.remoteRole, width: v.videoWidth, time: v.currentTime,
            ready: v.readyState, stream: !!v.srcObject}; });
"""
DEBUG_JS = f"""
const v = {VIDEO_JS}; const m = v.mesh;
return {{remotes: (() => {{ {REMOTES_JS} }})(), self: m.self, known: [...m.known],
  stream: !!m.stream,
  peers: [...m.peers.values()].map(p => [p.id, p.instance, p.state, p.pc.signalingState, p.offers,
    p.pc.iceConnectionState, p.pc.iceGatheringState, JSON.stringify(p.candidates)]),
  state: {live.ROOT_JS}.dataset.rtcState, connection: {live.ROOT_JS}.dataset.connection,
  status: document.querySelector('[data-live-rtc-status]').textContent}};
"""
DRIVERS: list[Any] = []
OTHERS = {
    "customer": {"operator", "proxy"},
    "proxy": {"operator", "customer"},
    "operator": {"customer", "proxy"},
}


def playing(driver: Any, roles: set[str], timeout: float = 60) -> list[dict[str, Any]]:
    """Waits until the page shows a remote video for each of `roles` with a picture (videoWidth
    > 0) whose clock moves on; returns the second reading."""

    def pictures() -> Any:
        shown = driver.execute_script(REMOTES_JS)
        ok = {r["role"] for r in shown if r["stream"] and r["width"] > 0 and r["ready"] >= 2}
        return shown if ok == roles and len(shown) == len(roles) else None

    deadline = time.monotonic() + timeout
    first = pictures()
    while first is None:
        if time.monotonic() >= deadline:
            for each in DRIVERS:  # what every page knows, to see which call is missing
                print("DEBUG", each.execute_script(DEBUG_JS))
            pytest.fail(f"no two remote pictures playing: {driver.execute_script(REMOTES_JS)}")
        time.sleep(0.2)
        first = pictures()
    time.sleep(1.5)
    second = driver.execute_script(REMOTES_JS)
    before = {r["role"]: r["time"] for r in first}
    for reading in second:
        assert reading["width"] > 0, reading
        assert reading["time"] > before[reading["role"]], f"{reading['role']}'s video is frozen"
    return second


@pytest.fixture(scope="module")
def pages(server: dict[str, Any]) -> Iterator[dict[str, Any]]:
    path = f"/sessions/{server['video']}/live/"
    drivers: dict[str, Any] = {}
    try:
        for role in ("customer", "proxy", "operator"):
            drivers[role] = live.browser(server, server[role], path)
            DRIVERS.append(drivers[role])
        yield drivers
    finally:
        for driver in drivers.values():
            driver.quit()


def test_each_of_three_pages_shows_the_other_two_videos_playing(server, pages):
    for role, driver in pages.items():
        shown = playing(driver, OTHERS[role])
        print(role, shown)
        assert driver.execute_script(f"return {VIDEO_JS}.mesh.self") == server["ids"][role]
        assert driver.execute_script(f"return {live.ROOT_JS}.dataset.rtcState") == "connected"


def viewport(driver: Any, width: int, height: int = 900, scale: float = 1) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": width < 600},
    )


def test_the_operators_picture_is_the_larger_beside_the_proxys_and_stacked_on_a_phone(pages):
    customer = pages["customer"]
    boxes_js = (
        "const r = (s) => document.querySelector(s).getBoundingClientRect();"
        "const op = r('[data-remote-role=operator] video');"
        "const px = r('[data-remote-role=proxy] video');"
        "return {op: [op.left, op.top, op.width], px: [px.left, px.top, px.width],"
        " scroll: document.documentElement.scrollWidth, inner: window.innerWidth};"
    )
    try:
        viewport(customer, 1280)
        boxes = live.wait_for(customer, boxes_js)
        print("1280:", boxes)
        assert boxes["op"][2] > boxes["px"][2]
        assert boxes["px"][0] >= boxes["op"][0] + boxes["op"][2]  # side by side
        # A phone, and 200 % zoom of a 1280 px window (640 CSS px): stacked, the same width,
        # nothing scrolls sideways.
        for width, scale in ((375, 1), (640, 2)):
            viewport(customer, width, 812, scale)
            boxes = live.wait_for(customer, boxes_js)
            print(width, scale, boxes)
            assert boxes["px"][1] > boxes["op"][1]
            assert boxes["op"][2] == pytest.approx(boxes["px"][2])
            assert boxes["scroll"] <= boxes["inner"]
    finally:
        customer.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_written_chat_is_shared_by_all_three(pages):
    live.send(pages["proxy"], "母の代わりに書きます")
    for driver in pages.values():
        live.wait_for(driver, live.stored_count(1))
    live.send(pages["operator"], "承知しました")
    for driver in pages.values():
        live.wait_for(driver, live.stored_count(2))


def test_a_reloaded_page_is_called_again_and_the_other_pair_is_not_restarted(server, pages):
    customer, proxy, operator = pages["customer"], pages["proxy"], pages["operator"]
    ids = server["ids"]
    pair_js = (
        f"const p = {VIDEO_JS}.mesh.peers.get(arguments[0]);"
        " if (arguments[1]) window.__pair = p.pc;"
        " return {same: p.pc === window.__pair, state: p.pc.connectionState, offers: p.offers,"
        " instance: p.instance};"
    )
    before = {
        "customer": customer.execute_script(pair_js, ids["operator"], True),
        "operator": operator.execute_script(pair_js, ids["customer"], True),
    }
    old_proxy = customer.execute_script(pair_js, ids["proxy"], False)["instance"]

    proxy.refresh()
    playing(proxy, OTHERS["proxy"])
    for driver in (customer, operator):
        live.wait_for(
            driver,
            f"const p = {VIDEO_JS}.mesh.peers.get('{ids['proxy']}');"
            f" return p && p.instance !== '{old_proxy}' && p.pc.connectionState === 'connected'",
            timeout=60,
        )
    playing(customer, OTHERS["customer"])
    playing(operator, OTHERS["operator"])
    after = {
        "customer": customer.execute_script(pair_js, ids["operator"], False),
        "operator": operator.execute_script(pair_js, ids["customer"], False),
    }
    for role in ("customer", "operator"):
        assert after[role]["same"], f"the {role}'s connection was replaced"
        assert after[role]["state"] == "connected"
        assert after[role]["offers"] == before[role]["offers"], f"the {role} negotiated again"
