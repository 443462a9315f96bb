// Three-way video (issue 22 item 3): one peer connection per other participant (mesh.js), signalled
// through a fake of the server's addressed `rtc.signal` relay. Three pages each end up with two
// connected peers; crossing offers (glare) are settled by the polite end alone; a participant who
// reloads is called again while the other pair's connection is left alone; a page whose socket
// came back restarts nothing; the page shows each picture in the figure of its role.

import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { PeerMesh, STUCK_MS, isPolite, roleOf } from "../../signlanguage/static/signlanguage/mesh.js";
import { SignVideo } from "../../signlanguage/static/signlanguage/video.js";
import { FakePeerConnection, FakeSignalRelay } from "./fakes.mjs";

const C = "customer-3";
const P = "proxy-12";
const O = "operator-5";
const EVERYONE = [C, P, O];
const camera = () => ({ getTracks: () => [{ kind: "video" }], getVideoTracks: () => [] });
const env = { RTCPeerConnection: FakePeerConnection, MediaStream: class {} };

function page(relay, id, instance) {
  const mesh = new PeerMesh({
    env,
    instance,
    config: () => ({ iceServers: [] }),
    send: (to, payload) => relay.send(id, to, payload),
  });
  relay.attach(id, mesh);
  return mesh;
}

// A page that has its camera and has asked the server who it is (the order varies in a browser).
function join(relay, id, instance = `${id}#1`) {
  const mesh = page(relay, id, instance);
  mesh.start(camera());
  mesh.setIdentity(id, EVERYONE.filter((other) => other !== id));
  return mesh;
}

function connectedTo(mesh) {
  return [...mesh.peers.values()].filter((p) => p.pc.connectionState === "connected").map((p) => p.id).sort();
}

let relay;
beforeEach(() => {
  relay = new FakeSignalRelay();
  FakePeerConnection.reset();
});

