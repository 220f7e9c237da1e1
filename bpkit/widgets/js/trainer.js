// trainer.js: the trainer (Chapter 4), the book's answer to the TensorFlow Playground. A small
// network learns a 2-D dataset while the reader watches: the plane shaded by the class it
// predicts, the training and validation loss after each epoch, and the network itself, where
// hovering or focusing a unit or an edge shows its parameter and that parameter's gradient.
//
// Model traits (bpkit.widgets.trainer.Trainer):
//   controls  {dataset, layers, width, activation, lr, batch_size, optimizer, seed}
//   initial   the controls the notebook started from
//   data      {x_train, t_train, x_val, t_val, n_classes, source}   the points, split
//   start     the initial weights {"0.W": [[...]], "0.b": [...], "2.W": ..., ...}
//   result    {step, epoch, batch, order, params, optimizer: {t, state}, train_loss,
//              train_acc, val_loss, val_acc, grads, history: {epoch, step, train_loss,
//              train_acc, val_loss, val_acc}, every, diverged}
// Step: one update on one mini-batch. Play: the rest of the epoch on each animation frame
// (the action "epoch"), asking for the next one only once the last one has been answered.

// Mirrors bpkit.widgets.trainer.DATASETS (with port.js's datasets and the page's generator).
const TRAINER_DATASETS = {
  xor: [xor, { n: 200, noise: 0.35 }],
  moons: [twoMoons, { n: 200, noise: 0.2 }],
  circles: [circles, { n: 200, noise: 0.08 }],
  spirals: [spirals, { n: 200, noise: 0.03 }],
  spirals3: [spirals, { n: 200, nClasses: 3, noise: 0.03 }],
};
const DATASET_LABELS = { xor: "XOR", moons: "two moons", circles: "circles",
  spirals: "spirals", spirals3: "three spirals" };
const TRAINER_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, "full"];
const TRAINER_ACTIVATIONS = { tanh: "tanh", relu: "ReLU", sigmoid: "sigmoid" };
const TRAINER_OPTIMIZERS = ["SGD", "momentum", "Nesterov", "RMSProp", "Adam"];
// Mirrors bpkit.widgets.trainer.HYPER, VAL_FRACTION and MAX_HISTORY.
const TRAINER_HYPER = { momentum: 0.9, rho: 0.9, beta1: 0.9, beta2: 0.999 };
const VAL_FRACTION = 0.25;
const MAX_HISTORY = 400;
// What each optimizer keeps per parameter, by bpkit's name for it (state[k][name]).
const OPTIMIZER_BUFFERS = { SGD: [], momentum: ["velocity"], Nesterov: ["velocity"],
  RMSProp: ["square_avg"], Adam: ["m", "s"] };
const CLASS_COLOURS = ["#E69F00", "#56B4E9", "#009E73"];  // bpkit.plot.PALETTE[0:3]
const CLASS_SHAPES = ["circle", "square", "triangle"];    // bpkit.plot's markers o, s, ^
const GRID = 60;  // the plane's shading: GRID x GRID forward passes

// Helper: a deep copy of nested arrays of numbers.
function clone(a) {
  return a.map((v) => (Array.isArray(v) ? clone(v) : v));
}

// Mirrors bpkit.widgets.trainer.make_data, drawing with the page's generator: the points
// from Random(seed), the split from Random(seed + 1).
function makeData(dataset, seed) {
  const [draw, args] = TRAINER_DATASETS[dataset];
  const { x, t } = draw(args.n, args, new Random(seed));
  const split = trainValSplit(x, t, { valFraction: VAL_FRACTION }, new Random(seed + 1));
  return { x_train: split.train.x, t_train: split.train.t, x_val: split.val.x,
    t_val: split.val.t, n_classes: args.nClasses || 2, source: "page" };
}

// Mirrors bpkit.widgets.trainer.build_model's initial weights, drawn with the page's
// generator Random(seed): He's initialisation for ReLU, Glorot's otherwise.
function initialWeights(controls, nClasses) {
  const rng = new Random(controls.seed);
  const init = controls.activation === "relu" ? "he" : "glorot";
  const sizes = [2, ...Array(controls.layers).fill(controls.width), nClasses];
  const params = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    const layer = initLinear(sizes[i], sizes[i + 1], init, rng);
    params[`${2 * i}.W`] = layer.params.W;
    params[`${2 * i}.b`] = layer.params.b;
  }
  return params;
}

// Mirrors bpkit.widgets.trainer.build_model with params: the network, holding copies of them.
function buildModel(controls, params) {
  const layers = [];
  for (let i = 0; i <= controls.layers; i++) {
    layers.push(new Linear(clone(params[`${2 * i}.W`]), params[`${2 * i}.b`].slice()));
    if (i < controls.layers) layers.push(new ACTIVATION_LAYERS[controls.activation]());
  }
  return new Sequential(...layers);
}

// Helper: the fraction of rows whose largest output (the first, on a tie, as numpy.argmax)
// is at the label's position.
function accuracy(y, t) {
  let right = 0;
  for (let n = 0; n < y.length; n++) {
    let best = 0;
    for (let k = 1; k < y[n].length; k++) if (y[n][k] > y[n][best]) best = k;
    if (best === t[n]) right += 1;
  }
  return right / t.length;
}

// Helper: whether every number of a matrix is finite.
function allFinite(y) {
  return y.every((row) => row.every(Number.isFinite));
}

