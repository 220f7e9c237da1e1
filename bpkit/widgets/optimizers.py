r"""Optimizer explorer: pick optimizers and their hyperparameters, watch them descend a surface.

The surfaces are those of :mod:`bpkit.surfaces` (the ill-conditioned quadratic, the same bowl
turned by 45 degrees, and the Rosenbrock function); the optimizers are bpkit's own
(:mod:`bpkit.optim`), run on a :class:`~bpkit.surfaces.Point` from the surface's starting
point. :class:`OptimizerExplorer` draws each path over the surface's contour lines and, below
it, the loss against the step on a log scale, and recomputes both whenever a control moves.

Headless use: :func:`compare` computes the runs without any widget (the chapter's static
figures draw them with :func:`plot_runs` and :func:`plot_trajectories`);
:func:`explorer_result` is what the explorer shows for a setting of its controls. The
explorer's drawing is ``js/optimizers.js`` (see :mod:`bpkit.widgets.frontend`); on the
website it computes the runs with ``descend`` and ``makeOptimizer`` of ``js/port.js``, which
mirror :func:`bpkit.surfaces.descend` and :func:`make_optimizer`.

>>> ex = OptimizerExplorer(surface="rosenbrock", selected=("momentum", "Adam"))
>>> ex.set(lr={"Adam": 0.1}, beta1=0.8)   # moves two sliders; recomputed once
>>> sorted(ex.final_losses)
['Adam', 'momentum']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import traitlets

from ..optim import SGD, Adam, RMSProp
from ..plot import PALETTE, label_axes
from ..surfaces import Quadratic, Rosenbrock, descend
from .frontend import BookWidget

__all__ = ["OPTIMIZERS", "PATH_COLOURS", "SURFACES", "DEFAULTS", "RANGES", "Run",
           "tilted_quadratic", "make_optimizer", "compare", "shown_steps", "explorer_result",
           "plot_trajectories", "plot_runs", "OptimizerExplorer"]

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


#: The range of each shared hyperparameter's slider, and of the learning rates (log scale).
RANGES = {"momentum": (0.0, 0.99), "beta1": (0.0, 0.99), "beta2": (0.9, 0.9999),
          "rho": (0.5, 0.999), "lr": (1e-5, 10 ** 0.5), "steps": STEPS_RANGE}
#: At most this many steps of a run are sent to the drawing (every step is computed).
SHOWN_POINTS = 400


def shown_steps(n: int) -> list[int]:
    """The steps of a run of ``n`` steps whose position and loss the explorer draws.

    All ``n + 1`` of them (the start and each step) up to :data:`SHOWN_POINTS`; for a longer
    run every step of the first quarter of that budget, where the paths turn fastest, then
    every ``k``-th step and the last one. ``k`` is odd, so that a path that zigzags at every
    step still shows its zigzag. Mirrored by ``shownSteps`` in ``js/optimizers.js``.
    """
    if n + 1 <= SHOWN_POINTS:
        return list(range(n + 1))
    head = SHOWN_POINTS // 4
    stride = -(-(n - head) // (SHOWN_POINTS - head - 1))  # ceil: at most the budget
    stride += 1 - stride % 2
    return [*range(head), *range(head, n, stride), n]


def _surface_setup(name: str) -> dict:
    """What the front-end needs to rebuild surface ``name`` and its window, as plain numbers."""
    surface = SURFACES[name]()
    spec = {"title": surface.name, "xlim": list(surface.xlim), "ylim": list(surface.ylim),
            "start": [float(v) for v in surface.start],
            "minimum": [float(v) for v in surface.minimum], "defaults": DEFAULTS[name]}
    if isinstance(surface, Quadratic):
        spec.update(kind="Quadratic", A=surface.A.tolist())
    else:
        spec.update(kind="Rosenbrock", a=surface.a, b=surface.b)
    return spec


def _setup() -> dict:
    """The explorer's fixed data: surfaces, optimizers, colours, slider ranges."""
    return {"surfaces": {name: _surface_setup(name) for name in SURFACES},
            "optimizers": list(OPTIMIZERS), "colours": PATH_COLOURS, "ranges": RANGES,
            "shown_points": SHOWN_POINTS}


def _shown_run(run: Run) -> dict:
    """One run as the explorer draws it: the shown steps, and the end of the run."""
    n = len(run.losses) - 1
    keep = shown_steps(n)
    return {"steps": keep, "path": run.path[keep].tolist(),
            "losses": [float(v) for v in run.losses[keep]], "n": n,
            "final_loss": run.final_loss, "end": [float(v) for v in run.path[-1]],
            "diverged": bool(run.diverged)}


