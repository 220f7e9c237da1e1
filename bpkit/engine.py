r"""A scalar autodiff engine: every number remembers how it was made.

Each :class:`Value` stores its ``data``, the values it was computed from (``parents``)
and the local derivative of itself with respect to each parent (``local_grads``).
``backward()`` visits the graph in reverse topological order and applies the chain rule
once per edge: ``parent.grad += local * child.grad``. The ``+=`` matters: a value used by
two consumers (``x`` in ``x * y + sigmoid(x)``) receives the sum over both paths.

>>> x, y = Value(2.0, "x"), Value(3.0, "y")
>>> f = x * y + x
>>> f.backward()
>>> x.grad, y.grad
(4.0, 2.0)
"""

from __future__ import annotations

import math

__all__ = ["Value"]


class Value:
    """A scalar node of a computational graph."""

    def __init__(self, data: float, label: str = "", parents: tuple = (),
                 local_grads: tuple = (), op: str = ""):
        self.data = float(data)
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
        return Value(self.data ** k, parents=(self,),
                     local_grads=(k * self.data ** (k - 1),), op=f"**{k:g}")

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
        e = math.exp(self.data)
        return Value(e, parents=(self,), local_grads=(e,), op="exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log needs a positive argument, got {self.data}")
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
        """Every node this one depends on, each after all of its parents."""
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
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
