"""Layers: each ``forward`` with its ``backward`` right below it.

Notation (the book's): a batch of N examples is a row per example. A layer maps its input
``x`` (shape ``(N, n_in)``) to its output; ``backward(dy)`` takes dL/dy (same shape as the
output) and returns dL/dx (same shape as the input). A layer with parameters keeps them in
``params`` and their gradients in ``grads``: two dicts with the same keys and shapes, where
``grads["W"]`` always means dL/dW for the batch of the last ``forward``. Each ``backward``
overwrites ``grads`` (it does not add to them): one layer object appears once in a model.

Checks: ``forward`` takes any array of real numbers (a list too) and refuses other types and
shapes with an error naming the layer; ``backward`` refuses a dL/dy of the wrong shape, or
one that comes before any ``forward``. Neither looks for NaN or inf, which costs a pass over
the data: calling the layer, ``layer(x)``, checks that too (a model checks its input once).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_batch, check_positive, float_input

__all__ = ["Layer", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity", "SiLU"]


class Layer:
    """Base class. Subclasses define ``forward(x)`` and ``backward(dy)``."""

    #: Points where the layer's derivative jumps (the gradient checker warns near them).
    kinks: tuple[float, ...] = ()

    def __init__(self, name: str | None = None):
        self.name = name
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``forward(x)``, after checking that ``x`` is a finite batch (a model checks its
        input once, then calls each layer's ``forward``)."""
        return self.forward(as_batch(x, self))

    def __repr__(self) -> str:
        label = f"{type(self).__name__}({self._args()})"
        return f"{label} '{self.name}'" if self.name else label

    def _args(self) -> str:
        return ""

    def _check_dy(self, dy) -> np.ndarray:
        """dy as an array of the shape of the last output; an error if there is none yet."""
        if self.x is None:
            raise RuntimeError(f"{self!r}: backward() called before forward(); backward "
                               "uses what forward kept")
        dy = as_array(dy, f"{self!r}.backward")
        if dy.shape != self._y_shape():
            raise ValueError(f"{self!r}.backward expected dL/dy of shape {self._y_shape()} "
                             f"(the shape of its output), got {dy.shape}")
        return dy

    def _y_shape(self) -> tuple:
        """The shape of the output of the last ``forward``: the input's, for an activation."""
        return self.x.shape


# --------------------------------------------------------------------------- Linear


