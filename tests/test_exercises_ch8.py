"""Each chapter-8 check accepts the solution and rejects a wrong answer with a hint.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise of the chapter in a kernel.
"""

import sys

import numpy as np
import pytest
from exercise_helpers import checkers

from bpkit.autograd import Tensor, unbroadcast
from bpkit.engine import Value
from bpkit.exercises import ch8

WRONG_ANSWERS = {
    "8.1": "def softplus(x):\n    return (x.exp() + 1).log()\n",
    "8.2": "def sum_to_shape(grad, shape):\n    return grad.mean(axis=0).reshape(shape)\n",
    "8.3": ("def backward_fixed(output):\n    output.grad = 1.0\n"
            "    ch8.backward_recursive(output)\n"),
    "8.4": ("def jvp_by_hand(x, v):\n    u = x[0] * x[1]\n"
            "    return np.array([x[1] * v[0] + x[1] * v[1], np.cos(u) * x[1] * v[1]])\n"),
}

ANSWER_STRINGS = {
    "8.1": ["g / (1 + np.exp(-x.data))", "1 + np.exp(-x.data)", "np.logaddexp(0.0, x.data)"],
    "8.2": ["grad.sum(axis=tuple(range(extra)))", "keepdims=True)"],
    "8.3": ["for node in reversed(order)", "p.grad += local * node.grad"],
    "8.4": ["v[0] * x[1] + x[0] * v[1]", "np.cos(u) * u_dot", "2 * x[1] * v[1]"],
}

no_leak, passes, fails = checkers(ANSWER_STRINGS)


def softplus(x):
    def backward_fn(g):
        return (g / (1 + np.exp(-x.data)),)
    return Tensor._result(np.logaddexp(0.0, x.data), (x,), "softplus", backward_fn)


def sum_to_shape(grad, shape):
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True)


