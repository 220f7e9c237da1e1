// port.js: the pieces of bpkit that the widgets need, in JavaScript, for the website.
//
// On the website there is no Python kernel, so a widget computes its numbers with these
// functions instead of with bpkit. Each one names the bpkit function it mirrors and follows
// it step by step, in the same order of floating-point operations, so that the two agree to
// the last few bits: tests/test_widget_port*.py compare them with bpkit (to 1e-12 relative
// with a 1e-16 floor; whole training runs of 200 steps to 1e-9).
// Notation as in the book: z = pre-activation, h and y = activations, t = target,
// L = loss, delta = dL/dz, g = a gradient dL/d(parameter), eta = the learning rate.

// ---------------------------------------------------------------- bpkit.engine.Value

// Mirrors bpkit.engine.Value.sigmoid (and bpkit.layers.Sigmoid.forward):
// sigma(z) = 1/2 (1 + tanh(z/2)), which never overflows.
function sigmoid(z) {
  return 0.5 * (1.0 + Math.tanh(0.5 * z));
}

// ---------------------------------------------------------- bpkit.widgets.chain (graph)

// The graph of f = (x y + z) sigma(x), one node per line of bpkit.widgets.chain.build_graph.
// Each node has its value and its parents with the local derivative d(node)/d(parent),
// exactly as bpkit.engine.Value's operations record them: Value.__mul__ gives
// (other, self), Value.__add__ gives (1, 1), Value.sigmoid gives s (1 - s).
const CHAIN_INPUTS = ["x", "y", "z"];

// Mirrors bpkit.widgets.chain.build_graph.
function buildGraph(x, y, z) {
  const m = x * y;
  const u = m + z;
  const s = sigmoid(x);
  const f = u * s;
  return {
    x: { value: x, parents: [] },
    y: { value: y, parents: [] },
    z: { value: z, parents: [] },
    m: { value: m, parents: [["x", y], ["y", x]] },       // m = x * y
    u: { value: u, parents: [["m", 1.0], ["z", 1.0]] },   // u = m + z
    s: { value: s, parents: [["x", s * (1 - s)]] },       // s = sigma(x)
    f: { value: f, parents: [["u", s], ["s", u]] },       // f = u * s
  };
}

// Mirrors bpkit.engine.Value.topological_order: every node after all of its parents.
function topologicalOrder(graph, output) {
  const order = [];
  const seen = new Set();
  function visit(name) {
    if (seen.has(name)) return;
    seen.add(name);
    for (const [parent] of graph[name].parents) visit(parent);
    order.push(name);
  }
  visit(output);
  return order;
}

// Mirrors bpkit.engine.Value.edges: [parent, child, local derivative] for every edge.
function edges(graph, output) {
  const found = [];
  for (const child of topologicalOrder(graph, output)) {
    for (const [parent, local] of graph[child].parents) found.push([parent, child, local]);
  }
  return found;
}

// Mirrors bpkit.engine.Value.backward: grad[node] = d(output)/d(node), one pass in
// reverse topological order, each edge adding local * grad[child] to its parent.
function backward(graph, output) {
  const order = topologicalOrder(graph, output);
  const grad = {};
  for (const name of order) grad[name] = 0.0;
  grad[output] = 1.0;
  for (const name of order.slice().reverse()) {
    for (const [parent, local] of graph[name].parents) grad[parent] += local * grad[name];
  }
  return grad;
}

// Mirrors bpkit.widgets.chain.paths: every path [output, ..., source], by brute force.
// (This graph has no parallel edges, so each parent is visited once.)
function paths(graph, output, source) {
  if (output === source) return [[output]];
  const found = [];
  for (const [parent] of graph[output].parents) {
    for (const tail of paths(graph, parent, source)) found.push([output, ...tail]);
  }
  return found;
}

// Mirrors bpkit.widgets.chain.path_product: the product of the local derivatives
// d v_k / d v_{k+1} along path = [output, ..., source].
function pathProduct(graph, path) {
  let product = 1.0;
  for (let k = 0; k + 1 < path.length; k++) {
    const local = graph[path[k]].parents.find(([p]) => p === path[k + 1]);
    product *= local[1];
  }
  return product;
}

