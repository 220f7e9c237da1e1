"""Bad input gets a clear error that names what was expected and what arrived."""

import warnings

import numpy as np
import pytest

import bpkit as bp


def test_linear_wrong_input_width_names_layer_and_both_shapes():
    with pytest.raises(ValueError) as err:
        bp.Linear(3, 2)(np.zeros((4, 5)))
    msg = str(err.value)
    assert "Linear(3, 2)" in msg and "(N, 3)" in msg and "(4, 5)" in msg


def test_model_error_says_which_layer():
    model = bp.Sequential(bp.Linear(2, 3), bp.ReLU(), bp.Linear(4, 1))
    msg = r"layer 2 of the model: Linear\(4, 1\).*\(N, 4\).*\(5, 3\)"
    with pytest.raises(ValueError, match=msg):
        model(np.ones((5, 2)))


def test_named_layer_appears_in_message():
    with pytest.raises(ValueError, match="'hidden'"):
        bp.Linear(3, 2, name="hidden")(np.zeros((1, 2)))


@pytest.mark.parametrize("loss", [bp.SquaredError(), bp.BinaryCrossEntropy()])
def test_targets_of_wrong_shape(loss):
    y = np.full((4, 2), 0.5)
    msg = (r"expected targets of the shape of the predictions, \(4, 2\), got targets of shape "
           r"\(4, 3\)")
    with pytest.raises(ValueError, match=msg):
        loss(y, np.zeros((4, 3)))


