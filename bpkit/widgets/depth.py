r"""Depth explorer: how big is each layer's error vector, and does the gradient check pass?

The network has ``depth`` hidden layers of ``width`` units, each a :class:`~bpkit.layers.Linear`
followed by the chosen activation, then a linear output layer of 2 units, under the squared
error. For one input :math:`x` (4 numbers) and target :math:`t`, one backward pass gives every
layer's error vector :math:`\delta^l = \partial L / \partial z^l`, from the output error
:math:`\delta^D` (D = ``depth + 1`` layers; L is the loss) back to the first
layer through

.. math::

    \delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l).

The explorer shows :math:`\lVert \delta^l \rVert` layer by layer and the largest relative error
of :func:`bpkit.gradcheck.check_model` over all parameters.

Usable headless: :func:`explore` computes the numbers without any widget, and
:class:`DepthExplorer` exposes its controls (``depth``, ``width``, ``activation``) as settable
attributes and the numbers it shows as ``norms`` and ``rel_error``. Needs matplotlib and
ipywidgets (imported when an explorer is made).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np

from ..gradcheck import check_model, rel_error
from ..layers import Linear, ReLU, Sigmoid, Tanh
from ..losses import SquaredError
from ..model import Sequential
from ..plot import PALETTE

__all__ = ["ACTIVATIONS", "N_IN", "N_OUT", "DepthResult", "build_network", "error_vectors",
           "explore", "DepthExplorer"]

#: The activations to choose from, and the weight initialisation each one gets.
ACTIVATIONS = {"sigmoid": (Sigmoid, "glorot"), "tanh": (Tanh, "glorot"), "relu": (ReLU, "he")}
#: Input and output sizes of the explored networks.
N_IN, N_OUT = 4, 2
#: Slider ranges (kept small so that the gradient check, two forward passes per parameter,
#: stays interactive).
DEPTH_RANGE, WIDTH_RANGE = (1, 10), (2, 32)


def _check_settings(depth, width, activation) -> None:
    lo, hi = DEPTH_RANGE
    if not isinstance(depth, (int, np.integer)) or not lo <= depth <= hi:
        raise ValueError(f"depth must be an integer from {lo} to {hi}, got {depth!r}")
    lo, hi = WIDTH_RANGE
    if not isinstance(width, (int, np.integer)) or not lo <= width <= hi:
        raise ValueError(f"width must be an integer from {lo} to {hi}, got {width!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


def build_network(depth: int, width: int, activation: str, seed: int = 0) -> Sequential:
    """``depth`` times (Linear, activation), then ``Linear(width, N_OUT)``; seeded weights.

    Shapes: input ``(N, N_IN)`` -> output ``(N, N_OUT)``. Sigmoid and tanh layers start
    from Glorot weights, ReLU layers from He weights; biases start at zero.
    """
    _check_settings(depth, width, activation)
    make, init = ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    layers, n_in = [], N_IN
    for _ in range(depth):
        layers += [Linear(n_in, width, rng=rng, init=init), make()]
        n_in = width
    layers.append(Linear(n_in, N_OUT, rng=rng, init="glorot"))
    return Sequential(*layers)


def error_vectors(model: Sequential, loss, x: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
    r"""Every Linear layer's error :math:`\delta^l = \partial L/\partial z^l`, first layer first.

    Runs one forward and one backward pass, layer by layer, keeping the gradient that
    arrives at each Linear layer's output. Each array has that layer's output shape
    ``(N, n_out)``.
    """
    loss.forward(model.forward(x), t)
    d = loss.backward()
    deltas = []
    for layer in reversed(model.layers):
        if isinstance(layer, Linear):
            deltas.append(np.array(d, copy=True))
        d = layer.backward(d)
    return deltas[::-1]


@dataclass
class DepthResult:
    """What the explorer shows for one setting of its controls."""

    depth: int
    width: int
    activation: str
    #: :math:`\lVert\delta^l\rVert` for l = 1 .. depth + 1 (the last is the output layer).
    norms: np.ndarray
    #: The gradient check's largest relative error over the parameter arrays
    #: (``check_model(...).max_rel_error``: each array scaled by its own size).
    rel_error: float
    #: The relative error of the whole gradient, all parameters as one vector.
    rel_error_overall: float
    n_params: int
    #: True when an input of a ReLU lies so near 0 that a finite difference may cross it.
    near_kink: bool

    @property
    def shrink(self) -> float:
        """:math:`\\lVert\\delta^1\\rVert / \\lVert\\delta^D\\rVert` (D: the output layer).

        Below 1 the error shrinks on its way back to the first layer.
        """
        return float(self.norms[0] / self.norms[-1])


def explore(depth: int = 3, width: int = 8, activation: str = "sigmoid",
            seed: int = 0) -> DepthResult:
    """Build the network, take one seeded input and target, return the error sizes and check.

    The input ``x`` ``(1, N_IN)`` and target ``t`` ``(1, N_OUT)`` are standard normal draws
    from ``np.random.default_rng(seed + 1)``; the weights come from ``seed``.
    """
    model = build_network(depth, width, activation, seed)
    rng = np.random.default_rng(seed + 1)
    x, t = rng.standard_normal((1, N_IN)), rng.standard_normal((1, N_OUT))
    loss = SquaredError()
    norms = np.array([np.linalg.norm(d) for d in error_vectors(model, loss, x, t)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check_model(model, loss, x, t)
    near_kink = any("kink" in str(w.message) for w in caught)
    analytic = np.concatenate([c.analytic.ravel() for c in report.values()])
    numeric = np.concatenate([c.numeric.ravel() for c in report.values()])
    return DepthResult(depth, width, activation, norms, report.max_rel_error,
                       rel_error(analytic, numeric), model.n_params, near_kink)


def plot_result(result: DepthResult, ax) -> None:
    """Draw the error sizes of ``result`` as bars on a log scale into ``ax``."""
    colour = PALETTE[list(ACTIVATIONS).index(result.activation)]
    layers = np.arange(1, len(result.norms) + 1)
    ax.bar(layers, result.norms, color=colour, edgecolor=PALETTE[7], linewidth=0.6)
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xticklabels([str(i) for i in layers[:-1]] + [f"{layers[-1]}\n(output)"])
    ax.set_title(f"Error vector size per layer: depth {result.depth}, width {result.width}, "
                 f"{result.activation}")
    ax.set_xlabel("layer l")
    ax.set_ylabel(r"$\|\delta^l\|$ (log scale)")


def summary(result: DepthResult) -> str:
    """One paragraph of text with the numbers the figure shows."""
    sizes = ", ".join(f"{v:.3g}" for v in result.norms)
    kink = (" (an input of a ReLU lies within 1e-4 of its kink, so this check may be "
            "pessimistic)" if result.near_kink else "")
    tiny = ""
    if result.rel_error > 1e-6 and result.rel_error_overall < 1e-6:
        tiny = (" The per-array error is large only because the first layers' gradients are "
                "tiny: the finite differences' round-off (about 1e-11) is no longer small "
                "beside them; the backward pass is still right.")
    return (f"{result.n_params} parameters. Error vector sizes, layer 1 to the output: "
            f"{sizes}. The first layer's error is {result.shrink:.3g} times the output "
            f"layer's. Gradient check: largest relative error per parameter array "
            f"{result.rel_error:.1e}, over the whole gradient {result.rel_error_overall:.1e}"
            f"{kink}.{tiny}")


class DepthExplorer:
    """Sliders for depth and width, a menu for the activation; a bar chart and the check.

    ``explorer.depth = 6`` moves the slider and recomputes, as dragging it would.
    ``explorer.result`` holds the last :class:`DepthResult`; ``norms`` and ``rel_error``
    are its numbers. Display the explorer as the last expression of a notebook cell.
    """

    def __init__(self, depth: int = 3, width: int = 8, activation: str = "sigmoid",
                 seed: int = 0):
        import ipywidgets as w

        _check_settings(depth, width, activation)
        self.seed = int(seed)
        style = {"description_width": "80px"}
        self._depth = w.IntSlider(value=depth, min=DEPTH_RANGE[0], max=DEPTH_RANGE[1],
                                  description="depth", style=style,
                                  tooltip="number of hidden layers")
        self._width = w.IntSlider(value=width, min=WIDTH_RANGE[0], max=WIDTH_RANGE[1],
                                  description="width", style=style,
                                  tooltip="units per hidden layer")
        self._activation = w.Dropdown(options=list(ACTIVATIONS), value=activation,
                                      description="activation", style=style)
        self._image = w.Image(format="png")
        self._text = w.HTML()
        self.widget = w.VBox([w.HBox([self._depth, self._width, self._activation]),
                              self._image, self._text])
        self.result: DepthResult | None = None
        for control in (self._depth, self._width, self._activation):
            control.observe(self._on_change, names="value")
        self.update()

    # the controls, settable from code
    @property
    def depth(self) -> int:
        return self._depth.value

    @depth.setter
    def depth(self, value: int) -> None:
        _check_settings(value, self.width, self.activation)
        self._depth.value = value

    @property
    def width(self) -> int:
        return self._width.value

    @width.setter
    def width(self, value: int) -> None:
        _check_settings(self.depth, value, self.activation)
        self._width.value = value

    @property
    def activation(self) -> str:
        return self._activation.value

    @activation.setter
    def activation(self, value: str) -> None:
        _check_settings(self.depth, self.width, value)
        self._activation.value = value

    # the numbers it shows
    @property
    def norms(self) -> np.ndarray:
        return self.result.norms

    @property
    def rel_error(self) -> float:
        return self.result.rel_error

    @property
    def rel_error_overall(self) -> float:
        return self.result.rel_error_overall

    @property
    def text(self) -> str:
        return summary(self.result)

    def _on_change(self, change) -> None:
        self.update()

    def update(self) -> None:
        """Recompute for the current controls and redraw."""
        from matplotlib.figure import Figure

        self.result = explore(self.depth, self.width, self.activation, self.seed)
        fig = Figure(figsize=(7, 3.2), layout="constrained")
        plot_result(self.result, fig.subplots())
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        self._image.value = buf.getvalue()
        self._text.value = f"<p>{summary(self.result)}</p>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
