// A proxy's live page when the member revokes or pauses the grant (issue 26 item 5): the socket
// closes with 4403, and the page must stop looking live — the box and Send disabled, the reason
// shown from the page's strings, the "acting for" banner gone, nothing left at "sending".

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { LiveSession } from "../../signlanguage/static/signlanguage/session.js";
import { FakeWebSocket, fakeLivePage } from "./fakes.mjs";

const STRINGS = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  closed_4401: "Signed out.",
  closed_4403: "You cannot take part in this session.",
  closed_4403_proxy: "The member has ended or paused your permission.",
  closed_4404: "No such session.",
  sending: "Sending…",
  sent: "Sent",
  not_sent: "Not sent",
  you: "You",
};

function page(role) {
  const found = { ".acting-banner": [] };
  const { doc, root, log, connection } = fakeLivePage({ strings: STRINGS, dataset: { role }, found });
  const banner = doc.createElement("div");
  banner.className = "acting-banner";
  found[".acting-banner"].push(banner);
  const notice = doc.createElement("p");
  notice.dataset.liveNotice = "";
  notice.hidden = true;
  const form = doc.createElement("form");
  form.dataset.liveCompose = "";
  const input = doc.createElement("textarea");
  input.dataset.liveInput = "";
  input.value = "";
  const button = doc.createElement("button");
  button.type = "submit";
  form.append(input, button);
  root.append(notice, form);
  const session = new LiveSession(root, { start() {}, stop() {} });
  return { session, banner, notice, input, button, log, connection };
}

describe("a proxy's page after the grant is revoked or paused (close code 4403)", () => {
  beforeEach(() => FakeWebSocket.reset());

  it("disables the box and Send, says why, hides the acting banner", () => {
    const p = page("proxy");
    FakeWebSocket.last.open();
    p.session.submit("before the revocation");
    FakeWebSocket.last.drop(4403);
    assert.equal(p.input.disabled, true, "the text box stays enabled");
    assert.equal(p.button.disabled, true, "Send stays enabled");
    assert.equal(p.notice.hidden, false);
    assert.equal(p.notice.textContent, STRINGS.closed_4403_proxy);
    assert.equal(p.banner.hidden, true, "the acting banner stays");
    const pending = p.log.children.map((li) => li.dataset.status);
    assert.deepEqual(pending, ["not_sent"], "a message still hangs at sending");
  });

  it("sends nothing more and shows no new 'sending' message after the close", () => {
    const p = page("proxy");
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop(4403);
    p.session.submit("after the revocation");
    assert.equal(p.log.children.length, 0);
    assert.equal(FakeWebSocket.instances.length, 1, "it reconnected");
  });

  it("gives a customer the general sentence", () => {
    const p = page("customer");
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop(4403);
    assert.equal(p.notice.textContent, STRINGS.closed_4403);
    assert.equal(p.input.disabled, true);
  });
});
