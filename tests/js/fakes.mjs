// Test doubles for the live client's modules: a WebSocket the test opens, feeds and drops; a
// clock whose timers run only when the test advances it; an in-memory Web Storage; just
// enough DOM for view.js (createElement, append, insertBefore, remove, querySelector); and the
// page session.js starts on.

export class FakeWebSocket {
  static OPEN = 1;
  static instances = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.listeners = {};
    FakeWebSocket.instances.push(this);
  }

  static reset() {
    FakeWebSocket.instances = [];
  }

  static get last() {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  addEventListener(type, listener) {
    (this.listeners[type] ||= []).push(listener);
  }

  emit(type, event = {}) {
    for (const listener of this.listeners[type] || []) listener(event);
  }

  send(data) {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data));
  }

  // Test side: the server accepts, sends a frame, or the connection ends.
  open() {
    this.readyState = 1;
    this.emit("open");
  }

  receive(frame) {
    this.emit("message", { data: JSON.stringify(frame) });
  }

  drop(code = 1006) {
    this.readyState = 3;
    this.emit("close", { code });
  }

  close(code = 1005) {
    if (this.readyState === 3) return;
    this.drop(code);
  }
}

export class FakeClock {
  constructor() {
    this.now = 0;
    this.nextId = 1;
    this.tasks = new Map(); // id -> {at, fn, every}
    this.delays = []; // every setTimeout delay asked for, in order
  }

  setTimeout(fn, ms = 0) {
    const id = this.nextId++;
    this.delays.push(ms);
    this.tasks.set(id, { at: this.now + ms, fn, every: null });
    return id;
  }

  setInterval(fn, ms) {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.now + ms, fn, every: ms });
    return id;
  }

  clearTimeout(id) {
    this.tasks.delete(id);
  }

  clearInterval(id) {
    this.tasks.delete(id);
  }

  pendingTimeouts() {
    return Array.from(this.tasks.values()).filter((task) => task.every === null).length;
  }

  // Runs every timer due within the next `ms`, in time order.
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      let dueId = null;
      let due = null;
      for (const [id, task] of this.tasks) {
        if (task.at <= end && (due === null || task.at < due.at)) {
          dueId = id;
          due = task;
        }
      }
      if (due === null) break;
      this.now = due.at;
      if (due.every === null) this.tasks.delete(dueId);
      else due.at += due.every;
      due.fn();
    }
    this.now = end;
  }
}

export class MemoryStorage {
  constructor() {
    this.map = new Map();
  }

  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }

  setItem(key, value) {
    this.map.set(key, String(value));
  }

  removeItem(key) {
    this.map.delete(key);
  }
}

class FakeElement {
  constructor(doc, tag) {
    this.ownerDocument = doc;
    this.tagName = tag.toUpperCase();
    this.children = [];
    this.parent = null;
    this.dataset = {};
    this.className = "";
    this.hidden = false;
    this.text = "";
    this.scrollTop = 0;
    this.scrollHeight = 0;
    this.attributes = {};
  }

  get textContent() {
    return this.text + this.children.map((child) => child.textContent).join("");
  }

  set textContent(value) {
    this.children = [];
    this.text = String(value);
  }

  append(...nodes) {
    for (const node of nodes) {
      if (typeof node === "string") this.text += node;
      else this.insertBefore(node, null);
    }
  }

  insertBefore(node, ref) {
    if (node.parent) node.remove();
    const index = ref ? this.children.indexOf(ref) : -1;
    if (ref && index < 0) throw new Error("insertBefore: reference is not a child");
    node.parent = this;
    if (index < 0) this.children.push(node);
    else this.children.splice(index, 0, node);
    return node;
  }

  get nextElementSibling() {
    if (!this.parent) return null;
    return this.parent.children[this.parent.children.indexOf(this) + 1] || null;
  }

  remove() {
    if (!this.parent) return;
    this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }

  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }

  // Only what view.js asks for: "tag", ".class" and "[data-name]".
  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }

  querySelectorAll(selector) {
    const found = [];
    const visit = (node) => {
      for (const child of node.children) {
        if (matches(child, selector)) found.push(child);
        visit(child);
      }
    };
    visit(this);
    return found;
  }

  addEventListener() {}
}

