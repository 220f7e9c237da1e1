// depth.js: the depth explorer (Chapters 3 and 6). A network of `depth` hidden layers of
// `width` units (sigmoid, tanh or ReLU, weights from Glorot or He; optionally a batch norm or
// a layer norm between each Linear layer and its activation, and residual connections around
// the hidden layers), a batch of `batch` inputs and targets; the size of each layer's error
// vector ||delta^l|| and the spread (standard deviation) of each layer's output, as bars on
// log scales, and the gradient check.
//
// Model traits (bpkit.widgets.depth.DepthExplorer):
//   controls  {depth, width, activation, init, norm, residual, batch, seed}   the sliders,
//             menus, switch and buttons write them
//   initial   the same keys: where Reset returns
//   result    {the controls' keys (what the numbers are for), norms, spreads, shrink,
//              n_params, checkable, check: null or {rel_error, rel_error_overall, near_kink,
//              layers}}; check is null until the gradient check has run, which the drawing
//              asks for (event "check") a moment after the controls come to rest, and stays
//              null when the network is too large to check (checkable false)
//   network   {weights: [[W, b], ...] one pair per Linear layer, x: batch rows of 4 numbers,
//              t: batch rows of 2}: what the result was computed on. In a kernel bpkit draws
//              them (NumPy); on the website the page draws its own from the seed (port.js
//              Random), so the numbers differ between the two for the same settings.

const DEPTH_N_IN = 4, DEPTH_N_OUT = 2;
const DEPTH_LIMITS = [1, 50], WIDTH_LIMITS = [2, 32], BATCH_LIMITS = [1, 64];
const DEPTH_ACTIVATIONS = [["sigmoid", "sigmoid"], ["tanh", "tanh"], ["relu", "ReLU"]];
const DEPTH_INITS = [["glorot", "Glorot"], ["he", "He"]];
const DEPTH_NORMS = [["none", "none"], ["batch", "batch norm"], ["layer", "layer norm"]];
// Mirrors bpkit.widgets.depth.NORMS.
const NORM_LAYERS = { none: null, batch: BatchNorm, layer: LayerNorm };
// The controls the weights, inputs and targets depend on (not the activation, the
// normalisation or the skips). Mirrors bpkit.widgets.depth.NETWORK_KEYS.
const DEPTH_NETWORK_KEYS = ["depth", "width", "init", "batch", "seed"];
const CHECK_STEP = 1e-5;     // bpkit.widgets.depth.CHECK_STEP, check_model's h
const CHECK_LIMIT = 1e8;     // bpkit.widgets.depth.CHECK_LIMIT
const CHECK_DELAY = 200;     // ms of rest before the gradient check runs
// One colour per activation (bpkit.plot.PALETTE 0, 1, 2), as the chapter's figures use.
const DEPTH_COLOURS = { sigmoid: "#E69F00", tanh: "#56B4E9", relu: ACCENT };
const SEED_LIMIT = 4294967295;  // bpkit.widgets.depth.SEED_LIMIT

// ------------------------------------------------------------------ the numbers

// The weights, inputs and targets of a setting, drawn with the page's generator. Mirrors
// bpkit.widgets.depth.make_network (build_network's layers and example's x and t), with
// port.js Random and initLinear in place of NumPy's generator.
function makeNetwork(c) {
  const rng = new Random(c.seed);
  const weights = [];
  let nIn = DEPTH_N_IN;
  for (let i = 0; i < c.depth; i++) {
    const layer = initLinear(nIn, c.width, c.init, rng);
    weights.push([layer.params.W, layer.params.b]);
    nIn = c.width;
  }
  const out = initLinear(nIn, DEPTH_N_OUT, "glorot", rng);
  weights.push([out.params.W, out.params.b]);
  const data = new Random(c.seed + 1);
  const batch = c.batch === undefined ? 1 : c.batch;
  const x = Array.from({ length: batch }, () => Array.from({ length: DEPTH_N_IN }, () => data.normal()));
  const t = Array.from({ length: batch }, () => Array.from({ length: DEPTH_N_OUT }, () => data.normal()));
  return { weights, x, t };
}

// Mirrors bpkit.widgets.depth._stack and network_from_state: Linear layers with copies of
// the weights (the gradient check moves them); after each hidden one the normalisation (if
// any) and the activation; with residual, each hidden layer whose input has its own width
// wrapped in a Residual.
function networkModel(network, activation, norm = "none", residual = false) {
  const Activation = ACTIVATION_LAYERS[activation];
  const Norm = NORM_LAYERS[norm];
  const layers = [];
  network.weights.forEach(([W, b], i) => {
    const lin = new Linear(W.map((row) => row.slice()), b.slice());
    if (i === network.weights.length - 1) {
      layers.push(lin);
      return;
    }
    const block = [lin, ...(Norm ? [new Norm(W.length)] : []), new Activation()];
    if (residual && W.length === W[0].length) layers.push(new Residual(new Sequential(...block)));
    else layers.push(...block);
  });
  return new Sequential(...layers);
}

