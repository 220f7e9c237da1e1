"""Automatic differentiation over arrays (Chapter 8).

- :mod:`bpkit.autograd.tensor`: :class:`Tensor`, its operations (each backward right below
  its forward), :func:`no_grad`, and the fused :func:`softmax_cross_entropy`.

Like bpkit's core, this package imports only NumPy.
"""

from .tensor import Tensor, is_grad_enabled, no_grad, softmax_cross_entropy, unbroadcast

__all__ = ["Tensor", "is_grad_enabled", "no_grad", "softmax_cross_entropy", "unbroadcast"]
