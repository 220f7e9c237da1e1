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

from ..recurrent import RNN, orthogonal

__all__ = ["N_IN", "N_HIDDEN", "INPUT_SCALE", "STEPS_RANGE", "SCALE_RANGE", "SEED_LIMIT",
           "make_network", "rnn_from_network", "through_time_state",
           "gradient_norms"]

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


def make_network(controls: dict) -> dict:
    """The RNN's weights, the inputs and the target of ``controls`` as lists:
    ``{"Wx": (H, D), "Wh": (H, H), "b": (H,), "x": (T, D), "target": (H,)}``.

    From ``np.random.default_rng(seed)``: ``RNN``'s own initial Wx, then ``Q``
    (:func:`bpkit.recurrent.orthogonal`), the target (standard normal times 0.5) and the
    inputs of the longest sequence (standard normal times ``INPUT_SCALE``), of which the first
    T steps are kept; ``Wh = scale * Q``. For one seed every scale and length has the same
    weights, target and first inputs.
    """
    c = _settings(controls)
    rng = np.random.default_rng(c["seed"])
    layer = RNN(N_IN, N_HIDDEN, rng=rng)
    q = orthogonal(N_HIDDEN, rng)
    target = 0.5 * rng.standard_normal(N_HIDDEN)
    x = INPUT_SCALE * rng.standard_normal((STEPS_RANGE[1], N_IN))[:c["steps"]]
    return {"Wx": layer.params["Wx"].tolist(), "Wh": (c["scale"] * q).tolist(),
            "b": layer.params["b"].tolist(), "x": x.tolist(), "target": target.tolist()}


def rnn_from_network(network: dict) -> tuple[RNN, np.ndarray, np.ndarray]:
    """``(layer, x (1, T, D), target (1, H))`` rebuilt from :func:`make_network` data."""
    Wx, Wh = np.array(network["Wx"], dtype=float), np.array(network["Wh"], dtype=float)
    b = np.array(network["b"], dtype=float)
    x = np.array(network["x"], dtype=float)
    if (Wx.shape != (N_HIDDEN, N_IN) or Wh.shape != (N_HIDDEN, N_HIDDEN)
            or b.shape != (N_HIDDEN,)):
        raise ValueError(f"rnn_from_network: expected Wx ({N_HIDDEN}, {N_IN}), Wh ({N_HIDDEN}, "
                         f"{N_HIDDEN}) and b ({N_HIDDEN},), got {Wx.shape}, {Wh.shape}, {b.shape}")
    layer = RNN(N_IN, N_HIDDEN)
    layer.params["Wx"][...], layer.params["Wh"][...], layer.params["b"][...] = Wx, Wh, b
    target = np.array(network["target"], dtype=float).reshape(1, N_HIDDEN)
    return layer, x.reshape(1, -1, N_IN), target


def through_time_state(controls: dict, network: dict) -> dict:
    r"""What the widget shows: ``{"steps", "scale", "seed", "norms", "ratio", "loss"}``.

    ``norms[t]`` is :math:`\lVert\partial L/\partial h_t\rVert` for t = 0 .. T (the loss
    :math:`\frac12\lVert h_T - t\rVert^2` is on the last step), read from ``RNN.grad_h``
    after one forward and one backward pass; ``ratio`` is ``norms[0] / norms[T]`` (NaN when
    the last one is 0). Mirrored by ``throughTimeState`` in ``js/port.js``.
    """
    c = _settings(controls)
    layer, x, target = rnn_from_network(network)
    if x.shape[1] != c["steps"]:
        raise ValueError(f"through_time_state: the network holds {x.shape[1]} steps of input, "
                         f"the controls ask for {c['steps']}")
    h = layer.forward(x)
    dh = np.zeros_like(h)
    dh[:, -1] = h[:, -1] - target
    layer.backward(dh)
    norms = [math.sqrt(float(g @ g)) for g in layer.grad_h[0]]
    return {**c, "norms": norms,
            "ratio": norms[0] / norms[-1] if norms[-1] > 0 else math.nan,
            "loss": 0.5 * float((h[0, -1] - target[0]) @ (h[0, -1] - target[0]))}


def gradient_norms(steps: int, scale: float, seed: int = 0) -> np.ndarray:
    r""":math:`\lVert\partial L/\partial h_t\rVert` for t = 0 .. T, as the widget computes it
    in a kernel (:func:`make_network`, then :func:`through_time_state`)."""
    controls = {"steps": steps, "scale": scale, "seed": seed}
    return np.array(through_time_state(controls, make_network(controls))["norms"])
