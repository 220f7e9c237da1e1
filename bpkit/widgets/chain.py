r"""The chain-rule widget: a small graph, every node's value, every edge's local derivative.

The widget draws the graph of

.. math:: f = (x y + z)\,\sigma(x):\quad m = x y,\ u = m + z,\ s = \sigma(x),\ f = u s,

built with :class:`bpkit.engine.Value`, and lists, for each input, the product of the local
derivatives along every path from ``f`` back to that input. By the chain rule the sum of those
products is :math:`\partial f / \partial \text{input}`; the widget shows it next to what
``f.backward()`` computes.

Headless use (what the book's next cell and the tests do)::

    w = ChainRuleWidget(x=1.0, y=-2.0, z=0.5)
    w.set(x=0.3)              # moves the slider; everything below is recomputed
    w.controls                # {"x": 0.3, "y": -2.0, "z": 0.5}: what the sliders show
    w.values["s"]             # sigma(0.3)
    w.path_sums["x"]          # sum over the two paths from f to x == w.grads["x"]
    print(w.report())         # the numbers the widget shows, as text

The path helpers :func:`paths` and :func:`count_paths` work on any graph of ``Value`` nodes.
The drawing is ``js/chain.js`` (see :mod:`bpkit.widgets.frontend`); on the website its numbers
come from ``chainState`` in ``js/port.js``, which mirrors :func:`chain_state`.
"""

from __future__ import annotations

import math

from ..engine import Value
from .frontend import BookWidget

__all__ = ["ChainRuleWidget", "build_graph", "chain_state", "paths", "path_product",
           "count_paths"]

#: What each node computes, for the report.
FORMULAS = {"x": "input", "y": "input", "z": "input", "m": "x·y", "u": "m+z", "s": "σ(x)",
            "f": "u·s"}
INPUTS = ("x", "y", "z")


def build_graph(x: float, y: float, z: float) -> dict[str, Value]:
    r"""Build :math:`f = (xy + z)\,\sigma(x)` and return its nodes by name.

    Returns ``{"x", "y", "z", "m", "u", "s", "f"}`` mapped to labelled ``Value`` nodes, with
    ``m = x*y``, ``u = m + z``, ``s = sigmoid(x)``, ``f = u*s``. ``backward()`` has not been
    called.
    """
    nodes = {"x": Value(x, "x"), "y": Value(y, "y"), "z": Value(z, "z")}
    nodes["m"] = nodes["x"] * nodes["y"]
    nodes["u"] = nodes["m"] + nodes["z"]
    nodes["s"] = nodes["x"].sigmoid()
    nodes["f"] = nodes["u"] * nodes["s"]
    for name, node in nodes.items():
        node.label = name
    return nodes


def paths(output: Value, source: Value) -> list[list[Value]]:
    """Every path from ``output`` back to ``source``, each a list ``[output, ..., source]``.

    Walks from ``output`` to its parents, recursively. A node reached by several routes is
    visited once per route, so the work grows with the number of paths (exponential in depth
    for a layered graph): fine for small graphs, which is the point this function makes.
    Parallel edges (``x * x`` has two from ``x``) count as one edge whose local derivative is
    their sum (:func:`path_product` adds them), so the path products still sum to the
    derivative.
    """
    if output is source:
        return [[output]]
    found = []
    for parent in dict.fromkeys(output.parents):  # x * x: one merged edge, not two
        for tail in paths(parent, source):
            found.append([output, *tail])
    return found


def path_product(path: list[Value]) -> float:
    r"""Product of the local derivatives along ``path = [output, ..., source]``.

    :math:`\prod_k \partial v_k / \partial v_{k+1}`, where ``v_k`` is the ``k``-th node. Raises
    ``ValueError`` if two consecutive nodes are not parent and child.
    """
    product = 1.0
    for child, parent in zip(path[:-1], path[1:], strict=True):
        # A parent can appear twice (x * x): the parallel edges act as one, locals summed.
        locals_ = [g for p, g in zip(child.parents, child.local_grads, strict=True)
                   if p is parent]
        if not locals_:
            raise ValueError(f"path_product: {parent!r} is not a parent of {child!r}")
        product *= sum(locals_)
    return product


def count_paths(output: Value, source: Value) -> int:
    """Number of paths from ``output`` back to ``source``, in one pass over the edges.

    The same recursion as the backward pass, with counts instead of derivatives:
    ``n(v) = sum of n(c) over the children c of v``, with ``n(output) = 1``, visited in
    reverse topological order. The cost grows with the number of edges, not of paths.
    """
    order = output.topological_order()
    count = {id(node): 0 for node in order}
    count[id(output)] = 1
    for node in reversed(order):
        for parent in dict.fromkeys(node.parents):  # parallel edges merged, as in paths()
            count[id(parent)] += count[id(node)]
    return count.get(id(source), 0)


