"""The depth explorer (Chapter 3) is live on the website.

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
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe

from bpkit.widgets.depth import ACTIVATIONS, INITS, depth_check, depth_state

from .conftest import DESKTOP, PHONE, SITE

CH3 = "book/ch03_matrix_form.html"
SETTINGS = 12
SHOTS = SITE.parent / "screenshots"  # beside the site tested (_build/screenshots by default)
MODEL = "document.querySelector('.bpkit-widget').bpkitModel"

SET_SLIDER = """([name, value]) => {
  const input = document.querySelector(`.bpw-depth input[name="${name}"]`);
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return Number(input.value);
}"""

READ = """() => {
  const w = document.querySelector('.bpw-depth');
  const model = w.closest('.bpkit-widget').bpkitModel;
  const num = (el) => el && el.dataset.exact !== undefined
    ? {shown: el.textContent.replace('\\u2212', '-'), exact: Number(el.dataset.exact)} : null;
  const out = {norms: [], layerErrors: []};
  for (const tr of w.querySelectorAll('tr[data-layer]')) {
    const cells = tr.querySelectorAll('td');
    out.norms.push(num(cells[0].querySelector('.bpw-num')));
    out.layerErrors.push(num(cells[1].querySelector('.bpw-num')));
  }
  const role = (r) => num(w.querySelector(`[data-role="${r}"]`));
  out.shrink = role('shrink');
  out.relError = role('rel-error');
  out.relErrorOverall = role('rel-error-overall');
  out.controls = {...model.state.controls};
  out.network = model.state.network;
  out.result = model.state.result;
  out.sliders = Object.fromEntries(Array.from(w.querySelectorAll('input[type=range]')).map((i) =>
    [i.name, {value: Number(i.value), shown: i.parentElement.querySelector('output').textContent,
              valuetext: i.getAttribute('aria-valuetext')}]));
  out.selects = Object.fromEntries(Array.from(w.querySelectorAll('select')).map((s) => [s.name, s.value]));
  out.bars = w.querySelectorAll('svg rect[data-layer]').length;
  out.label = w.querySelector('svg').getAttribute('aria-label');
  out.status = w.querySelector('.bpw-status[role=status]').textContent;
  return out;
}"""


def wait_for_check(page):
    page.wait_for_function(f"{MODEL}.state.result.check !== null", timeout=20000)


def assert_shown(number, expected, where, digits=4):
    """The text is `expected` rounded to `digits` significant digits; the exact value is it."""
    shown = float(number["shown"])
    assert abs(shown - expected) <= 0.5 * 10 ** (1 - digits) * abs(expected) * 1.0001 + 1e-300, (
        where, number, expected)
    assert abs(number["exact"] - expected) <= 1e-12 * abs(expected) + 1e-16, (
        where, number, expected)


def close_check(mine, bpkit):
    """A gradient-check error of the page next to bpkit's on the same weights."""
    if bpkit > 1e-9:
        return 0.5 < mine / bpkit < 2.0
    return mine < 1e-8


def check_depth(shown, with_check=True):
    """Every number shown is bpkit's for the page's controls and network."""
    c = shown["controls"]
    expected = depth_state(c, shown["network"], check=False)
    assert len(shown["norms"]) == c["depth"] + 1 == len(expected["norms"])
    for i, v in enumerate(expected["norms"]):
        assert_shown(shown["norms"][i], v, f"norm {i + 1}")
    assert_shown(shown["shrink"], expected["shrink"], "shrink")
    assert {k: shown["result"][k] for k in c} == c
    assert shown["result"]["n_params"] == expected["n_params"]
    assert f"{expected['n_params']} parameters" in shown["status"]
    assert shown["bars"] == sum(v > 0 for v in expected["norms"])
    for name in ("depth", "width"):
        slider = shown["sliders"][name]
        assert slider["value"] == c[name] and slider["shown"] == slider["valuetext"] == str(c[name])
    assert shown["selects"] == {"activation": c["activation"], "init": c["init"]}
    assert f"depth {c['depth']}, width {c['width']}" in shown["label"]
    if not with_check:
        return expected
    check = shown["result"]["check"]
    bpkit = depth_check(c, shown["network"])
    assert_shown(shown["relError"], check["rel_error"], "rel_error", digits=2)
    assert_shown(shown["relErrorOverall"], check["rel_error_overall"], "overall", digits=2)
    for i, v in enumerate(check["layers"]):
        assert_shown(shown["layerErrors"][i], v, f"check layer {i + 1}", digits=2)
    assert close_check(check["rel_error"], bpkit["rel_error"]), (check, bpkit)
    assert close_check(check["rel_error_overall"], bpkit["rel_error_overall"]), (check, bpkit)
    for mine, theirs in zip(check["layers"], bpkit["layers"], strict=True):
        assert close_check(mine, theirs), (check, bpkit)
    assert check["near_kink"] == bpkit["near_kink"]
    return expected


