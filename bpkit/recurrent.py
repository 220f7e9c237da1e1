r"""Recurrent layers over sequences (Chapter 10): forward through time, then backward through time.

A batch of sequences has shape ``(N, T, D)``: N sequences of T steps, D numbers per step. A
recurrent layer carries a hidden state :math:`h_t` (``(N, H)``) from step to step with the
same weights at every step, and returns every step's state, ``(N, T, H)``; the state before
the first step, :math:`h_0`, is zero unless given.

Backpropagation through time is Chapter 3's backward pass on the network unrolled over the
T steps: the gradient reaching :math:`h_t` comes from the output at step t and from step
t + 1, and each weight's gradient is the sum over the steps, since every step uses it.

``truncate=k`` cuts the sequence into chunks of k steps for the backward pass: the forward
pass still carries the state across chunks, but no gradient flows from one chunk into the
one before it (truncated backpropagation through time, as "detaching" the state every k
steps in PyTorch). ``truncate=None`` (the default) backpropagates through all T steps.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_array, as_batch
from .layers import Layer

__all__ = ["RNN", "LSTM", "LastStep", "orthogonal"]


def _positive_int(value, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {what} must be a positive integer, got {value!r}")
    return int(value)


def orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthogonal ``(n, n)`` matrix Q (:math:`Q^\\top Q = I`: every singular value
    is 1, so ``s * Q`` has all its singular values, the largest included, equal to s).

    The columns of a standard normal draw made orthonormal by modified Gram-Schmidt, left to
    right (``orthogonal`` in ``bpkit/widgets/js/port.js`` does the same operations in the
    same order)."""
    n = _positive_int(n, "n", "orthogonal")
    a = rng.standard_normal((n, n))
    q = np.zeros((n, n))
    for j in range(n):
        v = a[:, j].copy()
        for i in range(j):
            v = v - float(q[:, i] @ v) * q[:, i]
        q[:, j] = v / np.sqrt(float(v @ v))
    return q


