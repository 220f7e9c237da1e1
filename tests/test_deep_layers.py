"""BatchNorm, LayerNorm, Residual and gradient clipping: gradients, modes, dtypes, bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bpkit as bp
from bpkit.train import evaluate

TOL = 1e-7
values = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@st.composite
def spread_batches(draw, min_n=1, min_d=1):
    """(x, rng): a batch whose columns and rows are not constant (seeded noise added)."""
    n, d = draw(st.integers(min_n, 6)), draw(st.integers(min_d, 5))
    x = draw(hnp.arrays(np.float64, (n, d), elements=values))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return x + rng.standard_normal((n, d)), rng


def randomise(layer, rng):
    layer.params["scale"][:] = rng.uniform(0.5, 2, layer.n) * rng.choice([-1, 1], layer.n)
    layer.params["shift"][:] = rng.standard_normal(layer.n)
    return layer


# With 2 values to standardise, the result is -1 and +1 (up to epsilon) whatever they are:
# the gradient is ~1e-6, all roundoff, and a relative error means nothing. So 3 or more.
@given(data=spread_batches(min_n=3))
def test_batchnorm_training_gradient(data):
    x, rng = data
    layer = randomise(bp.BatchNorm(x.shape[1]), rng)
    report = bp.check_layer(layer, x, rng=rng)
    assert set(report) == {"x", "scale", "shift"}
    assert report.max_rel_error < TOL, report.table()


@given(data=spread_batches(min_n=1))
def test_batchnorm_evaluation_gradient(data):
    x, rng = data
    layer = randomise(bp.BatchNorm(x.shape[1]), rng)
    layer.running_mean[:] = rng.standard_normal(layer.n)
    layer.running_var[:] = rng.uniform(0.2, 3, layer.n)
    layer.eval()
    report = bp.check_layer(layer, x, rng=rng)
    assert report.max_rel_error < TOL, report.table()


@given(data=spread_batches(min_d=3))
def test_layernorm_gradient(data):
    x, rng = data
    layer = randomise(bp.LayerNorm(x.shape[1]), rng)
    report = bp.check_layer(layer, x, rng=rng)
    assert report.max_rel_error < TOL, report.table()


@given(data=spread_batches(min_n=2, min_d=3),
       act=st.sampled_from([bp.Tanh, bp.Sigmoid, bp.SiLU]))
def test_residual_model_gradient(data, act):
    x, rng = data
    d = x.shape[1]
    model = bp.Sequential(
        bp.Linear(d, 4, rng=rng),
        bp.Residual(bp.Sequential(bp.Linear(4, 4, rng=rng), act(), bp.Linear(4, 4, rng=rng))),
        bp.LayerNorm(4), act(), bp.Linear(4, 2, rng=rng))
    t = rng.standard_normal((x.shape[0], 2))
    report = bp.check_model(model, bp.SquaredError(), x, t)
    assert {"1.0.W", "1.2.b", "2.scale", "2.shift"} <= set(report)
    assert report.max_rel_error < TOL, report.table()


def test_batchnorm_forward_values_and_running_statistics():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3)) * [1.0, 2.0, 5.0] + [0.0, -1.0, 3.0]
    layer = bp.BatchNorm(3, decay=0.75)
    y = layer(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5))
    np.testing.assert_allclose(layer.running_mean, 0.25 * x.mean(axis=0))
    np.testing.assert_allclose(layer.running_var, 0.75 + 0.25 * x.var(axis=0))
    layer.eval()
    before = layer.running_mean.copy()
    y_eval = layer(x)
    np.testing.assert_array_equal(layer.running_mean, before)  # evaluation leaves them
    expected = (x - layer.running_mean) / np.sqrt(layer.running_var + 1e-5)
    np.testing.assert_allclose(y_eval, expected)


def test_train_and_eval_reach_every_layer_and_evaluate_restores_training():
    rng = np.random.default_rng(1)
    bn_inner, bn = bp.BatchNorm(4), bp.BatchNorm(4)
    model = bp.Sequential(bp.Linear(2, 4, rng=rng), bn,
                          bp.Residual(bp.Sequential(bn_inner, bp.Linear(4, 4, rng=rng))),
                          bp.Linear(4, 1, rng=rng))
    assert model.training and bn_inner.training
    assert model.eval() is model and not bn.training and not bn_inner.training
    model.train()
    assert bn.training and bn_inner.training
    x, t = rng.standard_normal((10, 2)), rng.standard_normal((10, 1))
    model.forward(x)
    stats = bn.running_mean.copy(), bn_inner.running_var.copy()
    evaluate(model, bp.SquaredError(), x, t)
    np.testing.assert_array_equal(bn.running_mean, stats[0])
    np.testing.assert_array_equal(bn_inner.running_var, stats[1])
    assert model.training
    with pytest.raises(TypeError, match="True or False"):
        model.train("no")


def test_residual_gradient_is_dy_plus_the_branch():
    rng = np.random.default_rng(2)
    inner = bp.Sequential(bp.Linear(3, 3, rng=rng), bp.Tanh())
    layer = bp.Residual(inner)
    x, dy = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(layer(x), x + inner.forward(x))
    inner.forward(x)
    branch = inner.backward(dy)
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(dy), dy + branch)
    assert layer.params["0.W"] is inner.layers[0].W  # the branch's own arrays


@pytest.mark.parametrize("make", [lambda: bp.BatchNorm(3), lambda: bp.LayerNorm(3),
                                  lambda: bp.Residual(bp.Linear(3, 3, dtype=np.float32))])
def test_float32_end_to_end(make):
    layer = make()
    if hasattr(layer, "n"):
        layer = type(layer)(3, dtype=np.float32)
    x = np.random.default_rng(3).standard_normal((5, 3)).astype(np.float32)
    y = layer(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    if isinstance(layer, bp.BatchNorm):
        assert layer.running_mean.dtype == layer.running_var.dtype == np.float32
        layer.eval()
        assert layer(x).dtype == layer.backward(np.ones_like(y)).dtype == np.float32


@pytest.mark.parametrize("call, error, match", [
    (lambda: bp.BatchNorm(3)(np.ones((1, 3))), ValueError, "at least 2 examples"),
    (lambda: bp.BatchNorm(3)(np.ones((4, 2))), ValueError, r"expected input of shape \(N, 3\)"),
    (lambda: bp.LayerNorm(3)(np.ones(3)), ValueError, r"expected input of shape \(N, 3\)"),
    (lambda: bp.BatchNorm(3)(np.ones((4, 3), np.float32)), TypeError, "float64 parameters"),
    (lambda: bp.BatchNorm(3)(np.full((4, 3), np.nan)), ValueError, "non-finite"),
    (lambda: bp.BatchNorm(3).backward(np.ones((4, 3))), RuntimeError, "before forward"),
    (lambda: bp.BatchNorm(0), ValueError, "positive integer"),
    (lambda: bp.BatchNorm(3, decay=1.0), ValueError, r"decay must be a number in \[0, 1\)"),
    (lambda: bp.LayerNorm(3, eps=-1), ValueError, "positive"),
    (lambda: bp.LayerNorm(3, dtype=np.float16), TypeError, "float32 or np.float64"),
    (lambda: bp.Residual("layer"), TypeError, "expected a bpkit layer"),
    (lambda: bp.Residual(bp.Linear(3, 2))(np.ones((2, 3))), ValueError, "keep the shape"),
    (lambda: bp.clip_grad_norm([1.0], 1.0), TypeError, "expected a model"),
    (lambda: bp.clip_grad_norm({"W": np.ones(2)}, 0), ValueError, "positive"),
    (lambda: bp.clip_grad_norm({"W": np.ones(2, int)}, 1), TypeError, "float32 or float64"),
    (lambda: bp.clip_grad_norm({"W": np.array([np.inf])}, 1), ValueError, "non-finite"),
])
def test_bad_input_is_refused_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_layer_backward_refuses_a_wrong_shape():
    layer = bp.LayerNorm(3)
    layer(np.ones((2, 3)) + np.arange(3))
    with pytest.raises(ValueError, match=r"expected dL/dy of shape \(2, 3\)"):
        layer.backward(np.ones((3, 3)))


@given(shapes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1,
                       max_size=4),
       seed=st.integers(0, 2**32 - 1), max_norm=st.floats(0.01, 10))
def test_clip_grad_norm(shapes, seed, max_norm):
    rng = np.random.default_rng(seed)
    grads = {str(i): rng.standard_normal(s) for i, s in enumerate(shapes)}
    before = {k: g.copy() for k, g in grads.items()}
    norm = bp.clip_grad_norm(grads, max_norm)
    expected = np.sqrt(sum((g**2).sum() for g in before.values()))
    assert norm == pytest.approx(expected, rel=1e-12)
    factor = min(1.0, max_norm / expected)
    for k in grads:
        np.testing.assert_allclose(grads[k], before[k] * factor, rtol=1e-12)
    after = np.sqrt(sum((g**2).sum() for g in grads.values()))
    assert after <= max_norm * (1 + 1e-12) or after == pytest.approx(expected)


def test_clip_grad_norm_on_a_model_keeps_float32():
    rng = np.random.default_rng(5)
    model = bp.Sequential(bp.Linear(3, 4, rng=rng, dtype=np.float32), bp.BatchNorm(
        4, dtype=np.float32), bp.Linear(4, 1, rng=rng, dtype=np.float32))
    y = model.forward(rng.standard_normal((6, 3)).astype(np.float32))
    model.backward(100 * np.ones_like(y))
    norm = bp.clip_grad_norm(model, 1.0)
    assert norm > 1
    assert all(g.dtype == np.float32 for g in model.grads.values())
    after = np.sqrt(sum(float((g.astype(np.float64) ** 2).sum())
                        for g in model.grads.values()))
    assert after == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_does_not_overflow_on_huge_gradients():
    grads = {"W": np.full((3, 3), 1e200), "b": np.zeros(3)}
    with np.errstate(all="raise"):
        norm = bp.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(3e200)
    np.testing.assert_allclose(grads["W"], 1 / 3)
    assert bp.clip_grad_norm({"W": np.zeros(2)}, 1.0) == 0.0


# ------------------------------------------- generated bad input (as tests/test_bad_input.py)

from test_bad_input import SHAPES, as_float, assert_clear, assert_close, inputs, run  # noqa: E402


def _standardise(z, axis):
    mean = z.mean(axis=axis, keepdims=True)
    inv = 1.0 / np.sqrt(z.var(axis=axis, keepdims=True) + 1e-5)
    return (z - mean) * inv, inv


def _compact(d, z_hat, inv, axis):
    m = z_hat.shape[axis]
    total = d.sum(axis=axis, keepdims=True)
    along = (d * z_hat).sum(axis=axis, keepdims=True)
    return (m * d - total - z_hat * along) * (inv / m)


@given(kind=st.sampled_from(["batch", "layer"]), shape=SHAPES, data=st.data(),
       called=st.booleans())
def test_normalisation_forward_and_backward_on_generated_input(kind, shape, data, called):
    layer = bp.BatchNorm(shape[1]) if kind == "batch" else bp.LayerNorm(shape[1])
    axis = 0 if kind == "batch" else 1
    _, x = data.draw(inputs(shape))
    y, err = run(lambda: layer(x) if called else layer.forward(x), ieee=not called)
    if err is not None:
        assert_clear(err, repr(layer))
        return
    ref = as_float(x)
    assert ref is not None and ref.ndim == 2 and ref.shape[1] == shape[1]
    assert kind == "layer" or ref.shape[0] >= 2
    with np.errstate(all="ignore"):
        z_hat, inv = _standardise(ref, axis)
        assert_close(y, z_hat, x)
    _, dy = data.draw(inputs(np.shape(y)))
    dx, err = run(lambda: layer.backward(dy), ieee=True)
    if err is not None:
        assert_clear(err, repr(layer))
        return
    with np.errstate(all="ignore"):
        assert_close(dx, _compact(as_float(dy), z_hat, inv, axis), x, dy)
