"""float64 by default; float32 kept end to end when asked for; no silent upcast."""

import numpy as np
import pytest

import bpkit as bp


def make(dtype):
    rng = np.random.default_rng(0)
    return bp.Sequential(bp.Linear(3, 4, rng=rng, dtype=dtype), bp.Tanh(),
                         bp.Linear(4, 4, rng=rng, dtype=dtype), bp.ReLU(),
                         bp.Linear(4, 4, rng=rng, dtype=dtype), bp.Sigmoid(),
                         bp.Linear(4, 2, rng=rng, dtype=dtype), bp.LeakyReLU(),
                         bp.Linear(2, 3, rng=rng, dtype=dtype))


def test_default_is_float64():
    assert all(p.dtype == np.float64 for p in make(np.float64).params.values())
    assert bp.Linear(2, 2).W.dtype == np.float64


@pytest.mark.parametrize("loss", [bp.SoftmaxCrossEntropy(), bp.SquaredError()])
def test_float32_end_to_end(loss):
    model = make(np.float32)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    t = np.array([0, 1, 2, 1, 0]) if isinstance(loss, bp.SoftmaxCrossEntropy) else \
        np.zeros((5, 3), np.float32)
    acts = [x]
    for layer in model.layers:
        acts.append(layer.forward(acts[-1]))
    assert all(a.dtype == np.float32 for a in acts), [a.dtype for a in acts]
    loss.forward(acts[-1], t)
    dy = loss.backward()
    assert dy.dtype == np.float32
    for layer in reversed(model.layers):
        dy = layer.backward(dy)
        assert dy.dtype == np.float32, layer
    bp.SGD(model, lr=0.1).step()
    for name, p in model.params.items():
        assert p.dtype == np.float32, name
        assert model.grads[name].dtype == np.float32, name


def test_float32_input_to_float64_model_is_refused_not_cast():
    with pytest.raises(TypeError, match=r"float64 parameters but the input is float32"):
        bp.Linear(2, 1)(np.ones((1, 2), np.float32))


def test_integer_input_is_cast_to_the_layer_dtype():
    assert bp.Linear(2, 1, dtype=np.float32)(np.ones((1, 2), int)).dtype == np.float32


def test_gradcheck_warns_in_float32():
    layer = bp.Linear(2, 2, dtype=np.float32)
    with pytest.warns(UserWarning, match="float32"):
        bp.check_layer(layer, np.ones((2, 2), np.float32))


def test_gradcheck_warns_near_relu_kink():
    with pytest.warns(UserWarning, match="kink at 0"):
        bp.check_layer(bp.ReLU(), np.array([[1e-7, 1.0]]))


def test_float32_after_a_training_step_of_the_benchmark_mlp():
    rng = np.random.default_rng(3)
    sizes = (784, 256, 128, 10)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(bp.Linear(n_in, n_out, rng=rng, init="he", dtype=np.float32))
        if i < 2:
            layers.append(bp.ReLU())
    model = bp.Sequential(*layers)
    x = rng.standard_normal((16, 784), dtype=np.float32)
    loss = bp.SoftmaxCrossEntropy()
    value = bp.train_step(model, loss, bp.SGD(model, lr=0.01), x, rng.integers(0, 10, 16))
    assert np.isfinite(value)
    for layer in model.layers:  # every activation (each layer's cached input)
        assert layer.x.dtype == np.float32, layer
    assert loss.p.dtype == np.float32 and loss.backward().dtype == np.float32
    for name, p in model.params.items():
        assert p.dtype == np.float32, name
        assert model.grads[name].dtype == np.float32, name
    assert model.grads["0.W"].any()  # the first layer was trained though its dx was skipped


def test_need_dx_false_skips_only_the_input_gradient():
    rng = np.random.default_rng(4)
    model = bp.Sequential(bp.Linear(3, 4, rng=rng), bp.Tanh(), bp.Linear(4, 2, rng=rng))
    x, dy = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    model.forward(x)
    dx = model.backward(dy)
    full = {k: g.copy() for k, g in model.grads.items()}
    assert dx.shape == (5, 3)
    assert model.backward(dy, need_dx=False) is None
    for k, g in model.grads.items():
        np.testing.assert_array_equal(g, full[k])
