// Furigana over the texts the live and waiting pages' scripts write (issue 23 item 7): the words
// the server listed get <ruby> pieces, the rest stays text, never HTML.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { pieces, useWords } from "../../signlanguage/static/signlanguage/furigana.js";

describe("pieces", () => {
  it("puts the listed readings over the words and leaves the rest as text", () => {
    useWords({ "残り": [["残", "のこ"], ["り", ""]], "文字数": [["文字数", "もじすう"]] });
    assert.deepEqual(pieces("残りの文字数: 12"), [
      ["残", "のこ"],
      ["り", ""],
      ["の", ""],
      ["文字数", "もじすう"],
      [": 12", ""],
    ]);
  });

  it("takes the longest word where two start at the same place", () => {
    useWords({ "接続": [["接続", "せつぞく"]], "接続中": [["接続中", "せつぞくちゅう"]] });
    assert.deepEqual(pieces("オペレーター：接続中"), [
      ["オペレーター：", ""],
      ["接続中", "せつぞくちゅう"],
    ]);
  });

  it("keeps markup-like text as text", () => {
    useWords({ "相談": [["相談", "そうだん"]] });
    assert.deepEqual(pieces("<b>相談</b>"), [["<b>", ""], ["相談", "そうだん"], ["</b>", ""]]);
  });

  it("reads minutes from the number, as the server does", () => {
    useWords({ "接続": [["接続", "せつぞく"]] });
    assert.deepEqual(pieces("10分前に接続、5分"), [
      ["10", ""],
      ["分前", "ぷんまえ"],
      ["に", ""],
      ["接続", "せつぞく"],
      ["、", ""],
      ["5", ""],
      ["分", "ふん"],
    ]);
  });

  it("leaves a text alone without a list (furigana off)", () => {
    useWords({});
    assert.deepEqual(pieces("相談中"), [["相談中", ""]]);
  });
});
