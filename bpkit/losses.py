"""Losses: a scalar from a batch of predictions and targets, and its gradient.

Every loss averages over the N examples of the batch, :math:`L = \\frac1N \\sum_n \\ell_n`,
so ``backward()`` returns dL/dy with the factor 1/N already in it. ``forward(y, t)`` caches
what ``backward()`` needs; call them in that order.

Predictions must be finite real numbers (float32 or float64; integers are read as float64),
and targets must fit the loss (each docstring says which). A loss never returns inf or NaN:
a value too large for a float raises ``OverflowError``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_batch, check_finite

__all__ = ["Loss", "SquaredError", "BinaryCrossEntropy", "SoftmaxCrossEntropy"]


class Loss:
    """Base class: ``forward(y, t) -> float`` then ``backward() -> dL/dy``."""

    def __call__(self, y, t) -> float:
        return self.forward(y, t)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _predictions(self, y) -> np.ndarray:
        y = as_array(y, f"{self!r} predictions")
        if y.ndim != 2 or 0 in y.shape:
            raise ValueError(f"{self!r} expected predictions of shape (N, K) with N, K >= 1, "
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
            raise ValueError(f"{self!r} expected targets of the shape of the predictions, "
                             f"{y.shape}, got targets of shape {t.shape}")
        return t.astype(y.dtype, copy=False)

    def _mean(self, total, n: int) -> float:
        """The batch average ``total / n`` as a float; OverflowError if it is not finite."""
        value = float(total / n)
        if not np.isfinite(value):  # finite inputs, but a result beyond the largest float
            raise OverflowError(
                f"{self!r}: the loss is too large for a float (it came out as {value}); the "
                f"predictions reach {np.abs(self.y).max():.3g}. During training this means "
                "the model diverged: try a smaller learning rate")
        return value

    def _check_called(self):
        if getattr(self, "y", None) is None:
            raise RuntimeError(f"{self!r}: backward() called before forward()")


class SquaredError(Loss):
    r"""Squared error with the book's one-half: :math:`\ell = \frac12 \sum_k (y_k - t_k)^2`.

    The 1/2 cancels the 2 of the derivative, so for one example :math:`d\ell/dy = y - t`.
    Over a batch :math:`L = \frac1N \sum_n \ell_n` and ``backward()`` returns
    :math:`(y - t) / N`. (Some texts call this "mean squared error"; it is half of it,
    and it sums rather than averages over the K outputs.)

    Shapes: y ``(N, K)``; t ``(N, K)``, or ``(N,)`` when K = 1. The squares are summed in
    float64, so float32 predictions overflow only where float64 ones would.
    """

    def forward(self, y, t):
        y = self._predictions(y)
        t = self._same_shape_targets(t, y)
        self.y, self.t = y, t
        with np.errstate(over="ignore"):  # an overflow is reported by _mean
            r = y - t
            total = 0.5 * np.sum(np.square(r, dtype=np.float64))
        return self._mean(total, y.shape[0])

    def backward(self):
        self._check_called()
        return (self.y - self.t) / self.y.shape[0]


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy :math:`\ell = -\sum_k [t_k \log y_k + (1-t_k)\log(1-y_k)]`.

    With ``from_logits=False`` (default) ``y`` holds probabilities in [0, 1], e.g. from a
    Sigmoid layer, and ``backward()`` returns :math:`\frac{y - t}{y(1-y)} / N`; ``y`` is
    clipped to :math:`[10^{-12}, 1-10^{-12}]` inside the logarithms, in float64 whatever the
    dtype of ``y`` (in float32, :math:`1-10^{-12}` would round to 1). With
    ``from_logits=True`` ``y`` holds logits z and the loss is computed stably as
    :math:`\max(z,0) - t z + \log(1 + e^{-|z|})`, with gradient :math:`(\sigma(z) - t)/N`.

    Why the logit form is preferred (derived in Chapter 4, section 4.1): with
    :math:`p = \sigma(z)`, :math:`d\ell/dp = (p - t)/(p(1-p))` and :math:`dp/dz = p(1-p)`
    cancel to :math:`d\ell/dz = \sigma(z) - t`; and :math:`\ell = \log(1 + e^z) - t z`
    needs no :math:`1 - p`, which float64 rounds to 0 from :math:`z \approx 37` on. A
    ``Sigmoid`` layer followed by this loss on probabilities agrees for moderate z; for a
    confidently wrong output (t = 0, z >= 37) the clipping caps its loss near 27.6 and the
    gradient that reaches z is exactly 0, where the true one is about 1.

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
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow: see _mean
            if self.from_logits:
                loss = np.maximum(y, 0) - t * y + np.log1p(np.exp(-np.abs(y)))
            else:
                p = np.clip(y.astype(np.float64, copy=False), self.eps, 1 - self.eps)
                loss = -(t * np.log(p) + (1 - t) * np.log1p(-p))
            total = np.sum(loss, dtype=np.float64)
        return self._mean(total, y.shape[0])

    def backward(self):
        self._check_called()
        y, t, n = self.y, self.t, self.y.shape[0]
        if self.from_logits:
            return (0.5 * (1.0 + np.tanh(0.5 * y)) - t) / n
        p = np.clip(y.astype(np.float64, copy=False), self.eps, 1 - self.eps)
        return ((p - t) / (p * (1 - p)) / n).astype(y.dtype, copy=False)


class SoftmaxCrossEntropy(Loss):
    r"""Softmax and cross-entropy fused: :math:`\ell = -\sum_k t_k \log \mathrm{softmax}(z)_k`.

    Takes logits z (no softmax layer before it). Stable: the row maximum is subtracted
    before exponentiating, and :math:`\log\mathrm{softmax}(z) = z - \max z - \log\sum e^{z-\max z}`.
    Fusing the two gives the simple gradient :math:`dL/dz = (\mathrm{softmax}(z) - t) / N`.
    The softmax's K x K Jacobian :math:`\partial p_i/\partial z_j = p_i([i=j] - p_j)`, i.e.
    :math:`\mathrm{diag}(p) - p p^\top`, is never built: its product with
    :math:`\partial\ell/\partial p = -t/p` collapses to :math:`p - t` when t sums to 1, K
    operations per example instead of K^2 (derived in Chapter 4, section 4.1).

    Shapes: z ``(N, K)``; t either class labels ``(N,)``, integers in ``0..K-1`` (booleans
    read as 0 and 1), or rows ``(N, K)`` that are probability distributions: one-hot rows,
    or soft labels with entries >= 0 summing to 1 (to within 1e-6). Other rows are refused:
    for them the loss can be negative and ``(softmax(z) - t) / N`` is not its gradient. (For
    several true classes at once, use ``BinaryCrossEntropy(from_logits=True)``.)
    """

    def forward(self, z, t):
        z = self._predictions(z)
        n, k = z.shape
        t = as_array(t, f"{self!r} targets")
        labels = t.shape == (n,) and t.dtype.kind in "iub"
        if labels:
            t = self._labels(t, k)
        elif t.shape == (n, k):
            t = self._distributions(t, z)
        else:
            raise ValueError(f"{self!r}: targets must be integer labels of shape ({n},) or "
                             f"probabilities of shape ({n}, {k}); got shape {t.shape} "
                             f"and dtype {t.dtype}{_layout_hint(t, n)}")
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow: see _mean
            shifted = z - z.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            total = e.sum(axis=1, keepdims=True)
            self.y, self.t, self.p = z, t, e / total
            log_p = shifted - np.log(total)               # log softmax(z), computed stably
            if labels:  # t is one-hot: only the log-probability of the true class counts
                return self._mean(-log_p[np.arange(n), t].sum(), n)
            return self._mean(-np.sum(t * log_p), n)

    def _labels(self, t, k: int) -> np.ndarray:
        if t.dtype.kind == "b":
            t = t.astype(np.int64)  # False, True: classes 0 and 1
        if t.min() < 0 or t.max() >= k:
            raise ValueError(f"{self!r}: class labels must lie in 0..{k - 1} for {k} "
                             f"logits, got labels from {t.min()} to {t.max()}")
        return t

    def _distributions(self, t, z) -> np.ndarray:
        t = self._same_shape_targets(t, z)
        sums = t.sum(axis=1, dtype=np.float64)
        bad = np.any(t < 0, axis=1) | (np.abs(sums - 1) > 1e-6)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"{self!r}: each target row must be a probability distribution "
                             f"(entries >= 0 summing to 1), but row {i} is {t[i]}, summing "
                             f"to {sums[i]:.6g}. For class labels pass integers of shape "
                             f"({t.shape[0]},); for several true classes at once use "
                             "BinaryCrossEntropy(from_logits=True)")
        return t

    def backward(self):
        self._check_called()
        n = self.y.shape[0]
        if self.t.ndim == 1:  # integer labels: subtract the one-hot row without building it
            dz = self.p.copy()
            dz[np.arange(n), self.t] -= 1
            dz /= n
            return dz
        return (self.p - self.t) / n


def _layout_hint(t: np.ndarray, n: int) -> str:
    """A hint for the usual mistakes in the layout of class labels."""
    if t.shape == (n, 1) and t.dtype.kind in "iub":
        return ": labels as a column? pass t.ravel()"
    if t.shape == (n,) and t.dtype.kind == "f":
        return ": class labels must be integers, e.g. t.astype(int)"
    return ""
