// ui.js: what every widget uses to draw: SVG and HTML elements, labelled sliders,
// numbers rounded for reading (the exact value on hover), and the widgets' stylesheet.
// Colours: bpkit.plot's Okabe-Ito palette; all text uses the page's own text colour on the
// page's own background (light or dark theme), so its contrast is the theme's.

const POSITIVE = "#0072B2";  // bpkit.plot.POSITIVE, Okabe-Ito blue: a positive value
const NEGATIVE = "#D55E00";  // bpkit.plot.NEGATIVE, Okabe-Ito vermillion: a negative value
const ACCENT = "#009E73";    // bpkit.plot.PALETTE[2], bluish green
const FONT = 13;             // font size in the drawings, in SVG units (>= 11 px on a phone)

const SVG_NS = "http://www.w3.org/2000/svg";
// A new id, unique in the page, for labels and descriptions. The count is kept on the page's
// global object: anywidget loads a fresh copy of this module for every widget, so a count of
// the module's own would give two widgets of one notebook the same ids.
function uid(prefix) {
  globalThis.bpwIdCount = (globalThis.bpwIdCount || 0) + 1;
  return `bpw-${prefix}-${globalThis.bpwIdCount}`;
}

// An HTML element with attributes and children.
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

// An SVG element with attributes.
function s(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.append(node);
  return node;
}

// A number for reading: `digits` significant digits, no "-0", exponent for tiny values.
function fmt(v, digits = 4) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  let text = a >= 1e-3 && a < 1e5 ? v.toPrecision(digits) : v.toExponential(digits - 1);
  if (text.includes("e")) {
    const [mantissa, exponent] = text.split("e");
    text = `${mantissa}e${Number(exponent)}`;
  }
  return text.startsWith("-") ? "\u2212" + text.slice(1) : text;
}

// The same with a sign always shown (for gradients).
function fmtSigned(v, digits = 4) {
  const text = fmt(v, digits);
  return v > 0 ? "+" + text : text;
}

// A <span> showing v rounded, with the exact value in its title (shown on hover).
function numberSpan(v, signed = false, digits = 4) {
  const span = h("span", { class: "bpw-num" });
  setNumber(span, v, signed, digits);
  return span;
}
function setNumber(span, v, signed = false, digits = 4) {
  span.textContent = signed ? fmtSigned(v, digits) : fmt(v, digits);
  span.title = String(v);
  span.dataset.exact = String(v);
}

// Keys pressed in a widget belong to the widget: in JupyterLab the notebook would otherwise
// also take the arrow keys (to move between cells) and the letters (as commands). Every
// widget's render calls it on its element, so that all its controls keep their keys.
function ownKeys(control) {
  control.addEventListener("keydown", (event) => event.stopPropagation());
  return control;
}

// A labelled range input: <label>name</label> <input type=range> <output>value</output>.
// `toValue` and `fromValue` map the slider's position to the value (a log scale for eta).
// The screen reader hears the rounded value (aria-valuetext), not 0.15000000000000036.
function slider({ name, label, min, max, step, value, onInput,
                  toValue = (x) => x, fromValue = (x) => x, digits = 4 }) {
  const id = uid(name);
  const input = ownKeys(h("input", { type: "range", id, min, max, step, name }));
  const out = h("output", { for: id, class: "bpw-readout" });
  const row = h("div", { class: "bpw-slider" },
    h("label", { for: id, text: label || name }), input, out);
  const control = {
    row, input, name,
    get value() { return toValue(Number(input.value)); },
    set value(v) {
      const position = fromValue(v);
      // a value outside the range (after many Steps) widens the range rather than clipping
      if (position > Number(input.max)) input.max = String(Math.ceil(position));
      if (position < Number(input.min)) input.min = String(Math.floor(position));
      input.value = String(position);
      show(v);
    },
  };
  function show(v) {
    out.textContent = fmt(v, digits);
    out.title = String(v);
    input.setAttribute("aria-valuetext", fmt(v, digits));
  }
  input.addEventListener("input", () => {
    const v = control.value;
    show(v);
    onInput(v);
  });
  control.value = value;
  return control;
}

// A button that calls onClick.
function button(text, onClick, attrs = {}) {
  const b = ownKeys(h("button", { type: "button", class: "bpw-button", ...attrs, text }));
  b.addEventListener("click", onClick);
  return b;
}

