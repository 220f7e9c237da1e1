"""Checks for the exercises of Chapter 2, the worked example network.

Every check computes what it expects on its own, from centered differences of a forward pass
(:mod:`bpkit.worked_example`'s, or the variant network the exercise describes) or from
bpkit's gradient descent, and never shows it: a passing check says what the answer implies,
a failing one names what is off (a missing path, a missing factor, which parameters).
"""

from __future__ import annotations

import numpy as np

from .. import worked_example as we
from . import ExerciseError, call_reader, correct, exercise_check, expect_function, no_answer

__all__ = ["check_dL_dx1", "check_linear_output_gradients", "check_failing_lr",
           "losses_with_lr", "FAILING_TARGET", "FAILING_STEPS", "check_d2L_dw31"]

_EPS = 1e-6  # the centered-difference step
_RTOL, _ATOL = 1e-6, 1e-9


def _points(seed: int, n: int = 5):
    """The chapter's starting point, then ``n`` random ones: ``(p, x1, x2, t)``."""
    rng = np.random.default_rng(seed)
    points = [(dict(we.START), *we.X_START, we.T_START)]
    for _ in range(n):
        p = dict(zip(we.PARAM_NAMES, rng.uniform(-2, 2, len(we.PARAM_NAMES)), strict=True))
        x1, x2 = rng.uniform(-1, 1, 2)
        points.append((p, float(x1), float(x2), float(rng.uniform(0, 1))))
    return points


def _where(k: int, p: dict, x1: float, x2: float, t: float) -> str:
    params = ", ".join(f"{n} = {v:.3g}" for n, v in p.items())
    return f"test point {k + 1} ({params}; x1 = {x1:.3g}, x2 = {x2:.3g}, t = {t:.3g})"


def _number(what: str, value) -> float:
    """The number the reader's function returned (a function that returns None is wrong)."""
    if value is None:
        raise ExerciseError(f"{what} returned None: end the function with a return.")
    try:
        out = float(np.asarray(value, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} should return one number, got "
                            f"{type(value).__name__}.") from None
    if not np.isfinite(out):
        raise ExerciseError(f"{what} returned {out}, not a finite number.")
    return out


def _close(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=_RTOL, atol=_ATOL))


# ------------------------------------------------------------------ Exercise 2.1: dL/dx1

def _loss_in_x1(p, x1, x2, t):
    return float(we.loss(p, x1, x2, t))


@exercise_check("2.1")
def check_dL_dx1(dL_dx1) -> None:
    """Exercise 2.1: ``dL_dx1(p, x1, x2, t)`` returns dL/dx1 for one example.

    Compared with a centered difference of the loss in x1 at the chapter's starting point
    and at five random points.
    """
    what = "dL_dx1"
    expect_function(what, dL_dx1)
    for k, (p, x1, x2, t) in enumerate(_points(seed=21)):
        got = _number(what, call_reader(what, dL_dx1, dict(p), x1, x2, t))
        expected = (_loss_in_x1(p, x1 + _EPS, x2, t)
                    - _loss_in_x1(p, x1 - _EPS, x2, t)) / (2 * _EPS)
        if _close(got, expected):
            continue
        raise ExerciseError(f"{what} is not right yet at {_where(k, p, x1, x2, t)}. "
                            f"{_hint_dx1(got, p, x1, x2, t)}")
    correct("Your dL/dx1 agrees with centered differences of the loss at 6 points. x1 "
            "reaches the loss along both hidden units, and the two paths add: what "
            "Linear.backward's dx computes for every input at once.")


