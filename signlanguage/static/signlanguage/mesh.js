// Three-way video (issue 22 item 3, docs/live-client.md): one RTCPeerConnection per other
// participant, keyed by participant id ("customer-3", "proxy-12", "operator-5"), signalled with
// `rtc.signal` frames addressed to that participant (`to`; docs/websocket.md). No DOM here: the
// page (video.js) is told of tracks and state changes.
//
// Who is there: the page asks the server (`rtc.peers`) for its own id and whom it may call, and
// says {kind: "hello"} to each once its camera runs. Whoever is there answers with a hello of its
// own (`reply: true`, never answered) and both make a connection for the other. Every page load
// has its own random `instance`, sent in every payload, and payloads for a page are marked with
// its instance (`to_instance`): a hello from a new instance (the participant reloaded) replaces
// only that participant's connection, a hello from the instance already connected (its socket
// came back) changes nothing unless it says `reset` (its end of the connection was not up), and
// signals meant for an earlier load of a page are dropped. So a participant who leaves and
// returns is called again without the other two restarting theirs.
//
// Offers are made by "perfect negotiation" (the pattern of the WebRTC specification): both ends
// offer when they need to; when two offers cross (glare), the polite end — the one whose id
// sorts first, the same answer on both pages — drops its own and answers, and the impolite end
// ignores the other's. Signals of one peer are handled one after another, in order.

// How long a call may wait without ICE starting before the impolite end makes it again.
export const STUCK_MS = 8000;

export function roleOf(id) {
  return String(id).split("-")[0];
}

// The same on both pages, for any two ids: exactly one of the two is polite.
export function isPolite(selfId, peerId) {
  return selfId < peerId;
}

export function newInstance(random = Math.random) {
  return `${Math.floor(random() * 2 ** 32).toString(36)}${Date.now().toString(36)}`;
}

function plain(description) {
  return description ? { type: description.type, sdp: description.sdp } : null;
}

export class PeerMesh {
  // env: RTCPeerConnection and MediaStream; config(): the RTCConfiguration of a new connection;
  // send(to, payload): an `rtc.signal` to one participant; onTrack(peer): a peer's picture
  // arrived (peer.stream); onChange(peer, removed): a peer was added, changed state or was
  // removed; configure(pc): after each local description (the senders' frame-rate settings).
  constructor({ env, config, send, onTrack = () => {}, onChange = () => {}, configure = async () => {}, instance }) {
    this.env = env;
    this.config = config;
    this.sendTo = send;
    this.onTrack = onTrack;
    this.onChange = onChange;
    this.configure = configure;
    this.instance = instance || newInstance();
    this.self = null; // our participant id, from `rtc.peers`
    this.known = new Set(); // ids we may call: `rtc.peers`, and anyone who said hello
    this.peers = new Map(); // id -> peer
    this.stream = null; // our camera; no connection is made without it
  }

  // `rtc.peers`: who we are and whom we may call. Says hello to each (again after a reconnect:
  // a page that came back while our socket was down hears of us).
  setIdentity(you, peers) {
    this.self = you;
    for (const id of peers || []) if (id !== you) this.known.add(id);
    this.helloAll();
  }

  // The camera runs: call everyone we know of.
  start(stream) {
    this.stream = stream;
    this.helloAll();
  }

  ready() {
    return this.self !== null && this.stream !== null;
  }

  // A connection that is not up (signals lost while a socket was down) is dropped and the hello
  // says `reset`: the other end makes its connection anew too. A connected one stays as it is.
  helloAll() {
    if (!this.ready()) return;
    for (const id of this.known) {
      const peer = this.peers.get(id);
      const up = Boolean(peer) && peer.state === "connected";
      if (peer && !up) this.remove(id);
      this.send(id, up ? { kind: "hello" } : { kind: "hello", reset: true }, up ? peer : null);
    }
  }

  send(to, payload, peer = null) {
    const message = { ...payload, instance: this.instance };
    if (peer && peer.instance) message.to_instance = peer.instance;
    this.sendTo(to, message);
  }

  // An `rtc.signal` from participant `from`.
  onSignal(from, payload) {
    if (typeof from !== "string" || !from.includes("-") || from === this.self) return;
    if (!payload || typeof payload !== "object") return;
    this.known.add(from);
    if (!this.ready()) return; // we say hello ourselves once the camera runs
    if (payload.to_instance && payload.to_instance !== this.instance) return; // an earlier load of ours
    const instance = typeof payload.instance === "string" ? payload.instance : "";
    let peer = this.peers.get(from);
    if (payload.kind === "bye") {
      if (peer && peer.instance === instance) this.remove(from);
      return;
    }
    if (payload.kind === "hello") {
      const stale = !peer || peer.instance !== instance || !this.alive(peer);
      if (stale || (payload.reset && !payload.reply)) peer = this.connect(from, instance);
      if (!payload.reply) this.send(from, { kind: "hello", reply: true }, peer);
      return;
    }
    if (!peer || peer.instance !== instance) {
      // A new load of theirs that offers before we heard its hello; anything else is stale.
      const offer = payload.kind === "description" && payload.description && payload.description.type === "offer";
      if (!offer) return;
      peer = this.connect(from, instance);
    }
    const current = peer;
    current.queue = current.queue.then(() => this.handle(current, payload)).catch(() => {});
  }

