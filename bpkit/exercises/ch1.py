"""Checks for the exercises of Chapter 1, the chain rule.

Each ``check_...`` prints "Correct. ..." or raises :class:`~bpkit.exercises.ExerciseError`
with a hint. Only NumPy and :mod:`bpkit.engine` are used here; the answers are computed
independently of the reader's code.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Value
from . import ExerciseError, check_close, correct

__all__ = ["check_sigmoid_of_square", "check_path_products", "check_counts",
           "check_count_paths", "layered", "PATH_POINT"]


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _callable(what, fn):
    if not callable(fn):
        raise ExerciseError(f"{what}: expected a function, got {type(fn).__name__} {fn!r}")


def check_sigmoid_of_square(dh) -> None:
    r"""Exercise 1.1: ``dh(x)`` is the derivative of :math:`h(x) = \sigma(x^2)`.

    Compared at eleven points in ``[-2.5, 2.5]`` with
    :math:`h'(x) = 2x\,\sigma(x^2)\,(1 - \sigma(x^2))`.
    """
    _callable("dh", dh)
    xs = np.linspace(-2.5, 2.5, 11)
    s = _sigmoid(xs ** 2)
    expected = 2 * xs * s * (1 - s)
    try:
        got = [float(dh(float(x))) for x in xs]
    except Exception as err:  # the reader's code failed: say where, keep the hint
        raise ExerciseError(f"dh raised {type(err).__name__}: {err}") from err
    check_close("dh(x) at x = -2.5, -2, ..., 2.5", got, expected, rtol=1e-6, atol=1e-9,
                hint="The outer function is sigma, the inner one is x**2: multiply "
                     "sigma'(x**2) = sigma(x**2)(1 - sigma(x**2)) by the inner derivative.")
    correct("h'(x) = 2x σ(x²)(1 − σ(x²)): the outer derivative at the inner value, times the "
            "inner derivative.")


#: The point of Exercise 1.2: q = (x*y) * (x + y) at x = 2, y = -3.
PATH_POINT = {"x": 2.0, "y": -3.0}


def check_path_products(products) -> None:
    r"""Exercise 1.2: the products along the paths from :math:`q = (xy)(x+y)` back to ``x``.

    At ``x = 2, y = -3``: the path through ``p = x*y`` gives :math:`(x+y)\cdot y = 3`, the
    path through ``r = x + y`` gives :math:`xy \cdot 1 = -6`; in either order.
    """
    x, y = PATH_POINT["x"], PATH_POINT["y"]
    expected = sorted([(x + y) * y, x * y * 1.0])
    if products is None:
        raise ExerciseError("products: no answer yet (got None).")
    try:
        got = sorted(float(p) for p in products)
    except (TypeError, ValueError):
        raise ExerciseError(f"products: expected a list of numbers, got {products!r}") from None
    if len(got) != 2:
        raise ExerciseError(f"products: x reaches q by 2 paths (through x*y and through "
                            f"x + y), so expected 2 products, got {len(got)}.")
    check_close("path products", got, expected, hint="Along each path multiply the local "
                "derivatives: dq/dp * dp/dx, and dq/dr * dr/dx.")
    correct(f"The two paths give {expected[1]:g} and {expected[0]:g}; their sum "
            f"{sum(expected):g} is dq/dx.")


def check_counts(n_edges, n_paths) -> None:
    """Exercise 1.3: edges and paths of the layered graph, as functions of width and depth.

    The graph: ``width`` inputs, then ``depth`` layers of ``width`` nodes, each node fed by
    every node of the layer before, then one output fed by every node of the last layer.
    Edges: ``width**2 * depth + width``. Paths from one input to the output: ``width**depth``.
    """
    _callable("n_edges", n_edges)
    _callable("n_paths", n_paths)
    cases = [(w, d) for w in (1, 2, 3, 5) for d in (0, 1, 2, 7, 30)]
    for w, d in cases:
        edges, npaths = n_edges(w, d), n_paths(w, d)
        if edges != w * w * d + w:
            raise ExerciseError(f"n_edges({w}, {d}) = {edges!r}, not right. Count the edges "
                                "between two layers, then those into the output.")
        if npaths != w ** d:
            raise ExerciseError(f"n_paths({w}, {d}) = {npaths!r}, not right. A path picks one "
                                "node in each hidden layer.")
    correct("Edges grow like width² · depth, paths like width^depth.")


def layered(width: int, depth: int) -> tuple[list[Value], Value]:
    """The layered graph of Exercise 1.3 built from ``Value`` nodes: ``(inputs, output)``.

    Every local derivative is ``1/width`` (the values are irrelevant to counting).
    """
    if width < 1 or depth < 0:
        raise ValueError(f"layered: need width >= 1 and depth >= 0, got {width}, {depth}")
    inputs = [Value(1.0, f"x{i}") for i in range(width)]
    layer = inputs
    for k in range(depth):
        layer = [Value(1.0, f"h{k + 1},{j}", parents=tuple(layer),
                       local_grads=(1 / width,) * width) for j in range(width)]
    out = Value(1.0, "f", parents=tuple(layer), local_grads=(1 / width,) * width)
    return inputs, out


def _enumerate(node: Value, source: Value) -> int:
    if node is source:
        return 1
    return sum(_enumerate(p, source) for p in dict.fromkeys(node.parents))


def check_count_paths(count_fn) -> None:
    """Exercise 1.4: ``count_fn(output, source)`` counts paths with one pass over the edges.

    Checked against brute-force enumeration on small layered graphs, on a graph where a
    node is unrelated to the output (0 paths), and on a depth-40 graph (2**40 paths, far
    too many to enumerate one by one).
    """
    _callable("count_fn", count_fn)
    for width, depth in [(1, 3), (2, 1), (2, 5), (3, 4)]:
        inputs, out = layered(width, depth)
        expected = _enumerate(out, inputs[0])
        got = count_fn(out, inputs[0])
        if got != expected:
            raise ExerciseError(f"width {width}, depth {depth}: got {got!r} paths, expected "
                                f"{expected}. Start with 1 at the output and pass counts "
                                "to the parents in reverse topological order.")
    lone = Value(2.0, "lone")
    _, out = layered(2, 2)
    if count_fn(out, lone) != 0:
        raise ExerciseError("a node that is not in the graph has 0 paths to the output, got "
                            f"{count_fn(out, lone)!r}.")
    inputs, out = layered(2, 40)
    got = count_fn(out, inputs[0])
    if got != 2 ** 40:
        raise ExerciseError(f"width 2, depth 40: got {got!r}, expected 2**40 = {2 ** 40}.")
    correct(f"{2 ** 40:,} paths counted with {len(out.edges())} additions, one per edge: "
            f"log2 of the count is {math.log2(got):g}.")
