r"""Checks for the exercises of chapter 7, generalisation.

- :func:`check_l2_gradient`: the gradients of a loss plus an L2 penalty on the weight
  matrices (not the biases), against centered differences of the penalised loss.
- :func:`check_dropout_backward`: inverted dropout's input gradient, from the mask of the
  forward pass, against a centered difference of the forward pass.
- :func:`check_random_shifts`: a batch of 8x8 digits, each shifted by its own random offset
  of at most one pixel, zero-filled, drawn from a seeded generator.
- :func:`check_choice`: the setting of ``GRID`` chosen by the validation loss, and the test
  accuracy of the model trained with it.

No message of a check states the expected value or its formula: a passing check says what
the answer implies, a failing one what is off.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from . import (
    ExerciseError,
    call_reader,
    check_close,
    correct,
    exercise_check,
    expect_function,
    no_answer,
)

__all__ = ["GRID", "train_candidate", "check_l2_gradient", "check_dropout_backward",
           "check_random_shifts", "check_choice"]

#: The settings of exercise 7.4: (width, weight_decay, dropout), every combination.
GRID = tuple(itertools.product((16, 64), (0.0, 0.003), (0.0, 0.3)))
#: Exercise 7.4 trains on the first N_TRAIN examples of the chapter's training split.
N_TRAIN = 300


# ----------------------------------------------------------------- Exercise 7.1

def _small_model(rng, sizes=(3, 4, 2)):
    from ..layers import Linear, Tanh
    from ..model import Sequential

    model = Sequential(Linear(sizes[0], sizes[1], rng=rng), Tanh(),
                       Linear(sizes[1], sizes[2], rng=rng))
    for k, p in model.params.items():
        if k.endswith("b"):
            p[...] = rng.standard_normal(p.shape)  # biases away from zero: a decayed bias shows
    return model


@exercise_check("7.1")
def check_l2_gradient(l2_gradient) -> None:
    r"""``l2_gradient(params, grads, gamma)``: the gradients of
    :math:`L + \frac{\gamma}{2}\sum_l \lVert W^l\rVert^2` (weight matrices only)."""
    from ..gradcheck import numerical_gradient
    from ..losses import SoftmaxCrossEntropy

    expect_function("l2_gradient", l2_gradient)
    rng = np.random.default_rng(71)
    model = _small_model(rng)
    loss = SoftmaxCrossEntropy()
    x, t = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    gamma = 0.3
    loss.forward(model.forward(x), t)
    model.backward(loss.backward())
    params = {k: v.copy() for k, v in model.params.items()}
    grads = {k: v.copy() for k, v in model.grads.items()}
    got = call_reader("l2_gradient", l2_gradient, params, grads, gamma)
    if got is None:
        raise ExerciseError("l2_gradient returned None: return a dict of gradient arrays.")
    if not isinstance(got, dict) or sorted(got) != sorted(model.params):
        raise ExerciseError(f"l2_gradient must return a dict with the keys of params, "
                            f"{sorted(model.params)}.")

    def penalised():
        value = loss.forward(model.forward(x), t)
        return value + gamma / 2 * sum(float(np.sum(p**2)) for k, p in model.params.items()
                                       if k.endswith("W"))

    for k, p in model.params.items():
        want = numerical_gradient(penalised, p, 1e-6)
        g = np.asarray(got[k], dtype=np.float64) if got[k] is not None else None
        if g is not None and g.shape == p.shape and k.endswith("b"):
            if np.allclose(g, grads[k] + gamma * p, rtol=1e-6, atol=1e-8):
                raise ExerciseError(f"l2_gradient[{k!r}]: the bias is decayed too; the "
                                    "penalty here is on the weight matrices only.")
        if g is not None and g.shape == p.shape and k.endswith("W"):
            if np.allclose(g, grads[k], rtol=1e-6, atol=1e-8):
                raise ExerciseError(f"l2_gradient[{k!r}]: this is the loss's gradient alone; "
                                    "the penalty's term is missing.")
            if np.allclose(g - grads[k], 2 * (want - grads[k]), rtol=1e-5, atol=1e-8) or \
                    np.allclose(g - grads[k], 0.5 * (want - grads[k]), rtol=1e-5, atol=1e-8):
                raise ExerciseError(f"l2_gradient[{k!r}]: the penalty's term is off by a "
                                    "factor of 2: differentiate gamma/2 times the square "
                                    "carefully.")
            if np.allclose(g - grads[k], -(want - grads[k]), rtol=1e-5, atol=1e-8):
                raise ExerciseError(f"l2_gradient[{k!r}]: the penalty's term has the wrong "
                                    "sign: the penalty grows with the weights.")
        check_close(f"l2_gradient[{k!r}]", got[k], want, rtol=1e-6, atol=1e-8)
    correct("Your gradient agrees with centered differences of the penalised loss: each step "
            "now pulls every weight towards zero in proportion to its size, and leaves the "
            "biases, which only shift a unit's input, alone.")


# ----------------------------------------------------------------- Exercise 7.2

@exercise_check("7.2")
def check_dropout_backward(dropout_backward) -> None:
    """``dropout_backward(da, keep, p)`` -> dz for inverted dropout in training mode."""
    expect_function("dropout_backward", dropout_backward)
    rng = np.random.default_rng(72)
    for (n, d), p in (((4, 5), 0.5), ((3, 2), 0.2), ((6, 3), 0.75)):
        z = rng.standard_normal((n, d))
        keep = rng.random((n, d)) >= p
        keep[0, 0], keep[0, 1] = True, False  # both kinds in every case
        da = rng.standard_normal((n, d))
        got = call_reader("dropout_backward", dropout_backward, da.copy(), keep.copy(), p)
        if got is None:
            raise ExerciseError("dropout_backward returned None: end the function with a "
                                "return.")

        def forward(zz, da=da, keep=keep, p=p):
            return np.sum(da * zz * keep / (1 - p))

        numeric = np.zeros_like(z)
        h = 1e-6
        for i in np.ndindex(z.shape):
            up, down = z.copy(), z.copy()
            up[i] += h
            down[i] -= h
            numeric[i] = (forward(up) - forward(down)) / (2 * h)
        if got is not None and np.shape(got) == z.shape:
            g = np.asarray(got, dtype=np.float64)
            if np.allclose(g, da * keep, rtol=1e-9):
                raise ExerciseError("dropout_backward: the units that were kept were also "
                                    "scaled up in the forward pass; that factor is missing.")
            if p != 0.5 and np.allclose(g, da * keep / p, rtol=1e-9):
                raise ExerciseError("dropout_backward: the scale uses the probability of "
                                    "dropping; the survivors were scaled by the probability "
                                    "of keeping.")
            if np.allclose(g, da * ~keep / (1 - p), rtol=1e-9):
                raise ExerciseError("dropout_backward: the mask is the wrong way round: the "
                                    "gradient must reach the units that were kept.")
            if np.allclose(g, da / (1 - p), rtol=1e-9) or np.allclose(g, da, rtol=1e-9):
                raise ExerciseError("dropout_backward: the mask is ignored: a dropped unit did "
                                    "not affect the output, so it gets no gradient.")
        check_close("dropout_backward", got, numeric, rtol=1e-6, atol=1e-8)
    correct("Your backward pass agrees with centered differences: the gradient flows through "
            "exactly the units the forward pass kept, scaled as they were, so the backward "
            "pass costs one multiplication per unit and needs no new random draw.")


# ----------------------------------------------------------------- Exercise 7.3

SHIFTS = tuple(itertools.product((-1, 0, 1), repeat=2))


def _shifted(images, dy, dx):
    """Every 8x8 image of ``images (N, 8, 8)`` moved dy rows down and dx columns right."""
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


@exercise_check("7.3")
def check_random_shifts(random_shifts) -> None:
    """``random_shifts(x, rng)``: x ``(N, 64)`` -> each image shifted by its own random offset."""
    expect_function("random_shifts", random_shifts)
    rng = np.random.default_rng(73)
    n = 450
    x = rng.uniform(0.1, 1.0, (n, 64))  # no zero pixel: every shift is told apart
    before = x.copy()
    got = call_reader("random_shifts", random_shifts, x, np.random.default_rng(5))
    if not np.array_equal(x, before):
        raise ExerciseError("random_shifts changed its input in place; return a new array "
                            "(the original images are still needed).")
    if got is None:
        raise ExerciseError("random_shifts returned None: end the function with a return.")
    got = np.asarray(got)
    if got.shape != x.shape:
        raise ExerciseError(f"random_shifts: expected the shape of the input, {x.shape}, got "
                            f"{got.shape}.")
    images, out = x.reshape(n, 8, 8), got.reshape(n, 8, 8)
    candidates = np.stack([_shifted(images, dy, dx) for dy, dx in SHIFTS])  # (9, n, 8, 8)
    match = np.all(np.isclose(candidates, out[None]), axis=(2, 3))  # (9, n)
    bad = np.flatnonzero(~match.any(axis=0))
    if bad.size:
        i = int(bad[0])
        rolled = any(np.allclose(np.roll(images[i], (dy, dx), axis=(0, 1)), out[i])
                     for dy, dx in SHIFTS)
        if rolled:
            raise ExerciseError(f"random_shifts: image {i} wraps around: the pixels that leave "
                                "one side come back on the other; they must be lost, and the "
                                "empty side filled with zeros.")
        raise ExerciseError(f"random_shifts: image {i} is not its input moved by at most one "
                            "pixel in each direction, with the empty side filled with zeros.")
    counts = match.sum(axis=1)
    if np.count_nonzero(counts) == 1:
        raise ExerciseError("random_shifts: every image got the same shift; draw one offset "
                            "per image.")
    if counts.min() < 20 or counts.max() > 90:
        raise ExerciseError("random_shifts: the offsets are not drawn evenly: each of the nine "
                            "(dy, dx) should be about equally likely.")
    again = call_reader("random_shifts", random_shifts, x, np.random.default_rng(5))
    if not np.array_equal(np.asarray(again), got):
        raise ExerciseError("random_shifts: two calls with generators of the same seed gave "
                            "different shifts; draw every random number from rng.")
    x32 = x[:10].astype(np.float32)
    out32 = np.asarray(call_reader("random_shifts", random_shifts, x32,
                                   np.random.default_rng(1)))
    if out32.dtype != np.float32:
        raise ExerciseError(f"random_shifts: float32 images came back as {out32.dtype}; keep "
                            "the input's dtype.")
    correct("Each image moved by its own random offset, the nine offsets about equally often, "
            "and the same seed gives the same batch: a network trained on such batches sees "
            "a new version of every digit at every epoch.")


# ----------------------------------------------------------------- Exercise 7.4

def _splits():
    from ..datasets import digits, train_val_test_split

    return train_val_test_split(*digits(), val_fraction=0.2, test_fraction=0.2, rng=0)


def train_candidate(width: int, weight_decay: float, dropout: float):
    """The model of one setting of ``GRID``, trained as exercise 7.4 says: ``Linear(64,
    width)``, ReLU, ``Dropout(dropout)`` (when > 0), ``Linear(width, 10)``, all from seed 7;
    Adam with lr 0.005 and that ``weight_decay``; 20 epochs in batches of 32 (shuffled from
    seed 8) over the first ``N_TRAIN`` examples of the chapter's training split. Returns the
    trained model (in training mode)."""
    from ..layers import Dropout, Linear, ReLU
    from ..losses import SoftmaxCrossEntropy
    from ..model import Sequential
    from ..optim import Adam
    from ..train import fit

    (x_train, t_train), _, _ = _splits()
    rng = np.random.default_rng(7)
    layers = [Linear(64, width, rng=rng, init="he"), ReLU()]
    if dropout:
        layers.append(Dropout(dropout, rng=rng))
    model = Sequential(*layers, Linear(width, 10, rng=rng))
    fit(model, SoftmaxCrossEntropy(), Adam(model, lr=0.005, weight_decay=weight_decay),
        x_train[:N_TRAIN], t_train[:N_TRAIN], epochs=20, batch_size=32,
        rng=np.random.default_rng(8))
    return model


@functools.lru_cache(maxsize=1)
def _grid_results():
    from ..losses import SoftmaxCrossEntropy
    from ..train import evaluate

    _, (x_val, t_val), (x_test, t_test) = _splits()
    out = {}
    for setting in GRID:
        model = train_candidate(*setting)
        val = evaluate(model, SoftmaxCrossEntropy(), x_val, t_val)
        test = evaluate(model, SoftmaxCrossEntropy(), x_test, t_test)
        out[setting] = (val, test)
    return out


@exercise_check("7.4")
def check_choice(best, test_accuracy) -> None:
    """``best``: the setting of GRID with the lowest validation loss; ``test_accuracy``: the
    accuracy of its model on the test split."""
    if best is None or test_accuracy is None:
        raise no_answer("best and test_accuracy")
    try:
        best = tuple(best)
    except TypeError:
        raise ExerciseError("best must be one setting of ch7.GRID, a tuple (width, "
                            "weight_decay, dropout).") from None
    if best not in GRID:
        raise ExerciseError(f"best must be one of the settings of ch7.GRID, got {best!r}.")
    results = _grid_results()
    chosen = min(GRID, key=lambda s: results[s][0][0])
    if best != chosen:
        raise ExerciseError("best is not the setting whose model has the lowest validation "
                            "loss. Choose on the validation split alone: a choice made on "
                            "the training set favours the settings that overfit most, one "
                            "made on the test set leaves no honest estimate.")
    if isinstance(test_accuracy, (bool, np.bool_)) or np.ndim(test_accuracy) != 0:
        raise ExerciseError("test_accuracy must be one number, a fraction between 0 and 1.")
    acc = float(test_accuracy)
    if 1 < acc <= 100:
        raise ExerciseError("test_accuracy looks like a percentage; give a fraction between "
                            "0 and 1.")
    if not np.isclose(acc, results[chosen][1][1], rtol=0, atol=1e-9):
        raise ExerciseError("test_accuracy is not the accuracy of the chosen model on the "
                            "test split (evaluate it in evaluation mode, on x_test and "
                            "t_test).")
    correct("You chose on the validation split and looked at the test split once: the test "
            "accuracy is an unbiased estimate of how the chosen network does on new digits.")
