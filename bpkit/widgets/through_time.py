r"""Gradient through time: how big is :math:`\partial L/\partial h_t` at each step of an RNN?

A vanilla RNN (:class:`bpkit.recurrent.RNN`, ``N_HIDDEN`` tanh units, ``N_IN`` inputs) reads
one sequence of T small random inputs (standard normal times ``INPUT_SCALE``) from
:math:`h_0 = 0`; the loss is on the last step only, :math:`L = \frac12 \lVert h_T - t\rVert^2`.
Its recurrent weights are :math:`W_h = s\,Q`, with Q a random orthogonal matrix, so every
singular value of :math:`W_h`, the largest one included, equals the scale s. Backpropagation
through time gives every state's gradient

.. math::

    \frac{\partial L}{\partial h_{t-1}} = \Big(\frac{\partial L}{\partial h_t} \odot
    (1 - h_t^2)\Big) W_h ,

and :func:`through_time_state` returns their norms for t = 0 .. T, read from ``RNN.grad_h``.
Each step multiplies the norm by at most s (the tanh slopes are at most 1): below s = 1 it
shrinks geometrically going back in time, above it it can grow.

The widget (``js/through_time.js``) has sliders for T and s and a seed. In a kernel the
weights, inputs and target come from NumPy (:func:`make_network`); on the website the page
draws its own from the seed with ``Random`` of ``js/port.js`` (other numbers than NumPy's for
the same seed) and computes with ``throughTimeState`` of ``js/port.js``, which mirrors
:func:`through_time_state` on whatever weights it is given. The weights travel as the synced
trait ``network``.

Headless use::

    gradient_norms(50, 1.1)               # the norms, t = 0 .. T
    w = ThroughTime(steps=50, scale=0.9)
    w.set(scale=1.5); w.norms, w.ratio
"""

from __future__ import annotations

import math

import numpy as np
import traitlets

from ..recurrent import RNN, orthogonal
from .frontend import BookWidget, _finite

__all__ = ["N_IN", "N_HIDDEN", "INPUT_SCALE", "STEPS_RANGE", "SCALE_RANGE", "SEED_LIMIT",
           "make_network", "rnn_from_network", "through_time_state",
           "gradient_norms", "summary", "ThroughTime"]

#: Inputs per step, hidden units, and the size of the inputs (small: tanh near its slope 1).
N_IN, N_HIDDEN, INPUT_SCALE = 4, 16, 0.1
#: Slider ranges: the sequence length T and the scale s of the recurrent weights.
STEPS_RANGE, SCALE_RANGE = (1, 100), (0.1, 2.0)
#: Seeds the page's generator can take (it keeps a 32-bit state).
SEED_LIMIT = 2**32 - 1


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _settings(controls: dict) -> dict:
    """``{"steps", "scale", "seed"}``, checked, as plain Python numbers."""
    missing = sorted({"steps", "scale", "seed"} - set(controls))
    if missing:
        raise ValueError(f"through_time: missing control(s) {missing}")
    steps, scale, seed = controls["steps"], controls["scale"], controls["seed"]
    for name in ("steps", "seed"):
        v = controls[name]
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if name == "steps":
            steps = v
        else:
            seed = v
    lo, hi = STEPS_RANGE
    if not _is_int(steps) or not lo <= steps <= hi:
        raise ValueError(f"steps (the sequence length T) must be an integer from {lo} to {hi}, "
                         f"got {steps!r}")
    lo, hi = SCALE_RANGE
    if (isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating))
            or not lo <= scale <= hi):
        raise ValueError(f"scale (the largest singular value of W_h) must be a number from "
                         f"{lo} to {hi}, got {scale!r}")
    if not _is_int(seed) or not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"seed must be an integer from 0 to {SEED_LIMIT - 1}, got {seed!r}")
    return {"steps": int(steps), "scale": float(scale), "seed": int(seed)}


