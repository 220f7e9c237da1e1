"""Each Chapter 2 check accepts the solution, rejects wrong answers with the right hint, and
says "no answer yet" for an empty answer, without stating the expected value."""

import pytest

from bpkit import worked_example as we
from bpkit.exercises import ExerciseError, ch2

# Exercise id -> the code of a plausible wrong answer cell (the same names as the solution).
WRONG_ANSWERS = {
    "2.1": '''
def dL_dx1(p, x1, x2, t):  # only the path through hidden unit 1
    v = we.forward(p, x1, x2)
    delta3 = (v["y"] - t) * v["y"] * (1 - v["y"])
    return delta3 * p["w31"] * v["h1"] * (1 - v["h1"]) * p["w11"]
''',
    "2.2": '''
def linear_output_gradients(p, x1, x2, t):  # keeps the output sigmoid's derivative
    v = we.forward(p, x1, x2)
    delta3 = (v["z3"] - t) * v["y"] * (1 - v["y"])
    delta1 = delta3 * p["w31"] * v["h1"] * (1 - v["h1"])
    delta2 = delta3 * p["w32"] * v["h2"] * (1 - v["h2"])
    return {"w11": delta1 * x1, "w12": delta1 * x2, "b1": delta1,
            "w21": delta2 * x1, "w22": delta2 * x2, "b2": delta2,
            "w31": delta3 * v["h1"], "w32": delta3 * v["h2"], "b3": delta3}
''',
    "2.3": "lr = 20.0  # overshoots the lowest point, but by less than twice its distance\n",
    "2.4": '''
def d2L_dw31(p, x1, x2, t):  # treats y (1 - y) as a constant
    v = we.forward(p, x1, x2)
    return (v["h1"] * v["y"] * (1 - v["y"])) ** 2
''',
}

# Exercise id -> strings that would only appear if a message gave the answer away.
ANSWER_STRINGS = {
    "2.1": ["delta1 * w11 + delta2 * w21", "delta1*w11", "w11 * delta1", "δ1 w11 + δ2 w21",
            "δ₁w₁₁", "δ1·w11", 'delta1 * p["w11"]', "w11 δ1"],
    "2.2": ["delta3 = y - t", "delta3 = z3 - t", "δ3 = y - t", "δ3 = y − t", "δ₃ = y − t",
            "dL/dz3 = y - t", "(z3 - t) * h1", 'delta3 = v["z3"] - t', "dy/dz3 = 1"],
    "2.3": ["twice the distance", "twice as far", "overshoot", "2/lambda", "2/λ", "2 / lambda",
            "parabola", "symmetric", "bounces", "lr = 14", "lr = 28"],
    "2.4": ["h1**2", "h1 ** 2", "h1²", "h₁²", "(1 - 2 * y)", "(1 - 2*y)", "1 - 2y", "1 − 2y",
            "(1-2y)", "y * (1 - y) * (1 - 2 * y)"],
}


# ------------------------------------------------------------------ 2.1

def dL_dx1(p, x1, x2, t):
    v = we.forward(p, x1, x2)
    delta3 = (v["y"] - t) * v["y"] * (1 - v["y"])
    delta1 = delta3 * p["w31"] * v["h1"] * (1 - v["h1"])
    delta2 = delta3 * p["w32"] * v["h2"] * (1 - v["h2"])
    return delta1 * p["w11"] + delta2 * p["w21"]


def _dx1_variant(kind):
    def f(p, x1, x2, t):
        v = we.forward(p, x1, x2)
        y, h1, h2 = v["y"], v["h1"], v["h2"]
        d3 = (y - t) * y * (1 - y)
        d1, d2 = d3 * p["w31"] * h1 * (1 - h1), d3 * p["w32"] * h2 * (1 - h2)
        return {"path 1": d1 * p["w11"], "path 2": d2 * p["w21"],
                "x2": d1 * p["w12"] + d2 * p["w22"],
                "no hidden sigmoid": d3 * (p["w31"] * p["w11"] + p["w32"] * p["w21"]),
                "sign": -(d1 * p["w11"] + d2 * p["w21"]),
                "other": 0.5}[kind]
    return f


def test_dL_dx1_accepts_the_solution(capsys):
    ch2.check_dL_dx1(dL_dx1)
    assert capsys.readouterr().out.startswith("Correct.")


@pytest.mark.parametrize(("kind", "hint"), [
    ("path 1", "also reaches the loss through hidden unit 2"),
    ("path 2", "also reaches the loss through hidden unit 1"),
    ("x2", "derivative with respect to x2"),
    ("no hidden sigmoid", "sigmoid derivatives are missing"),
    ("sign", "sign is flipped"),
    ("other", "Follow every path"),
])
def test_dL_dx1_names_the_slip(kind, hint):
    with pytest.raises(ExerciseError, match=hint) as err:
        ch2.check_dL_dx1(_dx1_variant(kind))
    assert "test point 1" in str(err.value)


def test_dL_dx1_without_an_answer(no_answer_yet):
    def stub(p, x1, x2, t):
        raise NotImplementedError
    for answer in (None, stub):
        no_answer_yet("2.1", ch2.check_dL_dx1, answer)
    with pytest.raises(ExerciseError, match="returned None: end the function with a return"):
        ch2.check_dL_dx1(lambda p, x1, x2, t: None)


def test_dL_dx1_reports_the_readers_error():
    def broken(p, x1, x2, t):
        return p["w99"]
    with pytest.raises(ExerciseError, match="KeyError"):
        ch2.check_dL_dx1(broken)


# ------------------------------------------------------------------ 2.2

