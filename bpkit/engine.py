r"""A scalar autodiff engine: every number remembers how it was made.

Each :class:`Value` stores its ``data``, the values it was computed from (``parents``)
and the local derivative of itself with respect to each parent (``local_grads``).
``backward()`` visits the graph in reverse topological order and applies the chain rule
once per edge: ``parent.grad += local * child.grad``. The ``+=`` matters: a value used by
two consumers (``x`` in ``x * y + sigmoid(x)``) receives the sum over both paths.

Numbers are Python floats, with IEEE arithmetic as in NumPy and PyTorch: a result too large
for a float is ``inf`` (``Value(1000.0).exp()``), and so is an infinite derivative (that of
``x ** 0.5`` at 0). An operation that has no real result raises an error saying so: the log
of a number <= 0, a negative number to a fractional power, a division by zero.

>>> x, y = Value(2.0, "x"), Value(3.0, "y")
>>> f = x * y + x
>>> f.backward()
>>> x.grad, y.grad
(4.0, 2.0)
"""

from __future__ import annotations

import math
import numbers

__all__ = ["Value"]


class Value:
    """A scalar node of a computational graph."""

    def __init__(self, data: float, label: str = "", parents: tuple = (),
                 local_grads: tuple = (), op: str = ""):
        self.data = _real(data)
        self.grad = 0.0
        self.label = label
        self.parents = tuple(parents)
        self.local_grads = tuple(float(g) for g in local_grads)
        self.op = op

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # Each operation returns a new node with its local derivatives: d(out)/d(parent).

    def __add__(self, other):
        other = _wrap(other)
        return Value(self.data + other.data, parents=(self, other), local_grads=(1.0, 1.0),
                     op="+")

    def __mul__(self, other):
        other = _wrap(other)
        return Value(self.data * other.data, parents=(self, other),
                     local_grads=(other.data, self.data), op="*")

    def __pow__(self, k: float):
        if isinstance(k, Value):
            raise TypeError("Value ** Value is not supported; the exponent must be a number")
        if not isinstance(k, numbers.Real) or not math.isfinite(k):
            raise TypeError(f"Value ** k needs a finite real number k, got {k!r}")
        x = self.data
        if x == 0 and k < 0:
            raise ZeroDivisionError(f"division by zero: Value(0) ** {k:g} (a / b is computed "
                                    "as a * b ** -1)")
        if x < 0 and not float(k).is_integer():
            raise ValueError(f"Value({x:g}) ** {k:g} is not a real number: a negative number "
                             "has no real fractional power")
        local = 0.0 if k == 0 else k * _power(x, k - 1)  # d(x^k)/dx = k x^(k-1)
        return Value(_power(x, k), parents=(self,), local_grads=(local,), op=f"**{k:g}")

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-_wrap(other))

    def __truediv__(self, other):
        return self * _wrap(other) ** -1

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return _wrap(other) - self

    def __rtruediv__(self, other):
        return _wrap(other) / self

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:  # e^x is beyond the largest float (about 1.8e308) for x > 709.78
            e = math.inf
        return Value(e, parents=(self,), local_grads=(e,), op="exp")

    def log(self):
        if not self.data > 0:
            raise ValueError(f"Value.log needs a positive argument, got {self.data:g}")
        return Value(math.log(self.data), parents=(self,), local_grads=(1 / self.data,),
                     op="log")

    def sigmoid(self):
        s = 0.5 * (1.0 + math.tanh(0.5 * self.data))
        return Value(s, parents=(self,), local_grads=(s * (1 - s),), op="sigmoid")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, parents=(self,), local_grads=(1 - t * t,), op="tanh")

    def relu(self):
        return Value(max(self.data, 0.0), parents=(self,),
                     local_grads=(1.0 if self.data > 0 else 0.0,), op="relu")

    # The graph, and the backward pass over it.

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, each after all of its parents.

        A depth-first search: a node is listed once all of its parents are, parents taken in
        order. The search keeps its own stack of nodes still being visited, each with the
        parents it has yet to visit, rather than calling itself for each parent: Python
        allows only about 1,000 nested calls, and a sum of 1,000 terms is that deep.
        """
        order, seen = [], {id(self)}
        stack = [(self, iter(self.parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if id(parent) not in seen:  # visit it (and its parents) before the rest
                    seen.add(id(parent))
                    stack.append((parent, iter(parent.parents)))
                    break
            else:  # every parent is listed: list the node
                stack.pop()
                order.append(node)
        return order

    def edges(self) -> list[tuple[Value, Value, float]]:
        """All ``(parent, child, local derivative)`` triples of the graph."""
        return [(p, node, g) for node in self.topological_order()
                for p, g in zip(node.parents, node.local_grads, strict=True)]

    def backward(self) -> None:
        """Fill ``.grad`` of every node with d(self)/d(node).

        Gradients are reset first, so calling ``backward()`` twice gives the same result
        rather than twice the gradient.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                parent.grad += local * node.grad


def _wrap(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _real(x) -> float:
    """``x`` as a float, if it is one real number; else a TypeError saying what arrived."""
    if isinstance(x, numbers.Real):  # int, float, bool and NumPy's real scalars
        return float(x)
    shape = getattr(x, "shape", None)
    if shape == () and getattr(x, "dtype", None) is not None and x.dtype.kind in "biuf":
        return float(x)  # a 0-d NumPy array
    if shape is not None:
        raise TypeError(f"Value holds one number, got an array of shape {shape}: make one "
                        "Value per element, e.g. [Value(v) for v in x.ravel()]")
    if isinstance(x, numbers.Complex):
        raise TypeError(f"Value holds a real number, got the complex number {x!r}")
    raise TypeError(f"Value holds one real number, got {type(x).__name__} {x!r}")


def _power(x: float, k: float) -> float:
    """``x ** k``, with IEEE's result, inf, where Python raises an error: for a result too
    large, and for 0 to a negative power (the derivative of ``x ** k`` at 0 when k < 1).
    The inf is negative for a negative x (or -0.0) to an odd power."""
    try:
        return x ** k
    except (OverflowError, ZeroDivisionError):
        return -math.inf if math.copysign(1.0, x) < 0 and k % 2 == 1 else math.inf
