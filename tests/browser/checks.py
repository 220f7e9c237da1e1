"""Checks the widget tests share: moving a slider, reading a shown number, the layout, axe-core,
the accessible names, the contrast of every text, and the screenshots.

Each takes the widget's root selector (``.bpw`` for every widget of a page, ``.bpw-depth`` for
one kind) and, where widgets differ, what to look at besides; every widget gets every check
any of them needs, so a check made stricter for one widget holds for all.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from .conftest import SITE

SHOTS = SITE.parent / "screenshots"  # beside the site tested (_build/screenshots by default)

# Set a slider as a reader's drag does: its value, then an 'input' event.
SET_SLIDER = """([root, name, value]) => {
  const input = document.querySelector(`${root} input[name="${name}"]`);
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return Number(input.value);
}"""


def set_slider(page, root, name, value):
    """Move the slider ``name`` of the widget ``root`` to ``value``; its value afterwards."""
    return page.evaluate(SET_SLIDER, [root, name, value])


def wait_for_mathjax(page):
    """Wait until MathJax has typeset every equation of the page."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    assert page.locator("mjx-container").count() > 0


def shown_value(text: str) -> float:
    """The number a text shows: a minus sign as '-', a '+' dropped, a percentage as a fraction."""
    text = text.replace("\u2212", "-").replace("+", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def assert_shown(number, expected, where, digits=4):
    """``number`` ({"shown": text, "exact": data-exact}) shows ``expected`` rounded to
    ``digits`` significant digits (a percentage read as a fraction), and keeps it exactly:
    to 1e-12 relative with a 1e-16 floor."""
    shown = shown_value(number["shown"])
    assert abs(shown - expected) <= 0.5 * 10 ** (1 - digits) * abs(expected) * 1.0001, (
        where, number, expected)
    assert abs(number["exact"] - expected) <= 1e-12 * abs(expected) + 1e-16, (
        where, number, expected)


# Milliseconds from each change of a slider of the widget `root` (its value, an 'input'
# event) to the page laid out again with the redrawn drawing.
REDRAW = """([root, name, values]) => {
  const input = document.querySelector(`${root} input[name="${name}"]`);
  return values.map((v) => {
    const t0 = performance.now();
    input.value = String(v);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    document.body.getBoundingClientRect();  // a forced layout
    void document.querySelector(`${root} svg`).getBBox();
    return performance.now() - t0;
  });
}"""


def redraw_times(page, root, name, values):
    """Milliseconds from setting the slider ``name`` to each of ``values`` to the page
    redrawn and laid out, one change after the other."""
    return page.evaluate(REDRAW, [root, name, values])


def save_screenshot(locator, name):
    """A screenshot of ``locator`` (the widget) as ``SHOTS/name``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SHOTS / name))


# ------------------------------------------------------------------ layout and reading

# Where everything of the widgets `root` is on the page: the controls (and `o.controls`),
# the table cells and paragraphs, and each drawing (`o.drawings`) with its label boxes and
# nodes and its texts.
LAYOUT = """([root, o]) => {
  const rect = (el) => { const r = el.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; };
  const all = (selector) => document.querySelectorAll(`${root} :is(${selector})`);
  const out = {controls: [], cells: [], drawings: [], texts: []};
  for (const el of all('input, select, button, label, output' + (o.controls ? ', ' + o.controls : '')))
    out.controls.push({what: el.tagName + ' ' + (el.name || el.textContent).slice(0, 20), ...rect(el)});
  for (const el of all('th, td, caption, p, legend'))
    if (!el.closest('tr[hidden]') && el.textContent.trim()) out.cells.push({what: el.textContent.slice(0, 30), ...rect(el)});
  for (const svg of all(o.drawings)) {
    const boxes = [];
    for (const el of svg.querySelectorAll('.bpw-label-box, .bpw-node')) {
      const g = el.closest('g');
      const what = el.dataset.unit || (g && (g.dataset.param || g.dataset.edge || g.dataset.node));
      boxes.push({what: what || el.tagName, ...rect(el)});
    }
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
    """Whether two rectangles share more than ``tol`` px in both directions."""
    return (min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > tol
            and min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > tol)


def apart(items, what="what", tol=0.5):
    """No two of ``items`` overlap."""
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            assert not overlap(a, b, tol), (a[what], b[what]) if what else (a, b)


def check_layout(page, viewport, root, *, controls="", drawings="svg", texts_apart=True,
                 texts_off_boxes=True, max_drawing_width=None):
    """Nothing of the widgets ``root`` is cut off or overlaps, and every text is legible.

    The page does not scroll sideways; every control (``input, select, button, label,
    output`` and ``controls``), table cell and paragraph lies inside the viewport; no two
    inputs overlap, nor two labels or readouts. In each drawing (``drawings``, a selector):
    the drawing inside the viewport, no label box or node on another; with ``texts_apart``
    no text on another, and with ``texts_off_boxes`` (where boxes are nodes, not the boxes
    texts are written in) no text on a box; its viewBox at most ``max_drawing_width`` wide if
    given. Every text at least 11 px and inside its drawing. Returns the layout read."""
    layout = page.evaluate(LAYOUT, [root, {"controls": controls, "drawings": drawings}])
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    width = viewport["width"]
    for c in layout["controls"] + layout["cells"]:
        assert c["w"] > 0 and c["h"] > 0, c
        assert 0 <= c["x"] and c["x"] + c["w"] <= width + 0.5, c  # nothing cut off
    for kinds in (("INPUT", "SELECT", "BUTTON"), ("LABEL", "OUTPUT")):
        apart([c for c in layout["controls"] if c["what"].startswith(kinds)], what=None)
    for drawing in layout["drawings"]:
        box = drawing["box"]
        assert 0 <= box["x"] and box["x"] + box["w"] <= width + 0.5, box
        if max_drawing_width is not None:
            assert drawing["width"] <= max_drawing_width
        boxes, texts = drawing["boxes"], drawing["texts"]
        apart(boxes)
        if texts_apart:  # tick labels, axis labels, titles: none on another
            apart(texts, what="text", tol=1.0)
        if texts_off_boxes:
            for a in texts:
                for b in boxes:
                    assert not overlap(a, b, tol=1.0), (a["text"], b["what"])
    for t in layout["texts"]:
        assert t["px"] >= 11.0, t
        s = t["svg"]
        assert s["x"] - 1 <= t["x"] and t["x"] + t["w"] <= s["x"] + s["w"] + 1, t
    return layout


def report_layout(locator, name, layout, viewport):
    """Save the widget's screenshot as ``name`` and print what the layout check saw."""
    save_screenshot(locator, name)
    smallest = min(t["px"] for t in layout["texts"])
    print(f"{name}: {len(layout['controls'])} controls inside {viewport['width']} px, "
          f"smallest text {smallest:.1f} px")


# ---------------------------------------------------------------- accessibility

def check_axe(page, what, mathjax=True):
    """axe-core finds no critical or serious violation on the page (with ``mathjax``: as the
    reader meets it, the equations typeset); the counts by impact are printed."""
    if mathjax:
        wait_for_mathjax(page)
    results = Axe().run(page)
    violations = results.response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
           if v["impact"] in ("critical", "serious")]
    counts = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + 1
    print(f"{what}: axe-core violations by impact {counts} ({[v['id'] for v in violations]})")
    assert bad == []


# [key, accessible name] of every control of the widgets `root` (and of `extra`): the key is
# the control's name, else its text, else its tag.
NAMES = """([root, extra]) => Array.from(document.querySelectorAll(`${root} :is(input, select, button${extra ? ', ' + extra : ''})`)).map((el) => {
  const label = el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent;
  return [el.name || el.textContent.trim() || el.tagName, (label || '').trim()];
})"""


def accessible_names(page, root, extra=""):
    """[key, accessible name] of every input, select and button of ``root`` (and ``extra``)."""
    return page.evaluate(NAMES, [root, extra])


# The contrast of every text of the widgets `root` with what is behind it: the shape of its
# labelled group (a label box, a node) for a text drawn on one, else the page's background.
CONTRAST = """(root) => {
  const parse = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let bg = null;
  for (let el = document.querySelector(root); el; el = el.parentElement) {
    const c = getComputedStyle(el).backgroundColor;
    if (c && !c.endsWith(', 0)') && c !== 'transparent') { bg = parse(c); break; }
  }
  bg = bg || [255, 255, 255];
  const out = [];
  for (const t of document.querySelectorAll(`${root} svg text`)) {
    if (!t.textContent.trim()) continue;
    const g = t.closest('g[data-param], g[data-edge], g[data-node]');
    const shape = g && g.querySelector('rect, circle');
    const behind = shape ? parse(getComputedStyle(shape).fill) : bg;
    out.push([t.textContent, ratio(parse(getComputedStyle(t).fill), behind)]);
  }
  for (const t of document.querySelectorAll(`${root} :is(td, th, caption, label, output, p, legend, button, select, option, span)`))
    if (t.textContent.trim()) out.push([t.textContent.slice(0, 30), ratio(parse(getComputedStyle(t).color), bg)]);
  return out;
}"""


def set_theme(page, theme):
    """Switch the site to its ``light`` or ``dark`` theme."""
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}';"
                  f"document.documentElement.dataset.mode = '{theme}'")


def check_contrast(page, root, what, more_than):
    """Every text of ``root`` (more than ``more_than`` of them) has a contrast of 4.5 or more
    with what is behind it. Returns the [text, contrast] pairs."""
    pairs = page.evaluate(CONTRAST, root)
    assert len(pairs) > more_than
    worst = min(pairs, key=lambda p: p[1])
    print(f"{what}: lowest text contrast {worst[1]:.2f} ({worst[0]!r})")
    assert worst[1] >= 4.5, worst
    return pairs
