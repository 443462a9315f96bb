// Computed-style contrast of every visible text node and of the focus ring of a sample of
// controls (issue 23: axe misses white text on a white button inside a coloured banner).
// Run with selenium's execute_script: arguments[0] = how many controls to focus (0 = none).
// Returns {problems: [...], unknown: [...], texts: n, rings: n}.
//
// The effective background of an element is found by walking its ancestors and blending each
// background-color (with its alpha) until an opaque one is met (the canvas is white). A
// background image or gradient on the way means the colour behind the text cannot be told from
// the styles: the node is listed in `unknown`, not judged.
const sample = arguments[0] || 0;
const parse = value => {
  const m = /rgba?\(([^)]+)\)/.exec(value || '');
  if (!m) return null;
  const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
  return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
};
const over = (top, below) => {
  const a = top.a + below.a * (1 - top.a);
  if (a === 0) return {r: 0, g: 0, b: 0, a: 0};
  const mix = k => (top[k] * top.a + below[k] * below.a * (1 - top.a)) / a;
  return {r: mix('r'), g: mix('g'), b: mix('b'), a};
};
const luminance = c => {
  const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
};
const ratio = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
const hex = c => '#' + [c.r, c.g, c.b].map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
const describe = el => {
  let d = el.tagName.toLowerCase();
  if (el.id) d += '#' + el.id;
  else if (el.classList && el.classList.length) d += '.' + [...el.classList].join('.');
  const parent = el.parentElement && el.parentElement.closest('[class], [id]');
  if (parent && parent !== document.body) {
    d = (parent.id ? '#' + parent.id : '.' + [...parent.classList][0]) + ' ' + d;
  }
  return d;
};
// Layers from the element up: [{color, image}], innermost first. null when an image intervenes.
const background = el => {
  const layers = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const s = getComputedStyle(node);
    if (s.backgroundImage && s.backgroundImage !== 'none') return {image: describe(node)};
    const c = parse(s.backgroundColor);
    if (c && c.a > 0) {
      layers.push(c);
      if (c.a >= 1) break;
    }
  }
  let colour = {r: 255, g: 255, b: 255, a: 1};  // the canvas
  for (const layer of layers.reverse()) colour = over(layer, colour);
  return {colour};
};
const visible = el => {
  const r = el.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) return false;
  const s = getComputedStyle(el);
  if (s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false;
  // Visually hidden (the .visually-hidden pattern): clipped to a pixel.
  if (/rect\(0/.test(s.clip) || s.clipPath === 'inset(50%)') return false;
  return !el.closest('[hidden], [aria-hidden="true"], dialog:not([open])');
};
const problems = [];
const unknown = [];
const seen = new Set();
let texts = 0;
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const text = node.textContent.trim();
  const el = node.parentElement;
  if (!text || !el || seen.has(el) || el.closest('script, style, noscript, template, svg')) continue;
  seen.add(el);
  if (!visible(el)) continue;
  const s = getComputedStyle(el);
  texts += 1;
  const fg = parse(s.color);
  const bg = background(el);
  const what = `${describe(el)} "${text.slice(0, 30)}"`;
  if (bg.image) { unknown.push(`${what}: background image on ${bg.image}`); continue; }
  const colour = over(fg, bg.colour);
  const size = parseFloat(s.fontSize);
  const bold = parseInt(s.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const need = large ? 3 : 4.5;
  const got = ratio(colour, bg.colour);
  if (got < need) {
    problems.push(`text ${what}: ${hex(colour)} on ${hex(bg.colour)} is ${got.toFixed(2)}:1 `
      + `(needs ${need}:1)`);
  }
}
// Focus rings: the outline (or box-shadow) colour against the background just outside the
// control (its parent's effective background), and the control's own text while focused.
let rings = 0;
if (sample > 0) {
  const controls = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(el => !el.disabled && visible(el));
  // An even spread over the page, always including every control inside a banner or dialog.
  const special = controls.filter(el => el.closest('.acting-banner, [role=alert], dialog[open], .messages'));
  const step = Math.max(1, Math.floor(controls.length / sample));
  const picked = new Set([...special, ...controls.filter((el, i) => i % step === 0)]);
  for (const el of picked) {
    el.focus({preventScroll: true});
    if (document.activeElement !== el) continue;
    rings += 1;
    const s = getComputedStyle(el);
    const around = background(el.parentElement || document.body);
    const what = `${describe(el)} "${(el.innerText || el.value || el.name || '').trim().slice(0, 30)}"`;
    if (around.image) { unknown.push(`focus ring of ${what}: background image on ${around.image}`); continue; }
    const colours = [];
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) colours.push(parse(s.outlineColor));
    for (const m of (s.boxShadow || '').matchAll(/rgba?\([^)]+\)/g)) colours.push(parse(m[0]));
    const best = Math.max(0, ...colours.filter(Boolean).map(c => ratio(over(c, around.colour), around.colour)));
    if (best < 3) {
      problems.push(`focus ring of ${what}: best ${best.toFixed(2)}:1 against ${hex(around.colour)} (needs 3:1)`);
    }
    const own = background(el);
    if (!own.image && (el.innerText || '').trim()) {
      const fg = over(parse(s.color), own.colour);
      const got = ratio(fg, own.colour);
      const size = parseFloat(s.fontSize);
      const need = size >= 24 || (parseInt(s.fontWeight, 10) >= 700 && size >= 18.66) ? 3 : 4.5;
      if (got < need) {
        problems.push(`focused ${what}: text ${hex(fg)} on ${hex(own.colour)} is ${got.toFixed(2)}:1`);
      }
    }
  }
  if (document.activeElement) document.activeElement.blur();
}
return {problems, unknown, texts, rings};
