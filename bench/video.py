"""bench.video: the frame rate sign-language video keeps when the line is thin (issue 22 item 4).
Two headless Chromium with fake cameras on loopback: a customer and an operator signed in for
real on the project's own live session page (daphne, the project's settings with static files
from the source folders), the customer's picture measured on the operator's page. Each side's
video sender is capped with RTCRtpSender.setParameters (maxBitrate) at each bitrate in turn; the
receiver's getStats() is read once a second: frames a second (median, 5th percentile), picture
size and round trip. Beside it, in the same run, the floor: the same two browsers on a minimal
RTCPeerConnection page served from 127.0.0.1 outside the project (same camera request, no
content hint, no degradation preference, signalled by the bench).

    python -m bench.video [--seconds 30] [--settle 5] [--bitrates 1000,300,150] [--json]

Targets: at 300 kbit/s a median of at least 20 fps and a 5th percentile of at least 12 at a
picture of at least 320x240; at 150 kbit/s a 5th percentile of at least 12; never more than 10 %
under the floor. A missed target is shown in the `targets` column; a run where no picture
arrives (either side) is a failure (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.server
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

from bench import common
from bench.client import sign_in
from tests.browser import CHROME_FLAGS, new_driver

# The browser tests' Chromium (tests/browser.py), its fake camera at 30 frames a second (its
# default is 20), as a webcam gives; a page in a browser nobody looks at is not throttled either.
FLAGS = (
    *CHROME_FLAGS,
    "--use-fake-device-for-media-stream=fps=30",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
)

# The floor: a plain RTCPeerConnection with the project's camera request, nothing else.
FLOOR_PAGE = b"""<!doctype html><html lang="en"><meta charset="utf-8"><title>floor</title>
<video id="remote" autoplay playsinline muted></video>
<script>
window.pc = new RTCPeerConnection();
window.ready = navigator.mediaDevices.getUserMedia({audio: false,
  video: {width: {ideal: 640}, height: {ideal: 480}, frameRate: {ideal: 30}}})
  .then((s) => { for (const t of s.getTracks()) pc.addTrack(t, s); });
pc.ontrack = (e) => { const v = document.getElementById("remote"); v.srcObject = e.streams[0];
  v.play().catch(() => {}); };
const gathered = () => pc.iceGatheringState === "complete" ? Promise.resolve() :
  new Promise((r) => pc.addEventListener("icegatheringstatechange",
    () => pc.iceGatheringState === "complete" && r()));
window.makeOffer = async () => { await ready; await pc.setLocalDescription(await pc.createOffer());
  await gathered(); return pc.localDescription.toJSON(); };
window.takeOffer = async (o) => { await ready; await pc.setRemoteDescription(o);
  await pc.setLocalDescription(await pc.createAnswer()); await gathered();
  return pc.localDescription.toJSON(); };
