"""Figures and exercise solutions on the website, as a reader meets them.

- Every figure of a chapter has alt text that says what it shows (not the image's file name),
  and its smallest text (13 pt at 100 dpi, 18 px at natural size: ``bpkit.plot.BOOK_STYLE``)
  is shown at 9 px or more, at desktop and at phone width.
- Every solution is hidden, with its output, behind one click: the page's visible text holds
  no line of any solution (other than lines the page shows elsewhere on purpose); one click on its toggle shows the solution's code.
"""

from __future__ import annotations

import nbformat
import pytest

from bpkit.plot import BOOK_STYLE

from .conftest import DESKTOP, PHONE, ROOT

CHAPTERS = sorted((ROOT / "book").glob("ch*.ipynb"))
SMALLEST_PX = min(v for k, v in BOOK_STYLE.items() if "size" in k) / 72 * BOOK_STYLE["figure.dpi"]

FIGURES_JS = """() => [...document.querySelectorAll('.cell_output img')].map(img => ({
    alt: img.getAttribute('alt') || '', src: img.getAttribute('src'),
    shown: img.getBoundingClientRect().width, natural: img.naturalWidth}))"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_figures_have_alt_text_and_legible_text(open_page, nb, viewport):
    page = open_page(f"book/{nb.stem}.html", viewport=viewport)
    page.wait_for_load_state("load")
    figures = page.evaluate(FIGURES_JS)
    stored = sum("image/png" in o.get("data", {})
                 for c in nbformat.read(nb, as_version=4).cells for o in c.get("outputs", []))
    assert len(figures) == stored
    for fig in figures:
        name = fig["src"].rsplit("/", 1)[-1]
        assert len(fig["alt"].split()) >= 12 and name not in fig["alt"], fig
        assert fig["natural"] > 0, f"{name} did not load"
        text_px = SMALLEST_PX * fig["shown"] / fig["natural"]
        assert text_px >= 9, (f"{nb.stem} {name}: text shown at {text_px:.1f} px "
                              f"({fig['shown']:.0f} of {fig['natural']} px wide)")


@pytest.mark.parametrize("nb", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_are_hidden_behind_one_click(open_page, nb):
    stored = nbformat.read(nb, as_version=4).cells
    solutions = [c.source for c in stored if "solution" in c.metadata.get("tags", [])]
    # A line that the page shows on purpose elsewhere (a statement, printed library source,
    # another cell's code or output) gives nothing away; every other line must stay hidden.
    shown = "\n".join(
        [c.source for c in stored if "solution" not in c.metadata.get("tags", [])]
        + [o.get("text", "") + o.get("data", {}).get("text/plain", "")
           for c in stored if "solution" not in c.metadata.get("tags", [])
           for o in c.get("outputs", [])])
    page = open_page(f"book/{nb.stem}.html")
    page.wait_for_load_state("load")
    cells = page.locator(".cell.tag_solution")
    assert cells.count() == len(solutions) > 0
    visible = page.inner_text("main")
    for source in solutions:
        lines = [line.strip() for line in source.splitlines()
                 if len(line.strip()) >= 16 and line.strip() not in shown]
        assert lines and not any(line in visible for line in lines), lines
    for i in range(cells.count()):
        cell = cells.nth(i)
        assert cell.locator(".cell_output").count() == 0  # a solution prints nothing
        code = cell.locator(".cell_input")
        assert not code.is_visible()
        cell.locator("summary").first.click()
        assert code.is_visible()
