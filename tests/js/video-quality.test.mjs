// Video that keeps its frame rate (issue 22 item 4): the receiver reads frames a second, picture
// size and round trip from getStats(); a frame rate under 12 for 10 s is said in words in a polite
// status region (never by sound), with written chat offered; senders keep the frame rate under a
// bitrate ceiling.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  FrameRateWatch,
  LOW_FOR_MS,
  MAX_BITRATE,
  RECOVERED_FOR_MS,
  readVideoStats,
} from "../../signlanguage/static/signlanguage/video-quality.js";
import { QUALITY_EVERY_MS, SignVideo } from "../../signlanguage/static/signlanguage/video.js";

// An RTCStatsReport is a Map of id -> stats.
function report(...stats) {
  return new Map(stats.map((s, i) => [s.id || `s${i}`, s]));
}

function inbound(extra) {
  return { id: "in", type: "inbound-rtp", kind: "video", timestamp: 1000, ...extra };
}

const AUDIO = { id: "a", type: "inbound-rtp", kind: "audio", timestamp: 1000, framesPerSecond: 99 };
const TRANSPORT = { id: "t", type: "transport", selectedCandidatePairId: "p1" };
const PAIRS = [
  { id: "p0", type: "candidate-pair", state: "failed", currentRoundTripTime: 9 },
  { id: "p1", type: "candidate-pair", state: "succeeded", currentRoundTripTime: 0.042 },
];

describe("reading the other person's video from getStats()", () => {
  it("takes the video's frame rate and size and the selected pair's round trip", () => {
    const sample = readVideoStats(
      report(AUDIO, inbound({ framesPerSecond: 24, frameWidth: 640, frameHeight: 480 }), TRANSPORT, ...PAIRS),
    );
    assert.deepEqual(
      { fps: sample.fps, width: sample.width, height: sample.height, rtt: sample.rtt },
      { fps: 24, width: 640, height: 480, rtt: 0.042 },
    );
  });

  it("counts decoded frames when the browser gives no framesPerSecond", () => {
    const first = readVideoStats(report(inbound({ framesDecoded: 100, timestamp: 1000 })));
    assert.equal(first.fps, null, "one sample cannot give a rate");
    const second = readVideoStats(report(inbound({ framesDecoded: 115, timestamp: 3000 })), first);
    assert.equal(second.fps, 7.5);
  });

  it("falls back to the round trip the far end reported, and has nulls before any video", () => {
    const sample = readVideoStats(report({ id: "r", type: "remote-inbound-rtp", kind: "video", roundTripTime: 0.1 }));
    assert.deepEqual(sample, { at: null, fps: null, width: null, height: null, rtt: 0.1, framesDecoded: null });
  });
});

describe("the low frame rate watch", () => {
  it("says 'low' only after the rate stayed under 12 for 10 s, and 'ok' after 5 s back above", () => {
    const watch = new FrameRateWatch();
    const changes = [];
    let at = 0;
    const run = (fps, ms) => {
      for (const end = at + ms; at <= end; at += 1000) {
        const change = watch.feed(fps, at);
        if (change) changes.push([change, at]);
      }
    };
    run(25, 5000);
    run(8, 6000); // a dip shorter than 10 s
    run(20, 2000);
    assert.deepEqual(changes, [], "a short dip is not worth telling");
    const lowStart = at;
    run(11, 12000);
    assert.deepEqual(changes, [["low", lowStart + LOW_FOR_MS]]);
    const okStart = at;
    run(12, 6000);
    assert.deepEqual(changes.at(-1), ["ok", okStart + RECOVERED_FOR_MS]);
  });

  it("starts counting again when there is no reading", () => {
    const watch = new FrameRateWatch();
    for (let at = 0; at < 9000; at += 1000) assert.equal(watch.feed(5, at), null);
    assert.equal(watch.feed(null, 9000), null);
    for (let at = 10000; at < 19000; at += 1000) assert.equal(watch.feed(5, at), null);
    assert.equal(watch.feed(5, 20000), "low");
  });
});

// --- SignVideo with a fake connection ---------------------------------------------------------

const STRINGS = { video_slow: "The video is jerky: written chat is there too." };
const t = (key) => STRINGS[key] || key;

function element() {
  return { hidden: false, textContent: "", dataset: {}, srcObject: null, addEventListener() {}, focus() {} };
}

