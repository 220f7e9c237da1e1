"""Hidden tests of Chapter 6: other widths, other batch shapes, the clipped run re-run here."""

from __future__ import annotations

import numpy as np

from . import array, call, close, fail, number
from .library import require_own_work

#: ch6.CONFIGS and ch6.WIDTH, copied (a student could change what bpkit.exercises.ch6 holds).
CONFIGS = (("sigmoid", "glorot"), ("relu", "glorot"), ("relu", "he"), ("tanh", "he"))
WIDTH = 64


def exercise_6_1(he_variance) -> None:
    require_own_work("6.1", he_variance)
    for n_in in (1, 3, 7, 300, 4096):
        got = number("6.1", call("6.1", he_variance, n_in), f"he_variance({n_in})")
        if not close(got, 2.0 / n_in, rtol=1e-9, atol=0):
            raise fail("6.1", f"wrong for n_in = {n_in}.")


def _batchnorm_dz(dz_hat, z_hat, inv_std):
    """The full chain rule through the mean and the variance, term by term."""
    return inv_std * (dz_hat - dz_hat.mean(axis=0) - z_hat * (dz_hat * z_hat).mean(axis=0))


def exercise_6_2(batchnorm_dz) -> None:
    require_own_work("6.2", batchnorm_dz)
    rng = np.random.default_rng(6202)
    for n, units in [(2, 1), (3, 5), (16, 3), (40, 2)]:
        z = rng.normal(1.5, 2.0, size=(n, units))
        inv_std = 1.0 / np.sqrt(z.var(axis=0) + 1e-5)
        z_hat = (z - z.mean(axis=0)) * inv_std
        dz_hat = rng.normal(0.7, 1.0, size=(n, units)) + 0.5 * z_hat  # a mean and a tilt
        got = array("6.2", call("6.2", batchnorm_dz, dz_hat.copy(), z_hat.copy(),
                                inv_std.copy()), "batchnorm_dz")
        if not close(got, _batchnorm_dz(dz_hat, z_hat, inv_std), rtol=1e-7, atol=1e-10):
            raise fail("6.2", f"wrong for a batch of {n} examples of {units} units.")


def exercise_6_3(delta_factors) -> None:
    if not isinstance(delta_factors, dict):
        raise fail("6.3", "delta_factors is not a dict.")
    var_w = {"glorot": 1.0 / WIDTH, "he": 2.0 / WIDTH}
    slope2 = {"sigmoid": 1.0 / 16, "tanh": 1.0, "relu": 0.5}
    for act, init in CONFIGS:
        if (act, init) not in delta_factors:
            raise fail("6.3", f"no value for {(act, init)}.")
        got = number("6.3", delta_factors[act, init], f"delta_factors[{(act, init)}]")
        if not close(got, np.sqrt(WIDTH * var_w[init] * slope2[act]), rtol=1e-6):
            raise fail("6.3", f"the factor for {(act, init)} is not right.")


def _exploding_run(max_norm, epochs=30):
    """The chapter's exploding run, rebuilt here from bpkit's layers (same seeds)."""
    import bpkit as bp
    from bpkit.optim import clip_grad_norm
    from bpkit.train import minibatches

    rng = np.random.default_rng(3)
    layers, n = [], 2
    for _ in range(9):
        layer = bp.Linear(n, 32, rng=rng, init="he")
        layer.params["W"] *= 1.2
        layers += [layer, bp.ReLU()]
        n = 32
    layers.append(bp.Linear(n, 1, rng=rng, init="he"))
    model = bp.Sequential(*layers)
    x = np.random.default_rng(4).uniform(-2, 2, (200, 2))
    t = np.sin(x[:, :1]) * np.cos(x[:, 1:])
    loss, opt, order = bp.SquaredError(), bp.SGD(model, lr=0.01), np.random.default_rng(5)
    losses = []
    for _ in range(epochs):
        for idx in minibatches(len(x), 20, order):
            try:
                with np.errstate(all="ignore"):
                    value = loss.forward(model.forward(x[idx]), t[idx])
                model.backward(loss.backward(), need_dx=False)
                clip_grad_norm(model, max_norm)
                opt.step()
            except (ValueError, OverflowError):
                return np.array(losses), True
            losses.append(value)
    return np.array(losses), False


def exercise_6_4(max_norm) -> None:
    tau = number("6.4", max_norm, "max_norm")
    if tau <= 0:
        raise fail("6.4", "max_norm is not positive.")
    losses, diverged = _exploding_run(tau)
    if diverged or losses.max() > 10 * losses[0]:
        raise fail("6.4", "with this max_norm the run still blows up.")
    if losses[-10:].mean() > 0.2:
        raise fail("6.4", "with this max_norm the run does not learn enough.")
