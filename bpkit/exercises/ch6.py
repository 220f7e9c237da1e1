r"""Checks for the exercises of chapter 6, deep networks.

- :func:`check_he_variance`: the variance of a ReLU layer's weights that keeps the size of the
  signal from layer to layer.
- :func:`check_batchnorm_backward`: batch normalisation's input gradient, from the gradient
  of its standardised output, against a centered difference of the forward pass.
- :func:`check_delta_factors`: the factor by which the spread of the error terms changes per
  layer, predicted from the variance formula, for four configurations.
- :func:`check_clipped_run`: a clipping threshold that lets the exploding run of the
  chapter train.

No message of a check states the expected value or its formula: a passing check says what
the answer implies, a failing one what is off.
"""

from __future__ import annotations

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

__all__ = ["CONFIGS", "WIDTH", "check_he_variance", "check_batchnorm_backward",
           "check_delta_factors", "check_clipped_run", "exploding_run"]

#: The configurations of exercise 6.3: (activation, initialisation), square layers.
CONFIGS = (("sigmoid", "glorot"), ("relu", "glorot"), ("relu", "he"), ("tanh", "he"))
#: The width of every hidden layer in exercise 6.3 and in the chapter's measurements.
WIDTH = 64


def _scalar(value):
    if value is None or isinstance(value, (str, bytes, bool)) or np.ndim(value) != 0:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------- Exercise 6.1

@exercise_check("6.1")
def check_he_variance(he_variance) -> None:
    """``he_variance(n_in)``: the variance of each weight of a ReLU layer with n_in inputs."""
    expect_function("he_variance", he_variance)
    sizes = (3, 10, 64, 500)
    got = []
    for n in sizes:
        v = _scalar(call_reader("he_variance", he_variance, n))
        if v is None:
            raise ExerciseError("he_variance(n_in) must return one number, a variance.")
        got.append(v)
    got = np.array(got)
    want = 2.0 / np.array(sizes)
    if np.allclose(got, want, rtol=1e-9):
        correct("With this variance each ReLU layer passes on, on average, the second moment "
                "it receives, so neither the activations nor the error terms shrink or grow "
                "with depth.")
        return
    if np.allclose(got**2, want, rtol=1e-9):
        raise ExerciseError("he_variance: that is a standard deviation; the question asks "
                            "for the variance of a weight.")
    ratio = got / want
    if np.allclose(ratio, ratio[0], rtol=1e-9):
        raise ExerciseError("he_variance: it scales with n_in the right way, but a constant "
                            "factor is off: count what fraction of a ReLU's inputs it "
                            "passes on, and what that does to the mean of a^2.")
    raise ExerciseError("he_variance: not right yet. The sum over n_in inputs adds n_in "
                        "variances, so the answer must scale as one over n_in.")


# ----------------------------------------------------------------- Exercise 6.2

def _bn_forward(z, eps):
    mean = z.mean(axis=0)
    return (z - mean) / np.sqrt(z.var(axis=0) + eps)


@exercise_check("6.2")
def check_batchnorm_backward(batchnorm_dz) -> None:
    """``batchnorm_dz(dz_hat, z_hat, inv_std)`` -> dz, for batch norm in training mode."""
    expect_function("batchnorm_dz", batchnorm_dz)
    rng = np.random.default_rng(6)
    eps = 1e-5
    for n, d in ((5, 3), (8, 1), (3, 4)):
        z = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d) + rng.standard_normal(d)
        dz_hat = rng.standard_normal((n, d))
        z_hat = _bn_forward(z, eps)
        inv_std = 1.0 / np.sqrt(z.var(axis=0) + eps)
        got = call_reader("batchnorm_dz", batchnorm_dz, dz_hat.copy(), z_hat.copy(),
                          inv_std.copy())
        if got is None:
            raise ExerciseError("batchnorm_dz returned None: end the function with a return.")
        numeric = np.zeros_like(z)
        h = 1e-6
        for i in np.ndindex(z.shape):
            up, down = z.copy(), z.copy()
            up[i] += h
            down[i] -= h
            numeric[i] = ((_bn_forward(up, eps) - _bn_forward(down, eps)) * dz_hat).sum() / (2 * h)
        if got is not None and np.shape(got) == z.shape:
            got = np.asarray(got, dtype=np.float64)
            plain = dz_hat * inv_std
            if np.allclose(got, plain, rtol=1e-6, atol=1e-9):
                raise ExerciseError("batchnorm_dz: this treats the mean and the variance as "
                                    "constants (that is evaluation mode); in training both "
                                    "depend on every z of the batch.")
            if np.allclose(got - plain, -inv_std * dz_hat.mean(axis=0), rtol=1e-6, atol=1e-9):
                raise ExerciseError("batchnorm_dz: the path through the mean is there, the "
                                    "path through the variance is missing.")
            no_mean = got - numeric
            if np.allclose(no_mean, inv_std * dz_hat.mean(axis=0), rtol=1e-6, atol=1e-8):
                raise ExerciseError("batchnorm_dz: the path through the mean is missing.")
        check_close("batchnorm_dz", got, numeric, rtol=1e-5, atol=1e-7,
                    hint="Three paths lead from z to z_hat: directly, through the mean "
                         "and through the variance.")
    correct("Your input gradient agrees with a centered difference of the forward pass on "
            "three batches: it sums to zero over the batch and is (up to epsilon) orthogonal to "
            "z_hat, so a step along it leaves the batch's mean and spread where they are.")


