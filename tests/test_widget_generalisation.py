"""The overfitting explorer (Chapter 7): its runs are bpkit's, its front-end looks them up.

In Python: every run of the grid is what ``train_run`` (the chapter's recipe) gives, a setting
off the grid is refused, and the widget's controls move the result. In V8 (mini-racer): the
module's ``compute`` and ``reset`` (with ``runKey`` and ``generalisationState`` of port.js)
give ``generalisation_state``'s numbers for all 16 settings, exactly (a lookup and two
subtractions in the same order).
"""

import itertools
import json

import numpy as np
import port_compare
import pytest
from port_compare import evaluator, v8

from bpkit.widgets.generalisation import (
    DECAYS,
    DROPOUTS,
    EPOCHS,
    KEYS,
    SIZES,
    WIDTHS,
    GeneralisationExplorer,
    generalisation_state,
    precompute,
    run_key,
    train_run,
)

GRID = [dict(zip(KEYS, v, strict=True))
        for v in itertools.product(SIZES, WIDTHS, DECAYS, DROPOUTS)]


@pytest.fixture(scope="module")
def runs():
    return precompute()


@pytest.fixture(scope="module")
def js():
    ctx = v8("generalisation")
    yield evaluator(ctx)
    ctx.close()


def test_the_grid_holds_16_runs_of_the_chapters_recipe(runs):
    assert len(runs) == 16 and sorted(runs) == sorted(run_key(c) for c in GRID)
    for run in runs.values():
        assert all(len(run[k]) == EPOCHS + 1 for k in run)
        assert run["train_loss"][0] > 2.0 and run["train_loss"][-1] < run["train_loss"][0]
    again = train_run(100, 16, 0.001, 0.5)  # the same seeds: the same run, to the bit
    assert again == runs["100|16|0.001|0.5"]


def test_state_has_the_last_epoch_and_the_gaps(runs):
    c = {"n_train": 300, "width": 128, "weight_decay": 0.001, "dropout": 0.0}
    state = generalisation_state(runs, c)
    run = runs["300|128|0.001|0"]
    assert state["train_loss"] == run["train_loss"][-1] and state["val_acc"] == run["val_acc"][-1]
    assert state["gap"] == run["val_loss"][-1] - run["train_loss"][-1]
    assert state["acc_gap"] == run["train_acc"][-1] - run["val_acc"][-1]
    assert state["epochs"] == list(range(EPOCHS + 1))
    # more data, a smaller gap: what the chapter measured, on the widget's runs too
    small = generalisation_state(runs, {**c, "n_train": 100, "weight_decay": 0.0})
    large = generalisation_state(runs, {**c, "weight_decay": 0.0})
    assert small["gap"] > large["gap"]


@pytest.mark.parametrize("controls, error, match", [
    ({"n_train": 50, "width": 16, "weight_decay": 0.0, "dropout": 0.0}, ValueError,
     r"n_train must be one of \(100, 300\), got 50"),
    ({"n_train": 100, "width": 16, "weight_decay": 0.0}, KeyError, "need 'dropout'"),
    ({"n_train": 100, "width": 16, "weight_decay": 0.1, "dropout": 0.0}, ValueError,
     "weight_decay must be one of"),
])
def test_a_setting_off_the_grid_is_refused(controls, error, match):
    with pytest.raises(error, match=match):
        run_key(controls)


def test_the_widget_moves_resets_and_describes(runs):
    w = GeneralisationExplorer(runs)
    assert w.controls == {"n_train": 100, "width": 128, "weight_decay": 0.0, "dropout": 0.0}
    w.set(n_train=300, dropout=0.5)
    assert w.result == generalisation_state(runs, w.controls)
    assert w.result["key"] == "300|128|0|0.5"
    w.reset()
    assert w.controls == w.initial and w.result["key"] == "100|128|0|0"
    assert "100 training digits, 128 hidden units" in w.describe()
    with pytest.raises(ValueError, match="dropout must be one of"):
        w.set(dropout=0.2)
    with pytest.raises(ValueError, match="width must be one of"):
        GeneralisationExplorer(runs, width=32)
    bundle = w._repr_mimebundle_()
    html = (bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"]
    assert 'data-widget="generalisation"' in html and '"runs":{' in html


def test_js_compute_gives_bpkits_numbers_for_every_setting(js, runs):
    worst = 0.0
    for c in GRID:
        state = {"controls": c, "runs": runs}
        got = js(f"window.bpkitWidgets.generalisation.compute({json.dumps(state)}, {{}})")
        expected = generalisation_state(runs, c)
        worst = max(worst, port_compare.worst_relative_error(got["result"], expected))
        assert got["result"]["gap"] == expected["gap"]  # the same subtraction: exact
    assert worst == 0.0


def test_js_reset_and_a_missing_run(js, runs):
    initial = {"n_train": 100, "width": 128, "weight_decay": 0, "dropout": 0}
    state = {"controls": {**initial, "n_train": 300}, "initial": initial, "runs": runs}
    got = js(f"window.bpkitWidgets.generalisation.actions.reset({json.dumps(state)})")
    assert got["controls"] == initial
    assert got["result"] == generalisation_state(runs, initial)
    with pytest.raises(Exception, match="no precomputed run for 100|128|0|0.2"):
        js("window.bpkitWidgets.generalisation.compute({controls: {n_train: 100, width: 128, "
           "weight_decay: 0, dropout: 0.2}, runs: {}}, {})")


def test_a_wrong_lookup_is_caught(js, runs):
    c = GRID[5]
    got = js(f"window.bpkitWidgets.generalisation.compute("
             f"{json.dumps({'controls': c, 'runs': runs})}, {{}})")
    got["result"]["val_loss_curve"][7] *= 1 + 1e-9
    assert port_compare.worst_relative_error(got["result"],
                                             generalisation_state(runs, c)) > 1e-12
    assert np.isfinite(got["result"]["gap"])
