r"""Checks for the exercises of chapter 3, backpropagation in matrix form.

- :func:`check_scaled_tanh`: the backward pass of the scaled tanh
  :math:`a = 1.7159 \tanh(2z/3)`, from its stored output alone.
- :func:`check_deep_shapes`: the shape of every gradient and error matrix of a network with
  three hidden layers, and its number of parameters.
- :func:`check_per_example_gradients`: the batch weight gradient as a sum of outer products.
- :func:`check_leaky_relu_fix`: the repaired backward pass of ``bugzoo.LeakyReLUBroken``.

No message states the expected value or formula; a failing check names what is off.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import check_layer
from . import (
    ExerciseError,
    call_reader,
    check_close,
    correct,
    exercise_check,
    expect_function,
    no_answer,
)

__all__ = ["check_scaled_tanh", "check_deep_shapes", "check_per_example_gradients",
           "check_leaky_relu_fix", "DEEP_SIZES", "DEEP_BATCH", "SCALE", "STRETCH"]

#: The scaled tanh of exercise 3.1: a = SCALE * tanh(STRETCH * z).
SCALE, STRETCH = 1.7159, 2.0 / 3.0
#: The network of exercise 3.2: inputs, three hidden widths, outputs.
DEEP_SIZES = (12, 10, 7, 5, 3)
#: The batch size of exercise 3.2.
DEEP_BATCH = 8


def _reader_layer(what: str, layer_class, *args):
    """An instance of the reader's layer class, or an ExerciseError saying why not."""
    expect_function(what, layer_class)
    return call_reader(f"{what}({', '.join(map(repr, args))})", layer_class, *args)


