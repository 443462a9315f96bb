// How the other person's video arrives (issue 22 item 4): frames a second, picture size and round
// trip, read from RTCPeerConnection.getStats(), and a watch that says when the frame rate has
// stayed too low for signs to be read. Pure functions of the stats: node --test feeds them fakes
// (tests/js/video-quality.test.mjs); video.js polls the real connection once a second.

// Signs need motion: under 12 frames a second, hand shapes and movements blur or jump.
export const LOW_FPS = 12;
// Only a frame rate that stays low this long is worth telling (a short dip is not).
export const LOW_FOR_MS = 10000;
// And it must be back above the line this long before the notice goes away (no flicker).
export const RECOVERED_FOR_MS = 5000;
// The sender's ceiling: 640×480 at 30 frames a second reads well at this rate, and a call never
// takes more of a home connection than this.
export const MAX_BITRATE = 1_000_000;

function entries(report) {
  if (!report) return [];
  if (typeof report.values === "function") return Array.from(report.values());
  return Array.isArray(report) ? report : Object.values(report);
}

// One sample of a stats report: {at, fps, width, height, rtt, framesDecoded}. `previous` (the
// sample before) gives the frame rate where the browser does not report framesPerSecond. A value
// the report does not have is null.
export function readVideoStats(report, previous = null) {
  const all = entries(report);
  const inbound = all.find((s) => s.type === "inbound-rtp" && (s.kind || s.mediaType) === "video");
  const sample = { at: null, fps: null, width: null, height: null, rtt: null, framesDecoded: null };
  if (inbound) {
    sample.at = typeof inbound.timestamp === "number" ? inbound.timestamp : null;
    sample.width = typeof inbound.frameWidth === "number" ? inbound.frameWidth : null;
    sample.height = typeof inbound.frameHeight === "number" ? inbound.frameHeight : null;
    sample.framesDecoded = typeof inbound.framesDecoded === "number" ? inbound.framesDecoded : null;
    if (typeof inbound.framesPerSecond === "number") sample.fps = inbound.framesPerSecond;
    else if (
      previous &&
      previous.framesDecoded !== null &&
      sample.framesDecoded !== null &&
      sample.at !== null &&
      previous.at !== null &&
      sample.at > previous.at
    ) {
      sample.fps = ((sample.framesDecoded - previous.framesDecoded) * 1000) / (sample.at - previous.at);
    }
  }
  // The round trip of the pair in use (seconds), else the one the far end reported back.
  const transport = all.find((s) => s.type === "transport" && s.selectedCandidatePairId);
  const pair =
    (transport && all.find((s) => s.id === transport.selectedCandidatePairId)) ||
    all.find((s) => s.type === "candidate-pair" && (s.selected || s.nominated) && s.state === "succeeded");
  if (pair && typeof pair.currentRoundTripTime === "number") sample.rtt = pair.currentRoundTripTime;
  else {
    const remote = all.find((s) => s.type === "remote-inbound-rtp" && typeof s.roundTripTime === "number");
    if (remote) sample.rtt = remote.roundTripTime;
  }
  return sample;
}

// Feed it a frame rate and the time (ms); it answers "low" when the rate has stayed under LOW_FPS
// for LOW_FOR_MS, "ok" when a low rate has been back above it for RECOVERED_FOR_MS, else null (no
// change). A missing rate (null: no picture yet, or the call paused) starts the count again.
export class FrameRateWatch {
  constructor({ low = LOW_FPS, lowFor = LOW_FOR_MS, recoveredFor = RECOVERED_FOR_MS } = {}) {
    this.low = low;
    this.lowFor = lowFor;
    this.recoveredFor = recoveredFor;
    this.isLow = false;
    this.since = null; // when the current run (low while ok, or ok while low) began
  }

  feed(fps, at) {
    if (typeof fps !== "number" || Number.isNaN(fps)) {
      this.since = null;
      return null;
    }
    const crossing = this.isLow ? fps >= this.low : fps < this.low;
    if (!crossing) {
      this.since = null;
      return null;
    }
    if (this.since === null) this.since = at;
    if (at - this.since < (this.isLow ? this.recoveredFor : this.lowFor)) return null;
    this.isLow = !this.isLow;
    this.since = null;
    return this.isLow ? "low" : "ok";
  }

  reset() {
    this.isLow = false;
    this.since = null;
  }
}
