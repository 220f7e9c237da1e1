"""The JavaScript port's network pieces (layers, losses, optimizers, training) give bpkit's numbers.

The port (bpkit/widgets/js/port.js) runs in V8 (mini-racer). Layer by layer on random inputs,
then whole training runs: from the same initial weights, data and batch order, handed over
from Python, 200 steps of the port's training loop leave every parameter equal to what
bpkit's ``fit`` leaves, to 1e-9 relative, for each optimizer. Then 300 steps of every
optimizer on the surfaces of Chapter 5.
"""

import json

import numpy as np
import pytest
from py_mini_racer import MiniRacer

from bpkit import datasets
from bpkit.layers import Linear, ReLU, Sigmoid, Tanh
from bpkit.losses import BinaryCrossEntropy, SoftmaxCrossEntropy, SquaredError
from bpkit.model import Sequential
from bpkit.optim import SGD, Adam, RMSProp
from bpkit.surfaces import Quadratic, Rosenbrock, descend
from bpkit.train import fit, minibatches
from bpkit.widgets.frontend import _read

OPTIMIZERS = {
    "SGD": (lambda m: SGD(m, lr=0.3), "new SGD(model, {lr: 0.3})"),
    "momentum": (lambda m: SGD(m, lr=0.1, momentum=0.9),
                 "new SGD(model, {lr: 0.1, momentum: 0.9})"),
    "Nesterov": (lambda m: SGD(m, lr=0.1, momentum=0.9, nesterov=True),
                 "new SGD(model, {lr: 0.1, momentum: 0.9, nesterov: true})"),
    "RMSProp": (lambda m: RMSProp(m, lr=0.01, rho=0.9),
                "new RMSProp(model, {lr: 0.01, rho: 0.9})"),
    "Adam": (lambda m: Adam(m, lr=0.02), "new Adam(model, {lr: 0.02})"),
}


@pytest.fixture(scope="module")
def js():
    ctx = MiniRacer()
    ctx.eval(_read("port.js"))
    return lambda code: json.loads(ctx.eval(code))


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def test_layers_and_losses_match_bpkit(js):
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(50):
        n, n_in, n_out = (int(v) for v in rng.integers(1, 7, 3))
        x = rng.normal(size=(n, n_in))
        layer = Linear(n_in, n_out, rng=rng)
        layer.params["b"][:] = rng.normal(size=n_out)
        z = layer.forward(x)
        dz = rng.normal(size=z.shape)
        dx = layer.backward(dz)
        W, b = layer.params["W"].tolist(), layer.params["b"].tolist()
        got = js(f"""(() => {{ const l = new Linear({json.dumps(W)}, {json.dumps(b)});
            const z = l.forward({json.dumps(x.tolist())});
            const dx = l.backward({json.dumps(dz.tolist())});
            return JSON.stringify({{z, dx, dW: l.grads.W, db: l.grads.b}}); }})()""")
        for key, ref in (("z", z), ("dx", dx), ("dW", layer.grads["W"]), ("db", layer.grads["b"])):
            worst = max(worst, rel(got[key], ref))
        for cls, name in ((Sigmoid, "Sigmoid"), (Tanh, "Tanh"), (ReLU, "ReLU")):
            act = cls()
            a = act.forward(z)
            da = act.backward(dz)
            got = js(f"""(() => {{ const l = new {name}();
                const a = l.forward({json.dumps(z.tolist())});
                return JSON.stringify({{a, da: l.backward({json.dumps(dz.tolist())})}}); }})()""")
            worst = max(worst, rel(got["a"], a), rel(got["da"], da))
        t_labels = rng.integers(0, n_out, n)
        t_probs = rng.uniform(0, 1, size=z.shape)
        for loss, name, t in ((SquaredError(), "SquaredError", t_probs),
                              (BinaryCrossEntropy(from_logits=True), "BinaryCrossEntropy",
                               t_probs),
                              (SoftmaxCrossEntropy(), "SoftmaxCrossEntropy", t_labels)):
            value = loss.forward(z, t)
            grad = loss.backward()
            got = js(f"""(() => {{ const l = new {name}();
                const value = l.forward({json.dumps(z.tolist())}, {json.dumps(t.tolist())});
                return JSON.stringify({{value, grad: l.backward()}}); }})()""")
            worst = max(worst, rel(got["value"], value), rel(got["grad"], grad))
    print(f"layers and losses: worst relative error {worst:.1e}")
    assert worst < 1e-12


