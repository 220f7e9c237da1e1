"""The backward stepper (Chapter 8) in Python: its numbers are bpkit's, its steps follow the
backward pass, bad input is refused with a message saying what was expected."""

import json

import pytest

from bpkit.engine import Value
from bpkit.gradcheck import centered_difference
from bpkit.widgets.stepper import EXPRESSIONS, BackwardStepper, build_expression, stepper_state


def f_of(name, inputs):
    return build_expression(name, inputs)["f"].data


@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_gradients_agree_with_centered_differences(name):
    inputs = {"x": 0.7, "y": -1.3, "w": 1.1, "b": -0.4}
    state = stepper_state(name, inputs)
    for k in EXPRESSIONS[name][1]:
        numeric = centered_difference(lambda v, k=k: f_of(name, {**inputs, k: v}), inputs[k])
        assert state["grads"][k] == pytest.approx(numeric, rel=1e-8, abs=1e-10)
    assert state["order"][-1] == "f" and state["grads"]["f"] == 1.0


def test_the_square_has_a_node_used_twice_by_one_operation():
    state = stepper_state("square", {"x": 0.5, "y": 2.0})
    u = 2.5
    assert [e for e in state["edges"] if e[1] == "q"] == [["u", "q", u], ["u", "q", u]]
    assert state["grads"]["u"] == pytest.approx(2 * u * 2.0)  # both edges added: d(u^2 y)/du


def test_steps_reveal_the_nodes_in_reverse_topological_order():
    w = BackwardStepper("neuron", x=0.8, w=-1.5, b=0.3)
    nodes = build_expression("neuron", w.controls)
    order = [n.label for n in reversed(nodes["f"].topological_order())]
    assert w.shown == {}
    for k in range(1, len(order) + 2):
        w.step()
        assert list(w.shown) == order[:k]
    x, ww, b = Value(0.8), Value(-1.5), Value(0.3)
    f = x * (ww * x + b).tanh()
    f.backward()
    assert w.shown["x"] == x.grad and w.shown["w"] == ww.grad and w.shown["b"] == b.grad


def test_a_slider_keeps_the_steps_a_new_expression_starts_again_and_reset():
    w = BackwardStepper("reuse", x=1.0, y=2.0)
    w.step()
    w.step()
    w.set(x=-0.5)
    assert w.controls["step"] == 2 and w.result["grads"]["x"] == pytest.approx(3.0)
    w.set(expression="square")
    assert w.controls["step"] == 0 and w.shown == {}
    w.run()
    assert w.controls["step"] == w.n_steps == 5
    w.reset()
    assert w.controls == {"expression": "reuse", "x": 1.0, "y": 2.0, "w": -1.5, "b": 0.3,
                          "step": 0}


def test_the_report_shows_what_is_revealed():
    w = BackwardStepper("reuse", x=1.0, y=2.0)
    w.step()
    text = w.report()
    assert "step 1 of 4" in text and "df/df = 1.000000" in text and "df/dx = ?" in text


@pytest.mark.parametrize("kwargs, match", [
    ({"expression": "cube"}, "expression must be one of"),
    ({"x": 5.0}, r"x must be a number in \[-2.0, 2.0\]"),
    ({"y": "one"}, "y must be a number"),
    ({"z": 1.0}, "unknown control 'z'"),
])
def test_bad_input_says_what_was_expected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BackwardStepper().set(**kwargs)


def test_the_website_fallback_holds_the_state():
    w = BackwardStepper("square", x=0.5, y=-1.0)
    w.step()
    html = w._repr_mimebundle_()[0]["text/html"]
    assert 'data-widget="stepper"' in html
    state = json.loads(html.split('<script type="application/json">')[1].split("</script>")[0])
    assert state["controls"]["step"] == 1 and state["result"] == w.result
