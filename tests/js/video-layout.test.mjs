// The video layout (layout.js, issue 22 item 1) without a browser: the self-view toggle with
// aria-pressed (remembered), moving it through the corners, and full screen where the Fullscreen
// API is missing (iPhone Safari): the same layout as a fixed layer that Esc or the button leaves.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { VideoLayout, nextCorner } from "../../signlanguage/static/signlanguage/layout.js";
import { MemoryStorage } from "./fakes.mjs";

class El {
  constructor() {
    this.hidden = false;
    this.disabled = false;
    this.dataset = {};
    this.attrs = {};
    this.listeners = {};
    this.classes = new Set();
    this.classList = {
      toggle: (name, on) => (on ? this.classes.add(name) : this.classes.delete(name)),
      contains: (name) => this.classes.has(name),
    };
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  emit(type, event = {}) {
    for (const fn of this.listeners[type] || []) fn(event);
  }
  setAttribute(name, value) {
    this.attrs[name] = String(value);
  }
  getAttribute(name) {
    return this.attrs[name] ?? null;
  }
}

function panel({ fullscreenApi = false } = {}) {
  const els = {
    ".live-body": new El(),
    "[data-live-self-view]": new El(),
    "[data-live-self-hide]": new El(),
    "[data-live-self-move]": new El(),
    "[data-live-fullscreen]": new El(),
  };
  els["[data-live-self-view]"].dataset.corner = "bottom-right";
  const root = new El();
  root.querySelector = (selector) => els[selector] || null;
  const doc = new El();
  doc.fullscreenElement = null;
  if (fullscreenApi) {
    els[".live-body"].requestFullscreen = function () {
      doc.fullscreenElement = this;
      doc.emit("fullscreenchange");
      return Promise.resolve();
    };
    doc.exitFullscreen = () => {
      doc.fullscreenElement = null;
      doc.emit("fullscreenchange");
      return Promise.resolve();
    };
  }
  return { root, doc, els };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("video layout", () => {
  it("hides the self-view with a toggle button, and remembers it", () => {
    const storage = new MemoryStorage();
    const { root, doc, els } = panel();
    new VideoLayout({ root, doc, win: {}, storage });
    const button = els["[data-live-self-hide]"];
    assert.equal(els["[data-live-self-view]"].hidden, false);
    button.emit("click");
    assert.equal(els["[data-live-self-view]"].hidden, true);
    assert.equal(button.getAttribute("aria-pressed"), "true");
    const again = panel();
    new VideoLayout({ root: again.root, doc: again.doc, win: {}, storage });
    assert.equal(again.els["[data-live-self-view]"].hidden, true, "a reload keeps it hidden");
    again.els["[data-live-self-hide]"].emit("click");
    assert.equal(again.els["[data-live-self-view]"].hidden, false);
    assert.equal(again.els["[data-live-self-hide]"].getAttribute("aria-pressed"), "false");
  });

  it("moves the self-view through the four corners", () => {
    assert.equal(nextCorner("bottom-right"), "bottom-left");
    assert.equal(nextCorner("top-right"), "bottom-right");
    const { root, doc, els } = panel();
    new VideoLayout({ root, doc, win: {}, storage: null });
    els["[data-live-self-move]"].emit("click");
    assert.equal(els["[data-live-self-view]"].dataset.corner, "bottom-left");
  });

  it("full-screens the video with the chat through the Fullscreen API; Esc leaves", async () => {
    const { root, doc, els } = panel({ fullscreenApi: true });
    new VideoLayout({ root, doc, win: {}, storage: null });
    els["[data-live-fullscreen]"].emit("click");
    await tick();
    assert.equal(doc.fullscreenElement, els[".live-body"]);
    assert.ok(els[".live-body"].classList.contains("live-fullscreen"));
    assert.equal(els["[data-live-fullscreen]"].getAttribute("aria-pressed"), "true");
    doc.emit("keydown", { key: "Escape" });
    await tick();
    assert.equal(doc.fullscreenElement, null);
    assert.equal(els["[data-live-fullscreen]"].getAttribute("aria-pressed"), "false");
  });

  it("without the Fullscreen API uses a fixed layer that Esc or the button leaves", () => {
    const { root, doc, els } = panel();
    new VideoLayout({ root, doc, win: {}, storage: null });
    const button = els["[data-live-fullscreen]"];
    button.emit("click");
    assert.ok(els[".live-body"].classList.contains("live-fullscreen"));
    assert.ok("pseudo" in els[".live-body"].dataset);
    assert.equal(button.getAttribute("aria-pressed"), "true");
    doc.emit("keydown", { key: "Escape" });
    assert.ok(!els[".live-body"].classList.contains("live-fullscreen"));
    assert.equal(button.getAttribute("aria-pressed"), "false");
    button.emit("click");
    button.emit("click");
    assert.ok(!("pseudo" in els[".live-body"].dataset));
  });
});
