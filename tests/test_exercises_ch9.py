"""Each chapter-9 check accepts the solution and rejects a wrong answer with a hint.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise of the chapter in a kernel.
"""

import numpy as np
import pytest
from exercise_helpers import checkers

from bpkit.conv import MaxPool2D, conv2d_backward_reference, output_size
from bpkit.exercises import ch9
from bpkit.gradcheck import numerical_gradient

WRONG_ANSWERS = {
    "9.1": "def output_side(n, F, stride, padding):\n    return (n + padding - F) // stride + 1\n",
    "9.2": ("def conv1d_dw(x, dy):\n"
            "    F = len(x) - len(dy) + 1\n"
            "    return dy[0] * x[:F]\n"),
    "9.3": ("def maxpool_backward(x, dy):\n"
            "    return np.kron(dy, np.ones((2, 2))) / 4\n"),
    "9.4": "conv_backward = ch9.buggy_conv_backward\n",
}

ANSWER_STRINGS = {
    "9.1": ["(n + 2 * padding - F) // stride + 1", "n + 2p - F", "(n + 2 * p - F)"],
    "9.2": ["dw[u] += dy[i] * x[i + u]", "dy[i] * x[i + u]"],
    "9.3": ["dx[2 * i + u, 2 * j + v] += dy[i, j]", "np.argmax(window)"],
    "9.4": ["dx[i + u, j + v] += dy[i, j] * W[u, v]", "dy[i, j] * W[u, v]"],
}

no_leak, passes, fails = checkers(ANSWER_STRINGS)


def output_side(n, F, stride, padding):
    return (n + 2 * padding - F) // stride + 1


def conv1d_dw(x, dy):
    F = len(x) - len(dy) + 1
    dw = np.zeros(F)
    for i in range(len(dy)):
        for u in range(F):
            dw[u] += dy[i] * x[i + u]
    return dw


def maxpool_backward(x, dy):
    dx = np.zeros(x.shape)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            window = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            u, v = divmod(int(np.argmax(window)), 2)
            dx[2 * i + u, 2 * j + v] += dy[i, j]
    return dx


def conv_backward(x, W, dy):
    F = W.shape[0]
    dx, dW = np.zeros_like(x), np.zeros_like(W)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            dW += dy[i, j] * x[i:i + F, j:j + F]
            dx[i:i + F, j:j + F] += dy[i, j] * W
    return dx, dW





# ------------------------------------------------------------------------ 9.1

def test_output_side(capsys):
    passes(ch9.check_output_side, output_side, "9.1", capsys)


def test_output_side_is_bpkits_formula():
    for n, k, s, p in ch9.SIDES:
        assert output_side(n, k, s, p) == output_size(n, k, s, p)


