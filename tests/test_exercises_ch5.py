"""Each chapter-5 check accepts the solution and rejects a wrong answer with a hint."""

import numpy as np
import pytest

from bpkit.exercises import ExerciseError, ch5


def momentum_step(theta, velocity, grad, lr, momentum):
    """The solution of exercise 5.1."""
    velocity = momentum * velocity + grad
    return theta - lr * velocity, velocity


def classic_momentum_step(theta, velocity, grad, lr, momentum):
    """The other bookkeeping, v = mu v - lr g, theta += v: the same positions."""
    velocity = momentum * velocity - lr * grad
    return theta + velocity, velocity


def test_momentum_solution_passes(capsys):
    ch5.check_momentum_step(momentum_step)
    ch5.check_momentum_step(classic_momentum_step)
    assert capsys.readouterr().out.startswith("Correct.")


@pytest.mark.parametrize("wrong, match", [
    (lambda th, v, g, lr, mu: (th - lr * g, v), "velocity is not carried"),
    (lambda th, v, g, lr, mu: (th - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
     "an average"),
    (lambda th, v, g, lr, mu: (th - lr * (mu * v + g), mu * v + lr * g), "theta should be"),
    (lambda th, v, g, lr, mu: th - lr * g, "should return a pair"),
    (lambda th, v, g, lr, mu: (th - 0.1 * (0.9 * v + g), 0.9 * v + g), "no hard-coded"),
    (lambda th, v, g: (th, v), "raised TypeError"),
    (None, "no answer yet"),
    (0.9, "expected a function"),
])
def test_momentum_wrong_answers_raise(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch5.check_momentum_step(wrong)


def test_momentum_stable_lr(capsys):
    lam_max = np.linalg.eigvalsh(ch5.QUADRATIC_A).max()
    ch5.check_momentum_stable_lr(2 * (1 + ch5.MOMENTUM) / lam_max)
    assert "Correct." in capsys.readouterr().out
    ch5.check_momentum_stable_lr(0.945)  # within 1%


def test_the_answer_is_the_edge_of_convergence():
    """What the check accepts is where momentum on the bowl stops converging."""
    from bpkit.optim import SGD
    from bpkit.surfaces import Quadratic, descend

    bowl = Quadratic(A=ch5.QUADRATIC_A, start=(1.0, -0.5))
    _, below = descend(bowl, lambda p: SGD(p, lr=0.94, momentum=0.9), 2000)
    _, above = descend(bowl, lambda p: SGD(p, lr=0.96, momentum=0.9), 2000)
    assert below[-1] < 1e-12 and above[-1] > 1e6


@pytest.mark.parametrize("wrong, match", [(0.5, "limit of plain gradient descent"),
                                          (5.0, "divides plain descent's limit"),
                                          (1.9, "flattest direction"),
                                          (2 / 3 * 1.9, "off-diagonal"), (0.8, "characteristic"),
                                          ("fast", "one number"), (None, "no answer")])
def test_momentum_stable_lr_wrong_answers_raise(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch5.check_momentum_stable_lr(wrong)


def test_uncorrected_first_step(capsys):
    ch5.check_uncorrected_first_step(0.1 / np.sqrt(0.001))
    assert "Correct." in capsys.readouterr().out


@pytest.mark.parametrize("wrong, match", [(1.0, "with\\* bias correction"),
                                          (0.1, "forgets that v is small"),
                                          (100.0, "square root of v"), (3.0, "not right yet"),
                                          (None, "no answer")])
def test_uncorrected_first_step_wrong_answers_raise(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch5.check_uncorrected_first_step(wrong)


def test_alternating_step(capsys):
    ch5.check_alternating_step((1 - 0.9) / (1 + 0.9))
    assert "Correct." in capsys.readouterr().out


def test_the_answer_is_what_adam_does():
    """What the check accepts is the long-run step of bpkit's Adam under g, -g, g, ..."""
    from bpkit.optim import Adam

    class OneNumber:
        def __init__(self):
            self.params = {"w": np.zeros(1)}
            self.grads = {"w": np.zeros(1)}

    model = OneNumber()
    opt = Adam(model, lr=0.01, beta1=0.9, beta2=0.999)
    for t in range(300):
        model.grads["w"][0] = 3.0 * (-1.0) ** t
        before = model.params["w"].copy()
        opt.step()
    ch5.check_alternating_step(abs(model.params["w"][0] - before[0]) / opt.lr)


@pytest.mark.parametrize("wrong, match", [(1.0, "first step"), (1 / 1.9, "momentum's velocity"),
                                          (0.1, "first step only"), (0.001 / 1.999, "uses beta2"),
                                          (-0.1 / 1.9, "negative"), (0.0, "do not vanish"),
                                          (0.06, "not right yet"), ("small", "one number"),
                                          (0.053, "rounded too much"),
                                          (None, "no answer")])
def test_alternating_step_wrong_answers_raise(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch5.check_alternating_step(wrong)
