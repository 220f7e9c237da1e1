"""Automatic differentiation over arrays (Chapter 8).

- :mod:`bpkit.autograd.tensor`: :class:`Tensor`, its operations (each backward right below
  its forward), :func:`no_grad`, and the fused :func:`softmax_cross_entropy`.
- :mod:`bpkit.autograd.forward`: forward mode with dual numbers, for comparison.
- :mod:`bpkit.autograd.checkpoint`: recompute a segment in the backward pass instead of
  storing it.
- :mod:`bpkit.autograd.draw`: the graph drawn with matplotlib (import it explicitly).

Apart from ``draw``, this package imports only NumPy, like bpkit's core.
"""

from .checkpoint import checkpoint
from .forward import Dual, jacobian_forward, jacobian_reverse, jvp
from .tensor import (
    Tensor,
    enable_grad,
    is_grad_enabled,
    no_grad,
    softmax_cross_entropy,
    unbroadcast,
)

__all__ = ["Tensor", "is_grad_enabled", "no_grad", "enable_grad", "softmax_cross_entropy",
           "unbroadcast",
           "Dual", "jvp", "jacobian_forward", "jacobian_reverse", "checkpoint"]