class FakeSender {
  constructor(encodings) {
    this.track = { kind: "video" };
    this.params = { encodings, degradationPreference: "balanced" };
    this.set = null;
  }
  getParameters() {
    return structuredClone(this.params);
  }
  async setParameters(params) {
    this.set = params;
  }
}

// Only what the video page calls on a connection, with its state changes and stats set by the test.
class FakePeer {
  constructor() {
    this.onState = [];
    this.stats = report();
    this.senders = [new FakeSender([{ active: true }]), new FakeSender([{ active: true, maxBitrate: 150000 }])];
    Object.assign(this, {
      addTrack() {},
      close() {},
      setLocalDescription: async () => {},
      createOffer: async () => ({ type: "offer", sdp: "v=0" }),
      getSenders: () => this.senders,
      getStats: async () => this.stats,
    });
  }
  addEventListener(type, fn) {
    if (type === "connectionstatechange") this.onState.push(fn);
  }
  emitState(state) {
    this.connectionState = state;
    for (const fn of this.onState) fn();
  }
}

function setup() {
  const parts = {
    "[data-live-self]": element(),
    "[data-live-remote]": element(),
    "[data-live-rtc-status]": element(),
    "[data-live-video-quality]": element(),
  };
  const root = { querySelector: (selector) => parts[selector] || null };
  const panel = { dataset: {} };
  const intervals = new Map();
  let nextId = 1;
  const env = {
    navigator: { mediaDevices: { getUserMedia: async () => ({ getVideoTracks: () => [], getTracks: () => [] }) } },
    RTCPeerConnection: FakePeer,
    MediaStream: class {},
    setInterval(fn, ms) {
      intervals.set(nextId, { fn, ms });
      return nextId++;
    },
    clearInterval(id) {
      intervals.delete(id);
    },
  };
  const video = new SignVideo({ root, panel, t, iceServers: [], side: "operator", send: () => {} }, env);
  return { video, panel, note: parts["[data-live-video-quality]"], intervals };
}

// The customer's page says hello (mesh.js): the operator's page connects to it and, as after
// every local description, sets its senders up.
async function call(video) {
  await new Promise((resolve) => setTimeout(resolve, 0)); // the camera
  video.onPeers({ type: "rtc.peers", you: "operator-5", peers: ["customer-3"] });
  video.onSignal({ kind: "hello", instance: "c#1" }, "customer-3");
  await video.keepFrameRate(video.pc);
}

describe("the live page's video quality", () => {
  it("caps every video sender at the ceiling, keeping a lower one, and keeps the frame rate", async () => {
    const { video } = setup();
    await call(video);
    const [plain, capped] = video.pc.senders;
    assert.equal(plain.set.degradationPreference, "maintain-framerate");
    assert.equal(plain.set.encodings[0].maxBitrate, MAX_BITRATE);
    assert.equal(capped.set.encodings[0].maxBitrate, 150000);
  });

  it("says in words, not sound, that the video is jerky after 10 s under 12 fps, and clears it", async () => {
    const { video, panel, note, intervals } = setup();
    await call(video);
    const pc = video.pc;
    assert.equal(intervals.size, 0, "no readings before the video connects");
    pc.emitState("connected");
    assert.deepEqual([...intervals.values()].map((i) => i.ms), [QUALITY_EVERY_MS]);
    const tick = async (fps, at) => {
      pc.stats = report(inbound({ framesPerSecond: fps, frameWidth: 320, frameHeight: 240, timestamp: at }));
      await video.sampleQuality();
    };
    for (let at = 0; at < LOW_FOR_MS; at += 1000) await tick(7, at);
    assert.equal(note.textContent, "", "said too early");
    await tick(7, LOW_FOR_MS);
    assert.equal(note.textContent, STRINGS.video_slow);
    assert.equal(panel.dataset.videoSlow, "true");
    assert.deepEqual(
      { fps: video.quality.fps, width: video.quality.width, height: video.quality.height },
      { fps: 7, width: 320, height: 240 },
    );
    for (let at = 11000; at <= 11000 + RECOVERED_FOR_MS; at += 1000) await tick(24, at);
    assert.equal(note.textContent, "");
    assert.equal(panel.dataset.videoSlow, "false");
    // The connection drops: no more readings, and no stale notice.
    pc.emitState("disconnected");
    assert.equal(intervals.size, 0);
  });
});
