"""Draw a Tensor's computational graph with matplotlib: each node with its value and gradient.

Leaves on the left, the output on the right; a node's column is the length of the longest
path from a leaf to it. Needs matplotlib (import this module explicitly); no graphviz.
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor

__all__ = ["graph_layout", "draw_graph"]


def _short(a) -> str:
    """A number to 4 significant digits, or an array's shape."""
    if a is None:
        return "-"
    a = np.asarray(a)
    return f"{a.item():.4g}" if a.size == 1 else "x".join(map(str, a.shape))


def node_text(node: Tensor) -> str:
    name = node.label or node.op or "input"
    return f"{name}\nvalue {_short(node.data)}\ngrad {_short(node.grad)}"


def graph_layout(root: Tensor) -> dict[int, tuple[int, int]]:
    """``id(node) -> (column, row)``: column = longest path from a leaf, rows counted per column
    (from row 1 in odd columns)."""
    order = root.topological_order()
    column: dict[int, int] = {}
    for node in order:  # parents come first, so their columns are known
        column[id(node)] = 1 + max((column[id(p)] for p in node.parents), default=-1)
    rows: dict[int, int] = {}
    positions = {}
    for node in order:
        c = column[id(node)]
        # operations in odd columns start one row down: a chain of operations zigzags, so
        # that an edge which skips a column passes between boxes rather than through one
        first = c % 2 if c else 0
        positions[id(node)] = (c, rows.get(c, first))
        rows[c] = rows.get(c, first) + 1
    return positions


def draw_graph(root: Tensor, ax=None, title: str = "Computational graph"):
    """Draw every node ``root`` depends on, as a box with its name, value and gradient.

    Scalars show their value; arrays show their shape. Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    from ..plot import PALETTE

    positions = graph_layout(root)
    nodes = root.topological_order()
    n_cols = 1 + max(c for c, _ in positions.values())
    n_rows = 1 + max(r for _, r in positions.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(min(7.0, 1.9 * n_cols + 0.5), 1.3 * n_rows + 0.8))
    boxes = {}
    for node in nodes:
        x, y = positions[id(node)]
        colour = PALETTE[1] if node.is_leaf else PALETTE[0]
        text = ax.text(x, -y, node_text(node), ha="center", va="center", fontsize=13,
                       bbox={"boxstyle": "round", "facecolor": colour, "alpha": 0.35,
                             "edgecolor": PALETTE[7]})
        boxes[id(node)] = text.get_bbox_patch()
    for node in nodes:  # each arrow from the edge of the parent's box to the edge of the child's
        x1, y1 = positions[id(node)]
        for parent in dict.fromkeys(node.parents):  # x * x: one arrow
            x0, y0 = positions[id(parent)]
            ax.annotate("", xy=(x1, -y1), xytext=(x0, -y0), zorder=4,
                        arrowprops={"arrowstyle": "->", "color": PALETTE[7], "lw": 1.2,
                                    "patchA": boxes[id(parent)], "patchB": boxes[id(node)],
                                    "shrinkA": 1, "shrinkB": 1})
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(-n_rows + 0.4, 0.6)
    ax.set_title(title)
    ax.set_xlabel("leaves (blue) on the left, operations (orange) towards the output")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
