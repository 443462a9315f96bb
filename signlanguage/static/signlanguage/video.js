// Sign-language video (docs/websocket.md): WebRTC between the two pages, signalled over the session's
// websocket as `rtc.signal` frames (docs/websocket.md). Video only, never recorded.
//
// The operator always makes the offer. Either side says {kind: "ready"} when its camera runs; the
// operator answers a customer's "ready" with a fresh offer, and the customer answers an operator's
// "ready" with its own "ready" (so whoever arrives second starts the call). ICE candidates that
// arrive before the remote description are queued.
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

import { FrameRateWatch, MAX_BITRATE, readVideoStats } from "./video-quality.js";

// How often the page reads the connection's stats while the video is connected.
export const QUALITY_EVERY_MS = 1000;

export const RTC_STATES = ["new", "connecting", "connected", "disconnected", "failed", "closed"];

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
    this.pc = null;
    this.pendingCandidates = [];
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
    this.selfView.srcObject = null;
    if (this.frames) this.frames.hidden = true; // never a frozen picture
    if (this.actions) this.actions.hidden = true;
    if (this.errorBox) this.errorBox.hidden = true;
    const mine = this.offBy === this.role;
    if (this.toVideo) this.toVideo.hidden = !mine;
    this.panel.dataset.videoMode = "text";
    this.panel.dataset.rtcState = "closed";
    if (this.status) this.status.textContent = this.t(mine ? "mode_text_you" : `mode_text_${this.offBy}`);
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
    if (this.status) this.status.textContent = RTC_STATES.includes(state) ? this.t(`rtc_${state}`) : state;
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
    this.signal({ kind: "ready" });
  }

  explain(name) {
    if (this.errorBox) {
      this.errorBox.textContent = this.t(CAMERA_ERRORS[name] || "camera_other");
      this.errorBox.hidden = false;
    }
  }

  signal(payload) {
    this.send({ type: "rtc.signal", payload });
  }

  onSocketOpen() {
    if (this.pendingMode !== null) this.send({ type: "mode", mode: this.pendingMode });
    if (this.stream) this.signal({ kind: "ready" });
  }

  async onSignal(payload) {
    if (this.offBy) {
      // The other side's camera is running again: its switch back was missed (a reconnect).
      if (payload.kind === "ready" && this.offBy !== this.role && this.pendingMode === null) this.enterVideo();
      return;
    }
    if (payload.kind === "ready") {
      if (!this.stream) return;
      if (this.side === "operator") await this.offer();
      else if (!payload.reply) this.signal({ kind: "ready", reply: true });
      return;
    }
    if (payload.kind === "description" && payload.description) {
      await this.onDescription(payload.description);
      return;
    }
    if (payload.kind === "candidate" && payload.candidate) {
      if (this.pc && this.pc.remoteDescription) {
        try {
          await this.pc.addIceCandidate(payload.candidate);
        } catch (_err) {
          // A candidate for an older connection: harmless.
        }
      } else {
        this.pendingCandidates.push(payload.candidate);
      }
    }
  }

  newPeer() {
    this.stopQuality();
    if (this.pc) this.pc.close();
    this.pendingCandidates = [];
    const pc = new this.env.RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    pc.addEventListener("icecandidate", (event) => {
      if (event.candidate) this.signal({ kind: "candidate", candidate: event.candidate.toJSON() });
    });
    pc.addEventListener("track", (event) => {
      const [stream] = event.streams;
      this.remoteView.srcObject = stream || new this.env.MediaStream([event.track]);
      playMuted(this.remoteView);
    });
    pc.addEventListener("connectionstatechange", () => {
      if (this.pc !== pc) return;
      this.setState(pc.connectionState);
      if (pc.connectionState === "connected") this.watchQuality();
      else this.stopQuality();
      if (pc.connectionState === "failed") {
        // Start again: the operator offers anew, the customer asks for it.
        if (this.side === "operator") this.offer();
        else this.signal({ kind: "ready" });
      }
    });
    if (this.stream) {
      for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    }
    this.setState("connecting");
    return pc;
  }

  async keepFrameRate() {
    // Signers need motion more than pixels: drop resolution, never frame rate, when bandwidth
    // falls; and never more than MAX_BITRATE (a ceiling set lower stays).
    for (const sender of this.pc.getSenders()) {
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

  async offer() {
    const pc = this.newPeer();
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await this.keepFrameRate();
    this.signal({ kind: "description", description: { type: offer.type, sdp: offer.sdp } });
  }

  async onDescription(description) {
    if (description.type === "offer") {
      if (this.side === "operator") return; // the operator only offers
      const pc = this.newPeer();
      await pc.setRemoteDescription(description);
      await this.drainCandidates();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await this.keepFrameRate();
      this.signal({ kind: "description", description: { type: answer.type, sdp: answer.sdp } });
    } else if (description.type === "answer" && this.pc && this.pc.signalingState === "have-local-offer") {
      await this.pc.setRemoteDescription(description);
      await this.drainCandidates();
    }
  }

  async drainCandidates() {
    const queued = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of queued) {
      try {
        await this.pc.addIceCandidate(candidate);
      } catch (_err) {
        // ignore stale candidates
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
    if (this.qualityNote) this.qualityNote.textContent = slow ? this.t("video_slow") : "";
  }

  closeMedia() {
    this.stopQuality();
    if (this.pc) this.pc.close();
    this.pc = null;
    this.pendingCandidates = [];
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
  }

  stop() {
    this.closeMedia();
    if (this.toVideo) this.toVideo.hidden = true;
    this.setState("closed");
  }
}
