"""The depth explorer: headless numbers match a direct computation, controls drive it."""

import json
import math

import numpy as np
import pytest

import bpkit as bp
from bpkit.gradcheck import check_model
from bpkit.layers import BatchNorm, LayerNorm, Linear, Residual
from bpkit.widgets.depth import (
    CHECK_LIMIT,
    DepthExplorer,
    build_network,
    depth_check,
    depth_state,
    error_vectors,
    example,
    explore,
    layer_values,
    make_network,
    network_from_state,
    network_state,
)


def test_network_shape_and_parameter_count():
    model = build_network(3, 5, "tanh")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Linear", "Tanh"] * 3 + ["Linear"]
    # 4*5+5, 5*5+5 twice, 5*2+2
    assert model.n_params == 25 + 30 + 30 + 12
    assert model.forward(np.ones((3, 4))).shape == (3, 2)


def test_the_initialisation_is_its_own_control():
    """By default Glorot for sigmoid and tanh, He for ReLU; chosen, it is the same for all."""
    glorot = build_network(3, 6, "sigmoid", seed=4)
    he = build_network(3, 6, "relu", seed=4)
    assert not np.allclose(glorot.layers[2].W, he.layers[2].W)
    limit = math.sqrt(6 / 12)
    assert np.abs(glorot.layers[2].W).max() <= limit < np.abs(he.layers[2].W).max()
    # the weights do not depend on the activation, only on depth, width, init and seed
    for init in ("glorot", "he"):
        nets = [build_network(3, 6, a, seed=4, init=init) for a in ("sigmoid", "tanh", "relu")]
        for a, b in zip(nets, nets[1:], strict=False):
            for key, value in a.params.items():
                np.testing.assert_array_equal(value, b.params[key])
    np.testing.assert_array_equal(build_network(3, 6, "sigmoid", seed=4, init="he").layers[2].W,
                                  he.layers[2].W)
    with pytest.raises(ValueError, match="init must be one of"):
        build_network(3, 6, "relu", init="xavier")


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


def test_the_network_travels_as_json_exactly():
    model = build_network(4, 7, "relu", seed=5)
    x, t = example(5)
    network = json.loads(json.dumps(network_state(model, x, t)))
    again, x2, t2 = network_from_state(network, "relu")
    for key, value in model.params.items():
        np.testing.assert_array_equal(again.params[key], value)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(t2, t)
    assert network == make_network({"depth": 4, "width": 7, "activation": "tanh", "init": "he",
                                    "seed": 5})
    with pytest.raises(ValueError, match="layer 2 has W of shape"):
        network_from_state({**network, "weights": [network["weights"][0]] * 2}, "relu")


def test_depth_state_is_the_direct_computation():
    controls = {"depth": 3, "width": 5, "activation": "tanh", "init": "glorot", "seed": 2}
    network = make_network(controls)
    state = depth_state(controls, network)
    model = build_network(3, 5, "tanh", seed=2, init="glorot")
    x, t = example(2)
    norms = [np.linalg.norm(d) for d in error_vectors(model, bp.SquaredError(), x, t)]
    assert state["norms"] == norms and state["shrink"] == norms[0] / norms[-1]
    assert state["n_params"] == model.n_params
    report = check_model(model, bp.SquaredError(), x, t)
    assert state["check"]["rel_error"] == report.max_rel_error
    assert state["check"]["layers"] == [max(report[f"{i}.W"].rel_error, report[f"{i}.b"].rel_error)
                                        for i in (0, 2, 4, 6)]
    assert depth_state(controls, network, check=False)["check"] is None
    assert depth_check(controls, network) == state["check"]
    assert {k: state[k] for k in controls} == controls


def test_sigmoid_error_shrinks_and_relu_much_less():
    sig, relu = explore(8, 8, "sigmoid"), explore(8, 8, "relu")
    assert sig.norms.shape == relu.norms.shape == (9,)
    assert sig.shrink < 1e-4          # each sigmoid layer multiplies by at most 1/4
    assert relu.shrink > 100 * sig.shrink
    assert (sig.init, relu.init) == ("glorot", "he")


