"""Each chapter-10 check accepts the solution and rejects a wrong answer with a hint.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise of the chapter in a kernel.
"""

import numpy as np
import pytest
from exercise_helpers import checkers

from bpkit.exercises import ExerciseError, ch10
from bpkit.recurrent import LSTM, RNN

WRONG_ANSWERS = {
    "10.1": ("def dL_dwh(wx, wh, b, x1, x2, h0, t):\n"
             "    h1 = np.tanh(wx * x1 + wh * h0 + b)\n"
             "    h2 = np.tanh(wx * x2 + wh * h1 + b)\n"
             "    return (h2 - t) * (1 - h2**2) * h1\n"),
    "10.2": "def steps_reached(T, k):\n    return min(T, k)\n",
    "10.3": "def forget_gate_dz(dc, c_prev, f):\n    return dc * c_prev\n",
    "10.4": "max_norm = 1000.0\n",
}

ANSWER_STRINGS = {
    "10.1": ["dz2 * h1 + dz1 * h0", "dz1 * h0", "dz2 * wh * (1 - h1**2)"],
    "10.2": ["(T - 1) % k + 1", "% k + 1", "(T-1) % k"],
    "10.3": ["dc * c_prev * f * (1 - f)", "f * (1 - f)", "c_prev * f"],
    "10.4": ["max_norm = 1.0"],
}

no_leak, _, _ = checkers(ANSWER_STRINGS)


def dL_dwh(wx, wh, b, x1, x2, h0, t):
    h1 = np.tanh(wx * x1 + wh * h0 + b)
    h2 = np.tanh(wx * x2 + wh * h1 + b)
    dz2 = (h2 - t) * (1 - h2**2)
    dz1 = dz2 * wh * (1 - h1**2)
    return dz2 * h1 + dz1 * h0


def steps_reached(T, k):
    return (T - 1) % k + 1


def forget_gate_dz(dc, c_prev, f):
    return dc * c_prev * f * (1 - f)



def test_dL_dwh(capsys):
    ch10.check_dL_dwh(dL_dwh)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "10.1")


def test_dL_dwh_is_what_bpkit_computes():
    """The solution equals RNN.backward's dW_h for one unit, one input, two steps."""
    layer = RNN(1, 1)
    wx, wh, b, x1, x2, h0, t = 0.3, -0.7, 0.25, 1.1, -0.4, 0.8, -0.2
    layer.params["Wx"][...], layer.params["Wh"][...], layer.params["b"][...] = wx, wh, b
    h = layer.forward(np.array([[[x1], [x2]]]), h0=np.array([[h0]]))
    dh = np.zeros_like(h)
    dh[0, -1, 0] = h[0, -1, 0] - t
    layer.backward(dh)
    assert layer.grads["Wh"][0, 0] == pytest.approx(dL_dwh(wx, wh, b, x1, x2, h0, t), rel=1e-13)


@pytest.mark.parametrize("wrong, match", [
    (lambda wx, wh, b, x1, x2, h0, t: (np.tanh(wx * x2 + wh * np.tanh(wx * x1 + wh * h0 + b) + b)
                                        - t) * (1 - np.tanh(wx * x2 + wh * np.tanh(
                                            wx * x1 + wh * h0 + b) + b) ** 2)
     * np.tanh(wx * x1 + wh * h0 + b), "step 2's share only"),
    (lambda *p: -dL_dwh(*p), "sign is flipped"),
    (lambda *p: 2 * dL_dwh(*p), "constant multiple"),
    (lambda *p: "x", "one number"),
    (lambda *p: 1 / 0, "raised ZeroDivisionError"),
    (4.0, "expected a function"),
])
def test_dL_dwh_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch10.check_dL_dwh(wrong)
    no_leak(str(info.value), "10.1")


def test_steps_reached(capsys):
    ch10.check_steps_reached(steps_reached)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "10.2")


@pytest.mark.parametrize("T, k", [(6, 3), (10, 4), (7, 1), (5, 8), (13, 5), (1, 1)])
def test_steps_reached_counts_what_truncation_keeps(T, k):
    """The solution counts the non-zero error terms of RNN(truncate=k), read from grad_h."""
    rng = np.random.default_rng(T * 31 + k)
    layer = RNN(2, 3, truncate=k, rng=rng)
    h = layer.forward(rng.standard_normal((1, T, 2)))
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    layer.backward(dh)
    reached = int(np.count_nonzero(np.abs(layer.grad_h[0, 1:]).sum(axis=1)))
    assert reached == steps_reached(T, k)


@pytest.mark.parametrize("wrong, match", [
    (lambda T, k: min(T, k), "right only when k divides T"),
    (lambda T, k: T, "not right yet"),
    (lambda T, k: 2.5, "whole number"),
    (lambda T, k: None, "whole number"),
])
def test_steps_reached_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch10.check_steps_reached(wrong)
    no_leak(str(info.value), "10.2")


def test_forget_gate_dz(capsys):
    ch10.check_forget_gate_dz(forget_gate_dz)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "10.3")


def test_forget_gate_dz_is_bpkits_forget_block():
    """On one LSTM step with c_0 given, the solution gives the forget block of bpkit's dz,
    read back from dW_x (dz^T x with x = 1 for one example)."""
    rng = np.random.default_rng(3)
    h = 3
    layer = LSTM(1, h, rng=rng)
    c0 = rng.standard_normal((1, h))
    out = layer.forward(np.ones((1, 1, 1)), c0=c0)
    dy = rng.standard_normal(out.shape)
    layer.backward(dy)
    f = layer.gate[:, 0, h:2 * h]
    dc = layer.grad_c[:, 1]
    np.testing.assert_allclose(layer.grads["Wx"][h:2 * h, 0],
                               forget_gate_dz(dc, c0, f)[0], rtol=1e-12)


@pytest.mark.parametrize("wrong, match", [
    (lambda dc, c, f: dc * c, "that is dL/df"),
    (lambda dc, c, f: dc * f * (1 - f), "what the gate multiplies"),
    (lambda dc, c, f: -forget_gate_dz(dc, c, f), "sign is flipped"),
    (lambda dc, c, f: dc[:1], "expected shape"),
    (lambda dc, c, f: None, "returned None"),
])
def test_forget_gate_dz_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch10.check_forget_gate_dz(wrong)
    no_leak(str(info.value), "10.3")


def test_clipped_rnn_run(capsys):
    ch10.check_clipped_rnn_run(1.0)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    no_leak(out, "10.4")


def test_the_run_does_not_learn_without_clipping():
    losses, norms = ch10.exploding_rnn_run(None)
    assert losses[-20:].mean() > np.log(4) and norms.max() > 3 * np.median(norms)


@pytest.mark.parametrize("wrong, match", [
    (1000.0, "clipping never acts"), (3.0, "still does not learn"), (0.003, "too slowly"),
    (-1.0, "positive"), ("small", "one number"),
])
def test_clipped_rnn_run_wrong(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch10.check_clipped_rnn_run(wrong)
    no_leak(str(info.value), "10.4")


@pytest.mark.parametrize("exercise, check, answer", [
    ("10.1", ch10.check_dL_dwh, None), ("10.2", ch10.check_steps_reached, None),
    ("10.3", ch10.check_forget_gate_dz, None), ("10.4", ch10.check_clipped_rnn_run, None),
])
def test_an_empty_answer_says_no_answer_yet(no_answer_yet, exercise, check, answer):
    no_leak(no_answer_yet(exercise, check, answer), exercise)
