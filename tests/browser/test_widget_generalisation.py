"""The overfitting explorer (Chapter 7) on the website: every number it shows is bpkit's.

The page carries the 16 runs bpkit trained when the chapter was executed; they are compared
with runs trained here by bpkit (``precompute``), and every setting of the four menus, chosen
with the mouse's menus and with the keyboard, must show ``generalisation_state``'s numbers
(rounded as shown, and exactly in ``data-exact``). Layout at phone and desktop width,
axe-core, accessible names and contrast in both themes, as for the other widgets.
"""

from __future__ import annotations

import itertools

import pytest

from bpkit.widgets.generalisation import (
    DECAYS,
    DROPOUTS,
    KEYS,
    SIZES,
    WIDTHS,
    generalisation_state,
    precompute,
)

from . import checks
from .checks import assert_shown
from .conftest import DESKTOP, PHONE, SITE

CH7 = "book/ch07_generalisation.html"
ROOT = ".bpw-generalisation"
NUMBERS = ("train_loss", "val_loss", "gap", "train_acc", "val_acc")

READ = """() => {
  const w = document.querySelector('.bpw-generalisation');
  const m = w.closest('.bpkit-widget').bpkitModel;
  const out = {numbers: {}, menus: {}};
  for (const span of w.querySelectorAll('.bpw-status .bpw-num'))
    out.numbers[span.dataset.key] = {shown: span.textContent.replace('\\u2212', '-'), exact: Number(span.dataset.exact)};
  for (const s of w.querySelectorAll('select')) out.menus[s.name] = Number(s.value);
  out.lines = Array.from(w.querySelectorAll('polyline')).map((p) => p.getAttribute('points').split(' ').length);
  out.label = w.querySelector('svg').getAttribute('aria-label');
  out.controls = m.state.controls;
  out.runs = m.state.runs;
  return out;
}"""


@pytest.fixture(scope="module")
def runs():
    return precompute()


def check_shown(shown, runs):
    expected = generalisation_state(runs, shown["controls"])
    assert shown["menus"] == shown["controls"]
    for key in NUMBERS:
        assert_shown(shown["numbers"][key], expected[key], key)
    assert shown["lines"] == [len(expected["epochs"])] * 2
    assert f"{shown['controls']['n_train']} training digits" in shown["label"]
    return expected


def test_the_page_holds_bpkits_runs_and_opens_on_the_notebooks_setting(open_page, runs):
    page = open_page(CH7)
    page.wait_for_selector(ROOT)
    shown = page.evaluate(READ)
    assert shown["controls"] == {"n_train": 100, "width": 128, "weight_decay": 0, "dropout": 0}
    assert sorted(shown["runs"]) == sorted(runs)
    for key, run in runs.items():  # trained here and when the chapter ran: the same numbers
        for name, values in run.items():
            assert shown["runs"][key][name] == pytest.approx(values, rel=1e-9, abs=1e-12)
    check_shown(shown, shown["runs"])
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("how", ["file", "http"])
def test_every_setting_shows_bpkits_numbers(open_page, how):
    page = open_page(CH7, how)
    page.wait_for_selector(ROOT)
    stored = page.evaluate(READ)["runs"]
    for values in itertools.product(SIZES, WIDTHS, DECAYS, DROPOUTS):
        for name, v in zip(KEYS, values, strict=True):
            page.select_option(f"{ROOT} select[name={name}]", format(v, "g"))
        shown = page.evaluate(READ)
        assert shown["controls"] == dict(zip(KEYS, values, strict=True))
        check_shown(shown, stored)
    page.get_by_role("button", name="Reset to the starting settings").click()
    assert page.evaluate(READ)["controls"]["n_train"] == 100
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


def test_the_keyboard_changes_a_setting(open_page):
    page = open_page(CH7)
    page.wait_for_selector(ROOT)
    page.focus(f"{ROOT} select[name=n_train]")
    page.keyboard.press("ArrowDown")
    shown = page.evaluate(READ)
    assert shown["controls"]["n_train"] == 300
    check_shown(shown, shown["runs"])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_nothing_is_cut_off_or_overlaps_and_text_is_legible(open_page, viewport):
    page = open_page(CH7, viewport=viewport)
    page.wait_for_selector(ROOT)
    layout = checks.check_layout(page, viewport, ROOT, max_drawing_width=400)
    assert len(layout["controls"]) >= 9  # 4 labels, 4 menus, a button
    name = f"ch07-generalisation-{'phone' if viewport == PHONE else 'desktop'}.png"
    checks.report_layout(page.locator(".bpkit-widget").first, name, layout, viewport)
    assert page.bpkit.errors == []


def test_axe_finds_no_critical_or_serious_violation(open_page):
    page = open_page(CH7)
    page.wait_for_selector(ROOT)
    checks.check_axe(page, CH7)


def test_every_control_has_an_accessible_name(open_page):
    names = dict(checks.accessible_names(open_page(CH7), ROOT))
    assert names["n_train"] == "training digits" and names["dropout"] == "dropout rate r"
    assert all(names.values()) and len(names) == 5


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_in_both_themes(open_page, theme):
    page = open_page(CH7)
    page.wait_for_selector(ROOT)
    checks.set_theme(page, theme)
    checks.check_contrast(page, ROOT, f"{CH7} {theme}", more_than=15)
    checks.save_screenshot(page.locator(".bpkit-widget").first, f"ch07-generalisation-{theme}.png")


def test_the_website_fallback_holds_the_notebook_state():
    html = (SITE / CH7).read_text(encoding="utf-8")
    assert html.count('class="bpkit-widget" data-widget="generalisation"') == 1
    assert '"controls":{"n_train":100,"width":128,"weight_decay":0.0,"dropout":0.0}' in html
    assert (SITE / "_static" / "bpkit-widgets" / "generalisation.js").exists()
