"""The trainer (Chapter 4) is live on the website and shows bpkit's numbers.

The built page is opened in headless Chromium with the network blocked (from ``file://`` and
from a local HTTP server). The tests press Play, Step and Reset, move the controls by script
and by keyboard, hover over the drawn network, and after each change read the page model's
state (``.bpkit-widget``'s ``bpkitModel.state``: the points, the weights, the optimizer's
state) and compute with bpkit what the page shows: the training and validation loss, the
validation accuracy, and the weight and gradient of the selected edge or unit, each shown
rounded and kept exactly in ``data-exact`` (to 1e-12, with a 1e-16 floor); one Step taken in
the page equals bpkit's train_step from the same state. Then the layout at phone and desktop
width, axe-core, the contrast of every text in both themes, and the time of a redraw.
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from bpkit.losses import SoftmaxCrossEntropy
from bpkit.train import train_step
from bpkit.widgets.optimizers import make_optimizer
from bpkit.widgets.trainer import HYPER, build_model, evaluate_state

from . import checks
from .checks import assert_shown, set_slider
from .conftest import DESKTOP, PHONE, SITE

CH4 = "book/ch04_training.html"
WIDGET = '.bpkit-widget-mounted[data-widget="trainer"]'
ROOT = ".bpw-trainer"

STATE = f"""() => JSON.parse(JSON.stringify(document.querySelector('{WIDGET}').bpkitModel.state))"""

# Everything the trainer shows as numbers, read back from the page.
READ = f"""() => {{
  const w = document.querySelector('{WIDGET} .bpw-trainer');
  const num = (el) => ({{shown: el.textContent, exact: Number(el.dataset.exact)}});
  const out = {{status: {{}}}};
  for (const el of w.querySelectorAll('.bpw-status [data-role]')) out.status[el.dataset.role] = num(el);
  const picked = w.querySelector('.bpw-picked');
  out.picked = {{param: picked.dataset.param, index: JSON.parse(picked.dataset.index),
    value: num(picked.querySelector('[data-role=value]')),
    gradient: num(picked.querySelector('[data-role=gradient]'))}};
  out.statusText = w.querySelector('.bpw-status').textContent;
  out.pressed = w.querySelector('button[aria-pressed]').getAttribute('aria-pressed');
  out.units = Array.from(w.querySelectorAll('circle.bpw-node')).map((c) => c.dataset.unit);
  out.edges = w.querySelectorAll('.bpw-net line').length;
  out.points = w.querySelector('svg').querySelectorAll('circle, rect:not(.bpw-frame), polygon').length;
  out.curve = w.querySelectorAll('svg')[1].querySelector('polyline').getAttribute('points').trim().split(/\\s+/).filter(Boolean).length;
  out.labels = Array.from(w.querySelectorAll('svg[role=img]')).map((s) => s.getAttribute('aria-label'));
  return out;
}}"""

def arrays(state):
    d = state["data"]
    return (np.asarray(d["x_train"], dtype=float), np.asarray(d["t_train"]),
            np.asarray(d["x_val"], dtype=float), np.asarray(d["t_val"]))


def bpkit_numbers(state):
    """What bpkit computes from the page's state: the losses, accuracies and gradients."""
    model = build_model(state["controls"], state["data"]["n_classes"], state["result"]["params"])
    return evaluate_state(model, *arrays(state))


def check(page):
    """Every number the trainer shows equals bpkit's for the page's state."""
    state, shown = page.evaluate(STATE), page.evaluate(READ)
    r = state["result"]
    expected = bpkit_numbers(state)
    for key in ("train_loss", "val_loss"):
        assert_shown(shown["status"][key], expected[key], key)
        assert r[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-16)
    assert_shown(shown["status"]["val_acc"], expected["val_acc"], "val_acc", digits=3)
    p = shown["picked"]
    value = np.asarray(r["params"][p["param"]])[tuple(p["index"])]
    grad = np.asarray(expected["grads"][p["param"]])[tuple(p["index"])]
    assert_shown(p["value"], float(value), "selected value")
    assert_shown(p["gradient"], float(grad), "selected gradient")
    for k, g in expected["grads"].items():
        np.testing.assert_allclose(r["grads"][k], g, rtol=1e-12, atol=1e-16)
    assert shown["curve"] == len(r["history"]["epoch"])
    assert f"After {r['epoch']} epochs ({r['step']} steps)" in shown["labels"][0]
    return state, shown


