// store.js and view.js: messages kept and rendered in seq order whatever order they arrive in,
// each once; read marks. Run with `node --test tests/js/` (make jstest).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { MessageStore } from "../../signlanguage/static/signlanguage/store.js";
import { LiveView, translator } from "../../signlanguage/static/signlanguage/view.js";
import { fakePanel } from "./fakes.mjs";

function frame(seq, { role = "operator", clientId, text } = {}) {
  return {
    type: "chat.message",
    seq,
    client_id: clientId ?? `id-${seq}`,
    text: text ?? `message ${seq}`,
    sender: { role, name: role === "operator" ? "鈴木" : "山田" },
  };
}

describe("MessageStore", () => {
  it("keeps messages in seq order when they arrive out of order, each once", () => {
    const store = new MessageStore("customer");
    const answers = [3, 1, 3, 4, 2, 1].map((seq) => store.add(frame(seq)));
    assert.deepEqual(
      store.ordered().map((m) => m.seq),
      [1, 2, 3, 4],
    );
    assert.equal(answers[2], null); // the second 3
    assert.equal(answers[5], null); // the second 1
    // Where each new message goes: above the next larger seq already stored, else last.
    assert.deepEqual(
      answers.filter(Boolean).map((a) => [a.seq, a.before]),
      [
        [3, null],
        [1, 3],
        [4, null],
        [2, 3],
      ],
    );
  });

  it("drops a second message with a seq or client_id it already has, and frames without a seq", () => {
    const store = new MessageStore("customer");
    assert.ok(store.add(frame(1, { clientId: "abc" })));
    assert.equal(store.add(frame(2, { clientId: "abc" })), null);
    assert.equal(store.add({ ...frame(3), seq: "x" }), null);
    assert.equal(store.add({ ...frame(4), seq: undefined }), null);
    assert.ok(store.add({ ...frame(5), client_id: undefined }));
    assert.equal(store.add({ ...frame(5), client_id: undefined }), null); // same seq again
    assert.equal(store.add(frame(5, { clientId: "other" })), null);
    assert.deepEqual(
      store.ordered().map((m) => m.seq),
      [1, 5],
    );
  });

  it("tracks the last contiguous seq (what sync resumes from)", () => {
    const store = new MessageStore("customer");
    const seen = [];
    for (const seq of [2, 1, 4, 5, 3]) {
      store.add(frame(seq));
      seen.push(store.lastSeq);
    }
    assert.deepEqual(seen, [0, 2, 2, 2, 5]);
  });

  it("knows which messages are mine", () => {
    const store = new MessageStore("customer");
    assert.equal(store.add(frame(1, { role: "customer" })).mine, true);
    assert.equal(store.add(frame(2, { role: "operator" })).mine, false);
  });

  it("marks my messages read up to the other side's read mark, never backwards", () => {
    const store = new MessageStore("customer");
    for (const seq of [1, 2, 3, 4]) store.add(frame(seq, { role: seq % 2 ? "customer" : "operator" }));
    assert.deepEqual(store.markRead({ type: "chat.read", role: "operator", seq: 3 }), [1, 3]);
    assert.equal(store.isRead(3), true);
    assert.equal(store.isRead(4), false);
    assert.equal(store.markRead({ type: "chat.read", role: "operator", seq: 2 }), null); // stale
    assert.equal(store.markRead({ type: "chat.read", role: "customer", seq: 4 }), null); // mine
  });

  it("hands out each read mark once", () => {
    const store = new MessageStore("operator");
    assert.equal(store.takeReadMark(), null);
    store.add(frame(1, { role: "customer" }));
    store.add(frame(2, { role: "customer" }));
    assert.equal(store.takeReadMark(), 2);
    assert.equal(store.takeReadMark(), null);
    store.add(frame(4, { role: "customer" })); // 3 missing: nothing new seen in order
    assert.equal(store.takeReadMark(), null);
  });
});

describe("LiveView with the store", () => {
  const strings = { you: "You", operator: "Operator", customer: "Customer", sending: "Sending…", sent: "Sent", read: "Read" };

  function panel(role = "customer") {
    const parts = fakePanel();
    const view = new LiveView(parts.root, {
      t: translator(strings),
      role,
      titleFlash: { start() {}, stop() {} },
    });
    return { ...parts, view, store: new MessageStore(role) };
  }

  function deliver({ view, store }, message) {
    const placed = store.add(message);
    if (placed) view.insertStored(message, placed);
  }

  const rows = (log) => log.children.map((li) => [li.dataset.seq, li.querySelector(".live-text").textContent]);

  it("renders messages in seq order when they arrive out of order, without duplicates", () => {
    const p = panel();
    for (const seq of [2, 5, 1, 2, 4, 3, 5]) deliver(p, frame(seq));
    assert.deepEqual(
      rows(p.log).map(([seq]) => seq),
      ["1", "2", "3", "4", "5"],
    );
  });

  it("turns my unsent message into the stored one in place: one <li>, added once", () => {
    const p = panel();
    deliver(p, frame(1));
    const added = [];
    const insert = p.log.insertBefore.bind(p.log);
    p.log.insertBefore = (node, ref) => {
      added.push(node);
      return insert(node, ref);
    };
    const pending = p.view.addPending("mine-a", "hello", "sending");
    deliver(p, frame(2, { role: "customer", clientId: "mine-a", text: "hello" }));
    assert.equal(added.length, 1, "the log got a second element for the same message");
    assert.equal(p.log.children[1], pending);
    assert.equal(pending.dataset.seq, "2");
    assert.ok(!("pending" in pending.dataset));
  });

  it("keeps unsent messages at the bottom and replaces each by the stored one", () => {
    const p = panel();
    deliver(p, frame(1));
    p.view.addPending("mine-a", "first of mine", "sending");
    p.view.addPending("mine-b", "second of mine", "sending");
    deliver(p, frame(3)); // someone else's, arrived out of order
    assert.deepEqual(
      rows(p.log).map(([seq]) => seq),
      ["1", "3", "", ""],
    );
    deliver(p, frame(2, { role: "customer", clientId: "mine-a", text: "first of mine" }));
    assert.deepEqual(rows(p.log), [
      ["1", "message 1"],
      ["2", "first of mine"],
      ["3", "message 3"],
      ["", "second of mine"],
    ]);
    assert.equal(p.log.children.filter((li) => li.dataset.clientId === "mine-a").length, 1);
  });

  it("renders text as text and names the sender in the page's words", () => {
    const p = panel();
    deliver(p, frame(1, { text: "<b>太字?</b>" }));
    deliver(p, frame(2, { role: "customer" }));
    const [theirs, mine] = p.log.children;
    assert.equal(theirs.querySelector(".live-text").textContent, "<b>太字?</b>");
    assert.equal(theirs.querySelector(".live-sender").textContent, "鈴木 (Operator)");
    assert.equal(mine.querySelector(".live-sender").textContent, "You");
    p.view.setStatus(mine, "read");
    assert.equal(mine.dataset.status, "read");
    assert.equal(mine.querySelector(".live-status").textContent, "[Read]");
  });

  it("shows connection states with the page's strings", () => {
    const p = panel();
    p.view.setConnection("reconnecting", "reconnecting");
    assert.equal(p.root.dataset.connection, "reconnecting");
    assert.equal(p.status.textContent, "reconnecting"); // not in these strings: the key shows
    const words = panel();
    words.view.t = translator({ reconnecting: "Connection lost." });
    words.view.setConnection("reconnecting", "reconnecting");
    assert.equal(words.status.textContent, "Connection lost.");
  });
});