// Mirrors bpkit.widgets.depth._forward_recording: run the layers, keeping the std of every
// hidden layer's output (after its activation, or after a Residual's sum).
function forwardRecording(layers, x, spreads) {
  for (const layer of layers) {
    x = layer.forward(x);
    if (layer instanceof Residual || layer instanceof Sigmoid || layer instanceof Tanh
      || layer instanceof ReLU) spreads.push(matrixStd(x));
  }
  return x;
}

// Mirrors bpkit.widgets.depth._backward_recording: the backward passes in reverse, keeping
// the gradient that arrives at each Linear layer's output (last layer first); a Residual
// followed into its branch, dy + the branch's backward (bpkit.layers.Residual.backward).
function backwardRecording(layers, d, deltas) {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer instanceof Residual) {
      const branch = backwardRecording(layer.inner.layers, d, deltas);
      d = d.map((row, n) => row.map((v, j) => v + branch[n][j]));
      continue;
    }
    if (layer instanceof Linear) deltas.push(d.map((row) => row.slice()));
    d = layer.backward(d);
  }
  return d;
}

// Mirrors bpkit.widgets.depth.layer_values: one forward and one backward pass; the spreads
// of the hidden layers' outputs and of y, and delta^l = dL/dz^l, first layer first.
function layerValues(model, lossFn, x, t) {
  const spreads = [];
  const y = forwardRecording(model.layers, x, spreads);
  spreads.push(matrixStd(y));
  lossFn.forward(y, t);
  const deltas = [];
  backwardRecording(model.layers, lossFn.backward(), deltas);
  return { spreads, deltas: deltas.reverse() };
}

// Mirrors bpkit.widgets.depth.error_vectors.
function errorVectors(model, lossFn, x, t) {
  return layerValues(model, lossFn, x, t).deltas;
}

// Helper: every number of a vector or a matrix, row by row (numpy's ravel order).
function flatRows(a) {
  return Array.isArray(a[0]) ? [].concat(...a) : a.slice();
}

// Mirrors numpy.linalg.norm of an array: the square root of the sum of its squares.
function vectorNorm(a) {
  let s = 0;
  for (const v of flatRows(a)) s += v * v;
  return Math.sqrt(s);
}

// Mirrors bpkit.gradcheck.rel_error: max |a - b| / max(floor, max |a| + max |b|).
function relError(a, b, floor = 1e-8) {
  if (a.length === 0) return 0.0;
  let diff = 0, maxA = 0, maxB = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    maxA = Math.max(maxA, Math.abs(a[i]));
    maxB = Math.max(maxB, Math.abs(b[i]));
  }
  return diff / Math.max(floor, maxA + maxB);
}

// Helper: which activation follows a Linear layer (0 after the output layer).
const NO_ACTIVATION = 0, SIGMOID = 1, TANH = 2, RELU = 3;
function activationOf(layer) {
  if (layer instanceof Sigmoid) return SIGMOID;
  if (layer instanceof Tanh) return TANH;
  if (layer instanceof ReLU) return RELU;
  return NO_ACTIVATION;
}

// Helper: z_j = sum_k x_k W_jk + b_j for one example, in the order of port.js Linear.forward
// (the sum from k = 0, then the bias). `lin` holds W row by row in a Float64Array.
function linearUnit(lin, x, j) {
  let z = 0;
  const row = j * lin.nIn;
  for (let k = 0; k < lin.nIn; k++) z += x[k] * lin.W[row + k];
  return z + lin.b[j];
}
// Helper: every unit of a Linear layer into `out`.
function linearInto(lin, x, out) {
  for (let j = 0; j < lin.nOut; j++) out[j] = linearUnit(lin, x, j);
  return out;
}
// Helper: the layer's activation of z into `out`, as the port's Sigmoid, Tanh and ReLU
// compute it; z itself after the output layer.
function activateInto(kind, z, out) {
  if (kind === NO_ACTIVATION) return z;
  for (let j = 0; j < z.length; j++) {
    const v = z[j];
    out[j] = kind === SIGMOID ? sigmoid(v) : kind === TANH ? Math.tanh(v) : Math.max(v, 0);
  }
  return out;
}

