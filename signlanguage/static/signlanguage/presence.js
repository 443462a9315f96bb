// Who else is in the live session, and since when (issue 22 item 6; the `presence` frame of
// docs/websocket.md). The page asks for it with a `presence` frame each time its socket opens;
// the server answers with everyone's state and sends every change. Shown as plain text in a
// role="status" list, never a sound; minutes are counted again every half minute.

import { setReadingText } from "./furigana.js";

const TICK_MS = 30000;
const KEYS = {
  connected: "presence_connected",
  reconnecting: "presence_reconnecting",
  gone: "presence_gone",
};
const ENDED_KEYS = {
  customer_left: "presence_ended_customer_left",
  abandoned: "presence_ended_abandoned",
};

function clock(iso) {
  const match = /T(\d\d:\d\d)/.exec(String(iso || ""));
  return match ? match[1] : "";
}

function fill(text, values) {
  return String(text).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// The lines to show for a frame: every participant but the reader's own role, then how the
// session ended (when it did). `now` is a Date.
export function presenceLines(frame, { t, role, now }) {
  const lines = [];
  for (const person of (frame && frame.participants) || []) {
    if (!person || person.role === role || !KEYS[person.state]) continue;
    const since = person.since ? new Date(person.since) : null;
    const minutes = since && !Number.isNaN(since.getTime()) ? Math.max(0, Math.floor((now - since) / 60000)) : 0;
    lines.push({
      role: person.role,
      state: person.state,
      text: fill(t(KEYS[person.state]), {
        who: t(person.role),
        since: clock(person.since),
        minutes,
        until: clock(person.held_until),
      }),
    });
  }
  if (frame && ENDED_KEYS[frame.ended_as]) {
    lines.push({ role: "", state: "ended", text: t(ENDED_KEYS[frame.ended_as]) });
  }
  return lines;
}

export class PresenceView {
  constructor(root, { t, role, win }) {
    this.list = root.querySelector("[data-live-presence]");
    this.t = t;
    this.role = role;
    this.win = win;
    this.frame = null;
    this.timer = null;
  }

  show(frame) {
    this.frame = frame;
    this.render();
    if (this.timer === null && this.win) this.timer = this.win.setInterval(() => this.render(), TICK_MS);
  }

  render() {
    if (!this.list || !this.frame) return;
    const doc = this.list.ownerDocument;
    const lines = presenceLines(this.frame, { t: this.t, role: this.role, now: new Date() });
    this.list.replaceChildren(
      ...lines.map((line) => {
        const li = doc.createElement("li");
        li.dataset.presenceRole = line.role;
        li.dataset.presenceState = line.state;
        setReadingText(li, line.text);
        return li;
      }),
    );
    this.list.hidden = lines.length === 0;
  }
}