// Python's math.fsum, which the widget uses for the sum over paths: an exactly rounded sum
// (Shewchuk's algorithm, as CPython implements it, without the special cases for inf/nan).
function fsum(values) {
  const partials = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let n = partials.length;
  let hi = 0.0;
  if (n > 0) {
    hi = partials[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n];
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  return hi;
}

// Mirrors bpkit.widgets.chain.chain_state: everything the chain-rule widget shows.
function chainState(x, y, z) {
  const graph = buildGraph(x, y, z);
  const values = {};
  for (const name of Object.keys(graph)) values[name] = graph[name].value;
  const grad = backward(graph, "f");
  const result = { values, local_grads: edges(graph, "f"), paths: {}, path_sums: {}, grads: {} };
  for (const name of CHAIN_INPUTS) {
    const rows = paths(graph, "f", name).map((p) => [p, pathProduct(graph, p)]);
    result.paths[name] = rows;
    result.path_sums[name] = fsum(rows.map((row) => row[1]));
    result.grads[name] = grad[name];
  }
  return result;
}

// ------------------------------------------------- bpkit.widgets.stepper (Chapter 8)

// Mirrors bpkit.widgets.stepper.EXPRESSIONS: the formula shown, the inputs, and what each
// inner node computes.
const STEPPER_EXPRESSIONS = {
  reuse: { formula: "f = x\u00b7y + x", inputs: ["x", "y"],
    inner: { m: "x\u00b7y", f: "m + x" } },
  neuron: { formula: "f = x\u00b7tanh(w\u00b7x + b)", inputs: ["x", "w", "b"],
    inner: { m: "w\u00b7x", u: "m + b", a: "tanh u", f: "x\u00b7a" } },
  square: { formula: "f = (x + y)\u00b7(x + y)\u00b7y", inputs: ["x", "y"],
    inner: { u: "x + y", q: "u\u00b7u", f: "q\u00b7y" } },
};

// Mirrors bpkit.widgets.stepper.build_expression: the graph of expression `name` at the
// inputs `c`, nodes in the order they are made, each with its value and [parent, local
// derivative] pairs as bpkit.engine.Value records them: Value.__mul__ gives (other, self),
// Value.__add__ gives (1, 1), Value.tanh gives 1 - t t.
function buildExpression(name, c) {
  const graph = {};
  for (const k of STEPPER_EXPRESSIONS[name].inputs) graph[k] = { value: c[k], parents: [] };
  const v = (k) => graph[k].value;
  const mul = (a, b) => ({ value: v(a) * v(b), parents: [[a, v(b)], [b, v(a)]] });
  const add = (a, b) => ({ value: v(a) + v(b), parents: [[a, 1.0], [b, 1.0]] });
  if (name === "reuse") {
    graph.m = mul("x", "y");
    graph.f = add("m", "x");
  } else if (name === "neuron") {
    graph.m = mul("w", "x");
    graph.u = add("m", "b");
    const t = Math.tanh(v("u"));
    graph.a = { value: t, parents: [["u", 1 - t * t]] };
    graph.f = mul("x", "a");
  } else if (name === "square") {
    graph.u = add("x", "y");
    graph.q = mul("u", "u");
    graph.f = mul("q", "y");
  } else {
    throw new Error(`buildExpression: unknown expression ${name}`);
  }
  return graph;
}

// Mirrors bpkit.widgets.stepper.stepper_state: the topological order, every value, every
// edge with its local derivative, and every gradient (which the widget reveals one node at
// a time, in reverse topological order).
function stepperState(name, c) {
  const graph = buildExpression(name, c);
  const values = {};
  for (const k of Object.keys(graph)) values[k] = graph[k].value;
  const grad = backward(graph, "f");
  const grads = {};
  for (const k of Object.keys(graph)) grads[k] = grad[k];
  return { order: topologicalOrder(graph, "f"), values, edges: edges(graph, "f"), grads };
}

// ------------------------------------------------------- bpkit.worked_example (2-2-1 net)

const PARAM_NAMES = ["w11", "w12", "b1", "w21", "w22", "b2", "w31", "w32", "b3"];

// Mirrors bpkit.worked_example.forward, for numbers: every intermediate value.
function forward(p, x1, x2) {
  const z1 = p.w11 * x1 + p.w12 * x2 + p.b1;
  const z2 = p.w21 * x1 + p.w22 * x2 + p.b2;
  const h1 = sigmoid(z1);
  const h2 = sigmoid(z2);
  const z3 = p.w31 * h1 + p.w32 * h2 + p.b3;
  return { z1, h1, z2, h2, z3, y: sigmoid(z3) };
}

// Mirrors bpkit.worked_example.loss: L = 1/2 (y - t)^2 for one example.
function loss(p, x1, x2, t) {
  const r = forward(p, x1, x2).y - t;
  return 0.5 * (r * r);
}

// Mirrors bpkit.worked_example.loss_and_gradients for one example (N = 1), which runs
// bpkit's Sequential(Linear(2, 2), Sigmoid(), Linear(2, 1), Sigmoid()) and SquaredError:
//   SquaredError.backward      dL/dy = (y - t) / N
//   Sigmoid.backward           delta3 = dL/dy * y (1 - y)
//   Linear.backward (output)   dW = delta3 h, db = delta3, dh = delta3 W
//   Sigmoid.backward           delta_j = dh_j * h_j (1 - h_j)
//   Linear.backward (hidden)   dW = delta x, db = delta
function lossAndGradients(p, x1, x2, t) {
  const v = forward(p, x1, x2);
  const r = v.y - t;
  const L = 0.5 * (r * r) / 1;
  const dy = r / 1;
  const delta3 = dy * v.y * (1.0 - v.y);
  const dh1 = delta3 * p.w31;
  const dh2 = delta3 * p.w32;
  const delta1 = dh1 * v.h1 * (1.0 - v.h1);
  const delta2 = dh2 * v.h2 * (1.0 - v.h2);
  const g = {
    w11: delta1 * x1, w12: delta1 * x2, b1: delta1,
    w21: delta2 * x1, w22: delta2 * x2, b2: delta2,
    w31: delta3 * v.h1, w32: delta3 * v.h2, b3: delta3,
  };
  return { loss: L, gradients: g, values: v };
}

// Mirrors bpkit.optim.SGD.step without momentum: theta <- theta - eta * g.
function sgdStep(p, g, eta) {
  const next = {};
  for (const name of PARAM_NAMES) next[name] = p[name] - eta * g[name];
  return next;
}

// Mirrors bpkit.widgets.explorer.SLICE_OFFSETS: numpy.linspace(-3, 3, 121).
const SLICE_HALF_WIDTH = 3.0;
const SLICE_POINTS = 121;
function sliceOffsets() {
  const step = (2 * SLICE_HALF_WIDTH) / (SLICE_POINTS - 1);
  const offsets = [];
  for (let i = 0; i < SLICE_POINTS; i++) offsets.push(-SLICE_HALF_WIDTH + i * step);
  offsets[SLICE_POINTS - 1] = SLICE_HALF_WIDTH;  // numpy.linspace ends exactly at stop
  return offsets;
}

// Mirrors bpkit.widgets.explorer.explorer_state: what the explorer shows for one setting
// of its controls (the 9 parameters, x1, x2, t, and the parameter to slice along).
function explorerState(c) {
  const p = {};
  for (const name of PARAM_NAMES) p[name] = c[name];
  const { loss: L, gradients, values } = lossAndGradients(p, c.x1, c.x2, c.t);
  const w = c.weight;
  const curve = sliceOffsets().map((d) => loss({ ...p, [w]: p[w] + d }, c.x1, c.x2, c.t));
  return { loss: L, output: values.y, values, gradients, slice: curve };
}

// =====================================================================================
// The pieces of a trainable network, for the depth widget, the optimizer explorer and the
// trainer. A matrix is an array of rows (number[][]), shape (N, n) as in bpkit; a vector is
// number[]. Each class has bpkit's name, attributes (params, grads, x, a) and methods, and
// does its arithmetic in the order bpkit's NumPy expressions do.
// =====================================================================================

// Helper: a vector (n,) or a matrix (n, m) of zeros, like numpy.zeros.
function zeros(n, m) {
  if (m === undefined) return new Array(n).fill(0);
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = new Array(m).fill(0);
  return rows;
}

// Helper: apply f to every number of a vector or a matrix, giving a new one of the same shape.
function map(a, f) {
  return a.map((v) => (Array.isArray(v) ? v.map(f) : f(v)));
}

// ------------------------------------------------------------------ bpkit.layers

// Mirrors bpkit.layers.Linear: z = x W^T + b, row by row z_j = sum_k W_jk x_k + b_j.
// W has shape (n_out, n_in), b (n_out,). Backward, for dz = dL/dz of shape (N, n_out):
// dW = dz^T x, db = sum over the batch of dz, dx = dz W.
class Linear {
  constructor(W, b) {
    this.params = { W, b };
    this.grads = { W: zeros(W.length, W[0].length), b: zeros(b.length) };
    this.x = null;
  }
  forward(x) {
    const { W, b } = this.params;
    this.x = x;
    const z = zeros(x.length, W.length);
    for (let n = 0; n < x.length; n++) {
      const row = x[n], out = z[n];
      for (let j = 0; j < W.length; j++) {
        const w = W[j];
        let s = 0;
        for (let k = 0; k < row.length; k++) s += row[k] * w[k];
        out[j] = s + b[j];
      }
    }
    return z;
  }
  backward(dz, needDx = true) {
    const { W } = this.params;
    const x = this.x;
    const dW = this.grads.W, db = this.grads.b;
    for (const row of dW) row.fill(0);
    db.fill(0);
    for (let n = 0; n < x.length; n++) {
      const d = dz[n], xn = x[n];
      for (let j = 0; j < W.length; j++) {
        const g = d[j], row = dW[j];
        for (let k = 0; k < xn.length; k++) row[k] += g * xn[k];
        db[j] += g;
      }
    }
    if (!needDx) return null;
    const dx = zeros(dz.length, W[0].length);
    for (let n = 0; n < dz.length; n++) {
      const d = dz[n], out = dx[n];
      for (let j = 0; j < W.length; j++) {
        const g = d[j], w = W[j];
        for (let k = 0; k < w.length; k++) out[k] += g * w[k];
      }
    }
    return dx;
  }
}

// Mirrors bpkit.layers.Sigmoid: a = 1/2 (1 + tanh(z/2)); backward dz = da a (1 - a).
class Sigmoid {
  constructor() { this.params = {}; this.grads = {}; }
  forward(z) { this.a = map(z, sigmoid); return this.a; }
  backward(da) { return da.map((row, n) => row.map((d, j) => d * this.a[n][j] * (1.0 - this.a[n][j]))); }
}

// Mirrors bpkit.layers.Tanh: a = tanh(z); backward dz = da (1 - a a).
class Tanh {
  constructor() { this.params = {}; this.grads = {}; }
  forward(z) { this.a = map(z, Math.tanh); return this.a; }
  backward(da) { return da.map((row, n) => row.map((d, j) => d * (1.0 - this.a[n][j] * this.a[n][j]))); }
}

// Mirrors bpkit.layers.ReLU: a = max(z, 0); backward dz = da [z > 0].
class ReLU {
  constructor() { this.params = {}; this.grads = {}; }
  forward(z) { this.x = z; return map(z, (v) => Math.max(v, 0)); }
  backward(da) { return da.map((row, n) => row.map((d, j) => (this.x[n][j] > 0 ? d : 0 * d))); }
}

const ACTIVATION_LAYERS = { sigmoid: Sigmoid, tanh: Tanh, relu: ReLU };

// Helper: numpy's sum of a contiguous run of float64 numbers (numpy.add.reduce over a row,
// or over a whole C-ordered array): pairwise summation, 8 running sums in blocks of up to
// 128 numbers, halves of longer runs summed separately (numpy's pairwise_sum), started from 0.
function pairwiseSum(a, start = 0, n = a.length - start) {
  if (n < 8) {
    let s = 0.0;
    for (let i = 0; i < n; i++) s += a[start + i];
    return s;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) s += a[start + i];
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

// Helper: numpy's sum of a matrix (an array of rows) along `axis`, keeping it as a row
// (axis 0: the column sums, the rows added one after another, as numpy adds them) or as a
// column of single numbers (axis 1: each row's pairwise sum).
function axisSum(a, axis) {
  if (axis === 1) return a.map((row) => [pairwiseSum(row)]);
  const s = a[0].map(() => 0.0);
  for (const row of a) for (let j = 0; j < row.length; j++) s[j] += row[j];
  return [s];
}

// Helper: the element of a kept-dims reduction (a row [[...]] or a column [[.], [.]]) that
// lines up with element (n, j) of the matrix, as numpy broadcasts it.
function at(r, n, j) {
  return r.length === 1 ? r[0][r[0].length === 1 ? 0 : j] : r[n][0];
}

// Helper: numpy.mean and numpy.var along `axis` with keepdims: the sum divided by the count;
// the variance from the squared deviations (z - mean)^2, summed, divided by the count.
function axisMeanVar(z, axis) {
  const m = axis === 0 ? z.length : z[0].length;
  const mean = axisSum(z, axis).map((row) => row.map((v) => v / m));
  const sq = z.map((row, n) => row.map((v, j) => {
    const d = v - at(mean, n, j);
    return d * d;
  }));
  const variance = axisSum(sq, axis).map((row) => row.map((v) => v / m));
  return { mean, variance };
}

// Helper: numpy.std of a whole matrix (bpkit.widgets.depth.layer_values takes it): the root
// of the mean squared deviation from the mean, every number of the matrix counted, the sums
// pairwise over the numbers in row order.
function matrixStd(a) {
  const flat = [].concat(...a);
  const mean = pairwiseSum(flat) / flat.length;
  const sq = flat.map((v) => (v - mean) * (v - mean));
  return Math.sqrt(pairwiseSum(sq) / flat.length);
}

// Mirrors bpkit.layers._Normalize: standardise z along `axis` (0: each unit over the batch;
// 1: each example over its units), z_hat = (z - mean) / sqrt(var + eps), then
// y = z_hat * scale + shift (scale and shift (n,), starting at 1 and 0). Backward, the
// compact form: dz_hat = dy * scale, dscale = sum_n dy z_hat, dshift = sum_n dy, and
// dz = (M dz_hat - sum dz_hat - z_hat sum(dz_hat z_hat)) * (inv_std / M), sums along `axis`.
class Normalize {
  constructor(n, axis, eps = 1e-5) {
    this.n = n; this.axis = axis; this.eps = eps;
    this.params = { scale: new Array(n).fill(1.0), shift: zeros(n) };
    this.grads = { scale: zeros(n), shift: zeros(n) };
  }
  // Mirrors bpkit.layers._Normalize._standardise (mean and var as kept-dims reductions).
  _standardise(z, mean, variance) {
    const { scale, shift } = this.params;
    this.inv_std = variance.map((row) => row.map((v) => 1.0 / Math.sqrt(v + this.eps)));
    this.z_hat = z.map((row, n) => row.map((v, j) => (v - at(mean, n, j)) * at(this.inv_std, n, j)));
    return this.z_hat.map((row) => row.map((v, j) => v * scale[j] + shift[j]));
  }
  // Mirrors bpkit.layers._Normalize._backward_params: fills grads, returns dz_hat.
  _backwardParams(dy) {
    const { scale } = this.params;
    const g = axisSum(dy.map((row, n) => row.map((d, j) => d * this.z_hat[n][j])), 0)[0];
    const s = axisSum(dy, 0)[0];
    for (let j = 0; j < this.n; j++) { this.grads.scale[j] = g[j]; this.grads.shift[j] = s[j]; }
    return dy.map((row) => row.map((d, j) => d * scale[j]));
  }
  // Mirrors bpkit.layers._Normalize._compact.
  _compact(dzHat) {
    const zh = this.z_hat, axis = this.axis;
    const m = axis === 0 ? zh.length : zh[0].length;
    const total = axisSum(dzHat, axis);
    const along = axisSum(dzHat.map((row, n) => row.map((d, j) => d * zh[n][j])), axis);
    return dzHat.map((row, n) => row.map((d, j) => (m * d - at(total, n, j)
      - zh[n][j] * at(along, n, j)) * (at(this.inv_std, n, j) / m)));
  }
}

// Mirrors bpkit.layers.BatchNorm in training mode (what the depth widget runs): each unit
// standardised with the batch's mean and variance (divisor N, N >= 2), the running
// statistics moved towards them (running <- decay running + (1 - decay) batch value).
class BatchNorm extends Normalize {
  constructor(n, { decay = 0.9, eps = 1e-5 } = {}) {
    super(n, 0, eps);
    this.decay = decay;
    this.running_mean = zeros(n);
    this.running_var = new Array(n).fill(1.0);
  }
  forward(z) {
    if (z.length < 2) {
      throw new Error(`BatchNorm(${this.n}) in training mode expected a batch of at least 2 `
        + `examples, got ${z.length}`);
    }
    this.x = z;
    const { mean, variance } = axisMeanVar(z, 0);
    for (let j = 0; j < this.n; j++) {
      this.running_mean[j] *= this.decay;
      this.running_mean[j] += (1.0 - this.decay) * mean[0][j];
      this.running_var[j] *= this.decay;
      this.running_var[j] += (1.0 - this.decay) * variance[0][j];
    }
    return this._standardise(z, mean, variance);
  }
  backward(dy) { return this._compact(this._backwardParams(dy)); }
}

// Mirrors bpkit.layers.LayerNorm: each example (row) standardised over its n units.
class LayerNorm extends Normalize {
  constructor(n, { eps = 1e-5 } = {}) { super(n, 1, eps); }
  forward(z) {
    this.x = z;
    const { mean, variance } = axisMeanVar(z, 1);
    return this._standardise(z, mean, variance);
  }
  backward(dy) { return this._compact(this._backwardParams(dy)); }
}

// Mirrors bpkit.layers.Residual: y = x + R(x) for a branch R (a Sequential) that keeps the
// shape; backward dx = dy + R's backward of dy. params and grads are the branch's own
// arrays, under its names ("0.W", ...).
class Residual {
  constructor(inner) {
    this.inner = inner;
    this.params = inner.params;
    this.grads = inner.grads;
  }
  forward(x) {
    this.x = x;
    const r = this.inner.forward(x);
    return x.map((row, n) => row.map((v, j) => v + r[n][j]));
  }
  backward(dy) {
    const dx = this.inner.backward(dy);
    return dy.map((row, n) => row.map((d, j) => d + dx[n][j]));
  }
}

// ------------------------------------------------------------------- bpkit.model

// Mirrors bpkit.model.Sequential: layers applied in order; params and grads keyed
// "<layer index>.<name>" ("0.W", "0.b", "2.W", ...), as bpkit's are.
class Sequential {
  constructor(...layers) { this.layers = layers; }
  forward(x) {
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
  // Every layer's backward in reverse; with needDx false a first Linear layer skips dL/dx
  // (the data's gradient) and null is returned.
  backward(dy, needDx = true) {
    for (let i = this.layers.length - 1; i >= 1; i--) dy = this.layers[i].backward(dy);
    const first = this.layers[0];
    if (needDx || !(first instanceof Linear)) return first.backward(dy);
    return first.backward(dy, false);
  }
  get params() { return this._keyed("params"); }
  get grads() { return this._keyed("grads"); }
  _keyed(what) {
    const out = {};
    this.layers.forEach((layer, i) => {
      for (const [k, v] of Object.entries(layer[what])) out[`${i}.${k}`] = v;
    });
    return out;
  }
}

// ------------------------------------------------------------------ bpkit.losses

// Mirrors bpkit.losses.SquaredError: L = 1/N sum_n 1/2 sum_k (y_nk - t_nk)^2;
// backward (y - t) / N.
class SquaredError {
  forward(y, t) {
    this.y = y; this.t = t;
    let s = 0;
    for (let n = 0; n < y.length; n++) for (let k = 0; k < y[n].length; k++) {
      const r = y[n][k] - t[n][k];
      s += r * r;
    }
    return 0.5 * s / y.length;
  }
  backward() {
    const N = this.y.length;
    return this.y.map((row, n) => row.map((v, k) => (v - this.t[n][k]) / N));
  }
}

// Mirrors bpkit.losses.BinaryCrossEntropy(from_logits=True): for logits z and targets t in
// [0, 1], l = max(z, 0) - t z + log(1 + e^{-|z|}); backward (sigma(z) - t) / N.
class BinaryCrossEntropy {
  forward(z, t) {
    this.y = z; this.t = t;
    let s = 0;
    for (let n = 0; n < z.length; n++) for (let k = 0; k < z[n].length; k++) {
      const v = z[n][k];
      s += Math.max(v, 0) - t[n][k] * v + Math.log1p(Math.exp(-Math.abs(v)));
    }
    return s / z.length;
  }
  backward() {
    const N = this.y.length;
    return this.y.map((row, n) => row.map((v, k) => (sigmoid(v) - this.t[n][k]) / N));
  }
}

// Mirrors bpkit.losses.SoftmaxCrossEntropy with integer class labels t (N,): the row maximum
// is subtracted before exponentiating; L = -1/N sum_n log softmax(z_n)_{t_n};
// backward (softmax(z) - onehot(t)) / N.
class SoftmaxCrossEntropy {
  forward(z, t) {
    this.y = z; this.t = t;
    let s = 0;
    this.p = z.map((row, n) => {
      const top = Math.max(...row);
      const e = row.map((v) => Math.exp(v - top));
      let total = 0;
      for (const v of e) total += v;
      s += (row[t[n]] - top) - Math.log(total);
      return e.map((v) => v / total);
    });
    return -s / z.length;
  }
  backward() {
    const N = this.y.length;
    return this.p.map((row, n) => row.map((v, k) => (k === this.t[n] ? v - 1 : v) / N));
  }
}

// ------------------------------------------------------------------- bpkit.optim

// Helper: visit every number of arrays of one shape (a parameter, its gradient, its state),
// calling f(arrays, i) for each innermost position i, so that f can update them in place.
function eachElement(arrays, f) {
  const [p] = arrays;
  for (let i = 0; i < p.length; i++) {
    if (Array.isArray(p[i])) eachElement(arrays.map((a) => a[i]), f);
    else f(arrays.map((a) => a), i);
  }
}
// Helper: zeros of the shape of a, like numpy.zeros_like.
function zerosLike(a) {
  return a.map((v) => (Array.isArray(v) ? zerosLike(v) : 0));
}

// Mirrors bpkit.optim.SGD: theta <- theta - eta g; with momentum mu, v <- mu v + g and
// theta <- theta - eta v; with Nesterov, theta <- theta - eta (g + mu v).
class SGD {
  constructor(model, { lr, momentum = 0, nesterov = false }) {
    Object.assign(this, { model, lr, momentum, nesterov, t: 0, state: {} });
  }
  step() {
    this.t += 1;
    const params = this.model.params, grads = this.model.grads;
    for (const k of Object.keys(params)) {
      if (this.momentum === 0) {
        eachElement([params[k], grads[k]], ([p, g], i) => { p[i] -= this.lr * g[i]; });
        continue;
      }
      const v = (this.state[k] = this.state[k] || zerosLike(params[k]));
      eachElement([params[k], grads[k], v], ([p, g, vel], i) => {
        vel[i] = vel[i] * this.momentum + g[i];
        p[i] -= this.nesterov ? this.lr * (g[i] + this.momentum * vel[i]) : this.lr * vel[i];
      });
    }
  }
}

// Mirrors bpkit.optim.RMSProp: s <- rho s + (1 - rho) g^2, theta <- theta - eta g / (sqrt(s) + eps).
class RMSProp {
  constructor(model, { lr = 0.01, rho = 0.9, eps = 1e-8 }) {
    Object.assign(this, { model, lr, rho, eps, t: 0, state: {} });
  }
  step() {
    this.t += 1;
    const params = this.model.params, grads = this.model.grads;
    for (const k of Object.keys(params)) {
      const s = (this.state[k] = this.state[k] || zerosLike(params[k]));
      eachElement([params[k], grads[k], s], ([p, g, sq], i) => {
        sq[i] = sq[i] * this.rho + (1.0 - this.rho) * g[i] * g[i];
        p[i] -= this.lr * g[i] / (Math.sqrt(sq[i]) + this.eps);
      });
    }
  }
}

// Mirrors bpkit.optim.Adam: m <- b1 m + (1 - b1) g, s <- b2 s + (1 - b2) g^2,
// m^ = m / (1 - b1^k), s^ = s / (1 - b2^k), theta <- theta - eta m^ / (sqrt(s^) + eps),
// k the step count (this.t, as bpkit's self.t).
class Adam {
  constructor(model, { lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }) {
    Object.assign(this, { model, lr, beta1, beta2, eps, t: 0, state: {} });
  }
  step() {
    this.t += 1;
    const params = this.model.params, grads = this.model.grads;
    const c1 = 1.0 - this.beta1 ** this.t, c2 = 1.0 - this.beta2 ** this.t;
    for (const k of Object.keys(params)) {
      const st = (this.state[k] = this.state[k] || { m: zerosLike(params[k]), s: zerosLike(params[k]) });
      eachElement([params[k], grads[k], st.m, st.s], ([p, g, m, s], i) => {
        m[i] = m[i] * this.beta1 + (1.0 - this.beta1) * g[i];
        s[i] = s[i] * this.beta2 + (1.0 - this.beta2) * g[i] * g[i];
        p[i] -= this.lr * (m[i] / c1) / (Math.sqrt(s[i] / c2) + this.eps);
      });
    }
  }
}

// Mirrors bpkit.widgets.optimizers.make_optimizer: an optimizer by the explorer's name.
function makeOptimizer(name, model, h) {
  if (name === "SGD") return new SGD(model, { lr: h.lr });
  if (name === "momentum") return new SGD(model, { lr: h.lr, momentum: h.momentum });
  if (name === "Nesterov") return new SGD(model, { lr: h.lr, momentum: h.momentum, nesterov: true });
  if (name === "RMSProp") return new RMSProp(model, { lr: h.lr, rho: h.rho });
  if (name === "Adam") return new Adam(model, { lr: h.lr, beta1: h.beta1, beta2: h.beta2 });
  throw new Error(`unknown optimizer ${name}`);
}

// ------------------------------------------------------------------- bpkit.train

// Mirrors bpkit.train.train_step: forward, loss, backward (no dx for the data), one
// optimizer step; returns the loss before the step. A non-finite output or loss stops with
// an error.
function trainStep(model, lossFn, optimizer, x, t) {
  const y = model.forward(x);
  if (!y.every((row) => row.every(Number.isFinite))) {
    throw new Error("the model's output became non-finite (NaN or inf) during training");
  }
  const value = lossFn.forward(y, t);
  if (!Number.isFinite(value)) throw new Error(`the loss (${value}) became non-finite`);
  model.backward(lossFn.backward(), false);
  optimizer.step();
  return value;
}

// Mirrors bpkit.train.minibatches, given the epoch's order of the indices (bpkit draws it
// with rng.permutation(n); the page with Random.permutation): consecutive slices of
// batchSize indices, the last one shorter; batchSize null means one batch of all n.
function minibatches(order, batchSize) {
  const size = batchSize === null ? order.length : batchSize;
  const out = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}

// Helper: a seeded generator for the page (it has no NumPy): mulberry32, a small 32-bit one.
// The page draws its data, initial weights and batch orders from it, so the same seed gives
// the same run every time; bpkit draws the same kinds of numbers from NumPy's generator.
class Random {
  constructor(seed) { this.s = seed >>> 0; }
  // a float in [0, 1)
  random() {
    this.s = (this.s + 0x6D2B79F5) >>> 0;
    let r = this.s;
    r = Math.imul(r ^ (r >>> 15), r | 1);
    r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo, hi) { return lo + (hi - lo) * this.random(); }
  // a standard normal number (Box-Muller)
  normal() {
    const u = 1 - this.random(), v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  // the numbers 0..n-1 in a random order (Fisher-Yates)
  permutation(n) {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

// Mirrors bpkit.layers.Linear's initialisation: "glorot" uniform in +-sqrt(6/(n_in+n_out)),
// "he" normal with std sqrt(2/n_in); biases zero (drawn from the page's generator).
function initLinear(nIn, nOut, init, rng) {
  const limit = Math.sqrt(6.0 / (nIn + nOut)), std = Math.sqrt(2.0 / nIn);
  const W = zeros(nOut, nIn);  // filled row by row, as NumPy fills an (n_out, n_in) array
  for (let j = 0; j < nOut; j++) {
    for (let k = 0; k < nIn; k++) W[j][k] = init === "he" ? rng.normal() * std : rng.uniform(-limit, limit);
  }
  return new Linear(W, zeros(nOut));
}

// ----------------------------------------------------------------- bpkit.surfaces

// Mirrors bpkit.surfaces.Quadratic: f = 1/2 (a x^2 + 2 c x y + d y^2), A = ((a, c), (c, d)).
class Quadratic {
  constructor(A) { this.A = A; }
  f(x, y) { const [[a, c], [, d]] = this.A; return 0.5 * (a * x * x + 2 * c * x * y + d * y * y); }
  grad(x, y) { const [[a, c], [, d]] = this.A; return [a * x + c * y, c * x + d * y]; }
}

// Mirrors bpkit.surfaces.Rosenbrock: f = (a - x)^2 + b (y - x^2)^2.
class Rosenbrock {
  constructor(a = 1.0, b = 100.0) { this.a = a; this.b = b; }
  f(x, y) { return (this.a - x) ** 2 + this.b * (y - x * x) ** 2; }
  grad(x, y) { const r = y - x * x; return [-2.0 * (this.a - x) - 4.0 * this.b * x * r, 2.0 * this.b * r]; }
}

// Mirrors bpkit.surfaces.Point: a position that looks like a model to an optimizer.
class Point {
  constructor(surface, start) {
    this.surface = surface;
    this.params = { xy: [start[0], start[1]] };
    this.grads = { xy: [0, 0] };
  }
  forward() {
    const [x, y] = this.params.xy;
    const g = this.surface.grad(x, y);
    this.grads.xy[0] = g[0];
    this.grads.xy[1] = g[1];
    return this.surface.f(x, y);
  }
}

// Mirrors bpkit.surfaces.descend: `steps` steps from `start`; returns {path, losses}; a run
// whose value is not finite or above 1e12 stops early.
function descend(surface, makeOpt, steps, start) {
  const point = new Point(surface, start);
  const optimizer = makeOpt(point);
  const path = [point.params.xy.slice()], losses = [];
  let stopped = false;
  for (let i = 0; i < steps; i++) {
    const value = point.forward();
    losses.push(value);
    if (!Number.isFinite(value) || value > 1e12) { stopped = true; break; }
    optimizer.step();
    path.push(point.params.xy.slice());
  }
  if (!stopped) losses.push(point.forward());
  return { path: path.slice(0, losses.length), losses };
}

// ---- bpkit.datasets (the trainer)
// The page draws its own points when the reader picks a dataset or a seed: the same shapes
// as bpkit's, drawn from the page's Random instead of NumPy's generator (so the points differ
// from bpkit's for the same seed). Each returns {x: (n, 2) rows, t: (n,) class labels}.

// Mirrors bpkit.datasets._split_counts: n examples over k classes, the first ones get the extra.
function splitCounts(n, k) {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

// Helper: numpy.linspace(start, stop, num, endpoint): start + i * step, the last one exactly
// stop when endpoint is true.
function linspace(start, stop, num, endpoint = true) {
  const step = (stop - start) / (endpoint ? num - 1 : num);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

// Mirrors bpkit.datasets._finish: the parts [[rows, label], ...] one after another, Gaussian
// noise of standard deviation `noise` added to every coordinate (row by row), then shuffled.
function finishDataset(parts, rng, noise) {
  const x = [], t = [];
  for (const [rows, label] of parts) {
    for (const row of rows) { x.push(row); t.push(label); }
  }
  const noisy = x.map((row) => row.map((v) => v + noise * rng.normal()));
  const order = rng.permutation(t.length);
  return { x: order.map((i) => noisy[i]), t: order.map((i) => t[i]) };
}

// Mirrors bpkit.datasets.xor: four clusters at (+-1, +-1); class 1 where the signs differ.
function xor(n = 200, { noise = 0.25 } = {}, rng) {
  const corners = [[[-1, -1], 0], [[1, 1], 0], [[-1, 1], 1], [[1, -1], 1]];
  const counts = splitCounts(n, 4);
  const parts = corners.map(([c, label], i) => [Array.from({ length: counts[i] }, () => [c[0], c[1]]), label]);
  return finishDataset(parts, rng, noise);
}

// Mirrors bpkit.datasets.two_moons: class 0 on (cos s, sin s), class 1 on
// (1 - cos s, 1/2 - sin s), s evenly spaced in [0, pi].
function twoMoons(n = 200, { noise = 0.1 } = {}, rng) {
  const [n0, n1] = splitCounts(n, 2);
  const upper = linspace(0, Math.PI, n0).map((s) => [Math.cos(s), Math.sin(s)]);
  const lower = linspace(0, Math.PI, n1).map((s) => [1 - Math.cos(s), 0.5 - Math.sin(s)]);
  return finishDataset([[upper, 0], [lower, 1]], rng, noise);
}

// Mirrors bpkit.datasets.circles: class 0 on the unit circle, class 1 on radius `factor`.
function circles(n = 200, { noise = 0.05, factor = 0.5 } = {}, rng) {
  const [n0, n1] = splitCounts(n, 2);
  const outer = linspace(0, 2 * Math.PI, n0, false).map((s) => [Math.cos(s), Math.sin(s)]);
  const inner = linspace(0, 2 * Math.PI, n1, false).map((s) => [factor * Math.cos(s), factor * Math.sin(s)]);
  return finishDataset([[outer, 0], [inner, 1]], rng, noise);
}

// Mirrors bpkit.datasets.spirals: arm c has points at radius r in [0.05, 1] and angle
// 2 pi (turns r + c / K), for K = nClasses arms.
function spirals(n = 300, { nClasses = 2, turns = 1.0, noise = 0.03 } = {}, rng) {
  const parts = splitCounts(n, nClasses).map((m, c) => [linspace(0.05, 1.0, m).map((r) => {
    const angle = 2 * Math.PI * (turns * r + c / nClasses);
    return [r * Math.cos(angle), r * Math.sin(angle)];
  }), c]);
  return finishDataset(parts, rng, noise);
}

// Helper: Python's round() of a float to an integer: halves go to the even neighbour.
function roundHalfEven(v) {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// Mirrors bpkit.datasets.train_val_split: a shuffled split, round(valFraction n) examples
// (at least one, and at least one left) for validation, the rest for training.
function trainValSplit(x, t, { valFraction = 0.25 } = {}, rng) {
  const n = t.length;
  const nVal = Math.min(Math.max(1, roundHalfEven(valFraction * n)), n - 1);
  const order = rng.permutation(n);
  const val = order.slice(0, nVal), train = order.slice(nVal);
  return { train: { x: train.map((i) => x[i]), t: train.map((i) => t[i]) },
    val: { x: val.map((i) => x[i]), t: val.map((i) => t[i]) } };
}

// ---------------------------------------------------------------- the overfitting explorer

// The controls of the overfitting explorer, in the order of its run keys.
const GENERALISATION_KEYS = ["n_train", "width", "weight_decay", "dropout"];

// Mirrors bpkit.widgets.generalisation.run_key: "n_train|width|weight_decay|dropout", each
// number as String(v), the text of Python's format(v, "g") for the grid's values.
function runKey(controls) {
  return GENERALISATION_KEYS.map((k) => String(controls[k])).join("|");
}

// Mirrors bpkit.widgets.generalisation.generalisation_state: the precomputed run of the
// controls, its curves and its last epoch's numbers, with the gaps.
function generalisationState(runs, controls) {
  const key = runKey(controls);
  const run = runs[key];
  if (!run) throw new Error(`generalisation: no precomputed run for ${key}`);
  const last = (a) => a[a.length - 1];
  const trainLoss = last(run.train_loss), valLoss = last(run.val_loss);
  const trainAcc = last(run.train_acc), valAcc = last(run.val_acc);
  return { key, epochs: run.train_loss.map((_, i) => i),
    train_loss_curve: run.train_loss, val_loss_curve: run.val_loss,
    train_loss: trainLoss, val_loss: valLoss, gap: valLoss - trainLoss,
    train_acc: trainAcc, val_acc: valAcc, acc_gap: trainAcc - valAcc };
}

// ---- Chapter 10: recurrent networks
// (bpkit.recurrent and bpkit.widgets.through_time, for the gradient-through-time widget)

const TT_N_IN = 4, TT_N_HIDDEN = 16, TT_INPUT_SCALE = 0.1;  // through_time.N_IN, ...
const TT_MAX_STEPS = 100;                                   // through_time.STEPS_RANGE[1]

// Mirrors bpkit.recurrent.orthogonal: the columns of a standard normal draw made orthonormal
// by modified Gram-Schmidt, left to right. Q[i][j] is row i, column j. (The draw comes from
// the page's generator, so Q differs from NumPy's for the same seed.)
function orthogonal(n, rng) {
  const a = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  const q = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let j = 0; j < n; j++) {
    let v = a.map((row) => row[j]);
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += q[r][i] * v[r];
      v = v.map((vr, r) => vr - dot * q[r][i]);
    }
    let sq = 0;
    for (const vr of v) sq += vr * vr;
    const len = Math.sqrt(sq);
    for (let r = 0; r < n; r++) q[r][j] = v[r] / len;
  }
  return q;
}

// Mirrors bpkit.recurrent.RNN for one sequence (a batch of one): h_t = tanh(x_t Wx^T +
// h_{t-1} Wh^T + b). Wx is (H, D), Wh (H, H), b (H), x a list of T rows of D numbers.
class RNN {
  constructor(Wx, Wh, b) { this.Wx = Wx; this.Wh = Wh; this.b = b; }
  // Mirrors RNN.forward: every state, h[0] = h0 (zero) to h[T]; returns h[1..T].
  forward(x, h0 = null) {
    const H = this.b.length;
    this.x = x;
    this.h = [h0 ? h0.slice() : new Array(H).fill(0)];
    for (let t = 0; t < x.length; t++) {
      const prev = this.h[t], next = new Array(H);
      for (let j = 0; j < H; j++) {
        let zx = 0, zh = 0;
        for (let k = 0; k < x[t].length; k++) zx += x[t][k] * this.Wx[j][k];
        for (let k = 0; k < H; k++) zh += prev[k] * this.Wh[j][k];
        next[j] = Math.tanh(zx + zh + this.b[j]);
      }
      this.h.push(next);
    }
    return this.h.slice(1);
  }
  // Mirrors RNN.backward (without truncation): from dL/dh (T rows of H), every state's
  // gradient into this.gradH (rows 0..T, as RNN.grad_h), and the weights' gradients summed
  // over the steps into this.grads.
  backward(dh) {
    const H = this.b.length, D = this.Wx[0].length, T = this.x.length;
    const gWx = Array.from({ length: H }, () => new Array(D).fill(0));
    const gWh = Array.from({ length: H }, () => new Array(H).fill(0));
    const gb = new Array(H).fill(0);
    this.gradH = new Array(T + 1);
    let fromNext = new Array(H).fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const ht = this.h[t + 1], prev = this.h[t];
      const g = dh[t].map((v, j) => v + fromNext[j]);
      this.gradH[t + 1] = g;
      const dz = g.map((v, j) => v * (1.0 - ht[j] * ht[j]));
      for (let j = 0; j < H; j++) {
        for (let k = 0; k < D; k++) gWx[j][k] += dz[j] * this.x[t][k];
        for (let k = 0; k < H; k++) gWh[j][k] += dz[j] * prev[k];
        gb[j] += dz[j];
      }
      fromNext = new Array(H).fill(0);
      for (let k = 0; k < H; k++) {
        let sum = 0;
        for (let j = 0; j < H; j++) sum += dz[j] * this.Wh[j][k];
        fromNext[k] = sum;
      }
    }
    this.gradH[0] = fromNext;
    this.grads = { Wx: gWx, Wh: gWh, b: gb };
  }
}

// Mirrors bpkit.widgets.through_time.make_network with the page's generator: RNN's initial
// Wx (uniform in +-1/sqrt(H)) and zero b, then Q, the target (0.5 times standard normal) and
// the inputs of the longest sequence (0.1 times standard normal).
function throughTimeNetwork(seed) {
  const rng = new Random(seed);
  const limit = 1.0 / Math.sqrt(TT_N_HIDDEN);
  const Wx = Array.from({ length: TT_N_HIDDEN }, () => Array.from({ length: TT_N_IN },
    () => rng.uniform(-limit, limit)));
  const Q = orthogonal(TT_N_HIDDEN, rng);
  const target = Array.from({ length: TT_N_HIDDEN }, () => 0.5 * rng.normal());
  const x = Array.from({ length: TT_MAX_STEPS }, () => Array.from({ length: TT_N_IN },
    () => TT_INPUT_SCALE * rng.normal()));
  return { Wx, Q, b: new Array(TT_N_HIDDEN).fill(0), x, target };
}

// Mirrors bpkit.widgets.through_time.through_time_state: Wh = scale Q, the first `steps`
// inputs, the loss 1/2 ||h_T - target||^2 on the last step; ||dL/dh_t|| for t = 0..T.
function throughTimeState(controls, network) {
  const c = controls;
  const Wh = network.Q.map((row) => row.map((v) => c.scale * v));
  const rnn = new RNN(network.Wx, Wh, network.b);
  const h = rnn.forward(network.x.slice(0, c.steps));
  const dh = h.map((row) => row.map(() => 0));
  const error = h[h.length - 1].map((v, j) => v - network.target[j]);
  dh[dh.length - 1] = error.slice();
  rnn.backward(dh);
  const norms = rnn.gradH.map((g) => {
    let sq = 0;
    for (const v of g) sq += v * v;
    return Math.sqrt(sq);
  });
  let e2 = 0;
  for (const v of error) e2 += v * v;
  const last = norms[norms.length - 1];
  return { steps: c.steps, scale: c.scale, seed: c.seed, norms,
    ratio: last > 0 ? norms[0] / last : null, loss: 0.5 * e2 };
}

// ---- Chapter 9: convolution
// Arrays are nested JavaScript arrays: images (N, C, H, W), kernels (O, C, k, k).

// Mirrors bpkit.conv.output_size: rows (or columns) of the output, (n + 2 padding - k) /
// stride + 1, refusing a kernel larger than the padded input or a stride that does not fit.
function outputSize(n, k, stride, padding) {
  const span = n + 2 * padding;
  if (k > span) throw new Error(`outputSize: the kernel (${k}x${k}) is larger than the padded input`);
  if ((span - k) % stride) throw new Error(`outputSize: stride ${stride} does not fit`);
  return (span - k) / stride + 1;
}

// Helper: the (H, W) array a padded with p zeros on each side (numpy.pad of one channel).
function pad2d(a, p) {
  const rows = a.length, cols = a[0].length;
  const out = zeros(rows + 2 * p, cols + 2 * p);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r + p][c + p] = a[r][c];
  return out;
}

// Mirrors bpkit.conv.conv2d_reference: y[n][o][i][j] = b[o] + sum over c, u, v of
// W[o][c][u][v] xpad[n][c][stride i + u][stride j + v], in the same order of the sums.
function conv2dReference(x, W, b, stride = 1, padding = 0) {
  const nIn = x[0].length, k = W[0][0].length;
  const ho = outputSize(x[0][0].length, k, stride, padding);
  const wo = outputSize(x[0][0][0].length, k, stride, padding);
  return x.map((image) => {
    const xp = image.map((channel) => pad2d(channel, padding));
    return W.map((kernels, o) => {
      const y = zeros(ho, wo);
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          let total = b[o];
          for (let c = 0; c < nIn; c++) {
            for (let u = 0; u < k; u++) {
              for (let v = 0; v < k; v++) total += kernels[c][u][v] * xp[c][stride * i + u][stride * j + v];
            }
          }
          y[i][j] = total;
        }
      }
      return y;
    });
  });
}

// Mirrors bpkit.conv.conv2d_backward_reference: {dx, dW, db} for dy = dL/dy. Every output
// position adds dy times its window to dW, and dy times the kernel onto the window of dx.
function conv2dBackwardReference(x, W, dy, stride = 1, padding = 0) {
  const nIn = x[0].length, nOut = W.length, k = W[0][0].length;
  const h = x[0][0].length, w = x[0][0][0].length;
  const ho = dy[0][0].length, wo = dy[0][0][0].length;
  const dW = W.map((kernels) => kernels.map(() => zeros(k, k)));
  const db = new Array(nOut).fill(0);
  const dx = x.map((image, n) => {
    const xp = image.map((channel) => pad2d(channel, padding));
    const dxp = image.map(() => zeros(h + 2 * padding, w + 2 * padding));
    for (let o = 0; o < nOut; o++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          const g = dy[n][o][i][j];
          db[o] += g;
          for (let c = 0; c < nIn; c++) {
            for (let u = 0; u < k; u++) {
              for (let v = 0; v < k; v++) {
                dW[o][c][u][v] += g * xp[c][stride * i + u][stride * j + v];
                dxp[c][stride * i + u][stride * j + v] += g * W[o][c][u][v];
              }
            }
          }
        }
      }
    }
    return dxp.map((channel) => channel.slice(padding, padding + h)
      .map((row) => row.slice(padding, padding + w)));
  });
  return { dx, dW, db };
}

// Mirrors bpkit.widgets.conv.conv_state: the convolution explorer's numbers for controls
// {digit, kernel, i, j} and the digits and kernels in `data`, with dL/dy = 1 at (i, j).
const CONV_SIDE = 8, CONV_K = 3, CONV_PADDING = 1, CONV_STRIDE = 1;
function convState(c, data) {
  const x = [[data.digits[c.digit].x]];
  const W = [[data.kernels[c.kernel].W]];
  const y = conv2dReference(x, W, [0], CONV_STRIDE, CONV_PADDING)[0][0];
  const dy = [[zeros(CONV_SIDE, CONV_SIDE)]];
  dy[0][0][c.i][c.j] = 1.0;
  const { dx, dW, db } = conv2dBackwardReference(x, W, dy, CONV_STRIDE, CONV_PADDING);
  const xp = pad2d(x[0][0], CONV_PADDING);
  const window = xp.slice(CONV_STRIDE * c.i, CONV_STRIDE * c.i + CONV_K)
    .map((row) => row.slice(CONV_STRIDE * c.j, CONV_STRIDE * c.j + CONV_K));
  return { y, value: y[c.i][c.j], window, dW: dW[0][0], db: db[0], dx: dx[0][0] };
}
