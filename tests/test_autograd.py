"""bpkit.autograd.Tensor: every operation's backward against centered differences, broadcasting,
the reuse and second-call rules, deep graphs, no_grad, bad input, and a network written with
Tensor against bpkit's layers (to 1e-12)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpkit as bp
from bpkit.autograd import (
    Tensor,
    checkpoint,
    enable_grad,
    is_grad_enabled,
    no_grad,
    softmax_cross_entropy,
    unbroadcast,
)
from bpkit.gradcheck import numerical_gradient, rel_error

RNG = np.random.default_rng(0)


def check_op(f, *arrays, tol=1e-7):
    """Backward of the scalar f(*tensors) against centered differences, for every input."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*tensors)
    out.backward()
    for a, t in zip(arrays, tensors, strict=True):
        def scalar():
            return f(*[Tensor(b) for b in arrays]).item()
        numeric = numerical_gradient(scalar, a)
        assert t.grad.shape == a.shape
        assert rel_error(t.grad, numeric) < tol, (f, rel_error(t.grad, numeric))


def r(*shape, positive=False):
    x = RNG.standard_normal(shape)
    return np.abs(x) + 0.5 if positive else x


W = r(3, 4)  # a fixed weighting, so each test reduces to a scalar that mixes all outputs


@pytest.mark.parametrize("name,f,shapes", [
    ("add", lambda a, b: (a + b) * W, [(3, 4), (3, 4)]),
    ("sub", lambda a, b: (a - b) * W, [(3, 4), (3, 4)]),
    ("mul", lambda a, b: a * b * W, [(3, 4), (3, 4)]),
    ("div", lambda a, b: a / b * W, [(3, 4), "pos(3, 4)"]),
    ("neg", lambda a: -a * W, [(3, 4)]),
    ("pow3", lambda a: a ** 3 * W, [(3, 4)]),
    ("pow-half", lambda a: a ** 0.5 * W, ["pos(3, 4)"]),
    ("exp", lambda a: a.exp() * W, [(3, 4)]),
    ("log", lambda a: a.log() * W, ["pos(3, 4)"]),
    ("tanh", lambda a: a.tanh() * W, [(3, 4)]),
    ("sigmoid", lambda a: a.sigmoid() * W, [(3, 4)]),
    ("relu", lambda a: a.relu() * W, [(3, 4)]),
    ("matmul", lambda a, b: (a @ b) * W, [(3, 5), (5, 4)]),
    ("transpose", lambda a: a.T * W, [(4, 3)]),
    ("reshape", lambda a: a.reshape(3, 4) * W, [(2, 6)]),
    ("getitem", lambda a: a[1:, ::2] * W[1:, :2], [(3, 4)]),
    ("getitem-repeated", lambda a: a[[0, 0, 2]] * W, [(3, 4)]),
    ("sum-axis0", lambda a: a.sum(axis=0) * W[0], [(3, 4)]),
    ("sum-keepdims", lambda a: a.sum(axis=1, keepdims=True) * W, [(3, 4)]),
    ("mean-axis1", lambda a: a.mean(axis=1) * W[:, 0], [(3, 4)]),
    ("mean-all", lambda a: a.mean() * 3.0, [(3, 4)]),
    ("bcast-row", lambda a, b: (a + b) * W, [(3, 4), (4,)]),
    ("bcast-col", lambda a, b: (a * b) * W, [(3, 4), (3, 1)]),
    ("bcast-both", lambda a, b: (a - b) * W, [(3, 1), (1, 4)]),
    ("scalar-ops", lambda a: (2.0 - a / 3.0 + 1.0) * 2.0 * W, [(3, 4)]),
    ("reuse", lambda a: a * a.sigmoid() * W + a, [(3, 4)]),
])
def test_each_operation_matches_centered_differences(name, f, shapes):
    arrays = [r(*eval(s[3:]), positive=True) if isinstance(s, str) else r(*s) for s in shapes]
    check_op(lambda *t: f(*t).sum(), *arrays)