// Mirrors bpkit.gradcheck.check_model for one example (x and t of one row): the backward
// pass's gradient of every parameter (`analytic`) next to centered differences
// (L(p + h) - L(p - h)) / 2h, one element of one parameter array at a time, row by row
// (`numeric`); keyed "<layer index>.W" as bpkit's are. Also whether an input of a ReLU lies
// within 10 h of its kink (bpkit.gradcheck._warn_kinks warns then).
// bpkit reruns the whole forward pass for each L. This reruns only what the moved parameter
// changes: unit j of its layer (the other units, and the layers before, get the same inputs
// and weights, so the same numbers), then every later layer, with the same operations in the
// same order as port.js's layers and SquaredError, on flat arrays allocated once (it is 2
// forward passes per parameter: 19,460 for the largest network of Chapter 3). For networks of
// Linear layers and activations alone, on one example: checkModel picks it for those.
function checkPlainModel(model, lossFn, x, t, h = CHECK_STEP) {
  const layers = model.layers;
  lossFn.forward(model.forward(x), t);
  model.backward(lossFn.backward());
  const analytic = {};
  for (const [key, g] of Object.entries(model.grads)) analytic[key] = flatRows(g);
  const nearKink = layers.some((layer) => layer instanceof ReLU
    && layer.x.some((row) => row.some((v) => Math.abs(v - 0.0) < 10.0 * h)));

  // every Linear layer: its weights, its activation, its input and z in the unmoved network,
  // and room for its z and activation in a moved one
  const net = [];
  let a = Float64Array.from(x[0]);
  layers.forEach((layer, i) => {
    if (!(layer instanceof Linear)) return;
    const { W, b } = layer.params;
    const nOut = W.length;
    const lin = { index: i, nIn: W[0].length, nOut, W: Float64Array.from(flatRows(W)),
      b: Float64Array.from(b), kind: activationOf(layers[i + 1]), input: a,
      z: new Float64Array(nOut), zMoved: new Float64Array(nOut), zNext: new Float64Array(nOut),
      aNext: new Float64Array(nOut) };
    linearInto(lin, a, lin.z);
    a = activateInto(lin.kind, lin.z, new Float64Array(nOut));
    net.push(lin);
  });
  const target = t[0];
  // the loss when element i of `array` (unit j's weight or bias in layer l) is `value`
  function moved(l, array, i, j, value) {
    const lin = net[l];
    const old = array[i];
    array[i] = value;
    lin.zMoved.set(lin.z);
    lin.zMoved[j] = linearUnit(lin, lin.input, j);
    array[i] = old;
    let v = activateInto(lin.kind, lin.zMoved, lin.aNext);
    for (let m = l + 1; m < net.length; m++) {
      v = activateInto(net[m].kind, linearInto(net[m], v, net[m].zNext), net[m].aNext);
    }
    let s = 0;
    for (let k = 0; k < v.length; k++) {
      const r = v[k] - target[k];
      s += r * r;
    }
    return 0.5 * s / 1;
  }
  const report = {};
  net.forEach((lin, l) => {
    const numeric = { W: [], b: [] };
    for (let i = 0; i < lin.W.length; i++) {
      const j = Math.floor(i / lin.nIn), old = lin.W[i];
      const plus = moved(l, lin.W, i, j, old + h);
      const minus = moved(l, lin.W, i, j, old - h);
      numeric.W.push((plus - minus) / (2 * h));
    }
    for (let j = 0; j < lin.nOut; j++) {
      const old = lin.b[j];
      const plus = moved(l, lin.b, j, j, old + h);
      const minus = moved(l, lin.b, j, j, old - h);
      numeric.b.push((plus - minus) / (2 * h));
    }
    for (const name of ["W", "b"]) {
      const key = `${lin.index}.${name}`;
      report[key] = { analytic: analytic[key], numeric: numeric[name] };
    }
  });
  return { report, nearKink };
}

// Helper: whether the model is Linear layers and activations alone (no normalisation, no
// Residual) and x is one example: then checkPlainModel's shortcut holds.
function isPlain(model, x) {
  return x.length === 1 && model.layers.every((layer) => layer instanceof Linear
    || activationOf(layer) !== NO_ACTIVATION);
}

// Mirrors bpkit.gradcheck.check_model (and numerical_gradient): the backward pass's gradient
// of every parameter next to centered differences (L(p + h) - L(p - h)) / 2h, one element of
// one parameter array at a time, row by row, each L a whole forward pass of the port's layers
// as bpkit's is; keyed as model.params. Also whether an input of a ReLU among the model's own
// layers (not inside a Residual: bpkit.gradcheck._warn_kinks looks at model.layers) lies
// within 10 h of its kink. Plain networks on one example take checkPlainModel's shortcut.
function checkModel(model, lossFn, x, t, h = CHECK_STEP) {
  if (isPlain(model, x)) return checkPlainModel(model, lossFn, x, t, h);
  lossFn.forward(model.forward(x), t);
  model.backward(lossFn.backward());
  const analytic = {};
  for (const [key, g] of Object.entries(model.grads)) analytic[key] = flatRows(g);
  const nearKink = model.layers.some((layer) => layer instanceof ReLU
    && layer.x.some((row) => row.some((v) => Math.abs(v - 0.0) < 10.0 * h)));
  const f = () => lossFn.forward(model.forward(x), t);
  const report = {};
  for (const [key, p] of Object.entries(model.params)) {
    const rows = Array.isArray(p[0]) ? p : [p];
    const numeric = [];
    for (const row of rows) {
      for (let i = 0; i < row.length; i++) {
        const old = row[i];
        row[i] = old + h;
        const plus = f();
        row[i] = old - h;
        const minus = f();
        row[i] = old;
        numeric.push((plus - minus) / (2 * h));
      }
    }
    report[key] = { analytic: analytic[key], numeric };
  }
  return { report, nearKink };
}

// Mirrors bpkit.widgets.depth.checkable: whether the gradient check runs at this size.
function checkable(nParams, batch) {
  return nParams * nParams * batch <= CHECK_LIMIT;
}

// Helper: the controls with Chapter 6's switches at their defaults where missing
// (bpkit.widgets.depth.SWITCH_DEFAULTS).
function withSwitches(c) {
  return { norm: "none", residual: false, batch: 1, ...c };
}

