"""A Sphinx extension of the book's website: readable search results, best match first.

Sphinx's search page (``searchtools.js``) shows, under each result, a snippet of the page's
text. It takes that text from the page's HTML, where every equation is still the TeX that
MathJax will typeset, so snippets read ``\\(z^{l+1}_i = \\sum_j ...\\)``. And it scores every
page with a word of the query in any of its headings alike, so a search for "chain rule"
listed pages alphabetically before the chapter called "The chain rule".

``search_snippets.js`` fixes both, on the search page only: it rewrites each equation of a
fetched page as plain text (``texToText``: Unicode symbols, ``a/b`` for fractions, Unicode
superscripts and subscripts) before Sphinx cuts the snippet, and gives Sphinx's scorer a
bonus for a page whose title contains the whole query, and a smaller one for a section
whose title does. The script is written into ``_static`` after each build (as
``bpkit.widgets.sphinx`` does, so a rebuild always ships the current file) and loaded with
``defer``, after ``searchtools.js``, which the theme loads after the page's own scripts.
``tests/test_search_snippets.py`` runs ``texToText`` and the scorer in V8;
``tests/browser/test_search.py`` searches the built site in Chromium.
"""

from __future__ import annotations

from pathlib import Path

SCRIPT = Path(__file__).with_name("search_snippets.js")
STATIC_NAME = "bpkit-search.js"


def _write_static(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / "_static"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATIC_NAME).write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")


def _add_script(app, pagename, templatename, context, doctree) -> None:
    if pagename == "search":
        app.add_js_file(STATIC_NAME, loading_method="defer")


def setup(app):
    app.connect("build-finished", _write_static)
    app.connect("html-page-context", _add_script)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