// Mirrors bpkit.widgets.trainer.evaluate_state: the training loss and accuracy, the gradient
// of the training loss (one backward pass over all training points), the validation loss
// and accuracy; NaN everywhere if an output is not finite (bpkit.train.evaluate raises).
function evaluateState(model, data) {
  const loss = new SoftmaxCrossEntropy();
  const y = model.forward(data.x_train);
  const trainLoss = allFinite(y) ? loss.forward(y, data.t_train) : NaN;
  if (Number.isFinite(trainLoss)) {
    const trainAcc = accuracy(y, data.t_train);
    model.backward(loss.backward(), false);
    const grads = {};
    for (const [k, g] of Object.entries(model.grads)) grads[k] = clone(g);
    const yv = model.forward(data.x_val);
    const valLoss = allFinite(yv) ? loss.forward(yv, data.t_val) : NaN;
    if (Number.isFinite(valLoss)) {
      return { train_loss: trainLoss, train_acc: trainAcc, val_loss: valLoss,
        val_acc: accuracy(yv, data.t_val), grads };
    }
  }
  const grads = {};
  for (const [k, g] of Object.entries(model.grads)) grads[k] = map(g, () => NaN);
  return { train_loss: NaN, train_acc: NaN, val_loss: NaN, val_acc: NaN, grads };
}

// Mirrors bpkit.widgets.trainer.restart_kind: "data" (new points and weights), "weights"
// (new weights), "run" (from the same initial weights) or null (the run goes on).
function restartKind(before, after) {
  const changed = (keys) => keys.some((k) => before[k] !== after[k]);
  if (changed(["dataset", "seed"])) return "data";
  if (changed(["layers", "width", "activation"])) return "weights";
  if (changed(["optimizer", "batch_size"])) return "run";
  return null;
}

// Helper: the seed of the page's generator for the order of the examples in an epoch (bpkit
// draws the epochs' orders one after another from default_rng(seed + 2); the page seeds one
// generator per epoch, so that it keeps no generator state between steps).
function orderSeed(seed, epoch) {
  return (Math.imul(epoch + 1, 0x9E3779B9) ^ (seed + 2)) >>> 0;
}

// Mirrors the run of bpkit.widgets.trainer.Trainer (its methods _restart, _one_step, _record,
// _run, _publish): a run continued from a result, or started again from initial weights.
class TrainerRun {
  constructor(controls, data, result) {
    this.controls = controls;
    this.data = data;
    this.model = buildModel(controls, result.params);
    this.loss = new SoftmaxCrossEntropy();
    this.optimizer = makeOptimizer(controls.optimizer, this.model,
      { lr: controls.lr, ...TRAINER_HYPER });
    this.optimizer.t = result.optimizer.t;
    const buffers = OPTIMIZER_BUFFERS[controls.optimizer];
    for (const [k, slot] of Object.entries(result.optimizer.state)) {
      // port.js keeps the one buffer of SGD and RMSProp as the array itself, Adam's as {m, v}
      this.optimizer.state[k] = buffers.length === 1 ? clone(slot[buffers[0]])
        : { m: clone(slot.m), s: clone(slot.s) };
    }
    this.step = result.step;
    this.epoch = result.epoch;
    this.batch = result.batch;
    this.order = result.order.slice();
    this.every = result.every;
    this.diverged = result.diverged;
    this.history = {};
    for (const [k, v] of Object.entries(result.history)) this.history[k] = v.slice();
  }

  // Mirrors Trainer._restart: step 0 from the initial weights, the first epoch's order.
  static restart(controls, data, start) {
    const n = data.t_train.length;
    const history = { epoch: [], step: [], train_loss: [], train_acc: [], val_loss: [],
      val_acc: [] };
    const run = new TrainerRun(controls, data, { params: start, optimizer: { t: 0, state: {} },
      step: 0, epoch: 0, batch: 0, order: new Random(orderSeed(controls.seed, 0)).permutation(n),
      every: 1, diverged: false, history });
    run.record();
    return run.publish();
  }

  // Mirrors Trainer._batches: the current epoch's order in slices of the batch size.
  batches() {
    const size = this.controls.batch_size;
    return minibatches(this.order, size === "full" ? null : size);
  }

  // Mirrors Trainer._one_step: one mini-batch update; at the end of an epoch the history
  // and the next epoch's order.
  oneStep() {
    const batches = this.batches();
    const idx = batches[this.batch];
    const { x_train: x, t_train: t } = this.data;
    try {
      trainStep(this.model, this.loss, this.optimizer, idx.map((i) => x[i]), idx.map((i) => t[i]));
    } catch (error) {
      if (!/non-finite/.test(error.message)) throw error;
      throw new RangeError("diverged");
    }
    this.step += 1;
    this.batch += 1;
    if (this.batch === batches.length) {
      this.batch = 0;
      this.epoch += 1;
      this.order = new Random(orderSeed(this.controls.seed, this.epoch)).permutation(t.length);
      if (this.epoch % this.every === 0) this.record();
    }
  }

