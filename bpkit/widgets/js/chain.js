// chain.js: the chain-rule widget (Chapter 1). Draws the graph of f = (x y + z) sigma(x)
// with every node's value and every edge's local derivative, and the table of path products.
//
// Model traits (bpkit.widgets.chain.ChainRuleWidget):
//   controls  {x, y, z}                 the inputs; the sliders write them
//   initial   {x, y, z}                 where Reset returns
//   result    what bpkit (in a kernel) or chainState (on the website) computed:
//             {values, local_grads, paths, path_sums, grads}

// Where each node is drawn (SVG units), inputs on the left. The drawing is 400 units wide,
// so that on a phone (358 px) its 13-unit text is still 11.6 px; labels sit at the middle of
// their edge, placed so that no label touches a node or another label.
const CHAIN_W = 400, CHAIN_H = 322;
const CHAIN_POS = { x: [32, 72], y: [32, 162], z: [32, 252], m: [140, 117],
  s: [250, 52], u: [250, 200], f: [362, 126] };
const CHAIN_LEGEND = "m = x\u00b7y,  u = m + z,  s = \u03c3(x),  f = u\u00b7s";

// The numbers for a setting of the controls (used where there is no kernel), as
// ChainRuleWidget.compute gives them.
function compute(state) {
  const c = state.controls;
  return { result: chainState(c.x, c.y, c.z) };
}

