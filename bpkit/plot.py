"""Plot helpers shared by the chapters. Needs matplotlib (imported when a helper is called).

``PALETTE`` is the Okabe-Ito palette, distinguishable with the common forms of colour
blindness; use it, in this order, wherever colour carries meaning.
"""

from __future__ import annotations

__all__ = ["PALETTE", "NEGATIVE", "POSITIVE", "BOOK_STYLE", "MAX_FIGURE_WIDTH",
           "use_book_style", "label_axes", "plot_loss_curves",
           "plot_decision_boundary", "decision_grid"]

#: Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black.
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
           "#000000"]
#: Colours for the sign of a quantity (a gradient, a weight): blue positive, vermillion negative.
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"


#: The book's matplotlib settings: every piece of text at least 13 pt at 100 dpi (18 px).
#: A figure at most ``MAX_FIGURE_WIDTH`` inches wide is then shown at its natural size on a
#: desktop page (about 700 px), where its smallest text is 18 px, and scaled to a 360 px
#: phone column, where it is still above 9 px. ``tests/test_figures.py`` holds every stored
#: figure to that width.
BOOK_STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100,
    "font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13,
    "xtick.labelsize": 13, "ytick.labelsize": 13, "legend.fontsize": 13,
    "legend.title_fontsize": 13, "figure.titlesize": 15,
}
MAX_FIGURE_WIDTH = 7.0  # inches, so 700 px at 100 dpi


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib (each chapter calls this once, at the top)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(BOOK_STYLE)
    # lines without an explicit colour take the palette: blue, vermillion, green, orange, ...
    mpl.rcParams["axes.prop_cycle"] = cycler(color=[PALETTE[i] for i in (4, 5, 2, 0, 1, 6, 7)])


def label_axes(ax, title: str, xlabel: str, ylabel: str):
    """Set the title and both axis labels (every figure in the book has all three)."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


# ------------------------------------------------------------- training (Chapter 4)

_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def plot_loss_curves(history, ax=None, *, label: str | None = None, color=None,
                     against: str = "epoch", logy: bool = False, validation: bool = True,
                     title: str = "Loss during training"):
    """Draw a run's training loss (solid) and validation loss (dashed) on ``ax``.

    ``history`` is a :class:`bpkit.train.History`. ``against`` is ``"epoch"`` or
    ``"steps"`` (the number of parameter updates so far), for comparing runs whose epochs
    hold different numbers of steps. Several runs can share one axes: give each a
    ``label`` and a ``color``. A run that diverged ends in a cross. Returns ``ax``.
    """
    import matplotlib.pyplot as plt

    if against not in ("epoch", "steps"):
        raise ValueError(f"plot_loss_curves: against must be 'epoch' or 'steps', got {against!r}")
    ax = plt.gca() if ax is None else ax
    xs = getattr(history, against)
    curves = [("train", history.train_loss, "-", PALETTE[0])]
    if validation and history.val_loss:
        curves.append(("validation", history.val_loss, "--", PALETTE[1]))
    for name, values, style, default in curves:
        c = default if color is None else color
        text = name if label is None else f"{label} ({name})"
        ax.plot(xs[:len(values)], values, style, color=c, label=text)
        if history.diverged and values:
            ax.plot(xs[len(values) - 1], values[-1], "x", color=c, markersize=9)
    if logy:
        ax.set_yscale("log")
    label_axes(ax, title, "epoch" if against == "epoch" else "gradient steps", "loss")
    ax.legend()
    return ax


def decision_grid(model, x, *, resolution: int = 150, margin: float = 0.5):
    """The model's outputs on a grid covering the points ``x (N, 2)`` plus ``margin``.

    Returns ``(xx, yy, out)``: the grid coordinates, each ``(resolution, resolution)``, and
    the outputs ``(resolution**2, K)`` of ``model`` at those points, row by row.
    """
    import numpy as np

    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"decision_grid needs 2-D points, shape (N, 2); got {x.shape}")
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    out = model.forward(np.column_stack([xx.ravel(), yy.ravel()]))
    return xx, yy, out


def plot_decision_boundary(model, x, t, ax=None, *, threshold: float = 0.5,
                           resolution: int = 150, margin: float = 0.5,
                           title: str = "Decision boundary", legend: bool = True):
    """Shade the plane by the class ``model`` predicts, and draw the points ``(x, t)`` over it.

    ``x`` is ``(N, 2)``, ``t`` integer labels ``(N,)``. The predicted class is the argmax of
    the outputs for K > 1 outputs, and ``output > threshold`` for one output (use 0.5 for a
    Sigmoid output, 0.0 for logits). With one output or two, the boundary itself (where
    the output equals the threshold, or the two outputs are equal) is a black line. Each
    class has its colour from ``PALETTE`` and its own marker shape. Returns ``ax``.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    from .train import predicted_classes

    ax = plt.gca() if ax is None else ax
    t = np.asarray(t).reshape(-1)
    xx, yy, out = decision_grid(model, x, resolution=resolution, margin=margin)
    k = max(int(t.max()) + 1, out.shape[1] if out.shape[1] > 1 else 2)
    classes = predicted_classes(out, threshold).reshape(xx.shape)
    ax.contourf(xx, yy, classes, levels=np.arange(k + 1) - 0.5, colors=PALETTE[:k], alpha=0.3)
    # the boundary as a line: where the one output crosses the threshold, or where two
    # outputs are equal
    score = (out[:, 0] - threshold if out.shape[1] == 1 else
             out[:, 1] - out[:, 0] if out.shape[1] == 2 else None)
    if score is not None and score.min() < 0 < score.max():
        ax.contour(xx, yy, score.reshape(xx.shape), levels=[0.0], colors="black",
                   linewidths=1.5)
    for c in range(k):
        pts = np.asarray(x)[t == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=18, color=PALETTE[c], marker=_MARKERS[c % 8],
                   edgecolors="black", linewidths=0.4, label=f"class {c}")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    label_axes(ax, title, "$x_1$", "$x_2$")
    if legend:
        ax.legend(loc="upper right")
    return ax
