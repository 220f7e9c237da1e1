"""The depth explorer's front-end (bpkit/widgets/js/depth.js) gives bpkit's numbers.

On the website the depth explorer computes with port.js instead of bpkit, and draws its own
weights, input and target from the seed (port.js ``Random``, not NumPy's generator). Here the
module runs in V8 (mini-racer) and is handed bpkit's weights (the ``network`` trait), or hands
its own to bpkit, and the two compute on the same numbers:

- the error sizes ``||delta^l||``, their ratio and the parameter count agree to
  ``|js - bpkit| <= 1e-12 |bpkit| + 1e-16`` (as in tests/test_widget_port.py) on hundreds of
  random settings of depth, width, activation, initialisation and seed;
- the gradient check: the backward pass's gradients agree to the same tolerance; the centered
  differences differ only by the round-off of the forward passes (the two sum in different
  orders, BLAS and a loop), which a difference over 2h = 2e-5 magnifies to about 1e-10 of the
  loss; so each array's relative error differs by at most that gap over the array's scale
  (checked as such). Where the reported errors are round-off themselves (a deep sigmoid
  network's first layers) they differ by up to about half; they are compared only for that.
- the actions (New seed, Reset, the check) do what DepthExplorer's methods do.

Chapter 6's switches (batch norm or layer norm, residual connections, a batch of examples, up
to 50 layers; port.js ``BatchNorm``, ``LayerNorm``, ``Residual``) are compared on random
settings of every combination of normalisation, residual and activation, to
``|js - bpkit| <= 1e-9 |bpkit| + 1e-12 m``, m the largest number of the same list (the error
sizes, or the spreads). The floor is needed because some settings compute numbers that are
round-off themselves, far below the others of their list: layer norm over 2 or 3 units, whose
backward pass cancels to almost 0, and saturated sigmoids, whose slope a (1 - a) keeps few
correct digits; bpkit's matrix products (BLAS) and the port's loops sum in different orders,
and such numbers then differ in their leading digits (the test prints how many). The
chapter's own settings (50 sigmoid layers, each switch) agree to 1e-12 relative.
"""

import json
import math
from functools import partial

import numpy as np
import port_compare
import pytest
from port_compare import RTOL, evaluator, v8

from bpkit.gradcheck import check_model
from bpkit.losses import SquaredError
from bpkit.widgets.depth import (
    ACTIVATIONS,
    INITS,
    N_IN,
    N_OUT,
    NORMS,
    DepthExplorer,
    depth_check,
    depth_state,
    make_network,
    network_from_state,
)
from bpkit.widgets.frontend import module_source

STATS = port_compare.new_stats()
worst_relative_error = partial(port_compare.worst_relative_error, stats=STATS)


@pytest.fixture(scope="module")
def js():
    # the module's own functions too (checkModel), at the top level of the context
    ctx = v8("depth", sources=[module_source("depth").replace("\nexport default ",
                                                              "\nvar depthModule = ")])
    yield evaluator(ctx)
    ctx.close()


def random_controls(rng, max_depth=10, max_width=32):
    return {"depth": int(rng.integers(1, max_depth + 1)),
            "width": int(rng.integers(2, max_width + 1)),
            "activation": str(rng.choice(list(ACTIVATIONS))),
            "init": str(rng.choice(INITS)),
            "seed": int(rng.integers(0, 2**32 - 1))}


def js_compute(js, controls, network=None, before=None):
    state = {"controls": controls}
    if network is not None:
        state["network"] = network
    return js(f"window.bpkitWidgets.depth.compute({json.dumps(state)}, "
              f"{json.dumps(before if before is not None else {})})")


def test_error_sizes_match_bpkit_on_bpkit_weights_for_500_random_settings(js):
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(500):
        c = random_controls(rng)
        network = make_network(c)
        got = js_compute(js, c, network, before=c)  # same depth, width, init, seed: kept
        assert got["network"] == network
        assert got["result"]["check"] is None
        worst = max(worst, worst_relative_error(got["result"],
                                                depth_state(c, network, check=False)))
    print(f"depth, bpkit's weights: worst relative error {worst:.2e} over 500 settings")
    assert worst < RTOL