def chain_state(x: float, y: float, z: float) -> dict:
    """Everything the widget shows for inputs ``x, y, z``, as plain numbers and lists.

    Returns ``{"values": {node: value}, "local_grads": [[parent, child, d child/d parent],
    ...], "paths": {input: [[[f, ..., input], product], ...]}, "path_sums": {input: sum},
    "grads": {input: df/dinput from backward()}}``. ``chainState`` in ``js/port.js``
    computes the same in the browser.
    """
    nodes = build_graph(x, y, z)
    f = nodes["f"]
    f.backward()
    result = {"values": {name: node.data for name, node in nodes.items()},
              "local_grads": [[p.label, c.label, g] for p, c, g in f.edges()],
              "paths": {}, "path_sums": {}, "grads": {}}
    for name in INPUTS:
        rows = [[[v.label for v in p], path_product(p)] for p in paths(f, nodes[name])]
        result["paths"][name] = rows
        result["path_sums"][name] = math.fsum(product for _, product in rows)
        result["grads"][name] = nodes[name].grad
    return result


class ChainRuleWidget(BookWidget):
    r"""Sliders for ``x, y, z``; the graph of :math:`f = (xy+z)\sigma(x)`; the path products.

    Parameters
    ----------
    x, y, z : float
        Initial slider values, in ``[-3, 3]``.

    Attributes
    ----------
    controls : dict
        The sliders' values ``{"x", "y", "z"}`` (synced with the page). Set them with
        :meth:`set`.
    result : dict
        What the widget shows, from :func:`chain_state` (synced with the page).
    values : dict[str, float]
        Every node's value.
    local_grads : dict[tuple[str, str], float]
        ``(parent, child) -> d child / d parent``, one entry per edge.
    path_products : dict[str, list[tuple[tuple[str, ...], float]]]
        For each input, every path from ``f`` back to it (node names) and the product of the
        local derivatives along it.
    path_sums : dict[str, float]
        For each input, the sum of its path products: the chain rule's answer.
    grads : dict[str, float]
        For each input, ``d f / d input`` from ``f.backward()``.
    """

    _widget = "chain"
    low, high = -3.0, 3.0

    def __init__(self, x: float = 1.0, y: float = -2.0, z: float = 0.5):
        start = {"x": float(x), "y": float(y), "z": float(z)}
        for name, v in start.items():
            self._check_range(name, v)
        super().__init__(start)

    def _check_range(self, name, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not self.low <= v <= self.high:
            raise ValueError(f"ChainRuleWidget: {name} must be a number in [{self.low}, "
                             f"{self.high}] (the slider's range), got {v!r}")

    def set(self, **inputs: float) -> None:
        """Move sliders from code, e.g. ``w.set(x=0.5, z=-1)``; the widget updates."""
        unknown = set(inputs) - set(INPUTS)
        if unknown:
            raise ValueError(f"ChainRuleWidget.set: unknown input(s) {sorted(unknown)}; "
                             f"expected some of {list(INPUTS)}")
        for name, v in inputs.items():
            self._check_range(name, v)
        self._set_controls({name: float(v) for name, v in inputs.items()})

    def compute(self, controls: dict) -> dict:
        return chain_state(controls["x"], controls["y"], controls["z"])

    # The numbers, by name (read from the result the page shows).

    @property
    def values(self) -> dict[str, float]:
        return dict(self.result["values"])

    @property
    def local_grads(self) -> dict[tuple[str, str], float]:
        return {(p, c): g for p, c, g in self.result["local_grads"]}

    @property
    def path_products(self) -> dict[str, list[tuple[tuple[str, ...], float]]]:
        return {name: [(tuple(p), prod) for p, prod in rows]
                for name, rows in self.result["paths"].items()}

    @property
    def path_sums(self) -> dict[str, float]:
        return dict(self.result["path_sums"])

    @property
    def grads(self) -> dict[str, float]:
        return dict(self.result["grads"])

    def describe(self) -> str:
        """A one-paragraph text description of the drawing (its alt text)."""
        v = self.values
        return (f"Computational graph of f = (x*y + z)*sigmoid(x) at x={v['x']:.2f}, "
                f"y={v['y']:.2f}, z={v['z']:.2f}: m = x*y = {v['m']:.4f}, u = m + z = "
                f"{v['u']:.4f}, s = sigmoid(x) = {v['s']:.4f}, f = u*s = {v['f']:.4f}. "
                "Each arrow is labelled with the local derivative of the node it points to "
                "with respect to the node it starts from.")

    def report(self, digits: int = 6) -> str:
        """The numbers the widget shows, as plain text rounded to ``digits`` decimals."""
        r = lambda v: f"{round(v, digits) + 0.0:.{digits}f}"  # noqa: E731 (+0.0: no "-0")
        lines = ["node values:"]
        for name, v in self.values.items():
            lines.append(f"  {name} = {FORMULAS[name]:<6} = {r(v)}")
        lines.append("local derivatives d(child)/d(parent):")
        for (p, c), g in self.local_grads.items():
            lines.append(f"  d{c}/d{p} = {r(g)}")
        lines.append("paths from f back to each input:")
        for name in INPUTS:
            for path, prod in self.path_products[name]:
                lines.append(f"  {' <- '.join(path):<18} product {r(prod)}")
            lines.append(f"  sum for {name}: {r(self.path_sums[name])}   "
                         f"backward: {r(self.grads[name])}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = self.controls
        return f"ChainRuleWidget(x={c['x']:g}, y={c['y']:g}, z={c['z']:g})"