  // Mirrors Trainer._record: the epoch in the history, which keeps at most MAX_HISTORY.
  record() {
    const numbers = evaluateState(this.model, this.data);
    const h = this.history;
    h.epoch.push(this.epoch);
    h.step.push(this.step);
    for (const k of ["train_loss", "train_acc", "val_loss", "val_acc"]) h[k].push(numbers[k]);
    if (h.epoch.length > MAX_HISTORY) {
      this.every *= 2;
      const keep = h.epoch.map((e, i) => (e % this.every === 0 ? i : -1)).filter((i) => i >= 0);
      for (const k of Object.keys(h)) h[k] = keep.map((i) => h[k][i]);
    }
    if (!Number.isFinite(numbers.train_loss)) throw new RangeError("diverged");
  }

  // Mirrors Trainer._run: `steps` updates, or (null) those left in the current epoch.
  run(steps) {
    if (this.diverged) return;
    try {
      if (steps === null) {
        this.oneStep();
        while (this.batch !== 0) this.oneStep();
      } else {
        for (let i = 0; i < steps; i++) this.oneStep();
      }
    } catch (error) {
      if (!(error instanceof RangeError && error.message === "diverged")) throw error;
      this.diverged = true;
    }
  }

  // Mirrors Trainer._publish: the run's state as `result`.
  publish() {
    const numbers = evaluateState(this.model, this.data);
    if (!Number.isFinite(numbers.train_loss)) this.diverged = true;
    const buffers = OPTIMIZER_BUFFERS[this.controls.optimizer];
    const state = {};
    for (const [k, slot] of Object.entries(this.optimizer.state)) {
      state[k] = buffers.length === 1 ? { [buffers[0]]: slot } : { m: slot.m, s: slot.s };
    }
    return { step: this.step, epoch: this.epoch, batch: this.batch, order: this.order,
      params: this.model.params, optimizer: { t: this.optimizer.t, state }, ...numbers,
      history: this.history, every: this.every, diverged: this.diverged };
  }
}

// The numbers for a change of the controls (where there is no kernel), as
// Trainer._on_controls makes them: new points and weights, new weights, the same start, or
// nothing (the learning rate takes effect at the next step).
function compute(state, before) {
  const c = state.controls;
  const kind = restartKind(before, c);
  if (kind === null) return {};
  const update = {};
  const data = kind === "data" ? (update.data = makeData(c.dataset, c.seed)) : state.data;
  const start = kind === "run" ? state.start
    : (update.start = initialWeights(c, data.n_classes));
  update.result = TrainerRun.restart(c, data, start);
  return update;
}

// Helper: one action of the run (Step or a frame of Play).
function advance(state, steps) {
  if (state.result.diverged) return {};
  const run = new TrainerRun(state.controls, state.data, state.result);
  run.run(steps);
  return { result: run.publish() };
}

// What the buttons do where there is no kernel; each mirrors a method of Trainer.
const actions = {
  // Mirrors Trainer.step: one update on one mini-batch.
  step(state) { return advance(state, 1); },
  // Mirrors Trainer.epoch: the updates left in the current epoch (one frame of Play).
  epoch(state) { return advance(state, null); },
  // Mirrors Trainer.reset: step 0 again, the same data and initial weights.
  reset(state) {
    return { result: TrainerRun.restart(state.controls, state.data, state.start) };
  },
};

// ------------------------------------------------------------------------------ drawing

// Helper (drawing only): the predicted class and its probability at the centre of each cell
// of a GRID x GRID grid over the plane, rows from the top, by a forward pass written for
// speed (flat typed arrays).
function gridPrediction(params, controls, nClasses, xlim, ylim) {
  const act = controls.activation === "tanh" ? Math.tanh
    : controls.activation === "relu" ? (z) => (z > 0 ? z : 0) : sigmoid;
  const cells = GRID * GRID;
  const cls = new Uint8Array(cells), prob = new Float64Array(cells);
  const layerParams = [];
  for (let i = 0; i <= controls.layers; i++) {
    layerParams.push([params[`${2 * i}.W`], params[`${2 * i}.b`]]);
  }
  const widest = Math.max(2, controls.width, nClasses);
  let a = new Float64Array(widest), z = new Float64Array(widest);
  const dx = (xlim[1] - xlim[0]) / GRID, dy = (ylim[1] - ylim[0]) / GRID;
  for (let row = 0; row < GRID; row++) {
    for (let col = 0; col < GRID; col++) {
      a[0] = xlim[0] + (col + 0.5) * dx;
      a[1] = ylim[1] - (row + 0.5) * dy;
      let n = 2;
      layerParams.forEach(([W, b], i) => {
        for (let j = 0; j < W.length; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[k] * W[j][k];
          s += b[j];
          z[j] = i < controls.layers ? act(s) : s;
        }
        n = W.length;
        [a, z] = [z, a];
      });
      let best = 0;
      for (let k = 1; k < n; k++) if (a[k] > a[best]) best = k;
      let total = 0;
      for (let k = 0; k < n; k++) total += Math.exp(a[k] - a[best]);
      cls[row * GRID + col] = best;
      prob[row * GRID + col] = 1 / total;
    }
  }
  return { cls, prob };
}

// Helper: an SVG marker of a class's shape, centred at (x, y).
function classMarker(parent, c, x, y, r, attrs) {
  const shape = CLASS_SHAPES[c % 3];
  if (shape === "circle") return s("circle", { cx: x, cy: y, r, ...attrs }, parent);
  if (shape === "square") {
    const a = r * 0.9;
    return s("rect", { x: x - a, y: y - a, width: 2 * a, height: 2 * a, ...attrs }, parent);
  }
  const k = r * 1.2;
  return s("polygon", { points: `${x},${y - k} ${x - k * 0.9},${y + k * 0.65} ${x + k * 0.9},${y + k * 0.65}`,
    ...attrs }, parent);
}

