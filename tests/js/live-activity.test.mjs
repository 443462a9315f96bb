// Issue 22: the live page keeps its person signed in while the session is open and seen (a
// `heartbeat` frame every 20 s: the server counts it as activity), and takes the TURN
// credentials the socket hands it (`rtc.ice_servers`), asking again before they run out.

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { LiveSession } from "../../signlanguage/static/signlanguage/session.js";
import { FakeClock, FakeWebSocket, MemoryStorage, fakeDocument } from "./fakes.mjs";

function page({ visible = true } = {}) {
  const doc = fakeDocument();
  const clock = new FakeClock();
  doc.visibilityState = visible ? "visible" : "hidden";
  doc.getElementById = (id) => (id === "client-strings" ? { textContent: "{}" } : null);
  doc.querySelectorAll = () => [];
  Object.assign(doc.defaultView, {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    setInterval: (fn, ms) => clock.setInterval(fn, ms),
    clearInterval: (id) => clock.clearInterval(id),
    location: { protocol: "http:", host: "testserver" },
    WebSocket: FakeWebSocket,
    sessionStorage: new MemoryStorage(),
    localStorage: new MemoryStorage(),
  });
  const root = doc.createElement("section");
  Object.assign(root.dataset, {
    sessionId: "7",
    role: "customer",
    mode: "written_chat",
    state: "active",
    wsPath: "/ws/sessions/7/",
    stringsId: "client-strings",
    historySeq: "0",
  });
  const log = doc.createElement("ol");
  log.dataset.liveLog = "";
  const connection = doc.createElement("span");
  connection.dataset.liveConnection = "";
  root.append(log, connection);
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