def _runs(controls: dict) -> dict[str, Run]:
    selected = [n for n in OPTIMIZERS if n in controls["selected"]]
    return compare(controls["surface"], {n: controls["lr"][n] for n in selected},
                   int(controls["steps"]), momentum=controls["momentum"],
                   beta1=controls["beta1"], beta2=controls["beta2"], rho=controls["rho"])


def explorer_result(controls: dict, runs: dict[str, Run] | None = None) -> dict:
    """What the explorer shows for one setting of its controls, computed with bpkit.

    ``controls`` holds ``surface``, ``steps``, ``selected`` (optimizer names), ``lr``
    (a learning rate per optimizer), ``momentum``, ``beta1``, ``beta2`` and ``rho``.
    Returns ``{"surface", "steps", "runs": {name: {"steps", "path", "losses", "n",
    "final_loss", "end", "diverged"}}}``: for each selected optimizer, in the order of
    ``OPTIMIZERS``, the positions and losses at the :func:`shown_steps` of its run, the
    number of steps it ran (fewer than asked if it diverged), its last loss and position.
    ``runs`` are the runs of :func:`compare` for these controls, if already computed.
    ``explorerResult`` in ``js/optimizers.js`` computes the same in the browser.
    """
    runs = _runs(controls) if runs is None else runs
    return {"surface": controls["surface"], "steps": int(controls["steps"]),
            "runs": {name: _shown_run(run) for name, run in runs.items()}}


def _with_surface_defaults(controls: dict) -> dict:
    """``controls`` with the steps, momentum and learning rates of its surface's DEFAULTS.

    Mirrored by ``withSurfaceDefaults`` in ``js/optimizers.js``.
    """
    d = DEFAULTS[controls["surface"]]
    return {**controls, "steps": d["steps"], "momentum": d["momentum"], "lr": dict(d["lr"])}


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
        ax.legend(loc="best")
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
        ax_loss.legend(loc="best")


def _number(value, what: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not lo <= value <= hi:
        raise ValueError(f"OptimizerExplorer: {what} must be a number from {lo:g} to {hi:.4g}, "
                         f"got {value!r}")
    return float(value)


def _check(values: dict) -> dict:
    """``values`` (some controls) checked and converted, or a ValueError saying what is wrong."""
    known = ("surface", "steps", "selected", "lr", "momentum", "beta1", "beta2", "rho")
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"OptimizerExplorer: unknown control(s) {unknown}; expected some of "
                         f"{list(known)}")
    out = {}
    for key, v in values.items():
        if key == "surface":
            if v not in SURFACES:
                raise ValueError(f"surface must be one of {sorted(SURFACES)}, got {v!r}")
            out[key] = v
        elif key == "steps":
            lo, hi = STEPS_RANGE
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"steps must be an integer from {lo} to {hi}, got {v!r}")
            out[key] = int(v)
        elif key == "selected":
            if not isinstance(v, (str, list, tuple, set, frozenset)):
                raise ValueError(f"selected must be an optimizer's name or a list of them, "
                                 f"some of {list(OPTIMIZERS)}; got {v!r}")
            names = [v] if isinstance(v, str) else list(v)
            bad = [n for n in names if n not in OPTIMIZERS]
            if bad:
                raise ValueError(f"unknown optimizer(s) {bad}; expected some of "
                                 f"{list(OPTIMIZERS)}")
            out[key] = [n for n in OPTIMIZERS if n in names]
        elif key == "lr":
            bad = [n for n in v if n not in OPTIMIZERS]
            if bad:
                raise ValueError(f"unknown optimizer(s) {bad}; expected some of "
                                 f"{list(OPTIMIZERS)}")
            lo, hi = RANGES["lr"]
            out[key] = {n: _number(lr, f"lr for {n}", lo, hi) for n, lr in v.items()}
        else:
            out[key] = _number(v, key, *RANGES[key])
    return out


def _hyper(name: str) -> property:
    """A property reading and setting the shared hyperparameter ``name`` (a slider)."""

    def get(self) -> float:
        return float(self.controls[name])

    def put(self, value: float) -> None:
        self.set(**{name: value})

    return property(get, put, doc=f"The {name} slider (settable).")


