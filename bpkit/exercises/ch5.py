r"""Checks for the exercises of chapter 5, optimizers.

- :func:`check_adamw`: an ``AdamW`` optimizer (Adam with decoupled weight decay), run step
  by step on random gradients against a reference the check computes itself.
- :func:`check_momentum_lr_bound`: the bound on the learning rate of momentum on a bowl,
  below which it converges from every start.
- :func:`check_uncorrected_peak`: the largest step of Adam without bias correction under a
  steady gradient, and the step at which it comes.
- :func:`check_alternating_step`: how far Adam's step shrinks when the gradient flips sign.

No message of a check states the expected value or its formula: a passing check says what
the answer implies, a failing one what is off.
"""

from __future__ import annotations

import numpy as np

from . import (
    ExerciseError,
    call_reader,
    check_close,
    correct,
    exercise_check,
    expect_function,
    no_answer,
)

__all__ = ["QUADRATIC_A", "MOMENTUM", "check_adamw", "check_momentum_lr_bound",
           "check_uncorrected_peak", "check_alternating_step"]

#: The bowl :math:`f = \frac12 \theta^\top A \theta` of exercise 5.2, and its momentum.
QUADRATIC_A = np.array([[3.0, 1.0], [1.0, 3.0]])
MOMENTUM = 0.9


def _scalar(value):
    """``value`` as a float if it is one real number, else None."""
    if value is None or isinstance(value, (str, bytes)) or np.ndim(value) != 0:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------- Exercise 5.1

class _Model:
    """Two parameter arrays of different shapes, the way a layer has W and b."""

    def __init__(self, rng):
        self.params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}


def _reference(params, grads, lr, beta1, beta2, eps, weight_decay, *, decoupled=True,
               corrected=True, decay_lr=True, decay_after=False):
    """Positions after each step of the rule (and of its common variants, for the hints)."""
    theta = {k: p.copy() for k, p in params.items()}
    m = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    out = []
    for k_step, g_all in enumerate(grads, start=1):
        for name in theta:
            g = g_all[name] + (0.0 if decoupled else weight_decay * theta[name])
            m[name] = beta1 * m[name] + (1 - beta1) * g
            s[name] = beta2 * s[name] + (1 - beta2) * g * g
            m_hat = m[name] / (1 - beta1 ** k_step) if corrected else m[name]
            s_hat = s[name] / (1 - beta2 ** k_step) if corrected else s[name]
            move = m_hat / (np.sqrt(s_hat) + eps)
            pull = (lr if decay_lr else 1.0) * weight_decay if decoupled else 0.0
            if decay_after:
                theta[name] = theta[name] - lr * move
                theta[name] = theta[name] - pull * theta[name]
            else:
                theta[name] = theta[name] - lr * move - pull * theta[name]
        out.append({k: v.copy() for k, v in theta.items()})
    return out


def _run_reader(cls, params, grads, settings):
    model = _Model(np.random.default_rng(0))
    model.params = {k: p.copy() for k, p in params.items()}
    model.grads = {k: np.zeros_like(p) for k, p in params.items()}
    lr, beta1, beta2, eps, weight_decay = settings
    opt = call_reader("AdamW(model, ...)", lambda: cls(model, lr=lr, beta1=beta1, beta2=beta2,
                                                        eps=eps, weight_decay=weight_decay))
    if not callable(getattr(opt, "step", None)):
        raise ExerciseError("AdamW: the optimizer has no step() method. Subclass "
                            "bpkit.optim.Adam (or Optimizer), whose step() calls your update.")
    out = []
    for g_all in grads:
        for k, g in g_all.items():
            model.grads[k][...] = g
        call_reader("AdamW.step()", opt.step)
        out.append({k: np.asarray(p, dtype=np.float64).copy()
                    for k, p in model.params.items()})
    return out


def _same(a, b, rtol=1e-9, atol=1e-12):
    return len(a) == len(b) and all(np.allclose(x[k], y[k], rtol=rtol, atol=atol)
                                    for x, y in zip(a, b, strict=True) for k in x)


