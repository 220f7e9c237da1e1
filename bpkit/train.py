"""Training: one step, with divergence reported rather than carried on, and the loop ``fit``."""

from __future__ import annotations

import os
import warnings

import numpy as np

from ._checks import as_array, check_finite

__all__ = ["DivergenceError", "DivergenceWarning", "EarlyStopping", "History", "evaluate", "fit",
           "minibatches", "predicted_classes", "train_step"]


#: ``fit`` shows a progress bar by default for runs of at least this many steps.
LONG_RUN = 20_000

#: ``fit`` warns when the training loss grows above this many times its value before training.
GROWTH = 10


class DivergenceError(FloatingPointError):
    """The loss became NaN or infinite during training."""


class DivergenceWarning(RuntimeWarning):
    """The training loss grew far above its value before training (see :func:`fit`)."""


def train_step(model, loss, optimizer, x, t) -> float:
    """Forward, loss, backward and one optimizer step on the batch ``(x, t)``.

    Returns the loss *before* the step. Raises :class:`DivergenceError` with a hint when
    the loss is not finite, instead of letting NaN spread through the parameters. (A loss
    that grows but stays finite is reported by :func:`fit`, which sees the whole run.)
    """
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, with a hint
        y = model.forward(x)
        if not np.isfinite(y).all():
            raise DivergenceError(_hint("the model's output", optimizer))
        try:
            value = loss.forward(y, t)
        except OverflowError:  # finite outputs, so large that the loss overflows
            raise DivergenceError(_hint("the loss", optimizer)) from None
    if not np.isfinite(value):
        raise DivergenceError(_hint(f"the loss ({value})", optimizer))
    model.backward(loss.backward(), need_dx=False)  # dL/dx of the data is not needed
    optimizer.step()
    return value


def _hint(what: str, optimizer) -> str:
    return f"{what} became non-finite (NaN or inf) during training. {_causes(optimizer)}"


def _causes(optimizer) -> str:
    lr = getattr(optimizer, "lr", None)
    return (f"The usual causes: a learning rate too large"
            f"{f' (lr={lr:.4g})' if lr is not None else ''}, which makes each step overshoot "
            "and the weights grow without bound, or exploding gradients in a deep network. "
            "Try a learning rate 10 times smaller, or check the gradients with bpkit.gradcheck.")


def _warn_if_diverging(history, optimizer) -> None:
    """Warn, once per run, when the training loss has grown above GROWTH times its start."""
    start, now = history.train_loss[0], history.train_loss[-1]
    if history.diverging_epoch is None and start > 0 and now > GROWTH * start:
        history.diverging_epoch = history.epoch[-1]
        # Named as coming from fit itself: the caller's file would be a notebook's temporary
        # cell file, an absolute path that means nothing to a reader.
        warnings.warn_explicit(
            f"the training loss has grown from {start:.4g} before training to {now:.4g} at "
            f"epoch {history.epoch[-1]}, over {GROWTH} times its start: the run is diverging. "
            f"{_causes(optimizer)}", DivergenceWarning, filename="bpkit.train.fit", lineno=0,
            module="bpkit.train")


# ------------------------------------------------------------------ the training loop