def open_trainer(open_page, how="file", viewport=DESKTOP):
    page = open_page(CH4, how, viewport)
    page.wait_for_selector(f"{WIDGET} .bpw-trainer")
    return page


def test_the_page_starts_from_the_notebook_state(open_page):
    html = (SITE / CH4).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="trainer"') == 1
    assert ('"controls":{"dataset":"moons","layers":2,"width":8,"activation":"tanh",'
            '"lr":0.3,"batch_size":16,"optimizer":"SGD","seed":0}') in html
    page = open_trainer(open_page)
    state, shown = check(page)
    assert state["data"]["source"] == "bpkit" and state["result"]["step"] == 0
    assert state["controls"] == state["initial"]
    assert page.input_value('.bpw-trainer input[name="width"]') == "8"
    assert page.input_value(".bpw-trainer select >> nth=0") == "moons"
    assert shown["units"].count("h1.8") == 1 and len(shown["units"]) == 2 + 8 + 8 + 2
    assert shown["points"] == 200
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def bpkit_step(state):
    """One Step from the page's state, taken by bpkit: the batch, the optimizer's buffers."""
    c, r = state["controls"], state["result"]
    model = build_model(c, state["data"]["n_classes"], r["params"])
    optimizer = make_optimizer(c["optimizer"], model, c["lr"], **HYPER)
    optimizer.t = r["optimizer"]["t"]
    for k, slot in r["optimizer"]["state"].items():
        optimizer.state[k] = {name: np.asarray(v, dtype=float) for name, v in slot.items()}
    x, t, _, _ = arrays(state)
    size = len(t) if c["batch_size"] == "full" else c["batch_size"]
    idx = np.asarray(r["order"][r["batch"] * size:(r["batch"] + 1) * size])
    train_step(model, SoftmaxCrossEntropy(), optimizer, x[idx], t[idx])
    return {k: v for k, v in model.params.items()}


@pytest.mark.parametrize("how", ["file", "http"])
def test_step_play_and_the_controls_show_bpkits_numbers(open_page, how):
    page = open_trainer(open_page, how)
    step = page.get_by_role("button", name="Step: one update on one mini-batch")
    changes = [("optimizer", "Adam"), ("lr", -1.5), ("batch_size", "8"), ("width", 5),
               ("activation", "relu"), ("layers", 3), ("optimizer", "Nesterov"),
               ("batch_size", "full"), ("seed", 12), ("dataset", "spirals3"),
               ("optimizer", "RMSProp")]
    selects = {"dataset": 0, "activation": 1, "batch_size": 2, "optimizer": 3}
    for name, value in changes:
        if name in selects:
            page.locator(".bpw-trainer select").nth(selects[name]).select_option(value)
        else:
            set_slider(page, ROOT, name, value)
        check(page)
        for _ in range(3):  # Step, checked against bpkit's train_step from the same state
            before = page.evaluate(STATE)
            step.click()
            after = page.evaluate(STATE)
            if after["result"]["epoch"] == before["result"]["epoch"]:
                expected = bpkit_step(before)
                for k, p in expected.items():
                    np.testing.assert_allclose(after["result"]["params"][k], p, rtol=1e-12,
                                               atol=1e-16)
            check(page)
    state = page.evaluate(STATE)
    assert state["controls"]["dataset"] == "spirals3" and state["data"]["source"] == "page"
    assert state["data"]["n_classes"] == 3 and len(state["start"]["6.W"]) == 3
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_play_lowers_the_loss_pause_stops_reset_restarts(open_page):
    page = open_trainer(open_page)
    play = page.locator(".bpw-trainer button[aria-pressed]")
    first = page.evaluate(STATE)["result"]
    play.click()
    page.wait_for_function(f"document.querySelector('{WIDGET}').bpkitModel.state.result.step >= 200",
                           timeout=30_000)
    play.click()
    assert page.evaluate(READ)["pressed"] == "false"
    paused = page.evaluate(STATE)["result"]
    page.wait_for_timeout(300)
    assert page.evaluate(STATE)["result"]["step"] == paused["step"]  # paused: no more steps
    h = paused["history"]
    at_200 = h["train_loss"][h["step"].index(200)]
    print(f"moons, Play: training loss {first['train_loss']:.4f} at step 0, {at_200:.4f} at "
          f"step 200 (epoch 20)")
    assert at_200 < 0.7 * first["train_loss"]
    check(page)
    page.get_by_role("button", name="Reset: back to step 0, with the same initial weights").click()
    state = page.evaluate(STATE)
    assert state["result"]["step"] == 0 and state["result"]["params"] == state["start"]
    assert state["result"]["train_loss"] == pytest.approx(first["train_loss"], rel=1e-12)
    # the keyboard presses the buttons too
    play.focus()
    page.keyboard.press("Space")
    page.wait_for_function(f"document.querySelector('{WIDGET}').bpkitModel.state.result.epoch >= 3")
    page.keyboard.press("Enter")
    assert page.evaluate(READ)["pressed"] == "false"
    assert page.bpkit.errors == []


