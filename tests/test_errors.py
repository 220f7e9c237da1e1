"""Bad input gets a clear error that names what was expected and what arrived."""

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
    msg = r"targets of shape \(4, 3\).*predictions of shape \(4, 2\)"
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
def test_model_refuses_non_finite_data_wherever_it_checks(bad, first):
    """Behind a first Linear layer the model checks that layer's output, not the data: it
    must still catch every bad entry, name it, and not be fooled by a saturating sigmoid
    (inf -> 1.0) or by a weight column of zeros (inf * 0 is NaN, not 0)."""
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


def test_model_refuses_complex_data_holding_nan():
    x = np.array([[complex(1, np.nan), 2.0]])
    with pytest.raises(ValueError, match="Sequential input.*non-finite"):
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
