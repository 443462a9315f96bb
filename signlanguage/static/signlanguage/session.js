// Live session client (docs/websocket.md): written chat and sign-language video over one websocket.
// Plain ES modules, no build step (docs/live-client.md). Every `.live-session` element on the
// page gets its own LiveSession, so the operator console can run several chats at once.
//
//   transport.js  the socket, reconnect back-off, outbox, pending messages resent with the same
//                 client_id, `sync` after every reconnect
//   store.js      stored messages by seq (each once), last contiguous seq, read marks
//   view.js       the DOM: messages as text, role="log", status lines, banner, title flash
//   video.js      WebRTC, signalled with `rtc.signal` frames
//   mesh.js       one peer connection per other participant (three-way video)
//   layout.js     the video layout: self-view hidden or moved, full screen with the chat
//
// Guarantees to the user: nothing typed is lost (drafts and unsent messages are kept in
// sessionStorage and resent with the same client_id after a reconnect), messages are rendered
// as text (textContent, never HTML), new messages are announced in a role="log" region and shown
// with a banner and a title flash — never a sound.

import { MessageStore } from "./store.js";
import { Transport } from "./transport.js";
import { SignVideo } from "./video.js";
import { VideoLayout } from "./layout.js";
import { PresenceView } from "./presence.js";
import { LiveView, MAX_LENGTH, createTitleFlash, probeStorage, readJson, translator } from "./view.js";

const TYPING_IDLE_MS = 4000;
// If the history the page promised (data-history-seq) has not all come after this long, the log
// stops being busy anyway (a message may have been removed by retention).
const HISTORY_WAIT_MS = 10000;
// While the session is open, a page that is seen (or whose video is connected) says so this often
// with a `heartbeat` frame: the server counts it as activity, so no one is signed out in the middle
// of a call (docs/websocket.md). Well under the shortest idle clock's quarter-minute touch.
const HEARTBEAT_MS = 20000;
// TURN credentials (`rtc.ice_servers`) are asked for again this long before they run out.
const ICE_RENEW_BEFORE_MS = 5 * 60 * 1000;
const MAX_TIMER_MS = 24 * 60 * 60 * 1000;
// The close code for "this session has ended" (access_support/consumers.py
// CLOSE_SESSION_CLOSED). Every other code after which the page stops reconnecting is one the
// page's strings explain: their key is `closed_<code>` (signlanguage.live.views.client_strings).
const SESSION_CLOSED = 4408;
// The close code for "you may not take part" (access_support/consumers.py): for a proxy, the
// member revoked or paused the grant while the page was open.
const FORBIDDEN = 4403;

export function finalCloseCodes(strings) {
  const codes = [SESSION_CLOSED];
  for (const key of Object.keys(strings)) {
    const match = /^closed_(\d+)$/.exec(key);
    if (match) codes.push(Number(match[1]));
  }
  return codes;
}

// Error codes (docs/websocket.md) whose explanation is one of the page's strings.
const ERROR_KEYS = {
  card_number_masked: "card_number_masked",
  text_length: "text_length",
  session_closed: "state_closed",
};