def test_single_output_accepts_flat_targets_but_not_transposed_ones():
    loss = bp.SquaredError()
    y = np.zeros((3, 1))
    assert loss(y, np.array([1.0, 1.0, 1.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"\(1, 3\)"):
        loss(y, np.ones((1, 3)))


def test_softmax_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels must lie in 0..2.*from 0 to 3"):
        bp.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.array([0, 3]))


def test_bce_needs_probabilities():
    with pytest.raises(ValueError, match="from_logits=True"):
        bp.BinaryCrossEntropy()(np.array([[2.0]]), np.array([1.0]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused(bad):
    x = np.ones((3, 2))
    x[1, 0] = bad
    with pytest.raises(ValueError, match=r"non-finite.*index \(1, 0\)"):
        bp.Linear(2, 1)(x)
    with pytest.raises(ValueError, match="non-finite"):
        bp.Sequential(bp.Linear(2, 1))(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("first", ["linear", "linear, zero weights", "activation"])
def test_model_refuses_non_finite_data_whatever_its_first_layer(bad, first):
    """Every bad entry is caught and named, whether the first layer is a Linear one (with a
    column of zero weights, inf * 0 is NaN) or a sigmoid that would saturate (inf -> 1.0)."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.standard_normal((6, 5))
        row, col = rng.integers(6), rng.integers(5)
        x[row, col] = bad
        if first == "activation":
            model = bp.Sequential(bp.Sigmoid(), bp.Linear(5, 3), bp.Sigmoid())
        else:
            model = bp.Sequential(bp.Linear(5, 3, rng=rng), bp.Sigmoid(), bp.Linear(3, 1))
            if first == "linear, zero weights":
                model.layers[0].params["W"][:, col] = 0.0
        with pytest.raises(ValueError, match=rf"Sequential input.*non-finite.*\({row}, {col}\)"):
            model(x)


def test_model_refuses_complex_data():
    for x in (np.array([[complex(1, np.nan), 2.0]]), np.array([[1 + 1j, 2.0]])):
        with pytest.raises(TypeError, match=r"Sequential expected real numbers.*complex128"):
            bp.Sequential(bp.Linear(2, 1))(x)


def test_model_lets_diverged_weights_through_to_train_step():
    model = bp.Sequential(bp.Linear(2, 2), bp.ReLU(), bp.Linear(2, 1))
    model.layers[0].params["W"][0, 0] = np.inf
    x = np.ones((3, 2))
    assert not np.isfinite(model(x)).all()  # the data is fine: no ValueError about it
    with pytest.raises(bp.DivergenceError, match="output became non-finite"):
        bp.train_step(model, bp.SquaredError(), bp.SGD(model, 0.1), x, np.zeros((3, 1)))


def test_non_finite_predictions_refused_by_loss():
    with pytest.raises(ValueError, match="non-finite.*learning rate"):
        bp.SquaredError()(np.array([[np.nan]]), np.array([[0.0]]))


@pytest.mark.parametrize("lr", [0, -0.1, np.nan, np.inf])
def test_bad_learning_rate(lr):
    msg = f"learning rate lr must be a positive finite number, got {lr}"
    with pytest.raises(ValueError, match=msg):
        bp.SGD(bp.Sequential(bp.Linear(1, 1)), lr=lr)


def test_learning_rate_of_wrong_type():
    with pytest.raises(TypeError, match="positive number"):
        bp.SGD(bp.Sequential(bp.Linear(1, 1)), lr="fast")


def test_empty_batch():
    with pytest.raises(ValueError, match=r"empty batch: shape \(0, 3\)"):
        bp.Linear(3, 2)(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="empty batch"):
        bp.SquaredError()(np.zeros((1, 1)), np.zeros((0,)))


def test_backward_before_forward_and_wrong_upstream_shape():
    layer = bp.Linear(3, 2)
    with pytest.raises(RuntimeError, match="backward.*before forward"):
        layer.backward(np.ones((1, 2)))
    layer(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"dL/dy of shape \(4, 2\).*got \(4, 3\)"):
        layer.backward(np.ones((4, 3)))


def test_bad_layer_construction():
    with pytest.raises(ValueError, match="n_out must be a positive integer, got 0"):
        bp.Linear(3, 0)
    with pytest.raises(ValueError, match="init must be"):
        bp.Linear(3, 2, init="zeros")
    with pytest.raises(ValueError, match="appears twice"):
        relu = bp.ReLU()
        bp.Sequential(bp.Linear(1, 1), relu, bp.Linear(1, 1), relu)
    with pytest.raises(TypeError, match="not a bpkit Layer"):
        bp.Sequential(bp.Linear(1, 1), np.tanh)


def test_divergence_is_reported_with_a_hint():
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(1, 1, rng=rng))
    x = rng.standard_normal((8, 1)) * 10
    t = 3 * x
    opt = bp.SGD(model, lr=5.0)  # far beyond 2 / curvature: every step overshoots
    with pytest.raises(bp.DivergenceError, match=r"learning rate too large \(lr=5\)"):
        for _ in range(500):
            bp.train_step(model, bp.SquaredError(), opt, x, t)


def test_small_learning_rate_trains_without_error():
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(1, 1, rng=rng))
    x = rng.standard_normal((8, 1))
    t = 3 * x + 1
    opt = bp.SGD(model, lr=0.3)
    losses = [bp.train_step(model, bp.SquaredError(), opt, x, t) for _ in range(200)]
    assert losses[-1] < 1e-8 < losses[0]
    assert model.params["0.W"][0, 0] == pytest.approx(3.0)
    assert model.params["0.b"][0] == pytest.approx(1.0)


def test_core_imports_only_numpy():
    import subprocess
    import sys

    code = ("import sys, bpkit; bad = sorted(m for m in ('sympy', 'matplotlib', 'ipywidgets', "
            "'tqdm', 'IPython') if m in sys.modules); print(bad); assert not bad")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------- the cases of issue 14, each with its message

ACTIVATIONS = [bp.Sigmoid, bp.Tanh, bp.ReLU, bp.LeakyReLU, bp.Identity, bp.SiLU]


def test_softmax_reads_boolean_labels_as_classes_0_and_1():
    z = np.array([[0.3, -0.2], [1.0, 0.5]])
    loss = bp.SoftmaxCrossEntropy()
    value = loss(z, np.array([True, False]))
    grad = loss.backward()
    assert value == pytest.approx(loss(z, np.array([1, 0])), rel=1e-15)
    np.testing.assert_array_equal(grad, loss.backward())
    assert loss(np.zeros((4, 3)), np.array([True, False, True, True])) == pytest.approx(np.log(3))


@pytest.mark.parametrize("rows, what", [
    ([[1.0, 1.0, 0.0]], "summing to 2"),                       # multi-hot
    ([[0.25, 0.25, 0.0]], "summing to 0.5"),
    ([[1.5, -0.5, 0.0]], r"row 0 is \[ 1.5 -0.5  0. \]"),     # sums to 1, an entry < 0
])
def test_softmax_refuses_target_rows_that_are_not_distributions(rows, what):
    z = np.array([[0.0, 3.0, 0.0]])
    msg = rf"SoftmaxCrossEntropy\(\): each target row must be a probability distribution.*{what}"
    with pytest.raises(ValueError, match=msg) as err:
        bp.SoftmaxCrossEntropy()(z, np.array(rows))
    assert "BinaryCrossEntropy(from_logits=True)" in str(err.value)


def test_softmax_soft_labels_give_the_gradient_of_their_loss():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 4))
    t = rng.random((5, 4))
    t /= t.sum(axis=1, keepdims=True)
    assert bp.SoftmaxCrossEntropy()(z, t) > 0
    assert bp.check_loss(bp.SoftmaxCrossEntropy(), z, t).passed()


@pytest.mark.parametrize("call", [
    lambda x: bp.Sequential(bp.Linear(2, 1))(x),
    lambda x: bp.Linear(2, 1).forward(x),
    lambda x: bp.SquaredError()(x, np.zeros((1, 2))),
    lambda x: bp.SoftmaxCrossEntropy()(x, np.array([0])),
    lambda x: bp.BinaryCrossEntropy(from_logits=True)(x, np.zeros((1, 2))),
    *[lambda x, cls=cls: cls().forward(x) for cls in ACTIVATIONS],
])
def test_complex_input_is_refused_not_cut_to_its_real_part(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning on the way
        with pytest.raises(TypeError, match=r"expected real numbers, got complex ones.*x\.real"):
            call(np.array([[1 + 1j, 2.0]]))


def test_float16_is_refused_with_the_reason():
    msg = r"SquaredError\(\) predictions expected float32 or float64.*float16 overflows above 65504"
    with pytest.raises(TypeError, match=msg):
        bp.SquaredError()(np.array([[300.0]], np.float16), np.zeros((1, 1), np.float16))
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64, got float16"):
        bp.Linear(2, 1, dtype=np.float16)
    with pytest.raises(TypeError, match="Sequential expected float32 or float64.*float16"):
        bp.Sequential(bp.ReLU())(np.ones((1, 2), np.float16))
    # float32 squares are summed in float64: no overflow where the loss fits
    assert bp.SquaredError()(np.array([[300.0]], np.float32), np.zeros((1, 1))) == 45_000.0
    big = bp.SquaredError()(np.array([[2e19]], np.float32), np.zeros((1, 1)))
    assert big == pytest.approx(0.5 * float(np.float32(2e19)) ** 2, rel=1e-12)


def test_an_overflowing_loss_is_an_error_and_a_divergence_in_training():
    with pytest.raises(OverflowError, match=r"SquaredError\(\): the loss is too large.*1e\+200"):
        bp.SquaredError()(np.array([[1e200]]), np.zeros((1, 1)))
    model = bp.Sequential(bp.Linear(1, 1))
    model.params["0.W"][...] = 1e200
    with pytest.raises(bp.DivergenceError, match=r"the loss became non-finite.*lr=0\.1"):
        bp.train_step(model, bp.SquaredError(), bp.SGD(model, 0.1), np.ones((2, 1)),
                      np.zeros((2, 1)))


def test_binary_cross_entropy_in_float32_at_a_saturated_sigmoid():
    y = np.array([[1.0], [0.0]], np.float32)  # a float32 sigmoid reaches 1.0 at z = 17
    loss = bp.BinaryCrossEntropy()
    assert loss(y, np.array([0.0, 1.0])) == pytest.approx(-np.log(1e-12), rel=1e-6)
    assert np.isfinite(loss.backward()).all() and loss.backward().dtype == np.float32


def test_a_growing_loss_is_reported_by_fit():
    """The issue's two runs: a regression at lr = 10, whose loss reached 1e170 before it
    overflowed, and a sigmoid with cross-entropy at lr = 1000, which grew from 0.5 to 8."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    t = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1
    model = bp.Sequential(bp.Linear(3, 8, rng=rng), bp.Tanh(), bp.Linear(8, 1, rng=rng))
    msg = (r"the training loss has grown from 1\.437 before training to 1\.547e\+11 at epoch 1, "
           r"over 10 times its start: the run is diverging\. The usual causes: a learning rate "
           r"too large \(lr=10\)")
    with pytest.warns(bp.DivergenceWarning, match=msg):
        h = bp.fit(model, bp.SquaredError(), bp.SGD(model, 10.0), x, t, epochs=50,
                   batch_size=16, rng=np.random.default_rng(0), on_divergence="stop")
    assert h.diverging_epoch == 1

    from bpkit.datasets import two_moons

    x, t = two_moons(100, noise=0.2, rng=0)
    model = bp.Sequential(bp.Linear(2, 1, rng=np.random.default_rng(0)), bp.Sigmoid())
    with pytest.warns(bp.DivergenceWarning, match=r"from 0\.5126 .* to 8\.379 at epoch 222"):
        h = bp.fit(model, bp.BinaryCrossEntropy(), bp.SGD(model, 1000.0), x, t, epochs=300,
                   batch_size=None, shuffle=False)
    assert h.diverging_epoch == 222 and not h.diverged  # reported; the run went on


def test_a_healthy_run_is_not_reported():
    from bpkit.datasets import two_moons

    x, t = two_moons(100, noise=0.2, rng=0)
    rng = np.random.default_rng(0)
    model = bp.Sequential(bp.Linear(2, 8, rng=rng), bp.Tanh(), bp.Linear(8, 1, rng=rng))
    with warnings.catch_warnings():
        warnings.simplefilter("error", bp.DivergenceWarning)
        h = bp.fit(model, bp.BinaryCrossEntropy(from_logits=True), bp.SGD(model, 0.5), x, t,
                   epochs=30, batch_size=10, rng=np.random.default_rng(1))
    assert h.diverging_epoch is None and h.train_loss[-1] < h.train_loss[0]


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_backward_before_forward_on_every_activation(cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}\(.*\): backward\(\) called before "
                                           r"forward\(\)"):
        cls().backward(np.ones((1, 2)))


@pytest.mark.parametrize("cls", ACTIVATIONS)
def test_forward_takes_a_list_like_calling_the_layer(cls):
    data = [[1.0, -2.0, 0.5]]
    direct, called = cls(), cls()
    np.testing.assert_array_equal(direct.forward(data), called(data))
    np.testing.assert_array_equal(direct.backward([[1.0, 2.0, 3.0]]),
                                  called.backward(np.array([[1.0, 2.0, 3.0]])))


def test_linear_names_a_single_example_given_as_a_flat_array():
    with pytest.raises(ValueError, match=r"got shape \(3,\); one example is a row: "
                                         r"x\.reshape\(1, 3\)"):
        bp.Linear(3, 2).forward(np.ones(3))


def test_ragged_and_non_numeric_data_are_named():
    with pytest.raises(ValueError, match="Sequential expected a rectangular array of numbers"):
        bp.Sequential(bp.Linear(2, 1))([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"Sigmoid\(\) expected numbers, got an array of dtype "
                                        r"<U1 \(the first entry is np.str_\('a'\)\)"):
        bp.Sigmoid().forward([["a", "b"]])


def test_optimizer_refuses_a_gradient_holding_nan_and_changes_nothing():
    model = bp.Sequential(bp.Linear(2, 2), bp.Tanh(), bp.Linear(2, 1))
    before = {k: v.copy() for k, v in model.params.items()}
    model.grads["2.W"][0, 1] = np.nan
    for opt in (bp.SGD(model, 0.1), bp.SGD(model, 0.1, momentum=0.9), bp.Adam(model)):
        with pytest.raises(ValueError, match=r"the gradient of '2.W' holds 1 non-finite.*"
                                             r"\(0, 1\).*no parameter was changed"):
            opt.step()
        assert opt.t == 0
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_optimizer_names_parameters_and_gradients_of_the_wrong_kind():
    class Bad:
        params = {"w": [1.0, 2.0]}
        grads = {"w": [0.0, 0.0]}

    with pytest.raises(TypeError, match=r"SGD: parameter 'w' must be a NumPy array of float32 "
                                        r"or float64.*got list"):
        bp.SGD(Bad(), 0.1)
    Bad.params = {"w": np.zeros(2)}
    with pytest.raises(TypeError, match=r"Adam: the gradient of 'w' must be a NumPy array of "
                                        r"real numbers \(.*\), got list"):
        bp.Adam(Bad()).step()


def test_gradcheck_names_bad_steps_arrays_and_functions():
    with pytest.raises(TypeError, match="must be a writeable float32 or float64 array, got "
                                        "dtype int64"):
        bp.numerical_gradient(lambda: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match=r"centered_difference: the step eps must be a positive"):
        bp.gradcheck.centered_difference(np.sin, 1.0, eps=0)
    with pytest.raises(ValueError, match=r"numerical_gradient: f\(\) gave nan"):
        bp.numerical_gradient(lambda: np.nan, np.zeros(2))
    with pytest.raises(TypeError, match=r"f\(\) must be \(or return\) one real number"):
        bp.numerical_gradient(lambda: np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"rel_error: a holds 1 non-finite"):
        bp.rel_error([np.nan], [1.0])
    assert bp.check_layer(bp.Tanh(), [[1, 2]]).passed()  # integers: checked in float64
