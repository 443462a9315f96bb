// Layout for signing (issue 22 item 1, docs/live-client.md): the self-view inset can be hidden
// (a toggle button with aria-pressed) or moved to another corner, and "Full screen" takes the
// element holding the video *and* the chat (.live-body), so the chat stays reachable; Esc or the
// same button leaves. Without the Fullscreen API (iPhone Safari) the same layout is a fixed layer
// over the page. Labels are the page's (rendered in its language); nothing here makes a sound.

const CORNERS = ["bottom-right", "bottom-left", "top-left", "top-right"];
const SELF_HIDDEN_KEY = "as.live.selfHidden";

export function nextCorner(corner) {
  const index = CORNERS.indexOf(corner);
  return CORNERS[(index + 1) % CORNERS.length];
}

export class VideoLayout {
  constructor({ root, doc, win, storage }) {
    this.root = root;
    this.doc = doc;
    this.win = win;
    this.storage = storage || null;
    this.body = root.querySelector(".live-body") || root;
    this.selfView = root.querySelector("[data-live-self-view]");
    this.hideButton = root.querySelector("[data-live-self-hide]");
    this.moveButton = root.querySelector("[data-live-self-move]");
    this.fullButton = root.querySelector("[data-live-fullscreen]");
    this.pseudo = false;

    if (this.hideButton && this.selfView) {
      this.hideButton.addEventListener("click", () => this.setSelfHidden(!this.selfView.hidden));
      if (this.storage && this.storage.getItem(SELF_HIDDEN_KEY) === "1") this.setSelfHidden(true);
    }
    if (this.moveButton && this.selfView) {
      this.moveButton.addEventListener("click", () => {
        this.selfView.dataset.corner = nextCorner(this.selfView.dataset.corner);
      });
    }
    if (this.fullButton) {
      this.fullButton.addEventListener("click", () => this.toggleFullscreen());
      doc.addEventListener("fullscreenchange", () => this.sync());
      doc.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && this.active()) this.leaveFullscreen();
      });
    }
  }

  setSelfHidden(hidden) {
    this.selfView.hidden = hidden;
    this.hideButton.setAttribute("aria-pressed", hidden ? "true" : "false");
    if (this.moveButton) this.moveButton.disabled = hidden;
    if (this.storage) {
      try {
        this.storage.setItem(SELF_HIDDEN_KEY, hidden ? "1" : "0");
      } catch (_err) {
        // storage full or refused: the choice holds for this page only
      }
    }
  }

  active() {
    return this.pseudo || this.doc.fullscreenElement === this.body;
  }

  toggleFullscreen() {
    if (this.active()) this.leaveFullscreen();
    else this.enterFullscreen();
  }

  enterFullscreen() {
    const request = this.body.requestFullscreen;
    if (typeof request === "function") {
      Promise.resolve()
        .then(() => request.call(this.body, { navigationUI: "hide" }))
        .catch(() => this.setPseudo(true));
    } else {
      this.setPseudo(true);
    }
  }

  leaveFullscreen() {
    if (this.pseudo) this.setPseudo(false);
    if (this.doc.fullscreenElement && typeof this.doc.exitFullscreen === "function") {
      this.doc.exitFullscreen().catch(() => this.sync());
    }
  }

  setPseudo(on) {
    this.pseudo = on;
    if (on) this.body.dataset.pseudo = "";
    else delete this.body.dataset.pseudo;
    this.sync();
  }

  // The class and aria-pressed follow the real state (Esc handled by the browser included);
  // focus stays on the button, which is inside the full-screen element.
  sync() {
    const on = this.active();
    this.body.classList.toggle("live-fullscreen", on);
    this.root.dataset.fullscreen = on ? "true" : "false";
    this.fullButton.setAttribute("aria-pressed", on ? "true" : "false");
  }
}
