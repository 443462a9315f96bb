// Everything the user sees of a live session: the messages in the role="log" region (as text,
// never HTML), the status lines, the banner and title flash for new messages (never a sound),
// the compose box, text size and canned phrases. Every word comes from the page's
// `client-strings` JSON (signlanguage.live.views.client_strings) through `t`.

const TEXT_SIZES = ["normal", "large", "x-large", "xx-large"];
const TEXT_SIZE_KEY = "as.chat.textSize";
export const MAX_LENGTH = 2000;

import { setReadingText } from "./furigana.js";

// Words for a key of the page's strings; the key itself if the page lacks it (a test checks
// that every key used here is in client_strings()).
export function translator(strings) {
  return (key) => (strings && strings[key]) || key;
}

export function readJson(doc, id, fallback) {
  const node = id ? doc.getElementById(id) : null;
  if (!node) return fallback;
  try {
    return JSON.parse(node.textContent);
  } catch (_err) {
    return fallback;
  }
}

// Kana or kanji: text people wrote in Japanese. On a page in another language it is marked
// lang="ja" (WCAG 3.1.2), so a screen reader reads it with a Japanese voice (the server marks the
// history it renders the same way: the `lang_attr` filter).
const JAPANESE_SCRIPT = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;

// "ja" for a text in Japanese script on a page in another language, else "" (the page's lang
// covers it).
export function partLanguage(text, pageLang) {
  const page = (pageLang || "ja").toLowerCase();
  return !page.startsWith("ja") && JAPANESE_SCRIPT.test(String(text || "")) ? "ja" : "";
}

export function probeStorage(win, kind) {
  try {
    const store = win[kind];
    const probe = "__as_probe__";
    store.setItem(probe, probe);
    store.removeItem(probe);
    return store;
  } catch (_err) {
    return null; // private mode or disabled: keep everything in memory only
  }
}

// Title flash shared by all panels on the page: one timer, stops when the user looks.
export function createTitleFlash(doc, win) {
  const flash = {
    original: doc.title,
    timer: null,
    label: "",
    start(label) {
      if (doc.visibilityState === "visible" && doc.hasFocus()) return;
      this.label = label;
      if (this.timer) return;
      let on = false;
      this.timer = win.setInterval(() => {
        on = !on;
        doc.title = on ? this.flagged() : this.original;
      }, 1500);
      doc.title = this.flagged();
    },
    // 【新着メッセージ】 on a Japanese page, ASCII brackets on an English one.
    flagged() {
      const lang = (doc.documentElement && doc.documentElement.lang) || "ja";
      return lang.startsWith("ja") ? `【${this.label}】 ${this.original}` : `[${this.label}] ${this.original}`;
    },
    stop() {
      if (this.timer) win.clearInterval(this.timer);
      this.timer = null;
      doc.title = this.original;
    },
  };
  win.addEventListener("focus", () => flash.stop());
  doc.addEventListener("visibilitychange", () => {
    if (doc.visibilityState === "visible") flash.stop();
  });
  return flash;
}

export class LiveView {
  constructor(root, { t, role, titleFlash, storage = null, local = null, draftKey = "" }) {
    this.root = root;
    this.doc = root.ownerDocument;
    this.win = this.doc.defaultView;
    this.t = t;
    this.role = role;
    this.titleFlash = titleFlash;
    this.storage = storage;
    this.local = local;
    this.draftKey = draftKey;

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

    this.nodes = new Map(); // seq -> <li> of a stored message
    this.pendingNodes = new Map(); // client_id -> <li> of a message not yet stored
    this.bannerTimer = null;
    this.remoteTypingTimer = null;
  }

  // --- status lines -------------------------------------------------------------------------

  // state: connecting | open | reconnecting | stopped | closed; text: the key's words.
  setConnection(state, key) {
    this.root.dataset.connection = state;
    if (this.connectionStatus) setReadingText(this.connectionStatus, this.t(key));
  }

  setState(state) {
    this.root.dataset.state = state;
    if (this.stateLabel) {
      const known = ["waiting", "active", "closed"];
      setReadingText(this.stateLabel, known.includes(state) ? this.t(`state_${state}`) : state);
    }
  }

  roleName(role) {
    return ["operator", "customer", "proxy"].includes(role) ? this.t(role) : "";
  }

