"""Conv2D, MaxPool2D, AvgPool2D, Flatten: the im2col version equals the reference loops, every
backward passes the gradient check on hypothesis-generated shapes, max-pooling routes ties to
one winner, float32 stays float32, and bad input is refused with the layer and the shapes."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import bpkit as bp
from bpkit.conv import (
    AvgPool2D,
    Conv2D,
    Flatten,
    MaxPool2D,
    col2im,
    conv2d_backward_reference,
    conv2d_reference,
    im2col,
    output_size,
)


@st.composite
def conv_settings(draw):
    """A convolution whose stride fits: (H + 2p - k) a multiple of s, for rows and columns."""
    k = draw(st.integers(1, 4))
    padding = draw(st.integers(0, 2))
    stride = draw(st.integers(1, 3))
    rows = [draw(st.integers(1, 3)) for _ in range(2)]  # output rows and columns
    h, w = ((r - 1) * stride + k - 2 * padding for r in rows)
    assume(h >= 1 and w >= 1)
    return dict(n=draw(st.integers(1, 3)), c_in=draw(st.integers(1, 3)),
                c_out=draw(st.integers(1, 3)), k=k, stride=stride, padding=padding, h=h, w=w,
                seed=draw(st.integers(0, 2**32 - 1)))


@settings(max_examples=60, deadline=None)
@given(conv_settings())
def test_im2col_convolution_equals_the_reference_loops(s):
    rng = np.random.default_rng(s["seed"])
    layer = Conv2D(s["c_in"], s["c_out"], s["k"], stride=s["stride"], padding=s["padding"],
                   rng=rng)
    layer.params["b"][...] = rng.standard_normal(s["c_out"])
    x = rng.standard_normal((s["n"], s["c_in"], s["h"], s["w"]))
    y = layer.forward(x)
    W, b = layer.params["W"], layer.params["b"]
    np.testing.assert_allclose(y, conv2d_reference(x, W, b, s["stride"], s["padding"]),
                               rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    ref_dx, ref_dW, ref_db = conv2d_backward_reference(x, W, dy, s["stride"], s["padding"])
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], ref_dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], ref_db, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(conv_settings())
def test_conv2d_gradient_check(s):
    rng = np.random.default_rng(s["seed"])
    layer = Conv2D(s["c_in"], s["c_out"], s["k"], stride=s["stride"], padding=s["padding"],
                   rng=rng)
    x = rng.standard_normal((s["n"], s["c_in"], s["h"], s["w"]))
    report = bp.check_layer(layer, x, rng=rng)
    assert report.max_rel_error < 1e-7, report.table()


@st.composite
def pool_settings(draw):
    k = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    rows = [draw(st.integers(1, 3)) for _ in range(2)]
    h, w = ((r - 1) * stride + k for r in rows)
    return dict(n=draw(st.integers(1, 2)), c=draw(st.integers(1, 3)), k=k, stride=stride,
                h=h, w=w, seed=draw(st.integers(0, 2**32 - 1)))


@settings(max_examples=60, deadline=None)
@given(pool_settings(), st.sampled_from([MaxPool2D, AvgPool2D]))
def test_pooling_gradient_check(s, pool):
    """Distinct, well-separated entries: no ties, so max-pooling is differentiable there."""
    rng = np.random.default_rng(s["seed"])
    size = s["n"] * s["c"] * s["h"] * s["w"]
    x = (rng.permutation(size) * 0.1).reshape(s["n"], s["c"], s["h"], s["w"])
    layer = pool(s["k"], stride=s["stride"])
    report = bp.check_layer(layer, x, rng=rng)
    assert report.max_rel_error < 1e-7, report.table()


def test_max_pooling_by_hand_and_its_ties():
    x = np.array([[[[1.0, 3.0, 2.0, 2.0],
                    [0.0, 3.0, 2.0, 2.0],
                    [5.0, 1.0, 0.0, -1.0],
                    [1.0, 1.0, -2.0, -3.0]]]])
    pool = MaxPool2D(2)
    np.testing.assert_array_equal(pool.forward(x), [[[[3.0, 2.0], [5.0, 0.0]]]])
    dx = pool.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    # each gradient goes to its window's winner; in a tie, to the first in row-major order
    np.testing.assert_array_equal(dx, [[[[0.0, 10.0, 20.0, 0.0],
                                         [0.0, 0.0, 0.0, 0.0],
                                         [30.0, 0.0, 40.0, 0.0],
                                         [0.0, 0.0, 0.0, 0.0]]]])
    assert dx.sum() == 100.0  # nothing lost, nothing doubled


def test_overlapping_max_pools_add_at_a_shared_winner():
    x = np.array([[[[0.0, 9.0, 0.0]]]]).reshape(1, 1, 1, 3)
    pool = MaxPool2D(1)
    pool.forward(x)  # a 1x1 pool is the identity
    np.testing.assert_array_equal(pool.backward(np.ones((1, 1, 1, 3))), np.ones((1, 1, 1, 3)))
    x = np.array([[[[0.0, 9.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]])
    pool = MaxPool2D(2, stride=1)
    pool.forward(x)
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    assert dx[0, 0, 0, 1] == 2.0 and dx.sum() == 4.0  # the 9 wins two windows


def test_max_pools_with_gaps_leave_the_skipped_pixels_at_zero():
    """Stride 3 > size 2: column 2 and row 2 lie in no window, so their gradient is exactly 0
    (the in-place writes for windows apart must not leave anything behind there), and a
    negative gradient leaves +0.0, not -0.0, on the pixels that lost."""
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    pool = MaxPool2D(2, stride=3)
    np.testing.assert_array_equal(pool.forward(x), [[[[6.0, 9.0], [21.0, 24.0]]]])
    dx = pool.backward(np.array([[[[-1.0, -2.0], [-3.0, -4.0]]]]))
    want = np.zeros((5, 5))
    want[1, 1], want[1, 4], want[4, 1], want[4, 4] = -1.0, -2.0, -3.0, -4.0
    np.testing.assert_array_equal(dx[0, 0], want)
    assert not np.signbit(dx[dx == 0]).any()


def test_avg_pooling_spreads_the_gradient_evenly():
    pool = AvgPool2D(2)
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(pool.forward(x), [[[[2.5, 4.5], [10.5, 12.5]]]])
    dx = pool.backward(np.array([[[[4.0, 8.0], [12.0, 16.0]]]]))
    np.testing.assert_array_equal(dx[0, 0, :2, :2], np.full((2, 2), 1.0))
    np.testing.assert_array_equal(dx[0, 0, 2:, 2:], np.full((2, 2), 4.0))


def test_im2col_and_col2im_are_adjoint():
    """<im2col(x), c> = <x, col2im(c)> for any x and c: col2im is im2col's transpose."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 7))
    cols = im2col(x, 3, 2, 1)
    c = rng.standard_normal(cols.shape)
    assert np.sum(cols * c) == pytest.approx(np.sum(x * col2im(c, x.shape, 3, 2, 1)), rel=1e-12)


