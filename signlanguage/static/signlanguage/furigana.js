// Furigana for the words the live and waiting pages' scripts write (issue 23 item 7). With
// furigana on, the server lists the dictionary words those texts hold, each split as its own ruby
// is (JSON `furigana-words`: word → [[text, reading], …], reading "" for kana outside the ruby;
// access_support.accounts.reading.client_words). Text is set as text nodes and <ruby> elements,
// never as HTML. Without the list (furigana off, English) a text is set as plain text.

let words = null;
let pattern = null;

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// The page's word list (once); an empty or missing list means no furigana.
function load(doc) {
  if (words !== null) return;
  words = {};
  const node = doc && doc.getElementById ? doc.getElementById("furigana-words") : null;
  if (!node) return;
  try {
    words = JSON.parse(node.textContent) || {};
  } catch (_err) {
    words = {};
  }
  pattern = build(words);
}

// Minutes after a number are read from it, as on the server (reading._numbered): 5分 ふん,
// 10分 じゅっぷん (ぷん), 3分前 ぷんまえ. The words, longest first.
function build(list) {
  const keys = Object.keys(list).sort((a, b) => b.length - a.length);
  if (!keys.length) return null;
  return new RegExp(["(?<![0-9])([0-9]+)(分前|分)", ...keys.map(escapeRegExp)].join("|"), "g");
}

function minutes(number, counter) {
  const reading = "134680".includes(number.slice(-1)) ? "ぷん" : "ふん";
  return [[number, ""], [counter, reading + (counter === "分前" ? "まえ" : "")]];
}

// For tests: use this list instead of the page's.
export function useWords(list) {
  words = list || {};
  pattern = build(words);
}

// The text cut into [text, reading] pieces: reading "" for text outside any ruby. The longest
// word wins where two start at the same place, as on the server.
export function pieces(text) {
  const out = [];
  const value = String(text);
  if (!pattern) return value ? [[value, ""]] : [];
  let last = 0;
  for (const match of value.matchAll(pattern)) {
    if (match.index > last) out.push([value.slice(last, match.index), ""]);
    const parts = match[1] ? minutes(match[1], match[2]) : words[match[0]];
    for (const part of parts) out.push([part[0], part[1] || ""]);
    last = match.index + match[0].length;
  }
  if (last < value.length) out.push([value.slice(last), ""]);
  return out;
}

// The text a reader reads in a node: its text without the readings in <rt> and <rp>.
export function baseText(node) {
  let text = "";
  for (const child of node.childNodes) {
    if (child.nodeType === 3) text += child.data;
    else if (child.nodeName !== "RT" && child.nodeName !== "RP") text += baseText(child);
  }
  return text;
}

// Sets a node's text, with <ruby> over the listed words. Setting the same text again changes
// nothing (a live region then says nothing for a non-change).
export function setReadingText(node, text) {
  if (!node) return;
  const doc = node.ownerDocument;
  load(doc);
  const value = String(text ?? "");
  if (!pattern) {
    if (node.textContent !== value) node.textContent = value;
    return;
  }
  if (baseText(node) === value) return;
  node.replaceChildren(
    ...pieces(value).map(([base, reading]) => {
      if (!reading) return doc.createTextNode(base);
      const ruby = doc.createElement("ruby");
      const open = doc.createElement("rp");
      open.textContent = "(";
      const rt = doc.createElement("rt");
      rt.textContent = reading;
      const close = doc.createElement("rp");
      close.textContent = ")";
      ruby.append(doc.createTextNode(base), open, rt, close);
      return ruby;
    }),
  );
}
