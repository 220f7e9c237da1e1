// stepper.js: the backward stepper (Chapter 8). Draws the graph of a small expression with
// every node's value, and reveals the nodes' gradients one at a time, in reverse topological
// order, as the backward pass completes them.
//
// Model traits (bpkit.widgets.stepper.BackwardStepper):
//   controls  {expression, x, y, w, b, step}   step = how many gradients are revealed
//   initial   the controls Reset returns to
//   result    what bpkit (in a kernel) or stepperState (on the website) computed:
//             {order, values, edges, grads}

// Where each node is drawn (SVG units), inputs on the left, f on the right. The drawing is
// 410 units wide, so that on a phone (358 px) its 13-unit text is still 11.3 px.
const STEPPER_W = 410, STEPPER_H = 318;
const STEPPER_POS = {
  reuse: { x: [40, 70], y: [40, 230], m: [175, 230], f: [335, 150] },
  neuron: { x: [40, 70], w: [40, 165], b: [40, 260], m: [130, 165], u: [215, 215],
    a: [295, 140], f: [365, 70] },
  square: { x: [40, 70], y: [40, 230], u: [150, 110], q: [260, 110], f: [360, 230] },
};
const STEPPER_BOX = [74, 56];
const STEPPER_RANGE = [-2, 2];

function stepperCompute(c) {
  return stepperState(c.expression, c);
}

// The numbers for a setting of the controls (used where there is no kernel), as
// BackwardStepper.compute gives them.
function compute(state) {
  return { result: stepperCompute(state.controls) };
}