def test_flatten_round_trip():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    f = Flatten()
    assert f.forward(x).shape == (2, 12)
    np.testing.assert_array_equal(f.backward(np.ones((2, 12)) * 2), np.full(x.shape, 2.0))


def test_output_size_formula():
    assert output_size(28, 3, 1, 1) == 28
    assert output_size(28, 2, 2, 0) == 14
    assert output_size(7, 3, 2, 0) == 3


def test_float32_stays_float32_through_a_small_cnn():
    rng = np.random.default_rng(0)
    model = bp.Sequential(Conv2D(1, 4, 3, padding=1, rng=rng, dtype=np.float32), bp.ReLU(),
                          MaxPool2D(2), Conv2D(4, 6, 3, padding=1, rng=rng, dtype=np.float32),
                          AvgPool2D(2), Flatten(), bp.Linear(6 * 2 * 2, 3, rng=rng,
                                                             dtype=np.float32))
    x = rng.standard_normal((5, 1, 8, 8)).astype(np.float32)
    y = model.forward(x)
    loss = bp.SoftmaxCrossEntropy()
    loss.forward(y, np.array([0, 1, 2, 0, 1]))
    dx = model.backward(loss.backward())
    assert y.dtype == dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.grads.values())


def test_a_small_cnn_passes_the_model_gradient_check():
    rng = np.random.default_rng(1)
    model = bp.Sequential(Conv2D(2, 3, 3, padding=1, rng=rng), bp.Tanh(), MaxPool2D(2),
                          Flatten(), bp.Linear(3 * 3 * 3, 4, rng=rng))
    x = rng.standard_normal((3, 2, 6, 6))
    report = bp.check_model(model, bp.SoftmaxCrossEntropy(), x, np.array([0, 3, 1]))
    assert report.max_rel_error < 1e-7, report.table()


@pytest.mark.parametrize("make,x,message", [
    (lambda: Conv2D(3, 4, 3), np.ones((2, 1, 5, 5)),
     r"Conv2D\(3, 4, 3\) expected 3 input channel\(s\), got 1 \(input shape \(2, 1, 5, 5\)\)"),
    (lambda: Conv2D(1, 4, 5), np.ones((2, 1, 3, 3)),
     r"kernel \(5x5\) is larger than the padded input \(3x3 from 3 with padding 0\)"),
    (lambda: Conv2D(1, 4, 3, stride=2), np.ones((2, 1, 6, 6)),
     r"stride 2 does not fit: \(n \+ 2p - k\) = 6 - 3 = 3 is not a multiple of 2"),
    (lambda: Conv2D(1, 4, 3), np.ones((2, 5, 5)),
     r"expected images of shape \(N, C, H, W\), got shape \(2, 5, 5\); add a channel axis"),
    (lambda: MaxPool2D(2), np.ones((1, 1, 5, 5)), "stride 2 does not fit"),
    (lambda: AvgPool2D(4), np.ones((1, 1, 3, 3)), r"kernel \(4x4\) is larger"),
])
def test_bad_input_is_refused_with_the_layer_and_the_shapes(make, x, message):
    with pytest.raises(ValueError, match=message):
        make().forward(x)


@pytest.mark.parametrize("make,message", [
    (lambda: Conv2D(0, 4, 3), "in_channels must be an integer >= 1, got 0"),
    (lambda: Conv2D(1, 4, 3, stride=0), "stride must be an integer >= 1, got 0"),
    (lambda: Conv2D(1, 4, 3, padding=-1), "padding must be an integer >= 0, got -1"),
    (lambda: Conv2D(1, 4, 2.5), "kernel_size must be an integer >= 1, got 2.5"),
    (lambda: MaxPool2D(0), "size must be an integer >= 1, got 0"),
])
def test_bad_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_float64_input_to_a_float32_layer_is_refused_not_cast():
    with pytest.raises(TypeError, match="expected float32 input"):
        Conv2D(1, 2, 3, dtype=np.float32).forward(np.ones((1, 1, 4, 4)))


def test_backward_with_the_wrong_shape_is_refused():
    layer = Conv2D(1, 2, 3)
    layer.forward(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"expected dL/dy of shape \(1, 2, 2, 2\)"):
        layer.backward(np.ones((1, 2, 4, 4)))
