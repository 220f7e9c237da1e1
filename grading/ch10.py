"""Hidden tests of Chapter 10: other points, lengths, shapes, and the clipped run re-run here."""

from __future__ import annotations

import math

import numpy as np

from . import array, call, close, fail, number
from .library import require_own_work

#: ch10.RUN, copied (a student could change what bpkit.exercises.ch10 holds).
RUN = {"n_hidden": 16, "scale": 2.0, "lr": 1.0, "lag": 10, "n_symbols": 4, "batch": 32,
       "steps": 200}


def _dL_dwh(wx, wh, b, x1, x2, h0, t):
    """Two steps unrolled, each step's share of dL/dw_h added."""
    h1 = math.tanh(wx * x1 + wh * h0 + b)
    h2 = math.tanh(wx * x2 + wh * h1 + b)
    dz2 = (h2 - t) * (1 - h2 * h2)
    dz1 = dz2 * wh * (1 - h1 * h1)
    return dz2 * h1 + dz1 * h0


def exercise_10_1(dL_dwh) -> None:
    require_own_work("10.1", dL_dwh)
    rng = np.random.default_rng(1001)
    points = [(0.5, 0.0, 0.1, 1.0, 2.0, 0.0, 0.3),     # w_h = 0: step 1's share still counts
              (1.5, -2.0, 0.4, -0.3, 0.8, -1.2, 1.0)]
    points += [tuple(rng.uniform(-2, 2, 7)) for _ in range(6)]
    for p in points:
        got = number("10.1", call("10.1", dL_dwh, *p), "dL_dwh(...)")
        if not close(got, _dL_dwh(*p), rtol=1e-7, atol=1e-10):
            raise fail("10.1", "wrong at w_x, w_h, b, x1, x2, h0, t = "
                               + ", ".join(f"{v:.3g}" for v in p) + ".")


def exercise_10_2(steps_reached) -> None:
    require_own_work("10.2", steps_reached)
    for T in (1, 2, 3, 11, 16, 30, 100):
        for k in (1, 2, 3, 4, 7, 16, 50):
            got = number("10.2", call("10.2", steps_reached, T, k), f"steps_reached({T}, {k})")
            if got != (T - 1) % k + 1:
                raise fail("10.2", f"wrong for T = {T}, k = {k}.")


def exercise_10_3(forget_gate_dz) -> None:
    require_own_work("10.3", forget_gate_dz)
    rng = np.random.default_rng(1003)
    for n, h in [(1, 1), (2, 5), (7, 3), (4, 4)]:
        f = 1 / (1 + np.exp(-rng.normal(0, 3, (n, h))))  # gates from nearly shut to open
        dc, c_prev = rng.normal(0.3, 1.0, (n, h)), rng.normal(-0.2, 2.0, (n, h))
        got = array("10.3", call("10.3", forget_gate_dz, dc.copy(), c_prev.copy(), f.copy()),
                    "forget_gate_dz")
        want = dc * c_prev * f * (1 - f)
        if not close(got, want, rtol=1e-7, atol=1e-12):
            raise fail("10.3", f"wrong for a batch of {n} examples of {h} units.")


def _orthogonal(n, rng):
    """Modified Gram-Schmidt on the columns of a normal draw (as the chapter's run does)."""
    a = rng.standard_normal((n, n))
    q = np.zeros((n, n))
    for j in range(n):
        v = a[:, j].copy()
        for i in range(j):
            v = v - float(q[:, i] @ v) * q[:, i]
        q[:, j] = v / np.sqrt(float(v @ v))
    return q


def _first_symbol(n, lag, k, rng):
    t = rng.integers(0, k, n)
    x = np.zeros((n, lag, k + 2))
    rows = np.arange(n)
    x[rows, 0, t] = 1.0
    x[:, 0, k + 1] = 1.0
    distractors = rng.integers(0, k, (n, lag - 2))
    x[rows[:, None], np.arange(1, lag - 1)[None, :], distractors] = 1.0
    x[:, -1, k] = 1.0
    return x, t


def _exploding_rnn_run(max_norm, seed=0):
    """The chapter's exploding run, rebuilt here from bpkit's layers (same seeds)."""
    import bpkit as bp

    k, hidden = RUN["n_symbols"], RUN["n_hidden"]
    rng = np.random.default_rng(seed)
    rnn = bp.RNN(k + 2, hidden, rng=rng)
    rnn.params["Wh"][...] = RUN["scale"] * _orthogonal(hidden, rng)
    model = bp.Sequential(rnn, bp.LastStep(), bp.Linear(hidden, k, rng=rng))
    loss, opt = bp.SoftmaxCrossEntropy(), bp.SGD(model, lr=RUN["lr"])
    data = np.random.default_rng(seed + 1)
    losses = []
    for _ in range(RUN["steps"]):
        x, t = _first_symbol(RUN["batch"], RUN["lag"], k, data)
        with np.errstate(over="ignore"):
            losses.append(loss.forward(model.forward(x), t))
        model.backward(loss.backward())
        bp.clip_grad_norm(model, max_norm)
        opt.step()
    return np.array(losses)


def exercise_10_4(max_norm) -> None:
    tau = number("10.4", max_norm, "max_norm")
    if tau <= 0:
        raise fail("10.4", "max_norm is not positive.")
    losses = _exploding_rnn_run(tau)
    if not np.all(np.isfinite(losses)) or losses[-20:].mean() > 0.1:
        raise fail("10.4", "with this max_norm the run does not learn the task.")
