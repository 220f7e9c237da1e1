"""Shared test set-up: hypothesis runs derandomized, so every run draws the same examples."""

import os

import pytest
from hypothesis import settings

os.environ["BPKIT_PROGRESS"] = "0"  # no progress bars from long fit() runs in tests

settings.register_profile("bpkit", derandomize=True, deadline=None, max_examples=40,
                          print_blob=True)
settings.load_profile("bpkit")


@pytest.fixture
def no_answer_yet(capsys):
    """Run an exercise's check on an empty answer; return what it printed.

    An empty answer (``None``, or a stub raising ``NotImplementedError``) is not an error: the
    check prints one line, "Exercise N.M, <what>: no answer yet. ...", and returns None.
    Any exception fails the test.
    """

    def run(exercise, check, *answer):
        capsys.readouterr()
        result = check(*answer)
        out = capsys.readouterr().out
        assert result is None, result
        assert out.startswith(f"Exercise {exercise}, ") and ": no answer yet." in out, out
        assert "Write your answer in the cell above" in out and out.count("\n") == 1, out
        assert "Correct" not in out
        return out

    return run
