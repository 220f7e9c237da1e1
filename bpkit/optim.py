r"""Optimizers: update a model's parameters in place from its gradients.

An optimizer takes a model once (anything with ``params`` and ``grads``, two dicts with the
same keys and shapes) and each ``step()`` changes every ``params[k]`` in place from
``grads[k]``. What an optimizer remembers between steps (a velocity, moment estimates) is
kept per parameter, in dicts keyed like ``model.params``, with each array of its
parameter's shape and dtype: float32 parameters stay float32.

Notation: :math:`\theta` a parameter array, :math:`g = \partial L/\partial\theta` its
gradient at step :math:`k = 1, 2, \dots` (the attribute ``t`` of an optimizer counts the
steps taken; the book writes :math:`k`, keeping :math:`t` for the target), :math:`\eta` the
learning rate ``lr``. Squares, square roots and divisions act elementwise.

Weight decay: every optimizer takes ``weight_decay`` (:math:`\lambda`, default 0). In
:class:`SGD`, :class:`RMSProp` and :class:`Adam` it is the gradient of the L2 penalty
:math:`\frac{\lambda}{2}\lVert\theta\rVert^2` added to the loss, so each step uses
:math:`g + \lambda\theta` in place of :math:`g` (coupled: the decay then passes through
momentum and Adam's division). :class:`AdamW` applies it apart from the gradient
(decoupled): :math:`\theta \leftarrow \theta - \eta\lambda\theta` before Adam's step.
Every parameter decays, biases too (as in PyTorch's optimizers by default).

Learning-rate schedules (:class:`StepSchedule`, :class:`CosineSchedule`) are :func:`bpkit.train.fit`
callbacks that set the optimizer's ``lr`` before each epoch.
"""

from __future__ import annotations

import numpy as np

from ._checks import FLOATS, check_finite, check_positive, is_real_number

__all__ = ["Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "clip_grad_norm", "StepSchedule",
           "CosineSchedule"]


def check_fraction(value, what: str, allow_zero: bool = True) -> float:
    """Return ``value`` as a float in [0, 1) (or (0, 1)), else raise a clear error."""
    if not is_real_number(value):
        raise TypeError(f"{what} must be a number in [0, 1), got {value!r}")
    v = float(value)
    low_ok = v >= 0 if allow_zero else v > 0
    if not (np.isfinite(v) and low_ok and v < 1):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{what} must be in {interval}, got {value!r}")
    return v


class Optimizer:
    r"""Base class. Holds the model (anything with ``params`` and ``grads`` dicts).

    ``weight_decay`` (:math:`\lambda \ge 0`): with ``_coupled`` True (every optimizer but
    :class:`AdamW`), each step uses the gradient :math:`g + \lambda\theta` of the loss plus
    :math:`\frac{\lambda}{2}\lVert\theta\rVert^2`; ``model.grads`` itself is not changed.

    ``t`` counts the steps taken (the step counter :math:`k` of the book); ``state`` maps
    each parameter name to a dict of the arrays the optimizer keeps for it (empty for plain
    gradient descent).

    Each parameter must be a float32 or float64 NumPy array (it is updated in place), and
    each step refuses, before changing anything, a gradient that is missing, of another
    shape than its parameter, or holding NaN or inf.
    """

    def __init__(self, model, lr: float, weight_decay: float = 0.0):
        name = type(self).__name__
        for attr in ("params", "grads"):
            if not hasattr(model, attr):
                raise TypeError(f"{name} needs a model with .params and .grads, got a "
                                f"{type(model).__name__}")
        for k, p in model.params.items():
            if not isinstance(p, np.ndarray) or p.dtype not in FLOATS:
                what = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
                raise TypeError(f"{name}: parameter {k!r} must be a NumPy array of float32 "
                                f"or float64 (it is updated in place), got {what}")
        self.model = model
        self.lr = check_positive(lr, f"{type(self).__name__}: the learning rate lr")
        self.weight_decay = check_non_negative(weight_decay, f"{name}: weight_decay")
        self.t = 0
        self.state: dict[str, dict[str, np.ndarray]] = {k: {} for k in model.params}

    def _buffer(self, name: str, key: str, p: np.ndarray) -> np.ndarray:
        """The array ``key`` kept for parameter ``name``: zeros like ``p`` at first."""
        slot = self.state.setdefault(name, {})
        if key not in slot:
            slot[key] = np.zeros_like(p)
        return slot[key]

    def _pairs(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Every ``(name, param, grad)``, once each gradient is checked against its parameter."""
        params, grads, name = self.model.params, self.model.grads, type(self).__name__
        pairs = []
        for k, p in params.items():
            if k not in grads:
                raise KeyError(f"{name}: parameter {k!r} has no gradient; "
                               f"grads has {sorted(grads)}")
            g = grads[k]
            if not isinstance(g, np.ndarray) or not (g.dtype.kind in "biu" or g.dtype in FLOATS):
                what = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
                raise TypeError(f"{name}: the gradient of {k!r} must be a NumPy array of real "
                                f"numbers (integers, float32 or float64), got {what}")
            if g.shape != p.shape:
                raise ValueError(f"{name}: the gradient of {k!r} must have the shape of its "
                                 f"parameter, {p.shape}, got {g.shape}")
            check_finite(g, f"{name}: the gradient of {k!r}", "no parameter was changed; in "
                         "training this means the backward pass overflowed: try a smaller "
                         "learning rate")
            if self.weight_decay and self._coupled:  # the gradient of (lambda/2) |theta|^2
                g = g + self.weight_decay * p
            pairs.append((k, p, g))
        return pairs

    def step(self) -> None:
        """Update every parameter in place from its gradient."""
        pairs = self._pairs()  # all checked before any parameter changes
        self.t += 1
        for k, p, g in pairs:
            self.update(k, p, g)

    #: Weight decay added to the gradient (True) or applied apart from it (AdamW).
    _coupled = True

    def update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the state (velocities, moments) and the step count."""
        self.t = 0
        self.state = {k: {} for k in self.state}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._args()})"

    def _args(self) -> str:
        return f"lr={self.lr:g}"

    def _decay(self) -> str:
        return f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""


