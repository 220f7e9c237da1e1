"""Optimizers: update a model's parameters in place from its gradients."""

from __future__ import annotations

from ._checks import check_positive

__all__ = ["Optimizer", "SGD"]


class Optimizer:
    """Base class. Holds the model (anything with ``params`` and ``grads`` dicts)."""

    def __init__(self, model, lr: float):
        for attr in ("params", "grads"):
            if not hasattr(model, attr):
                raise TypeError(f"{type(self).__name__} needs a model with .params and "
                                f".grads, got a {type(model).__name__}")
        self.model = model
        self.lr = check_positive(lr, f"{type(self).__name__}: the learning rate lr")

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    r"""Plain gradient descent: :math:`\theta \leftarrow \theta - \eta\, \partial L/\partial\theta`.

    ``lr`` is the learning rate :math:`\eta` (a positive number). Updates in place.
    """

    def step(self) -> None:
        grads = self.model.grads
        for k, p in self.model.params.items():
            p -= self.lr * grads[k]
