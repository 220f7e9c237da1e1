// optimizers.js: the optimizer explorer (Chapter 5). Choose a surface and optimizers (SGD,
// momentum, Nesterov, RMSProp, Adam), a learning rate for each, the shared hyperparameters
// (mu, beta1, beta2, rho) and the number of steps; see every path over the surface's contour
// lines and every loss against the step on a log scale, recomputed as any control moves.
//
// Model traits (bpkit.widgets.optimizers.OptimizerExplorer):
//   controls  {surface, steps, selected: [names], lr: {name: eta}, momentum, beta1, beta2, rho}
//   initial   the same keys: where Reset returns
//   result    {surface, steps, runs: {name: {steps, path, losses, n, final_loss, end,
//              diverged}}}: per selected optimizer the positions and losses at the steps
//              shown (every step of a short run), the steps run, the last loss and position
//   setup     {surfaces: {name: {kind, A | a, b, title, xlim, ylim, start, minimum,
//              defaults}}, optimizers, colours, ranges, shown_points}: fixed, from bpkit

// Each optimizer's line has, besides its colour, its own dash pattern and marker, so that
// colour is never the only way to tell them apart.
const OPT_STYLE = {
  SGD: { dash: "", marker: "circle" },
  momentum: { dash: "9 4", marker: "square" },
  Nesterov: { dash: "2 3", marker: "triangle" },
  RMSProp: { dash: "10 3 2 3", marker: "diamond" },
  Adam: { dash: "4 2", marker: "down" },
};
const OPT_W = 400;                  // width of both drawings, in SVG units
const CONTOUR_LEVELS = 16;          // contour lines drawn (log-spaced values)
const LOSS_FLOOR = -16;             // the loss axis ends at 1e-16 at the bottom
const LOSS_CEIL = 13;               // and at 1e13 at the top (a run stops above 1e12)
const MIN_PLOT_H = 170;             // the paths' plot is at least this high

// Mirrors bpkit.widgets.optimizers.shown_steps: the steps of a run of n steps that are drawn.
function shownSteps(n, budget) {
  const out = [];
  if (n + 1 <= budget) {
    for (let i = 0; i <= n; i++) out.push(i);
    return out;
  }
  const head = Math.floor(budget / 4);
  let stride = Math.ceil((n - head) / (budget - head - 1));
  stride += 1 - (stride % 2);
  for (let i = 0; i < head; i++) out.push(i);
  for (let i = head; i < n; i += stride) out.push(i);
  out.push(n);
  return out;
}

// Mirrors bpkit.widgets.optimizers.SURFACES[name](): the surface, from its numbers in setup.
function makeSurface(spec) {
  return spec.kind === "Quadratic" ? new Quadratic(spec.A) : new Rosenbrock(spec.a, spec.b);
}

// Mirrors bpkit.widgets.optimizers.explorer_result (with compare and Run.diverged): each
// selected optimizer run for `steps` steps from the surface's start with bpkit's rules.
function explorerResult(c, setup) {
  const spec = setup.surfaces[c.surface];
  const surface = makeSurface(spec);
  const runs = {};
  for (const name of setup.optimizers) {
    if (!c.selected.includes(name)) continue;
    const h = { lr: c.lr[name], momentum: c.momentum, beta1: c.beta1, beta2: c.beta2,
      rho: c.rho };
    const run = descend(surface, (point) => makeOptimizer(name, point, h), c.steps, spec.start);
    const n = run.losses.length - 1;
    const keep = shownSteps(n, setup.shown_points);
    const last = run.losses[n];
    runs[name] = { steps: keep, path: keep.map((i) => run.path[i]),
      losses: keep.map((i) => run.losses[i]), n, final_loss: last, end: run.path[n],
      diverged: !Number.isFinite(last) || last > 1e12 };
  }
  return { surface: c.surface, steps: c.steps, runs };
}

// Mirrors bpkit.widgets.optimizers._with_surface_defaults: the surface's steps, momentum and
// learning rates.
function withSurfaceDefaults(c, setup) {
  const d = setup.surfaces[c.surface].defaults;
  return { ...c, steps: d.steps, momentum: d.momentum, lr: { ...d.lr } };
}

