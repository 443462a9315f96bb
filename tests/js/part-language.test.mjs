// Issue 23 item 8: Japanese that people write (a chat message, a name) inside an English page is
// marked lang="ja" (WCAG 3.1.2), so a screen reader reads it with a Japanese voice; on a Japanese
// page the page's own lang covers it, and English text is never marked.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { LiveView, partLanguage, translator } from "../../signlanguage/static/signlanguage/view.js";
import { fakePanel } from "./fakes.mjs";

const strings = { you: "You", operator: "Operator", customer: "Customer" };

function rendered(lang, frame, mine = false) {
  const { doc, root } = fakePanel();
  doc.documentElement.lang = lang;
  const view = new LiveView(root, { t: translator(strings), role: "customer", titleFlash: { start() {} } });
  return view.renderMessage({ seq: 1, sent_at: "2026-12-03T01:00:00Z", ...frame }, mine);
}

describe("language of parts in the chat", () => {
  it("knows Japanese script: kana, katakana and kanji", () => {
    assert.equal(partLanguage("こんにちは", "en"), "ja");
    assert.equal(partLanguage("カード", "en"), "ja");
    assert.equal(partLanguage("明細 please", "en"), "ja");
    assert.equal(partLanguage("My card is lost.", "en"), "");
    assert.equal(partLanguage("12345 !?", "en"), "");
    assert.equal(partLanguage("こんにちは", "ja"), "");
  });

  it("marks a Japanese message and the sender's Japanese name on an English page", () => {
    const li = rendered("en", { text: "カードをなくしました", sender: { role: "operator", name: "鈴木 さくら" } });
    const text = li.querySelector(".live-text");
    assert.equal(text.lang, "ja");
    assert.equal(text.textContent, "カードをなくしました");
    const sender = li.querySelector(".live-sender");
    assert.equal(sender.textContent, "鈴木 さくら (Operator)");
    const [name, role] = sender.children;
    assert.equal(name.lang, "ja");
    assert.equal(role.lang, undefined);
  });

  it("marks my own Japanese message too (the same <li> when it is stored)", () => {
    const li = rendered("en", { text: "よろしくお願いします", sender: { role: "customer" } }, true);
    assert.equal(li.querySelector(".live-text").lang, "ja");
    assert.equal(li.querySelector(".live-sender").textContent, "You");
  });

  it("leaves English text and every text on a Japanese page unmarked", () => {
    const english = rendered("en", { text: "Thank you", sender: { role: "operator", name: "Sakura Suzuki" } });
    assert.equal(english.querySelector(".live-text").lang, undefined);
    assert.equal(english.querySelector(".live-sender").textContent, "Sakura Suzuki (Operator)");
    const japanese = rendered("ja", { text: "カードをなくしました", sender: { role: "operator", name: "鈴木" } });
    assert.equal(japanese.querySelector(".live-text").lang, undefined);
    assert.equal(japanese.querySelector(".live-sender").children.length, 0);
  });
});
