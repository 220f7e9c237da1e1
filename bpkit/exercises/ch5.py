r"""Checks for the exercises of chapter 5, optimizers.

- :func:`check_momentum_step`: momentum written as an update rule, against bpkit's ``SGD``.
- :func:`check_momentum_stable_lr`: the largest stable learning rate of momentum on a bowl.
- :func:`check_uncorrected_first_step`: the size of Adam's first step without bias correction.
- :func:`check_alternating_step`: how far Adam's step shrinks when the gradient flips sign.
"""

from __future__ import annotations

import numpy as np

from ..optim import SGD
from . import ExerciseError, check_close, correct

__all__ = ["QUADRATIC_A", "MOMENTUM", "check_momentum_step", "check_momentum_stable_lr",
           "check_uncorrected_first_step", "check_alternating_step"]

#: The bowl :math:`f = \frac12 \theta^\top A \theta` of exercise 5.2, and its momentum.
QUADRATIC_A = np.array([[3.0, 1.0], [1.0, 3.0]])
MOMENTUM = 0.9


class _Holder:
    def __init__(self, theta):
        self.params = {"w": np.array(theta, dtype=np.float64)}
        self.grads = {"w": np.zeros_like(self.params["w"])}


def _run_learner(step, theta, grads, lr, momentum):
    theta = np.array(theta, dtype=np.float64)
    velocity = np.zeros_like(theta)
    out = []
    for g in grads:
        try:
            result = step(theta.copy(), velocity.copy(), np.array(g, dtype=np.float64), lr,
                          momentum)
        except Exception as err:
            raise ExerciseError(f"your momentum_step raised {type(err).__name__}: {err}. It is "
                                "called as momentum_step(theta, velocity, grad, lr, momentum) "
                                "with three arrays of one shape and two numbers.") from None
        if not (isinstance(result, tuple) and len(result) == 2):
            raise ExerciseError("momentum_step should return a pair (new_theta, new_velocity), "
                                f"got {type(result).__name__}")
        theta, velocity = (np.asarray(a, dtype=np.float64) for a in result)
        out.append(theta.copy())
    return out


def _run_bpkit(theta, grads, lr, momentum):
    holder = _Holder(theta)
    opt = SGD(holder, lr=lr, momentum=momentum)
    out = []
    for g in grads:
        holder.grads["w"][:] = g
        opt.step()
        out.append(holder.params["w"].copy())
    return out


def check_momentum_step(momentum_step) -> None:
    r"""``momentum_step(theta, velocity, grad, lr, momentum) -> (theta, velocity)``.

    One step of gradient descent with momentum, :math:`v \leftarrow \mu v + g`,
    :math:`\theta \leftarrow \theta - \eta v`. Checked first on the two steps of
    ``tests/test_optim.py`` (the same numbers bpkit's ``SGD`` is tested with), then on
    twenty random gradients against ``bpkit.optim.SGD(momentum=...)``. Only the positions
    are compared, so either bookkeeping of the velocity (with or without the factor
    :math:`-\eta` folded in) is accepted.
    """
    if momentum_step is None:
        raise ExerciseError("no answer yet (got None): define a function "
                            "momentum_step(theta, velocity, grad, lr, momentum)")
    if not callable(momentum_step):
        raise ExerciseError(f"expected a function momentum_step(theta, velocity, grad, lr, "
                            f"momentum), got {type(momentum_step).__name__}")
    theta0, grads, lr, mu = (1.0, -2.0), [(0.5, -1.0), (0.2, 0.1)], 0.1, 0.9
    got = _run_learner(momentum_step, theta0, grads, lr, mu)
    for i, (g, e) in enumerate(zip(got, _run_bpkit(theta0, grads, lr, mu), strict=True)):
        if g.shape != e.shape:
            raise ExerciseError(f"after step {i + 1} theta has shape {g.shape}, expected "
                                f"{e.shape} (the shape of the parameter)")
        if np.allclose(g, e, rtol=1e-9, atol=1e-12):
            continue
        plain = np.array(theta0) - lr * np.sum(grads[:i + 1], axis=0)  # no momentum
        if np.allclose(g, plain):
            raise ExerciseError(f"after step {i + 1} you are at {g.tolist()}, where plain "
                                "gradient descent would be: the velocity is not carried from "
                                "one step to the next (return the new velocity too).")
        ema = [np.array(theta0)]
        v = np.zeros(2)
        for grad in grads:
            v = mu * v + (1 - mu) * np.array(grad)
            ema.append(ema[-1] - lr * v)
        if np.allclose(g, ema[i + 1]):
            raise ExerciseError("your velocity is an average, v = mu v + (1 - mu) g; the rule "
                                "here sums the gradients, v = mu v + g, so the steps grow up "
                                "to 1 / (1 - mu) times larger under a steady gradient.")
        raise ExerciseError(f"after step {i + 1} theta should be {np.round(e, 6).tolist()}, "
                            f"got {np.round(g, 6).tolist()}. The rule: v = momentum * v + grad, "
                            "then theta = theta - lr * v.")
    rng = np.random.default_rng(55)
    theta0 = rng.standard_normal((3, 2))
    grads = rng.standard_normal((20, 3, 2))
    for lr, mu in ((0.05, 0.5), (0.01, 0.95)):
        got = _run_learner(momentum_step, theta0, grads, lr, mu)
        expected = _run_bpkit(theta0, grads, lr, mu)
        check_close(f"theta after 20 random steps (lr={lr}, momentum={mu})", got[-1],
                    expected[-1], rtol=1e-9, atol=1e-12,
                    hint="It passed the first two steps: does it work for any array shape "
                         "and any lr and momentum (no hard-coded numbers)?")
    correct("Your momentum steps agree with bpkit's SGD(momentum=...) on the hand-checked "
            "two steps and on 20 random steps.")


