"""Each chapter-4 check accepts the solution and rejects a wrong answer with a hint.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise of the chapter in a kernel.
"""

import numpy as np
import pytest

from bpkit.exercises import ExerciseError, ch4

# Exercise 4.3's expected values for its test cases, as a check would print them.
_NOISE = [ch4._enumerated_noise(G, size) for G, size in ch4._noise_cases()]

WRONG_ANSWERS = {
    "4.1": "lr_max = 2 / np.diag(ch4.A).max()\n",
    "4.2": "lr_best = 1 / np.linalg.eigvalsh(ch4.A).max()\n",
    "4.3": ("def batch_noise(G, batch_size):\n"
            "    G = np.asarray(G, dtype=float)\n"
            "    return np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))\n"),
    "4.4": ("def early_stop(val_losses, patience):\n"
            "    best, best_epoch, waited = float('inf'), None, 0\n"
            "    for epoch, value in enumerate(val_losses):\n"
            "        if value < best:\n"
            "            best, best_epoch, waited = value, epoch, 0\n"
            "        else:\n"
            "            waited += 1\n"
            "            if waited > patience:\n"
            "                return best_epoch, epoch\n"
            "    return best_epoch, None\n"),
}

ANSWER_STRINGS = {
    "4.1": ["0.2857", "2/7", "2 / 7", "2/lambda_max", "2 / lambda_max", "2 / 7.0",
            "lambda_max = 7"],
    "4.2": ["0.2222", "2/9", "2 / 9", "2 / (lambda_min + lambda_max)", "lambda_min + lambda_max)",
            "0.5556", "5/9"],
    "4.3": ["/ batch_size", "/batch_size", "1/|B|", "1 / |B|", "inversely proportional",
            "divided by the batch size", "G.mean(axis=0)"]
           + [f"{v:.4g}" for v in _NOISE] + [f"{v:.6f}" for v in _NOISE],
    "4.4": ["(2, 5)", "(6, None)", "(0, 2)", "(3, None)", "(0, 1)",
            "expected (", "waited == patience"],
}


# --------------------------------------------------------------- Exercise 4.1

def test_stability_bound_accepts_two_over_lambda_max(capsys):
    ch4.check_stability_bound(2 / np.linalg.eigvalsh(ch4.A).max())
    ch4.check_stability_bound(0.2857)  # rounded to four digits
    out = capsys.readouterr().out
    assert out.count("Correct.") == 2
    assert not any(s in out for s in ANSWER_STRINGS["4.1"])


@pytest.mark.parametrize("wrong, match", [
    (2 / 2, "smallest eigenvalue"),
    (1 / 7, "lands exactly on the minimum"),
    (2 / 6, "diagonal"),
    (0.28, "a little below the bound"),
    (0.5, "not right yet"),
    (-2 / 7, "sign is flipped"),
    ("x", "expected a number"),
])
def test_stability_bound_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseError, match=match) as err:
        ch4.check_stability_bound(wrong)
    assert not any(s in str(err.value) for s in ANSWER_STRINGS["4.1"])


def test_the_bound_is_real():
    """Gradient descent on the quadratic converges below 2/7, not at it, and diverges above."""
    def run(lr, steps=2000):
        theta = np.array([1.0, 1.0])
        for _ in range(steps):
            theta = theta - lr * ch4.A @ theta
        return np.linalg.norm(theta)
    assert run(0.99 * 2 / 7) < 1e-3
    assert 0.1 < run(2 / 7) < 10  # at the bound the steep component keeps its size
    assert run(1.01 * 2 / 7) > 1e3


# --------------------------------------------------------------- Exercise 4.2

def test_fastest_lr(capsys):
    ch4.check_fastest_lr(2 / 9)
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and not any(s in out for s in ANSWER_STRINGS["4.2"])


@pytest.mark.parametrize("wrong, match", [
    (1 / 7, "solves the steep direction in one step"),
    (2 / 7, "does not converge"),
    (0.15, "shallow direction"),
    (0.26, "steep direction"),
    (-2 / 9, "sign is flipped"),
])
def test_fastest_lr_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseError, match=match) as err:
        ch4.check_fastest_lr(wrong)
    assert not any(s in str(err.value) for s in ANSWER_STRINGS["4.2"])


def test_fastest_lr_is_fastest():
    def factor(lr):
        return max(abs(1 - lr * lam) for lam in np.linalg.eigvalsh(ch4.A))
    grid = np.linspace(0.01, 0.28, 2701)
    assert grid[np.argmin([factor(lr) for lr in grid])] == pytest.approx(2 / 9, abs=1e-4)


# --------------------------------------------------------------- Exercise 4.3

def batch_noise(G, batch_size):
    G = np.asarray(G, dtype=float)
    return np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)) / batch_size


