"""The backward stepper's port (``stepperState`` in port.js, ``js/stepper.js``) gives bpkit's
numbers, on 1,000 random settings of every expression's inputs, at every step.

The port runs in V8 (mini-racer, the engine of Chromium). For each setting the page's
``compute`` is compared with :func:`bpkit.widgets.stepper.stepper_state` (values, local
derivatives, gradients, the topological order), and then the page's ``step`` action is run
from step 0 to the end and after each step the gradients it reveals are compared with those
:class:`BackwardStepper` reveals after the same number of steps. Tolerance as in
``tests/test_widget_port.py``: 1e-12 relative with a 1e-16 floor.
"""

import json
from functools import partial

import numpy as np
import port_compare
import pytest
from port_compare import RTOL, evaluator, new_stats, v8

from bpkit.widgets.stepper import EXPRESSIONS, HIGH, LOW, BackwardStepper, stepper_state

CASES = 1000


@pytest.fixture(scope="module")
def js():
    return evaluator(v8("stepper"))


STATS = new_stats()
worst_relative_error = partial(port_compare.worst_relative_error, stats=STATS)

# The gradients the page reveals after each step, from its own step action.
REVEALED = """((state) => {
  const w = window.bpkitWidgets.stepper;
  const out = [];
  for (let k = 0; k <= state.result.order.length + 1; k++) {
    const order = state.result.order.slice().reverse().slice(0, state.controls.step);
    out.push(Object.fromEntries(order.map((n) => [n, state.result.grads[n]])));
    state = { ...state, ...w.actions.step(state) };
  }
  return out;
})"""


@pytest.mark.parametrize("expression", list(EXPRESSIONS))
def test_stepper_state_and_every_step_match_bpkit(js, expression):
    rng = np.random.default_rng(sorted(EXPRESSIONS).index(expression))
    widget = BackwardStepper(expression)
    worst, steps = 0.0, 0
    for _ in range(CASES):
        inputs = {k: float(rng.uniform(LOW, HIGH)) for k in ("x", "y", "w", "b")}
        controls = {"expression": expression, **inputs, "step": 0}
        got = js(f"window.bpkitWidgets.stepper.compute({{controls: {json.dumps(controls)}}})")
        want = stepper_state(expression, inputs)
        worst = max(worst, worst_relative_error(got["result"], want))
        assert got["result"]["order"] == want["order"]

        widget.reset()
        widget.set(**inputs)
        state = {"controls": controls, "result": got["result"], "initial": controls}
        revealed = js(f"{REVEALED}({json.dumps(state)})")
        for k, page in enumerate(revealed):
            assert list(page) == list(widget.shown), (expression, k)
            worst = max(worst, worst_relative_error(page, widget.shown))
            widget.step()
            steps += 1
        assert widget.controls["step"] == widget.n_steps == len(want["order"])
    print(f"stepper {expression}: worst relative error {worst:.2e} over {CASES} settings and "
          f"{steps} steps")
    assert worst < RTOL


def test_run_all_and_reset_match_the_widget(js):
    widget = BackwardStepper("square", x=0.5, y=-1.0)
    state = {"controls": widget.controls, "result": widget.result, "initial": widget.initial}
    ran = js(f"window.bpkitWidgets.stepper.actions.run({json.dumps(state)})")
    widget.run()
    assert ran["controls"] == widget.controls
    ran_state = {**state, **ran}
    back = js(f"window.bpkitWidgets.stepper.actions.reset({json.dumps(ran_state)})")
    widget.reset()
    assert back["controls"] == widget.controls and back["controls"]["step"] == 0
    assert worst_relative_error(back["result"], widget.result) < RTOL


def test_port_report():
    print(f"stepper port: {STATS['numbers']} numbers compared, {STATS['differ']} differ in the "
          f"last bits, {STATS['over_rtol']} by more than {RTOL:g}, worst {STATS['worst']:.2e}")
    assert STATS["numbers"] > 0 and STATS["over_rtol"] == 0
