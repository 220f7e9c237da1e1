r"""Two-dimensional loss surfaces, and a point on them that bpkit's optimizers can move.

A surface is a function :math:`f(x, y)` with its gradient. :class:`Point` holds one
position in ``params["xy"]`` and its gradient in ``grads["xy"]``, like a model with one
parameter array of shape ``(2,)``, so any optimizer of :mod:`bpkit.optim` runs on it
unchanged. :func:`descend` records the path an optimizer takes.

- :class:`Quadratic`: :math:`f = \frac12 \theta^\top A \theta`, a bowl whose curvatures
  are the eigenvalues of :math:`A`; ill-conditioned when they differ a lot.
- :class:`Rosenbrock`: :math:`f = (a - x)^2 + b\,(y - x^2)^2`, a curved, flat-bottomed valley
  with its minimum at :math:`(a, a^2)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._checks import check_positive

__all__ = ["Surface", "Quadratic", "Rosenbrock", "Point", "descend"]


class Surface:
    """Base class: ``f(x, y)`` and ``grad(x, y)``, elementwise over arrays of any shape.

    ``minimum`` is the point of the lowest value; ``xlim`` and ``ylim`` a window that
    shows the interesting part of the surface (used by the plots); ``start`` a starting
    point for a descent.
    """

    name = "surface"
    minimum: tuple[float, float] = (0.0, 0.0)
    xlim: tuple[float, float] = (-1.0, 1.0)
    ylim: tuple[float, float] = (-1.0, 1.0)
    start: tuple[float, float] = (-0.5, 0.5)

    def f(self, x, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def grad(self, x, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x, y):
        return self.f(x, y)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._args()})"

    def _args(self) -> str:
        return ""


class Quadratic(Surface):
    r"""The quadratic bowl :math:`f(\theta) = \frac12 \theta^\top A \theta`, :math:`\theta=(x, y)`.

    Written out, :math:`f = \frac12 (A_{00} x^2 + 2 A_{01} x y + A_{11} y^2)`, with gradient
    :math:`\nabla f = A\theta`. ``A`` is a symmetric positive definite 2x2 matrix (default
    ``diag(1, 20)``: curvature 1 along x, 20 along y, condition number 20). Its
    eigenvalues are the curvatures along its eigenvectors; gradient descent with learning
    rate :math:`\eta` converges exactly when :math:`\eta < 2 / \lambda_{\max}`, at the pace
    of the larger of :math:`|1 - \eta\lambda_{\min}|` and :math:`|1 - \eta\lambda_{\max}|`.
    """

    name = "ill-conditioned quadratic"

    def __init__(self, A=((1.0, 0.0), (0.0, 20.0)), xlim=(-11.0, 11.0), ylim=(-4.0, 4.0),
                 start=(-10.0, 2.5), name: str | None = None):
        A = np.array(A, dtype=np.float64)
        if A.shape != (2, 2):
            raise ValueError(f"Quadratic: A must be a 2x2 matrix, got shape {A.shape}")
        if not np.allclose(A, A.T):
            raise ValueError(f"Quadratic: A must be symmetric, got {A.tolist()}")
        if np.linalg.eigvalsh(A).min() <= 0:
            raise ValueError(f"Quadratic: A must be positive definite (a bowl with one "
                             f"minimum), got eigenvalues {np.linalg.eigvalsh(A).tolist()}")
        self.A = A
        self.xlim, self.ylim, self.start = tuple(xlim), tuple(ylim), tuple(start)
        if name is not None:
            self.name = name

    @property
    def curvatures(self) -> np.ndarray:
        """The eigenvalues of ``A``, smallest first."""
        return np.linalg.eigvalsh(self.A)

    def f(self, x, y):
        (a, c), (_, d) = self.A
        return 0.5 * (a * x * x + 2 * c * x * y + d * y * y)

    def grad(self, x, y):
        (a, c), (_, d) = self.A
        return a * x + c * y, c * x + d * y

    def _args(self) -> str:
        return f"A={self.A.tolist()}"


class Rosenbrock(Surface):
    r"""Rosenbrock's valley :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`, least at :math:`(a, a^2)`.

    Gradient: :math:`\partial f/\partial x = -2(a - x) - 4 b x (y - x^2)`,
    :math:`\partial f/\partial y = 2 b (y - x^2)`. Defaults ``a=1, b=100``: the valley floor
    :math:`y = x^2` is easy to reach and hard to follow.
    """

    name = "Rosenbrock function"

    def __init__(self, a: float = 1.0, b: float = 100.0, xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
                 start=(-1.5, 2.0)):
        self.a = float(a)
        self.b = check_positive(b, "Rosenbrock: b")
        self.minimum = (self.a, self.a ** 2)
        self.xlim, self.ylim, self.start = tuple(xlim), tuple(ylim), tuple(start)

    def f(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def grad(self, x, y):
        r = y - x * x
        return -2.0 * (self.a - x) - 4.0 * self.b * x * r, 2.0 * self.b * r

    def _args(self) -> str:
        return f"a={self.a:g}, b={self.b:g}"


class Point:
    """A position on a surface that looks like a model to an optimizer.

    ``params["xy"]`` is the position, an array of shape ``(2,)``; ``forward()`` returns
    the surface's value there and fills ``grads["xy"]`` with its gradient.
    """

    def __init__(self, surface: Surface, start=None, dtype=np.float64):
        if not isinstance(surface, Surface):
            raise TypeError(f"Point needs a bpkit.surfaces.Surface, got a "
                            f"{type(surface).__name__}")
        self.surface = surface
        xy = np.array(surface.start if start is None else start, dtype=dtype)
        if xy.shape != (2,):
            raise ValueError(f"Point: the start must be two numbers (x, y), got shape {xy.shape}")
        self.params = {"xy": xy}
        self.grads = {"xy": np.zeros_like(xy)}

    def forward(self) -> float:
        x, y = self.params["xy"]
        self.grads["xy"][:] = self.surface.grad(x, y)
        return float(self.surface.f(x, y))


def descend(surface: Surface, make_optimizer: Callable, steps: int, start=None):
    """Run ``steps`` steps of an optimizer on ``surface``; return ``(path, losses)``.

    ``make_optimizer(point)`` builds the optimizer for a :class:`Point` (for example
    ``lambda p: Adam(p, lr=0.1)``). ``path`` has shape ``(n + 1, 2)``: the start and the
    position after each step; ``losses[i]`` is the value at ``path[i]``. A run that
    diverges (a value that is not finite, or above 1e12) stops early, so ``n`` can be
    smaller than ``steps``.
    """
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"descend: steps must be a non-negative integer, got {steps!r}")
    point = Point(surface, start)
    optimizer = make_optimizer(point)
    path, losses = [point.params["xy"].copy()], []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            value = point.forward()
            losses.append(value)
            if not np.isfinite(value) or value > 1e12:
                break
            optimizer.step()
            path.append(point.params["xy"].copy())
        else:
            losses.append(point.forward())
    path = np.array(path[:len(losses)])
    return path, np.array(losses)
