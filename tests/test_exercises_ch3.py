"""Chapter 3's exercise checks: each accepts the solution and rejects a wrong answer.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise in a kernel and checks that no message gives the answer away.
"""

import numpy as np
import pytest

from bpkit import bugzoo
from bpkit.exercises import ExerciseError, ch3
from bpkit.layers import Layer

#: A plausible wrong answer cell per exercise, defining the names the check cell uses.
WRONG_ANSWERS = {
    "3.1": ("class ScaledTanhLayer(ScaledTanh):\n"
            "    def backward(self, da):\n"
            "        return da * (1 - self.a ** 2)  # the plain tanh's rule\n"),
    "3.2": ("shapes = {'dW1': (12, 10), 'db1': (10,), 'Delta1': (8, 10),\n"
            "          'dW2': (10, 7), 'db2': (7,), 'Delta2': (8, 7),\n"
            "          'dW3': (7, 5), 'db3': (5,), 'Delta3': (8, 5),\n"
            "          'dW4': (5, 3), 'db4': (3,), 'Delta4': (8, 3),\n"
            "          'n_params': 265}  # every W the wrong way round\n"),
    "3.3": ("def per_example_dW(delta, a_prev):\n"
            "    return np.einsum('nj,nk->njk', delta, a_prev) / len(delta)  # a 1/N too many\n"),
    "3.4": ("class FixedLeakyReLU(bugzoo.LeakyReLUBroken):\n"
            "    def backward(self, da):\n"
            "        return np.where(self.x > 0, da, 0.1 * da)  # the slope of the test, fixed\n"),
}

#: What would give each answer away if a message printed it.
ANSWER_STRINGS = {
    "3.1": ["1 - self.a ** 2 / ", "self.a ** 2 / 1.7159", "a**2 / 1.7159", "a² / 1.7159",
            "1.7159 - ", "1.1439", "0.3885", "0.5828", "(2 / 3) * (1.7159", "2/3 * (1.7159",
            "1 - tanh(u)**2", "1 - tanh(u) ** 2", "1 − tanh²", "1 - tanh²", "sech"],
    "3.2": ["(10, 12)", "(7, 10)", "(5, 7)", "(3, 5)", "(8, 10)", "(8, 7)", "(8, 5)",
            "(8, 3)", "265"],
    "3.3": ["np.outer(delta[n], a_prev[n])", "einsum(\"nj,nk->njk\"", "einsum('nj,nk->njk'",
            "nj,nk->njk", "delta[:, :, None] * a_prev[:, None, :]"],
    "3.4": ["np.where(self.x > 0, da, self.slope * da)", "self.slope * da)",
            "where(z > 0, 1, slope)", "slopes are swapped", "slope applied where z > 0",
            "swapped"],
}


def no_message_gives_away(exercise, text):
    return not [s for s in ANSWER_STRINGS[exercise] if s in text]


# Exercise 3.1: the scaled tanh's backward pass.

class ScaledTanh(Layer):
    def forward(self, z):
        self.a = 1.7159 * np.tanh(2 * z / 3)
        return self.a


class ScaledTanhLayer(ScaledTanh):
    def backward(self, da):
        return da * (2 / 3) * (1.7159 - self.a ** 2 / 1.7159)


def test_scaled_tanh_accepts_the_solution(capsys):
    ch3.check_scaled_tanh(ScaledTanhLayer)
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and no_message_gives_away("3.1", out)


@pytest.mark.parametrize("backward, message", [
    (lambda self, da: da * (1 - self.a ** 2), "plain tanh"),
    (lambda self, da: da * 1.7159 * (2 / 3) * (1 - self.a ** 2), "1.7159 times"),
    (lambda self, da: -da * (2 / 3) * (1.7159 - self.a ** 2 / 1.7159), "sign is flipped"),
    (lambda self, da: da * (1.7159 - self.a ** 2 / 1.7159), "constant multiple"),
    (lambda self, da: da[:, :1] * self.a, "shape"),
    (lambda self, da: None, "returned None"),
])
def test_scaled_tanh_rejects_wrong_answers(backward, message):
    wrong = type("Wrong", (ScaledTanh,), {"backward": backward})
    with pytest.raises(ExerciseError, match=message) as err:
        ch3.check_scaled_tanh(wrong)
    assert no_message_gives_away("3.1", str(err.value))


def test_scaled_tanh_without_an_answer(no_answer_yet):
    def backward(self, da):
        raise NotImplementedError("write ScaledTanhLayer.backward here")
    stub = type("ScaledTanhLayer", (ScaledTanh,), {"backward": backward})
    for answer in (None, stub):
        assert no_message_gives_away("3.1", no_answer_yet("3.1", ch3.check_scaled_tanh, answer))


def test_scaled_tanh_names_the_readers_error():
    def backward(self, da):
        return da * self.z
    with pytest.raises(ExerciseError, match="AttributeError") as err:
        ch3.check_scaled_tanh(type("Wrong", (ScaledTanh,), {"backward": backward}))
    assert isinstance(err.value.__cause__, AttributeError)


# Exercise 3.2: the shapes of a network with three hidden layers.

SHAPES = {"dW1": (10, 12), "db1": (10,), "Delta1": (8, 10),
          "dW2": (7, 10), "db2": (7,), "Delta2": (8, 7),
          "dW3": (5, 7), "db3": (5,), "Delta3": (8, 5),
          "dW4": (3, 5), "db4": (3,), "Delta4": (8, 3), "n_params": 265}


