// Live session client (SPEC §5.5/§5.6): written chat and sign-language video over one websocket.
// A plain ES module, no build step. Every `.live-session` element on the page gets its own
// LiveSession, so the operator console can run several chats at once.
//
// Guarantees to the user: nothing typed is lost (drafts and unsent messages are kept in
// sessionStorage and resent with the same client_id after a reconnect), messages are rendered
// as text (textContent, never HTML), new messages are announced in a role="log" region and shown
// with a banner and a title flash — never a sound.

const TEXT_SIZES = ["normal", "large", "x-large", "xx-large"];
const TEXT_SIZE_KEY = "as.chat.textSize";
const MAX_BACKOFF_MS = 30000;
const SEND_INTERVAL_MS = 100; // at most 10 frames a second: well under the server's 20
const TYPING_IDLE_MS = 4000;

function uuid4() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function readJson(id, fallback) {
  const node = id ? document.getElementById(id) : null;
  if (!node) return fallback;
  try {
    return JSON.parse(node.textContent);
  } catch (_err) {
    return fallback;
  }
}

function storage(kind) {
  try {
    const store = window[kind];
    const probe = "__as_probe__";
    store.setItem(probe, probe);
    store.removeItem(probe);
    return store;
  } catch (_err) {
    return null; // private mode or disabled: keep everything in memory only
  }
}

// Title flash shared by all panels on the page: one timer, stops when the user looks.
const titleFlash = {
  original: document.title,
  timer: null,
  label: "",
  start(label) {
    if (document.visibilityState === "visible" && document.hasFocus()) return;
    this.label = label;
    if (this.timer) return;
    let on = false;
    this.timer = window.setInterval(() => {
      on = !on;
      document.title = on ? `【${this.label}】 ${this.original}` : this.original;
    }, 1500);
    document.title = `【${this.label}】 ${this.original}`;
  },
  stop() {
    if (this.timer) window.clearInterval(this.timer);
    this.timer = null;
    document.title = this.original;
  },
};
window.addEventListener("focus", () => titleFlash.stop());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") titleFlash.stop();
});

export class LiveSession {
  constructor(root) {
    this.root = root;
    this.sessionId = root.dataset.sessionId;
    this.role = root.dataset.role; // customer | proxy | operator
    this.side = this.role === "operator" ? "operator" : "customer";
    this.mode = root.dataset.mode;
    this.state = root.dataset.state;
    this.wsPath = root.dataset.wsPath;
    this.strings = readJson(root.dataset.stringsId, {});
    this.iceServers = readJson(root.dataset.iceServersId, []);

    this.log = root.querySelector("[data-live-log]"); // the <ol> inside the role="log" region
    this.scroller = root.querySelector("[data-live-scroll]") || this.log;
    this.form = root.querySelector("[data-live-compose]");
    this.input = root.querySelector("[data-live-input]");
    this.counter = root.querySelector("[data-live-counter]");
    this.connectionStatus = root.querySelector("[data-live-connection]");
    this.typingStatus = root.querySelector("[data-live-typing]");
    this.stateLabel = root.querySelector("[data-live-state]");
    this.banner = root.querySelector("[data-live-banner]");
    this.notice = root.querySelector("[data-live-notice]");
    this.closedPanel = root.querySelector("[data-live-closed]");

    this.session = storage("sessionStorage");
    this.local = storage("localStorage");
    this.pendingKey = `as.live.${this.sessionId}.pending`;
    this.draftKey = `as.live.${this.sessionId}.draft`;

    this.received = new Map(); // seq -> <li>
    this.lastSeq = 0; // highest seq with every seq below it received
    this.pending = this.loadPending(); // client_id -> {text, seq?, status}
    this.acked = new Map(); // client_id -> seq, for my messages
    this.readUpTo = 0; // the other side has read my messages up to this seq
    this.sentRead = 0;
    this.outbox = [];
    this.socket = null;
    this.attempt = 0;
    this.stopped = false;
    this.typingActive = false;
    this.typingTimer = null;
    this.remoteTypingTimer = null;

    this.bindCompose();
    this.bindTextSize();
    this.bindCanned();
    this.renderPending();
    window.setInterval(() => this.flushOutbox(), SEND_INTERVAL_MS);
    document.addEventListener("visibilitychange", () => this.maybeSendRead());
    window.addEventListener("focus", () => this.maybeSendRead());
    if (this.state === "closed") {
      this.showClosed();
      return;
    }
    if (this.mode === "sign_language" && root.querySelector("[data-live-video]")) {
      this.video = new SignVideo(this);
    }
    this.connect();
  }

