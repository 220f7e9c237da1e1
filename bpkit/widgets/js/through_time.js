// through_time.js: the gradient through time (Chapter 10). A vanilla RNN of 16 tanh units
// reads T steps of small inputs; its recurrent weights are Wh = scale Q (Q orthogonal, so
// scale is their largest singular value); the loss is on the last step. Bars on a log scale:
// the size of the gradient reaching each state, ||dL/dh_t|| for t = 0..T.
//
// Model traits (bpkit.widgets.through_time.ThroughTime):
//   controls  {steps, scale, seed}   the sliders and buttons write them
//   initial   the same keys: where Reset returns
//   result    {steps, scale, seed (what the numbers are for), norms, ratio, loss}
//   network   {Wx, Q, b, x, target}: what the result was computed on. In a kernel bpkit
//             draws them (NumPy); on the website the page draws its own from the seed
//             (port.js throughTimeNetwork), so the numbers differ between the two for the
//             same settings.

const TT_STEPS = [1, 100], TT_SCALE = [0.1, 2.0];  // through_time.STEPS_RANGE, SCALE_RANGE
const TT_SEED_LIMIT = 4294967295;                   // through_time.SEED_LIMIT

// The numbers for a setting of the controls (used where there is no kernel), as
// ThroughTime.compute: new weights only when the seed changed (state.network otherwise).
function compute(state, before) {
  const c = state.controls;
  const keep = state.network && before && before.seed === c.seed;
  const network = keep ? state.network : throughTimeNetwork(c.seed);
  return { network, result: throughTimeState(c, network) };
}

// What the buttons ask for where there is no kernel; each mirrors a method of ThroughTime.
const actions = {
  // Mirrors ThroughTime.new_seed.
  new_seed(state) {
    const controls = { ...state.controls, seed: (state.controls.seed + 1) % TT_SEED_LIMIT };
    const network = throughTimeNetwork(controls.seed);
    return { controls, network, result: throughTimeState(controls, network) };
  },
  // Mirrors ThroughTime.reset.
  reset(state) {
    const controls = { ...state.initial };
    const network = state.controls.seed === controls.seed ? state.network
      : throughTimeNetwork(controls.seed);
    return { controls, network, result: throughTimeState(controls, network) };
  },
};

// ------------------------------------------------------------------ drawing helpers

// 10^k as text: "10⁻⁶", "1", "10", "10³".
const TT_SUPERSCRIPT = { "-": "\u207b", 0: "\u2070", 1: "\u00b9", 2: "\u00b2", 3: "\u00b3",
  4: "\u2074", 5: "\u2075", 6: "\u2076", 7: "\u2077", 8: "\u2078", 9: "\u2079" };
function ttPowerOfTen(k) {
  if (k === 0) return "1";
  if (k === 1) return "10";
  return "10" + String(k).split("").map((ch) => TT_SUPERSCRIPT[ch]).join("");
}

