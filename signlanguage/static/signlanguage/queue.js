// Live talk-now queue: the customer's place (#queue-status) or the operators' list (#queue-list).
// Words come from the page (data-* attributes and the `queue-strings` JSON, translated by the
// server); content is set as text, never HTML. The operators' list is updated in place, keyed by
// session id (queue-list.js): focus on a row's button stays, each row says its mode in words and
// each button names the customer.
import { setReadingText } from "./furigana.js";
import { fill, reconcile, setText, waitText } from "./queue-list.js";

const status = document.getElementById("queue-status");
const list = document.getElementById("queue-list");
const count = document.getElementById("queue-count");
const anchor = status || count;
let delay = 1000;

function readStrings() {
  const node = document.getElementById("queue-strings");
  try {
    return node ? JSON.parse(node.textContent) : {};
  } catch (_err) {
    return {};
  }
}
const strings = readStrings();

function paragraph(text) {
  const p = document.createElement("p");
  setReadingText(p, text);
  return p;
}

// The customer's request. Waiting: the place and the wait, in place. Taken: into the
// conversation (the live session page). Anything else — closed at closing time, left in another
// tab — the page is loaded again and the server says what happened (signlanguage.booking.views.waiting).
let leaving = false;
// The customer's own "leave the queue" (or any form) is on its way: the frame its change sets off
// must not reload the page over that navigation.
document.addEventListener("submit", () => {
  leaving = true;
});

function showStatus(frame) {
  if (leaving) return;
  if (frame.state === "waiting") {
    status.replaceChildren(
      paragraph(fill(status.dataset.textPosition, frame)),
      paragraph(
        waitText(
          frame.estimated_wait_range_minutes,
          status.dataset.textWait,
          status.dataset.textWaitUnknown,
        ),
      ),
    );
    return;
  }
  leaving = true;
  if (frame.state === "active" && String(frame.session_id) === status.dataset.sessionId) {
    status.replaceChildren(paragraph(status.dataset.textTaken));
    document.title = status.dataset.textTaken;
    window.location.assign(status.dataset.liveUrl);
  } else {
    window.location.reload();
  }
}

// Closing time sends no frame of its own: ask again every minute (the server closes a request
// still waiting after closing time when it answers).
const REFRESH_MS = 60000;

function rowText(item) {
  const mode = (strings.modes && strings.modes[item.mode]) || item.mode;
  return `${mode} — ${item.topic} — ${item.customer}`;
}

function buildRow(item) {
  const li = document.createElement("li");
  li.className = "card";
  const p = paragraph(rowText(item));
  p.dataset.queueText = "";
  li.appendChild(p);
  const form = document.createElement("form");
  form.method = "post";
  form.action = `/sessions/queue/${item.session_id}/take/`;
  const csrf = document.createElement("input");
  csrf.type = "hidden";
  csrf.name = "csrfmiddlewaretoken";
  csrf.value = list.dataset.csrf;
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "button-primary";
  button.textContent = fill(strings.take, { name: item.customer });
  form.append(csrf, button);
  li.appendChild(form);
  return li;
}

function updateRow(li, item) {
  setText(li.querySelector("[data-queue-text]"), rowText(item));
  setText(li.querySelector("button"), fill(strings.take, { name: item.customer }));
}

function showList(frame) {
  setText(count, fill(count.dataset.textCount, { count: frame.waiting.length }));
  reconcile(
    list,
    frame.waiting.map((item) => [item.session_id, item]),
    { build: buildRow, update: updateRow, fallback: document.getElementById("main") },
  );
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + window.location.host + anchor.dataset.ws);
  let refresher = null;
  socket.onopen = () => {
    delay = 1000;
    if (status) {
      refresher = window.setInterval(() => socket.send(JSON.stringify({ type: "refresh" })), REFRESH_MS);
    }
  };
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "queue.status" && status) showStatus(frame);
    if (frame.type === "queue.list" && list) showList(frame);
  };
  socket.onclose = (event) => {
    if (refresher !== null) window.clearInterval(refresher);
    if (event.code === 4401) {
      if (status) status.replaceChildren(paragraph(status.dataset.textOffline));
      return;
    }
    window.setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  };
}

if (anchor) connect();
