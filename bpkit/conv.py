r"""Convolution and pooling layers for images (Chapter 9), each backward right below its forward.

Images come in batches of shape ``(N, C, H, W)``: N examples, C channels, H rows, W columns.
A square kernel of size k slides over the input, padded with p zeros on each side, in steps of
s (the stride), so the output has

.. math:: H_{out} = (H + 2p - k) / s + 1

rows (and the same for columns). bpkit refuses a stride that does not fit exactly: a last
window that would hang over the edge is a sign of a shape mistake, not something to drop
silently.

Two implementations of the convolution sit here. :func:`conv2d_reference` and
:func:`conv2d_backward_reference` are plain loops that read like the equations; the book
teaches from them. :class:`Conv2D` computes the same numbers with one matrix product: it
copies every window into a column of a matrix (:func:`im2col`) and multiplies the kernel
matrix by it; its backward puts the columns back (:func:`col2im`). The tests check the two agree.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_batch
from .layers import Layer

__all__ = ["Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "output_size", "im2col", "col2im",
           "kernel_matrix", "conv2d_reference", "conv2d_backward_reference"]


def _positive_int(value, what: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def output_size(n: int, k: int, stride: int, padding: int, where: str = "output_size") -> int:
    """Rows (or columns) of the output: ``(n + 2 padding - k) / stride + 1``, if it fits.

    Refuses a kernel larger than the padded input, and a stride that leaves part of the
    padded input uncovered.
    """
    span = n + 2 * padding
    if k > span:
        raise ValueError(f"{where}: the kernel ({k}x{k}) is larger than the padded input "
                         f"({span}x{span} from {n} with padding {padding})")
    if (span - k) % stride:
        raise ValueError(f"{where}: stride {stride} does not fit: (n + 2p - k) = "
                         f"{span} - {k} = {span - k} is not a multiple of {stride}; choose "
                         "another stride or padding")
    return (span - k) // stride + 1


def _images(x, layer, dtype=None, channels: int | None = None) -> np.ndarray:
    """``x`` as a batch of images ``(N, C, H, W)``, with an error naming the layer if not."""
    x = as_batch(x, layer, dtype, finite=False)
    if x.ndim != 4:
        raise ValueError(f"{layer!r} expected images of shape (N, C, H, W), got shape "
                         f"{x.shape}" + ("; add a channel axis: x[:, None]" if x.ndim == 3
                                         else ""))
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{layer!r} expected {channels} input channel(s), got {x.shape[1]} "
                         f"(input shape {x.shape})")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return x


# ------------------------------------------------------------------ reference loops


def conv2d_reference(x, W, b, stride: int = 1, padding: int = 0) -> np.ndarray:
    r"""The convolution as the book writes it, with loops:

    .. math:: y_{n,o,i,j} = b_o + \sum_{c}\sum_{u}\sum_{v} W_{o,c,u,v}\,
              x^{pad}_{n,c,\,s i + u,\,s j + v}

    x ``(N, C, H, W)``, W ``(O, C, k, k)``, b ``(O,)`` -> y ``(N, O, H_out, W_out)``.
    (Deep-learning libraries call this a convolution; mathematicians would say
    cross-correlation, since the kernel is not flipped.)
    """
    n_img, n_in, h, w = x.shape
    n_out, _, k, _ = W.shape
    ho = output_size(h, k, stride, padding, "conv2d_reference")
    wo = output_size(w, k, stride, padding, "conv2d_reference")
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    y = np.zeros((n_img, n_out, ho, wo), dtype=x.dtype)
    for n in range(n_img):
        for o in range(n_out):
            for i in range(ho):
                for j in range(wo):
                    total = b[o]
                    for c in range(n_in):
                        for u in range(k):
                            for v in range(k):
                                total += W[o, c, u, v] * xp[n, c, stride * i + u, stride * j + v]
                    y[n, o, i, j] = total
    return y


def conv2d_backward_reference(x, W, dy, stride: int = 1, padding: int = 0):
    r"""dx, dW, db for :func:`conv2d_reference`, with loops.

    Each weight is used at every output position, so its gradient is the sum over positions
    (weight sharing): :math:`dW_{o,c,u,v} = \sum_{n,i,j} dy_{n,o,i,j}\, x^{pad}_{n,c,si+u,sj+v}`
    and :math:`db_o = \sum_{n,i,j} dy_{n,o,i,j}`. Each input pixel feeds every window that
    covers it, so its gradient sums over those windows:
    :math:`dx^{pad}_{n,c,si+u,sj+v} \mathrel{+}= dy_{n,o,i,j}\,W_{o,c,u,v}`; for stride 1 that
    is a "full" convolution of dy with the flipped kernel.
    """
    n_img, n_in, h, w = x.shape
    n_out, _, k, _ = W.shape
    ho, wo = dy.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxp, dW, db = np.zeros_like(xp), np.zeros_like(W), np.zeros(n_out, dtype=dy.dtype)
    for n in range(n_img):
        for o in range(n_out):
            for i in range(ho):
                for j in range(wo):
                    g = dy[n, o, i, j]
                    db[o] += g
                    for c in range(n_in):
                        for u in range(k):
                            for v in range(k):
                                dW[o, c, u, v] += g * xp[n, c, stride * i + u, stride * j + v]
                                dxp[n, c, stride * i + u, stride * j + v] += g * W[o, c, u, v]
    return dxp[:, :, padding:padding + h, padding:padding + w], dW, db


# ------------------------------------------------------------- im2col and col2im


def im2col(x, k: int, stride: int, padding: int) -> np.ndarray:
    """Every k x k window of the padded ``x`` as one column: shape ``(N, C k k, H_out W_out)``.

    Image n gets a matrix whose column ``i W_out + j`` holds the window whose output is
    ``y[n, :, i, j]``, channel by channel and, within a channel, row by row: the order of
    ``W.reshape(O, -1)[o]`` (:func:`kernel_matrix`). So image n's convolution is the matrix
    product ``kernel_matrix(W) @ cols[n]``, already in the (C_out, H_out W_out) order of the
    output. One strided copy per kernel offset (u, v), each over the whole batch.
    """
    n_img, n_in, h, w = x.shape
    ho, wo = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    xp = np.zeros((n_img, n_in, h + 2 * padding, w + 2 * padding), dtype=x.dtype)
    xp[:, :, padding:padding + h, padding:padding + w] = x
    cols = np.empty((n_img, n_in, k, k, ho, wo), dtype=x.dtype)
    for u in range(k):
        for v in range(k):
            cols[:, :, u, v] = xp[:, :, u:u + stride * ho:stride, v:v + stride * wo:stride]
    return cols.reshape(n_img, n_in * k * k, ho * wo)


def col2im(cols, x_shape, k: int, stride: int, padding: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: add each column back onto the window it came from.

    Where windows overlap, a pixel receives the sum of its columns' entries. One strided
    addition per kernel offset (u, v), each over the whole batch; the result has the shape
    ``(N, C, H, W)`` of the input of :func:`im2col`.
    """
    n_img, n_in, h, w = x_shape
    ho, wo = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    cols = cols.reshape(n_img, n_in, k, k, ho, wo)
    xp = np.zeros((n_img, n_in, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    for u in range(k):
        for v in range(k):
            xp[:, :, u:u + stride * ho:stride, v:v + stride * wo:stride] += cols[:, :, u, v]
    return np.ascontiguousarray(xp[:, :, padding:padding + h, padding:padding + w])


def kernel_matrix(W) -> np.ndarray:
    """The kernels ``(O, C, k, k)`` as rows ``(O, C k k)``, in the row order of im2col."""
    return W.reshape(W.shape[0], -1)


# --------------------------------------------------------------------------- Conv2D


class Conv2D(Layer):
    r"""2-D convolution: :math:`y_{n,o} = b_o + \sum_c W_{o,c} \star x_{n,c}`, as in
    :func:`conv2d_reference`, computed image by image as ``kernel_matrix(W) @ im2col(x)[n]``.

    Shapes: x ``(N, C_in, H, W)`` -> y ``(N, C_out, H_out, W_out)``; ``W`` is
    ``(C_out, C_in, k, k)``, ``b`` is ``(C_out,)``.

    Backward, with dy reshaped to matrices ``(N, C_out, H_out W_out)`` like the output:
    dW = the sum over images of dy[n] im2col(x)[n]^T (the sum over positions), db = the sum
    of dy over N, H_out and W_out, and dx = col2im(kernel_matrix(W)^T dy[n]) for every n.

    Weights start with He's scale for ReLU, std :math:`\sqrt{2 / (C_{in} k^2)}` (the fan-in
    is every input a unit sees: :math:`C_{in} k^2`), drawn from ``rng``; biases at zero.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *,
                 stride: int = 1, padding: int = 0, rng: np.random.Generator | None = None,
                 dtype=np.float64, name: str | None = None):
        super().__init__(name)
        self.in_channels = _positive_int(in_channels, "in_channels", "Conv2D")
        self.out_channels = _positive_int(out_channels, "out_channels", "Conv2D")
        self.k = _positive_int(kernel_size, "kernel_size", "Conv2D")
        self.stride = _positive_int(stride, "stride", "Conv2D")
        self.padding = _positive_int(padding, "padding", "Conv2D", minimum=0)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise TypeError(f"Conv2D: dtype must be np.float32 or np.float64, got {self.dtype}")
        rng = np.random.default_rng(0) if rng is None else rng
        fan_in = self.in_channels * self.k * self.k
        W = rng.standard_normal((self.out_channels, self.in_channels, self.k, self.k))
        self.params = {"W": (W * np.sqrt(2.0 / fan_in)).astype(self.dtype),
                       "b": np.zeros(self.out_channels, dtype=self.dtype)}
        self.grads = {key: np.zeros_like(v) for key, v in self.params.items()}

    def _args(self) -> str:
        extra = "".join(f", {key}={getattr(self, key)}" for key, default in
                        (("stride", 1), ("padding", 0)) if getattr(self, key) != default)
        return f"{self.in_channels}, {self.out_channels}, {self.k}{extra}"

    def forward(self, x):
        x = _images(x, self, self.dtype, self.in_channels)
        n_img, _, h, w = x.shape
        ho = output_size(h, self.k, self.stride, self.padding, repr(self))
        wo = output_size(w, self.k, self.stride, self.padding, repr(self))
        self.x = x
        self.cols = im2col(x, self.k, self.stride, self.padding)   # (N, C_in k k, Ho Wo)
        y = kernel_matrix(self.params["W"]) @ self.cols           # (N, C_out, Ho Wo)
        y += self.params["b"][:, None]
        return y.reshape(n_img, self.out_channels, ho, wo)

    def backward(self, dy, need_dx: bool = True):
        """Fill ``grads`` from dy = dL/dy and return dx (None with ``need_dx=False``: the
        first layer of a model, whose input is data, skips the col2im)."""
        dy = self._check_dy(dy)
        dy_mat = dy.reshape(dy.shape[0], self.out_channels, -1)  # (N, C_out, Ho Wo)
        # dW = sum over images n of dy[n] cols[n]^T; computed transposed, as cols[n] dy[n]^T
        # with dy[n]^T copied to rows first, which OpenBLAS multiplies about twice as fast
        dy_rows = np.ascontiguousarray(dy_mat.transpose(0, 2, 1))  # (N, Ho Wo, C_out)
        dW_mat = (self.cols @ dy_rows).sum(axis=0).T              # (C_out, C_in k k)
        self.grads["W"][...] = dW_mat.reshape(self.params["W"].shape)
        self.grads["b"][...] = dy_mat.sum(axis=(0, 2))
        if not need_dx:
            return None
        dcols = kernel_matrix(self.params["W"]).T @ dy_mat          # (N, C_in k k, Ho Wo)
        return col2im(dcols, self.x.shape, self.k, self.stride, self.padding)

    def _y_shape(self) -> tuple:
        n_img, _, h, w = self.x.shape
        return (n_img, self.out_channels, (h + 2 * self.padding - self.k) // self.stride + 1,
                (w + 2 * self.padding - self.k) // self.stride + 1)


# -------------------------------------------------------------------------- pooling


class _Pool2D(Layer):
    """Shared by the pooling layers: a k x k window moved in steps of ``stride`` (default k).

    Both layers loop over the k*k offsets (u, v) of a window, as :func:`col2im` does: the
    entries at offset (u, v) of every window form the strided slice
    ``x[:, :, u::stride, v::stride]`` (cut to H_out x W_out), one array operation each.
    """

    def __init__(self, size: int = 2, stride: int | None = None, name: str | None = None):
        super().__init__(name)
        where = type(self).__name__
        self.k = _positive_int(size, "size", where)
        self.stride = self.k if stride is None else _positive_int(stride, "stride", where)

    def _args(self) -> str:
        return f"{self.k}" + (f", stride={self.stride}" if self.stride != self.k else "")

    def _offsets(self, x_shape):
        """Yield ``(u, v, index)`` for each offset in a window, with the slice it picks."""
        h, w = x_shape[2:]
        ho = output_size(h, self.k, self.stride, 0, repr(self))
        wo = output_size(w, self.k, self.stride, 0, repr(self))
        s = self.stride
        for u in range(self.k):
            for v in range(self.k):
                yield u * self.k + v, (slice(None), slice(None), slice(u, u + s * ho, s),
                                       slice(v, v + s * wo, s))

    def _y_shape(self) -> tuple:
        n_img, n_ch, h, w = self.x.shape
        return (n_img, n_ch, (h - self.k) // self.stride + 1, (w - self.k) // self.stride + 1)


class MaxPool2D(_Pool2D):
    r"""Max-pooling: each output is the largest entry of its k x k window, channel by channel.

    Backward routes each output's gradient to the entry that won its window; the other
    entries get 0. On a tie the first winner (in row-major order in the window) takes it
    all, a valid subgradient, as in PyTorch. Where windows overlap (stride < k), a pixel
    that wins several windows receives the sum. Shapes: ``(N, C, H, W)`` ->
    ``(N, C, H_out, W_out)``.
    """

    def forward(self, x):
        self.x = x = _images(x, self)
        offsets = list(self._offsets(x.shape))
        y = x[offsets[0][1]].copy()
        for _, window in offsets[1:]:
            np.maximum(y, x[window], out=y)
        self.y = y
        return y

    def backward(self, dy):
        dy = self._check_dy(dy)
        dx = np.zeros_like(self.x, dtype=dy.dtype)
        unclaimed = np.ones(dy.shape, dtype=bool)  # windows whose winner is not found yet
        for _, window in self._offsets(self.x.shape):  # offsets in row-major order
            wins = (self.x[window] == self.y) & unclaimed  # the first entry equal to the max
            if self.stride >= self.k:  # windows apart: each pixel is in one window at most
                np.multiply(dy, wins, out=dx[window])  # (writing in place: twice as fast)
            else:                      # overlapping: a pixel sums what it won in each window
                dx[window] += dy * wins
            unclaimed &= ~wins
        if self.stride >= self.k:
            dx += 0.0  # a negative dy times False is -0.0; adding 0 makes it 0 (printed "0.")
        return dx


class AvgPool2D(_Pool2D):
    r"""Average pooling: each output is the mean of its k x k window.

    Backward spreads each output's gradient evenly: every entry of the window gets
    :math:`dy / k^2`. Shapes as :class:`MaxPool2D`.
    """

    def forward(self, x):
        self.x = x = _images(x, self)
        offsets = list(self._offsets(x.shape))
        y = x[offsets[0][1]].copy()
        for _, window in offsets[1:]:
            y += x[window]
        return y / (self.k * self.k)

    def backward(self, dy):
        dy = self._check_dy(dy)
        share = dy / (self.k * self.k)
        dx = np.zeros_like(self.x, dtype=dy.dtype)
        for _, window in self._offsets(self.x.shape):
            dx[window] += share
        return dx


class Flatten(Layer):
    """``(N, C, H, W)`` (or any ``(N, ...)``) -> ``(N, C H W)``, for a Linear layer after
    convolutions. Backward reshapes the gradient back."""

    def forward(self, x):
        self.x = x = as_batch(x, self, finite=False)
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        dy = self._check_dy(dy)
        return dy.reshape(self.x.shape)

    def _y_shape(self) -> tuple:
        return (self.x.shape[0], int(np.prod(self.x.shape[1:])))
