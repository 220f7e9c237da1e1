r"""Depth explorer: how big is each layer's error vector, and does the gradient check pass?

The network has ``depth`` hidden layers of ``width`` units, each a :class:`~bpkit.layers.Linear`
followed by the chosen activation, then a linear output layer of 2 units, under the squared
error. For one input :math:`x` (4 numbers) and target :math:`t`, one backward pass gives every
layer's error vector :math:`\delta^l = \partial L / \partial z^l`, from the output error
:math:`\delta^D` (D = ``depth + 1`` layers; L is the loss) back to the first
layer through

.. math::

    \delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l).

The explorer (:class:`DepthExplorer`) shows :math:`\lVert \delta^l \rVert` layer by layer and
the gradient check of :func:`bpkit.gradcheck.check_model`: its largest relative error over the
parameter arrays, over the whole gradient, and layer by layer. Its controls are the depth, the
width, the activation, the initialisation of the hidden layers' weights (``"glorot"`` or
``"he"``) and the seed from which the weights, the input and the target are drawn.

The weights do not depend on the activation: for one depth, width, initialisation and seed,
sigmoid, tanh and ReLU networks start from the same numbers, so that switching the activation
changes nothing else. (Left to itself, :func:`build_network` picks the usual pairing, Glorot for
sigmoid and tanh and He for ReLU; the explorer starts from it and lets the reader change it.)

The drawing is ``js/depth.js`` (see :mod:`bpkit.widgets.frontend`). On the website, where there
is no kernel, the page draws its own weights, input and target from the seed with its own
generator (``Random`` and ``initLinear`` of ``js/port.js``, not NumPy's, so its numbers differ
from a notebook's for the same settings), and computes with ``depthState`` and ``depthCheck`` in
``js/depth.js``, which mirror :func:`depth_state` and :func:`depth_check` on whatever weights
they are given. The weights travel as the synced trait ``network``.

Headless use::

    explore(8, 8, "sigmoid").shrink       # the numbers, without a widget
    ex = DepthExplorer(depth=4, width=8, activation="sigmoid")
    ex.set(depth=8, activation="relu")    # moves the controls; recomputes once
    ex.norms, ex.rel_error, ex.layer_errors
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import traitlets

from ..gradcheck import check_model, rel_error
from ..layers import Linear, ReLU, Sigmoid, Tanh
from ..losses import SquaredError
from ..model import Sequential
from .frontend import BookWidget, _finite

__all__ = ["ACTIVATIONS", "INITS", "N_IN", "N_OUT", "DepthResult", "build_network",
           "error_vectors", "example", "make_network", "network_state", "network_from_state",
           "depth_state", "depth_check", "explore", "DepthExplorer"]

#: The activations to choose from, and the weight initialisation each one gets by default.
ACTIVATIONS = {"sigmoid": (Sigmoid, "glorot"), "tanh": (Tanh, "glorot"), "relu": (ReLU, "he")}
#: The initialisations of the hidden layers' weights (see :class:`bpkit.layers.Linear`).
INITS = ("glorot", "he")
#: Input and output sizes of the explored networks.
N_IN, N_OUT = 4, 2
#: Slider ranges (kept small so that the gradient check, two forward passes per parameter,
#: stays interactive).
DEPTH_RANGE, WIDTH_RANGE = (1, 10), (2, 32)
#: Seeds the page's generator can take (it keeps a 32-bit state).
SEED_LIMIT = 2**32 - 1
#: The step of the gradient check's centered differences (check_model's default).
CHECK_STEP = 1e-5
#: The keys of the controls that the weights, the input and the target depend on.
NETWORK_KEYS = ("depth", "width", "init", "seed")


def default_init(activation: str) -> str:
    """The initialisation usually paired with ``activation``: He for ReLU, else Glorot."""
    _check_settings(1, WIDTH_RANGE[0], activation)
    return ACTIVATIONS[activation][1]


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _check_settings(depth, width, activation, init="glorot", seed=0) -> None:
    lo, hi = DEPTH_RANGE
    if not _is_int(depth) or not lo <= depth <= hi:
        raise ValueError(f"depth must be an integer from {lo} to {hi}, got {depth!r}")
    lo, hi = WIDTH_RANGE
    if not _is_int(width) or not lo <= width <= hi:
        raise ValueError(f"width must be an integer from {lo} to {hi}, got {width!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if init not in INITS:
        raise ValueError(f"init must be one of {list(INITS)}, got {init!r}")
    if not _is_int(seed) or not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"seed must be an integer from 0 to {SEED_LIMIT - 1}, got {seed!r}")


def _settings(controls: dict) -> dict:
    """The five controls, checked, as plain Python values (the page sends 8 as 8 or 8.0)."""
    c = {k: controls[k] for k in ("depth", "width", "activation", "init", "seed")}
    for k in ("depth", "width", "seed"):
        if isinstance(c[k], float) and c[k].is_integer():
            c[k] = int(c[k])
    _check_settings(c["depth"], c["width"], c["activation"], c["init"], c["seed"])
    return {k: (int(v) if _is_int(v) else v) for k, v in c.items()}


def build_network(depth: int, width: int, activation: str, seed: int = 0,
                  init: str | None = None) -> Sequential:
    """``depth`` times (Linear, activation), then ``Linear(width, N_OUT)``; seeded weights.

    Shapes: input ``(N, N_IN)`` -> output ``(N, N_OUT)``. The hidden layers' weights start
    from ``init`` (``"glorot"`` or ``"he"``; by default Glorot for sigmoid and tanh, He for
    ReLU), the output layer's from Glorot; biases start at zero. The weights are drawn from
    ``np.random.default_rng(seed)`` and do not depend on ``activation``.
    """
    init = default_init(activation) if init is None else init
    _check_settings(depth, width, activation, init, seed)
    make = ACTIVATIONS[activation][0]
    rng = np.random.default_rng(seed)
    layers, n_in = [], N_IN
    for _ in range(depth):
        layers += [Linear(n_in, width, rng=rng, init=init), make()]
        n_in = width
    layers.append(Linear(n_in, N_OUT, rng=rng, init="glorot"))
    return Sequential(*layers)


def example(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The input ``x`` ``(1, N_IN)`` and target ``t`` ``(1, N_OUT)``: standard normal draws
    from ``np.random.default_rng(seed + 1)``."""
    rng = np.random.default_rng(seed + 1)
    return rng.standard_normal((1, N_IN)), rng.standard_normal((1, N_OUT))


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


