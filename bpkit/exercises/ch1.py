"""Checks for the exercises of Chapter 1, the chain rule.

Each ``check_...`` prints "Correct. ..." or raises :class:`~bpkit.exercises.ExerciseError`
with a hint; for an answer not given yet it prints "no answer yet" and returns. Neither
message states the expected value or its formula. Only NumPy and :mod:`bpkit.engine` are
used here; the answers are computed independently of the reader's code.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value
from . import (
    ExerciseError,
    call_reader,
    check_close,
    correct,
    exercise_check,
    expect_function,
    no_answer,
)

__all__ = ["check_sigmoid_of_square", "check_path_products", "check_counts",
           "check_count_paths", "layered", "PATH_POINT"]


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


@exercise_check("1.1")
def check_sigmoid_of_square(dF) -> None:
    r"""Exercise 1.1: ``dF(x)`` is the derivative of :math:`F(x) = \sigma(x^2)`.

    Compared at eleven points in ``[-2.5, 2.5]`` with the chain rule's answer. A wrong answer
    is matched against three common slips: the inner derivative left out, the outer
    derivative taken at ``x`` instead of at the inner value, and the sigmoid's derivative
    written without its factor ``1 - sigma``.
    """
    what = "dF"
    expect_function(what, dF)
    xs = np.linspace(-2.5, 2.5, 11)
    got = []
    for x in xs:
        value = call_reader(what, dF, float(x))
        if value is None:
            raise ExerciseError(f"{what}(x) returned None: end the function with a return.")
        try:
            got.append(float(value))
        except (TypeError, ValueError):
            raise ExerciseError(f"{what}(x) should return a number, got "
                                f"{type(value).__name__}.") from None
    got = np.array(got)
    s = _sigmoid(xs ** 2)
    expected = 2 * xs * s * (1 - s)
    slips = [
        (s * (1 - s), "The chain rule has one more factor: the derivative of the inner "
                      "function."),
        (2 * xs * _sigmoid(xs) * (1 - _sigmoid(xs)),
         "The outer derivative must be taken at the inner function's value, not at x."),
        (2 * xs * s, "The sigmoid's derivative is not the sigmoid itself: see the section on "
                     "the sigmoid."),
    ]
    if np.all(np.isfinite(got)) and not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
        for wrong, hint in slips:
            if np.allclose(got, wrong, rtol=1e-6, atol=1e-9):
                raise ExerciseError(f"dF(x) at x = -2.5, -2, ..., 2.5: not right yet. {hint}")
    check_close("dF(x) at x = -2.5, -2, ..., 2.5", got, expected, rtol=1e-6, atol=1e-9,
                hint="Split F into an outer and an inner function and multiply their "
                     "local derivatives.")
    correct("At all eleven points your function matches the chain rule: the outer "
            "derivative, taken at the inner value, times the inner derivative.")


#: The point of Exercise 1.2: q = (x*y) * (x + y) at x = 2, y = -3.
PATH_POINT = {"x": 2.0, "y": -3.0}


@exercise_check("1.2")
def check_path_products(products) -> None:
    r"""Exercise 1.2: the products along the two paths from :math:`q = m u` back to ``x``.

    Here :math:`m = xy`, :math:`u = x + y`, at ``PATH_POINT``; the two products may come in
    either order. A wrong answer is told whether one of the two is right, never which value
    is expected.
    """
    what = "products"
    if products is None:
        raise no_answer(what)
    try:
        got = sorted(float(p) for p in products)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what}: expected a list of two numbers, got "
                            f"{type(products).__name__}.") from None
    if len(got) != 2:
        raise ExerciseError(f"{what}: x reaches q by 2 paths (through m and through u), so "
                            f"expected 2 products, got {len(got)}.")
    x, y = PATH_POINT["x"], PATH_POINT["y"]
    m, u = x * y, x + y
    expected = sorted([u * y, m * 1.0])  # dq/dm * dm/dx, dq/du * du/dx
    hint = ""
    if not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
        right = sum(bool(np.isclose(g, e, rtol=1e-9, atol=1e-12))
                    for g in got for e in expected)
        if right == 1:
            hint = ("One of your two products is right; recheck the local derivatives "
                    "along the other path. ")
        elif np.allclose(sorted(-g for g in got), expected, rtol=1e-9, atol=1e-12):
            hint = "Both signs are flipped. "
    check_close(what, got, expected, rtol=1e-9, atol=1e-12,
                hint=hint + "Along each path multiply the local derivatives: dq/dm * dm/dx, "
                "and dq/du * du/dx, each evaluated at the point.")
    correct("Your two path products add up to dq/dx, the number the backward pass computes "
            "without listing the paths.")


def _call_count(what, fn, width, depth):
    value = call_reader(what, fn, width, depth)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise ExerciseError(f"{what}({width}, {depth}) should return a whole number, got "
                            f"{type(value).__name__}.")
    return int(value)


@exercise_check("1.3")
def check_counts(n_edges, n_paths) -> None:
    """Exercise 1.3: edges and paths of the layered graph, as functions of width and depth.

    The graph: ``width`` inputs, then ``depth`` layers of ``width`` nodes, each node fed by
    every node of the layer before, then one output fed by every node of the last layer.
    The expected counts come from building the graph (:func:`layered`) and counting.
    """
    expect_function("n_edges", n_edges)
    expect_function("n_paths", n_paths)
    for w, d in [(w, d) for w in (1, 2, 3, 5) for d in (0, 1, 2, 7)]:
        inputs, out = layered(w, d)
        edges_expected = len(out.edges())
        paths_expected = _count_by_pass(out, inputs[0])
        edges = _call_count("n_edges", n_edges, w, d)
        if edges != edges_expected:
            hint = ("The edges into the output are missing." if edges == edges_expected - w
                    else "Count the edges between two consecutive layers, how many such "
                         "pairs of layers there are, then the edges into the output.")
            raise ExerciseError(f"n_edges({w}, {d}) is not right. {hint}")
        npaths = _call_count("n_paths", n_paths, w, d)
        if npaths != paths_expected:
            raise ExerciseError(f"n_paths({w}, {d}) is not right. A path from an input picks "
                                "one node in each hidden layer; how many choices does that "
                                "make in all?")
    for w, d in [(2, 30), (3, 20)]:  # deep graphs: counted in one pass, not enumerated
        inputs, out = layered(w, d)
        if _call_count("n_paths", n_paths, w, d) != _count_by_pass(out, inputs[0]):
            raise ExerciseError(f"n_paths({w}, {d}) is not right for a deep graph, though "
                                "the small cases pass: is it exact for large depths?")
    correct("The edges grow in proportion to the depth, the paths exponentially: that is "
            "the gap between the backward pass and summing path by path.")


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
    """Paths from ``node`` back to ``source``, counted one by one (small graphs only)."""
    if node is source:
        return 1
    return sum(_enumerate(p, source) for p in dict.fromkeys(node.parents))


def _count_by_pass(output: Value, source: Value) -> int:
    """Paths from ``output`` back to ``source`` in one pass over the edges."""
    order = output.topological_order()
    count = {id(v): 0 for v in order}
    count[id(output)] = 1
    for node in reversed(order):
        for parent in dict.fromkeys(node.parents):
            count[id(parent)] += count[id(node)]
    return count.get(id(source), 0)


@exercise_check("1.4")
def check_count_paths(count_fn) -> None:
    """Exercise 1.4: ``count_fn(output, source)`` counts paths with one pass over the edges.

    Checked against brute-force enumeration on small layered graphs, on a node that is not
    in the graph (0 paths), and on a depth-40 graph (2**40 paths, far too many to enumerate
    one by one).
    """
    what = "count_paths"
    expect_function(what, count_fn)
    for width, depth in [(1, 3), (2, 1), (2, 5), (3, 4)]:
        inputs, out = layered(width, depth)
        got = call_reader(what, count_fn, out, inputs[0])
        if got != _enumerate(out, inputs[0]):
            raise ExerciseError(f"{what}: wrong count on the layered graph of width {width} "
                                f"and depth {depth}. Start with 1 at the output and pass the "
                                "counts to the parents, every node after all its consumers.")
    lone = Value(2.0, "lone")
    _, out = layered(2, 2)
    if call_reader(what, count_fn, out, lone) != 0:
        raise ExerciseError(f"{what}: a node that is not in the graph has no path to the "
                            "output; your function counts some.")
    inputs, out = layered(2, 40)
    if call_reader(what, count_fn, out, inputs[0]) != 2 ** 40:
        raise ExerciseError(f"{what}: wrong count on the graph of width 2 and depth 40, "
                            "though the small graphs pass.")
    correct(f"Your function counted the {2 ** 40:,} paths of the depth-40 graph in one pass "
            f"over its {len(out.edges())} edges.")
