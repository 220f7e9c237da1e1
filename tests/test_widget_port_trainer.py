"""The trainer's front-end (js/trainer.js with js/port.js) gives bpkit's numbers.

The module runs in V8 (mini-racer), as the website runs it. Where randomness is involved
(the points, the initial weights, the order of each epoch) Python hands its draws over: the
module starts from the Python widget's ``data``, ``start`` and ``result``, and whenever an
epoch ends the order bpkit drew for the next one replaces the page's own.

- A fresh run (Reset, or a new optimizer or batch size) gives the Python widget's ``result``,
  every loss, accuracy and gradient, to ``|js - bpkit| <= 1e-12 |bpkit| + 1e-16`` (the floor
  as in tests/test_widget_port.py: a sum that cancels to nearly nothing).
- 200 presses of Step, for each optimizer (and with different datasets, activations, depths
  and batch sizes), leave every parameter, every optimizer buffer, the losses, the gradients
  and the history equal to the Python widget's to 1e-9 relative, and so does Play (the action
  ``epoch``) through the thinning of a long history.
- The page's own datasets have bpkit's shapes, and the same seed gives the same run.
"""

import json
import re

import numpy as np
import pytest
from port_compare import RTOL, evaluator, v8, worst_relative_error

from bpkit import datasets
from bpkit.widgets.frontend import _read, module_source
from bpkit.widgets.trainer import (
    ACTIVATIONS,
    BATCH_SIZES,
    DATASETS,
    MAX_HISTORY,
    OPTIMIZERS,
    Trainer,
    restart_kind,
)


class Page:
    """The trainer's module in V8, with one widget state ``S`` kept inside it."""

    def __init__(self):
        self.ctx = v8("trainer", sources=["var W = window.bpkitWidgets.trainer; var S = null;"])
        self.evaluate = evaluator(self.ctx)

    def __call__(self, code):
        return self.evaluate(code)

    def load(self, widget: Trainer) -> None:
        state = {"controls": widget.controls, "initial": widget.initial, "data": widget.data,
                 "start": widget.start, "result": widget.result}
        self.ctx.eval(f"S = {json.dumps(state)};")

    def act(self, action: str) -> None:
        self.ctx.eval(f"Object.assign(S, W.actions.{action}(S));")

    def hand_over_order(self, widget: Trainer) -> bool:
        """Give the page bpkit's order for the current epoch, if it drew another one."""
        order = json.dumps(widget.result["order"])
        return self.ctx.eval(f"""(() => {{ const o = {order};
            if (JSON.stringify(S.result.order) === JSON.stringify(o)) return false;
            S.result.order = o; return true; }})()""")


@pytest.fixture(scope="module")
def page():
    return Page()


def random_controls(rng):
    return {"dataset": str(rng.choice(list(DATASETS))), "layers": int(rng.integers(1, 4)),
            "width": int(rng.integers(2, 17)), "activation": str(rng.choice(list(ACTIVATIONS))),
            "lr": float(10 ** rng.uniform(-3, 0.5)),
            "batch_size": BATCH_SIZES[int(rng.integers(len(BATCH_SIZES)))],
            "optimizer": str(rng.choice(OPTIMIZERS)), "seed": int(rng.integers(0, 100))}


def test_a_fresh_run_matches_bpkit_for_60_random_settings(page):
    rng = np.random.default_rng(0)
    trainer = Trainer()
    worst = 0.0
    for _ in range(60):
        trainer.set(**random_controls(rng))
        trainer.reset()
        page.load(trainer)
        # Reset in the page: its own order for the first epoch, everything else from the state
        got = page("W.actions.reset(S).result")
        expected = trainer.result
        assert sorted(got["order"]) == sorted(expected["order"])
        worst = max(worst, worst_relative_error(got, expected, skip=(".order",)))
        assert expected["step"] == 0 and len(expected["history"]["epoch"]) == 1
    print(f"fresh runs: worst relative error {worst:.2e} over 60 settings")
    assert worst < RTOL


def test_a_new_optimizer_or_batch_size_restarts_from_the_same_weights(page):
    trainer = Trainer("spirals3", layers=3, width=5, activation="relu", optimizer="Adam",
                      lr=0.01, seed=4)
    trainer.train(epochs=3)
    for change in ({"optimizer": "RMSProp"}, {"batch_size": 4}, {"batch_size": "full"}):
        page.load(trainer)
        before = dict(trainer.controls)
        got = page(f"W.compute({{...S, controls: {{...S.controls, ...{json.dumps(change)}}}}}, "
                   f"{json.dumps(before)})")
        trainer.set(**change)
        assert sorted(got) == ["result"]  # the same points and initial weights
        assert worst_relative_error(got["result"], trainer.result, skip=(".order",)) < RTOL


