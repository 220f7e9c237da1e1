"""Checks for the exercises of Chapter 2, the worked example network.

Every check compares the reader's answer with bpkit's own forward and backward pass on the
2-2-1 sigmoid network of :mod:`bpkit.worked_example`.
"""

from __future__ import annotations

import numpy as np

from .. import worked_example as we
from . import ExerciseError, correct

__all__ = ["check_dL_dw12", "check_gradient_signs", "SIGN_SETTING", "check_failing_lr",
           "losses_with_lr", "FAILING_TARGET", "FAILING_STEPS"]


def _grads(params: dict, x, t) -> dict[str, float]:
    return we.loss_and_gradients(we.build_model(params), x, [t])[1]


def check_dL_dw12(dL_dw12) -> None:
    """Exercise 2.1: ``dL_dw12(p, x1, x2, t)`` returns dL/dw12 for one example.

    ``p`` is a dict of the 9 parameters. The function is evaluated at the chapter's
    starting point and at five random points, and compared with bpkit's backward pass.
    """
    if not callable(dL_dw12):
        raise ExerciseError(f"expected a function dL_dw12(p, x1, x2, t), got {dL_dw12!r}")
    rng = np.random.default_rng(2)
    points = [(dict(we.START), *we.X_START, we.T_START)]
    for _ in range(5):
        p = dict(zip(we.PARAM_NAMES, rng.uniform(-2, 2, len(we.PARAM_NAMES)), strict=True))
        points.append((p, *rng.uniform(-1, 1, 2), rng.uniform(0, 1)))
    for p, x1, x2, t in points:
        expected = _grads(p, (x1, x2), t)["w12"]
        try:
            got = float(dL_dw12(dict(p), float(x1), float(x2), float(t)))
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"dL_dw12 should return a number; calling it raised {err!r}") \
                from None
        if np.isclose(got, expected, rtol=1e-6, atol=1e-12):
            continue
        v = we.forward(p, x1, x2)
        delta3 = (v["y"] - t) * v["y"] * (1 - v["y"])
        hint = "Write the chain of local factors from L down to w12 and multiply them."
        if np.isclose(got, delta3 * p["w31"] * x2, rtol=1e-6, atol=1e-12):
            hint = ("You multiplied dL/dh1 by x2, but h1 = sigma(z1) and w12 enters z1: the "
                    "factor dh1/dz1 = h1 (1 - h1) is missing (delta1 = dL/dz1, not dL/dh1).")
        elif np.isclose(got, delta3 * p["w31"] * v["h1"] * (1 - v["h1"]) * x1, rtol=1e-6,
                        atol=1e-12):
            hint = "dz1/dw12 is x2 (w12 multiplies x2), not x1."
        elif np.isclose(got, (v["y"] - t) * p["w31"] * v["h1"] * (1 - v["h1"]) * x2,
                        rtol=1e-6, atol=1e-12):
            hint = "The output's sigmoid derivative dy/dz3 = y (1 - y) is missing."
        raise ExerciseError(f"dL_dw12 gives {got:.6g} at p={_fmt(p)}, x=({x1:.3g}, {x2:.3g}), "
                            f"t={t:.3g}; bpkit's backward pass gives {expected:.6g}. {hint}")
    correct("dL/dw12 = delta3 * w31 * h1 (1 - h1) * x2 = delta1 * x2 agrees with bpkit's "
            "backward pass at 6 points.")


def _fmt(p: dict) -> str:
    return "{" + ", ".join(f"{k}: {v:.3g}" for k, v in p.items()) + "}"


#: Exercise 2.2's setting: the starting parameters with w32 = -0.5, and the target t = 0.9.
SIGN_SETTING = {"params": {**we.START, "w32": -0.5}, "x": we.X_START, "t": 0.9}


def check_gradient_signs(signs: dict) -> None:
    """Exercise 2.2: predicted signs (+1 or -1) of dL/dw31 and dL/dw22 in ``SIGN_SETTING``."""
    if not isinstance(signs, dict) or set(signs) != {"w31", "w22"}:
        raise ExerciseError("expected a dict with the keys 'w31' and 'w22', e.g. "
                            f"{{'w31': +1, 'w22': -1}}; got {signs!r}")
    g = _grads(SIGN_SETTING["params"], SIGN_SETTING["x"], SIGN_SETTING["t"])
    for name in ("w31", "w22"):
        s = signs[name]
        if s not in (1, -1):
            raise ExerciseError(f"the sign for {name} should be +1 or -1, got {s!r}")
        if s != np.sign(g[name]):
            hints = {"w31": "y is below the target here, so dL/dy = y - t < 0; the factors "
                            "y (1 - y) and h1 are positive.",
                     "w22": "delta3 = dL/dz3 < 0 here; delta2 = delta3 * w32 * h2 (1 - h2), "
                            "and w32 is negative now; dz2/dw22 = x2 > 0."}
            raise ExerciseError(f"the sign of dL/d{name} is not {s:+d}. {hints[name]}")
    correct(f"dL/dw31 = {g['w31']:+.4g} and dL/dw22 = {g['w22']:+.4g}: a negative w32 "
            "flips the sign of everything that reaches hidden unit 2 through it.")


#: Exercise 2.3's setting: the start with target t = 0.5, and the number of steps taken.
FAILING_TARGET, FAILING_STEPS = 0.5, 20


def losses_with_lr(lr: float, steps: int = FAILING_STEPS, t: float = FAILING_TARGET):
    """The loss at the start and after each of ``steps`` gradient-descent steps with ``lr``."""
    model = we.build_model()
    history = []
    for _ in range(steps + 1):
        value, g = we.loss_and_gradients(model, we.X_START, [t])
        history.append(value)
        p = we.get_params(model)
        we.set_params(model, {n: p[n] - lr * g[n] for n in we.PARAM_NAMES})
    return history


def check_failing_lr(lr) -> None:
    """Exercise 2.3: a learning rate whose first gradient-descent step raises the loss.

    In :data:`FAILING_TARGET`'s setting the first step overshoots for every ``lr`` above
    about 28. The loss after 20 steps is no test: with a sigmoid output the loss is bounded
    (here by 1/8), and whether it ends above or below the start depends erratically on ``lr``.
    """
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ExerciseError(f"expected a learning rate (a positive number), got {lr!r}") from None
    if not np.isfinite(lr) or lr <= 0:
        raise ExerciseError(f"a learning rate must be a positive number, got {lr!r}")
    history = losses_with_lr(lr)
    start, first = history[0], history[1]
    if first <= start:
        raise ExerciseError(f"with lr = {lr:g} the first step lowers the loss, from {start:.4g} "
                            f"to {first:.4g}: the step is still short enough for the tangent "
                            "to be a fair guide. Try a larger lr (the explorer's lr slider goes "
                            "up to 100).")
    rises = int(np.sum(np.diff(history) > 0))
    correct(f"with lr = {lr:g} the first step raises the loss from {start:.4g} to {first:.4g}: "
            "it overshoots the valley the tangent pointed into. Over "
            f"{FAILING_STEPS} steps the loss rose {rises} times and ended at {history[-1]:.4g}.")