// A tick label: at most 3 significant digits, no trailing zeros (0.4, 2, -0.05).
function tickLabel(v) {
  return String(Number(v.toPrecision(3))).replace("-", "\u2212");
}

// Axis ticks: about n round numbers between lo and hi.
function ticks(lo, hi, n = 4) {
  const raw = (hi - lo) / n;
  const e = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * e).find((x) => x >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) {
    out.push(Math.abs(v) < 1e-12 * step ? 0 : v);
  }
  return out;
}

// The smallest of 1, 2, 3, 5 times a power of ten that is >= v: axis limits that rarely move.
// Mirrors bpkit.widgets.explorer._nice_ceil.
function niceCeil(v) {
  if (!Number.isFinite(v) || v <= 0) return 1.0;
  const e = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 3, 5, 10].map((m) => m * e).find((x) => x >= v * (1 - 1e-12));
}

// A line chart in an SVG: a frame, ticks, axis labels and a title, and a function that
// maps data to SVG coordinates. Returns {svg, sx, sy, layer, setLimits}.
function chart(parent, { width, height, title, xlabel, ylabel }) {
  const m = { left: 64, right: 12, top: 26, bottom: 42 };
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "bpw-svg", role: "img" },
    parent);
  svg.style.maxWidth = `${width}px`;
  s("text", { x: width / 2, y: 16, "text-anchor": "middle", class: "bpw-title", text: title },
    svg);
  s("text", { x: (m.left + width - m.right) / 2, y: height - 6, "text-anchor": "middle",
    text: xlabel }, svg);
  s("text", { x: 14, y: (m.top + height - m.bottom) / 2, "text-anchor": "middle",
    transform: `rotate(-90 14 ${(m.top + height - m.bottom) / 2})`, text: ylabel }, svg);
  const axes = s("g", {}, svg);
  const layer = s("g", {}, svg);
  const box = { x0: m.left, x1: width - m.right, y0: m.top, y1: height - m.bottom };
  const c = { svg, layer, box, xlim: [0, 1], ylim: [0, 1] };
  c.sx = (x) => box.x0 + ((x - c.xlim[0]) / (c.xlim[1] - c.xlim[0])) * (box.x1 - box.x0);
  c.sy = (y) => box.y1 - ((y - c.ylim[0]) / (c.ylim[1] - c.ylim[0])) * (box.y1 - box.y0);
  c.setLimits = (xlim, ylim) => {
    if (c.xlim[0] === xlim[0] && c.xlim[1] === xlim[1] && c.ylim[0] === ylim[0]
        && c.ylim[1] === ylim[1] && axes.firstChild) return;
    c.xlim = xlim;
    c.ylim = ylim;
    axes.replaceChildren();
    s("rect", { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0,
      class: "bpw-frame" }, axes);
    for (const v of ticks(...xlim)) {
      s("line", { x1: c.sx(v), x2: c.sx(v), y1: box.y1, y2: box.y1 + 4, class: "bpw-axis" },
        axes);
      s("text", { x: c.sx(v), y: box.y1 + 17, "text-anchor": "middle", text: tickLabel(v) },
        axes);
    }
    for (const v of ticks(...ylim, 3)) {
      s("line", { x1: box.x0 - 4, x2: box.x0, y1: c.sy(v), y2: c.sy(v), class: "bpw-axis" },
        axes);
      s("text", { x: box.x0 - 6, y: c.sy(v) + 4, "text-anchor": "end", text: tickLabel(v) },
        axes);
    }
  };
  return c;
}

// "x1,y1 x2,y2 ..." for a polyline, skipping points that are not finite.
function points(xs, ys, c) {
  const out = [];
  for (let i = 0; i < xs.length; i++) {
    if (Number.isFinite(ys[i])) out.push(`${c.sx(xs[i]).toFixed(1)},${c.sy(ys[i]).toFixed(1)}`);
  }
  return out.join(" ");
}

