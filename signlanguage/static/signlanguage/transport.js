// The live session's websocket (docs/websocket.md): connect, reconnect with back-off, resume.
//
// No DOM here: the WebSocket constructor, the timers, the random source and the storage are
// passed in, so tests/js/transport.test.mjs drives it with fakes.
//
// - The outbox is sent one frame per tick (at most 10 frames a second: well under the server's
//   20 per second), so a burst of resends after a reconnect does not trip the rate limit.
// - Messages the user sent are "pending" until their own `chat.message` comes back. They are kept
//   in storage (sessionStorage: a reload keeps them) and resent after every reconnect with the
//   same client_id — the server stores each client_id once and acknowledges it with the original
//   seq, so a resend never duplicates.
// - After every (re)connect the first frame is `sync` with the last contiguous seq the page has.
// - Frames sent at once (sendNow: signalling, typing) are held back, in order, when MAX_PER_SECOND
//   frames have gone in the last second: three-way video makes bursts of ICE candidates, and the
//   server closes a socket that sends more than 20 frames in a second (4429), losing them.

export const SEND_INTERVAL_MS = 100;
export const MAX_PER_SECOND = 16;
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 30000;

export function newClientId(cryptoImpl = globalThis.crypto) {
  if (cryptoImpl && typeof cryptoImpl.randomUUID === "function") return cryptoImpl.randomUUID();
  const bytes = new Uint8Array(16);
  cryptoImpl.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Exponential back-off with jitter: attempt n waits between half and all of
// min(max, base · 2^(n-1)) — 1 s, 2 s, 4 s … 30 s. reset() after a connection opens.
export class Backoff {
  constructor({ baseMs = BACKOFF_BASE_MS, maxMs = BACKOFF_MAX_MS, random = Math.random } = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.random = random;
    this.attempt = 0;
  }

  next() {
    this.attempt += 1;
    const base = Math.min(this.maxMs, this.baseMs * 2 ** (this.attempt - 1));
    return base / 2 + this.random() * (base / 2);
  }

  reset() {
    this.attempt = 0;
  }
}

// Messages sent but not yet seen stored: client_id -> {text, status: "sending" | "sent", seq?}.
export class PendingMessages {
  constructor(storage, key) {
    this.storage = storage;
    this.key = key;
    this.items = this.load();
  }

  load() {
    const map = new Map();
    const raw = this.storage && this.storage.getItem(this.key);
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

  save() {
    if (!this.storage) return;
    const plain = Array.from(this.items, ([clientId, item]) => [clientId, { text: item.text }]);
    if (plain.length) this.storage.setItem(this.key, JSON.stringify(plain));
    else this.storage.removeItem(this.key);
  }

  add(clientId, text) {
    const item = { text, status: "sending" };
    this.items.set(clientId, item);
    this.save(); // kept before the box is cleared: a crash now loses nothing
    return item;
  }

  get(clientId) {
    return this.items.get(clientId);
  }

  has(clientId) {
    return this.items.has(clientId);
  }

  acknowledge(clientId, seq) {
    const item = this.items.get(clientId);
    if (!item) return null;
    item.status = "sent";
    item.seq = seq;
    this.save();
    return item;
  }

  remove(clientId) {
    const item = this.items.get(clientId);
    if (!item) return null;
    this.items.delete(clientId);
    this.save();
    return item;
  }

  unsent() {
    return Array.from(this.items).filter(([, item]) => item.status === "sending");
  }

  [Symbol.iterator]() {
    return this.items[Symbol.iterator]();
  }
}

export function messageFrame(clientId, text) {
  return { type: "chat.message", client_id: clientId, text };
}

export class Transport {
  // url: the websocket URL. WebSocketImpl: the constructor (window.WebSocket in the page).
  // timers: {setTimeout, clearTimeout, setInterval, clearInterval}. finalCodes: close codes after
  // which reconnecting is pointless. lastSeq(): the last contiguous seq, for `sync`.
  // Callbacks: onStatus(state, code) with state connecting | open | reconnecting | stopped;
  // onFrame(frame); onOpen().
  constructor({
    url,
    WebSocketImpl,
    timers = globalThis,
    random = Math.random,
    storage = null,
    pendingKey = "as.live.pending",
    finalCodes = [],
    lastSeq = () => 0,
    newId = () => newClientId(),
    sendIntervalMs = SEND_INTERVAL_MS,
    now = null,
    onStatus = () => {},
    onFrame = () => {},
    onOpen = () => {},
  }) {
    this.url = url;
    this.WebSocketImpl = WebSocketImpl;
    this.timers = timers;
    this.backoff = new Backoff({ random });
    this.pending = new PendingMessages(storage, pendingKey);
    this.finalCodes = new Set(Array.from(finalCodes, Number));
    this.lastSeq = lastSeq;
    this.newId = newId;
    this.onStatus = onStatus;
    this.onFrame = onFrame;
    this.onOpen = onOpen;
    this.outbox = [];
    this.urgent = []; // sendNow frames held back by the rate, sent first and in order
    this.sentAt = []; // when the frames of the last second went
    // Milliseconds on the timers' own clock (the window's performance.now(); a test's fake).
    const perf = timers.performance;
    this.now = now || (perf && typeof perf.now === "function" ? () => perf.now() : () => Date.now());
    this.socket = null;
    this.stopped = false;
    this.reconnectTimer = null;
    this.flushTimer = timers.setInterval(() => this.flush(), sendIntervalMs);
  }

  get isOpen() {
    const open = this.WebSocketImpl.OPEN ?? 1;
    return Boolean(this.socket) && this.socket.readyState === open;
  }

  connect() {
    if (this.stopped) return;
    this.reconnectTimer = null;
    const socket = new this.WebSocketImpl(this.url);
    this.socket = socket;
    this.onStatus("connecting");
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      this.backoff.reset();
      this.onStatus("open");
      // Resume: ask for everything after the last contiguous seq, then resend what is unsent
      // with the same client_id (the server stores each client_id once).
      this.outbox = [];
      this.urgent = [];
      this.queue({ type: "sync", after_seq: this.lastSeq() });
      for (const [clientId, item] of this.pending.unsent()) {
        this.queue(messageFrame(clientId, item.text));
      }
      this.onOpen();
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_err) {
        return;
      }
      this.onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket === socket) this.closed(event.code);
    });
  }

  closed(code) {
    this.socket = null;
    if (this.stopped) return;
    if (this.finalCodes.has(code)) {
      this.stopped = true;
      this.onStatus("stopped", code);
      return;
    }
    // The typed text and the pending messages stay where they are.
    const delay = this.backoff.next();
    this.onStatus("reconnecting", code);
    this.reconnectTimer = this.timers.setTimeout(() => this.connect(), delay);
  }

  stop() {
    this.stopped = true;
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.socket) this.socket.close();
  }

  queue(frame) {
    this.outbox.push(frame);
  }

  // May one more frame go now without nearing the server's 20 a second?
  maysend() {
    const now = this.now();
    while (this.sentAt.length && now - this.sentAt[0] >= 1000) this.sentAt.shift();
    return this.sentAt.length < MAX_PER_SECOND;
  }

  write(frame) {
    this.sentAt.push(this.now());
    this.socket.send(JSON.stringify(frame));
  }

  flush() {
    if (!this.isOpen) return;
    while (this.urgent.length && this.maysend()) this.write(this.urgent.shift());
    if (this.outbox.length && this.maysend()) this.write(this.outbox.shift());
  }

  // For signalling and typing: small, time-sensitive, and not worth keeping across reconnects.
  sendNow(frame) {
    if (!this.isOpen) return;
    if (this.urgent.length || !this.maysend()) this.urgent.push(frame);
    else this.write(frame);
  }

  // A new chat message: kept as pending (and in storage) until it comes back stored.
  sendMessage(text) {
    const clientId = this.newId();
    const item = this.pending.add(clientId, text);
    this.queue(messageFrame(clientId, text));
    return [clientId, item];
  }
}
