// explorer.js: the network explorer (Chapter 2). The 2-2-1 sigmoid network of the worked
// example with sliders for its 9 parameters, x1, x2, t and eta; every edge labelled with its
// weight and gradient; the loss along one parameter with its tangent; Step and Reset with
// the loss after each step; the table of the 9 gradients.
//
// Model traits (bpkit.widgets.explorer.NetworkExplorer):
//   controls  {w11 ... b3, x1, x2, t, lr, weight}   the sliders and the menu write them
//   initial   the same keys: where Reset returns
//   result    {loss, output, values: {z1, h1, z2, h2, z3, y}, gradients: {w11 ... b3},
//              slice: the loss at SLICE_OFFSETS from the chosen parameter}
//   history   the loss at the start and after each Step

// The drawing of the network (SVG units): units, bias units "1", and each parameter's edge
// with the point where its label sits. 400 units wide, so that on a phone (358 px) its
// 13-unit text is still 11.6 px; the labels are placed so that none touches a unit or
// another label (the browser tests check it).
const NET_W = 400, NET_H = 362;
const NET_NODES = { x1: [34, 120], x2: [34, 260], h1: [206, 120], h2: [206, 260],
  y: [356, 190], bh1: [206, 38], bh2: [206, 342], by: [356, 66] };
const NET_EDGES = { w11: ["x1", "h1", [107, 120]], w12: ["x2", "h1", [138, 168]],
  b1: ["bh1", "h1", [262, 72]], w21: ["x1", "h2", [138, 212]], w22: ["x2", "h2", [107, 260]],
  b2: ["bh2", "h2", [262, 308]], w31: ["h1", "y", [278, 154]],
  w32: ["h2", "y", [278, 226]], b3: ["by", "y", [358, 112]] };
const NODE_R = 28, BIAS_R = 11;

// Whether going from controls `before` to `after` starts a new loss history: moving a
// parameter, an input or the target does, eta and the sliced parameter do not.
// Mirrors bpkit.widgets.explorer._restarts.
function restarts(before, after) {
  return Object.keys(after).some((k) => k !== "lr" && k !== "weight" && before[k] !== after[k]);
}

// The numbers for a setting of the controls (used where there is no kernel), as
// NetworkExplorer._on_controls computes them; `before` holds the controls before the change.
function compute(state, before) {
  const result = explorerState(state.controls);
  const history = restarts(before, state.controls) ? [result.loss] : state.history;
  return { result, history };
}

