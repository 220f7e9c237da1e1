"""The chain-rule widget, headless: the numbers it shows, its controls, its picture."""

import math

import pytest

from bpkit.engine import Value
from bpkit.exercises.ch1 import layered
from bpkit.widgets.chain import ChainRuleWidget, build_graph, count_paths, path_product, paths


def sigmoid(a):
    return 1 / (1 + math.exp(-a))


def test_values_and_local_derivatives_at_the_initial_point():
    w = ChainRuleWidget(x=1.0, y=-2.0, z=0.5)
    s = sigmoid(1.0)
    assert w.values["m"] == -2.0
    assert w.values["u"] == -1.5
    assert w.values["s"] == pytest.approx(s, rel=1e-15)
    assert w.values["f"] == pytest.approx(-1.5 * s, rel=1e-15)
    assert w.local_grads == pytest.approx({
        ("x", "m"): -2.0, ("y", "m"): 1.0, ("m", "u"): 1.0, ("z", "u"): 1.0,
        ("x", "s"): s * (1 - s), ("u", "f"): s, ("s", "f"): -1.5})


def test_x_has_two_paths_whose_products_sum_to_the_gradient():
    w = ChainRuleWidget(x=1.0, y=-2.0, z=0.5)
    s = sigmoid(1.0)
    rows = dict(w.path_products["x"])
    assert set(rows) == {("f", "u", "m", "x"), ("f", "s", "x")}
    assert rows[("f", "u", "m", "x")] == pytest.approx(s * 1.0 * -2.0, rel=1e-14)
    assert rows[("f", "s", "x")] == pytest.approx(-1.5 * s * (1 - s), rel=1e-14)
    assert len(w.path_products["y"]) == len(w.path_products["z"]) == 1
    for name in "xyz":
        assert w.path_sums[name] == pytest.approx(w.grads[name], rel=1e-14)


def test_moving_a_slider_on_the_page_recomputes_everything():
    w = ChainRuleWidget()
    w.controls = {**w.controls, "z": -1.0}  # what the front-end sends when the slider moves
    assert w.values["u"] == pytest.approx(-3.0)
    assert w.grads["x"] == pytest.approx(-2 * sigmoid(1.0) - 3 * sigmoid(1) * (1 - sigmoid(1)))
    # the path f <- s <- x now multiplies df/ds = u = -3 by ds/dx
    assert dict(w.path_products["x"])[("f", "s", "x")] == pytest.approx(
        -3 * sigmoid(1) * (1 - sigmoid(1)))


def test_the_reset_button_message_resets():
    w = ChainRuleWidget(x=0.5, y=1.0, z=0.0)
    w.set(x=2.0)
    w._on_message(w, {"event": "reset"}, [])  # what the Reset button sends
    assert w.controls == {"x": 0.5, "y": 1.0, "z": 0.0}
    w._on_message(w, {"event": "no such action"}, [])
    assert w.controls == {"x": 0.5, "y": 1.0, "z": 0.0}


def test_set_and_reset():
    w = ChainRuleWidget(x=0.5, y=1.0, z=0.0)
    w.set(x=-0.3, y=2.25)
    assert (w.controls["x"], w.controls["y"]) == (-0.3, 2.25)
    assert w.values["m"] == pytest.approx(-0.675)
    w.reset()
    assert w.controls == {"x": 0.5, "y": 1.0, "z": 0.0}
    assert w.values["m"] == 0.5


def test_set_rejects_unknown_inputs_and_values_outside_the_slider():
    w = ChainRuleWidget()
    with pytest.raises(ValueError, match="unknown input"):
        w.set(q=1.0)
    with pytest.raises(ValueError, match=r"x must be a number in \[-3.0, 3.0\].*got 5"):
        w.set(x=5)
    with pytest.raises(ValueError, match="must be a number in"):
        ChainRuleWidget(z=-4)
    with pytest.raises(ValueError, match="got 'a'"):
        w.set(y="a")


def test_the_website_fallback_and_the_report():
    w = ChainRuleWidget()
    bundle, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget
    html = bundle["text/html"]  # what the website shows and page.js mounts
    assert html.startswith('<div class="bpkit-widget" data-widget="chain">')
    assert '"controls":{"x":1.0,"y":-2.0,"z":0.5}' in html and "sigmoid" in html
    text = w.report()
    assert "f <- s <- x        product -0.294918" in text
    assert "sum for x: -1.757035   backward: -1.757035" in text


def test_build_graph_names_every_node():
    nodes = build_graph(0.1, 0.2, 0.3)
    assert [n.label for n in nodes["f"].topological_order()] == ["x", "y", "m", "z", "u",
                                                                 "s", "f"]


@pytest.mark.parametrize("width, depth", [(1, 4), (2, 3), (3, 2)])
def test_paths_and_count_paths_on_layered_graphs(width, depth):
    inputs, out = layered(width, depth)
    found = paths(out, inputs[0])
    assert len(found) == count_paths(out, inputs[0]) == width ** depth
    assert all(p[0] is out and p[-1] is inputs[0] for p in found)
    # every local derivative is 1/width and a path has depth + 1 edges
    for p in found:
        assert path_product(p) == pytest.approx(width ** -(depth + 1))


def test_a_parallel_edge_counts_once_with_the_summed_derivative():
    x = Value(1.5)
    q = x * x
    assert count_paths(q, x) == 1
    (p,) = paths(q, x)
    assert path_product(p) == 3.0


def test_path_product_rejects_nodes_that_are_not_parent_and_child():
    x, y = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="is not a parent"):
        path_product([x * 2, y])


def test_count_paths_to_a_node_outside_the_graph_is_zero():
    _, out = layered(2, 2)
    assert count_paths(out, Value(0.0)) == 0


def test_a_boolean_is_not_an_input():
    with pytest.raises(ValueError, match="x must be a number in .* got True"):
        ChainRuleWidget().set(x=True)