def make_network(seed: int) -> dict:
    """The weights, inputs and target of ``seed`` as lists: ``{"Wx": (H, D), "Q": (H, H),
    "b": (H,), "x": (STEPS_RANGE[1], D), "target": (H,)}``; a sequence of T steps reads the
    first T rows of ``x``, and the recurrent weights are ``Wh = scale * Q``.

    From ``np.random.default_rng(seed)``: ``RNN``'s own initial Wx (and zero b), then ``Q``
    (:func:`bpkit.recurrent.orthogonal`), the target (standard normal times 0.5) and the
    inputs (standard normal times ``INPUT_SCALE``). So for one seed every scale and length
    has the same weights, target and first inputs. On the website ``throughTimeNetwork`` of
    ``js/port.js`` draws the same kinds of numbers with its own generator.
    """
    seed = _settings({"steps": 1, "scale": 1.0, "seed": seed})["seed"]
    rng = np.random.default_rng(seed)
    layer = RNN(N_IN, N_HIDDEN, rng=rng)
    q = orthogonal(N_HIDDEN, rng)
    target = 0.5 * rng.standard_normal(N_HIDDEN)
    x = INPUT_SCALE * rng.standard_normal((STEPS_RANGE[1], N_IN))
    return {"Wx": layer.params["Wx"].tolist(), "Q": q.tolist(), "b": layer.params["b"].tolist(),
            "x": x.tolist(), "target": target.tolist()}


def rnn_from_network(controls: dict, network: dict) -> tuple[RNN, np.ndarray, np.ndarray]:
    """``(layer, x (1, T, D), target (1, H))`` for ``controls`` on :func:`make_network` data:
    ``Wh = scale * Q`` and the first T steps of ``x``."""
    c = _settings(controls)
    Wx, Q = np.array(network["Wx"], dtype=float), np.array(network["Q"], dtype=float)
    b, x = np.array(network["b"], dtype=float), np.array(network["x"], dtype=float)
    if (Wx.shape != (N_HIDDEN, N_IN) or Q.shape != (N_HIDDEN, N_HIDDEN)
            or b.shape != (N_HIDDEN,) or x.shape != (STEPS_RANGE[1], N_IN)):
        raise ValueError(f"rnn_from_network: expected Wx ({N_HIDDEN}, {N_IN}), Q ({N_HIDDEN}, "
                         f"{N_HIDDEN}), b ({N_HIDDEN},) and x ({STEPS_RANGE[1]}, {N_IN}), got "
                         f"{Wx.shape}, {Q.shape}, {b.shape} and {x.shape}")
    layer = RNN(N_IN, N_HIDDEN)
    layer.params["Wx"][...], layer.params["Wh"][...], layer.params["b"][...] = (
        Wx, c["scale"] * Q, b)
    target = np.array(network["target"], dtype=float).reshape(1, N_HIDDEN)
    return layer, x[None, :c["steps"]], target


def through_time_state(controls: dict, network: dict) -> dict:
    r"""What the widget shows: ``{"steps", "scale", "seed", "norms", "ratio", "loss"}``.

    ``norms[t]`` is :math:`\lVert\partial L/\partial h_t\rVert` for t = 0 .. T (the loss
    :math:`\frac12\lVert h_T - t\rVert^2` is on the last step), read from ``RNN.grad_h``
    after one forward and one backward pass; ``ratio`` is ``norms[0] / norms[T]`` (NaN when
    the last one is 0). Mirrored by ``throughTimeState`` in ``js/port.js``.
    """
    c = _settings(controls)
    layer, x, target = rnn_from_network(c, network)
    h = layer.forward(x)
    dh = np.zeros_like(h)
    dh[:, -1] = h[:, -1] - target
    layer.backward(dh)
    norms = [math.sqrt(float(g @ g)) for g in layer.grad_h[0]]
    error = h[0, -1] - target[0]
    return {**c, "norms": norms,
            "ratio": norms[0] / norms[-1] if norms[-1] > 0 else math.nan,
            "loss": 0.5 * float(error @ error)}


