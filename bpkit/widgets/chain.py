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
    w.values["s"]             # sigma(0.3)
    w.path_sums["x"]          # sum over the two paths from f to x == w.grads["x"]
    print(w.report())         # the numbers the widget shows, as text

The path helpers :func:`paths` and :func:`count_paths` work on any graph of ``Value`` nodes.
"""

from __future__ import annotations

import io
import math

import ipywidgets as widgets
from matplotlib.figure import Figure

from ..engine import Value
from ..plot import NEGATIVE, PALETTE, POSITIVE
from . import caption

__all__ = ["ChainRuleWidget", "build_graph", "paths", "path_product", "count_paths",
           "POSITIONS"]

#: Where each node of the graph is drawn (data coordinates), inputs on the left.
POSITIONS = {"x": (0.0, 2.2), "y": (0.0, 1.0), "z": (0.0, -0.2), "m": (1.4, 1.6),
             "s": (2.8, 2.9), "u": (2.8, 0.6), "f": (4.2, 1.75)}
#: What each node computes, for the drawing and the report.
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


def _arrow_label_position(a, b, t=0.5):
    return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])


class ChainRuleWidget:
    r"""Sliders for ``x, y, z``; the graph of :math:`f = (xy+z)\sigma(x)`; the path products.

    Parameters
    ----------
    x, y, z : float
        Initial slider values, in ``[-3, 3]``.

    Attributes
    ----------
    sliders : dict[str, ipywidgets.FloatSlider]
        The controls, by input name. Setting ``sliders["x"].value`` (or calling :meth:`set`)
        recomputes everything.
    nodes : dict[str, Value]
        The current graph (see :func:`build_graph`), after ``backward()``.
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
    ui : ipywidgets.VBox
        What the notebook displays (the object itself displays as ``ui``).
    """

    low, high, step = -3.0, 3.0, 0.05

    def __init__(self, x: float = 1.0, y: float = -2.0, z: float = 0.5):
        self.initial = {"x": float(x), "y": float(y), "z": float(z)}
        for name, v in self.initial.items():
            self._check_range(name, v)
        self.sliders = {
            name: widgets.FloatSlider(value=v, min=self.low, max=self.high, step=self.step,
                                      description=name, continuous_update=True,
                                      readout_format=".2f")
            for name, v in self.initial.items()}
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="640px"))
        self.caption = widgets.HTML()  # the picture in words
        self.table = widgets.HTML()
        self._figure = Figure(figsize=(6.4, 3.6), dpi=100)
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.ui = widgets.VBox([widgets.HBox(list(self.sliders.values())), self.image,
                                self.caption, self.table])
        self.update()

    # Controls, usable from code.

    def _check_range(self, name, v):
        if not self.low <= v <= self.high:
            raise ValueError(f"ChainRuleWidget: {name} must lie in [{self.low}, {self.high}] "
                             f"(the slider's range), got {v}")

    def set(self, **inputs: float) -> None:
        """Move sliders from code, e.g. ``w.set(x=0.5, z=-1)``; the widget updates."""
        unknown = set(inputs) - set(INPUTS)
        if unknown:
            raise ValueError(f"ChainRuleWidget.set: unknown input(s) {sorted(unknown)}; "
                             f"expected some of {list(INPUTS)}")
        for name, v in inputs.items():
            self._check_range(name, float(v))
        self._batch = True
        try:
            for name, v in inputs.items():
                self.sliders[name].value = float(v)
        finally:
            self._batch = False
        self.update()

    def reset(self) -> None:
        """Put every slider back to its initial value."""
        self.set(**self.initial)

    _batch = False

    def _on_change(self, change) -> None:
        if not self._batch:
            self.update()

    # The numbers.

    def update(self) -> None:
        """Rebuild the graph from the sliders, run backward, refresh picture and table."""
        inputs = {name: s.value for name, s in self.sliders.items()}
        self.nodes = build_graph(**inputs)
        f = self.nodes["f"]
        f.backward()
        self.values = {name: node.data for name, node in self.nodes.items()}
        self.local_grads = {(p.label, c.label): g for p, c, g in f.edges()}
        self.path_products = {}
        for name in INPUTS:
            found = paths(f, self.nodes[name])
            self.path_products[name] = [(tuple(v.label for v in p), path_product(p))
                                        for p in found]
        self.path_sums = {name: math.fsum(prod for _, prod in rows)
                          for name, rows in self.path_products.items()}
        self.grads = {name: self.nodes[name].grad for name in INPUTS}
        self.image.value = self.render_png()
        self.caption.value = caption(self.describe())
        self.table.value = self.table_html()

    def describe(self) -> str:
        """A one-paragraph text description of the picture (its alt text)."""
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

    def table_html(self) -> str:
        """The table of path products, sums and backward gradients, as HTML."""
        rows = []
        for name in INPUTS:
            for path, prod in self.path_products[name]:
                factors = " × ".join(
                    f"{self.local_grads[(p, c)]:.3f}" for c, p in zip(path[:-1], path[1:],
                                                                       strict=True))
                rows.append(f"<tr><td>{name}</td><td>{' ← '.join(path)}</td>"
                            f"<td>{factors}</td><td>{prod:.4f}</td></tr>")
            rows.append(f"<tr style='font-weight:bold'><td>{name}</td><td>sum over paths"
                        f"</td><td>backward: {self.grads[name]:.4f}</td>"
                        f"<td>{self.path_sums[name]:.4f}</td></tr>")
        head = ("<tr><th>input</th><th>path from f</th><th>local derivatives</th>"
                "<th>product</th></tr>")
        return ("<table style='border-collapse:collapse;font-family:monospace'>"
                f"<caption>∂f/∂input is the sum of the products along its paths</caption>"
                f"{head}{''.join(rows)}</table>")

    # The picture.

    def draw(self, ax) -> None:
        """Draw the graph on a matplotlib ``ax``: values in nodes, local derivatives on edges.

        Edges are coloured by the sign of their local derivative (blue positive, vermillion
        negative).
        """
        ax.clear()
        for (p, c), g in self.local_grads.items():
            a, b = POSITIONS[p], POSITIONS[c]
            colour = POSITIVE if g >= 0 else NEGATIVE
            ax.annotate("", xy=b, xytext=a,
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.8,
                                    "shrinkA": 24, "shrinkB": 24})
            lx, ly = _arrow_label_position(a, b, 0.5)
            ax.text(lx, ly, f"{g:.3f}", ha="center", va="center", fontsize=8, color=colour,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": colour,
                          "lw": 0.6})
        for name, (px, py) in POSITIONS.items():
            fill = PALETTE[1] if name in INPUTS else (PALETTE[0] if name == "f" else "#dddddd")
            ax.text(px, py, f"{name} = {FORMULAS[name]}\n{self.values[name]:.3f}"
                    if name not in INPUTS else f"{name}\n{self.values[name]:.3f}",
                    ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "round,pad=0.4", "fc": fill, "ec": "black", "lw": 0.8})
        ax.set_xlim(-0.6, 4.8)
        ax.set_ylim(-0.8, 3.5)
        ax.set_title("f = (x·y + z)·σ(x): node values, local derivatives on the edges",
                     fontsize=10)
        ax.set_xlabel("forward direction: inputs → f  (backward pass runs right to left)",
                      fontsize=8)
        ax.set_ylabel("nodes placed for readability", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])

    def render_png(self) -> bytes:
        """The current picture as PNG bytes (one reused figure, no pyplot state)."""
        fig = self._figure
        fig.clear()
        ax = fig.add_subplot()
        self.draw(ax)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        return self.ui._repr_mimebundle_(**kwargs)
