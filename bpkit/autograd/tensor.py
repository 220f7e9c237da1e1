r"""A tensor autograd: Chapter 1's :class:`~bpkit.engine.Value`, with arrays in place of numbers.

A :class:`Tensor` holds a NumPy array (``data``), its gradient (``grad``, same shape, or
``None`` before any backward pass), the tensors it was computed from (``parents``) and a
``backward_fn`` that turns the gradient of the output into one gradient per parent: the
vector-Jacobian product of the operation. Each operation below defines its ``backward_fn``
right under its forward computation.

What changes from ``Value``:

- a node's gradient is an array of the node's shape, and each operation passes back
  :math:`\bar{x} = J^\top \bar{y}` without ever building the Jacobian :math:`J`;
- broadcasting: when the forward pass stretches an operand (``(N, K) + (K,)``), the backward
  pass sums the gradient over the stretched axes, back to the operand's shape (:func:`unbroadcast`).

What does not change: :meth:`Tensor.backward` visits the graph in reverse topological order
(found by an iterative depth-first search, so graphs of any depth fit Python's stack) and
adds each consumer's contribution to a parent's gradient: a tensor used twice receives the
sum over both uses.

The rule for calling ``backward`` twice is PyTorch's: gradients of leaves (tensors made by the
user with ``requires_grad=True``) accumulate over calls, and :meth:`Tensor.zero_grad` (or
``grad = None``) resets them; gradients of intermediate tensors are recomputed by each call.

>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([2., 4.])
"""

from __future__ import annotations

import contextlib
import numbers

import numpy as np

