"""Hidden tests of Chapter 8: other shapes and upstream gradients, other graphs, other points."""

from __future__ import annotations

import math

import numpy as np

from . import array, call, close, fail
from .library import require_own_work


def exercise_8_1(softplus) -> None:
    from bpkit.autograd import Tensor

    require_own_work("8.1", softplus)
    rng = np.random.default_rng(8101)
    for shape in [(1,), (2, 3, 2), (7, 1)]:
        data = rng.normal(0.0, 6.0, shape)  # far into both tails
        x = Tensor(data.copy(), requires_grad=True)
        y = call("8.1", softplus, x)
        if not isinstance(y, Tensor):
            raise fail("8.1", "softplus did not return a Tensor.")
        want = np.array([math.log1p(math.exp(-abs(v))) + max(v, 0.0) for v in data.ravel()])
        if not close(y.data, want.reshape(shape), rtol=1e-9, atol=1e-12):
            raise fail("8.1", f"the value is wrong for an input of shape {shape}.")
        if len(y.parents) != 1 or y.parents[0] is not x:
            raise fail("8.1", "softplus(x) is not one node whose only parent is x.")
        # x used twice: once through softplus, once directly
        upstream = rng.standard_normal(shape)
        call("8.1", ((y * upstream) + x * 0.5).sum().backward)
        slope = np.array([1.0 / (1.0 + math.exp(-v)) for v in data.ravel()]).reshape(shape)
        if x.grad is None or not close(x.grad, upstream * slope + 0.5, rtol=1e-9, atol=1e-12):
            raise fail("8.1", f"the gradient is wrong for an input of shape {shape}.")


def _sum_to(grad, shape):
    """Loop over every output entry and add it to the operand entry it came from."""
    out = np.zeros(shape)
    lead = grad.ndim - len(shape)
    for idx in np.ndindex(grad.shape):
        src = tuple(0 if n == 1 else i for i, n in zip(idx[lead:], shape, strict=True))
        out[src] += grad[idx]
    return out


def exercise_8_2(sum_to_shape) -> None:
    require_own_work("8.2", sum_to_shape)
    rng = np.random.default_rng(8202)
    cases = [((3,), (1,)), ((2, 5), (2, 5)), ((4, 2, 3), (1, 3)), ((3, 1, 2), (1, 1, 2)),
             ((2, 2, 2, 2), ()), ((6, 4), (6, 1)), ((2, 3, 4), (1, 3, 1))]
    for grad_shape, shape in cases:
        grad = rng.standard_normal(grad_shape)
        got = array("8.2", call("8.2", sum_to_shape, grad.copy(), shape), "sum_to_shape")
        if not close(got, _sum_to(grad, shape), rtol=1e-12, atol=1e-12):
            raise fail("8.2", f"wrong for a gradient of shape {grad_shape} and shape {shape}.")


class _Vertex:
    """The grader's own bare node (no methods a solution could lean on)."""

    def __init__(self, data, parents=(), local_grads=()):
        self.data, self.grad = float(data), 0.0
        self.parents, self.local_grads = tuple(parents), tuple(local_grads)


def _mul(a, b):
    return _Vertex(a.data * b.data, (a, b), (b.data, a.data))


def _add(a, b):
    return _Vertex(a.data + b.data, (a, b), (1.0, 1.0))


def _sin(a):
    return _Vertex(math.sin(a.data), (a,), (math.cos(a.data),))


def _paths(node, target, memo):
    """d node / d target as a sum over paths, memoised (the grader's own reference)."""
    if node is target:
        return 1.0
    if id(node) not in memo:
        memo[id(node)] = sum(local * _paths(p, target, memo)
                             for p, local in zip(node.parents, node.local_grads, strict=True))
    return memo[id(node)]


def exercise_8_3(backward_fixed) -> None:
    require_own_work("8.3", backward_fixed)
    x, y = _Vertex(0.3), _Vertex(-0.8)
    a = _sin(_mul(x, y))
    b = _add(_mul(a, a), _mul(a, x))       # a has three consumers
    c = _mul(_add(b, b), _sin(b))          # b has three consumers too
    graphs = [(c, [x, y, a, b])]
    z = _Vertex(1.2)
    deep = z
    for _ in range(3000):
        deep = _add(_mul(deep, _Vertex(0.999)), z)  # z feeds every level of a deep graph
    graphs.append((deep, [z]))
    slope = 1.0
    for _ in range(3000):
        slope = slope * 0.999 + 1.0             # d deep / d z, level by level
    wants = [[_paths(c, n, {}) for n in (x, y, a, b)], [slope]]
    for (output, nodes), want in zip(graphs, wants, strict=True):
        call("8.3", backward_fixed, output)
        got = [n.grad for n in nodes]
        if not close(got, want, rtol=1e-9, atol=1e-12):
            where = "6,000 levels" if output is deep else "reused nodes"
            raise fail("8.3", f"the gradients are wrong on a graph with {where}.")


def exercise_8_4(jvp_by_hand) -> None:
    require_own_work("8.4", jvp_by_hand)
    points = [(np.array([0.0, 0.0]), np.array([1.0, -1.0])),
              (np.array([2.5, -0.4]), np.array([0.0, 1.0])),
              (np.array([-1.1, 3.0]), np.array([1.0, 0.0])),
              (np.array([0.7, 0.9]), np.array([-2.0, 0.5]))]
    for x, v in points:
        u = x[0] * x[1]
        u_dot = v[0] * x[1] + x[0] * v[1]
        want = np.array([u_dot, math.cos(u) * u_dot + 2 * x[1] * v[1]])
        got = array("8.4", call("8.4", jvp_by_hand, x.copy(), v.copy()), "jvp_by_hand")
        if not close(got, want, rtol=1e-11, atol=1e-12):
            raise fail("8.4", f"wrong at x = {x.tolist()} along v = {v.tolist()}.")
