// transport.js: resend with the same client_id, `sync` on resume, the back-off schedule, the
// close codes that stop reconnecting. Run with `node --test tests/js/` (make jstest).

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { MessageStore } from "../../signlanguage/static/signlanguage/store.js";
import {
  MAX_PER_SECOND,
  BACKOFF_MAX_MS,
  Backoff,
  SEND_INTERVAL_MS,
  Transport,
} from "../../signlanguage/static/signlanguage/transport.js";
import { FakeClock, FakeWebSocket, MemoryStorage } from "./fakes.mjs";

let ids = 0;

function setup({ storage = new MemoryStorage(), store = new MessageStore("customer"), random = () => 1, ...extra } = {}) {
  const clock = new FakeClock();
  const statuses = [];
  const frames = [];
  const transport = new Transport({
    url: "ws://test/ws/sessions/1/",
    WebSocketImpl: FakeWebSocket,
    timers: clock,
    random,
    storage,
    pendingKey: "as.live.1.pending",
    finalCodes: [4401, 4403, 4404, 4408],
    lastSeq: () => store.lastSeq,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
    now: () => clock.now,
    onStatus: (state, code) => statuses.push(code === undefined ? state : `${state} ${code}`),
    onFrame: (frame) => {
      frames.push(frame);
      if (frame.type === "chat.message") {
        store.add(frame);
        transport.pending.remove(frame.client_id);
      }
      if (frame.type === "chat.ack") transport.pending.acknowledge(frame.client_id, frame.seq);
    },
    ...extra,
  });
  return { clock, transport, statuses, frames, storage, store };
}

// setup() with the first socket open (the server accepted it): also returns that `socket`.
function connected(options) {
  const parts = setup(options);
  parts.transport.connect();
  const socket = FakeWebSocket.last;
  socket.open();
  return { ...parts, socket };
}

// Lets the outbox drain: one frame per tick.
function drain(clock, ticks = 20) {
  clock.advance(SEND_INTERVAL_MS * ticks);
}

// Reconnect after a drop: wait out the back-off, then the server accepts the new socket.
function reconnect(clock) {
  const before = FakeWebSocket.instances.length;
  clock.advance(BACKOFF_MAX_MS);
  assert.equal(FakeWebSocket.instances.length, before + 1, "a new socket was opened");
  FakeWebSocket.last.open();
  drain(clock);
  return FakeWebSocket.last;
}

beforeEach(() => FakeWebSocket.reset());

describe("resend after a reconnect", () => {
  it("resends an unacknowledged message with the same client_id, once", () => {
    const { clock, transport, socket: first } = connected();
    drain(clock);
    const [clientId] = transport.sendMessage("明細の件です");
    first.drop(); // before the frame went out: lost with the socket
    const second = reconnect(clock);
    const messages = second.sent.filter((f) => f.type === "chat.message");
    assert.deepEqual(messages, [{ type: "chat.message", client_id: clientId, text: "明細の件です" }]);
  });

  it("resends a message that went out but was never acknowledged, with the same client_id", () => {
    const { clock, transport, socket: first } = connected();
    const [clientId] = transport.sendMessage("hello");
    drain(clock);
    assert.deepEqual(first.sent.map((f) => f.client_id).filter(Boolean), [clientId]);
    first.drop();
    const second = reconnect(clock);
    assert.deepEqual(second.sent.map((f) => f.client_id).filter(Boolean), [clientId]);
  });

  it("does not resend a message once it is acknowledged or stored", () => {
    const { clock, transport, socket } = connected();
    const [acked] = transport.sendMessage("one");
    const [stored] = transport.sendMessage("two");
    drain(clock);
    socket.receive({ type: "chat.ack", client_id: acked, seq: 1 });
    socket.receive({ type: "chat.ack", client_id: stored, seq: 2 });
    socket.receive({ type: "chat.message", seq: 2, client_id: stored, text: "two", sender: { role: "customer" } });
    socket.drop();
    const second = reconnect(clock);
    assert.deepEqual(second.sent.filter((f) => f.type === "chat.message"), []);
    assert.equal(transport.pending.has(stored), false);
  });

  it("keeps unsent messages in storage, so a reloaded page resends them with the same client_id", () => {
    const storage = new MemoryStorage();
    const before = setup({ storage });
    before.transport.connect(); // never opens: the page is reloaded while offline
    const [clientId] = before.transport.sendMessage("typed while offline");
    assert.ok(storage.getItem("as.live.1.pending").includes(clientId));

    FakeWebSocket.reset();
    const after = connected({ storage });
    drain(after.clock);
    assert.deepEqual(FakeWebSocket.last.sent.filter((f) => f.type === "chat.message"), [
      { type: "chat.message", client_id: clientId, text: "typed while offline" },
    ]);
  });

  it("sends at most one frame per tick (under the server's rate limit)", () => {
    const { clock, transport, socket } = connected();
    for (let i = 0; i < 5; i += 1) transport.sendMessage(`m${i}`);
    clock.advance(SEND_INTERVAL_MS * 3);
    assert.equal(socket.sent.length, 3); // sync + two messages
  });
});

