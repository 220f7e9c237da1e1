"""The gradient-through-time widget's front-end (bpkit/widgets/js/through_time.js with the
Chapter 10 section of port.js) gives bpkit's numbers.

On the website the widget computes with port.js instead of bpkit, and draws its own weights,
inputs and target from the seed (port.js ``Random``). Here the module runs in V8 (mini-racer)
and computes on bpkit's weights (the ``network`` trait), or bpkit computes on the page's: the
gradient norms at every step, their ratio and the loss agree to
``|js - bpkit| <= 1e-12 |bpkit| + 1e-16`` (as in tests/test_widget_port.py) on 300 random
settings of T, the scale and the seed each way, for scales up to ``CHAOS`` (1.5). Above it the
forward pass is chaotic: two runs whose sums differ in their last bit (BLAS and a loop add in
different orders) drift apart over 100 steps, as bpkit does against itself when one input
moves by one ulp (checked); there the tolerance is ``CHAOS_RTOL`` (1e-8). The port's RNN
gives bpkit's weight gradients; its orthogonal matrix is orthogonal; the buttons do what
ThroughTime's methods do.
"""

import json
from functools import partial

import numpy as np
import port_compare
import pytest
from port_compare import RTOL, evaluator, v8

from bpkit.recurrent import RNN
from bpkit.widgets.frontend import module_source
from bpkit.widgets.through_time import (
    N_HIDDEN,
    N_IN,
    SCALE_RANGE,
    STEPS_RANGE,
    ThroughTime,
    make_network,
    through_time_state,
)

STATS = port_compare.new_stats()
CHAOS, CHAOS_RTOL = 1.5, 1e-8
worst_relative_error = partial(port_compare.worst_relative_error, stats=STATS)


@pytest.fixture(scope="module")
def js():
    ctx = v8("through_time")
    yield evaluator(ctx)
    ctx.close()


def random_controls(rng):
    return {"steps": int(rng.integers(STEPS_RANGE[0], STEPS_RANGE[1] + 1)),
            "scale": round(float(rng.uniform(*SCALE_RANGE)), 2),
            "seed": int(rng.integers(0, 2**32 - 1))}


def js_compute(js, controls, network=None, before=None):
    state = {"controls": controls, **({"network": network} if network is not None else {})}
    return js(f"window.bpkitWidgets.through_time.compute({json.dumps(state)}, "
              f"{json.dumps(before if before is not None else {})})")


def test_the_page_gives_bpkits_norms_on_bpkits_weights_for_300_random_settings(js):
    rng = np.random.default_rng(0)
    worst, worst_chaos = 0.0, 0.0
    for _ in range(300):
        c = random_controls(rng)
        network = make_network(c["seed"])
        got = js_compute(js, c, network, before=c)  # same seed: the page keeps the network
        assert got["network"] == network
        error = worst_relative_error(got["result"], through_time_state(c, network))
        if c["scale"] <= CHAOS:
            worst = max(worst, error)
        else:
            worst_chaos = max(worst_chaos, error)
    assert worst < RTOL, worst
    assert worst_chaos < CHAOS_RTOL, worst_chaos


def test_above_the_chaos_scale_bpkit_differs_from_itself_as_much():
    """One ulp on one input moves bpkit's own norms by more than RTOL at scale 2 over 100
    steps: the looser tolerance there measures the chaos, not the port."""
    c = {"steps": 100, "scale": 2.0, "seed": 11}
    network = make_network(c["seed"])
    moved = {**network, "x": [row[:] for row in network["x"]]}
    moved["x"][0][0] = float(np.nextafter(moved["x"][0][0], 1.0))
    error = worst_relative_error(through_time_state(c, moved), through_time_state(c, network))
    assert RTOL < error < CHAOS_RTOL, error


