"""RNN, LSTM and LastStep: gradient checks through time on hypothesis-generated sizes, the
weights' gradient as a sum over steps, truncation equal to running the chunks separately,
float32 kept, and bad input refused."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpkit as bp
from bpkit.recurrent import LSTM, RNN, LastStep

sizes = st.fixed_dictionaries({
    "n": st.integers(1, 3), "t": st.integers(1, 5), "d": st.integers(1, 4),
    "h": st.integers(1, 4), "seed": st.integers(0, 2**32 - 1)})


@settings(max_examples=60, deadline=None)
@given(sizes, st.sampled_from([RNN, LSTM]))
def test_backward_through_time_passes_the_gradient_check(s, layer_class):
    """Against centered differences of the whole sequence's output (truncation off: with it,
    the gradient is no longer the exact one; see the chunk test below)."""
    rng = np.random.default_rng(s["seed"])
    layer = layer_class(s["d"], s["h"], rng=rng)
    layer.params["b"] += rng.standard_normal(layer.params["b"].shape) * 0.1
    x = rng.standard_normal((s["n"], s["t"], s["d"]))
    report = bp.check_layer(layer, x, rng=rng)
    assert report.max_rel_error < 1e-7, report.table()


@pytest.mark.parametrize("layer_class", [RNN, LSTM])
@pytest.mark.parametrize("truncate", [1, 2, 3, 7])
def test_truncation_equals_backpropagating_each_chunk_on_its_own(layer_class, truncate):
    """Truncated BPTT = each chunk of k steps run from the state the previous chunk left,
    with that state taken as a constant; the weights' gradients add up over the chunks."""
    rng = np.random.default_rng(truncate)
    n, steps, d, h = 2, 7, 3, 4
    layer = layer_class(d, h, truncate=truncate, rng=rng)
    x, dh = rng.standard_normal((n, steps, d)), rng.standard_normal((n, steps, h))
    out = layer.forward(x)
    dx = layer.backward(dh)
    chunk_layer = layer_class(d, h, rng=rng)
    for key in layer.params:
        chunk_layer.params[key][...] = layer.params[key]
    total = {k: np.zeros_like(v) for k, v in layer.params.items()}
    states = {}
    for start in range(0, steps, truncate):
        part = slice(start, start + truncate)
        y = chunk_layer.forward(x[:, part], **states)
        np.testing.assert_allclose(y, out[:, part], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(chunk_layer.backward(dh[:, part]), dx[:, part],
                                   rtol=1e-10, atol=1e-14)
        for k in total:
            total[k] += chunk_layer.grads[k]
        states = {"h0": chunk_layer.h[:, -1].copy()}  # where this chunk left the states
        if layer_class is LSTM:
            states["c0"] = chunk_layer.c[:, -1].copy()
    for k in total:
        np.testing.assert_allclose(layer.grads[k], total[k], rtol=1e-10, atol=1e-14)


def test_rnn_by_hand_for_two_steps():
    """h1 = tanh(wx x1 + b), h2 = tanh(wx x2 + wh h1 + b); dL/dwh for L = h2 is
    (1 - h2^2) h1: one term, since only step 2 uses wh on a non-zero state."""
    layer = RNN(1, 1)
    layer.params["Wx"][...] = 0.5
    layer.params["Wh"][...] = -0.8
    layer.params["b"][...] = 0.1
    x = np.array([[[1.0], [2.0]]])
    h = layer.forward(x)
    h1 = np.tanh(0.5 + 0.1)
    h2 = np.tanh(0.5 * 2 - 0.8 * h1 + 0.1)
    np.testing.assert_allclose(h[0, :, 0], [h1, h2], rtol=1e-15)
    layer.backward(np.array([[[0.0], [1.0]]]))
    assert layer.grads["Wh"][0, 0] == pytest.approx((1 - h2**2) * h1, rel=1e-14)
    dz2 = 1 - h2**2
    dz1 = dz2 * -0.8 * (1 - h1**2)
    assert layer.grads["Wx"][0, 0] == pytest.approx(dz2 * 2.0 + dz1 * 1.0, rel=1e-14)


def test_a_sequence_classifier_passes_the_model_gradient_check():
    rng = np.random.default_rng(4)
    model = bp.Sequential(LSTM(3, 5, rng=rng), LastStep(), bp.Linear(5, 2, rng=rng))
    x = rng.standard_normal((4, 6, 3))
    report = bp.check_model(model, bp.SoftmaxCrossEntropy(), x, np.array([0, 1, 1, 0]))
    assert report.max_rel_error < 1e-7, report.table()


@pytest.mark.parametrize("layer_class", [RNN, LSTM])
def test_float32_stays_float32(layer_class):
    rng = np.random.default_rng(0)
    layer = layer_class(3, 4, rng=rng, dtype=np.float32)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    y = layer.forward(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())


@pytest.mark.parametrize("layer_class", [RNN, LSTM])
@pytest.mark.parametrize("x,message", [
    (np.ones((2, 5, 4)), r"expected sequences of shape \(N, T, 3\), got shape \(2, 5, 4\)"),
    (np.ones((2, 0, 3)), r"empty sequence \(T = 0\)"),
    (np.ones((2, 3)), r"expected sequences of shape \(N, T, 3\), got shape \(2, 3\)"),
])
def test_bad_sequences_are_refused(layer_class, x, message):
    with pytest.raises(ValueError, match=message):
        layer_class(3, 4).forward(x)


def test_bad_settings_and_states_are_refused():
    with pytest.raises(ValueError, match="truncate must be a positive integer, got 0"):
        RNN(3, 4, truncate=0)
    with pytest.raises(ValueError, match="n_hidden must be a positive integer, got -1"):
        LSTM(3, -1)
    with pytest.raises(ValueError, match=r"expected h0 of shape \(2, 4\), got \(4,\)"):
        RNN(3, 4).forward(np.ones((2, 5, 3)), h0=np.zeros(4))
    with pytest.raises(ValueError, match=r"expected c0 of shape \(2, 4\), got \(2, 3\)"):
        LSTM(3, 4).forward(np.ones((2, 5, 3)), c0=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"expected states of shape \(N, T, H\)"):
        LastStep().forward(np.ones((2, 3)))


@pytest.mark.parametrize("layer_class", [RNN, LSTM])
def test_grad_h_holds_the_gradient_reaching_every_state(layer_class):
    """grad_h[:, t] is dL/dh_t. For a loss on the steps after t alone, it is the dh0 of the
    same layer run on those steps from the states the full run had at t; with a loss on step
    t too, that step's output gradient adds. The LSTM's grad_c[:, t] adds the suffix's
    gradient at c0 and what reaches c_t through h_t = o tanh(c_t)."""
    rng = np.random.default_rng(7)
    n, steps, d, h = 2, 6, 3, 4
    layer = layer_class(d, h, rng=rng)
    x, dh = rng.standard_normal((n, steps, d)), rng.standard_normal((n, steps, h))
    layer.forward(x)
    layer.backward(dh)
    assert layer.grad_h.shape == (n, steps + 1, h)
    np.testing.assert_array_equal(layer.grad_h[:, 0], layer.dh0)
    np.testing.assert_array_equal(layer.grad_h[:, steps], dh[:, -1])  # the last state: output
    full = layer.grad_h.copy()
    for t in range(1, steps):
        suffix = layer_class(d, h, rng=rng)
        for key in layer.params:
            suffix.params[key][...] = layer.params[key]
        states = {"h0": layer.h[:, t]}
        if layer_class is LSTM:
            states["c0"] = layer.c[:, t]
        suffix.forward(x[:, t:], **states)
        suffix.backward(dh[:, t:])
        np.testing.assert_allclose(full[:, t], dh[:, t - 1] + suffix.dh0, rtol=1e-12,
                                   atol=1e-15)
        later = dh.copy()
        later[:, :t] = 0  # the loss on the steps after t only
        layer.backward(later)
        np.testing.assert_allclose(layer.grad_h[:, t], suffix.dh0, rtol=1e-12, atol=1e-15)
        if layer_class is LSTM:  # c_t reaches the later steps directly and through h_t
            o, tanh_c = layer.gate[:, t - 1, 3 * h:], np.tanh(layer.c[:, t])
            np.testing.assert_allclose(
                layer.grad_c[:, t], suffix.grad_c[:, 0] + suffix.dh0 * o * (1 - tanh_c**2),
                rtol=1e-12, atol=1e-15)


def test_orthogonal_has_every_singular_value_one():
    from bpkit.recurrent import orthogonal
    for n in (1, 5, 16):
        q = orthogonal(n, np.random.default_rng(n))
        np.testing.assert_allclose(q.T @ q, np.eye(n), atol=1e-13)
        np.testing.assert_allclose(np.linalg.svd(1.5 * q, compute_uv=False), 1.5, rtol=1e-13)
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        orthogonal(0, np.random.default_rng(0))
