// Timeout warning (WCAG 2.2.1): before a signed-in page's idle clock runs out, a modal dialog
// takes focus, says in words how long is left (updated at most every 30 s, not a live region)
// and offers Extend (POST to the clock endpoint) or Sign out. When time runs out, the dialog says
// so plainly; what the user typed stays on the page and is put back after signing in again.
// The clocks come from the server (templates/components/idle_dialog.html); every sentence too.
// In a live session (a .live-session panel connected and not ended: signlanguage session.js) the
// warning never takes focus from someone typing or watching a call: a polite status line with
// Extend at the top of the panel instead of the dialog (issue 22 item 5). The session's socket
// keeps the server's clock running meanwhile, so the line rarely shows; once the session has
// ended the dialog is back.
(function () {
  "use strict";
  var dialog = document.getElementById("idle-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var data = dialog.dataset;
  var warnBefore = Number(data.warnBefore) * 1000;
  var text = document.getElementById("idle-text");
  var title = document.getElementById("idle-title");
  var error = dialog.querySelector("[data-idle-error]");
  var extendButton = dialog.querySelector("[data-idle-extend]");
  var waiting = dialog.querySelector("[data-idle-waiting]");
  var ended = dialog.querySelector("[data-idle-ended]");
  var csrf = dialog.querySelector("input[name=csrfmiddlewaretoken]");
  var logoutForm = waiting.querySelector("form");
  var DRAFTS = "idle-drafts:" + location.pathname + location.search;
  var statusBox = document.getElementById("idle-status");
  var statusText = statusBox ? statusBox.querySelector("[data-idle-status-text]") : null;
  var LIVE = '.live-session[data-connection]:not([data-state="closed"])' +
    ':not([data-connection="stopped"]):not([data-connection="closed"])';
  var shownAs = "dialog";  // how the current warning is shown: dialog | status
  var TEXT_TYPES = ["", "text", "email", "tel", "search", "url", "number"];
  var sessionEnd = 0;    // Date.now() milliseconds
  var actingEnd = null;  // null when not acting for a member
  var state = "idle";    // idle | warning | ended
  var timer = null;
  var ticker = null;
  var busy = false;
  var channel = "BroadcastChannel" in window ? new BroadcastChannel("idle-clock") : null;

  function earliest() {
    if (actingEnd !== null && actingEnd < sessionEnd) { return { end: actingEnd, kind: "acting" }; }
    return { end: sessionEnd, kind: "session" };
  }

  function setClock(sessionLeft, actingLeft, share) {
    var now = Date.now();
    sessionEnd = now + Number(sessionLeft) * 1000;
    actingEnd = actingLeft === null || actingLeft === undefined || actingLeft === ""
      ? null : now + Number(actingLeft) * 1000;
    if (share && channel) { channel.postMessage({ sessionEnd: sessionEnd, actingEnd: actingEnd }); }
    schedule();
  }

  // Before warning and at the end, ask the server: another tab, or a request this page made,
  // may have moved the clock. Reading the clock does not move it.
  function schedule() {
    clearTimeout(timer);
    if (state === "ended") { return; }
    var left = earliest().end - Date.now();
    if (left > warnBefore) {
      if (state === "warning") { closeWarning(); }
      timer = setTimeout(check, left - warnBefore);
    } else if (left > 0) {
      if (state !== "warning") { warn(); }
      timer = setTimeout(check, left);
    } else {
      finish(earliest().kind);
    }
  }

  function check() {
    fetch(data.clockUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { finish("session"); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer) {
          // Acting ended because its clock ran out (not because it was stopped in another tab).
          var actingRanOut = actingEnd !== null && actingEnd <= Date.now() + 1000;
          setClock(answer.seconds_left, answer.acting ? answer.acting.seconds_left : null, false);
          if (actingRanOut && !answer.acting && state !== "ended") { finish("acting"); }
        } else if (state !== "ended") {
          schedule();
        }
      })
      .catch(function () { schedule(); });  // offline: our own clock decides
  }

  function liveSession() {
    return statusBox ? document.querySelector(LIVE) : null;
  }

  function render() {
    var now = earliest();
    var left = Math.max(0, now.end - Date.now());
    var soon = left <= 60000;
    var template = now.kind === "acting"
      ? (soon ? data.textActingSoon : data.textActing)
      : (soon ? data.textSessionSoon : data.textSession);
    var sentence = template.replace("{minutes}", String(Math.ceil(left / 60000)));
    text.textContent = sentence;
    if (shownAs !== "status") { return; }
    if (!liveSession()) { warn(); return; }  // the session has ended: the usual dialog
    // A live region: rewritten only when the words change, so it is not read out every 30 s.
    if (statusText.textContent !== sentence) { statusText.textContent = sentence; }
  }

  function warn() {
    state = "warning";
    error.textContent = "";
    var live = liveSession();
    if (live) {
      shownAs = "status";
      var line = live.querySelector(".live-state-line");
      if (statusBox.parentNode !== live) {
        if (line && line.parentNode === live) { line.after(statusBox); } else { live.prepend(statusBox); }
      }
      statusText.textContent = "";
      statusBox.hidden = false;
      // Filled a moment after it is shown, so screen readers announce it (politely).
      setTimeout(render, 100);
    } else {
      shownAs = "dialog";
      if (statusBox) { statusBox.hidden = true; }
      render();
      if (!dialog.open) { dialog.showModal(); }
      extendButton.focus();
    }
    clearInterval(ticker);
    ticker = setInterval(render, 30000);
  }

  function closeWarning() {
    state = "idle";
    clearInterval(ticker);
    if (dialog.open) { dialog.close(); }
    if (statusBox) { statusBox.hidden = true; }
  }

  function extend() {
    if (busy) { return; }
    busy = true;
    error.textContent = "";
    fetch(data.clockUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json",
        "X-CSRFToken": csrf ? csrf.value : "" },
      body: "{}",
    })
      .then(function (response) {
        if (response.status === 401) { finish("session"); return null; }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (answer) {
        if (!answer) { return; }
        closeWarning();
        setClock(answer.seconds_left, answer.acting ? answer.acting.seconds_left : null, true);
      })
      .catch(function () {
        error.textContent = data.textFailed;
        if (shownAs === "status" && statusText) { statusText.textContent = data.textFailed; }
      })
      .then(function () { busy = false; });
  }

  function textFields() {
    return Array.prototype.filter.call(
      document.querySelectorAll("main input, main textarea"),
      function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken") { return false; }
        if (el.tagName === "TEXTAREA") { return true; }
        return TEXT_TYPES.indexOf((el.getAttribute("type") || "").toLowerCase()) !== -1;
      });
  }

  // Keep what was typed for this tab only (sessionStorage), to put back on this page after
  // signing in again; never passwords.
  function keepDrafts() {
    var drafts = [];
    textFields().forEach(function (el, index) {
      if (el.value) { drafts.push({ index: index, name: el.name, value: el.value }); }
    });
    try {
      if (drafts.length) { sessionStorage.setItem(DRAFTS, JSON.stringify(drafts)); }
    } catch (e) { /* storage refused: the text is still on the page */ }
  }

  function restoreDrafts() {
    var drafts;
    try {
      drafts = JSON.parse(sessionStorage.getItem(DRAFTS) || "null");
      sessionStorage.removeItem(DRAFTS);
    } catch (e) { return; }
    if (!drafts || !drafts.length) { return; }
    var fields = textFields();
    var restored = false;
    drafts.forEach(function (draft) {
      var el = fields[draft.index];
      if (el && el.name === draft.name && !el.value) { el.value = draft.value; restored = true; }
    });
    var main = document.querySelector("main");
    if (!restored || !main) { return; }
    var note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("role", "status");
    main.insertBefore(note, main.firstChild);
    setTimeout(function () { note.textContent = data.textRestored; }, 100);
  }

  function finish(kind) {
    if (state === "ended") { return; }
    state = "ended";
    if (statusBox) { statusBox.hidden = true; }
    clearTimeout(timer);
    clearInterval(ticker);
    keepDrafts();
    title.textContent = data.textEndedTitle;
    error.textContent = "";
    waiting.hidden = true;
    ended.hidden = false;
    var signIn = ended.querySelector("[data-idle-signin]");
    var again = ended.querySelector("[data-idle-continue]");
    if (kind === "acting") {
      text.textContent = data.textActingEnded;
      signIn.hidden = true;
      again.hidden = false;
    } else {
      text.textContent = data.textSignedOut;
      // The server's clock ends the session on its own; signing out now makes sure the page
      // and the server agree, whatever a slow clock says.
      fetch(logoutForm.action, { method: "POST", credentials: "same-origin",
        body: new FormData(logoutForm) }).catch(function () {});
    }
    if (!dialog.open) { dialog.showModal(); }
    (kind === "acting" ? again : signIn).focus();
  }

  extendButton.addEventListener("click", extend);
  if (statusBox) { statusBox.querySelector("[data-idle-status-extend]").addEventListener("click", extend); }
  ended.querySelector("[data-idle-close]").addEventListener("click", function () {
    dialog.close();
  });
  // Esc while warned means "I am still here": extend rather than leave the clock running.
  dialog.addEventListener("cancel", function (event) {
    if (state === "warning") { event.preventDefault(); extend(); }
  });
  if (channel) {
    channel.onmessage = function (event) {
      if (state === "ended" || !event.data || event.data.sessionEnd <= sessionEnd) { return; }
      sessionEnd = event.data.sessionEnd;
      actingEnd = event.data.actingEnd;
      schedule();
    };
  }
  // Timers sleep in a hidden tab; look again when it is shown.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && state !== "ended") { check(); }
  });

  restoreDrafts();
  setClock(data.sessionLeft, data.actingLeft, true);
}());
