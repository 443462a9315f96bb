// Sign-language video (docs/websocket.md): WebRTC between the two pages, signalled over the session's
// websocket as `rtc.signal` frames (docs/websocket.md). Video only, never recorded.
//
// The operator always makes the offer. Either side says {kind: "ready"} when its camera runs; the
// operator answers a customer's "ready" with a fresh offer, and the customer answers an operator's
// "ready" with its own "ready" (so whoever arrives second starts the call). ICE candidates that
// arrive before the remote description are queued.

export const RTC_STATES = ["new", "connecting", "connected", "disconnected", "failed", "closed"];

// getUserMedia error names -> the strings' keys that explain them.
export const CAMERA_ERRORS = {
  NotAllowedError: "camera_denied",
  NotFoundError: "camera_missing",
  NotReadableError: "camera_busy",
  unsupported: "camera_unsupported",
};

export class SignVideo {
  // root: the [data-live-video] element; panel: the .live-session element (gets
  // data-rtc-state); side: operator | customer; send(frame) sends at once if the socket is open;
  // onUseChat() when the user switches to written chat. env: navigator, RTCPeerConnection and
  // MediaStream (the page's by default).
  constructor({ root, panel, t, iceServers, side, send, onUseChat }, env = globalThis) {
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
    this.stream = null;
    this.pc = null;
    this.pendingCandidates = [];
    if (this.retry) this.retry.addEventListener("click", () => this.startCamera());
    if (this.toChat) {
      this.toChat.addEventListener("click", () => {
        this.stop();
        this.root.hidden = true;
        if (onUseChat) onUseChat();
      });
    }
    this.setState("new");
    this.startCamera();
  }

  setState(state) {
    this.panel.dataset.rtcState = state;
    if (this.status) this.status.textContent = RTC_STATES.includes(state) ? this.t(`rtc_${state}`) : state;
  }

  async startCamera() {
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
    for (const track of this.stream.getVideoTracks()) {
      if ("contentHint" in track) track.contentHint = "motion";
    }
    this.selfView.srcObject = this.stream;
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
    if (this.stream) this.signal({ kind: "ready" });
  }

  async onSignal(payload) {
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
    });
    pc.addEventListener("connectionstatechange", () => {
      if (this.pc !== pc) return;
      this.setState(pc.connectionState);
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
    // Signers need motion more than pixels: drop resolution, never frame rate, when bandwidth falls.
    for (const sender of this.pc.getSenders()) {
      if (!sender.track || sender.track.kind !== "video") continue;
      try {
        const params = sender.getParameters();
        params.degradationPreference = "maintain-framerate";
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

  stop() {
    if (this.pc) this.pc.close();
    this.pc = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.setState("closed");
  }
}