  // The typing line is visible text, not a live region (the template gives it no aria-live): a
  // screen reader is not told "typing…" at every burst. Rewritten only when its words change.
  showTyping(role, active) {
    if (!this.typingStatus) return;
    this.win.clearTimeout(this.remoteTypingTimer);
    if (active) {
      const text = `${this.roleName(role === "operator" ? "operator" : "customer")}: ${this.t("typing")}`;
      setReadingText(this.typingStatus, text);
      // If the "stopped" frame is lost, do not show "typing" for ever.
      this.remoteTypingTimer = this.win.setTimeout(() => {
        this.typingStatus.textContent = "";
      }, 10000);
    } else {
      this.typingStatus.textContent = "";
    }
  }

  alertNew(text) {
    const label = this.t("new_message");
    if (this.banner) {
      setReadingText(this.banner, text || label);
      this.banner.hidden = false;
      this.win.clearTimeout(this.bannerTimer);
      this.bannerTimer = this.win.setTimeout(() => {
        this.banner.hidden = true;
      }, 8000);
    }
    this.titleFlash.start(label);
  }

  // The notice is an alert region that stays in the page, empty when there is nothing to say
  // (a region that appears from `hidden` is not announced by every screen reader).
  showNotice(text) {
    if (!this.notice) return;
    setReadingText(this.notice, text);
    this.notice.hidden = false;
  }

  hideNotice() {
    if (this.notice) this.notice.textContent = "";
  }

  // The session ended: the status line says so once (the state word and its separator go, the
  // live status keeps "Session ended"), and nothing more can be sent.
  showClosed() {
    this.root.dataset.state = "closed";
    if (this.closedPanel) this.closedPanel.hidden = false;
    if (this.form) {
      const button = this.form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    }
    if (this.stateLabel) this.stateLabel.hidden = true;
    const separator = this.root.querySelector("[data-live-separator]");
    if (separator) separator.hidden = true;
    this.setConnection("closed", "state_closed");
  }

  // The server refused this page for good (a revoked or paused proxy, 4403): the box and Send are
  // disabled, the reason is shown (role="alert") and said beside the box, and messages that were
  // still "sending" are marked as not sent. The typed text stays in the box, to be copied.
  disableCompose(text) {
    this.showNotice(text);
    if (this.form) {
      this.form.dataset.disabled = "true";
      const button = this.form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    }
    if (this.input) {
      this.input.disabled = true;
      if (this.notice && this.notice.id) {
        const described = this.input.getAttribute ? this.input.getAttribute("aria-describedby") : "";
        this.input.setAttribute("aria-describedby", `${this.notice.id} ${described || ""}`.trim());
      }
    }
    for (const li of this.pendingNodes.values()) this.setStatus(li, "not_sent");
  }

  // --- messages -------------------------------------------------------------------------------

  // aria-busy on the role="log" region while the history the page already had when it loaded
  // is being filled in: those messages are not news and must not be read out again.
  setBusy(busy) {
    const region = this.scroller;
    if (!region || !region.setAttribute) return;
    region.setAttribute("aria-busy", busy ? "true" : "false");
  }

  renderMessage(frame, mine) {
    const doc = this.doc;
    const li = doc.createElement("li");
    // A line of the service's own (the hand-over's "the operator is now …"): said by nobody.
    const system = !mine && (frame.sender || {}).role === "system";
    li.className = mine ? "live-message live-message-mine" : system ? "live-message live-message-system" : "live-message";
    li.dataset.seq = String(frame.seq);
    li.dataset.mine = mine ? "true" : "false";
    if (frame.client_id) li.dataset.clientId = frame.client_id;
    const meta = doc.createElement("p");
    meta.className = "live-meta";
    const who = doc.createElement("span");
    who.className = "live-sender";
    const sender = frame.sender || {};
    const pageLang = this.doc.documentElement.lang;
    const nameLang = mine || system ? "" : partLanguage(sender.name, pageLang);
    if (system) {
      setReadingText(who, this.t("system"));
    } else if (nameLang) {
      const name = doc.createElement("span");
      name.lang = nameLang;
      setReadingText(name, sender.name);
      const role = doc.createElement("span");
      role.textContent = ` (${this.roleName(sender.role)})`;
      who.append(name, role);
    } else {
      setReadingText(who, mine ? this.t("you") : `${sender.name || ""} (${this.roleName(sender.role)})`);
    }
    meta.append(who);
    // Always a <time>, empty while the message is unsent: when it is stored, only its text
    // changes (no element is added to the log, so nothing is announced a second time).
    const time = doc.createElement("time");
    meta.append(" ", time);
    this.setTime(time, frame.sent_at);
    if (mine) {
      const status = doc.createElement("span");
      status.className = "live-status";
      meta.append(" ", status);
    }
    const body = doc.createElement("p");
    body.className = "live-text";
    setReadingText(body, frame.text); // never innerHTML: a message is text, whatever it contains
    const textLang = partLanguage(frame.text, pageLang);
    if (textLang) body.lang = textLang;
    li.append(meta, body);
    return li;
  }