def test_gradient_check_passes_where_gradients_do_not_vanish():
    for activation in ("sigmoid", "tanh", "relu"):
        result = explore(3, 6, activation)
        assert result.rel_error < 1e-7, activation
        assert result.rel_error_overall < 1e-8, activation
        assert not result.near_kink
        assert max(result.layer_errors) == result.rel_error


def test_vanishing_gradients_inflate_only_the_per_array_error():
    result = explore(10, 8, "sigmoid")
    assert result.rel_error > 1e-5          # the first layer's gradient ~1e-9: round-off shows
    assert result.rel_error_overall < 1e-9  # against the whole gradient it is negligible
    assert result.layer_errors[0] > 1e3 * result.layer_errors[-1]


def test_explorer_controls_recompute_what_it_shows():
    ex = DepthExplorer(depth=2, width=4, activation="tanh")
    assert ex.controls == {"depth": 2, "width": 4, "activation": "tanh", "init": "glorot",
                           "norm": "none", "residual": False, "batch": 1, "seed": 0}
    first = ex.norms.copy()
    assert len(first) == 3 and ex.rel_error < 1e-7
    ex.set(depth=5)
    assert len(ex.norms) == 6 and ex.depth == 5
    ex.set(activation="relu", width=9)
    expected = explore(5, 9, "relu", init="glorot")  # the initialisation stays as it was
    np.testing.assert_array_equal(ex.norms, expected.norms)
    assert ex.rel_error == expected.rel_error
    assert ex.rel_error_overall == expected.rel_error_overall
    assert ex.layer_errors == list(expected.layer_errors)
    assert ex.shrink == expected.shrink and ex.n_params == expected.n_params
    ex.set(init="he")
    np.testing.assert_array_equal(ex.norms, explore(5, 9, "relu").norms)
    assert f"{expected.n_params} parameters" in ex.text
    # the network the page receives is the one the numbers were computed on
    assert depth_state(ex.controls, ex.network) == ex.result
    ex.new_seed()
    assert ex.seed == 1
    np.testing.assert_array_equal(ex.norms, explore(5, 9, "relu", seed=1).norms)
    ex.reset()
    assert ex.controls == ex.initial
    np.testing.assert_array_equal(ex.norms, first)


def test_a_control_moved_by_the_front_end_gets_its_check_when_asked():
    ex = DepthExplorer(depth=2, width=3, activation="sigmoid")
    ex.controls = {**ex.controls, "depth": 4}  # as the front-end writes it
    assert ex.result["depth"] == 4 and ex.result["check"] is None
    assert len(ex.norms) == 5
    ex._on_message(ex, {"event": "check"}, [])  # what the front-end sends after a pause
    assert ex.result["check"]["rel_error"] == explore(4, 3, "sigmoid").rel_error
    assert ex.result["norms"] == list(explore(4, 3, "sigmoid").norms)


def test_describe_repr_and_page_state():
    ex = DepthExplorer(depth=3, width=4, activation="relu", seed=7)
    assert repr(ex) == "DepthExplorer(depth=3, width=4, activation='relu', init='he', seed=7)"
    words = ex.describe()
    assert "logarithmic" in words and "3 hidden layers of 4 relu units" in words
    assert "spread of each layer's output" in words and "one example" in words
    assert "Gradient check" in words
    state = ex.page_state()
    assert set(state) == {"controls", "initial", "result", "network"}
    json.dumps(state, allow_nan=False)
    html = ex._repr_mimebundle_()[0]["text/html"]
    assert 'data-widget="depth"' in html


def test_a_dead_relu_layer_gives_zero_norms_not_an_error():
    """Width 2 with ReLU: some seeds switch off every unit of a layer; its error is then 0."""
    for seed in range(60):
        result = explore(10, 2, "relu", seed=seed)
        if result.norms[0] == 0.0:
            break
    else:
        pytest.fail("no seed below 60 gives a dead first layer")
    assert result.shrink == 0.0
    ex = DepthExplorer(depth=10, width=2, activation="relu", seed=seed)
    json.dumps(ex.page_state(), allow_nan=False)