function matches(node, selector) {
  if (/^[a-z]+$/.test(selector)) return node.tagName === selector.toUpperCase();
  const typed = /^([a-z]+)\[([a-z]+)=([a-z]+)\]$/.exec(selector); // "button[type=submit]"
  if (typed) {
    const [, tag, name, value] = typed;
    return node.tagName === tag.toUpperCase() && (node[name] ?? node.attributes[name]) === value;
  }
  if (selector.startsWith(".")) return node.className.split(" ").includes(selector.slice(1));
  const data = /^\[data-([a-z-]+)\]$/.exec(selector);
  if (data) {
    const key = data[1].replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
    return key in node.dataset;
  }
  return false;
}

export function fakeDocument(clock = new FakeClock()) {
  const doc = {
    title: "page",
    visibilityState: "visible",
    documentElement: { lang: "en" },
    defaultView: {
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (id) => clock.clearTimeout(id),
      setInterval: (fn, ms) => clock.setInterval(fn, ms),
      clearInterval: (id) => clock.clearInterval(id),
      performance: { now: () => clock.now },
      addEventListener() {},
    },
    createElement: (tag) => new FakeElement(doc, tag),
    hasFocus: () => true,
    addEventListener() {},
  };
  return doc;
}

// A .live-session root holding the log (<ol data-live-log>) and the connection status line.
export function fakePanel() {
  const doc = fakeDocument();
  const root = doc.createElement("section");
  const log = doc.createElement("ol");
  log.dataset.liveLog = "";
  const status = doc.createElement("span");
  status.dataset.liveConnection = "";
  root.append(log, status);
  return { doc, root, log, status };
}

// The page a LiveSession (session.js) starts on: the document, whose timers run on `clock`, with
// the page's `strings` in #client-strings, `found[selector]` for document.querySelectorAll, a
// location, FakeWebSocket and in-memory storages; and its .live-session root, with the data
// attributes of a customer's active written chat (session 7; `dataset` overrides them), holding
// the log (<ol data-live-log>) and, unless `connection` is false, the connection status line.
// More controls can be appended to `root` before the session is made.
export function fakeLivePage({ strings = {}, dataset = {}, found = {}, connection = true } = {}) {
  const clock = new FakeClock();
  const doc = fakeDocument(clock);
  const stringsNode = { textContent: JSON.stringify(strings) };
  doc.getElementById = (id) => (id === "client-strings" ? stringsNode : null);
  doc.querySelectorAll = (selector) => found[selector] || [];
  Object.assign(doc.defaultView, {
    location: { protocol: "http:", host: "testserver" },
    WebSocket: FakeWebSocket,
    sessionStorage: new MemoryStorage(),
    localStorage: new MemoryStorage(),
  });
  const root = doc.createElement("section");
  const sessionId = dataset.sessionId || "7";
  Object.assign(root.dataset, {
    sessionId,
    role: "customer",
    mode: "written_chat",
    state: "active",
    wsPath: `/ws/sessions/${sessionId}/`,
    stringsId: "client-strings",
    historySeq: "0",
    ...dataset,
  });
  const log = doc.createElement("ol");
  log.dataset.liveLog = "";
  root.append(log);
  let status = null;
  if (connection) {
    status = doc.createElement("span");
    status.dataset.liveConnection = "";
    root.append(status);
  }
  return { doc, clock, root, log, connection: status };
}

// Just enough of RTCPeerConnection for mesh.js's perfect negotiation: the signalling states
// (an offer set on a page that has its own offer out rolls that one back, as Chromium's implicit
// rollback does), `negotiationneeded` after addTrack while stable, one ICE candidate after each
// local description, and "connected" plus a `track` once both descriptions are in. Counts what
// the tests check: descriptions made, rollbacks, whether it was closed.
export class FakePeerConnection {
  static all = [];
  static made = 0;

  constructor(config) {
    this.config = config;
    this.listeners = {};
    this.signalingState = "stable";
    this.connectionState = "new";
    this.localDescription = null;
    this.remoteDescription = null;
    this.senders = [];
    this.candidates = [];
    this.closed = false;
    this.rollbacks = 0;
    this.restarts = 0;
    this.tracked = false;
    this.name = `pc${++FakePeerConnection.made}`;
    FakePeerConnection.all.push(this);
  }