window.takeAnswer = (a) => pc.setRemoteDescription(a);
</script></html>"""

# Caps every video sender of `pc` at arguments[0] bit/s (everything else it had stays).
CAP_JS = """
const pc = %s; const cap = arguments[0]; const done = arguments[arguments.length - 1];
Promise.all(pc.getSenders().filter((s) => s.track && s.track.kind === "video").map((s) => {
  const p = s.getParameters();
  for (const e of p.encodings) e.maxBitrate = cap;
  return s.setParameters(p);
})).then(() => done(true), (e) => done(String(e)));
"""

# Reads the receiver's stats every second for arguments[0] seconds: one sample a second.
SAMPLE_JS = """
const pc = %s; const seconds = arguments[0]; const done = arguments[arguments.length - 1];
const out = []; let last = null;
const timer = setInterval(async () => {
  const stats = Array.from((await pc.getStats()).values());
  const v = stats.find((s) => s.type === "inbound-rtp" && s.kind === "video");
  const t = stats.find((s) => s.type === "transport" && s.selectedCandidatePairId);
  const pair = t && stats.find((s) => s.id === t.selectedCandidatePairId);
  if (v) {
    const fps = last && v.timestamp > last.timestamp
      ? (v.framesDecoded - last.framesDecoded) * 1000 / (v.timestamp - last.timestamp) : null;
    if (last) out.push({fps, reported: v.framesPerSecond ?? null, width: v.frameWidth ?? 0,
      height: v.frameHeight ?? 0, rtt: pair ? pair.currentRoundTripTime ?? null : null});
    last = v;
  }
  if (out.length >= seconds) { clearInterval(timer); done(out); }
}, 1000);
"""

# A customer and a sign-language operator who sign in for real, in an active talk-now session.
SETUP = """
from django.utils import timezone
from bench.fixtures import users
from signlanguage.models import Kind, Mode, Session, State
[customer] = users("benchvideocust", 1, ["member"])
[operator] = users("benchvideoop", 1, ["operator"], skills=["sign_language"])
session = Session.objects.create(customer_id=customer["id"], booked_by_id=customer["id"],
    operator_id=operator["id"], mode=Mode.SIGN_LANGUAGE, kind=Kind.NOW, state=State.ACTIVE,
    topic="手話", taken_at=timezone.now())
print(json.dumps({"customer": customer, "operator": operator, "session_id": session.pk}))
"""

PROJECT_PC = "document.querySelector('.live-session').liveSession.video.pc"
CONNECTED = "return document.querySelector('.live-session').dataset.rtcState === 'connected'"


def driver(seconds: int) -> Any:
    browser = new_driver(FLAGS)
    browser.set_script_timeout(seconds + 60)  # a measurement is one script of `seconds`
    return browser


@contextlib.contextmanager
def two_browsers(seconds: int) -> Iterator[tuple[Any, Any]]:
    sender, receiver = driver(seconds), driver(seconds)
    try:
        yield sender, receiver
    finally:
        sender.quit()
        receiver.quit()


def wait_for(browser: Any, script: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := browser.execute_script(script)):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {script}")
        time.sleep(0.2)
    return value


def measure(
    sender: Any, receiver: Any, pc_js: str, bitrates: list[int], seconds: int, settle: float
) -> dict[int, dict[str, Any]]:
    """For each bitrate (kbit/s): both senders capped, `settle` seconds to adapt, then the
    receiver's samples over `seconds`."""
    out = {}
    for kbit in bitrates:
        for browser in (sender, receiver):
            done = browser.execute_async_script(CAP_JS % pc_js, kbit * 1000)
            if done is not True:
                raise SystemExit(f"setParameters: {done}")
        time.sleep(settle)
        out[kbit] = summarise(receiver.execute_async_script(SAMPLE_JS % pc_js, seconds))
    return out


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any]:
    fps = [s["fps"] for s in samples if s["fps"] is not None]
    widths = [s["width"] for s in samples]
    heights = [s["height"] for s in samples]
    rtts = [s["rtt"] * 1000 for s in samples if s["rtt"] is not None]
    return {
        "fps_p50": round(common.percentile(fps, 50), 1),
        "fps_p5": round(common.percentile(fps, 5), 1),
        "size": f"{round(statistics.median(widths))}x{round(statistics.median(heights))}"
        if samples
        else "0x0",
        "min_size": f"{min(widths, default=0)}x{min(heights, default=0)}",
        "rtt_ms": round(common.percentile(rtts, 50), 1),
    }