// The numbers for a setting of the controls (used where there is no kernel), as
// OptimizerExplorer._on_controls computes them: another surface first restores its defaults.
function compute(state, before) {
  let controls = state.controls;
  if (before && before.surface !== undefined && before.surface !== controls.surface) {
    controls = withSurfaceDefaults(controls, state.setup);
  }
  return { controls, result: explorerResult(controls, state.setup) };
}

// What the buttons do where there is no kernel; each mirrors a method of OptimizerExplorer.
const actions = {
  // Mirrors OptimizerExplorer.reset.
  reset(state) {
    const controls = JSON.parse(JSON.stringify(state.initial));
    return { controls, result: explorerResult(controls, state.setup) };
  },
};

// ------------------------------------------------------------------ drawing helpers

// The part of segment p-q (SVG points) inside the rectangle [x0, y0, x1, y1], or null
// (Liang-Barsky clipping).
function clipSegment(p, q, [x0, y0, x1, y1]) {
  let t0 = 0, t1 = 1;
  const dx = q[0] - p[0], dy = q[1] - p[1];
  for (const [a, b] of [[-dx, p[0] - x0], [dx, x1 - p[0]], [-dy, p[1] - y0], [dy, y1 - p[1]]]) {
    if (a === 0) {
      if (b < 0) return null;
      continue;
    }
    const r = b / a;
    if (a < 0) {
      if (r > t1) return null;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return null;
      if (r < t1) t1 = r;
    }
  }
  return [[p[0] + t0 * dx, p[1] + t0 * dy], [p[0] + t1 * dx, p[1] + t1 * dy]];
}

// SVG path data of the line through `pts` (SVG points), clipped to `clip`; it ends at the
// first point that is not finite (a run that diverged), and never holds huge coordinates.
function lineData(pts, clip) {
  let d = "", end = null, prev = null;
  for (const q of pts) {
    if (!Number.isFinite(q[0]) || !Number.isFinite(q[1])) break;
    if (prev) {
      const seg = clipSegment(prev, q, clip);
      if (seg) {
        const [a, b] = seg;
        if (!end || a[0] !== end[0] || a[1] !== end[1]) {
          d += `M${a[0].toFixed(1)} ${a[1].toFixed(1)}`;
        }
        d += `L${b[0].toFixed(1)} ${b[1].toFixed(1)}`;
        end = b;
      } else {
        end = null;
      }
    }
    prev = q;
  }
  return d;
}

// A marker of the given kind centred at (x, y): circle, square, triangle, diamond, down.
function markerPoints(kind, x, y, r) {
  if (kind === "square") return [[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r]];
  if (kind === "triangle") return [[x, y - 1.25 * r], [x + 1.2 * r, y + r], [x - 1.2 * r, y + r]];
  if (kind === "diamond") return [[x, y - 1.35 * r], [x + r, y], [x, y + 1.35 * r], [x - r, y]];
  if (kind === "down") return [[x, y + 1.25 * r], [x + 1.2 * r, y - r], [x - 1.2 * r, y - r]];
  const out = [];
  for (let k = 0; k < 12; k++) out.push([x + r * Math.cos(k * Math.PI / 6), y + r * Math.sin(k * Math.PI / 6)]);
  return out;
}
// Draws marker `kind` at (x, y) into the polygon `poly`.
function setMarker(poly, kind, x, y, r = 4.5) {
  poly.setAttribute("points", markerPoints(kind, x, y, r)
    .map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" "));
}

// A five-pointed star (the minimum) centred at (x, y).
function starPoints(x, y, r) {
  const out = [];
  for (let k = 0; k < 10; k++) {
    const rr = k % 2 ? 0.45 * r : r, a = -Math.PI / 2 + k * Math.PI / 5;
    out.push(`${(x + rr * Math.cos(a)).toFixed(1)},${(y + rr * Math.sin(a)).toFixed(1)}`);
  }
  return out.join(" ");
}

