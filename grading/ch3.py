"""Hidden tests of Chapter 3: other shapes, large inputs, square arrays (transposes)."""

from __future__ import annotations

import numpy as np

from . import array, call, close, fail
from .library import require_own_work


def _layer_backward(exercise, cls, args, z, da):
    layer = call(exercise, cls, *args)
    call(exercise, layer.forward, z.copy())
    return array(exercise, call(exercise, layer.backward, da.copy()), "backward")


def exercise_3_1(layer_class) -> None:
    require_own_work("3.1", layer_class)
    rng = np.random.default_rng(3101)
    for shape in [(1, 1), (3, 3), (2, 7), (6, 2)]:
        z = rng.normal(scale=3.0, size=shape)
        da = rng.normal(size=shape)
        got = _layer_backward("3.1", layer_class, (), z, da)
        expected = da * 1.7159 * (2 / 3) * (1 - np.tanh(2 * z / 3) ** 2)
        if not close(got, expected, rtol=1e-7, atol=1e-12):
            raise fail("3.1", f"backward is wrong on a batch of shape {shape}.")


def exercise_3_2(shapes) -> None:
    sizes, n = (12, 10, 7, 5, 3), 8
    if not isinstance(shapes, dict):
        raise fail("3.2", "shapes is not a dict.")
    for layer in range(1, 5):
        expected = {f"dW{layer}": (sizes[layer], sizes[layer - 1]),
                    f"db{layer}": (sizes[layer],), f"Delta{layer}": (n, sizes[layer])}
        for key, value in expected.items():
            try:
                got = tuple(int(v) for v in shapes[key])
            except (KeyError, TypeError, ValueError):
                raise fail("3.2", f"no shape for {key}.") from None
            if got != value:
                raise fail("3.2", f"the shape of {key} is wrong.")
    total = sum(sizes[k] * sizes[k - 1] + sizes[k] for k in range(1, 5))
    if shapes.get("n_params") != total or isinstance(shapes.get("n_params"), bool):
        raise fail("3.2", "the number of parameters is wrong.")


def exercise_3_3(per_example_dW) -> None:
    require_own_work("3.3", per_example_dW)
    rng = np.random.default_rng(3303)
    for n, n_out, n_in in [(1, 3, 4), (4, 4, 4), (6, 2, 5), (3, 5, 1)]:
        delta, a_prev = rng.normal(size=(n, n_out)), rng.normal(size=(n, n_in))
        got = array("3.3", call("3.3", per_example_dW, delta.copy(), a_prev.copy()),
                    "per_example_dW")
        expected = np.stack([np.outer(delta[k], a_prev[k]) for k in range(n)])
        if not close(got, expected, rtol=1e-9, atol=1e-12):
            raise fail("3.3", f"wrong for N = {n}, n_out = {n_out}, n_in = {n_in}.")


def exercise_3_4(layer_class) -> None:
    require_own_work("3.4", layer_class)
    rng = np.random.default_rng(3404)
    for slope, shape in [(0.2, (3, 3)), (0.01, (5, 2)), (0.5, (1, 6))]:
        z = rng.normal(size=shape)
        z += np.where(z >= 0, 0.05, -0.05)
        da = rng.normal(size=shape)
        got = _layer_backward("3.4", layer_class, (slope,), z, da)
        if not close(got, np.where(z > 0, da, slope * da), rtol=1e-9, atol=1e-12):
            raise fail("3.4", f"backward is wrong for slope {slope}.")