  t(key, fallback) {
    return this.strings[key] || fallback;
  }

  // --- socket -----------------------------------------------------------------------------

  connect() {
    if (this.stopped) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}${this.wsPath}`);
    this.socket = socket;
    this.setConnection("connecting", this.t("connecting", "Connecting…"));
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.setConnection("open", this.t("connected", "Connected"));
      // Resume: ask for everything after the last contiguous seq, then resend what is unsent
      // with the same client_id (the server stores each client_id once).
      this.outbox = [];
      this.queue({ type: "sync", after_seq: this.lastSeq });
      for (const [clientId, item] of this.pending) {
        if (item.status === "sending") this.queue(this.messageFrame(clientId, item.text));
      }
      if (this.video) this.video.onSocketOpen();
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_err) {
        return;
      }
      this.handle(frame);
    });
    socket.addEventListener("close", (event) => this.onClose(event.code));
  }

  onClose(code) {
    this.socket = null;
    const final = {
      4401: this.t("closed_4401", "You are signed out. Please sign in again."),
      4403: this.t("closed_4403", "You cannot take part in this session."),
      4404: this.t("closed_4404", "This session does not exist."),
    };
    if (code === 4408) {
      this.state = "closed";
      this.showClosed();
      return;
    }
    if (final[code]) {
      this.stopped = true;
      this.setConnection("stopped", final[code]);
      this.showNotice(final[code]);
      return;
    }
    // Back-off with jitter: 1 s, 2 s, 4 s … 30 s. The typed text stays where it is.
    this.attempt += 1;
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.attempt - 1));
    const delay = base / 2 + Math.random() * (base / 2);
    this.setConnection(
      "reconnecting",
      this.t("reconnecting", "Connection lost. Reconnecting… Your messages are kept."),
    );
    window.setTimeout(() => this.connect(), delay);
  }

  setConnection(state, text) {
    this.root.dataset.connection = state;
    if (this.connectionStatus) this.connectionStatus.textContent = text;
  }

  queue(frame) {
    this.outbox.push(frame);
  }

  flushOutbox() {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || !this.outbox.length) return;
    this.socket.send(JSON.stringify(this.outbox.shift()));
  }

  sendNow(frame) {
    // For signalling and typing: small, time-sensitive, and not worth keeping across reconnects.
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.outbox.unshift(frame);
      this.flushOutbox();
    }
  }

  // --- frames from the server -----------------------------------------------------------

  handle(frame) {
    switch (frame.type) {
      case "chat.message":
        this.onMessage(frame);
        break;
      case "chat.ack":
        this.onAck(frame);
        break;
      case "chat.typing":
        this.onTyping(frame);
        break;
      case "chat.read":
        this.onRead(frame);
        break;
      case "session.state":
        this.onState(frame.state);
        break;
      case "rtc.signal":
        if (this.video) this.video.onSignal(frame.payload || {});
        break;
      case "error":
        this.onError(frame);
        break;
      default:
        break;
    }
  }

  onMessage(frame) {
    const seq = Number(frame.seq);
    if (!Number.isInteger(seq) || this.received.has(seq)) return; // duplicates are dropped
    const mine = frame.sender && frame.sender.role === this.role;
    let item = null;
    if (frame.client_id && this.pending.has(frame.client_id)) {
      item = this.pending.get(frame.client_id);
      this.pending.delete(frame.client_id);
      this.savePending();
      if (item.node) item.node.remove();
    }
    const li = this.renderMessage(frame, mine);
    this.received.set(seq, li);
    this.insertInOrder(li, seq);
    if (mine) this.acked.set(frame.client_id, seq);
    while (this.received.has(this.lastSeq + 1)) this.lastSeq += 1;
    if (mine) {
      this.setStatus(li, seq <= this.readUpTo ? "read" : "sent");
    } else {
      this.alertNew();
      this.maybeSendRead();
    }
  }

  onAck(frame) {
    const item = this.pending.get(frame.client_id);
    if (!item) return;
    item.status = "sent";
    item.seq = frame.seq;
    this.savePending();
    if (item.node) this.setStatus(item.node, "sent");
  }

  onTyping(frame) {
    if (!this.typingStatus || frame.role === this.role) return;
    window.clearTimeout(this.remoteTypingTimer);
    if (frame.active) {
      const who = frame.role === "operator" ? this.t("operator", "Operator") : this.t("customer", "Customer");
      this.typingStatus.textContent = `${who}: ${this.t("typing", "typing…")}`;
      // If the "stopped" frame is lost, do not show "typing" for ever.
      this.remoteTypingTimer = window.setTimeout(() => {
        this.typingStatus.textContent = "";
      }, 10000);
    } else {
      this.typingStatus.textContent = "";
    }
  }

  onRead(frame) {
    if (frame.role === this.role) return;
    const seq = Number(frame.seq);
    if (!Number.isInteger(seq) || seq <= this.readUpTo) return;
    this.readUpTo = seq;
    for (const [s, li] of this.received) {
      if (s <= seq && li.dataset.mine === "true") this.setStatus(li, "read");
    }
  }

  onState(state) {
    const previous = this.state;
    this.state = state;
    this.root.dataset.state = state;
    if (this.stateLabel) {
      const labels = {
        waiting: this.t("state_waiting", "Waiting for an operator"),
        active: this.t("state_active", "In session"),
        closed: this.t("state_closed", "Session ended"),
      };
      this.stateLabel.textContent = labels[state] || state;
    }
    if (state === "active" && previous === "waiting" && this.side === "customer") {
      this.alertNew(this.t("operator_joined", "The operator has joined."));
    }
    if (state === "closed") this.showClosed();
  }

  onError(frame) {
    const known = {
      card_number_masked: this.t(
        "card_number_masked",
        "Please do not send card numbers. We hid the number before saving your message.",
      ),
      text_length: this.t("text_length", "A message must be 1 to 2000 characters."),
      session_closed: this.t("state_closed", "Session ended"),
    };
    this.showNotice(known[frame.code] || frame.message || frame.code);
  }

  // --- rendering ----------------------------------------------------------------------------

  renderMessage(frame, mine) {
    const li = document.createElement("li");
    li.className = mine ? "live-message live-message-mine" : "live-message";
    li.dataset.seq = String(frame.seq);
    li.dataset.mine = mine ? "true" : "false";
    if (frame.client_id) li.dataset.clientId = frame.client_id;
    const meta = document.createElement("p");
    meta.className = "live-meta";
    const who = document.createElement("span");
    who.className = "live-sender";
    const sender = frame.sender || {};
    const roleName = {
      operator: this.t("operator", "Operator"),
      customer: this.t("customer", "Customer"),
      proxy: this.t("proxy", "Proxy"),
    }[sender.role] || "";
    who.textContent = mine ? this.t("you", "You") : `${sender.name || ""} (${roleName})`;
    meta.append(who);
    if (frame.sent_at) {
      const time = document.createElement("time");
      time.dateTime = frame.sent_at;
      const date = new Date(frame.sent_at);
      time.textContent = Number.isNaN(date.getTime())
        ? ""
        : date.toLocaleTimeString(document.documentElement.lang || "ja", {
            hour: "2-digit",
            minute: "2-digit",
            timeZone: "Asia/Tokyo", // the service's time, whatever the device says
          });
      meta.append(" ", time);
    }
    if (mine) {
      const status = document.createElement("span");
      status.className = "live-status";
      meta.append(" ", status);
    }
    const body = document.createElement("p");
    body.className = "live-text";
    body.textContent = frame.text; // never innerHTML: a message is text, whatever it contains
    li.append(meta, body);
    return li;
  }

  insertInOrder(li, seq) {
    // Pending (unsent) items stay at the bottom; stored messages go in seq order above them.
    let before = null;
    for (const child of this.log.children) {
      const childSeq = Number(child.dataset.seq);
      if (child.dataset.pending === "true" || childSeq > seq) {
        before = child;
        break;
      }
    }
    this.log.insertBefore(li, before);
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  setStatus(li, status) {
    const span = li.querySelector(".live-status");
    if (!span) return;
    const words = {
      sending: this.t("sending", "Sending…"),
      sent: this.t("sent", "Sent"),
      read: this.t("read", "Read"),
    };
    li.dataset.status = status;
    span.textContent = `[${words[status]}]`;
  }

  renderPending() {
    for (const [clientId, item] of this.pending) {
      const li = this.renderMessage({ seq: "", client_id: clientId, text: item.text, sender: { role: this.role } }, true);
      li.dataset.pending = "true";
      item.node = li;
      this.log.append(li);
      this.setStatus(li, item.status === "sent" ? "sent" : "sending");
    }
  }

  alertNew(text) {
    const label = this.t("new_message", "New message");
    if (this.banner) {
      this.banner.textContent = text || label;
      this.banner.hidden = false;
      window.clearTimeout(this.bannerTimer);
      this.bannerTimer = window.setTimeout(() => {
        this.banner.hidden = true;
      }, 8000);
    }
    titleFlash.start(label);
  }

  showNotice(text) {
    if (!this.notice) return;
    this.notice.textContent = text;
    this.notice.hidden = false;
  }

  showClosed() {
    this.root.dataset.state = "closed";
    if (this.closedPanel) this.closedPanel.hidden = false;
    if (this.form) {
      const button = this.form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    }
    if (this.video) this.video.stop();
    this.stopped = true;
    if (this.socket) this.socket.close();
    this.setConnection("closed", this.t("state_closed", "Session ended"));
  }

  // --- sending --------------------------------------------------------------------------------

  messageFrame(clientId, text) {
    return { type: "chat.message", client_id: clientId, text };
  }

  bindCompose() {
    if (!this.form || !this.input) return;
    const saved = this.session && this.session.getItem(this.draftKey);
    if (saved && !this.input.value) this.input.value = saved;
    this.updateCounter();
    this.input.addEventListener("input", () => {
      if (this.session) this.session.setItem(this.draftKey, this.input.value);
      this.updateCounter();
      this.typing(true);
    });
    this.input.addEventListener("keydown", (event) => {
      // Ctrl/Cmd+Enter sends; Enter alone makes a new line (IME conversion uses Enter too).
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  updateCounter() {
    if (!this.counter) return;
    const left = 2000 - this.input.value.length;
    this.counter.textContent = `${this.t("characters_left", "Characters left")}: ${left}`;
  }

  submit() {
    const text = this.input.value;
    if (!text.trim()) {
      this.showNotice(this.t("text_length", "A message must be 1 to 2000 characters."));
      this.input.focus();
      return;
    }
    if (text.length > 2000) {
      this.showNotice(this.t("text_length", "A message must be 1 to 2000 characters."));
      this.input.focus();
      return;
    }
    if (this.state === "closed") return;
    const clientId = uuid4();
    const item = { text, status: "sending" };
    this.pending.set(clientId, item);
    this.savePending(); // kept before the box is cleared: a crash now loses nothing
    const li = this.renderMessage({ seq: "", client_id: clientId, text, sender: { role: this.role } }, true);
    li.dataset.pending = "true";
    item.node = li;
    this.log.append(li);
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.setStatus(li, "sending");
    this.input.value = "";
    if (this.session) this.session.removeItem(this.draftKey);
    this.updateCounter();
    if (this.notice) this.notice.hidden = true;
    this.typing(false);
    this.queue(this.messageFrame(clientId, text));
  }

  typing(active) {
    window.clearTimeout(this.typingTimer);
    if (active) {
      this.typingTimer = window.setTimeout(() => this.typing(false), TYPING_IDLE_MS);
    }
    if (this.typingActive === active) return;
    this.typingActive = active;
    this.sendNow({ type: "chat.typing", active });
  }

  maybeSendRead() {
    if (document.visibilityState !== "visible" || this.lastSeq <= this.sentRead) return;
    this.sentRead = this.lastSeq;
    this.queue({ type: "chat.read", seq: this.lastSeq });
  }

  loadPending() {
    const map = new Map();
    const raw = this.session && this.session.getItem(this.pendingKey);
    if (!raw) return map;
    try {
      for (const [clientId, item] of JSON.parse(raw)) {
        // After a reload an unconfirmed message is resent; the server keeps it once.
        map.set(clientId, { text: item.text, status: "sending" });
      }
    } catch (_err) {
      // A damaged entry is dropped rather than breaking the page.
    }
    return map;
  }

  savePending() {
    if (!this.session) return;
    const plain = Array.from(this.pending, ([clientId, item]) => [clientId, { text: item.text }]);
    if (plain.length) this.session.setItem(this.pendingKey, JSON.stringify(plain));
    else this.session.removeItem(this.pendingKey);
  }

  // --- controls -------------------------------------------------------------------------------

  bindTextSize() {
    const buttons = this.root.querySelectorAll("[data-text-size]");
    const apply = (size) => {
      const chosen = TEXT_SIZES.includes(size) ? size : "normal";
      this.root.dataset.textSize = chosen;
      for (const button of buttons) {
        button.setAttribute("aria-pressed", button.dataset.textSize === chosen ? "true" : "false");
      }
    };
    apply(this.local ? this.local.getItem(TEXT_SIZE_KEY) : "normal");
    for (const button of buttons) {
      button.addEventListener("click", () => {
        apply(button.dataset.textSize);
        if (this.local) this.local.setItem(TEXT_SIZE_KEY, button.dataset.textSize);
      });
    }
  }

  bindCanned() {
    for (const button of this.root.querySelectorAll("[data-canned]")) {
      button.addEventListener("click", () => {
        // A canned phrase goes into the box, so the operator can adjust it before sending.
        const text = button.dataset.canned || "";
        this.input.value = this.input.value ? `${this.input.value}\n${text}` : text;
        this.input.dispatchEvent(new Event("input"));
        this.input.focus();
      });
    }
  }
}

// --- sign-language video ------------------------------------------------------------------------
//
// The operator always makes the offer. Either side says {kind: "ready"} when its camera runs; the
// operator answers a customer's "ready" with a fresh offer, and the customer answers an operator's
// "ready" with its own "ready" (so whoever arrives second starts the call). ICE candidates that
// arrive before the remote description are queued.

class SignVideo {
  constructor(live) {
    this.live = live;
    this.root = live.root.querySelector("[data-live-video]");
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
        if (live.input) live.input.focus();
      });
    }
    this.setState("new");
    this.startCamera();
  }

  setState(state) {
    this.live.root.dataset.rtcState = state;
    const words = {
      new: this.live.t("rtc_new", "Video: waiting for the other person"),
      connecting: this.live.t("rtc_connecting", "Video: connecting…"),
      connected: this.live.t("rtc_connected", "Video: connected"),
      disconnected: this.live.t("rtc_disconnected", "Video: connection lost, trying again…"),
      failed: this.live.t("rtc_failed", "Video: could not connect. Written chat still works."),
      closed: this.live.t("rtc_closed", "Video: ended"),
    };
    if (this.status) this.status.textContent = words[state] || state;
  }

  async startCamera() {
    if (this.errorBox) this.errorBox.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.explain("unsupported");
      return;
    }
    try {
      // Video only: sign language needs motion, not sound. 640×480 frames the upper body.
      this.stream = await navigator.mediaDevices.getUserMedia({
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
    const t = (k, f) => this.live.t(k, f);
    const texts = {
      NotAllowedError: t(
        "camera_denied",
        "The camera is not allowed. Allow it with the camera icon next to the address bar, then press “Try the camera again”. You can write in the chat now.",
      ),
      NotFoundError: t("camera_missing", "No camera was found. Connect a camera, or use written chat."),
      NotReadableError: t(
        "camera_busy",
        "The camera is being used by another app. Close that app and try again, or use written chat.",
      ),
      unsupported: t("camera_unsupported", "This browser cannot show video. Please use written chat."),
    };
    if (this.errorBox) {
      this.errorBox.textContent = texts[name] || t("camera_other", "The camera could not start. Please use written chat, or try again.");
      this.errorBox.hidden = false;
    }
  }

  signal(payload) {
    this.live.sendNow({ type: "rtc.signal", payload });
  }

  onSocketOpen() {
    if (this.stream) this.signal({ kind: "ready" });
  }

  async onSignal(payload) {
    if (payload.kind === "ready") {
      if (!this.stream) return;
      if (this.live.side === "operator") await this.offer();
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
    const pc = new RTCPeerConnection({ iceServers: this.live.iceServers });
    this.pc = pc;
    pc.addEventListener("icecandidate", (event) => {
      if (event.candidate) this.signal({ kind: "candidate", candidate: event.candidate.toJSON() });
    });
    pc.addEventListener("track", (event) => {
      const [stream] = event.streams;
      this.remoteView.srcObject = stream || new MediaStream([event.track]);
    });
    pc.addEventListener("connectionstatechange", () => {
      if (this.pc !== pc) return;
      this.setState(pc.connectionState);
      if (pc.connectionState === "failed") {
        // Start again: the operator offers anew, the customer asks for it.
        if (this.live.side === "operator") this.offer();
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
      if (this.live.side === "operator") return; // the operator only offers
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

for (const root of document.querySelectorAll(".live-session")) {
  root.liveSession = new LiveSession(root);
}
