r"""Checks for the exercises of chapter 9, convolutional networks.

- :func:`check_output_side`: the side of a convolution's output from the side of its input,
  the kernel size, the stride and the padding.
- :func:`check_conv1d_dw`: the gradient of a 1-D convolution's kernel, the weight-sharing
  rule written by hand.
- :func:`check_maxpool_backward`: max-pooling's backward pass for 2x2 windows, ties to the
  first winner.
- :func:`check_conv_backward`: the backward pass of a one-channel 2-D convolution, fixed
  (:func:`buggy_conv_backward` has one bug).

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
)

__all__ = ["check_output_side", "check_conv1d_dw", "check_maxpool_backward",
           "check_conv_backward", "buggy_conv_backward"]


# ----------------------------------------------------------------- Exercise 9.1

#: (side, kernel size, stride, padding): every one fits exactly.
SIDES = ((8, 3, 1, 1), (8, 3, 1, 0), (28, 5, 1, 0), (7, 3, 2, 1), (9, 3, 2, 0),
         (31, 5, 2, 2), (6, 2, 2, 0), (5, 5, 1, 2), (4, 1, 1, 0), (13, 3, 5, 0))


def _side(n, k, s, p):
    return (n + 2 * p - k) // s + 1


@exercise_check("9.1")
def check_output_side(output_side) -> None:
    """``output_side(n, F, stride, padding)``: rows (or columns) of a convolution's output."""
    expect_function("output_side", output_side)
    got = []
    for n, k, s, p in SIDES:
        value = call_reader("output_side", output_side, n, k, s, p)
        if value is None or isinstance(value, (bool, str, bytes)) or np.ndim(value) != 0:
            raise ExerciseError("output_side must return one number, a count of rows.")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ExerciseError("output_side must return one number, a count of rows.") \
                from None
        got.append(value)
    got = np.array(got)
    want = np.array([_side(*c) for c in SIDES], dtype=float)
    if np.array_equal(got, want):
        correct("A window of F pixels fits into a padded row of n + 2 padding pixels at that "
                "many starting points, one every stride pixels: the formula bpkit's "
                "output_size uses, and what every layer's shape follows from.")
        return
    sides = np.array(SIDES, dtype=float)
    n, k, s, p = sides.T
    slips = [
        ((n + p - k, s, 1), "the padding goes on both sides of the row."),
        ((n + 2 * p - k, s, 0), "the count of windows is one off: a row exactly as long as "
                                "the kernel still holds one window."),
        ((n + 2 * p - k, 1, 1), "the stride is missing: with stride 2 only every second "
                                "starting point is used."),
        ((n - k, s, 1), "the padding is missing: zeros added around the image widen it."),
    ]
    for (span, step, plus), hint in slips:  # exact or rounded down, the slip is the same
        if np.allclose(got, span / step + plus) or np.allclose(got, span // step + plus):
            raise ExerciseError(f"output_side: not right yet; {hint}")
    bad = next(c for c, g, w in zip(SIDES, got, want, strict=True) if g != w)
    raise ExerciseError(f"output_side: wrong for n = {bad[0]}, F = {bad[1]}, stride = "
                        f"{bad[2]}, padding = {bad[3]}. Count the starting points of the "
                        "window along a padded row.")


# ----------------------------------------------------------------- Exercise 9.2

#: (x, dy) pairs the check tries: kernel sizes 3, 1, 4 and the whole signal.
_DW_SHAPES = ((5, 3), (6, 6), (9, 6), (4, 1))


def _conv1d_dw(x, dy):
    k = len(x) - len(dy) + 1
    return np.array([sum(dy[i] * x[i + u] for i in range(len(dy))) for u in range(k)])


@exercise_check("9.2")
def check_conv1d_dw(conv1d_dw) -> None:
    """``conv1d_dw(x, dy)`` -> dL/dw for y_i = b + sum_u w_u x_{i+u}, given dy = dL/dy."""
    expect_function("conv1d_dw", conv1d_dw)
    rng = np.random.default_rng(9)
    for n, m in _DW_SHAPES:
        x, dy = rng.standard_normal(n), rng.standard_normal(m)
        got = call_reader("conv1d_dw", conv1d_dw, x.copy(), dy.copy())
        if got is None:
            raise ExerciseError("conv1d_dw returned None: end the function with a return.")
        want = _conv1d_dw(x, dy)
        if got is not None and np.shape(got) == want.shape and m > 1:
            got_arr = np.asarray(got, dtype=np.float64)
            if np.allclose(got_arr, dy[0] * x[:len(want)]):
                raise ExerciseError("conv1d_dw: this counts the first output position only; "
                                    "each weight is used at every position of the output.")
            if np.allclose(got_arr, want[::-1]) and not np.allclose(want, want[::-1]):
                raise ExerciseError("conv1d_dw: the entries come out in reverse order: "
                                    "look at which x_{i+u} multiplies w_u in the forward "
                                    "pass.")
        check_close("conv1d_dw", got, want, rtol=1e-9, atol=1e-12,
                    hint="A kernel of F weights has F gradients, one per offset u.")
    correct("Each weight's gradient is a sum over every position where the weight was used, "
            "the weight-sharing rule; as a whole it slides dy along x, a convolution itself.")


# ----------------------------------------------------------------- Exercise 9.3

def _maxpool_dx(x, dy):
    dx = np.zeros_like(x, dtype=np.float64)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            window = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            u, v = np.unravel_index(np.argmax(window), (2, 2))  # the first of equal maxima
            dx[2 * i + u, 2 * j + v] += dy[i, j]
    return dx


@exercise_check("9.3")
def check_maxpool_backward(maxpool_backward) -> None:
    """``maxpool_backward(x, dy)`` -> dL/dx for 2x2 max-pooling with stride 2 of a 2-D x."""
    expect_function("maxpool_backward", maxpool_backward)
    rng = np.random.default_rng(93)
    for rows, cols in ((4, 4), (2, 6), (6, 4)):
        x = rng.integers(0, 4, (rows, cols)).astype(float)  # small integers: many ties
        dy = rng.standard_normal((rows // 2, cols // 2))
        got = call_reader("maxpool_backward", maxpool_backward, x.copy(), dy.copy())
        if got is None:
            raise ExerciseError("maxpool_backward returned None: end the function with a "
                                "return.")
        want = _maxpool_dx(x, dy)
        if got is not None and np.shape(got) == x.shape:
            got_arr = np.asarray(got, dtype=np.float64)
            spread = np.kron(dy, np.ones((2, 2))) / 4
            if np.allclose(got_arr, spread):
                raise ExerciseError("maxpool_backward: that spreads each gradient over its "
                                    "whole window, as average pooling does; only one entry "
                                    "of a window reached the output.")
            big = np.kron(x.reshape(rows // 2, 2, cols // 2, 2).max(axis=(1, 3)),
                          np.ones((2, 2)))
            if np.allclose(got_arr, np.kron(dy, np.ones((2, 2))) * (x == big)) \
                    and not np.allclose(got_arr, want):
                raise ExerciseError("maxpool_backward: on a tie, every equal maximum gets "
                                    "the whole gradient, so the window passes back more "
                                    "than it received; give it to the first one (row by "
                                    "row) alone.")
            if np.allclose(got_arr.sum(), dy.sum()) and not np.allclose(got_arr, want):
                raise ExerciseError("maxpool_backward: the gradients add up, but some reach "
                                    "the wrong entry: each goes to the entry that won its "
                                    "window (the first one, row by row, on a tie).")
        check_close("maxpool_backward", got, want, rtol=1e-12, atol=1e-12,
                    hint="dx has the shape of x.")
    correct("Each window passes its gradient to its winner and nothing to the three others: "
            "moving a loser by a little does not change the output at all.")


# ----------------------------------------------------------------- Exercise 9.4

def buggy_conv_backward(x, W, dy):
    """dx, dW of y[i, j] = sum_u sum_v W[u, v] x[i + u, j + v] (one channel, stride 1, no
    padding), given dy = dL/dy. One line is wrong."""
    F = W.shape[0]
    dx, dW = np.zeros_like(x), np.zeros_like(W)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            for u in range(F):
                for v in range(F):
                    dW[u, v] += dy[i, j] * x[i + u, j + v]
                    dx[i + u, j + v] += dy[i, j] * W[F - 1 - u, F - 1 - v]
    return dx, dW


def _conv_backward(x, W, dy):
    F = W.shape[0]
    dx, dW = np.zeros_like(x), np.zeros_like(W)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            dW += dy[i, j] * x[i:i + F, j:j + F]
            dx[i:i + F, j:j + F] += dy[i, j] * W
    return dx, dW


@exercise_check("9.4")
def check_conv_backward(conv_backward) -> None:
    """``conv_backward(x, W, dy)`` -> ``(dx, dW)`` for a one-channel 2-D convolution."""
    expect_function("conv_backward", conv_backward)
    rng = np.random.default_rng(94)
    for side, F in ((5, 3), (4, 2), (6, 3)):
        x, W = rng.standard_normal((side, side)), rng.standard_normal((F, F))
        dy = rng.standard_normal((side - F + 1, side - F + 1))
        got = call_reader("conv_backward", conv_backward, x.copy(), W.copy(), dy.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise ExerciseError("conv_backward must return a pair (dx, dW).")
        dx_want, dW_want = _conv_backward(x, W, dy)
        dx_got, dW_got = got
        if dx_got is None or dW_got is None:
            raise ExerciseError("conv_backward returned None for dx or dW: return both "
                                "arrays.")
        if dx_got is not None and np.shape(dx_got) == x.shape:
            bug_dx, _ = buggy_conv_backward(x, W, dy)
            if np.allclose(np.asarray(dx_got, dtype=np.float64), bug_dx):
                raise ExerciseError("conv_backward: dx is the buggy one still. For one output "
                                    "position (i, j), which input pixel did the kernel entry "
                                    "W[u, v] multiply in the forward pass?")
        if dW_got is not None and np.shape(dW_got) == W.shape:
            last = dy[-1, -1] * x[-F:, -F:]
            if np.allclose(np.asarray(dW_got, dtype=np.float64), last):
                raise ExerciseError("conv_backward: dW holds the last position's "
                                    "contribution only; each weight is used at every "
                                    "position.")
        check_close("conv_backward: dW", dW_got, dW_want, rtol=1e-9, atol=1e-12,
                    hint="dW has the shape of W.")
        check_close("conv_backward: dx", dx_got, dx_want, rtol=1e-9, atol=1e-12,
                    hint="dx has the shape of x.")
    correct("Both gradients agree with the forward pass on three images: in the loop form the "
            "kernel is used as it is; the flip appears only when dx is written as one "
            "convolution of dy, padded, with the kernel.")