def test_softmax_cross_entropy_matches_bpkit_and_centered_differences():
    z, labels = r(6, 4), RNG.integers(0, 4, 6)
    check_op(lambda t: softmax_cross_entropy(t, labels), z)
    loss = bp.SoftmaxCrossEntropy()
    assert softmax_cross_entropy(Tensor(z), labels).item() == pytest.approx(
        loss.forward(z, labels), rel=1e-14)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_broadcasting_sums_over_the_stretched_axes(shape, data):
    """An operand broadcast against a bigger one gets the gradient summed back to its shape."""
    shape = tuple(shape)
    small = tuple(data.draw(st.sampled_from([1, n])) for n in shape)
    small = small[data.draw(st.integers(0, len(small))):]  # drop some leading axes
    a, b = r(*shape), r(*small) if small else np.asarray(RNG.standard_normal())
    weight = r(*shape)
    check_op(lambda x, y: ((x * y) * weight).sum(), a, b)


def test_unbroadcast_by_hand():
    g = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(unbroadcast(g, (3,)), [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(unbroadcast(g, (2, 1)), [[3.0], [12.0]])
    np.testing.assert_array_equal(unbroadcast(g, ()), 15.0)


def test_a_tensor_used_twice_receives_both_gradients():
    x = Tensor(3.0, requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad == 7.0


def test_second_backward_accumulates_in_leaves_and_zero_grad_resets():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, -4.0])
    y.backward()  # PyTorch's rule: leaves accumulate
    np.testing.assert_array_equal(x.grad, [4.0, -8.0])
    x.zero_grad()
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, -4.0])


def test_intermediate_gradients_are_recomputed_not_accumulated():
    x = Tensor(2.0, requires_grad=True)
    h = x * 3.0
    y = h * h
    y.backward()
    y.backward()
    assert h.grad == 2 * 6.0  # dy/dh = 2h, from this call only
    assert x.grad == 2 * 36.0


def test_a_graph_of_100000_nodes_backpropagates_without_recursion():
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0  # two nodes per step; the gradient stays 1
    assert len(y.topological_order()) > 100_000
    y.backward()
    assert x.grad == 1.0


def test_no_grad_builds_no_graph():
    w = Tensor(r(3), requires_grad=True)
    with no_grad():
        y = (w * 2.0).sum()
    assert not y.requires_grad and y.parents == ()
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.backward()
    z = (w * 2.0).sum()  # recording again after the block
    z.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])


def test_inputs_without_requires_grad_get_no_gradient():
    x, w = Tensor(r(5, 3)), Tensor(r(3, 2), requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None and w.grad.shape == (3, 2)


def test_float32_stays_float32():
    x = Tensor(r(4, 3).astype(np.float32), requires_grad=True)
    w = Tensor(r(3, 2).astype(np.float32), requires_grad=True)
    loss = softmax_cross_entropy(((x @ w) * 2.0 + 1.0).tanh() / 3.0, [0, 1, 1, 0])
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32 and w.grad.dtype == np.float32


@pytest.mark.parametrize("f,message", [
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))),
     r"\(N, K\) @ \(K, M\), got \(2, 3\) @ \(2, 3\)"),
    (lambda: Tensor([1.0, -1.0]).log(), "<= 0"),
    (lambda: Tensor([1.0, 0.0]).__rtruediv__(1.0), "zero entry"),
    (lambda: Tensor([-1.0]) ** 0.5, "fractional power"),
    (lambda: Tensor(["a"]), "expected numbers"),
    (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0, 3]), r"0\.\.2"),
    (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0.0, 1.0]), "must be 2 integers"),
    (lambda: Tensor(np.ones(3), requires_grad=True).backward(), r"shape \(3,\)"),
])
def test_bad_input_is_refused_with_a_message(f, message):
    with pytest.raises((ValueError, TypeError, ZeroDivisionError), match=message):
        f()


def mlp_pair(sizes, activation, seed):
    """The same network twice: bpkit's layers, and the list of Tensors of its weights."""
    layer = {"relu": bp.ReLU, "tanh": bp.Tanh, "sigmoid": bp.Sigmoid}[activation]
    rng = np.random.default_rng(seed)
    layers = []
    for k, (i, o) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        lin = bp.Linear(i, o, rng=rng)
        lin.params["b"][...] = rng.standard_normal(o) * 0.1
        layers.append(lin)
        if k < len(sizes) - 2:
            layers.append(layer())
    model = bp.Sequential(*layers)
    tensors = [(Tensor(lin.params["W"].copy(), requires_grad=True),
                Tensor(lin.params["b"].copy(), requires_grad=True)) for lin in layers[::2]]
    return model, tensors