// What the buttons do where there is no kernel; each mirrors a method of ChainRuleWidget.
const actions = {
  reset(state) {
    const controls = { ...state.initial };
    return { controls, result: chainState(controls.x, controls.y, controls.z) };
  },
};

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const root = h("div", { class: "bpw bpw-chain", tabindex: "-1" });
  root.dataset.widget = "chain";
  el.append(root);

  // Controls: one slider per input.
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "inputs of f" });
  const sliders = {};
  for (const name of CHAIN_INPUTS) {
    sliders[name] = slider({ name, label: name, min: -3, max: 3, step: 0.05,
      value: model.get("controls")[name], digits: 3,
      onInput: (v) => {
        model.set("controls", { ...model.get("controls"), [name]: v });
        model.save_changes();
      } });
    controls.append(sliders[name].row);
  }
  controls.append(button("Reset", () => model.send({ event: "reset" }),
    { "aria-label": "Reset the inputs" }));

  // The drawing.
  const view = h("div", { class: "bpw-view" });
  const W = CHAIN_W, H = CHAIN_H;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "bpw-svg", role: "img" });
  svg.style.maxWidth = `${W}px`;
  s("text", { x: W / 2, y: 16, "text-anchor": "middle", class: "bpw-title",
    text: "f = (x\u00b7y + z)\u00b7\u03c3(x)" }, svg);
  s("text", { x: W / 2, y: H - 26, "text-anchor": "middle", text: CHAIN_LEGEND }, svg);
  s("text", { x: W / 2, y: H - 6, "text-anchor": "middle",
    text: "forward: inputs \u2192 f; backward: f \u2192 inputs" }, svg);
  const defs = s("defs", {}, svg);
  for (const [id, colour] of [["pos", POSITIVE], ["neg", NEGATIVE]]) {
    const marker = s("marker", { id: `bpw-arrow-${id}-${uid("m")}`, viewBox: "0 0 10 10",
      refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    s("path", { d: "M0,0 L10,5 L0,10 z", fill: colour }, marker);
    defs[id] = marker.id;
  }
  const edgeLayer = s("g", {}, svg);
  const labelLayer = s("g", {}, svg);
  const nodeLayer = s("g", {}, svg);
  const edgeViews = {};
  const nodeViews = {};
  const boxW = 52, boxH = 40;
  for (const [name, [x, y]] of Object.entries(CHAIN_POS)) {
    const g = s("g", { "data-node": name }, nodeLayer);
    s("rect", { x: x - boxW / 2, y: y - boxH / 2, width: boxW, height: boxH, rx: 6,
      class: "bpw-node" }, g);
    s("text", { x, y: y - 5, "text-anchor": "middle", text: name, class: "bpw-title" }, g);
    nodeViews[name] = s("text", { x, y: y + 13, "text-anchor": "middle", class: "bpw-value" },
      g);
  }
  function edgeEnds(p, c) {
    // from the parent's box edge to the child's box edge, along the centre line
    const [x0, y0] = CHAIN_POS[p], [x1, y1] = CHAIN_POS[c];
    const dx = x1 - x0, dy = y1 - y0;
    const clip = (sx, sy) => Math.min((boxW / 2 + 3) / Math.abs(sx || 1e-9),
      (boxH / 2 + 3) / Math.abs(sy || 1e-9));
    const t0 = clip(dx, dy), t1 = clip(dx, dy);
    return [x0 + dx * t0, y0 + dy * t0, x1 - dx * t1, y1 - dy * t1];
  }
  for (const [p, c] of [["x", "m"], ["y", "m"], ["m", "u"], ["z", "u"], ["x", "s"],
    ["u", "f"], ["s", "f"]]) {
    const [x0, y0, x1, y1] = edgeEnds(p, c);
    const line = s("line", { x1: x0, y1: y0, x2: x1, y2: y1, "stroke-width": 2 }, edgeLayer);
    const lx = (CHAIN_POS[p][0] + CHAIN_POS[c][0]) / 2;
    const ly = (CHAIN_POS[p][1] + CHAIN_POS[c][1]) / 2;
    const g = s("g", { "data-edge": `${p}>${c}` }, labelLayer);
    const box = s("rect", { x: lx - 27, y: ly - 10.5, width: 54, height: 21, rx: 4,
      class: "bpw-label-box" }, g);
    const text = s("text", { x: lx, y: ly + 4.5, "text-anchor": "middle" }, g);
    edgeViews[`${p}>${c}`] = { line, box, text };
  }
  const caption = h("p", { class: "bpw-caption", id: uid("chain-desc") });
  svg.setAttribute("aria-describedby", caption.id);
  view.append(svg, caption);

  // The table of paths.
  const tableWrap = h("div", { class: "bpw-scroll" });
  const table = h("table", { class: "bpw-table" });
  tableWrap.append(table);
  view.append(tableWrap);

  root.append(h("div", { class: "bpw-row" }, controls, view));

  function draw() {
    const r = model.get("result");
    const c = model.get("controls");
    for (const name of CHAIN_INPUTS) {
      if (Math.abs(sliders[name].value - c[name]) > 1e-12) sliders[name].value = c[name];
    }
    for (const [name, text] of Object.entries(nodeViews)) setNumber(text, r.values[name]);
    for (const [p, c2, g] of r.local_grads) {
      const e = edgeViews[`${p}>${c2}`];
      const colour = g >= 0 ? POSITIVE : NEGATIVE;
      e.line.setAttribute("stroke", colour);
      e.line.setAttribute("marker-end", `url(#${g >= 0 ? defs.pos : defs.neg})`);
      e.box.setAttribute("stroke", colour);
      setNumber(e.text, g, true);
    }
    const v = r.values;
    const description = `Computational graph of f = (x·y + z)·σ(x) at x = ${fmt(v.x)}, `
      + `y = ${fmt(v.y)}, z = ${fmt(v.z)}: m = x·y = ${fmt(v.m)}, u = m + z = ${fmt(v.u)}, `
      + `s = σ(x) = ${fmt(v.s)}, f = u·s = ${fmt(v.f)}. Each arrow carries the local `
      + `derivative of the node it points to with respect to the node it starts from: `
      + r.local_grads.map(([p, c2, g]) => `∂${c2}/∂${p} = ${fmt(g)}`).join(", ") + ".";
    caption.textContent = description;
    svg.setAttribute("aria-label", description);

    const rows = [h("caption", { text: "\u2202f/\u2202input is the sum of the products along "
      + "its paths from f" }),
    h("tr", {}, h("th", { scope: "col", text: "input" }), h("th", { scope: "col",
      text: "path from f" }), h("th", { scope: "col", text: "local derivatives" }),
    h("th", { scope: "col", text: "product" }))];
    const local = {};
    for (const [p, c2, g] of r.local_grads) local[`${p}>${c2}`] = g;
    for (const name of CHAIN_INPUTS) {
      for (const [path, product] of r.paths[name]) {
        const factors = [];
        for (let k = 0; k + 1 < path.length; k++) factors.push(fmt(local[`${path[k + 1]}>${path[k]}`]));
        const tr = h("tr", { "data-input": name, "data-path": path.join("<") },
          h("td", { text: name }), h("td", { text: path.join(" \u2190 ") }),
          h("td", { text: factors.join(" \u00d7 ") }), h("td", {}, numberSpan(product, true)));
        rows.push(tr);
      }
      const sum = h("tr", { "data-input": name, "data-row": "sum", class: "bpw-sum" },
        h("td", { text: name }), h("td", { text: "sum over paths" }),
        h("td", {}, "backward: ", numberSpan(r.grads[name], true)),
        h("td", {}, numberSpan(r.path_sums[name], true)));
      sum.style.fontWeight = "600";
      rows.push(sum);
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