def check_non_negative(value, what: str) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, else raise a clear error."""
    if not is_real_number(value):
        raise TypeError(f"{what} must be a number >= 0, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return v


class SGD(Optimizer):
    r"""Gradient descent, with optional momentum and Nesterov momentum.

    Plain (``momentum=0``, the default):

    .. math:: \theta \leftarrow \theta - \eta\, g

    With momentum :math:`\mu` (``momentum``, in [0, 1)), a velocity :math:`v` per parameter,
    starting at zero, accumulates the gradients with decay :math:`\mu`:

    .. math:: v \leftarrow \mu v + g, \qquad \theta \leftarrow \theta - \eta\, v

    Nesterov (``nesterov=True``) steps with the gradient plus the *next* velocity term,
    a look-ahead:

    .. math:: v \leftarrow \mu v + g, \qquad \theta \leftarrow \theta - \eta\,(g + \mu v)

    (This is the convention of PyTorch's ``SGD``; with a constant gradient the velocity
    tends to :math:`g / (1 - \mu)`, so the step tends to :math:`\eta g / (1 - \mu)`.)
    State: ``state[name]["velocity"]``. Updates in place.
    """

    def __init__(self, model, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(model, lr, weight_decay)
        self.momentum = check_fraction(momentum, "SGD: momentum")
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum in (0, 1), got momentum=0")
        self.nesterov = bool(nesterov)

    def step(self) -> None:
        if self.momentum:
            return super().step()
        for _, p, g in self._pairs():  # plain gradient descent: one in-place update, no state
            p -= self.lr * g
        self.t += 1

    def update(self, name, p, g):
        v = self._buffer(name, "velocity", p)
        v *= self.momentum
        v += g
        if self.nesterov:
            p -= self.lr * (g + self.momentum * v)
        else:
            p -= self.lr * v

    def _args(self) -> str:
        extra = f", momentum={self.momentum:g}" if self.momentum else ""
        return (f"lr={self.lr:g}{extra}" + (", nesterov=True" if self.nesterov else "")
                + self._decay())


class RMSProp(Optimizer):
    r"""RMSProp: divide each step by a running root mean square of the gradient.

    A second-moment estimate :math:`s` per parameter, starting at zero, with decay
    :math:`\rho` (``rho``, in (0, 1)):

    .. math:: s \leftarrow \rho\, s + (1 - \rho)\, g^2, \qquad
              \theta \leftarrow \theta - \eta\, \frac{g}{\sqrt{s} + \epsilon}

    Each element gets its own step size :math:`\eta / (\sqrt{s} + \epsilon)`: large where
    gradients have been small, small where they have been large. ``eps`` (:math:`\epsilon`)
    only guards the division. Unlike Adam, no bias correction: :math:`s` starts at zero, so
    under a constant gradient the :math:`k`-th step is :math:`\eta/\sqrt{1 - \rho^k}` (about
    :math:`3.16\,\eta` at the first step for :math:`\rho = 0.9`), tending to :math:`\eta`.
    State: ``state[name]["square_avg"]``. Updates in place.
    """

    def __init__(self, model, lr: float = 0.01, rho: float = 0.9, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(model, lr, weight_decay)
        self.rho = check_fraction(rho, "RMSProp: rho", allow_zero=False)
        self.eps = check_positive(eps, "RMSProp: eps")

    def update(self, name, p, g):
        s = self._buffer(name, "square_avg", p)
        s *= self.rho
        s += (1.0 - self.rho) * g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)

    def _args(self) -> str:
        return f"lr={self.lr:g}, rho={self.rho:g}, eps={self.eps:g}" + self._decay()


class Adam(Optimizer):
    r"""Adam: momentum on the gradient, RMSProp on the step size, both bias-corrected.

    First and second moment estimates :math:`m, s` per parameter, starting at zero, with
    decays :math:`\beta_1` (``beta1``) and :math:`\beta_2` (``beta2``), both in [0, 1):

    .. math::
        m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
        s \leftarrow \beta_2 s + (1 - \beta_2)\, g^2,

    .. math::
        \hat m = \frac{m}{1 - \beta_1^k}, \qquad \hat s = \frac{s}{1 - \beta_2^k}, \qquad
        \theta \leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat s} + \epsilon}

    Starting at zero biases :math:`m` and :math:`s` towards zero in the first steps; the
    divisions by :math:`1 - \beta^k` undo that bias exactly for a constant gradient
    (:math:`k` is the step count ``self.t``, 1 at the first step). State: ``state[name]["m"]``
    for :math:`m` and ``state[name]["s"]`` for :math:`s`. Updates in place.
    """

    def __init__(self, model, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(model, lr, weight_decay)
        name = type(self).__name__
        self.beta1 = check_fraction(beta1, f"{name}: beta1")
        self.beta2 = check_fraction(beta2, f"{name}: beta2")
        self.eps = check_positive(eps, f"{name}: eps")

    def update(self, name, p, g):
        m = self._buffer(name, "m", p)
        s = self._buffer(name, "s", p)
        m *= self.beta1
        m += (1.0 - self.beta1) * g
        s *= self.beta2
        s += (1.0 - self.beta2) * g * g
        m_hat = m / (1.0 - self.beta1 ** self.t)
        s_hat = s / (1.0 - self.beta2 ** self.t)
        p -= self.lr * m_hat / (np.sqrt(s_hat) + self.eps)

    def _args(self) -> str:
        return (f"lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g}, eps={self.eps:g}"
                + self._decay())


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter): the decay is not part of
    the gradient.

    Each step first shrinks every parameter, then takes Adam's step from the gradient of the
    loss alone:

    .. math:: \theta \leftarrow \theta - \eta\lambda\,\theta, \qquad
              \theta \leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat s} + \epsilon}

    With the decay inside the gradient (``Adam(weight_decay=...)``), :math:`\lambda\theta` is
    divided by :math:`\sqrt{\hat s}` like the rest, so parameters with large gradients are
    hardly decayed and those with small ones are decayed hard; here every parameter shrinks
    by the same factor :math:`1 - \eta\lambda` per step. ``weight_decay`` defaults to 0.01
    (PyTorch's default). State as in :class:`Adam`. Updates in place.
    """

    _coupled = False

    def __init__(self, model, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01):
        super().__init__(model, lr, beta1, beta2, eps, weight_decay)

    def update(self, name, p, g):
        if self.weight_decay:
            p *= p.dtype.type(1.0 - self.lr * self.weight_decay)
        super().update(name, p, g)


