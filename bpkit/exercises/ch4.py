r"""Checks for the exercises of chapter 4, training.

- :func:`check_largest_stable_lr`: the largest learning rate for which gradient descent on
  the quadratic :math:`L(\theta) = \frac12 \theta^\top A \theta` still converges.
- :func:`check_fastest_lr`: the fixed learning rate that converges fastest on that quadratic.
- :func:`check_minibatches`: a function that splits an epoch's examples into shuffled batches.
- :func:`check_early_stopping`: a function that finds where early stopping stops.
"""

from __future__ import annotations

import numpy as np

from . import ExerciseError, check_close, correct

__all__ = ["A", "check_largest_stable_lr", "check_fastest_lr", "check_minibatches",
           "check_early_stopping", "early_stopping_reference"]

#: The curvature matrix of exercises 4.1 and 4.2: :math:`L(\theta) = \frac12 \theta^\top A \theta`.
A = np.array([[6.0, 2.0], [2.0, 3.0]])


def _eigenvalues():
    lam = np.linalg.eigvalsh(A)
    return float(lam[0]), float(lam[-1])


def check_largest_stable_lr(lr_max) -> None:
    r"""``lr_max`` must be :math:`2/\lambda_{\max}(A)`, the edge of stability.

    Gradient descent on the quadratic is :math:`\theta \leftarrow (I - \eta A)\theta`; along
    the eigenvector of eigenvalue :math:`\lambda` the error is multiplied by
    :math:`1 - \eta\lambda` each step, which shrinks only while :math:`|1 - \eta\lambda| < 1`.
    """
    lo, hi = _eigenvalues()
    if lr_max is not None and np.ndim(lr_max) == 0:
        v = float(lr_max)
        if np.isclose(v, 2 / lo, rtol=1e-3):
            raise ExerciseError(
                f"{v:.6g} is 2 / {lo:g}, from the smallest eigenvalue. Above 2/lambda the step "
                "overshoots along that eigenvector; which direction is the first to overshoot "
                "as the learning rate grows?")
        if np.isclose(v, 1 / hi, rtol=1e-3):
            raise ExerciseError(
                f"{v:.6g} is 1 / lambda_max: the step that lands exactly on the minimum along "
                "the steepest direction. Larger steps overshoot but still shrink the error "
                "while |1 - lr * lambda| < 1.")
        if np.isclose(v, 2 / float(np.max(np.diag(A))), rtol=1e-3):
            raise ExerciseError(
                f"{v:.6g} is 2 / {np.max(np.diag(A)):g}, from the largest diagonal entry of A; "
                "A is not diagonal, so its curvatures are its eigenvalues "
                "(np.linalg.eigvalsh(A)).")
    check_close("the largest stable learning rate", lr_max, 2 / hi, rtol=1e-3,
                hint="Each step multiplies the error along an eigenvector of A by "
                     "(1 - lr * lambda); find where the largest |1 - lr * lambda| reaches 1.")
    correct(f"lr_max = 2 / lambda_max = 2 / {hi:g} = {2 / hi:.6g}. Any larger learning rate "
            "makes the error along the steepest direction grow each step.")


def check_fastest_lr(lr_best) -> None:
    r"""``lr_best`` must be :math:`2/(\lambda_{\min} + \lambda_{\max})`.

    It minimises the slowest contraction factor :math:`\max_\lambda |1 - \eta\lambda|`: at
    that :math:`\eta` the steep direction overshoots by exactly as much as the shallow one
    undershoots, :math:`1 - \eta\lambda_{\min} = -(1 - \eta\lambda_{\max})`.
    """
    lo, hi = _eigenvalues()
    if lr_best is not None and np.ndim(lr_best) == 0 and np.isclose(float(lr_best), 1 / hi,
                                                                    rtol=1e-3):
        raise ExerciseError(
            f"{float(lr_best):.6g} = 1 / lambda_max kills the steep direction in one step, but "
            f"the shallow one then shrinks only by 1 - {lo:g}/{hi:g} per step. Balance the two "
            "factors |1 - lr * lambda_min| and |1 - lr * lambda_max| instead.")
    check_close("the fastest learning rate", lr_best, 2 / (lo + hi), rtol=1e-3,
                hint="The slowest direction sets the speed: minimise the larger of "
                     "|1 - lr * lambda_min| and |1 - lr * lambda_max| over lr.")
    rate = (hi - lo) / (hi + lo)
    correct(f"lr = 2 / (lambda_min + lambda_max) = 2 / {lo + hi:g} = {2 / (lo + hi):.6g}; "
            f"the error along each eigenvector then shrinks by a factor of at most {rate:.6g} "
            "in size per step.")


