// The live client's words and close codes come from the page (signlanguage.live.views
// client_strings, passed with json_script): every key the modules ask for must be there.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import { finalCloseCodes } from "../../signlanguage/static/signlanguage/session.js";
import { CAMERA_ERRORS, RTC_STATES } from "../../signlanguage/static/signlanguage/video.js";

const root = new URL("../../", import.meta.url);
const source = (path) => readFileSync(new URL(path, root), "utf8");
const MODULES = ["session.js", "transport.js", "store.js", "view.js", "video.js"].map((name) =>
  source(`signlanguage/static/signlanguage/${name}`),
);

function clientStringKeys() {
  const python = source("signlanguage/live/views.py");
  const body = python.slice(python.indexOf("def client_strings"), python.indexOf("\ndef ", python.indexOf("def client_strings") + 1));
  return new Set(Array.from(body.matchAll(/^\s+"([a-z0-9_]+)": _\(/gm), (m) => m[1]));
}

describe("client strings", () => {
  const keys = clientStringKeys();

  it("finds the keys of client_strings()", () => {
    assert.ok(keys.size > 20, `only ${keys.size} keys found`);
    assert.ok(keys.has("reconnecting"));
  });

  it("has every key the modules use", () => {
    const used = new Set();
    for (const text of MODULES) {
      for (const m of text.matchAll(/\bt\("([a-z0-9_]+)"\)/g)) used.add(m[1]);
      for (const m of text.matchAll(/setConnection\("[a-z]+", "([a-z0-9_]+)"\)/g)) used.add(m[1]);
      for (const m of text.matchAll(/^\s+[a-z_]+: "([a-z0-9_]+)",$/gm)) used.add(m[1]); // key tables
    }
    for (const state of RTC_STATES) used.add(`rtc_${state}`);
    for (const key of Object.values(CAMERA_ERRORS)) used.add(key);
    for (const state of ["waiting", "active", "closed"]) used.add(`state_${state}`);
    for (const who of ["you", "customer", "proxy", "operator"]) used.add(`mode_text_${who}`); // video.js
    for (const word of ["sending", "sent", "read", "operator", "customer", "proxy"]) used.add(word);
    for (const code of finalCloseCodes(Object.fromEntries(Array.from(keys, (k) => [k, k])))) {
      if (code !== 4408) used.add(`closed_${code}`);
    }
    const missing = Array.from(used).filter((key) => !keys.has(key));
    assert.deepEqual(missing, []);
    assert.ok(used.size > 25, `only ${used.size} keys found in the modules`);
  });

  it("has no English fallback words in the modules", () => {
    for (const text of MODULES) {
      assert.doesNotMatch(text, /Reconnecting…|Connecting…|Sending…|Video: /);
    }
  });
});

describe("close codes", () => {
  it("stops on the session-closed code and on every code the page explains", () => {
    const codes = finalCloseCodes({ closed_4401: "signed out", closed_4403: "no", closed_4404: "gone", connected: "ok" });
    assert.deepEqual(codes.sort(), [4401, 4403, 4404, 4408]);
  });
});