// Mirrors bpkit.widgets.depth.depth_check: the gradient check in numbers.
function depthCheck(controls, network) {
  const c = withSwitches(controls);
  const model = networkModel(network, c.activation, c.norm, c.residual);
  const { report, nearKink } = checkModel(model, new SquaredError(), network.x, network.t);
  const errors = {};
  for (const [key, r] of Object.entries(report)) errors[key] = relError(r.analytic, r.numeric);
  const all = Object.values(report);
  const layers = Object.keys(report).filter((key) => key.endsWith(".W"))
    .map((key) => Math.max(errors[key], errors[key.slice(0, -1) + "b"]));
  return {
    rel_error: Math.max(...Object.values(errors)),
    rel_error_overall: relError([].concat(...all.map((r) => r.analytic)),
      [].concat(...all.map((r) => r.numeric))),
    near_kink: nearKink,
    layers,
  };
}

// Mirrors bpkit.widgets.depth.depth_state: the error sizes and spreads (and the check, if
// asked and the network is small enough).
function depthState(controls, network, check = false) {
  const c = withSwitches(controls);
  const model = networkModel(network, c.activation, c.norm, c.residual);
  const { spreads, deltas } = layerValues(model, new SquaredError(), network.x, network.t);
  const norms = deltas.map(vectorNorm);
  let nParams = 0;
  for (const p of Object.values(model.params)) nParams += flatRows(p).length;
  const last = norms[norms.length - 1];
  const can = checkable(nParams, c.batch);
  return {
    depth: c.depth, width: c.width, activation: c.activation, init: c.init, norm: c.norm,
    residual: c.residual, batch: c.batch, seed: c.seed,
    norms, spreads, shrink: last > 0 ? norms[0] / last : null, n_params: nParams,
    checkable: can, check: check && can ? depthCheck(c, network) : null,
  };
}

// Helper: whether the weights of `before` also serve `after` (only the activation, the
// normalisation or the skips changed).
function sameNetwork(before, after) {
  return !!before && DEPTH_NETWORK_KEYS.every((k) => withSwitches(before)[k] === withSwitches(after)[k]);
}

// The numbers for a setting of the controls (used where there is no kernel), as
// DepthExplorer._on_controls computes them: new weights if the depth, width, initialisation
// or seed changed (state.network otherwise), the error sizes now, the check later.
function compute(state, before) {
  const c = state.controls;
  const network = state.network && sameNetwork(before, c) ? state.network : makeNetwork(c);
  return { network, result: depthState(c, network) };
}

// What the buttons (and the drawing, for the check) ask for where there is no kernel; each
// mirrors a method of DepthExplorer.
const actions = {
  // Mirrors DepthExplorer.check.
  check(state) {
    if (state.result.check || !state.result.checkable) return {};
    return { result: { ...state.result, check: depthCheck(state.controls, state.network) } };
  },
  // Mirrors DepthExplorer.new_seed.
  new_seed(state) {
    const controls = { ...state.controls, seed: (state.controls.seed + 1) % SEED_LIMIT };
    const network = makeNetwork(controls);
    return { controls, network, result: depthState(controls, network) };
  },
  // Mirrors DepthExplorer.reset.
  reset(state) {
    const controls = { ...state.initial };
    const network = sameNetwork(state.controls, controls) ? state.network : makeNetwork(controls);
    return { controls, network, result: depthState(controls, network) };
  },
};

// ------------------------------------------------------------------ drawing helpers

// A slider for a whole number: ui.js slider, its readout showing "8" rather than "8.000".
function integerSlider(opts) {
  const control = slider({ ...opts, step: 1, onInput: (v) => { show(v); opts.onInput(v); } });
  const out = control.row.querySelector("output");
  function show(v) {
    out.textContent = String(v);
    control.input.setAttribute("aria-valuetext", String(v));
  }
  show(opts.value);
  return {
    row: control.row, input: control.input,
    get value() { return control.value; },
    set value(v) { control.value = v; show(v); },
  };
}

// 10^k as text: "10⁻⁶", "1", "10", "10³".
const SUPERSCRIPT = { "-": "\u207b", 0: "\u2070", 1: "\u00b9", 2: "\u00b2", 3: "\u00b3",
  4: "\u2074", 5: "\u2075", 6: "\u2076", 7: "\u2077", 8: "\u2078", 9: "\u2079" };
function powerOfTen(k) {
  if (k === 0) return "1";
  if (k === 1) return "10";
  return "10" + String(k).split("").map((ch) => SUPERSCRIPT[ch]).join("");
}

// Helper: set several attributes of an element at once (only those whose value changes).
function setAttributes(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (node.getAttribute(k) !== String(v)) node.setAttribute(k, v);
  }
}