def test_the_page_trains_its_own_moons_the_same_way_every_time(open_page):
    runs = []
    for _ in range(2):
        page = open_trainer(open_page)
        set_slider(page, ROOT, "seed", 7)  # the page draws its own points and weights
        page.evaluate("""() => { const b = document.querySelector('.bpw-trainer')
            .querySelectorAll('button')[1]; for (let i = 0; i < 200; i++) b.click(); }""")
        state = page.evaluate(STATE)
        check(page)
        runs.append(state)
    h = runs[0]["result"]["history"]
    assert runs[0]["data"]["source"] == "page" and runs[0]["result"]["step"] == 200
    assert runs[0] == runs[1]  # the same seed, the same run
    assert h["train_loss"][-1] < 0.7 * h["train_loss"][0]


def test_keyboard_and_hover_select_weights_and_show_their_gradients(open_page):
    page = open_trainer(open_page)
    page.focus('.bpw-trainer input[name="width"]')
    page.keyboard.press("ArrowRight")
    state, shown = check(page)
    assert state["controls"]["width"] == 9 and len(shown["units"]) == 2 + 9 + 9 + 2
    net = page.locator(".bpw-trainer .bpw-net")
    net.focus()
    assert page.evaluate(READ)["picked"]["param"] == "0.W"
    page.keyboard.press("ArrowRight")
    _, shown = check(page)
    assert (shown["picked"]["param"], shown["picked"]["index"]) == ("0.W", [0, 1])
    page.keyboard.press("ArrowRight")
    _, shown = check(page)
    assert (shown["picked"]["param"], shown["picked"]["index"]) == ("0.b", [0])
    page.keyboard.press("PageDown")
    _, shown = check(page)
    assert (shown["picked"]["param"], shown["picked"]["index"]) == ("2.W", [0, 0])
    page.keyboard.press("End")
    _, shown = check(page)
    assert (shown["picked"]["param"], shown["picked"]["index"]) == ("4.b", [1])
    assert "the bias of the class-1 output" in page.locator(".bpw-trainer .bpw-sr").text_content()
    # hover: the middle of the edge from x2 to h1.3, then the unit h2.4 (its bias)
    for target, param, index in (("edge", "0.W", [2, 1]), ("unit", "2.b", [3])):
        point = page.evaluate(f"""() => {{
            const svg = document.querySelector('.bpw-trainer .bpw-net svg');
            const nodes = Array.from(svg.querySelectorAll('circle.bpw-node'));
            const at = (name) => nodes.find((c) => c.dataset.unit === name);
            const a = at('x2'), b = at('h1.3'), u = at('h2.4');
            const pt = svg.createSVGPoint();
            if ('{target}' === 'edge') {{ pt.x = (+a.getAttribute('cx') + +b.getAttribute('cx')) / 2;
              pt.y = (+a.getAttribute('cy') + +b.getAttribute('cy')) / 2; }}
            else {{ pt.x = +u.getAttribute('cx'); pt.y = +u.getAttribute('cy'); }}
            const p = pt.matrixTransform(svg.getScreenCTM());
            return [p.x, p.y]; }}""")
        page.mouse.move(*point)
        _, shown = check(page)
        assert (shown["picked"]["param"], shown["picked"]["index"]) == (param, index), target
    assert page.bpkit.errors == []


