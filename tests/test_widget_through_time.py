"""ThroughTime (Chapter 10's widget) in a kernel: its numbers are bpkit's RNN's, its controls
move from code, and bad settings are refused with a message naming what was expected."""

import math

import numpy as np
import pytest

from bpkit.recurrent import RNN
from bpkit.widgets.through_time import ThroughTime, gradient_norms, make_network, summary


def test_the_norms_are_the_gradients_bpkit_backpropagates_to_each_state():
    """Against the recursion written out: dL/dh_{t-1} = (dL/dh_t * (1 - h_t^2)) W_h."""
    net = make_network(4)
    layer = RNN(4, 16)
    layer.params["Wx"][...] = net["Wx"]
    layer.params["Wh"][...] = 1.2 * np.array(net["Q"])
    h = layer.forward(np.array(net["x"])[None, :25])
    g = h[0, -1] - np.array(net["target"])
    norms = [np.linalg.norm(g)]
    for t in range(25, 0, -1):
        g = (g * (1 - layer.h[0, t] ** 2)) @ layer.params["Wh"]
        norms.append(np.linalg.norm(g))
    np.testing.assert_allclose(gradient_norms(25, 1.2, seed=4), norms[::-1], rtol=1e-12)


def test_the_bound_holds_and_the_scale_is_the_largest_singular_value():
    for scale in (0.3, 0.9, 1.0, 1.4, 2.0):
        norms = gradient_norms(60, scale, seed=1)
        assert norms[0] / norms[-1] <= scale**60 * (1 + 1e-12)
    q = np.array(make_network(1)["Q"])
    np.testing.assert_allclose(np.linalg.svd(0.7 * q, compute_uv=False), 0.7, rtol=1e-12)


def test_the_widget_moves_from_code_and_keeps_its_weights_for_one_seed():
    w = ThroughTime(steps=10, scale=0.5, seed=2)
    network = w.network
    w.set(steps=70, scale=1.1)
    assert w.network is network and w.controls == {"steps": 70, "scale": 1.1, "seed": 2}
    np.testing.assert_allclose(w.norms, gradient_norms(70, 1.1, seed=2), rtol=0)
    assert len(w.norms) == 71 and w.ratio == w.norms[0] / w.norms[-1]
    assert "70 steps" in w.text and "largest singular value 1.1" in w.describe()
    w.new_seed()
    assert w.controls["seed"] == 3 and w.network != network
    w.reset()
    assert w.controls == {"steps": 10, "scale": 0.5, "seed": 2} and w.network == network
    assert repr(w) == "ThroughTime(steps=10, scale=0.5, seed=2)"


def test_a_zero_last_gradient_gives_a_ratio_that_is_not_finite():
    state = {"steps": 1, "scale": 1.0, "seed": 0, "norms": [0.0, 0.0], "ratio": math.nan,
             "loss": 0.0}
    assert "not finite times as large" in summary(state)


@pytest.mark.parametrize("controls, message", [
    ({"steps": 0}, r"steps \(the sequence length T\) must be an integer from 1 to 100, got 0"),
    ({"steps": 101}, "from 1 to 100, got 101"),
    ({"steps": 2.5}, "got 2.5"),
    ({"scale": 2.5}, r"scale \(the largest singular value of W_h\) must be a number from 0.1 "
                     "to 2.0, got 2.5"),
    ({"scale": "big"}, "got 'big'"),
    ({"seed": -1}, "seed must be an integer"),
    ({"depth": 3}, r"unknown control\(s\) \['depth'\]"),
])
def test_bad_settings_are_refused(controls, message):
    w = ThroughTime()
    with pytest.raises(ValueError, match=message):
        w.set(**controls)
    assert w.controls == {"steps": 30, "scale": 1.0, "seed": 0}