def test_what_a_change_of_each_control_restarts_matches(page):
    trainer = Trainer()
    base = dict(trainer.controls)
    page.load(trainer)
    expected_keys = {"data": ["data", "result", "start"], "weights": ["result", "start"],
                     "run": ["result"], None: []}
    changes = {"dataset": "circles", "seed": 3, "layers": 1, "width": 5, "activation": "relu",
               "optimizer": "momentum", "batch_size": 32, "lr": 0.05}
    for name, value in changes.items():
        after = {**base, name: value}
        kind = restart_kind(base, after)
        got = page(f"W.compute({{...S, controls: {json.dumps(after)}}}, {json.dumps(base)})")
        assert sorted(got) == expected_keys[kind], name
    assert restart_kind(base, {**base, "lr": 1.0}) is None
    assert restart_kind(base, {**base, "seed": 1, "width": 3}) == "data"


# (optimizer, dataset, activation, layers, width, batch size, learning rate)
RUNS = [("SGD", "moons", "tanh", 2, 8, 16, 0.3),
        ("momentum", "xor", "relu", 1, 6, 8, 0.05),
        ("Nesterov", "circles", "sigmoid", 3, 4, 32, 0.2),
        ("RMSProp", "spirals", "tanh", 2, 16, 1, 0.003),
        ("Adam", "spirals3", "relu", 2, 8, "full", 0.02)]


@pytest.mark.parametrize("run", RUNS, ids=[r[0] for r in RUNS])
def test_200_steps_match_bpkit_for_each_optimizer(page, run):
    name, dataset, activation, layers, width, batch_size, lr = run
    trainer = Trainer(dataset, layers=layers, width=width, activation=activation, lr=lr,
                      batch_size=batch_size, optimizer=name, seed=5)
    page.load(trainer)
    start = trainer.params
    handed = 0
    for _ in range(200):
        trainer.step()
        page.act("step")
        handed += page.hand_over_order(trainer)
    got = page("S.result")
    expected = trainer.result
    assert got["step"] == expected["step"] == 200
    assert handed == expected["epoch"]  # a new order at the end of every epoch
    params = worst_relative_error(got["params"], expected["params"])
    everything = worst_relative_error(got, expected)
    moved = max(float(np.max(np.abs(trainer.params[k] - start[k]))) for k in start)
    print(f"{name}: 200 steps ({expected['epoch']} epochs), parameters within {params:.1e}, "
          f"every number of the result within {everything:.1e} (largest weight change "
          f"{moved:.2f})")
    assert moved > 1e-2 and params < 1e-9 and everything < 1e-9
    assert expected["history"]["train_loss"][-1] < expected["history"]["train_loss"][0]


def test_play_matches_bpkit_through_a_long_thinned_history(page):
    trainer = Trainer("moons", layers=1, width=3, lr=0.5, batch_size="full", optimizer="SGD",
                      seed=1)
    page.load(trainer)
    epochs = MAX_HISTORY + 10
    for _ in range(epochs):
        trainer.epoch()
        page.act("epoch")
        page.hand_over_order(trainer)
    got, expected = page("S.result"), trainer.result
    assert got["history"]["epoch"] == expected["history"]["epoch"]
    assert expected["every"] == 2 and expected["history"]["epoch"][-1] == epochs
    assert len(expected["history"]["epoch"]) == MAX_HISTORY // 2 + 6
    worst = worst_relative_error(got, expected)
    print(f"Play: {epochs} epochs, every number within {worst:.1e}")
    assert worst < 1e-9


def test_a_diverging_run_stops_in_both(page):
    trainer = Trainer("moons", activation="relu", layers=3, width=16, lr=10.0, batch_size=1,
                      optimizer="SGD", seed=0)
    page.load(trainer)
    for _ in range(40):
        trainer.epoch()
        page.act("epoch")
        page.hand_over_order(trainer)
        if trainer.diverged:
            break
    got = page("S.result")
    assert trainer.diverged and got["diverged"]
    assert got["step"] == trainer.steps and got["train_loss"] is None
    page.act("step")
    assert page("S.result.step") == trainer.steps  # a diverged run takes no more steps