// A bar chart on a logarithmic value axis: bars from the bottom of the axis up to each
// positive value, a "0" where a value is 0; the previous setting's values as dashed outlines.
// The two are aligned at their last bar (the output layer), so that each layer sits above the
// one as many layers before the output: that distance is what shrinks the error.
// `what` names a value in a bar's tooltip. Returns {svg, draw(values, ghost, colour)}.
const BAR_W = 400, BAR_H = 250;
function logBarChart(parent, { title, ylabel, what }) {
  const m = { left: 58, right: 12, top: 26, bottom: 44 };
  const box = { x0: m.left, x1: BAR_W - m.right, y0: m.top, y1: BAR_H - m.bottom };
  const svg = s("svg", { viewBox: `0 0 ${BAR_W} ${BAR_H}`, class: "bpw-svg", role: "img" },
    parent);
  svg.style.maxWidth = `${BAR_W}px`;
  s("text", { x: BAR_W / 2, y: 16, "text-anchor": "middle", class: "bpw-title", text: title },
    svg);
  s("text", { x: (box.x0 + box.x1) / 2, y: BAR_H - 6, "text-anchor": "middle",
    text: "layer l (the last is the output layer)" }, svg);
  const ymid = (box.y0 + box.y1) / 2;
  s("text", { x: 13, y: ymid, "text-anchor": "middle", transform: `rotate(-90 13 ${ymid})`,
    text: ylabel }, svg);
  s("rect", { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0,
    class: "bpw-frame" }, svg);
  const axes = s("g", {}, svg), bars = s("g", {}, svg), ghosts = s("g", {}, svg);
  let shownAxis = null;
  const marks = [], ghostRects = [];
  // Layer i's two ways of being shown: a bar (with its tooltip), or for a value with no
  // place on a log scale, the value as text at the foot of the axis.
  function layerMark(i) {
    if (!marks[i]) {
      const rect = s("rect", { stroke: "var(--bpw-fg)", "stroke-width": 0.6 });
      rect.dataset.layer = String(i + 1);
      s("title", {}, rect);
      const zero = s("g", {});
      s("title", {}, zero);
      s("text", { "text-anchor": "middle" }, zero);
      marks[i] = { rect, zero };
    }
    return marks[i];
  }

  function draw(values, ghost, colour) {
    const positive = values.concat(ghost || []).filter((v) => v > 0 && Number.isFinite(v));
    const lo = positive.length ? Math.floor(Math.log10(Math.min(...positive))) : -1;
    let hi = positive.length ? Math.ceil(Math.log10(Math.max(...positive))) : 0;
    if (hi <= lo) hi = lo + 1;
    const n = Math.max(values.length, ghost ? ghost.length : 0);
    const slot = (box.x1 - box.x0) / n;
    const shift = n - values.length, ghostShift = ghost ? n - ghost.length : 0;
    const sx = (k) => box.x0 + (k + 0.5) * slot;       // the middle of slot k
    const sy = (v) => box.y1 - ((Math.log10(v) - lo) / (hi - lo)) * (box.y1 - box.y0);
    // the axis is redrawn only when its scale or the number of layers changes; the bars and
    // outlines keep their elements from one draw to the next (one per layer, made once,
    // taken out of the drawing while not needed): making a few hundred SVG elements anew on
    // every move of a slider cost half a frame at 50 layers
    const axisKey = [lo, hi, n, shift, values.length].join(",");
    if (axisKey !== shownAxis) {
      shownAxis = axisKey;
      axes.replaceChildren();
      const every = Math.ceil((hi - lo) / 6);             // at most 7 labelled decades
      for (let k = lo; k <= hi; k++) {
        const y = sy(10 ** k);
        s("line", { x1: box.x0 - 4, x2: box.x0, y1: y, y2: y, class: "bpw-axis" }, axes);
        if ((k - lo) % every === 0) {
          s("text", { x: box.x0 - 6, y: y + 4, "text-anchor": "end", text: powerOfTen(k) }, axes);
        }
      }
      const labelEvery = Math.ceil(values.length / 10);  // at most about 10 layer numbers
      for (let i = 0; i < values.length; i++) {
        const x = sx(i + shift);
        const labelled = i === 0 || (i + 1) % labelEvery === 0;
        s("line", { x1: x, x2: x, y1: box.y1, y2: box.y1 + (labelled ? 4 : 2), class: "bpw-axis" },
          axes);
        if (labelled) {
          s("text", { x, y: box.y1 + 17, "text-anchor": "middle", text: String(i + 1) }, axes);
        }
      }
    }
    const barWidth = Math.min(28, 0.62 * slot);
    values.forEach((v, i) => {
      const x = sx(i + shift);
      const mark = layerMark(i);
      const tip = `layer ${i + 1}${i === values.length - 1 ? " (output)" : ""}: `
        + `${what} = ${fmt(v)}`;
      if (v > 0 && Number.isFinite(v)) {
        setAttributes(mark.rect, { x: x - barWidth / 2, y: sy(v), width: barWidth,
          height: box.y1 - sy(v), fill: colour });
        mark.rect.firstChild.textContent = tip;
        if (!mark.rect.isConnected) bars.append(mark.rect);
        mark.zero.remove();
      } else {  // no bar on a log scale: the value itself, at the foot of the axis
        mark.zero.firstChild.textContent = tip;
        setAttributes(mark.zero.lastChild, { x, y: box.y1 - 6 });
        mark.zero.lastChild.textContent = Number.isFinite(v) ? "0" : "?";
        if (!mark.zero.isConnected) bars.append(mark.zero);
        mark.rect.remove();
      }
    });
    for (let i = values.length; i < marks.length; i++) {
      marks[i].rect.remove();
      marks[i].zero.remove();
    }
    const ghostValues = ghost || [];
    ghostValues.forEach((v, i) => {
      if (!ghostRects[i]) {
        ghostRects[i] = s("rect", { fill: "none", stroke: "var(--bpw-fg)", "stroke-width": 1.3,
          "stroke-dasharray": "4 3" });
      }
      if (!(v > 0 && Number.isFinite(v))) {
        ghostRects[i].remove();
        return;
      }
      const pad = Math.min(3, barWidth / 4);
      setAttributes(ghostRects[i], { x: sx(i + ghostShift) - barWidth / 2 - pad, y: sy(v),
        width: barWidth + 2 * pad, height: box.y1 - sy(v) });
      if (!ghostRects[i].isConnected) ghosts.append(ghostRects[i]);
    });
    for (let i = ghostValues.length; i < ghostRects.length; i++) ghostRects[i].remove();
  }
  return { svg, draw };
}

