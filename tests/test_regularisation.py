"""Chapter 7's additions to bpkit: Dropout, weight decay (coupled and AdamW's decoupled) and
the learning-rate schedules.

Dropout's backward is gradient-checked below 1e-7 in float64 with a fixed mask (the finite
differences need the same mask at every forward); the weight-decay rules are compared with
two steps worked out by hand from their formulas; the schedules with their closed forms and
inside ``fit``.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bpkit as bp
from bpkit.layers import Dropout
from bpkit.optim import SGD, Adam, AdamW, CosineSchedule, RMSProp, StepSchedule

TOL = 1e-7

# ------------------------------------------------------------------------ Dropout


@st.composite
def dropout_case(draw):
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    x = draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-3, 3, allow_nan=False)))
    keep = draw(hnp.arrays(np.bool_, (n, d)))
    p = draw(st.floats(0.0, 0.95))
    return x, keep, p


@given(case=dropout_case(), seed=st.integers(0, 2**32 - 1))
def test_dropout_gradient_check_with_a_fixed_mask(case, seed):
    x, keep, p = case
    layer = Dropout(p).fix_mask(keep)
    report = bp.check_layer(layer, x, rng=np.random.default_rng(seed))
    assert report.max_rel_error < TOL, report.table()
    # the backward is the mask, scaled: exactly
    dy = np.random.default_rng(seed).standard_normal(x.shape)
    layer.forward(x)
    expected = dy * keep / (1 - p) if p > 0 else dy
    np.testing.assert_allclose(layer.backward(dy), expected, rtol=1e-15)


def test_dropout_in_a_model_gradient_checks_with_fixed_masks():
    rng = np.random.default_rng(3)
    drop = Dropout(0.4, rng=rng)
    model = bp.Sequential(bp.Linear(5, 6, rng=rng), bp.Tanh(), drop, bp.Linear(6, 3, rng=rng))
    x, t = rng.standard_normal((7, 5)), rng.integers(0, 3, 7)
    drop.fix_mask(rng.random((7, 6)) > 0.4)
    report = bp.check_model(model, bp.SoftmaxCrossEntropy(), x, t)
    assert report.max_rel_error < TOL, report.table()


def test_dropout_forward_keeps_the_mean_and_drops_the_fraction_p():
    layer = Dropout(0.3, rng=np.random.default_rng(0))
    z = np.full((400, 500), 2.0)
    a = layer.forward(z)
    dropped = np.mean(a == 0)
    assert abs(dropped - 0.3) < 0.005  # 200,000 draws: std of the fraction about 0.001
    np.testing.assert_allclose(a[a != 0], 2.0 / 0.7)
    assert abs(a.mean() - 2.0) < 0.01


def test_dropout_backward_reuses_the_mask_of_forward():
    layer = Dropout(0.5, rng=np.random.default_rng(1))
    z = np.arange(1.0, 13.0).reshape(3, 4)
    a = layer.forward(z)
    dz = layer.backward(np.ones_like(z))
    np.testing.assert_array_equal(dz == 0, a == 0)  # the same units, not a new draw
    np.testing.assert_allclose(dz[dz != 0], 2.0)
    # the mode changed after forward: backward still undoes that forward
    layer.eval()
    np.testing.assert_array_equal(layer.backward(np.ones_like(z)), dz)


def test_dropout_evaluation_mode_is_the_identity_and_train_draws_again():
    rng = np.random.default_rng(2)
    model = bp.Sequential(bp.Linear(3, 8, rng=rng), Dropout(0.5, rng=rng))
    x = rng.standard_normal((4, 3))
    model.eval()
    assert not model.training
    y = model.forward(x)
    np.testing.assert_array_equal(y, model.layers[0].forward(x))
    np.testing.assert_array_equal(model.layers[1].backward(np.ones((4, 8))), np.ones((4, 8)))
    model.train()
    y1, y2 = model.forward(x), model.forward(x)
    assert np.any(y1 == 0) and not np.array_equal(y1, y2)  # a new mask each forward
    # evaluate() runs in evaluation mode and leaves the model training
    loss, _ = bp.train.evaluate(model, bp.SquaredError(), x, np.zeros((4, 8)))
    assert loss == pytest.approx(bp.SquaredError().forward(y, np.zeros((4, 8))), rel=1e-12)
    assert model.training


def test_dropout_masks_come_from_the_seeded_generator():
    def run(seed):
        rng = np.random.default_rng(seed)
        model = bp.Sequential(bp.Linear(4, 10, rng=rng), Dropout(0.5, rng=rng))
        return model.forward(np.ones((3, 4)))

    np.testing.assert_array_equal(run(5), run(5))
    assert not np.array_equal(run(5) == 0, run(6) == 0)


def test_dropout_zero_is_the_identity():
    layer = Dropout(0.0)
    z = np.random.default_rng(0).standard_normal((5, 5))
    np.testing.assert_array_equal(layer.forward(z), z)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_the_dtype(dtype):
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(4, 6, rng=rng, dtype=dtype), Dropout(0.3, rng=rng),
                          bp.Linear(6, 2, rng=rng, dtype=dtype))
    x = rng.standard_normal((5, 4)).astype(dtype)
    y = model.forward(x)
    assert y.dtype == dtype and model.layers[1].mask.dtype == dtype
    dx = model.backward(np.ones_like(y))
    assert dx.dtype == dtype
    assert all(g.dtype == dtype for g in model.grads.values())
    opt = AdamW(model, lr=0.01, weight_decay=0.1)
    opt.step()
    assert all(p.dtype == dtype for p in model.params.values())


@pytest.mark.parametrize("p, error, match", [
    (1.0, ValueError, r"in \[0, 1\), got 1.0; p = 1 would drop every unit"),
    (-0.1, ValueError, r"in \[0, 1\), got -0.1"),
    (1.5, ValueError, r"in \[0, 1\)"),
    (float("nan"), ValueError, r"in \[0, 1\)"),
    ("0.5", ValueError, r"in \[0, 1\), got '0.5'"),
    (True, ValueError, r"in \[0, 1\), got True"),
])
def test_dropout_refuses_a_probability_outside_0_1(p, error, match):
    with pytest.raises(error, match=match):
        Dropout(p)


def test_dropout_refuses_misuse():
    with pytest.raises(TypeError, match="np.random.Generator"):
        Dropout(0.5, rng=3)
    layer = Dropout(0.5)
    with pytest.raises(TypeError, match="expected True or False, got 'eval'"):
        layer.train("eval")
    with pytest.raises(TypeError, match="Sequential.train expected True or False, got 0"):
        bp.Sequential(layer).train(0)
    with pytest.raises(RuntimeError, match="backward\\(\\) called before forward"):
        layer.backward(np.ones((2, 2)))
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected dL/dy of shape \(2, 3\).*got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match="array of 0s and 1s"):
        layer.fix_mask(np.full((2, 3), 0.5))
    layer.fix_mask(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"fixed mask has shape \(2, 3\), the input \(4, 3\)"):
        layer.forward(np.ones((4, 3)))
    layer.fix_mask(None)
    assert layer.forward(np.ones((4, 3))).shape == (4, 3)
    with pytest.raises(TypeError, match="expected numbers"):
        layer.forward(np.array([["a"]]))


# ------------------------------------------------------------------- weight decay

THETA0 = np.array([1.0, -2.0])
GRADS = (np.array([0.5, -1.0]), np.array([0.2, 0.1]))


class Holder:
    def __init__(self, dtype=np.float64):
        self.params = {"w": THETA0.astype(dtype)}
        self.grads = {"w": np.zeros(2, dtype=dtype)}


def run_two(make):
    h = Holder()
    opt = make(h)
    out = []
    for g in GRADS:
        h.grads["w"][:] = g
        opt.step()
        out.append(h.params["w"].copy())
    np.testing.assert_array_equal(h.grads["w"], GRADS[1])  # grads itself is not changed
    return out


def adam_by_hand(lam, decoupled, lr=0.1, b1=0.9, b2=0.999, eps=1e-8):
    theta, m, s, out = THETA0.copy(), np.zeros(2), np.zeros(2), []
    for k, g in enumerate(GRADS, start=1):
        if decoupled:
            theta = theta - lr * lam * theta
        else:
            g = g + lam * theta
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**k)) / (np.sqrt(s / (1 - b2**k)) + eps)
        out.append(theta)
    return out


def test_sgd_weight_decay_adds_lambda_theta():
    t1, t2 = run_two(lambda h: SGD(h, lr=0.1, weight_decay=0.5))
    e1 = THETA0 - 0.1 * (GRADS[0] + 0.5 * THETA0)
    e2 = e1 - 0.1 * (GRADS[1] + 0.5 * e1)
    np.testing.assert_allclose(t1, e1, rtol=1e-14)
    np.testing.assert_allclose(t2, e2, rtol=1e-14)


def test_sgd_momentum_weight_decay_passes_through_the_velocity():
    t1, t2 = run_two(lambda h: SGD(h, lr=0.1, momentum=0.9, weight_decay=0.5))
    v1 = GRADS[0] + 0.5 * THETA0
    e1 = THETA0 - 0.1 * v1
    v2 = 0.9 * v1 + GRADS[1] + 0.5 * e1
    np.testing.assert_allclose(t2, e1 - 0.1 * v2, rtol=1e-14)


def test_rmsprop_weight_decay():
    t1, _ = run_two(lambda h: RMSProp(h, lr=0.1, rho=0.9, weight_decay=0.5))
    g = GRADS[0] + 0.5 * THETA0
    np.testing.assert_allclose(t1, THETA0 - 0.1 * g / (np.sqrt(0.1 * g * g) + 1e-8), rtol=1e-14)


@pytest.mark.parametrize("make, decoupled", [
    (lambda h: Adam(h, lr=0.1, weight_decay=0.3), False),
    (lambda h: AdamW(h, lr=0.1, weight_decay=0.3), True),
])
def test_adam_coupled_and_adamw_decoupled_by_hand(make, decoupled):
    got = run_two(make)
    want = adam_by_hand(0.3, decoupled)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-13)


def test_adam_and_adamw_differ_and_agree_without_decay():
    a = run_two(lambda h: Adam(h, lr=0.1, weight_decay=0.3))
    w = run_two(lambda h: AdamW(h, lr=0.1, weight_decay=0.3))
    assert np.abs(a[1] - w[1]).max() > 1e-3
    plain = run_two(lambda h: Adam(h, lr=0.1))
    np.testing.assert_array_equal(run_two(lambda h: AdamW(h, lr=0.1, weight_decay=0.0))[1],
                                  plain[1])


def test_adamw_shrinks_every_parameter_by_the_same_factor_on_a_zero_gradient():
    h = Holder()
    h.params["w"] = np.array([1e-3, 5.0, -20.0])
    h.grads["w"] = np.zeros(3)
    AdamW(h, lr=0.1, weight_decay=0.2).step()
    np.testing.assert_allclose(h.params["w"], np.array([1e-3, 5.0, -20.0]) * (1 - 0.02))


def test_coupled_decay_inside_adam_is_divided_by_the_gradient_scale():
    """With the decay inside Adam's gradient, the parameter with the large loss gradient is
    barely decayed; AdamW decays both alike. This is the difference the chapter draws."""
    def shrink(make):
        h = Holder()
        h.params["w"] = np.array([1.0, 1.0])
        opt = make(h)
        for k in range(50):
            h.grads["w"] = np.array([100.0 * (-1) ** k, 0.0])  # large and oscillating; none
            opt.step()
        return h.params["w"]

    coupled = shrink(lambda h: Adam(h, lr=0.01, weight_decay=0.1))
    decoupled = shrink(lambda h: AdamW(h, lr=0.01, weight_decay=0.1))
    # coupled: the second parameter (no loss gradient) is pushed to 0 at Adam's full step
    # size, the first hardly moves on average; decoupled: both shrink by (1 - 1e-3)^50
    assert coupled[1] < 0.6 and abs(coupled[0] - 1) < 0.05
    np.testing.assert_allclose(decoupled[1], (1 - 1e-3) ** 50, rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda h, wd: SGD(h, lr=0.1, weight_decay=wd), lambda h, wd: RMSProp(h, weight_decay=wd),
    lambda h, wd: Adam(h, weight_decay=wd), lambda h, wd: AdamW(h, weight_decay=wd)])
@pytest.mark.parametrize("wd, error, match", [
    (-0.1, ValueError, "weight_decay must be a finite number >= 0, got -0.1"),
    (float("inf"), ValueError, "weight_decay must be a finite number >= 0"),
    ("1e-4", TypeError, "weight_decay must be a number >= 0, got '1e-4'"),
    (None, TypeError, "weight_decay must be a number >= 0, got None"),
])
def test_bad_weight_decay_is_refused(make, wd, error, match):
    with pytest.raises(error, match=match):
        make(Holder(), wd)


def test_weight_decay_keeps_float32_and_shows_in_repr():
    h = Holder(np.float32)
    opt = SGD(h, lr=0.1, momentum=0.9, weight_decay=0.01)
    h.grads["w"][:] = (1.0, 2.0)
    opt.step()
    assert h.params["w"].dtype == np.float32
    assert opt.state["w"]["velocity"].dtype == np.float32
    assert repr(opt) == "SGD(lr=0.1, momentum=0.9, weight_decay=0.01)"
    assert repr(AdamW(h)).endswith("weight_decay=0.01)")
    assert "weight_decay" not in repr(Adam(h))


# ------------------------------------------------------------------- schedules


def test_step_schedule_closed_form():
    s = StepSchedule(SGD(Holder(), lr=0.4), every=3, factor=0.5)
    assert [s.lr_at(e) for e in range(8)] == [0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1, 0.1]


def test_cosine_schedule_closed_form():
    s = CosineSchedule(Adam(Holder(), lr=0.01), epochs=10, lr_min=0.001)
    assert s.lr_at(0) == pytest.approx(0.01)
    assert s.lr_at(5) == pytest.approx(0.0055)
    assert s.lr_at(10) == pytest.approx(0.001) and s.lr_at(25) == pytest.approx(0.001)
    for e in range(1, 10):
        assert s.lr_at(e) == pytest.approx(0.001 + 0.0045 * (1 + math.cos(math.pi * e / 10)))
    lrs = [s.lr_at(e) for e in range(11)]
    assert all(a > b for a, b in zip(lrs, lrs[1:], strict=False))


def test_a_schedule_sets_the_rate_of_each_epoch_inside_fit():
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(2, 1, rng=rng))
    opt = SGD(model, lr=0.2)
    schedule = StepSchedule(opt, every=2, factor=0.5)
    seen = []

    def record(history, model):
        seen.append(opt.lr)
        return False

    x = rng.standard_normal((16, 2))
    t = x @ np.array([[1.0], [-1.0]])
    bp.fit(model, bp.SquaredError(), opt, x, t, epochs=5, batch_size=None, shuffle=False,
           callbacks=[schedule, record])
    # after epoch e the rate for epoch e + 1 is set: epochs 1-2 at 0.2, 3-4 at 0.1, 5 at 0.05
    assert seen == [0.2, 0.2, 0.1, 0.1, 0.05, 0.05]


def test_schedules_refuse_bad_settings():
    opt = SGD(Holder(), lr=0.1)
    with pytest.raises(TypeError, match="expected a bpkit optimizer"):
        StepSchedule("sgd", every=2)
    with pytest.raises(ValueError, match="every must be a number of epochs"):
        StepSchedule(opt, every=0)
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\)"):
        StepSchedule(opt, every=2, factor=1.5)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        CosineSchedule(opt, epochs=0)
    with pytest.raises(ValueError, match="lr_min must be below the optimizer's lr"):
        CosineSchedule(opt, epochs=5, lr_min=0.2)
    with pytest.raises(ValueError, match="lr_min must be a finite number >= 0"):
        CosineSchedule(opt, epochs=5, lr_min=-1.0)
    with pytest.raises(ValueError, match="lr_at expected an epoch count"):
        CosineSchedule(opt, epochs=5).lr_at(-1)
