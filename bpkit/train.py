"""One training step, with divergence reported rather than carried on."""

from __future__ import annotations

import numpy as np

__all__ = ["DivergenceError", "train_step"]


class DivergenceError(FloatingPointError):
    """The loss became NaN or infinite during training."""


def train_step(model, loss, optimizer, x, t) -> float:
    """Forward, loss, backward and one optimizer step on the batch ``(x, t)``.

    Returns the loss *before* the step. Raises :class:`DivergenceError` with a hint when
    the loss is not finite, instead of letting NaN spread through the parameters.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, with a hint
        y = model.forward(x)
        if not np.isfinite(y).all():
            raise DivergenceError(_hint("the model's output", optimizer))
        value = loss.forward(y, t)
    if not np.isfinite(value):
        raise DivergenceError(_hint(f"the loss ({value})", optimizer))
    model.backward(loss.backward(), need_dx=False)  # dL/dx of the data is not needed
    optimizer.step()
    return value


def _hint(what: str, optimizer) -> str:
    lr = getattr(optimizer, "lr", None)
    return (f"{what} became non-finite (NaN or inf) during training. The usual causes: a "
            f"learning rate too large{f' (lr={lr})' if lr is not None else ''}, which "
            "makes each step overshoot and the weights grow without bound, or exploding "
            "gradients in a deep network. Try a learning rate 10 times smaller, or check "
            "the gradients with bpkit.gradcheck.")