# ------------------------------------------------------------------ learning-rate schedules


class _Schedule:
    r"""A :func:`bpkit.train.fit` callback that sets ``optimizer.lr`` to :meth:`lr_at` (epoch).

    ``fit`` calls it after epoch 0 (before training) and after every epoch e, so the
    epochs 1, 2, ... train with ``lr_at(0)``, ``lr_at(1)``, ...: ``lr_at(e)`` is the rate
    after e epochs. The starting rate :math:`\eta_0` is the optimizer's ``lr`` when the
    schedule is made. It never stops the run (it returns False).
    """

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} expected a bpkit optimizer (SGD, Adam, ...), "
                            f"got a {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.lr0 = optimizer.lr

    def lr_at(self, epoch: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _epoch(self, epoch) -> int:
        if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"{type(self).__name__}.lr_at expected an epoch count (an integer "
                             f">= 0), got {epoch!r}")
        return int(epoch)

    def __call__(self, history, model) -> bool:
        self.optimizer.lr = self.lr_at(history.epoch[-1])
        return False


class StepSchedule(_Schedule):
    r"""Step decay: multiply the learning rate by ``factor`` every ``every`` epochs,
    :math:`\eta_e = \eta_0 \cdot \mathrm{factor}^{\lfloor e / \mathrm{every} \rfloor}`.
    """

    def __init__(self, optimizer, every: int, factor: float = 0.1):
        super().__init__(optimizer)
        if not isinstance(every, (int, np.integer)) or isinstance(every, bool) or every < 1:
            raise ValueError(f"StepSchedule: every must be a number of epochs (an integer "
                             f">= 1), got {every!r}")
        self.every = int(every)
        self.factor = check_fraction(factor, "StepSchedule: factor", allow_zero=False)

    def lr_at(self, epoch: int) -> float:
        return self.lr0 * self.factor ** (self._epoch(epoch) // self.every)


class CosineSchedule(_Schedule):
    r"""Cosine decay from :math:`\eta_0` to ``lr_min`` over ``epochs`` epochs:
    :math:`\eta_e = \eta_{min} + \frac12(\eta_0 - \eta_{min})(1 + \cos(\pi e / E))` for
    :math:`e \le E` (``epochs``), and :math:`\eta_{min}` after. ``lr_min`` must lie in
    :math:`[0, \eta_0)`; at 0 the last epoch's rate is small but positive.
    """

    def __init__(self, optimizer, epochs: int, lr_min: float = 0.0):
        super().__init__(optimizer)
        if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"CosineSchedule: epochs must be an integer >= 1, got {epochs!r}")
        self.epochs = int(epochs)
        self.lr_min = check_non_negative(lr_min, "CosineSchedule: lr_min")
        if self.lr_min >= self.lr0:
            raise ValueError(f"CosineSchedule: lr_min must be below the optimizer's lr "
                             f"({self.lr0:g}), got {lr_min!r}")

    def lr_at(self, epoch: int) -> float:
        e = min(self._epoch(epoch), self.epochs)
        return self.lr_min + 0.5 * (self.lr0 - self.lr_min) * (1 + np.cos(np.pi * e / self.epochs))