class _Recurrent(Layer):
    """What RNN and LSTM share: the weights, the input checks and truncation."""

    gates = 1  # rows of weights per hidden unit: 1 for RNN, 4 for LSTM

    def __init__(self, n_in: int, n_hidden: int, *, truncate: int | None = None,
                 rng: np.random.Generator | None = None, dtype=np.float64,
                 name: str | None = None):
        super().__init__(name)
        where = type(self).__name__
        self.n_in = _positive_int(n_in, "n_in", where)
        self.n_hidden = _positive_int(n_hidden, "n_hidden", where)
        self.truncate = None if truncate is None else _positive_int(truncate, "truncate", where)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"{where}: dtype must be np.float32 or np.float64, got {self.dtype}")
        rng = np.random.default_rng(0) if rng is None else rng
        rows = self.gates * self.n_hidden
        limit = 1.0 / np.sqrt(self.n_hidden)  # PyTorch's default: uniform in +-1/sqrt(H)
        self.params = {"Wx": rng.uniform(-limit, limit, (rows, self.n_in)).astype(self.dtype),
                       "Wh": rng.uniform(-limit, limit, (rows, self.n_hidden)).astype(self.dtype),
                       "b": np.zeros(rows, dtype=self.dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def _args(self) -> str:
        return f"{self.n_in}, {self.n_hidden}" + (f", truncate={self.truncate}"
                                                  if self.truncate else "")

    def _sequences(self, x, h0, what: str = "h0") -> tuple[np.ndarray, np.ndarray]:
        x = as_batch(x, self, self.dtype, finite=False)
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise ValueError(f"{self!r} expected sequences of shape (N, T, {self.n_in}), got "
                             f"shape {x.shape}")
        if x.shape[1] == 0:
            raise ValueError(f"{self!r} got an empty sequence (T = 0): shape {x.shape}; a "
                             "sequence needs at least one step")
        n = x.shape[0]
        if h0 is None:
            return x, np.zeros((n, self.n_hidden), dtype=self.dtype)
        h0 = as_array(h0, f"{self!r} {what}").astype(self.dtype, copy=False)
        if h0.shape != (n, self.n_hidden):
            raise ValueError(f"{self!r} expected {what} of shape ({n}, {self.n_hidden}), got "
                             f"{h0.shape}")
        return x, h0

    def _cut(self, t: int) -> bool:
        """True where truncation stops the gradient: at the first step of a chunk."""
        return self.truncate is not None and t % self.truncate == 0

    def _y_shape(self) -> tuple:
        return (*self.x.shape[:2], self.n_hidden)

    def _accumulate(self, dz, x_t, h_prev) -> None:
        """Add one step's share to the weights' gradients: every step uses the same weights."""
        self.grads["Wx"] += dz.T @ x_t
        self.grads["Wh"] += dz.T @ h_prev
        self.grads["b"] += dz.sum(axis=0)

    def _zero_grads(self) -> None:
        for g in self.grads.values():
            g[...] = 0


class RNN(_Recurrent):
    r"""A vanilla (Elman) recurrent layer: :math:`h_t = \tanh(x_t W_x^\top + h_{t-1} W_h^\top + b)`.

    Shapes: x ``(N, T, D)`` -> h ``(N, T, H)``; ``Wx`` ``(H, D)``, ``Wh`` ``(H, H)``,
    ``b`` ``(H,)``. Weights start uniform in :math:`\pm 1/\sqrt{H}`, biases at zero.

    Backward through time, from dL/dh ``(N, T, H)``, for t = T, ..., 1:
    :math:`\delta h_t = \partial L/\partial h_t|_\text{output} + \delta z_{t+1} W_h` (the
    second term is cut at chunk starts when truncating), :math:`\delta z_t = \delta h_t
    \odot (1 - h_t^2)`, and the sums over steps :math:`dW_x = \sum_t \delta z_t^\top x_t`,
    :math:`dW_h = \sum_t \delta z_t^\top h_{t-1}`, :math:`db = \sum_t \sum_n \delta z_t`;
    :math:`dx_t = \delta z_t W_x`. After ``backward``, ``grad_h`` ``(N, T + 1, H)`` holds
    every :math:`\delta h_t` (index 0: the gradient reaching :math:`h_0`, also ``dh0``).
    """

    def forward(self, x, h0=None):
        """Every step's h ``(N, T, H)``, starting from ``h0`` (zero if None)."""
        x, h0 = self._sequences(x, h0)
        self.x = x
        n, steps, _ = x.shape
        self.h = np.empty((n, steps + 1, self.n_hidden), dtype=self.dtype)  # h[:, 0] is h_0
        self.h[:, 0] = h0
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        for t in range(steps):
            self.h[:, t + 1] = np.tanh(x[:, t] @ Wx.T + self.h[:, t] @ Wh.T + b)
        return self.h[:, 1:].copy()  # a copy: the next layer may change its input in place

    def backward(self, dh):
        dh = self._check_dy(dh)
        self._zero_grads()
        dx = np.empty_like(self.x, dtype=dh.dtype)
        self.grad_h = np.empty((dh.shape[0], dh.shape[1] + 1, self.n_hidden), dtype=dh.dtype)
        from_next = np.zeros((dh.shape[0], self.n_hidden), dtype=dh.dtype)  # via h_{t+1}
        for t in reversed(range(self.x.shape[1])):
            h_t, h_prev = self.h[:, t + 1], self.h[:, t]
            self.grad_h[:, t + 1] = dh[:, t] + from_next  # all of dL/dh_t
            dz = self.grad_h[:, t + 1] * (1.0 - h_t * h_t)
            self._accumulate(dz, self.x[:, t], h_prev)
            dx[:, t] = dz @ self.params["Wx"]
            from_next = dz @ self.params["Wh"]
            if self._cut(t):
                from_next = np.zeros_like(from_next)
        self.dh0 = self.grad_h[:, 0] = from_next  # dL/dh_0 (zero if the first chunk was cut)
        return dx


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # as bpkit.Sigmoid: never overflows


class LSTM(_Recurrent):
    r"""Long short-term memory: a cell state :math:`c_t` updated by addition, guarded by gates.

    With :math:`z_t = x_t W_x^\top + h_{t-1} W_h^\top + b` split into four blocks of H
    (in this order: input gate i, forget gate f, candidate g, output gate o),

    .. math:: i = \sigma(z^i),\ f = \sigma(z^f),\ g = \tanh(z^g),\ o = \sigma(z^o),\quad
              c_t = f \odot c_{t-1} + i \odot g,\quad h_t = o \odot \tanh(c_t).

    Shapes: x ``(N, T, D)`` -> h ``(N, T, H)``; ``Wx`` ``(4H, D)``, ``Wh`` ``(4H, H)``,
    ``b`` ``(4H,)``. Weights uniform in :math:`\pm 1/\sqrt{H}`; the forget gate's biases
    start at 1 (so the cell keeps its content at first), the others at 0. ``c_0`` is zero.

    Backward, per step: :math:`\delta c_t = \delta c_{t+1} \odot f_{t+1} + \delta h_t
    \odot o \odot (1 - \tanh^2 c_t)`: the cell's gradient passes back through a product with
    f only, the additive path. Then :math:`\delta i = \delta c \odot g`,
    :math:`\delta f = \delta c \odot c_{t-1}`, :math:`\delta g = \delta c \odot i`,
    :math:`\delta o = \delta h \odot \tanh c_t`, each times its nonlinearity's derivative,
    give :math:`\delta z_t`, and the weights' gradients sum over steps as in :class:`RNN`.
    After ``backward``, ``grad_h`` and ``grad_c`` ``(N, T + 1, H)`` hold every
    :math:`\delta h_t` and :math:`\delta c_t` (index 0: the gradients reaching the states'
    starting values).
    """

    gates = 4

    def __init__(self, n_in: int, n_hidden: int, **kwargs):
        super().__init__(n_in, n_hidden, **kwargs)
        self.params["b"][n_hidden:2 * n_hidden] = 1.0

    def forward(self, x, h0=None, c0=None):
        """Every step's h ``(N, T, H)``; the states start at ``h0`` and ``c0`` (zero if
        None), e.g. where a previous chunk of the same sequences left them (``h[:, -1]``,
        ``c[:, -1]``)."""
        x, h0 = self._sequences(x, h0)
        c0 = 0.0 if c0 is None else self._sequences(x, c0, "c0")[1]
        self.x = x
        n, steps, _ = x.shape
        H = self.n_hidden
        self.h = np.empty((n, steps + 1, H), dtype=self.dtype)
        self.c = np.empty((n, steps + 1, H), dtype=self.dtype)
        self.gate = np.empty((n, steps, 4 * H), dtype=self.dtype)  # i, f, g, o after σ/tanh
        self.h[:, 0], self.c[:, 0] = h0, c0
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        for t in range(steps):
            z = x[:, t] @ Wx.T + self.h[:, t] @ Wh.T + b
            i, f, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H]), _sigmoid(z[:, 3 * H:])
            g = np.tanh(z[:, 2 * H:3 * H])
            self.gate[:, t] = np.concatenate([i, f, g, o], axis=1)
            self.c[:, t + 1] = f * self.c[:, t] + i * g
            self.h[:, t + 1] = o * np.tanh(self.c[:, t + 1])
        return self.h[:, 1:].copy()

    def backward(self, dh):
        dh = self._check_dy(dh)
        self._zero_grads()
        H = self.n_hidden
        dx = np.empty_like(self.x, dtype=dh.dtype)
        h_next = np.zeros((dh.shape[0], H), dtype=dh.dtype)   # dL/dh_t via step t+1
        c_next = np.zeros((dh.shape[0], H), dtype=dh.dtype)   # dL/dc_t via step t+1
        self.grad_h = np.empty((dh.shape[0], dh.shape[1] + 1, H), dtype=dh.dtype)
        self.grad_c = np.empty_like(self.grad_h)
        for t in reversed(range(self.x.shape[1])):
            i, f, g, o = np.split(self.gate[:, t], 4, axis=1)
            tanh_c = np.tanh(self.c[:, t + 1])
            dh_t = self.grad_h[:, t + 1] = dh[:, t] + h_next
            dc = self.grad_c[:, t + 1] = c_next + dh_t * o * (1.0 - tanh_c * tanh_c)
            dz = np.concatenate([dc * g * i * (1.0 - i),              # input gate
                                 dc * self.c[:, t] * f * (1.0 - f),    # forget gate
                                 dc * i * (1.0 - g * g),               # candidate
                                 dh_t * tanh_c * o * (1.0 - o)],       # output gate
                                axis=1)
            self._accumulate(dz, self.x[:, t], self.h[:, t])
            dx[:, t] = dz @ self.params["Wx"]
            h_next = dz @ self.params["Wh"]
            c_next = dc * f
            if self._cut(t):
                h_next, c_next = np.zeros_like(h_next), np.zeros_like(c_next)
        self.dh0 = self.grad_h[:, 0] = h_next
        self.grad_c[:, 0] = c_next
        return dx


class LastStep(Layer):
    """``(N, T, H)`` -> ``(N, H)``: the last step's state, for a prediction from a whole
    sequence. Backward puts the gradient at the last step and zeros elsewhere."""

    def forward(self, h):
        self.x = h = as_batch(h, self, finite=False)
        if h.ndim != 3:
            raise ValueError(f"{self!r} expected states of shape (N, T, H), got shape {h.shape}")
        return h[:, -1]

    def backward(self, dy):
        dy = self._check_dy(dy)
        dh = np.zeros(self.x.shape, dtype=dy.dtype)
        dh[:, -1] = dy
        return dh

    def _y_shape(self) -> tuple:
        return (self.x.shape[0], self.x.shape[2])
