"""The chain-rule graph (Chapter 1) and the network explorer (Chapter 2) are live on the website.

Each test opens the built page in headless Chromium with the network blocked, from ``file://``
and from a local HTTP server, moves the widget's controls (by script and by keyboard), reads
back every number the page shows and compares it with what bpkit computes for the same
controls: the number as displayed (4 significant digits) within its rounding, and the exact
value the page keeps in ``data-exact`` (shown on hover) to 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bpkit import worked_example as we
from bpkit.widgets.chain import chain_state
from bpkit.widgets.explorer import explorer_state

from . import checks
from .checks import assert_shown, set_slider
from .conftest import DESKTOP, PHONE, SITE

CH1 = "book/ch01_chain_rule.html"
CH2 = "book/ch02_worked_example.html"
SETTINGS = 20
ROOT = ".bpw"  # every widget of the page

# Everything the widget shows, read back from the page.
READ_CHAIN = """() => {
  const w = document.querySelector('.bpw-chain');
  const num = (el) => ({shown: el.textContent.replace('\\u2212', '-'), exact: Number(el.dataset.exact)});
  const out = {values: {}, edges: {}, paths: {}, sums: {}, grads: {}};
  for (const g of w.querySelectorAll('g[data-node]')) out.values[g.dataset.node] = num(g.querySelector('.bpw-value'));
  for (const g of w.querySelectorAll('g[data-edge]')) out.edges[g.dataset.edge] = num(g.querySelector('text'));
  for (const tr of w.querySelectorAll('tr[data-path]')) out.paths[tr.dataset.path] = num(tr.querySelector('.bpw-num'));
  for (const tr of w.querySelectorAll('tr[data-row="sum"]')) {
    const spans = tr.querySelectorAll('.bpw-num');
    out.grads[tr.dataset.input] = num(spans[0]);
    out.sums[tr.dataset.input] = num(spans[1]);
  }
  out.controls = Object.fromEntries(Array.from(w.querySelectorAll('input[type=range]')).map((i) => [i.name, Number(i.value)]));
  out.label = w.querySelector('svg').getAttribute('aria-label');
  return out;
}"""

READ_EXPLORER = """() => {
  const w = document.querySelector('.bpw-explorer');
  const num = (el) => ({shown: el.textContent.replace(/^g /, '').replace('\\u2212', '-'), exact: Number(el.dataset.exact)});
  const out = {gradients: {}, values: {}, edges: {}};
  for (const tr of w.querySelectorAll('tr[data-param]')) {
    const spans = tr.querySelectorAll('.bpw-num');
    out.values[tr.dataset.param] = num(spans[0]);
    out.gradients[tr.dataset.param] = num(spans[1]);
  }
  for (const g of w.querySelectorAll('g[data-param]')) out.edges[g.dataset.param] = num(g.querySelectorAll('text')[1]);
  const status = w.querySelectorAll('.bpw-status .bpw-num');
  out.loss = num(status[0]);
  out.output = num(status[1]);
  // the controls as the page model holds them (a slider's thumb snaps to its step; after a
  // Step the values lie between steps), and as the readouts beside the sliders show them
  out.controls = {...w.closest('.bpkit-widget').bpkitModel.state.controls};
  delete out.controls.weight;
  out.readouts = Object.fromEntries(Array.from(w.querySelectorAll('output')).map(
    (o) => [o.previousElementSibling.name, {shown: o.textContent.replace('\u2212', '-'), exact: Number(o.title)}]));
  out.weight = w.querySelector('select').value;
  out.history = w.querySelectorAll('svg')[2].querySelector('polyline').getAttribute('points').trim().split(/\\s+/).filter(Boolean).length;
  out.label = w.querySelector('svg').getAttribute('aria-label');
  return out;
}"""


@pytest.mark.parametrize("how", ["file", "http"])
def test_chain_widget_shows_bpkit_numbers_for_20_random_settings(open_page, how):
    page = open_page(CH1, how)
    page.wait_for_selector(".bpw-chain")
    rng = np.random.default_rng(10)
    for _ in range(SETTINGS):
        for name, v in zip("xyz", np.round(rng.uniform(-3, 3, 3) / 0.05) * 0.05, strict=True):
            set_slider(page, ROOT, name, round(float(v), 2))
        shown = page.evaluate(READ_CHAIN)
        c = shown["controls"]
        expected = chain_state(c["x"], c["y"], c["z"])
        for name, v in expected["values"].items():
            assert_shown(shown["values"][name], v, name)
        for p, child, g in expected["local_grads"]:
            assert_shown(shown["edges"][f"{p}>{child}"], g, f"d{child}/d{p}")
        for name in "xyz":
            for path, product in expected["paths"][name]:
                assert_shown(shown["paths"]["<".join(path)], product, path)
            assert_shown(shown["sums"][name], expected["path_sums"][name], f"sum {name}")
            assert_shown(shown["grads"][name], expected["grads"][name], f"backward {name}")
        assert f"x = {shown['values']['x']['shown'].replace('-', '−')}," in shown["label"]
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def explorer_controls(shown):
    c = dict(shown["controls"])
    c["weight"] = shown["weight"]
    return c


def check_explorer(shown):
    expected = explorer_state(explorer_controls(shown))
    for name in we.PARAM_NAMES:
        assert_shown(shown["gradients"][name], expected["gradients"][name], name)
        assert_shown(shown["edges"][name], expected["gradients"][name], f"edge {name}")
        assert_shown(shown["values"][name], shown["controls"][name], f"value {name}")
        assert_shown(shown["readouts"][name], shown["controls"][name], f"slider {name}")
    assert_shown(shown["loss"], expected["loss"], "loss")
    assert_shown(shown["output"], expected["output"], "output")
    return expected


@pytest.mark.parametrize("how", ["file", "http"])
def test_explorer_shows_bpkit_numbers_for_20_random_settings(open_page, how):
    page = open_page(CH2, how)
    page.wait_for_selector(".bpw-explorer")
    rng = np.random.default_rng(11)
    for _ in range(SETTINGS):
        for name in we.PARAM_NAMES:
            set_slider(page, ROOT, name, round(float(rng.uniform(-4, 4)), 3))
        for name, lo, hi in (("x1", -2, 2), ("x2", -2, 2), ("t", 0, 1)):
            set_slider(page, ROOT, name, round(float(rng.uniform(lo, hi)), 3))
        page.select_option(".bpw-explorer select", str(rng.choice(we.PARAM_NAMES)))
        shown = page.evaluate(READ_EXPLORER)
        check_explorer(shown)
        assert shown["history"] == 1  # moving a weight starts a new history
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("how", ["file", "http"])
def test_step_lowers_the_loss_and_reset_restores_the_start(open_page, how):
    page = open_page(CH2, how)
    page.wait_for_selector(".bpw-explorer")
    start = page.evaluate(READ_EXPLORER)
    set_slider(page, ROOT, "lr", -1)  # eta = 0.1 (the slider is log10 eta)
    losses = [float(start["loss"]["exact"])]
    for k in range(1, 4):
        page.get_by_role("button", name="Step").click()
        shown = page.evaluate(READ_EXPLORER)
        assert shown["history"] == k + 1
        losses.append(shown["loss"]["exact"])
        check_explorer(shown)
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), losses
    page.get_by_role("button", name="Reset").click()
    back = page.evaluate(READ_EXPLORER)
    assert back["controls"] == pytest.approx(start["controls"], rel=1e-12)
    assert back["gradients"] == start["gradients"] and back["history"] == 1


def test_keyboard_moves_a_slider_and_updates_every_number(open_page):
    page = open_page(CH1)
    page.wait_for_selector(".bpw-chain")
    before = page.evaluate(READ_CHAIN)
    page.focus('.bpw input[name="x"]')
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    after = page.evaluate(READ_CHAIN)
    assert after["controls"]["x"] == pytest.approx(before["controls"]["x"] + 0.1)
    assert after["values"]["f"] != before["values"]["f"]
    assert after["label"] != before["label"]  # the text alternative follows the drawing
    expected = chain_state(**after["controls"])
    assert_shown(after["values"]["f"], expected["values"]["f"], "f")
    page2 = open_page(CH2)
    page2.wait_for_selector(".bpw-explorer")
    first = page2.evaluate(READ_EXPLORER)
    page2.focus('.bpw input[name="w31"]')
    page2.keyboard.press("ArrowLeft")
    moved = page2.evaluate(READ_EXPLORER)
    assert moved["controls"]["w31"] == pytest.approx(first["controls"]["w31"] - 0.001)
    check_explorer(moved)
    assert moved["gradients"]["w11"]["exact"] != first["gradients"]["w11"]["exact"]


# ------------------------------------------------------------------ layout and reading

@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("chapter", [CH1, CH2], ids=["ch1", "ch2"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, chapter):
    page = open_page(chapter, viewport=viewport)
    page.wait_for_selector(".bpw")
    layout = checks.check_layout(page, viewport, ROOT, texts_off_boxes=False)  # texts in label boxes
    assert len(layout["controls"]) >= (10 if chapter == CH1 else 43)  # labels, sliders, readouts, buttons
    name = f"{Path(chapter).stem}-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(".bpkit-widget").first, name, layout, viewport)


# ---------------------------------------------------------------- accessibility

@pytest.mark.parametrize("chapter", [CH1, CH2], ids=["ch1", "ch2"])
def test_axe_finds_no_critical_or_serious_violation(open_page, chapter):
    page = open_page(chapter)
    page.wait_for_selector(".bpw")
    checks.check_axe(page, chapter)  # the page as the reader meets it: equations typeset


def test_every_control_has_an_accessible_name(open_page):
    names = dict(checks.accessible_names(open_page(CH2), ROOT))
    assert names["w31"] == "w31" and names["lr"] == "learning rate"
    assert all(names.values())
    chain = checks.accessible_names(open_page(CH1), ROOT)
    assert [n for _, n in chain][:3] == ["x", "y", "z"]


def test_a_skip_link_reaches_the_first_control(open_page):
    page = open_page(CH2)
    page.wait_for_selector(".bpw")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the interactive widget"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.name,"
                            " !!document.activeElement.closest('.bpw')]")
    assert focused == ["INPUT", "w11", True]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("chapter", [CH1, CH2], ids=["ch1", "ch2"])
def test_text_contrast_in_both_themes(open_page, chapter, theme):
    page = open_page(chapter)
    page.wait_for_selector(".bpw")
    checks.set_theme(page, theme)
    checks.check_contrast(page, ROOT, f"{chapter} {theme}", more_than=20)
    if theme == "dark":
        checks.save_screenshot(page.locator(".bpkit-widget").first, f"{Path(chapter).stem}-dark.png")


def test_the_website_fallback_holds_the_notebook_state():
    """Before the script runs, the page holds the widget's state as the notebook saved it."""
    html = (SITE / CH2).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="explorer"') == 1
    assert '"controls":{"w11":0.15,' in html
    assert "embed-amd.js" not in html and "require.js" not in html