def test_bad_settings_name_what_was_expected():
    with pytest.raises(ValueError, match="depth must be an integer from 1 to 50, got 0"):
        explore(0, 4, "relu")
    with pytest.raises(ValueError, match="activation must be one of"):
        build_network(2, 4, "softplus")
    ex = DepthExplorer()
    with pytest.raises(ValueError, match="width must be an integer from 2 to 32, got 100"):
        ex.set(width=100)
    with pytest.raises(ValueError, match="unknown control"):
        ex.set(height=3)
    with pytest.raises(ValueError, match="seed must be an integer"):
        ex.set(seed=-1)
    assert ex.width == 8
    with pytest.raises(AttributeError):
        ex.depth = 4  # the controls move with set()


# ------------------------------------------------------- Chapter 6: the switches

def test_chapter_3s_defaults_compute_what_they_did():
    """The switches off, one example: the same network, input and numbers as before them."""
    c = {"depth": 4, "width": 8, "activation": "sigmoid", "init": "glorot", "seed": 0}
    state = depth_state(c, make_network(c))
    model = build_network(4, 8, "sigmoid", seed=0)
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((1, 4)), rng.standard_normal((1, 2))
    loss = bp.SquaredError()
    loss.forward(model.forward(x), t)
    d = loss.backward()
    deltas = []
    for layer in reversed(model.layers):  # the recursion of Chapter 3, by hand
        if isinstance(layer, Linear):
            deltas.append(np.linalg.norm(d))
        d = layer.backward(d)
    assert state["norms"] == deltas[::-1]
    assert (state["norm"], state["residual"], state["batch"]) == ("none", False, 1)


def test_the_switches_build_bpkits_layers():
    kinds = lambda m: [type(layer).__name__ for layer in m.layers]  # noqa: E731
    assert kinds(build_network(2, 5, "tanh", norm="batch")) == [
        "Linear", "BatchNorm", "Tanh", "Linear", "BatchNorm", "Tanh", "Linear"]
    res = build_network(3, 5, "relu", norm="layer", residual=True)
    assert kinds(res) == ["Linear", "LayerNorm", "ReLU", "Residual", "Residual", "Linear"]
    assert kinds(res.layers[3].inner) == ["Linear", "LayerNorm", "ReLU"]
    assert isinstance(res.layers[1], LayerNorm) and isinstance(res.layers[3], Residual)
    # the weights are the same whatever the switches
    plain = build_network(3, 5, "relu")
    np.testing.assert_array_equal(plain.layers[2].W, res.layers[3].inner.layers[0].W)
    # parameters: 3 * (4 + 1) ... plus a scale and a shift per unit of each norm
    assert res.n_params == plain.n_params + 3 * 2 * 5
    x, t = example(0, batch=7)
    assert x.shape == (7, 4) and t.shape == (7, 2)
    np.testing.assert_array_equal(example(0, batch=1)[0], example(0)[0])


def test_layer_values_follow_bpkits_own_backward_pass():
    """The recorded deltas and spreads, next to Sequential.backward (Residual.backward's own
    dy + dx) and the layers' outputs; for every switch."""
    rng = np.random.default_rng(3)
    for norm in ("none", "batch", "layer"):
        for residual in (False, True):
            model = build_network(4, 6, "tanh", seed=2, norm=norm, residual=residual)
            x, t = rng.standard_normal((9, 4)), rng.standard_normal((9, 2))
            spreads, deltas = layer_values(model, bp.SquaredError(), x, t)
            recorded = {k: np.array(g) for k, g in model.grads.items()}
            loss = bp.SquaredError()
            loss.forward(model.forward(x), t)
            dx = model.backward(loss.backward())
            for k, g in model.grads.items():  # the same parameter gradients
                np.testing.assert_allclose(recorded[k], g, rtol=1e-13, atol=1e-300)
            # the last delta is the output error, the first the gradient of layer 1's z
            np.testing.assert_allclose(deltas[-1], (model.forward(x) - t) / 9, rtol=1e-13)
            first = model.layers[0]
            np.testing.assert_allclose(dx, deltas[0] @ first.W, rtol=1e-12, atol=1e-15)
            # the spreads: each hidden layer's output (after a Residual's sum), then y
            outs, a = [], x
            for layer in model.layers:
                a = layer.forward(a)
                if not isinstance(layer, (Linear, BatchNorm, LayerNorm)):
                    outs.append(a.std())
            assert spreads == pytest.approx(outs + [a.std()], rel=1e-13)
            assert len(spreads) == len(deltas) == 5