def test_the_page_draws_its_own_weights_and_bpkit_agrees_on_them(js):
    rng = np.random.default_rng(1)
    worst = 0.0
    he_ratios = []
    for _ in range(300):
        c = random_controls(rng)
        got = js_compute(js, c)  # no network before: the page draws one from the seed
        network = got["network"]
        weights = network["weights"]
        assert len(weights) == c["depth"] + 1
        n_in = N_IN
        for i, (W, b) in enumerate(weights):
            W, b = np.array(W), np.array(b)
            n_out = N_OUT if i == c["depth"] else c["width"]
            assert W.shape == (n_out, n_in) and np.all(b == 0)
            if c["init"] == "glorot" or i == c["depth"]:
                assert np.abs(W).max() <= math.sqrt(6 / (n_in + n_out))
            else:
                he_ratios.append(np.mean(W**2) / (2 / n_in))
            n_in = n_out
        assert np.array(network["x"]).shape == (1, N_IN)
        assert np.array(network["t"]).shape == (1, N_OUT)
        # the same seed draws the same network; bpkit computes the same on it
        assert js_compute(js, c)["network"] == network
        worst = max(worst, worst_relative_error(got["result"],
                                                depth_state(c, network, check=False)))
    print(f"depth, the page's weights: worst relative error {worst:.2e} over 300 settings")
    assert worst < RTOL
    # He: variance 2 / n_in, on average over the layers drawn
    assert 0.9 < np.mean(he_ratios) < 1.1


def test_only_depth_width_init_and_seed_redraw_the_weights(js):
    c = {"depth": 3, "width": 5, "activation": "sigmoid", "init": "glorot", "seed": 4}
    network = js_compute(js, c)["network"]
    for change, redraws in (({"activation": "relu"}, False), ({"activation": "tanh"}, False),
                            ({"depth": 4}, True), ({"width": 6}, True), ({"init": "he"}, True),
                            ({"seed": 5}, True)):
        got = js_compute(js, {**c, **change}, network, before=c)
        assert (got["network"] != network) == redraws, change
    # bpkit's weights do not depend on the activation either
    assert make_network(c) == make_network({**c, "activation": "relu"})


def check_reports(js, c, network):
    """JS checkModel's and bpkit's check_model's reports on the same network."""
    model, x, t = network_from_state(network, c["activation"])
    report = check_model(model, SquaredError(), x, t)
    got = js(f"(() => {{ const n = {json.dumps(network)};"
             f" const m = networkModel(n, {json.dumps(c['activation'])});"
             " const r = checkModel(m, new SquaredError(), n.x, n.t);"
             " return {nearKink: r.nearKink, report: r.report}; })()")
    return got, report


