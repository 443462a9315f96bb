// The title flash for a new message (docs/accessibility.md: nothing depends on sound) writes
// 【…】 on a Japanese page and ASCII brackets on an English one (issue 26 item 13).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createTitleFlash } from "../../signlanguage/static/signlanguage/view.js";
import { fakeDocument } from "./fakes.mjs";

function flashed(lang, label) {
  const doc = fakeDocument();
  doc.documentElement.lang = lang;
  doc.hasFocus = () => false;
  const flash = createTitleFlash(doc, doc.defaultView);
  flash.start(label);
  const title = doc.title;
  flash.stop();
  return { title, after: doc.title };
}

describe("title flash", () => {
  it("uses ASCII brackets on an English page", () => {
    assert.deepEqual(flashed("en", "New message"), { title: "[New message] page", after: "page" });
  });

  it("uses 【】 on a Japanese page", () => {
    assert.deepEqual(flashed("ja", "新着メッセージ"), { title: "【新着メッセージ】 page", after: "page" });
  });
});
