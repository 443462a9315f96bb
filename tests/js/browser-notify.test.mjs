// The waiting page's browser notification (issue 21 item 5): never asked without the button,
// shown once and silently when the request is taken, never without permission.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createTakenNotifier } from "../../signlanguage/static/signlanguage/browser-notify.js";

function fakeNotification(permission, answer = permission) {
  const shown = [];
  let asked = 0;
  class Fake {
    static permission = permission;
    static async requestPermission() {
      asked += 1;
      Fake.permission = answer;
      return answer;
    }
    constructor(title, options) {
      shown.push({ title, ...options });
    }
  }
  return { Fake, shown, asked: () => asked };
}

describe("browser notification on the waiting page", () => {
  it("shows nothing and asks nothing until the button is pressed", () => {
    const { Fake, shown, asked } = fakeNotification("default", "granted");
    const notifier = createTakenNotifier({ Notification: Fake, title: "t", body: "b" });
    assert.equal(notifier.taken(), false);
    assert.equal(asked(), 0);
    assert.deepEqual(shown, []);
  });

  it("after the button and permission, says it once, silently", async () => {
    const { Fake, shown, asked } = fakeNotification("default", "granted");
    const notifier = createTakenNotifier({ Notification: Fake, title: "Taken", body: "Go" });
    assert.equal(await notifier.ask(), "granted");
    assert.equal(asked(), 1);
    assert.equal(notifier.taken(), true);
    assert.equal(notifier.taken(), false);
    assert.deepEqual(shown, [{ title: "Taken", body: "Go", silent: true, tag: "queue-taken" }]);
  });

  it("shows nothing when the customer refuses", async () => {
    const { Fake, shown } = fakeNotification("default", "denied");
    const notifier = createTakenNotifier({ Notification: Fake, title: "t", body: "b" });
    assert.equal(await notifier.ask(), "denied");
    assert.equal(notifier.taken(), false);
    assert.deepEqual(shown, []);
  });

  it("says unsupported where the browser has no notifications", async () => {
    const notifier = createTakenNotifier({ Notification: undefined, title: "t", body: "b" });
    assert.equal(notifier.supported(), false);
    assert.equal(await notifier.ask(), "unsupported");
    assert.equal(notifier.taken(), false);
  });
});
