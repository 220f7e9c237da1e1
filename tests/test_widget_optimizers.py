"""The optimizer explorer: its runs are bpkit's optimizers on the surfaces; controls drive it.

The front-end (js/optimizers.js) is checked against it in test_widget_port_optimizers.py.
"""

import json

import numpy as np
import pytest

from bpkit.optim import SGD, Adam
from bpkit.surfaces import Quadratic, Rosenbrock, descend
from bpkit.widgets.optimizers import (
    DEFAULTS,
    OPTIMIZERS,
    SHOWN_POINTS,
    OptimizerExplorer,
    compare,
    explorer_result,
    make_optimizer,
    shown_steps,
    tilted_quadratic,
)


def test_make_optimizer_builds_each_rule():
    point = type("P", (), {"params": {"xy": np.zeros(2)}, "grads": {"xy": np.zeros(2)}})()
    made = {n: make_optimizer(n, point, 0.1, momentum=0.8) for n in OPTIMIZERS}
    assert repr(made["SGD"]) == "SGD(lr=0.1)"
    assert repr(made["Nesterov"]) == "SGD(lr=0.1, momentum=0.8, nesterov=True)"
    assert isinstance(made["Adam"], Adam)
    assert repr(make_optimizer("Nesterov", point, 0.1, momentum=0.0)) == "SGD(lr=0.1)"
    with pytest.raises(ValueError, match="unknown optimizer 'LBFGS'"):
        make_optimizer("LBFGS", point, 0.1)


def test_compare_matches_descend():
    runs = compare("rosenbrock", {"SGD": 0.001, "Adam": 0.05}, 200)
    path, losses = descend(Rosenbrock(), lambda p: Adam(p, lr=0.05), 200)
    np.testing.assert_array_equal(runs["Adam"].path, path)
    np.testing.assert_array_equal(runs["Adam"].losses, losses)
    _, sgd = descend(Rosenbrock(), lambda p: SGD(p, lr=0.001), 200)
    assert runs["SGD"].final_loss == sgd[-1]
    diverging = compare(Quadratic(), {"SGD": 0.2}, 300)["SGD"]
    assert diverging.diverged and len(diverging.losses) < 301


def test_explorer_controls_drive_the_runs():
    e = OptimizerExplorer()
    assert e.selected == OPTIMIZERS and e.steps == DEFAULTS["quadratic"]["steps"]
    assert e.lrs == DEFAULTS["quadratic"]["lr"]
    expected = compare("quadratic", DEFAULTS["quadratic"]["lr"], 100, momentum=0.7)
    for name, run in expected.items():
        assert e.final_losses[name] == run.final_loss
        np.testing.assert_array_equal(e.runs[name].path, run.path)
        shown = e.result["runs"][name]
        assert shown["path"] == run.path.tolist() and shown["losses"] == run.losses.tolist()
        assert shown["n"] == 100 and shown["end"] == run.path[-1].tolist()
    e.selected = ("SGD",)
    e.set_lr("SGD", 0.11)  # above 2 / 20: diverges
    assert list(e.runs) == ["SGD"] and e.runs["SGD"].diverged
    assert list(e.result["runs"]) == ["SGD"] and e.result["runs"]["SGD"]["diverged"]
    assert "SGD: diverged after" in e.text
    e.surface = "rosenbrock"  # restores that surface's defaults
    assert e.steps == 1000 and e.lrs == {"SGD": DEFAULTS["rosenbrock"]["lr"]["SGD"]}
    assert e.momentum == DEFAULTS["rosenbrock"]["momentum"]
    e.selected = ("Adam",)
    e.beta1 = 0.0
    no_momentum = e.final_losses["Adam"]
    e.beta1 = 0.9
    assert e.final_losses["Adam"] != no_momentum
    # several controls at once, a new surface first restoring its defaults
    e.set(surface="tilted quadratic", selected=("RMSProp", "Adam"), lr={"Adam": 0.2}, rho=0.8)
    assert e.lrs == {"RMSProp": DEFAULTS["tilted quadratic"]["lr"]["RMSProp"], "Adam": 0.2}
    runs = compare("tilted quadratic", e.lrs, 100, momentum=0.7, beta1=0.9, beta2=0.999,
                   rho=0.8)
    assert e.final_losses == {n: r.final_loss for n, r in runs.items()}
    assert repr(e) == ("OptimizerExplorer(surface='tilted quadratic', steps=100, "
                       "selected=('RMSProp', 'Adam'))")


def test_the_page_choosing_a_surface_restores_its_defaults_and_reset_restores_the_start():
    e = OptimizerExplorer(selected=("SGD", "Adam"))
    start = dict(e.controls)
    # what the front-end sends: the controls with another surface, the rest unchanged
    e.controls = {**e.controls, "surface": "rosenbrock", "steps": 50}
    d = DEFAULTS["rosenbrock"]
    assert e.controls["steps"] == d["steps"] and e.controls["lr"] == d["lr"]
    assert e.result["surface"] == "rosenbrock" and e.result["steps"] == d["steps"]
    e.controls = {**e.controls, "steps": 20}  # a slider: no defaults restored
    assert e.result["steps"] == 20 and e.result["runs"]["Adam"]["n"] == 20
    e.reset()
    assert e.controls == start == e.initial
    assert e.result == explorer_result(start)


