// Live talk-now queue: the customer's place (#queue-status) or the operators' list (#queue-list).
// Text comes from data-* attributes (translated by the server); content is set as text, never HTML.
(function () {
  "use strict";
  var status = document.getElementById("queue-status");
  var list = document.getElementById("queue-list");
  var count = document.getElementById("queue-count");
  var anchor = status || count;
  if (!anchor) { return; }
  var delay = 1000;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }

  function paragraph(text) {
    var p = document.createElement("p");
    p.textContent = text;
    return p;
  }

  function showStatus(frame) {
    status.replaceChildren();
    if (frame.state === "waiting") {
      status.appendChild(paragraph(fill(status.dataset.textPosition, frame)));
      status.appendChild(paragraph(fill(status.dataset.textWait,
        { minutes: frame.estimated_wait_minutes })));
    } else if (frame.state === "active") {
      status.appendChild(paragraph(status.dataset.textTaken));
      document.title = status.dataset.textTaken;
    }
  }

  function showList(frame) {
    count.textContent = fill(count.dataset.textCount, { count: frame.waiting.length });
    list.replaceChildren();
    frame.waiting.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "card";
      li.appendChild(paragraph(item.topic + " — " + item.customer));
      var form = document.createElement("form");
      form.method = "post";
      form.action = "/sessions/queue/" + item.session_id + "/take/";
      var csrf = document.createElement("input");
      csrf.type = "hidden";
      csrf.name = "csrfmiddlewaretoken";
      csrf.value = list.dataset.csrf;
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "button-primary";
      button.textContent = list.dataset.takeLabel;
      form.appendChild(csrf);
      form.appendChild(button);
      li.appendChild(form);
      list.appendChild(li);
    });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + anchor.dataset.ws);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "queue.status" && status) { showStatus(frame); }
      if (frame.type === "queue.list" && list) { showList(frame); }
    };
    socket.onclose = function (event) {
      if (event.code === 4401) {
        if (status) { status.replaceChildren(paragraph(status.dataset.textOffline)); }
        return;
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