// The frame and ticks of a chart of ui.js (whose own setLimits is not used), into `group`.
function drawFrame(c, group, xticks, yticks, ylabel = tickLabel) {
  const b = c.box;
  group.replaceChildren();
  s("rect", { x: b.x0, y: b.y0, width: b.x1 - b.x0, height: b.y1 - b.y0, class: "bpw-frame" },
    group);
  for (const v of xticks) {
    s("line", { x1: c.sx(v), x2: c.sx(v), y1: b.y1, y2: b.y1 + 4, class: "bpw-axis" }, group);
    // a label at the frame's edge starts or ends at its tick, clear of the drawing's edge
    // and of the y axis's labels
    const anchor = c.sx(v) > b.x1 - 16 ? "end" : c.sx(v) < b.x0 + 16 ? "start" : "middle";
    s("text", { x: c.sx(v), y: b.y1 + 17, "text-anchor": anchor, text: tickLabel(v) }, group);
  }
  for (const [v, labelled] of yticks) {
    s("line", { x1: b.x0 - (labelled ? 4 : 2), x2: b.x0, y1: c.sy(v), y2: c.sy(v),
      class: "bpw-axis" }, group);
    if (labelled) {
      s("text", { x: b.x0 - 6, y: c.sy(v) + 4, "text-anchor": "end", text: ylabel(v) }, group);
    }
  }
}

// A tick label of the log axis, for 10^k: 0.001 ... 1000 written out, else 1e-6, 1e5.
function decadeLabel(k) {
  if (k >= -3 && k <= 3) return tickLabel(10 ** k);
  return `1e${k}`.replace("-", "\u2212");
}

// The contour lines of f over chart c's window at `levels`, as SVG path data: marching
// squares on an nx x ny grid of f's values, each crossing placed by linear interpolation.
function contourData(f, c, nx, ny, levels) {
  const [x0, x1] = c.xlim, [y0, y1] = c.ylim;
  const xs = [], ys = [];
  for (let i = 0; i < nx; i++) xs.push(x0 + ((x1 - x0) * i) / (nx - 1));
  for (let j = 0; j < ny; j++) ys.push(y0 + ((y1 - y0) * j) / (ny - 1));
  const z = ys.map((y) => xs.map((x) => f(x, y)));
  const px = xs.map((x) => c.sx(x)), py = ys.map((y) => c.sy(y));
  const parts = [];
  const pt = (x, y) => `${x.toFixed(1)} ${y.toFixed(1)}`;
  for (const level of levels) {
    for (let j = 0; j + 1 < ny; j++) {
      for (let i = 0; i + 1 < nx; i++) {
        // corners a (i, j), b (i+1, j), cc (i+1, j+1), d (i, j+1)
        const a = z[j][i], b = z[j][i + 1], cc = z[j + 1][i + 1], d = z[j + 1][i];
        const above = [a > level, b > level, cc > level, d > level];
        const n = above.filter(Boolean).length;
        if (n === 0 || n === 4) continue;
        const cross = (va, vb, xa, ya, xb, yb) => {
          const t = (level - va) / (vb - va);
          return pt(xa + t * (xb - xa), ya + t * (yb - ya));
        };
        const e = [  // crossings on the edges: bottom, right, top, left
          above[0] !== above[1] ? cross(a, b, px[i], py[j], px[i + 1], py[j]) : null,
          above[1] !== above[2] ? cross(b, cc, px[i + 1], py[j], px[i + 1], py[j + 1]) : null,
          above[3] !== above[2] ? cross(d, cc, px[i], py[j + 1], px[i + 1], py[j + 1]) : null,
          above[0] !== above[3] ? cross(a, d, px[i], py[j], px[i], py[j + 1]) : null,
        ];
        const found = e.filter((v) => v !== null);
        if (found.length === 2) {
          parts.push(`M${found[0]}L${found[1]}`);
        } else {
          // a saddle: the corners on the other side of the centre's value are cut off
          const centre = (a + b + cc + d) / 4 > level;
          if (above[0] !== centre) parts.push(`M${e[0]}L${e[3]}M${e[1]}L${e[2]}`);
          else parts.push(`M${e[0]}L${e[1]}M${e[2]}L${e[3]}`);
        }
      }
    }
  }
  return parts.join("");
}

