r"""Gradient checkpointing: store less during the forward pass, compute it again when needed.

A backward pass needs what the forward pass computed (every ``a`` of Chapter 3), so a graph
keeps every intermediate array alive until ``backward()``; for a stack of D layers that is
D arrays of activations. :func:`checkpoint` runs a segment of the network under
:func:`~bpkit.autograd.no_grad`, keeping only the segment's input and output, and when the
backward pass reaches the segment it runs the segment again, this time recording, and
backpropagates through the fresh copy. Cutting D layers into segments of about
:math:`\sqrt{D}` layers keeps about :math:`2\sqrt{D}` arrays instead of D, for the price of one
more forward pass.
"""

from __future__ import annotations

from .tensor import Tensor, enable_grad, no_grad

__all__ = ["checkpoint"]


def checkpoint(fn, x: Tensor, params=()) -> Tensor:
    """``fn(x)``, without keeping the tensors computed inside ``fn`` for the backward pass.

    ``fn`` maps a Tensor to a Tensor and must compute the same thing when called twice (no
    randomness of its own). ``params`` lists the tensors ``fn`` reads besides ``x`` (its
    weights): they decide whether the output needs a gradient, and their gradients are
    accumulated when the backward pass runs ``fn`` again.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"checkpoint: x must be a Tensor, got {type(x).__name__}")
    params = tuple(params)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"checkpoint: params must be Tensors, got a {type(p).__name__}")
    with no_grad():
        y = fn(Tensor(x.data))

    def backward_fn(g):
        again = Tensor(x.data, requires_grad=x.requires_grad)
        with enable_grad():  # recorded this time, even if backward() runs under no_grad
            y_again = fn(again)  # the weights' gradients accumulate below
        y_again.backward(g)
        return (again.grad,) + (None,) * len(params)
    return Tensor._result(y.data, (x, *params), "checkpoint", backward_fn)
