"""Every layer and loss passes a gradient check below 1e-7 in float64 on generated inputs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bpkit as bp

TOL = 1e-7
dims = st.integers(1, 5)
values = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@st.composite
def batches(draw, min_dist_from_zero=0.0):
    n, d = draw(dims), draw(dims)
    x = draw(hnp.arrays(np.float64, (n, d), elements=values))
    if min_dist_from_zero:  # keep every element away from a kink at 0
        x = np.where(x >= 0, x + min_dist_from_zero, x - min_dist_from_zero)
    return x


@given(x=batches(), n_out=dims, seed=st.integers(0, 2**32 - 1),
       init=st.sampled_from(["glorot", "he"]))
def test_linear(x, n_out, seed, init):
    rng = np.random.default_rng(seed)
    layer = bp.Linear(x.shape[1], n_out, rng=rng, init=init)
    layer.params["b"][:] = rng.standard_normal(n_out)
    report = bp.check_layer(layer, x, rng=rng)
    assert set(report) == {"x", "W", "b"}
    assert report.max_rel_error < TOL, report.table()


@pytest.mark.parametrize("make", [bp.Sigmoid, bp.Tanh, bp.Identity, bp.SiLU])
@given(x=batches(), seed=st.integers(0, 2**32 - 1))
def test_smooth_activations(make, x, seed):
    report = bp.check_layer(make(), x, rng=np.random.default_rng(seed))
    assert report.max_rel_error < TOL, report.table()


@pytest.mark.parametrize("make", [bp.ReLU, lambda: bp.LeakyReLU(0.1)])
@given(x=batches(min_dist_from_zero=1e-3), seed=st.integers(0, 2**32 - 1))
def test_kinked_activations_away_from_kink(make, x, seed):
    report = bp.check_layer(make(), x, rng=np.random.default_rng(seed))
    assert report.max_rel_error < TOL, report.table()


@given(y=batches(), seed=st.integers(0, 2**32 - 1))
def test_squared_error(y, seed):
    t = np.random.default_rng(seed).standard_normal(y.shape)
    assert bp.check_loss(bp.SquaredError(), y, t).max_rel_error < TOL


@given(z=batches(), seed=st.integers(0, 2**32 - 1))
def test_binary_cross_entropy(z, seed):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 1, z.shape)
    p = 1 / (1 + np.exp(-z))  # probabilities in (0.047, 0.953): away from the clip
    assert bp.check_loss(bp.BinaryCrossEntropy(), p, t).max_rel_error < TOL
    assert bp.check_loss(bp.BinaryCrossEntropy(from_logits=True), z, t).max_rel_error < TOL


@given(z=batches(), seed=st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy(z, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, z.shape[1], z.shape[0])
    assert bp.check_loss(bp.SoftmaxCrossEntropy(), z, labels).max_rel_error < TOL
    soft = rng.dirichlet(np.ones(z.shape[1]), z.shape[0])
    assert bp.check_loss(bp.SoftmaxCrossEntropy(), z, soft).max_rel_error < TOL


@pytest.mark.parametrize("loss, act", [(bp.SquaredError(), bp.Sigmoid),
                                       (bp.SoftmaxCrossEntropy(), bp.Tanh)])
@given(seed=st.integers(0, 2**32 - 1), n=dims)
def test_whole_model(loss, act, seed, n):
    rng = np.random.default_rng(seed)
    model = bp.Sequential(bp.Linear(3, 4, rng=rng), act(), bp.Linear(4, 2, rng=rng))
    x = rng.standard_normal((n, 3))
    t = rng.integers(0, 2, n) if isinstance(loss, bp.SoftmaxCrossEntropy) else \
        rng.standard_normal((n, 2))
    report = bp.check_model(model, loss, x, t)
    assert set(report) == {"0.W", "0.b", "2.W", "2.b"}
    assert report.max_rel_error < TOL, report.table()


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0]])
    loss = bp.SoftmaxCrossEntropy()
    assert loss(z, np.array([0])) == pytest.approx(0.0, abs=1e-12)
    assert loss(z, np.array([1])) == pytest.approx(1000.0)
    assert np.allclose(loss.backward(), [[1.0, -1.0, 0.0]])


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        a = bp.Sigmoid().forward(np.array([[-1000.0, 0.0, 1000.0]]))
    assert np.allclose(a, [[0.0, 0.5, 1.0]])