__all__ = ["Tensor", "no_grad", "enable_grad", "is_grad_enabled", "unbroadcast",
           "softmax_cross_entropy"]

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether new operations record the graph (False inside :func:`no_grad`)."""
    return _grad_enabled


@contextlib.contextmanager
def _grad_mode(enabled: bool):
    global _grad_enabled
    before, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = before


def no_grad():
    """Within this block operations compute values only: no parents kept, no graph built.

    For evaluation and for optimizer updates, where a graph would only cost memory.
    """
    return _grad_mode(False)


def enable_grad():
    """Within this block operations record the graph, even inside :func:`no_grad`.

    :func:`~bpkit.autograd.checkpoint` recomputes its segment under it, so that a backward
    pass started inside ``no_grad`` still finds a graph to go back through.
    """
    return _grad_mode(True)


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``.

    If the forward pass used an operand of shape ``(K,)`` as if it were ``(N, K)``, each of its
    entries fed N outputs, so its gradient is the sum of those N gradients (Chapter 1's sum
    over paths). Axes added on the left are summed away; axes of length 1 that were
    stretched are summed with ``keepdims``.
    """
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _as_array(value, dtype=None) -> np.ndarray:
    """An operand as a floating-point array; a Python number takes the other operand's dtype."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool) and dtype is not None:
        return np.asarray(value, dtype=dtype)
    array = np.asarray(value)
    if array.dtype.kind not in "fc":
        if array.dtype.kind not in "biu":
            raise TypeError(f"Tensor: expected numbers, got an array of dtype {array.dtype}")
        array = array.astype(np.float64)
    return array


class Tensor:
    """A node of a computational graph whose value is a NumPy array.

    Parameters
    ----------
    data : array-like
        The value; integers and booleans become float64, float32 stays float32.
    requires_grad : bool
        Whether :meth:`backward` should compute this tensor's gradient. A tensor computed
        from one that requires a gradient requires one too.
    label : str
        A name, shown by :func:`bpkit.autograd.draw_graph`.
    """

    __array_ufunc__ = None  # ``array * tensor``: NumPy hands over to Tensor's __rmul__

    def __init__(self, data, requires_grad: bool = False, label: str = ""):
        self.data = _as_array(data)
        self.requires_grad = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self.label = label
        self.parents: tuple[Tensor, ...] = ()
        self.backward_fn = None  # grad of the output -> tuple of grads, one per parent
        self.op = ""

    # ------------------------------------------------------------------ bookkeeping

    @classmethod
    def _result(cls, data, parents: tuple, op: str, backward_fn) -> Tensor:
        """The output of an operation; it keeps its parents only if a gradient is wanted."""
        out = cls(data)
        out.op = op
        if _grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad = True
            out.parents = parents
            out.backward_fn = backward_fn
        return out

    def _operand(self, other) -> Tensor:
        return other if isinstance(other, Tensor) else Tensor(_as_array(other, self.data.dtype))

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """Made by the user, not by an operation (its gradient accumulates over calls)."""
        return not self.parents

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        grad = "" if self.grad is None else ", grad"
        return f"Tensor({name}shape={self.shape}, dtype={self.dtype}{grad})"

    def zero_grad(self) -> None:
        """Forget this tensor's gradient (the next backward pass starts it from zero)."""
        self.grad = None

    def detach(self) -> Tensor:
        """The same value with no history: a leaf that requires no gradient."""
        return Tensor(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    # --------------------------------------------------------------- the backward pass

    def topological_order(self) -> list[Tensor]:
        """Every tensor this one depends on, each after all of its parents.

        An iterative depth-first search with an explicit stack: a node is appended once all
        of its parents have been, so the list ends with ``self``. Recursion would stop at
        Python's recursion limit (about 1,000 nested calls), long before a deep graph does.
        """
        order, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            for parent in node.parents:
                if id(parent) not in visited:
                    stack.append((parent, False))
        return order

    def backward(self, grad=None) -> None:
        r"""Fill in ``grad`` for every tensor this one depends on that requires a gradient.

        ``grad`` is :math:`\partial L/\partial\,\mathrm{self}`; it defaults to 1 for a
        one-element tensor (a loss). Nodes are visited from ``self`` back to the leaves, so
        each node's gradient is complete, summed over all of its consumers, before it is
        passed on to its parents.
        """
        if not self.requires_grad:
            raise RuntimeError("backward(): this tensor does not require a gradient (no "
                               "input with requires_grad=True, or it was computed under no_grad)")
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward(): the output has shape {self.shape}; give its "
                                 "gradient, backward(grad), or reduce it to one number first")
            grad = np.ones_like(self.data)
        grad = _as_array(grad, self.data.dtype)
        if grad.shape != self.shape:
            raise ValueError(f"backward(grad): grad has shape {grad.shape}, the tensor "
                             f"{self.shape}")
        order = self.topological_order()
        for node in order:  # intermediate gradients belong to one call; leaves accumulate
            if not node.is_leaf:
                node.grad = None
        self._accumulate(grad)
        for node in reversed(order):
            if node.is_leaf or node.grad is None:
                continue
            for parent, g in zip(node.parents, node.backward_fn(node.grad), strict=True):
                if g is not None and parent.requires_grad:
                    parent._accumulate(unbroadcast(g, parent.shape))

    def _accumulate(self, grad: np.ndarray) -> None:
        """``self.grad += grad``, written so that no two leaves ever share a gradient array.

        An operation may hand the same array to two parents (``a + b`` gives both ``g``), or a
        read-only view (``sum`` broadcasts ``g``): a leaf, whose gradient the user reads and
        may change in place (clipping, an optimizer), takes a copy of its own. Intermediate
        gradients, which only the engine reads, are kept as they come.
        """
        if self.grad is not None:
            self.grad = self.grad + grad
        else:
            self.grad = np.array(grad) if self.is_leaf else grad

    # ------------------------------------------------------------ elementwise arithmetic

    def __add__(self, other) -> Tensor:
        other = self._operand(other)

        def backward_fn(g):
            return g, g
        return Tensor._result(self.data + other.data, (self, other), "+", backward_fn)

    __radd__ = __add__

    def __neg__(self) -> Tensor:
        def backward_fn(g):
            return (-g,)
        return Tensor._result(-self.data, (self,), "neg", backward_fn)

    def __sub__(self, other) -> Tensor:
        other = self._operand(other)

        def backward_fn(g):
            return g, -g
        return Tensor._result(self.data - other.data, (self, other), "-", backward_fn)

    def __rsub__(self, other) -> Tensor:
        return self._operand(other) - self

    def __mul__(self, other) -> Tensor:
        other = self._operand(other)

        def backward_fn(g):
            return g * other.data, g * self.data
        return Tensor._result(self.data * other.data, (self, other), "*", backward_fn)

    __rmul__ = __mul__

    def __truediv__(self, other) -> Tensor:
        other = self._operand(other)
        if np.any(other.data == 0):
            raise ZeroDivisionError("Tensor division: the divisor has a zero entry")

        def backward_fn(g):  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
            return g / other.data, -g * self.data / other.data ** 2
        return Tensor._result(self.data / other.data, (self, other), "/", backward_fn)

    def __rtruediv__(self, other) -> Tensor:
        return self._operand(other) / self

    def __pow__(self, k) -> Tensor:
        if isinstance(k, Tensor) or not isinstance(k, numbers.Real) or isinstance(k, bool):
            raise TypeError(f"Tensor ** k: k must be a number, got {type(k).__name__}")
        if k != int(k) and np.any(self.data < 0):
            raise ValueError(f"Tensor ** {k}: a negative entry to a fractional power has no "
                             "real value")

        def backward_fn(g):  # d(x^k)/dx = k x^(k-1)
            return (g * k * self.data ** (k - 1),)
        return Tensor._result(self.data ** k, (self,), f"**{k:g}", backward_fn)

    # ----------------------------------------------------------------- matrix product

    def __matmul__(self, other) -> Tensor:
        r"""``A @ B`` for 2-D ``A (N, K)`` and ``B (K, M)``: :math:`\bar A = \bar Y B^\top`,
        :math:`\bar B = A^\top \bar Y`, each computed only if that operand needs it."""
        other = self._operand(other)
        if self.ndim != 2 or other.ndim != 2 or self.shape[1] != other.shape[0]:
            raise ValueError(f"Tensor @: expected (N, K) @ (K, M), got {self.shape} @ "
                             f"{other.shape}")

        def backward_fn(g):
            return (g @ other.data.T if self.requires_grad else None,
                    self.data.T @ g if other.requires_grad else None)
        return Tensor._result(self.data @ other.data, (self, other), "@", backward_fn)

    def __rmatmul__(self, other) -> Tensor:
        return self._operand(other) @ self

    # ---------------------------------------------------------------------- reductions

    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        """The sum over ``axis`` (all axes if None); each entry's gradient is the output's."""
        def backward_fn(g):
            if not keepdims and axis is not None:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape),)
        return Tensor._result(self.data.sum(axis=axis, keepdims=keepdims), (self,), "sum",
                              backward_fn)

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        """The mean over ``axis``: the sum divided by the number of entries averaged."""
        count = self.data.size if axis is None else np.prod(
            [self.shape[a] for a in np.atleast_1d(axis)])
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    # --------------------------------------------------------- elementwise functions

    def exp(self) -> Tensor:
        with np.errstate(over="ignore"):
            y = np.exp(self.data)

        def backward_fn(g):  # d e^x / dx = e^x, the output itself
            return (g * y,)
        return Tensor._result(y, (self,), "exp", backward_fn)

    def log(self) -> Tensor:
        if np.any(self.data <= 0):
            raise ValueError("Tensor.log: an entry is <= 0; the log has no real value there")

        def backward_fn(g):
            return (g / self.data,)
        return Tensor._result(np.log(self.data), (self,), "log", backward_fn)

    def tanh(self) -> Tensor:
        y = np.tanh(self.data)

        def backward_fn(g):  # tanh' = 1 - tanh^2
            return (g * (1 - y * y),)
        return Tensor._result(y, (self,), "tanh", backward_fn)

    def sigmoid(self) -> Tensor:
        with np.errstate(over="ignore"):
            y = 1 / (1 + np.exp(-self.data))

        def backward_fn(g):  # sigma' = sigma (1 - sigma)
            return (g * y * (1 - y),)
        return Tensor._result(y, (self,), "sigmoid", backward_fn)

    def relu(self) -> Tensor:
        positive = self.data > 0

        def backward_fn(g):  # 1 where x > 0, else 0 (0 at the kink, as bpkit.ReLU)
            return (g * positive,)
        return Tensor._result(self.data * positive, (self,), "relu", backward_fn)

    # ------------------------------------------------------------------ shape changes

    def reshape(self, *shape) -> Tensor:
        def backward_fn(g):
            return (g.reshape(self.shape),)
        return Tensor._result(self.data.reshape(*shape), (self,), "reshape", backward_fn)

    def transpose(self, *axes) -> Tensor:
        """Axes permuted (reversed if none given); the gradient is permuted back."""
        axes = axes or tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(axes))

        def backward_fn(g):
            return (g.transpose(inverse),)
        return Tensor._result(self.data.transpose(axes), (self,), "T", backward_fn)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __getitem__(self, index) -> Tensor:
        """Indexing and slicing; the gradient goes back to the entries that were picked.

        ``np.add.at`` adds rather than assigns, so an entry picked twice (``x[[0, 0]]``)
        receives both gradients: the sum over consumers again.
        """
        if isinstance(index, Tensor):
            index = index.data

        def backward_fn(g):
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)
            return (full,)
        return Tensor._result(self.data[index], (self,), "[]", backward_fn)


