"""The depth explorer (Chapters 3 and 6) is live on the website.

The built page is opened in headless Chromium with the network blocked, from ``file://`` and
from a local HTTP server. The widget's controls are moved by script and by keyboard; every
number it shows is read back and compared with what bpkit computes on the weights, input and
target the page holds (``bpkitModel.state.network``: the notebook's NumPy draw when the page
opens, the page's own draw from the seed after the depth, width, initialisation or seed
change): the error sizes and their ratio as displayed (4 significant digits) within their
rounding and exactly (``data-exact``) to 1e-12; the gradient check, whose finite differences
are round-off where they are tiny, within a factor of 2 where bpkit's is above 1e-9 and below
1e-8 where it is not (tests/test_widget_port_depth.py shows why). Then the layout at phone
and desktop width, axe-core, contrast in both themes, the console, and the redraw time.

Chapter 6 shows the same widget with its switches (batch norm, layer norm, residual
connections, a batch of examples, 50 layers): the page opens on the notebook's numbers, and
for the chapter's settings (50 sigmoid layers, none, batch norm, layer norm, residual), set
through the menu and the switch at phone and desktop width, every error size and spread shown
is bpkit's on the page's network (to 1e-12, as above); then axe-core on that page.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

from bpkit.widgets.depth import (
    ACTIVATIONS,
    INITS,
    SWITCH_DEFAULTS,
    depth_check,
    depth_state,
    setting_words,
)

from . import checks
from .checks import assert_shown, set_slider
from .conftest import DESKTOP, PHONE, SITE

CH3 = "book/ch03_matrix_form.html"
CH6 = "book/ch06_deep_networks.html"
CH3_START = {"depth": 4, "width": 8, "activation": "sigmoid", "init": "glorot", "norm": "none",
             "residual": False, "batch": 1, "seed": 0}
CH6_START = {"depth": 50, "width": 16, "activation": "sigmoid", "init": "glorot",
             "norm": "none", "residual": False, "batch": 16, "seed": 0}
SETTINGS = 12
ROOT = ".bpw-depth"
MODEL = "document.querySelector('.bpkit-widget').bpkitModel"

READ = """() => {
  const w = document.querySelector('.bpw-depth');
  const model = w.closest('.bpkit-widget').bpkitModel;
  const num = (el) => el && el.dataset.exact !== undefined
    ? {shown: el.textContent.replace('\\u2212', '-'), exact: Number(el.dataset.exact)} : null;
  const out = {norms: [], spreads: [], layerErrors: []};
  for (const tr of w.querySelectorAll('tr[data-layer]')) {
    const cells = tr.querySelectorAll('td');
    out.norms.push(num(cells[0].querySelector('.bpw-num')));
    out.spreads.push(num(cells[1].querySelector('.bpw-num')));
    out.layerErrors.push(num(cells[2].querySelector('.bpw-num')));
  }
  const role = (r) => num(w.querySelector(`[data-role="${r}"]`));
  out.shrink = role('shrink');
  out.spreadFirst = role('spread-first');
  out.spreadLast = role('spread-last');
  out.residual = w.querySelector('input[name=residual]').checked;
  out.spreadBars = w.querySelectorAll('svg')[1].querySelectorAll('rect[data-layer]').length;
  out.spreadLabel = w.querySelectorAll('svg')[1].getAttribute('aria-label');
  out.relError = role('rel-error');
  out.relErrorOverall = role('rel-error-overall');
  out.controls = {...model.state.controls};
  out.network = model.state.network;
  out.result = model.state.result;
  out.sliders = Object.fromEntries(Array.from(w.querySelectorAll('input[type=range]')).map((i) =>
    [i.name, {value: Number(i.value), shown: i.parentElement.querySelector('output').textContent,
              valuetext: i.getAttribute('aria-valuetext')}]));
  out.selects = Object.fromEntries(Array.from(w.querySelectorAll('select')).map((s) => [s.name, s.value]));
  out.bars = w.querySelector('svg').querySelectorAll('rect[data-layer]').length;
  out.label = w.querySelector('svg').getAttribute('aria-label');
  out.status = w.querySelector('.bpw-status[role=status]').textContent;
  return out;
}"""


def wait_for_check(page):
    page.wait_for_function(f"{MODEL}.state.result.check !== null", timeout=20000)


def close_check(mine, bpkit):
    """A gradient-check error of the page next to bpkit's on the same weights."""
    if bpkit > 1e-9:
        return 0.5 < mine / bpkit < 2.0
    return mine < 1e-8


