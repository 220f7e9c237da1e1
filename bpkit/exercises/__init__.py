"""Checks for the book's exercises, one module per chapter (``bpkit.exercises.ch1``, ...).

A check prints a line starting with "Correct." when the answer is right and raises
:class:`ExerciseError` (an AssertionError) with a hint when it is not. An answer not given yet
(``None``, or a stub that raises ``NotImplementedError``) is not an error: the check prints
"Exercise N.M, ...: no answer yet" and what to do, and returns (:func:`exercise_check`), so
"Run All" on a notebook of empty answers runs to the end. Neither message states
the expected value: a passing check says what the answer implies, a failing one names what is
off (a sign, a factor, a shape, a missing term). In a notebook the error shows only its message
and the frames of the reader's own code, never a line of the check (see
:meth:`ExerciseError._render_traceback_`). The test suite proves, for every exercise, that the
check accepts the solution, rejects a wrong answer, and gives neither answer away.
"""

from __future__ import annotations

import functools
import pathlib
import traceback

import numpy as np

__all__ = ["ExerciseError", "NoAnswer", "exercise_check", "correct", "check_close",
           "no_answer", "expect_function", "call_reader"]

_HERE = pathlib.Path(__file__).resolve().parent


class ExerciseError(AssertionError):
    """A wrong answer to an exercise; the message says what is off."""

    def _render_traceback_(self) -> list[str]:
        """What IPython and Jupyter show for this error (IPython calls this hook if present).

        The frames of the reader's code that raised inside a check (``raise ... from err``)
        are kept; the check's own frames are not shown, so its source cannot give the answer
        away. Outside IPython, Python prints the usual traceback.
        """
        lines = []
        cause = self.__cause__
        if cause is not None and cause.__traceback__ is not None:
            frames = [f for f in traceback.extract_tb(cause.__traceback__)
                      if not pathlib.Path(f.filename).resolve().is_relative_to(_HERE)]
            if frames:
                lines.append("Your code raised this error:")
                lines.extend(s.rstrip("\n") for s in traceback.format_list(frames))
                lines.extend(s.rstrip("\n") for s in
                             traceback.format_exception_only(type(cause), cause))
                lines.append("")
        lines.append(f"ExerciseError: {self}")
        return lines


def correct(message: str = "") -> None:
    """Print the line a passing check prints: "Correct." and what the answer implies."""
    print(f"Correct. {message}".rstrip())


class NoAnswer(ExerciseError):
    """An answer not given yet: ``None``, or a stub raising ``NotImplementedError``.

    Raised inside a check; the public check (:func:`exercise_check`) prints its message and
    returns instead of raising. The grader's hidden tests, not the visible checks, decide the
    points, and they fail on an empty answer.
    """


def no_answer(what: str) -> NoAnswer:
    """The signal for an answer not given yet (``None``, or a stub that raises)."""
    return NoAnswer(f"{what}: no answer yet")


def exercise_check(exercise: str):
    """Make a ``check_...`` function of exercise ``exercise`` (e.g. ``"1.1"``) public.

    The check runs as written; if it finds no answer yet (:class:`NoAnswer`) it prints
    "Exercise N.M, <what>: no answer yet." and what to do, and returns None, so that a
    notebook of empty answers runs to the end (None, as a passing check returns: a False
    would be echoed under the cell). A wrong answer still raises :class:`ExerciseError`.
    """

    def decorate(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            try:
                return check(*args, **kwargs)
            except NoAnswer as err:
                print(f"Exercise {exercise}, {err}. Write your answer in the cell above "
                      "(in place of each None and each raise NotImplementedError), run it, "
                      "then run this check again.")
                return None

        run.exercise = exercise
        return run

    return decorate


def expect_function(what: str, fn) -> None:
    """Raise unless ``fn`` is callable (``None`` is :class:`NoAnswer`)."""
    if fn is None:
        raise no_answer(what)
    if not callable(fn):
        raise ExerciseError(f"{what}: expected a function, got {type(fn).__name__}.")


def call_reader(what: str, fn, *args):
    """Call the reader's function; if it raises, say so (its own frames stay visible).

    A stub's ``NotImplementedError`` is :class:`NoAnswer`.
    """
    try:
        return fn(*args)
    except NotImplementedError:
        raise no_answer(what) from None
    except Exception as err:  # the reader's code failed: name the error, keep their frames
        raise ExerciseError(f"{what} raised {type(err).__name__}: {err}") from err


def check_close(what: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9,
                hint: str = "") -> None:
    """Raise ExerciseError unless ``got`` matches ``expected`` in shape and value.

    The message names the shape that was expected (shapes are part of the question, not the
    answer) but never the expected values.
    """
    if got is None:
        raise no_answer(what)
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what}: expected a number or an array, got "
                            f"{type(got).__name__}.") from None
    exp_arr = np.asarray(expected, dtype=np.float64)
    if got_arr.shape != exp_arr.shape:
        raise ExerciseError(f"{what}: expected shape {exp_arr.shape}, got {got_arr.shape}. "
                            f"{hint}".rstrip())
    if not np.all(np.isfinite(got_arr)):
        raise ExerciseError(f"{what}: your answer contains inf or nan. {hint}".rstrip())
    if not np.allclose(got_arr, exp_arr, rtol=rtol, atol=atol):
        raise ExerciseError(f"{what}: not right yet. {_diagnose(got_arr, exp_arr, rtol, atol)}"
                            f"{hint}".rstrip())


def _diagnose(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str:
    """Name a common slip (a flipped sign, a constant factor) without giving the values."""
    if np.allclose(-got, expected, rtol=rtol, atol=atol):
        return "The sign is flipped. "
    mask = np.abs(expected) > atol
    if mask.any() and np.all(np.abs(got[mask]) > atol):
        ratio = got[mask] / expected[mask]
        if np.allclose(ratio, ratio.flat[0], rtol=1e-6) and np.allclose(
                got[~mask], 0, atol=atol):
            return ("Your answer is a constant multiple of the right one: a factor is "
                    "missing or extra. ")
    return ""
