"""The optimizer explorer's front-end (js/optimizers.js) computes on the website what bpkit does.

Where there is no kernel the module's ``compute`` runs the optimizers with ``descend`` and
``makeOptimizer`` of ``js/port.js``. Here the module runs in V8 (mini-racer, the engine of
Chromium) and is compared with :class:`bpkit.widgets.optimizers.OptimizerExplorer` on random
settings of every control, drawn from the sliders' ranges with a seeded generator, on each
surface: a random set of optimizers, a learning rate for each (log-uniform over the whole
slider, so that many runs diverge), mu, beta1, beta2, rho and 1 to 3000 steps. Compared: every
number of the result (the positions and losses at the steps drawn, the steps run, the last
loss and position, whether the run diverged), and, with nothing thinned, the loss and the
position after every step.

The tolerance is ``|js - bpkit| <= 1e-12 |bpkit| + 1e-16`` (as in test_widget_port.py) for
every step of every run, also the long chaotic ones. Nothing looser is needed: the port does
each update in bpkit's order of floating-point operations, so the two agree to the last bit
but for a rare last bit (V8's ``**`` and C's ``pow`` may round ``x ** 2`` or Adam's
``beta ** t`` differently, and a chaotic run carries such a bit along). Measured on these
settings: 67 of about 400,000 numbers differ at all, the worst by 2.2e-16 relative.
"""

import json
import math
from functools import partial

import numpy as np
import port_compare
import pytest
from port_compare import RTOL, evaluator, v8

from bpkit.widgets.frontend import module_source
from bpkit.widgets.optimizers import (
    DEFAULTS,
    OPTIMIZERS,
    RANGES,
    SURFACES,
    OptimizerExplorer,
    compare,
    explorer_result,
)

CASES = 30  # random settings per surface
STATS = port_compare.new_stats()
worst_relative_error = partial(port_compare.worst_relative_error, stats=STATS)


@pytest.fixture(scope="module")
def js():
    return evaluator(v8("optimizers"))


@pytest.fixture(scope="module")
def explorer():
    return OptimizerExplorer()


def finite(value):
    """Python's float as JSON sends it: NaN and infinities become null."""
    return value if math.isfinite(value) else None


def random_controls(rng, surface):
    lo, hi = (math.log10(v) for v in RANGES["lr"])
    chosen = [n for n in OPTIMIZERS if rng.random() < 0.6] or [str(rng.choice(OPTIMIZERS))]
    steps_hi = 3000 if surface == "rosenbrock" else 600
    c = {"surface": surface, "steps": int(rng.integers(1, steps_hi + 1)), "selected": chosen,
         "lr": {n: float(10 ** rng.uniform(lo, hi)) for n in OPTIMIZERS}}
    # half the time near the surface's own learning rates, where the runs converge
    if rng.random() < 0.5:
        c["lr"] = {n: float(DEFAULTS[surface]["lr"][n] * 10 ** rng.uniform(-1, 0.5))
                   for n in OPTIMIZERS}
    for key in ("momentum", "beta1", "beta2", "rho"):
        c[key] = float(rng.uniform(*RANGES[key]))
    return c


def state_of(explorer, controls):
    return {"controls": controls, "initial": explorer.initial, "result": explorer.result,
            "setup": explorer.setup}


@pytest.mark.parametrize("surface", list(SURFACES))
def test_compute_matches_bpkit_on_random_settings(js, explorer, surface):
    rng = np.random.default_rng(list(SURFACES).index(surface))
    worst, diverged, runs = 0.0, 0, 0
    for _ in range(CASES):
        c = random_controls(rng, surface)
        state = state_of(explorer, c)
        got = js(f"window.bpkitWidgets.optimizers.compute({json.dumps(state)}, "
                 f"{json.dumps(c)})")
        assert got["controls"] == c  # the same surface: no defaults restored
        expected = explorer_result(c)
        worst = max(worst, worst_relative_error(got["result"], expected))
        runs += len(expected["runs"])
        diverged += sum(r["diverged"] for r in expected["runs"].values())
    print(f"{surface}: {CASES} settings, {runs} runs ({diverged} diverged), worst relative "
          f"error {worst:.1e}")
    assert worst < RTOL and 0 < diverged < runs


