"""What the tests of the JavaScript port share: the port in V8, and the comparison with bpkit.

The tests (test_widget_port*.py) import it as ``port_compare``: pytest puts ``tests/`` (a folder
without ``__init__.py``) on ``sys.path`` before it imports a test module there.

The tolerance is ``|js - bpkit| <= 1e-12 |bpkit| + 1e-16``: a relative error of 1e-12, with a
floor of 1e-16 in absolute terms (tests/test_widget_port.py says why the floor is needed).
"""

from __future__ import annotations

import json
import math

from py_mini_racer import MiniRacer

from bpkit.widgets.frontend import page_script

RTOL, ATOL = 1e-12, 1e-16


def v8(*widgets: str, sources=()) -> MiniRacer:
    """A V8 context (mini-racer, the engine of Chromium) set up as a page: ``window``, the page
    scripts of ``widgets`` (each registers ``window.bpkitWidgets[name]``), then ``sources``."""
    ctx = MiniRacer()
    ctx.eval("var window = globalThis;")
    for name in widgets:
        ctx.eval(page_script(name))
    for source in sources:
        ctx.eval(source)
    return ctx


def evaluator(ctx: MiniRacer):
    """``f(expression)``: the value of a JavaScript expression in ``ctx``, through JSON."""
    return lambda expression: json.loads(ctx.eval(f"JSON.stringify({expression})"))


def new_stats() -> dict:
    """Counts for a test module's report: the numbers compared, how many differ at all, how
    many by more than RTOL relative, and the worst relative error."""
    return {"numbers": 0, "differ": 0, "over_rtol": 0, "worst": 0.0}


def leaves(tree, path=""):
    """Every number (and string, boolean, None) in a nested dict/list, with where it is."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from leaves(v, f"{path}.{k}")
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, tree


def worst_relative_error(js_tree, py_tree, stats: dict | None = None, skip=()) -> float:
    """The largest |js - py| / (RTOL |py| + ATOL) * RTOL over every number: below RTOL when
    every number is within the tolerance. The structure, the strings, the booleans and the
    nulls (None: NaN and infinities, which JSON cannot hold) must be equal; every other number
    the port gives must be finite. Leaves whose path starts with one of ``skip`` are left out.
    ``stats`` (from :func:`new_stats`), if given, counts what was compared."""
    js_leaves = {k: v for k, v in leaves(js_tree) if not k.startswith(skip)}
    py_leaves = {k: v for k, v in leaves(py_tree) if not k.startswith(skip)}
    assert js_leaves.keys() == py_leaves.keys()
    worst = 0.0
    for where, expected in py_leaves.items():
        got = js_leaves[where]
        if expected is None or isinstance(expected, (str, bool)):
            assert got == expected, where
            continue
        assert got is not None and math.isfinite(got), where
        if stats is not None:
            stats["numbers"] += 1
        if got != expected:
            if stats is not None:
                stats["differ"] += 1
                stats["over_rtol"] += abs(got - expected) > RTOL * abs(expected)
            worst = max(worst, abs(got - expected) / (RTOL * abs(expected) + ATOL) * RTOL)
    if stats is not None:
        stats["worst"] = max(stats["worst"], worst)
    return worst
