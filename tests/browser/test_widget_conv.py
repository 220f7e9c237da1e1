"""The convolution explorer (Chapter 9) is live on the website.

The built page is opened in headless Chromium with the network blocked, from ``file://`` and
from a local HTTP server. The menus and sliders are moved by script and by keyboard; every
number the widget shows (the output y[i][j], the window, the kernel, dW, the sum of dx, and
the 64 cells of the output map and of dx) is read back and compared with what bpkit's
``conv_state`` computes for the page's controls and the digits and kernels it carries: as
displayed (2 or 4 significant digits) within their rounding, and exactly (``data-exact``) to
1e-12. Then the layout at phone and desktop width, axe-core, accessible names and the
contrast of every text in both themes.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpkit.widgets.conv import SIDE, K, conv_state

from . import checks
from .checks import assert_shown, set_slider
from .conftest import DESKTOP, PHONE

CH9 = "book/ch09_convolutional_networks.html"
ROOT = ".bpw-conv"

READ = """() => {
  const w = document.querySelector('.bpw-conv');
  const model = w.closest('.bpkit-widget').bpkitModel;
  const num = (el) => el && el.dataset.exact !== undefined
    ? {shown: el.textContent.replace(/^[^=]*= /, ''), exact: Number(el.dataset.exact)} : null;
  const role = (r) => num(w.querySelector(`[data-role="${r}"]`));
  const out = {controls: {...model.state.controls}, data: model.state.data, grids: {}};
  for (const g of ['window', 'kernel', 'dW']) {
    out.grids[g] = [0, 1, 2].map((r) => [0, 1, 2].map((c) => role(`${g}-${r}-${c}`)));
  }
  out.value = role('value');
  out.dxSum = role('dx-sum');
  const svgs = w.querySelectorAll('svg');
  const cells = (svg, x0) => Array.from(svg.querySelectorAll('rect[data-exact]'))
    .map((r) => Number(r.dataset.exact));
  out.y = cells(svgs[0]);
  out.dx = cells(svgs[2]);
  out.status = w.querySelector('.bpw-status[role=status]').textContent;
  out.caption = w.querySelector('.bpw-caption').textContent;
  out.sliders = Object.fromEntries(Array.from(w.querySelectorAll('input[type=range]')).map((i) =>
    [i.name, {value: Number(i.value), shown: i.parentElement.querySelector('output').textContent}]));
  out.selects = Object.fromEntries(Array.from(w.querySelectorAll('select')).map((s) => [s.name, s.value]));
  return out;
}"""


def check_conv(shown):
    """Every number shown is bpkit's for the page's controls and data."""
    c, data = shown["controls"], shown["data"]
    expected = conv_state(c, data)
    assert_shown(shown["value"], expected["value"], "y[i][j]")
    kernel = data["kernels"][c["kernel"]]["W"]
    for name, values in (("window", expected["window"]), ("kernel", kernel),
                         ("dW", expected["dW"])):
        for r in range(K):
            for col in range(K):
                assert_shown(shown["grids"][name][r][col], values[r][col], f"{name} {r} {col}",
                             digits=2)
    assert_shown(shown["dxSum"], float(np.sum(expected["dx"])), "sum of dx")
    np.testing.assert_allclose(shown["y"], np.ravel(expected["y"]), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(shown["dx"], np.ravel(expected["dx"]), rtol=1e-12, atol=1e-16)
    assert len(shown["y"]) == len(shown["dx"]) == SIDE * SIDE
    for name in ("i", "j"):
        assert shown["sliders"][name]["value"] == c[name]
        assert shown["sliders"][name]["shown"] == str(c[name])
    assert shown["selects"] == {"digit": str(c["digit"]), "kernel": str(c["kernel"])}
    assert f"y[{c['i']}][{c['j']}] = " in shown["status"]
    assert f"row {c['i']}, column {c['j']}" in shown["caption"]
    return expected


def test_the_page_opens_on_the_notebooks_numbers(open_page):
    page = open_page(CH9)
    page.wait_for_selector(".bpw-conv")
    shown = page.evaluate(READ)
    assert shown["controls"] == {"digit": 0, "kernel": 0, "i": 3, "j": 3}
    assert [k["name"] for k in shown["data"]["kernels"]] == [
        "vertical edge", "horizontal edge", "blur", "diagonal",
        "learned 1", "learned 2", "learned 3", "learned 4"]
    check_conv(shown)
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("how", ["file", "http"])
def test_conv_widget_shows_bpkit_numbers_for_random_settings(open_page, how):
    page = open_page(CH9, how)
    page.wait_for_selector(".bpw-conv")
    rng = np.random.default_rng(9)
    for _ in range(12):
        page.select_option(".bpw-conv select[name=digit]", str(rng.integers(0, 4)))
        page.select_option(".bpw-conv select[name=kernel]", str(rng.integers(0, 8)))
        set_slider(page, ROOT, "i", int(rng.integers(0, SIDE)))
        set_slider(page, ROOT, "j", int(rng.integers(0, SIDE)))
        check_conv(page.evaluate(READ))
    for i, j in ((0, 0), (7, 7), (0, 7)):  # the corners: the window hangs over the padding
        set_slider(page, ROOT, "i", i)
        set_slider(page, ROOT, "j", j)
        expected = check_conv(page.evaluate(READ))
        assert np.count_nonzero(expected["dx"]) <= 4
    page.get_by_role("button", name="Reset").click()
    back = page.evaluate(READ)
    assert back["controls"] == {"digit": 0, "kernel": 0, "i": 3, "j": 3}
    check_conv(back)
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_keyboard_moves_the_position_and_updates_every_number(open_page):
    page = open_page(CH9)
    page.wait_for_selector(".bpw-conv")
    page.focus('.bpw-conv input[name="j"]')
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    moved = page.evaluate(READ)
    assert moved["controls"]["j"] == 5
    check_conv(moved)
    page.focus('.bpw-conv select[name="kernel"]')
    page.keyboard.press("ArrowDown")
    moved = page.evaluate(READ)
    assert moved["controls"]["kernel"] == 1
    check_conv(moved)
    assert page.bpkit.errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport):
    page = open_page(CH9, viewport=viewport)
    page.wait_for_selector(".bpw-conv")
    layout = checks.check_layout(page, viewport, ROOT, max_drawing_width=400)
    assert len(layout["controls"]) >= 9  # 2 menus and their labels, 2 sliders, labels, readouts, Reset
    name = f"ch09-conv-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(".bpkit-widget").first, name, layout, viewport)
    assert page.bpkit.errors == []


def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH9)
    page.wait_for_selector(".bpw-conv")
    checks.check_axe(page, CH9)


def test_every_control_has_an_accessible_name(open_page):
    names = dict(checks.accessible_names(open_page(CH9), ROOT))
    assert names["digit"] == "digit" and names["kernel"] == "kernel"
    assert names["i"] == "output row i" and names["j"] == "output column j"
    assert all(names.values()) and len(names) == 5


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH9)
    page.wait_for_selector(".bpw-conv")
    checks.set_theme(page, theme)
    checks.check_contrast(page, ROOT, f"{CH9} {theme}", more_than=30)
    checks.save_screenshot(page.locator(".bpkit-widget").first, f"ch09-conv-{theme}.png")
