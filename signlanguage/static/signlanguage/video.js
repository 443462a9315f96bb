// Sign-language video (docs/websocket.md): WebRTC between the pages of a session, signalled over the
// session's websocket as `rtc.signal` frames (docs/websocket.md). Video only, never recorded.
//
// Three people (customer, proxy, operator) each see the other two: one peer connection per other
// participant (mesh.js, perfect negotiation), each picture in the remote figure of its role
// ([data-remote-role]); the page's rtc state is the best of its connections.
//
// Written chat instead of video (issue 26 item 11) is a state of the session that both pages see:
// "Use written chat instead" sends `{"type": "mode", "mode": "text"}`, the server stores it and
// tells every socket (and every page that connects later) `{"type": "mode", "mode": "text",
// "role": …}`. While it holds, neither page runs a camera, a peer connection or a picture (no
// frozen frame, no "connection lost"): the status line says who switched, and the page of the
// person who switched shows "Switch back to video", which starts the call again (no reload).
//
// Video that keeps its frame rate (issue 22 item 4): the camera track is marked as motion, every
// sender keeps the frame rate and drops resolution when bandwidth falls, under a bitrate ceiling
// (MAX_BITRATE). While connected, the page reads the other person's frames a second, picture size
// and round trip once a second (video-quality.js, kept in `quality`); a frame rate under 12 for
// 10 s is said in words in the polite region [data-live-video-quality], with written chat offered.

import { setReadingText } from "./furigana.js";
import { PeerMesh } from "./mesh.js";
import { FrameRateWatch, MAX_BITRATE, readVideoStats } from "./video-quality.js";

// How often the page reads the connection's stats while the video is connected.
export const QUALITY_EVERY_MS = 1000;

export const RTC_STATES = ["new", "connecting", "connected", "disconnected", "failed", "closed"];

// The page's state from its connections' states: connected while any one is.
export function overallState(states) {
  for (const state of ["connected", "connecting", "new", "disconnected", "failed"]) {
    if (states.includes(state)) return state === "new" ? "connecting" : state;
  }
  return "new";
}

// getUserMedia error names -> the strings' keys that explain them.
export const CAMERA_ERRORS = {
  NotAllowedError: "camera_denied",
  NotFoundError: "camera_missing",
  NotReadableError: "camera_busy",
  unsupported: "camera_unsupported",
};

// `autoplay` alone may leave a muted video paused (seen with the self-view in Chromium): ask it
// to play; a refusal changes nothing (the element keeps its autoplay).
function playMuted(video) {
  const played = typeof video.play === "function" ? video.play() : null;
  if (played && typeof played.catch === "function") played.catch(() => {});
}

export class SignVideo {
  // root: the [data-live-video] element; panel: the .live-session element (gets
  // data-rtc-state); side: operator | customer; send(frame) sends at once if the socket is open;
  // onUseChat() when the user switches to written chat; role: customer | proxy | operator;
  // offBy: the role that had switched the session to written chat when the page was rendered
  // ("" while the video is on). env: navigator, RTCPeerConnection and MediaStream (the page's by
  // default).
  constructor({ root, panel, t, iceServers, side, send, onUseChat, role = side, offBy = "" }, env = globalThis) {
    this.panel = panel;
    this.t = t;
    this.iceServers = iceServers;
    this.side = side;
    this.send = send;
    this.env = env;
    this.root = root;
    this.selfView = this.root.querySelector("[data-live-self]");
    this.remoteView = this.root.querySelector("[data-live-remote]");
    // One figure per other role ([data-remote-role]); the first is always shown.
    this.figures = typeof this.root.querySelectorAll === "function" ? [...this.root.querySelectorAll("[data-remote-role]")] : [];
    this.status = this.root.querySelector("[data-live-rtc-status]");
    this.errorBox = this.root.querySelector("[data-live-media-error]");
    this.retry = this.root.querySelector("[data-live-camera-retry]");
    this.toChat = this.root.querySelector("[data-live-use-chat]");
    this.toVideo = this.root.querySelector("[data-live-use-video]");
    this.frames = this.root.querySelector("[data-live-video-frames]");
    this.actions = this.root.querySelector("[data-live-video-actions]");
    this.qualityNote = this.root.querySelector("[data-live-video-quality]");
    this.timers = typeof env.setInterval === "function" ? env : globalThis;
    this.watch = new FrameRateWatch();
    this.qualityTimer = null;
    this.quality = null; // the last reading: {at, fps, width, height, rtt, framesDecoded}
    this.role = role;
    this.offBy = ""; // who switched the session to written chat; "" while the video is on
    this.pendingMode = null; // a switch of ours the server has not echoed yet
    this.stream = null;
    this.mesh = new PeerMesh({
      env,
      config: () => ({ iceServers: this.iceServers }),
      send: (to, payload) => this.send({ type: "rtc.signal", to, payload }),
      onTrack: (peer) => this.showPeer(peer),
      onChange: (peer, removed) => this.peerChanged(peer, removed),
      configure: (pc) => this.keepFrameRate(pc),
    });
    if (this.retry) this.retry.addEventListener("click", () => this.startCamera());
    if (this.toChat) {
      this.toChat.addEventListener("click", () => {
        this.choose("text");
        if (onUseChat) onUseChat();
      });
    }
    if (this.toVideo) this.toVideo.addEventListener("click", () => this.choose("video"));
    if (offBy) {
      this.enterText(offBy);
      return;
    }
    this.setState("new");
    this.startCamera();
  }