def minibatches(n: int, batch_size: int | None, rng: np.random.Generator | None):
    """Split the indices ``0..n-1`` into mini-batches for one epoch.

    With ``rng`` the indices are shuffled first (``rng.permutation(n)``), so each epoch
    visits the examples in a new order; with ``rng=None`` they stay in order. Every batch
    has ``batch_size`` indices except possibly the last, which takes the remainder;
    ``batch_size=None`` means one batch of all n (full-batch gradient descent).
    Returns a list of index arrays whose union is ``0..n-1``, each index exactly once.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"minibatches: n must be a number of examples (an integer >= 0), "
                         f"got {n!r}")
    _check_batch_size(batch_size, "minibatches")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"minibatches: rng must be a np.random.Generator or None, got {rng!r}")
    order = np.arange(n) if rng is None else rng.permutation(n)
    size = n if batch_size is None else batch_size
    return [order[i:i + size] for i in range(0, n, size)]


def _check_batch_size(batch_size, where: str) -> None:
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                   or isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"{where}: batch_size must be a positive integer or None (full "
                         f"batch), got {batch_size!r}")


def predicted_classes(y: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class labels from model outputs ``y (N, K)``: argmax for K > 1, ``y > threshold`` for K = 1.

    Use ``threshold=0.5`` for probabilities (a Sigmoid output) and ``0.0`` for logits.
    """
    y = as_array(y, "predicted_classes")
    if y.ndim != 2 or y.shape[1] == 0:
        raise ValueError(f"predicted_classes expected outputs of shape (N, K) with K >= 1, "
                         f"got {y.shape}")
    check_finite(y, "predicted_classes: the outputs")
    if y.shape[1] == 1:
        return (y[:, 0] > threshold).astype(np.int64)
    return np.argmax(y, axis=1)


def _labels(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t)
    if t.ndim == 2 and t.shape[1] > 1:
        return np.argmax(t, axis=1)
    return (t.reshape(-1) > 0.5).astype(np.int64) if t.dtype.kind == "f" else t.reshape(-1)


def _threshold(loss) -> float | None:
    """The class threshold for the loss's outputs, or None when it is not a classifier's."""
    name = type(loss).__name__
    if name == "BinaryCrossEntropy":
        return 0.0 if getattr(loss, "from_logits", False) else 0.5
    if name in ("SoftmaxCrossEntropy", "SquaredError"):
        return 0.5
    return None


def evaluate(model, loss, x, t, *, classify: bool | None = None) -> tuple[float, float | None]:
    """Loss and accuracy of ``model`` on ``(x, t)``, without changing any weight.

    The model runs in evaluation mode (``model.eval()``, then back to training mode), so a
    :class:`bpkit.layers.BatchNorm` uses its running statistics and does not update them.

    Accuracy is the fraction of examples whose predicted class (:func:`predicted_classes`)
    equals the target class; it is None when ``classify`` is False or the loss is not a
    classification loss. ``classify=None`` decides from the targets: class labels or 0/1
    rows are classes, real values are not. Raises :class:`DivergenceError` if the
    outputs are not finite.
    """
    if classify is None:
        classify = _looks_like_classes(np.asarray(t))
    training = getattr(model, "training", False) and hasattr(model, "eval")
    if training:  # BatchNorm: use the running statistics, and leave them as they are
        model.eval()
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            y = model.forward(x)
    finally:
        if training:
            model.train()
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(y).all():
            raise DivergenceError("the model's output became non-finite (NaN or inf); the "
                                  "weights have diverged: try a smaller learning rate")
        try:
            value = float(loss.forward(y, t))
        except OverflowError:
            value = np.inf
    if not np.isfinite(value):
        raise DivergenceError(f"the loss became non-finite ({value}): the weights have "
                              "diverged; try a smaller learning rate")
    threshold = _threshold(loss) if classify else None
    if threshold is None:
        return value, None
    return value, float(np.mean(predicted_classes(y, threshold) == _labels(t)))