def network(rng, n_in=2, width=8, n_out=3):
    return Sequential(Linear(n_in, width, rng=rng), Tanh(), Linear(width, width, rng=rng),
                      Tanh(), Linear(width, n_out, rng=rng))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_200_training_steps_match_bpkit_fit(js, name):
    make, js_make = OPTIMIZERS[name]
    x, t = datasets.spirals(200, n_classes=3, noise=0.03, rng=np.random.default_rng(1))
    n_out = int(t.max()) + 1
    model = network(np.random.default_rng(2), n_out=n_out)
    start = {k: v.tolist() for k, v in model.params.items()}
    # the batch orders fit will draw: the same generator, replayed
    epochs, batch = 10, 10  # 20 batches an epoch: 200 steps
    replay = np.random.default_rng(3)
    orders = [replay.permutation(len(x)).tolist() for _ in range(epochs)]
    fit(model, SoftmaxCrossEntropy(), make(model), x, t, epochs=epochs, batch_size=batch,
        rng=np.random.default_rng(3))
    got = js(f"""(() => {{
        const start = {json.dumps(start)};
        const linear = (i) => new Linear(start[i + ".W"], start[i + ".b"]);
        const model = new Sequential(linear(0), new Tanh(), linear(2), new Tanh(), linear(4));
        const optimizer = {js_make};
        const x = {json.dumps(x.tolist())}, t = {json.dumps(t.tolist())};
        const loss = new SoftmaxCrossEntropy();
        let steps = 0;
        for (const order of {json.dumps(orders)}) {{
          for (const idx of minibatches(order, {batch})) {{
            trainStep(model, loss, optimizer, idx.map((i) => x[i]), idx.map((i) => t[i]));
            steps += 1;
          }}
        }}
        return JSON.stringify({{steps, params: model.params}}); }})()""")
    assert got["steps"] == 200
    worst = max(rel(got["params"][k], v) for k, v in model.params.items())
    moved = max(float(np.max(np.abs(model.params[k] - np.asarray(start[k])))) for k in start)
    print(f"{name}: 200 steps, worst relative difference {worst:.1e} (largest weight change "
          f"{moved:.2f})")
    assert moved > 1e-3 and worst < 1e-9


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_descent_on_the_surfaces_matches_bpkit(js, name):
    make, js_make = OPTIMIZERS[name]
    cases = ((Quadratic(), "new Quadratic([[1, 0], [0, 20]])", (-10.0, 2.5)),
             (Rosenbrock(), "new Rosenbrock(1, 100)", (-1.5, 2.0)))
    for surface, js_surface, start in cases:
        path, losses = descend(surface, lambda p, make=make: make(p) if name != "SGD"
                               else SGD(p, lr=0.01), 300, start=start)
        js_opt = js_make if name != "SGD" else "new SGD(model, {lr: 0.01})"
        got = js(f"""JSON.stringify(descend({js_surface}, (model) => {js_opt}, 300,
                 {json.dumps(list(start))}))""")
        assert len(got["losses"]) == len(losses)
        finite = np.isfinite(losses)
        assert rel(np.array(got["losses"])[finite], losses[finite]) < 1e-9, surface
        assert rel(got["path"], path) < 1e-9 or np.allclose(got["path"], path, rtol=1e-9,
                                                             atol=1e-12)


def test_minibatches_match_bpkit():
    order = np.random.default_rng(0).permutation(23)
    ctx = MiniRacer()
    ctx.eval(_read("port.js"))
    got = json.loads(ctx.eval(f"JSON.stringify(minibatches({json.dumps(order.tolist())}, 5))"))
    expected = [b.tolist() for b in minibatches(23, 5, np.random.default_rng(0))]
    assert got == expected
    full = json.loads(ctx.eval(f"JSON.stringify(minibatches({json.dumps(order.tolist())}, null))"))
    assert full == [order.tolist()]


def test_the_page_generator_is_seeded():
    ctx = MiniRacer()
    ctx.eval(_read("port.js"))
    draw = "JSON.stringify([new Random({0}).permutation(10), new Random({0}).normal()])"
    a, b, c = (json.loads(ctx.eval(draw.format(seed))) for seed in (7, 7, 8))
    assert a == b and a != c and sorted(a[0]) == list(range(10))
