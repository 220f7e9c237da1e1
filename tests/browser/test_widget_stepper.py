"""The backward stepper (Chapter 8) is live on the website.

The built page is opened in headless Chromium with the network blocked. For every expression
and random inputs the test steps through the whole backward pass with the Step button and,
after each step, reads every number the page shows (each node's value, the gradients revealed
so far, the table) and compares it with what bpkit computes; it also checks Run all and
Reset, the layout at 390 px and 1280 px, axe-core, the accessible names and the contrast.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpkit.widgets.stepper import EXPRESSIONS, BackwardStepper

from . import checks
from .checks import assert_shown, set_slider
from .conftest import DESKTOP, PHONE, SITE

CH8 = "book/ch08_autograd.html"
ROOT = ".bpw-stepper"

READ = """() => {
  const w = document.querySelector('.bpw-stepper');
  const num = (el) => ({shown: el.textContent.replace(/^\\S+ /, '').replace('\\u2212', '-'), exact: Number(el.dataset.exact)});
  const out = {values: {}, grads: {}, hidden: [], table: {}, rows: []};
  for (const g of w.querySelectorAll('g[data-node]')) {
    const name = g.dataset.node;
    out.values[name] = num(g.querySelector('.bpw-value'));
    const grad = g.querySelector('.bpw-grad');
    if (grad.dataset.exact !== undefined) out.grads[name] = num(grad); else out.hidden.push(name);
  }
  for (const tr of w.querySelectorAll('tr[data-node]')) {
    out.rows.push(tr.dataset.node);
    const span = tr.querySelectorAll('.bpw-num')[1];
    if (span) out.table[tr.dataset.node] = num(span);
  }
  out.controls = {...w.closest('.bpkit-widget').bpkitModel.state.controls};
  out.status = w.querySelector('.bpw-status').textContent;
  out.label = w.querySelector('svg').getAttribute('aria-label');
  return out;
}"""


def expected_widget(controls):
    w = BackwardStepper(controls["expression"], **{k: controls[k] for k in "xywb"})
    for _ in range(controls["step"]):
        w.step()
    return w


def check_shown(shown):
    w = expected_widget(shown["controls"])
    for name, v in w.result["values"].items():
        assert_shown(shown["values"][name], v, f"value {name}")
    assert list(shown["grads"]) != [] or w.controls["step"] == 0
    assert sorted(shown["grads"]) == sorted(w.shown)
    assert shown["rows"] == w.backward_order
    for name, g in w.shown.items():
        assert_shown(shown["grads"][name], g, f"grad {name}")
        assert_shown(shown["table"][name], g, f"table {name}")
    assert sorted(shown["hidden"]) == sorted(set(w.result["values"]) - set(w.shown))
    return w


def test_the_page_opens_on_the_notebooks_state(open_page):
    page = open_page(CH8)
    page.wait_for_selector(ROOT)
    shown = page.evaluate(READ)
    assert shown["controls"]["expression"] == "neuron"
    w = check_shown(shown)
    assert w.controls["step"] == 0 and shown["grads"] == {}  # as the notebook displayed it
    assert shown["status"].startswith("Step 0 of 7")
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("how", ["file", "http"])
def test_every_step_of_every_expression_shows_bpkit_numbers(open_page, how):
    page = open_page(CH8, how)
    page.wait_for_selector(ROOT)
    rng = np.random.default_rng(18)
    for expression in EXPRESSIONS:
        for _ in range(3):
            page.select_option(f"{ROOT} select[name=expression]", expression)
            for name in EXPRESSIONS[expression][1]:
                set_slider(page, ROOT, name, round(float(rng.uniform(-2, 2)) / 0.05) * 0.05)
            shown = page.evaluate(READ)
            assert shown["controls"]["step"] == 0 and shown["grads"] == {}
            n = len(shown["rows"])
            for k in range(1, n + 1):
                page.get_by_role("button", name="Step: reveal the next gradient").click()
                shown = page.evaluate(READ)
                assert shown["controls"]["step"] == k
                assert f"Step {k} of {n}" in shown["status"]
                check_shown(shown)
            assert shown["grads"]["f"]["exact"] == 1.0
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_run_all_then_a_slider_then_reset(open_page):
    page = open_page(CH8)
    page.wait_for_selector(ROOT)
    start = page.evaluate(READ)
    page.select_option(f"{ROOT} select[name=expression]", "square")
    page.get_by_role("button", name="Run all: reveal every gradient").click()
    shown = page.evaluate(READ)
    assert shown["controls"]["step"] == 5 and shown["hidden"] == []
    check_shown(shown)
    set_slider(page, ROOT, "x", -1.25)  # the revealed steps stay, the numbers follow
    moved = page.evaluate(READ)
    assert moved["controls"]["step"] == 5 and moved["controls"]["x"] == -1.25
    assert moved["values"]["u"]["exact"] != shown["values"]["u"]["exact"]
    assert moved["label"] != shown["label"]  # the text alternative follows the drawing
    check_shown(moved)
    page.get_by_role("button", name="Reset the expression, the inputs and the steps").click()
    back = page.evaluate(READ)
    assert back["controls"] == {**start["controls"], "step": 0}
    check_shown(back)


def test_keyboard_moves_a_slider_and_presses_step(open_page):
    page = open_page(CH8)
    page.wait_for_selector(ROOT)
    before = page.evaluate(READ)
    page.focus(f'{ROOT} input[name="w"]')
    page.keyboard.press("ArrowRight")
    after = page.evaluate(READ)
    assert after["controls"]["w"] == pytest.approx(before["controls"]["w"] + 0.05)
    check_shown(after)
    page.get_by_role("button", name="Reset the expression, the inputs and the steps").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Step: reveal the next gradient").focus()
    page.keyboard.press("Enter")
    stepped = page.evaluate(READ)
    assert stepped["controls"]["step"] == 1 and list(stepped["grads"]) == ["f"]


# ------------------------------------------------------------------ layout and reading

@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("expression", list(EXPRESSIONS))
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, expression):
    page = open_page(CH8, viewport=viewport)
    page.wait_for_selector(ROOT)
    page.select_option(f"{ROOT} select[name=expression]", expression)
    page.get_by_role("button", name="Run all: reveal every gradient").click()
    layout = checks.check_layout(page, viewport, ROOT, texts_off_boxes=False,
                                 max_drawing_width=410)  # texts inside the node boxes
    assert len(layout["controls"]) >= 11  # menu, 2-3 sliders with labels and readouts, 3 buttons
    name = f"ch08-stepper-{expression}-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(".bpkit-widget").first, name, layout, viewport)
    assert page.bpkit.errors == []


# ---------------------------------------------------------------- accessibility

def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH8)
    page.wait_for_selector(ROOT)
    checks.check_axe(page, CH8)


def test_every_control_has_an_accessible_name(open_page):
    names = dict(checks.accessible_names(open_page(CH8), ROOT))
    assert names["expression"] == "expression" and names["x"] == "x"
    assert all(names.values()) and len(names) == 7  # menu, 3 sliders, 3 buttons


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH8)
    page.wait_for_selector(ROOT)
    checks.set_theme(page, theme)
    checks.check_contrast(page, ROOT, f"{CH8} {theme}", more_than=20)
    checks.save_screenshot(page.locator(".bpkit-widget").first, f"ch08-stepper-{theme}.png")


def test_the_website_fallback_holds_the_notebook_state():
    html = (SITE / CH8).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="stepper"') == 1
    assert '"controls":{"expression":"neuron","x":0.8,' in html
    assert (SITE / "_static" / "bpkit-widgets" / "stepper.js").exists()