@pytest.mark.filterwarnings("ignore:ReLU")  # near a kink: both report it (near_kink)
def test_the_gradient_check_mirrors_check_model(js):
    rng = np.random.default_rng(2)
    settings = [random_controls(rng, max_depth=6, max_width=10) for _ in range(40)]
    settings += [{"depth": 8, "width": 8, "activation": a, "init": i, "seed": 0}
                 for a in ACTIVATIONS for i in INITS]
    worst_analytic, worst_numeric, worst_rel, ratios = 0.0, 0.0, 0.0, []
    for c in settings:
        network = make_network(c)
        got, report = check_reports(js, c, network)
        assert list(got["report"]) == list(report)  # "0.W", "0.b", "2.W", ... in order
        loss = SquaredError()
        model, x, t = network_from_state(network, c["activation"])
        scale = loss.forward(model.forward(x), t)
        numeric_gap = 0.0
        for key, check in report.items():
            a = got["report"][key]
            # scaled by the array's largest gradient, as check_model's errors are (an element
            # that is a sum cancelling to almost 0 keeps only an absolute agreement)
            worst_analytic = max(worst_analytic, float(
                np.max(np.abs(np.array(a["analytic"]) - check.analytic.ravel()))
                / max(np.abs(check.analytic).max(), 1e-300)))
            gap = np.max(np.abs(np.array(a["numeric"]) - check.numeric.ravel()))
            numeric_gap = max(numeric_gap, gap)
            worst_numeric = max(worst_numeric, gap / max(scale, 1e-3))
        # the reported errors: the same arithmetic, apart from that round-off
        expected = depth_check(c, network)
        pending = {"controls": c, "network": network,
                   "result": {"check": None, "checkable": True}}
        shown = js(f"window.bpkitWidgets.depth.actions.check({json.dumps(pending)})")
        shown = shown["result"]["check"]
        assert shown["near_kink"] == expected["near_kink"] == got["nearKink"]
        pairs = [(shown["rel_error"], expected["rel_error"]),
                 (shown["rel_error_overall"], expected["rel_error_overall"]),
                 *zip(shown["layers"], expected["layers"], strict=True)]
        for key in report:  # per array: bounded by the numeric gap over the array's scale
            check = report[key]
            bound = numeric_gap / max(1e-8, np.abs(check.analytic).max()
                                      + np.abs(check.numeric).max())
            js_err = np.max(np.abs(np.array(got["report"][key]["analytic"])
                                   - np.array(got["report"][key]["numeric"]))) / max(
                1e-8, np.abs(got["report"][key]["analytic"]).max()
                + np.abs(got["report"][key]["numeric"]).max())
            assert abs(js_err - check.rel_error) <= 1.01 * bound + 1e-15, (c, key)
        for mine, theirs in pairs:
            worst_rel = max(worst_rel, abs(mine - theirs))
            if theirs > 1e-9:  # not round-off itself: the truncation error h^2 f''' / 6
                ratios.append(mine / theirs)
    print(f"gradient check: backward-pass gradients within {worst_analytic:.2e} (relative); "
          f"centered differences within {worst_numeric:.2e} of the loss; reported relative "
          f"errors within {worst_rel:.2e} (absolute); where above 1e-9 their ratio JS/bpkit "
          f"lies in [{min(ratios):.3f}, {max(ratios):.3f}] ({len(ratios)} numbers)")
    assert worst_analytic < RTOL
    assert worst_numeric < 1e-9
    assert 0.5 < min(ratios) and max(ratios) < 2.0


def test_actions_do_what_the_methods_do(js):
    ex = DepthExplorer(depth=3, width=6, activation="tanh", seed=3)
    state = {"controls": ex.controls, "initial": ex.initial, "result": ex.result,
             "network": ex.network}
    # New seed: the seed goes up by one; the page draws that seed's network
    got = js(f"window.bpkitWidgets.depth.actions.new_seed({json.dumps(state)})")
    ex.new_seed()
    assert got["controls"] == ex.controls and got["result"]["check"] is None
    assert worst_relative_error(got["result"],
                                depth_state(got["controls"], got["network"], check=False)) < RTOL
    # Reset after only the activation changed: the same weights, so bpkit's very numbers
    ex.reset()
    ex.set(activation="relu")
    state = {"controls": ex.controls, "initial": ex.initial, "result": ex.result,
             "network": ex.network}
    got = js(f"window.bpkitWidgets.depth.actions.reset({json.dumps(state)})")
    ex.reset()
    assert got["controls"] == ex.controls == ex.initial
    assert got["network"] == ex.network
    assert worst_relative_error(got["result"], {**ex.result, "check": None}) < RTOL
    # Reset after the depth changed: the page draws the initial setting's own network
    ex.set(depth=7)
    state = {"controls": ex.controls, "initial": ex.initial, "result": ex.result,
             "network": ex.network}
    got = js(f"window.bpkitWidgets.depth.actions.reset({json.dumps(state)})")
    assert got["controls"] == ex.initial and len(got["network"]["weights"]) == 4
    assert worst_relative_error(got["result"],
                                depth_state(got["controls"], got["network"], check=False)) < RTOL
    # the check: run when missing, nothing to do when done or when too large
    pending = {**state, "result": {**ex.result, "check": None}}
    too_large = {**state, "result": {**ex.result, "check": None, "checkable": False}}
    assert js(f"window.bpkitWidgets.depth.actions.check({json.dumps(too_large)})") == {}
    got = js(f"window.bpkitWidgets.depth.actions.check({json.dumps(pending)})")
    assert got["result"]["norms"] == ex.result["norms"]
    assert got["result"]["check"]["rel_error"] == pytest.approx(ex.rel_error, rel=0.5)
    assert js(f"window.bpkitWidgets.depth.actions.check({json.dumps(state)})") == {}


