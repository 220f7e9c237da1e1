// conv.js: the convolution explorer (Chapter 9). Pick a digit, a 3x3 kernel and an output
// position (i, j) of the convolution with stride 1 and padding 1; see the window of the padded
// digit under the kernel, the output map y = x * W with y[i][j] marked, and, for dL/dy = 1 at
// (i, j), the gradients that flow back: dW (the window) and dx (the kernel laid on the window).
//
// Model traits (bpkit.widgets.conv.ConvExplorer):
//   controls  {digit, kernel, i, j}     the menus and sliders write them
//   initial   the same keys: where Reset returns
//   data      {digits: [{name, x: 8x8}], kernels: [{name, W: 3x3}]}   what the menus offer
//   result    {y: 8x8, value, window: 3x3, dW: 3x3, db, dx: 8x8}     (conv_state)

// The numbers for a setting of the controls where there is no kernel, as
// ConvExplorer.compute gives them (convState in port.js mirrors bpkit.widgets.conv.conv_state).
function compute(state) {
  return { result: convState(state.controls, state.data) };
}

const actions = {
  // Mirrors ConvExplorer.reset.
  reset(state) {
    const controls = { ...state.initial };
    return { controls, result: convState(controls, state.data) };
  },
};

const PIXEL = 18, NUMBER_CELL = 46, MAP_CELL = 20;

// A grid of rows x cols cells at (x0, y0): {rects, texts (if numbers), frame}.
function grid(parent, x0, y0, cell, rows, cols, numbers = false) {
  const g = s("g", {}, parent);
  const rects = [], texts = [];
  for (let r = 0; r < rows; r++) {
    rects.push([]);
    texts.push([]);
    for (let c = 0; c < cols; c++) {
      rects[r].push(s("rect", { x: x0 + c * cell, y: y0 + r * cell, width: cell, height: cell,
        fill: "none", stroke: "var(--bpw-muted)", "stroke-width": 0.6 }, g));
      if (numbers) {
        texts[r].push(s("text", { x: x0 + (c + 0.5) * cell, y: y0 + (r + 0.5) * cell + 4.5,
          "text-anchor": "middle" }, g));
      }
    }
  }
  return { g, rects, texts, x0, y0, cell };
}

// The colour of a signed value: blue positive, vermillion negative, stronger when larger.
function signedFill(v, scale) {
  if (v === 0 || scale === 0) return "none";
  const alpha = Math.min(1, Math.abs(v) / scale);
  return `${v > 0 ? POSITIVE : NEGATIVE}${Math.round(25 + 230 * alpha).toString(16).padStart(2, "0")}`;
}