def test_deep_shapes_accepts_the_solution(capsys):
    ch3.check_deep_shapes(dict(SHAPES))
    ch3.check_deep_shapes({**SHAPES, "db2": 7, "dW1": [10, 12], "n_params": np.int64(265)})
    out = capsys.readouterr().out
    assert out.count("Correct.") == 2 and no_message_gives_away("3.2", out)


@pytest.mark.parametrize("change, message", [
    ({"dW3": (7, 5)}, "dW3 is transposed"),
    ({"dW2": (7, 12)}, "dW2 is not right yet"),
    ({"db4": (8, 3)}, "db4 should have one axis"),
    ({"db1": (12,)}, "db1 has the wrong length"),
    ({"Delta2": (7,)}, "Delta2 should have two axes"),
    ({"Delta3": (5, 8)}, "Delta3 is transposed"),
    ({"Delta1": (32, 10)}, "Delta1: the first axis"),
    ({"Delta4": (8, 5)}, "Delta4: the second axis"),
    ({"n_params": 10 * 12 + 7 * 10 + 5 * 7 + 3 * 5}, "biases are missing"),
    ({"n_params": 264}, "count W and b"),
    ({"dW1": "ten by twelve"}, "expected a shape"),
])
def test_deep_shapes_rejects_wrong_answers(change, message):
    with pytest.raises(ExerciseError, match=message) as err:
        ch3.check_deep_shapes({**SHAPES, **change})
    assert no_message_gives_away("3.2", str(err.value))


def test_deep_shapes_without_an_answer(no_answer_yet):
    assert "3.2, shapes: no answer yet" in no_answer_yet("3.2", ch3.check_deep_shapes, None)
    for key in ("dW1", "Delta4", "n_params"):  # one entry left as None
        out = no_answer_yet("3.2", ch3.check_deep_shapes, {**SHAPES, key: None})
        assert f"3.2, {key}: no answer yet" in out and no_message_gives_away("3.2", out)
    with pytest.raises(ExerciseError, match="missing key"):
        ch3.check_deep_shapes({k: v for k, v in SHAPES.items() if k != "Delta4"})


# Exercise 3.3: per-example gradients.

def per_example(delta, a_prev):
    return np.einsum("nj,nk->njk", delta, a_prev)


def test_per_example_gradients_accepts_the_solution(capsys):
    ch3.check_per_example_gradients(per_example)
    ch3.check_per_example_gradients(
        lambda d, a: np.stack([np.outer(d[n], a[n]) for n in range(len(d))]))
    out = capsys.readouterr().out
    assert out.count("Correct.") == 2 and no_message_gives_away("3.3", out)


@pytest.mark.parametrize("wrong, message", [
    (lambda d, a: np.einsum("nj,nk->nkj", d, a), "transposed"),
    (lambda d, a: per_example(d, a) / len(d), "1/N"),
    (lambda d, a: d.T @ a, "expected shape"),
    (lambda d, a: -per_example(d, a), "sign is flipped"),
    (lambda d, a: None, "returned None"),
])
def test_per_example_gradients_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message) as err:
        ch3.check_per_example_gradients(wrong)
    assert no_message_gives_away("3.3", str(err.value))


def test_per_example_gradients_without_an_answer(no_answer_yet):
    def stub(delta, a_prev):
        raise NotImplementedError("write per_example_dW here")
    for answer in (None, stub):
        no_answer_yet("3.3", ch3.check_per_example_gradients, answer)


# Exercise 3.4: repair the broken leaky ReLU.

class FixedLeakyReLU(bugzoo.LeakyReLUBroken):
    def backward(self, da):
        return np.where(self.x > 0, da, self.slope * da)


def test_leaky_relu_fix_accepts_the_solution(capsys):
    ch3.check_leaky_relu_fix(FixedLeakyReLU)
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and no_message_gives_away("3.4", out)


@pytest.mark.parametrize("backward, message", [
    (bugzoo.LeakyReLUBroken.backward, "still the broken layer"),
    (lambda self, da: np.where(self.x > 0, da, 0.1 * da), "this layer's slope"),
    (lambda self, da: np.where(self.x > 0, da, 0 * da), "wrong where z < 0"),
    (lambda self, da: np.where(self.x > 0, 2 * da, self.slope * da), "wrong where z > 0"),
    (lambda self, da: -da, "positive and for negative"),
])
def test_leaky_relu_fix_rejects_wrong_answers(backward, message):
    wrong = type("Wrong", (bugzoo.LeakyReLUBroken,), {"backward": backward})
    with pytest.raises(ExerciseError, match=message) as err:
        ch3.check_leaky_relu_fix(wrong)
    assert no_message_gives_away("3.4", str(err.value))


def test_leaky_relu_fix_without_an_answer(no_answer_yet):
    def backward(self, da):
        raise NotImplementedError("write FixedLeakyReLU.backward here")
    stub = type("FixedLeakyReLU", (bugzoo.LeakyReLUBroken,), {"backward": backward})
    for answer in (None, stub):
        assert no_message_gives_away("3.4", no_answer_yet("3.4", ch3.check_leaky_relu_fix,
                                                          answer))
