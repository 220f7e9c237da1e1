"""The scalar engine: local derivatives, sums over paths, and repeatable backward."""

import math

import pytest

from bpkit.engine import Value
from bpkit.gradcheck import centered_difference


def f(x, y, z):
    return (x * y + z) * x.sigmoid()


def test_value_used_twice_gets_the_sum_of_both_paths():
    x, y, z = Value(1.5, "x"), Value(-2.0, "y"), Value(0.5, "z")
    out = f(x, y, z)
    out.backward()
    s = 1 / (1 + math.exp(-1.5))
    expected_dx = y.data * s + (x.data * y.data + z.data) * s * (1 - s)
    assert x.grad == pytest.approx(expected_dx, rel=1e-12)
    assert y.grad == pytest.approx(x.data * s, rel=1e-12)
    assert z.grad == pytest.approx(s, rel=1e-12)


def test_backward_twice_gives_the_same_gradients():
    x, y, z = Value(0.3), Value(0.7), Value(-1.1)
    out = f(x, y, z)
    out.backward()
    first = (x.grad, y.grad, z.grad)
    out.backward()
    assert (x.grad, y.grad, z.grad) == first


@pytest.mark.parametrize("op", [
    lambda v: v.tanh(), lambda v: v.exp(), lambda v: v.log(), lambda v: v ** 3,
    lambda v: 1 / v, lambda v: 2 - v, lambda v: v.relu() * v, lambda v: v / 3 + v * v,
])
def test_each_operation_matches_centered_differences(op):
    x = Value(0.8)
    out = op(x)
    out.backward()
    numeric = centered_difference(lambda a: op(Value(a)).data, 0.8)
    assert x.grad == pytest.approx(numeric, rel=1e-8)


def test_graph_structure():
    x, y, z = Value(1.0, "x"), Value(2.0, "y"), Value(3.0, "z")
    out = f(x, y, z)
    order = out.topological_order()
    assert order[-1] is out
    for node in order:  # every parent comes before its child
        for p in node.parents:
            assert order.index(p) < order.index(node)
    # x->(x*y), y->(x*y), (x*y)->(+z), z->(+z), x->sigmoid, (+z)->f, sigmoid->f
    assert len(out.edges()) == 7
    assert sum(1 for p, _, _ in out.edges() if p is x) == 2  # x feeds two consumers