def test_the_chapters_50_sigmoid_layers():
    """Batch norm and the skips keep the first layer's error; layer norm only delays the loss."""
    shrink = {}
    for norm, residual in (("none", False), ("batch", False), ("layer", False), ("none", True)):
        r = explore(50, 32, "sigmoid", init="glorot", norm=norm, residual=residual, batch=32)
        shrink[norm, residual] = r.shrink
        assert math.isnan(r.rel_error) and r.layer_errors == ()  # too large to check
        assert len(r.spreads) == 51
    assert shrink["none", False] < 1e-25
    assert shrink["batch", False] > 0.1 and shrink["none", True] > 0.1
    assert 1e5 * shrink["none", False] < shrink["layer", False] < 1e-10


def test_the_check_runs_with_the_switches_where_it_is_cheap():
    r = explore(3, 5, "tanh", norm="batch", residual=True, batch=8)
    assert r.rel_error_overall < 1e-8 and len(r.layer_errors) == 4
    ex = DepthExplorer(depth=50, width=32, norm="layer")
    assert ex.n_params ** 2 * ex.batch > CHECK_LIMIT
    assert ex.check() is None and math.isnan(ex.rel_error) and ex.layer_errors == []
    assert "not run for a network this large" in ex.text
    ex.set(depth=3, width=4)
    assert ex.rel_error_overall < 1e-8
    assert repr(ex) == ("DepthExplorer(depth=3, width=4, activation='sigmoid', init='glorot', "
                        "seed=0, norm='layer')")


def test_the_switches_move_from_code_and_the_front_end():
    ex = DepthExplorer(depth=6, width=8, activation="sigmoid")
    plain = ex.norms.copy()
    ex.set(batch=16)
    assert ex.batch == 16 and len(ex.network["x"]) == 16
    ex.set(norm="batch")
    assert ex.shrink > 10 * explore(6, 8, "sigmoid", batch=16).shrink
    ex.controls = {**ex.controls, "residual": True}  # as the front-end writes it
    assert ex.result["residual"] is True and ex.result["check"] is None
    np.testing.assert_array_equal(ex.norms, explore(6, 8, "sigmoid", norm="batch",
                                                    residual=True, batch=16).norms)
    ex.reset()
    np.testing.assert_array_equal(ex.norms, plain)
    assert ex.controls == ex.initial and ex.norm == "none" and ex.residual is False


def test_bad_switches_name_what_was_expected_and_what_arrived():
    with pytest.raises(ValueError, match=r"norm must be one of \['none', 'batch', 'layer'\], "
                                         "got 'group'"):
        DepthExplorer(norm="group")
    with pytest.raises(ValueError, match="norm='batch' needs a batch of at least 2 examples "
                                         r"\(batch norm standardises each unit over the "
                                         r"batch\), got batch=1"):
        DepthExplorer(norm="batch")
    with pytest.raises(ValueError, match="depth must be an integer from 1 to 50, got 0"):
        DepthExplorer(depth=0)
    with pytest.raises(ValueError, match="batch must be an integer from 1 to 64, got 0"):
        explore(3, 4, batch=0)
    with pytest.raises(ValueError, match="residual must be True or False, got 'yes'"):
        explore(3, 4, residual="yes")
    ex = DepthExplorer(batch=4, norm="batch")
    with pytest.raises(ValueError, match="needs a batch of at least 2 examples.*got batch=1"):
        ex.set(batch=1)
    assert ex.batch == 4 and ex.norm == "batch"  # nothing moved
    with pytest.raises(ValueError, match="unknown control.*expected some of depth, width, "
                                         "activation, init, norm, residual, batch, seed"):
        ex.set(normalisation="batch")
    with pytest.raises(ValueError, match=r"example: batch \(the number of examples\) must be "
                                         "a positive integer, got 0"):
        example(3, batch=0)
    with pytest.raises(ValueError, match="the depth explorer's controls need"):
        make_network({"depth": 3})
