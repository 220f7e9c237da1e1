"""Each chapter-5 check accepts the solution and rejects a wrong answer with a hint.

``WRONG_ANSWERS`` and ``ANSWER_STRINGS`` feed ``tests/test_exercise_leaks.py``, which runs
every exercise of the chapter in a kernel.
"""

import numpy as np
import pytest

from bpkit.exercises import ExerciseError, ch5
from bpkit.optim import Adam

WRONG_ANSWERS = {
    # L2 regularization inside Adam instead of decoupled decay
    "5.1": ("class AdamW(Adam):\n"
            "    def __init__(self, model, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,\n"
            "                 weight_decay=0.01):\n"
            "        super().__init__(model, lr, beta1, beta2, eps)\n"
            "        self.weight_decay = weight_decay\n\n"
            "    def update(self, name, p, g):\n"
            "        super().update(name, p, g + self.weight_decay * p)\n"),
    "5.2": "momentum_lr_bound = 2 / np.linalg.eigvalsh(ch5.QUADRATIC_A).max()\n",
    "5.3": "uncorrected_peak_step = 1\nuncorrected_peak_ratio = 0.1 / np.sqrt(0.001)\n",
    "5.4": "alternating_ratio = 1 / 1.9\n",
}

ANSWER_STRINGS = {
    "5.1": ["self.weight_decay * p", "m_hat / (np.sqrt(s_hat)", "1.0 - self.beta1 ** self.t",
            "weight_decay * theta_{k-1}"],
    "5.2": ["0.95", "2 * (1 + mu)", "2 (1 + mu)", "2(1 + mu)", "2(1 + μ)", "1.9 / 4",
            "3.8 / 4"],
    "5.3": ["6.5685", "6.569", "6.57", "step 12", "k = 12", "(1 - beta1**k) / np.sqrt",
            "/ sqrt(1 - beta2**k)", "(1 - beta1 ** k) / np.sqrt"],
    "5.4": ["0.0526", "0.05263", "1/19", "1 / 19", "(1 - beta1) / (1 + beta1)", "0.1 / 1.9"],
}


# ----------------------------------------------------------------- 5.1 AdamW

