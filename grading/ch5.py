"""Hidden tests of Chapter 5: AdamW under other settings, the numbers recomputed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from . import call, close, fail, number
from .library import require_own_work


def _adamw(params, grads, lr, beta1, beta2, eps, weight_decay):
    theta = {k: p.copy() for k, p in params.items()}
    m = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    out = []
    for k, g_all in enumerate(grads, start=1):
        for name, g in g_all.items():
            m[name] = beta1 * m[name] + (1 - beta1) * g
            s[name] = beta2 * s[name] + (1 - beta2) * g * g
            m_hat, s_hat = m[name] / (1 - beta1 ** k), s[name] / (1 - beta2 ** k)
            theta[name] = theta[name] - lr * (m_hat / (np.sqrt(s_hat) + eps)
                                              + weight_decay * theta[name])
        out.append({n: v.copy() for n, v in theta.items()})
    return out


def exercise_5_1(AdamW) -> None:
    require_own_work("5.1", AdamW)
    rng = np.random.default_rng(5101)
    params = {"W": rng.normal(size=(2, 4)), "b": rng.normal(size=4), "c": rng.normal(size=1)}
    grads = [{k: rng.normal(size=p.shape) * 3 for k, p in params.items()} for _ in range(30)]
    settings = [((), (0.001, 0.9, 0.999, 1e-8, 0.01)),
                ((0.05, 0.8, 0.99, 1e-6, 0.3), (0.05, 0.8, 0.99, 1e-6, 0.3))]
    for given, expected_settings in settings:
        model = SimpleNamespace(params={k: p.copy() for k, p in params.items()},
                                grads={k: np.zeros_like(p) for k, p in params.items()})
        kwargs = dict(zip(("lr", "beta1", "beta2", "eps", "weight_decay"), given, strict=False))
        opt = call("5.1", AdamW, model, **kwargs)
        expected = _adamw(params, grads, *expected_settings)
        for step, g_all in enumerate(grads):
            for k, g in g_all.items():
                model.grads[k][...] = g
            call("5.1", opt.step)
            for k in params:
                if not close(model.params[k], expected[step][k], rtol=1e-9, atol=1e-12):
                    what = "the defaults" if not given else "other settings"
                    raise fail("5.1", f"with {what}, step {step + 1} moves {k} wrongly.")


def exercise_5_2(momentum_lr_bound) -> None:
    lam_max = 4.0  # the largest eigenvalue of [[3, 1], [1, 3]]
    got = number("5.2", momentum_lr_bound, "momentum_lr_bound")
    if not close(got, 2 * (1 + 0.9) / lam_max, rtol=1e-9):
        raise fail("5.2", "momentum_lr_bound is not the bound.")


def exercise_5_3(uncorrected_peak_step, uncorrected_peak_ratio) -> None:
    k = np.arange(1, 20001)
    sizes = (1 - 0.9 ** k) / np.sqrt(1 - 0.999 ** k)
    if (isinstance(uncorrected_peak_step, bool)
            or number("5.3", uncorrected_peak_step, "uncorrected_peak_step")
            != int(k[sizes.argmax()])):
        raise fail("5.3", "uncorrected_peak_step is not the step of the largest step.")
    got = number("5.3", uncorrected_peak_ratio, "uncorrected_peak_ratio")
    if not close(got, sizes.max(), rtol=5e-5):
        raise fail("5.3", "uncorrected_peak_ratio is not right to four significant digits.")


def exercise_5_4(alternating_ratio) -> None:
    got = number("5.4", alternating_ratio, "alternating_ratio")
    if not close(got, (1 - 0.9) / (1 + 0.9), rtol=1e-4):
        raise fail("5.4", "alternating_ratio is not the long-run step of Adam.")
