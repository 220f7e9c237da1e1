r"""Checks for the exercises of chapter 3, backpropagation in matrix form.

- :func:`check_linear_no_bias`: the backward pass of :math:`y = x W^\top` (no bias).
- :func:`check_gradient_shapes`: every gradient's shape in a 784-128-10 network.
- :func:`check_per_example_gradients`: the batch weight gradient as a sum of outer products.
- :func:`check_cost_count`: how many passes each way of computing the gradient needs.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import check_layer
from . import ExerciseError, check_close, correct

__all__ = ["check_linear_no_bias", "check_gradient_shapes", "check_per_example_gradients",
           "check_cost_count", "MNIST_SIZES", "BATCH"]

#: The network of exercises 3.2 and 3.4: 784 inputs, 128 hidden units, 10 outputs.
MNIST_SIZES = (784, 128, 10)
#: The batch size of exercise 3.2.
BATCH = 32


def _n_params(sizes=MNIST_SIZES) -> int:
    return sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


def check_linear_no_bias(layer_class) -> None:
    r"""``layer_class(W)`` must be a layer :math:`y = x W^\top` whose backward is right.

    Its ``backward(dy)`` must set ``grads["W"]`` to :math:`dW = dy^\top x` ``(n_out, n_in)``
    and return :math:`dx = dy\, W` ``(N, n_in)``. Checked with :func:`bpkit.check_layer` on
    three shapes, one of them square (where a transposed answer would have the right shape).
    """
    rng = np.random.default_rng(3)
    for n, n_in, n_out in ((1, 2, 3), (5, 3, 2), (4, 3, 3)):
        W = rng.standard_normal((n_out, n_in))
        x = rng.standard_normal((n, n_in))
        try:
            layer = layer_class(W.copy())
            report = check_layer(layer, x, rng=np.random.default_rng(n))
        except Exception as err:  # the learner's code failed: say where, with a hint
            raise ExerciseError(
                f"with x of shape {x.shape} and W of shape {W.shape}, your layer raised "
                f"{type(err).__name__}: {err}. backward(dy) gets dy of shape ({n}, {n_out}); "
                "it must fill self.grads['W'] (shape of W) and return dL/dx (shape of x)."
            ) from None
        if set(report) != {"x", "W"}:
            raise ExerciseError(f"the layer should have exactly one parameter, 'W'; it has "
                                f"{sorted(k for k in report if k != 'x')}")
        for key, what, shape in (("W", "grads['W']", W.shape), ("x", "the returned dL/dx",
                                                                 x.shape)):
            got = report[key].analytic
            if got.shape != shape or not np.isfinite(got).all():
                raise ExerciseError(f"{what} should be a finite array of shape {shape}, got "
                                    f"shape {got.shape} (did backward return its result?)")
        if report["W"].rel_error > 1e-7:
            raise ExerciseError(
                f"grads['W'] is wrong for x {x.shape}, W {W.shape} (relative error "
                f"{report['W'].rel_error:.1e}). Each example adds the outer product of its "
                "dy row and its x row: dW = dy.T @ x, shape (n_out, n_in).")
        if report["x"].rel_error > 1e-7:
            raise ExerciseError(
                f"the returned dL/dx is wrong for x {x.shape}, W {W.shape} (relative error "
                f"{report['x'].rel_error:.1e}). Row by row it is W^T dy in column form, which "
                "for a batch of rows is dy @ W, shape (N, n_in).")
    correct("Your backward pass agrees with centered differences.")


def _as_shape(value, what: str) -> tuple:
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    try:
        return tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what}: expected a shape such as (3, 4), got {value!r}") from None


def check_gradient_shapes(answer: dict) -> None:
    r"""Shapes in a 784-128-10 network for a batch of 32 rows, and its parameter count.

    ``answer`` maps ``"dW1", "db1", "dW2", "db2"`` (gradients of the two Linear layers),
    ``"delta1", "delta2"`` (the error matrices :math:`\partial L/\partial Z^l` of the batch)
    to shapes, and ``"n_params"`` to the number of parameters.
    """
    n_in, n_hid, n_out = MNIST_SIZES
    expected = {"dW1": (n_hid, n_in), "db1": (n_hid,), "dW2": (n_out, n_hid), "db2": (n_out,),
                "delta1": (BATCH, n_hid), "delta2": (BATCH, n_out)}
    if answer is None:
        raise ExerciseError("no answer yet (got None): give a dict of shapes, e.g. "
                            "{'dW1': (128, 784), ...}")
    if not isinstance(answer, dict):
        raise ExerciseError(f"expected a dict with keys {sorted(expected) + ['n_params']}, "
                            f"got {type(answer).__name__}")
    missing = [k for k in [*expected, "n_params"] if k not in answer]
    if missing:
        raise ExerciseError(f"missing key(s) {missing}; expected {[*expected, 'n_params']}")
    for key, shape in expected.items():
        got = _as_shape(answer[key], key)
        if got == shape:
            continue
        if got == shape[::-1] and key.startswith("dW"):
            raise ExerciseError(f"{key}: {got} is transposed. A gradient has the shape of its "
                                "parameter, and W is (n_out, n_in): one row per unit it feeds.")
        if key.startswith("db"):
            raise ExerciseError(f"{key}: got {got}. The bias gradient has the shape of b: one "
                                "number per unit; the batch was summed away.")
        if key.startswith("delta"):
            raise ExerciseError(f"{key}: got {got}. An error matrix has the shape of Z: a row "
                                f"per example (N = {BATCH}), a column per unit of the layer.")
        raise ExerciseError(f"{key}: got {got}. A gradient has the shape of its parameter.")
    check_close("n_params", answer["n_params"], _n_params(), rtol=0, atol=0.5,
                hint="Count W and b of both layers: n_out * n_in + n_out each.")
    correct(f"Every gradient has its parameter's shape; {_n_params()} parameters.")


def check_per_example_gradients(per_example_dW) -> None:
    r"""``per_example_dW(delta, a_prev)`` returns each example's :math:`\delta_n a_n^\top`.

    ``delta`` is ``(N, n_out)``, ``a_prev`` is ``(N, n_in)``; the answer must have shape
    ``(N, n_out, n_in)``, and its sum over the first axis is the batch gradient
    :math:`dW = \Delta^\top A`, which bpkit's ``Linear.backward`` computes.
    """
    from ..layers import Linear

    rng = np.random.default_rng(5)
    for n, n_in, n_out in ((1, 3, 2), (6, 4, 3), (5, 3, 3)):
        delta = rng.standard_normal((n, n_out))
        a_prev = rng.standard_normal((n, n_in))
        try:
            got = per_example_dW(delta.copy(), a_prev.copy())
        except Exception as err:
            raise ExerciseError(f"with delta {delta.shape} and a_prev {a_prev.shape} your "
                                f"function raised {type(err).__name__}: {err}") from None
        expected = np.einsum("nj,nk->njk", delta, a_prev)
        check_close(f"per_example_dW for delta {delta.shape}, a_prev {a_prev.shape}", got,
                    expected, rtol=1e-10, atol=1e-12,
                    hint="Example n contributes np.outer(delta[n], a_prev[n]), shape "
                         "(n_out, n_in).")
        layer = Linear(n_in, n_out)
        layer.forward(a_prev)
        layer.backward(delta)
        if not np.allclose(np.sum(got, axis=0), layer.grads["W"], rtol=1e-10, atol=1e-12):
            raise ExerciseError("the per-example gradients do not sum to bpkit's dW")
    correct("Summed over the batch they give Linear.backward's dW.")


def check_cost_count(answer: dict) -> None:
    """Passes needed for the full gradient of one scalar loss of the 784-128-10 network.

    ``answer`` maps ``"finite_differences"`` (loss evaluations for centered differences,
    one parameter at a time), ``"forward_mode"`` (forward-mode passes, one tangent
    direction each) and ``"reverse_mode"`` (backward passes) to whole numbers.
    """
    p = _n_params()
    expected = {"finite_differences": 2 * p, "forward_mode": p, "reverse_mode": 1}
    if answer is None:
        raise ExerciseError(f"no answer yet (got None): give a dict with keys {list(expected)}")
    if not isinstance(answer, dict) or set(answer) != set(expected):
        raise ExerciseError(f"expected a dict with keys {list(expected)}, got {answer!r}")
    hints = {
        "finite_differences": f"Each of the {p} parameters needs L(theta + h) and "
                              "L(theta - h).",
        "forward_mode": "One forward-mode pass carries one direction: the derivative along "
                        "one parameter. How many parameters are there?",
        "reverse_mode": "One backward pass from the scalar loss gives dL for every parameter.",
    }
    for key, value in expected.items():
        check_close(key, answer[key], value, rtol=0, atol=0.5, hint=hints[key])
    correct(f"Reverse mode: 1 backward pass instead of {2 * p} loss evaluations.")