// Bars on a logarithmic value axis, one per time step t = 0..T, from the foot of the axis
// up to each positive value. Returns {svg, draw(norms)}.
const TT_W = 400, TT_H = 250;
function timeBarChart(parent) {
  const m = { left: 58, right: 12, top: 26, bottom: 44 };
  const box = { x0: m.left, x1: TT_W - m.right, y0: m.top, y1: TT_H - m.bottom };
  const svg = s("svg", { viewBox: `0 0 ${TT_W} ${TT_H}`, class: "bpw-svg", role: "img" }, parent);
  svg.style.maxWidth = `${TT_W}px`;
  s("text", { x: TT_W / 2, y: 16, "text-anchor": "middle", class: "bpw-title",
    text: "Gradient reaching each state" }, svg);
  s("text", { x: (box.x0 + box.x1) / 2, y: TT_H - 6, "text-anchor": "middle",
    text: "time step t (the loss is at the last)" }, svg);
  const ymid = (box.y0 + box.y1) / 2;
  s("text", { x: 13, y: ymid, "text-anchor": "middle", transform: `rotate(-90 13 ${ymid})`,
    text: "\u2016\u2202L/\u2202h\u209c\u2016 (log scale)" }, svg);
  s("rect", { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0,
    class: "bpw-frame" }, svg);
  const axes = s("g", {}, svg), bars = s("g", {}, svg);

  function draw(norms) {
    const positive = norms.filter((v) => v > 0 && Number.isFinite(v));
    const lo = positive.length ? Math.floor(Math.log10(Math.min(...positive))) : -1;
    let hi = positive.length ? Math.ceil(Math.log10(Math.max(...positive))) : 0;
    if (hi <= lo) hi = lo + 1;
    const n = norms.length, slot = (box.x1 - box.x0) / n;
    const sx = (k) => box.x0 + (k + 0.5) * slot;
    const sy = (v) => box.y1 - ((Math.log10(v) - lo) / (hi - lo)) * (box.y1 - box.y0);
    axes.replaceChildren();
    const every = Math.ceil((hi - lo) / 6);
    for (let k = lo; k <= hi; k++) {
      const y = sy(10 ** k);
      s("line", { x1: box.x0 - 4, x2: box.x0, y1: y, y2: y, class: "bpw-axis" }, axes);
      if ((k - lo) % every === 0) {
        s("text", { x: box.x0 - 6, y: y + 4, "text-anchor": "end", text: ttPowerOfTen(k) }, axes);
      }
    }
    const labelEvery = n <= 11 ? 1 : n <= 26 ? 5 : n <= 51 ? 10 : 20;
    for (let t = 0; t < n; t++) {
      if (t % labelEvery !== 0 && t !== n - 1) continue;
      if (t !== n - 1 && n - 1 - t < labelEvery / 2) continue;  // no crowding the last label
      const x = sx(t);
      s("line", { x1: x, x2: x, y1: box.y1, y2: box.y1 + 4, class: "bpw-axis" }, axes);
      s("text", { x, y: box.y1 + 17, "text-anchor": "middle", text: String(t) }, axes);
    }
    const barWidth = Math.max(1, Math.min(24, 0.7 * slot));
    bars.replaceChildren();
    norms.forEach((v, t) => {
      const what = `step ${t}${t === n - 1 ? " (the loss)" : ""}: \u2016\u2202L/\u2202h\u2016 = ${fmt(v)}`;
      if (v > 0 && Number.isFinite(v)) {
        const rect = s("rect", { x: sx(t) - barWidth / 2, y: sy(v), width: barWidth,
          height: box.y1 - sy(v), fill: ACCENT, stroke: "var(--bpw-fg)",
          "stroke-width": n > 40 ? 0 : 0.6 }, bars);
        rect.dataset.step = String(t);
        rect.dataset.exact = String(v);
        s("title", { text: what }, rect);
      } else {
        const g = s("g", {}, bars);
        s("title", { text: what }, g);
        s("text", { x: sx(t), y: box.y1 - 6, "text-anchor": "middle",
          text: Number.isFinite(v) ? "0" : "?" }, g);
      }
    });
  }
  return { svg, draw };
}

