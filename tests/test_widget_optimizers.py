"""The optimizer explorer: its runs are bpkit's optimizers on the surfaces; controls drive it."""

import numpy as np
import pytest

from bpkit.optim import SGD, Adam
from bpkit.surfaces import Quadratic, Rosenbrock, descend
from bpkit.widgets.optimizers import (
    DEFAULTS,
    OPTIMIZERS,
    OptimizerExplorer,
    compare,
    make_optimizer,
    tilted_quadratic,
)

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")


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
    e.selected = ("SGD",)
    e.set_lr("SGD", 0.11)  # above 2 / 20: diverges
    assert list(e.runs) == ["SGD"] and e.runs["SGD"].diverged
    assert "SGD: diverged after" in e.text
    e.surface = "rosenbrock"  # restores that surface's defaults
    assert e.steps == 1000 and e.lrs == {"SGD": DEFAULTS["rosenbrock"]["lr"]["SGD"]}
    assert e.momentum == DEFAULTS["rosenbrock"]["momentum"]
    e.selected = ("Adam",)
    e.beta1 = 0.0
    no_momentum = e.final_losses["Adam"]
    e.beta1 = 0.9
    assert e.final_losses["Adam"] != no_momentum
    assert e._image.value[:4] == b"\x89PNG"


def test_explorer_refuses_bad_settings():
    e = OptimizerExplorer(surface="rosenbrock", selected=("Adam",))
    with pytest.raises(ValueError, match="surface must be one of"):
        e.surface = "himmelblau"
    with pytest.raises(ValueError, match="unknown optimizer"):
        e.selected = ("Adam", "Adagrad")
    with pytest.raises(ValueError, match="lr for Adam must be from"):
        e.set_lr("Adam", 10.0)
    with pytest.raises(ValueError, match="momentum must be from"):
        e.momentum = 1.0
    with pytest.raises(ValueError, match="steps must be an integer"):
        e.steps = 0


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
