"""The scalar engine: local derivatives, sums over paths, and repeatable backward."""

import math

import numpy as np
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


# ------------------------------------------------- bad input and extreme values (issue 14)


def recursive_order(out):
    """The topological order as the engine built it before it was iterative (the reference)."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(out)
    return order


def test_iterative_order_is_the_recursive_one():
    x, y, z = Value(1.0, "x"), Value(2.0, "y"), Value(3.0, "z")
    out = f(x, y, z) * x + (y - z) / x
    assert out.topological_order() == recursive_order(out)


def test_backward_on_a_sum_of_100_000_terms():
    xs = [Value(float(i)) for i in range(100_000)]
    total = sum(xs[1:], xs[0])  # a chain of 99,999 additions, as deep as the graph is big
    total.backward()
    assert total.data == 99_999 * 100_000 / 2
    assert all(x.grad == 1.0 for x in xs)
    assert len(total.topological_order()) == 2 * 100_000 - 1


def test_results_too_large_are_inf_as_in_ieee_arithmetic():
    x = Value(1000.0)
    e = x.exp()
    e.backward()
    assert e.data == math.inf and x.grad == math.inf
    assert (Value(1e200) ** 2).data == math.inf
    assert (Value(-1e200) ** 3).data == -math.inf
    r = Value(0.0) ** 0.5  # sqrt at 0: value 0, derivative infinite
    r.backward()
    assert r.data == 0.0 and r.parents[0].grad == math.inf
    c = Value(0.0) ** 0  # x ** 0 is 1, derivative 0 (not 0 * inf)
    c.backward()
    assert c.data == 1.0 and c.parents[0].grad == 0.0


@pytest.mark.parametrize("expr, error, msg", [
    (lambda: Value(-4.0) ** 0.5, ValueError, r"Value\(-4\) \*\* 0.5 is not a real number"),
    (lambda: Value(2.0) / Value(0.0), ZeroDivisionError, r"division by zero: Value\(0\) \*\* -1"),
    (lambda: 1 / Value(0.0), ZeroDivisionError, "division by zero"),
    (lambda: Value(0.0).log(), ValueError, "Value.log needs a positive argument, got 0"),
    (lambda: Value(np.array([1.0, 2.0])), TypeError,
     r"Value holds one number, got an array of shape \(2,\)"),
    (lambda: Value(1 + 2j), TypeError, r"Value holds a real number, got the complex number"),
    (lambda: Value("3"), TypeError, "Value holds one real number, got str '3'"),
    (lambda: Value(None), TypeError, "got NoneType None"),
    (lambda: Value(2.0) + [1.0], TypeError, r"got list \[1.0\]"),
    (lambda: Value(2.0) ** "2", TypeError, r"Value \*\* k needs a finite real number k"),
    (lambda: Value(2.0) ** math.nan, TypeError, "finite real number k, got nan"),
    (lambda: Value(2.0) ** Value(2.0), TypeError, "exponent must be a number"),
])
def test_what_has_no_real_result_or_is_not_a_number_is_named(expr, error, msg):
    with pytest.raises(error, match=msg):
        expr()


def test_numpy_scalars_and_0d_arrays_are_numbers():
    assert Value(np.float32(0.5)).data == 0.5
    assert Value(np.array(2.0)).data == 2.0
    assert Value(np.int64(3)).data == 3.0
    assert Value(True).data == 1.0
