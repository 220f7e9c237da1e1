r"""The network explorer: move any weight of the worked example and watch every gradient.

:class:`NetworkExplorer` shows the 2-2-1 sigmoid network of :mod:`bpkit.worked_example`
with a slider for each of its 9 parameters, the inputs ``x1``, ``x2``, the target ``t`` and
the learning rate ``lr``. On every change it runs bpkit's forward and backward pass and
redraws one matplotlib figure with three panels:

- the network, every edge labelled with its weight and its gradient dL/dw (colour: the
  sign of the gradient, width: its size), every unit with its activation;
- the loss along one chosen parameter (``explorer.weight``), all others fixed, with the
  tangent at the current value: its slope is the gradient;
- the loss after each press of Step (one gradient-descent update
  :math:`\theta \leftarrow \theta - \eta\, \partial L/\partial\theta`).

The figure is rendered to PNG bytes in an ``ipywidgets.Image``, so a saved notebook keeps the
picture and the static website shows it. Everything is usable headless, from code:

>>> ex = NetworkExplorer()
>>> ex.w31.value = 0.8          # a slider, set from code
>>> round(ex.gradients["w31"], 6), round(ex.loss, 6)  # doctest: +SKIP
>>> ex.step(); ex.history       # doctest: +SKIP
>>> ex.reset()

Moving a parameter, an input or the target starts a new loss history; Step extends it.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from .. import worked_example as we
from ..plot import NEGATIVE, PALETTE, POSITIVE
from . import caption

__all__ = ["NetworkExplorer"]

# Unit positions in the drawing; a bias unit "1" feeds each hidden and output unit.
_NODES = {"x1": (0.0, 0.85), "x2": (0.0, 0.15), "1h1": (0.8, 1.3), "1h2": (0.8, -0.3),
          "h1": (1.2, 0.85), "h2": (1.2, 0.15), "1y": (1.95, 1.1), "y": (2.3, 0.5)}
# Each parameter is the edge from a unit to a unit, and where its label sits.
_EDGES = {"w11": ("x1", "h1", (0.74, 0.85)), "w12": ("x2", "h1", (0.42, 0.4)),
          "b1": ("1h1", "h1", (0.48, 1.3)),
          "w21": ("x1", "h2", (0.42, 0.6)), "w22": ("x2", "h2", (0.74, 0.15)),
          "b2": ("1h2", "h2", (0.48, -0.3)),
          "w31": ("h1", "y", (1.75, 0.76)), "w32": ("h2", "y", (1.75, 0.24)),
          "b3": ("1y", "y", (1.63, 1.1))}
_NET_XLIM, _NET_YLIM = (-0.25, 2.6), (-0.5, 1.5)
_NODE_SIZE, _BIAS_SIZE = 900, 260  # marker areas in points^2
_SLICE_HALF_WIDTH = 3.0
_SLICE_POINTS = 121


def _radius(node: str) -> float:
    """Half the marker's width, in points."""
    return 0.5 * np.sqrt(_BIAS_SIZE if node.startswith("1") else _NODE_SIZE)


def _trimmed(ax, a, b, ra: float, rb: float):
    """The segment from a to b (data coordinates) minus ra and rb points at its ends."""
    to_px, dpi = ax.transData, ax.figure.dpi
    pa, pb = to_px.transform(a), to_px.transform(b)
    u = (pb - pa) / np.hypot(*(pb - pa))
    ends = to_px.inverted().transform([pa + u * ra * dpi / 72, pb - u * rb * dpi / 72])
    return ends[:, 0], ends[:, 1]


def _short(v: float) -> str:
    """A signed number in 3 significant digits, exponent without padding: +1.29e-5."""
    mantissa, _, exponent = f"{v:+.2e}".partition("e")
    return f"{mantissa}e{int(exponent)}"


