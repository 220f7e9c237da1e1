"""Every figure stored in the chapters: alt text that says what it shows, and legible text.

Legibility: each chapter applies ``bpkit.plot.BOOK_STYLE`` (all text at least 13 pt, 18 px at
100 dpi) and sets no smaller font anywhere, and each stored image is at most
``MAX_FIGURE_WIDTH`` inches (700 px) wide, give or take what a tight bounding box adds. Shown
700 px wide, the smallest text is then 18 px; in a 360 px phone column, above 9 px.
"""

from __future__ import annotations

import base64
import io
import pathlib
import re

import nbformat
import pytest
from PIL import Image

from bpkit.plot import BOOK_STYLE, MAX_FIGURE_WIDTH

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
MIN_PT = 13
SLACK_PX = 15  # a tight bounding box may reach past the figure by a label's overhang; a
# 715 px figure shown in a 358 px phone column keeps 18 px text at 9 px
SMALL_FONT = re.compile(
    r"\b(?:fontsize|labelsize|titlesize)\s*=\s*(?:([0-9.]+)|[\"'](?:x+-)?small)"
)


def figures(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                yield i, cell, base64.b64decode(out["data"]["image/png"])


def test_the_style_is_legible():
    sizes = {k: v for k, v in BOOK_STYLE.items() if "size" in k}
    assert sizes and min(sizes.values()) >= MIN_PT
    assert BOOK_STYLE["savefig.dpi"] == BOOK_STYLE["figure.dpi"] == 100


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_have_alt_text(path):
    for i, cell, _ in figures(path):
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt.split()) >= 12, f"{path.name} cell {i}: alt text {alt!r} is too short"
        assert not re.search(r"\.(png|svg|jpg)\b|/", alt), f"{path.name} cell {i}: {alt!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_are_legible_at_the_page_width(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    found = list(figures(path))
    if not found:
        return
    assert "use_book_style()" in code, f"{path.name} draws figures without the book's style"
    for m in SMALL_FONT.finditer(code):
        assert m.group(1) is not None and float(m.group(1)) >= MIN_PT, (
            f"{path.name}: {m.group(0)!r} sets text below {MIN_PT} pt")
    for i, _, png in found:
        width, _ = Image.open(io.BytesIO(png)).size
        assert width <= MAX_FIGURE_WIDTH * 100 + SLACK_PX, (
            f"{path.name} cell {i}: the figure is {width} px wide; shown 700 px wide its "
            f"{MIN_PT} pt text would shrink to {MIN_PT / 72 * 100 * 700 / width:.1f} px")
