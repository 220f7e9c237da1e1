"""The optimizer explorer (Chapter 5) is live on the website and shows bpkit's numbers.

Each test opens the built page in headless Chromium with the network blocked (from ``file://``
and from a local HTTP server where it matters), moves the explorer's controls by script and by
keyboard, reads back what the page shows and compares it with what bpkit computes for the
controls the page holds (``bpkitModel.state.controls``): every number of the page's result
(the paths and losses it draws) to 1e-12, and every number of its table (each run's last loss
and position) as displayed, within its rounding to 3 significant digits, and exactly in
``data-exact``. Then the layout at phone and desktop width, axe-core, the contrast of every
text in both themes, and the time a redraw takes.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import numpy as np
import pytest

from bpkit.widgets.optimizers import DEFAULTS, OPTIMIZERS, RANGES, SURFACES, explorer_result

from . import checks
from .checks import set_slider
from .conftest import DESKTOP, PHONE, SITE

CH5 = "book/ch05_optimizers.html"
SETTINGS = 8
ROOT = ".bpw-optimizers"

# Tick or untick an optimizer as a click does.
SET_BOX = """([name, on]) => {
  const box = document.querySelector(`.bpw-optimizers input[name="use-${name}"]`);
  if (box.checked !== on) box.click();
}"""

# Everything the explorer shows, read back from the page.
READ = """() => {
  const w = document.querySelector('.bpw-optimizers');
  const num = (el) => ({shown: el.textContent.replace(/\\u2212/g, '-'), exact: Number(el.dataset.exact)});
  const out = {rows: {}, paths: {}, losses: {}};
  for (const tr of w.querySelectorAll('tr[data-opt]')) {
    if (tr.hidden) continue;
    const spans = tr.querySelectorAll('.bpw-num');
    out.rows[tr.dataset.opt] = {loss: num(spans[0]), x: num(spans[1]), y: num(spans[2]),
      steps: Number(tr.dataset.steps)};
  }
  const svgs = w.querySelectorAll('svg[role=img]');
  for (const p of svgs[0].querySelectorAll('path[data-opt]')) out.paths[p.dataset.opt] = p.getAttribute('d');
  for (const p of svgs[1].querySelectorAll('path[data-opt]')) out.losses[p.dataset.opt] = p.getAttribute('d');
  const state = w.closest('.bpkit-widget').bpkitModel.state;
  out.controls = state.controls;
  out.result = state.result;
  out.labels = Array.from(svgs).map((s) => s.getAttribute('aria-label'));
  out.captions = Array.from(w.querySelectorAll('.bpw-caption')).map((p) => p.textContent);
  out.status = w.querySelector('.bpw-status').textContent;
  out.select = w.querySelector('select').value;
  out.boxes = Object.fromEntries(Array.from(w.querySelectorAll('input[type=checkbox]')).map((b) => [b.name, b.checked]));
  out.readouts = Object.fromEntries(Array.from(w.querySelectorAll('input[type=range]')).map(
    (i) => [i.name, Number(i.parentElement.querySelector('output').title)]));
  return out;
}"""


def same(a, b) -> bool:
    """Equal numbers, NaN equal to NaN, to 1e-12 relative with a 1e-16 floor."""
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, float) and math.isinf(a):
        return a == b
    return abs(a - b) <= 1e-12 * abs(b) + 1e-16


def assert_same_tree(got, expected, where=""):
    if isinstance(expected, dict):
        assert got.keys() == expected.keys(), where
        for k in expected:
            assert_same_tree(got[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_same_tree(g, e, f"{where}[{i}]")
    elif isinstance(expected, (str, bool)) or expected is None:
        assert got == expected, where
    else:
        assert same(float(got), float(expected)), (where, got, expected)


def assert_shown(number, expected, where, digits=3):
    """The text is `expected` rounded to `digits` significant digits; data-exact is it."""
    checks.assert_shown(number, expected, where, digits)


def check(shown):
    """What the page shows is what bpkit computes for the controls the page holds."""
    c = shown["controls"]
    expected = explorer_result(c)
    assert_same_tree(shown["result"], expected)
    assert list(shown["rows"]) == list(expected["runs"]) == [n for n in OPTIMIZERS
                                                             if n in c["selected"]]
    for name, run in expected["runs"].items():
        row = shown["rows"][name]
        assert row["steps"] == run["n"]
        if run["diverged"]:
            assert row["loss"]["shown"] == "diverged"
            assert f"{name} diverged after {run['n']} step" in shown["captions"][0]
        else:
            assert_shown(row["loss"], run["final_loss"], f"{name} loss")
            assert f"{name} ends at (" in shown["captions"][0]
        for k, axis in enumerate("xy"):
            if math.isfinite(run["end"][k]):
                assert_shown(row[axis], run["end"][k], f"{name} {axis}")
            else:
                assert row[axis]["shown"] == "\u2013"
        assert shown["paths"][name].startswith("M") and shown["losses"][name].startswith("M")
    for name in OPTIMIZERS:
        if name not in expected["runs"]:
            assert shown["paths"][name] == "" == shown["losses"][name]
        assert shown["boxes"][f"use-{name}"] == (name in c["selected"])
        assert same(shown["readouts"][f"lr-{name}"], c["lr"][name])
    for key in ("momentum", "beta1", "beta2", "rho", "steps"):
        assert same(float(shown["readouts"][key]), float(c[key])), key
    assert shown["select"] == c["surface"]
    assert shown["labels"][0] == shown["captions"][0] and shown["labels"][1] == shown["captions"][1]
    return expected


def random_setting(page, rng):
    """Move every control to a random position, as a reader would, one after the other."""
    surface = str(rng.choice(list(SURFACES)))
    page.select_option(".bpw-optimizers select", surface)
    chosen = {n for n in OPTIMIZERS if rng.random() < 0.6}
    for name in OPTIMIZERS:
        page.evaluate(SET_BOX, [name, name in chosen])
    lo, hi = (math.log10(v) for v in RANGES["lr"])
    for name in OPTIMIZERS:
        default = math.log10(DEFAULTS[surface]["lr"][name])
        position = rng.uniform(lo, hi) if rng.random() < 0.3 else default + rng.uniform(-1, 0.5)
        set_slider(page, ROOT, f"lr-{name}", round(min(max(position, lo), hi), 2))
    for key in ("momentum", "beta1", "beta2", "rho"):
        set_slider(page, ROOT, key, float(rng.uniform(*RANGES[key])))
    steps_hi = 3000 if surface == "rosenbrock" else 400
    set_slider(page, ROOT, "steps", int(rng.integers(1, steps_hi + 1)))


@pytest.mark.parametrize("how", ["file", "http"])
def test_the_explorer_shows_bpkit_numbers_for_random_settings(open_page, how):
    page = open_page(CH5, how)
    page.wait_for_selector(".bpw-optimizers")
    check(page.evaluate(READ))  # as the notebook left it
    rng = np.random.default_rng(20 if how == "file" else 21)
    diverged = 0
    for _ in range(SETTINGS):
        random_setting(page, rng)
        expected = check(page.evaluate(READ))
        diverged += sum(r["diverged"] for r in expected["runs"].values())
    print(f"{how}: {SETTINGS} random settings, {diverged} runs diverged")
    for name in OPTIMIZERS:
        page.evaluate(SET_BOX, [name, False])
    shown = page.evaluate(READ)
    check(shown)
    assert "no optimizer selected" in shown["status"]
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_a_new_surface_restores_its_defaults_and_reset_the_start(open_page):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    start = page.evaluate(READ)
    set_slider(page, ROOT, "momentum", 0.5)
    page.select_option(".bpw-optimizers select", "rosenbrock")
    shown = page.evaluate(READ)
    d = DEFAULTS["rosenbrock"]
    c = shown["controls"]
    assert (c["steps"], c["momentum"], c["lr"]) == (d["steps"], d["momentum"], d["lr"])
    check(shown)
    assert shown["result"]["runs"]["SGD"]["n"] == 1000
    assert len(shown["result"]["runs"]["SGD"]["steps"]) <= 400  # thinned for the drawing
    page.get_by_role("button", name="Reset").click()
    back = page.evaluate(READ)
    assert back["controls"] == start["controls"]
    assert_same_tree(back["result"], start["result"])
    assert page.bpkit.errors == []


def test_the_keyboard_moves_a_learning_rate_and_ticks_an_optimizer(open_page):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    before = page.evaluate(READ)
    page.focus('.bpw-optimizers input[name="lr-Adam"]')
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    after = page.evaluate(READ)
    position = math.log10(before["controls"]["lr"]["Adam"])
    assert after["controls"]["lr"]["Adam"] == pytest.approx(10 ** (round(position / 0.05) * 0.05
                                                                     + 0.1), rel=1e-9)
    assert after["rows"]["Adam"]["loss"] != before["rows"]["Adam"]["loss"]
    assert after["labels"][0] != before["labels"][0]  # the text alternative follows
    check(after)
    page.focus('.bpw-optimizers input[name="use-SGD"]')
    page.keyboard.press("Space")
    unticked = page.evaluate(READ)
    assert "SGD" not in unticked["controls"]["selected"] and "SGD" not in unticked["rows"]
    check(unticked)
    page.focus('.bpw-optimizers input[name="steps"]')
    page.keyboard.press("End")
    longest = page.evaluate(READ)
    assert longest["controls"]["steps"] == RANGES["steps"][1]
    check(longest)
    assert page.bpkit.errors == []


# ------------------------------------------------------------------ layout and reading

@pytest.mark.parametrize("surface", ["quadratic", "rosenbrock"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, surface):
    page = open_page(CH5, viewport=viewport)
    page.wait_for_selector(".bpw-optimizers")
    page.select_option(".bpw-optimizers select", surface)
    set_slider(page, ROOT, "lr-SGD", 0.5)  # SGD diverges: the longest table cell
    layout = checks.check_layout(page, viewport, ROOT)
    assert len(layout["controls"]) >= 40  # labels, sliders, readouts, checkboxes, the menu, Reset
    name = f"ch05-{surface}-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(".bpkit-widget").first, name, layout, viewport)


def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    checks.check_axe(page, CH5)


def test_every_control_has_an_accessible_name(open_page):
    names = dict(checks.accessible_names(open_page(CH5), ROOT))
    assert names["surface"] == "surface" and names["lr-Adam"] == "learning rate of Adam"
    assert names["use-Nesterov"] == "Nesterov" and names["rho"] == "RMSProp rho"
    assert all(names.values()) and len(names) == 1 + 1 + 1 + 2 * len(OPTIMIZERS) + 4


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    checks.set_theme(page, theme)
    checks.check_contrast(page, ROOT, f"{CH5} {theme}", more_than=40)
    checks.save_screenshot(page.locator(".bpkit-widget").first, f"ch05-{theme}.png")


def test_redraws_on_both_surfaces_print_their_time(open_page):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    positions = [round(-2.0 + 0.01 * k, 2) for k in range(50)]  # log10 of Adam's eta
    medians = {}
    for surface in ("quadratic", "rosenbrock"):
        page.select_option(".bpw-optimizers select", surface)
        times = checks.redraw_times(page, ROOT, "lr-Adam", positions)
        medians[surface] = statistics.median(times)
        steps = DEFAULTS[surface]["steps"]
        print(f"{surface} ({steps} steps, 5 optimizers): redraw median {medians[surface]:.1f} ms"
              f", max {max(times):.1f} ms over {len(times)} changes of Adam's learning rate")
    check(page.evaluate(READ))


def test_the_website_fallback_holds_the_notebook_state():
    """Before the script runs, the page holds the explorer's state as the notebook saved it."""
    html = (SITE / CH5).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="optimizers"') == 1
    assert '"controls":{"surface":"quadratic"' in html
    assert "embed-amd.js" not in html and "require.js" not in html
    assert Path(SITE / "_static" / "bpkit-widgets" / "optimizers.js").exists()