// Helper: the names of the units of a network with `layers` hidden layers of `width`.
function unitName(column, j, layers) {
  if (column === 0) return `x${j + 1}`;
  if (column === layers + 1) return `the class-${j} output`;
  return `h${column}.${j + 1}`;
}

// Helper: every parameter of the network in reading order: for each layer, for each unit,
// its incoming weights, then its bias. Each {key, j, k} (k is null for a bias).
function parameterList(layers, width, nClasses) {
  const sizes = [2, ...Array(layers).fill(width), nClasses];
  const out = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    for (let j = 0; j < sizes[i + 1]; j++) {
      for (let k = 0; k < sizes[i]; k++) out.push({ key: `${2 * i}.W`, layer: i, j, k });
      out.push({ key: `${2 * i}.b`, layer: i, j, k: null });
    }
  }
  return out;
}

const TRAINER_CSS = `
.bpw-trainer .bpw-slider { grid-template-columns: 3.7em minmax(0, 1fr) 4.2em; }
.bpw-trainer .bpw-button[aria-pressed="true"] { background: var(--bpw-fg); color: var(--bpw-bg); }
.bpw-trainer .bpw-net { border-radius: 4px; }
.bpw-trainer .bpw-net:focus { outline: none; }
.bpw-trainer .bpw-net:focus-visible { outline: 3px solid ${POSITIVE}; outline-offset: 2px; }
.bpw-trainer .bpw-net svg { cursor: crosshair; touch-action: manipulation; }
.bpw-trainer .bpw-picked { font-size: 13px; margin: 2px 0 6px; min-height: 2.7em; }
.bpw-trainer .bpw-sr { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
.bpw-trainer .bpw-select select { max-width: 100%; }
`;

// Helper: a labelled <select>.
function selectControl(label, options, value, onChange) {
  const id = uid("select");
  const select = h("select", { id });
  for (const [v, text] of options) select.append(h("option", { value: String(v), text }));
  select.value = String(value);
  select.addEventListener("change", () => onChange(select.value));
  return { row: h("div", { class: "bpw-select" }, h("label", { for: id, text: label }), select),
    select };
}

// Helper: ui.js's slider for a whole number, which shows it without decimals.
function intSlider(options) {
  const control = slider({ ...options, digits: 2 });
  const out = control.row.querySelector("output");
  const show = () => {
    const v = String(Math.round(control.value));
    out.textContent = v;
    out.title = v;
    control.input.setAttribute("aria-valuetext", v);
  };
  control.input.addEventListener("input", show);
  show();
  return { row: control.row, input: control.input, name: control.name,
    get value() { return Math.round(control.value); },
    set value(v) { control.value = v; show(); } };
}

const NET_W = 400, NET_H = 300;

