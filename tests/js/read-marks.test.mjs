// Read marks after a reload (issue 26 item 12): the server sends the other side's stored read
// marks as `chat.read` frames when the socket connects, before the history the page asks for
// with `sync`; the messages stored afterwards must show "read" (既読), not "sent" (送信済み).

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { LiveSession } from "../../signlanguage/static/signlanguage/session.js";
import { MessageStore } from "../../signlanguage/static/signlanguage/store.js";
import { FakeWebSocket, fakeLivePage } from "./fakes.mjs";

const STRINGS = { connected: "Connected", sent: "Sent", read: "Read", you: "You", operator: "Operator" };

function page(role) {
  const { root, log } = fakeLivePage({
    strings: STRINGS,
    dataset: { sessionId: "9", role, historySeq: "3" },
    connection: false,
  });
  const session = new LiveSession(root, { start() {}, stop() {} });
  return { session, log };
}

function message(seq, role) {
  return { type: "chat.message", seq, client_id: `c-${seq}`, text: `m${seq}`, sender: { role, name: role } };
}

describe("read marks on a page that was reloaded", () => {
  beforeEach(() => FakeWebSocket.reset());

  it("shows 既読 on my messages the other side read before the reload", () => {
    const p = page("customer");
    const socket = FakeWebSocket.last;
    socket.open();
    socket.receive({ type: "session.state", state: "active" });
    socket.receive({ type: "chat.read", role: "operator", seq: 2 }); // stored mark, first
    for (const [seq, role] of [
      [1, "customer"],
      [2, "customer"],
      [3, "customer"],
    ]) {
      socket.receive(message(seq, role));
    }
    const status = p.log.children.map((li) => [li.dataset.seq, li.dataset.status]);
    assert.deepEqual(status, [
      ["1", "read"],
      ["2", "read"],
      ["3", "sent"],
    ]);
  });

  it("takes no read mark from its own side: a proxy's reading is not the operator's", () => {
    const store = new MessageStore("customer");
    store.add(message(1, "customer"));
    assert.equal(store.markRead({ type: "chat.read", role: "proxy", seq: 1 }), null);
    assert.equal(store.isRead(1), false);
    assert.deepEqual(store.markRead({ type: "chat.read", role: "operator", seq: 1 }), [1]);
    const operator = new MessageStore("operator");
    operator.add(message(1, "operator"));
    assert.deepEqual(operator.markRead({ type: "chat.read", role: "proxy", seq: 1 }), [1]);
  });
});