function greyFill(v) {
  const level = Math.round(255 * (1 - Math.max(0, Math.min(1, v))));
  return `rgb(${level},${level},${level})`;
}

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const root = h("div", { class: "bpw bpw-conv", tabindex: "-1" });
  root.dataset.widget = "conv";
  el.append(root);
  const data = model.get("data");

  // ------------------------------------------------------------------ controls
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "digit, kernel and output position" });
  function setControls(values) {
    model.set("controls", { ...model.get("controls"), ...values });
    model.save_changes();
  }
  const selects = {};
  for (const [name, label, options] of [["digit", "digit", data.digits],
    ["kernel", "kernel", data.kernels]]) {
    const id = uid(name);
    const select = ownKeys(h("select", { id, name }));
    options.forEach((o, k) => select.append(h("option", { value: String(k), text: o.name })));
    select.addEventListener("change", () => setControls({ [name]: Number(select.value) }));
    selects[name] = select;
    controls.append(h("div", { class: "bpw-select" }, h("label", { for: id, text: label }), select));
  }
  const sliders = {};
  for (const [name, label] of [["i", "row i"], ["j", "col j"]]) {
    sliders[name] = slider({ name, label, min: 0, max: CONV_SIDE - 1, step: 1,
      value: model.get("controls")[name], digits: 1,
      onInput: (v) => setControls({ [name]: Math.round(v) }) });
    sliders[name].input.setAttribute("aria-label",
      name === "i" ? "output row i" : "output column j");
    controls.append(sliders[name].row);
  }
  controls.append(h("div", {}, button("Reset", () => model.send({ event: "reset" }),
    { "aria-label": "Reset to the starting digit, kernel and position" })));
  controls.append(h("p", { class: "bpw-note", text: "Stride 1, padding 1: the 8x8 digit is "
    + "surrounded by a ring of zeros (dashed), and the output is 8x8 too. Backward: "
    + "dL/dy = 1 at (i, j), 0 elsewhere." }));

  // ------------------------------------------------------------------ forward
  const view = h("div", { class: "bpw-view" });
  const status = h("p", { class: "bpw-status", role: "status", "aria-live": "polite" });
  const W_SVG = 380;
  const forward = s("svg", { viewBox: `0 0 ${W_SVG} 250`, class: "bpw-svg", role: "img" });
  forward.style.maxWidth = `${W_SVG}px`;
  s("text", { x: 10, y: 16, class: "bpw-title", text: "Forward: the window and the output" },
    forward);
  s("text", { x: 10, y: 40, text: "padded digit x" }, forward);
  const input = grid(forward, 10, 48, PIXEL, CONV_SIDE + 2, CONV_SIDE + 2);
  s("rect", { x: 10 + PIXEL, y: 48 + PIXEL, width: CONV_SIDE * PIXEL, height: CONV_SIDE * PIXEL,
    fill: "none", stroke: "var(--bpw-fg)", "stroke-dasharray": "4 3" }, forward);
  const inputWindow = s("rect", { width: CONV_K * PIXEL, height: CONV_K * PIXEL, fill: "none",
    stroke: ACCENT, "stroke-width": 3 }, forward);
  s("text", { x: 220, y: 40, text: "output y" }, forward);
  const output = grid(forward, 220, 48, MAP_CELL, CONV_SIDE, CONV_SIDE);
  const outputCell = s("rect", { width: MAP_CELL, height: MAP_CELL, fill: "none",
    stroke: ACCENT, "stroke-width": 3 }, forward);

  const numbers = s("svg", { viewBox: `0 0 ${W_SVG} 200`, class: "bpw-svg", role: "img" });
  numbers.style.maxWidth = `${W_SVG}px`;
  s("text", { x: 10, y: 16, class: "bpw-title", text: "The window times the kernel" }, numbers);
  s("text", { x: 10, y: 40, text: "window of x" }, numbers);
  const windowGrid = grid(numbers, 10, 48, NUMBER_CELL, CONV_K, CONV_K, true);
  s("text", { x: 200, y: 40, text: "kernel W" }, numbers);
  const kernelGrid = grid(numbers, 200, 48, NUMBER_CELL, CONV_K, CONV_K, true);

  // ------------------------------------------------------------------ backward
  const backward = s("svg", { viewBox: `0 0 ${W_SVG} 250`, class: "bpw-svg", role: "img" });
  backward.style.maxWidth = `${W_SVG}px`;
  s("text", { x: 10, y: 16, class: "bpw-title", text: "Backward, dL/dy = 1 at (i, j)" },
    backward);
  s("text", { x: 10, y: 40, text: "dW = window" }, backward);
  const dWGrid = grid(backward, 10, 48, NUMBER_CELL, CONV_K, CONV_K, true);
  s("text", { x: 200, y: 40, text: "dx: W on the window" }, backward);
  const dxMap = grid(backward, 200, 48, MAP_CELL, CONV_SIDE, CONV_SIDE);
  const dxWindow = s("rect", { fill: "none", stroke: ACCENT, "stroke-width": 3 }, backward);
  const dbText = s("text", { x: 10, y: 200 }, backward);
  const dxText = s("text", { x: 10, y: 220 }, backward);

  const legend = h("p", { class: "bpw-note", text: "Colours: blue positive, vermillion "
    + "negative, stronger when larger; the digit in grey. The green square is the window "
    + "under the kernel for output (i, j)." });
  const caption = h("p", { class: "bpw-caption", id: uid("conv-desc") });
  for (const svg of [forward, numbers, backward]) svg.setAttribute("aria-describedby", caption.id);
  view.append(status, forward, numbers, backward, legend, caption);
  root.append(h("div", { class: "bpw-row" }, controls, view));

  function fillNumbers(g, values, role) {
    const scale = Math.max(...values.flat().map(Math.abs));
    values.forEach((row, r) => row.forEach((v, c) => {
      setNumber(g.texts[r][c], v, false, 2);
      g.texts[r][c].dataset.role = `${role}-${r}-${c}`;
      g.rects[r][c].setAttribute("stroke", v === 0 ? "var(--bpw-muted)" : v > 0 ? POSITIVE : NEGATIVE);
      g.rects[r][c].setAttribute("stroke-width", v === 0 ? 0.6 : (1 + 2.5 * Math.abs(v) / (scale || 1)).toFixed(2));
    }));
  }

  function draw() {
    const c = model.get("controls");
    const r = model.get("result");
    for (const name of ["i", "j"]) {
      if (sliders[name].value !== c[name]) sliders[name].value = c[name];
    }
    for (const name of ["digit", "kernel"]) {
      if (selects[name].value !== String(c[name])) selects[name].value = String(c[name]);
    }
    const x = data.digits[c.digit].x, W = data.kernels[c.kernel].W;
    for (let a = 0; a < CONV_SIDE + 2; a++) {
      for (let b = 0; b < CONV_SIDE + 2; b++) {
        const inside = a >= 1 && a <= CONV_SIDE && b >= 1 && b <= CONV_SIDE;
        input.rects[a][b].setAttribute("fill", inside ? greyFill(x[a - 1][b - 1]) : "none");
      }
    }
    inputWindow.setAttribute("x", input.x0 + c.j * PIXEL);
    inputWindow.setAttribute("y", input.y0 + c.i * PIXEL);
    const yScale = Math.max(...r.y.flat().map(Math.abs));
    const dxScale = Math.max(...r.dx.flat().map(Math.abs));
    for (let a = 0; a < CONV_SIDE; a++) {
      for (let b = 0; b < CONV_SIDE; b++) {
        output.rects[a][b].setAttribute("fill", signedFill(r.y[a][b], yScale));
        output.rects[a][b].dataset.exact = String(r.y[a][b]);
        dxMap.rects[a][b].setAttribute("fill", signedFill(r.dx[a][b], dxScale));
        dxMap.rects[a][b].dataset.exact = String(r.dx[a][b]);
      }
    }
    outputCell.setAttribute("x", output.x0 + c.j * MAP_CELL);
    outputCell.setAttribute("y", output.y0 + c.i * MAP_CELL);
    // the window on dx: the pixels of the padded window that are pixels of the digit
    const top = Math.max(0, c.i - 1), left = Math.max(0, c.j - 1);
    const bottom = Math.min(CONV_SIDE, c.i + 2), right = Math.min(CONV_SIDE, c.j + 2);
    dxWindow.setAttribute("x", dxMap.x0 + left * MAP_CELL);
    dxWindow.setAttribute("y", dxMap.y0 + top * MAP_CELL);
    dxWindow.setAttribute("width", (right - left) * MAP_CELL);
    dxWindow.setAttribute("height", (bottom - top) * MAP_CELL);
    fillNumbers(windowGrid, r.window, "window");
    fillNumbers(kernelGrid, W, "kernel");
    fillNumbers(dWGrid, r.dW, "dW");
    setNumber(dbText, r.db);
    dbText.textContent = `db = ${dbText.textContent}`;
    const dxSum = r.dx.flat().reduce((acc, v) => acc + v, 0);
    setNumber(dxText, dxSum);
    dxText.dataset.role = "dx-sum";
    dxText.textContent = `sum of dx = ${fmt(dxSum)}`;
    status.replaceChildren(`y[${c.i}][${c.j}] = `, numberSpan(r.value),
      ` for digit "${data.digits[c.digit].name}" and kernel "${data.kernels[c.kernel].name}"`);
    status.firstElementChild.dataset.role = "value";
    const description = `Digit "${data.digits[c.digit].name}", kernel `
      + `"${data.kernels[c.kernel].name}", output position row ${c.i}, column ${c.j}. `
      + `The window of the padded digit is ${r.window.map((row) => row.map((v) => fmt(v, 2))
        .join(" ")).join(" / ")}; the kernel is ${W.map((row) => row.map((v) => fmt(v, 2))
        .join(" ")).join(" / ")}; their products add up to y = ${fmt(r.value)}. With dL/dy = 1 `
      + `at that position, dW equals the window and dx is the kernel laid on the window `
      + `(zero elsewhere); db = ${fmt(r.db)}.`;
    caption.textContent = description;
    forward.setAttribute("aria-label", `The padded digit with the window at row ${c.i}, `
      + `column ${c.j}, and the output map with y[${c.i}][${c.j}] = ${fmt(r.value)} marked.`);
    numbers.setAttribute("aria-label", "The window's pixels and the kernel's weights.");
    backward.setAttribute("aria-label", "The gradients: dW, the window's pixels, and dx, the "
      + "kernel placed on the window.");
  }
  for (const trait of ["controls", "result"]) model.on(`change:${trait}`, draw);
  draw();
  return () => {
    for (const trait of ["controls", "result"]) model.off(`change:${trait}`, draw);
  };
}

export default { render, compute, actions };