@contextlib.contextmanager
def floor_server() -> Iterator[str]:
    """The floor page on 127.0.0.1 (a secure context for the camera), outside the project."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(FLOOR_PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def run_floor(bitrates: list[int], seconds: int, settle: float) -> dict[int, dict[str, Any]]:
    with floor_server() as url, two_browsers(seconds) as (sender, receiver):
        for browser in (sender, receiver):
            browser.get(url)
        offer = sender.execute_async_script("makeOffer().then(arguments[arguments.length - 1])")
        answer = receiver.execute_async_script(
            "takeOffer(arguments[0]).then(arguments[arguments.length - 1])", offer
        )
        sender.execute_async_script(
            "takeAnswer(arguments[0]).then(() => arguments[arguments.length - 1](true))", answer
        )
        for browser in (sender, receiver):
            wait_for(browser, "return pc.connectionState === 'connected'")
        return measure(sender, receiver, "window.pc", bitrates, seconds, settle)


async def sign_in_cookies(base: str, users: list[dict[str, Any]]) -> list[str]:
    """Each user signed in for real (password and TOTP); their `sessionid` cookies."""
    keys = []
    for user in users:
        client = await sign_in(base, user)
        keys.append(next(c.value for c in client.http.cookie_jar if c.key == "sessionid"))
        await client.http.close()
    return keys


def run_project(bitrates: list[int], seconds: int, settle: float) -> dict[int, dict[str, Any]]:
    with common.scenario("embedded") as sc:
        env = sc.env("tests.e2e.settings")  # the project, static files from the source folders
        setup = common.run_django(env, SETUP)
        with common.daphne(env, 1) as servers:
            base = servers.bases[0]
            keys = asyncio.run(sign_in_cookies(base, [setup["customer"], setup["operator"]]))
            path = f"/sessions/{setup['session_id']}/live/"
            with two_browsers(seconds) as (customer, operator):
                for browser, key in ((customer, keys[0]), (operator, keys[1])):
                    browser.get(base + "/healthz")
                    browser.add_cookie({"name": "sessionid", "value": key, "path": "/"})
                    browser.get(base + path)
                for browser in (customer, operator):
                    wait_for(browser, CONNECTED)
                rows = measure(customer, operator, PROJECT_PC, bitrates, seconds, settle)
                slow = operator.execute_script(
                    "return document.querySelector('.live-session').dataset.videoSlow"
                )
                for row in rows.values():
                    row["slow_notice"] = slow == "true"
                return rows


def targets(kbit: int, row: dict[str, Any], floor: dict[str, Any]) -> str:
    missed = []
    width, height = (int(n) for n in row["size"].split("x"))
    if kbit == 300 and not (row["fps_p50"] >= 20 and row["fps_p5"] >= 12):
        missed.append("fps at 300")
    if kbit == 300 and not (width >= 320 and height >= 240):
        missed.append("size at 300")
    if kbit == 150 and not row["fps_p5"] >= 12:
        missed.append("p5 at 150")
    for key in ("fps_p50", "fps_p5"):
        if row[key] < 0.9 * floor[key]:
            missed.append(f"{key} under 90% of floor")
    return "met" if not missed else "missed: " + ", ".join(missed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON object per bitrate")
    parser.add_argument("--seconds", type=int, default=30, help="seconds measured per bitrate")
    parser.add_argument("--settle", type=float, default=5, help="seconds to adapt to a new cap")
    parser.add_argument("--bitrates", default="1000,300,150", help="kbit/s, comma-separated")
    parser.add_argument(
        "--quick", action="store_true", help="a few seconds per bitrate; exits 1 if no picture"
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.settle = 3, 2
    bitrates = [int(b) for b in args.bitrates.split(",")]
    floor = run_floor(bitrates, args.seconds, args.settle)
    project = run_project(bitrates, args.seconds, args.settle)
    rows = []
    for kbit in bitrates:
        row, base = project[kbit], floor[kbit]
        rows.append(
            {
                "kbit_s": kbit,
                **row,
                **{f"floor_{k}": v for k, v in base.items()},
                "targets": targets(kbit, row, base),
            }
        )
    failures = [
        f"{r['kbit_s']} kbit/s: no picture arrived"
        for r in rows
        if not (r["fps_p50"] > 0 and r["floor_fps_p50"] > 0)
    ]
    common.finish(rows, args.json, failures)


if __name__ == "__main__":
    main()