// What the buttons do where there is no kernel; each mirrors a method of BackwardStepper.
const actions = {
  step(state) {
    const c = state.controls;
    const n = state.result.order.length;
    return { controls: { ...c, step: Math.min(c.step + 1, n) }, result: state.result };
  },
  run(state) {
    return { controls: { ...state.controls, step: state.result.order.length },
      result: state.result };
  },
  reset(state) {
    const controls = { ...state.initial };
    return { controls, result: stepperCompute(controls) };
  },
};

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const root = h("div", { class: "bpw bpw-stepper", tabindex: "-1" });
  root.dataset.widget = "stepper";
  el.append(root);

  // Controls: the expression, one slider per input it uses, the buttons.
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "expression and inputs" });
  const selectId = uid("expression");
  const select = ownKeys(h("select", { id: selectId, name: "expression" }));
  for (const [name, e] of Object.entries(STEPPER_EXPRESSIONS)) {
    select.append(h("option", { value: name, text: e.formula }));
  }
  select.addEventListener("change", () => {
    model.set("controls", { ...model.get("controls"), expression: select.value, step: 0 });
    model.save_changes();
  });
  const pick = h("div", { class: "bpw-select" }, h("label", { for: selectId,
    text: "expression" }), select);
  const sliders = {};
  for (const name of ["x", "y", "w", "b"]) {
    sliders[name] = slider({ name, label: name, min: STEPPER_RANGE[0], max: STEPPER_RANGE[1],
      step: 0.05, value: model.get("controls")[name], digits: 3,
      onInput: (v) => {
        model.set("controls", { ...model.get("controls"), [name]: v });
        model.save_changes();
      } });
  }
  const sliderBox = h("div", {});
  const buttons = h("div", {},
    button("Step", () => model.send({ event: "step" }),
      { "aria-label": "Step: reveal the next gradient" }),
    button("Run all", () => model.send({ event: "run" }),
      { "aria-label": "Run all: reveal every gradient" }),
    button("Reset", () => model.send({ event: "reset" }),
      { "aria-label": "Reset the expression, the inputs and the steps" }));
  const status = h("p", { class: "bpw-status", "aria-live": "polite" });
  controls.append(pick, sliderBox, buttons, status);

  // The drawing and the table.
  const view = h("div", { class: "bpw-view" });
  const svg = s("svg", { viewBox: `0 0 ${STEPPER_W} ${STEPPER_H}`, class: "bpw-svg",
    role: "img" });
  svg.style.maxWidth = `${STEPPER_W}px`;
  const caption = h("p", { class: "bpw-caption", id: uid("stepper-desc") });
  svg.setAttribute("aria-describedby", caption.id);
  const tableWrap = h("div", { class: "bpw-scroll" });
  const table = h("table", { class: "bpw-table" });
  tableWrap.append(table);
  view.append(svg, caption, tableWrap);
  root.append(h("div", { class: "bpw-row" }, controls, view));

  let drawn = null;  // the expression the SVG was built for

  function buildDrawing(name) {
    svg.replaceChildren();
    const pos = STEPPER_POS[name];
    const [bw, bh] = STEPPER_BOX;
    s("text", { x: STEPPER_W / 2, y: 16, "text-anchor": "middle", class: "bpw-title",
      text: STEPPER_EXPRESSIONS[name].formula }, svg);
    s("text", { x: STEPPER_W / 2, y: STEPPER_H - 6, "text-anchor": "middle",
      text: "u\u0304 = \u2202f/\u2202u for each node u, from f back to the inputs" }, svg);
    const edgeLayer = s("g", {}, svg);
    const nodeLayer = s("g", {}, svg);
    const views = { nodes: {}, edges: [] };
    const r = model.get("result");
    const seen = {};
    for (const [p, c] of r.edges) {
      const [x0, y0] = pos[p], [x1, y1] = pos[c];
      const key = `${p}>${c}`;
      const offset = seen[key] ? 7 : (r.edges.filter(([a, b]) => `${a}>${b}` === key).length > 1 ? -7 : 0);
      seen[key] = true;
      const dx = x1 - x0, dy = y1 - y0;
      const clip = Math.min((bw / 2 + 2) / Math.abs(dx || 1e-9), (bh / 2 + 2) / Math.abs(dy || 1e-9));
      const line = s("line", { x1: x0 + dx * clip, y1: y0 + dy * clip + offset,
        x2: x1 - dx * clip, y2: y1 - dy * clip + offset, "stroke-width": 2 }, edgeLayer);
      line.dataset.edge = key;
      views.edges.push({ parent: p, child: c, line });
    }
    for (const [label, [x, y]] of Object.entries(pos)) {
      const g = s("g", { "data-node": label }, nodeLayer);
      const rect = s("rect", { x: x - bw / 2, y: y - bh / 2, width: bw, height: bh, rx: 6,
        class: "bpw-node" }, g);
      s("text", { x, y: y - 10, "text-anchor": "middle", text: label, class: "bpw-title" }, g);
      const value = s("text", { x, y: y + 6, "text-anchor": "middle", class: "bpw-value" }, g);
      const grad = s("text", { x, y: y + 22, "text-anchor": "middle", class: "bpw-grad" }, g);
      views.nodes[label] = { rect, value, grad };
    }
    drawn = { name, views };
  }

  function draw() {
    const c = model.get("controls");
    const r = model.get("result");
    const e = STEPPER_EXPRESSIONS[c.expression];
    if (select.value !== c.expression) select.value = c.expression;
    sliderBox.replaceChildren(...e.inputs.map((k) => sliders[k].row));
    for (const k of e.inputs) {
      if (Math.abs(sliders[k].value - c[k]) > 1e-12) sliders[k].value = c[k];
    }
    if (!drawn || drawn.name !== c.expression) buildDrawing(c.expression);
    const backwardOrder = r.order.slice().reverse();
    const revealed = new Set(backwardOrder.slice(0, c.step));
    const latest = c.step > 0 ? backwardOrder[c.step - 1] : null;
    for (const [label, v] of Object.entries(drawn.views.nodes)) {
      setNumber(v.value, r.values[label]);
      if (revealed.has(label)) {
        v.grad.textContent = `${label}\u0304 ${fmtSigned(r.grads[label])}`;
        v.grad.dataset.exact = String(r.grads[label]);
        v.rect.setAttribute("stroke", label === latest ? ACCENT : POSITIVE);
        v.rect.setAttribute("stroke-width", label === latest ? 3.5 : 2);
      } else {
        v.grad.textContent = `${label}\u0304 ?`;
        delete v.grad.dataset.exact;
        v.rect.removeAttribute("stroke");
        v.rect.removeAttribute("stroke-width");
      }
    }
    for (const { child, line } of drawn.views.edges) {
      // an edge carries the gradient once its child is complete and has passed it on
      const done = revealed.has(child);
      line.setAttribute("stroke", done ? POSITIVE : "var(--bpw-muted)");
      line.setAttribute("stroke-dasharray", done ? "" : "5 4");
    }
    const n = backwardOrder.length;
    status.textContent = c.step === 0
      ? `Step 0 of ${n}: no gradient yet. Step starts at f, where f\u0304 = 1.`
      : `Step ${c.step} of ${n}: the gradient of ${latest} is complete`
        + (c.step < n ? "; it is passed on to its parents." : "; the backward pass is done.");
    const shown = backwardOrder.slice(0, c.step)
      .map((k) => `\u2202f/\u2202${k} = ${fmt(r.grads[k])}`).join(", ");
    const description = `The graph of ${e.formula} at `
      + e.inputs.map((k) => `${k} = ${fmt(c[k])}`).join(", ")
      + `, each node with its value. Gradients revealed so far: ${shown || "none"}.`;
    caption.textContent = description;
    svg.setAttribute("aria-label", description);

    const rows = [h("caption", { text: "The nodes in the order the backward pass completes "
      + "them" }),
    h("tr", {}, h("th", { scope: "col", text: "node" }), h("th", { scope: "col",
      text: "computes" }), h("th", { scope: "col", text: "value" }),
    h("th", { scope: "col", text: "\u2202f/\u2202node" }))];
    for (const k of backwardOrder) {
      const gradCell = revealed.has(k) ? h("td", {}, numberSpan(r.grads[k], true))
        : h("td", { text: "?" });
      rows.push(h("tr", { "data-node": k }, h("td", { text: k }),
        h("td", { text: e.inner[k] || "input" }), h("td", {}, numberSpan(r.values[k])),
        gradCell));
    }
    table.replaceChildren(...rows);
  }
  model.on("change:result", draw);
  model.on("change:controls", draw);
  draw();
  return () => {
    model.off("change:result", draw);
    model.off("change:controls", draw);
  };
}

export default { render, compute, actions };