function render({ model, el }) {
  addStyle(el);
  ownKeys(el);
  addStyle(el, TRAINER_CSS, "bpw-trainer");
  const root = h("div", { class: "bpw bpw-trainer", tabindex: "-1" });
  root.dataset.widget = "trainer";
  el.append(root);

  // ------------------------------------------------------------------ controls
  function setControl(name, v) {
    model.set("controls", { ...model.get("controls"), [name]: v });
    model.save_changes();
  }
  const c0 = model.get("controls");
  const controls = h("div", { class: "bpw-controls", role: "group",
    "aria-label": "data, network and training settings" });
  const dataset = selectControl("dataset", Object.entries(DATASET_LABELS), c0.dataset,
    (v) => setControl("dataset", v));
  const sliders = {
    seed: intSlider({ name: "seed", label: "seed", min: 0, max: 99, step: 1, value: c0.seed,
      onInput: (v) => setControl("seed", Math.round(v)) }),
    layers: intSlider({ name: "layers", label: "layers", min: 1, max: 3, step: 1,
      value: c0.layers, onInput: (v) => setControl("layers", Math.round(v)) }),
    width: intSlider({ name: "width", label: "width", min: 2, max: 16, step: 1,
      value: c0.width, onInput: (v) => setControl("width", Math.round(v)) }),
    lr: slider({ name: "lr", label: "\u03b7", min: -4, max: 1, step: 0.01, value: c0.lr,
      digits: 3, toValue: (x) => 10 ** x, fromValue: (v) => Math.log10(v),
      onInput: (v) => setControl("lr", v) }),
  };
  sliders.seed.input.setAttribute("aria-label", "seed of the data and the initial weights");
  sliders.layers.input.setAttribute("aria-label", "hidden layers");
  sliders.width.input.setAttribute("aria-label", "units per hidden layer");
  sliders.lr.input.setAttribute("aria-label", "learning rate");
  const activation = selectControl("activation", Object.entries(TRAINER_ACTIVATIONS),
    c0.activation, (v) => setControl("activation", v));
  const batch = selectControl("batch size", TRAINER_BATCH_SIZES.map((b) => [b,
    b === "full" ? "all (full batch)" : String(b)]), c0.batch_size,
  (v) => setControl("batch_size", v === "full" ? "full" : Number(v)));
  const optimizer = selectControl("optimizer", TRAINER_OPTIMIZERS.map((o) => [o, o]),
    c0.optimizer, (v) => setControl("optimizer", v));
  const selects = { dataset, activation, batch_size: batch, optimizer };
  controls.append(
    h("fieldset", {}, h("legend", { text: "data" }), dataset.row, sliders.seed.row),
    h("fieldset", {}, h("legend", { text: "network" }), sliders.layers.row, sliders.width.row,
      activation.row),
    h("fieldset", {}, h("legend", { text: "training" }), sliders.lr.row, batch.row,
      optimizer.row));

  let playing = false, waiting = false, askedAt = 0, frame = null;
  const playButton = button("Play", () => setPlaying(!playing),
    { "aria-pressed": "false", title: "Play or pause: one epoch per frame" });
  const stepButton = button("Step", () => model.send({ event: "step" }),
    { "aria-label": "Step: one update on one mini-batch" });
  const resetButton = button("Reset", () => model.send({ event: "reset" }),
    { "aria-label": "Reset: back to step 0, with the same initial weights" });
  controls.append(h("div", {}, playButton, stepButton, resetButton), h("p", { class: "bpw-note",
    text: "Step: one update on one mini-batch. Play: one epoch per frame until pressed "
      + "again. Reset: back to step 0 with the same initial weights. A new dataset or seed "
      + "draws new points and weights; a new network, new weights; a new optimizer or batch "
      + "size starts again from the same weights; the learning rate applies from the next step." }));

  function tick() {
    frame = null;
    if (!playing) return;
    const now = performance.now();
    // one request at a time: the next only once the last has been answered (or after 2 s,
    // should an answer have been lost)
    if (!waiting || now - askedAt > 2000) {
      waiting = true;
      askedAt = now;
      model.send({ event: "epoch" });
    }
    if (playing && frame === null) frame = requestAnimationFrame(tick);
  }
  function setPlaying(on) {
    playing = on && !model.get("result").diverged;
    playButton.setAttribute("aria-pressed", String(playing));
    status.setAttribute("aria-live", playing ? "off" : "polite");
    if (playing && frame === null) frame = requestAnimationFrame(tick);
    if (!playing && frame !== null) { cancelAnimationFrame(frame); frame = null; }
    if (playing) drawStatus();
    else draw();
  }

  // --------------------------------------------------------------- the plane
  const view = h("div", { class: "bpw-view" });
  const status = h("p", { class: "bpw-status", role: "status", "aria-live": "polite" });
  view.append(status);
  const plane = chart(view, { width: 400, height: 392, title: "Predicted class over the plane",
    xlabel: "x1", ylabel: "x2" });
  const heat = s("foreignObject", { x: plane.box.x0, y: plane.box.y0,
    width: plane.box.x1 - plane.box.x0, height: plane.box.y1 - plane.box.y0 });
  plane.layer.before(heat);
  const canvas = document.createElement("canvas");
  canvas.width = GRID;
  canvas.height = GRID;
  canvas.style.cssText = "display: block; width: 100%; height: 100%;";
  heat.append(canvas);
  const pointLayer = s("g", {}, plane.layer);
  const planeCaption = h("p", { class: "bpw-caption", id: uid("plane-desc") });
  plane.svg.setAttribute("aria-describedby", planeCaption.id);
  view.append(planeCaption);

  // ------------------------------------------------------------------ the loss
  const lossChart = chart(view, { width: 400, height: 230, title: "Loss after each epoch",
    xlabel: "epoch", ylabel: "loss" });
  view.append(h("p", { class: "bpw-note", text: "Solid: the training loss, over all training "
    + "points; dashed: the validation loss, over the validation points." }));
  // blue and vermillion, as the book's loss plots (at least 3:1 against both themes' pages)
  const trainLine = s("polyline", { fill: "none", stroke: POSITIVE, "stroke-width": 2.2 },
    lossChart.layer);
  const valLine = s("polyline", { fill: "none", stroke: NEGATIVE, "stroke-width": 2.2,
    "stroke-dasharray": "7 4" }, lossChart.layer);
  // the latest point of each curve (the only one at epoch 0)
  const trainDot = s("circle", { r: 3.5, fill: POSITIVE }, lossChart.layer);
  const valDot = s("circle", { r: 3.5, fill: "var(--bpw-bg)", stroke: NEGATIVE,
    "stroke-width": 2 }, lossChart.layer);

  // --------------------------------------------------------------- the network
  const netId = uid("net");
  const picked = h("p", { class: "bpw-picked", id: `${netId}-picked` });
  const announce = h("p", { class: "bpw-sr", "aria-live": "polite" });
  const netBox = h("div", { class: "bpw-net", tabindex: "0", role: "application",
    "aria-roledescription": "network drawing",
    "aria-label": "The network's weights and biases: the arrow keys move from one to the "
      + "next, Page Down and Page Up to the next and previous layer; its value and gradient "
      + "are shown below the drawing.", "aria-describedby": picked.id });
  const net = s("svg", { viewBox: `0 0 ${NET_W} ${NET_H}`, class: "bpw-svg", role: "img" });
  net.style.maxWidth = `${NET_W}px`;
  s("text", { x: NET_W / 2, y: 16, "text-anchor": "middle", class: "bpw-title",
    text: "The network: colour the sign, width the size" }, net);
  const edgeLayer = s("g", {}, net), haloLayer = s("g", {}, net), nodeLayer = s("g", {}, net);
  const labelLayer = s("g", {}, net);
  netBox.append(net);
  const netCaption = h("p", { class: "bpw-caption", id: uid("net-desc") });
  net.setAttribute("aria-describedby", netCaption.id);
  view.append(netBox, picked, announce, netCaption);
  root.append(h("div", { class: "bpw-row" }, controls, view));

  // ----------------------------------------------------------- drawing state
  let shownData = null, shape = "", nodes = [], edges = {}, list = [], selected = 0;
  let limits = null;

  function drawData(data) {
    // square limits around every point, with a margin
    const all = [...data.x_train, ...data.x_val];
    const lo = [0, 1].map((d) => Math.min(...all.map((p) => p[d])));
    const hi = [0, 1].map((d) => Math.max(...all.map((p) => p[d])));
    const half = Math.max(hi[0] - lo[0], hi[1] - lo[1]) / 2 + 0.3;
    const mid = [0, 1].map((d) => (lo[d] + hi[d]) / 2);
    limits = [[mid[0] - half, mid[0] + half], [mid[1] - half, mid[1] + half]];
    plane.setLimits(...limits);
    pointLayer.replaceChildren();
    data.x_val.forEach((p, n) => classMarker(pointLayer, data.t_val[n], plane.sx(p[0]),
      plane.sy(p[1]), 3.6, { fill: "var(--bpw-bg)", stroke: "var(--bpw-fg)", "stroke-width": 1.3 }));
    data.x_train.forEach((p, n) => classMarker(pointLayer, data.t_train[n], plane.sx(p[0]),
      plane.sy(p[1]), 3.6, { fill: CLASS_COLOURS[data.t_train[n]], stroke: "var(--bpw-fg)",
        "stroke-width": 0.8 }));
  }

  function drawHeat(r, c, data) {
    const { cls, prob } = gridPrediction(r.params, c, data.n_classes, ...limits);
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(GRID, GRID);
    const rgb = CLASS_COLOURS.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
    const floor = 1 / data.n_classes;
    for (let i = 0; i < cls.length; i++) {
      const [red, green, blue] = rgb[cls[i]];
      const sure = Math.max(0, (prob[i] - floor) / (1 - floor));
      image.data.set([red, green, blue, Math.round(255 * (0.08 + 0.4 * sure))], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }

  function buildNetwork(c, k) {
    edgeLayer.replaceChildren();
    nodeLayer.replaceChildren();
    labelLayer.replaceChildren();
    const sizes = [2, ...Array(c.layers).fill(c.width), k];
    const x0 = 40, x1 = 330;
    nodes = sizes.map((n, col) => {
      const x = x0 + (col * (x1 - x0)) / (sizes.length - 1);
      const gap = n > 1 ? Math.min(40, 232 / (n - 1)) : 0;
      const r = Math.min(10, n > 1 ? gap * 0.36 : 10);
      return Array.from({ length: n }, (_, j) => ({ x, y: 150 + (j - (n - 1) / 2) * gap, r }));
    });
    edges = {};
    for (let i = 0; i + 1 < sizes.length; i++) {
      for (let j = 0; j < sizes[i + 1]; j++) {
        for (let kk = 0; kk < sizes[i]; kk++) {
          const a = nodes[i][kk], b = nodes[i + 1][j];
          edges[`${2 * i}.W|${j}|${kk}`] = s("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y,
            "stroke-linecap": "round" }, edgeLayer);
        }
      }
    }
    nodes.forEach((column, col) => column.forEach((n, j) => {
      n.el = s("circle", { cx: n.x, cy: n.y, r: n.r, class: "bpw-node" }, nodeLayer);
      n.el.dataset.unit = unitName(col, j, c.layers);
    }));
    for (const [j, n] of nodes[0].entries()) {
      s("text", { x: n.x - n.r - 5, y: n.y + 4.5, "text-anchor": "end", text: `x${j + 1}` },
        labelLayer);
    }
    for (const [j, n] of nodes[sizes.length - 1].entries()) {
      s("text", { x: n.x + n.r + 5, y: n.y + 4.5, text: `class ${j}` }, labelLayer);
    }
    nodes.forEach((column, col) => s("text", { x: column[0].x, y: NET_H - 6,
      "text-anchor": "middle", text: col === 0 ? "input" : col === sizes.length - 1 ? "output"
        : `hidden ${col}` }, labelLayer));
    list = parameterList(c.layers, c.width, k);
    selected = Math.min(selected, list.length - 1);
  }

  // the parameter under the pointer: a hidden or output unit (its bias), else the nearest edge
  function pick(event) {
    const ctm = net.getScreenCTM();
    if (!ctm) return;
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(ctm.inverse());
    for (let col = 1; col < nodes.length; col++) {
      for (const [j, n] of nodes[col].entries()) {
        if (Math.hypot(p.x - n.x, p.y - n.y) <= n.r + 3) {
          return select(list.findIndex((q) => q.layer === col - 1 && q.j === j && q.k === null));
        }
      }
    }
    let best = -1, bestDistance = 6;
    list.forEach((q, index) => {
      if (q.k === null) return;
      const a = nodes[q.layer][q.k], b = nodes[q.layer + 1][q.j];
      const vx = b.x - a.x, vy = b.y - a.y;
      const u = Math.max(0, Math.min(1, ((p.x - a.x) * vx + (p.y - a.y) * vy) / (vx * vx + vy * vy)));
      const d = Math.hypot(p.x - a.x - u * vx, p.y - a.y - u * vy);
      if (d < bestDistance) { bestDistance = d; best = index; }
    });
    if (best >= 0) select(best);
  }
  net.addEventListener("pointermove", pick);
  net.addEventListener("pointerdown", pick);

  netBox.addEventListener("keydown", (event) => {
    const here = list[selected];
    let next = selected;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = selected + 1;
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = selected - 1;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = list.length - 1;
    else if (event.key === "PageDown") next = list.findIndex((q) => q.layer === here.layer + 1);
    else if (event.key === "PageUp") next = list.findIndex((q) => q.layer === here.layer - 1);
    else return;
    event.preventDefault();
    if (next >= 0 && next < list.length) select(next);
  });

  function select(index) {
    if (index < 0 || index === selected) return;
    selected = index;
    drawPicked(true);
  }

  function describeParameter(q, c) {
    const from = q.k === null ? null : unitName(q.layer, q.k, c.layers);
    const to = unitName(q.layer + 1, q.j, c.layers);
    return q.k === null ? { what: `the bias of ${to}`, symbol: "b" }
      : { what: `the weight from ${from} to ${to}`, symbol: "w" };
  }

  function drawPicked(announceIt) {
    const c = model.get("controls"), r = model.get("result");
    const q = list[selected];
    if (!q) return;
    const value = q.k === null ? r.params[q.key][q.j] : r.params[q.key][q.j][q.k];
    const grad = q.k === null ? r.grads[q.key][q.j] : r.grads[q.key][q.j][q.k];
    const { what, symbol } = describeParameter(q, c);
    const valueSpan = numberSpan(value ?? NaN), gradSpan = numberSpan(grad ?? NaN, true);
    valueSpan.dataset.role = "value";
    gradSpan.dataset.role = "gradient";
    picked.replaceChildren(`Selected: ${what} (${q.key}[${q.j}${q.k === null ? "" : `, ${q.k}`}]): `
      + `${symbol} = `, valueSpan, `, gradient \u2202L/\u2202${symbol} = `, gradSpan,
    " (of the training loss, over all training points).");
    picked.dataset.param = q.key;
    picked.dataset.index = JSON.stringify(q.k === null ? [q.j] : [q.j, q.k]);
    if (announceIt) {
      announce.textContent = `${what}: ${symbol} = ${valueSpan.textContent}, gradient `
        + `${gradSpan.textContent}`;
    }
    // the halo around the selected edge or unit
    haloLayer.replaceChildren();
    if (q.k === null) {
      const n = nodes[q.layer + 1][q.j];
      s("circle", { cx: n.x, cy: n.y, r: n.r + 3.5, fill: "none", stroke: "var(--bpw-fg)",
        "stroke-width": 2.5 }, haloLayer);
    } else {
      const a = nodes[q.layer][q.k], b = nodes[q.layer + 1][q.j];
      s("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: "var(--bpw-fg)",
        "stroke-width": 6, "stroke-linecap": "round", opacity: 0.55 }, haloLayer);
    }
  }

  function drawStatus() {
    const r = model.get("result"), data = model.get("data");
    const n = data.t_train.length;
    const size = model.get("controls").batch_size;
    const perEpoch = size === "full" ? 1 : Math.ceil(n / size);
    const parts = [`Epoch ${r.epoch}, step ${r.step}`
      + (r.batch ? ` (${r.batch} of ${perEpoch} batches into the next epoch)` : "") + ": "];
    if (r.diverged || !Number.isFinite(r.train_loss ?? NaN)) {
      parts.push("the run diverged (the loss is not finite): press Reset, or lower the "
        + "learning rate.");
    } else {
      const tl = numberSpan(r.train_loss), vl = numberSpan(r.val_loss);
      const acc = h("span", { class: "bpw-num", text: `${(100 * r.val_acc).toFixed(1)}%`,
        title: String(r.val_acc) });
      acc.dataset.exact = String(r.val_acc);
      tl.dataset.role = "train_loss";
      vl.dataset.role = "val_loss";
      acc.dataset.role = "val_acc";
      parts.push("training loss ", tl, ", validation loss ", vl, ", validation accuracy ", acc,
        playing ? " (playing)" : ".");
    }
    status.replaceChildren(...parts);
  }

  // Whether the weights in `result` are those of the network the controls and the data
  // describe. In a kernel the controls change in the page first and the weights arrive a
  // moment later; until then the page keeps what it drew.
  function consistent(c, r, data) {
    const Ws = Object.keys(r.params || {}).filter((key) => key.endsWith(".W"));
    if (Ws.length !== c.layers + 1) return false;
    const widths = Ws.sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).map((key) => r.params[key].length);
    return widths.slice(0, -1).every((w) => w === c.width) && widths[widths.length - 1] === data.n_classes;
  }

  function draw() {
    const c = model.get("controls"), r = model.get("result"), data = model.get("data");
    if (!consistent(c, r, data)) return;
    // the controls, as the kernel or the page model holds them
    for (const [name, sl] of Object.entries(sliders)) {
      if (Math.abs(sl.value - c[name]) > 1e-9 * Math.max(1, Math.abs(c[name]))) sl.value = c[name];
    }
    for (const [name, sel] of Object.entries(selects)) {
      if (sel.select.value !== String(c[name])) sel.select.value = String(c[name]);
    }
    if (data !== shownData) {
      shownData = data;
      drawData(data);
    }
    const k = data.n_classes;
    if (shape !== `${c.layers}|${c.width}|${k}`) {
      shape = `${c.layers}|${c.width}|${k}`;
      buildNetwork(c, k);
    }
    const finite = r.params && Object.values(r.params).every((p) => p.flat().every(Number.isFinite));
    if (finite) drawHeat(r, c, data);
    // the network's edges: colour the sign of the weight, width its size
    for (const q of list) {
      if (q.k === null) continue;
      const w = r.params[q.key][q.j][q.k];
      const line = edges[`${q.key}|${q.j}|${q.k}`];
      line.setAttribute("stroke", w >= 0 ? POSITIVE : NEGATIVE);
      line.setAttribute("stroke-width", (0.5 + 4 * Math.min(1, Math.abs(w) / 2)).toFixed(2));
    }
    drawPicked(false);
    drawStatus();

    // the loss after each recorded epoch
    const hist = r.history;
    const losses = [...hist.train_loss, ...hist.val_loss].filter((v) => Number.isFinite(v ?? NaN));
    const lastEpoch = hist.epoch[hist.epoch.length - 1] || 0;
    lossChart.setLimits([0, niceCeil(Math.max(lastEpoch, 10))],
      [0, losses.length ? niceCeil(1.05 * Math.max(...losses)) : 1]);
    const finiteOnly = (v) => (v === null ? NaN : v);
    trainLine.setAttribute("points", points(hist.epoch, hist.train_loss.map(finiteOnly), lossChart));
    valLine.setAttribute("points", points(hist.epoch, hist.val_loss.map(finiteOnly), lossChart));
    const last = hist.epoch.length - 1;
    for (const [dot, values] of [[trainDot, hist.train_loss], [valDot, hist.val_loss]]) {
      const v = finiteOnly(values[last]);
      dot.setAttribute("visibility", Number.isFinite(v) ? "visible" : "hidden");
      if (Number.isFinite(v)) {
        dot.setAttribute("cx", lossChart.sx(hist.epoch[last]));
        dot.setAttribute("cy", lossChart.sy(v));
      }
    }

    // the drawings in words: while playing, once a second (and when paused)
    if (!playing || performance.now() - wordsAt > 1000) drawWords(c, r, data, k, lastEpoch);
    if (r.diverged && playing) setPlaying(false);
  }

  let wordsAt = 0;
  function drawWords(c, r, data, k, lastEpoch) {
    wordsAt = performance.now();
    const hist = r.history;
    const source = data.source === "bpkit" ? "drawn by bpkit (NumPy) in the notebook"
      : `drawn by this page from seed ${c.seed}`;
    const numbers = Number.isFinite(r.train_loss ?? NaN)
      ? `training loss ${fmt(r.train_loss)}, validation loss ${fmt(r.val_loss)}, validation `
        + `accuracy ${(100 * r.val_acc).toFixed(1)}%` : "the run diverged";
    const planeText = `The ${DATASET_LABELS[c.dataset]} dataset, ${data.t_train.length} training `
      + `points (filled) and ${data.t_val.length} validation points (hollow), ${source}; `
      + `class 0 orange circles, class 1 sky-blue squares`
      + (k > 2 ? ", class 2 green triangles" : "") + `. The plane is shaded by the class the `
      + `network predicts, paler where it is less sure. After ${r.epoch} epochs (${r.step} `
      + `steps): ${numbers}.`;
    planeCaption.textContent = planeText;
    plane.svg.setAttribute("aria-label", planeText);
    const shown = hist.train_loss.length;
    lossChart.svg.setAttribute("aria-label", `Training and validation loss after each of `
      + `${shown} recorded epochs, from ${fmt(hist.train_loss[0] ?? NaN)} and `
      + `${fmt(hist.val_loss[0] ?? NaN)} at epoch 0 to ${fmt(hist.train_loss[shown - 1] ?? NaN)} `
      + `and ${fmt(hist.val_loss[shown - 1] ?? NaN)} at epoch ${lastEpoch}.`);
    const netText = `The network: 2 inputs, ${c.layers} hidden layer${c.layers > 1 ? "s" : ""} `
      + `of ${c.width} ${TRAINER_ACTIVATIONS[c.activation]} units, ${k} outputs (one logit per `
      + `class, softmax cross-entropy); ${list.filter((q) => q.k !== null).length} weights, each `
      + `edge coloured by its sign (blue positive, vermillion negative) and as wide as it is `
      + `large. Hover over an edge or a unit, or focus the drawing and use the arrow keys, `
      + `to read a weight or a bias and its gradient. Trained with ${c.optimizer}, learning `
      + `rate ${fmt(c.lr, 3)}, ${c.batch_size === "full" ? "full batches" : `batches of ${c.batch_size}`}.`;
    netCaption.textContent = netText;
    net.setAttribute("aria-label", netText);
  }

  function onResult() { waiting = false; }
  const traits = ["controls", "data", "start", "result"];
  model.on("change:result", onResult);
  for (const trait of traits) model.on(`change:${trait}`, draw);
  draw();
  return () => {
    playing = false;
    if (frame !== null) cancelAnimationFrame(frame);
    model.off("change:result", onResult);
    for (const trait of traits) model.off(`change:${trait}`, draw);
  };
}

export default { render, compute, actions };
