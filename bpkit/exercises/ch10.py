r"""Checks for the exercises of chapter 10, recurrent networks.

- :func:`check_dL_dwh`: the gradient of a two-step scalar RNN's loss with respect to its
  recurrent weight, by hand, against a centered difference.
- :func:`check_steps_reached`: how many steps truncated backpropagation through time reaches
  back from a loss on the last step.
- :func:`check_forget_gate_dz`: the LSTM forget gate's backward, from the gradient reaching
  the cell state.
- :func:`check_clipped_rnn_run`: a clipping threshold that lets the exploding RNN run of the
  chapter train.

No message of a check states the expected value or its formula: a passing check says what
the answer implies, a failing one what is off.
"""

from __future__ import annotations

import math

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

__all__ = ["check_dL_dwh", "check_steps_reached", "check_forget_gate_dz",
           "check_clipped_rnn_run", "exploding_rnn_run", "RUN"]

#: The exploding run of the chapter and of exercise 10.4: a vanilla RNN of 16 units whose
#: recurrent weights are 2 Q (Q orthogonal: every singular value 2), plain gradient descent with
#: a large learning rate, on the first-symbol task.
RUN = {"n_hidden": 16, "scale": 2.0, "lr": 1.0, "lag": 10, "n_symbols": 4, "batch": 32,
       "steps": 200}


def _scalar(value):
    if value is None or isinstance(value, (str, bytes, bool)) or np.ndim(value) != 0:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------- Exercise 10.1

def _two_step_loss(wx, wh, b, x1, x2, h0, t):
    h1 = math.tanh(wx * x1 + wh * h0 + b)
    h2 = math.tanh(wx * x2 + wh * h1 + b)
    return 0.5 * (h2 - t) ** 2


def _two_step_terms(wx, wh, b, x1, x2, h0, t):
    """The two steps' shares of dL/dwh: (step 1's, step 2's)."""
    h1 = math.tanh(wx * x1 + wh * h0 + b)
    h2 = math.tanh(wx * x2 + wh * h1 + b)
    dz2 = (h2 - t) * (1 - h2 * h2)
    dz1 = dz2 * wh * (1 - h1 * h1)
    return dz1 * h0, dz2 * h1


@exercise_check("10.1")
def check_dL_dwh(dL_dwh) -> None:
    """``dL_dwh(wx, wh, b, x1, x2, h0, t)``: dL/dw_h of the two-step scalar RNN."""
    expect_function("dL_dwh", dL_dwh)
    points = [(0.5, -0.8, 0.1, 1.0, 2.0, 0.6, 0.3), (-1.2, 0.9, -0.3, 0.4, -0.7, -0.5, 0.8),
              (0.7, 1.3, 0.2, -1.5, 0.3, 0.9, -0.6)]
    for p in points:
        got = _scalar(call_reader("dL_dwh", dL_dwh, *p))
        if got is None:
            raise ExerciseError("dL_dwh must return one number.")
        eps = 1e-6
        numeric = (_two_step_loss(p[0], p[1] + eps, *p[2:])
                   - _two_step_loss(p[0], p[1] - eps, *p[2:])) / (2 * eps)
        first, last = _two_step_terms(*p)
        if not np.isclose(got, numeric, rtol=1e-6, atol=1e-9):
            if np.isclose(got, last, rtol=1e-6, atol=1e-9):
                raise ExerciseError("dL_dwh: you have step 2's share only. w_h is used at "
                                    "both steps, and at step 1 it multiplies h0, which is not "
                                    "zero here: both steps' shares add up.")
            if np.isclose(got, first, rtol=1e-6, atol=1e-9):
                raise ExerciseError("dL_dwh: you have step 1's share only; step 2 uses w_h too.")
        check_close("dL_dwh", got, numeric, rtol=1e-6, atol=1e-9,
                    hint="Unroll the two steps, take each step's share of dL/dw_h (the error "
                         "term of its pre-activation times the state it multiplied), and add.")
    correct("Your derivative agrees with a centered difference at three points: one share "
            "per step that uses w_h, each the error term of that step's pre-activation times "
            "the state w_h multiplied there, added up, as RNN.backward accumulates them.")