class AdamW(Adam):
    """The solution of exercise 5.1: the full rule."""

    def __init__(self, model, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(model, lr, beta1, beta2, eps)
        self.weight_decay = weight_decay

    def update(self, name, p, g):
        m = self._buffer(name, "m", p)
        s = self._buffer(name, "s", p)
        m *= self.beta1
        m += (1.0 - self.beta1) * g
        s *= self.beta2
        s += (1.0 - self.beta2) * g * g
        m_hat = m / (1.0 - self.beta1 ** self.t)
        s_hat = s / (1.0 - self.beta2 ** self.t)
        p -= self.lr * (m_hat / (np.sqrt(s_hat) + self.eps) + self.weight_decay * p)


class AdamWShort(Adam):
    """The other correct way: decay first, then bpkit's Adam move."""

    def __init__(self, model, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(model, lr, beta1, beta2, eps)
        self.weight_decay = weight_decay

    def update(self, name, p, g):
        p -= self.lr * self.weight_decay * p
        super().update(name, p, g)


def _variant(update):
    class Variant(AdamW):
        pass
    Variant.update = update
    return Variant


def _coupled(self, name, p, g):
    Adam.update(self, name, p, g + self.weight_decay * p)


def _uncorrected(self, name, p, g):
    m = self._buffer(name, "m", p)
    s = self._buffer(name, "s", p)
    m[...] = self.beta1 * m + (1 - self.beta1) * g
    s[...] = self.beta2 * s + (1 - self.beta2) * g * g
    p -= self.lr * (m / (np.sqrt(s) + self.eps) + self.weight_decay * p)


def _no_lr(self, name, p, g):
    p -= self.weight_decay * p
    Adam.update(self, name, p, g)


def _after(self, name, p, g):
    Adam.update(self, name, p, g)
    p -= self.lr * self.weight_decay * p


def _no_decay(self, name, p, g):
    Adam.update(self, name, p, g)


def _hard_coded(self, name, p, g):
    p -= 0.01 * 0.1 * p
    Adam.update(self, name, p, g)


class NotAnOptimizer:
    def __init__(self, model, **settings):
        self.model = model


class Stub(Adam):
    def __init__(self, model, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        raise NotImplementedError("write AdamW.__init__ here")


class Broken(AdamW):
    def update(self, name, p, g):
        raise ValueError("oops")


def test_adamw_solutions_pass(capsys):
    ch5.check_adamw(AdamW)
    ch5.check_adamw(AdamWShort)
    out = capsys.readouterr().out
    assert out.count("Correct.") == 2
    assert not [s for s in ANSWER_STRINGS["5.1"] if s in out]


@pytest.mark.parametrize("wrong, match", [
    (_variant(_coupled), "through the moments"),
    (_variant(_uncorrected), "not bias-corrected"),
    (_variant(_no_lr), "not scaled by the learning rate"),
    (_variant(_after), "after this step's Adam move"),
    (_variant(_no_decay), "weight_decay is not used"),
    (_variant(_hard_coded), "no hard-coded"),
    (NotAnOptimizer, "no step"),
    (Broken, "raised ValueError: oops"),
    (0.9, "expected a function"),
])
def test_adamw_wrong_answers_raise(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch5.check_adamw(wrong)
    assert not [s for s in ANSWER_STRINGS["5.1"] if s in str(info.value)]


# ----------------------------------------------------------------- 5.2 the bound

def test_momentum_lr_bound(capsys):
    lam_max = np.linalg.eigvalsh(ch5.QUADRATIC_A).max()
    ch5.check_momentum_lr_bound(2 * (1 + ch5.MOMENTUM) / lam_max)
    ch5.check_momentum_lr_bound(0.952)  # within 1%
    out = capsys.readouterr().out
    assert out.startswith("Correct.") and "0.95" not in out


def test_the_answer_is_the_edge_of_convergence():
    """What the check accepts is where momentum on the bowl stops converging."""
    from bpkit.optim import SGD
    from bpkit.surfaces import Quadratic, descend

    bowl = Quadratic(A=ch5.QUADRATIC_A, start=(1.0, -0.5))
    _, below = descend(bowl, lambda p: SGD(p, lr=0.94, momentum=0.9), 2000)
    _, at = descend(bowl, lambda p: SGD(p, lr=0.95, momentum=0.9), 2000)
    _, above = descend(bowl, lambda p: SGD(p, lr=0.96, momentum=0.9), 2000)
    assert below[-1] < 1e-12 and at[-1] > 1e-3 and above[-1] > 1e6


@pytest.mark.parametrize("wrong, match", [(0.5, "bound of plain gradient descent"),
                                          (5.0, "scales plain descent's bound"),
                                          (1.9, "flattest direction"),
                                          (2 / 3 * 1.9, "off-diagonal"),
                                          (0.9, "a little below the bound"),
                                          (0.6, "characteristic"),
                                          ("fast", "one number")])
def test_momentum_lr_bound_wrong_answers_raise(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch5.check_momentum_lr_bound(wrong)
    assert not [s for s in ANSWER_STRINGS["5.2"] if s in str(info.value)]


# ----------------------------------------------------------------- 5.3 uncorrected Adam

def _uncorrected_steps(n=5000):
    k = np.arange(1, n + 1)
    return k, (1 - 0.9**k) / np.sqrt(1 - 0.999**k)


def test_uncorrected_peak(capsys):
    k, sizes = _uncorrected_steps()
    ch5.check_uncorrected_peak(int(k[sizes.argmax()]), float(sizes.max()))
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    assert not [s for s in ANSWER_STRINGS["5.3"] if s in out]


def test_the_peak_is_what_uncorrected_adam_does():
    """Adam's update without the two divisions, run under a constant gradient."""
    m = s = 0.0
    sizes = []
    for _ in range(100):
        m = 0.9 * m + 0.1 * 2.0
        s = 0.999 * s + 0.001 * 4.0
        sizes.append(m / np.sqrt(s))
    ch5.check_uncorrected_peak(int(np.argmax(sizes)) + 1, max(sizes))


@pytest.mark.parametrize("step, ratio, match", [
    (1, 0.1 / np.sqrt(0.001), "first step is not the largest"),
    (12, 1.0, "with\\* the bias correction"),
    (12, (1 - 0.9**12) / (1 - 0.999**12), "square root of s"),
    (5, 5.8, "comes later"), (40, 6.0, "comes earlier"),
    (12, 6.4, "Your step count is right"),
    (12.5, 6.5, "whole number"), (0, 6.5, "whole number"),
    ("twelve", 6.5, "one number each"),
])
def test_uncorrected_peak_wrong_answers_raise(step, ratio, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch5.check_uncorrected_peak(step, ratio)
    assert not [s for s in ANSWER_STRINGS["5.3"] if s in str(info.value)]


# ----------------------------------------------------------------- 5.4 flipping gradient

def test_alternating_step(capsys):
    ch5.check_alternating_step((1 - 0.9) / (1 + 0.9))
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    assert not [s for s in ANSWER_STRINGS["5.4"] if s in out]


def test_the_answer_is_what_adam_does():
    """What the check accepts is the long-run step of bpkit's Adam under g, -g, g, ..."""
    class OneNumber:
        def __init__(self):
            self.params = {"w": np.zeros(1)}
            self.grads = {"w": np.zeros(1)}

    model = OneNumber()
    opt = Adam(model, lr=0.01, beta1=0.9, beta2=0.999)
    for k in range(300):
        model.grads["w"][0] = 3.0 * (-1.0) ** k
        before = model.params["w"].copy()
        opt.step()
    ch5.check_alternating_step(abs(model.params["w"][0] - before[0]) / opt.lr)


@pytest.mark.parametrize("wrong, match", [(1.0, "first step"), (1 / 1.9, "momentum's velocity"),
                                          (0.1, "first step only"), (0.001 / 1.999, "uses beta2"),
                                          (-0.1 / 1.9, "negative"), (0.0, "do not vanish"),
                                          (0.06, "not right yet"), ("small", "one number"),
                                          (0.053, "rounded too much")])
def test_alternating_step_wrong_answers_raise(wrong, match):
    with pytest.raises(ExerciseError, match=match) as info:
        ch5.check_alternating_step(wrong)
    assert not [s for s in ANSWER_STRINGS["5.4"] if s in str(info.value)]


@pytest.mark.parametrize("exercise, check, answer", [
    ("5.1", ch5.check_adamw, [Stub]), ("5.1", ch5.check_adamw, [None]),
    ("5.2", ch5.check_momentum_lr_bound, [None]),
    ("5.3", ch5.check_uncorrected_peak, [None, None]),
    ("5.3", ch5.check_uncorrected_peak, [12, None]),
    ("5.4", ch5.check_alternating_step, [None]),
])
def test_an_empty_answer_says_no_answer_yet(no_answer_yet, exercise, check, answer):
    out = no_answer_yet(exercise, check, *answer)
    assert not [s for s in ANSWER_STRINGS[exercise] if s in out]
