"""Each chapter-7 check accepts the solution and rejects wrong answers with a hint.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise of the chapter in a kernel.
"""

import numpy as np
import pytest
from exercise_helpers import checkers

from bpkit.datasets import digits, train_val_test_split
from bpkit.exercises import ch7
from bpkit.layers import Dropout
from bpkit.losses import SoftmaxCrossEntropy
from bpkit.train import evaluate

WRONG_ANSWERS = {
    "7.1": ("def l2_gradient(params, grads, gamma):\n"
            "    return {k: g + gamma * params[k] for k, g in grads.items()}\n"),
    "7.2": "def dropout_backward(da, keep, p):\n    return da * keep\n",
    "7.3": ("def random_shifts(x, rng):\n"
            "    dy, dx = rng.integers(-1, 2, size=2)\n"
            "    return np.roll(x.reshape(-1, 8, 8), (dy, dx), axis=(1, 2)).reshape(x.shape)\n"),
    "7.4": ("candidates = {s: ch7.train_candidate(*s) for s in ch7.GRID}\n"
            "test = {s: evaluate(m, SoftmaxCrossEntropy(), x_test, t_test)[1]\n"
            "        for s, m in candidates.items()}\n"
            "best = max(test, key=test.get)  # chosen on the test split: wrong\n"
            "test_accuracy = test[best]\n"),
}

ANSWER_STRINGS = {
    "7.1": ["grad + gamma * params", "g + gamma * p", "gamma * params[key]"],
    "7.2": ["keep / (1.0 - p)", "keep / (1 - p)", "/ (1 - p)", "/ (1.0 - p)"],
    "7.3": ["rng.integers(-1, 2", "np.pad(", "1 - dy:9 - dy"],
    "7.4": ["(64, 0.0, 0.3)", "0.961", "0.9610027855153204"],
}

no_leak, passes, fails = checkers(ANSWER_STRINGS)


def l2_gradient(params, grads, gamma):
    return {k: g + gamma * params[k] if k.endswith("W") else g.copy() for k, g in grads.items()}


def dropout_backward(da, keep, p):
    return da * keep / (1.0 - p)


def random_shifts(x, rng):
    offsets = rng.integers(-1, 2, size=(len(x), 2))
    padded = np.pad(x.reshape(-1, 8, 8), ((0, 0), (1, 1), (1, 1)))
    out = np.empty_like(x).reshape(-1, 8, 8)
    for i, (dy, dx) in enumerate(offsets):
        out[i] = padded[i, 1 - dy:9 - dy, 1 - dx:9 - dx]
    return out.reshape(x.shape)





# ----------------------------------------------------------------- 7.1


def test_l2_gradient_passes(capsys):
    passes(ch7.check_l2_gradient, l2_gradient, "7.1", capsys)


@pytest.mark.parametrize("wrong, match", [
    (lambda p, g, gamma: {k: v + gamma * p[k] for k, v in g.items()}, "bias is decayed too"),
    (lambda p, g, gamma: dict(g), "penalty's term is missing"),
    (lambda p, g, gamma: {k: v + 2 * gamma * p[k] if k.endswith("W") else v
                          for k, v in g.items()}, "factor of 2"),
    (lambda p, g, gamma: {k: v - gamma * p[k] if k.endswith("W") else v
                          for k, v in g.items()}, "wrong sign"),
    (lambda p, g, gamma: {k: v + gamma if k.endswith("W") else v
                          for k, v in g.items()}, "not right yet"),
    (lambda p, g, gamma: None, "returned None"),
    (lambda p, g, gamma: [1, 2], "dict with the keys of params"),
    (lambda p, g, gamma: 1 / 0, "raised ZeroDivisionError"),
])
def test_l2_gradient_wrong(wrong, match):
    fails(ch7.check_l2_gradient, match, "7.1", wrong)


def test_l2_gradient_matches_the_optimizer_on_the_weights():
    """What the check accepts for a weight matrix is the gradient SGD(weight_decay) uses."""
    import bpkit as bp
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(3, 2, rng=rng))
    model.grads["0.W"][...] = rng.standard_normal((2, 3))
    model.grads["0.b"][...] = 0.0
    model.params["0.b"][...] = 0.0
    before = {k: v.copy() for k, v in model.params.items()}
    bp.SGD(model, lr=1.0, weight_decay=0.3).step()
    used = before["0.W"] - model.params["0.W"]
    np.testing.assert_allclose(l2_gradient(before, model.grads, 0.3)["0.W"], used, rtol=1e-12)


# ----------------------------------------------------------------- 7.2


def test_dropout_backward_passes(capsys):
    passes(ch7.check_dropout_backward, dropout_backward, "7.2", capsys)


def test_dropout_backward_is_bpkits():
    layer = Dropout(0.3, rng=np.random.default_rng(1))
    z = np.random.default_rng(2).standard_normal((4, 5))
    layer.forward(z)
    da = np.ones_like(z)
    keep = layer.mask != 0
    np.testing.assert_allclose(dropout_backward(da, keep, 0.3), layer.backward(da))