def check_momentum_stable_lr(lr) -> None:
    r"""The largest learning rate for which momentum 0.9 converges on ``QUADRATIC_A``.

    Along an eigenvector of :math:`A` with eigenvalue :math:`\lambda`, momentum
    (:math:`v \leftarrow \mu v + g`, :math:`\theta \leftarrow \theta - \eta v`) gives the
    recurrence :math:`\theta_{t+1} = (1 + \mu - \eta\lambda)\,\theta_t - \mu\,\theta_{t-1}`,
    whose two roots stay inside the unit circle exactly when
    :math:`0 < \eta\lambda < 2(1 + \mu)`. For :math:`A = [[3, 1], [1, 3]]` (eigenvalues 2
    and 4) and :math:`\mu = 0.9` the answer is :math:`2 \cdot 1.9 / 4 = 0.95` (accepted
    within 1%).
    """
    lam = np.linalg.eigvalsh(QUADRATIC_A)
    expected = 2.0 * (1.0 + MOMENTUM) / lam.max()
    if lr is None:
        raise ExerciseError("no answer yet (got None)")
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ExerciseError(f"expected one number, a learning rate, got {lr!r}") from None
    hints = [(2.0 / lam.max(), "that is the limit of plain gradient descent, 2 / lambda_max; "
              "momentum's recurrence has a second term, - mu * theta_{t-1}, that moves the "
              "limit."),
             (2.0 / (lam.max() * (1 - MOMENTUM)), "that divides plain descent's limit by "
              "1 - mu, as if the step were always 1 / (1 - mu) times larger; the velocity "
              "only grows that much under a steady gradient, and this limit is about an "
              "oscillating one."),
             (2.0 * (1 + MOMENTUM) / lam.min(), "that keeps the flattest direction stable; "
              "every direction has to be, and the steepest one fails first."),
             (2.0 / QUADRATIC_A.diagonal().max() * (1 + MOMENTUM), "3 is the curvature along "
              "the x axis, but A has off-diagonal entries: the curvatures are its eigenvalues "
              "(np.linalg.eigvalsh).")]
    for wrong, hint in hints:
        if np.isclose(value, wrong, rtol=1e-2):
            raise ExerciseError(f"{value:g} is not it: {hint}")
    check_close("the largest stable learning rate with momentum 0.9", value, expected,
                rtol=1e-2, atol=0,
                hint="Along an eigenvector with eigenvalue lambda, write theta_{t+1} in terms "
                     "of theta_t and theta_{t-1}, and find when both roots of its "
                     "characteristic equation have size below 1. Or search with descend.")
    correct(f"lr < 2 (1 + mu) / lambda_max = 2 * 1.9 / {lam.max():g} = {expected:g}, almost "
            f"twice plain gradient descent's limit of 2 / lambda_max = {2 / lam.max():g}.")


