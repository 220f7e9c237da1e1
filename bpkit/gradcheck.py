r"""Gradient checking: compare a backward pass with centered finite differences.

The centered difference :math:`\frac{f(\theta + \epsilon) - f(\theta - \epsilon)}{2\epsilon}`
has error :math:`O(\epsilon^2)` (the forward difference only :math:`O(\epsilon)`), so with
:math:`\epsilon = 10^{-5}` (``eps``) in float64 a correct backward pass agrees to about
:math:`10^{-8}` or better.

The checks weight the layer output by a *random* upstream gradient ``dy`` and compare the
gradients of :math:`f = \sum y \odot dy`: with ``dy`` all ones, a backward pass that mixes
up two outputs would still pass.

Every check returns a :class:`GradCheckReport`, a dict from parameter name to
:class:`GradCheck`, with the analytic and numeric arrays and the errors per element, so a
notebook can show where a gradient is wrong, not only that it is.

Inputs are checked first: ``eps`` must be a positive number, the arrays finite real numbers,
and ``f`` must return one finite number; otherwise the error says which.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._checks import as_array, as_batch, check_finite, check_positive

__all__ = ["centered_difference", "numerical_gradient", "rel_error", "GradCheck",
           "GradCheckReport", "check_layer", "check_loss", "check_model"]


def centered_difference(f, x: float, eps: float = 1e-5) -> float:
    r"""Derivative of a scalar function of one number.

    :math:`(f(x+\epsilon) - f(x-\epsilon)) / 2\epsilon`, with the step :math:`\epsilon` = ``eps``.
    """
    eps = check_positive(eps, "centered_difference: the step eps")
    _number(x, "centered_difference: x")
    what = "centered_difference: f"
    return (_number(f(x + eps), what) - _number(f(x - eps), what)) / (2 * eps)


def _number(value, what: str) -> float:
    """``value`` as a float, if it is one finite real number; else an error naming ``what``."""
    try:
        v = np.asarray(value)
    except (ValueError, TypeError):
        v = np.asarray(None)  # refused below
    if v.size != 1 or v.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be (or return) one real number, got {value!r}")
    v = float(v.reshape(()))
    if not np.isfinite(v):
        raise ValueError(f"{what} gave {v}; a finite difference needs finite numbers")
    return v


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    r"""Gradient of the scalar ``f()`` with respect to every element of the array ``x``.

    ``f`` takes no arguments and reads ``x``, which is perturbed in place one element at a
    time, :math:`(f(x + \epsilon e_i) - f(x - \epsilon e_i)) / 2\epsilon`, and restored
    afterwards. Costs two calls of ``f`` per element. Returns a float64 array of ``x``'s
    shape. ``x`` must be a float array (in an integer one, ``x + eps`` would be rounded back
    to ``x``).
    """
    eps = check_positive(eps, "numerical_gradient: the step eps")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"numerical_gradient needs the NumPy array that f reads (it perturbs "
                        f"it in place), got a {type(x).__name__}")
    if x.dtype not in (np.float32, np.float64) or not x.flags.writeable:
        raise TypeError(f"numerical_gradient perturbs x in place, so x must be a writeable "
                        f"float32 or float64 array, got dtype {x.dtype}"
                        + ("" if x.flags.writeable else ", read-only"))
    check_finite(x, "numerical_gradient: x")
    what = "numerical_gradient: f()"
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        with np.errstate(over="ignore"):
            x[i] = old + eps
        if not np.isfinite(x[i]):
            x[i] = old
            raise ValueError(f"numerical_gradient: x + eps overflows {x.dtype} at index {i} "
                             f"(eps = {eps:g}); a finite difference needs a small step, e.g. 1e-5")
        f_plus = _number(f(), what)
        x[i] = old - eps
        f_minus = _number(f(), what)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b, floor: float = 1e-8) -> float:
    r"""Relative error :math:`\max_i |a_i - b_i| \,/\, \max(\text{floor}, \max|a| + \max|b|)`.

    Scaled by the size of the whole gradient, so an element that is zero in both does not
    turn round-off into a large ratio. About 1e-7 or less means the two agree (float64).
    """
    a = as_array(a, "rel_error: a").astype(np.float64)
    b = as_array(b, "rel_error: b").astype(np.float64)
    check_finite(a, "rel_error: a")
    check_finite(b, "rel_error: b")
    if a.shape != b.shape:
        raise ValueError(f"rel_error: a and b must have the same shape, got {a.shape} and "
                         f"{b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(floor, float(np.max(np.abs(a)) + np.max(np.abs(b))))
    return float(np.max(np.abs(a - b)) / scale)


@dataclass
class GradCheck:
    """One array's check: analytic (backward) against numeric (finite differences)."""

    name: str
    analytic: np.ndarray
    numeric: np.ndarray

    @property
    def rel_error(self) -> float:
        return rel_error(self.analytic, self.numeric)

    @property
    def max_abs_error(self) -> float:
        return float(np.max(np.abs(self.analytic - self.numeric))) if self.numeric.size else 0.0

    @property
    def elementwise(self) -> np.ndarray:
        """|analytic - numeric| / max(1e-8, |analytic| + |numeric|), element by element."""
        a, n = self.analytic, self.numeric
        return np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))

    @property
    def worst_index(self) -> tuple:
        """Index of the element with the largest absolute difference."""
        diff = np.abs(self.analytic - self.numeric)
        return tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape))