class History:
    """What :func:`fit` records: one entry per epoch, epoch 0 being the untrained model.

    ``epoch``, ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc`` are lists of equal
    length (the ``val_*`` lists stay empty without validation data, the ``*_acc`` lists
    when the task is not classification). The losses are evaluated on the whole set at
    the end of each epoch, with the weights as they are then. ``step_loss`` holds the
    loss of every mini-batch, before its step; ``steps`` the number of steps taken
    by the end of each epoch. ``diverged`` is True if the run stopped on a non-finite
    loss; ``diverging_epoch`` is the first epoch whose training loss was over ``GROWTH``
    times its start (:func:`fit` warned then); ``stopped_epoch`` is set when a callback
    stopped the run early.
    """

    KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")

    def __init__(self):
        self.epoch: list[int] = []
        self.steps: list[int] = []
        self.step_loss: list[float] = []
        self.train_loss: list[float] = []
        self.train_acc: list[float] = []
        self.val_loss: list[float] = []
        self.val_acc: list[float] = []
        self.diverged = False
        self.diverging_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={getattr(self, k)[-1]:.4g}" for k in self.KEYS if getattr(self, k))
        state = " (diverged)" if self.diverged else ""
        return f"History({len(self.epoch) - 1} epochs{state}: {last})"

    def as_dict(self) -> dict[str, list]:
        """The per-epoch lists as a plain dict (with ``epoch``), e.g. for a table."""
        return {k: list(getattr(self, k)) for k in ("epoch", "steps", *self.KEYS)}

    def _record(self, epoch, model, loss, train, validation, classify, optimizer=None):
        self.epoch.append(epoch)
        self.steps.append(len(self.step_loss))
        for prefix, data in (("train", train), ("val", validation)):
            if data is None:
                continue
            try:
                value, acc = evaluate(model, loss, *data, classify=classify)
            except DivergenceError:  # the end-of-epoch loss overflowed: say why, with the lr
                raise DivergenceError(_hint("the loss at the end of the epoch", optimizer)) \
                    from None
            getattr(self, f"{prefix}_loss").append(value)
            if acc is not None:
                getattr(self, f"{prefix}_acc").append(acc)