  static reset() {
    FakePeerConnection.all = [];
  }

  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }

  emit(type, event = {}) {
    for (const fn of this.listeners[type] || []) fn(event);
  }

  addTrack(track) {
    this.senders.push({ track });
    this.needNegotiation();
  }

  getSenders() {
    return this.senders;
  }

  needNegotiation() {
    if (this.negotiationQueued) return;
    this.negotiationQueued = true;
    setTimeout(() => {
      this.negotiationQueued = false;
      if (!this.closed && this.signalingState === "stable") this.emit("negotiationneeded");
    }, 0);
  }

  restartIce() {
    this.restarts += 1;
    this.needNegotiation();
  }

  check() {
    if (this.closed) throw Object.assign(new Error("closed"), { name: "InvalidStateError" });
  }

  async setLocalDescription() {
    await null;
    this.check();
    if (this.signalingState === "have-remote-offer") {
      this.localDescription = { type: "answer", sdp: `answer from ${this.name}` };
      this.signalingState = "stable";
      this.settle();
    } else {
      this.localDescription = { type: "offer", sdp: `offer from ${this.name}` };
      this.signalingState = "have-local-offer";
    }
    const candidate = { candidate: `candidate of ${this.name}` };
    this.emit("icecandidate", { candidate: { ...candidate, toJSON: () => candidate } });
  }

  async setRemoteDescription(description) {
    await null;
    this.check();
    if (description.type === "offer") {
      if (this.signalingState === "have-local-offer") {
        this.rollbacks += 1;
        this.localDescription = null;
      }
      this.remoteDescription = description;
      this.signalingState = "have-remote-offer";
      return;
    }
    if (this.signalingState !== "have-local-offer") {
      throw Object.assign(new Error("answer in stable"), { name: "InvalidStateError" });
    }
    this.remoteDescription = description;
    this.signalingState = "stable";
    this.settle();
  }

  async addIceCandidate(candidate) {
    await null;
    this.check();
    if (!this.remoteDescription) throw Object.assign(new Error("no remote description"), { name: "InvalidStateError" });
    this.candidates.push(candidate);
  }

  settle() {
    if (!this.tracked) {
      this.tracked = true;
      this.emit("track", { streams: [{ id: `stream to ${this.name}` }], track: { kind: "video" } });
    }
    if (this.connectionState !== "connected") {
      this.connectionState = "connected";
      this.emit("connectionstatechange");
    }
  }

  // Test side: the network under the connection changes state.
  emitState(state) {
    this.connectionState = state;
    this.emit("connectionstatechange");
  }

  close() {
    this.closed = true;
    this.signalingState = "closed";
    this.connectionState = "closed";
  }
}

// The server's relay of addressed `rtc.signal` frames (docs/websocket.md) between PeerMesh
// pages, in order, one message per turn of the event loop: `to` reaches that participant's
// attached pages only.
export class FakeSignalRelay {
  constructor() {
    this.pages = new Map(); // participant id -> [mesh]
    this.queue = [];
    this.sent = [];
    this.down = null; // a participant whose socket is down: nothing reaches it
  }

  attach(id, mesh) {
    (this.pages.get(id) || this.pages.set(id, []).get(id)).push(mesh);
  }

  detach(id, mesh) {
    this.pages.set(id, (this.pages.get(id) || []).filter((m) => m !== mesh));
  }

  send(from, to, payload) {
    this.sent.push({ from, to, payload });
    if (this.down === to) return; // that page's socket is down: what is sent to it is lost
    this.queue.push({ from, to, payload: JSON.parse(JSON.stringify(payload)) });
    setTimeout(() => this.deliver(), 0);
  }

  deliver() {
    const message = this.queue.shift();
    if (!message) return;
    for (const mesh of this.pages.get(message.to) || []) mesh.onSignal(message.from, message.payload);
  }

  // Until nothing more is in flight (timers, promises).
  async settle(turns = 200) {
    for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
