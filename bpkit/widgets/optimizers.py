r"""Optimizer explorer: pick optimizers and their hyperparameters, watch them descend a surface.

The surfaces are those of :mod:`bpkit.surfaces` (the ill-conditioned quadratic and the
Rosenbrock function); the optimizers are bpkit's own (:mod:`bpkit.optim`), run on a
:class:`~bpkit.surfaces.Point` from the surface's starting point. The explorer draws each
path over the contour plot and, beside it, the loss against the step on a log scale.

:func:`plot_trajectories` draws paths over a surface's contours (also for static figures).

Usable headless: :func:`compare` computes the runs without any widget, and
:class:`OptimizerExplorer` exposes its controls (``surface``, ``steps``, ``selected``,
``momentum``, ``beta1``, ``beta2``, ``rho`` and a learning rate per optimizer through
``set_lr``) as settable attributes and what it shows as ``runs`` and ``final_losses``.
Needs matplotlib and ipywidgets (imported when an explorer is made).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from ..optim import SGD, Adam, RMSProp
from ..plot import PALETTE, label_axes
from ..surfaces import Quadratic, Rosenbrock, descend

__all__ = ["OPTIMIZERS", "PATH_COLOURS", "SURFACES", "DEFAULTS", "Run", "tilted_quadratic",
           "make_optimizer", "compare", "plot_trajectories", "plot_runs", "OptimizerExplorer"]

#: The optimizers to choose from, in the order of their colours.
OPTIMIZERS = ("SGD", "momentum", "Nesterov", "RMSProp", "Adam")
#: Colours of the paths: ``PALETTE`` in order, without its yellow (hard to see as a thin
#: line on white).
PATH_COLOURS = [c for c in PALETTE if c != "#F0E442"]


def tilted_quadratic() -> Quadratic:
    """The default quadratic turned by 45 degrees, and its start with it.

    Same curvatures (1 along :math:`(1, -1)/\\sqrt2`, 20 along :math:`(1, 1)/\\sqrt2`) and the
    same start relative to those axes, so a rule that does not care about the axes
    (gradient descent, momentum) has exactly the same losses as on the untilted one.
    """
    c = np.sqrt(0.5)
    return Quadratic(A=((10.5, 9.5), (9.5, 10.5)), xlim=(-10.0, 10.0), ylim=(-10.0, 10.0),
                     start=(-7.5 * c, 12.5 * c), name="tilted quadratic")


#: The surfaces to choose from: name -> a function that makes it.
SURFACES = {"quadratic": Quadratic, "tilted quadratic": tilted_quadratic,
            "rosenbrock": Rosenbrock}
#: Per surface: the number of steps, the momentum, and a learning rate per optimizer that
#: works (not the best one: finding better ones is what the explorer is for).
DEFAULTS = {
    "quadratic": {"steps": 100, "momentum": 0.7,
                  "lr": {"SGD": 0.09, "momentum": 0.03, "Nesterov": 0.03, "RMSProp": 0.1,
                         "Adam": 0.3}},
    "tilted quadratic": {"steps": 100, "momentum": 0.7,
                         "lr": {"SGD": 0.09, "momentum": 0.03, "Nesterov": 0.03, "RMSProp": 0.1,
                                "Adam": 0.3}},
    "rosenbrock": {"steps": 1000, "momentum": 0.9,
                   "lr": {"SGD": 0.0009, "momentum": 0.0005, "Nesterov": 0.0005,
                          "RMSProp": 0.01, "Adam": 0.05}},
}
STEPS_RANGE = (1, 3000)


@dataclass
class Run:
    """One optimizer's descent: positions ``path`` ``(n + 1, 2)`` and values ``losses``."""

    name: str
    path: np.ndarray
    losses: np.ndarray

    @property
    def diverged(self) -> bool:
        """True when the run stopped early because the value blew up."""
        return not np.isfinite(self.losses[-1]) or self.losses[-1] > 1e12

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def make_optimizer(name: str, model, lr: float, momentum: float = 0.9, beta1: float = 0.9,
                   beta2: float = 0.999, rho: float = 0.9):
    """The bpkit optimizer called ``name`` (one of ``OPTIMIZERS``) for ``model``."""
    if name == "SGD":
        return SGD(model, lr=lr)
    if name == "momentum":
        return SGD(model, lr=lr, momentum=momentum)
    if name == "Nesterov":  # with momentum 0 it is plain gradient descent
        return SGD(model, lr=lr, momentum=momentum, nesterov=momentum > 0)
    if name == "RMSProp":
        return RMSProp(model, lr=lr, rho=rho)
    if name == "Adam":
        return Adam(model, lr=lr, beta1=beta1, beta2=beta2)
    raise ValueError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}")