def _hint_dx1(got: float, p: dict, x1, x2, t) -> str:
    """Name the likely slip by comparing with a few wrong formulas (never shown)."""
    v = we.forward(p, x1, x2)
    y, h1, h2 = (float(v[k]) for k in ("y", "h1", "h2"))
    d3 = (y - t) * y * (1 - y)
    d1, d2 = d3 * p["w31"] * h1 * (1 - h1), d3 * p["w32"] * h2 * (1 - h2)
    slips = [
        (d1 * p["w11"], "Your value is only the path through hidden unit 1; x1 also "
                        "reaches the loss through hidden unit 2."),
        (d2 * p["w21"], "Your value is only the path through hidden unit 2; x1 also "
                        "reaches the loss through hidden unit 1."),
        (d1 * p["w12"] + d2 * p["w22"], "That is the derivative with respect to x2: x1 "
                                        "enters the hidden units through other weights."),
        (d3 * (p["w31"] * p["w11"] + p["w32"] * p["w21"]),
         "The hidden units' sigmoid derivatives are missing: each path passes through "
         "one of them."),
        ((y - t) * (p["w31"] * h1 * (1 - h1) * p["w11"] + p["w32"] * h2 * (1 - h2) * p["w21"]),
         "The output sigmoid's derivative is missing from both paths."),
        (-(d1 * p["w11"] + d2 * p["w21"]), "The sign is flipped."),
    ]
    for value, hint in slips:
        if _close(got, value):
            return hint
    return ("Follow every path from x1 to L, multiply the local derivatives along each, "
            "and add the paths.")


# ------------------------------------------- Exercise 2.2: a linear output unit

def _linear_output_loss(p: dict, x1, x2, t) -> float:
    """The loss of the network whose output unit has no sigmoid: y = z3."""
    y = we.forward(p, x1, x2)["z3"]
    return float(0.5 * (y - t) ** 2)


def _linear_output_gradients(p: dict, x1, x2, t) -> dict[str, float]:
    """Centered differences of :func:`_linear_output_loss` in each parameter."""
    out = {}
    for n in we.PARAM_NAMES:
        up, down = {**p, n: p[n] + _EPS}, {**p, n: p[n] - _EPS}
        out[n] = (_linear_output_loss(up, x1, x2, t)
                  - _linear_output_loss(down, x1, x2, t)) / (2 * _EPS)
    return out


@exercise_check("2.2")
def check_linear_output_gradients(linear_output_gradients) -> None:
    """Exercise 2.2: ``linear_output_gradients(p, x1, x2, t)`` returns the 9 gradients.

    The network is the chapter's with ``y = z3`` (no sigmoid on the output unit). Each
    gradient is compared with a centered difference of that network's loss, at the
    chapter's starting point and at five random points; the target is drawn from [0, 1].
    """
    what = "linear_output_gradients"
    expect_function(what, linear_output_gradients)
    for k, (p, x1, x2, t) in enumerate(_points(seed=22)):
        got = call_reader(what, linear_output_gradients, dict(p), x1, x2, t)
        if got is None:
            raise ExerciseError(f"{what} returned None: end the function with a return.")
        if not isinstance(got, dict) or set(got) != set(we.PARAM_NAMES):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            raise ExerciseError(f"{what} should return a dict with the nine keys "
                                f"{', '.join(we.PARAM_NAMES)}; got {keys}.")
        got = {n: _number(f"{what}(...)[{n!r}]", got[n]) for n in we.PARAM_NAMES}
        expected = _linear_output_gradients(p, x1, x2, t)
        wrong = [n for n in we.PARAM_NAMES if not _close(got[n], expected[n])]
        if not wrong:
            continue
        raise ExerciseError(f"{what} is not right yet at {_where(k, p, x1, x2, t)}: the "
                            f"gradient(s) of {', '.join(wrong)} are off. "
                            f"{_hint_linear(got, wrong, p, x1, x2, t)}")
    correct("Your nine gradients agree with centered differences of the linear-output "
            "network at 6 points. Removing one local factor at the output changed the error "
            "term there, and every gradient below it inherited the change through delta3.")


def _hint_linear(got: dict, wrong: list[str], p: dict, x1, x2, t) -> str:
    output, hidden = {"w31", "w32", "b3"}, set(we.PARAM_NAMES) - {"w31", "w32", "b3"}
    sigmoid_net = we.loss_and_gradients(we.build_model(p), (x1, x2), [t])[1]
    if all(_close(got[n], sigmoid_net[n]) for n in we.PARAM_NAMES):
        return ("These are the gradients of the chapter's network, whose output unit has a "
                "sigmoid; here it has none.")
    if any(_close(got[n], sigmoid_net[n]) for n in output & set(wrong)):
        return ("Your output-layer gradients still carry the output sigmoid's derivative, "
                "but y = z3 here.")
    if set(wrong) <= hidden:
        expected = _linear_output_gradients(p, x1, x2, t)
        if all(_close(-got[n], expected[n]) for n in wrong):
            return "The hidden-layer gradients have the wrong sign."
        return ("The output layer is right. The hidden units still have their sigmoids: "
                "build their error terms from the output's new error term, through the "
                "weights w31 and w32 and each hidden sigmoid's derivative.")
    if all(_close(-got[n], _linear_output_gradients(p, x1, x2, t)[n]) for n in wrong):
        return "The sign is flipped."
    return ("Start at the output: what is dL/dz3 when y = z3? Then reuse it for the output "
            "unit's parameters and pass it back to the hidden units.")


