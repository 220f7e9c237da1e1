"""Each Chapter 2 check accepts the solution and rejects a wrong answer."""

import pytest

from bpkit import worked_example as we
from bpkit.exercises import ExerciseError, ch2


def dL_dw12(p, x1, x2, t):
    v = we.forward(p, x1, x2)
    delta3 = (v["y"] - t) * v["y"] * (1 - v["y"])
    delta1 = delta3 * p["w31"] * v["h1"] * (1 - v["h1"])
    return delta1 * x2


def dL_dh1_times_x2(p, x1, x2, t):  # the seed's mislabelled quantity, missing h1(1-h1)
    v = we.forward(p, x1, x2)
    return (v["y"] - t) * v["y"] * (1 - v["y"]) * p["w31"] * x2


def test_dL_dw12_accepts_the_solution(capsys):
    ch2.check_dL_dw12(dL_dw12)
    assert capsys.readouterr().out.startswith("Correct.")


def test_dL_dw12_rejects_a_missing_sigmoid_factor():
    with pytest.raises(ExerciseError, match="h1 \\(1 - h1\\) is missing"):
        ch2.check_dL_dw12(dL_dh1_times_x2)


def test_gradient_signs_accepts_the_solution(capsys):
    ch2.check_gradient_signs({"w31": -1, "w22": +1})
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and "dL/dw22 = +" in out


def test_gradient_signs_rejects_a_wrong_sign():
    with pytest.raises(ExerciseError, match="w32 is negative"):
        ch2.check_gradient_signs({"w31": -1, "w22": -1})


@pytest.mark.parametrize("lr", [30, 50, 100])
def test_failing_lr_accepts_a_large_rate(capsys, lr):
    # 30 and 100 (the explorer slider's maximum) end 20 steps below the start: the check
    # must accept them all the same, since their first step overshoots.
    ch2.check_failing_lr(lr)
    assert capsys.readouterr().out.startswith("Correct.")
    history = ch2.losses_with_lr(lr)
    assert history[1] > history[0]


def test_failing_lr_rejects_a_small_rate():
    with pytest.raises(ExerciseError, match="first step lowers the loss"):
        ch2.check_failing_lr(1.0)
    assert ch2.losses_with_lr(1.0)[-1] < 0.01