// What the buttons do where there is no kernel; each mirrors a method of NetworkExplorer.
const actions = {
  // Mirrors NetworkExplorer.step: one gradient-descent update with rate eta (SGD.step).
  step(state) {
    const c = state.controls;
    const r = state.result;
    if (!Number.isFinite(r.loss)) return {};
    const p = {};
    for (const name of PARAM_NAMES) p[name] = c[name];
    const controls = { ...c, ...sgdStep(p, r.gradients, c.lr) };
    const result = explorerState(controls);
    return { controls, result, history: [...state.history, result.loss] };
  },
  // Mirrors NetworkExplorer.reset.
  reset(state) {
    const controls = { ...state.initial };
    const result = explorerState(controls);
    return { controls, result, history: [result.loss] };
  },
};

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const root = h("div", { class: "bpw bpw-explorer", tabindex: "-1" });
  root.dataset.widget = "explorer";
  el.append(root);

  // ------------------------------------------------------------------ controls
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "parameters, example and learning rate" });
  const sliders = {};
  function setControl(name, v) {
    model.set("controls", { ...model.get("controls"), [name]: v });
    model.save_changes();
  }
  const paramGroup = h("fieldset", {}, h("legend", { text: "parameters" }));
  for (const name of PARAM_NAMES) {
    sliders[name] = slider({ name, label: name, min: -4, max: 4, step: 0.001,
      value: model.get("controls")[name], onInput: (v) => setControl(name, v) });
    paramGroup.append(sliders[name].row);
  }
  const exampleGroup = h("fieldset", {}, h("legend", { text: "example and learning rate" }));
  for (const [name, lo, hi] of [["x1", -2, 2], ["x2", -2, 2], ["t", 0, 1]]) {
    sliders[name] = slider({ name, label: name, min: lo, max: hi, step: 0.001,
      value: model.get("controls")[name], onInput: (v) => setControl(name, v) });
    exampleGroup.append(sliders[name].row);
  }
  controls.append(paramGroup, exampleGroup);
  sliders.lr = slider({ name: "lr", label: "\u03b7", min: -3, max: 2, step: 0.01,
    value: model.get("controls").lr, digits: 3,
    toValue: (x) => 10 ** x, fromValue: (v) => Math.log10(v),
    onInput: (v) => setControl("lr", v) });
  sliders.lr.input.setAttribute("aria-label", "learning rate");
  exampleGroup.append(sliders.lr.row);
  const selectId = uid("weight");
  const select = ownKeys(h("select", { id: selectId }));
  for (const name of PARAM_NAMES) select.append(h("option", { value: name, text: name }));
  select.value = model.get("controls").weight;
  select.addEventListener("change", () => setControl("weight", select.value));
  exampleGroup.append(h("div", { class: "bpw-select" },
    h("label", { for: selectId, text: "slice along" }), select));
  const stepButton = button("Step", () => model.send({ event: "step" }),
    { "aria-label": "Step: one gradient-descent update with learning rate eta" });
  const resetButton = button("Reset", () => model.send({ event: "reset" }),
    { "aria-label": "Reset to the starting values" });
  controls.append(h("div", {}, stepButton, resetButton));

  // --------------------------------------------------------------- the network
  const view = h("div", { class: "bpw-view" });
  const status = h("p", { class: "bpw-status", role: "status", "aria-live": "polite" });
  const net = s("svg", { viewBox: `0 0 ${NET_W} ${NET_H}`, class: "bpw-svg", role: "img" });
  net.style.maxWidth = `${NET_W}px`;
  s("text", { x: NET_W / 2, y: 14, "text-anchor": "middle", class: "bpw-title",
    text: "Each parameter's value and gradient g" }, net);
  const edgeLayer = s("g", {}, net), labelLayer = s("g", {}, net), nodeLayer = s("g", {}, net);
  const edgeViews = {};
  for (const [name, [a, b, [lx, ly]]] of Object.entries(NET_EDGES)) {
    const [xa, ya] = NET_NODES[a], [xb, yb] = NET_NODES[b];
    const ra = a.startsWith("b") ? BIAS_R : NODE_R, rb = NODE_R;
    const len = Math.hypot(xb - xa, yb - ya);
    const ux = (xb - xa) / len, uy = (yb - ya) / len;
    const line = s("line", { x1: xa + ux * ra, y1: ya + uy * ra, x2: xb - ux * rb,
      y2: yb - uy * rb, "stroke-linecap": "butt" }, edgeLayer);
    const g = s("g", { "data-param": name }, labelLayer);
    const box = s("rect", { x: lx - 42, y: ly - 18, width: 84, height: 36, rx: 4,
      class: "bpw-label-box" }, g);
    const value = s("text", { x: lx, y: ly - 3, "text-anchor": "middle" }, g);
    const grad = s("text", { x: lx, y: ly + 13, "text-anchor": "middle" }, g);
    edgeViews[name] = { line, box, value, grad };
  }
  const nodeViews = {};
  for (const [name, [x, y]] of Object.entries(NET_NODES)) {
    const g = s("g", { "data-node": name }, nodeLayer);
    if (name.startsWith("b")) {
      s("rect", { x: x - BIAS_R, y: y - BIAS_R, width: 2 * BIAS_R, height: 2 * BIAS_R,
        class: "bpw-node" }, g);
      s("text", { x, y: y + 4.5, "text-anchor": "middle", text: "1" }, g);
      continue;
    }
    s("circle", { cx: x, cy: y, r: NODE_R, class: "bpw-node" }, g);
    s("text", { x, y: y - 4, "text-anchor": "middle", text: name }, g);
    nodeViews[name] = s("text", { x, y: y + 12, "text-anchor": "middle" }, g);
  }
  const outputNote = s("text", { x: NET_W - 2, y: 266, "text-anchor": "end" }, net);
  const outputNote2 = s("text", { x: NET_W - 2, y: 283, "text-anchor": "end" }, net);
  const legend = h("p", { class: "bpw-note",
    text: "g = \u2202L/\u2202w. Edge colour: the sign of g (blue +, vermillion \u2212); edge "
      + "width: the size of g." });

  // ------------------------------------------------------- the loss along w
  const sliceChart = chart(view, { width: 380, height: 230, title: "", xlabel: "",
    ylabel: "loss L" });
  const sliceTitle = sliceChart.svg.querySelector(".bpw-title");
  const sliceXLabel = sliceChart.svg.querySelectorAll("text")[1];
  const sliceCurve = s("polyline", { fill: "none", stroke: "#CC79A7", "stroke-width": 2.2 },
    sliceChart.layer);
  const tangent = s("line", { stroke: POSITIVE, "stroke-width": 2, "stroke-dasharray": "6 4" },
    sliceChart.layer);
  const dot = s("circle", { r: 4.5, fill: "var(--bpw-fg)" }, sliceChart.layer);
  const sliceText = s("text", { x: 72, y: 44 }, sliceChart.svg);
  const sliceLegend = s("text", { x: 72, y: 61, text: "dashed: tangent, slope g" },
    sliceChart.svg);

  // ------------------------------------------------------------ loss per Step
  const historyChart = chart(view, { width: 380, height: 200, title: "Loss after each Step",
    xlabel: "step", ylabel: "loss L" });
  const historyLine = s("polyline", { fill: "none", stroke: ACCENT, "stroke-width": 2 },
    historyChart.layer);
  const historyDots = s("g", { fill: ACCENT }, historyChart.layer);

  // ----------------------------------------------------------------- the table
  const table = h("table", { class: "bpw-table" });
  const cells = {};
  table.append(h("caption", { text: "The nine gradients from the backward pass" }),
    h("tr", {}, h("th", { scope: "col", text: "parameter" }),
      h("th", { scope: "col", text: "value" }), h("th", { scope: "col", text: "\u2202L/\u2202(parameter)" })));
  for (const name of PARAM_NAMES) {
    const value = h("span", { class: "bpw-num" }), grad = h("span", { class: "bpw-num" });
    const tr = h("tr", { "data-param": name }, h("th", { scope: "row", text: name }),
      h("td", {}, value), h("td", {}, grad));
    cells[name] = { value, grad, td: tr.lastChild };
    table.append(tr);
  }
  const caption = h("p", { class: "bpw-caption", id: uid("explorer-desc") });
  net.setAttribute("aria-describedby", caption.id);

  const shown = h("div", {}, status, net, legend, caption);
  view.prepend(shown);
  view.append(h("div", { class: "bpw-scroll" }, table));
  root.append(h("div", { class: "bpw-row" }, controls, view));

  // --------------------------------------------------------------- drawing
  let sliceKey = null;
  function draw() {
    const c = model.get("controls");
    const r = model.get("result");
    const history = model.get("history");
    for (const [name, sl] of Object.entries(sliders)) {
      if (Math.abs(sl.value - c[name]) > 1e-12 * Math.max(1, Math.abs(c[name]))) {
        sl.value = c[name];
      }
    }
    if (select.value !== c.weight) select.value = c.weight;
    const g = r.gradients;
    for (const name of PARAM_NAMES) {
      const e = edgeViews[name];
      const colour = g[name] >= 0 ? POSITIVE : NEGATIVE;
      e.line.setAttribute("stroke", colour);
      e.line.setAttribute("stroke-width",
        (1 + 7 * Math.min(1, Math.sqrt(Math.abs(g[name]) / 0.1))).toFixed(2));
      e.box.setAttribute("stroke", colour);
      e.value.textContent = `${name} ${fmt(c[name])}`;
      e.value.dataset.exact = String(c[name]);
      setNumber(e.grad, g[name], true);
      e.grad.textContent = `g ${e.grad.textContent}`;
      setNumber(cells[name].value, c[name]);
      setNumber(cells[name].grad, g[name], true);
      cells[name].td.style.color = "";
    }
    const v = r.values;
    // inside the units, 3 significant digits fit; the exact value is in the title
    setNumber(nodeViews.x1, c.x1, false, 3);
    setNumber(nodeViews.x2, c.x2, false, 3);
    setNumber(nodeViews.h1, v.h1, false, 3);
    setNumber(nodeViews.h2, v.h2, false, 3);
    setNumber(nodeViews.y, r.output, false, 3);
    outputNote.textContent = `t = ${fmt(c.t)}`;
    outputNote2.textContent = `L = ${fmt(r.loss)}`;
    status.replaceChildren("loss L = ", numberSpan(r.loss), ", output y = ",
      numberSpan(r.output), `, steps: ${history.length - 1}`);
    status.firstElementChild.dataset.role = "loss";

    // the loss along the chosen parameter, with the tangent at the current value
    const w = c.weight;
    const offsets = sliceOffsets();
    const curveTop = Math.max(...r.slice.filter(Number.isFinite));
    const top = Math.min(0.55, niceCeil(1.15 * curveTop));
    if (sliceKey !== `${w}|${top}`) {
      sliceKey = `${w}|${top}`;
      sliceTitle.textContent = `Loss along ${w}, the others fixed`;
      sliceXLabel.textContent = `change in ${w} from its current value`;
    }
    sliceChart.setLimits([-SLICE_HALF_WIDTH, SLICE_HALF_WIDTH], [0, top]);
    sliceCurve.setAttribute("points", points(offsets, r.slice, sliceChart));
    const clip = (y) => Math.max(sliceChart.ylim[0], Math.min(sliceChart.ylim[1], y));
    tangent.setAttribute("x1", sliceChart.sx(-1));
    tangent.setAttribute("x2", sliceChart.sx(1));
    tangent.setAttribute("y1", sliceChart.sy(clip(r.loss - g[w])));
    tangent.setAttribute("y2", sliceChart.sy(clip(r.loss + g[w])));
    dot.setAttribute("cx", sliceChart.sx(0));
    dot.setAttribute("cy", sliceChart.sy(r.loss));
    sliceText.textContent = `${w} = ${fmt(c[w])}, g = ${fmtSigned(g[w])}`;

    // the loss after each step
    const finite = history.filter(Number.isFinite);
    historyChart.setLimits([0, niceCeil(Math.max(history.length - 1, 5))],
      [0, Math.min(0.55, finite.length ? niceCeil(1.1 * Math.max(...finite)) : 1)]);
    const steps = history.map((_, i) => i);
    historyLine.setAttribute("points", points(steps, history, historyChart));
    historyDots.replaceChildren();
    if (history.length <= 60) {
      for (let i = 0; i < history.length; i++) {
        if (Number.isFinite(history[i])) {
          s("circle", { cx: historyChart.sx(i), cy: historyChart.sy(history[i]), r: 3 },
            historyDots);
        }
      }
    }

    const description = `The 2-2-1 network at x1 = ${fmt(c.x1)}, x2 = ${fmt(c.x2)}: hidden `
      + `activations h1 = ${fmt(v.h1)}, h2 = ${fmt(v.h2)}, output y = ${fmt(r.output)}, `
      + `target t = ${fmt(c.t)}, loss L = ${fmt(r.loss)}. Each edge is labelled with its `
      + `parameter and gradient: ` + PARAM_NAMES.map((n) => `${n} = ${fmt(c[n])} `
      + `(g ${fmtSigned(g[n])})`).join(", ") + `. Below: the loss along ${w}, whose tangent `
      + `has slope ${fmtSigned(g[w])}, and the loss after each of ${history.length - 1} steps.`;
    caption.textContent = description;
    net.setAttribute("aria-label", description);
    sliceChart.svg.setAttribute("aria-label", `Loss as ${w} moves from ${fmt(c[w] - 3)} to `
      + `${fmt(c[w] + 3)}, the others fixed, with the tangent at ${w} = ${fmt(c[w])} of `
      + `slope ${fmtSigned(g[w])}.`);
    historyChart.svg.setAttribute("aria-label", `Loss after each step: `
      + history.slice(-12).map((l) => fmt(l)).join(", ")
      + (history.length > 12 ? " (the last 12)" : ""));
  }
  for (const trait of ["controls", "result", "history"]) model.on(`change:${trait}`, draw);
  draw();
  return () => {
    for (const trait of ["controls", "result", "history"]) model.off(`change:${trait}`, draw);
  };
}

export default { render, compute, actions };
