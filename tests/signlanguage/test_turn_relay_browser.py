"""A sign-language call forced through a real coturn on 127.0.0.1 (issue 22 item 2): coturn runs
with `use-auth-secret`, the app with TURN_URLS/TURN_SECRET, both pages' peer connections with
`iceTransportPolicy: "relay"` (set by a script that wraps RTCPeerConnection before the page's
own). The pages get their credentials only from the socket's `rtc.ice_servers`; both reach
`connected`, and the selected candidate pair is a relay on both sides: coturn accepted the
app's short-lived credentials (a relay candidate needs an authenticated allocation)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import free_port, require_browser, stop
from tests.conftest import require_service
from tests.signlanguage import live_browser as live

pytestmark = pytest.mark.e2e

SECRET = "relay-test-static-auth-secret-7f3a"
# Every peer connection the page makes relays only, and is kept for the test to inspect.
FORCE_RELAY = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  function Relayed(config, ...rest) {
    const pc = new Native({ ...(config || {}), iceTransportPolicy: "relay" }, ...rest);
    window.__pcs.push(pc);
    return pc;
  }
  Relayed.prototype = Native.prototype;
  Object.setPrototypeOf(Relayed, Native);
  window.RTCPeerConnection = Relayed;
})();
"""

SELECTED_PAIR = """
const done = arguments[arguments.length - 1];
const pc = window.__pcs[window.__pcs.length - 1];
if (!pc) { done(null); return; }
pc.getStats().then((stats) => {
  let pairId = null;
  stats.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = pairId ? stats.get(pairId) : null;
  if (!pair) { done(null); return; }
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  done({ state: pair.state, local: local && local.candidateType,
    remote: remote && remote.candidateType, config: pc.getConfiguration().iceTransportPolicy,
    turn: pc.getConfiguration().iceServers.some((s) => String(s.urls).includes("turn:")) });
}).catch((e) => done({ error: String(e) }));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    turnserver = shutil.which("turnserver")
    require_service("coturn", turnserver is not None, "apt-get install -y coturn")
    assert turnserver is not None
    tmp = tmp_path_factory.mktemp("turn-relay")
    port = free_port()
    low = 49152 + (port % 1000) * 10
    turn_log = (tmp / "turnserver.log").open("wb")
    coturn = subprocess.Popen(
        [turnserver, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
         f"--listening-port={port}", f"--min-port={low}", f"--max-port={low + 9}",
         "--use-auth-secret", f"--static-auth-secret={SECRET}", "--realm=relay.test",
         "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls", "--fingerprint",
         "--log-file=stdout", "--simple-log"],
        stdout=turn_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        with live.live_server(
            tmp,
            live.live_setup(video=True),
            TURN_URLS=f"turn:127.0.0.1:{port}?transport=udp",
            TURN_SECRET=SECRET,
            ICE_SERVERS="[]",
        ) as data:
            yield {**data, "turn_log": tmp / "turnserver.log"}
    finally:
        stop(coturn)
        turn_log.close()


def test_a_call_forced_through_coturn_connects_on_a_relay_pair(server):
    path = f"/sessions/{server['video']}/live/"
    sides = live.both_sides(server, server["customer"], path, script=FORCE_RELAY)
    with sides as (customer, operator):
        for driver in (customer, operator):
            # The page holds no TURN credential; the socket brought one.
            assert "turn:" not in driver.page_source
            try:
                live.wait_for(driver, live.CONNECTED_JS, timeout=40, step=0.2)
            except AssertionError:
                log = server["turn_log"].read_text(errors="replace")[-3000:]
                raise AssertionError(f"no relayed call; coturn said:\n{log}") from None
        for name, driver in (("customer", customer), ("operator", operator)):
            pair = None
            deadline = time.monotonic() + 20
            while pair is None or pair.get("state") != "succeeded":
                assert time.monotonic() < deadline, f"{name}: no selected pair: {pair}"
                pair = driver.execute_async_script(SELECTED_PAIR)
                time.sleep(0.2)
            assert pair["config"] == "relay" and pair["turn"], pair
            assert pair["local"] == "relay", f"{name}'s selected pair is not a relay: {pair}"
