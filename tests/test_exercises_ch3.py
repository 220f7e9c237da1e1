"""Each chapter-3 check accepts the solution and rejects a wrong answer with a hint."""

import numpy as np
import pytest

from bpkit.exercises import ExerciseError, ch3
from bpkit.layers import Layer


class LinearNoBias(Layer):
    """The solution of exercise 3.1: y = x W^T."""

    def __init__(self, W):
        super().__init__()
        self.params = {"W": W}
        self.grads = {"W": np.zeros_like(W)}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"].T

    def backward(self, dy):
        self.grads["W"] = dy.T @ self.x
        return dy @ self.params["W"]


class TransposedDx(LinearNoBias):
    """dL/dx with W^T where W belongs: right shape only when W is square."""

    def backward(self, dy):
        self.grads["W"] = dy.T @ self.x
        W = self.params["W"]
        return dy @ W.T if W.shape[0] == W.shape[1] else dy @ W


class ForgetsToReturn(LinearNoBias):
    def backward(self, dy):
        self.grads["W"] = dy.T @ self.x


class WrongOrder(LinearNoBias):
    def backward(self, dy):
        self.grads["W"] = self.x.T @ dy  # (n_in, n_out): crashes on the shape check
        return dy @ self.params["W"]


def test_linear_no_bias_accepts_solution(capsys):
    ch3.check_linear_no_bias(LinearNoBias)
    assert capsys.readouterr().out.startswith("Correct.")


def test_linear_no_bias_rejects_transpose_on_square_w():
    with pytest.raises(ExerciseError, match=r"dL/dx is wrong for x \(4, 3\), W \(3, 3\)"):
        ch3.check_linear_no_bias(TransposedDx)


def test_linear_no_bias_rejects_missing_return():
    with pytest.raises(ExerciseError, match="did backward return its result"):
        ch3.check_linear_no_bias(ForgetsToReturn)


def test_linear_no_bias_rejects_swapped_product():
    with pytest.raises(ExerciseError, match=r"shape \(3, 2\)|raised"):
        ch3.check_linear_no_bias(WrongOrder)


SHAPES = {"dW1": (128, 784), "db1": (128,), "dW2": (10, 128), "db2": (10,),
          "delta1": (32, 128), "delta2": (32, 10), "n_params": 101770}


def test_gradient_shapes_accepts_solution(capsys):
    ch3.check_gradient_shapes(dict(SHAPES))
    assert "101770 parameters" in capsys.readouterr().out


def test_gradient_shapes_rejects_transposed_weight():
    with pytest.raises(ExerciseError, match="dW1: \\(784, 128\\) is transposed"):
        ch3.check_gradient_shapes({**SHAPES, "dW1": (784, 128)})


def test_gradient_shapes_rejects_batched_bias_and_wrong_count():
    with pytest.raises(ExerciseError, match="db2: got \\(32, 10\\)"):
        ch3.check_gradient_shapes({**SHAPES, "db2": (32, 10)})
    with pytest.raises(ExerciseError, match="n_params"):
        ch3.check_gradient_shapes({**SHAPES, "n_params": 784 * 128 + 128 * 10})
    with pytest.raises(ExerciseError, match="missing key"):
        ch3.check_gradient_shapes({k: v for k, v in SHAPES.items() if k != "delta2"})


def per_example(delta, a_prev):
    return np.einsum("nj,nk->njk", delta, a_prev)


def test_per_example_gradients_accepts_solution(capsys):
    ch3.check_per_example_gradients(per_example)
    ch3.check_per_example_gradients(
        lambda d, a: np.stack([np.outer(d[n], a[n]) for n in range(len(d))]))
    assert capsys.readouterr().out.count("Correct.") == 2


def test_per_example_gradients_rejects_swapped_outer_product():
    with pytest.raises(ExerciseError, match="expected shape \\(1, 2, 3\\)"):
        ch3.check_per_example_gradients(lambda d, a: np.einsum("nj,nk->nkj", d, a))


def test_per_example_gradients_rejects_the_batch_mean():
    with pytest.raises(ExerciseError, match="np.outer"):
        ch3.check_per_example_gradients(lambda d, a: per_example(d, a) / len(d) + 0 * d.sum())
    with pytest.raises(ExerciseError, match="expected shape"):  # the summed dW, not per example
        ch3.check_per_example_gradients(lambda d, a: d.T @ a)


def test_cost_count_accepts_solution(capsys):
    ch3.check_cost_count({"finite_differences": 203540, "forward_mode": 101770,
                          "reverse_mode": 1})
    assert capsys.readouterr().out.startswith("Correct.")


def test_cost_count_rejects_one_sided_count():
    with pytest.raises(ExerciseError, match="finite_differences"):
        ch3.check_cost_count({"finite_differences": 101770, "forward_mode": 101770,
                              "reverse_mode": 1})
    with pytest.raises(ExerciseError, match="reverse_mode"):
        ch3.check_cost_count({"finite_differences": 203540, "forward_mode": 101770,
                              "reverse_mode": 10})