def check_uncorrected_first_step(ratio) -> None:
    r"""Adam's first step without bias correction, as a multiple of ``lr`` (defaults 0.9, 0.999).

    With :math:`m = (1 - \beta_1) g` and :math:`v = (1 - \beta_2) g^2` after one step, the
    uncorrected step is :math:`\eta (1 - \beta_1) |g| / \sqrt{(1 - \beta_2) g^2}
    = \eta (1 - \beta_1)/\sqrt{1 - \beta_2} \approx 3.162\,\eta` (ignoring :math:`\epsilon`).
    """
    b1, b2 = 0.9, 0.999
    expected = (1 - b1) / np.sqrt(1 - b2)
    if ratio is not None:
        try:
            value = float(ratio)
        except (TypeError, ValueError):
            raise ExerciseError(f"expected one number (a step size divided by lr), got "
                                f"{ratio!r}") from None
        if np.isclose(value, 1.0):
            raise ExerciseError("1 is the first step *with* bias correction; drop both "
                                "divisions by 1 - beta**t and compute m / sqrt(v).")
        if np.isclose(value, 1 - b1, rtol=1e-2):
            raise ExerciseError("that corrects v but not m, or forgets that v is small too: "
                                "v = (1 - beta2) g**2 after the first step.")
        if np.isclose(value, (1 - b1) / (1 - b2), rtol=1e-2):
            raise ExerciseError("the step divides by the square root of v, not by v itself.")
    check_close("the uncorrected first step, in units of lr", ratio, expected, rtol=1e-3,
                hint="After one step m = (1 - beta1) g and v = (1 - beta2) g**2; the step is "
                     "lr * m / sqrt(v).")
    correct(f"(1 - beta1) / sqrt(1 - beta2) = {expected:.4f}: without the correction the "
            "first steps are over three times larger than lr, whatever the gradient's size.")


def check_alternating_step(ratio) -> None:
    r"""Adam's long-run step under a gradient that flips sign at every step, in units of ``lr``.

    With gradients :math:`g, -g, g, \dots` the second moment sees :math:`g^2` at every step,
    so :math:`v_t = (1 - \beta_2^t)\,g^2` and :math:`\hat v_t = g^2` exactly. The first moment
    settles into alternating between :math:`+M` and :math:`-M`, with
    :math:`M = (1 - \beta_1)|g| - \beta_1 M`, so :math:`M = |g|(1 - \beta_1)/(1 + \beta_1)`
    and, once :math:`\beta_1^t` is negligible, the step is
    :math:`\eta\,(1 - \beta_1)/(1 + \beta_1) = \eta/19` for :math:`\beta_1 = 0.9`
    (accepted within 0.1%).
    """
    b1, b2 = 0.9, 0.999
    expected = (1 - b1) / (1 + b1)
    if ratio is None:
        raise ExerciseError("no answer yet (got None)")
    try:
        value = float(ratio)
    except (TypeError, ValueError):
        raise ExerciseError(f"expected one number (a step size divided by lr), got "
                            f"{ratio!r}") from None
    if np.isclose(-value, expected, rtol=1e-3):
        raise ExerciseError(f"{value:g} is negative: give the size of the step, a positive "
                            "multiple of lr.")
    hints = [(1.0, "that is Adam's first step (and RMSProp's step in the long run). After it, "
              "m averages gradients of both signs, which mostly cancel."),
             (1 / (1 + b1), "that is momentum's velocity under a flipping gradient, a sum of "
              "the gradients; Adam's m is an average, each new gradient enters it with "
              "weight 1 - beta1."),
             (1 - b1, "that is m / |g| after the first step only. Later the previous m, of the "
              "opposite sign, pulls the next one down: in the long run m alternates between "
              "+M and -M, with M = (1 - beta1) |g| - beta1 M."),
             ((1 - b2) / (1 + b2), "that uses beta2; m, the average of the gradients, decays "
              "with beta1, and v with beta2.")]
    for wrong, hint in hints:
        if np.isclose(value, wrong, rtol=1e-2):
            raise ExerciseError(f"{value:g} is not it: {hint}")
    if np.isclose(value, 0.0, rtol=0, atol=1e-3):
        raise ExerciseError(f"{value:g} is not it: the steps do not vanish. The newest gradient "
                            "always weighs most in m, so m keeps the sign of the latest "
                            "gradient and a size that stops shrinking.")
    if np.isclose(value, expected, rtol=2e-2) and not np.isclose(value, expected, rtol=1e-3):
        raise ExerciseError(f"{value:g} is close, but rounded too much: give it to four "
                            "significant digits (or as the exact fraction).")
    check_close("Adam's long-run step under a flipping gradient, in units of lr", value,
                expected, rtol=1e-3, atol=0,
                hint="What is v_hat when every g**2 is the same? Then solve for the size M "
                     "of m that repeats with its sign flipped, M = (1 - beta1) |g| - beta1 M, "
                     "and divide the long-run step lr * M / sqrt(v_hat) by lr.")
    correct(f"(1 - beta1) / (1 + beta1) = {1 - b1:g} / {1 + b1:g} = {expected:.4f}: under a "
            f"gradient that flips sign, Adam's steps shrink to 1/{1 / expected:.0f} of lr, while "
            "RMSProp's settle at lr. That is how Adam's averaged first moment damps the bouncing "
            "around a minimum.")