// The stylesheet of every widget, added once to the page (or the notebook).
const CSS = `
.bpw { --bpw-fg: var(--pst-color-text-base, var(--jp-content-font-color1, #1a1a1a));
  --bpw-bg: var(--pst-color-background, var(--jp-layout-color0, #ffffff));
  --bpw-muted: var(--pst-color-border, var(--jp-border-color1, #8a8a8a));
  color: var(--bpw-fg); background: var(--bpw-bg); font-family: var(--pst-font-family-base, system-ui, sans-serif);
  font-size: 14px; line-height: 1.35; max-width: 100%; margin: 0.5em 0; }
.bpw *, .bpw *::before, .bpw *::after { box-sizing: border-box; }
.bpw-row { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: flex-start; }
.bpw-controls { flex: 0 1 280px; min-width: 0; max-width: 100%; }
.bpw-view { flex: 1 1 360px; min-width: 0; max-width: 100%; }
.bpw-slider { display: grid; grid-template-columns: 3.2em minmax(0, 1fr) 4.6em;
  align-items: center; gap: 6px; margin: 2px 0; max-width: 340px; }
.bpw-slider input { width: 100%; min-width: 0; margin: 0; }
.bpw-slider label { white-space: nowrap; font-family: var(--pst-font-family-monospace, monospace); }
.bpw-readout { font-family: var(--pst-font-family-monospace, monospace); text-align: right;
  font-size: 13px; }
.bpw-controls fieldset { border: 0; margin: 0 0 6px; padding: 0; min-width: 0; }
.bpw-controls legend { font-size: 14px; font-weight: 600; margin: 6px 0 2px; padding: 0; }
.bpw-select { display: flex; gap: 6px; align-items: center; margin: 6px 0; }
.bpw-select select { color: var(--bpw-fg); background: var(--bpw-bg); font: inherit; }
.bpw-button { font: inherit; color: var(--bpw-fg); background: var(--bpw-bg);
  border: 1px solid var(--bpw-fg); border-radius: 4px; padding: 4px 14px; margin: 4px 8px 4px 0;
  cursor: pointer; }
.bpw-button:focus-visible, .bpw input:focus-visible, .bpw select:focus-visible {
  outline: 3px solid ${POSITIVE}; outline-offset: 2px; }
.bpw-svg { display: block; width: 100%; height: auto; margin: 4px 0; overflow: visible; }
.bpw-svg text { fill: var(--bpw-fg); font-size: ${FONT}px;
  font-family: var(--pst-font-family-base, system-ui, sans-serif); }
.bpw-svg .bpw-title { font-weight: 600; }
.bpw-svg .bpw-label-box { fill: var(--bpw-bg); stroke-width: 1.2; }
.bpw-svg .bpw-node { fill: var(--bpw-bg); stroke: var(--bpw-fg); stroke-width: 1.4; }
.bpw-svg .bpw-frame { fill: none; stroke: var(--bpw-muted); }
.bpw-svg .bpw-axis { stroke: var(--bpw-fg); }
.bpw-caption { font-size: 13px; margin: 2px 0 8px; }
.bpw-table { border-collapse: collapse; font-size: 13px; margin: 6px 0; max-width: 100%; }
.bpw-table th, .bpw-table td { padding: 2px 8px; text-align: right; border-bottom:
  1px solid var(--bpw-muted); font-family: var(--pst-font-family-monospace, monospace); }
.bpw-table th { font-family: inherit; }
.bpw-table td:first-child, .bpw-table th:first-child { text-align: left; }
.bpw-table caption { text-align: left; font-size: 13px; padding-bottom: 2px; color: var(--bpw-fg);
  caption-side: top; }
.bpw-chain .bpw-table td:nth-child(2), .bpw-chain .bpw-table th:nth-child(2) { text-align: left;
  white-space: nowrap; }
.bpw-scroll { overflow-x: auto; max-width: 100%; }
.bpw-status { font-size: 13px; margin: 4px 0; }
.bpw-note { font-size: 12px; opacity: 0.85; }
`;

// Add a stylesheet (ui.js's own by default, or a widget's, under its own key) to the
// document, once, or to a shadow root when el is in one.
function addStyle(el, css = CSS, key = "bpw") {
  const root = el.getRootNode ? el.getRootNode() : document;
  const target = root === document ? document.head : root;
  if (target.querySelector && target.querySelector(`style[data-style="${key}"]`)) return;
  const style = document.createElement("style");
  style.dataset.style = key;
  style.textContent = css;
  target.append(style);
}
