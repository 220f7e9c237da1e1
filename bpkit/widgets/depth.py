r"""Depth explorer: how big is each layer's error vector, how spread out is each layer's
output, and does the gradient check pass?

The network has ``depth`` hidden layers of ``width`` units, each a :class:`~bpkit.layers.Linear`
followed by the chosen activation, then a linear output layer of 2 units, under the squared
error. For a batch of ``batch`` inputs :math:`x` (4 numbers each) and targets :math:`t`, one
backward pass gives every layer's error vector :math:`\delta^l = \partial L / \partial z^l`,
from the output error :math:`\delta^D` (D = ``depth + 1`` layers; L is the loss) back to the
first layer through

.. math::

    \delta^l = \big((W^{l+1})^\top \delta^{l+1}\big) \odot \sigma'(z^l).

The explorer (:class:`DepthExplorer`) shows :math:`\lVert \delta^l \rVert` layer by layer, the
spread (standard deviation over the batch and the units) of every layer's output :math:`a^l`,
and the gradient check of :func:`bpkit.gradcheck.check_model`: its largest relative error over
the parameter arrays, over the whole gradient, and layer by layer (for networks small enough,
:func:`checkable`). Its controls are the depth, the width, the activation, the initialisation
of the hidden layers' weights (``"glorot"`` or ``"he"``), and Chapter 6's switches: a
normalisation between each hidden Linear layer and its activation (``norm``: ``"none"``,
``"batch"`` for :class:`~bpkit.layers.BatchNorm` in training mode, ``"layer"`` for
:class:`~bpkit.layers.LayerNorm`), residual connections (``residual``: every hidden layer but
the first wrapped in :class:`~bpkit.layers.Residual`), the number of examples ``batch``, and the
seed from which the weights, the inputs and the targets are drawn. With the switches at their
defaults (no normalisation, no skips, one example) it is Chapter 3's explorer, number for
number.

The weights do not depend on the activation, the normalisation or the skips: for one depth,
width, initialisation and seed, every network starts from the same numbers, so that a switch
changes nothing else. (Left to itself, :func:`build_network` picks the usual pairing, Glorot
for sigmoid and tanh and He for ReLU; the explorer starts from it and lets the reader change
it.)

The drawing is ``js/depth.js`` (see :mod:`bpkit.widgets.frontend`). On the website, where there
is no kernel, the page draws its own weights, inputs and targets from the seed with its own
generator (``Random`` and ``initLinear`` of ``js/port.js``, not NumPy's, so its numbers differ
from a notebook's for the same settings), and computes with ``depthState`` and ``depthCheck`` in
``js/depth.js`` (and port.js's ``BatchNorm``, ``LayerNorm`` and ``Residual``), which mirror
:func:`depth_state` and :func:`depth_check` on whatever weights they are given. The weights
travel as the synced trait ``network``.

Headless use::

    explore(8, 8, "sigmoid").shrink       # the numbers, without a widget
    explore(50, 16, "sigmoid", norm="batch", batch=16).spreads
    ex = DepthExplorer(depth=4, width=8, activation="sigmoid")
    ex.set(depth=8, activation="relu")    # moves the controls; recomputes once
    ex.norms, ex.spreads, ex.rel_error, ex.layer_errors
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import traitlets

from ..gradcheck import check_model, rel_error
from ..layers import BatchNorm, LayerNorm, Linear, ReLU, Residual, Sigmoid, Tanh
from ..losses import SquaredError
from ..model import Sequential
from .frontend import BookWidget, _finite

__all__ = ["ACTIVATIONS", "INITS", "NORMS", "N_IN", "N_OUT", "DepthResult", "build_network",
           "error_vectors", "layer_values", "example", "make_network", "network_state",
           "network_from_state", "checkable", "depth_state", "depth_check", "explore",
           "DepthExplorer"]

#: The activations to choose from, and the weight initialisation each one gets by default.
ACTIVATIONS = {"sigmoid": (Sigmoid, "glorot"), "tanh": (Tanh, "glorot"), "relu": (ReLU, "he")}
#: The initialisations of the hidden layers' weights (see :class:`bpkit.layers.Linear`).
INITS = ("glorot", "he")
#: The normalisation layer put between each hidden Linear layer and its activation.
NORMS = {"none": None, "batch": BatchNorm, "layer": LayerNorm}
#: Input and output sizes of the explored networks.
N_IN, N_OUT = 4, 2
#: Slider ranges: hidden layers, units per hidden layer, examples in the batch.
DEPTH_RANGE, WIDTH_RANGE, BATCH_RANGE = (1, 50), (2, 32), (1, 64)
#: The gradient check (two forward passes per parameter, each about n_params * batch
#: multiplications) runs when n_params**2 * batch is at most this: every network of
#: Chapter 3 (depth 10 and width 32 at most, one example) and small batches of small
#: networks. Beyond it the check would keep the page busy for seconds to minutes.
CHECK_LIMIT = 10**8
#: The defaults of the switches Chapter 6 adds (Chapter 3's networks: one example, no
#: normalisation, no skips).
SWITCH_DEFAULTS = {"norm": "none", "residual": False, "batch": 1}
#: Every control, in order.
CONTROL_KEYS = ("depth", "width", "activation", "init", "norm", "residual", "batch", "seed")
#: Seeds the page's generator can take (it keeps a 32-bit state).
SEED_LIMIT = 2**32 - 1
#: The step of the gradient check's centered differences (check_model's default).
CHECK_STEP = 1e-5
#: The keys of the controls that the weights, the inputs and the targets depend on (not the
#: activation, the normalisation or the skips: they change the layers between the weights).
NETWORK_KEYS = ("depth", "width", "init", "batch", "seed")


def default_init(activation: str) -> str:
    """The initialisation usually paired with ``activation``: He for ReLU, else Glorot."""
    _check_settings(1, WIDTH_RANGE[0], activation)
    return ACTIVATIONS[activation][1]


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _check_settings(depth, width, activation, init="glorot", seed=0, norm="none",
                    residual=False, batch=1) -> None:
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
    if not isinstance(norm, str) or norm not in NORMS:
        raise ValueError(f"norm must be one of {list(NORMS)}, got {norm!r}")
    if not isinstance(residual, (bool, np.bool_)):
        raise ValueError(f"residual must be True or False, got {residual!r}")
    lo, hi = BATCH_RANGE
    if not _is_int(batch) or not lo <= batch <= hi:
        raise ValueError(f"batch must be an integer from {lo} to {hi}, got {batch!r}")
    if norm == "batch" and batch < 2:
        raise ValueError(f"norm='batch' needs a batch of at least 2 examples (batch norm "
                         f"standardises each unit over the batch), got batch={batch}")


def _settings(controls: dict) -> dict:
    """The controls, checked, as plain Python values (the page sends 8 as 8 or 8.0).

    The switches of Chapter 6 (norm, residual, batch) take their defaults when missing."""
    c = {k: controls.get(k, SWITCH_DEFAULTS.get(k)) for k in CONTROL_KEYS}
    missing = [k for k in CONTROL_KEYS if k not in SWITCH_DEFAULTS and k not in controls]
    if missing:
        raise ValueError(f"the depth explorer's controls need {missing}, got only "
                         f"{sorted(controls)}")
    for k in ("depth", "width", "seed", "batch"):
        if isinstance(c[k], float) and c[k].is_integer():
            c[k] = int(c[k])
    _check_settings(c["depth"], c["width"], c["activation"], c["init"], c["seed"], c["norm"],
                    c["residual"], c["batch"])
    c["residual"] = bool(c["residual"])
    return {k: (int(v) if _is_int(v) else v) for k, v in c.items()}


def _stack(linears: list[Linear], activation: str, norm: str = "none",
           residual: bool = False) -> Sequential:
    r"""The explored network around its Linear layers (the last one is the output layer).

    Hidden layer l is ``Linear``, then the normalisation (``BatchNorm`` or ``LayerNorm``
    of ``width`` features, if any), then the activation. With ``residual``, every hidden
    layer whose input has its own width (all but the first, which maps the N_IN inputs to
    ``width``) is wrapped in ``Residual``: :math:`a^l = a^{l-1} + \phi(\mathrm{norm}(z^l))`.
    Shared by :func:`build_network` and :func:`network_from_state`.
    """
    make, make_norm = ACTIVATIONS[activation][0], NORMS[norm]
    layers = []
    for lin in linears[:-1]:
        block = [lin] + ([make_norm(lin.n_out)] if make_norm else []) + [make()]
        if residual and lin.n_in == lin.n_out:
            layers.append(Residual(Sequential(*block)))
        else:
            layers += block
    layers.append(linears[-1])
    return Sequential(*layers)


def build_network(depth: int, width: int, activation: str, seed: int = 0,
                  init: str | None = None, norm: str = "none",
                  residual: bool = False) -> Sequential:
    """``depth`` hidden layers (Linear, [norm], activation), then ``Linear(width, N_OUT)``.

    Shapes: input ``(N, N_IN)`` -> output ``(N, N_OUT)``. The hidden layers' weights start
    from ``init`` (``"glorot"`` or ``"he"``; by default Glorot for sigmoid and tanh, He for
    ReLU), the output layer's from Glorot; biases start at zero, the normalisations' scales
    at 1 and shifts at 0. The weights are drawn from ``np.random.default_rng(seed)`` and do
    not depend on ``activation``, ``norm`` or ``residual`` (see :func:`_stack`).
    """
    init = default_init(activation) if init is None else init
    # the batch is not the network's: checked where the data is drawn (example, _settings)
    _check_settings(depth, width, activation, init, seed, norm, residual,
                    batch=BATCH_RANGE[1])
    rng = np.random.default_rng(seed)
    linears, n_in = [], N_IN
    for _ in range(depth):
        linears.append(Linear(n_in, width, rng=rng, init=init))
        n_in = width
    linears.append(Linear(n_in, N_OUT, rng=rng, init="glorot"))
    return _stack(linears, activation, norm, residual)


def example(seed: int = 0, batch: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The inputs ``x`` ``(batch, N_IN)`` and targets ``t`` ``(batch, N_OUT)``: standard
    normal draws from ``np.random.default_rng(seed + 1)``, x first."""
    if not _is_int(batch) or batch < 1:
        raise ValueError(f"example: batch (the number of examples) must be a positive "
                         f"integer, got {batch!r}")
    rng = np.random.default_rng(seed + 1)
    return rng.standard_normal((batch, N_IN)), rng.standard_normal((batch, N_OUT))


