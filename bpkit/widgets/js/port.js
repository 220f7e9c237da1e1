// port.js: the pieces of bpkit that the widgets need, in JavaScript, for the website.
//
// On the website there is no Python kernel, so a widget computes its numbers with these
// functions instead of with bpkit. Each one names the bpkit function it mirrors and follows
// it step by step, in the same order of floating-point operations, so that the two agree to
// the last few bits (tests/test_widget_port.py checks 1,000 random cases of each to 1e-12).
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