@pytest.mark.parametrize("wrong, match", [
    (lambda da, keep, p: da * keep, "factor is missing"),
    (lambda da, keep, p: da * keep / p, "probability of dropping"),
    (lambda da, keep, p: da * ~keep / (1 - p), "wrong way round"),
    (lambda da, keep, p: da / (1 - p), "mask is ignored"),
    (lambda da, keep, p: da * keep * (1 - p), "not right yet"),
    (lambda da, keep, p: da.T, "expected shape"),
    (lambda da, keep, p: 1 / 0, "raised ZeroDivisionError"),
    ("dz", "expected a function"),
])
def test_dropout_backward_wrong(wrong, match):
    fails(ch7.check_dropout_backward, match, "7.2", wrong)


# ----------------------------------------------------------------- 7.3


def test_random_shifts_passes(capsys):
    passes(ch7.check_random_shifts, random_shifts, "7.3", capsys)


def _same_shift_for_all(x, rng):
    dy, dx = rng.integers(-1, 2, size=2)
    padded = np.pad(x.reshape(-1, 8, 8), ((0, 0), (1, 1), (1, 1)))
    return padded[:, 1 - dy:9 - dy, 1 - dx:9 - dx].reshape(x.shape)


def _in_place(x, rng):
    x[...] = random_shifts(x, rng)
    return x


def _unseeded(x, rng):
    return random_shifts(x, np.random.default_rng())


def _only_down_or_still(x, rng):
    out = random_shifts(x, rng)
    return np.where(rng.random((len(x), 1)) < 0.9, x, out)


@pytest.mark.parametrize("wrong, match", [
    (lambda x, rng: np.roll(x.reshape(-1, 8, 8), (1, 1), axis=(1, 2)).reshape(x.shape),
     "wraps around"),
    (_same_shift_for_all, "same shift"),
    (_in_place, "changed its input in place"),
    (_unseeded, "same seed gave different shifts"),
    (_only_down_or_still, "not drawn evenly"),
    (lambda x, rng: random_shifts(x, rng).astype(np.float64), "float32 images came back"),
    (lambda x, rng: x[:, ::-1].copy(), "not its input moved"),
    (lambda x, rng: x[:3], "expected the shape of the input"),
    (lambda x, rng: None, "returned None"),
])
def test_random_shifts_wrong(wrong, match):
    fails(ch7.check_random_shifts, match, "7.3", wrong)


# ----------------------------------------------------------------- 7.4


@pytest.fixture(scope="module")
def choice():
    _, (x_val, t_val), (x_test, t_test) = train_val_test_split(
        *digits(), val_fraction=0.2, test_fraction=0.2, rng=0)
    models = {s: ch7.train_candidate(*s) for s in ch7.GRID}
    val = {s: evaluate(m, SoftmaxCrossEntropy(), x_val, t_val) for s, m in models.items()}
    test = {s: evaluate(m, SoftmaxCrossEntropy(), x_test, t_test) for s, m in models.items()}
    best = min(val, key=lambda s: val[s][0])
    return best, val, test


def test_choice_passes(choice, capsys):
    best, _, test = choice
    passes(ch7.check_choice, best, "7.4", capsys, test[best][1])
    passes(ch7.check_choice, list(best), "7.4", capsys, np.float64(test[best][1]))


def test_the_grid_tells_the_honest_choice_from_the_peeking_ones(choice):
    """On this grid, choosing by test accuracy, test loss or training fit gives another
    setting than choosing by validation loss, so the check can tell them apart."""
    best, val, test = choice
    assert max(test, key=lambda s: test[s][1]) != best
    assert min(test, key=lambda s: test[s][0]) != best
    assert len(set(ch7.GRID)) == 8 and best in ch7.GRID


def test_choice_wrong(choice):
    best, val, test = choice
    peek = max(test, key=lambda s: test[s][1])
    fails(ch7.check_choice, "not the setting whose model has the lowest validation", "7.4",
          peek, test[peek][1])
    fails(ch7.check_choice, "not the accuracy of the chosen model", "7.4", best, val[best][1])
    fails(ch7.check_choice, "percentage", "7.4", best, 100 * test[best][1])
    fails(ch7.check_choice, "one of the settings", "7.4", (32, 0.0, 0.0), 0.9)
    fails(ch7.check_choice, "a tuple", "7.4", 64, 0.9)
    fails(ch7.check_choice, "one number", "7.4", best, [0.9, 0.8])


@pytest.mark.parametrize("exercise, check, answer", [
    ("7.1", ch7.check_l2_gradient, (None,)), ("7.2", ch7.check_dropout_backward, (None,)),
    ("7.3", ch7.check_random_shifts, (None,)), ("7.4", ch7.check_choice, (None, None)),
    ("7.4", ch7.check_choice, ((64, 0.0, 0.3), None)),
])
def test_an_empty_answer_says_no_answer_yet(no_answer_yet, exercise, check, answer):
    no_leak(no_answer_yet(exercise, check, *answer), exercise)
