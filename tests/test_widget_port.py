"""The JavaScript port (bpkit/widgets/js/port.js) gives bpkit's numbers.

On the website the widgets compute with the port instead of bpkit. Here the port runs in V8
(mini-racer, the engine of Chromium) and is compared with bpkit on 1,000 random settings of
each widget's controls, drawn from the sliders' ranges with a seeded generator: every forward
value, the loss, every gradient, every path product, the loss slice, and one Step.

The tolerance is ``|js - bpkit| <= 1e-12 |bpkit| + 1e-16``: a relative error of 1e-12, with a
floor of 1e-16 in absolute terms. The floor is needed for a saturated unit: both compute
sigma(z) = (1 + tanh(z/2)) / 2, and where tanh(z/2) is close to -1 (z below about -10) the sum
1 + tanh cancels, so the last bit in which V8's tanh and NumPy's may differ becomes a relative
difference of 1e-11 in an activation of 1e-6, while the absolute difference stays near 1e-17.
"""

import json
from functools import partial

import numpy as np
import port_compare
import pytest
from port_compare import RTOL, evaluator, new_stats, v8

from bpkit import worked_example as we
from bpkit.widgets.chain import ChainRuleWidget, chain_state
from bpkit.widgets.explorer import NetworkExplorer, explorer_state
from bpkit.widgets.frontend import WIDGETS, module_source

CASES = 1000


@pytest.fixture(scope="module")
def js():
    return evaluator(v8(*WIDGETS))


STATS = new_stats()
worst_relative_error = partial(port_compare.worst_relative_error, stats=STATS)


def random_explorer_controls(rng):
    c = {n: float(rng.uniform(-4, 4)) for n in we.PARAM_NAMES}
    c.update(x1=float(rng.uniform(-2, 2)), x2=float(rng.uniform(-2, 2)),
             t=float(rng.uniform(0, 1)), lr=float(10 ** rng.uniform(-3, 2)),
             weight=str(rng.choice(we.PARAM_NAMES)))
    return c


def test_chain_state_matches_bpkit_on_1000_random_inputs(js):
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(CASES):
        x, y, z = (float(v) for v in rng.uniform(-3, 3, 3))
        controls = json.dumps({"x": x, "y": y, "z": z})
        got = js(f"window.bpkitWidgets.chain.compute({{controls: {controls}}})")
        worst = max(worst, worst_relative_error(got["result"], chain_state(x, y, z)))
    print(f"chain: worst relative error {worst:.2e} over {CASES} cases")
    assert worst < RTOL


def test_explorer_state_matches_bpkit_on_1000_random_settings(js):
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(CASES):
        c = random_explorer_controls(rng)
        got = js(f"window.bpkitWidgets.explorer.compute({{controls: {json.dumps(c)}, "
                 f"history: []}}, {{}})")
        worst = max(worst, worst_relative_error(got["result"], explorer_state(c)))
    print(f"explorer: worst relative error {worst:.2e} over {CASES} cases")
    assert worst < RTOL


def test_one_step_matches_bpkit_on_1000_random_settings(js):
    rng = np.random.default_rng(2)
    explorer = NetworkExplorer()
    worst = 0.0
    for _ in range(CASES):
        c = random_explorer_controls(rng)
        explorer.set(**c)
        state = {"controls": explorer.controls, "result": explorer.result,
                 "history": explorer.history}
        got = js(f"window.bpkitWidgets.explorer.actions.step({json.dumps(state)})")
        explorer.step()
        expected = {"controls": explorer.controls, "result": explorer.result,
                    "history": explorer.history}
        worst = max(worst, worst_relative_error(got, expected))
    print(f"explorer step: worst relative error {worst:.2e} over {CASES} cases")
    assert worst < RTOL
    print(f"numbers compared so far: {STATS['numbers']}, of which {STATS['over_rtol']} differ "
          "by more than 1e-12 relative (all within the 1e-16 absolute floor)")


def test_reset_and_history_rules_match(js):
    explorer = NetworkExplorer(lr=0.2)
    explorer.set(w11=1.5, t=0.7)
    explorer.step()
    state = {"controls": explorer.controls, "initial": explorer.initial,
             "result": explorer.result, "history": explorer.history}
    # eta and the sliced parameter keep the history, a weight restarts it, in both
    for change, keeps in (({"lr": 0.05}, True), ({"weight": "b2"}, True), ({"w22": 1.0}, False)):
        before = dict(explorer.controls)
        after = {**before, **change}
        got = js(f"window.bpkitWidgets.explorer.compute({json.dumps({**state, 'controls': after})}"
                 f", {json.dumps(before)})")
        explorer.set(**change)
        assert (len(got["history"]) > 1) == keeps == (len(explorer.history) > 1)
        assert worst_relative_error(got["history"], explorer.history) < RTOL
        explorer.set(**before)
        explorer.history = state["history"]
    got = js(f"window.bpkitWidgets.explorer.actions.reset({json.dumps(state)})")
    explorer.reset()
    assert got["controls"] == explorer.controls == explorer.initial
    assert worst_relative_error(got["history"], explorer.history) < RTOL
    chain = ChainRuleWidget(x=0.5, y=1.0, z=0.0)
    chain.set(x=-2.0)
    got = js("window.bpkitWidgets.chain.actions.reset("
             f"{json.dumps({'controls': chain.controls, 'initial': chain.initial})})")
    chain.reset()
    assert got["controls"] == chain.controls
    assert worst_relative_error(got["result"], chain.result) < RTOL


def test_a_wrong_port_is_caught(js):
    """The comparison can fail: a port with the sigmoid's derivative off by 1e-9 is caught."""
    c = random_explorer_controls(np.random.default_rng(3))
    got = js(f"window.bpkitWidgets.explorer.compute({{controls: {json.dumps(c)}, "
             f"history: []}}, {{}})")
    expected = explorer_state(c)
    got["result"]["gradients"]["b3"] *= 1 + 1e-9
    assert worst_relative_error(got["result"], expected) > RTOL
    got = js(f"window.bpkitWidgets.explorer.compute({{controls: {json.dumps(c)}, "
             f"history: []}}, {{}})")
    tiny = min(got["result"]["gradients"], key=lambda n: abs(got["result"]["gradients"][n]))
    assert abs(expected["gradients"][tiny]) < 1e-3
    got["result"]["gradients"][tiny] += 1e-15  # an absolute error above the floor
    assert worst_relative_error(got["result"], expected) > RTOL


def test_every_port_function_names_the_bpkit_function_it_mirrors():
    """Each function and class of the port says which bpkit function it mirrors, or that it
    is a helper of the port (zeros, the page's seeded generator, ...)."""
    source = module_source("explorer")
    port = source[source.index("// ---- port.js"):source.index("// ---- ui.js")]
    lines = port.splitlines()
    defined = [line for line in lines if line.startswith(("function ", "class "))]
    assert len(defined) >= 30
    for line in defined:
        i = lines.index(line)
        comment = "\n".join(lines[max(0, i - 8):i])
        comment = comment[comment.rfind("\n}") + 1:]  # the comment right above, not the last one
        assert "Mirrors bpkit." in comment or "math.fsum" in comment or "Helper:" in comment, line
