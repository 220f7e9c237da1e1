r"""Forward mode: dual numbers carry a derivative along with each value.

A :class:`Dual` holds a value ``x`` and a tangent ``dx``, the derivative of ``x`` along one
chosen direction v of the inputs. Each operation maps (x, dx) to (f(x), f'(x) dx): the
chain rule applied from the inputs forward, one Jacobian-vector product :math:`J v` per pass,
with nothing stored for later. Reverse mode (:class:`~bpkit.autograd.Tensor`) computes one
vector-Jacobian product :math:`u^\top J` per pass instead.

So for f from n inputs to m outputs, the full Jacobian costs n forward passes or m backward
passes: a loss (m = 1) of many weights is reverse mode's case, which is why backpropagation
is reverse mode; a function of one input with many outputs is forward mode's.

>>> x = Dual(3.0, 1.0)          # dx/dx = 1
>>> y = x * x + x
>>> y.value, y.tangent          # y = x^2 + x, dy/dx = 2x + 1
(12.0, 7.0)
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["Dual", "jvp", "jacobian_forward", "jacobian_reverse"]


def _lift(other, like: Dual) -> Dual:
    """A constant as a Dual whose tangent is zero."""
    if isinstance(other, Dual):
        return other
    if not isinstance(other, numbers.Number | np.ndarray):
        raise TypeError(f"Dual: expected a number or an array, got {type(other).__name__}")
    return Dual(other, np.zeros_like(np.asarray(other, dtype=np.result_type(like.value, float))))


class Dual:
    """A value and its derivative along one direction, pushed forward through each operation."""

    __array_ufunc__ = None  # ``array @ dual``, ``array * dual``: NumPy hands over to Dual

    def __init__(self, value, tangent):
        self.value = np.asarray(value, dtype=float) if np.ndim(value) else float(value)
        self.tangent = np.asarray(tangent, dtype=float) if np.ndim(tangent) else float(tangent)

    def __repr__(self) -> str:
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"

    def __add__(self, other):
        other = _lift(other, self)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __sub__(self, other):
        return self + (-_lift(other, self))

    def __rsub__(self, other):
        return _lift(other, self) - self

    def __mul__(self, other):  # d(uv) = du v + u dv
        other = _lift(other, self)
        return Dual(self.value * other.value,
                    self.tangent * other.value + self.value * other.tangent)

    __rmul__ = __mul__

    def __truediv__(self, other):  # d(u/v) = du / v - u dv / v^2
        other = _lift(other, self)
        return Dual(self.value / other.value,
                    self.tangent / other.value - self.value * other.tangent / other.value ** 2)

    def __rtruediv__(self, other):
        return _lift(other, self) / self

    def __pow__(self, k: float):  # d(u^k) = k u^(k-1) du
        return Dual(self.value ** k, k * self.value ** (k - 1) * self.tangent)

    def __matmul__(self, other):  # d(AB) = dA B + A dB
        other = _lift(other, self)
        return Dual(self.value @ other.value,
                    self.tangent @ other.value + self.value @ other.tangent)

    def __rmatmul__(self, other):
        return _lift(other, self) @ self

    def sum(self, axis=None):
        return Dual(np.sum(self.value, axis=axis), np.sum(self.tangent, axis=axis))

    def exp(self):
        y = np.exp(self.value)
        return Dual(y, y * self.tangent)

    def log(self):
        return Dual(np.log(self.value), self.tangent / self.value)

    def sin(self):
        return Dual(np.sin(self.value), np.cos(self.value) * self.tangent)

    def tanh(self):
        y = np.tanh(self.value)
        return Dual(y, (1 - y * y) * self.tangent)

    def sigmoid(self):
        y = 1 / (1 + np.exp(-self.value))
        return Dual(y, y * (1 - y) * self.tangent)

    def relu(self):
        positive = np.asarray(self.value) > 0
        return Dual(self.value * positive, self.tangent * positive)


def jvp(f, x, v):
    """``f(x)`` and the Jacobian-vector product ``J(x) v``, in one forward pass."""
    out = f(Dual(x, v))
    return out.value, out.tangent


def jacobian_forward(f, x) -> np.ndarray:
    """The Jacobian of ``f`` at the 1-D array ``x`` (or a scalar), one forward pass per input.

    Returns an array of shape ``(n_out, n_in)`` for n_out outputs and n_in inputs.
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    if x.ndim != 1:
        raise ValueError(f"jacobian_forward: x must be 1-D, got shape {x.shape}")
    columns = [np.atleast_1d(jvp(f, x, e)[1]) for e in np.eye(x.size)]  # column j = J e_j
    return np.stack(columns, axis=1)


def jacobian_reverse(f, x) -> np.ndarray:
    """The same Jacobian with :class:`~bpkit.autograd.Tensor`, one backward pass per output."""
    from .tensor import Tensor

    x = np.atleast_1d(np.asarray(x, dtype=float))
    if x.ndim != 1:
        raise ValueError(f"jacobian_reverse: x must be 1-D, got shape {x.shape}")
    xt = Tensor(x, requires_grad=True)
    y = f(xt)
    flat = y.reshape(-1)
    rows = []
    for i in range(flat.shape[0]):  # row i = e_i^T J
        xt.zero_grad()
        seed = np.zeros(flat.shape[0])
        seed[i] = 1.0
        flat.backward(seed)
        rows.append(xt.grad.copy())
    return np.stack(rows, axis=0)