def check_minibatches(make_batches) -> None:
    """``make_batches(n, batch_size, rng)`` must split ``0..n-1`` into shuffled batches.

    It returns a list of integer index arrays: each index exactly once, every batch of
    ``batch_size`` except possibly a shorter last one, in an order drawn from ``rng`` (a
    ``np.random.Generator``), so the same seed gives the same batches and the next call
    with the same generator (the next epoch) a new order.
    """
    if make_batches is None:
        raise ExerciseError("no answer yet (got None): define a function "
                            "make_batches(n, batch_size, rng) and pass it to the check")
    if not callable(make_batches):
        raise ExerciseError(f"expected a function make_batches(n, batch_size, rng), got "
                            f"{type(make_batches).__name__}")
    for n, size in ((10, 3), (12, 4), (7, 7), (5, 1), (50, 16)):
        rng = np.random.default_rng(n)
        try:
            batches = [np.asarray(b) for b in make_batches(n, size, rng)]
            again = [np.asarray(b) for b in make_batches(n, size, rng)]
            same = [np.asarray(b) for b in make_batches(n, size, np.random.default_rng(n))]
        except Exception as err:
            raise ExerciseError(f"make_batches({n}, {size}, rng) raised {type(err).__name__}: "
                                f"{err}") from None
        sizes = [len(b) for b in batches]
        expected = [size] * (n // size) + ([n % size] if n % size else [])
        if sizes != expected:
            raise ExerciseError(f"make_batches({n}, {size}, rng) gave batches of sizes {sizes}; "
                                f"expected {expected} (full batches, then the remainder)")
        flat = np.concatenate(batches)
        if not np.issubdtype(flat.dtype, np.integer) or sorted(flat.tolist()) != list(range(n)):
            raise ExerciseError(f"make_batches({n}, {size}, rng) must use every index 0..{n - 1} "
                                f"exactly once; got {sorted(flat.tolist())}")
        if n >= 10 and np.array_equal(flat, np.arange(n)):
            raise ExerciseError("the indices come out in order 0, 1, 2, ...: shuffle them with "
                                "rng.permutation(n) first, or every epoch sees the same batches")
        if not np.array_equal(flat, np.concatenate(same)):
            raise ExerciseError("two generators with the same seed gave different batches: draw "
                                "the order from the rng argument only")
        if n >= 10 and np.array_equal(flat, np.concatenate(again)):
            raise ExerciseError("two calls with the same generator (two epochs) gave the same "
                                "order: draw a new permutation from rng on each call")
    correct("Every index once per epoch, in a new seeded order each epoch.")


def early_stopping_reference(val_losses, patience: int):
    """The reference answer: ``(best_epoch, stop_epoch)``; ``stop_epoch`` is None if never.

    Epoch ``e`` has validation loss ``val_losses[e]``. An epoch improves if its loss is
    strictly below the best so far; the run stops at the first epoch that is the
    ``patience``-th in a row without improvement.
    """
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


def check_early_stopping(early_stop) -> None:
    """``early_stop(val_losses, patience)`` must return ``(best_epoch, stop_epoch)``.

    Epochs count from 0 (``val_losses[0]`` is epoch 0); an improvement is a loss strictly
    below the best so far; ``stop_epoch`` is the epoch at which the ``patience``-th epoch in
    a row without improvement is seen, or None if that never happens.
    """
    if early_stop is None:
        raise ExerciseError("no answer yet (got None): define early_stop(val_losses, patience)")
    if not callable(early_stop):
        raise ExerciseError(f"expected a function early_stop(val_losses, patience), got "
                            f"{type(early_stop).__name__}")
    for losses, patience in _CASES:
        expected = early_stopping_reference(losses, patience)
        try:
            got = early_stop(list(losses), patience)
            got = (got[0], got[1])
        except Exception as err:
            raise ExerciseError(f"early_stop({losses}, {patience}) raised "
                                f"{type(err).__name__}: {err}") from None
        if got != expected:
            hint = ""
            if got[0] == expected[0] and got[1] is not None and expected[1] is not None:
                off = got[1] - expected[1]
                hint = (f" The stop epoch is off by {off}: the run stops at the epoch that is "
                        "the patience-th without improvement, counting the epochs after the best.")
            elif losses[0] == losses[1]:
                hint = " An equal loss is not an improvement: compare with a strict <."
            raise ExerciseError(f"early_stop({losses}, patience={patience}) returned {got}; "
                                f"expected (best_epoch, stop_epoch) = {expected}.{hint}")
    correct(f"Right on all {len(_CASES)} validation curves, including one that never stops.")