@pytest.mark.parametrize("wrong, match", [
    (lambda n, F, s, p: (n + p - F) // s + 1, "both sides"),
    (lambda n, F, s, p: (n + 2 * p - F) // s, "one off"),
    (lambda n, F, s, p: n + 2 * p - F + 1, "stride is missing"),
    (lambda n, F, s, p: (n - F) // s + 1, "padding is missing"),
    (lambda n, F, s, p: n, "wrong for n = "),
    (lambda n, F, s, p: "eight", "one number"),
    (lambda n, F, s, p: [1, 2], "one number"),
    (lambda n, F, s, p: 1 / 0, "raised ZeroDivisionError"),
    (8, "expected a function"),
])
def test_output_side_wrong(wrong, match):
    fails(ch9.check_output_side, match, "9.1", wrong)


def _stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("exercise, check, answer", [
    ("9.1", ch9.check_output_side, None), ("9.1", ch9.check_output_side, _stub),
    ("9.2", ch9.check_conv1d_dw, None), ("9.3", ch9.check_maxpool_backward, None),
    ("9.4", ch9.check_conv_backward, None), ("9.4", ch9.check_conv_backward, _stub),
])
def test_an_empty_answer_says_no_answer_yet(no_answer_yet, exercise, check, answer):
    no_leak(no_answer_yet(exercise, check, answer), exercise)


# ------------------------------------------------------------------------ 9.2

def test_conv1d_dw(capsys):
    passes(ch9.check_conv1d_dw, conv1d_dw, "9.2", capsys)


def test_conv1d_dw_is_the_gradient_of_the_forward_pass():
    rng = np.random.default_rng(0)
    x, w, dy = rng.standard_normal(7), rng.standard_normal(3), rng.standard_normal(5)

    def loss():
        return float(sum(dy[i] * (w @ x[i:i + 3]) for i in range(5)))

    np.testing.assert_allclose(conv1d_dw(x, dy), numerical_gradient(loss, w), rtol=1e-8)


@pytest.mark.parametrize("wrong, match", [
    (lambda x, dy: dy[0] * x[:len(x) - len(dy) + 1], "first output position only"),
    (lambda x, dy: conv1d_dw(x, dy)[::-1], "reverse order"),
    (lambda x, dy: -conv1d_dw(x, dy), "sign is flipped"),
    (lambda x, dy: 2 * conv1d_dw(x, dy), "constant multiple"),
    (lambda x, dy: conv1d_dw(x, dy)[:1], "expected shape"),
    (lambda x, dy: None, "returned None"),
])
def test_conv1d_dw_wrong(wrong, match):
    fails(ch9.check_conv1d_dw, match, "9.2", wrong)


# ------------------------------------------------------------------------ 9.3

def test_maxpool_backward(capsys):
    passes(ch9.check_maxpool_backward, maxpool_backward, "9.3", capsys)


def test_maxpool_solution_is_bpkits_backward_with_ties():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (6, 8)).astype(float)
    dy = rng.standard_normal((3, 4))
    pool = MaxPool2D(2)
    pool.forward(x.reshape(1, 1, 6, 8))
    np.testing.assert_array_equal(pool.backward(dy.reshape(1, 1, 3, 4))[0, 0],
                                  maxpool_backward(x, dy))


def _all_maxima(x, dy):
    big = np.kron(x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2).max(axis=(1, 3)),
                  np.ones((2, 2)))
    return np.kron(dy, np.ones((2, 2))) * (x == big)


def _last_winner(x, dy):
    dx = np.zeros(x.shape)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            window = x[2 * i:2 * i + 2, 2 * j:2 * j + 2].ravel()
            k = 3 - int(np.argmax(window[::-1]))
            dx[2 * i + k // 2, 2 * j + k % 2] += dy[i, j]
    return dx


@pytest.mark.parametrize("wrong, match", [
    (lambda x, dy: np.kron(dy, np.ones((2, 2))) / 4, "average pooling"),
    (_all_maxima, "every equal maximum"),
    (_last_winner, "wrong entry"),
    (lambda x, dy: np.zeros(x.shape), "not right yet"),
    (lambda x, dy: dy, "expected shape"),
    (lambda x, dy: None, "returned None"),
])
def test_maxpool_backward_wrong(wrong, match):
    fails(ch9.check_maxpool_backward, match, "9.3", wrong)


# ------------------------------------------------------------------------ 9.4

def test_conv_backward(capsys):
    passes(ch9.check_conv_backward, conv_backward, "9.4", capsys)


def test_conv_backward_solution_is_the_reference():
    rng = np.random.default_rng(4)
    x, W, dy = rng.standard_normal((6, 6)), rng.standard_normal((3, 3)), rng.standard_normal((4, 4))
    dx, dW, _ = conv2d_backward_reference(x[None, None], W[None, None], dy[None, None])
    got = conv_backward(x, W, dy)
    np.testing.assert_allclose(got[0], dx[0, 0], rtol=1e-12)
    np.testing.assert_allclose(got[1], dW[0, 0], rtol=1e-12)


def test_the_buggy_backward_is_wrong_in_dx_only():
    rng = np.random.default_rng(5)
    x, W, dy = rng.standard_normal((5, 5)), rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    dx_bug, dW_bug = ch9.buggy_conv_backward(x, W, dy)
    dx, dW = conv_backward(x, W, dy)
    np.testing.assert_allclose(dW_bug, dW, rtol=1e-12)
    assert np.abs(dx_bug - dx).max() > 0.1


def _overwrites_dW(x, W, dy):
    F = W.shape[0]
    dx, dW = conv_backward(x, W, dy)[0], np.zeros_like(W)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            dW = dy[i, j] * x[i:i + F, j:j + F]
    return dx, dW


@pytest.mark.parametrize("wrong, match", [
    (ch9.buggy_conv_backward, "buggy one still"),
    (_overwrites_dW, "last position's contribution"),
    (lambda x, W, dy: (conv_backward(x, W, dy)[0], -conv_backward(x, W, dy)[1]),
     "sign is flipped"),
    (lambda x, W, dy: (conv_backward(x, W, dy)[0], conv_backward(x, W, dy)[1].T),
     "dW: not right yet"),
    (lambda x, W, dy: conv_backward(x, W, dy)[0], "a pair"),
    (lambda x, W, dy: (None, None), "returned None for dx or dW"),
])
def test_conv_backward_wrong(wrong, match):
    fails(ch9.check_conv_backward, match, "9.4", wrong)
