"""The website's half of the widget design: a Sphinx extension for the Jupyter Book.

Listed in ``_config.yml`` (``sphinx: extra_extensions: [bpkit.widgets.sphinx]``). A widget's
output in a stored notebook holds the live widget (``application/vnd.jupyter.widget-view+json``,
for JupyterLab) and an HTML fallback with its state (``text/html``, see
:class:`bpkit.widgets.frontend.BookWidget`); ``_config.yml`` tells myst-nb to put the HTML on
the website. This extension then

- writes each widget's module as a classic script (:func:`~bpkit.widgets.frontend.page_script`),
  ``page.js`` (which mounts them) and ``page.css`` into ``_static/bpkit-widgets/``;
- adds to each page the scripts of the widgets it shows, and nothing to the other pages;
- drops the saved ipywidgets state (and any renderer configured for it) from pages that show
  no saved ipywidget: a notebook's metadata keeps the state of every widget its kernel made,
  ours included, and myst-nb would otherwise embed it in the page and load a renderer for it.

Everything it adds is served from the site itself, so the widgets work with no network and
from ``file://``.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from .frontend import WIDGETS, page_script

STATIC = "bpkit-widgets"
_WIDGET_DIV = re.compile(r'<div class="bpkit-widget" data-widget="([a-z_]+)"')
_SAVED_IPYWIDGET = "application/vnd.jupyter.widget-view+json"


def _write_static(app, exception) -> None:
    """Write the scripts into ``_static/bpkit-widgets`` of the built site, after each build.

    Written here rather than listed in ``html_static_path``, which Sphinx does not copy again
    over an older copy, so a rebuild always ships the current modules.
    """
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / "_static" / STATIC
    folder.mkdir(parents=True, exist_ok=True)
    for name in WIDGETS:
        (folder / f"{name}.js").write_text(page_script(name), encoding="utf-8")
    js = resources.files("bpkit.widgets").joinpath("js")
    for name in ("page.js", "page.css"):
        (folder / name).write_text(js.joinpath(name).read_text(encoding="utf-8"),
                                   encoding="utf-8")


def _shown_outputs(app, doctree) -> list[tuple[str, str]]:
    """``(mime type, text)`` of every output the website will show.

    myst-nb keeps every mime type of an output in the doctree and picks one per output later
    (``SelectMimeType``); this makes the same choice, with the same priority list.
    """
    from docutils import nodes
    from myst_nb.core.render import get_mime_priority

    priority = get_mime_priority("html", app.config.nb_mime_priority_overrides)
    shown = []
    for bundle in doctree.findall(nodes.container):
        if bundle.get("nb_element") != "mime_bundle":
            continue
        by_type = {child["mime_type"]: child for child in bundle.children}
        chosen = next((m for m in priority if m in by_type), None)
        if chosen:
            shown.append((chosen, by_type[chosen].astext()))
    return shown


def _collect(app, doctree) -> None:
    """Note the widgets a page shows; drop the ipywidgets renderer where nothing needs it."""
    env = app.env
    outputs = _shown_outputs(app, doctree)
    html = "\n".join(text for mime, text in outputs if mime == "text/html")
    shown = sorted(set(_WIDGET_DIV.findall(html)))
    unknown = set(shown) - set(WIDGETS)
    if unknown:
        raise ValueError(f"{env.docname}: unknown bpkit widget(s) {sorted(unknown)}; "
                         f"expected some of {WIDGETS}")
    if not hasattr(env, "bpkit_widgets"):
        env.bpkit_widgets = {}
    env.bpkit_widgets[env.docname] = shown
    if not any(mime == _SAVED_IPYWIDGET for mime, _ in outputs):
        metadata = getattr(env, "nb_metadata", {}).get(env.docname, {})
        js_files = metadata.get("js_files", {})
        for key in [k for k in js_files if k.startswith("ipywidgets")]:
            del js_files[key]


def _purge(app, env, docname) -> None:
    getattr(env, "bpkit_widgets", {}).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    if not hasattr(env, "bpkit_widgets"):
        env.bpkit_widgets = {}
    env.bpkit_widgets.update({d: other.bpkit_widgets[d] for d in docnames
                              if d in getattr(other, "bpkit_widgets", {})})


def _add_scripts(app, pagename, templatename, context, doctree) -> None:
    shown = getattr(app.env, "bpkit_widgets", {}).get(pagename, [])
    if not shown:
        return
    app.add_css_file(f"{STATIC}/page.css")
    for name in shown:
        app.add_js_file(f"{STATIC}/{name}.js")
    app.add_js_file(f"{STATIC}/page.js")


def setup(app):
    app.connect("build-finished", _write_static)
    app.connect("doctree-read", _collect)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("html-page-context", _add_scripts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
