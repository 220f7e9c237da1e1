"""Sequential: layers applied one after another, and back again in reverse."""

from __future__ import annotations

import numpy as np

from ._checks import as_batch
from .conv import Conv2D
from .layers import Layer, Linear

__all__ = ["Sequential"]


class Sequential:
    r"""A chain of layers: :math:`y = f_L(\dots f_2(f_1(x)))`.

    ``forward`` runs the layers in order; ``backward(dy)`` runs their backward passes in
    reverse, each turning dL/d(its output) into dL/d(its input), and returns dL/dx.

    ``params`` and ``grads`` gather every layer's arrays under names ``"<i>.<key>"``
    (``"0.W"`` is the first layer's weight matrix). They are the layers' own arrays, not
    copies: an optimizer that updates ``params[k]`` in place updates the layer.
    """

    def __init__(self, *layers: Layer):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Sequential needs at least one layer, got none")
        seen = set()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} is a {type(layer).__name__}, "
                                "not a bpkit Layer")
            if id(layer) in seen:
                raise ValueError(f"Sequential: layer {i} ({layer!r}) appears twice; each "
                                 "layer keeps the input of its last forward, so use a new "
                                 "layer object for each position")
            seen.add(id(layer))
        self.layers = list(layers)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        r"""Run every layer in order; x ``(N, n_in)`` -> y ``(N, n_out)``.

        The data is checked here, once, NaN and inf included; each layer's ``forward``
        then checks only shapes and dtypes. (On the benchmark of the appendix on speed,
        looking for NaN and inf costs about 2% of an epoch.)
        """
        x = as_batch(x, "Sequential")
        for i, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except ValueError as err:  # say which layer: a model may hold several alike
                raise ValueError(f"layer {i} of the model: {err}") from None
            except TypeError as err:
                raise TypeError(f"layer {i} of the model: {err}") from None
        return x

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Run every layer's backward in reverse; dL/dy -> dL/dx, filling ``grads``.

        Training needs only the parameter gradients: ``need_dx=False`` lets a first
        ``Linear`` or ``Conv2D`` layer skip computing dL/dx (the data's gradient), and returns None.
        """
        for layer in reversed(self.layers[1:]):
            dy = layer.backward(dy)
        first = self.layers[0]
        if need_dx or not isinstance(first, (Linear, Conv2D)):
            return first.backward(dy)
        return first.backward(dy, need_dx=False)

    @property
    def training(self) -> bool:
        """True in training mode (the default), False after ``eval()``."""
        return all(layer.training for layer in self.layers)

    def train(self, mode: bool = True) -> Sequential:
        """Put every layer in training mode (``mode=True``) or evaluation mode; returns the
        model. Only layers that differ between the two care: in training mode
        :class:`bpkit.layers.BatchNorm` uses the batch's statistics and updates running ones,
        and :class:`bpkit.layers.Dropout` drops units; in evaluation mode neither does."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"Sequential.train expected True or False, got {mode!r}")
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self) -> Sequential:
        """Evaluation mode for every layer: ``train(False)``."""
        return self.train(False)

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.grads.items()}

    @property
    def n_params(self) -> int:
        """The number of scalar parameters."""
        return sum(v.size for v in self.params.values())