def softmax_cross_entropy(logits: Tensor, labels) -> Tensor:
    r"""The mean over N examples of :math:`-\log\mathrm{softmax}(z)_{t}`, fused as
    :class:`bpkit.SoftmaxCrossEntropy`: the backward pass is :math:`(\mathrm{softmax}(z) - t)/N`.

    ``logits`` has shape ``(N, K)``, ``labels`` holds N class indices in ``0..K-1``.
    """
    if not isinstance(logits, Tensor):
        logits = Tensor(logits)
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: logits must have shape (N, K), got "
                         f"{logits.shape}")
    n, k = logits.shape
    if labels.shape != (n,) or labels.dtype.kind not in "iu":
        raise ValueError(f"softmax_cross_entropy: labels must be {n} integers, got shape "
                         f"{labels.shape} and dtype {labels.dtype}")
    if n and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"softmax_cross_entropy: labels must lie in 0..{k - 1}, got "
                         f"{labels.min()}..{labels.max()}")
    z = logits.data
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    log_p = shifted - np.log(total)
    rows = np.arange(n)
    loss = -log_p[rows, labels].sum() / n

    def backward_fn(g):
        d = e / total
        d[rows, labels] -= 1
        return (d * (g / n),)
    return Tensor._result(np.asarray(loss, dtype=z.dtype), (logits,), "softmax-CE", backward_fn)