  // --- written chat instead of video ------------------------------------------------------

  // The user pressed "Use written chat instead" or "Switch back to video": the page changes at
  // once, and the server is told (again after a reconnect, until it echoes the switch).
  choose(mode) {
    this.pendingMode = mode;
    this.send({ type: "mode", mode });
    if (mode === "text") this.enterText(this.role);
    else {
      this.enterVideo();
      if (this.status && this.status.focus) this.status.focus(); // the button is gone
    }
  }

  // A `mode` frame: the switch of either side, or the state when the socket connected.
  onMode(frame) {
    const mode = frame.mode === "text" ? "text" : "video";
    if (this.pendingMode !== null) {
      // Until our own switch comes back, an older state (sent at connect) does not undo it.
      if (mode !== this.pendingMode || frame.role !== this.role) return;
      this.pendingMode = null;
    }
    if (mode === "text") this.enterText(frame.role || "");
    else this.enterVideo();
  }

  enterText(by) {
    this.offBy = by || "customer";
    this.closeMedia();
    this.remoteView.srcObject = null;
    for (const figure of this.figures) this.clearFigure(figure);
    this.selfView.srcObject = null;
    if (this.frames) this.frames.hidden = true; // never a frozen picture
    if (this.actions) this.actions.hidden = true;
    if (this.errorBox) this.errorBox.hidden = true;
    const mine = this.offBy === this.role;
    if (this.toVideo) this.toVideo.hidden = !mine;
    this.panel.dataset.videoMode = "text";
    this.panel.dataset.rtcState = "closed";
    if (this.status) setReadingText(this.status, this.t(mine ? "mode_text_you" : `mode_text_${this.offBy}`));
  }

  enterVideo() {
    if (!this.offBy) return;
    this.offBy = "";
    if (this.frames) this.frames.hidden = false;
    if (this.actions) this.actions.hidden = false;
    if (this.toVideo) this.toVideo.hidden = true;
    this.panel.dataset.videoMode = "video";
    this.setState("new");
    this.startCamera();
  }

  setState(state) {
    this.panel.dataset.rtcState = state;
    if (this.status) setReadingText(this.status, RTC_STATES.includes(state) ? this.t(`rtc_${state}`) : state);
  }

  async startCamera() {
    if (this.offBy) return;
    if (this.errorBox) this.errorBox.hidden = true;
    const media = this.env.navigator && this.env.navigator.mediaDevices;
    if (!media || !media.getUserMedia) {
      this.explain("unsupported");
      return;
    }
    try {
      // Video only: sign language needs motion, not sound. 640×480 frames the upper body.
      this.stream = await media.getUserMedia({
        audio: false,
        video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
      });
    } catch (err) {
      this.explain(err && err.name);
      return;
    }
    if (this.offBy) {
      // Switched to written chat while the camera was starting.
      for (const track of this.stream.getTracks()) track.stop();
      this.stream = null;
      return;
    }
    for (const track of this.stream.getVideoTracks()) {
      if ("contentHint" in track) track.contentHint = "motion";
    }
    this.selfView.srcObject = this.stream;
    playMuted(this.selfView);
    this.mesh.start(this.stream); // hello to everyone we know of
  }

  explain(name) {
    if (this.errorBox) {
      setReadingText(this.errorBox, this.t(CAMERA_ERRORS[name] || "camera_other"));
      this.errorBox.hidden = false;
    }
  }

  // The socket (re)opened: our switch not yet echoed, and who we are in the video (`rtc.peers`,
  // answered by onPeers: hello to each again, so a page that came back meanwhile hears of us).
  onSocketOpen() {
    if (this.pendingMode !== null) this.send({ type: "mode", mode: this.pendingMode });
    this.send({ type: "rtc.peers" });
  }

  onPeers(frame) {
    if (typeof frame.you === "string") this.mesh.setIdentity(frame.you, Array.isArray(frame.peers) ? frame.peers : []);
  }