  setTime(time, sentAt) {
    if (!sentAt) return;
    time.dateTime = sentAt;
    const date = new Date(sentAt);
    time.textContent = Number.isNaN(date.getTime())
      ? ""
      : date.toLocaleTimeString(this.doc.documentElement.lang || "ja", {
          hour: "2-digit",
          minute: "2-digit",
          timeZone: "Asia/Tokyo", // the service's time, whatever the device says
        });
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // A stored message (store.add's answer): above the message with seq `before`, else above the
  // pending (unsent) ones, which stay at the bottom.
  // My own unsent message becomes the stored one in place (the same <li>, its seq and time
  // filled in): a screen reader hears it once, when it was written. It moves only if it is out of
  // order (another message was stored between).
  insertStored(frame, { seq, mine, before }) {
    const pendingNode = frame.client_id && this.pendingNodes.get(frame.client_id);
    if (pendingNode) this.pendingNodes.delete(frame.client_id);
    const next = before !== null ? this.nodes.get(before) : this.pendingNodes.values().next().value;
    let li;
    if (pendingNode) {
      li = pendingNode;
      li.dataset.seq = String(seq);
      delete li.dataset.pending;
      const time = li.querySelector("time");
      if (time) this.setTime(time, frame.sent_at);
      if (li !== next && li.nextElementSibling !== (next || null)) this.log.insertBefore(li, next || null);
    } else {
      li = this.renderMessage(frame, mine);
      this.log.insertBefore(li, next || null);
    }
    this.nodes.set(seq, li);
    this.scrollToEnd();
    return li;
  }

  addPending(clientId, text, status) {
    const li = this.renderMessage({ seq: "", client_id: clientId, text, sender: { role: this.role } }, true);
    li.dataset.pending = "true";
    this.pendingNodes.set(clientId, li);
    this.log.append(li);
    this.setStatus(li, status);
    return li;
  }

  markSent(clientId) {
    const li = this.pendingNodes.get(clientId);
    if (li) this.setStatus(li, "sent");
  }

  markRead(seqs) {
    for (const seq of seqs) {
      const li = this.nodes.get(seq);
      if (li) this.setStatus(li, "read");
    }
  }

  // status: sending | sent | read (the keys of the same name in the strings).
  setStatus(li, status) {
    const span = li.querySelector(".live-status");
    if (!span) return;
    li.dataset.status = status;
    setReadingText(span, `[${this.t(status)}]`);
  }

  // --- compose --------------------------------------------------------------------------------

  // onInput() after every edit, onSubmit(text) when Send or Ctrl/Cmd+Enter is pressed.
  bindCompose({ onInput, onSubmit }) {
    if (!this.form || !this.input) return;
    const saved = this.storage && this.storage.getItem(this.draftKey);
    if (saved && !this.input.value) this.input.value = saved;
    this.updateCounter();
    this.input.addEventListener("input", () => {
      if (this.storage) this.storage.setItem(this.draftKey, this.input.value);
      this.updateCounter();
      onInput();
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
      onSubmit(this.input.value);
    });
  }

  updateCounter() {
    if (!this.counter) return;
    const left = MAX_LENGTH - this.input.value.length;
    setReadingText(this.counter, `${this.t("characters_left")}: ${left}`);
  }

  rejectText() {
    this.showNotice(this.t("text_length"));
    this.input.focus();
  }

  clearCompose() {
    this.input.value = "";
    if (this.storage) this.storage.removeItem(this.draftKey);
    this.updateCounter();
    this.hideNotice();
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
        this.input.dispatchEvent(new this.win.Event("input"));
        this.input.focus();
      });
    }
  }
}