def _forward_recording(layers, x, spreads):
    """Run ``layers`` forward; append the std of every hidden layer's output a^l."""
    for layer in layers:
        x = layer.forward(x)
        if isinstance(layer, (Residual, *(a for a, _ in ACTIVATIONS.values()))):
            spreads.append(float(np.std(x)))
    return x


def _backward_recording(layers, d, deltas):
    """Run the backward passes of ``layers`` in reverse from d; append (last layer first)
    the gradient arriving at each Linear layer's output. A ``Residual`` is followed into its
    branch: its backward is ``dy + branch.backward(dy)`` (:meth:`bpkit.layers.Residual.backward`),
    the branch's layers run one by one so that their Linear layer's delta is seen."""
    for layer in reversed(layers):
        if isinstance(layer, Residual):
            d = d + _backward_recording(layer.inner.layers, d, deltas)
            continue
        if isinstance(layer, Linear):
            deltas.append(np.array(d, copy=True))
        d = layer.backward(d)
    return d


def layer_values(model: Sequential, loss, x: np.ndarray,
                 t: np.ndarray) -> tuple[list[float], list[np.ndarray]]:
    r"""One forward and one backward pass: the spreads and the error vectors, layer by layer.

    Returns ``(spreads, deltas)``, first layer first. ``spreads[l - 1]`` is the standard
    deviation of hidden layer l's output :math:`a^l` (``(N, width)``) over the batch and the
    units, the last entry that of the output y ``(N, N_OUT)``. ``deltas[l - 1]`` is
    :math:`\delta^l = \partial L/\partial z^l` at Linear layer l's output, ``(N, n_out)``.
    """
    spreads = []
    y = _forward_recording(model.layers, np.asarray(x, dtype=np.float64), spreads)
    spreads.append(float(np.std(y)))
    loss.forward(y, t)
    deltas = []
    _backward_recording(model.layers, loss.backward(), deltas)
    return spreads, deltas[::-1]