class OptimizerExplorer(BookWidget):
    """Pick a surface, optimizers and hyperparameters; see the paths and the loss curves.

    Parameters
    ----------
    surface : str
        A key of :data:`SURFACES`; its :data:`DEFAULTS` give the steps, the momentum and
        the learning rates to start from.
    selected : sequence of str
        The optimizers ticked at the start (names of :data:`OPTIMIZERS`).

    Attributes
    ----------
    controls : dict
        What the controls show: ``surface``, ``steps``, ``selected``, ``lr`` (one per
        optimizer), ``momentum``, ``beta1``, ``beta2``, ``rho`` (synced with the page). Set
        them with :meth:`set`, :meth:`set_lr` or the properties of the same names.
    result : dict
        What bpkit computed from them, see :func:`explorer_result` (synced with the page).
    runs : dict[str, Run]
        Every step of the last runs, per selected optimizer (not sent to the page).
    final_losses, text
        The numbers the explorer shows.

    Choosing another surface restores that surface's steps, momentum and learning rates,
    from code or from the page alike.
    """

    _widget = "optimizers"
    _actions = ("reset",)
    _page_traits = ("controls", "initial", "result", "setup")
    setup = traitlets.Dict().tag(sync=True)

    def __init__(self, surface: str = "quadratic", selected=OPTIMIZERS):
        start = _check({"surface": surface, "selected": selected})
        self.runs: dict[str, Run] = {}
        controls = _with_surface_defaults({**start, "beta1": 0.9, "beta2": 0.999, "rho": 0.9})
        super().__init__(controls, setup=_setup())

    def compute(self, controls: dict) -> dict:
        self.runs = _runs(controls)
        return explorer_result(controls, self.runs)

    def _on_controls(self, change) -> None:
        if self._holding:
            return
        if change["old"].get("surface") != change["new"].get("surface"):
            # the page chose another surface: start from its defaults, as set() does
            self._set_controls(_with_surface_defaults(change["new"]))
        else:
            self._recompute(restart=True)

    def set(self, **values) -> None:
        """Move controls from code; recomputed once. For example
        ``ex.set(surface="rosenbrock", selected=("Adam",), lr={"Adam": 0.1}, beta1=0.0)``.

        A new ``surface`` first restores that surface's steps, momentum and learning rates;
        the other values given are then applied over them. ``lr`` may name some optimizers
        only.
        """
        values = _check(values)
        new = dict(self.controls)
        if values.get("surface", new["surface"]) != new["surface"]:
            new = _with_surface_defaults({**new, "surface": values["surface"]})
        if "lr" in values:
            values["lr"] = {**new["lr"], **values["lr"]}
        self._set_controls({**new, **values})

    def set_lr(self, name: str, lr: float) -> None:
        """Move optimizer ``name``'s learning-rate slider to ``lr`` (1e-5 to about 3)."""
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}")
        self.set(lr={name: lr})

    # the controls, settable from code
    @property
    def surface(self) -> str:
        return self.controls["surface"]

    @surface.setter
    def surface(self, value: str) -> None:
        self.set(surface=value)

    @property
    def steps(self) -> int:
        return int(self.controls["steps"])

    @steps.setter
    def steps(self, value: int) -> None:
        self.set(steps=value)

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(self.controls["selected"])

    @selected.setter
    def selected(self, names) -> None:
        self.set(selected=names)

    @property
    def lrs(self) -> dict[str, float]:
        """The learning rate of each selected optimizer."""
        return {n: float(self.controls["lr"][n]) for n in self.selected}

    momentum = _hyper("momentum")
    beta1 = _hyper("beta1")
    beta2 = _hyper("beta2")
    rho = _hyper("rho")

    # the numbers it shows
    @property
    def final_losses(self) -> dict[str, float]:
        """The last loss of each selected optimizer's run (``nan`` if it was not finite)."""
        return {n: math.nan if r["final_loss"] is None else r["final_loss"]
                for n, r in self.result["runs"].items()}

    @property
    def text(self) -> str:
        """What the explorer's table says, in one paragraph."""
        parts = []
        for n, r in self.result["runs"].items():
            if r["diverged"]:
                parts.append(f"{n}: diverged after {r['n']} step{'s' * (r['n'] != 1)}")
            else:
                x, y = r["end"]
                parts.append(f"{n}: loss {r['final_loss']:.3g} after {r['n']} steps, "
                             f"at ({x:.3g}, {y:.3g})")
        lowest = self.setup["surfaces"][self.surface]["minimum"]
        return ("; ".join(parts) + (". " if parts else "No optimizer selected. ")
                + f"The minimum is at ({lowest[0]:g}, {lowest[1]:g}).")

    def describe(self) -> str:
        """The drawing in words (the website's text before its script runs)."""
        spec = self.setup["surfaces"][self.surface]
        names = ", ".join(self.selected) or "no optimizer"
        return (f"The paths of {names} on the {spec['title']} from "
                f"({spec['start'][0]:.3g}, {spec['start'][1]:.3g}), drawn over its contour "
                f"lines, and each one's loss against the step on a log scale. {self.text}")

    def __repr__(self) -> str:
        return (f"OptimizerExplorer(surface={self.surface!r}, steps={self.steps}, "
                f"selected={self.selected})")
