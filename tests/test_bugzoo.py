"""The gradient checker must catch every broken backward pass in the bug zoo."""

import numpy as np
import pytest

import bpkit as bp
from bpkit import bugzoo

CAUGHT = 1e-3  # a bug gives errors of order 1; a correct pass gives < 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_wrong_transpose_is_caught(rng):
    x = rng.standard_normal((4, 3))
    good = bp.check_layer(bp.Linear(3, 3, rng=np.random.default_rng(1)), x)
    bad = bp.check_layer(bugzoo.LinearWrongTranspose(3, 3, rng=np.random.default_rng(1)), x)
    assert good.max_rel_error < 1e-7
    assert bad["W"].rel_error > CAUGHT
    assert bad["x"].rel_error < 1e-7 and bad["b"].rel_error < 1e-7  # the report says where


def test_missing_mean_is_caught(rng):
    y, t = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    assert bp.check_loss(bp.SquaredError(), y, t).max_rel_error < 1e-7
    bad = bp.check_loss(bugzoo.SquaredErrorMissingMean(), y, t)
    assert bad.max_rel_error > CAUGHT
    ratio = bad["y"].analytic / bad["y"].numeric
    assert np.allclose(ratio, 5.0)  # exactly N times too large


def test_missing_mean_hides_in_a_batch_of_one(rng):
    y, t = rng.standard_normal((1, 2)), rng.standard_normal((1, 2))
    assert bp.check_loss(bugzoo.SquaredErrorMissingMean(), y, t).max_rel_error < 1e-7


def test_overwritten_fork_gradient_is_caught(rng):
    x = rng.standard_normal((4, 3))
    assert bp.check_layer(bp.SiLU(), x).max_rel_error < 1e-7
    assert bp.check_layer(bugzoo.SiLUOverwrite(), x).max_rel_error > CAUGHT


def test_sigmoid_derivative_from_input_is_caught(rng):
    x = rng.standard_normal((4, 3))
    assert bp.check_layer(bugzoo.SigmoidFromInput(), x).max_rel_error > CAUGHT


def test_bug_in_one_layer_is_found_through_a_whole_model(rng):
    model = bp.Sequential(bugzoo.LinearWrongTranspose(3, 3, rng=rng), bp.Tanh(),
                          bp.Linear(3, 2, rng=rng))
    report = bp.check_model(model, bp.SquaredError(), rng.standard_normal((6, 3)),
                            rng.standard_normal((6, 2)))
    assert report["0.W"].rel_error > CAUGHT
    assert report["2.W"].rel_error < 1e-7


def test_leaky_relu_of_exercise_3_4_is_caught(rng):
    z = rng.standard_normal((4, 5))
    z += np.sign(z) * 0.1  # away from the kink at 0
    good = bp.check_layer(bp.LeakyReLU(slope=0.1), z)
    bad = bp.check_layer(bugzoo.LeakyReLUBroken(slope=0.1), z)
    assert good.max_rel_error < 1e-7
    assert bad["x"].rel_error > CAUGHT
    ratio = bad["x"].analytic / bad["x"].numeric
    assert np.allclose(ratio[z > 0], 0.1) and np.allclose(ratio[z < 0], 10.0)  # swapped
