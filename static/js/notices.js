// The header's unread count, live (issue 21 item 5; docs/websocket.md "Notices"): one socket per
// signed-in page to /ws/notices/. A new notice updates the count in the menu and is said once in
// the polite live region (#notices-live), never by sound and never by moving focus. Words come
// from the page (data-text, data-text-new, translated by the server); text is set, never HTML.
// The count the server drew stays as drawn (with its furigana) until it changes.
(function () {
  "use strict";
  var count = document.querySelector("[data-unread-count]");
  var live = document.getElementById("notices-live");
  if (!count || !live || !("WebSocket" in window)) { return; }
  var delay = 1000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function show(frame) {
    var n = Number(frame.count) || 0;
    if (String(n) !== count.dataset.unreadCount) {
      count.dataset.unreadCount = String(n);
      count.textContent = fill(count.dataset.text, { count: n });
      count.hidden = n === 0;
    }
    if (frame.latest) {
      // Emptied first, so the same sentence twice is still announced.
      live.textContent = "";
      window.setTimeout(function () {
        live.textContent = fill(live.dataset.textNew, { text: frame.latest });
      }, 100);
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/notices/");
    socket.onopen = function () {
      delay = 1000;
      count.dataset.live = "open";  // the count follows the server from now on
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (_err) { return; }
      if (frame.type === "notices.unread") { show(frame); }
    };
    socket.onclose = function (event) {
      count.dataset.live = "closed";
      // Signed out, or the session ended: the page says so itself (the idle dialog).
      if (event.code === 4401 || event.code === 4403) { return; }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