# ----------------------------------------------------------------- Exercise 10.2

def _reached_by_bpkit(steps: int, k: int) -> int:
    """Steps whose error term is non-zero, measured with bpkit's RNN and truncate=k."""
    from ..recurrent import RNN

    rng = np.random.default_rng(10 * steps + k)
    layer = RNN(2, 3, truncate=k, rng=rng)
    x = rng.standard_normal((1, steps, 2))
    h = layer.forward(x)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    dx = layer.backward(dh)  # dx_t = dz_t W_x: zero exactly where dz_t is
    return int(np.count_nonzero(np.abs(dx[0]).sum(axis=1)))


@exercise_check("10.2")
def check_steps_reached(steps_reached) -> None:
    """``steps_reached(T, k)``: steps of T whose error term a loss on step T reaches, with
    truncate=k."""
    expect_function("steps_reached", steps_reached)
    cases = [(6, 3), (10, 4), (7, 1), (5, 8), (9, 9), (12, 5), (20, 6)]
    wrong_min, wrong_other = [], []
    for steps, k in cases:
        got = call_reader("steps_reached", steps_reached, steps, k)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer, float)) or (
                isinstance(got, float) and not got.is_integer()):
            raise ExerciseError("steps_reached(T, k) must return a whole number of steps.")
        want = _reached_by_bpkit(steps, k)
        if int(got) != want:
            (wrong_min if int(got) == min(steps, k) else wrong_other).append((steps, k))
    if wrong_min and not wrong_other:
        raise ExerciseError("steps_reached: right only when k divides T. The chunks are laid "
                            "out from the start of the sequence, not back from the loss: where "
                            "does the chunk holding the last step begin?")
    if wrong_min or wrong_other:
        steps, k = (wrong_min + wrong_other)[0]
        raise ExerciseError(f"steps_reached: not right yet, e.g. for T = {steps}, k = {k}. "
                            "Draw the chunks of k steps from step 1 on and follow the gradient "
                            "back from step T until it meets a cut.")
    correct("Your count agrees with bpkit's RNN(truncate=k) on seven sequences: the loss on "
            "the last step reaches back only to the start of its own chunk, so with a badly "
            "placed cut truncation keeps far fewer than k steps, and the weights learn "
            "nothing about what happened before that start.")


# ----------------------------------------------------------------- Exercise 10.3

def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@exercise_check("10.3")
def check_forget_gate_dz(forget_gate_dz) -> None:
    """``forget_gate_dz(dc, c_prev, f)``: dL/dz^f from dL/dc_t (all (N, n_h) arrays)."""
    expect_function("forget_gate_dz", forget_gate_dz)
    rng = np.random.default_rng(103)
    for n, h in ((3, 4), (1, 2), (5, 1)):
        z_f = rng.standard_normal((n, h)) * 2
        c_prev, rest, dc = (rng.standard_normal((n, h)) for _ in range(3))
        f = _sigmoid(z_f)
        got = call_reader("forget_gate_dz", forget_gate_dz, dc.copy(), c_prev.copy(), f.copy())
        if got is None:
            raise ExerciseError("forget_gate_dz returned None: end the function with a return.")
        eps = 1e-6  # c_t = f c_{t-1} + (the input gate's part), a function of z_f

        def loss(z, dc=dc, c_prev=c_prev, rest=rest):
            return float((dc * (_sigmoid(z) * c_prev + rest)).sum())

        numeric = np.zeros_like(z_f)
        for i in np.ndindex(z_f.shape):
            up, down = z_f.copy(), z_f.copy()
            up[i] += eps
            down[i] -= eps
            numeric[i] = (loss(up) - loss(down)) / (2 * eps)
        if got is not None and np.shape(got) == numeric.shape:
            g = np.asarray(got, dtype=np.float64)
            if np.allclose(g, dc * c_prev, rtol=1e-6, atol=1e-9):
                raise ExerciseError("forget_gate_dz: that is dL/df; the question asks for the "
                                    "gradient of the gate's pre-activation, one step further "
                                    "back, through the sigmoid.")
            if np.allclose(g, dc * f * (1 - f), rtol=1e-6, atol=1e-9):
                raise ExerciseError("forget_gate_dz: what the gate multiplies is missing: f "
                                    "scales the previous cell state.")
        check_close("forget_gate_dz", got, numeric, rtol=1e-6, atol=1e-9,
                    hint="c_t depends on z^f through f only, and f = sigma(z^f).")
    correct("Your forget gate's backward agrees with a centered difference on three batches. "
            "When the gate is nearly open (f near 1) its own gradient is small, but the cell's "
            "gradient passes back almost whole, times f, along the additive path.")


