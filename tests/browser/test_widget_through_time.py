"""The gradient-through-time widget (Chapter 10) is live on the website.

The built page is opened in headless Chromium with the network blocked, from ``file://`` and
from a local HTTP server. The widget's sliders are moved by script and by keyboard; every
number it shows is read back and compared with what bpkit computes on the weights, inputs and
target the page holds (``bpkitModel.state.network``: the notebook's NumPy draw when the page
opens, the page's own draw from the seed after New seed): the first and last gradient sizes,
their ratio and the loss as displayed (4 significant digits) within their rounding and
exactly (``data-exact``) to 1e-12, and every bar's value (``data-exact``) to the same, for
scales up to 1.5 (above, the forward pass is chaotic and the port agrees to 1e-8, see
tests/test_widget_port_through_time.py). Then the layout at phone and desktop width,
axe-core, contrast in both themes and the console.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bpkit.widgets.through_time import through_time_state

from . import checks
from .checks import assert_shown, set_slider
from .conftest import DESKTOP, PHONE, SITE

CH10 = "book/ch10_recurrent_networks.html"
ROOT = ".bpw-through-time"

READ = """() => {
  const w = document.querySelector('.bpw-through-time');
  const model = w.closest('.bpkit-widget').bpkitModel;
  const num = (el) => el && el.dataset.exact !== undefined
    ? {shown: el.textContent.replace('\\u2212', '-'), exact: Number(el.dataset.exact)} : null;
  const role = (r) => num(w.querySelector(`[data-role="${r}"]`));
  return {
    first: role('first'), last: role('last'), ratio: role('ratio'), loss: role('loss'),
    bars: Array.from(w.querySelectorAll('svg rect[data-step]')).map((r) =>
      [Number(r.dataset.step), Number(r.dataset.exact)]),
    controls: {...model.state.controls}, network: model.state.network,
    result: model.state.result,
    sliders: Object.fromEntries(Array.from(w.querySelectorAll('input[type=range]')).map((i) =>
      [i.name, Number(i.value)])),
    label: w.querySelector('svg').getAttribute('aria-label'),
  };
}"""


def check_shown(shown, rtol=1e-12):
    """Every number shown is bpkit's for the page's controls and network."""
    c = shown["controls"]
    expected = through_time_state(c, shown["network"])
    assert {k: shown["result"][k] for k in c} == c
    assert len(shown["bars"]) == c["steps"] + 1 == len(expected["norms"])
    for (step, value), want in zip(shown["bars"], expected["norms"], strict=True):
        assert abs(value - want) <= rtol * want + 1e-16, (step, value, want)
    if rtol == 1e-12:
        assert_shown(shown["first"], expected["norms"][0], "first")
        assert_shown(shown["last"], expected["norms"][-1], "last")
        assert_shown(shown["ratio"], expected["ratio"], "ratio")
        assert_shown(shown["loss"], expected["loss"], "loss")
    assert shown["sliders"] == {"steps": c["steps"], "scale": c["scale"]}
    assert f"for {c['steps']} steps" in shown["label"]
    return expected


def test_the_page_opens_on_the_notebooks_numbers(open_page):
    page = open_page(CH10)
    page.wait_for_selector(ROOT)
    shown = page.evaluate(READ)
    assert shown["controls"] == {"steps": 30, "scale": 1.0, "seed": 0}
    check_shown(shown)  # the saved numbers are bpkit's own, from the notebook
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("how", ["file", "http"])
def test_the_widget_shows_bpkit_numbers_for_random_settings(open_page, how):
    page = open_page(CH10, how)
    page.wait_for_selector(ROOT)
    rng = np.random.default_rng(10)
    for k in range(12):
        set_slider(page, ROOT, "steps", int(rng.integers(1, 101)))
        set_slider(page, ROOT, "scale", round(float(rng.uniform(0.1, 1.5)) * 20) / 20)
        if k % 4 == 3:
            page.get_by_role("button", name="New seed").click()
        check_shown(page.evaluate(READ))
    set_slider(page, ROOT, "steps", 100)  # chaotic: the page's numbers to 1e-8
    set_slider(page, ROOT, "scale", 2.0)
    check_shown(page.evaluate(READ), rtol=1e-8)
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_new_seed_and_reset(open_page):
    page = open_page(CH10)
    page.wait_for_selector(ROOT)
    start = page.evaluate(READ)
    set_slider(page, ROOT, "scale", 0.5)
    moved = page.evaluate(READ)
    assert moved["network"] == start["network"]  # the same seed keeps the notebook's weights
    assert moved["result"]["ratio"] < 1e-6
    check_shown(moved)
    page.get_by_role("button", name="New seed").click()
    seeded = page.evaluate(READ)
    assert seeded["controls"]["seed"] == 1 and seeded["network"] != start["network"]
    check_shown(seeded)
    page.get_by_role("button", name="Reset").click()
    back = page.evaluate(READ)
    assert back["controls"] == start["controls"]
    check_shown(back)
    assert page.bpkit.errors == []


def test_keyboard_moves_the_sliders_and_updates_every_number(open_page):
    page = open_page(CH10)
    page.wait_for_selector(ROOT)
    before = page.evaluate(READ)
    page.focus(f'{ROOT} input[name="steps"]')
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    after = page.evaluate(READ)
    assert after["controls"]["steps"] == before["controls"]["steps"] + 2
    check_shown(after)
    page.focus(f'{ROOT} input[name="scale"]')
    page.keyboard.press("ArrowLeft")
    moved = page.evaluate(READ)
    assert moved["controls"]["scale"] == 0.95
    check_shown(moved)
    assert page.bpkit.errors == []


@pytest.mark.parametrize("steps", [30, 100])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, steps):
    page = open_page(CH10, viewport=viewport)
    page.wait_for_selector(ROOT)
    set_slider(page, ROOT, "steps", steps)
    layout = checks.check_layout(page, viewport, ROOT, max_drawing_width=400)
    assert len(layout["controls"]) >= 8  # 2 labels, 2 sliders, 2 readouts, 2 buttons
    name = f"ch10-through-time{steps}-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(".bpkit-widget").first, name, layout, viewport)
    assert page.bpkit.errors == []


def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH10)
    page.wait_for_selector(ROOT)
    checks.check_axe(page, CH10)


def test_every_control_has_an_accessible_name(open_page):
    names = dict(checks.accessible_names(open_page(CH10), ROOT))
    assert names["steps"].startswith("steps") and names["scale"].startswith("scale")
    assert all(names.values()) and len(names) == 4


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH10)
    page.wait_for_selector(ROOT)
    checks.set_theme(page, theme)
    checks.check_contrast(page, ROOT, f"{CH10} {theme}", more_than=10)
    checks.save_screenshot(page.locator(".bpkit-widget").first, f"ch10-through-time-{theme}.png")


def test_the_website_fallback_holds_the_notebook_state():
    html = (SITE / CH10).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="through_time"') == 1
    assert '"controls":{"steps":30,"scale":1.0,"seed":0}' in html
    assert Path(SITE / "_static" / "bpkit-widgets" / "through_time.js").exists()