describe("resume after a reconnect", () => {
  it("sends sync with the last contiguous seq first, then the unsent messages", () => {
    const { clock, transport, store, socket: first } = connected();
    drain(clock);
    assert.deepEqual(first.sent[0], { type: "sync", after_seq: 0 });
    for (const seq of [1, 2, 3, 5]) {
      first.receive({ type: "chat.message", seq, text: `m${seq}`, sender: { role: "operator" } });
    }
    assert.equal(store.lastSeq, 3); // 4 is missing: resume from 3 so it arrives
    const [clientId] = transport.sendMessage("after the drop");
    first.drop();
    const second = reconnect(clock);
    assert.deepEqual(second.sent, [
      { type: "sync", after_seq: 3 },
      { type: "chat.message", client_id: clientId, text: "after the drop" },
    ]);
  });

  it("does not carry frames queued for the old socket into the new one", () => {
    const { clock, transport, socket: first } = connected();
    drain(clock);
    first.drop();
    transport.queue({ type: "chat.read", seq: 4 });
    const second = reconnect(clock);
    assert.deepEqual(second.sent, [{ type: "sync", after_seq: 0 }]);
  });
});

describe("back-off", () => {
  it("grows 1 s, 2 s, 4 s … and is capped at 30 s", () => {
    const longest = new Backoff({ random: () => 1 });
    const delays = Array.from({ length: 8 }, () => longest.next());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("jitters between half and all of each step", () => {
    const shortest = new Backoff({ random: () => 0 });
    assert.deepEqual([shortest.next(), shortest.next(), shortest.next()], [500, 1000, 2000]);
    const middle = new Backoff({ random: () => 0.5 });
    assert.deepEqual([middle.next(), middle.next()], [750, 1500]);
  });

  it("waits longer after each failed attempt and starts again after a good connection", () => {
    const { clock, transport, statuses } = setup();
    transport.connect();
    for (let i = 0; i < 7; i += 1) {
      FakeWebSocket.last.drop(); // refused before it opened
      clock.advance(BACKOFF_MAX_MS);
    }
    assert.deepEqual(clock.delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop();
    assert.equal(clock.delays.at(-1), 1000);
    assert.deepEqual(statuses.slice(0, 3), ["connecting", "reconnecting 1006", "connecting"]);
    assert.ok(statuses.includes("open"));
  });

  it("does not reconnect before the delay has passed", () => {
    const { clock, transport } = setup();
    transport.connect();
    FakeWebSocket.last.drop();
    clock.advance(999);
    assert.equal(FakeWebSocket.instances.length, 1);
    clock.advance(1);
    assert.equal(FakeWebSocket.instances.length, 2);
  });
});

describe("close codes", () => {
  for (const code of [4401, 4403, 4404, 4408]) {
    it(`stops for good on ${code}`, () => {
      const { clock, statuses, socket } = connected();
      socket.drop(code);
      clock.advance(BACKOFF_MAX_MS * 2);
      assert.equal(FakeWebSocket.instances.length, 1);
      assert.equal(statuses.at(-1), `stopped ${code}`);
    });
  }

  it("reconnects after the rate-limit close (4429) and other codes", () => {
    const { clock, socket } = connected();
    socket.drop(4429);
    clock.advance(BACKOFF_MAX_MS);
    assert.equal(FakeWebSocket.instances.length, 2);
  });

  it("stop() closes the socket and cancels a scheduled reconnect", () => {
    const { clock, transport, statuses } = setup();
    transport.connect();
    FakeWebSocket.last.drop();
    transport.stop();
    clock.advance(BACKOFF_MAX_MS * 2);
    assert.equal(FakeWebSocket.instances.length, 1);
    assert.equal(clock.pendingTimeouts(), 0);
    assert.equal(statuses.at(-1), "reconnecting 1006");
  });
});

describe("sendNow", () => {
  it("sends at once when open, ahead of the queue, and drops the frame when not", () => {
    const { clock, transport } = setup();
    transport.connect();
    transport.sendNow({ type: "chat.typing", active: true }); // not open yet: dropped
    const socket = FakeWebSocket.last;
    socket.open();
    transport.sendNow({ type: "rtc.signal", payload: { kind: "ready" } });
    assert.deepEqual(socket.sent, [{ type: "rtc.signal", payload: { kind: "ready" } }]);
    drain(clock);
    assert.deepEqual(socket.sent.map((f) => f.type), ["rtc.signal", "sync"]);
  });

  it("holds a burst back, in order, so no second sees more than the server's 20 frames", () => {
    const page = connected();
    const burst = Array.from({ length: 50 }, (_, n) => ({ type: "rtc.signal", to: "proxy-2", payload: { n } }));
    for (const frame of burst) page.transport.sendNow(frame);
    assert.equal(page.socket.sent.length, MAX_PER_SECOND, "the whole burst went at once");
    let seen = page.socket.sent.length;
    const times = Array(seen).fill(page.clock.now);
    for (let tick = 0; tick < 60; tick += 1) {
      page.clock.advance(SEND_INTERVAL_MS);
      for (; seen < page.socket.sent.length; seen += 1) times.push(page.clock.now);
    }
    const signals = page.socket.sent.filter((f) => f.type === "rtc.signal");
    assert.deepEqual(signals.map((f) => f.payload.n), burst.map((f) => f.payload.n), "lost or reordered");
    for (const at of times) assert.ok(times.filter((t) => t >= at && t < at + 1000).length <= 20);
  });
});