def test_a_wrong_port_is_caught(js):
    c = {"depth": 5, "width": 7, "activation": "sigmoid", "init": "glorot", "seed": 9}
    network = make_network(c)
    expected = depth_state(c, network, check=False)
    got = js_compute(js, c, network, before=c)["result"]
    assert worst_relative_error(got, expected) < RTOL
    got["norms"][0] *= 1 + 1e-9
    assert worst_relative_error(got, expected) > RTOL
    # a backward pass off by a factor in one layer is caught by the check's comparison
    broken = json.loads(json.dumps(network))
    got, report = check_reports(js, c, network)
    analytic = np.array(got["report"]["2.W"]["analytic"]) * (1 + 1e-6)
    assert worst_relative_error(analytic.tolist(), report["2.W"].analytic.ravel().tolist()) > RTOL
    assert broken == network


def test_the_largest_check_runs(js):
    """The check the page runs after the controls rest, at the largest setting (its time is
    measured by benchmarks/widget_latency.py, not here)."""
    c = {"depth": 10, "width": 32, "activation": "sigmoid", "init": "glorot", "seed": 0}
    state = js_compute(js, c)
    state["controls"] = c
    got = js(f"window.bpkitWidgets.depth.actions.check({json.dumps(state)})")
    print(f"numbers compared in this file: {STATS['numbers']}")
    assert got["result"]["check"]["rel_error"] > 0  # vanishing layers: round-off, see above


# ------------------------------------------------------- Chapter 6: the switches

SWITCH_RTOL, SWITCH_FLOOR = 1e-9, 1e-12


def random_switches(rng, norm, residual, activation):
    c = random_controls(rng, max_depth=50)
    batch = int(rng.integers(2 if norm == "batch" else 1, 65))
    return {**c, "activation": activation, "norm": norm, "residual": residual, "batch": batch}


def switch_errors(got, expected):
    """The worst |js - bpkit| / (SWITCH_RTOL |bpkit| + SWITCH_FLOOR m) * SWITCH_RTOL over the
    error sizes and the spreads (below SWITCH_RTOL: within the tolerance), and how many
    numbers differ by more than SWITCH_RTOL relative (the floor's share)."""
    worst, beyond = 0.0, 0
    for key in ("norms", "spreads"):
        mine, theirs = np.array(got[key], dtype=float), np.array(expected[key], dtype=float)
        assert mine.shape == theirs.shape and np.all(np.isfinite(mine)), key
        m = np.abs(theirs).max()
        gap = np.abs(mine - theirs)
        worst = max(worst, float(np.max(gap / (SWITCH_RTOL * np.abs(theirs) + SWITCH_FLOOR * m
                                               + 1e-300) * SWITCH_RTOL)))
        beyond += int(np.sum(gap > SWITCH_RTOL * np.abs(theirs)))
    return worst, beyond