class GradCheckReport(dict):
    """A dict ``name -> GradCheck`` with a summary."""

    @property
    def max_rel_error(self) -> float:
        return max((c.rel_error for c in self.values()), default=0.0)

    def passed(self, tol: float = 1e-7) -> bool:
        return self.max_rel_error < tol

    def table(self) -> str:
        """A plain-text table: one row per array, its shape and errors."""
        rows = [f"{'array':<10} {'shape':<12} {'rel. error':>11} {'max |diff|':>11}"]
        for c in self.values():
            rows.append(f"{c.name:<10} {str(c.analytic.shape):<12} "
                        f"{c.rel_error:>11.2e} {c.max_abs_error:>11.2e}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()

    def _repr_pretty_(self, p, cycle):  # IPython shows the table, not a dict of arrays
        p.text(self.table())


def _warn_float32(*arrays) -> None:
    if any(np.asarray(a).dtype == np.float32 for a in arrays):
        warnings.warn("gradient check in float32: round-off in f(x+eps) - f(x-eps) is about "
                      "1e-7 * |f| / eps, so expect relative errors near 1e-3 even for a "
                      "correct backward pass; check in float64", stacklevel=3)


def _warn_kinks(layers, eps: float, scale: float = 10.0) -> None:
    for layer in layers:
        x = getattr(layer, "x", None)
        for k in getattr(layer, "kinks", ()):
            if x is None:
                continue
            near = int(np.sum(np.abs(np.asarray(x) - k) < scale * eps))
            if near:
                warnings.warn(f"{layer!r}: {near} input value(s) lie within {scale * eps:g} of "
                              f"the kink at {k}; a finite-difference step may cross it and "
                              "average the two slopes there, so a large error at those "
                              "elements does not mean the backward pass is wrong",
                              stacklevel=3)


def _refuse_random(layers, where: str) -> None:
    """Refuse a layer that draws new random numbers at every forward pass (Dropout in
    training mode): the finite differences would compare two different functions."""
    for layer in layers:
        inner = getattr(layer, "inner", None)
        if inner is not None:
            _refuse_random(getattr(inner, "layers", [inner]), where)
        if getattr(layer, "draws_each_forward", False):
            raise ValueError(f"{where}: {layer!r} draws a new random mask at every forward "
                             "pass in training mode, so centered differences would compare "
                             "different functions; fix its mask with layer.fix_mask(keep), or "
                             "check the model in evaluation mode (model.eval())")


def check_layer(layer, x: np.ndarray, rng: np.random.Generator | None = None,
                eps: float = 1e-5) -> GradCheckReport:
    """Check ``layer.backward`` for the input and every parameter.

    Uses a random upstream gradient ``dy`` (from ``rng``, seed 0 if omitted). Returns a
    report with entries ``"x"`` and one per key of ``layer.params``.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    eps = check_positive(eps, "check_layer: the step eps")
    _refuse_random([layer], "check_layer")
    x = np.array(as_batch(x, "check_layer: x"), copy=True)
    if x.dtype.kind != "f":  # integers: in the layer's precision
        x = x.astype(next(iter(layer.params.values())).dtype if layer.params else np.float64)
    _warn_float32(x, *layer.params.values())
    y = layer.forward(x)
    dy = rng.standard_normal(np.shape(y))
    dx = np.array(layer.backward(dy.astype(np.asarray(y).dtype)), dtype=np.float64)
    analytic = {k: np.array(g, dtype=np.float64) for k, g in layer.grads.items()}
    _warn_kinks([layer], eps)

    def f():
        return np.sum(np.asarray(layer.forward(x), dtype=np.float64) * dy)

    report = GradCheckReport()
    report["x"] = GradCheck("x", dx, numerical_gradient(f, x, eps))
    for k, p in layer.params.items():
        report[k] = GradCheck(k, analytic[k], numerical_gradient(f, p, eps))
    layer.forward(x)  # leave the layer's cache as it was after the analytic pass
    return report


def check_loss(loss, y: np.ndarray, t: np.ndarray, eps: float = 1e-5) -> GradCheckReport:
    """Check ``loss.backward()`` (dL/dy) against finite differences of ``loss(y, t)``."""
    eps = check_positive(eps, "check_loss: the step eps")
    y = np.array(as_batch(y, "check_loss: y"), dtype=np.float64, copy=True)
    loss.forward(y, t)
    analytic = np.array(loss.backward(), dtype=np.float64)
    report = GradCheckReport()
    report["y"] = GradCheck("y", analytic, numerical_gradient(lambda: loss.forward(y, t), y, eps))
    return report


def check_model(model, loss, x: np.ndarray, t: np.ndarray,
                eps: float = 1e-5) -> GradCheckReport:
    """Check every parameter gradient of ``model`` under ``loss`` on the batch ``(x, t)``.

    The model's backward is run once on ``loss.backward()``; each parameter is then
    perturbed element by element and the loss recomputed. Entries are named as in
    ``model.params`` (``"0.W"``, ``"0.b"``, ...).
    """
    eps = check_positive(eps, "check_model: the step eps")
    _refuse_random(getattr(model, "layers", []), "check_model")
    x = as_batch(x, "check_model: x")
    params = model.params
    _warn_float32(x, *params.values())
    loss.forward(model.forward(x), t)
    model.backward(loss.backward())
    analytic = {k: np.array(g, dtype=np.float64) for k, g in model.grads.items()}
    _warn_kinks(getattr(model, "layers", []), eps)

    def f():
        return loss.forward(model.forward(x), t)

    report = GradCheckReport()
    for k, p in params.items():
        report[k] = GradCheck(k, analytic[k], numerical_gradient(f, p, eps))
    return report
