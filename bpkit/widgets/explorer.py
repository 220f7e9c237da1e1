r"""The network explorer: move any weight of the worked example and watch every gradient.

:class:`NetworkExplorer` shows the 2-2-1 sigmoid network of :mod:`bpkit.worked_example`
with a slider for each of its 9 parameters, the inputs ``x1``, ``x2``, the target ``t`` and
the learning rate :math:`\eta`. On every change bpkit runs the forward and backward pass
(:func:`explorer_state`) and the front-end (``js/explorer.js``) redraws:

- the network, every edge labelled with its weight and its gradient dL/dw (colour: the
  sign of the gradient, width: its size), every unit with its activation;
- the loss along one chosen parameter (``controls["weight"]``), all others fixed, with the
  tangent at the current value: its slope is the gradient;
- the loss after each press of Step (one gradient-descent update
  :math:`\theta \leftarrow \theta - \eta\, \partial L/\partial\theta`);
- the table of the 9 gradients.

On the website the same front-end computes with ``explorerState`` in ``js/port.js``, which
mirrors :func:`explorer_state` (see :mod:`bpkit.widgets.frontend`). From code:

>>> ex = NetworkExplorer()
>>> ex.set(w31=0.8, t=0.5)      # moves two sliders; everything is recomputed once
>>> round(ex.gradients["w31"], 6), round(ex.loss, 6)  # doctest: +SKIP
>>> ex.step(); ex.history       # doctest: +SKIP
>>> ex.reset()

Moving a parameter, an input or the target starts a new loss history; Step extends it.
"""

from __future__ import annotations

import math

import numpy as np
import traitlets

from .. import worked_example as we
from .frontend import BookWidget

__all__ = ["NetworkExplorer", "explorer_state", "SLICE_OFFSETS"]

#: The offsets from the chosen parameter at which the loss slice is drawn.
SLICE_OFFSETS = np.linspace(-3.0, 3.0, 121)
#: Every control and its slider's range (the learning rate's is on a log scale).
RANGES = {**{name: (-4.0, 4.0) for name in we.PARAM_NAMES}, "x1": (-2.0, 2.0),
          "x2": (-2.0, 2.0), "t": (0.0, 1.0), "lr": (1e-3, 100.0)}


def explorer_state(controls: dict) -> dict:
    """What the explorer shows for one setting of its controls, computed with bpkit.

    ``controls`` holds the 9 parameters, ``x1``, ``x2``, ``t`` and ``weight`` (the parameter
    to slice along). Returns ``{"loss", "output", "values": {z1, h1, z2, h2, z3, y},
    "gradients": {w11 ... b3}, "slice": [loss at each of SLICE_OFFSETS from the chosen
    parameter]}``. ``explorerState`` in ``js/port.js`` computes the same in the browser.
    """
    p = {name: float(controls[name]) for name in we.PARAM_NAMES}
    x1, x2, t = float(controls["x1"]), float(controls["x2"]), float(controls["t"])
    model = we.build_model(p)
    loss, gradients = we.loss_and_gradients(model, (x1, x2), [t])
    values = {k: float(v) for k, v in we.forward(p, x1, x2).items()}
    w = controls["weight"]
    curve = we.loss({**p, w: p[w] + SLICE_OFFSETS}, x1, x2, t)
    return {"loss": loss, "output": values["y"], "values": values, "gradients": gradients,
            "slice": [float(v) for v in curve]}


def _restarts(old: dict, new: dict) -> bool:
    """Whether going from controls ``old`` to ``new`` starts a new loss history.

    Mirrored by ``restarts`` in ``js/explorer.js``.
    """
    return any(old.get(k) != new.get(k) for k in new if k not in ("lr", "weight"))


