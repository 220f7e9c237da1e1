"""Hidden tests of Chapter 7: other models, shapes, rates and batches; the grid re-run here."""

from __future__ import annotations

import itertools

import numpy as np

from . import array, call, close, fail, number
from .library import require_own_work

#: ch7.GRID and the recipe of ch7.train_candidate, copied (a student could change what
#: bpkit.exercises.ch7 holds).
GRID = tuple(itertools.product((16, 64), (0.0, 0.003), (0.0, 0.3)))
N_TRAIN = 300


def exercise_7_1(l2_gradient) -> None:
    require_own_work("7.1", l2_gradient)
    rng = np.random.default_rng(7101)
    shapes = {"0.W": (5, 3), "0.b": (5,), "2.W": (4, 5), "2.b": (4,), "4.W": (1, 4)}
    for gamma in (0.0, 1e-4, 0.05, 2.0):
        params = {k: rng.standard_normal(s) for k, s in shapes.items()}
        grads = {k: rng.standard_normal(s) for k, s in shapes.items()}
        kept = ({k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in grads.items()})
        got = call("7.1", l2_gradient, params, grads, gamma)
        if not isinstance(got, dict) or sorted(got) != sorted(shapes):
            raise fail("7.1", "the answer is not a dict with the keys of params.")
        for k in shapes:
            want = grads[k] + gamma * params[k] if k.endswith("W") else grads[k]
            if not close(array("7.1", got[k], f"l2_gradient[{k!r}]"), want, rtol=1e-12):
                raise fail("7.1", f"wrong for {k!r} with gamma = {gamma:g} in a three-layer "
                                  "model.")
        if any(not np.array_equal(a[k], b[k]) for a, b in zip((params, grads), kept,
                                                               strict=True) for k in shapes):
            raise fail("7.1", "l2_gradient changed the arrays it was given.")


def exercise_7_2(dropout_backward) -> None:
    require_own_work("7.2", dropout_backward)
    rng = np.random.default_rng(7202)
    for (n, d), p in (((1, 1), 0.0), ((7, 3), 0.1), ((2, 9), 0.5), ((5, 4), 0.9)):
        keep = rng.random((n, d)) >= p
        da = rng.standard_normal((n, d))
        got = array("7.2", call("7.2", dropout_backward, da.copy(), keep.copy(), p),
                    "dropout_backward")
        if not close(got, da * keep / (1 - p), rtol=1e-12):
            raise fail("7.2", f"wrong for a batch of shape {(n, d)} with p = {p}.")


def _shift(images, dy, dx):
    out = np.zeros_like(images)
    for i in range(8):
        for j in range(8):
            if 0 <= i - dy < 8 and 0 <= j - dx < 8:
                out[:, i, j] = images[:, i - dy, j - dx]
    return out


def exercise_7_3(random_shifts) -> None:
    require_own_work("7.3", random_shifts)
    rng = np.random.default_rng(7303)
    for n in (1, 5, 900):
        x = rng.uniform(0.05, 1.0, (n, 64))
        before = x.copy()
        got = array("7.3", call("7.3", random_shifts, x, np.random.default_rng(n)),
                    "random_shifts")
        if not np.array_equal(x, before):
            raise fail("7.3", "random_shifts changed its input.")
        if got.shape != x.shape:
            raise fail("7.3", f"wrong shape for a batch of {n}.")
        images = x.reshape(n, 8, 8)
        offsets = list(itertools.product((-1, 0, 1), repeat=2))
        found = np.array([np.all(np.isclose(_shift(images, dy, dx), got.reshape(n, 8, 8)),
                                 axis=(1, 2)) for dy, dx in offsets])
        if not found.any(axis=0).all():
            raise fail("7.3", f"in a batch of {n}, an image is not a zero-filled shift of "
                              "at most one pixel.")
        if n == 900:
            counts = found.sum(axis=1)
            if counts.min() < 60 or counts.max() > 140:
                raise fail("7.3", "over 900 images the nine offsets are not about equally "
                                  "frequent.")
        again = array("7.3", call("7.3", random_shifts, x, np.random.default_rng(n)),
                      "random_shifts")
        if not np.array_equal(again, got):
            raise fail("7.3", "the same seed does not give the same shifts.")


def _candidate(width, weight_decay, dropout, x_train, t_train):
    """ch7.train_candidate's recipe, rebuilt here from bpkit's layers (same seeds)."""
    import bpkit as bp

    rng = np.random.default_rng(7)
    layers = [bp.Linear(64, width, rng=rng, init="he"), bp.ReLU()]
    if dropout:
        layers.append(bp.Dropout(dropout, rng=rng))
    model = bp.Sequential(*layers, bp.Linear(width, 10, rng=rng))
    bp.fit(model, bp.SoftmaxCrossEntropy(), bp.Adam(model, lr=0.005, weight_decay=weight_decay),
           x_train[:N_TRAIN], t_train[:N_TRAIN], epochs=20, batch_size=32,
           rng=np.random.default_rng(8))
    return model.eval()


def _accuracy(model, x, t):
    return float(np.mean(np.argmax(model.forward(x), axis=1) == t))


def _cross_entropy(model, x, t):
    z = model.forward(x)
    z = z - z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(t)), t]))


def exercise_7_4(best, test_accuracy) -> None:
    from bpkit.datasets import digits, train_val_test_split

    try:
        best = tuple(best)
    except TypeError:
        raise fail("7.4", "best is not a setting (width, weight_decay, dropout).") from None
    if best not in GRID:
        raise fail("7.4", "best is not one of the grid's settings.")
    acc = number("7.4", test_accuracy, "test_accuracy")
    (x_train, t_train), (x_val, t_val), (x_test, t_test) = train_val_test_split(
        *digits(), val_fraction=0.2, test_fraction=0.2, rng=0)
    models = {s: _candidate(*s, x_train, t_train) for s in GRID}
    chosen = min(GRID, key=lambda s: _cross_entropy(models[s], x_val, t_val))
    if best != chosen:
        raise fail("7.4", "best is not the setting with the lowest validation loss.")
    if not close(acc, _accuracy(models[chosen], x_test, t_test), rtol=0, atol=1e-9):
        raise fail("7.4", "test_accuracy is not the chosen model's accuracy on the test "
                          "split.")