def gradient_norms(steps: int, scale: float, seed: int = 0) -> np.ndarray:
    r""":math:`\lVert\partial L/\partial h_t\rVert` for t = 0 .. T, as the widget computes it
    in a kernel (:func:`make_network`, then :func:`through_time_state`)."""
    controls = {"steps": steps, "scale": scale, "seed": seed}
    return np.array(through_time_state(controls, make_network(seed))["norms"])


def _fmt(v) -> str:
    return "not finite" if v is None or not math.isfinite(v) else f"{v:.3g}"


def summary(state: dict) -> str:
    """The numbers of a :func:`through_time_state` dict in one paragraph (the drawing in
    words)."""
    norms = state["norms"]
    return (f"A vanilla RNN of {N_HIDDEN} tanh units reads {state['steps']} steps; its "
            f"recurrent weights have largest singular value {state['scale']:g} (seed "
            f"{state['seed']}); the loss, {_fmt(state['loss'])}, is on the last step. The "
            f"gradient reaching the last state has size {_fmt(norms[-1])}, the one reaching "
            f"h_0 {_fmt(norms[0])}: {_fmt(state['ratio'])} times as large.")


class ThroughTime(BookWidget):
    """Sliders for the sequence length T and the recurrent weights' scale (their largest
    singular value), and a seed; bars of the gradient reaching each state, t = 0 .. T.

    Attributes
    ----------
    controls : dict
        ``{"steps", "scale", "seed"}``; set them with :meth:`set`.
    result : dict
        What bpkit computed, see :func:`through_time_state` (synced with the page).
    network : dict
        The weights, inputs and target of the seed, see :func:`make_network`.
    norms, ratio, loss
        The numbers the widget shows, by name.
    """

    _widget = "through_time"
    _actions = ("new_seed", "reset")
    _page_traits = ("controls", "initial", "result", "network")
    network = traitlets.Dict().tag(sync=True)

    def __init__(self, steps: int = 30, scale: float = 1.0, seed: int = 0):
        controls = _settings({"steps": steps, "scale": scale, "seed": seed})
        self._network, self._seed = None, None
        super().__init__(controls)

    def compute(self, controls: dict) -> dict:
        """bpkit's numbers for ``controls``; new weights only when the seed changes."""
        c = _settings(controls)
        if self._seed != c["seed"]:
            self._network, self._seed = make_network(c["seed"]), c["seed"]
        return through_time_state(c, self._network)

    def _recompute(self, restart: bool) -> None:
        result = _finite(self.compute(self.controls))
        with self.hold_sync():
            self.network = self._network
            self.result = result

    def set(self, **controls) -> None:
        """Move controls from code, e.g. ``w.set(steps=80, scale=1.2)``; recomputes once."""
        unknown = sorted(set(controls) - {"steps", "scale", "seed"})
        if unknown:
            raise ValueError(f"ThroughTime: unknown control(s) {unknown}; expected some of "
                             "steps, scale, seed")
        _settings({**self.controls, **controls})
        self._set_controls(controls)

    def new_seed(self) -> None:
        """New weights, inputs and target: the seed goes up by one."""
        self._set_controls({"seed": (self.controls["seed"] + 1) % SEED_LIMIT})

    @property
    def norms(self) -> np.ndarray:
        r""":math:`\lVert\partial L/\partial h_t\rVert` for t = 0 .. T."""
        return np.array(self.result["norms"], dtype=float)

    @property
    def ratio(self) -> float:
        return math.nan if self.result["ratio"] is None else self.result["ratio"]

    @property
    def loss(self) -> float:
        return self.result["loss"]

    @property
    def text(self) -> str:
        """The numbers shown, in words."""
        return summary(self.result)

    def describe(self) -> str:
        return ("Bars on a logarithmic scale: the size of the gradient reaching each hidden "
                "state. " + summary(self.result))

    def __repr__(self) -> str:
        c = self.controls
        return f"ThroughTime(steps={c['steps']}, scale={c['scale']}, seed={c['seed']})"
