"""The three-way check agrees for a correct derivative and exposes a wrong one."""

import math

import sympy as sp

from bpkit.engine import Value
from bpkit.symbolic import three_way

x, y, z = sp.symbols("x y z")
expr = (x * y + z) * (1 / (1 + sp.exp(-x)))
point = {x: 0.7, y: -1.3, z: 0.4}


def engine_grads(vals):
    vx, vy, vz = (Value(vals[k]) for k in ("x", "y", "z"))
    out = (vx * vy + vz) * vx.sigmoid()
    out.backward()
    return out.data, {"x": vx.grad, "y": vy.grad, "z": vz.grad}


def test_three_way_agreement():
    _, grads = engine_grads({"x": 0.7, "y": -1.3, "z": 0.4})
    report = three_way(expr, point, grads, forward=lambda p: engine_grads(p)[0])
    assert [r.name for r in report] == ["x", "y", "z"]
    assert report.max_error < 1e-8
    s = 1 / (1 + math.exp(-0.7))
    assert report[2].sympy == report[2].bpkit == s or abs(report[2].sympy - s) < 1e-15
    assert "SymPy" in report.table()


def test_three_way_exposes_a_wrong_backward():
    _, grads = engine_grads({"x": 0.7, "y": -1.3, "z": 0.4})
    grads["x"] *= 0.5
    assert three_way(expr, point, grads).max_error > 0.1