// ------------------------------------------------------------------ render

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const root = h("div", { class: "bpw bpw-through-time", tabindex: "-1" });
  root.dataset.widget = "through_time";
  el.append(root);

  function setControls(values) {
    model.set("controls", { ...model.get("controls"), ...values });
    model.save_changes();
  }
  const c0 = model.get("controls");
  const stepsSlider = slider({ name: "steps", label: "steps T", min: TT_STEPS[0],
    max: TT_STEPS[1], step: 1, value: c0.steps, digits: 3,
    onInput: (v) => setControls({ steps: Math.round(v) }) });
  stepsSlider.input.setAttribute("aria-label", "steps T: the length of the sequence");
  const scaleSlider = slider({ name: "scale", label: "\u2016W\u2095\u2016\u2082", min: TT_SCALE[0],
    max: TT_SCALE[1], step: 0.05, value: c0.scale, digits: 3,
    onInput: (v) => setControls({ scale: Math.round(v * 100) / 100 }) });
  scaleSlider.input.setAttribute("aria-label",
    "scale: the largest singular value of the recurrent weights");
  const seedText = h("span", { class: "bpw-num" });
  const seedButton = button("New seed", () => model.send({ event: "new_seed" }),
    { "aria-label": "New seed: draw new weights, inputs and target" });
  const resetButton = button("Reset", () => model.send({ event: "reset" }),
    { "aria-label": "Reset the controls to their starting settings" });
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "the recurrent network" },
  h("fieldset", {}, h("legend", { text: "sequence and weights" }), stepsSlider.row,
    scaleSlider.row),
  h("fieldset", {}, h("legend", { text: "random draw" }),
    h("p", { class: "bpw-status" }, "seed ", seedText), h("div", {}, seedButton, resetButton)));

  const view = h("div", { class: "bpw-view" });
  const status = h("div", { class: "bpw-status", role: "status", "aria-live": "polite" });
  const lossLine = h("p", { class: "bpw-status" });
  const ratioLine = h("p", { class: "bpw-status" });
  const boundLine = h("p", { class: "bpw-note" });
  status.append(lossLine, ratioLine, boundLine);
  const chartBox = h("div", {});
  const chart = timeBarChart(chartBox);
  const caption = h("p", { class: "bpw-caption", id: uid("tt-desc") });
  chart.svg.setAttribute("aria-describedby", caption.id);
  view.append(status, chartBox, caption);
  root.append(h("div", { class: "bpw-row" }, controls, view));

  function draw() {
    const c = model.get("controls");
    const r = model.get("result");
    if (stepsSlider.value !== c.steps) stepsSlider.value = c.steps;
    if (scaleSlider.value !== c.scale) scaleSlider.value = c.scale;
    seedText.textContent = String(c.seed);
    const norms = r.norms.map((v) => (v === null ? NaN : v));
    chart.draw(norms);
    const loss = numberSpan(r.loss);
    loss.dataset.role = "loss";
    lossLine.replaceChildren(`${r.steps} step${r.steps > 1 ? "s" : ""}, `
      + `\u2016W\u2095\u2016\u2082 = ${fmt(r.scale, 3)}: loss at the last step `, loss);
    const last = numberSpan(norms[norms.length - 1]);
    last.dataset.role = "last";
    const first = numberSpan(norms[0]);
    first.dataset.role = "first";
    const ratio = numberSpan(r.ratio === null ? NaN : r.ratio);
    ratio.dataset.role = "ratio";
    ratioLine.replaceChildren("\u2016\u2202L/\u2202h\u2080\u2016 = ", first, ", \u2016\u2202L/\u2202h\u209c\u2016 at the last step = ",
      last, ": ratio ", ratio);
    boundLine.textContent = `The bound: the ratio is at most ${fmt(r.scale, 3)} to the power `
      + `${r.steps}, ${fmt(r.scale ** r.steps, 3)}.`;
    const description = "Bars on a logarithmic scale: the size of the gradient reaching each "
      + `hidden state, step 0 to ${r.steps}, for ${r.steps} steps, largest singular value `
      + `${fmt(r.scale, 3)}, seed ${r.seed}. The state before the first step receives `
      + `${fmt(r.ratio === null ? NaN : r.ratio, 3)} times the gradient of the last.`;
    caption.textContent = description;
    chart.svg.setAttribute("aria-label", description);
  }
  for (const trait of ["controls", "result"]) model.on(`change:${trait}`, draw);
  draw();
  return () => {
    for (const trait of ["controls", "result"]) model.off(`change:${trait}`, draw);
  };
}

export default { render, compute, actions };