def tensor_forward(tensors, x, activation):
    a = Tensor(x)
    for k, (w, b) in enumerate(tensors):
        a = a @ w.T + b  # bpkit.Linear: z = x W^T + b
        if k < len(tensors) - 1:
            a = getattr(a, activation)()
    return a


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_network_written_with_tensor_matches_bpkit_layers(activation, seed):
    sizes = (6, 8, 7, 4)
    model, tensors = mlp_pair(sizes, activation, seed)
    rng = np.random.default_rng(100 + seed)
    x, labels = rng.standard_normal((10, sizes[0])), rng.integers(0, sizes[-1], 10)
    loss = bp.SoftmaxCrossEntropy()
    value = loss.forward(model.forward(x), labels)
    model.backward(loss.backward())
    out = softmax_cross_entropy(tensor_forward(tensors, x, activation), labels)
    out.backward()
    assert out.item() == pytest.approx(value, rel=1e-12)
    for lin, (w, b) in zip(model.layers[::2], tensors, strict=True):
        assert rel_error(w.grad, lin.grads["W"]) < 1e-12
        assert rel_error(b.grad, lin.grads["b"]) < 1e-12


# ------------------------------------------------------------- forward mode, checkpointing

def test_forward_and_reverse_mode_give_the_same_jacobian():
    from bpkit.autograd import jacobian_forward, jacobian_reverse
    a = r(3, 4)

    def f(x):  # 4 inputs -> 3 outputs, through a matrix product and two nonlinearities
        return (a @ ((x * x).tanh() * 2.0 + x.sigmoid()).reshape(4, 1)).reshape(3)
    x = r(4)
    jf = jacobian_forward(lambda d: a @ ((d * d).tanh() * 2.0 + d.sigmoid()), x)
    jr = jacobian_reverse(f, x)
    assert jf.shape == jr.shape == (3, 4)
    assert rel_error(jf, jr) < 1e-12
    numeric = np.stack([numerical_gradient(lambda i=i: f(Tensor(x)).data[i], x)
                        for i in range(3)])
    assert rel_error(jr, numeric) < 1e-8


def test_dual_numbers_by_hand():
    from bpkit.autograd import Dual, jvp
    y = Dual(3.0, 1.0) * Dual(3.0, 1.0) + 1.0  # x^2 + 1 at 3: value 10, slope 6
    assert (y.value, y.tangent) == (10.0, 6.0)
    value, tangent = jvp(lambda d: (d.exp() / d).log(), 2.0, 1.0)  # log(e^x / x) = x - log x
    assert value == pytest.approx(2.0 - np.log(2.0), rel=1e-15)
    assert tangent == pytest.approx(1.0 - 1 / 2.0, rel=1e-15)


def deep_stack(depth, width, seed=0):
    rng = np.random.default_rng(seed)
    return [Tensor(rng.standard_normal((width, width)) / np.sqrt(width), requires_grad=True)
            for _ in range(depth)]


def test_checkpointed_stack_gives_exactly_the_plain_gradients():
    from bpkit.autograd import checkpoint
    weights = deep_stack(12, 6)
    x = r(5, 6)

    def segment(ws):
        def run(a):
            for w in ws:
                a = (a @ w).tanh()
            return a
        return run

    plain = segment(weights)(Tensor(x)).sum()
    plain.backward()
    expected = [w.grad.copy() for w in weights]
    for w in weights:
        w.zero_grad()
    a = Tensor(x)
    for k in range(0, 12, 4):  # three segments of four layers
        a = checkpoint(segment(weights[k:k + 4]), a, weights[k:k + 4])
    # only the segments' outputs are kept: 3 checkpoint nodes + the input + 12 weights
    assert len(a.topological_order()) == 1 + 12 + 3
    a.sum().backward()
    for w, g in zip(weights, expected, strict=True):
        np.testing.assert_array_equal(w.grad, g)


def test_checkpoint_refuses_what_is_not_a_tensor():
    from bpkit.autograd import checkpoint
    with pytest.raises(TypeError, match="x must be a Tensor, got ndarray"):
        checkpoint(lambda a: a, np.ones(3))


def test_draw_graph_places_leaves_first_and_shows_values_and_gradients():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bpkit.autograd.draw import draw_graph, graph_layout
    x, y = Tensor(2.0, requires_grad=True, label="x"), Tensor(3.0, requires_grad=True, label="y")
    f = x * y + x
    f.backward()
    layout = graph_layout(f)
    assert layout[id(x)][0] == 0 and layout[id(f)][0] == 2
    ax = draw_graph(f)
    texts = [t.get_text() for t in ax.texts]
    assert "x\nvalue 2\ngrad 4" in texts and "y\nvalue 3\ngrad 2" in texts
    assert "+\nvalue 8\ngrad 1" in texts
    plt.close("all")