def test_every_switch_combination_matches_bpkit(js):
    """18 combinations (normalisation x residual x activation), 12 random settings each."""
    rng = np.random.default_rng(15)
    worst, beyond, numbers = 0.0, 0, 0
    for norm in NORMS:
        for residual in (False, True):
            for activation in ACTIVATIONS:
                for _ in range(12):
                    c = random_switches(rng, norm, residual, activation)
                    network = make_network(c)
                    got = js_compute(js, c, network, before=c)["result"]
                    expected = depth_state(c, network, check=False)
                    for key in ("depth", "width", "activation", "init", "norm", "residual",
                                "batch", "seed", "n_params", "checkable"):
                        assert got[key] == expected[key], (key, c)
                    assert got["check"] is None
                    w, b = switch_errors(got, expected)
                    assert w < SWITCH_RTOL, (c, w)
                    worst, beyond = max(worst, w), beyond + b
                    numbers += len(expected["norms"]) + len(expected["spreads"])
                    if expected["norms"][-1] > 0:
                        assert got["shrink"] == got["norms"][0] / got["norms"][-1]
    print(f"switches: worst error {worst:.2e} of the tolerance's scale over {numbers} numbers "
          f"(216 settings); {beyond} beyond 1e-9 relative, all below 1e-12 of their list's "
          "largest")
    assert worst < SWITCH_RTOL


def test_the_chapters_settings_agree_to_1e_12(js):
    """50 sigmoid layers, Glorot, 16 units and a batch of 16 (Chapter 6's widget), or 32 and
    32: none, batch, layer, residual."""
    worst = 0.0
    for (width, norm, residual) in [(w, *s) for w in (16, 32)
                                    for s in (("none", False), ("batch", False),
                                              ("layer", False), ("none", True),
                                              ("batch", True))]:
        c = {"depth": 50, "width": width, "activation": "sigmoid", "init": "glorot",
             "norm": norm, "residual": residual, "batch": width, "seed": 0}
        network = make_network(c)
        got = js_compute(js, c, network, before=c)["result"]
        worst = max(worst, worst_relative_error(got, depth_state(c, network, check=False)))
    print(f"the chapter's settings: worst relative error {worst:.2e}")
    assert worst < RTOL


def test_the_page_draws_a_batch_and_bpkit_agrees_on_it(js):
    rng = np.random.default_rng(16)
    for norm in NORMS:
        for residual in (False, True):
            c = random_switches(rng, norm, residual, str(rng.choice(list(ACTIVATIONS))))
            got = js_compute(js, c)
            network = got["network"]
            assert np.array(network["x"]).shape == (c["batch"], N_IN)
            assert np.array(network["t"]).shape == (c["batch"], N_OUT)
            w, _ = switch_errors(got["result"], depth_state(c, network, check=False))
            assert w < SWITCH_RTOL
    # the normalisation and the skips keep the weights, the batch redraws the data
    c = {"depth": 4, "width": 6, "activation": "tanh", "init": "glorot", "norm": "none",
         "residual": False, "batch": 8, "seed": 3}
    network = js_compute(js, c)["network"]
    for change, redraws in (({"norm": "layer"}, False), ({"norm": "batch"}, False),
                            ({"residual": True}, False), ({"batch": 9}, True)):
        got = js_compute(js, {**c, **change}, network, before=c)
        assert (got["network"] != network) == redraws, change
    # with one example, the first row of a batch's draw: x comes first from seed + 1
    one = js_compute(js, {**c, "batch": 1})["network"]
    assert one["weights"] == network["weights"] and one["x"][0] == network["x"][0]