class Linear(Layer):
    r"""Affine layer :math:`z = x W^\top + b`, row by row :math:`z_j = \sum_k W_{jk} x_k + b_j`.

    ``W[j, k]`` is the weight from input k to output j (the book's :math:`w_{jk}`), so
    ``W`` has shape ``(n_out, n_in)`` and ``b`` shape ``(n_out,)``.

    Shapes: x ``(N, n_in)`` -> z ``(N, n_out)``.

    Backward, for dz = dL/dz of shape ``(N, n_out)``:
    :math:`dW = dz^\top x` ``(n_out, n_in)``, :math:`db = \sum_n dz_n` ``(n_out,)``,
    :math:`dx = dz\, W` ``(N, n_in)``. The sums over the batch come from the
    matrix product; a loss that averages over the batch has already divided by N.

    Weights start from ``rng`` (a seeded ``np.random.Generator``; seed 0 if omitted):
    ``init="glorot"`` draws uniformly in :math:`\pm\sqrt{6/(n_{in}+n_{out})}` (for sigmoid
    and tanh), ``init="he"`` draws normally with std :math:`\sqrt{2/n_{in}}` (for ReLU).
    Biases start at zero.
    """

    def __init__(self, n_in: int, n_out: int, *, rng: np.random.Generator | None = None,
                 init: str = "glorot", dtype=np.float64, name: str | None = None):
        super().__init__(name)
        for what, n in (("n_in", n_in), ("n_out", n_out)):
            if not isinstance(n, (int, np.integer)) or n <= 0:
                raise ValueError(f"Linear: {what} must be a positive integer, got {n!r}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"Linear: dtype must be np.float32 or np.float64, got {self.dtype}")
        rng = np.random.default_rng(0) if rng is None else rng
        if init == "glorot":
            limit = np.sqrt(6.0 / (n_in + n_out))
            W = rng.uniform(-limit, limit, size=(n_out, n_in))
        elif init == "he":
            W = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
        else:
            raise ValueError(f"Linear: init must be 'glorot' or 'he', got {init!r}")
        # W is stored column by column (Fortran order), so that W.T, used by the forward
        # pass, is an ordinary row-major matrix: BLAS multiplies x @ W.T without a transpose.
        self.params = {"W": np.asfortranarray(W, dtype=self.dtype),
                       "b": np.zeros(n_out, dtype=self.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def _args(self) -> str:
        return f"{self.n_in}, {self.n_out}"

    @property
    def W(self) -> np.ndarray:
        return self.params["W"]

    @property
    def b(self) -> np.ndarray:
        return self.params["b"]

    def forward(self, x):
        x = as_batch(x, self, self.dtype, finite=False)  # finiteness: see Layer.__call__
        if x.ndim != 2 or x.shape[1] != self.n_in:
            one = (f"; one example is a row: x.reshape(1, {self.n_in})"
                   if x.shape == (self.n_in,) else "")
            raise ValueError(f"{self!r} expected input of shape (N, {self.n_in}), "
                             f"got shape {x.shape}{one}")
        self.x = x
        z = x @ self.W.T
        z += self.b
        return z

    def backward(self, dz, need_dx: bool = True):
        """Fill ``grads`` from dz = dL/dz and return dx = dL/dx.

        With ``need_dx=False`` (the first layer of a model, whose input is data, not
        something learned) dx is not computed and None is returned: that skips the
        largest matrix product of a typical backward pass.
        """
        dz = self._check_dy(dz)
        np.matmul(dz.T, self.x, out=self.grads["W"])
        dz.sum(axis=0, out=self.grads["b"])
        return dz @ self.W if need_dx else None

    def _y_shape(self) -> tuple:
        return (self.x.shape[0], self.n_out)


# ------------------------------------------------------------------- activations


class Sigmoid(Layer):
    r"""Logistic sigmoid :math:`a = \sigma(z) = 1 / (1 + e^{-z})`, elementwise.

    Backward: :math:`dz = da \cdot a (1 - a)`, from the output alone.
    Computed as :math:`\tfrac12 (1 + \tanh(z/2))`, which never overflows.
    Shapes: any; the output has the input's shape.
    """

    def forward(self, z):
        self.x = z = float_input(z, self)
        self.a = a = np.tanh(0.5 * z)
        a += 1.0
        a *= 0.5
        return a

    def backward(self, da):
        da = self._check_dy(da)
        return da * self.a * (1.0 - self.a)


class Tanh(Layer):
    r"""Hyperbolic tangent :math:`a = \tanh(z)`, elementwise.

    Backward: :math:`dz = da \cdot (1 - a^2)`. Shapes: any.
    """

    def forward(self, z):
        self.x = z = float_input(z, self)
        self.a = np.tanh(z)
        return self.a

    def backward(self, da):
        da = self._check_dy(da)
        return da * (1.0 - self.a * self.a)


class ReLU(Layer):
    r"""Rectified linear unit :math:`a = \max(z, 0)`, elementwise.

    Backward: :math:`dz = da \cdot [z > 0]` (the derivative at exactly 0 is taken as 0).
    Shapes: any.
    """

    kinks = (0.0,)

    def forward(self, z):
        self.x = z = float_input(z, self)
        return np.maximum(z, 0)

    def backward(self, da):
        da = self._check_dy(da)
        return da * (self.x > 0)


class LeakyReLU(Layer):
    r"""Leaky ReLU :math:`a = z` for :math:`z > 0`, else :math:`\alpha z`, elementwise.

    Backward: :math:`dz = da` where :math:`z > 0`, else :math:`\alpha\, da`. Shapes: any.
    """

    kinks = (0.0,)

    def __init__(self, slope: float = 0.01, name: str | None = None):
        super().__init__(name)
        self.slope = check_positive(slope, "LeakyReLU: slope")

    def _args(self) -> str:
        return f"slope={self.slope}"

    def forward(self, z):
        self.x = z = float_input(z, self)
        return np.where(z > 0, z, self.slope * z)

    def backward(self, da):
        da = self._check_dy(da)
        return np.where(self.x > 0, da, self.slope * da)


class Identity(Layer):
    r"""Identity :math:`a = z` (a linear output layer). Backward: :math:`dz = da`."""

    def forward(self, z):
        self.x = z = float_input(z, self)
        return z

    def backward(self, da):
        return self._check_dy(da)


class SiLU(Layer):
    r"""SiLU (swish) :math:`a = z\,\sigma(z)`, elementwise.

    ``z`` feeds two consumers (the factor ``z`` and the sigmoid), so its gradient is the
    sum of the two paths: :math:`dz = da\,(\sigma(z) + z\,\sigma(z)(1-\sigma(z)))`.
    Shapes: any.
    """

    def forward(self, z):
        self.x = z = float_input(z, self)
        self.s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return z * self.s

    def backward(self, da):
        da = self._check_dy(da)
        s = self.s
        return da * s + da * self.x * s * (1.0 - s)
