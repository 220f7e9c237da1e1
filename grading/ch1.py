"""Hidden tests of Chapter 1: other points, other graphs, cases a wrong formula gets right."""

from __future__ import annotations

import math

from bpkit.engine import Value

from . import call, close, fail, number
from .library import require_own_work


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def exercise_1_1(dF) -> None:
    require_own_work("1.1", dF)
    for x in (-4.3, -1.37, -0.2, 0.013, 0.61, 1.73, 3.9):
        s = _sigmoid(x * x)
        got = number("1.1", call("1.1", dF, x), f"dF({x})")
        if not close(got, 2 * x * s * (1 - s), rtol=1e-7, atol=1e-12):
            raise fail("1.1", f"dF is wrong at x = {x}.")


def exercise_1_2(products) -> None:
    try:
        got = sorted(float(p) for p in products)
    except (TypeError, ValueError):
        raise fail("1.2", "products is not a list of numbers.") from None
    x, y = 2.0, -3.0
    if len(got) != 2 or not close(got, sorted([(x + y) * y, x * y])):
        raise fail("1.2", "the two path products are not right.")


def exercise_1_3(n_edges, n_paths) -> None:
    require_own_work("1.3", n_edges, n_paths)
    for w, d in [(1, 5), (4, 3), (6, 0), (7, 2), (3, 1), (2, 60)]:
        edges = call("1.3", n_edges, w, d)
        paths = call("1.3", n_paths, w, d)
        if edges != w * w * d + w or isinstance(edges, bool):
            raise fail("1.3", f"n_edges({w}, {d}) is wrong.")
        if paths != w ** d or isinstance(paths, bool):
            raise fail("1.3", f"n_paths({w}, {d}) is wrong.")


def _diamonds(n: int):
    """A chain of ``n`` diamonds: each doubles the paths; a side branch joins the middle."""
    x = Value(1.0, "x")
    node = x
    side = Value(2.0, "side")
    for k in range(n):
        a = Value(1.0, f"a{k}", parents=(node,), local_grads=(1.0,))
        b = Value(1.0, f"b{k}", parents=(node, side), local_grads=(1.0, 1.0))
        node = Value(1.0, f"j{k}", parents=(a, b), local_grads=(1.0, 1.0))
    return x, side, node


def exercise_1_4(count_paths) -> None:
    require_own_work("1.4", count_paths)
    x, side, out = _diamonds(3)
    cases = [(out, x, 8, "a chain of 3 diamonds"), (out, side, 7, "a side input"),
             (out, out, 1, "the output itself"), (out, Value(0.0), 0, "a node not in it")]
    x, _, deep = _diamonds(50)
    cases.append((deep, x, 2 ** 50, "a chain of 50 diamonds"))
    for output, source, expected, what in cases:
        if call("1.4", count_paths, output, source) != expected:
            raise fail("1.4", f"wrong count for {what}.")