def check_depth(shown, with_check=True):
    """Every number shown is bpkit's for the page's controls and network."""
    c = {**SWITCH_DEFAULTS, **shown["controls"]}  # a page model set without the switches
    expected = depth_state(c, shown["network"], check=False)
    assert len(shown["norms"]) == c["depth"] + 1 == len(expected["norms"])
    for i, v in enumerate(expected["norms"]):
        assert_shown(shown["norms"][i], v, f"norm {i + 1}")
    for i, v in enumerate(expected["spreads"]):
        assert_shown(shown["spreads"][i], v, f"spread {i + 1}")
    assert_shown(shown["shrink"], expected["shrink"], "shrink")
    assert_shown(shown["spreadFirst"], expected["spreads"][0], "spread of layer 1")
    assert_shown(shown["spreadLast"], expected["spreads"][-2], "spread of the last hidden layer")
    assert {k: shown["result"][k] for k in c} == c
    assert shown["result"]["n_params"] == expected["n_params"]
    assert f"{expected['n_params']} parameters" in shown["status"]
    assert shown["bars"] == sum(v > 0 for v in expected["norms"])
    assert shown["spreadBars"] == sum(v > 0 for v in expected["spreads"])
    for name in ("depth", "width", "batch"):
        slider = shown["sliders"][name]
        assert slider["value"] == c[name] and slider["shown"] == slider["valuetext"] == str(c[name])
    assert shown["selects"] == {"activation": c["activation"], "init": c["init"],
                                "norm": c["norm"]}
    assert shown["residual"] == c["residual"]
    assert f"depth {c['depth']}, width {c['width']}" in shown["label"]
    assert f"layer 1 to {c['depth'] + 1} (the output layer)" in shown["spreadLabel"]
    if not expected["checkable"]:
        assert shown["result"]["check"] is None and "not run" in shown["status"]
    if not with_check or not expected["checkable"]:
        return expected
    check = shown["result"]["check"]
    bpkit = depth_check(c, shown["network"])
    assert_shown(shown["relError"], check["rel_error"], "rel_error", digits=2)
    assert_shown(shown["relErrorOverall"], check["rel_error_overall"], "overall", digits=2)
    for i, v in enumerate(check["layers"]):
        assert_shown(shown["layerErrors"][i], v, f"check layer {i + 1}", digits=2)
    assert close_check(check["rel_error_overall"], bpkit["rel_error_overall"]), (check, bpkit)
    if c["norm"] == "batch":  # a bias before batch norm has gradient 0: its error is round-off
        assert len(check["layers"]) == len(bpkit["layers"])
        return expected
    assert close_check(check["rel_error"], bpkit["rel_error"]), (check, bpkit)
    for mine, theirs in zip(check["layers"], bpkit["layers"], strict=True):
        assert close_check(mine, theirs), (check, bpkit)
    assert check["near_kink"] == bpkit["near_kink"]
    return expected


def test_the_page_opens_on_the_notebooks_numbers(open_page):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    shown = page.evaluate(READ)
    assert shown["controls"] == CH3_START
    check_depth(shown)  # the saved numbers are bpkit's own, from the notebook
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("how", ["file", "http"])
def test_depth_widget_shows_bpkit_numbers_for_random_settings(open_page, how):
    page = open_page(CH3, how)
    page.wait_for_selector(".bpw-depth")
    rng = np.random.default_rng(12)
    for k in range(SETTINGS):
        set_slider(page, ROOT, "depth", int(rng.integers(1, 11)))
        set_slider(page, ROOT, "width", int(rng.integers(2, 17)))
        page.select_option(".bpw-depth select[name=activation]", str(rng.choice(list(ACTIVATIONS))))
        page.select_option(".bpw-depth select[name=init]", str(rng.choice(INITS)))
        if k % 3 == 2:
            page.get_by_role("button", name="New seed").click()
        wait_for_check(page)
        check_depth(page.evaluate(READ))
    # the largest network: the error sizes at once, the check a moment later
    set_slider(page, ROOT, "depth", 10)
    set_slider(page, ROOT, "width", 32)
    wait_for_check(page)
    shown = page.evaluate(READ)
    assert shown["result"]["n_params"] == 9730
    check_depth(shown, with_check=False)
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_the_activation_alone_keeps_the_weights_and_new_seed_and_reset(open_page):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    start = page.evaluate(READ)
    page.select_option(".bpw-depth select[name=activation]", "relu")
    wait_for_check(page)
    relu = page.evaluate(READ)
    assert relu["network"] == start["network"]  # still the notebook's weights: bpkit's numbers
    check_depth(relu)
    page.get_by_role("button", name="New seed").click()
    wait_for_check(page)
    seeded = page.evaluate(READ)
    assert seeded["controls"]["seed"] == 1 and seeded["network"] != start["network"]
    check_depth(seeded)
    page.get_by_role("button", name="Reset").click()
    wait_for_check(page)
    back = page.evaluate(READ)
    assert back["controls"] == start["controls"]
    check_depth(back)
    # the dashed outlines keep the previous setting
    assert "previous setting" in page.inner_text(".bpw-depth")
    assert page.bpkit.errors == []