def clip_grad_norm(model, max_norm: float) -> float:
    r"""Scale all the gradients down together when their norm exceeds ``max_norm``.

    With :math:`\lVert g\rVert` the Euclidean norm of every gradient array of ``model``
    (anything with a ``grads`` dict, or the dict itself) taken as one vector, and
    :math:`\tau` = ``max_norm``:

    .. math:: g \leftarrow g \cdot \min\Big(1, \frac{\tau}{\lVert g\rVert}\Big)

    The direction is kept; only the length is capped. Updates the arrays in place (their
    dtype kept) and returns the norm *before* clipping, as a float. Call it between
    ``model.backward`` and ``optimizer.step()``.
    """
    grads = model if isinstance(model, dict) else getattr(model, "grads", None)
    if not isinstance(grads, dict):
        raise TypeError(f"clip_grad_norm expected a model with .grads or a dict of gradient "
                        f"arrays, got a {type(model).__name__}")
    tau = check_positive(max_norm, "clip_grad_norm: max_norm")
    for k, g in grads.items():
        if not isinstance(g, np.ndarray) or g.dtype not in FLOATS:
            what = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"clip_grad_norm: the gradient {k!r} must be a float32 or float64 "
                            f"NumPy array (it is scaled in place), got {what}")
        check_finite(g, f"clip_grad_norm: the gradient {k!r}", "no gradient was changed")
    # Divide by the largest entry first, so that squaring cannot overflow (the gradients of
    # a run that is blowing up reach 1e160 and more, exactly when clipping matters).
    top = max((float(np.max(np.abs(g))) for g in grads.values() if g.size), default=0.0)
    if top == 0.0:
        return 0.0
    norm = top * float(np.sqrt(sum(float(np.sum(np.square(g / top, dtype=np.float64)))
                                   for g in grads.values())))
    if norm > tau:
        factor = tau / norm
        for g in grads.values():
            g *= g.dtype.type(factor)
    return norm
