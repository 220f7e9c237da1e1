"""The depth explorer: headless numbers match a direct computation, controls drive it."""

import numpy as np
import pytest

import bpkit as bp
from bpkit.widgets.depth import DepthExplorer, build_network, error_vectors, explore

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")


def test_network_shape_and_parameter_count():
    model = build_network(3, 5, "tanh")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Linear", "Tanh"] * 3 + ["Linear"]
    # 4*5+5, 5*5+5 twice, 5*2+2
    assert model.n_params == 25 + 30 + 30 + 12
    assert model.forward(np.ones((3, 4))).shape == (3, 2)


def test_error_vectors_follow_the_recursion():
    """delta^l = (delta^{l+1} W^{l+1}) * sigma'(z^l), and delta^L = y - t for one example."""
    model = build_network(2, 4, "sigmoid", seed=3)
    rng = np.random.default_rng(7)
    x, t = rng.standard_normal((1, 4)), rng.standard_normal((1, 2))
    d1, d2, d3 = error_vectors(model, bp.SquaredError(), x, t)
    lin1, sig1, lin2, sig2, lin3 = model.layers
    np.testing.assert_allclose(d3, model.forward(x) - t, rtol=1e-12)
    np.testing.assert_allclose(d2, (d3 @ lin3.W) * sig2.a * (1 - sig2.a), rtol=1e-12)
    np.testing.assert_allclose(d1, (d2 @ lin2.W) * sig1.a * (1 - sig1.a), rtol=1e-12)
    # the weight gradient is the outer product of the error and the layer's input
    np.testing.assert_allclose(lin2.grads["W"], np.outer(d2[0], sig1.a[0]), rtol=1e-12)


def test_sigmoid_error_shrinks_and_relu_much_less():
    sig, relu = explore(8, 8, "sigmoid"), explore(8, 8, "relu")
    assert sig.norms.shape == relu.norms.shape == (9,)
    assert sig.shrink < 1e-4          # each sigmoid layer multiplies by at most 1/4
    assert relu.shrink > 100 * sig.shrink


def test_gradient_check_passes_where_gradients_do_not_vanish():
    for activation in ("sigmoid", "tanh", "relu"):
        result = explore(3, 6, activation)
        assert result.rel_error < 1e-7, activation
        assert result.rel_error_overall < 1e-8, activation
        assert not result.near_kink


def test_vanishing_gradients_inflate_only_the_per_array_error():
    result = explore(10, 8, "sigmoid")
    assert result.rel_error > 1e-5          # the first layer's gradient ~1e-9: round-off shows
    assert result.rel_error_overall < 1e-9  # against the whole gradient it is negligible


def test_explorer_controls_recompute_what_it_shows():
    ex = DepthExplorer(depth=2, width=4, activation="tanh")
    first = ex.norms.copy()
    assert len(first) == 3 and ex.rel_error < 1e-7
    assert bytes(ex._image.value)[:8] == b"\x89PNG\r\n\x1a\n"
    ex.depth = 5
    assert len(ex.norms) == 6
    ex.activation = "relu"
    ex.width = 9
    expected = explore(5, 9, "relu")
    np.testing.assert_array_equal(ex.norms, expected.norms)
    assert ex.rel_error == expected.rel_error
    assert ex.text in ex._text.value
    assert f"{expected.n_params} parameters" in ex.text


def test_bad_settings_name_what_was_expected():
    with pytest.raises(ValueError, match="depth must be an integer from 1 to 10, got 0"):
        explore(0, 4, "relu")
    with pytest.raises(ValueError, match="activation must be one of"):
        build_network(2, 4, "softplus")
    ex = DepthExplorer()
    with pytest.raises(ValueError, match="width must be an integer from 2 to 32, got 100"):
        ex.width = 100
    assert ex.width == 8