def backward_fixed(output):
    order, seen, stack = [], {id(output)}, [(output, iter(output.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    output.grad = 1.0
    for node in reversed(order):
        for p, local in zip(node.parents, node.local_grads, strict=True):
            p.grad += local * node.grad


def jvp_by_hand(x, v):
    u, u_dot = x[0] * x[1], v[0] * x[1] + x[0] * v[1]
    return np.array([u_dot, np.cos(u) * u_dot + 2 * x[1] * v[1]])





# ----------------------------------------------------------------- 8.1

def test_softplus(capsys):
    passes(ch8.check_softplus, softplus, "8.1", capsys)


def test_softplus_solution_is_log_one_plus_exp():
    x = Tensor(np.array([-30.0, -1.0, 0.0, 2.0, 40.0]), requires_grad=True)
    y = softplus(x)
    np.testing.assert_allclose(y.data, np.log1p(np.exp(x.data)), rtol=1e-13)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, Tensor(x.data).sigmoid().data, rtol=1e-13)


def _softplus_with(backward):
    def answer(x):
        return Tensor._result(np.logaddexp(0.0, x.data), (x,), "softplus",
                              lambda g: backward(g, x.data))
    return answer


@pytest.mark.parametrize("wrong, match", [
    (lambda x: (x.exp() + 1).log(), "one new node"),
    (_softplus_with(lambda g, x: (1 / (1 + np.exp(-x)),)), "local slope alone"),
    (_softplus_with(lambda g, x: (g / (1 + np.exp(x)),)), "slope at -x"),
    (_softplus_with(lambda g, x: (g * np.exp(x),)), "not right yet"),
    (_softplus_with(lambda g, x: g / (1 + np.exp(-x))), "backward_fn of softplus raised"),
    (lambda x: Tensor._result(np.exp(x.data), (x,), "softplus", lambda g: (g,)),
     "forward value"),
    (lambda x: np.logaddexp(0.0, x.data), "must return a Tensor"),
    (lambda x: 1 / 0, "raised ZeroDivisionError"),
    ("softplus", "expected a function"),
])
def test_softplus_wrong(wrong, match):
    fails(ch8.check_softplus, match, "8.1", wrong)


# ----------------------------------------------------------------- 8.2

def test_sum_to_shape(capsys):
    passes(ch8.check_sum_to_shape, sum_to_shape, "8.2", capsys)


def test_the_checks_cases_agree_with_unbroadcast():
    """The check's own reference gives what Tensor's unbroadcast gives."""
    rng = np.random.default_rng(0)
    for grad_shape, shape in ch8._SUM_CASES:
        g = rng.standard_normal(grad_shape)
        np.testing.assert_allclose(ch8._sum_to(g, shape), unbroadcast(g, shape), rtol=1e-13)


@pytest.mark.parametrize("wrong, match", [
    (lambda g, s: g.mean(axis=tuple(range(g.ndim - len(s)))).reshape(s) if len(s) else g.mean(),
     "averaged"),
    (lambda g, s: g.sum(axis=tuple(range(g.ndim - len(s)))), "expected shape"),
    (lambda g, s: np.broadcast_to(g.sum(), s).copy(), "not right yet"),
    (lambda g, s: None, "returned None"),
])
def test_sum_to_shape_wrong(wrong, match):
    fails(ch8.check_sum_to_shape, match, "8.2", wrong)


# ----------------------------------------------------------------- 8.3

def test_backward_fixed(capsys):
    passes(ch8.check_backward_fixed, backward_fixed, "8.3", capsys)


def test_backward_fixed_agrees_with_value():
    """On Value's graphs (same attributes) the solution gives Value.backward's gradients."""
    x, y = Value(0.4), Value(-2.0)
    h = x * y
    f = (h * h + x).tanh() * h
    f.backward()
    want = (x.grad, y.grad, h.grad)
    for node in f.topological_order():
        node.grad = 0.0
    backward_fixed(f)
    assert (x.grad, y.grad, h.grad) == pytest.approx(want, rel=1e-14)


def test_the_recursive_pass_is_wrong_on_a_shared_node():
    x = ch8.Node(1.0)
    h = x * 2.0
    f = h * h
    f.grad = 1.0
    ch8.backward_recursive(f)
    assert x.grad == 12.0  # d(4x^2)/dx = 8 at x = 1: the partial gradient went on early


def _recursive_right(output):
    """Sum over paths by recursion: right numbers, but too deep for a long chain."""
    def visit(node, grad):
        node.grad += grad
        for p, local in zip(node.parents, node.local_grads, strict=True):
            visit(p, local * grad)
    visit(output, 1.0)


def _no_seed(output):
    for p, local in zip(output.parents, output.local_grads, strict=True):
        p.grad += local * output.grad


@pytest.mark.parametrize("wrong, match", [
    (lambda out: (setattr(out, "grad", 1.0), ch8.backward_recursive(out)), "consumers"),
    (_recursive_right, "nested calls"),
    (_no_seed, "still 0"),
    (lambda out: out.backward(), "raised AttributeError"),
])
def test_backward_fixed_wrong(wrong, match):
    assert sys.getrecursionlimit() < 4000  # the chain must be deeper than the limit
    fails(ch8.check_backward_fixed, match, "8.3", wrong)


# ----------------------------------------------------------------- 8.4

def test_jvp_by_hand(capsys):
    passes(ch8.check_jvp_by_hand, jvp_by_hand, "8.4", capsys)


def test_jvp_solution_agrees_with_dual_numbers():
    from bpkit.autograd import Dual
    rng = np.random.default_rng(3)
    for _ in range(5):
        x, v = rng.standard_normal(2), rng.standard_normal(2)
        x0, x1 = Dual(x[0], v[0]), Dual(x[1], v[1])
        u = x0 * x1
        s = Dual(np.sin(u.value), np.cos(u.value) * u.tangent)  # Dual has sin as a method
        out = [u, s + x1 ** 2]
        np.testing.assert_allclose(jvp_by_hand(x, v), [o.tangent for o in out], rtol=1e-13)


def _finite_step(x, v, h=1e-6):
    return (ch8.jvp_function(x + h * v) - ch8.jvp_function(x - h * v)) / (2 * h)


@pytest.mark.parametrize("wrong, match", [
    (lambda x, v: ch8._jacobian(x).T @ v, "reverse pass"),
    (lambda x, v: ch8.jvp_function(x), "the value f"),
    (_finite_step, "not exact"),
    (lambda x, v: -jvp_by_hand(x, v), "sign is flipped"),
    (lambda x, v: jvp_by_hand(x, v)[:1], "expected shape"),
    (lambda x, v: None, "returned None"),
])
def test_jvp_by_hand_wrong(wrong, match):
    fails(ch8.check_jvp_by_hand, match, "8.4", wrong)


@pytest.mark.parametrize("exercise, check, answer", [
    ("8.1", ch8.check_softplus, None), ("8.2", ch8.check_sum_to_shape, None),
    ("8.3", ch8.check_backward_fixed, None), ("8.4", ch8.check_jvp_by_hand, None),
    ("8.4", ch8.check_jvp_by_hand, lambda x, v: (_ for _ in ()).throw(NotImplementedError)),
])
def test_an_empty_answer_says_no_answer_yet(no_answer_yet, exercise, check, answer):
    no_leak(no_answer_yet(exercise, check, answer), exercise)