# ------------------------------------------- the network as data (what the page receives)

def network_state(model: Sequential, x: np.ndarray, t: np.ndarray) -> dict:
    """The weights, input and target as lists: ``{"weights": [[W, b], ...], "x", "t"}``.

    One ``[W, b]`` pair per Linear layer, first layer first, ``W`` as a list of rows
    ``(n_out, n_in)``. JSON carries float64 numbers exactly, so :func:`network_from_state`
    rebuilds the same network.
    """
    weights = [[layer.W.tolist(), layer.b.tolist()] for layer in model.layers
               if isinstance(layer, Linear)]
    return {"weights": weights, "x": np.asarray(x, dtype=float).tolist(),
            "t": np.asarray(t, dtype=float).tolist()}


def make_network(controls: dict) -> dict:
    """The network of ``controls`` (depth, width, init, seed) as :func:`network_state` data.

    Weights from :func:`build_network`, input and target from :func:`example`. On the
    website ``makeNetwork`` in ``js/depth.js`` draws its own from the seed instead.
    """
    c = _settings(controls)
    model = build_network(c["depth"], c["width"], c["activation"], c["seed"], c["init"])
    return network_state(model, *example(c["seed"]))


def network_from_state(network: dict, activation: str) -> tuple[Sequential, np.ndarray,
                                                                    np.ndarray]:
    """Rebuild ``(model, x, t)`` from :func:`network_state` data, with ``activation`` between
    the Linear layers. Mirrored by ``networkModel`` in ``js/depth.js``."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    make = ACTIVATIONS[activation][0]
    weights = network["weights"]
    layers, n_in = [], N_IN
    for i, (W, b) in enumerate(weights):
        W, b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != n_in or b.shape != (W.shape[0],):
            raise ValueError(f"network_from_state: layer {i + 1} has W of shape {W.shape} and "
                             f"b of shape {b.shape}; expected W (n_out, {n_in}) and b (n_out,)")
        layer = Linear(W.shape[1], W.shape[0])
        layer.params["W"][...] = W
        layer.params["b"][...] = b
        layers.append(layer)
        if i < len(weights) - 1:
            layers.append(make())
        n_in = W.shape[0]
    if n_in != N_OUT:
        raise ValueError(f"network_from_state: the last layer has {n_in} outputs, expected "
                         f"{N_OUT}")
    x = np.array(network["x"], dtype=np.float64).reshape(1, N_IN)
    t = np.array(network["t"], dtype=np.float64).reshape(1, N_OUT)
    return Sequential(*layers), x, t


# ------------------------------------------------------------------ what the widget shows

def depth_check(controls: dict, network: dict) -> dict:
    """The gradient check of the network: :func:`bpkit.gradcheck.check_model` in numbers.

    Returns ``{"rel_error": the largest relative error over the parameter arrays
    (check_model(...).max_rel_error), "rel_error_overall": the relative error of the whole
    gradient as one vector, "near_kink": whether an input of a ReLU lies so near 0 that a
    finite difference may cross it, "layers": per Linear layer, the larger of its W's and
    b's relative errors}``. Mirrored by ``depthCheck`` in ``js/depth.js``.
    """
    model, x, t = network_from_state(network, controls["activation"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check_model(model, SquaredError(), x, t, eps=CHECK_STEP)
    analytic = np.concatenate([c.analytic.ravel() for c in report.values()])
    numeric = np.concatenate([c.numeric.ravel() for c in report.values()])
    layers = [max(report[f"{i}.W"].rel_error, report[f"{i}.b"].rel_error)
              for i, layer in enumerate(model.layers) if isinstance(layer, Linear)]
    return {"rel_error": report.max_rel_error,
            "rel_error_overall": rel_error(analytic, numeric),
            "near_kink": any("kink" in str(w.message) for w in caught),
            "layers": layers}


def depth_state(controls: dict, network: dict, check: bool = True) -> dict:
    r"""What the explorer shows for ``controls`` on the weights of ``network``.

    Returns ``{"depth", "width", "activation", "init", "seed"}`` (the settings these numbers
    are for), ``"norms"``: :math:`\lVert\delta^l\rVert` for l = 1 .. depth + 1 (the last is the
    output layer), ``"shrink"``: :math:`\lVert\delta^1\rVert / \lVert\delta^D\rVert` (NaN when
    the output error is 0), ``"n_params"`` and ``"check"``: :func:`depth_check`, or None with
    ``check=False`` (the page runs the check a moment after the controls come to rest).
    Mirrored by ``depthState`` in ``js/depth.js``.
    """
    c = _settings(controls)
    model, x, t = network_from_state(network, c["activation"])
    if len(model.layers) != 2 * c["depth"] + 1 or model.layers[0].n_out != c["width"]:
        raise ValueError(f"depth_state: the network does not have depth {c['depth']} and "
                         f"width {c['width']}")
    norms = [float(np.linalg.norm(d)) for d in error_vectors(model, SquaredError(), x, t)]
    shrink = norms[0] / norms[-1] if norms[-1] > 0 else math.nan
    return {**c, "norms": norms, "shrink": shrink, "n_params": model.n_params,
            "check": depth_check(c, network) if check else None}


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
    #: The hidden layers' initialisation, ``"glorot"`` or ``"he"``.
    init: str = "glorot"
    seed: int = 0
    #: Per Linear layer, the gradient check's larger relative error of its W and b.
    layer_errors: tuple = ()

    @property
    def shrink(self) -> float:
        """:math:`\\lVert\\delta^1\\rVert / \\lVert\\delta^D\\rVert` (D: the output layer).

        Below 1 the error shrinks on its way back to the first layer.
        """
        return float(self.norms[0] / self.norms[-1]) if self.norms[-1] > 0 else math.nan

    @classmethod
    def from_state(cls, state: dict) -> DepthResult:
        """From a :func:`depth_state` dict that holds a check."""
        check = state["check"]
        return cls(state["depth"], state["width"], state["activation"],
                   np.array(state["norms"], dtype=float), check["rel_error"],
                   check["rel_error_overall"], state["n_params"], check["near_kink"],
                   state["init"], state["seed"], tuple(check["layers"]))


def explore(depth: int = 3, width: int = 8, activation: str = "sigmoid", seed: int = 0,
            init: str | None = None) -> DepthResult:
    """Build the network, take one seeded input and target, return the error sizes and check.

    The weights come from :func:`build_network` (``init`` defaults to the activation's usual
    one), the input and target from :func:`example`; :class:`DepthExplorer` computes the same.
    """
    init = default_init(activation) if init is None else init
    controls = {"depth": depth, "width": width, "activation": activation, "init": init,
                "seed": seed}
    return DepthResult.from_state(depth_state(controls, make_network(controls)))


def _fmt(v) -> str:
    return "not finite" if v is None or not math.isfinite(v) else f"{v:.3g}"


def summary(state: dict) -> str:
    """The numbers of a :func:`depth_state` dict in one paragraph (the drawing in words)."""
    sizes = ", ".join(_fmt(v) for v in state["norms"])
    text = (f"{state['depth']} hidden layers of {state['width']} {state['activation']} units "
            f"({state['init'].capitalize()} initial weights, seed {state['seed']}), "
            f"{state['n_params']} parameters. Error vector sizes, layer 1 to the output: "
            f"{sizes}. The first layer's error is {_fmt(state['shrink'])} times the output "
            "layer's.")
    check = state["check"]
    if check is None:
        return text + " Gradient check: not run yet."
    text += (f" Gradient check: largest relative error per parameter array "
             f"{check['rel_error']:.1e}, over the whole gradient "
             f"{check['rel_error_overall']:.1e}")
    if check["near_kink"]:
        text += (" (an input of a ReLU lies within 1e-4 of its kink, so this check may be "
                 "pessimistic)")
    text += "."
    if check["rel_error"] > 1e-6 and check["rel_error_overall"] < 1e-6:
        text += (" The per-array error is large only because the first layers' gradients are "
                 "tiny: the finite differences' round-off (about 1e-11) is no longer small "
                 "beside them; the backward pass is still right.")
    return text


class DepthExplorer(BookWidget):
    """Depth and width sliders, menus for the activation and the initialisation; the size of
    every layer's error vector and the gradient check.

    Parameters
    ----------
    depth, width : int
        Hidden layers (1 to 10) and units per hidden layer (2 to 32).
    activation : str
        ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
    init : str, optional
        ``"glorot"`` or ``"he"``, for the hidden layers' weights; by default the activation's
        usual one (Glorot for sigmoid and tanh, He for ReLU).
    seed : int
        Where the weights, the input and the target are drawn from (:func:`make_network`).

    Attributes
    ----------
    controls : dict
        ``{"depth", "width", "activation", "init", "seed"}``; set them with :meth:`set`.
    result : dict
        What bpkit computed from them, see :func:`depth_state` (synced with the page).
    network : dict
        The weights, input and target the result was computed on (synced with the page).
    norms, shrink, n_params, rel_error, rel_error_overall, near_kink, layer_errors
        The numbers the explorer shows, by name.
    """

    _widget = "depth"
    _actions = ("check", "new_seed", "reset")
    _page_traits = ("controls", "initial", "result", "network")
    network = traitlets.Dict().tag(sync=True)

    def __init__(self, depth: int = 3, width: int = 8, activation: str = "sigmoid",
                 init: str | None = None, seed: int = 0):
        init = default_init(activation) if init is None else init
        _check_settings(depth, width, activation, init, seed)
        self._network = None
        super().__init__({"depth": int(depth), "width": int(width), "activation": activation,
                          "init": init, "seed": int(seed)})

    # ------------------------------------------------------------------ state

    def compute(self, controls: dict, check: bool = True) -> dict:
        """bpkit's numbers for ``controls``; keeps the network they were computed on."""
        self._network = make_network(controls)
        return depth_state(controls, self._network, check=check)

    def _recompute(self, restart: bool, check: bool = True) -> None:
        result = _finite(self.compute(self.controls, check=check))
        with self.hold_sync():
            self.network = self._network
            self.result = result

    def _on_controls(self, change) -> None:
        # The front-end moved a control: the error sizes now, the gradient check when the
        # front-end asks for it (a moment after the controls come to rest), as on the page.
        if not self._holding:
            self._recompute(restart=True, check=False)

    def set(self, **controls) -> None:
        """Move controls from code, e.g. ``ex.set(depth=8, activation="relu", init="he")``.

        Everything, the gradient check included, is recomputed once.
        """
        unknown = sorted(set(controls) - {"depth", "width", "activation", "init", "seed"})
        if unknown:
            raise ValueError(f"DepthExplorer: unknown control(s) {unknown}; expected some of "
                             "depth, width, activation, init, seed")
        _settings({**self.controls, **controls})
        self._set_controls(controls)

    def check(self) -> dict:
        """Run the gradient check for the current controls, if it has not run yet.

        (What the front-end asks for after the controls rest; :meth:`set` runs it at once.)
        """
        if self.result.get("check") is None:
            self.result = {**self.result,
                           "check": _finite(depth_check(self.controls, self.network))}
        return self.result["check"]

    def new_seed(self) -> None:
        """Draw new weights, input and target: the seed goes up by one."""
        self._set_controls({"seed": (self.controls["seed"] + 1) % SEED_LIMIT})

    # ------------------------------------------------------- the numbers by name

    @property
    def depth(self) -> int:
        return self.controls["depth"]

    @property
    def width(self) -> int:
        return self.controls["width"]

    @property
    def activation(self) -> str:
        return self.controls["activation"]

    @property
    def init(self) -> str:
        return self.controls["init"]

    @property
    def seed(self) -> int:
        return self.controls["seed"]

    @property
    def norms(self) -> np.ndarray:
        r""":math:`\lVert\delta^l\rVert` for l = 1 .. depth + 1."""
        return np.array(self.result["norms"], dtype=float)

    @property
    def shrink(self) -> float:
        shrink = self.result["shrink"]
        return math.nan if shrink is None else shrink

    @property
    def n_params(self) -> int:
        return self.result["n_params"]

    @property
    def rel_error(self) -> float:
        return self.check()["rel_error"]

    @property
    def rel_error_overall(self) -> float:
        return self.check()["rel_error_overall"]

    @property
    def near_kink(self) -> bool:
        return self.check()["near_kink"]

    @property
    def layer_errors(self) -> list[float]:
        return list(self.check()["layers"])

    @property
    def text(self) -> str:
        """The numbers shown, in words."""
        return summary(self.result)

    def describe(self) -> str:
        """The drawing in words (the website's text before its script runs)."""
        return ("Bars on a logarithmic scale: the size of each layer's error vector, "
                + summary(self.result))

    def __repr__(self) -> str:
        c = self.controls
        return (f"DepthExplorer(depth={c['depth']}, width={c['width']}, "
                f"activation={c['activation']!r}, init={c['init']!r}, seed={c['seed']})")