class NetworkExplorer(BookWidget):
    """Sliders for the worked example's parameters, with live gradients, loss and a Step button.

    Parameters
    ----------
    params : dict, optional
        Starting values of some or all of the 9 parameters (``"w11"``, ..., ``"b3"``);
        the others come from :data:`bpkit.worked_example.START`.
    x : (float, float)
        The input ``(x1, x2)``.
    t : float
        The target.
    lr : float
        The learning rate used by :meth:`step`.
    weight : str
        The parameter whose loss slice and tangent are drawn.

    Attributes
    ----------
    controls : dict
        What the sliders show: the 9 parameters, ``x1``, ``x2``, ``t``, ``lr`` and
        ``weight``. Set them with :meth:`set` (synced with the page).
    result : dict
        What bpkit computed from them, see :func:`explorer_state` (synced with the page).
    history : list of float
        The loss at the start and after each :meth:`step` (synced with the page).
    gradients, loss, output, params, x, target
        The numbers the explorer shows, by name.
    """

    _widget = "explorer"
    _actions = ("step", "reset")
    _page_traits = ("controls", "initial", "result", "history")
    history = traitlets.List().tag(sync=True)

    def __init__(self, params: dict | None = None, x=we.X_START, t: float = we.T_START,
                 lr: float = 0.5, weight: str = "w31"):
        if weight not in we.PARAM_NAMES:
            raise ValueError(f"NetworkExplorer: weight must be one of {we.PARAM_NAMES}, "
                             f"got {weight!r}")
        if len(x) != 2:
            raise ValueError(f"NetworkExplorer: x must be a pair (x1, x2), got {x!r}")
        start = {**we.START, **(params or {}), "x1": x[0], "x2": x[1], "t": t, "lr": lr}
        self._check(start)
        super().__init__({**{k: float(v) for k, v in start.items()}, "weight": weight})

    @staticmethod
    def _check(values: dict) -> None:
        unknown = sorted(set(values) - set(RANGES) - {"weight"})
        if unknown:
            raise ValueError(f"NetworkExplorer: unknown control(s) {unknown}; expected some "
                             f"of {[*RANGES, 'weight']}")
        for name, v in values.items():
            if name == "weight":
                if v not in we.PARAM_NAMES:
                    raise ValueError(f"NetworkExplorer: weight must be one of "
                                     f"{we.PARAM_NAMES}, got {v!r}")
            elif isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) \
                    or not math.isfinite(v):
                raise ValueError(f"NetworkExplorer: {name} must be a finite number, "
                                 f"got {v!r}")
        if "lr" in values and not values["lr"] > 0:
            raise ValueError(f"NetworkExplorer: lr must be positive, got {values['lr']!r}")
        if "t" in values and not 0.0 <= values["t"] <= 1.0:
            raise ValueError(f"NetworkExplorer: t must lie in [0, 1] (the sigmoid's range), "
                             f"got {values['t']!r}")

    # ------------------------------------------------------------------ state

    def compute(self, controls: dict) -> dict:
        return explorer_state(controls)

    def _recompute(self, restart: bool) -> None:
        super()._recompute(restart)
        if restart:
            self.history = [self.result["loss"]]  # finite or None, as _finite made it

    def set(self, **values) -> None:
        """Move controls from code, e.g. ``ex.set(w31=-1.2, t=0.9, lr=0.1, weight="b3")``.

        Everything is recomputed once. Moving a parameter, an input or the target starts a
        new loss history; ``lr`` and ``weight`` do not (the next Step continues the curve).
        """
        self._check(values)
        values = {k: (v if k == "weight" else float(v)) for k, v in values.items()}
        self._set_controls(values, restart=_restarts(self.controls, {**self.controls,
                                                                     **values}))

    def _on_controls(self, change) -> None:
        if not self._holding:  # the page moved a slider
            self._recompute(restart=_restarts(change["old"], change["new"]))

    def step(self) -> float:
        r"""One gradient-descent update :math:`\theta \leftarrow \theta - \eta\, dL/d\theta`.

        Updates the sliders, recomputes the gradients, appends the new loss to
        :attr:`history` and returns it.
        """
        if not math.isfinite(self.loss):
            raise FloatingPointError("NetworkExplorer.step: the loss is not finite; press Reset")
        lr, g, p = self.controls["lr"], self.gradients, self.params
        self._set_controls({n: p[n] - lr * g[n] for n in we.PARAM_NAMES}, restart=False)
        self.history = [*self.history, self.result["loss"]]  # None, not NaN, if not finite
        return self.loss

    def reset(self) -> None:
        """Return every control to its starting value and start a new history."""
        self._set_controls(dict(self.initial), restart=True)

    # ------------------------------------------------------- the numbers by name

    @property
    def params(self) -> dict[str, float]:
        """The 9 parameters as set on the sliders."""
        return {n: self.controls[n] for n in we.PARAM_NAMES}

    @property
    def x(self) -> tuple[float, float]:
        return self.controls["x1"], self.controls["x2"]

    @property
    def target(self) -> float:
        return self.controls["t"]

    @property
    def lr(self) -> float:
        return self.controls["lr"]

    @property
    def gradients(self) -> dict[str, float]:
        return dict(self.result["gradients"])

    @property
    def loss(self) -> float:
        loss = self.result["loss"]
        return math.nan if loss is None else loss

    @property
    def output(self) -> float:
        return self.result["output"]

    def describe(self) -> str:
        """The drawing in words (the website's text before its script runs)."""
        w = self.controls["weight"]
        return (f"The 2-2-1 network, each edge labelled with its weight and gradient; output "
                f"y = {self.output:.4f}, target t = {self.target:.3f}, loss L = "
                f"{self.loss:.4g}. The loss along {w} with its tangent, slope dL/d{w} = "
                f"{self.gradients[w]:+.3g}. The loss after each of {len(self.history) - 1} "
                "steps.")

    def __repr__(self) -> str:
        return (f"NetworkExplorer(loss={self.loss:.6g}, steps={len(self.history) - 1}, "
                f"weight={self.controls['weight']!r})")
