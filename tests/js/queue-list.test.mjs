// The operators' waiting list is updated in place, keyed by session id (issue 23 defect 2):
// kept rows are never re-created or moved, so focus on a row's button survives an update.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { fill, planList, waitText } from "../../signlanguage/static/signlanguage/queue-list.js";

describe("planList", () => {
  it("keeps the rows still waiting, removes those gone and adds new ones in order", () => {
    assert.deepEqual(planList(["1", "2", "3"], ["2", "3", "4"]), {
      remove: ["1"],
      keep: ["2", "3"],
      insert: [{ key: "4", before: null }],
    });
  });

  it("puts a new row before the next kept one", () => {
    assert.deepEqual(planList([5, 9], [3, 5, 7, 9]).insert, [
      { key: "3", before: "5" },
      { key: "7", before: "9" },
    ]);
  });

  it("does nothing when nothing changed", () => {
    assert.deepEqual(planList(["1", "2"], ["1", "2"]), { remove: [], keep: ["1", "2"], insert: [] });
  });
});

describe("fill", () => {
  it("names the customer in the translated pattern", () => {
    assert.equal(fill("%(name)sさんに対応する", { name: "佐藤 一郎" }), "佐藤 一郎さんに対応する");
    assert.equal(fill("Take %(name)s", { name: "佐藤 一郎" }), "Take 佐藤 一郎");
  });
});

describe("waitText", () => {
  it("shows the range the server sent", () => {
    assert.equal(waitText([6, 20], "約%(low)s〜%(high)s分", "わかりません"), "約6〜20分");
  });

  it("says it cannot tell when the server has no range", () => {
    assert.equal(waitText(null, "約%(low)s〜%(high)s分", "わかりません"), "わかりません");
    assert.equal(waitText(undefined, "%(low)s-%(high)s", "unknown"), "unknown");
  });
});