def _nice_ceil(v: float) -> float:
    """The smallest of 1, 2, 3, 5 times a power of ten that is >= v (for axis limits)."""
    if not np.isfinite(v) or v <= 0:
        return 1.0
    e = 10.0 ** np.floor(np.log10(v))
    return float(next(m * e for m in (1, 2, 3, 5, 10) if m * e >= v * (1 - 1e-12)))


class NetworkExplorer:
    """Sliders for the worked example's parameters, with live gradients, loss and a Step button.

    Parameters
    ----------
    params : dict, optional
        Starting values of some or all of the 9 parameters (``"w11"``, ..., ``"b3"``);
        the others come from :data:`bpkit.worked_example.START`.
    x : (float, float)
        The input ``(x1, x2)``.
    t : float
        The target.
    lr : float
        The learning rate used by :meth:`step`.
    weight : str
        The parameter whose loss slice and tangent are drawn.
    dpi : int
        Resolution of the rendered figure (lower is faster).

    Attributes
    ----------
    w11, w12, b1, w21, w22, b2, w31, w32, b3, x1, x2, t : ipywidgets.FloatSlider
        The controls; set ``.value`` from code to move them.
    lr : ipywidgets.FloatLogSlider
        The learning rate.
    weight : ipywidgets.Dropdown
        Which parameter the loss-slice panel shows.
    gradients : dict
        dL/d(parameter) for the 9 parameters, from bpkit's backward pass.
    loss : float
        The current loss :math:`\\frac12 (y - t)^2`.
    history : list of float
        The loss at the start and after each :meth:`step`.
    image : ipywidgets.Image
        The rendered figure (PNG).
    caption : ipywidgets.HTML
        The figure in words, under it (its alt text).
    widget : ipywidgets.Widget
        The whole explorer, for ``display``.
    """

    def __init__(self, params: dict | None = None, x=we.X_START, t: float = we.T_START,
                 lr: float = 0.5, weight: str = "w31", dpi: int = 72):
        if weight not in we.PARAM_NAMES:
            raise ValueError(f"NetworkExplorer: weight must be one of {we.PARAM_NAMES}, "
                             f"got {weight!r}")
        if len(x) != 2:
            raise ValueError(f"NetworkExplorer: x must be a pair (x1, x2), got {x!r}")
        start = {**we.START, **(params or {})}
        self._start = {**start, "x1": float(x[0]), "x2": float(x[1]), "t": float(t),
                       "lr": float(lr), "weight": weight}
        self._dpi = dpi
        self._holding = False
        self.model = we.build_model(start)

        def slider(name, value, lo, hi, step=0.001):
            return widgets.FloatSlider(value=value, min=lo, max=hi, step=step,
                                       description=name, readout_format=".3f",
                                       continuous_update=True,
                                       layout=widgets.Layout(width="300px"))

        self.sliders = {n: slider(n, start[n], -4.0, 4.0) for n in we.PARAM_NAMES}
        self.sliders["x1"] = slider("x1", self._start["x1"], -2.0, 2.0)
        self.sliders["x2"] = slider("x2", self._start["x2"], -2.0, 2.0)
        self.sliders["t"] = slider("t", self._start["t"], 0.0, 1.0)
        for name, s in self.sliders.items():
            setattr(self, name, s)
            s.observe(self._on_control, names="value")
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=2, step=0.01,
                                         description="lr (η)", readout_format=".3g",
                                         layout=widgets.Layout(width="300px"))
        self.weight = widgets.Dropdown(options=list(we.PARAM_NAMES), value=weight,
                                       description="slice along",
                                       layout=widgets.Layout(width="300px"))
        self.weight.observe(self._on_weight, names="value")
        self.step_button = widgets.Button(description="Step", button_style="primary",
                                          tooltip="one gradient-descent update with rate lr")
        self.reset_button = widgets.Button(description="Reset",
                                           tooltip="back to the starting values")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.loss_label = widgets.HTML()
        self.table = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.caption = widgets.HTML()  # the picture in words

        self._build_figure()
        controls = widgets.VBox([widgets.HTML("<b>parameters</b>"),
                                 *(self.sliders[n] for n in we.PARAM_NAMES),
                                 widgets.HTML("<b>example and learning rate</b>"),
                                 self.sliders["x1"], self.sliders["x2"], self.sliders["t"],
                                 self.lr, self.weight])
        view = widgets.VBox([self.image, self.caption,
                             widgets.HBox([self.step_button, self.reset_button,
                                           self.loss_label]),
                             self.table])
        # On a narrow page the picture wraps below the sliders instead of being squeezed.
        self.widget = widgets.HBox([controls, view],
                                   layout=widgets.Layout(flex_flow="row wrap"))
        self._update(restart_history=True)

    # ------------------------------------------------------------------ state

    @property
    def params(self) -> dict[str, float]:
        """The 9 parameters as set on the sliders."""
        return {n: float(self.sliders[n].value) for n in we.PARAM_NAMES}

    @property
    def x(self) -> tuple[float, float]:
        return float(self.sliders["x1"].value), float(self.sliders["x2"].value)

    @property
    def target(self) -> float:
        return float(self.sliders["t"].value)

    def _on_control(self, change) -> None:
        if not self._holding:
            self._update(restart_history=True)

    def _on_weight(self, change) -> None:
        if not self._holding:
            self._render()

    def _set_controls(self, values: dict) -> None:
        """Set several sliders and redraw once (a slider's range grows to fit its value)."""
        self._holding = True
        try:
            for name, v in values.items():
                s = self.sliders[name]
                if v > s.max:
                    s.max = float(np.ceil(v))
                if v < s.min:
                    s.min = float(np.floor(v))
                s.value = float(v)
        finally:
            self._holding = False

    def _update(self, restart_history: bool) -> None:
        we.set_params(self.model, self.params)
        self.loss, self.gradients = we.loss_and_gradients(self.model, self.x, [self.target])
        self.output = float(self.model.layers[3].a[0, 0])
        if restart_history:
            self.history = [self.loss]
        self._render()

    def step(self) -> float:
        r"""One gradient-descent update :math:`\theta \leftarrow \theta - \eta\, dL/d\theta`.

        Updates the sliders, recomputes the gradients, appends the new loss to
        :attr:`history` and returns it.
        """
        if not np.isfinite(self.loss):
            raise FloatingPointError("NetworkExplorer.step: the loss is not finite; press Reset")
        lr = float(self.lr.value)
        p = self.params
        self._set_controls({n: p[n] - lr * self.gradients[n] for n in we.PARAM_NAMES})
        self._update(restart_history=False)
        self.history.append(self.loss)
        return self.loss

    def reset(self) -> None:
        """Return every control to its starting value and start a new history."""
        s = self._start
        self._holding = True
        try:
            self.lr.value = s["lr"]
            self.weight.value = s["weight"]
        finally:
            self._holding = False
        self._set_controls({n: s[n] for n in self.sliders})
        self._update(restart_history=True)

    # ---------------------------------------------------------------- drawing

    def _build_figure(self) -> None:
        """Lay out the figure once; later renders only redraw the artists that change."""
        fig = Figure(figsize=(10.0, 4.6), dpi=self._dpi)
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(2, 2, width_ratios=(1.5, 1.0), hspace=0.55, wspace=0.18,
                                left=0.01, right=0.98, top=0.92, bottom=0.1)
        net = fig.add_subplot(grid[:, 0])
        net.set_xlim(*_NET_XLIM)
        net.set_ylim(*_NET_YLIM)
        net.set_xticks([])
        net.set_yticks([])
        net.set_xlabel("g = dL/dw.  Edge colour: sign of g (blue +, vermillion −); "
                       "width: size of g", fontsize=8)
        net.set_title("The network: each parameter's value and gradient g", fontsize=10)
        self._dynamic = []
        for name, (xn, yn) in _NODES.items():
            bias = name.startswith("1")
            net.scatter([xn], [yn], s=_BIAS_SIZE if bias else _NODE_SIZE,
                        marker="s" if bias else "o", color="white", edgecolors=PALETTE[7],
                        zorder=2)
            net.text(xn, yn, "1" if bias else name, ha="center", va="center", fontsize=9,
                     zorder=4)
        fig.canvas.draw()  # fixes the transforms used to trim the edges below
        self._edge_lines, self._edge_labels = {}, {}
        for name, (a, b, (lx, ly)) in _EDGES.items():
            xs, ys = _trimmed(net, _NODES[a], _NODES[b], _radius(a), _radius(b))
            (line,) = net.plot(xs, ys, color=POSITIVE, lw=1, zorder=1, solid_capstyle="butt")
            label = net.text(lx, ly, "", fontsize=7.5, ha="center", va="center", zorder=3,
                             bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.75",
                                   "lw": 0.5})
            self._edge_lines[name], self._edge_labels[name] = line, label
            self._dynamic += [line, label]
        self._node_labels = {}
        for name in ("x1", "x2", "h1", "h2", "y"):
            xn, yn = _NODES[name]
            if name == "y":
                text = net.text(xn, yn - 0.13, "", ha="center", va="top", fontsize=7.5)
            elif name.startswith("x"):
                text = net.text(xn, yn - 0.13, "", ha="center", va="top", fontsize=7.5)
            else:  # hidden units: below h1, above h2, clear of the edges
                up = name == "h2"
                text = net.text(xn + 0.05, yn + (0.12 if up else -0.12), "", ha="center",
                                va="bottom" if up else "top", fontsize=7.5)
            self._node_labels[name] = text
            self._dynamic.append(text)
        self._net_ax = net

        sl = fig.add_subplot(grid[0, 1])
        (self._slice_line,) = sl.plot([], [], color=PALETTE[4], lw=1.8, label="loss")
        (self._tangent_line,) = sl.plot([], [], color=PALETTE[0], lw=1.6, ls="--",
                                        label="tangent, slope g")
        (self._slice_point,) = sl.plot([], [], "o", color=PALETTE[7], ms=5)
        self._slice_text = sl.text(0.02, 0.95, "", transform=sl.transAxes, fontsize=7.5,
                                   va="top")
        sl.set_xlim(-_SLICE_HALF_WIDTH, _SLICE_HALF_WIDTH)
        sl.legend(loc="upper right", fontsize=7, frameon=False)
        sl.set_ylabel("loss L", fontsize=8)
        sl.tick_params(labelsize=7)
        self._dynamic += [self._slice_line, self._tangent_line, self._slice_point,
                          self._slice_text]
        self._slice_ax = sl

        hist = fig.add_subplot(grid[1, 1])
        (self._history_line,) = hist.plot([], [], ".-", color=PALETTE[2], lw=1.4, ms=4)
        hist.set_title("Loss after each Step", fontsize=9)
        hist.set_xlabel("step", fontsize=8)
        hist.set_ylabel("loss L", fontsize=8)
        hist.tick_params(labelsize=7)
        self._dynamic.append(self._history_line)
        self._history_ax = hist
        for artist in self._dynamic:
            artist.set_animated(True)  # left out of the background, drawn on each render
        self._fig = fig
        self._background_key = None

    def _render(self) -> None:
        p, g = self.params, self.gradients
        for name in we.PARAM_NAMES:
            grad = g[name]
            line = self._edge_lines[name]
            line.set_color(POSITIVE if grad >= 0 else NEGATIVE)
            line.set_linewidth(0.8 + 7.0 * min(1.0, np.sqrt(abs(grad) / 0.1)))
            self._edge_labels[name].set_text(f"{name} {p[name]:.3f}\ng {_short(grad)}")
        values = we.forward(p, *self.x)
        shown = {"x1": self.x[0], "x2": self.x[1], "h1": values["h1"], "h2": values["h2"]}
        for name, v in shown.items():
            self._node_labels[name].set_text(f"{name} = {v:.3f}")
        self._node_labels["y"].set_text(f"y = {float(values['y']):.3f}\nt = {self.target:.3f}"
                                        f"\nL = {self.loss:.3g}")

        w = self.weight.value
        v, slope = p[w], g[w]
        delta = np.linspace(-_SLICE_HALF_WIDTH, _SLICE_HALF_WIDTH, _SLICE_POINTS)
        curve = we.loss({**p, w: v + delta}, *self.x, self.target)
        self._slice_line.set_data(delta, curve)
        tx = np.array([-1.0, 1.0])
        self._tangent_line.set_data(tx, self.loss + slope * tx)
        self._slice_point.set_data([0.0], [self.loss])
        self._slice_text.set_text(f"{w} = {v:.3f}\ng = dL/d{w} = {slope:+.3g}")

        h = np.asarray(self.history, dtype=float)
        self._history_line.set_data(np.arange(len(h)), h)
        finite = h[np.isfinite(h)]
        # The loss never exceeds 1/2 (y and t lie in [0, 1]), so 0.55 caps the axes.
        key = (w, min(0.55, _nice_ceil(1.15 * float(curve.max()))),
               _nice_ceil(max(len(h) - 1, 5)),
               min(0.55, _nice_ceil(1.1 * float(finite.max()) if finite.size else 1.0)))
        if key != self._background_key:
            self._draw_background(key)
        canvas = self._fig.canvas
        canvas.restore_region(self._background)
        for artist in self._dynamic:
            artist.axes.draw_artist(artist)

        self.loss_label.value = (f"&nbsp; loss L = {self.loss:.6g} &nbsp; output y = "
                                 f"{self.output:.4f} &nbsp; steps: {len(self.history) - 1}")
        self.table.value = self._table_html()
        self.image.value = self._png()
        self.caption.value = caption(
            f"The 2-2-1 network, each edge labelled with its weight and gradient; output "
            f"y = {self.output:.4f}, target t = {self.target:.3f}, loss L = {self.loss:.4g}. "
            f"The loss along {w} with its tangent, slope dL/d{w} = {slope:+.3g}. "
            f"The loss after each of {len(self.history) - 1} steps.")

    def _draw_background(self, key) -> None:
        """Set the axis limits (rounded up, so they rarely change) and cache the rest."""
        w, slice_top, steps, history_top = key
        self._slice_ax.set_ylim(0.0, slice_top)
        self._slice_ax.set_title(f"Loss along {w}, all other parameters fixed", fontsize=9)
        self._slice_ax.set_xlabel(f"change in {w} from its current value", fontsize=8)
        self._history_ax.set_xlim(-0.5, steps + 0.5)
        self._history_ax.set_ylim(0.0, history_top)
        canvas = self._fig.canvas
        canvas.draw()
        self._background = canvas.copy_from_bbox(self._fig.bbox)
        self._background_key = key

    def _table_html(self) -> str:
        p, g = self.params, self.gradients
        cells = "".join(
            f"<tr><td>{n}</td><td style='text-align:right'>{p[n]:.4f}</td>"
            f"<td style='text-align:right;color:{POSITIVE if g[n] >= 0 else NEGATIVE}'>"
            f"{g[n]:+.6e}</td></tr>" for n in we.PARAM_NAMES)
        return ("<table style='font-family:monospace;font-size:12px'>"
                "<tr><th>parameter</th><th>value</th><th>dL/d(parameter)</th></tr>"
                f"{cells}</table>")

    def _png(self) -> bytes:
        canvas = self._fig.canvas
        rgba = np.asarray(canvas.buffer_rgba())
        buf = io.BytesIO()
        PILImage.fromarray(rgba[..., :3]).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    # ---------------------------------------------------------------- display

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (f"NetworkExplorer(loss={self.loss:.6g}, steps={len(self.history) - 1}, "
                f"weight={self.weight.value!r})")
