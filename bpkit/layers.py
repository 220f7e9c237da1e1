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

from ._checks import as_array, as_batch, check_positive, float_input, is_real_number

__all__ = ["Layer", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Identity", "SiLU",
           "BatchNorm", "LayerNorm", "Residual", "Dropout"]


class Layer:
    """Base class. Subclasses define ``forward(x)`` and ``backward(dy)``."""

    #: Points where the layer's derivative jumps (the gradient checker warns near them).
    kinks: tuple[float, ...] = ()

    #: Training mode (True) or evaluation mode (False): only layers that behave differently
    #: in the two, BatchNorm and Dropout, read it. ``model.train()`` and ``model.eval()`` set it.
    training: bool = True

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

    def train(self, mode: bool = True) -> Layer:
        """Training mode (``mode=True``) or evaluation mode (False); returns the layer."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"{self!r}.train expected True or False, got {mode!r}")
        self.training = bool(mode)
        return self

    def eval(self) -> Layer:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

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


# ------------------------------------------------------------------- normalisation


class _Normalize(Layer):
    r"""What batch and layer normalisation share: standardise along one axis, then scale
    and shift each feature with learned ``params["scale"]`` (:math:`\omega`) and
    ``params["shift"]`` (:math:`\xi`), both of shape ``(n,)``, starting at 1 and 0.

    With :math:`\hat z = (z - \mathrm{mean}\,z) / \sqrt{\mathrm{var}\,z + \epsilon}` along the
    axis (variance with divisor M, the number of values averaged), the output is
    :math:`y = \omega \odot \hat z + \xi`, and the backward pass, from
    :math:`d\hat z = dy \odot \omega`, is the compact form

    .. math:: dz = \frac{1}{M\sqrt{\mathrm{var}\,z + \epsilon}}
              \Big(M\, d\hat z - \textstyle\sum d\hat z - \hat z \sum (d\hat z \odot \hat z)\Big)

    with both sums along the axis. :math:`d\omega = \sum_n dy \odot \hat z`,
    :math:`d\xi = \sum_n dy` (sums over the batch).
    """

    axis = 0

    def __init__(self, n: int, *, eps: float = 1e-5, dtype=np.float64, name: str | None = None):
        super().__init__(name)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"{type(self).__name__}: n (the number of features) must be a "
                             f"positive integer, got {n!r}")
        self.n = int(n)
        self.eps = check_positive(eps, f"{type(self).__name__}: eps")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"{type(self).__name__}: dtype must be np.float32 or np.float64, "
                            f"got {self.dtype}")
        self.params = {"scale": np.ones(self.n, dtype=self.dtype),
                       "shift": np.zeros(self.n, dtype=self.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def _args(self) -> str:
        return f"{self.n}"

    def _input(self, z) -> np.ndarray:
        z = as_batch(z, self, self.dtype, finite=False)  # finiteness: see Layer.__call__
        if z.ndim != 2 or z.shape[1] != self.n:
            raise ValueError(f"{self!r} expected input of shape (N, {self.n}), got shape "
                             f"{z.shape}")
        return z

    def _standardise(self, z, mean, var):
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.z_hat = (z - mean) * self.inv_std
        return self.z_hat * self.params["scale"] + self.params["shift"]

    def _backward_params(self, dy):
        np.sum(dy * self.z_hat, axis=0, out=self.grads["scale"])
        np.sum(dy, axis=0, out=self.grads["shift"])
        return dy * self.params["scale"]  # d z_hat

    def _compact(self, dz_hat):
        """dz from d z_hat when the mean and variance came from z itself, along ``axis``."""
        m = self.z_hat.shape[self.axis]
        total = dz_hat.sum(axis=self.axis, keepdims=True)
        along = (dz_hat * self.z_hat).sum(axis=self.axis, keepdims=True)
        return (m * dz_hat - total - self.z_hat * along) * (self.inv_std / m)


class BatchNorm(_Normalize):
    r"""Batch normalisation: standardise each feature over the batch, then scale and shift.

    Training mode (``training`` True, the default; ``model.train()``): each column of z
    ``(N, n)`` is standardised with the batch's own mean and variance (divisor N), and
    the running statistics move towards them,
    ``running_mean <- decay * running_mean + (1 - decay) * mean`` (the same for
    ``running_var``). Needs N >= 2. The backward pass is the compact form of
    :class:`_Normalize` with sums over the batch: every example's gradient depends on the
    whole batch, because every example moved the mean and variance.

    Evaluation mode (``model.eval()``): z is standardised with the running statistics, which
    are constants, so the layer is an affine map of each feature:
    :math:`dz = dy \odot \omega / \sqrt{\mathrm{running\_var} + \epsilon}`.

    Shapes: z ``(N, n)`` -> y ``(N, n)``; ``params["scale"]``, ``params["shift"]``,
    ``running_mean``, ``running_var``: ``(n,)``.
    """

    axis = 0

    def __init__(self, n: int, *, decay: float = 0.9, eps: float = 1e-5, dtype=np.float64,
                 name: str | None = None):
        super().__init__(n, eps=eps, dtype=dtype, name=name)
        if not is_real_number(decay) or not 0 <= float(decay) < 1:
            raise ValueError(f"BatchNorm: decay must be a number in [0, 1), got {decay!r}")
        self.decay = float(decay)
        self.running_mean = np.zeros(self.n, dtype=self.dtype)
        self.running_var = np.ones(self.n, dtype=self.dtype)

    def forward(self, z):
        self.x = z = self._input(z)
        if not self.training:
            self._used_batch = False
            return self._standardise(z, self.running_mean, self.running_var)
        if z.shape[0] < 2:
            raise ValueError(f"{self!r} in training mode expected a batch of at least 2 "
                             f"examples (it standardises over the batch), got {z.shape[0]}; "
                             "call model.eval() to use the running statistics")
        self._used_batch = True
        mean, var = z.mean(axis=0), z.var(axis=0)
        self.running_mean *= self.decay
        self.running_mean += (1.0 - self.decay) * mean
        self.running_var *= self.decay
        self.running_var += (1.0 - self.decay) * var
        return self._standardise(z, mean, var)

    def backward(self, dy):
        dy = self._check_dy(dy)
        dz_hat = self._backward_params(dy)
        if not self._used_batch:  # evaluation: constant statistics
            return dz_hat * self.inv_std
        return self._compact(dz_hat)


class LayerNorm(_Normalize):
    r"""Layer normalisation: standardise each example (row) over its n features, then scale
    and shift each feature.

    Each example is standardised on its own, so training and evaluation compute the same
    thing and a batch of one is fine. The backward pass is the compact form of
    :class:`_Normalize` with the sums along the row (over the n features, M = n).

    Shapes: z ``(N, n)`` -> y ``(N, n)``; ``params["scale"]``, ``params["shift"]``: ``(n,)``.
    """

    axis = 1

    def forward(self, z):
        self.x = z = self._input(z)
        return self._standardise(z, z.mean(axis=1, keepdims=True), z.var(axis=1, keepdims=True))

    def backward(self, dy):
        dy = self._check_dy(dy)
        return self._compact(self._backward_params(dy))


# ------------------------------------------------------------------- residual


class Residual(Layer):
    r"""A residual connection around a branch R: :math:`y = x + R(x)`.

    ``inner`` is a layer or a :class:`bpkit.model.Sequential` whose output has the shape of
    its input. Backward: the input feeds two consumers, the skip and the branch, so
    :math:`dx = dy + dy\,\partial R/\partial x` (the Jacobian is :math:`I + \partial R/
    \partial x`): the gradient reaches x even where the branch's gradient is tiny.

    ``params`` and ``grads`` are the branch's own arrays, under its names.
    Shapes: x ``(N, n)`` -> y ``(N, n)``.
    """

    def __init__(self, inner, name: str | None = None):
        super().__init__(name)
        if not (hasattr(inner, "forward") and hasattr(inner, "backward")
                and hasattr(inner, "params") and hasattr(inner, "grads")):
            raise TypeError(f"Residual expected a bpkit layer or Sequential as its branch, "
                            f"got a {type(inner).__name__}")
        self.inner = inner
        self.params = dict(inner.params)  # the same arrays: updates reach the branch
        self.grads = dict(inner.grads)

    def _args(self) -> str:
        return repr(self.inner).replace("\n", " ")

    def train(self, mode: bool = True):
        super().train(mode)
        self.inner.train(mode)
        return self

    def forward(self, x):
        self.x = x = float_input(x, self)
        r = self.inner.forward(x)
        if r.shape != x.shape:
            raise ValueError(f"{self!r}: the branch must keep the shape of its input, "
                             f"expected {x.shape}, got {r.shape}")
        return x + r

    def backward(self, dy):
        dy = self._check_dy(dy)
        dx = self.inner.backward(dy)
        for k, g in self.inner.grads.items():  # a branch that replaced its arrays
            if self.grads[k] is not g:
                self.grads[k][...] = g
        return dy + dx


# ------------------------------------------------------------------- dropout


class Dropout(Layer):
    r"""Inverted dropout: in training, zero each value with probability :math:`r` (the rate,
    the argument ``p``) and scale the survivors by :math:`1/(1-r)`.

    Training mode (``model.train()``, the default): forward draws a mask :math:`\chi` of the
    input's shape, each entry 1 with probability :math:`1-r` and 0 with probability :math:`r`
    (``rng.random(shape) >= p``), and returns

    .. math:: a = \frac{z \odot \chi}{1 - r},

    so that :math:`\mathbb E[a] = z`: the next layer sees, on average, what it will see in
    evaluation. The mask is kept (``mask`` holds :math:`\chi/(1-r)`), and backward multiplies
    by it: :math:`dz = da \odot \chi / (1-r)` (the gradient flows only through the units that
    were kept). Evaluation mode (``model.eval()``): :math:`a = z` and :math:`dz = da`.
    Backward always uses what the last forward did, whatever the mode is by then.

    ``p`` must lie in [0, 1): ``p = 1`` would drop everything and divide by zero.
    The masks come from ``rng``, a seeded ``np.random.Generator`` (seed 0 if omitted); pass
    the generator that built the model's ``Linear`` layers, so one seed fixes the whole run.
    :meth:`fix_mask` fixes the mask (for a gradient check, whose finite differences need the
    same mask at every forward); ``fix_mask(None)`` draws again.

    Shapes: any; the output has the input's shape and dtype (float32 stays float32).
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | None = None,
                 name: str | None = None):
        super().__init__(name)
        if not is_real_number(p) or not np.isfinite(float(p)) or not 0 <= float(p) < 1:
            raise ValueError(f"Dropout: p (the probability of dropping a unit) must be a "
                             f"number in [0, 1), got {p!r}"
                             + ("; p = 1 would drop every unit" if is_real_number(p)
                                and float(p) == 1 else ""))
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError(f"Dropout: rng must be a np.random.Generator (e.g. "
                            f"np.random.default_rng(0)), got {type(rng).__name__}")
        self.p = float(p)
        self.rng = np.random.default_rng(0) if rng is None else rng
        self.mask: np.ndarray | None = None  # chi / (1 - r) of the last forward, or None
        self._fixed: np.ndarray | None = None

    def _args(self) -> str:
        return f"p={self.p:g}"

    @property
    def draws_each_forward(self) -> bool:
        """True when each forward draws a new mask (training mode, p > 0, no fixed mask):
        the gradient checker refuses such a layer."""
        return self.training and self.p > 0 and self._fixed is None

    def fix_mask(self, keep) -> Dropout:
        """Use ``keep`` (0/1 or booleans, the input's shape) as the mask of every forward in
        training mode, instead of drawing one; ``None`` goes back to drawing. Returns the layer."""
        if keep is None:
            self._fixed = None
            return self
        keep = as_array(keep, f"{self!r}.fix_mask")
        if keep.ndim == 0 or not np.isin(keep, (0, 1)).all():
            raise ValueError(f"{self!r}.fix_mask expected an array of 0s and 1s (1 = keep), "
                             f"got {keep!r}")
        self._fixed = keep.astype(bool)
        return self

    def forward(self, z):
        self.x = z = float_input(z, self)
        if not self.training or self.p == 0.0:
            self.mask = None
            return z
        if self._fixed is not None:
            if self._fixed.shape != z.shape:
                raise ValueError(f"{self!r}: the fixed mask has shape {self._fixed.shape}, "
                                 f"the input {z.shape}")
            keep = self._fixed
        else:
            keep = self.rng.random(z.shape) >= self.p
        self.mask = keep.astype(z.dtype)
        self.mask /= z.dtype.type(1.0 - self.p)
        return z * self.mask

    def backward(self, da):
        da = self._check_dy(da)
        return da if self.mask is None else da * self.mask