describe("three-way video: a mesh of peer connections keyed by participant", () => {
  it("connects customer, proxy and operator each to the other two", async () => {
    const pages = { [C]: join(relay, C), [P]: join(relay, P), [O]: join(relay, O) };
    await relay.settle();
    for (const [id, mesh] of Object.entries(pages)) {
      assert.deepEqual(connectedTo(mesh), EVERYONE.filter((other) => other !== id).sort(), id);
      for (const peer of mesh.peers.values()) assert.ok(peer.stream, `${id} has no picture of ${peer.id}`);
    }
    // Every signal went to one participant, with the sender's load marked.
    assert.ok(relay.sent.every((m) => EVERYONE.includes(m.to) && m.to !== m.from && m.payload.instance));
    // Three pairs, one connection each end: nothing was made twice.
    assert.equal(FakePeerConnection.all.length, 6);
    assert.ok(FakePeerConnection.all.every((pc) => !pc.closed));
  });

  it("settles crossing offers (glare) on the polite end only, deterministically", async () => {
    assert.equal(isPolite(C, O), !isPolite(O, C));
    const customer = join(relay, C);
    const operator = join(relay, O);
    await relay.settle();
    const pcOf = (mesh, id) => mesh.peers.get(id).pc;
    // Both ends offered at once; the polite one rolled its own back and answered.
    const [polite, impolite] = isPolite(C, O) ? [pcOf(customer, O), pcOf(operator, C)] : [pcOf(operator, C), pcOf(customer, O)];
    assert.ok(polite.rollbacks >= 1, "no glare happened");
    assert.equal(impolite.rollbacks, 0);
    assert.equal(polite.connectionState, "connected");
    assert.equal(impolite.connectionState, "connected");
    assert.equal(polite.signalingState, "stable");
    assert.equal(impolite.signalingState, "stable");
    assert.equal(FakePeerConnection.all.length, 2);
  });

  it("calls a participant who reloads again, and leaves the other pair's connection alone", async () => {
    const customer = join(relay, C);
    const proxy = join(relay, P);
    const operator = join(relay, O);
    await relay.settle();
    const pair = { c: customer.peers.get(O), o: operator.peers.get(C) };
    const offers = { c: pair.c.offers, o: pair.o.offers };
    const oldProxyPcs = [customer.peers.get(P).pc, operator.peers.get(P).pc];

    // The proxy's page reloads: the old one goes without a word, the new load says hello.
    relay.detach(P, proxy);
    const reloaded = join(relay, P, `${P}#2`);
    await relay.settle();

    assert.deepEqual(connectedTo(reloaded), [O, C].sort());
    assert.deepEqual(connectedTo(customer), [O, P].sort());
    assert.deepEqual(connectedTo(operator), [C, P].sort());
    assert.ok(oldProxyPcs.every((pc) => pc.closed), "the old load's connections were kept");
    // The customer–operator connection: the same object on both ends, never closed or renegotiated.
    assert.equal(customer.peers.get(O), pair.c);
    assert.equal(operator.peers.get(C), pair.o);
    assert.deepEqual({ c: pair.c.offers, o: pair.o.offers }, offers);
    assert.ok(!pair.c.pc.closed && !pair.o.pc.closed);
  });

  it("drops a participant who says bye at once, and restarts nothing when a socket comes back", async () => {
    const customer = join(relay, C);
    const operator = join(relay, O);
    const proxy = join(relay, P);
    await relay.settle();
    const before = FakePeerConnection.all.length;
    // The operator's socket dropped and came back (same page): it asks who it is again.
    operator.setIdentity(O, [C, P]);
    await relay.settle();
    assert.equal(FakePeerConnection.all.length, before, "a reconnect restarted a call");
    assert.deepEqual(connectedTo(operator), [C, P].sort());
    // The proxy closes the page: the others drop its connection.
    proxy.bye();
    await relay.settle();
    assert.deepEqual([...customer.peers.keys()], [O]);
    assert.deepEqual([...operator.peers.keys()], [C]);
  });

  it("calls anew a pair whose signals were lost while a socket was down, and only that pair", async () => {
    const customer = join(relay, C);
    const proxy = join(relay, P);
    await relay.settle();
    const pair = customer.peers.get(P);
    // The operator's hellos go out, then its socket drops: the answers are lost on the way, and
    // the customer's and proxy's calls to it are left half made.
    relay.down = O;
    const operator = join(relay, O);
    await relay.settle();
    assert.deepEqual(connectedTo(operator), []);
    assert.equal(customer.peers.get(O).state, "new");
    // Its socket comes back: it asks who it is again and says hello, saying its end is not up.
    relay.down = null;
    operator.setIdentity(O, [C, P]);
    await relay.settle();
    assert.deepEqual(connectedTo(operator), [C, P].sort());
    assert.deepEqual(connectedTo(customer), [O, P].sort());
    assert.deepEqual(connectedTo(proxy), [C, O].sort());
    assert.equal(customer.peers.get(P), pair, "the customer–proxy call was restarted");
  });

  it("ignores signals for an earlier load of the page, its own id and non-participants", async () => {
    const customer = join(relay, C);
    await relay.settle();
    customer.onSignal(O, { kind: "description", description: { type: "answer", sdp: "x" }, instance: "o#1", to_instance: "old" });
    customer.onSignal(C, { kind: "hello", instance: "me" });
    customer.onSignal("operator", { kind: "hello", instance: "x" }); // a one-to-one `from` (a side)
    await relay.settle();
    assert.equal(customer.peers.size, 0);
    assert.equal(roleOf(P), "proxy");
  });

  it("says hello to someone who called before its camera ran (an operator assigned later)", async () => {
    const customer = page(relay, C, "c#1");
    customer.setIdentity(C, []); // waiting: no operator yet
    const operator = join(relay, O);
    await relay.settle();
    assert.equal(customer.peers.size, 0, "connected without a camera");
    customer.start(camera());
    await relay.settle();
    assert.deepEqual(connectedTo(customer), [O]);
    assert.deepEqual(connectedTo(operator), [C]);
  });
});

// --- the page: each picture in the figure of its role ------------------------------------------

function element(dataset = {}) {
  const listeners = {};
  return {
    hidden: false,
    textContent: "",
    dataset,
    srcObject: null,
    addEventListener(type, fn) {
      (listeners[type] ||= []).push(fn);
    },
    play: () => Promise.resolve(),
    focus() {},
  };
}

function figure(role, hidden) {
  const video = element();
  const fig = { ...element({ remoteRole: role }), hidden, video, querySelector: (s) => (s === "video" ? video : null) };
  return fig;
}

