r"""The book's worked example: a 2-2-1 sigmoid network with its 9 parameters named.

.. math::

    z_1 = w_{11} x_1 + w_{12} x_2 + b_1, \quad h_1 = \sigma(z_1), \qquad
    z_2 = w_{21} x_1 + w_{22} x_2 + b_2, \quad h_2 = \sigma(z_2),

    z_3 = w_{31} h_1 + w_{32} h_2 + b_3, \quad y = \sigma(z_3), \qquad
    L = \tfrac12 (y - t)^2 .

``w_jk`` is the weight from unit k of the previous layer (an input, for the hidden units) to
unit j, so in bpkit it is ``Linear.params["W"][j-1, k-1]`` (``W`` has shape ``(n_out, n_in)``);
``t`` is the target and ``h_1, h_2`` the hidden activations, as in Chapter 2.
:func:`build_model` makes the network as a bpkit :class:`~bpkit.model.Sequential` of
``Linear(2, 2), Sigmoid(), Linear(2, 1), Sigmoid()``; :func:`forward` computes the same
numbers with plain NumPy broadcasting, so a whole grid of parameter values can be evaluated
at once (the explorer's loss slice does that).
Core module: imports only NumPy.
"""

from __future__ import annotations

import numpy as np

from .layers import Linear, Sigmoid
from .losses import SquaredError
from .model import Sequential

__all__ = ["PARAM_NAMES", "START", "X_START", "T_START", "LOCATION", "build_model",
           "set_params", "get_params", "get_grads", "loss_and_gradients", "forward", "loss"]

#: The 9 parameters, hidden unit 1, hidden unit 2, then the output unit.
PARAM_NAMES = ("w11", "w12", "b1", "w21", "w22", "b2", "w31", "w32", "b3")

#: The chapter's starting point: parameters, input and target.
START = {"w11": 0.15, "w12": 0.20, "b1": 0.35, "w21": 0.25, "w22": 0.30, "b2": 0.35,
         "w31": 0.40, "w32": 0.45, "b3": 0.60}
X_START = (0.05, 0.10)
T_START = 0.01

#: Where each named parameter lives in the model: (layer index, array key, index in the array).
LOCATION = {
    "w11": (0, "W", (0, 0)), "w12": (0, "W", (0, 1)), "b1": (0, "b", (0,)),
    "w21": (0, "W", (1, 0)), "w22": (0, "W", (1, 1)), "b2": (0, "b", (1,)),
    "w31": (2, "W", (0, 0)), "w32": (2, "W", (0, 1)), "b3": (2, "b", (0,)),
}


def _check_names(params) -> None:
    unknown = sorted(set(params) - set(PARAM_NAMES))
    if unknown:
        raise KeyError(f"unknown parameter name(s) {unknown}; expected some of {PARAM_NAMES}")


def build_model(params: dict | None = None) -> Sequential:
    """The network as ``Sequential(Linear(2, 2), Sigmoid(), Linear(2, 1), Sigmoid())``.

    ``params`` maps some or all of :data:`PARAM_NAMES` to numbers; missing ones come from
    :data:`START`.
    """
    model = Sequential(Linear(2, 2, name="hidden"), Sigmoid(), Linear(2, 1, name="output"),
                       Sigmoid())
    set_params(model, {**START, **(params or {})})
    return model


def set_params(model: Sequential, params: dict) -> None:
    """Write the named parameters into the model's arrays, in place."""
    _check_names(params)
    for name, value in params.items():
        i, key, idx = LOCATION[name]
        model.layers[i].params[key][idx] = float(value)


def get_params(model: Sequential) -> dict[str, float]:
    """The 9 parameters of ``model`` as a dict ``{name: float}``."""
    return {n: float(model.layers[i].params[k][idx]) for n, (i, k, idx) in LOCATION.items()}


def get_grads(model: Sequential) -> dict[str, float]:
    """The 9 gradients dL/d(parameter) of the last backward pass, ``{name: float}``."""
    return {n: float(model.layers[i].grads[k][idx]) for n, (i, k, idx) in LOCATION.items()}


def loss_and_gradients(model: Sequential, x, t) -> tuple[float, dict[str, float]]:
    """Forward, loss and backward with bpkit; returns the loss and the 9 gradients.

    ``x`` has shape ``(N, 2)`` (or ``(2,)`` for one example), ``t`` shape ``(N,)`` or
    ``(N, 1)``; the loss is :math:`\\frac1N \\sum_n \\frac12 (y_n - t_n)^2`.
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    t = np.asarray(t, dtype=np.float64).reshape(-1, 1)
    loss_fn = SquaredError()
    value = loss_fn.forward(model.forward(x), t)
    model.backward(loss_fn.backward())
    return value, get_grads(model)


def forward(params: dict, x1, x2) -> dict[str, np.ndarray]:
    """Every intermediate value of the network, ``{"z1", "h1", "z2", "h2", "z3", "y"}``.

    Plain NumPy: each parameter and input may be a number or an array, and the results
    broadcast, so a grid of values of one weight gives a grid of outputs.
    """
    _check_names(params)
    p = {**START, **params}

    def sigmoid(z):
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    z1 = p["w11"] * x1 + p["w12"] * x2 + p["b1"]
    z2 = p["w21"] * x1 + p["w22"] * x2 + p["b2"]
    h1, h2 = sigmoid(z1), sigmoid(z2)
    z3 = p["w31"] * h1 + p["w32"] * h2 + p["b3"]
    return {"z1": z1, "h1": h1, "z2": z2, "h2": h2, "z3": z3, "y": sigmoid(z3)}


def loss(params: dict, x1, x2, t):
    r"""The loss :math:`\frac12 (y - t)^2` for one example, broadcasting like :func:`forward`."""
    y = forward(params, x1, x2)["y"]
    return 0.5 * (y - t) ** 2
