// The waiting page's optional browser notification (issue 21 item 5): only after the customer
// presses the button (the permission is never asked on load) and only when an operator takes
// the request, the browser shows one silent notification — useful when the tab is in the
// background. Nothing is sounded; the page itself still says it in words (queue.js).
// queue.js writes data-text-taken into #queue-status when the request is taken: this module
// watches for that, so the queue's own script stays as it is.

// Notification: the browser's constructor (or a fake in tests). Returns ask() → the permission
// state after asking ("granted", "denied", "default", "unsupported") and taken() → whether a
// notification was shown (once at most).
export function createTakenNotifier({ Notification, title, body }) {
  let wanted = false;
  let shown = false;
  return {
    supported() {
      return typeof Notification === "function";
    },
    async ask() {
      if (typeof Notification !== "function") return "unsupported";
      let state = Notification.permission;
      if (state === "default") state = await Notification.requestPermission();
      wanted = state === "granted";
      return state;
    },
    taken() {
      if (!wanted || shown || typeof Notification !== "function") return false;
      if (Notification.permission !== "granted") return false;
      shown = true;
      // silent: never a sound (docs/accessibility.md: nothing depends on sound, nothing sounds).
      new Notification(title, { body, silent: true, tag: "queue-taken" });
      return true;
    },
  };
}

function setUp() {
  const box = document.getElementById("browser-notify");
  const status = document.getElementById("queue-status");
  if (!box || !status) return;
  const notifier = createTakenNotifier({
    Notification: window.Notification,
    title: box.dataset.textTitle,
    body: box.dataset.textBody,
  });
  if (!notifier.supported() || window.Notification.permission === "denied") return;
  box.hidden = false;
  const button = box.querySelector("button");
  const said = box.querySelector("[data-notify-state]");
  button.addEventListener("click", async () => {
    const state = await notifier.ask();
    said.textContent = state === "granted" ? box.dataset.textOn : box.dataset.textOff;
    if (state === "granted") button.hidden = true;
  });
  const taken = status.dataset.textTaken;
  new MutationObserver(() => {
    if (taken && status.textContent.includes(taken)) notifier.taken();
  }).observe(status, { childList: true, subtree: true, characterData: true });
}

if (typeof document !== "undefined") setUp();