def test_bpkit_gives_the_pages_norms_on_the_pages_weights_for_300_random_settings(js):
    rng = np.random.default_rng(1)
    worst, worst_chaos = 0.0, 0.0
    for _ in range(300):
        c = random_controls(rng)
        got = js_compute(js, c)  # no network yet: the page draws its own from the seed
        net = got["network"]
        assert np.array(net["Wx"]).shape == (N_HIDDEN, N_IN)
        assert np.array(net["x"]).shape == (STEPS_RANGE[1], N_IN)
        error = worst_relative_error(got["result"], through_time_state(c, net))
        if c["scale"] <= CHAOS:
            worst = max(worst, error)
        else:
            worst_chaos = max(worst_chaos, error)
    assert worst < RTOL, worst
    assert worst_chaos < CHAOS_RTOL, worst_chaos
    print(f"\nthrough_time port: {STATS['numbers']} numbers compared, {STATS['differ']} differ "
          f"at all, worst relative error {STATS['worst']:.1e}")


def test_the_pages_weights_follow_the_seed_and_q_is_orthogonal(js):
    a = js_compute(js, {"steps": 3, "scale": 1.0, "seed": 7})["network"]
    b = js_compute(js, {"steps": 90, "scale": 0.3, "seed": 7})["network"]
    c = js_compute(js, {"steps": 3, "scale": 1.0, "seed": 8})["network"]
    assert a == b and a != c
    q = np.array(a["Q"])
    np.testing.assert_allclose(q.T @ q, np.eye(N_HIDDEN), atol=1e-13)
    limit = 1 / np.sqrt(N_HIDDEN)
    assert np.abs(np.array(a["Wx"])).max() <= limit and not np.any(a["b"])


def test_the_ports_rnn_gives_bpkits_weight_gradients():
    # the module's own functions at the top level of the context (RNN of port.js)
    ctx = v8(sources=[module_source("through_time").replace("\nexport default ",
                                                            "\nvar throughTimeModule = ")])
    js = evaluator(ctx)
    rng = np.random.default_rng(5)
    for steps, hidden, d in ((1, 1, 1), (6, 3, 2), (12, 5, 4)):
        layer = RNN(d, hidden, rng=rng)
        layer.params["b"][...] = rng.standard_normal(hidden) * 0.3
        x, dh = rng.standard_normal((1, steps, d)), rng.standard_normal((1, steps, hidden))
        layer.forward(x)
        layer.backward(dh)
        p = {k: v.tolist() for k, v in layer.params.items()}
        got = js(f"(() => {{ const r = new RNN({json.dumps(p['Wx'])}, {json.dumps(p['Wh'])}, "
                 f"{json.dumps(p['b'])}); const h = r.forward({json.dumps(x[0].tolist())}); "
                 f"r.backward({json.dumps(dh[0].tolist())}); "
                 "return {h, grads: r.grads, gradH: r.gradH}; })()")
        want = {"h": layer.h[0, 1:], **layer.grads, "gradH": layer.grad_h[0]}
        got = {"h": got["h"], **got["grads"], "gradH": got["gradH"]}
        for key, value in want.items():
            # a weight's gradient sums the steps' shares, which may nearly cancel: the
            # tolerance is relative to the array's largest entry
            np.testing.assert_allclose(np.array(got[key]), value, rtol=RTOL,
                                       atol=RTOL * np.abs(value).max(), err_msg=key)
    ctx.close()


def test_the_buttons_do_what_the_widgets_methods_do(js):
    widget = ThroughTime(steps=20, scale=1.2, seed=3)
    state = {"controls": widget.controls, "initial": widget.initial, "network": widget.network,
             "result": widget.result}
    got = js(f"window.bpkitWidgets.through_time.actions.new_seed({json.dumps(state)})")
    widget.new_seed()
    assert got["controls"] == widget.controls == {"steps": 20, "scale": 1.2, "seed": 4}
    assert worst_relative_error(got["result"], through_time_state(got["controls"],
                                                                  got["network"])) < RTOL
    moved = {**state, "controls": {"steps": 50, "scale": 0.5, "seed": 3}}
    back = js(f"window.bpkitWidgets.through_time.actions.reset({json.dumps(moved)})")
    assert back["controls"] == state["initial"] and back["network"] == state["network"]
    assert worst_relative_error(back["result"], state["result"]) < RTOL