function settingText(r) {
  const act = DEPTH_ACTIVATIONS.find(([v]) => v === r.activation)[1];
  const init = DEPTH_INITS.find(([v]) => v === r.init)[1];
  const norm = r.norm && r.norm !== "none"
    ? `, ${DEPTH_NORMS.find(([v]) => v === r.norm)[1]}` : "";
  const skips = r.residual ? ", residual" : "";
  const batch = r.batch > 1 ? `, batch ${r.batch}` : "";
  return `depth ${r.depth}, width ${r.width}, ${act}, ${init}${norm}${skips}${batch}, `
    + `seed ${r.seed}`;
}

// Helper: a list of numbers as text, 3 significant digits each.
function numbersText(values) {
  return values.map((v) => fmt(v === null ? NaN : v, 3)).join(", ");
}

// ------------------------------------------------------------------ render

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  const root = h("div", { class: "bpw bpw-depth", tabindex: "-1" });
  root.dataset.widget = "depth";
  el.append(root);

  // ------------------------------------------------------------------ controls
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "the network" });
  function setControls(values) {
    model.set("controls", { ...model.get("controls"), ...values });
    model.save_changes();
  }
  const c0 = withSwitches(model.get("controls"));
  const depthSlider = integerSlider({ name: "depth", label: "depth", min: DEPTH_LIMITS[0],
    max: DEPTH_LIMITS[1], value: c0.depth, onInput: (v) => setControls({ depth: v }) });
  depthSlider.input.setAttribute("aria-label", "depth: the number of hidden layers");
  const widthSlider = integerSlider({ name: "width", label: "width", min: WIDTH_LIMITS[0],
    max: WIDTH_LIMITS[1], value: c0.width, onInput: (v) => setControls({ width: v }) });
  widthSlider.input.setAttribute("aria-label", "width: the units per hidden layer");
  const batchSlider = integerSlider({ name: "batch", label: "batch", min: BATCH_LIMITS[0],
    max: BATCH_LIMITS[1], value: c0.batch, onInput: (v) => setControls({ batch: v }) });
  batchSlider.input.setAttribute("aria-label", "batch: the number of examples");
  function menu(name, label, options) {
    const id = uid(name);
    const select = h("select", { id, name });
    for (const [value, text] of options) select.append(h("option", { value, text }));
    select.value = c0[name];
    select.addEventListener("change", () => setControls({ [name]: select.value }));
    return { select, row: h("div", { class: "bpw-select" }, h("label", { for: id, text: label }),
      select) };
  }
  const activationMenu = menu("activation", "activation", DEPTH_ACTIVATIONS);
  const initMenu = menu("init", "initial weights", DEPTH_INITS);
  const normMenu = menu("norm", "normalisation", DEPTH_NORMS);
  const batchNormOption = normMenu.select.querySelector('option[value="batch"]');
  const residualId = uid("residual");
  const residualBox = h("input", { type: "checkbox", name: "residual", id: residualId });
  residualBox.checked = c0.residual;
  residualBox.addEventListener("change", () => setControls({ residual: residualBox.checked }));
  const residualRow = h("div", { class: "bpw-select" }, residualBox,
    h("label", { for: residualId, text: "residual connections" }));
  const normNote = h("p", { class: "bpw-note" });
  const seedText = h("span", { class: "bpw-num" });
  const seedButton = button("New seed", () => model.send({ event: "new_seed" }),
    { "aria-label": "New seed: draw new weights, inputs and targets" });
  const resetButton = button("Reset", () => model.send({ event: "reset" }),
    { "aria-label": "Reset the network to its starting settings" });
  controls.append(
    h("fieldset", {}, h("legend", { text: "network" }), depthSlider.row, widthSlider.row,
      activationMenu.row, initMenu.row),
    h("fieldset", {}, h("legend", { text: "deep-network remedies" }), normMenu.row, residualRow,
      batchSlider.row, normNote),
    h("fieldset", {}, h("legend", { text: "random draw" }),
      h("p", { class: "bpw-status" }, "seed ", seedText), h("div", {}, seedButton, resetButton)));

  // ------------------------------------------------------------------ the view
  const view = h("div", { class: "bpw-view" });
  const status = h("div", { class: "bpw-status", role: "status", "aria-live": "polite" });
  const sizeLine = h("p", { class: "bpw-status" });
  const shrinkLine = h("p", { class: "bpw-status" });
  const checkLine = h("p", { class: "bpw-status" });
  const noteLine = h("p", { class: "bpw-note" });
  status.append(sizeLine, shrinkLine, checkLine, noteLine);
  const chartBox = h("div", {});
  const bars = logBarChart(chartBox, { title: "Size of each layer's error vector",
    ylabel: "\u2016\u03b4\u02e1\u2016 (log scale)", what: "\u2016\u03b4\u2016" });
  const spreadBars = logBarChart(chartBox, { title: "Spread of each layer's output",
    ylabel: "std of a\u02e1 (log scale)", what: "std" });
  const ghostNote = h("p", { class: "bpw-note" });
  const caption = h("p", { class: "bpw-caption", id: uid("depth-desc") });
  const spreadCaption = h("p", { class: "bpw-caption", id: uid("depth-spread-desc") });
  bars.svg.setAttribute("aria-describedby", caption.id);
  spreadBars.svg.setAttribute("aria-describedby", spreadCaption.id);
  const table = h("table", { class: "bpw-table" });
  const tableBody = h("tbody", {});
  table.append(h("caption", { text: "Each layer's error size, output spread and gradient check" }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "layer l" }),
      h("th", { scope: "col", text: "\u2016\u03b4\u02e1\u2016" }),
      h("th", { scope: "col", text: "std of a\u02e1" }),
      h("th", { scope: "col", text: "check error of W\u02e1, b\u02e1" }))), tableBody);
  // the table, folded at first for deep networks (51 rows at depth 50: the page lays it out
  // only when it is open, which keeps a redraw near one frame)
  const tableBox = h("details", { class: "bpw-scroll" },
    h("summary", { text: "Each layer's numbers, as a table" }), table);
  tableBox.open = c0.depth <= 10;
  view.append(status, chartBox, ghostNote, caption, spreadCaption, tableBox);
  root.append(h("div", { class: "bpw-row" }, controls, view));

  // ------------------------------------------------------------------ drawing
  let shownKey = null, shown = null, ghost = null, ghostKey = null, timer = null;

  // The gradient check runs a moment after the controls come to rest (on the page it takes
  // up to a few hundred ms for the largest network, in a kernel up to a few seconds).
  function scheduleCheck(r) {
    clearTimeout(timer);
    timer = null;
    if (r.check || !r.checkable) return;
    timer = setTimeout(() => {
      timer = null;
      if (!model.get("result").check) model.send({ event: "check" });
    }, CHECK_DELAY);
  }

  const nan = (values) => values.map((v) => (v === null ? NaN : v));

  function draw() {
    const c = withSwitches(model.get("controls"));
    const r = withSwitches(model.get("result"));
    if (depthSlider.value !== c.depth) depthSlider.value = c.depth;
    if (widthSlider.value !== c.width) widthSlider.value = c.width;
    if (batchSlider.value !== c.batch) batchSlider.value = c.batch;
    if (activationMenu.select.value !== c.activation) activationMenu.select.value = c.activation;
    if (initMenu.select.value !== c.init) initMenu.select.value = c.init;
    if (normMenu.select.value !== c.norm) normMenu.select.value = c.norm;
    residualBox.checked = c.residual;
    // batch norm standardises over the batch: it needs two examples at least
    batchNormOption.disabled = c.batch < 2;
    batchSlider.input.min = String(c.norm === "batch" ? 2 : BATCH_LIMITS[0]);
    normNote.textContent = c.norm === "batch" ? "Batch norm needs 2 examples or more."
      : c.batch < 2 ? "Batch norm needs 2 examples or more: move the batch slider first." : "";
    seedText.textContent = String(c.seed);

    // the previous setting's bars stay as dashed outlines, for comparison
    const key = settingText(r);
    if (shownKey !== null && key !== shownKey) {
      ghost = shown;
      ghostKey = shownKey;
    }
    shownKey = key;
    shown = { norms: r.norms, spreads: r.spreads };
    bars.draw(nan(r.norms), ghost && nan(ghost.norms), DEPTH_COLOURS[r.activation]);
    spreadBars.draw(nan(r.spreads), ghost && nan(ghost.spreads), DEPTH_COLOURS[r.activation]);
    ghostNote.textContent = ghost ? `Dashed outlines: the previous setting (${ghostKey}), its `
      + "output layer above this one's." : "";

    const act = DEPTH_ACTIVATIONS.find(([v]) => v === r.activation)[1];
    const init = DEPTH_INITS.find(([v]) => v === r.init)[1];
    const extras = [r.norm !== "none" ? DEPTH_NORMS.find(([v]) => v === r.norm)[1] : "",
      r.residual ? "residual connections" : ""].filter(Boolean);
    sizeLine.replaceChildren(`${DEPTH_N_IN} inputs, ${r.depth} hidden `
      + `layer${r.depth > 1 ? "s" : ""} of ${r.width} ${act} units (${init} weights`
      + `${extras.length ? ", " + extras.join(", ") : ""}), ${DEPTH_N_OUT} outputs: `
      + `${r.n_params} parameters; ${r.batch === 1 ? "one example" : `${r.batch} examples`}`);
    const shrink = numberSpan(r.shrink === null ? NaN : r.shrink);
    shrink.dataset.role = "shrink";
    const firstSpread = numberSpan(r.spreads[0] === null ? NaN : r.spreads[0]);
    firstSpread.dataset.role = "spread-first";
    const lastHidden = r.spreads[r.spreads.length - 2];
    const lastSpread = numberSpan(lastHidden === null ? NaN : lastHidden);
    lastSpread.dataset.role = "spread-last";
    shrinkLine.replaceChildren("first layer's error / output layer's: ", shrink,
      "; spread of layer 1's output ", firstSpread, `, of layer ${r.depth}'s `, lastSpread);
    const check = r.check;
    const layerErrors = check ? check.layers : [];
    let note = "";
    if (check) {
      const perArray = numberSpan(check.rel_error, false, 2);
      perArray.dataset.role = "rel-error";
      const overall = numberSpan(check.rel_error_overall, false, 2);
      overall.dataset.role = "rel-error-overall";
      checkLine.replaceChildren("gradient check, largest relative error: per parameter array ",
        perArray, ", whole gradient ", overall);
      if (check.near_kink) {
        note = "An input of a ReLU lies within 1e\u22124 of its kink, so the check may be "
          + "pessimistic.";
      } else if (r.norm === "batch" && check.rel_error > 1e-6
        && check.rel_error_overall < 1e-6) {
        note = "With batch norm a hidden layer's bias does not change the loss (the batch mean "
          + "takes it out): its gradient is 0, and its check error is only round-off. The "
          + "backward pass is still right.";
      } else if (check.rel_error > 1e-6 && check.rel_error_overall < 1e-6) {
        note = "The per-array error is large only because the first layers' gradients are "
          + "tiny: the finite differences' round-off is no longer small beside them. The "
          + "backward pass is still right.";
      }
    } else if (!r.checkable) {
      checkLine.replaceChildren("gradient check: not run for a network this large "
        + "(parameters\u00b2 \u00d7 examples above 10\u2078); make it shallower, narrower "
        + "or the batch smaller to run it");
    } else {
      checkLine.replaceChildren("gradient check: running\u2026");
    }
    noteLine.textContent = note;

    // the table's rows are made when the depth changes and otherwise keep their elements,
    // only their numbers changing, as the bars do
    if (tableBody.rows.length !== r.norms.length) {
      tableBody.replaceChildren(...r.norms.map((_, i) => h("tr", { "data-layer": String(i + 1) },
        h("th", { scope: "row", text: i === r.norms.length - 1 ? `${i + 1} (output)` : String(i + 1) }),
        h("td", {}, numberSpan(NaN)), h("td", {}, numberSpan(NaN)), h("td", {}, h("span")))));
    }
    r.norms.forEach((v, i) => {
      const [, size, spread, err] = tableBody.rows[i].cells;  // th, then three td
      setNumber(size.firstChild, v === null ? NaN : v);
      setNumber(spread.firstChild, r.spreads[i] === null ? NaN : r.spreads[i]);
      const errSpan = err.firstChild;
      if (check) {
        errSpan.className = "bpw-num";
        setNumber(errSpan, layerErrors[i], false, 2);
      } else {  // not a number yet (running) or none (too large to check)
        errSpan.removeAttribute("class");
        errSpan.removeAttribute("title");
        delete errSpan.dataset.exact;
        errSpan.textContent = r.checkable ? "\u2026" : "\u2013";
      }
    });

    const description = `Bars on a logarithmic scale: the size of each layer's error vector, `
      + `layer 1 to ${r.norms.length} (the output layer), for ${settingText(r)}: `
      + numbersText(r.norms)
      + `. The first layer's error is ${fmt(r.shrink === null ? NaN : r.shrink, 3)} times `
      + "the output layer's. "
      + (check ? `Gradient check: largest relative error ${fmt(check.rel_error, 2)} per `
        + `parameter array, ${fmt(check.rel_error_overall, 2)} over the whole gradient.`
        : r.checkable ? "Gradient check: running." : "Gradient check: not run at this size.");
    caption.textContent = description;
    bars.svg.setAttribute("aria-label", description);
    const spreadDescription = "Bars on a logarithmic scale: the spread (standard deviation "
      + "over the examples and units) of each layer's output, layer 1 to "
      + `${r.spreads.length} (the output layer): ${numbersText(r.spreads)}.`;
    spreadCaption.textContent = spreadDescription;
    spreadBars.svg.setAttribute("aria-label", spreadDescription);
    scheduleCheck(r);
  }
  for (const trait of ["controls", "result"]) model.on(`change:${trait}`, draw);
  draw();
  return () => {
    clearTimeout(timer);
    for (const trait of ["controls", "result"]) model.off(`change:${trait}`, draw);
  };
}

export default { render, compute, actions };