# ----------------------------------------------------------------- Exercise 6.3

def _predicted(activation, init):
    var_w = {"glorot": 1.0 / WIDTH, "he": 2.0 / WIDTH}[init]  # square layers
    slope2 = {"sigmoid": 1.0 / 16, "tanh": 1.0, "relu": 0.5}[activation]
    return float(np.sqrt(WIDTH * var_w * slope2))


@exercise_check("6.3")
def check_delta_factors(delta_factors) -> None:
    """``delta_factors[(activation, init)]``: the predicted per-layer factor of std(delta)."""
    if delta_factors is None:
        raise no_answer("delta_factors")
    if not isinstance(delta_factors, dict):
        raise ExerciseError(f"delta_factors: expected a dict keyed by the pairs of "
                            f"ch6.CONFIGS, got {type(delta_factors).__name__}.")
    missing = [c for c in CONFIGS if c not in delta_factors]
    if missing:
        raise ExerciseError(f"delta_factors: no value for {missing[0]}.")
    got = {c: _scalar(delta_factors[c]) for c in CONFIGS}
    for c, v in got.items():
        if v is None:
            raise ExerciseError(f"delta_factors[{c}] must be one number.")
        want = _predicted(*c)
        if np.isclose(v, want**2, rtol=0.02) and not np.isclose(v, want, rtol=0.02):
            raise ExerciseError(f"delta_factors[{c}]: that is the factor of the variance; "
                                "the question asks for the standard deviation.")
        if np.isclose(v, 1 / want, rtol=0.02) and not np.isclose(v, want, rtol=0.02):
            raise ExerciseError(f"delta_factors[{c}]: upside down: the factor multiplies "
                                "std(delta) once per layer, going down from the output.")
        if not np.isclose(v, want, rtol=0.02):
            raise ExerciseError(f"delta_factors[{c}]: not right yet. Multiply the number of "
                                "terms, the variance of a weight and the mean square slope "
                                "of the activation near zero, then take the square root.")
    correct("Over 50 layers these factors decide everything: below one they shrink the "
            "error terms geometrically, above one they blow them up, and only a factor of "
            "one keeps the gradients of the first layers the size of the last ones'.")


# ----------------------------------------------------------------- Exercise 6.4

def exploding_run(max_norm=None, epochs: int = 30):
    """The chapter's exploding run: a 10-layer ReLU network, weights 1.2 times He's scale,
    plain gradient descent with lr 0.01 on a smooth regression; returns (losses, diverged).

    ``max_norm`` clips the gradient's norm before every step (None: no clipping)."""
    from ..layers import Linear, ReLU
    from ..losses import SquaredError
    from ..model import Sequential
    from ..optim import SGD, clip_grad_norm
    from ..train import minibatches

    rng = np.random.default_rng(3)
    layers, n = [], 2
    for _ in range(9):
        layer = Linear(n, 32, rng=rng, init="he")
        layer.params["W"] *= 1.2
        layers += [layer, ReLU()]
        n = 32
    layers.append(Linear(n, 1, rng=rng, init="he"))
    model = Sequential(*layers)
    x = np.random.default_rng(4).uniform(-2, 2, (200, 2))
    t = np.sin(x[:, :1]) * np.cos(x[:, 1:])
    loss, opt, order = SquaredError(), SGD(model, lr=0.01), np.random.default_rng(5)
    losses = []
    for _ in range(epochs):
        for idx in minibatches(len(x), 20, order):
            try:
                with np.errstate(all="ignore"):
                    value = loss.forward(model.forward(x[idx]), t[idx])
                model.backward(loss.backward(), need_dx=False)
                if max_norm is not None:
                    clip_grad_norm(model, max_norm)
                opt.step()
            except (ValueError, OverflowError):  # non-finite: the run has diverged
                return np.array(losses), True
            losses.append(value)
    return np.array(losses), False


@exercise_check("6.4")
def check_clipped_run(max_norm) -> None:
    """``max_norm``: a threshold with which the exploding run trains."""
    if max_norm is None:
        raise no_answer("max_norm")
    tau = _scalar(max_norm)
    if tau is None:
        raise ExerciseError("max_norm must be one number, the largest gradient norm allowed.")
    if not np.isfinite(tau) or tau <= 0:
        raise ExerciseError("max_norm must be a positive number.")
    losses, diverged = exploding_run(tau)
    if diverged or losses.max() > 10 * losses[0]:
        raise ExerciseError("With this max_norm the run still blows up, its loss climbing far "
                            "above where it started: the threshold is too large to tame the "
                            "first steps.")
    end = losses[-10:].mean()
    if end > 0.2:
        raise ExerciseError("With this max_norm the run no longer diverges, but it barely "
                            "learns in 30 epochs: the threshold is so small that every step "
                            "is tiny.")
    correct("Clipped, the run that diverged in three steps trains: the early, huge gradients "
            "are cut to a safe length while keeping their direction, and once the weights "
            "settle the gradients fall below the threshold and clipping stops acting.")
