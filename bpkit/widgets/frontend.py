"""One front-end for every widget of the book, in a notebook and on the website.

A widget is a JavaScript module in ``bpkit/widgets/js/`` (anywidget's format: ``export default
{ render, compute, actions }``) that draws with SVG and HTML controls, and a Python class,
a :class:`BookWidget`, that holds the widget's state in three synced traits:

``controls``
    what the reader sets (sliders, menus); the front-end writes it.
``result``
    what bpkit computes from ``controls``; the Python side writes it.
``initial``
    the controls to return to on Reset.

In a notebook (JupyterLab, Notebook 7, Colab, VS Code) anywidget runs the module in the page,
the module writes ``controls``, bpkit computes ``result`` in the kernel, the module redraws.
Buttons send a message (``{"event": "step"}``) that runs the method of the same name.

On the website there is no kernel. Every widget's output also carries an HTML fallback, a
``<div class="bpkit-widget">`` holding the traits as JSON, which the website shows; the
site's script ``page.js`` mounts the same module on it with a model that lives in the page,
and the module's ``compute`` and ``actions``, written with ``port.js`` (the JavaScript port of
the bpkit functions the widget needs), stand in for the kernel. ``tests/test_widget_port.py``
checks that they give bpkit's numbers; :mod:`bpkit.widgets.sphinx` is the website's half.
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources

import anywidget
import traitlets

__all__ = ["BookWidget", "module_source", "page_script", "JS_FILES", "WIDGETS"]

#: The modules every widget is built from, in order: the bpkit port, the drawing helpers.
JS_FILES = ("port.js", "ui.js")
#: The widgets written in this design (each has ``js/<name>.js``).
WIDGETS = ("chain", "explorer", "optimizers", "trainer", "depth", "generalisation", "stepper",
           "conv", "through_time")


def _read(name: str) -> str:
    return resources.files("bpkit.widgets").joinpath("js", name).read_text(encoding="utf-8")


def module_source(widget: str) -> str:
    """The ES module of ``widget``: ``port.js``, ``ui.js`` and ``<widget>.js``, in one file.

    anywidget loads a module from a string, without files beside it, so the shared pieces
    are put in front of the widget's own code rather than imported.
    """
    if widget not in WIDGETS:
        raise ValueError(f"module_source: unknown widget {widget!r}; expected one of {WIDGETS}")
    parts = [f"// ---- {name}\n{_read(name)}" for name in (*JS_FILES, f"{widget}.js")]
    return "\n".join(parts)


def page_script(widget: str) -> str:
    """The same module as a classic script that registers it as ``window.bpkitWidgets[widget]``.

    The website uses classic scripts because browsers refuse ES modules on pages opened from
    ``file://``. The only change is the module's last line, ``export default {...}``.
    """
    source = module_source(widget)
    marker = "\nexport default "
    if source.count(marker) != 1:
        raise ValueError(f"page_script: {widget}.js must end with one 'export default'")
    source = source.replace(marker, f"\nwindow.bpkitWidgets[{json.dumps(widget)}] = ")
    return ("// Generated from bpkit/widgets/js by bpkit.widgets.frontend.page_script.\n"
            "window.bpkitWidgets = window.bpkitWidgets || {};\n"
            f"(function () {{\n{source}\n}})();\n")


def _finite(value):
    """JSON has no NaN or infinity: send them as null (the front-end shows 'not finite')."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class BookWidget(anywidget.AnyWidget):
    """Base class of the book's widgets: synced ``controls``, ``initial`` and ``result``.

    Subclasses set ``_widget`` (the name of their module in ``js/``), implement
    :meth:`compute` (``controls`` -> ``result`` with bpkit) and may define actions, methods
    that a button calls by sending ``{"event": name}``.
    """

    _widget = ""
    _actions: tuple[str, ...] = ("reset",)
    controls = traitlets.Dict().tag(sync=True)
    initial = traitlets.Dict().tag(sync=True)
    result = traitlets.Dict().tag(sync=True)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_widget" in cls.__dict__:  # not for the subclasses that add_traits makes
            cls._esm = module_source(cls._widget)

    def __init__(self, controls: dict, **kwargs):
        self._holding = False
        super().__init__(controls=dict(controls), initial=dict(controls), **kwargs)
        self.on_msg(self._on_message)
        self.observe(self._on_controls, names="controls")
        self._recompute(restart=True)

    # What bpkit computes; subclasses override compute and, if they keep more state, _recompute.

    def compute(self, controls: dict) -> dict:
        raise NotImplementedError

    def _recompute(self, restart: bool) -> None:
        self.result = _finite(self.compute(self.controls))

    def _on_controls(self, change) -> None:
        if not self._holding:
            self._recompute(restart=True)

    def _set_controls(self, values: dict, restart: bool = True) -> None:
        """Change several controls and recompute once; the page gets it all in one message."""
        with self.hold_sync():
            self._holding = True
            try:
                self.controls = {**self.controls, **values}
            finally:
                self._holding = False
            self._recompute(restart=restart)

    def _on_message(self, widget, content, buffers) -> None:
        event = content.get("event") if isinstance(content, dict) else None
        if event in self._actions:
            with self.hold_sync():  # every trait the action changes, in one message
                getattr(self, event)()

    def reset(self) -> None:
        """Put every control back where it started."""
        self._set_controls(dict(self.initial))

    # The website's fallback: the state as JSON, and the picture in words.

    #: The synced traits the website's page model starts from.
    _page_traits: tuple[str, ...] = ("controls", "initial", "result")

    def page_state(self) -> dict:
        """The traits of :attr:`_page_traits`, as the page model receives them."""
        return {name: getattr(self, name) for name in self._page_traits}

    def describe(self) -> str:
        """The drawing in words (subclasses say more)."""
        return f"The {self._widget} widget."

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        state = json.dumps(self.page_state(), separators=(",", ":"), allow_nan=False)
        state = state.replace("</", "<\\/")  # no "</script>" inside the script element
        data["text/html"] = (
            f'<div class="bpkit-widget" data-widget="{self._widget}">'
            f'<script type="application/json">{state}</script>'
            f'<p class="bpkit-widget-fallback">{html.escape(self.describe())} '
            "(The interactive version needs JavaScript.)</p></div>")
        return bundle