def test_long_runs_are_thinned_for_the_drawing_but_computed_in_full():
    assert shown_steps(0) == [0] and shown_steps(SHOWN_POINTS - 1) == list(range(SHOWN_POINTS))
    for n in (SHOWN_POINTS, 999, 1000, 1001, 2999, 3000):
        keep = shown_steps(n)
        head = SHOWN_POINTS // 4
        assert len(keep) <= SHOWN_POINTS and keep[:head] == list(range(head)) and keep[-1] == n
        strides = set(np.diff(keep[head:-1]).tolist())
        assert len(strides) == 1 and strides.pop() % 2 == 1  # one odd stride
    e = OptimizerExplorer(surface="rosenbrock", selected=("Adam",))
    e.steps = 3000
    run, shown = e.runs["Adam"], e.result["runs"]["Adam"]
    assert len(run.losses) == 3001 and shown["n"] == 3000
    assert shown["losses"] == run.losses[shown["steps"]].tolist()
    assert shown["final_loss"] == run.losses[-1] == e.final_losses["Adam"]


def test_a_diverged_run_is_sent_without_infinities():
    e = OptimizerExplorer(selected=("SGD",))
    e.set(lr={"SGD": 3.0}, steps=3000)
    shown = e.result["runs"]["SGD"]
    assert shown["diverged"] and shown["n"] < 3000
    json.dumps(e.page_state(), allow_nan=False)  # the website's fallback is valid JSON
    assert "diverged after" in e.describe()
    assert "text/html" in e._repr_mimebundle_()[0]


def test_explorer_refuses_bad_settings():
    e = OptimizerExplorer(surface="rosenbrock", selected=("Adam",))
    with pytest.raises(ValueError, match="surface must be one of"):
        e.surface = "himmelblau"
    with pytest.raises(ValueError, match="unknown optimizer"):
        e.selected = ("Adam", "Adagrad")
    with pytest.raises(ValueError, match="lr for Adam must be a number from"):
        e.set_lr("Adam", 10.0)
    with pytest.raises(ValueError, match="momentum must be a number from"):
        e.momentum = 1.0
    with pytest.raises(ValueError, match="steps must be an integer"):
        e.steps = 0
    with pytest.raises(ValueError, match="unknown control"):
        e.set(epochs=3)
    with pytest.raises(ValueError, match="surface must be one of"):
        OptimizerExplorer(surface="himmelblau")


def test_plot_trajectories_draws_every_path_with_labels():
    from matplotlib.figure import Figure  # no pyplot: no backend needed

    from bpkit.plot import PALETTE
    from bpkit.widgets.optimizers import plot_trajectories

    surface = Rosenbrock()
    runs = compare(surface, {"SGD": 0.0009, "Adam": 0.05}, 50)
    ax = Figure().subplots()
    plot_trajectories(ax, surface, {n: r.path for n, r in runs.items()})
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["Adam"].get_xydata(), runs["Adam"].path)
    assert lines["SGD"].get_color() == PALETTE[0] and lines["Adam"].get_color() == PALETTE[1]
    assert "minimum" in lines
    assert ax.get_title() == "Optimizer paths on the Rosenbrock function"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    assert ax.get_xlim() == surface.xlim and ax.get_ylim() == surface.ylim


def test_tilted_quadratic_changes_only_the_per_coordinate_rules():
    lrs = DEFAULTS["quadratic"]["lr"]
    aligned = compare("quadratic", lrs, 100, momentum=0.7)
    tilted = compare("tilted quadratic", lrs, 100, momentum=0.7)
    np.testing.assert_allclose(tilted_quadratic().curvatures, [1.0, 20.0])
    for name in ("SGD", "momentum", "Nesterov"):  # rotation-invariant rules
        np.testing.assert_allclose(tilted[name].losses, aligned[name].losses, rtol=1e-9)
    for name in ("RMSProp", "Adam"):  # per-coordinate rules do worse once the bowl is turned
        assert tilted[name].losses[25] > 1.5 * aligned[name].losses[25]


def test_each_optimizer_keeps_its_colour_whichever_others_are_shown():
    from matplotlib.figure import Figure

    from bpkit.widgets.optimizers import OPTIMIZERS, PATH_COLOURS, plot_runs

    surface = Quadratic()
    runs = compare(surface, {"momentum": 0.03, "Adam": 0.3}, 20)
    ax_surface, ax_loss = Figure().subplots(1, 2)
    plot_runs(surface, runs, ax_surface, ax_loss)
    for ax in (ax_surface, ax_loss):
        colours = {line.get_label(): line.get_color() for line in ax.get_lines()}
        for name in runs:
            assert colours[name] == PATH_COLOURS[OPTIMIZERS.index(name)]


def test_selected_must_name_optimizers():
    with pytest.raises(ValueError, match="selected must be an optimizer's name or a list"):
        OptimizerExplorer(selected=5)