def test_the_page_opens_on_the_notebooks_numbers(open_page):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    shown = page.evaluate(READ)
    assert shown["controls"] == {"depth": 4, "width": 8, "activation": "sigmoid",
                                 "init": "glorot", "seed": 0}
    check_depth(shown)  # the saved numbers are bpkit's own, from the notebook
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("how", ["file", "http"])
def test_depth_widget_shows_bpkit_numbers_for_random_settings(open_page, how):
    page = open_page(CH3, how)
    page.wait_for_selector(".bpw-depth")
    rng = np.random.default_rng(12)
    for k in range(SETTINGS):
        page.evaluate(SET_SLIDER, ["depth", int(rng.integers(1, 11))])
        page.evaluate(SET_SLIDER, ["width", int(rng.integers(2, 17))])
        page.select_option(".bpw-depth select[name=activation]", str(rng.choice(list(ACTIVATIONS))))
        page.select_option(".bpw-depth select[name=init]", str(rng.choice(INITS)))
        if k % 3 == 2:
            page.get_by_role("button", name="New seed").click()
        wait_for_check(page)
        check_depth(page.evaluate(READ))
    # the largest network: the error sizes at once, the check a moment later
    page.evaluate(SET_SLIDER, ["depth", 10])
    page.evaluate(SET_SLIDER, ["width", 32])
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
    zeros = page.evaluate("() => Array.from(document.querySelectorAll('.bpw-depth svg text'))"
                          ".filter((t) => t.textContent === '0').length")
    assert zeros == sum(v == 0 for v in expected["norms"])
    assert page.bpkit.errors == []


# ------------------------------------------------------------------ layout and reading