class EarlyStopping:
    """A :func:`fit` callback: stop when the validation loss stops improving.

    After each epoch it compares ``history.val_loss[-1]`` with the best so far; an
    improvement is a drop of more than ``min_delta``. After ``patience`` epochs in a row
    without one it stops the run and, with ``restore_best=True``, puts back the weights of
    the best epoch (so the model you keep is the one that did best on held-out data).
    :func:`fit` calls it at epoch 0 too, so the best epoch can be the untrained model.
    Sets ``history.best_epoch`` and ``history.stopped_epoch``.
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0, restore_best: bool = True):
        if not isinstance(patience, (int, np.integer)) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 1, got {patience!r}")
        if not isinstance(min_delta, (int, float, np.integer, np.floating)) \
                or not 0 <= min_delta < np.inf:
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got {min_delta!r}")
        self.patience, self.min_delta, self.restore_best = int(patience), min_delta, restore_best
        self.best, self.best_params, self.wait = np.inf, None, 0

    def __call__(self, history: History, model) -> bool:
        if not history.val_loss:
            raise ValueError("EarlyStopping watches the validation loss: pass "
                             "validation=(x_val, t_val) to fit")
        current = history.val_loss[-1]
        if current < self.best - self.min_delta:
            self.best, self.wait = current, 0
            history.best_epoch = history.epoch[-1]
            self.best_params = {k: v.copy() for k, v in model.params.items()}
            return False
        self.wait += 1
        if self.wait < self.patience:
            return False
        history.stopped_epoch = history.epoch[-1]
        if self.restore_best and self.best_params is not None:
            for k, p in model.params.items():
                p[...] = self.best_params[k]
        return True


def fit(model, loss, optimizer, x, t, *, epochs: int, batch_size: int | None = 32,
        rng: np.random.Generator | None = None, shuffle: bool = True, validation=None,
        callbacks=(), on_divergence: str = "raise", progress: bool | None = None) -> History:
    """Train ``model`` for ``epochs`` passes over ``(x, t)`` in mini-batches; return a History.

    Each epoch splits the examples with :func:`minibatches` (shuffled by ``rng`` when
    ``shuffle`` is True: pass a seeded ``np.random.Generator``) and calls
    :func:`train_step` on every batch. ``batch_size=1`` gives per-example updates,
    ``batch_size=None`` full-batch gradient descent. After each epoch the training loss
    and accuracy (and, with ``validation=(x_val, t_val)``, the validation ones) are
    recorded in the History, and then every callback is called as ``cb(history, model)``,
    also once before the first epoch (epoch 0, the untrained model, so that
    :class:`EarlyStopping` can fall back to it); a callback that returns True stops the run.

    A non-finite loss raises :class:`DivergenceError`; with ``on_divergence="stop"`` the
    run ends instead, ``history.diverged`` is set and the history so far is returned.
    A training loss that grows above ``GROWTH`` (10) times its value before training is
    reported with a :class:`DivergenceWarning`, once, and the run goes on (the loss may
    come back down); ``history.diverging_epoch`` records when.
    ``progress=True`` shows a progress bar over the epochs (tqdm, in a notebook or a
    terminal), ``False`` never; the default shows one for long runs, of at least
    ``LONG_RUN`` steps, unless the environment variable ``BPKIT_PROGRESS`` is ``0`` (the
    tests and ``make execute`` set it, so stored outputs stay free of bars).
    """
    x, t = as_array(x, "fit: x"), as_array(t, "fit: t")
    if x.ndim == 0 or t.ndim == 0 or x.shape[0] != t.shape[0]:
        raise ValueError(f"fit: x and t need the same number of examples (rows), got shapes "
                         f"{x.shape} and {t.shape}")
    if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    _check_batch_size(batch_size, "fit")
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"fit: on_divergence must be 'raise' or 'stop', got {on_divergence!r}")
    if shuffle and rng is None:
        raise ValueError("fit: shuffle=True needs rng, a seeded np.random.Generator "
                         "(e.g. np.random.default_rng(0)), so that runs are reproducible; "
                         "got rng=None")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"fit: rng must be a np.random.Generator, got {rng!r}; pass "
                        "np.random.default_rng(seed)")
    if validation is not None and (not isinstance(validation, (tuple, list))
                                   or len(validation) != 2):
        raise ValueError(f"fit: validation must be a pair (x_val, t_val), got a "
                         f"{type(validation).__name__}"
                         + (f" of {len(validation)}" if hasattr(validation, "__len__") else ""))
    if callable(callbacks):
        callbacks = (callbacks,)
    if not isinstance(callbacks, (tuple, list)) or not all(callable(cb) for cb in callbacks):
        raise TypeError(f"fit: callbacks must be a function cb(history, model) or a list of "
                        f"them, got {callbacks!r}")
    classify = _threshold(loss) is not None and _looks_like_classes(t)
    history = History()
    history._record(0, model, loss, (x, t), validation, classify, optimizer)
    if any([bool(cb(history, model)) for cb in callbacks]):  # they see epoch 0 too
        return history
    epoch_range = range(1, epochs + 1)
    bar = None
    if progress is None:
        steps = epochs * (1 if batch_size is None else -(-x.shape[0] // batch_size))
        progress = steps >= LONG_RUN and os.environ.get("BPKIT_PROGRESS", "1") != "0"
    if progress:
        from tqdm.auto import tqdm  # only here: the core of bpkit imports only NumPy

        epoch_range = bar = tqdm(epoch_range, desc="epochs", unit="epoch")
    try:
        for epoch in epoch_range:
            for idx in minibatches(x.shape[0], batch_size, rng if shuffle else None):
                history.step_loss.append(train_step(model, loss, optimizer, x[idx], t[idx]))
            history._record(epoch, model, loss, (x, t), validation, classify, optimizer)
            _warn_if_diverging(history, optimizer)  # a loss far above its start: say so
            if bar is not None:
                bar.set_postfix({k: f"{getattr(history, k)[-1]:.4g}"
                                 for k in ("train_loss", "val_loss") if getattr(history, k)})
            if any([bool(cb(history, model)) for cb in callbacks]):
                break
    except DivergenceError:
        if on_divergence == "raise":
            raise
        history.diverged = True
    finally:
        if bar is not None:
            bar.close()
    return history


def _looks_like_classes(t: np.ndarray) -> bool:
    """True if the targets are class labels or 0/1 (one-hot) rows, not real values."""
    if t.dtype.kind in "iub":
        return True
    return bool(np.all((t == 0) | (t == 1)))
