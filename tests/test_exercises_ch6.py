"""Each chapter-6 check accepts the solution and rejects a wrong answer with a hint.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise of the chapter in a kernel.
"""

import numpy as np
import pytest
from exercise_helpers import checkers

from bpkit.exercises import ExerciseError, ch6
from bpkit.layers import BatchNorm

WRONG_ANSWERS = {
    "6.1": "def he_variance(n_in):\n    return 1.0 / n_in\n",
    "6.2": ("def batchnorm_dz(dz_hat, z_hat, inv_std):\n"
            "    return (dz_hat - dz_hat.mean(axis=0)) * inv_std\n"),
    "6.3": ("delta_factors = {(a, i): 1.0 for a, i in ch6.CONFIGS}\n"),
    "6.4": "max_norm = 0.01\n",
}

ANSWER_STRINGS = {
    "6.1": ["2.0 / n_in", "2 / n_in", "2/n_in", "sqrt(2 / n_in)"],
    "6.2": ["(direct - through_mean - through_variance)", "z_hat * (dz_hat * z_hat).sum",
            "n * dz_hat - dz_hat.sum"],
    "6.3": ["0.25", "0.7071", "0.707", "1.414", "1.4142", "1 / 16"],
    "6.4": ["max_norm = 1.0"],
}

no_leak, _, _ = checkers(ANSWER_STRINGS)


def he_variance(n_in):
    return 2.0 / n_in


def batchnorm_dz(dz_hat, z_hat, inv_std):
    n = dz_hat.shape[0]
    return (n * dz_hat - dz_hat.sum(axis=0) - z_hat * (dz_hat * z_hat).sum(axis=0)) * inv_std / n


def solution_factors():
    slope = {"sigmoid": 1 / 16, "tanh": 1.0, "relu": 0.5}
    var = {"glorot": 1 / ch6.WIDTH, "he": 2 / ch6.WIDTH}
    return {(a, i): np.sqrt(ch6.WIDTH * var[i] * slope[a]) for a, i in ch6.CONFIGS}



def test_he_variance(capsys):
    ch6.check_he_variance(he_variance)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "6.1")


def test_he_matches_bpkit_linear():
    """What the check accepts is what Linear(init="he") draws."""
    from bpkit.layers import Linear
    w = Linear(300, 300, rng=np.random.default_rng(0), init="he").W
    assert w.var() == pytest.approx(he_variance(300), rel=0.03)


@pytest.mark.parametrize("wrong, match", [
    (lambda n: 1.0 / n, "constant factor"),
    (lambda n: np.sqrt(2.0 / n), "standard deviation"),
    (lambda n: 2.0 / n**2, "scale as one over n_in"),
    (lambda n: "two", "one number"),
    (lambda n: 1 / 0, "raised ZeroDivisionError"),
    (3.0, "expected a function"),
])
def test_he_variance_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch6.check_he_variance(wrong)
    no_leak(str(info.value), "6.1")


def test_batchnorm_backward(capsys):
    ch6.check_batchnorm_backward(batchnorm_dz)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "6.2")


def test_batchnorm_solution_is_bpkits_backward():
    rng = np.random.default_rng(1)
    layer = BatchNorm(3)
    z, dy = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    layer.forward(z)
    np.testing.assert_allclose(layer.backward(dy),
                               batchnorm_dz(dy, layer.z_hat, layer.inv_std), rtol=1e-12)


@pytest.mark.parametrize("wrong, match", [
    (lambda d, zh, s: d * s, "evaluation mode"),
    (lambda d, zh, s: (d - d.mean(axis=0)) * s, "variance is missing"),
    (lambda d, zh, s: (d - zh * (d * zh).mean(axis=0)) * s, "mean is missing"),
    (lambda d, zh, s: -batchnorm_dz(d, zh, s), "sign is flipped"),
    (lambda d, zh, s: d[:1], "expected shape"),
    (lambda d, zh, s: None, "returned None"),
])
def test_batchnorm_backward_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch6.check_batchnorm_backward(wrong)
    no_leak(str(info.value), "6.2")


def test_delta_factors(capsys):
    ch6.check_delta_factors(solution_factors())
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "6.3")


def test_delta_factors_agree_with_measurement():
    """The relu-glorot factor the check wants is what a deep ReLU network measures."""
    import bpkit as bp
    rng = np.random.default_rng(2)
    layers = []
    for _ in range(30):
        layers += [bp.Linear(ch6.WIDTH, ch6.WIDTH, rng=rng, init="glorot"), bp.ReLU()]
    model = bp.Sequential(*layers)
    y = model.forward(rng.standard_normal((256, ch6.WIDTH)))
    dy, stds = rng.standard_normal(y.shape), []
    for layer in reversed(model.layers):
        dy = layer.backward(dy)
        if isinstance(layer, bp.ReLU):
            stds.append(dy.std())
    measured = (stds[-1] / stds[0]) ** (1 / 29)
    assert measured == pytest.approx(solution_factors()["relu", "glorot"], rel=0.05)


def _with(change):
    answer = solution_factors()
    answer.update(change)
    return answer


@pytest.mark.parametrize("wrong, match", [
    (_with({("relu", "glorot"): 0.5}), "factor of the variance"),
    (_with({("sigmoid", "glorot"): 4.0}), "upside down"),
    (_with({("tanh", "he"): 1.0}), "not right yet"),
    ({("relu", "he"): 1.0}, "no value for"),
    (_with({("relu", "he"): "one"}), "one number"),
    ([1, 2], "expected a dict"),
])
def test_delta_factors_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch6.check_delta_factors(wrong)
    no_leak(str(info.value), "6.3")


def test_clipped_run(capsys):
    ch6.check_clipped_run(1.0)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "6.4")


def test_the_run_explodes_without_clipping():
    losses, diverged = ch6.exploding_run(None)
    assert diverged and len(losses) <= 3


@pytest.mark.parametrize("wrong, match", [
    (0.01, "barely learns"), (1e12, "still blows up"), (-1.0, "positive"),
    ("small", "one number"),
])
def test_clipped_run_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch6.check_clipped_run(wrong)
    no_leak(str(info.value), "6.4")


def _stub(*args):
    raise NotImplementedError("write it here, then run the check below")


@pytest.mark.parametrize("exercise, check, answer", [
    ("6.1", ch6.check_he_variance, None), ("6.1", ch6.check_he_variance, _stub),
    ("6.2", ch6.check_batchnorm_backward, None), ("6.2", ch6.check_batchnorm_backward, _stub),
    ("6.3", ch6.check_delta_factors, None), ("6.4", ch6.check_clipped_run, None),
])
def test_an_empty_answer_says_no_answer_yet(no_answer_yet, exercise, check, answer):
    no_leak(no_answer_yet(exercise, check, answer), exercise)
