"""The instructor's side of the coursework: points, hidden tests and their reference code.

Nothing here ships to students: this folder is outside the ``bpkit`` package (so it is not in
the wheel) and ``tools/assignments.py`` copies none of it into the student release. Each
chapter module ``grading.chN`` has one function per exercise, ``exercise_N_M(*answers)``,
called from the hidden part (``### BEGIN HIDDEN TESTS``) of the exercise's graded cell. It
receives the student's answer objects from the notebook and computes what to expect with
its own code, never with ``bpkit.exercises`` (which the student can import, read and
replace). It raises :class:`HiddenTestFailed` (an AssertionError) when an answer is wrong or
when it is, or calls, a reference implementation of the library (see :mod:`grading.library`).
Its messages never state the expected value: the feedback shows them to the student.
"""

from __future__ import annotations

import math

import numpy as np

#: Points of each exercise's autograded answer, and of its written answer where it has one.
POINTS = {
    "1.1": 2, "1.2": 1, "1.3": 2, "1.4": 3,
    "2.1": 3, "2.2": 3, "2.3": 1, "2.4": 3,
    "3.1": 3, "3.2": 2, "3.3": 2, "3.4": 2,
    "4.1": 1, "4.2": 2, "4.3": 3, "4.4": 2,
    "5.1": 3, "5.2": 2, "5.3": 2, "5.4": 2,
    "6.1": 2, "6.2": 3, "6.3": 2, "6.4": 2,
    "7.1": 2, "7.2": 2, "7.3": 3, "7.4": 3,
    "8.1": 3, "8.2": 2, "8.3": 3, "8.4": 2,
    "9.1": 1, "9.2": 2, "9.3": 2, "9.4": 2,
    "10.1": 3, "10.2": 2, "10.3": 2, "10.4": 2,
}
WRITTEN_POINTS = {"2.3": 2, "3.4": 1, "4.1": 2, "4.3": 1, "10.4": 1}


class HiddenTestFailed(AssertionError):
    """A hidden test found the answer wrong (the message says where, not what to expect)."""


def fail(exercise: str, message: str) -> HiddenTestFailed:
    return HiddenTestFailed(f"Exercise {exercise}, hidden test: {message}")


def call(exercise: str, fn, *args, **kwargs):
    """Call the student's function; a stub or a crash is a failed hidden test."""
    if fn is None or not callable(fn):
        raise fail(exercise, "no function to test (no answer yet?).")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise fail(exercise, "no answer yet.") from None
    except Exception as err:
        raise fail(exercise, f"your code raised {type(err).__name__}: {err}") from None


def number(exercise: str, value, what: str) -> float:
    """``value`` as one finite float, or a failed hidden test."""
    if isinstance(value, bool) or value is None:
        raise fail(exercise, f"{what} is not a number.")
    try:
        out = float(np.asarray(value, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        raise fail(exercise, f"{what} is not one number.") from None
    if not math.isfinite(out):
        raise fail(exercise, f"{what} is not finite.")
    return out


def close(got, expected, rtol=1e-7, atol=1e-10) -> bool:
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    return (got.shape == expected.shape and bool(np.all(np.isfinite(got)))
            and bool(np.allclose(got, expected, rtol=rtol, atol=atol)))


def array(exercise: str, value, what: str) -> np.ndarray:
    if value is None:
        raise fail(exercise, f"{what} returned None.")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise fail(exercise, f"{what} did not return an array.") from None


#: What the grader looks for in each written answer (the model answer, from the book's
#: solution cell, is printed below this in the instructor's notebook).
RUBRICS = {
    "2.3": ["1 point: the gradient is only the local slope; along the step the loss is "
            "close to a parabola, and a step beyond twice the distance to its lowest point "
            "ends higher than it started (overshooting the lowest point is not enough).",
            "1 point: how failure looks with a bounded loss: the run bounces across the "
            "valley and the loss rises on many steps, or y saturates near 0 or 1 where the "
            "gradient nearly vanishes and the loss stalls; it cannot grow without bound."],
    "3.4": ["1 point: the report shows dx failing, and the ratio of analytic to numeric dx "
            "is the slope where z > 0 and one over the slope where z < 0: the two slopes "
            "are swapped."],
    "4.1": ["1 point: the Hessian is A; along an eigenvector each step multiplies the error "
            "by 1 - lr * lambda, which shrinks only for lr < 2 / lambda; the largest "
            "curvature gives the bound.",
            "1 point: at exactly lr = 2 / lambda_max the factor is -1: the error along that "
            "eigenvector flips sign every step and keeps its size (no convergence)."],
    "4.3": ["1 point: the expected squared error falls as 1 / |B|: four times the batch, a "
            "quarter of the squared error, so half the typical size of the noise."],
    "10.4": ["1 point: a step moves the weights by eta times the gradient, so long gradients "
             "jump far past where their local slope holds; clipping rescales the gradient to "
             "length max_norm, keeping its direction, which caps every step at eta * max_norm "
             "and leaves short gradients alone; a threshold above every norm never acts."],
}