def _backward(what: str, layer, z: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Run the reader's forward then backward on ``z``, ``dy``; check the result's shape."""
    call_reader(f"{what}.forward", layer.forward, z.copy())
    dz = call_reader(f"{what}.backward", layer.backward, dy.copy())
    if dz is None:
        raise ExerciseError(f"{what}.backward returned None: it must return dL/dz, an array "
                            "of the shape of its input.")
    try:
        dz = np.asarray(dz, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what}.backward must return an array, got "
                            f"{type(dz).__name__}.") from None
    if dz.shape != z.shape:
        raise ExerciseError(f"{what}.backward returned shape {dz.shape} for an input of shape "
                            f"{z.shape}: an elementwise layer's dL/dz has its input's shape.")
    if not np.all(np.isfinite(dz)):
        raise ExerciseError(f"{what}.backward returned inf or nan.")
    return dz


def _gradient_check(what: str, layer, z: np.ndarray, rng) -> float:
    """The relative error of bpkit's gradient check on the reader's layer (dL/dz only)."""
    try:
        report = check_layer(layer, z, rng=rng)
    except NotImplementedError:
        raise no_answer(what) from None
    except Exception as err:
        raise ExerciseError(f"the gradient check could not run {what}: "
                            f"{type(err).__name__}: {err}") from None
    return report["x"].rel_error


@exercise_check("3.1")
def check_scaled_tanh(layer_class) -> None:
    r"""``layer_class()`` must be a layer :math:`a = 1.7159 \tanh(2z/3)` with a right backward.

    Its ``forward`` keeps only the output ``self.a``; ``backward(da)`` must return
    :math:`dL/dz` of the shape of ``z``. Checked on three batches against the derivative and
    with :func:`bpkit.check_layer` (centered differences).
    """
    what = "ScaledTanhLayer"
    rng = np.random.default_rng(31)
    for shape in ((1, 3), (4, 5), (6, 2)):
        z = 1.5 * rng.standard_normal(shape)
        dy = rng.standard_normal(shape)
        layer = _reader_layer(what, layer_class)
        got = _backward(what, layer, z, dy)
        t = np.tanh(STRETCH * z)
        a = SCALE * t
        expected = dy * SCALE * STRETCH * (1 - t * t)
        if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            rel = _gradient_check(what, layer_class(), z, np.random.default_rng(1))
            if rel > 1e-7:  # pragma: no cover - the derivative matched, so this cannot fail
                raise ExerciseError(f"{what}: the gradient check failed on a batch of shape "
                                    f"{shape}.")
            continue
        where = f"{what}.backward on a batch of shape {shape}"
        if np.allclose(got, dy * (1 - a * a), rtol=1e-9):
            raise ExerciseError(f"{where}: not right yet. This is the rule of the plain tanh "
                                "applied to the scaled output. The 1.7159 outside and the 2/3 "
                                "inside each change the derivative: apply the chain rule to "
                                "both.")
        if np.allclose(got, dy * SCALE * STRETCH * (1 - a * a), rtol=1e-9):
            raise ExerciseError(f"{where}: not right yet. The outer factors are right, but the "
                                "stored output a is not tanh(2z/3) itself: it is 1.7159 times "
                                "it.")
        if np.allclose(got, dy * (1 - t * t), rtol=1e-9):
            raise ExerciseError(f"{where}: not right yet. This is the derivative of tanh at "
                                "2z/3 alone: the chain rule adds a factor from the 1.7159 "
                                "outside and one from the 2/3 inside.")
        check_close(where, got, expected, rtol=1e-9, atol=1e-12,
                    hint="Derive d tanh(u)/du first (tanh = sinh/cosh), write it in terms of "
                         "tanh(u) itself, then apply the chain rule to 1.7159 tanh(2z/3) and "
                         "express the result with the stored output a.")
    correct("Your backward pass agrees with the derivative and with centered differences, "
            "and needs only the stored output: the layer never has to keep z.")


def _as_shape(value, what: str) -> tuple:
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what}: expected a shape, a tuple of whole numbers such as "
                            f"(2, 9), got a {type(value).__name__}.") from None


def _deep_expected() -> dict:
    sizes, n = DEEP_SIZES, DEEP_BATCH
    expected = {}
    for layer in range(1, len(sizes)):
        n_in, n_out = sizes[layer - 1], sizes[layer]
        expected[f"dW{layer}"] = (n_out, n_in)
        expected[f"db{layer}"] = (n_out,)
        expected[f"Delta{layer}"] = (n, n_out)
    return expected


def _n_params(sizes=DEEP_SIZES) -> int:
    return sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


@exercise_check("3.2")
def check_deep_shapes(answer: dict) -> None:
    r"""Shapes in the 12-10-7-5-3 network of exercise 3.2 for a batch of 8 rows.

    ``answer`` maps ``"dW1"`` ... ``"dW4"``, ``"db1"`` ... ``"db4"`` (the gradients of the
    four Linear layers) and ``"Delta1"`` ... ``"Delta4"`` (the error matrices
    :math:`\partial L/\partial Z^l` of the batch) to shapes, and ``"n_params"`` to the
    number of parameters.
    """
    expected = _deep_expected()
    keys = [*expected, "n_params"]
    if answer is None:
        raise no_answer("shapes")
    if not isinstance(answer, dict):
        raise ExerciseError(f"shapes: expected a dict with keys {keys}, got a "
                            f"{type(answer).__name__}.")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise ExerciseError(f"shapes: missing key(s) {missing}.")
    for key, shape in expected.items():
        if answer[key] is None:
            raise no_answer(key)
        got = _as_shape(answer[key], key)
        if got == shape:
            continue
        layer = key[-1]
        if key.startswith("dW"):
            if got == shape[::-1]:
                raise ExerciseError(f"{key} is transposed. A gradient has the shape of its "
                                    "parameter, and W has one row per unit it feeds.")
            raise ExerciseError(f"{key} is not right yet. A gradient has the shape of its "
                                f"parameter: W^{layer} connects layer {int(layer) - 1} to "
                                f"layer {layer}.")
        if key.startswith("db"):
            if len(got) != 1:
                raise ExerciseError(f"{key} should have one axis: the bias gradient has the "
                                    "shape of b, one number per unit; the batch axis was "
                                    "summed away.")
            raise ExerciseError(f"{key} has the wrong length: one number per unit of layer "
                                f"{layer}.")
        if len(got) != 2:
            raise ExerciseError(f"{key} should have two axes: an error matrix has the shape of "
                                "Z, a row per example and a column per unit.")
        if got == shape[::-1]:
            raise ExerciseError(f"{key} is transposed: in bpkit's layout each example is a "
                                "row.")
        if got[0] != shape[0]:
            raise ExerciseError(f"{key}: the first axis counts the examples of the batch.")
        raise ExerciseError(f"{key}: the second axis counts the units of layer {layer}.")
    n = answer["n_params"]
    if n is None:
        raise no_answer("n_params")
    if not isinstance(n, (int, np.integer, float, np.floating)):
        raise ExerciseError(f"n_params: expected a whole number, got a {type(n).__name__}.")
    if n != _n_params():
        weights = sum(a * b for a, b in zip(DEEP_SIZES[:-1], DEEP_SIZES[1:], strict=True))
        hint = ("the biases are missing" if n == weights else
                "count W and b of each of the four Linear layers")
        raise ExerciseError(f"n_params is not right yet: {hint}.")
    correct("Every gradient has its parameter's shape, every error matrix the shape of its "
            "Z, and the batch axis disappears exactly where a sum over examples happens.")


@exercise_check("3.3")
def check_per_example_gradients(per_example_dW) -> None:
    r"""``per_example_dW(delta, a_prev)`` returns each example's :math:`\delta_n a_n^\top`.

    ``delta`` is ``(N, n_out)``, ``a_prev`` is ``(N, n_in)``; the answer must have shape
    ``(N, n_out, n_in)``, and its sum over the first axis is the batch gradient
    :math:`dW = \Delta^\top A`, which bpkit's ``Linear.backward`` computes.
    """
    from ..layers import Linear

    expect_function("per_example_dW", per_example_dW)
    rng = np.random.default_rng(5)
    for n, n_in, n_out in ((1, 3, 2), (6, 4, 3), (5, 3, 3)):
        delta = rng.standard_normal((n, n_out))
        a_prev = rng.standard_normal((n, n_in))
        what = f"per_example_dW for delta of shape {delta.shape}, a_prev of shape {a_prev.shape}"
        got = call_reader("per_example_dW", per_example_dW, delta.copy(), a_prev.copy())
        if got is None:
            raise ExerciseError(f"{what}: the function returned None.")
        layer = Linear(n_in, n_out)
        layer.forward(a_prev)
        layer.backward(delta)
        got_arr = np.asarray(got, dtype=np.float64)
        if got_arr.shape == (n, n_in, n_out) and n_in != n_out:
            raise ExerciseError(f"{what}: each example's matrix is transposed; it must have "
                                "the shape of W, (n_out, n_in).")
        if got_arr.shape == (n, n_out, n_in) and n > 1 and np.allclose(
                got_arr.sum(axis=0) * n, layer.grads["W"], rtol=1e-10):
            raise ExerciseError(f"{what}: your matrices sum to 1/N of the batch gradient; "
                                "each example's own contribution has no 1/N.")
        check_close(what, got, np.einsum("nj,nk->njk", delta, a_prev), rtol=1e-10, atol=1e-12,
                    hint="Entry n is example n's own contribution: (BP3) for that example "
                         "alone.")
        if not np.allclose(np.sum(got_arr, axis=0), layer.grads["W"], rtol=1e-10, atol=1e-12):
            raise ExerciseError(f"{what}: the matrices do not sum to bpkit's dW.")
    correct("Summed over the batch they give Linear.backward's dW.")


@exercise_check("3.4")
def check_leaky_relu_fix(layer_class) -> None:
    r"""``layer_class(slope=...)`` must repair ``bugzoo.LeakyReLUBroken``'s backward pass.

    Checked with :func:`bpkit.check_layer` for two slopes on inputs kept away from the kink
    at 0 (where the derivative jumps and a centered difference would average the two slopes).
    """
    what = "FixedLeakyReLU"
    rng = np.random.default_rng(17)
    for slope in (0.1, 0.3):
        z = rng.standard_normal((5, 4))
        z += np.where(z >= 0, 0.1, -0.1)  # no input within 0.1 of the kink
        dy = rng.standard_normal(z.shape)
        layer = _reader_layer(what, layer_class, slope)
        got = _backward(what, layer, z, dy)
        pos, neg = z > 0, z < 0
        right = np.where(pos, dy, slope * dy)
        ok_pos = np.allclose(got[pos], right[pos], rtol=1e-9, atol=1e-12)
        ok_neg = np.allclose(got[neg], right[neg], rtol=1e-9, atol=1e-12)
        case = f"{what}(slope={slope})"
        if not (ok_pos or ok_neg):
            broken = np.where(pos, slope * dy, dy)
            if np.allclose(got, broken, rtol=1e-9):
                raise ExerciseError(f"{case}: still the broken layer's gradient. Compare the "
                                    "analytic and numeric dx of the report where z > 0 and "
                                    "where z < 0 separately.")
            raise ExerciseError(f"{case}: wrong for positive and for negative inputs.")
        if not ok_pos:
            raise ExerciseError(f"{case}: right where z < 0, wrong where z > 0.")
        if not ok_neg:
            raise ExerciseError(f"{case}: right where z > 0, wrong where z < 0"
                                + (" (does it use this layer's slope?)" if slope != 0.1
                                   else "") + ".")
        if _gradient_check(what, layer_class(slope), z, np.random.default_rng(2)) > 1e-7:
            raise ExerciseError(f"{case}: the gradient check fails.")  # pragma: no cover
    correct("The gradient check passes for both slopes: the bug was in the backward pass "
            "alone, and the report's pattern pointed to it.")
