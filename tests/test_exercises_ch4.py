"""Each chapter-4 check accepts the solution and rejects a wrong answer with a hint."""

import numpy as np
import pytest

from bpkit.exercises import ExerciseError, ch4
from bpkit.train import minibatches


def test_largest_stable_lr_accepts_two_over_lambda_max(capsys):
    ch4.check_largest_stable_lr(2 / np.linalg.eigvalsh(ch4.A).max())
    assert capsys.readouterr().out.startswith("Correct.")
    assert 2 / np.linalg.eigvalsh(ch4.A).max() == pytest.approx(2 / 7)


@pytest.mark.parametrize("wrong, match", [
    (2 / 2, "smallest eigenvalue"),
    (1 / 7, "lands exactly on the minimum"),
    (2 / 6, "diagonal"),
    (0.5, "not right yet"),
    (None, "no answer yet"),
])
def test_largest_stable_lr_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch4.check_largest_stable_lr(wrong)


def test_the_edge_of_stability_is_real():
    """Gradient descent on the quadratic converges just below 2/7 and diverges just above."""
    def run(lr):
        theta = np.array([1.0, 1.0])
        for _ in range(2000):
            theta = theta - lr * ch4.A @ theta
        return np.linalg.norm(theta)
    assert run(0.99 * 2 / 7) < 1e-3
    assert run(1.01 * 2 / 7) > 1e3


def test_fastest_lr(capsys):
    ch4.check_fastest_lr(2 / 9)
    assert "Correct." in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="kills the steep direction"):
        ch4.check_fastest_lr(1 / 7)
    with pytest.raises(ExerciseError, match="not right yet"):
        ch4.check_fastest_lr(2 / 7)


def test_fastest_lr_is_fastest():
    def factor(lr):
        return max(abs(1 - lr * lam) for lam in np.linalg.eigvalsh(ch4.A))
    grid = np.linspace(0.01, 0.28, 2701)
    assert grid[np.argmin([factor(lr) for lr in grid])] == pytest.approx(2 / 9, abs=1e-4)


def test_minibatches_accepts_bpkits_own_and_a_hand_written_one(capsys):
    ch4.check_minibatches(minibatches)

    def make_batches(n, batch_size, rng):
        order = rng.permutation(n)
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]

    ch4.check_minibatches(make_batches)
    assert capsys.readouterr().out.count("Correct.") == 2


def unshuffled(n, batch_size, rng):
    return [np.arange(n)[i:i + batch_size] for i in range(0, n, batch_size)]


def drops_the_remainder(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def own_seed(n, batch_size, rng):
    order = np.random.default_rng().permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def fixed_order(n, batch_size, rng):
    order = np.random.default_rng(0).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def with_replacement(n, batch_size, rng):
    idx = rng.integers(0, n, size=n)
    return [idx[i:i + batch_size] for i in range(0, n, batch_size)]


@pytest.mark.parametrize("wrong, match", [
    (unshuffled, "in order"),
    (drops_the_remainder, "sizes"),
    (own_seed, "same seed"),
    (fixed_order, "same seed|same order"),
    (with_replacement, "exactly once"),
    (None, "no answer yet"),
    (42, "expected a function"),
])
def test_minibatches_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch4.check_minibatches(wrong)


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
    assert capsys.readouterr().out.startswith("Correct.")


def test_early_stopping_reference_on_a_curve_by_hand():
    # best at epoch 2 (0.7); epochs 3, 4, 5 do not improve: with patience 3 it stops at 5
    assert ch4.early_stopping_reference([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.6], 3) == (2, 5)


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
    (stops_one_late, "off by 1"),
    (equal_counts_as_better, "strict <"),
    (lambda losses, patience: (0, None), "expected"),
    (lambda losses: (0, None), "raised TypeError"),
    (None, "no answer yet"),
])
def test_early_stopping_rejects_wrong_answers(wrong, match):
    with pytest.raises(ExerciseError, match=match):
        ch4.check_early_stopping(wrong)