  // An `rtc.signal` from participant `from` (docs/websocket.md).
  onSignal(payload, from) {
    if (this.offBy) {
      // Someone's camera is running again: the switch back was missed (a reconnect).
      if (payload.kind === "hello" && !payload.reply && this.offBy !== this.role && this.pendingMode === null) this.enterVideo();
      return;
    }
    this.mesh.onSignal(from, payload);
  }

  // The page goes away (pagehide): the others drop our connections at once.
  leaving() {
    this.mesh.bye();
  }

  // The connection whose picture matters most here, for the quality readings (and the tests):
  // the operator's on the customer's side, the customer's on the operator's, else any.
  get primary() {
    const peers = [...this.mesh.peers.values()];
    const wanted = this.side === "operator" ? "customer" : "operator";
    return peers.find((p) => p.role === wanted) || peers[0] || null;
  }

  get pc() {
    const peer = this.primary;
    return peer ? peer.pc : null;
  }

  figureFor(role) {
    return this.figures.find((f) => f.dataset.remoteRole === role) || null;
  }

  videoOf(figure) {
    return (figure && typeof figure.querySelector === "function" && figure.querySelector("video")) || this.remoteView;
  }

  clearFigure(figure) {
    const video = this.videoOf(figure);
    if (video) video.srcObject = null;
    delete figure.dataset.peer;
    figure.dataset.rtcState = "closed";
    if (figure !== this.figures[0]) figure.hidden = true; // an empty second picture takes no room
  }

  // A participant's picture arrived: in the figure of its role (the first figure if none).
  showPeer(peer) {
    const figure = this.figureFor(peer.role) || this.figures[0] || null;
    const video = figure ? this.videoOf(figure) : this.remoteView;
    if (figure) {
      figure.dataset.peer = peer.id;
      figure.dataset.rtcState = peer.state;
      figure.hidden = false;
    }
    video.srcObject = peer.stream;
    playMuted(video);
  }

  peerChanged(peer, removed) {
    const figure = this.figures.find((f) => f.dataset.peer === peer.id);
    if (figure) {
      if (removed) this.clearFigure(figure);
      else figure.dataset.rtcState = peer.state;
    } else if (removed && !this.figures.length && this.mesh.peers.size === 0) {
      this.remoteView.srcObject = null;
    }
    if (this.offBy) return;
    this.setState(overallState([...this.mesh.peers.values()].map((p) => p.state)));
    const primary = this.primary;
    if (primary && primary.state === "connected") this.watchQuality();
    else this.stopQuality();
  }

  async keepFrameRate(pc = this.pc) {
    // Signers need motion more than pixels: drop resolution, never frame rate, when bandwidth
    // falls; and never more than MAX_BITRATE (a ceiling set lower stays).
    if (!pc) return;
    for (const sender of pc.getSenders()) {
      if (!sender.track || sender.track.kind !== "video") continue;
      try {
        const params = sender.getParameters();
        params.degradationPreference = "maintain-framerate";
        for (const encoding of params.encodings || []) {
          if (!(encoding.maxBitrate > 0 && encoding.maxBitrate < MAX_BITRATE)) encoding.maxBitrate = MAX_BITRATE;
        }
        await sender.setParameters(params);
      } catch (_err) {
        // Not every browser lets this be set; the content hint still asks for motion.
      }
    }
  }

  // --- how the other person's video arrives (video-quality.js) -----------------------------

  watchQuality() {
    if (this.qualityTimer !== null) return;
    this.watch.reset();
    this.quality = null;
    this.qualityTimer = this.timers.setInterval(() => this.sampleQuality(), QUALITY_EVERY_MS);
  }

  stopQuality() {
    if (this.qualityTimer !== null) this.timers.clearInterval(this.qualityTimer);
    this.qualityTimer = null;
    this.watch.reset();
    this.showSlow(false);
  }

  // One reading of the connection's stats; says so when the frame rate has stayed low.
  async sampleQuality() {
    const pc = this.pc;
    if (!pc || typeof pc.getStats !== "function") return;
    let report;
    try {
      report = await pc.getStats();
    } catch (_err) {
      return; // closed meanwhile
    }
    if (this.pc !== pc || this.qualityTimer === null) return;
    const sample = readVideoStats(report, this.quality);
    if (sample.at === null) sample.at = Date.now();
    this.quality = sample;
    const change = this.watch.feed(sample.fps, sample.at);
    if (change) this.showSlow(change === "low");
  }

  showSlow(slow) {
    this.panel.dataset.videoSlow = slow ? "true" : "false";
    if (this.qualityNote) setReadingText(this.qualityNote, slow ? this.t("video_slow") : "");
  }

  closeMedia() {
    this.stopQuality();
    this.mesh.closeAll();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
  }

  stop() {
    this.closeMedia();
    if (this.toVideo) this.toVideo.hidden = true;
    this.setState("closed");
  }
}