def test_every_step_matches_bpkit(js, explorer):
    """The whole of each run, nothing thinned: the module's explorerResult with a budget of
    points larger than any run, against bpkit's compare, step by step."""
    rng = np.random.default_rng(7)
    worst = 0.0
    for surface in SURFACES:
        for _ in range(5):
            c = random_controls(rng, surface)
            c["steps"] = 3000 if surface == "rosenbrock" else 600
            setup = {**explorer.setup, "shown_points": 10 ** 6}
            state = {**state_of(explorer, c), "setup": setup}
            got = js(f"window.bpkitWidgets.optimizers.compute({json.dumps(state)}, "
                     f"{json.dumps(c)})")["result"]["runs"]
            runs = compare(surface, {n: c["lr"][n] for n in c["selected"]}, c["steps"],
                           momentum=c["momentum"], beta1=c["beta1"], beta2=c["beta2"],
                           rho=c["rho"])
            assert list(got) == list(runs)
            for name, run in runs.items():
                assert got[name]["steps"] == list(range(len(run.losses)))
                expected = {"path": [[finite(v) for v in p] for p in run.path.tolist()],
                            "losses": [finite(v) for v in run.losses.tolist()]}
                worst = max(worst, worst_relative_error(
                    {k: got[name][k] for k in ("path", "losses")}, expected))
    print(f"every step of 15 runs of up to 3000 steps: worst relative error {worst:.1e}")
    assert worst < RTOL


def test_choosing_a_surface_and_reset_match_the_python_widget(js):
    explorer = OptimizerExplorer(selected=("momentum", "Adam"))
    before = dict(explorer.controls)
    state = state_of(explorer, {**before, "surface": "rosenbrock", "beta1": 0.8})
    got = js(f"window.bpkitWidgets.optimizers.compute({json.dumps(state)}, "
             f"{json.dumps(before)})")
    explorer.controls = {**before, "surface": "rosenbrock", "beta1": 0.8}  # as the page sends
    assert got["controls"] == explorer.controls
    assert got["controls"]["steps"] == DEFAULTS["rosenbrock"]["steps"]
    assert worst_relative_error(got["result"], explorer.result) < RTOL
    state = state_of(explorer, explorer.controls)
    got = js(f"window.bpkitWidgets.optimizers.actions.reset({json.dumps(state)})")
    explorer.reset()
    assert got["controls"] == explorer.controls == explorer.initial
    assert worst_relative_error(got["result"], explorer.result) < RTOL


def test_a_wrong_port_is_caught(js, explorer):
    """The comparison can fail: one loss off by 1e-9, or a tiny one off by 1e-15, is caught."""
    print(f"numbers compared above: {STATS['numbers']}, of which {STATS['differ']} differ at "
          f"all; worst relative error {STATS['worst']:.1e}")
    c = {**explorer.controls, "selected": ["momentum"]}  # the quadratic, 100 steps
    state = state_of(explorer, c)
    expected = explorer_result(c)
    call = f"window.bpkitWidgets.optimizers.compute({json.dumps(state)}, {json.dumps(c)})"
    got = js(call)["result"]
    assert worst_relative_error(got, expected) < RTOL
    got["runs"]["momentum"]["losses"][50] *= 1 + 1e-9
    assert worst_relative_error(got, expected) > RTOL
    got = js(call)["result"]
    losses = expected["runs"]["momentum"]["losses"]
    tiny = min(range(len(losses)), key=lambda i: losses[i])
    assert losses[tiny] < 1e-12
    got["runs"]["momentum"]["losses"][tiny] += 1e-15  # an absolute error above the floor
    assert worst_relative_error(got, expected) > RTOL


def test_every_function_of_the_module_names_what_it_mirrors_or_does():
    source = module_source("optimizers")
    own = source[source.index("// ---- optimizers.js"):].splitlines()
    defined = [line for line in own if line.startswith(("function ", "class "))]
    assert len(defined) >= 15
    for line in defined:
        i = own.index(line)
        above = own[i - 1]
        assert above.startswith("//"), line  # a comment right above each one
    mirrored = "\n".join(own)
    for name in ("shown_steps", "explorer_result", "_with_surface_defaults", "SURFACES[name]"):
        assert f"Mirrors bpkit.widgets.optimizers.{name}" in mirrored, name