// Helper (a drawing choice, not a number shown): the values of the contour lines, log-spaced
// like bpkit.widgets.optimizers.plot_trajectories's, from max(min f, 1e-3 (max f - min f),
// 1e-6) towards max f over the window, sampled on a coarser grid.
function contourLevels(f, c, count) {
  let lo = Infinity, hi = -Infinity;
  const [x0, x1] = c.xlim, [y0, y1] = c.ylim;
  for (let i = 0; i <= 40; i++) {
    for (let j = 0; j <= 40; j++) {
      const v = f(x0 + ((x1 - x0) * i) / 40, y0 + ((y1 - y0) * j) / 40);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const low = Math.max(lo, 1e-3 * (hi - lo), 1e-6);
  const out = [];
  for (let k = 0; k < count; k++) out.push(low * (hi / low) ** (k / count));
  return out;
}

// "1 step", "12 steps".
function stepsText(n) {
  return n === 1 ? "1 step" : `${n} steps`;
}

// "(x, y)" rounded for reading.
function fmtPoint(p, digits = 3) {
  return `(${fmt(p[0], digits)}, ${fmt(p[1], digits)})`;
}

// A small line sample with the optimizer's colour, dash and marker (decorative).
function swatch(colour, style) {
  const svg = s("svg", { viewBox: "0 0 24 14", width: 24, height: 14, "aria-hidden": "true",
    class: "bpw-swatch" });
  svg.style.verticalAlign = "middle";
  s("line", { x1: 1, x2: 23, y1: 7, y2: 7, stroke: colour, "stroke-width": 2,
    "stroke-dasharray": style.dash }, svg);
  const m = s("polygon", { fill: colour, stroke: "var(--bpw-bg)", "stroke-width": 1 }, svg);
  setMarker(m, style.marker, 12, 7, 4);
  return svg;
}

// ------------------------------------------------------------------------ render

// Draws the explorer into `el` from the model's traits; the controls write `controls` back.
function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const setup = model.get("setup");
  const names = setup.optimizers;
  const colour = Object.fromEntries(names.map((n, i) => [n, setup.colours[i % setup.colours.length]]));
  const root = h("div", { class: "bpw bpw-optimizers", tabindex: "-1" });
  root.dataset.widget = "optimizers";
  el.append(root);

  function change(values) {
    model.set("controls", { ...model.get("controls"), ...values });
    model.save_changes();
  }

  // ------------------------------------------------------------------ controls
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "surface, optimizers and hyperparameters" });
  controls.style.flex = "1 1 280px";  // the whole width on a phone: longer sliders
  controls.style.maxWidth = "360px";
  const ranges = setup.ranges;

  const surfaceGroup = h("fieldset", {}, h("legend", { text: "surface and steps" }));
  const selectId = uid("surface");
  const select = h("select", { id: selectId, name: "surface" });
  for (const name of Object.keys(setup.surfaces)) {
    select.append(h("option", { value: name, text: name }));
  }
  select.addEventListener("change", () => change({ surface: select.value }));
  surfaceGroup.append(h("div", { class: "bpw-select" },
    h("label", { for: selectId, text: "surface" }), select));
  const showSteps = (v) => {
    const out = stepsSlider.row.querySelector("output");
    out.textContent = String(Math.round(v));
    out.title = String(Math.round(v));
    stepsSlider.input.setAttribute("aria-valuetext", String(Math.round(v)));
  };
  const stepsSlider = slider({ name: "steps", label: "steps", min: ranges.steps[0],
    max: ranges.steps[1], step: 1, value: model.get("controls").steps,
    onInput: (v) => { showSteps(v); change({ steps: Math.round(v) }); } });
  stepsSlider.input.setAttribute("aria-label", "number of steps");
  showSteps(model.get("controls").steps);
  surfaceGroup.append(stepsSlider.row,
    button("Reset", () => model.send({ event: "reset" }),
      { "aria-label": "Reset every control to its starting value" }));

  const optGroup = h("fieldset", {}, h("legend", { text: "optimizers and learning rates \u03b7" }));
  const boxes = {}, lrSliders = {};
  const [lrLo, lrHi] = ranges.lr.map(Math.log10);
  for (const name of names) {
    const box = h("input", { type: "checkbox", name: `use-${name}` });
    box.addEventListener("change", () => {
      const chosen = new Set(names.filter((n) => boxes[n].checked));
      change({ selected: names.filter((n) => chosen.has(n)) });
    });
    boxes[name] = box;
    const label = h("label", { class: "bpw-opt-name" }, box, swatch(colour[name], OPT_STYLE[name]),
      ` ${name}`);
    label.style.whiteSpace = "nowrap";
    lrSliders[name] = slider({ name: `lr-${name}`, label: "\u03b7", min: lrLo, max: lrHi,
      step: 0.05, value: model.get("controls").lr[name], digits: 3,
      toValue: (x) => 10 ** x, fromValue: (v) => Math.log10(v),
      onInput: (v) => change({ lr: { ...model.get("controls").lr, [name]: v } }) });
    lrSliders[name].input.setAttribute("aria-label", `learning rate of ${name}`);
    lrSliders[name].row.style.gridTemplateColumns = "1em minmax(0, 1fr) 4.2em";
    const row = h("div", { class: "bpw-opt-row" }, label, lrSliders[name].row);
    Object.assign(row.style, { display: "grid", gridTemplateColumns: "9.6em minmax(0, 1fr)",
      alignItems: "center", gap: "4px", maxWidth: "340px" });
    optGroup.append(row);
  }

  const hyperGroup = h("fieldset", {}, h("legend", { text: "hyperparameters" }));
  const hyper = {};
  for (const [key, label, aria, step, digits] of [
    ["momentum", "\u03bc", "momentum mu, of momentum and Nesterov", 0.01, 3],
    ["beta1", "\u03b2\u2081", "Adam beta1", 0.01, 3],
    ["beta2", "\u03b2\u2082", "Adam beta2", 0.0001, 4],
    ["rho", "\u03c1", "RMSProp rho", 0.001, 3]]) {
    hyper[key] = slider({ name: key, label, min: ranges[key][0], max: ranges[key][1], step,
      value: model.get("controls")[key], digits, onInput: (v) => change({ [key]: v }) });
    hyper[key].input.setAttribute("aria-label", aria);
    hyperGroup.append(hyper[key].row);
  }
  hyperGroup.append(h("p", { class: "bpw-note",
    text: "\u03bc: momentum and Nesterov; \u03b2\u2081, \u03b2\u2082: Adam; \u03c1: RMSProp. "
      + "A new surface restores its steps, \u03bc and \u03b7." }));
  controls.append(surfaceGroup, optGroup, hyperGroup);

  // --------------------------------------------------------------- the drawings
  const view = h("div", { class: "bpw-view" });
  const status = h("p", { class: "bpw-status", role: "status", "aria-live": "polite" });
  const surfaceHolder = h("div", {});
  const surfaceCaption = h("p", { class: "bpw-caption", id: uid("opt-paths") });
  const table = h("table", { class: "bpw-table" });
  const lossHolder = h("div", {});
  const lossCaption = h("p", { class: "bpw-caption", id: uid("opt-losses") });
  view.append(status, surfaceHolder, surfaceCaption, h("div", { class: "bpw-scroll" }, table),
    lossHolder, lossCaption);
  root.append(h("div", { class: "bpw-row" }, controls, view));

  // The paths over the contours: rebuilt when the surface changes (its window sets the
  // drawing's height: x and y have the same scale, unless that leaves the drawing too flat
  // to read on a phone, as for the quadratic's wide window).
  let sv = null;
  function buildSurface(name) {
    const spec = setup.surfaces[name];
    const [x0, x1] = spec.xlim, [y0, y1] = spec.ylim;
    const plotW = OPT_W - 64 - 12;
    const plotH = Math.max(MIN_PLOT_H, Math.round((plotW * (y1 - y0)) / (x1 - x0)));
    surfaceHolder.replaceChildren();
    const c = chart(surfaceHolder, { width: OPT_W, height: plotH + 26 + 42,
      title: `Paths on the ${spec.title}`, xlabel: "x", ylabel: "y" });
    c.svg.setAttribute("aria-describedby", surfaceCaption.id);
    c.xlim = [x0, x1];
    c.ylim = [y0, y1];
    const frame = s("g", {}, c.svg);
    c.svg.insertBefore(frame, c.layer);
    const yt = ticks(y0, y1, Math.max(2, Math.round(plotH / 45)));
    drawFrame(c, frame, ticks(x0, x1, 5), yt.map((v) => [v, true]));
    const f = makeSurface(spec);
    const fx = (x, y) => f.f(x, y);
    const nx = 90, ny = Math.max(16, Math.round((nx * plotH) / plotW));
    s("path", { d: contourData(fx, c, nx, ny, contourLevels(fx, c, CONTOUR_LEVELS)),
      fill: "none", stroke: "var(--bpw-fg)", "stroke-opacity": 0.28, "stroke-width": 0.8,
      class: "bpw-contours" }, c.layer);
    const lines = {}, ends = {};
    for (const n of names) {
      lines[n] = s("path", { fill: "none", stroke: colour[n], "stroke-width": 2,
        "stroke-dasharray": OPT_STYLE[n].dash, "stroke-linejoin": "round",
        "data-opt": n }, c.layer);
    }
    const [mx, my] = [c.sx(spec.minimum[0]), c.sy(spec.minimum[1])];
    s("polygon", { points: starPoints(mx, my, 8), fill: "var(--bpw-fg)",
      stroke: "var(--bpw-bg)", "stroke-width": 1, class: "bpw-minimum" }, c.layer);
    for (const n of names) {
      ends[n] = s("polygon", { fill: colour[n], stroke: "var(--bpw-bg)", "stroke-width": 1 },
        c.layer);
    }
    s("circle", { cx: c.sx(spec.start[0]), cy: c.sy(spec.start[1]), r: 4.5,
      fill: "var(--bpw-bg)", stroke: "var(--bpw-fg)", "stroke-width": 2, class: "bpw-start" },
    c.layer);
    const b = c.box;
    sv = { name, spec, c, lines, ends, clip: [b.x0, b.y0, b.x1, b.y1] };
  }

  // The loss against the step, log scale.
  const lc = chart(lossHolder, { width: OPT_W, height: 250, title: "Loss against steps",
    xlabel: "step", ylabel: "loss (log scale)" });
  lc.svg.setAttribute("aria-describedby", lossCaption.id);
  const lossFrame = s("g", {}, lc.svg);
  lc.svg.insertBefore(lossFrame, lc.layer);
  const lossLines = {}, lossMarks = {};
  for (const n of names) {
    lossLines[n] = s("path", { fill: "none", stroke: colour[n], "stroke-width": 2,
      "stroke-dasharray": OPT_STYLE[n].dash, "stroke-linejoin": "round", "data-opt": n },
    lc.layer);
  }
  for (const n of names) {
    lossMarks[n] = [0, 1].map(() => s("polygon", { fill: colour[n], stroke: "var(--bpw-bg)",
      "stroke-width": 1 }, lc.layer));
  }
  let lossKey = null;

  // The table of where each run ends (it is also the legend), narrow enough for a phone.
  const rows = {};
  const cell = (tag, attrs, ...children) => {
    const node = h(tag, attrs, ...children);
    Object.assign(node.style, { padding: "2px 4px", whiteSpace: "nowrap" });
    return node;
  };
  table.append(h("caption", { text: "Where each run ends" }),
    h("tr", {}, cell("th", { scope: "col", text: "optimizer" }),
      cell("th", { scope: "col", text: "loss" }), cell("th", { scope: "col", text: "x" }),
      cell("th", { scope: "col", text: "y" })));
  for (const n of names) {
    const cells = { loss: h("span", { class: "bpw-num" }), x: h("span", { class: "bpw-num" }),
      y: h("span", { class: "bpw-num" }) };
    const tr = h("tr", { "data-opt": n },
      cell("th", { scope: "row" }, swatch(colour[n], OPT_STYLE[n]), ` ${n}`),
      cell("td", {}, cells.loss), cell("td", {}, cells.x), cell("td", {}, cells.y));
    rows[n] = { tr, ...cells };
    table.append(tr);
  }
  const noneRow = h("tr", {}, h("td", { colspan: 4, text: "No optimizer selected." }));
  table.append(noneRow);

  function syncControls(c) {
    if (select.value !== c.surface) select.value = c.surface;
    if (Math.round(stepsSlider.value) !== c.steps) stepsSlider.value = c.steps;
    showSteps(c.steps);
    for (const n of names) {
      boxes[n].checked = c.selected.includes(n);
      const v = c.lr[n];
      if (Math.abs(lrSliders[n].value - v) > 1e-12 * v) lrSliders[n].value = v;
    }
    for (const [key, sl] of Object.entries(hyper)) {
      if (Math.abs(sl.value - c[key]) > 1e-12) sl.value = c[key];
    }
  }

  function draw() {
    const c = model.get("controls");
    const r = model.get("result");
    syncControls(c);
    if (!sv || sv.name !== r.surface) buildSurface(r.surface);
    const shown = names.filter((n) => r.runs[n]);

    // the paths, each ending in its marker
    for (const n of names) {
      const run = r.runs[n];
      if (!run) {
        sv.lines[n].setAttribute("d", "");
        sv.ends[n].setAttribute("points", "");
        continue;
      }
      const pts = run.path.map((p) => (p && p[0] !== null && p[1] !== null
        ? [sv.c.sx(p[0]), sv.c.sy(p[1])] : [NaN, NaN]));
      sv.lines[n].setAttribute("d", lineData(pts, sv.clip));
      const last = pts[pts.length - 1];
      const [x0, y0, x1, y1] = sv.clip;
      if (Number.isFinite(last[0]) && last[0] >= x0 && last[0] <= x1 && last[1] >= y0
          && last[1] <= y1) setMarker(sv.ends[n], OPT_STYLE[n].marker, last[0], last[1]);
      else sv.ends[n].setAttribute("points", "");
    }

    // the losses, log scale: whole decades from the lowest value shown to the highest of the
    // runs that did not diverge (a run that did leaves the chart at the top)
    let lo = Infinity, hi = -Infinity;
    for (const n of shown) {
      const run = r.runs[n];
      run.losses.forEach((v, j) => {
        if (!(Number.isFinite(v) && v > 0)) return;
        lo = Math.min(lo, v);
        if (!run.diverged || j === 0) hi = Math.max(hi, v);
      });
    }
    let bottom = Number.isFinite(lo) ? Math.max(LOSS_FLOOR, Math.floor(Math.log10(lo))) : -3;
    let top = Number.isFinite(hi) ? Math.min(LOSS_CEIL, Math.ceil(Math.log10(hi))) : 1;
    if (top <= bottom) top = bottom + 1;
    const key = `${r.steps}|${bottom}|${top}`;
    if (key !== lossKey) {
      lossKey = key;
      lc.xlim = [0, Math.max(1, r.steps)];
      lc.ylim = [bottom, top];
      const every = Math.max(1, Math.ceil((top - bottom) / 5));
      const yt = [];
      for (let k = bottom; k <= top; k++) yt.push([k, (top - k) % every === 0]);
      drawFrame(lc, lossFrame, ticks(0, lc.xlim[1], 4), yt, decadeLabel);
    }
    const b = lc.box;
    const lossClip = [b.x0, b.y0 - 1, b.x1, b.y1 + 1];
    const yOf = (v) => lc.sy(v > 0 ? Math.max(bottom, Math.log10(v)) : bottom);
    names.forEach((n, i) => {
      const run = r.runs[n];
      if (!run) {
        lossLines[n].setAttribute("d", "");
        for (const m of lossMarks[n]) m.setAttribute("points", "");
        return;
      }
      const pts = run.steps.map((k, j) => {
        const v = run.losses[j];
        return Number.isFinite(v) ? [lc.sx(k), yOf(v)] : [NaN, NaN];
      });
      lossLines[n].setAttribute("d", lineData(pts, lossClip));
      // two markers per curve: at its end, and at a point that differs per optimizer
      const finite = pts.filter((p) => Number.isFinite(p[0]));
      const picks = [finite[finite.length - 1],
        finite[Math.floor(((0.15 + 0.13 * i) * (finite.length - 1)))]];
      picks.forEach((p, k) => {
        if (p && p[1] >= b.y0 - 1 && p[1] <= b.y1 + 1) {
          setMarker(lossMarks[n][k], OPT_STYLE[n].marker, p[0], p[1]);
        } else lossMarks[n][k].setAttribute("points", "");
      });
    });

    // the table, the status line, the captions and the drawings' text alternatives
    noneRow.hidden = shown.length > 0;
    const words = [];
    for (const n of names) {
      const run = r.runs[n];
      rows[n].tr.hidden = !run;
      if (!run) continue;
      rows[n].tr.dataset.steps = String(run.n);
      if (run.diverged) {
        rows[n].loss.textContent = "diverged";
        rows[n].loss.title = String(run.final_loss);
        rows[n].loss.dataset.exact = String(run.final_loss);
      } else {
        setNumber(rows[n].loss, run.final_loss, false, 3);
      }
      for (const [k, span] of [[0, rows[n].x], [1, rows[n].y]]) {
        const v = run.end[k];
        if (Number.isFinite(v)) setNumber(span, v, false, 3);
        else {
          span.textContent = "\u2013";
          span.title = String(v);
          span.dataset.exact = String(v);
        }
      }
      words.push(run.diverged ? `${n} diverged after ${stepsText(run.n)}`
        : `${n} ends at ${fmtPoint(run.end)} with loss ${fmt(run.final_loss)}`);
    }
    const spec = setup.surfaces[r.surface];
    const best = shown.filter((n) => !r.runs[n].diverged)
      .sort((a, b2) => r.runs[a].final_loss - r.runs[b2].final_loss)[0];
    const title = spec.title[0].toUpperCase() + spec.title.slice(1);
    status.replaceChildren(`${title}, ${r.steps} steps: `, ...(best
      ? ["the lowest final loss is ", numberSpan(r.runs[best].final_loss), ` (${best}).`]
      : [shown.length ? "every run diverged." : "no optimizer selected."]));
    const pathsText = `Paths on the ${spec.title} over its contour lines (log-spaced values), `
      + `from the start ${fmtPoint(spec.start)} (open circle) toward the minimum `
      + `${fmtPoint(spec.minimum)} (star), ${r.steps} steps: `
      + (words.length ? words.join("; ") : "no optimizer selected") + ".";
    surfaceCaption.textContent = pathsText;
    sv.c.svg.setAttribute("aria-label", pathsText);
    const lossWords = shown.map((n) => {
      const run = r.runs[n];
      return `${n} from ${fmt(run.losses[0])} to `
        + (run.diverged ? `divergence after ${stepsText(run.n)}` : fmt(run.final_loss));
    });
    const lossText = `Loss against the step, on a log scale from ${decadeLabel(bottom)} to `
      + `${decadeLabel(top)}, steps 0 to ${r.steps}`
      + (lossWords.length ? `: ${lossWords.join("; ")}.` : ": no optimizer selected.")
      + (bottom === LOSS_FLOOR ? " Losses below 1e\u221216 are drawn at the bottom." : "");
    lossCaption.textContent = lossText;
    lc.svg.setAttribute("aria-label", lossText);
  }

  for (const trait of ["controls", "result"]) model.on(`change:${trait}`, draw);
  draw();
  return () => {
    for (const trait of ["controls", "result"]) model.off(`change:${trait}`, draw);
  };
}

export default { render, compute, actions };