LAYOUT = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; };
  const out = {controls: [], drawings: [], texts: []};
  for (const el of document.querySelectorAll('.bpw input, .bpw select, .bpw button, .bpw label, .bpw output'))
    out.controls.push({what: el.tagName + ' ' + (el.name || el.textContent).slice(0, 20), ...rect(el)});
  for (const svg of document.querySelectorAll('.bpw svg')) {
    const boxes = [];
    for (const el of svg.querySelectorAll('.bpw-label-box, .bpw-node'))
      boxes.push({what: el.closest('g').getAttribute('data-node'), ...rect(el)});
    const texts = [];
    const scale = svg.getScreenCTM().a;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const item = {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
        svg: rect(svg), ...rect(t)};
      out.texts.push(item);
      texts.push(item);
    }
    out.drawings.push({box: rect(svg), boxes, texts, width: svg.viewBox.baseVal.width});
  }
  out.width = document.documentElement.clientWidth;
  out.scrollWidth = document.documentElement.scrollWidth;
  return out;
}"""


def overlap(a, b, tol=0.5):
    return (min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > tol
            and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > tol)


@pytest.mark.parametrize("depth", [4, 10])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport, depth):
    page = open_page(CH3, viewport=viewport)
    page.wait_for_selector(".bpw-depth")
    page.evaluate(SET_SLIDER, ["depth", depth])
    wait_for_check(page)
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    width = viewport["width"]
    controls = layout["controls"]
    assert len(controls) >= 12  # 4 labels, 2 sliders, 2 readouts, 2 menus, 2 buttons
    for c in controls:
        assert c["w"] > 0 and c["h"] > 0, c
        assert 0 <= c["x"] and c["x"] + c["w"] <= width + 0.5, c
    inputs = [c for c in controls if c["what"].startswith(("INPUT", "SELECT", "BUTTON"))]
    for i, a in enumerate(inputs):
        for b in inputs[i + 1:]:
            assert not overlap(a, b), (a, b)
    for drawing in layout["drawings"]:
        box = drawing["box"]
        assert drawing["width"] <= 400
        assert 0 <= box["x"] and box["x"] + box["w"] <= width + 0.5, box
        texts = drawing["texts"]
        for i, a in enumerate(texts):  # tick labels, axis labels, title: none on another
            for b in texts[i + 1:]:
                assert not overlap(a, b, tol=1.0), (a["text"], b["text"])
    for t in layout["texts"]:
        assert t["px"] >= 11.0, t
        s = t["svg"]
        assert s["x"] - 1 <= t["x"] and t["x"] + t["w"] <= s["x"] + s["w"] + 1, t
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"ch03-depth{depth}-{'phone' if viewport == PHONE else 'desktop'}.png"
    page.locator(".bpkit-widget").first.screenshot(path=str(SHOTS / name))
    smallest = min(t["px"] for t in layout["texts"])
    print(f"{name}: {len(controls)} controls inside {width} px, smallest text {smallest:.1f} px")
    assert page.bpkit.errors == []


# ---------------------------------------------------------------- accessibility

def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    results = Axe().run(page)
    violations = results.response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
           if v["impact"] in ("critical", "serious")]
    counts = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + 1
    print(f"{CH3}: axe-core violations by impact {counts} "
          f"({[v['id'] for v in violations]})")
    assert bad == []


NAMES = """() => Array.from(document.querySelectorAll('.bpw-depth input, .bpw-depth select, .bpw-depth button')).map((el) => {
  const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent;
  return [el.name || el.textContent, (label || '').trim()];
})"""


def test_every_control_has_an_accessible_name(open_page):
    names = dict(open_page(CH3).evaluate(NAMES))
    assert names["depth"].startswith("depth") and names["width"].startswith("width")
    assert names["activation"] == "activation" and names["init"] == "initial weights"
    assert all(names.values()) and len(names) == 6


CONTRAST = """() => {
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let bg = null;
  for (let el = document.querySelector('.bpw-depth'); el; el = el.parentElement) {
    const c = getComputedStyle(el).backgroundColor;
    if (c && !c.endsWith(', 0)') && c !== 'transparent') { bg = parse(c); break; }
  }
  bg = bg || [255, 255, 255];
  const out = [];
  for (const t of document.querySelectorAll('.bpw-depth svg text'))
    if (t.textContent.trim()) out.push([t.textContent, ratio(parse(getComputedStyle(t).fill), bg)]);
  for (const t of document.querySelectorAll('.bpw-depth td, .bpw-depth th, .bpw-depth caption, .bpw-depth label, .bpw-depth output, .bpw-depth p, .bpw-depth legend, .bpw-depth button, .bpw-depth select'))
    if (t.textContent.trim()) out.push([t.textContent.slice(0, 30), ratio(parse(getComputedStyle(t).color), bg)]);
  return out;
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH3)
    page.wait_for_selector(".bpw-depth")
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}';"
                  f"document.documentElement.dataset.mode = '{theme}'")
    page.select_option(".bpw-depth select[name=activation]", "tanh")  # a dashed outline too
    wait_for_check(page)
    pairs = page.evaluate(CONTRAST)
    assert len(pairs) > 20
    worst = min(pairs, key=lambda p: p[1])
    print(f"{CH3} {theme}: lowest text contrast {worst[1]:.2f} ({worst[0]!r})")
    assert worst[1] >= 4.5, worst
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".bpkit-widget").first.screenshot(path=str(SHOTS / f"ch03-depth-{theme}.png"))


# ------------------------------------------------------------------ speed

REDRAW = """([name, values]) => {
  const input = document.querySelector(`.bpw-depth input[name="${name}"]`);
  const times = [];
  for (const v of values) {
    const t0 = performance.now();
    input.value = String(v);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    document.body.getBoundingClientRect();  // force layout
    void document.querySelector('.bpw-depth svg').getBBox();
    times.push(performance.now() - t0);
  }
  return times;
}"""

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
    median = statistics.median(page.evaluate(REDRAW, ["width", widths]))
    page.evaluate(SET_SLIDER, ["depth", 10])
    largest = statistics.median(page.evaluate(REDRAW, ["width", [31 + (k % 2) for k in range(50)]]))
    wait_for_check(page)
    check_ms = page.evaluate(CHECK_TIME)
    print(f"depth widget redraw, median over 50 width changes: {median:.2f} ms at depth 4, "
          f"{largest:.2f} ms at depth 10 width 31-32; the gradient check that follows at rest: "
          f"{check_ms:.0f} ms for the largest network")
    assert page.bpkit.errors == []


def test_the_website_fallback_holds_the_notebook_state():
    from .conftest import SITE

    html = (SITE / CH3).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="depth"') == 1
    assert '"controls":{"depth":4,"width":8,"activation":"sigmoid","init":"glorot","seed":0}' in html
    assert Path(SITE / "_static" / "bpkit-widgets" / "depth.js").exists()
