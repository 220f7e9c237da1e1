"""Checks for the book's exercises, one module per chapter (``bpkit.exercises.ch1``, ...).

A check prints a line starting with "Correct" when the answer is right and raises
:class:`ExerciseError` (an AssertionError) with a hint when it is not. The test suite proves,
for every check, that it accepts the solution and rejects a wrong answer.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ExerciseError", "correct", "check_close"]


class ExerciseError(AssertionError):
    """A wrong answer to an exercise; the message says what is off."""


def correct(message: str = "") -> None:
    print(f"Correct. {message}".rstrip())


def check_close(what: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9,
                hint: str = "") -> None:
    """Raise ExerciseError unless ``got`` matches ``expected`` in shape and value."""
    if got is None:
        raise ExerciseError(f"{what}: no answer yet (got None). {hint}".rstrip())
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what}: expected a number or an array, got {got!r}") from None
    exp_arr = np.asarray(expected, dtype=np.float64)
    if got_arr.shape != exp_arr.shape:
        raise ExerciseError(f"{what}: expected shape {exp_arr.shape}, got {got_arr.shape}. "
                            f"{hint}".rstrip())
    if not np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol):
        raise ExerciseError(f"{what}: not right yet (got {np.round(got_arr, 6).tolist()}). "
                            f"{hint}".rstrip())
