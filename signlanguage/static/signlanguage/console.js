// Operator console: take a waiting request (POST /api/v1/queue/<id>/take) and keep the waiting
// list fresh. The queue socket (/ws/queue/) says when the queue changes; the list is then re-read
// from the server (and every 15 seconds anyway, in case the socket is down) and updated in
// place. Focus never moves.
import { reconcile, setText } from "./queue-list.js";

const REFRESH_MS = 15000;

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function bindTake(root) {
  for (const button of root.querySelectorAll("[data-take-url]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      const notice = document.querySelector("[data-console-notice]");
      try {
        const response = await fetch(button.dataset.takeUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
          credentials: "same-origin",
          body: "{}",
        });
        if (response.ok) {
          window.location.assign(button.dataset.sessionUrl);
          return;
        }
        if (notice) {
          notice.textContent = response.status === 409
            ? (document.documentElement.lang === "en" ? "Another operator has taken this request." : "ほかのオペレーターが対応を始めました。")
            : (document.documentElement.lang === "en" ? "This could not be done. Please try again." : "できませんでした。もう一度お試しください。");
        }
      } finally {
        button.disabled = false;
      }
    });
  }
}

// Re-reads the page and updates the waiting list in place, keyed by session id
// (queue-list.js): a kept row is not re-created, so focus on its button stays. Nothing periodic
// is announced: the list is not a live region and no clock is written anywhere.
async function refreshQueue() {
  const list = document.querySelector("[data-console-waiting]");
  if (!list) return;
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.querySelector("[data-console-waiting]");
    if (!fresh) return;
    const rows = Array.from(fresh.querySelectorAll("li[data-session-id]"), (row) => [row.dataset.sessionId, row]);
    reconcile(list, rows, {
      build: (row) => {
        const node = document.importNode(row, true);
        bindTake(node);
        return node;
      },
      update: (row, freshRow) => {
        const button = row.querySelector("button");
        const freshButton = freshRow.querySelector("button");
        if (button && freshButton) setText(button, freshButton.textContent);
      },
      fallback: document.getElementById("main"),
    });
    list.hidden = rows.length === 0;
    const nobody = document.querySelector("[data-console-nobody]");
    if (nobody) nobody.hidden = rows.length > 0;
  } catch (_err) {
    // Offline for a moment: the next refresh tries again.
  }
}

// A session a colleague handed over to this operator (`session.handed_to_you`, issue 21 item 6):
// said in a polite status region that exists from page load (words written into a region already
// there are announced), with a link to the session; nothing is played, nothing takes focus.
const handed = document.createElement("div");
handed.setAttribute("role", "status");
handed.className = "console-handed";
handed.dataset.consoleHanded = "";
(document.querySelector("main h1") || document.querySelector("h1"))?.after(handed);

function showHandedOver(frame) {
  if (typeof frame.url !== "string" || !frame.url.startsWith("/sessions/")) return;
  const line = document.createElement("p");
  line.className = "notice";
  const link = document.createElement("a");
  link.href = frame.url;
  link.textContent = String(frame.link || "");
  line.append(`${String(frame.text || "")} `, link);
  handed.append(line);
}

function watchQueue(attempt = 0) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${window.location.host}/ws/queue/`);
  let first = true;
  socket.addEventListener("open", () => {
    attempt = 0;
  });
  socket.addEventListener("message", (event) => {
    let frame = {};
    try {
      frame = JSON.parse(event.data);
    } catch (_err) {
      frame = {};
    }
    if (frame.type === "session.handed_to_you") {
      showHandedOver(frame);
      refreshQueue();
      return;
    }
    if (first) {
      first = false; // the snapshot on connect: the page was just rendered
      return;
    }
    refreshQueue();
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401 || event.code === 4403) return;
    const delay = Math.min(30000, 1000 * 2 ** attempt);
    window.setTimeout(() => watchQueue(attempt + 1), delay);
  });
}

bindTake(document);
watchQueue();
window.setInterval(refreshQueue, REFRESH_MS);