def compare(surface, lrs: dict, steps: int, **hyper) -> dict[str, Run]:
    """Run each optimizer in ``lrs`` (name -> learning rate) for ``steps`` steps on ``surface``.

    ``surface`` is a :class:`~bpkit.surfaces.Surface` or a key of ``SURFACES``; ``hyper``
    passes ``momentum``, ``beta1``, ``beta2``, ``rho`` to :func:`make_optimizer`.
    """
    if isinstance(surface, str):
        if surface not in SURFACES:
            raise ValueError(f"surface must be one of {sorted(SURFACES)}, got {surface!r}")
        surface = SURFACES[surface]()
    runs = {}
    for name, lr in lrs.items():
        path, losses = descend(surface, lambda p, n=name, r=lr: make_optimizer(n, p, r, **hyper),
                               steps)
        runs[name] = Run(name, path, losses)
    return runs


def plot_trajectories(ax, surface, paths: dict, *, levels: int = 25, log_levels: bool = True,
                      resolution: int = 200, title: str | None = None, colours=None):
    """Draw the contours of a 2-D ``surface`` and each optimizer's path over them.

    ``surface`` is a :class:`bpkit.surfaces.Surface` (its ``f``, ``xlim``, ``ylim`` and
    ``minimum`` are used); ``paths`` maps a label to an array of positions of shape
    ``(n, 2)``, for example the ``path`` returned by :func:`bpkit.surfaces.descend`.
    Contour lines are grey (log-spaced values when ``log_levels``, so both the steep walls
    and the flat floor show); the paths take ``colours`` (default ``PATH_COLOURS``) in order,
    each with a dot at its start and a cross at its end; a black star marks the minimum.
    Returns ``ax``.
    """
    colours = PATH_COLOURS if colours is None else list(colours)
    (x0, x1), (y0, y1) = surface.xlim, surface.ylim
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    Z = surface.f(X, Y)
    low = max(float(Z.min()), 1e-3 * float(Z.max() - Z.min()), 1e-6)
    values = (np.geomspace(low, float(Z.max()), levels) if log_levels
              else np.linspace(float(Z.min()), float(Z.max()), levels))
    ax.contour(X, Y, Z, levels=values, colors="0.6", linewidths=0.6)
    for i, (label, path) in enumerate(paths.items()):
        path = np.asarray(path)
        colour = colours[i % len(colours)]
        ax.plot(path[:, 0], path[:, 1], "-", color=colour, linewidth=1.4, label=label)
        ax.plot(path[0, 0], path[0, 1], "o", color=colour, markersize=5)
        ax.plot(path[-1, 0], path[-1, 1], "x", color=colour, markersize=8, markeredgewidth=2)
    ax.plot(*surface.minimum, "*", color=PALETTE[7], markersize=12, label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    label_axes(ax, title or f"Optimizer paths on the {surface.name}", "x", "y")
    if paths:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_runs(surface, runs: dict[str, Run], ax_surface, ax_loss) -> None:
    """Paths over the contours in ``ax_surface``; loss against step (log scale) in ``ax_loss``.

    Each optimizer of ``OPTIMIZERS`` keeps its own colour (``PATH_COLOURS`` in the order of
    ``OPTIMIZERS``) whichever others are shown, so a colour always means the same rule.
    Losses below 1e-12 are drawn at 1e-12 (the log scale needs a floor).
    """
    n_colours = len(PATH_COLOURS)
    colours = [PATH_COLOURS[OPTIMIZERS.index(name) if name in OPTIMIZERS else i % n_colours]
               for i, name in enumerate(runs)]
    labels = {name: f"{name}" + (" (diverged)" if run.diverged else "")
              for name, run in runs.items()}
    plot_trajectories(ax_surface, surface, {labels[n]: r.path for n, r in runs.items()},
                      colours=colours)
    for colour, (name, run) in zip(colours, runs.items(), strict=True):
        losses = np.clip(run.losses, 1e-12, None)
        ax_loss.semilogy(np.arange(len(losses)), losses, color=colour, label=labels[name])
    label_axes(ax_loss, "Loss against steps", "step", "loss (log scale)")
    if runs:
        ax_loss.legend(loc="best", fontsize="small")


def _check_steps(steps) -> None:
    lo, hi = STEPS_RANGE
    if not isinstance(steps, (int, np.integer)) or not lo <= steps <= hi:
        raise ValueError(f"steps must be an integer from {lo} to {hi}, got {steps!r}")


def _slider_property(name: str) -> property:
    """A property reading and setting the slider ``_<name>``, refusing values off its range."""

    def get(self) -> float:
        return float(getattr(self, f"_{name}").value)

    def put(self, value: float) -> None:
        control = getattr(self, f"_{name}")
        if not control.min <= value <= control.max:
            raise ValueError(f"{name} must be from {control.min} to {control.max}, got {value!r}")
        control.value = value

    return property(get, put)


class OptimizerExplorer:
    """Pick a surface, optimizers and hyperparameters; see the paths and the loss curves.

    ``explorer.selected = ("SGD", "Adam")`` ticks those boxes; ``explorer.set_lr("Adam",
    0.1)`` moves Adam's learning-rate slider; ``explorer.surface = "rosenbrock"`` switches
    surface and restores that surface's default steps, momentum and learning rates. Each
    change recomputes, as moving the control would. ``explorer.runs`` holds the last
    :class:`Run` per selected optimizer; ``final_losses`` their last values.
    Display the explorer as the last expression of a notebook cell.
    """

    def __init__(self, surface: str = "quadratic", selected=OPTIMIZERS):
        import ipywidgets as w

        if surface not in SURFACES:
            raise ValueError(f"surface must be one of {sorted(SURFACES)}, got {surface!r}")
        self._busy = True  # hold recomputation while the controls are built
        d = DEFAULTS[surface]
        style = {"description_width": "90px"}
        self._surface = w.Dropdown(options=list(SURFACES), value=surface,
                                   description="surface", style=style)
        self._steps = w.IntSlider(value=d["steps"], min=STEPS_RANGE[0], max=STEPS_RANGE[1],
                                  description="steps", style=style)
        self._use = {n: w.Checkbox(value=n in selected, description=n, indent=False,
                                   layout=w.Layout(width="110px")) for n in OPTIMIZERS}
        self._lr = {n: w.FloatLogSlider(value=d["lr"][n], base=10, min=-5, max=0.5,
                                        step=0.05, description=f"lr {n}", style=style,
                                        readout_format=".2g") for n in OPTIMIZERS}
        self._momentum = w.FloatSlider(value=d["momentum"], min=0.0, max=0.99, step=0.01,
                                       description="momentum", style=style)
        self._beta1 = w.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01,
                                    description="Adam beta1", style=style)
        self._beta2 = w.FloatSlider(value=0.999, min=0.9, max=0.9999, step=0.0001,
                                    description="Adam beta2", style=style, readout_format=".4f")
        self._rho = w.FloatSlider(value=0.9, min=0.5, max=0.999, step=0.001,
                                  description="RMSProp rho", style=style, readout_format=".3f")
        self._image = w.Image(format="png")
        self._text = w.HTML()
        rows = [w.HBox([self._use[n], self._lr[n]]) for n in OPTIMIZERS]
        self.widget = w.VBox([
            w.HBox([self._surface, self._steps]),
            w.HBox([w.VBox(rows), w.VBox([self._momentum, self._beta1, self._beta2,
                                          self._rho])]),
            self._image, self._text])
        self.runs: dict[str, Run] = {}
        for control in (self._steps, self._momentum, self._beta1, self._beta2, self._rho,
                        *self._use.values(), *self._lr.values()):
            control.observe(self._on_change, names="value")
        self._surface.observe(self._on_surface, names="value")
        self._busy = False
        self.update()

    # the controls, settable from code
    @property
    def surface(self) -> str:
        return self._surface.value

    @surface.setter
    def surface(self, value: str) -> None:
        if value not in SURFACES:
            raise ValueError(f"surface must be one of {sorted(SURFACES)}, got {value!r}")
        self._surface.value = value

    @property
    def steps(self) -> int:
        return self._steps.value

    @steps.setter
    def steps(self, value: int) -> None:
        _check_steps(value)
        self._steps.value = value

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(n for n in OPTIMIZERS if self._use[n].value)

    @selected.setter
    def selected(self, names) -> None:
        names = tuple(names)
        unknown = [n for n in names if n not in OPTIMIZERS]
        if unknown:
            raise ValueError(f"unknown optimizer(s) {unknown}; expected some of "
                             f"{list(OPTIMIZERS)}")
        self._batch(lambda: [setattr(self._use[n], "value", n in names) for n in OPTIMIZERS])

    @property
    def lrs(self) -> dict[str, float]:
        """The learning rate of each selected optimizer."""
        return {n: float(self._lr[n].value) for n in self.selected}

    def set_lr(self, name: str, lr: float) -> None:
        """Move optimizer ``name``'s learning-rate slider to ``lr`` (1e-5 to about 3)."""
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}")
        lo, hi = 10 ** self._lr[name].min, 10 ** self._lr[name].max
        if not lo <= lr <= hi:
            raise ValueError(f"lr for {name} must be from {lo:g} to {hi:.3g}, got {lr!r}")
        self._lr[name].value = lr

    momentum = _slider_property("momentum")
    beta1 = _slider_property("beta1")
    beta2 = _slider_property("beta2")
    rho = _slider_property("rho")

    # the numbers it shows
    @property
    def final_losses(self) -> dict[str, float]:
        return {n: r.final_loss for n, r in self.runs.items()}

    @property
    def text(self) -> str:
        parts = []
        for n, r in self.runs.items():
            if r.diverged:
                parts.append(f"{n}: diverged after {len(r.losses) - 1} steps")
            else:
                parts.append(f"{n}: loss {r.final_loss:.3g} after {len(r.losses) - 1} steps, "
                             f"at ({r.path[-1][0]:.3g}, {r.path[-1][1]:.3g})")
        surface = SURFACES[self.surface]()
        lowest = f"The minimum is at {tuple(float(v) for v in surface.minimum)}."
        return "; ".join(parts) + (". " if parts else "No optimizer selected. ") + lowest

    def _batch(self, change) -> None:
        self._busy = True
        try:
            change()
        finally:
            self._busy = False
        self.update()

    def _on_change(self, change) -> None:
        if not self._busy:
            self.update()

    def _on_surface(self, change) -> None:
        d = DEFAULTS[change["new"]]

        def restore():
            self._steps.value = d["steps"]
            self._momentum.value = d["momentum"]
            for n in OPTIMIZERS:
                self._lr[n].value = d["lr"][n]

        self._batch(restore)

    def update(self) -> None:
        """Recompute the runs for the current controls and redraw."""
        from matplotlib.figure import Figure

        surface = SURFACES[self.surface]()
        self.runs = compare(surface, self.lrs, self.steps, momentum=self.momentum,
                            beta1=self.beta1, beta2=self.beta2, rho=self.rho)
        fig = Figure(figsize=(10, 4), layout="constrained")
        ax_surface, ax_loss = fig.subplots(1, 2)
        plot_runs(surface, self.runs, ax_surface, ax_loss)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        self._image.value = buf.getvalue()
        self._text.value = f"<p>{self.text}</p>"

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