@exercise_check("5.1")
def check_adamw(AdamW) -> None:
    r"""``AdamW(model, lr=..., beta1=..., beta2=..., eps=..., weight_decay=...)``, with ``step()``.

    Run on a model with two parameter arrays, on random gradients, with several settings,
    and compared after every step with a reference the check computes from the update rule
    of the exercise; common variants (the decay fed through the moments, no bias correction,
    the decay not scaled by the learning rate, the decay applied after the move) are named.
    """
    expect_function("AdamW", AdamW)
    rng = np.random.default_rng(51)
    settings_list = [(0.01, 0.9, 0.999, 1e-8, 0.1), (0.05, 0.8, 0.99, 1e-8, 0.5),
                     (0.003, 0.0, 0.9, 1e-6, 0.0)]
    for n, settings in enumerate(settings_list, start=1):
        params = _Model(rng).params
        grads = [{k: rng.standard_normal(p.shape) for k, p in params.items()}
                 for _ in range(25)]
        got = _run_reader(AdamW, params, grads, settings)
        want = _reference(params, grads, *settings)
        for k_step, (g, w) in enumerate(zip(got, want, strict=True), start=1):
            for name in w:
                if g[name].shape != w[name].shape:
                    raise ExerciseError(f"AdamW: after step {k_step}, parameter {name!r} has "
                                        f"shape {g[name].shape}; the step must keep the "
                                        "shape of each parameter.")
        if _same(got, want):
            continue
        where = f"(test case {n}: lr, beta1, beta2, eps, weight_decay = {settings})"
        variants = [
            (dict(decoupled=False), "the weight decay goes through the moments, as if "
             "weight_decay * theta were added to the gradient. That is L2 regularization "
             "inside Adam, whose pull gets divided by sqrt(s_hat); decoupled decay is applied "
             "to theta directly, next to the Adam move."),
            (dict(corrected=False), "the moments are not bias-corrected: divide m and s by "
             "(1 - beta**k), with k the number of steps taken so far, 1 at the first step."),
            (dict(decay_lr=False), "the decay is not scaled by the learning rate: the pull "
             "towards zero has a factor lr too."),
            (dict(decay_after=True), "the decay uses theta after this step's Adam move; the "
             "rule shrinks the theta of before the step."),
        ]
        for changes, hint in variants:
            if _same(got, _reference(params, grads, *settings, **changes)):
                raise ExerciseError(f"AdamW {where}: {hint}")
        if settings[-1] and _same(got, _reference(params, grads, *settings[:-1], 0.0)):
            raise ExerciseError(f"AdamW {where}: your steps are those of Adam without any "
                                "weight decay; weight_decay is not used.")
        first = next(k for k in range(len(want)) if not _same(got[k:k + 1], want[k:k + 1]))
        raise ExerciseError(f"AdamW {where}: the parameters differ from the rule's from step "
                            f"{first + 1} on. Check each setting is used (no hard-coded "
                            "numbers), that the step counter starts at 1, and that every "
                            "parameter array is updated in place.")
    correct("Your AdamW follows the rule step by step on random gradients, for three "
            "settings and two parameter arrays: the weight decay shrinks every parameter by "
            "the same fraction per step, whatever the size of its gradients.")


# ----------------------------------------------------------------- Exercise 5.2

@exercise_check("5.2")
def check_momentum_lr_bound(lr_bound) -> None:
    r"""The bound on momentum's learning rate on ``QUADRATIC_A`` with ``MOMENTUM``.

    Momentum converges from every start for each learning rate below the bound and not at
    it. Accepted within 1%; the usual slips (plain gradient descent's bound, the smallest
    eigenvalue, the diagonal of A, the steady-gradient factor) are named.
    """
    lam = np.linalg.eigvalsh(QUADRATIC_A)
    expected = 2.0 * (1.0 + MOMENTUM) / lam.max()
    if lr_bound is None:
        raise no_answer("momentum_lr_bound")
    value = _scalar(lr_bound)
    if value is None:
        raise ExerciseError(f"momentum_lr_bound: expected one number, a learning rate, got "
                            f"{type(lr_bound).__name__}")
    hints = [(2.0 / lam.max(), "that is the bound of plain gradient descent; momentum's "
              "recurrence has a second term, - mu * theta_{k-1}, that moves the bound."),
             (2.0 / (lam.max() * (1 - MOMENTUM)), "that scales plain descent's bound as if "
              "the step were always 1 / (1 - mu) times larger; the velocity only grows that "
              "much under a steady gradient, and the instability is an oscillating one."),
             (2.0 * (1 + MOMENTUM) / lam.min(), "that keeps the flattest direction stable; "
              "every direction has to be, and the steepest one fails first."),
             (2.0 / QUADRATIC_A.diagonal().max() * (1 + MOMENTUM), "3 is the curvature along "
              "the x axis, but A has off-diagonal entries: the curvatures are its eigenvalues "
              "(np.linalg.eigvalsh).")]
    for wrong, hint in hints:
        if np.isclose(value, wrong, rtol=1e-2):
            raise ExerciseError(f"momentum_lr_bound: not it, {hint}")
    if 0.8 * expected < value < expected * (1 - 1e-2):
        raise ExerciseError("momentum_lr_bound: a little below the bound. The exercise asks "
                            "for the bound itself, from the roots of the recurrence, not a "
                            "learning rate found by trial to converge.")
    check_close("momentum_lr_bound", value, expected, rtol=1e-2, atol=0,
                hint="Along an eigenvector with eigenvalue lambda, write theta_{k+1} in terms "
                     "of theta_k and theta_{k-1}, and find when both roots of its "
                     "characteristic equation have size below 1.")
    correct("Below this bound momentum converges from every start, and the bound is well "
            "above plain gradient descent's: damping the oscillation across the steep "
            "direction lets it take larger steps there.")


# ----------------------------------------------------------------- Exercise 5.3

