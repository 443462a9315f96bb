// Issue 22: the live page keeps its person signed in while the session is open and seen (a
// `heartbeat` frame every 20 s: the server counts it as activity), and takes the TURN
// credentials the socket hands it (`rtc.ice_servers`), asking again before they run out.

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { LiveSession } from "../../signlanguage/static/signlanguage/session.js";
import { FakeWebSocket, fakeLivePage } from "./fakes.mjs";

function page({ visible = true } = {}) {
  const { doc, clock, root } = fakeLivePage();
  doc.visibilityState = visible ? "visible" : "hidden";
  const session = new LiveSession(root, { start() {}, stop() {} });
  return { session, clock, root, doc };
}

const beats = (socket) => socket.sent.filter((frame) => frame.type === "heartbeat").length;

describe("the live page's heartbeat (no one signed out mid-call)", () => {
  beforeEach(() => FakeWebSocket.reset());

  it("says it is here every 20 s while the session is open and the page is seen", () => {
    const p = page();
    FakeWebSocket.last.open();
    p.clock.advance(61000);
    assert.equal(beats(FakeWebSocket.last), 3);
  });

  it("is silent in a hidden tab, unless its video is connected", () => {
    const p = page({ visible: false });
    FakeWebSocket.last.open();
    p.clock.advance(41000);
    assert.equal(beats(FakeWebSocket.last), 0);
    p.root.dataset.rtcState = "connected";
    p.clock.advance(20000);
    assert.equal(beats(FakeWebSocket.last), 1);
  });

  it("stops once the session has ended: the usual idle rules again", () => {
    const p = page();
    FakeWebSocket.last.open();
    p.clock.advance(21000);
    FakeWebSocket.last.receive({ type: "session.state", state: "closed" });
    const before = beats(FakeWebSocket.last);
    p.clock.advance(120000);
    assert.equal(beats(FakeWebSocket.last), before);
  });
});

describe("TURN credentials from the socket (rtc.ice_servers)", () => {
  beforeEach(() => FakeWebSocket.reset());

  it("asks for fresh ones five minutes before they run out", () => {
    const p = page();
    FakeWebSocket.last.open();
    const expires = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    FakeWebSocket.last.receive({ type: "rtc.ice_servers", ice_servers: [], expires_at: expires });
    const asks = () => FakeWebSocket.last.sent.filter((f) => f.type === "rtc.ice_servers").length;
    p.clock.advance(54 * 60 * 1000);
    assert.equal(asks(), 0);
    p.clock.advance(2 * 60 * 1000);
    assert.equal(asks(), 1);
  });
});
