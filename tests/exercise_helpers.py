"""What the tests of the exercise checks share: a check that accepts an answer prints
"Correct.", one that refuses it raises ExerciseError with a hint, and neither message shows
the solution.

The test modules (test_exercises_ch*.py) import it as ``exercise_helpers``: pytest puts
``tests/`` (a folder without ``__init__.py``) on ``sys.path`` before it imports a test module
there. Each module makes its three helpers from its own ``ANSWER_STRINGS``, the fragments of
its solutions that no message may contain::

    no_leak, passes, fails = checkers(ANSWER_STRINGS)
"""

from __future__ import annotations

import pytest

from bpkit.exercises import ExerciseError


def checkers(answer_strings: dict[str, list[str]]):
    """``no_leak(text, ex)``, ``passes(check, answer, ex, capsys, *more)`` and
    ``fails(check, match, ex, *answers)`` for the exercises of ``answer_strings``."""

    def no_leak(text: str, ex: str) -> None:
        """No fragment of exercise ``ex``'s solution appears in ``text``."""
        assert not [s for s in answer_strings[ex] if s in text], text

    def passes(check, answer, ex: str, capsys, *more) -> None:
        """``check(answer, *more)`` accepts the answer, and says so without the solution."""
        check(answer, *more)
        out = capsys.readouterr().out
        assert out.startswith("Correct.")
        no_leak(out, ex)

    def fails(check, match: str, ex: str, *answers) -> None:
        """``check(*answers)`` refuses them with a message matching ``match``, which does
        not give the solution away."""
        with pytest.raises(ExerciseError, match=match) as info:
            check(*answers)
        no_leak(str(info.value), ex)

    return no_leak, passes, fails