# ------------------------------------------------------------------ layout and reading

@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("setting", ["start", "widest"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, setting):
    page = open_trainer(open_page, viewport=viewport)
    if setting == "widest":  # three layers of 16 units, three classes
        set_slider(page, ROOT, "layers", 3)
        set_slider(page, ROOT, "width", 16)
        page.locator(".bpw-trainer select").first.select_option("spirals3")
    layout = checks.check_layout(page, viewport, ROOT, controls=".bpw-net")
    assert len(layout["controls"]) == 24  # 4 menus and 4 sliders with their labels, 3 buttons, the network
    name = f"trainer-{setting}-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(WIDGET), name, layout, viewport)
    assert page.bpkit.errors == []


def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_trainer(open_page)
    page.locator(".bpw-trainer .bpw-net").focus()
    page.keyboard.press("ArrowRight")
    checks.check_axe(page, CH4)  # the page as the reader meets it: equations typeset


def test_every_control_has_an_accessible_name(open_page):
    names = checks.accessible_names(open_trainer(open_page), ROOT, extra='[tabindex="0"]')
    assert len(names) == 12 and all(n for _, n in names), names
    assert dict(names)["lr"] == "learning rate"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_trainer(open_page)
    checks.set_theme(page, theme)
    checks.check_contrast(page, ROOT, f"trainer {theme}", more_than=40)
    checks.save_screenshot(page.locator(WIDGET), f"trainer-{theme}.png")


def test_redraw_time_of_a_control_change(open_page):
    page = open_trainer(open_page)
    page.get_by_role("button", name="Step: one update on one mini-batch").click()
    values = [-1.0 - 0.01 * (i % 50) for i in range(55)]
    times = checks.redraw_times(page, ROOT, "lr", values)[5:]
    median = statistics.median(times)
    print(f"trainer: learning-rate change -> redrawn and laid out, median {median:.1f} ms over "
          f"{len(times)} changes (slowest {max(times):.1f} ms); target under 16 ms")
    state = page.evaluate(STATE)
    assert state["controls"]["lr"] == pytest.approx(10 ** values[-1])
    assert state["result"]["step"] == 1  # the learning rate does not restart the run


# In a notebook a kernel answers each request later: a model that answers after 120 ms.
SLOW_KERNEL = f"""async () => {{
  const W = window.bpkitWidgets.trainer;
  const state = JSON.parse(JSON.stringify(document.querySelector('{WIDGET}').bpkitModel.state));
  const listeners = {{}};
  const out = {{sent: 0, answered: 0, inFlight: 0, most: 0}};
  const model = {{
    get: (k) => state[k], set: (k, v) => {{ state[k] = v; }}, save_changes() {{}},
    on: (e, cb) => (listeners[e] = listeners[e] || []).push(cb), off() {{}},
    send(message) {{
      out.sent += 1; out.inFlight += 1; out.most = Math.max(out.most, out.inFlight);
      setTimeout(() => {{
        Object.assign(state, W.actions[message.event](state));
        out.inFlight -= 1; out.answered += 1;
        for (const cb of listeners['change:result'] || []) cb();
      }}, 120);
    }},
  }};
  const host = document.createElement('div');
  document.body.append(host);
  W.render({{ model, el: host }});
  const play = host.querySelector('button[aria-pressed]');
  play.click();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  play.click();
  const atPause = out.sent;
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {{...out, atPause, epoch: state.result.epoch}};
}}"""


def test_play_with_a_slow_kernel_asks_for_one_epoch_at_a_time(open_page):
    page = open_trainer(open_page)
    got = page.evaluate(SLOW_KERNEL)
    print(f"a kernel answering in 120 ms: {got['sent']} requests in 1.5 s of Play, at most "
          f"{got['most']} unanswered at a time")
    assert got["most"] == 1 and got["sent"] >= 2  # one request at a time, and Play goes on
    assert got["sent"] == got["atPause"] == got["answered"] == got["epoch"]
    assert page.bpkit.errors == []