def test_keyboard_moves_the_controls_and_updates_every_number(open_page):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    before = page.evaluate(READ)
    page.focus('.bpw-depth input[name="depth"]')
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_for_check(page)
    after = page.evaluate(READ)
    assert after["controls"]["depth"] == before["controls"]["depth"] + 2
    assert after["label"] != before["label"]
    check_depth(after)
    page.focus('.bpw-depth select[name="init"]')
    page.keyboard.press("ArrowDown")
    wait_for_check(page)
    moved = page.evaluate(READ)
    assert moved["controls"]["init"] == "he"
    check_depth(moved)
    assert page.bpkit.errors == []


def test_a_layer_whose_error_is_zero_is_drawn_as_zero(open_page):
    """Width 2 and ReLU: some draws switch off every unit of a layer; its error is then 0."""
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    seed = page.evaluate("""() => {
      const w = window.bpkitWidgets.depth;
      for (let seed = 0; seed < 500; seed++) {
        const c = {depth: 10, width: 2, activation: 'relu', init: 'he', seed};
        if (w.compute({controls: c}, {}).result.norms[0] === 0) return seed;
      }
      return null;
    }""")
    assert seed is not None
    page.evaluate(f"""() => {{ const m = {MODEL};
      m.set('controls', {{depth: 10, width: 2, activation: 'relu', init: 'he', seed: {seed}}});
      m.save_changes(); }}""")
    wait_for_check(page)
    shown = page.evaluate(READ)
    expected = check_depth(shown, with_check=False)
    assert expected["norms"][0] == 0.0 and shown["shrink"]["shown"] == "0"
    zeros = page.evaluate("() => Array.from(document.querySelectorAll('.bpw-depth svg')).map("
                          "(svg) => Array.from(svg.querySelectorAll('text'))"
                          ".filter((t) => t.textContent === '0').length)")
    assert zeros == [sum(v == 0 for v in expected["norms"]),
                     sum(v == 0 for v in expected["spreads"])]
    assert zeros[1] > 0  # a dead layer's outputs are all 0: no spread
    assert page.bpkit.errors == []


# ------------------------------------------------------------------ layout and reading

@pytest.mark.parametrize("depth", [4, 10])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, depth):
    page = open_page(CH3, viewport=viewport)
    page.wait_for_selector(".bpw-depth")
    set_slider(page, ROOT, "depth", depth)
    wait_for_check(page)
    layout = checks.check_layout(page, viewport, ROOT, max_drawing_width=400)
    # 7 labels, 3 sliders, 3 readouts, 3 menus, a checkbox, 2 buttons
    assert len(layout["controls"]) >= 19
    name = f"ch03-depth{depth}-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(".bpkit-widget").first, name, layout, viewport)
    assert page.bpkit.errors == []


# ---------------------------------------------------------------- accessibility

def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    checks.check_axe(page, CH3)


def test_every_control_has_an_accessible_name(open_page):
    names = dict(checks.accessible_names(open_page(CH3), ROOT))
    assert names["depth"].startswith("depth") and names["width"].startswith("width")
    assert names["activation"] == "activation" and names["init"] == "initial weights"
    assert names["batch"].startswith("batch") and names["norm"] == "normalisation"
    assert names["residual"] == "residual connections"
    assert all(names.values()) and len(names) == 9


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    checks.set_theme(page, theme)
    page.select_option(".bpw-depth select[name=activation]", "tanh")  # a dashed outline too
    wait_for_check(page)
    checks.check_contrast(page, ROOT, f"{CH3} {theme}", more_than=20)
    checks.save_screenshot(page.locator(".bpkit-widget").first, f"ch03-depth-{theme}.png")


# ------------------------------------------------------------------ speed

CHECK_TIME = f"""() => {{
  const m = {MODEL};
  const state = {{...m.state, result: {{...m.state.result, check: null}}}};
  const t0 = performance.now();
  window.bpkitWidgets.depth.actions.check(state);
  return performance.now() - t0;
}}"""