@pytest.mark.filterwarnings("ignore:ReLU")
def test_the_general_gradient_check_mirrors_check_model(js):
    """Normalisation, residual connections or a batch: checkModel runs whole forward passes,
    as check_model does. The per-array errors differ by at most the numeric gap over the
    array's scale; with batch norm a hidden bias's gradient is 0 and its error round-off."""
    rng = np.random.default_rng(17)
    n_checked = 0
    for norm in NORMS:
        for residual in (False, True):
            for _ in range(3):
                c = random_switches(rng, norm, residual, str(rng.choice(list(ACTIVATIONS))))
                c.update(depth=int(rng.integers(1, 5)), width=int(rng.integers(2, 7)),
                         batch=int(rng.integers(2, 9)))
                network = make_network(c)
                model, x, t = network_from_state(network, c["activation"], norm, residual)
                report = check_model(model, SquaredError(), x, t)
                got = js(f"(() => {{ const n = {json.dumps(network)};"
                         f" const m = networkModel(n, {json.dumps(c['activation'])},"
                         f" {json.dumps(norm)}, {json.dumps(residual)});"
                         " const r = checkModel(m, new SquaredError(), n.x, n.t);"
                         " return {nearKink: r.nearKink, report: r.report}; })()")
                assert list(got["report"]) == list(report), c
                gap = 0.0
                # scaled by the largest gradient of the model: an array whose gradient is 0
                # (a bias before batch norm) holds round-off only
                scale = max(np.abs(check.analytic).max() for check in report.values())
                for key, check in report.items():
                    a = np.array(got["report"][key]["analytic"])
                    assert np.max(np.abs(a - check.analytic.ravel())) <= 1e-9 * scale, (c, key)
                    gap = max(gap, np.max(np.abs(np.array(got["report"][key]["numeric"])
                                                 - check.numeric.ravel())))
                assert gap < 1e-9, c
                expected = depth_check(c, network)
                pending = {"controls": c, "network": network,
                           "result": {"check": None, "checkable": True}}
                shown = js(f"window.bpkitWidgets.depth.actions.check({json.dumps(pending)})")
                shown = shown["result"]["check"]
                assert shown["near_kink"] == expected["near_kink"] == got["nearKink"]
                assert len(shown["layers"]) == len(expected["layers"]) == c["depth"] + 1
                for key, check in report.items():
                    bound = gap / max(1e-8, np.abs(check.analytic).max()
                                      + np.abs(check.numeric).max())
                    g = got["report"][key]
                    js_err = np.max(np.abs(np.array(g["analytic"]) - np.array(g["numeric"]))) / max(
                        1e-8, np.abs(g["analytic"]).max() + np.abs(g["numeric"]).max())
                    assert abs(js_err - check.rel_error) <= 1.01 * bound + 1e-15, (c, key)
                assert abs(shown["rel_error_overall"] - expected["rel_error_overall"]) < 1e-6
                if not expected["near_kink"]:  # a step across a ReLU's kink: both report it
                    assert max(shown["rel_error_overall"], expected["rel_error_overall"]) < 1e-6
                n_checked += 1
    print(f"general gradient check: {n_checked} networks, every per-array error within the "
          "numeric gap's bound")


def test_the_check_runs_only_where_it_is_cheap(js):
    small = {"depth": 10, "width": 32, "activation": "sigmoid", "init": "glorot", "seed": 0}
    assert js_compute(js, small)["result"]["checkable"] is True  # Chapter 3's largest
    big = {**small, "depth": 50, "norm": "batch", "batch": 32}
    state = js_compute(js, big)
    assert state["result"]["checkable"] is False
    assert depth_state(big, state["network"])["check"] is None
    state["controls"], state["initial"] = big, big
    assert js(f"window.bpkitWidgets.depth.actions.check({json.dumps(state)})") == {}


def test_the_largest_general_check_runs(js):
    """Layer norm, residual, one example: the largest checkable network (n_params**2 <= 1e8)."""
    c = {"depth": 9, "width": 32, "activation": "tanh", "init": "glorot", "norm": "layer",
         "residual": True, "batch": 1, "seed": 0}
    state = js_compute(js, c)
    assert state["result"]["checkable"]
    state["controls"] = c
    got = js(f"window.bpkitWidgets.depth.actions.check({json.dumps(state)})")
    assert got["result"]["check"]["rel_error_overall"] < 1e-6
