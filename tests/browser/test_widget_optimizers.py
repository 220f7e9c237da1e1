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
from axe_playwright_python.sync_playwright import Axe

from bpkit.widgets.optimizers import DEFAULTS, OPTIMIZERS, RANGES, SURFACES, explorer_result

from .conftest import DESKTOP, PHONE, SITE

CH5 = "book/ch05_optimizers.html"
SETTINGS = 8
SHOTS = SITE.parent / "screenshots"  # beside the site tested (_build/screenshots by default)

# Set a slider as a reader's drag does: its value, then an 'input' event.
SET_SLIDER = """([name, value]) => {
  const input = document.querySelector(`.bpw-optimizers input[name="${name}"]`);
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return Number(input.value);
}"""

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
    shown = float(number["shown"])
    assert abs(shown - expected) <= 0.5 * 10 ** (1 - digits) * abs(expected) * 1.0001, (
        where, number, expected)
    assert same(number["exact"], expected), (where, number, expected)


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
        page.evaluate(SET_SLIDER, [f"lr-{name}", round(min(max(position, lo), hi), 2)])
    for key in ("momentum", "beta1", "beta2", "rho"):
        page.evaluate(SET_SLIDER, [key, float(rng.uniform(*RANGES[key]))])
    steps_hi = 3000 if surface == "rosenbrock" else 400
    page.evaluate(SET_SLIDER, ["steps", int(rng.integers(1, steps_hi + 1))])


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
    page.evaluate(SET_SLIDER, ["momentum", 0.5])
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

LAYOUT = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; };
  const w = document.querySelector('.bpw-optimizers');
  const out = {controls: [], drawings: [], texts: [], cells: []};
  for (const el of w.querySelectorAll('input, select, button, label, output'))
    out.controls.push({what: el.tagName + ' ' + (el.name || el.textContent).slice(0, 20), ...rect(el)});
  for (const el of w.querySelectorAll('th, td, caption, p, legend'))
    if (!el.closest('tr[hidden]') && el.textContent.trim()) out.cells.push({what: el.textContent.slice(0, 30), ...rect(el)});
  for (const svg of w.querySelectorAll('svg[role=img]')) {
    out.drawings.push({box: rect(svg)});
    const scale = svg.getScreenCTM().a;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      out.texts.push({text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
        svg: rect(svg), ...rect(t)});
    }
  }
  out.width = document.documentElement.clientWidth;
  out.scrollWidth = document.documentElement.scrollWidth;
  return out;
}"""


def overlap(a, b, tol=0.5):
    return (min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > tol
            and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > tol)


@pytest.mark.parametrize("surface", ["quadratic", "rosenbrock"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, surface):
    page = open_page(CH5, viewport=viewport)
    page.wait_for_selector(".bpw-optimizers")
    page.select_option(".bpw-optimizers select", surface)
    page.evaluate(SET_SLIDER, ["lr-SGD", 0.5])  # SGD diverges: the longest table cell
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    width = viewport["width"]
    controls = layout["controls"]
    assert len(controls) >= 40  # labels, sliders, readouts, checkboxes, the menu, Reset
    for c in controls + layout["cells"]:
        assert c["w"] > 0 and c["h"] > 0, c
        assert 0 <= c["x"] and c["x"] + c["w"] <= width + 0.5, c  # nothing cut off
    inputs = [c for c in controls if c["what"].startswith(("INPUT", "SELECT", "BUTTON"))]
    labels = [c for c in controls if c["what"].startswith(("LABEL", "OUTPUT"))]
    for group in (inputs, labels):
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                assert not overlap(a, b), (a, b)
    for drawing in layout["drawings"]:
        box = drawing["box"]
        assert 0 <= box["x"] and box["x"] + box["w"] <= width + 0.5, box
    for t in layout["texts"]:
        assert t["px"] >= 11.0, t
        s = t["svg"]
        assert s["x"] - 1 <= t["x"] and t["x"] + t["w"] <= s["x"] + s["w"] + 1, t
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"ch05-{surface}-{'phone' if viewport == PHONE else 'desktop'}.png"
    page.locator(".bpkit-widget").first.screenshot(path=str(SHOTS / name))
    smallest = min(t["px"] for t in layout["texts"])
    print(f"{name}: {len(controls)} controls inside {width} px, smallest text {smallest:.1f} px")


def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    results = Axe().run(page)
    violations = results.response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
           if v["impact"] in ("critical", "serious")]
    counts = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + 1
    print(f"{CH5}: axe-core violations by impact {counts}")
    assert bad == []


NAMES = """() => Array.from(document.querySelectorAll('.bpw-optimizers input, .bpw-optimizers select, .bpw-optimizers button')).map((el) => {
  const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent;
  return [el.name || el.tagName, (label || '').trim()];
})"""


def test_every_control_has_an_accessible_name(open_page):
    names = dict(open_page(CH5).evaluate(NAMES))
    assert names["surface"] == "surface" and names["lr-Adam"] == "learning rate of Adam"
    assert names["use-Nesterov"] == "Nesterov" and names["rho"] == "RMSProp rho"
    assert all(names.values()) and len(names) == 1 + 1 + 1 + 2 * len(OPTIMIZERS) + 4


CONTRAST = """() => {
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let bg = null;
  for (let el = document.querySelector('.bpw-optimizers'); el; el = el.parentElement) {
    const c = getComputedStyle(el).backgroundColor;
    if (c && !c.endsWith(', 0)') && c !== 'transparent') { bg = parse(c); break; }
  }
  bg = bg || [255, 255, 255];
  const out = [];
  for (const t of document.querySelectorAll('.bpw-optimizers svg text'))
    if (t.textContent.trim()) out.push([t.textContent, ratio(parse(getComputedStyle(t).fill), bg)]);
  for (const t of document.querySelectorAll('.bpw-optimizers :is(td, th, caption, label, output, p, legend, button, select)'))
    if (t.textContent.trim()) out.push([t.textContent.slice(0, 30), ratio(parse(getComputedStyle(t).color), bg)]);
  return out;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}';"
                  f"document.documentElement.dataset.mode = '{theme}'")
    pairs = page.evaluate(CONTRAST)
    assert len(pairs) > 40
    worst = min(pairs, key=lambda p: p[1])
    print(f"{CH5} {theme}: lowest text contrast {worst[1]:.2f} ({worst[0]!r})")
    assert worst[1] >= 4.5, worst
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".bpkit-widget").first.screenshot(path=str(SHOTS / f"ch05-{theme}.png"))


# Time from a slider's 'input' event to the page laid out again, for 50 positions.
TIME_REDRAWS = """([name, positions]) => {
  const input = document.querySelector(`.bpw-optimizers input[name="${name}"]`);
  const times = [];
  for (const v of positions) {
    const t0 = performance.now();
    input.value = String(v);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    document.body.getBoundingClientRect();
    void document.body.offsetHeight;  // a forced layout
    times.push(performance.now() - t0);
  }
  return times;
}"""


def test_a_redraw_takes_under_a_frame_on_the_quadratic(open_page):
    page = open_page(CH5)
    page.wait_for_selector(".bpw-optimizers")
    positions = [round(-2.0 + 0.01 * k, 2) for k in range(50)]  # log10 of Adam's eta
    medians = {}
    for surface in ("quadratic", "rosenbrock"):
        page.select_option(".bpw-optimizers select", surface)
        times = page.evaluate(TIME_REDRAWS, ["lr-Adam", positions])
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