def test_redraw_time(open_page):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    widths = [8 + (k % 2) for k in range(50)]  # at the chapter's depth 4
    median = statistics.median(checks.redraw_times(page, ROOT, "width", widths))
    set_slider(page, ROOT, "depth", 10)
    largest = statistics.median(checks.redraw_times(page, ROOT, "width",
                                                    [31 + (k % 2) for k in range(50)]))
    wait_for_check(page)
    check_ms = page.evaluate(CHECK_TIME)
    print(f"depth widget redraw, median over 50 width changes: {median:.2f} ms at depth 4, "
          f"{largest:.2f} ms at depth 10 width 31-32; the gradient check that follows at rest: "
          f"{check_ms:.0f} ms for the largest network")
    assert page.bpkit.errors == []


def test_the_website_fallback_holds_the_notebook_state():
    html = (SITE / CH3).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="depth"') == 1
    assert ('"controls":{"depth":4,"width":8,"activation":"sigmoid","init":"glorot",'
            '"norm":"none","residual":false,"batch":1,"seed":0}') in html
    assert Path(SITE / "_static" / "bpkit-widgets" / "depth.js").exists()


# ------------------------------------------------------------------ Chapter 6

def test_chapter_6_opens_on_the_notebooks_numbers(open_page):
    page = open_page(CH6)
    page.wait_for_selector(".bpw-depth")
    shown = page.evaluate(READ)
    assert shown["controls"] == CH6_START
    expected = check_depth(shown)  # too large to check: no check shown
    assert not expected["checkable"] and "not run for a network this large" in shown["status"]
    assert expected["shrink"] < 1e-25
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_chapter_6_switches_show_bpkit_numbers(open_page, viewport):
    """50 sigmoid layers: none, batch norm, layer norm, residual; then a new seed (the page's
    own network) and a small batch-norm network whose gradient check runs."""
    page = open_page(CH6, viewport=viewport)
    page.wait_for_selector(".bpw-depth")
    shrink = {}
    for label, norm, residual in (("none", "none", False), ("batch", "batch", False),
                                  ("layer", "layer", False), ("residual", "none", True)):
        page.select_option(".bpw-depth select[name=norm]", norm)
        if page.is_checked(".bpw-depth input[name=residual]") != residual:
            page.click(".bpw-depth input[name=residual]")
        page.wait_for_function(f"{MODEL}.state.result.norm === '{norm}' && "
                               f"{MODEL}.state.result.residual === {str(residual).lower()}")
        shown = page.evaluate(READ)
        assert shown["network"] == page.evaluate(f"{MODEL}.state.network")
        shrink[label] = check_depth(shown)["shrink"]
        assert setting_words({**shown["result"]}).startswith("50 hidden layers of 16 sigmoid")
    assert shrink["none"] < 1e-25 < 1e-10 < shrink["batch"] * 1e-11
    assert shrink["residual"] > 0.1 and shrink["none"] * 1e5 < shrink["layer"] < 1e-10
    # the page's own draw, with the skips and batch norm together
    page.select_option(".bpw-depth select[name=norm]", "batch")
    page.get_by_role("button", name="New seed").click()
    page.wait_for_function(f"{MODEL}.state.controls.seed === 1")
    check_depth(page.evaluate(READ))
    # small enough for the gradient check: it runs, and agrees with bpkit's
    set_slider(page, ROOT, "depth", 3)
    set_slider(page, ROOT, "width", 4)
    set_slider(page, ROOT, "batch", 6)
    wait_for_check(page)
    check_depth(page.evaluate(READ))
    # batch norm keeps the batch at 2 or more; with one example it cannot be chosen
    assert set_slider(page, ROOT, "batch", 1) == 2
    page.select_option(".bpw-depth select[name=norm]", "none")
    set_slider(page, ROOT, "batch", 1)
    assert page.evaluate("document.querySelector('.bpw-depth option[value=batch]').disabled")
    layout = checks.check_layout(page, viewport, ROOT, max_drawing_width=400)
    checks.report_layout(page.locator(".bpkit-widget").first,
                         f"ch06-depth-{'phone' if viewport == PHONE else 'desktop'}.png",
                         layout, viewport)
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_chapter_6_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH6)
    page.wait_for_selector(".bpw-depth")
    page.select_option(".bpw-depth select[name=norm]", "layer")
    checks.check_axe(page, CH6)


def test_chapter_6_fallback_describes_the_widget():
    html = (SITE / CH6).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="depth"') == 1
    assert ("Two bar charts on logarithmic scales, one bar per layer: the size of each "
            "layer&#x27;s error vector") in html
    assert "50 hidden layers of 16 sigmoid units" in html
