"""Each optimizer against its update rule worked out by hand for two steps, and its contract:
in place, dtype-preserving, state per parameter, clear errors for bad hyperparameters."""

import math

import numpy as np
import pytest

import bpkit as bp
from bpkit.optim import SGD, Adam, RMSProp

THETA0 = (1.0, -2.0)
G1, G2 = (0.5, -1.0), (0.2, 0.1)


class Holder:
    """The smallest 'model': one parameter array and its gradient, set by the test."""

    def __init__(self, dtype=np.float64):
        self.params = {"w": np.array(THETA0, dtype=dtype)}
        self.grads = {"w": np.zeros(2, dtype=dtype)}


def two_steps(make):
    """Positions after step 1 and step 2 with gradients G1 then G2 (and the holder)."""
    h = Holder()
    opt = make(h)
    out = []
    for g in (G1, G2):
        h.grads["w"][:] = g
        opt.step()
        out.append(h.params["w"].copy())
    return out, h, opt


def test_sgd_two_steps():
    (t1, t2), _, _ = two_steps(lambda h: SGD(h, lr=0.1))
    # theta - lr * g, twice
    np.testing.assert_allclose(t1, [1 - 0.1 * 0.5, -2 + 0.1 * 1.0], rtol=1e-12)
    np.testing.assert_allclose(t2, [0.95 - 0.1 * 0.2, -1.9 - 0.1 * 0.1], rtol=1e-12)
    np.testing.assert_allclose(t2, [0.93, -1.91], rtol=1e-12)


def test_momentum_two_steps():
    (t1, t2), _, opt = two_steps(lambda h: SGD(h, lr=0.1, momentum=0.9))
    # step 1: v = g1 = (0.5, -1); theta = (1, -2) - 0.1 v = (0.95, -1.9)
    np.testing.assert_allclose(t1, [0.95, -1.9], rtol=1e-12)
    # step 2: v = 0.9 (0.5, -1) + (0.2, 0.1) = (0.65, -0.8); theta = (0.95, -1.9) - 0.1 v
    np.testing.assert_allclose(opt.state["w"]["velocity"], [0.65, -0.8], rtol=1e-12)
    np.testing.assert_allclose(t2, [0.885, -1.82], rtol=1e-12)


def test_nesterov_two_steps():
    (t1, t2), _, opt = two_steps(lambda h: SGD(h, lr=0.1, momentum=0.9, nesterov=True))
    # step 1: v = (0.5, -1); theta -= 0.1 (g1 + 0.9 v) = 0.1 (0.95, -1.9)
    np.testing.assert_allclose(t1, [0.905, -1.81], rtol=1e-12)
    # step 2: v = (0.65, -0.8); g2 + 0.9 v = (0.785, -0.62); theta -= 0.1 of that
    np.testing.assert_allclose(t2, [0.8265, -1.748], rtol=1e-12)


def test_rmsprop_two_steps():
    lr, rho = 0.01, 0.9
    (t1, t2), _, opt = two_steps(lambda h: RMSProp(h, lr=lr, rho=rho, eps=1e-8))
    expected, s = [], [0.0, 0.0]
    theta = list(THETA0)
    for g in (G1, G2):
        for i in range(2):
            s[i] = rho * s[i] + (1 - rho) * g[i] ** 2
            theta[i] -= lr * g[i] / (math.sqrt(s[i]) + 1e-8)
        expected.append(list(theta))
    # step 1 by hand: s = 0.1 g^2, so g / sqrt(s) = sign(g) / sqrt(0.1): a step of 0.0316...
    np.testing.assert_allclose(t1, [1 - 0.01 / math.sqrt(0.1), -2 + 0.01 / math.sqrt(0.1)],
                               rtol=1e-7)  # eps = 1e-8 shifts it by ~1e-9
    np.testing.assert_allclose(t1, expected[0], rtol=1e-12)
    np.testing.assert_allclose(t2, expected[1], rtol=1e-12)
    np.testing.assert_allclose(opt.state["w"]["square_avg"], s, rtol=1e-12)


def test_adam_two_steps():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    (t1, t2), _, opt = two_steps(lambda h: Adam(h, lr=lr, beta1=b1, beta2=b2, eps=eps))
    # step 1: m_hat = g1 and s_hat = g1^2 exactly (bias correction), so the step is
    # lr * g / |g| = 0.1 * sign(g1), whatever the size of g1
    np.testing.assert_allclose(t1, [0.9, -1.9], rtol=1e-7)
    # step 2 by hand, element by element
    m = [0.9 * 0.05 + 0.1 * 0.2, 0.9 * -0.1 + 0.1 * 0.1]                 # (0.065, -0.08)
    s = [0.999 * 0.00025 + 0.001 * 0.04, 0.999 * 0.001 + 0.001 * 0.01]  # (0.00028975, 0.001009)
    theta2 = [t1[i] - lr * (m[i] / (1 - b1 ** 2)) / (math.sqrt(s[i] / (1 - b2 ** 2)) + eps)
              for i in range(2)]
    np.testing.assert_allclose(opt.state["w"]["m"], m, rtol=1e-12)
    np.testing.assert_allclose(opt.state["w"]["s"], s, rtol=1e-12)
    np.testing.assert_allclose(t2, theta2, rtol=1e-12)
    assert opt.t == 2