def test_a_wrong_port_is_caught(page):
    """The comparison can fail: one step with a learning rate off by 1e-9 is caught."""
    trainer = Trainer("moons")
    page.load(trainer)
    page.ctx.eval("S.controls.lr *= 1 + 1e-9;")
    page.act("step")
    trainer.step()
    assert worst_relative_error(page("S.result.params"), trainer.result["params"]) > RTOL


# ------------------------------------------------------------------ the page's own draws

@pytest.fixture(scope="module")
def port():
    return evaluator(v8(sources=[_read("port.js")]))


@pytest.mark.parametrize("name", list(DATASETS))
def test_the_page_draws_bpkits_datasets_with_its_own_generator(port, name):
    function, kwargs = DATASETS[name]
    js_function = {"xor": "xor", "two_moons": "twoMoons", "circles": "circles",
                   "spirals": "spirals"}[function]
    js_args = {("nClasses" if k == "n_classes" else k): v for k, v in kwargs.items() if k != "n"}
    # without noise the points are bpkit's, in another order
    clean = port(f"{js_function}({kwargs['n']}, {json.dumps({**js_args, 'noise': 0})}, "
                 "new Random(3))")
    x, t = getattr(datasets, function)(rng=np.random.default_rng(3), **{**kwargs, "noise": 0.0})
    for c in range(int(t.max()) + 1):
        ours = np.array(sorted(map(tuple, x[t == c])))
        theirs = np.array(sorted(tuple(p) for p, label in zip(clean["x"], clean["t"],
                                                                strict=True) if label == c))
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-15)
    # with noise: the same shapes and classes, noise of about the right size, shuffled
    noisy = port(f"{js_function}({kwargs['n']}, {json.dumps(js_args)}, new Random(3))")
    assert np.shape(noisy["x"]) == x.shape and sorted(noisy["t"]) == sorted(t.tolist())
    assert noisy["t"] != sorted(noisy["t"])
    assert np.abs(np.asarray(noisy["x"]) - np.asarray(clean["x"])).max() > 0
    split = port(f"trainValSplit({json.dumps(noisy['x'])}, {json.dumps(noisy['t'])}, "
                 "{valFraction: 0.25}, new Random(4))")
    assert len(split["train"]["t"]) == 150 and len(split["val"]["t"]) == 50
    rows = sorted(map(tuple, split["train"]["x"] + split["val"]["x"]))
    assert rows == sorted(map(tuple, noisy["x"]))


def test_the_noise_is_gaussian_with_the_given_deviation(port):
    # noise = 0 still draws the noise (times 0), so both runs shuffle alike: rows line up
    got = np.asarray(port("twoMoons(20000, {noise: 0.2}, new Random(9))")["x"])
    clean = np.asarray(port("twoMoons(20000, {noise: 0}, new Random(9))")["x"])
    noise = got - clean
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.2) < 0.005
    assert port("splitCounts(7, 3)") == [3, 2, 2] and port("roundHalfEven(2.5)") == 2
    assert port("linspace(0, 1, 5)") == [0, 0.25, 0.5, 0.75, 1]
    assert port("linspace(0, 1, 4, false)") == [0, 0.25, 0.5, 0.75]


def test_the_same_seed_gives_the_same_run_on_the_page(page):
    trainer = Trainer("moons")
    page.load(trainer)
    runs = []
    for seed in (7, 7, 8):
        page.ctx.eval(f"""(() => {{ const before = {{...S.controls}};
            let T = {{...S, controls: {{...S.controls, seed: {seed}, dataset: "spirals"}}}};
            Object.assign(T, W.compute(T, before));
            for (let i = 0; i < 30; i++) Object.assign(T, W.actions.step(T));
            globalThis.T = T; }})()""")
        runs.append(page("[T.data, T.result]"))
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert runs[0][0]["source"] == "page" and runs[0][1]["step"] == 30


def test_the_module_declares_each_name_once():
    """port.js, ui.js and trainer.js share one scope: a name declared twice would be an error
    in the ES module and would silently replace the first in the website's classic script."""
    names = re.findall(r"^(?:function|class|const|let|var)\s+([A-Za-z_$][\w$]*)",
                       module_source("trainer"), flags=re.MULTILINE)
    twice = sorted({n for n in names if names.count(n) > 1})
    assert twice == []
    trainer_js = _read("trainer.js")
    for line in trainer_js.splitlines():
        if line.startswith(("function ", "class ")):
            i = trainer_js.splitlines().index(line)
            above = "\n".join(trainer_js.splitlines()[max(0, i - 6):i])
            assert "Mirrors bpkit." in above or "Helper" in above or "Mirrors the run" in above \
                or line.startswith(("function render", "function compute")), line
