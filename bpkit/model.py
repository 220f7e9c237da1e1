"""Sequential: layers applied one after another, and back again in reverse."""

from __future__ import annotations

import numpy as np

from ._checks import as_batch, check_finite
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

        Data holding NaN or inf is refused, checked once here (each layer then checks
        only shapes). Behind a first ``Linear`` layer the check looks at that layer's
        output, which is cheaper: it is still in the cache, and often narrower than the
        data. It misses nothing: a NaN or inf in row n of x makes every entry of row n
        of :math:`x W^\top + b` NaN or inf (:math:`\infty \cdot 0` is NaN), as long as
        the BLAS library multiplies every term, as OpenBLAS (which NumPy's wheels ship)
        does; old reference BLAS skipped zero weights. Only when that check fails is the
        data searched, to name the bad entry.
        """
        data = as_batch(x, "Sequential", finite=False)
        if type(self.layers[0]) is not Linear or data.dtype.kind != "f":
            # no Linear layer to look behind, or not real floats (a Linear layer would drop
            # the imaginary part of complex data, and a NaN in it): check the data itself
            check_finite(data, "Sequential input")
            return self._run(data, start=0)
        with np.errstate(over="ignore", invalid="ignore"):  # a bad entry is named below
            z = self._run(data, start=0, stop=1)
        if not np.isfinite(z).all():
            check_finite(data, "Sequential input")  # else the weights overflowed: the
            # output is then non-finite too, and train_step reports a divergence
        return self._run(z, start=1)

    def _run(self, x, start: int, stop: int | None = None):
        """Run layers ``start`` to ``stop - 1`` on x, naming the layer in any ValueError."""
        for i, layer in enumerate(self.layers[start:stop], start):
            try:
                x = layer.forward(x)
            except ValueError as err:
                raise ValueError(f"layer {i} of the model: {err}") from None
        return x

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Run every layer's backward in reverse; dL/dy -> dL/dx, filling ``grads``.

        Training needs only the parameter gradients: ``need_dx=False`` lets a first
        ``Linear`` layer skip computing dL/dx (the data's gradient), and returns None.
        """
        for layer in reversed(self.layers[1:]):
            dy = layer.backward(dy)
        first = self.layers[0]
        if need_dx or not isinstance(first, Linear):
            return first.backward(dy)
        return first.backward(dy, need_dx=False)

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