def test_batch_noise_accepts_the_solution(capsys):
    ch4.check_batch_noise(batch_noise)
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and not any(s in out for s in ANSWER_STRINGS["4.3"])


def test_the_enumeration_agrees_with_sampling():
    """The brute-force reference against 200,000 seeded batches of a larger problem."""
    rng = np.random.default_rng(0)
    G = rng.normal(size=(30, 3))
    draws = rng.integers(0, 30, size=(200_000, 4))
    measured = np.mean(np.sum((G[draws].mean(axis=1) - G.mean(axis=0)) ** 2, axis=1))
    assert measured == pytest.approx(batch_noise(G, 4), rel=0.02)
    small = G[:5]
    assert ch4._enumerated_noise(small, 3) == pytest.approx(batch_noise(small, 3), rel=1e-12)


def _spread(G):
    G = np.asarray(G, dtype=float)
    return np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1))


@pytest.mark.parametrize("wrong, match", [
    (lambda G, size: _spread(G), "does not change with the batch size"),
    (lambda G, size: 2 * _spread(G) / size, "constant factor"),
    (lambda G, size: _spread(G) / size ** 2, "wrong power"),
    (lambda G, size: _spread(G) * len(G) / (len(G) - 1) / size, "factor close to 1"),
    (lambda G, size: _spread(G) / size * max(len(G) - size, 0) / (len(G) - 1),
     "without replacement"),
    (lambda G, size: np.var(G, axis=0) / size, "shape"),
    (lambda G, size: np.sqrt(_spread(G) / size), "not right yet, for example"),
    (lambda G, size: 1 / 0, "ZeroDivisionError"),
    (lambda G: 0.0, "TypeError"),
    (3.0, "expected a function"),
])
def test_batch_noise_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseError, match=match) as err:
        ch4.check_batch_noise(wrong)
    assert not any(s in str(err.value) for s in ANSWER_STRINGS["4.3"])


def _stub(*args):
    raise NotImplementedError("write it here, then run the check below")


@pytest.mark.parametrize("exercise, check, answer", [
    ("4.1", ch4.check_stability_bound, None), ("4.2", ch4.check_fastest_lr, None),
    ("4.3", ch4.check_batch_noise, None), ("4.3", ch4.check_batch_noise, _stub),
    ("4.4", ch4.check_early_stopping, None), ("4.4", ch4.check_early_stopping, _stub),
])
def test_an_empty_answer_says_no_answer_yet(no_answer_yet, exercise, check, answer):
    out = no_answer_yet(exercise, check, answer)
    assert not any(s in out for s in ANSWER_STRINGS[exercise])


# --------------------------------------------------------------- Exercise 4.4

def early_stop(val_losses, patience):
    best, best_epoch, wait = float("inf"), None, 0
    for epoch, value in enumerate(val_losses):
        if value < best:
            best, best_epoch, wait = value, epoch, 0
        else:
            wait += 1
            if wait == patience:
                return best_epoch, epoch
    return best_epoch, None


def test_early_stopping_accepts_the_solution(capsys):
    ch4.check_early_stopping(early_stop)
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and not any(s in out for s in ANSWER_STRINGS["4.4"])


def test_early_stopping_reference_on_a_curve_by_hand():
    # best at epoch 2 (0.7); epochs 3, 4, 5 do not improve: with patience 3 it stops at 5
    assert ch4._early_stopping_reference([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.6], 3) == (2, 5)


def stops_one_late(val_losses, patience):
    best, stop = early_stop(val_losses, patience)
    return best, None if stop is None else stop + 1


def equal_counts_as_better(val_losses, patience):
    best, best_epoch, wait = float("inf"), None, 0
    for epoch, value in enumerate(val_losses):
        if value <= best:
            best, best_epoch, wait = value, epoch, 0
        else:
            wait += 1
            if wait == patience:
                return best_epoch, epoch
    return best_epoch, None


@pytest.mark.parametrize("wrong, match", [
    (stops_one_late, "stops too late"),
    (lambda losses, patience: early_stop(losses, patience + 1), "stops too late, or never"),
    (lambda losses, patience: early_stop(losses, max(patience - 1, 1)), "stops too early"),
    (lambda losses, patience: (0, "never"), "should be an epoch number"),
    (equal_counts_as_better, "strict <"),
    (lambda losses, patience: (0, early_stop(losses, patience)[1]), "best_epoch is wrong"),
    (lambda losses, patience: 3, "return a pair"),
    (lambda losses: (0, None), "raised TypeError"),
])
def test_early_stopping_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseError, match=match) as err:
        ch4.check_early_stopping(wrong)
    assert not any(s in str(err.value) for s in ANSWER_STRINGS["4.4"])