def test_numpy_arrays_on_the_left_hand_over_to_tensor():
    w = Tensor(r(3, 2), requires_grad=True)
    a = r(4, 3)
    y = a @ w
    z = (np.ones(2) * y + np.ones(2)).sum()
    assert isinstance(y, Tensor) and isinstance(z, Tensor)
    z.backward()
    np.testing.assert_allclose(w.grad, a.sum(axis=0)[:, None] * np.ones((1, 2)), rtol=1e-14)


UNARY = {
    "neg": lambda a: -a, "exp": lambda a: a.exp(), "log": lambda a: (a * a + 0.5).log(),
    "tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: (a + 0.01).relu(), "pow": lambda a: a ** 3,
    "transpose": lambda a: a.T, "reshape": lambda a: a.reshape(-1),
    "getitem": lambda a: a[..., ::2], "sum": lambda a: a.sum(axis=-1),
    "mean": lambda a: a.mean(axis=0, keepdims=True),
}
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / (b * b + 0.5)}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(UNARY)), st.lists(st.integers(1, 5), min_size=1, max_size=3),
       st.integers(0, 2**32 - 1))
def test_every_unary_operation_on_generated_shapes(name, shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    weight = rng.standard_normal(UNARY[name](Tensor(a)).shape)
    # ReLU's kink: keep entries away from -0.01, where the centered difference straddles it
    a[np.abs(a + 0.01) < 1e-3] += 0.1
    check_op(lambda t: (UNARY[name](t) * weight).sum(), a)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(BINARY)), st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.data(), st.integers(0, 2**32 - 1))
def test_every_binary_operation_on_generated_broadcast_shapes(name, shape, data, seed):
    rng = np.random.default_rng(seed)
    other = [data.draw(st.sampled_from([1, n])) for n in shape]
    other = other[data.draw(st.integers(0, len(shape))):]
    a, b = rng.standard_normal(shape), rng.standard_normal(other)
    swap = data.draw(st.booleans())  # the broadcast operand on either side
    weight = rng.standard_normal(shape)
    if swap:
        check_op(lambda x, y: (BINARY[name](y, x) * weight).sum(), a, b)
    else:
        check_op(lambda x, y: (BINARY[name](x, y) * weight).sum(), a, b)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_matmul_on_generated_shapes(n, k, m, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, k)), rng.standard_normal((k, m))
    weight = rng.standard_normal((n, m))
    check_op(lambda x, y: ((x @ y) * weight).sum(), a, b)


# ------------------------------------------------- found while writing Chapter 8

def test_no_two_leaves_share_a_gradient_array_and_each_can_be_changed_in_place():
    """a + b hands the same array to both parents, sum a read-only broadcast view: each leaf
    must own a writeable gradient (clipping or an optimizer changes it in place)."""
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.full(3, 2.0), requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    assert a.grad.flags.writeable and b.grad.flags.writeable
    a.grad *= 0.5  # in place, as clip_grad_norm does
    np.testing.assert_array_equal(b.grad, np.ones(3))
    np.testing.assert_array_equal(a.grad, np.full(3, 0.5))
    seed = np.array([1.0, 2.0, 3.0])
    a.zero_grad()
    a.backward(seed)  # a leaf as the output: it must not keep the caller's array either
    a.grad += 1.0
    np.testing.assert_array_equal(seed, [1.0, 2.0, 3.0])


def test_checkpoint_backward_works_inside_no_grad():
    """The segment is recomputed with the graph recorded even if backward() is called under
    no_grad (as PyTorch allows), and gives the plain graph's gradients."""
    rng = np.random.default_rng(5)
    w = Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    x = rng.standard_normal((2, 3))

    def segment(t):
        return (t @ w).tanh()

    (segment(Tensor(x)) * 2.0).sum().backward()
    plain = w.grad.copy()
    w.zero_grad()
    y = (checkpoint(segment, Tensor(x), [w]) * 2.0).sum()
    with no_grad():
        y.backward()
        assert not is_grad_enabled()
    np.testing.assert_allclose(w.grad, plain, rtol=1e-14)
    with no_grad(), enable_grad():
        assert is_grad_enabled()