def linear_output_gradients(p, x1, x2, t):
    v = we.forward(p, x1, x2)
    delta3 = v["z3"] - t
    delta1 = delta3 * p["w31"] * v["h1"] * (1 - v["h1"])
    delta2 = delta3 * p["w32"] * v["h2"] * (1 - v["h2"])
    return {"w11": delta1 * x1, "w12": delta1 * x2, "b1": delta1,
            "w21": delta2 * x1, "w22": delta2 * x2, "b2": delta2,
            "w31": delta3 * v["h1"], "w32": delta3 * v["h2"], "b3": delta3}


def test_linear_output_accepts_the_solution(capsys):
    ch2.check_linear_output_gradients(linear_output_gradients)
    assert capsys.readouterr().out.startswith("Correct.")


def test_linear_output_rejects_the_sigmoid_networks_gradients():
    def sigmoid_net(p, x1, x2, t):
        return we.loss_and_gradients(we.build_model(p), (x1, x2), [t])[1]
    with pytest.raises(ExerciseError, match="whose output unit has a sigmoid"):
        ch2.check_linear_output_gradients(sigmoid_net)


def test_linear_output_names_a_wrong_hidden_layer():
    def stale_hidden(p, x1, x2, t):  # hidden layer copied from the sigmoid network
        g = linear_output_gradients(p, x1, x2, t)
        sigmoid_net = we.loss_and_gradients(we.build_model(p), (x1, x2), [t])[1]
        return {**g, **{n: sigmoid_net[n] for n in we.PARAM_NAMES[:6]}}
    with pytest.raises(ExerciseError, match="The output layer is right") as err:
        ch2.check_linear_output_gradients(stale_hidden)
    assert "w11, w12, b1, w21, w22, b2 are off" in str(err.value)


def test_linear_output_checks_the_keys():
    with pytest.raises(ExerciseError, match="nine keys"):
        ch2.check_linear_output_gradients(lambda p, x1, x2, t: {"w11": 0.0})


def test_linear_output_without_an_answer(no_answer_yet):
    def stub(p, x1, x2, t):
        raise NotImplementedError
    for answer in (None, stub):
        no_answer_yet("2.2", ch2.check_linear_output_gradients, answer)
    with pytest.raises(ExerciseError, match="returned None"):
        ch2.check_linear_output_gradients(lambda p, x1, x2, t: None)


# ------------------------------------------------------------------ 2.3

@pytest.mark.parametrize("lr", [30, 50, 100])
def test_failing_lr_accepts_a_large_rate(capsys, lr):
    # 30 and 100 (the explorer slider's maximum) end 20 steps below the start: the check
    # must accept them all the same, since their first step raises the loss.
    ch2.check_failing_lr(lr)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    assert not [s for s in ANSWER_STRINGS["2.3"] if s in out]
    history = ch2.losses_with_lr(lr)
    assert history[1] > history[0]


@pytest.mark.parametrize("lr", [1.0, 20.0])
def test_failing_lr_rejects_a_rate_whose_first_step_lowers_the_loss(lr):
    # 20 overshoots the lowest point along the step (near 14) but lowers the loss all the same
    with pytest.raises(ExerciseError, match="first step lowers the loss"):
        ch2.check_failing_lr(lr)
    assert ch2.losses_with_lr(1.0)[-1] < 0.01


def test_failing_lr_rejects_nonsense_and_no_answer(no_answer_yet):
    assert no_answer_yet("2.3", ch2.check_failing_lr, None).startswith(
        "Exercise 2.3, lr: no answer yet.")
    for bad in (-1, 0, "fast", float("nan")):
        with pytest.raises(ExerciseError, match="lr"):
            ch2.check_failing_lr(bad)


# ------------------------------------------------------------------ 2.4

def d2L_dw31(p, x1, x2, t):
    v = we.forward(p, x1, x2)
    y, h1 = v["y"], v["h1"]
    dy = y * (1 - y) * h1
    return h1 * (dy * y * (1 - y) + (y - t) * (1 - 2 * y) * dy)


def _d2_variant(kind):
    def f(p, x1, x2, t):
        v = we.forward(p, x1, x2)
        y, h1 = v["y"], v["h1"]
        first = (h1 * y * (1 - y)) ** 2
        second = h1 ** 2 * (y - t) * y * (1 - y) * (1 - 2 * y)
        return {"first": first, "second": second, "one h1": (first + second) / h1,
                "sign": -(first + second), "other": 1.0}[kind]
    return f


def test_d2L_dw31_accepts_the_solution(capsys):
    ch2.check_d2L_dw31(d2L_dw31)
    out = capsys.readouterr().out
    assert out.startswith("Correct.")
    assert not [s for s in ANSWER_STRINGS["2.4"] if s in out]


@pytest.mark.parametrize(("kind", "hint"), [
    ("first", "as a constant"),
    ("second", "y - t moves with w31"),
    ("one h1", "factor depending on h1"),
    ("sign", "sign is flipped"),
    ("other", "product rule"),
])
def test_d2L_dw31_names_the_slip(kind, hint):
    with pytest.raises(ExerciseError, match=hint) as err:
        ch2.check_d2L_dw31(_d2_variant(kind))
    assert not [s for s in ANSWER_STRINGS["2.4"] if s in str(err.value)]


def test_d2L_dw31_without_an_answer(no_answer_yet):
    def stub(p, x1, x2, t):
        raise NotImplementedError
    for answer in (None, stub):
        out = no_answer_yet("2.4", ch2.check_d2L_dw31, answer)
        assert not [s for s in ANSWER_STRINGS["2.4"] if s in out]
