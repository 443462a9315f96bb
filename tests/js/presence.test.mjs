// presence.js (issue 22 item 6): the operator reads who else is connected, reconnecting or
// gone, since when and until when their place is held, and how the session ended; every key
// it asks for is one of the page's strings (signlanguage.live.views.client_strings).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { presenceLines } from "../../signlanguage/static/signlanguage/presence.js";

const root = new URL("../../", import.meta.url);
const source = (path) => readFileSync(new URL(path, root), "utf8");

const WORDS = {
  customer: "Customer",
  presence_reconnecting: "{who}: lost {minutes} min ago (at {since}), held until {until}",
  presence_connected: "{who}: connected since {since}",
};
const t = (key) => WORDS[key] || key;
const frame = {
  type: "presence",
  participants: [
    { role: "customer", state: "reconnecting", since: "2026-12-07T11:02:00+09:00", held_until: "2026-12-07T11:12:00+09:00" },
    { role: "operator", state: "connected", since: "2026-12-07T11:00:00+09:00", held_until: null },
  ],
  ended_as: null,
};

describe("presence lines", () => {
  it("shows the others, not the reader, with since, minutes and held-until", () => {
    const now = new Date("2026-12-07T11:05:30+09:00");
    const lines = presenceLines(frame, { t, role: "operator", now });
    assert.deepEqual(lines, [
      { role: "customer", state: "reconnecting", text: "Customer: lost 3 min ago (at 11:02), held until 11:12" },
    ]);
  });

  it("says how the session ended", () => {
    const ended = { ...frame, participants: [{ ...frame.participants[0], state: "gone" }], ended_as: "customer_left" };
    const lines = presenceLines(ended, { t: (key) => key, role: "operator", now: new Date() });
    assert.deepEqual(
      lines.map((line) => [line.state, line.text]),
      [
        ["gone", "presence_gone"],
        ["ended", "presence_ended_customer_left"],
      ],
    );
  });

  it("ignores unknown states and a missing frame", () => {
    const odd = { participants: [{ role: "customer", state: "dancing" }, null] };
    assert.deepEqual(presenceLines(odd, { t, role: "operator", now: new Date() }), []);
    assert.deepEqual(presenceLines(null, { t, role: "operator", now: new Date() }), []);
  });

  it("asks only for keys the page has", () => {
    const python = source("signlanguage/live/views.py");
    const module = source("signlanguage/static/signlanguage/presence.js");
    const used = Array.from(module.matchAll(/"(presence_[a-z_]+)"/g), (m) => m[1]);
    assert.ok(used.length >= 5);
    for (const key of used) assert.ok(python.includes(`"${key}":`), key);
  });
});