export class LiveSession {
  constructor(root, titleFlash) {
    const doc = root.ownerDocument;
    const win = doc.defaultView;
    this.root = root;
    this.doc = doc;
    this.win = win;
    this.sessionId = root.dataset.sessionId;
    this.role = root.dataset.role; // customer | proxy | operator
    this.side = this.role === "operator" ? "operator" : "customer";
    this.mode = root.dataset.mode;
    this.state = root.dataset.state;
    const strings = readJson(doc, root.dataset.stringsId, {});
    this.t = translator(strings);

    const session = probeStorage(win, "sessionStorage"); // null when disabled: memory only

    this.store = new MessageStore(this.role);
    this.view = new LiveView(root, {
      t: this.t,
      role: this.role,
      titleFlash,
      storage: session,
      local: probeStorage(win, "localStorage"),
      draftKey: `as.live.${this.sessionId}.draft`,
    });
    const scheme = win.location.protocol === "https:" ? "wss:" : "ws:";
    this.transport = new Transport({
      url: `${scheme}//${win.location.host}${root.dataset.wsPath}`,
      WebSocketImpl: win.WebSocket,
      timers: win,
      storage: session,
      pendingKey: `as.live.${this.sessionId}.pending`,
      finalCodes: finalCloseCodes(strings),
      lastSeq: () => this.store.lastSeq,
      onStatus: (state, code) => this.onConnection(state, code),
      onFrame: (frame) => this.handle(frame),
      onOpen: () => {
        this.transport.sendNow({ type: "presence" }); // who is here, and every change (presence.js)
        if (this.video) this.video.onSocketOpen();
      },
    });
    this.presence = new PresenceView(root, { t: this.t, role: this.role, win });
    this.typingActive = false;
    this.typingTimer = null;
    this.historyTimer = null;
    // The last seq stored when the server rendered the page: messages up to it are history, not
    // news (no banner, no title flash), and the log region is aria-busy until they are in.
    this.historySeq = Number(root.dataset.historySeq) || 0;

    this.view.bindCompose({ onInput: () => this.typing(true), onSubmit: (text) => this.submit(text) });
    this.view.bindTextSize();
    this.view.bindCanned();
    if (this.historySeq > 0 && this.state !== "closed") {
      this.view.setBusy(true);
      this.historyTimer = win.setTimeout(() => this.historyLoaded(), HISTORY_WAIT_MS);
    }
    for (const [clientId, item] of this.transport.pending) {
      this.view.addPending(clientId, item.text, item.status === "sent" ? "sent" : "sending");
    }
    doc.addEventListener("visibilitychange", () => this.maybeSendRead());
    win.addEventListener("focus", () => this.maybeSendRead());
    if (this.state === "closed") {
      this.showClosed();
      return;
    }
    const videoRoot = root.querySelector("[data-live-video]");
    if (this.mode === "sign_language" && videoRoot) {
      this.video = new SignVideo({
        root: videoRoot,
        panel: root,
        t: this.t,
        iceServers: readJson(doc, root.dataset.iceServersId, []),
        side: this.side,
        role: this.role,
        offBy: root.dataset.videoOffBy || "", // switched to written chat (issue 26 item 11)
        send: (frame) => this.transport.sendNow(frame),
        onUseChat: () => {
          if (this.view.input) this.view.input.focus();
        },
      });
      this.layout = new VideoLayout({ root, doc, win, storage: probeStorage(win, "localStorage") });
      // Leaving or reloading: the others drop our connections now, not after ICE gives up.
      win.addEventListener("pagehide", () => this.video.leaving());
    }
    this.transport.connect();
    this.heartbeatTimer = win.setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  // The current socket (the browser tests close it to simulate a dropped connection).
  get socket() {
    return this.transport.socket;
  }

  onConnection(state, code) {
    if (state === "connecting") this.view.setConnection("connecting", "connecting");
    else if (state === "open") this.view.setConnection("open", "connected");
    else if (state === "reconnecting") this.view.setConnection("reconnecting", "reconnecting");
    else if (state === "stopped" && code === SESSION_CLOSED) {
      this.state = "closed";
      this.showClosed();
    } else if (state === "stopped" && code === FORBIDDEN) {
      // No longer allowed (a proxy whose grant was revoked or paused, docs/live-client.md):
      // say why, stop the compose box, and drop the "acting for" banner, which no longer holds.
      const key = this.role === "proxy" ? "closed_4403_proxy" : "closed_4403";
      this.view.setConnection("stopped", "closed_4403");
      this.view.disableCompose(this.t(key));
      if (this.video) this.video.stop();
      for (const banner of this.doc.querySelectorAll(".acting-banner")) banner.hidden = true;
    } else if (state === "stopped") {
      this.view.setConnection("stopped", `closed_${code}`);
      this.view.showNotice(this.t(`closed_${code}`));
    }
  }

  // --- frames from the server -----------------------------------------------------------

  handle(frame) {
    switch (frame.type) {
      case "chat.message":
        this.onMessage(frame);
        break;
      case "chat.ack":
        if (this.transport.pending.acknowledge(frame.client_id, frame.seq)) {
          this.view.markSent(frame.client_id);
        }
        break;
      case "chat.typing":
        if (frame.role !== this.role) this.view.showTyping(frame.role, frame.active);
        break;
      case "chat.read": {
        const seqs = this.store.markRead(frame);
        if (seqs) this.view.markRead(seqs);
        break;
      }
      case "session.state":
        this.onState(frame.state);
        break;
      case "rtc.signal":
        if (this.video) this.video.onSignal(frame.payload || {}, frame.from);
        break;
      case "rtc.peers": // who we are in the video, and whom we may call (mesh.js)
        if (this.video) this.video.onPeers(frame);
        break;
      case "rtc.ice_servers":
        this.onIceServers(frame);
        break;
      case "presence": // who else is connected, reconnecting or gone (presence.js)
        this.presence.show(frame);
        break;
      case "mode": // written chat instead of video, or back (docs/websocket.md)
        if (this.video) this.video.onMode(frame);
        break;
      case "error":
        this.view.showNotice(ERROR_KEYS[frame.code] ? this.t(ERROR_KEYS[frame.code]) : frame.message || frame.code);
        break;
      default:
        break;
    }
  }

  onMessage(frame) {
    const placed = this.store.add(frame); // null: a duplicate, dropped
    if (!placed) return;
    if (frame.client_id) this.transport.pending.remove(frame.client_id);
    const li = this.view.insertStored(frame, placed);
    const history = placed.seq <= this.historySeq;
    if (placed.seq >= this.historySeq || this.store.lastSeq >= this.historySeq) this.historyLoaded();
    if (placed.mine) {
      this.view.setStatus(li, this.store.isRead(placed.seq) ? "read" : "sent");
    } else {
      if (!history) this.view.alertNew();
      this.maybeSendRead();
    }
  }

  // The history is in: from now on the log region announces what is added.
  historyLoaded() {
    if (this.historyTimer === null) return;
    this.win.clearTimeout(this.historyTimer);
    this.historyTimer = null;
    this.view.setBusy(false);
  }

  onState(state) {
    const previous = this.state;
    this.state = state;
    this.view.setState(state);
    if (state === "active" && previous === "waiting" && this.side === "customer") {
      this.view.alertNew(this.t("operator_joined"));
    }
    if (state === "closed") this.showClosed();
  }

  // This participant's TURN credentials, which end with the session: the next peer connection
  // uses them; asked for again before they run out (a reconnect brings fresh ones too).
  onIceServers(frame) {
    if (this.video && Array.isArray(frame.ice_servers)) this.video.iceServers = frame.ice_servers;
    this.win.clearTimeout(this.iceTimer);
    const left = Date.parse(frame.expires_at) - Date.now();
    if (!(left > 0)) return;
    const wait = Math.min(Math.max(left - ICE_RENEW_BEFORE_MS, left / 2), MAX_TIMER_MS);
    this.iceTimer = this.win.setTimeout(() => this.transport.sendNow({ type: "rtc.ice_servers" }), wait);
  }

  // Someone whose live session is open and on screen, or whose video runs, is not idle.
  heartbeat() {
    if (this.state === "closed" || this.transport.stopped) return;
    const seen = this.doc.visibilityState === "visible";
    if (seen || this.root.dataset.rtcState === "connected") this.transport.sendNow({ type: "heartbeat" });
  }

  showClosed() {
    this.win.clearInterval(this.heartbeatTimer);
    this.win.clearTimeout(this.iceTimer);
    this.view.showClosed();
    if (this.video) this.video.stop();
    this.transport.stop();
  }

  // --- sending --------------------------------------------------------------------------------

  submit(text) {
    if (!text.trim() || text.length > MAX_LENGTH) {
      this.view.rejectText();
      return;
    }
    if (this.state === "closed" || this.transport.stopped) return;
    const [clientId] = this.transport.sendMessage(text); // stored before the box is cleared
    this.view.addPending(clientId, text, "sending");
    this.view.scrollToEnd();
    this.view.clearCompose();
    this.typing(false);
  }

  typing(active) {
    this.win.clearTimeout(this.typingTimer);
    if (active) {
      this.typingTimer = this.win.setTimeout(() => this.typing(false), TYPING_IDLE_MS);
    }
    if (this.typingActive === active) return;
    this.typingActive = active;
    this.transport.sendNow({ type: "chat.typing", active });
  }

  maybeSendRead() {
    if (this.doc.visibilityState !== "visible") return;
    const seq = this.store.takeReadMark();
    if (seq !== null) this.transport.queue({ type: "chat.read", seq });
  }
}

if (typeof document !== "undefined") {
  const titleFlash = createTitleFlash(document, window);
  for (const root of document.querySelectorAll(".live-session")) {
    root.liveSession = new LiveSession(root, titleFlash);
  }
}