# ----------------------------------------------------------------- Exercise 10.4

def exploding_rnn_run(max_norm=None, seed: int = 0):
    """The chapter's exploding run; returns ``(losses, norms)`` per step, ``norms`` being
    the gradient's norm before clipping.

    A vanilla RNN of ``RUN["n_hidden"]`` units (``Wh = RUN["scale"] * Q``, Q orthogonal),
    the last state into a Linear layer and softmax cross-entropy, trained on
    :func:`bpkit.datasets.first_symbol` (lag ``RUN["lag"]``) with plain gradient descent,
    ``lr = RUN["lr"]``, for ``RUN["steps"]`` batches of ``RUN["batch"]``. ``max_norm`` clips
    the gradient's norm before every step (None: no clipping).
    """
    from ..datasets import first_symbol
    from ..layers import Linear
    from ..losses import SoftmaxCrossEntropy
    from ..model import Sequential
    from ..optim import SGD, clip_grad_norm
    from ..recurrent import RNN, LastStep, orthogonal

    k, hidden = RUN["n_symbols"], RUN["n_hidden"]
    rng = np.random.default_rng(seed)
    rnn = RNN(k + 2, hidden, rng=rng)
    rnn.params["Wh"][...] = RUN["scale"] * orthogonal(hidden, rng)
    model = Sequential(rnn, LastStep(), Linear(hidden, k, rng=rng))
    loss, opt = SoftmaxCrossEntropy(), SGD(model, lr=RUN["lr"])
    data = np.random.default_rng(seed + 1)
    losses, norms = [], []
    for _ in range(RUN["steps"]):
        x, t = first_symbol(RUN["batch"], RUN["lag"], n_symbols=k, rng=data)
        with np.errstate(over="ignore"):
            losses.append(loss.forward(model.forward(x), t))
        model.backward(loss.backward())
        g = np.sqrt(sum(float(np.sum(v * v)) for v in model.grads.values()))
        norms.append(g)
        if max_norm is not None:
            clip_grad_norm(model, max_norm)
        opt.step()
    return np.array(losses), np.array(norms)


@exercise_check("10.4")
def check_clipped_rnn_run(max_norm) -> None:
    """``max_norm``: a threshold with which the exploding RNN run learns the task."""
    if max_norm is None:
        raise no_answer("max_norm")
    tau = _scalar(max_norm)
    if tau is None:
        raise ExerciseError("max_norm must be one number, the largest gradient norm allowed.")
    if not np.isfinite(tau) or tau <= 0:
        raise ExerciseError("max_norm must be a positive number.")
    losses, norms = exploding_rnn_run(tau)
    end = float(losses[-20:].mean())
    if tau >= norms.max():
        raise ExerciseError("With this max_norm clipping never acts: no gradient of the run "
                            "is that long, so it is the unclipped run, which does not learn.")
    if end > 0.1:
        clipped = float(np.mean(norms > tau))
        if clipped > 0.9:
            raise ExerciseError("With this max_norm the run no longer blows up, but it learns "
                                "too slowly: almost every step is cut so short that 200 steps "
                                "are not enough.")
        raise ExerciseError("With this max_norm the run still does not learn: the steps it "
                            "lets through are too long for the steep walls of the loss.")
    correct("Clipped, the run learns the task: the long gradients, which arise where the "
            "recurrent weights carry the gradient back over many time steps undiminished, are "
            "cut to a safe length in the same direction, and once the run settles the short "
            "ones pass untouched.")
