"""Losses: a scalar from a batch of predictions and targets, and its gradient.

Every loss averages over the N examples of the batch, :math:`L = \\frac1N \\sum_n \\ell_n`,
so ``backward()`` returns dL/dy with the factor 1/N already in it. ``forward(y, t)`` caches
what ``backward()`` needs; call them in that order.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_batch, check_finite

__all__ = ["Loss", "SquaredError", "BinaryCrossEntropy", "SoftmaxCrossEntropy"]


class Loss:
    """Base class: ``forward(y, t) -> float`` then ``backward() -> dL/dy``."""

    def __call__(self, y, t) -> float:
        return self.forward(y, t)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _predictions(self, y) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[0] == 0:
            raise ValueError(f"{self!r} expected predictions of shape (N, K) with N >= 1, "
                             f"got shape {y.shape}")
        if y.dtype.kind != "f":
            y = y.astype(np.float64)
        check_finite(y, f"{self!r}: the predictions",
                     "during training this means the model diverged: try a smaller learning rate")
        return y

    def _same_shape_targets(self, t, y: np.ndarray) -> np.ndarray:
        t = as_batch(t, f"{self!r} targets")
        if t.shape == (y.shape[0],) and y.shape[1] == 1:
            t = t.reshape(-1, 1)  # (N,) targets for a single output: unambiguous
        if t.shape != y.shape:
            raise ValueError(f"{self!r}: targets of shape {t.shape} do not match "
                             f"predictions of shape {y.shape}; expected {y.shape}")
        return t.astype(y.dtype, copy=False)

    def _check_called(self):
        if getattr(self, "y", None) is None:
            raise RuntimeError(f"{self!r}: backward() called before forward()")


class SquaredError(Loss):
    r"""Squared error with the book's one-half: :math:`\ell = \frac12 \sum_k (y_k - t_k)^2`.

    The 1/2 cancels the 2 of the derivative, so for one example :math:`d\ell/dy = y - t`.
    Over a batch :math:`L = \frac1N \sum_n \ell_n` and ``backward()`` returns
    :math:`(y - t) / N`. (Some texts call this "mean squared error"; it is half of it,
    and it sums rather than averages over the K outputs.)

    Shapes: y ``(N, K)``; t ``(N, K)``, or ``(N,)`` when K = 1.
    """

    def forward(self, y, t):
        y = self._predictions(y)
        t = self._same_shape_targets(t, y)
        self.y, self.t = y, t
        r = y - t
        return float(0.5 * np.sum(r * r) / y.shape[0])

    def backward(self):
        self._check_called()
        return (self.y - self.t) / self.y.shape[0]


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy :math:`\ell = -\sum_k [t_k \log y_k + (1-t_k)\log(1-y_k)]`.

    With ``from_logits=False`` (default) ``y`` holds probabilities in (0, 1), e.g. from a
    Sigmoid layer, and ``backward()`` returns :math:`\frac{y - t}{y(1-y)} / N`; ``y`` is
    clipped to :math:`[10^{-12}, 1-10^{-12}]` inside the logarithms. With
    ``from_logits=True`` ``y`` holds logits z and the loss is computed stably as
    :math:`\max(z,0) - t z + \log(1 + e^{-|z|})`, with gradient :math:`(\sigma(z) - t)/N`.

    Shapes: y ``(N, K)``; t ``(N, K)`` (or ``(N,)`` when K = 1) with values in [0, 1].
    """

    eps = 1e-12

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(from_logits={self.from_logits})"

    def forward(self, y, t):
        y = self._predictions(y)
        t = self._same_shape_targets(t, y)
        if np.any((t < 0) | (t > 1)):
            raise ValueError(f"{self!r}: targets must lie in [0, 1], got values from "
                             f"{t.min()} to {t.max()}")
        if not self.from_logits and np.any((y < 0) | (y > 1)):
            raise ValueError(f"{self!r}: predictions must be probabilities in [0, 1], got "
                             f"values from {y.min()} to {y.max()}; pass from_logits=True "
                             "for raw scores")
        self.y, self.t = y, t
        n = y.shape[0]
        if self.from_logits:
            loss = np.maximum(y, 0) - t * y + np.log1p(np.exp(-np.abs(y)))
        else:
            p = np.clip(y, self.eps, 1 - self.eps)
            loss = -(t * np.log(p) + (1 - t) * np.log1p(-p))
        return float(np.sum(loss) / n)

    def backward(self):
        self._check_called()
        y, t, n = self.y, self.t, self.y.shape[0]
        if self.from_logits:
            return (0.5 * (1.0 + np.tanh(0.5 * y)) - t) / n
        p = np.clip(y, self.eps, 1 - self.eps)
        return (p - t) / (p * (1 - p)) / n


class SoftmaxCrossEntropy(Loss):
    r"""Softmax and cross-entropy fused: :math:`\ell = -\sum_k t_k \log \mathrm{softmax}(z)_k`.

    Takes logits z (no softmax layer before it). Stable: the row maximum is subtracted
    before exponentiating, and :math:`\log\mathrm{softmax}(z) = z - \max z - \log\sum e^{z-\max z}`.
    Fusing the two gives the simple gradient :math:`dL/dz = (\mathrm{softmax}(z) - t) / N`.

    Shapes: z ``(N, K)``; t either integer class labels ``(N,)`` in ``0..K-1`` or
    probability rows ``(N, K)`` (one-hot or soft labels).
    """

    def forward(self, z, t):
        z = self._predictions(z)
        n, k = z.shape
        t = np.asarray(t)
        labels = t.shape == (n,) and t.dtype.kind in "iub"  # integer (or bool) labels
        if labels:
            if t.min() < 0 or t.max() >= k:
                raise ValueError(f"{self!r}: class labels must lie in 0..{k - 1} for {k} "
                                 f"logits, got labels from {t.min()} to {t.max()}")
        elif t.shape == (n, k):
            t = self._same_shape_targets(t, z)
        else:
            raise ValueError(f"{self!r}: targets must be integer labels of shape ({n},) or "
                             f"probabilities of shape ({n}, {k}); got shape {t.shape} "
                             f"and dtype {t.dtype}")
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        self.y, self.t, self.p = z, t, e / total
        log_p = shifted - np.log(total)                   # log softmax(z), computed stably
        if labels:  # t is one-hot: only the log-probability of the true class counts
            return float(-log_p[np.arange(n), t].sum() / n)
        return float(-np.sum(t * log_p) / n)

    def backward(self):
        self._check_called()
        n = self.y.shape[0]
        if self.t.ndim == 1:  # integer labels: subtract the one-hot row without building it
            dz = self.p.copy()
            dz[np.arange(n), self.t] -= 1
            dz /= n
            return dz
        return (self.p - self.t) / n