@exercise_check("5.3")
def check_uncorrected_peak(peak_step, peak_ratio) -> None:
    r"""Adam without bias correction under a steady gradient (``beta1=0.9, beta2=0.999``).

    ``peak_step`` is the step :math:`k` at which the uncorrected step is largest, an integer;
    ``peak_ratio`` that step's size divided by ``lr`` (accepted within 0.1%).
    """
    b1, b2 = 0.9, 0.999
    k = np.arange(1, 10001)
    ratios = (1 - b1 ** k) / np.sqrt(1 - b2 ** k)
    best_k, best_ratio = int(k[ratios.argmax()]), float(ratios.max())
    if peak_step is None or peak_ratio is None:
        raise no_answer("uncorrected_peak_step and uncorrected_peak_ratio")
    step, ratio = _scalar(peak_step), _scalar(peak_ratio)
    if step is None or ratio is None:
        raise ExerciseError("uncorrected_peak_step and uncorrected_peak_ratio: expected one "
                            "number each (a step count, and a step size divided by lr).")
    if step != round(step) or not 1 <= step <= len(k):
        raise ExerciseError("uncorrected_peak_step: a step count is a whole number, 1 for the "
                            "first step.")
    if np.isclose(ratio, 1.0):
        raise ExerciseError("uncorrected_peak_ratio: that is the size of every step *with* "
                            "the bias correction; drop the divisions by 1 - beta**k.")
    if step == 1:
        raise ExerciseError("uncorrected_peak_step: the first step is not the largest. After "
                            "it, the average of the gradients grows faster than the root of "
                            "the average of their squares, for a while.")
    if np.isclose(ratio, ratios[int(step) - 1] ** 2, rtol=1e-3) or np.isclose(
            ratio, (1 - b1 ** step) / (1 - b2 ** step), rtol=1e-3):
        raise ExerciseError("uncorrected_peak_ratio: the step divides by the square root of "
                            "s, not by s itself.")
    if int(step) != best_k:
        direction = "later" if step < best_k else "earlier"
        raise ExerciseError(f"uncorrected_peak_step: not the largest step; the largest comes "
                            f"{direction}. Write the step's size as a function of k for a "
                            "constant gradient and compare neighbouring k.")
    check_close("uncorrected_peak_ratio", ratio, best_ratio, rtol=1e-3, atol=0,
                hint="Your step count is right: compute the step's size there, for a "
                     "constant gradient, from m_k and s_k started at zero.")
    correct("Without the correction Adam's steps under a steady gradient grow to several "
            "times lr before falling back towards lr, over thousands of "
            "steps: the division by 1 - beta**k keeps every step near lr from the start.")


# ----------------------------------------------------------------- Exercise 5.4

@exercise_check("5.4")
def check_alternating_step(ratio) -> None:
    r"""Adam's long-run step under a gradient that flips sign at every step, in units of ``lr``.

    ``beta1=0.9, beta2=0.999``, :math:`\epsilon` negligible; accepted within 0.1%. The usual
    slips (the first step, momentum's sum instead of an average, one step only, the wrong
    decay, a sign) are named.
    """
    b1, b2 = 0.9, 0.999
    expected = (1 - b1) / (1 + b1)
    if ratio is None:
        raise no_answer("alternating_ratio")
    value = _scalar(ratio)
    if value is None:
        raise ExerciseError(f"alternating_ratio: expected one number (a step size divided by "
                            f"lr), got {type(ratio).__name__}")
    if np.isclose(-value, expected, rtol=1e-3):
        raise ExerciseError("alternating_ratio: negative; give the size of the step, a "
                            "positive multiple of lr.")
    hints = [(1.0, "that is Adam's first step (and RMSProp's step in the long run). After it, "
              "m averages gradients of both signs, which mostly cancel."),
             (1 / (1 + b1), "that is momentum's velocity under a flipping gradient, a sum of "
              "the gradients; Adam's m is an average, each new gradient enters it with "
              "weight 1 - beta1."),
             (1 - b1, "that is m / |g| after the first step only. Later the previous m, of the "
              "opposite sign, pulls the next one down: in the long run m alternates between "
              "+M and -M."),
             ((1 - b2) / (1 + b2), "that uses beta2; m, the average of the gradients, decays "
              "with beta1, and s with beta2.")]
    for wrong, hint in hints:
        if np.isclose(value, wrong, rtol=1e-2):
            raise ExerciseError(f"alternating_ratio: not it, {hint}")
    if np.isclose(value, 0.0, rtol=0, atol=1e-3):
        raise ExerciseError("alternating_ratio: the steps do not vanish. The newest gradient "
                            "always weighs most in m, so m keeps the sign of the latest "
                            "gradient and a size that stops shrinking.")
    if np.isclose(value, expected, rtol=2e-2) and not np.isclose(value, expected, rtol=1e-3):
        raise ExerciseError("alternating_ratio: close, but rounded too much: give it to four "
                            "significant digits (or as an exact fraction).")
    check_close("alternating_ratio", value, expected, rtol=1e-3, atol=0,
                hint="What is s_hat when every g**2 is the same? Then find the size M of m "
                     "that repeats with its sign flipped, and divide the long-run step by lr.")
    correct("Under a gradient that flips sign, Adam's steps shrink to a small fraction of lr, "
            "while RMSProp's settle at lr: that is how Adam's averaged first moment damps the "
            "bouncing around a minimum.")