# --------------------------------------- Exercise 2.3: a step that raises the loss

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


@exercise_check("2.3")
def check_failing_lr(lr) -> None:
    """Exercise 2.3: a learning rate whose first gradient-descent step raises the loss.

    Only the first step is tested: with a sigmoid output the loss is bounded (here by 1/8),
    and whether it ends 20 steps later above or below the start depends erratically on
    ``lr``. The explanation is the reader's to write; this check does not give it.
    """
    if lr is None:
        raise no_answer("lr")
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ExerciseError(f"lr: expected a learning rate (a positive number), got "
                            f"{type(lr).__name__}.") from None
    if not np.isfinite(lr) or lr <= 0:
        raise ExerciseError(f"lr: a learning rate must be a positive number, got {lr!r}.")
    history = losses_with_lr(lr, steps=1)
    if history[1] <= history[0]:
        raise ExerciseError(f"with lr = {lr:g} the first step lowers the loss. Try a larger "
                            "lr (the explorer's lr slider goes up to 100).")
    correct(f"With lr = {lr:g} the first step raises the loss. Now write down why in the "
            "answer cell, and look at all 20 losses (ch2.losses_with_lr(lr)) to describe "
            "how failure looks with a sigmoid output; then compare with the solution.")


# ------------------------------------------- Exercise 2.4: the curvature along w31

def _dL_dw31(p: dict, x1, x2, t) -> float:
    return we.loss_and_gradients(we.build_model(p), (x1, x2), [t])[1]["w31"]


@exercise_check("2.4")
def check_d2L_dw31(d2L_dw31) -> None:
    """Exercise 2.4: ``d2L_dw31(p, x1, x2, t)`` returns the second derivative of L in w31.

    Compared with a centered difference of bpkit's dL/dw31 (from its backward pass) in w31,
    at the chapter's starting point and at five random points.
    """
    what = "d2L_dw31"
    expect_function(what, d2L_dw31)
    for k, (p, x1, x2, t) in enumerate(_points(seed=24)):
        got = _number(what, call_reader(what, d2L_dw31, dict(p), x1, x2, t))
        w = p["w31"]
        expected = (_dL_dw31({**p, "w31": w + _EPS}, x1, x2, t)
                    - _dL_dw31({**p, "w31": w - _EPS}, x1, x2, t)) / (2 * _EPS)
        if _close(got, expected):
            continue
        raise ExerciseError(f"{what} is not right yet at {_where(k, p, x1, x2, t)}. "
                            f"{_hint_d2(got, p, x1, x2, t)}")
    correct("Your second derivative agrees with centered differences of bpkit's dL/dw31 at "
            "6 points. The slope tells the direction of a step; how fast the slope changes "
            "tells how long a step the loss tolerates (Chapter 4 makes this precise).")


def _hint_d2(got: float, p: dict, x1, x2, t) -> str:
    v = we.forward(p, x1, x2)
    y, h1 = float(v["y"]), float(v["h1"])
    s = y * (1 - y)
    first, second = (h1 * s) ** 2, h1 ** 2 * (y - t) * s * (1 - 2 * y)
    slips = [
        (first, "You treated the sigmoid's derivative y (1 - y) as a constant, but y moves "
                "with w31 too: the product rule gives a second term."),
        (second, "You differentiated only the sigmoid's derivative: y - t moves with w31 "
                 "too, and the product rule gives a second term."),
        ((first + second) / h1 if h1 else np.nan,
         "A factor depending on h1 is off: count how many times the derivative of z3 with "
         "respect to w31 enters."),
        (-(first + second), "The sign is flipped."),
    ]
    for value, hint in slips:
        if _close(got, value):
            return hint
    return ("Write dL/dw31 as a product of factors that depend on w31 (through y) and one "
            "that does not, and differentiate it with the product rule.")
