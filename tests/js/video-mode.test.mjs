// Written chat instead of video (issue 26 item 11): a switch both pages see through the `mode`
// frame. The operator's page says the customer switched (never "connection lost" over a frozen
// picture); the customer gets "Switch back to video", which starts the camera again.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SignVideo } from "../../signlanguage/static/signlanguage/video.js";

const STRINGS = {
  rtc_new: "Video: waiting for the other person",
  rtc_connecting: "Video: connecting…",
  rtc_disconnected: "Video: connection lost, trying again…",
  rtc_closed: "Video: ended",
  mode_text_you: "You switched to written chat.",
  mode_text_customer: "The customer switched to written chat.",
  mode_text_operator: "The operator switched to written chat.",
};
const t = (key) => STRINGS[key] || key;

function element() {
  const listeners = {};
  return {
    hidden: false,
    textContent: "",
    dataset: {},
    srcObject: null,
    focused: false,
    addEventListener(type, fn) {
      (listeners[type] ||= []).push(fn);
    },
    click() {
      for (const fn of listeners.click || []) fn();
    },
    focus() {
      this.focused = true;
    },
  };
}

class FakePeer {
  static all = [];
  constructor() {
    this.listeners = {};
    this.closed = false;
    this.connectionState = "new";
    FakePeer.all.push(this);
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  addTrack() {}
  close() {
    this.closed = true;
  }
  emitState(state) {
    this.connectionState = state;
    for (const fn of this.listeners.connectionstatechange || []) fn();
  }
  async createOffer() {
    return { type: "offer", sdp: "v=0" };
  }
  async setLocalDescription() {}
  getSenders() {
    return [];
  }
}

function setup({ side = "customer", role = side, offBy = "" } = {}) {
  const parts = {
    "[data-live-self]": element(),
    "[data-live-remote]": element(),
    "[data-live-rtc-status]": element(),
    "[data-live-media-error]": element(),
    "[data-live-camera-retry]": element(),
    "[data-live-use-chat]": element(),
    "[data-live-use-video]": element(),
    "[data-live-video-frames]": element(),
    "[data-live-video-actions]": element(),
  };
  parts["[data-live-use-video]"].hidden = true;
  const root = { querySelector: (selector) => parts[selector] || null, hidden: false };
  const panel = { dataset: {} };
  const sent = [];
  const tracks = [];
  let cameraCalls = 0;
  const env = {
    navigator: {
      mediaDevices: {
        async getUserMedia() {
          cameraCalls += 1;
          const track = { kind: "video", stopped: false, stop() { this.stopped = true; } };
          tracks.push(track);
          return { getVideoTracks: () => [track], getTracks: () => [track] };
        },
      },
    },
    RTCPeerConnection: FakePeer,
    MediaStream: class {},
  };
  let usedChat = 0;
  const video = new SignVideo(
    { root, panel, t, iceServers: [], side, role, offBy, send: (f) => sent.push(f), onUseChat: () => usedChat++ },
    env,
  );
  return { video, parts, panel, sent, tracks, cameras: () => cameraCalls, usedChat: () => usedChat };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("switching a sign-language session to written chat and back", () => {
  it("tells the operator the customer switched, with no picture and no 'connection lost'", async () => {
    const op = setup({ side: "operator" });
    await settle();
    // A call is under way: the customer said hello (three-way video: one connection per person).
    op.video.onPeers({ type: "rtc.peers", you: "operator-5", peers: ["customer-3"] });
    op.video.onSignal({ kind: "hello", instance: "c#1" }, "customer-3");
    const peer = op.video.pc;
    assert.ok(peer);
    op.parts["[data-live-remote]"].srcObject = { stream: true };
    op.video.onMode({ type: "mode", mode: "text", role: "customer" });
    assert.equal(op.parts["[data-live-rtc-status]"].textContent, STRINGS.mode_text_customer);
    assert.equal(op.parts["[data-live-video-frames]"].hidden, true, "the frozen picture stays");
    assert.equal(op.parts["[data-live-remote]"].srcObject, null);
    assert.equal(peer.closed, true);
    assert.ok(op.tracks.every((track) => track.stopped));
    assert.equal(op.parts["[data-live-use-video]"].hidden, true, "only the customer switches back");
    assert.equal(op.panel.dataset.videoMode, "text");
    // The old connection dropping afterwards does not bring back "connection lost".
    peer.emitState("disconnected");
    assert.equal(op.parts["[data-live-rtc-status]"].textContent, STRINGS.mode_text_customer);
    // The customer switches back: the operator's camera starts again and says it is ready.
    op.video.onMode({ type: "mode", mode: "video", role: "customer" });
    await settle();
    assert.equal(op.parts["[data-live-video-frames]"].hidden, false);
    assert.equal(op.cameras(), 2);
    const hello = op.sent.at(-1);
    assert.deepEqual([hello.type, hello.to, hello.payload.kind], ["rtc.signal", "customer-3", "hello"]);
  });

  it("gives the customer 'Switch back to video', which restarts the camera without a reload", async () => {
    const c = setup({ side: "customer" });
    await settle();
    c.video.onPeers({ type: "rtc.peers", you: "customer-3", peers: ["operator-5"] });
    c.parts["[data-live-use-chat]"].click();
    assert.deepEqual(c.sent.at(-1), { type: "mode", mode: "text" });
    assert.equal(c.usedChat(), 1);
    assert.equal(c.parts["[data-live-use-video]"].hidden, false, "no way back to video");
    assert.equal(c.parts["[data-live-rtc-status]"].textContent, STRINGS.mode_text_you);
    assert.ok(c.tracks.every((track) => track.stopped), "the camera is still on");
    c.video.onMode({ type: "mode", mode: "text", role: "customer" }); // the server's echo
    c.parts["[data-live-use-video]"].click();
    assert.deepEqual(c.sent.at(-1), { type: "mode", mode: "video" });
    assert.equal(c.parts["[data-live-use-video]"].hidden, true);
    assert.equal(c.parts["[data-live-rtc-status]"].focused, true, "focus is lost with the button");
    await settle();
    assert.equal(c.cameras(), 2);
    const hello = c.sent.at(-1);
    assert.deepEqual([hello.type, hello.to, hello.payload.kind], ["rtc.signal", "operator-5", "hello"]);
  });

  it("starts no camera on a page rendered after the switch, and keeps a switch the server has not echoed", async () => {
    const op = setup({ side: "operator", offBy: "customer" });
    await settle();
    assert.equal(op.cameras(), 0);
    assert.equal(op.parts["[data-live-rtc-status]"].textContent, STRINGS.mode_text_customer);

    const c = setup({ side: "customer", offBy: "customer" });
    c.parts["[data-live-use-video]"].click(); // while the socket is down: resent on open
    c.video.onSocketOpen();
    assert.deepEqual(c.sent.filter((f) => f.type === "mode").at(-1), { type: "mode", mode: "video" });
    // The state sent at connect, before our switch was stored, does not undo it.
    c.video.onMode({ type: "mode", mode: "text", role: "customer" });
    assert.equal(c.panel.dataset.videoMode, "video");
    c.video.onMode({ type: "mode", mode: "video", role: "customer" });
    assert.equal(c.video.pendingMode, null);
  });
});
