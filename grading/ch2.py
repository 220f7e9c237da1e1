"""Hidden tests of Chapter 2: the worked example's network, recomputed here in plain NumPy.

The parameters, input and target of the chapter are copied, not read from
``bpkit.worked_example`` (a student could change those dicts).
"""

from __future__ import annotations

import numpy as np

from . import call, close, fail, number
from .library import require_own_work

NAMES = ("w11", "w12", "b1", "w21", "w22", "b2", "w31", "w32", "b3")
START = {"w11": 0.15, "w12": 0.20, "b1": 0.35, "w21": 0.25, "w22": 0.30, "b2": 0.35,
         "w31": 0.40, "w32": 0.45, "b3": 0.60}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _forward(p, x1, x2):
    z1 = p["w11"] * x1 + p["w12"] * x2 + p["b1"]
    z2 = p["w21"] * x1 + p["w22"] * x2 + p["b2"]
    h1, h2 = _sigmoid(z1), _sigmoid(z2)
    z3 = p["w31"] * h1 + p["w32"] * h2 + p["b3"]
    return h1, h2, z3, _sigmoid(z3)


def _points(seed: int):
    """Points other than the visible check's: wider weights, targets outside (0, 1)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(6):
        p = dict(zip(NAMES, (float(v) for v in rng.uniform(-3, 3, 9)), strict=True))
        x1, x2 = (float(v) for v in rng.uniform(-2, 2, 2))
        out.append((p, x1, x2, float(rng.uniform(-1, 2))))
    return out


def exercise_2_1(dL_dx1) -> None:
    require_own_work("2.1", dL_dx1)
    for p, x1, x2, t in _points(2101):
        h1, h2, _, y = _forward(p, x1, x2)
        d3 = (y - t) * y * (1 - y)
        expected = (d3 * p["w31"] * h1 * (1 - h1) * p["w11"]
                    + d3 * p["w32"] * h2 * (1 - h2) * p["w21"])
        got = number("2.1", call("2.1", dL_dx1, dict(p), x1, x2, t), "dL_dx1(...)")
        if not close(got, expected, rtol=1e-6, atol=1e-10):
            raise fail("2.1", "dL_dx1 is wrong at a point the visible check does not try.")


def exercise_2_2(linear_output_gradients) -> None:
    require_own_work("2.2", linear_output_gradients)
    for p, x1, x2, t in _points(2202):
        h1, h2, z3, _ = _forward(p, x1, x2)
        d3 = z3 - t
        d1, d2 = d3 * p["w31"] * h1 * (1 - h1), d3 * p["w32"] * h2 * (1 - h2)
        expected = {"w11": d1 * x1, "w12": d1 * x2, "b1": d1, "w21": d2 * x1,
                    "w22": d2 * x2, "b2": d2, "w31": d3 * h1, "w32": d3 * h2, "b3": d3}
        got = call("2.2", linear_output_gradients, dict(p), x1, x2, t)
        if not isinstance(got, dict) or sorted(got) != sorted(NAMES):
            raise fail("2.2", "the answer is not a dict keyed by the nine parameter names.")
        for name in NAMES:
            value = number("2.2", got[name], f"the gradient of {name}")
            if not close(value, expected[name], rtol=1e-6, atol=1e-10):
                raise fail("2.2", f"the gradient of {name} is wrong at a point the visible "
                           "check does not try.")


def _loss_after_one_step(lr: float, t: float = 0.5) -> tuple[float, float]:
    p, (x1, x2) = dict(START), (0.05, 0.10)
    h1, h2, _, y = _forward(p, x1, x2)
    d3 = (y - t) * y * (1 - y)
    d1, d2 = d3 * p["w31"] * h1 * (1 - h1), d3 * p["w32"] * h2 * (1 - h2)
    g = {"w11": d1 * x1, "w12": d1 * x2, "b1": d1, "w21": d2 * x1, "w22": d2 * x2, "b2": d2,
         "w31": d3 * h1, "w32": d3 * h2, "b3": d3}
    after = {n: p[n] - lr * g[n] for n in NAMES}
    return 0.5 * (y - t) ** 2, 0.5 * (_forward(after, x1, x2)[3] - t) ** 2


def exercise_2_3(lr) -> None:
    value = number("2.3", lr, "lr")
    if value <= 0:
        raise fail("2.3", "a learning rate is a positive number.")
    before, after = _loss_after_one_step(value)
    if not after > before:
        raise fail("2.3", "with this lr the first step does not raise the loss.")


def exercise_2_4(d2L_dw31) -> None:
    require_own_work("2.4", d2L_dw31)
    for p, x1, x2, t in _points(2404):
        h1, _, _, y = _forward(p, x1, x2)
        dy = y * (1 - y) * h1
        expected = h1 * (dy * y * (1 - y) + (y - t) * (1 - 2 * y) * dy)
        got = number("2.4", call("2.4", d2L_dw31, dict(p), x1, x2, t), "d2L_dw31(...)")
        if not close(got, expected, rtol=1e-6, atol=1e-10):
            raise fail("2.4", "d2L_dw31 is wrong at a point the visible check does not try.")
