r"""Checks for the exercises of chapter 4, training.

- :func:`check_stability_bound`: the bound on the learning rate of gradient descent on the
  quadratic :math:`L(\theta) = \frac12 \theta^\top A \theta`, below which it converges.
- :func:`check_fastest_lr`: the fixed learning rate that converges fastest on that quadratic.
- :func:`check_batch_noise`: the expected squared distance between a mini-batch gradient
  (examples drawn with replacement) and the full gradient, as a function of the batch size.
- :func:`check_early_stopping`: a function that finds where early stopping stops.

No message of a check states the expected value or its formula: a passing check says what
the answer implies, a failing one what is off.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import ExerciseError, call_reader, check_close, correct, exercise_check, expect_function

__all__ = ["A", "check_stability_bound", "check_fastest_lr", "check_batch_noise",
           "check_early_stopping"]

#: The curvature matrix of exercises 4.1 and 4.2: :math:`L(\theta) = \frac12 \theta^\top A \theta`.
A = np.array([[6.0, 2.0], [2.0, 3.0]])


def _eigenvalues():
    lam = np.linalg.eigvalsh(A)
    return float(lam[0]), float(lam[-1])


def _scalar(value):
    """``value`` as a float if it is one number, else None (check_close reports the rest)."""
    if value is None or np.ndim(value) != 0:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------- Exercise 4.1

@exercise_check("4.1")
def check_stability_bound(lr_max) -> None:
    r"""``lr_max`` must be the supremum of the learning rates that converge from every start.

    Gradient descent on the quadratic is :math:`\theta \leftarrow (I - \eta A)\theta`; along
    the eigenvector of eigenvalue :math:`\lambda` the error is multiplied by
    :math:`1 - \eta\lambda` each step, which shrinks only while :math:`|1 - \eta\lambda| < 1`.
    """
    lo, hi = _eigenvalues()
    ref = 2 / hi
    v = _scalar(lr_max)
    if v is not None:
        if np.isclose(v, 2 / lo, rtol=1e-3):
            raise ExerciseError(
                "lr_max: this bound comes from the smallest eigenvalue. Which direction is "
                "the first to overshoot by too much as the learning rate grows?")
        if np.isclose(v, 1 / hi, rtol=1e-3):
            raise ExerciseError(
                "lr_max: at this learning rate the steepest direction lands exactly on the "
                "minimum in one step. Larger steps overshoot, but still shrink the error as "
                "long as |1 - lr * lambda| < 1.")
        if np.isclose(v, 2 / float(np.max(np.diag(A))), rtol=1e-3):
            raise ExerciseError(
                "lr_max: this comes from the largest diagonal entry of A. A is not diagonal, "
                "so its curvatures are its eigenvalues (np.linalg.eigvalsh).")
        if 0.9 * ref < v < ref * (1 - 1e-3):
            raise ExerciseError(
                "lr_max: a little below the bound. The exercise asks for the bound itself, "
                "exactly, from the eigenvalues of A, not a value found by trial.")
    check_close("lr_max", lr_max, ref, rtol=1e-3,
                hint="Each step multiplies the error along an eigenvector of A by "
                     "(1 - lr * lambda); find where the largest |1 - lr * lambda| reaches 1.")
    correct("Below this bound the error shrinks along every eigenvector of A. At the bound "
            "itself the error along the steepest eigenvector flips sign each step and keeps "
            "its size, so gradient descent does not converge there; above it, that error grows.")


# ----------------------------------------------------------------- Exercise 4.2

@exercise_check("4.2")
def check_fastest_lr(lr_best) -> None:
    r"""``lr_best`` must minimise the slowest factor :math:`\max_\lambda |1 - \eta\lambda|`.

    At that :math:`\eta` the steep direction overshoots by exactly as much as the shallow one
    undershoots.
    """
    lo, hi = _eigenvalues()
    ref = 2 / (lo + hi)
    v = _scalar(lr_best)
    if v is not None:
        if np.isclose(v, 1 / hi, rtol=1e-3):
            raise ExerciseError(
                "lr_best: this learning rate solves the steep direction in one step, but the "
                "shallow one then shrinks slowly. Balance the two factors "
                "|1 - lr * lambda_min| and |1 - lr * lambda_max| instead.")
        if np.isclose(v, 2 / hi, rtol=1e-3):
            raise ExerciseError(
                "lr_best: at this learning rate gradient descent does not converge at all "
                "(the steep direction never shrinks).")
        if 0 < v < 2 / hi and not np.isclose(v, ref, rtol=1e-3):
            slowest = max(abs(1 - v * lo), abs(1 - v * hi))
            which = "steep" if abs(1 - v * hi) > abs(1 - v * lo) else "shallow"
            if slowest < 1:
                raise ExerciseError(
                    f"lr_best: not right yet. At your learning rate the {which} direction "
                    f"shrinks more slowly than the other, so it sets the pace: move the "
                    f"learning rate so that the two factors |1 - lr * lambda| become equal.")
    check_close("lr_best", lr_best, ref, rtol=1e-3,
                hint="The slowest direction sets the speed: minimise the larger of "
                     "|1 - lr * lambda_min| and |1 - lr * lambda_max| over lr.")
    correct("At this learning rate the error along both eigenvectors shrinks by the same "
            "factor per step; any other fixed learning rate makes one of them shrink more "
            "slowly.")


# ----------------------------------------------------------------- Exercise 4.3

def _enumerated_noise(G: np.ndarray, batch_size: int) -> float:
    """E||g_B - g||^2 by brute force: the average over every ordered batch drawn with
    replacement, each of the N**|B| batches equally likely. Independent of any formula."""
    full = G.mean(axis=0)
    total = 0.0
    for batch in itertools.product(range(len(G)), repeat=batch_size):
        total += float(np.sum((G[list(batch)].mean(axis=0) - full) ** 2))
    return total / len(G) ** batch_size


def _noise_cases():
    """Small per-example gradient arrays ``G (N, P)`` and batch sizes to enumerate."""
    rng = np.random.default_rng(44)
    cases = []
    for n, p, sizes in ((4, 2, (1, 2, 3, 4)), (5, 3, (1, 2, 3)), (3, 1, (1, 2, 5)),
                        (6, 4, (2, 4))):
        G = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(size=p)
        cases += [(G, size) for size in sizes]
    return cases


@exercise_check("4.3")
def check_batch_noise(batch_noise) -> None:
    r"""``batch_noise(G, batch_size)`` must return :math:`E\,\lVert g_B - \bar g\rVert^2`.

    ``G (N, P)`` holds one example's gradient per row, :math:`\bar g` is their mean, and the
    :math:`|B|` examples of a batch are drawn independently and uniformly from the N (with
    replacement). The reference averages over every possible batch.
    """
    what = "batch_noise(G, batch_size)"
    expect_function(what, batch_noise)
    cases = _noise_cases()
    got, expected = [], []
    for G, size in cases:
        value = call_reader(what, batch_noise, G.copy(), size)
        if value is None:
            raise ExerciseError(f"{what} returned None: return the expected squared distance, "
                                "one number.")
        if np.ndim(value) != 0:
            raise ExerciseError(f"{what} returned an array of shape {np.shape(value)}; it "
                                "should be one number: the squared length of g_B - g, summed "
                                "over all P parameters, then averaged over the batches.")
        got.append(float(value))
        expected.append(_enumerated_noise(G, size))
    got, expected = np.array(got), np.array(expected)
    if np.allclose(got, expected, rtol=1e-6):
        correct("Your function matches the average over every possible batch in all "
                f"{len(cases)} test cases, so you can predict how much a larger batch "
                "steadies a step without drawing a single batch.")
        return
    sizes = np.array([size for _, size in cases])
    n = np.array([len(G) for G, _ in cases])
    same_data = [i for i in range(len(cases)) if cases[i][0] is cases[0][0]]
    if np.allclose(got[same_data], got[same_data][0], rtol=1e-6):
        raise ExerciseError(f"{what}: your value does not change with the batch size. A "
                            "larger batch averages more independent draws, so its gradient "
                            "should be closer to the full one.")
    ratio = got / expected
    if np.allclose(ratio, ratio[0], rtol=1e-6):
        raise ExerciseError(f"{what}: a constant factor is missing or extra (the same for "
                            "every data set and batch size).")
    if np.allclose(ratio, sizes ** 2, rtol=1e-6) or np.allclose(ratio * sizes, 1, rtol=1e-6):
        raise ExerciseError(f"{what}: the dependence on the batch size has the wrong power.")
    if np.allclose(ratio, n / (n - 1), rtol=1e-6) or np.allclose(ratio, (n - 1) / n,
                                                                 rtol=1e-6):
        raise ExerciseError(f"{what}: off by a factor close to 1 that depends on N: average "
                            "over the N examples themselves (the full gradient is their exact "
                            "mean, nothing is estimated).")
    without = np.clip((n - sizes) / (n - 1), 0, None)
    if np.allclose(got, expected * without, rtol=1e-6, atol=1e-12):
        raise ExerciseError(f"{what}: this is the noise of batches drawn without replacement. "
                            "Here each example of the batch is drawn independently of the "
                            "others, so the same example can appear twice.")
    bad = int(np.argmax(~np.isclose(got, expected, rtol=1e-6)))
    G, size = cases[bad]
    raise ExerciseError(f"{what}: not right yet, for example for N = {len(G)} examples of "
                        f"P = {G.shape[1]} parameters and batch size {size}. Expand "
                        "g_B - g as an average of |B| independent terms, each of mean zero.")


# ----------------------------------------------------------------- Exercise 4.4

def _early_stopping_reference(val_losses, patience: int):
    """``(best_epoch, stop_epoch)``; ``stop_epoch`` is None if the run never stops."""
    best, best_epoch, wait = np.inf, None, 0
    for epoch, value in enumerate(val_losses):
        if value < best:
            best, best_epoch, wait = value, epoch, 0
        else:
            wait += 1
            if wait == patience:
                return best_epoch, epoch
    return best_epoch, None


_CASES = [
    ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.69, 0.7, 0.8, 0.9], 3),
    ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.69, 0.7, 0.8, 0.9], 4),
    ([0.9, 0.9, 0.9, 0.9], 2),  # equal is not better
    ([1.0, 0.9, 0.8, 0.7], 2),  # never stops
    ([0.5, 0.6, 0.4, 0.45, 0.44, 0.3, 0.31, 0.32], 1),
]


@exercise_check("4.4")
def check_early_stopping(early_stop) -> None:
    """``early_stop(val_losses, patience)`` must return ``(best_epoch, stop_epoch)``.

    Epochs count from 0 (``val_losses[0]`` is epoch 0); an improvement is a loss strictly
    below the best so far; ``stop_epoch`` is the epoch at which the ``patience``-th epoch in
    a row without improvement is seen, or None if that never happens.
    """
    what = "early_stop(val_losses, patience)"
    expect_function(what, early_stop)
    for case, (losses, patience) in enumerate(_CASES, start=1):
        expected = _early_stopping_reference(losses, patience)
        got = call_reader(what, early_stop, list(losses), patience)
        try:
            best, stop = got
        except (TypeError, ValueError):
            raise ExerciseError(f"{what} returned {got!r}; return a pair "
                                "(best_epoch, stop_epoch).") from None
        name = f"test curve {case} of {len(_CASES)} (patience {patience})"
        if stop is not None and (isinstance(stop, bool)
                                 or not isinstance(stop, (int, np.integer))):
            raise ExerciseError(f"{what}: on {name} stop_epoch is {type(stop).__name__}; it "
                                "should be an epoch number, or None if the run never stops.")
        if best != expected[0] and losses[0] == losses[1]:
            raise ExerciseError(f"{what}: best_epoch is wrong on {name}. An equal loss is not "
                                "an improvement: compare with a strict <.")
        if expected[1] is not None and (stop is None or stop > expected[1]):
            raise ExerciseError(f"{what}: on {name} your run stops too late, or never. It "
                                "stops at the epoch that is the patience-th in a row without "
                                "improvement, counting the epochs after the best.")
        if stop is not None and (expected[1] is None or stop < expected[1]):
            raise ExerciseError(f"{what}: on {name} your run stops too early. It stops only at "
                                "the patience-th epoch in a row without improvement; an "
                                "improvement starts the count again.")
        if best != expected[0]:
            raise ExerciseError(f"{what}: best_epoch is wrong on {name}. Epochs count from 0, "
                                "and the best epoch is the one with the lowest loss seen before "
                                "stopping.")
    correct(f"Right on all {len(_CASES)} test curves, including some that never stop and one "
            "where an equal loss must not count as an improvement.")