def test_adam_first_step_is_lr_whatever_the_gradient_scale():
    for scale in (1e-3, 1.0, 1e6):  # (much below 1e-3, eps starts to matter)
        h = Holder()
        h.grads["w"][:] = np.array(G1) * scale
        Adam(h, lr=0.01).step()
        np.testing.assert_allclose(np.abs(h.params["w"] - THETA0), 0.01, rtol=1e-3)


ALL = [lambda m: SGD(m, lr=0.1), lambda m: SGD(m, lr=0.1, momentum=0.9),
       lambda m: SGD(m, lr=0.1, momentum=0.9, nesterov=True),
       lambda m: RMSProp(m, lr=0.01), lambda m: Adam(m, lr=0.01)]


@pytest.mark.parametrize("make", ALL)
def test_in_place_on_a_model(make):
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(3, 4, rng=rng), bp.Tanh(), bp.Linear(4, 1, rng=rng))
    arrays = {k: v for k, v in model.params.items()}
    before = {k: v.copy() for k, v in arrays.items()}
    x, t = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    opt = make(model)
    loss = bp.SquaredError()
    losses = [bp.train_step(model, loss, opt, x, t) for _ in range(30)]
    for k, p in model.params.items():
        assert p is arrays[k], k                       # the same array, changed in place
        assert not np.allclose(p, before[k]), k
    assert losses[-1] < 0.8 * losses[0]
    assert set(opt.state) == set(model.params)      # state keyed like the parameters


@pytest.mark.parametrize("make", ALL)
def test_float32_stays_float32(make):
    h = Holder(np.float32)
    opt = make(h)
    for g in (G1, G2):
        h.grads["w"][:] = g
        opt.step()
    assert h.params["w"].dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.state["w"].values())


@pytest.mark.parametrize("make", ALL[1:])
def test_state_has_each_parameters_shape(make):
    model = bp.Sequential(bp.Linear(3, 4), bp.Sigmoid(), bp.Linear(4, 2))
    model.forward(np.ones((2, 3)))
    model.backward(np.ones((2, 2)))
    opt = make(model)
    opt.step()
    for k, p in model.params.items():
        assert opt.state[k], k
        assert all(a.shape == p.shape for a in opt.state[k].values())
    opt.reset()
    assert opt.t == 0 and all(not s for s in opt.state.values())


@pytest.mark.parametrize("make, match", [
    (lambda h: SGD(h, lr=-0.1), "learning rate lr must be a positive"),
    (lambda h: SGD(h, lr="fast"), "learning rate lr must be a positive"),
    (lambda h: SGD(h, lr=0.1, momentum=1.0), r"momentum must be in \[0, 1\)"),
    (lambda h: SGD(h, lr=0.1, momentum=-0.5), r"momentum must be in \[0, 1\)"),
    (lambda h: SGD(h, lr=0.1, nesterov=True), "nesterov=True needs a momentum"),
    (lambda h: RMSProp(h, lr=0.1, rho=0.0), r"rho must be in \(0, 1\)"),
    (lambda h: RMSProp(h, lr=0.1, eps=0.0), "eps must be a positive"),
    (lambda h: Adam(h, beta1=1.5), r"beta1 must be in \[0, 1\)"),
    (lambda h: Adam(h, beta2=float("nan")), r"beta2 must be in \[0, 1\)"),
    (lambda h: Adam(h, eps=-1e-8), "eps must be a positive"),
])
def test_bad_hyperparameters_are_named(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make(Holder())


def test_needs_params_and_grads():
    with pytest.raises(TypeError, match="needs a model with .params and .grads, got a list"):
        Adam([1.0, 2.0])


def test_gradient_of_the_wrong_shape_is_reported():
    h = Holder()
    h.grads["w"] = np.zeros(3)
    msg = r"gradient of 'w' must have the shape of its parameter, \(2,\), got \(3,\)"
    with pytest.raises(ValueError, match=msg):
        Adam(h).step()


def test_repr_lists_the_hyperparameters():
    assert repr(SGD(Holder(), lr=0.1, momentum=0.9, nesterov=True)) == \
        "SGD(lr=0.1, momentum=0.9, nesterov=True)"
    assert repr(Adam(Holder())) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"