describe("the customer's page with the operator and the proxy", () => {
  it("puts each picture in its role's figure, shows the second, hides it when that person leaves", async () => {
    const operatorFig = figure("operator", false);
    const proxyFig = figure("proxy", true);
    const parts = {
      "[data-live-self]": element(),
      "[data-live-remote]": operatorFig.video,
      "[data-live-rtc-status]": element(),
    };
    const root = { querySelector: (s) => parts[s] || null, querySelectorAll: () => [operatorFig, proxyFig] };
    const panel = { dataset: {} };
    const pageEnv = {
      ...env,
      navigator: { mediaDevices: { getUserMedia: async () => ({ getTracks: () => [{ kind: "video", stop() {} }], getVideoTracks: () => [] }) } },
    };
    const sent = [];
    const video = new SignVideo(
      { root, panel, t: (k) => k, iceServers: [], side: "customer", role: "customer", send: (f) => sent.push(f) },
      pageEnv,
    );
    relay.attach(C, video.mesh);
    const toRelay = () => {
      for (const frame of sent.splice(0)) if (frame.type === "rtc.signal") relay.send(C, frame.to, frame.payload);
    };
    video.onSocketOpen();
    assert.deepEqual(sent.at(-1), { type: "rtc.peers" });
    video.onPeers({ type: "rtc.peers", you: C, peers: [O, P] });
    const operator = join(relay, O);
    const proxy = join(relay, P);
    for (let i = 0; i < 50; i += 1) {
      toRelay();
      await relay.settle(5);
    }
    assert.equal(panel.dataset.rtcState, "connected");
    assert.equal(operatorFig.video.srcObject.id, `stream to ${video.mesh.peers.get(O).pc.name}`);
    assert.equal(proxyFig.video.srcObject.id, `stream to ${video.mesh.peers.get(P).pc.name}`);
    assert.equal(proxyFig.hidden, false, "the second picture stays hidden");
    assert.equal(video.pc, video.mesh.peers.get(O).pc, "the operator's is the one measured");
    // The proxy leaves: its picture goes (no frozen frame); the operator's stays.
    proxy.bye();
    for (let i = 0; i < 10; i += 1) {
      toRelay();
      await relay.settle(5);
    }
    assert.equal(proxyFig.hidden, true);
    assert.equal(proxyFig.video.srcObject, null);
    assert.ok(operatorFig.video.srcObject);
    assert.equal(panel.dataset.rtcState, "connected");
    assert.ok(operator.peers.get(C));
    video.stop();
    assert.equal(video.mesh.peers.size, 0);
  });
});

describe("three-way video: a call whose ICE never starts is made again", () => {
  // Pages that only record what they send (nothing is delivered): each end's own decision.
  function alone(id, instance, sent) {
    const mesh = new PeerMesh({
      env,
      instance,
      config: () => ({ iceServers: [] }),
      send: (to, payload) => sent.push({ from: id, to, payload }),
    });
    mesh.start(camera());
    return mesh;
  }

  it("the impolite end drops it after STUCK_MS and says hello with reset; the polite end and a connected call wait", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const sent = [];
    const proxy = alone(P, "p#1", sent); // proxy-12 sorts after customer-3: the impolite end
    proxy.setIdentity(P, [C, O]);
    const stuck = proxy.connect(C, "c#1");
    stuck.pc.iceConnectionState = "new"; // answered, but no candidate ever came
    const up = proxy.connect(O, "o#1"); // operator-5 sorts first: proxy is impolite here too
    up.pc.iceConnectionState = "connected";
    up.state = "connected";
    const customer = alone(C, "c#1", sent);
    customer.setIdentity(C, [P]);
    const polite = customer.connect(P, "p#1");
    polite.pc.iceConnectionState = "new";
    const before = sent.length;
    t.mock.timers.tick(STUCK_MS - 1);
    assert.equal(proxy.peers.get(C), stuck, "made again before its time");
    t.mock.timers.tick(1);
    assert.equal(proxy.peers.has(C), false);
    assert.ok(stuck.pc.closed);
    const hello = sent.slice(before).filter((m) => m.from === P);
    assert.deepEqual(hello.map((m) => [m.to, m.payload.kind, m.payload.reset]), [[C, "hello", true]]);
    assert.equal(proxy.peers.get(O), up, "a connected call is left alone");
    assert.equal(customer.peers.get(P), polite, "the polite end does not start over");
  });
});
