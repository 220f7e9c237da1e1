"""Every widget's picture renders on the website, and says in words what it shows.

(The widgets of Chapters 3-5, drawn with matplotlib.) The website draws their saved state with
@jupyter-widgets/html-manager 1.0.6, which cannot draw
an ``ipywidgets.Image`` that has a ``tooltip`` (it shows "Could not create a view" and a
broken image instead). So no picture may carry one; the words go in a visible caption.
"""

import ipywidgets as widgets
import matplotlib
import pytest

matplotlib.use("Agg")

from bpkit.widgets.depth import DepthExplorer  # noqa: E402


def children(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from children(child)


@pytest.mark.parametrize("make", [DepthExplorer])
def test_pictures_have_no_tooltip_and_a_caption_after_them(make):
    shown = make()
    root = next(getattr(shown, a) for a in ("widget", "ui") if hasattr(shown, a))
    tree = list(children(root))
    images = [w for w in tree if isinstance(w, widgets.Image)]
    assert images, "the widget shows a picture"
    for image in images:
        assert image.value[:8] == b"\x89PNG\r\n\x1a\n"
        assert not image.tooltip  # see the module docstring
        after = tree[tree.index(image) + 1:]
        words = [w for w in after if isinstance(w, widgets.HTML) and len(w.value) > 60]
        assert words, "a caption or summary in words follows the picture"