def error_vectors(model: Sequential, loss, x: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
    r"""Every Linear layer's error :math:`\delta^l = \partial L/\partial z^l`, first layer first.

    Runs one forward and one backward pass, layer by layer, keeping the gradient that
    arrives at each Linear layer's output. Each array has that layer's output shape
    ``(N, n_out)``. (The second half of :func:`layer_values`.)
    """
    return layer_values(model, loss, x, t)[1]


# ------------------------------------------- the network as data (what the page receives)

def _linears(layers) -> list[Linear]:
    """The Linear layers of ``layers``, first first, those inside a Residual's branch too."""
    found = []
    for layer in layers:
        if isinstance(layer, Residual):
            found += _linears(layer.inner.layers)
        elif isinstance(layer, Linear):
            found.append(layer)
    return found


def network_state(model: Sequential, x: np.ndarray, t: np.ndarray) -> dict:
    """The weights, inputs and targets as lists: ``{"weights": [[W, b], ...], "x", "t"}``.

    One ``[W, b]`` pair per Linear layer, first layer first, ``W`` as a list of rows
    ``(n_out, n_in)``; x ``(N, N_IN)`` and t ``(N, N_OUT)`` as lists of rows. JSON carries
    float64 numbers exactly, so :func:`network_from_state` rebuilds the same network.
    """
    weights = [[layer.W.tolist(), layer.b.tolist()] for layer in _linears(model.layers)]
    return {"weights": weights, "x": np.asarray(x, dtype=float).tolist(),
            "t": np.asarray(t, dtype=float).tolist()}


def make_network(controls: dict) -> dict:
    """The network of ``controls`` (depth, width, init, batch, seed) as
    :func:`network_state` data.

    Weights from :func:`build_network`, inputs and targets from :func:`example`. On the
    website ``makeNetwork`` in ``js/depth.js`` draws its own from the seed instead.
    """
    c = _settings(controls)
    model = build_network(c["depth"], c["width"], c["activation"], c["seed"], c["init"])
    return network_state(model, *example(c["seed"], c["batch"]))


def network_from_state(network: dict, activation: str, norm: str = "none",
                       residual: bool = False) -> tuple[Sequential, np.ndarray, np.ndarray]:
    """Rebuild ``(model, x, t)`` from :func:`network_state` data, with ``activation`` (and
    ``norm``, ``residual``: see :func:`_stack`) around the Linear layers. Mirrored by
    ``networkModel`` in ``js/depth.js``."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {list(NORMS)}, got {norm!r}")
    weights = network["weights"]
    linears, n_in = [], N_IN
    for i, (W, b) in enumerate(weights):
        W, b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != n_in or b.shape != (W.shape[0],):
            raise ValueError(f"network_from_state: layer {i + 1} has W of shape {W.shape} and "
                             f"b of shape {b.shape}; expected W (n_out, {n_in}) and b (n_out,)")
        layer = Linear(W.shape[1], W.shape[0])
        layer.params["W"][...] = W
        layer.params["b"][...] = b
        linears.append(layer)
        n_in = W.shape[0]
    if n_in != N_OUT:
        raise ValueError(f"network_from_state: the last layer has {n_in} outputs, expected "
                         f"{N_OUT}")
    x = np.array(network["x"], dtype=np.float64)
    t = np.array(network["t"], dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != N_IN or t.shape != (x.shape[0], N_OUT):
        raise ValueError(f"network_from_state: expected x of shape (N, {N_IN}) and t of shape "
                         f"(N, {N_OUT}), got {x.shape} and {t.shape}")
    if norm == "batch" and x.shape[0] < 2:
        raise ValueError(f"network_from_state: norm='batch' needs a batch of at least 2 "
                         f"examples, got {x.shape[0]}")
    return _stack(linears, activation, norm, residual), x, t


# ------------------------------------------------------------------ what the widget shows

def checkable(n_params: int, batch: int) -> bool:
    """Whether the explorer runs the gradient check: n_params**2 * batch <= CHECK_LIMIT."""
    return n_params * n_params * batch <= CHECK_LIMIT


def depth_check(controls: dict, network: dict) -> dict:
    """The gradient check of the network: :func:`bpkit.gradcheck.check_model` in numbers.

    Returns ``{"rel_error": the largest relative error over the parameter arrays
    (check_model(...).max_rel_error), "rel_error_overall": the relative error of the whole
    gradient as one vector, "near_kink": whether an input of a ReLU (one not inside a
    residual branch: check_model looks at the model's own layers) lies so near 0 that a
    finite difference may cross it, "layers": per Linear layer, the larger of its W's and
    b's relative errors}``. Mirrored by ``depthCheck`` in ``js/depth.js``.
    """
    c = _settings(controls)
    model, x, t = network_from_state(network, c["activation"], c["norm"], c["residual"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = check_model(model, SquaredError(), x, t, eps=CHECK_STEP)
    analytic = np.concatenate([c.analytic.ravel() for c in report.values()])
    numeric = np.concatenate([c.numeric.ravel() for c in report.values()])
    layers = [max(report[k].rel_error, report[k[:-1] + "b"].rel_error)
              for k in report if k.endswith(".W")]
    return {"rel_error": report.max_rel_error,
            "rel_error_overall": rel_error(analytic, numeric),
            "near_kink": any("kink" in str(w.message) for w in caught),
            "layers": layers}


def depth_state(controls: dict, network: dict, check: bool = True) -> dict:
    r"""What the explorer shows for ``controls`` on the weights of ``network``.

    Returns the settings these numbers are for (``"depth", "width", "activation", "init",
    "norm", "residual", "batch", "seed"``), ``"norms"``: :math:`\lVert\delta^l\rVert`
    (over the batch and the units) for l = 1 .. depth + 1 (the last is the output layer),
    ``"spreads"``: the standard deviation of each hidden layer's output :math:`a^l` over the
    batch and the units, and last of the output y (see :func:`layer_values`), ``"shrink"``:
    :math:`\lVert\delta^1\rVert / \lVert\delta^D\rVert` (NaN when the output error is 0),
    ``"n_params"``, ``"checkable"``: whether the gradient check runs at this size
    (:func:`checkable`), and ``"check"``: :func:`depth_check`, or None with ``check=False``
    or when not checkable (the page runs the check a moment after the controls come to
    rest). Mirrored by ``depthState`` in ``js/depth.js``.
    """
    c = _settings(controls)
    model, x, t = network_from_state(network, c["activation"], c["norm"], c["residual"])
    linears = _linears(model.layers)
    if (len(linears) != c["depth"] + 1 or linears[0].n_out != c["width"]
            or x.shape[0] != c["batch"]):
        raise ValueError(f"depth_state: the network does not have depth {c['depth']}, width "
                         f"{c['width']} and batch {c['batch']}")
    spreads, deltas = layer_values(model, SquaredError(), x, t)
    norms = [float(np.linalg.norm(d)) for d in deltas]
    shrink = norms[0] / norms[-1] if norms[-1] > 0 else math.nan
    can = checkable(model.n_params, c["batch"])
    return {**c, "norms": norms, "spreads": spreads, "shrink": shrink,
            "n_params": model.n_params, "checkable": can,
            "check": depth_check(c, network) if check and can else None}


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
    #: The std of each hidden layer's output a^l over the batch and units, then of y.
    spreads: np.ndarray = None
    #: The normalisation ("none", "batch" or "layer"), the skips, the examples.
    norm: str = "none"
    residual: bool = False
    batch: int = 1

    @property
    def shrink(self) -> float:
        """:math:`\\lVert\\delta^1\\rVert / \\lVert\\delta^D\\rVert` (D: the output layer).

        Below 1 the error shrinks on its way back to the first layer.
        """
        return float(self.norms[0] / self.norms[-1]) if self.norms[-1] > 0 else math.nan

    @classmethod
    def from_state(cls, state: dict) -> DepthResult:
        """From a :func:`depth_state` dict (without a check: NaN errors, no layer errors)."""
        check = state["check"] or {"rel_error": math.nan, "rel_error_overall": math.nan,
                                   "near_kink": False, "layers": []}
        return cls(state["depth"], state["width"], state["activation"],
                   np.array(state["norms"], dtype=float), check["rel_error"],
                   check["rel_error_overall"], state["n_params"], check["near_kink"],
                   state["init"], state["seed"], tuple(check["layers"]),
                   np.array(state["spreads"], dtype=float), state["norm"], state["residual"],
                   state["batch"])


def explore(depth: int = 3, width: int = 8, activation: str = "sigmoid", seed: int = 0,
            init: str | None = None, norm: str = "none", residual: bool = False,
            batch: int = 1) -> DepthResult:
    """Build the network, take a batch of seeded inputs and targets, return the error
    sizes, the spreads and the gradient check (when :func:`checkable`).

    The weights come from :func:`build_network` (``init`` defaults to the activation's usual
    one), the inputs and targets from :func:`example`; :class:`DepthExplorer` computes the
    same.
    """
    init = default_init(activation) if init is None else init
    controls = {"depth": depth, "width": width, "activation": activation, "init": init,
                "norm": norm, "residual": residual, "batch": batch, "seed": seed}
    return DepthResult.from_state(depth_state(controls, make_network(controls)))


def _fmt(v) -> str:
    return "not finite" if v is None or not math.isfinite(v) else f"{v:.3g}"


def setting_words(state: dict) -> str:
    """The network of a :func:`depth_state` dict in words."""
    norm = {"none": "", "batch": ", batch norm", "layer": ", layer norm"}[state["norm"]]
    skips = ", residual connections" if state["residual"] else ""
    examples = "one example" if state["batch"] == 1 else f"a batch of {state['batch']} examples"
    return (f"{state['depth']} hidden layers of {state['width']} {state['activation']} units "
            f"({state['init'].capitalize()} initial weights{norm}{skips}, seed "
            f"{state['seed']}), {state['n_params']} parameters, {examples}")


def summary(state: dict) -> str:
    """The numbers of a :func:`depth_state` dict in one paragraph (the drawing in words)."""
    sizes = ", ".join(_fmt(v) for v in state["norms"])
    spreads = ", ".join(_fmt(v) for v in state["spreads"])
    text = (f"{setting_words(state)}. Error vector sizes, layer 1 to the output: "
            f"{sizes}. The first layer's error is {_fmt(state['shrink'])} times the output "
            f"layer's. Spread (standard deviation) of each layer's output, layer 1 to the "
            f"output: {spreads}.")
    check = state["check"]
    if not state["checkable"]:
        return text + (" Gradient check: not run for a network this large "
                       f"(n_params squared times the batch is above {CHECK_LIMIT:.0e}).")
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
    """Depth, width and batch sliders, menus for the activation, the initialisation and the
    normalisation, a switch for residual connections; the size of every layer's error
    vector, the spread of every layer's output, and the gradient check.

    Parameters
    ----------
    depth, width : int
        Hidden layers (1 to 50) and units per hidden layer (2 to 32).
    activation : str
        ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
    init : str, optional
        ``"glorot"`` or ``"he"``, for the hidden layers' weights; by default the activation's
        usual one (Glorot for sigmoid and tanh, He for ReLU).
    norm : str
        ``"none"`` (the default), ``"batch"`` (needs ``batch`` >= 2) or ``"layer"``: the
        normalisation between each hidden Linear layer and its activation.
    residual : bool
        Wrap every hidden layer but the first in :class:`bpkit.layers.Residual`.
    batch : int
        The number of examples (1 to 64; 1 by default, Chapter 3's single example).
    seed : int
        Where the weights, the inputs and the targets are drawn from (:func:`make_network`).

    Attributes
    ----------
    controls : dict
        ``{"depth", "width", "activation", "init", "norm", "residual", "batch", "seed"}``;
        set them with :meth:`set`.
    result : dict
        What bpkit computed from them, see :func:`depth_state` (synced with the page).
    network : dict
        The weights, inputs and targets the result was computed on (synced with the page).
    norms, spreads, shrink, n_params, rel_error, rel_error_overall, near_kink, layer_errors
        The numbers the explorer shows, by name (the check's are NaN when not
        :func:`checkable`).
    """

    _widget = "depth"
    _actions = ("check", "new_seed", "reset")
    _page_traits = ("controls", "initial", "result", "network")
    network = traitlets.Dict().tag(sync=True)

    def __init__(self, depth: int = 3, width: int = 8, activation: str = "sigmoid",
                 init: str | None = None, seed: int = 0, norm: str = "none",
                 residual: bool = False, batch: int = 1):
        init = default_init(activation) if init is None else init
        c = _settings({"depth": depth, "width": width, "activation": activation, "init": init,
                       "norm": norm, "residual": residual, "batch": batch, "seed": seed})
        self._network = None
        super().__init__(c)

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
        """Move controls from code, e.g. ``ex.set(depth=50, norm="batch", batch=32)``.

        Everything, the gradient check included (when :func:`checkable`), is recomputed once.
        """
        unknown = sorted(set(controls) - set(CONTROL_KEYS))
        if unknown:
            raise ValueError(f"DepthExplorer: unknown control(s) {unknown}; expected some of "
                             + ", ".join(CONTROL_KEYS))
        _settings({**self.controls, **controls})
        self._set_controls(controls)

    def check(self) -> dict | None:
        """Run the gradient check for the current controls, if it has not run yet; None
        when the network is too large to check (:func:`checkable`).

        (What the front-end asks for after the controls rest; :meth:`set` runs it at once.)
        """
        if not self.result["checkable"]:
            return None
        if self.result.get("check") is None:
            self.result = {**self.result,
                           "check": _finite(depth_check(self.controls, self.network))}
        return self.result["check"]

    def new_seed(self) -> None:
        """Draw new weights, inputs and targets: the seed goes up by one."""
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
    def norm(self) -> str:
        return self.controls["norm"]

    @property
    def residual(self) -> bool:
        return self.controls["residual"]

    @property
    def batch(self) -> int:
        return self.controls["batch"]

    @property
    def seed(self) -> int:
        return self.controls["seed"]

    @property
    def norms(self) -> np.ndarray:
        r""":math:`\lVert\delta^l\rVert` for l = 1 .. depth + 1."""
        return np.array(self.result["norms"], dtype=float)

    @property
    def spreads(self) -> np.ndarray:
        """The std of each hidden layer's output over the batch and units, then of y."""
        return np.array(self.result["spreads"], dtype=float)

    @property
    def shrink(self) -> float:
        shrink = self.result["shrink"]
        return math.nan if shrink is None else shrink

    @property
    def n_params(self) -> int:
        return self.result["n_params"]

    def _checked(self, key):
        check = self.check()
        return math.nan if check is None else check[key]

    @property
    def rel_error(self) -> float:
        return self._checked("rel_error")

    @property
    def rel_error_overall(self) -> float:
        return self._checked("rel_error_overall")

    @property
    def near_kink(self) -> bool:
        return bool(self.check() and self.check()["near_kink"])

    @property
    def layer_errors(self) -> list[float]:
        check = self.check()
        return [] if check is None else list(check["layers"])

    @property
    def text(self) -> str:
        """The numbers shown, in words."""
        return summary(self.result)

    def describe(self) -> str:
        """The drawing in words (the website's text before its script runs)."""
        return ("Two bar charts on logarithmic scales, one bar per layer: the size of each "
                "layer's error vector (the gradient reaching it) and the spread of each "
                "layer's output. " + summary(self.result))

    def __repr__(self) -> str:
        c = self.controls
        extra = "".join(f", {k}={c[k]!r}" for k, v in SWITCH_DEFAULTS.items() if c[k] != v)
        return (f"DepthExplorer(depth={c['depth']}, width={c['width']}, "
                f"activation={c['activation']!r}, init={c['init']!r}, seed={c['seed']}"
                f"{extra})")
