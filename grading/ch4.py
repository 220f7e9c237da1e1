"""Hidden tests of Chapter 4: the bounds recomputed, other gradients, other curves."""

from __future__ import annotations

import math

import numpy as np

from . import call, close, fail, number
from .library import require_own_work

#: ch4.A, copied (a student could change the array bpkit.exercises.ch4 holds).
A = ((6.0, 2.0), (2.0, 3.0))


def _eigenvalues():
    (a, b), (_, d) = A
    mid, half = (a + d) / 2, math.hypot((a - d) / 2, b)
    return mid - half, mid + half


def exercise_4_1(lr_max) -> None:
    if not close(number("4.1", lr_max, "lr_max"), 2 / _eigenvalues()[1], rtol=1e-9):
        raise fail("4.1", "lr_max is not the bound.")


def exercise_4_2(lr_best) -> None:
    if not close(number("4.2", lr_best, "lr_best"), 2 / sum(_eigenvalues()), rtol=1e-9):
        raise fail("4.2", "lr_best is not the fastest learning rate.")


def exercise_4_3(batch_noise) -> None:
    require_own_work("4.3", batch_noise)
    rng = np.random.default_rng(4303)
    for n, p, batch in [(1, 3, 2), (7, 1, 3), (5, 4, 1), (4, 2, 10)]:
        G = rng.normal(size=(n, p))
        expected = np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)) / batch
        got = number("4.3", call("4.3", batch_noise, G.copy(), batch), "batch_noise(G, B)")
        if not close(got, expected, rtol=1e-9, atol=1e-12):
            raise fail("4.3", f"wrong for N = {n}, P = {p}, batch size {batch}.")


def _early(losses, patience):
    best, best_epoch, waited = math.inf, None, 0
    for epoch, value in enumerate(losses):
        if value < best:
            best, best_epoch, waited = value, epoch, 0
        else:
            waited += 1
            if waited == patience:
                return best_epoch, epoch
    return best_epoch, None


def exercise_4_4(early_stop) -> None:
    require_own_work("4.4", early_stop)
    cases = [([3.0, 2.0, 2.0, 2.0], 2), ([1.0], 1), ([5.0, 4.0, 3.0, 2.0, 1.0], 1),
             ([1.0, 2.0, 0.5, 3.0, 4.0], 2), ([2.0, 1.0, 3.0, 1.0, 1.0, 0.1], 3),
             ([0.4, 0.3, 0.35, 0.3, 0.29, 0.5, 0.6], 2)]
    for k, (losses, patience) in enumerate(cases, start=1):
        got = call("4.4", early_stop, list(losses), patience)
        try:
            got = tuple(got)
        except TypeError:
            raise fail("4.4", "early_stop does not return a pair.") from None
        if got != _early(losses, patience):
            raise fail("4.4", f"wrong on hidden curve {k} (patience {patience}).")