  alive(peer) {
    return !["failed", "closed"].includes(peer.pc.connectionState);
  }

  // A new connection to `id` (load `instance`), replacing any older one to that participant.
  connect(id, instance) {
    this.remove(id);
    const pc = new this.env.RTCPeerConnection(this.config());
    const peer = {
      id,
      role: roleOf(id),
      instance,
      pc,
      polite: isPolite(this.self, id),
      makingOffer: false,
      ignoreOffer: false,
      queue: Promise.resolve(),
      stream: null,
      state: "new",
      offers: 0, // descriptions this end has made (the tests count restarts with it)
      candidates: { sent: 0, added: 0, dropped: 0 },
    };
    const mine = () => this.peers.get(id) === peer;
    pc.addEventListener("negotiationneeded", async () => {
      if (!mine()) return;
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        if (!mine()) return;
        peer.offers += 1;
        this.send(id, { kind: "description", description: plain(pc.localDescription) }, peer);
        await this.configure(pc);
      } catch (_err) {
        // Closed meanwhile, or the other end's offer won: perfect negotiation carries on.
      } finally {
        peer.makingOffer = false;
      }
    });
    pc.addEventListener("icecandidate", (event) => {
      if (mine() && event.candidate) {
        const candidate = typeof event.candidate.toJSON === "function" ? event.candidate.toJSON() : event.candidate;
        peer.candidates.sent += 1;
        this.send(id, { kind: "candidate", candidate }, peer);
      }
    });
    pc.addEventListener("track", (event) => {
      if (!mine()) return;
      const [stream] = event.streams || [];
      peer.stream = stream || new this.env.MediaStream([event.track]);
      this.onTrack(peer);
    });
    pc.addEventListener("connectionstatechange", () => {
      if (!mine()) return;
      peer.state = pc.connectionState;
      // A network that changed under a live call: new ICE candidates, the same connection.
      if (peer.state === "failed" && typeof pc.restartIce === "function") pc.restartIce();
      this.onChange(peer, false);
    });
    this.peers.set(id, peer);
    if (this.stream) for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    this.onChange(peer, false);
    if (!peer.polite) this.watch(peer);
    return peer;
  }

  // A call whose ICE never started (seen in Chromium: after glare the polite end answered but
  // never gathered a candidate, and both ends waited for ever) is made again: the impolite end
  // alone watches, so the two ends never start over at once; the hello with `reset` makes the
  // other end connect anew, and the new pair negotiates from the start.
  watch(peer) {
    const timer = setTimeout(() => {
      if (this.peers.get(peer.id) !== peer) return;
      if (peer.state === "connected") return;
      if (peer.pc.iceConnectionState === "new" || peer.state === "failed") {
        this.remove(peer.id);
        this.send(peer.id, { kind: "hello", reset: true });
      } else {
        this.watch(peer); // checking: give it time
      }
    }, STUCK_MS);
    if (timer && typeof timer.unref === "function") timer.unref(); // Node's tests: never keep it alive
    peer.timer = timer;
  }

  async handle(peer, payload) {
    const pc = peer.pc;
    if (payload.kind === "description" && payload.description) {
      const description = payload.description;
      const collision = description.type === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
      peer.ignoreOffer = !peer.polite && collision;
      if (peer.ignoreOffer) return; // glare, and we are the impolite end: ours stands
      if (description.type === "answer" && pc.signalingState !== "have-local-offer") return; // stale
      await pc.setRemoteDescription(description); // a polite end's own offer is rolled back
      if (description.type === "offer") {
        await pc.setLocalDescription();
        peer.offers += 1;
        this.send(peer.id, { kind: "description", description: plain(pc.localDescription) }, peer);
        await this.configure(pc);
      }
    } else if (payload.kind === "candidate" && payload.candidate) {
      try {
        await pc.addIceCandidate(payload.candidate);
        peer.candidates.added += 1;
      } catch (_err) {
        peer.candidates.dropped += 1;
        // A candidate of an offer we ignored, or of an older connection: harmless.
      }
    }
  }

  remove(id) {
    const peer = this.peers.get(id);
    if (!peer) return;
    if (peer.timer) clearTimeout(peer.timer);
    this.peers.delete(id);
    peer.pc.close();
    peer.state = "closed";
    this.onChange(peer, true);
  }

  // The page goes away (pagehide): tell the others, so they drop our connection at once.
  bye() {
    for (const peer of this.peers.values()) this.send(peer.id, { kind: "bye" }, peer);
  }

  // No video any more (written chat, the session ended): every connection closed, camera gone.
  closeAll() {
    for (const id of [...this.peers.keys()]) this.remove(id);
    this.stream = null;
  }
}
