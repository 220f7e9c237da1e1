"""Hidden tests of Chapter 9: other sides and strides, other lengths, odd-shaped pools with
ties, rectangular images and kernels of side 1 and of the whole image."""

from __future__ import annotations

import numpy as np

from . import array, call, close, fail, number
from .library import require_own_work


def exercise_9_1(output_side) -> None:
    require_own_work("9.1", output_side)
    for n, k, s, p in [(1, 1, 1, 0), (10, 4, 3, 0), (64, 7, 3, 3), (5, 3, 1, 1), (100, 10, 10, 0),
                       (3, 5, 1, 1), (15, 3, 4, 1)]:
        got = number("9.1", call("9.1", output_side, n, k, s, p),
                     f"output_side({n}, {k}, {s}, {p})")
        if got != (n + 2 * p - k) // s + 1:
            raise fail("9.1", f"wrong for n = {n}, F = {k}, stride = {s}, padding = {p}.")


def _dw(x, dy):
    """dL/dw for y_i = sum_u w_u x_{i+u}: the derivative of sum_i dy_i y_i, term by term."""
    k = len(x) - len(dy) + 1
    dw = np.zeros(k)
    for u in range(k):
        for i in range(len(dy)):
            dw[u] += x[i + u] * dy[i]
    return dw


def exercise_9_2(conv1d_dw) -> None:
    require_own_work("9.2", conv1d_dw)
    rng = np.random.default_rng(9202)
    for n, m in [(2, 1), (3, 3), (8, 2), (12, 7), (20, 16)]:
        x, dy = rng.normal(0.5, 1.0, n), rng.normal(-0.3, 1.0, m)
        got = array("9.2", call("9.2", conv1d_dw, x.copy(), dy.copy()), "conv1d_dw")
        if not close(got, _dw(x, dy), rtol=1e-9, atol=1e-12):
            raise fail("9.2", f"wrong for a signal of {n} samples and {m} outputs.")


def _pool_dx(x, dy):
    dx = np.zeros(x.shape)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            best = None
            for u in range(2):
                for v in range(2):
                    if best is None or x[2 * i + u, 2 * j + v] > x[best]:
                        best = (2 * i + u, 2 * j + v)
            dx[best] += dy[i, j]
    return dx


def exercise_9_3(maxpool_backward) -> None:
    require_own_work("9.3", maxpool_backward)
    rng = np.random.default_rng(9303)
    cases = [rng.integers(0, 2, (2, 2)), rng.integers(-2, 2, (8, 2)), rng.normal(size=(4, 10)),
             np.zeros((4, 4)), rng.integers(0, 3, (10, 6))]
    for x in cases:
        x = np.asarray(x, dtype=float)
        dy = rng.normal(size=(x.shape[0] // 2, x.shape[1] // 2))
        got = array("9.3", call("9.3", maxpool_backward, x.copy(), dy.copy()), "maxpool_backward")
        if not close(got, _pool_dx(x, dy), rtol=1e-12, atol=1e-12):
            raise fail("9.3", f"wrong for an input of shape {x.shape}.")


def _conv_grads(x, W, dy):
    F = W.shape[0]
    dx, dW = np.zeros(x.shape), np.zeros(W.shape)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            for u in range(F):
                for v in range(F):
                    dW[u, v] += x[i + u, j + v] * dy[i, j]
                    dx[i + u, j + v] += W[u, v] * dy[i, j]
    return dx, dW


def exercise_9_4(conv_backward) -> None:
    require_own_work("9.4", conv_backward)
    rng = np.random.default_rng(9404)
    for rows, cols, F in [(3, 3, 3), (4, 7, 1), (6, 5, 2), (7, 7, 4)]:
        x, W = rng.normal(size=(rows, cols)), rng.normal(size=(F, F))
        dy = rng.normal(size=(rows - F + 1, cols - F + 1))
        got = call("9.4", conv_backward, x.copy(), W.copy(), dy.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise fail("9.4", "conv_backward did not return a pair (dx, dW).")
        dx, dW = _conv_grads(x, W, dy)
        if not close(array("9.4", got[1], "dW"), dW):
            raise fail("9.4", f"dW is wrong for a {rows}x{cols} image and a {F}x{F} kernel.")
        if not close(array("9.4", got[0], "dx"), dx):
            raise fail("9.4", f"dx is wrong for a {rows}x{cols} image and a {F}x{F} kernel.")
