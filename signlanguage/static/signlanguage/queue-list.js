// The operators' waiting list, updated in place (queue.js on /sessions/queue/, console.js on the
// console): each <li> is keyed by its session id (data-session-id); an update removes the rows
// that left, adds the new ones where they belong and rewrites a kept row's words only when they
// changed. A kept row is never re-created, so keyboard focus on its button stays where it is and
// a screen reader hears only what is new. No words here: they come from the page.

// "%(name)s" placeholders (Django's blocktranslate with a variable) filled from `values`.
export function fill(template, values) {
  return String(template).replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

// The customer's wait in words: a range ("%(low)s", "%(high)s" in `withRange`), or `unknown`
// when the server cannot tell (no range: null).
export function waitText(range, withRange, unknown) {
  if (!Array.isArray(range) || range.length !== 2) return String(unknown);
  return fill(withRange, { low: range[0], high: range[1] });
}

// What to do to turn the list with row keys `current` (in order) into `wanted` (keys, in
// order): `remove` the keys no longer wanted, `keep` those in both, and `insert` each new key
// before the key given (null: at the end). Kept rows are never moved (the queue only grows at the
// end and shrinks anywhere), so a row with focus is never taken out of the document.
export function planList(current, wanted) {
  const wantedSet = new Set(wanted.map(String));
  const currentSet = new Set(current.map(String));
  const remove = current.map(String).filter((key) => !wantedSet.has(key));
  const keep = current.map(String).filter((key) => wantedSet.has(key));
  const insert = [];
  const order = wanted.map(String);
  order.forEach((key, index) => {
    if (currentSet.has(key)) return;
    let before = null;
    for (const later of order.slice(index + 1)) {
      if (currentSet.has(later)) {
        before = later;
        break;
      }
    }
    insert.push({ key, before });
  });
  return { remove, keep, insert };
}

// Applies planList to the <li data-session-id> children of `list`. `items` are [key, data] pairs
// in order; build(data) makes a new row, update(row, data) refreshes a kept one. If the row that
// held focus leaves, focus goes to the next row's button (or `fallback`) instead of <body>.
export function reconcile(list, items, { build, update, fallback = null }) {
  const doc = list.ownerDocument;
  const rows = new Map();
  for (const row of list.querySelectorAll("li[data-session-id]")) rows.set(row.dataset.sessionId, row);
  const data = new Map(items.map(([key, value]) => [String(key), value]));
  const plan = planList(Array.from(rows.keys()), Array.from(data.keys()));
  const active = doc.activeElement;
  let lostFocusAt = null;
  for (const key of plan.remove) {
    const row = rows.get(key);
    if (active && row.contains(active)) lostFocusAt = row.nextElementSibling;
    row.remove();
    rows.delete(key);
  }
  for (const key of plan.keep) update(rows.get(key), data.get(key));
  for (const { key, before } of plan.insert) {
    const row = build(data.get(key));
    row.dataset.sessionId = key;
    list.insertBefore(row, before === null ? null : rows.get(before));
    rows.set(key, row);
  }
  if (lostFocusAt !== null || (active && !active.isConnected)) {
    const next = lostFocusAt && lostFocusAt.isConnected ? lostFocusAt.querySelector("button") : null;
    const target = next || fallback;
    if (target) target.focus();
  }
  return plan;
}

// Sets a node's text only when it differs (a live region then says nothing for a non-change).
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}
