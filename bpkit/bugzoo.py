"""The bug zoo: backward passes with the mistakes people really make.

Each class runs the correct forward pass and a subtly wrong backward pass. None of them
crashes or produces a wrong shape (for the shapes given in its docstring); only a gradient
check finds them. Chapter 3's bug-zoo section runs the gradient check on the first four and
reads, from each report, where the mistake is; the test suite proves that
:mod:`bpkit.gradcheck` catches every one. :class:`LeakyReLUBroken` is left for the reader
(Exercise 3.4), so its docstring does not say what is wrong.
"""

from __future__ import annotations

import numpy as np

from .layers import LeakyReLU, Linear, SiLU
from .losses import SquaredError

__all__ = ["LinearWrongTranspose", "SquaredErrorMissingMean", "SiLUOverwrite",
           "SigmoidFromInput", "LeakyReLUBroken"]


class LinearWrongTranspose(Linear):
    r"""Bug: :math:`dW = x^\top dz` instead of :math:`dz^\top x`.

    That is the transpose of the right answer. For a square layer (n_in = n_out) the shape
    is right, so nothing crashes.
    """

    def backward(self, dz):
        self.grads["W"][...] = self.x.T @ dz
        self.grads["b"][...] = dz.sum(axis=0)
        return dz @ self.W


class SquaredErrorMissingMean(SquaredError):
    r"""Bug: the loss averages over the batch, the gradient forgets the 1/N.

    Right for a batch of one example, N times too large otherwise.
    """

    def backward(self):
        return self.y - self.t


class SiLUOverwrite(SiLU):
    r"""Bug: :math:`z` feeds two consumers in :math:`z\,\sigma(z)`, but the second path's
    gradient overwrites the first instead of being added to it."""

    def backward(self, da):
        s = self.s
        dz = da * s                              # path through the factor z
        dz = da * self.x * s * (1.0 - s)         # path through sigma(z): overwrites!
        return dz


class SigmoidFromInput:
    r"""Bug: the sigmoid's derivative computed from the input, :math:`z(1-z)`, instead of
    from the output, :math:`a(1-a)`."""

    kinks = ()

    def __init__(self):
        self.params, self.grads = {}, {}

    def __repr__(self):
        return "SigmoidFromInput()"

    def forward(self, z):
        self.x = z
        self.a = 0.5 * (1.0 + np.tanh(0.5 * z))
        return self.a

    def backward(self, da):
        return da * self.x * (1.0 - self.x)


class LeakyReLUBroken(LeakyReLU):
    r"""A leaky ReLU, :math:`a = z` for :math:`z > 0` and :math:`a = \alpha z` otherwise, whose
    backward pass has a bug. Exercise 3.4: find it with :func:`bpkit.check_layer`."""

    def backward(self, da):
        da = self._check_dy(da)
        return np.where(self.x > 0, self.slope * da, da)
