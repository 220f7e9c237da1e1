"""The trainer: set the learning rate, batch size, hidden width and epochs; it trains.

:class:`Trainer` builds a small tanh network (two hidden layers of ``hidden`` units and one
logit per class), trains it with :func:`bpkit.train.fit` and plain SGD on a 2-D dataset
split into training and validation points, and draws one figure with two panels: the loss
curves (training solid, validation dashed) and the decision boundary over the points.

Every change of a control retrains from the same initial weights and the same shuffling
seed, so two settings differ only in what the controls say. The figure is rendered to PNG
bytes in an ``ipywidgets.Image``, so a saved notebook keeps the picture and the static
website shows it. Everything is usable headless, from code:

>>> tr = Trainer(dataset="moons")
>>> tr.set(lr=0.3, batch_size=16, hidden=8, epochs=50)   # one retraining
>>> round(tr.val_acc, 3), tr.diverged  # doctest: +SKIP
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from .. import datasets
from ..layers import Linear, Tanh
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential
from ..optim import SGD
from ..plot import plot_decision_boundary, plot_loss_curves
from ..train import fit
from . import caption

__all__ = ["Trainer", "DATASETS", "BATCH_SIZES"]

#: The datasets to choose from, each with the arguments it is drawn with.
DATASETS = {
    "moons": lambda rng: datasets.two_moons(200, noise=0.2, rng=rng),
    "circles": lambda rng: datasets.circles(200, noise=0.08, rng=rng),
    "xor": lambda rng: datasets.xor(200, noise=0.35, rng=rng),
    "spirals": lambda rng: datasets.spirals(300, noise=0.03, rng=rng),
}
#: Batch sizes on offer; "full" is full-batch gradient descent.
BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, "full"]
_CONTROLS = ("dataset", "lr", "batch_size", "hidden", "epochs")


class Trainer:
    """Train a small network on a 2-D dataset and show its loss curves and decision boundary.

    Controls (attributes, each an ipywidgets control whose ``.value`` code may set):
    ``dataset`` (one of :data:`DATASETS`), ``lr`` (learning rate, log scale), ``batch_size``
    (one of :data:`BATCH_SIZES`), ``hidden`` (units per hidden layer), ``epochs``.
    Read-outs: ``history`` (the :class:`bpkit.train.History` of the last run), ``model``,
    ``train_loss``, ``val_loss``, ``val_acc`` (at the last epoch) and ``diverged``.
    ``seed`` fixes the data, the split, the initial weights and the shuffling.
    """

    def __init__(self, dataset: str = "moons", *, lr: float = 0.3, batch_size=16,
                 hidden: int = 8, epochs: int = 60, seed: int = 0):
        if dataset not in DATASETS:
            raise ValueError(f"Trainer: dataset must be one of {sorted(DATASETS)}, "
                             f"got {dataset!r}")
        if batch_size not in BATCH_SIZES:
            raise ValueError(f"Trainer: batch_size must be one of {BATCH_SIZES}, "
                             f"got {batch_size!r}")
        self.seed = seed
        style = {"description_width": "90px"}
        layout = widgets.Layout(width="340px")
        self.dataset = widgets.Dropdown(options=list(DATASETS), value=dataset,
                                        description="dataset", style=style, layout=layout)
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.05,
                                         description="learning rate", readout_format=".3g",
                                         continuous_update=False, style=style, layout=layout)
        self.batch_size = widgets.SelectionSlider(options=BATCH_SIZES, value=batch_size,
                                                  description="batch size",
                                                  continuous_update=False, style=style,
                                                  layout=layout)
        self.hidden = widgets.IntSlider(value=hidden, min=1, max=64, description="hidden width",
                                        continuous_update=False, style=style, layout=layout)
        self.epochs = widgets.IntSlider(value=epochs, min=1, max=300, description="epochs",
                                        continuous_update=False, style=style, layout=layout)
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.caption = widgets.HTML()  # the picture in words
        self._hold = False
        for name in _CONTROLS:
            getattr(self, name).observe(self._on_control, names="value")
        controls = widgets.VBox([getattr(self, name) for name in _CONTROLS] + [self.status])
        self.widget = widgets.VBox([controls, self.image, self.caption])
        self._fig = Figure(figsize=(10, 4), dpi=80)
        FigureCanvasAgg(self._fig)
        self.train()

    # ------------------------------------------------------------------ training

    def set(self, **values) -> None:
        """Set several controls at once (``lr=0.1, epochs=20``, ...) and retrain once."""
        unknown = set(values) - set(_CONTROLS)
        if unknown:
            raise ValueError(f"Trainer.set: unknown control(s) {sorted(unknown)}; the controls "
                             f"are {list(_CONTROLS)}")
        self._hold = True
        try:
            for name, value in values.items():
                getattr(self, name).value = value
        finally:
            self._hold = False
        self.train()

    def _on_control(self, change) -> None:
        if not self._hold:
            self.train()

    def data(self):
        """The current dataset, split: ``(x_train, t_train), (x_val, t_val)``."""
        x, t = DATASETS[self.dataset.value](np.random.default_rng(self.seed))
        return datasets.train_val_split(x, t, val_fraction=0.25,
                                        rng=np.random.default_rng(self.seed + 1))

    def train(self):
        """Build a fresh model from the seed, train it with the controls' values, redraw."""
        (x, t), (xv, tv) = self.data()
        rng = np.random.default_rng(self.seed)
        h, k = self.hidden.value, int(max(t.max(), tv.max())) + 1
        self.model = Sequential(Linear(2, h, rng=rng), Tanh(), Linear(h, h, rng=rng), Tanh(),
                                Linear(h, k, rng=rng))
        batch = None if self.batch_size.value == "full" else self.batch_size.value
        self.history = fit(self.model, SoftmaxCrossEntropy(), SGD(self.model, self.lr.value),
                           x, t, epochs=self.epochs.value, batch_size=batch,
                           rng=np.random.default_rng(self.seed + 2), validation=(xv, tv),
                           on_divergence="stop")
        self._draw(np.concatenate([x, xv]), np.concatenate([t, tv]))
        return self.history

    # ------------------------------------------------------------------ read-outs

    @property
    def diverged(self) -> bool:
        return self.history.diverged

    @property
    def train_loss(self) -> float:
        return self.history.train_loss[-1]

    @property
    def val_loss(self) -> float:
        return self.history.val_loss[-1]

    @property
    def val_acc(self) -> float:
        return self.history.val_acc[-1]

    # ------------------------------------------------------------------ drawing

    def _draw(self, x, t) -> None:
        fig = self._fig
        fig.clear()
        ax_loss, ax_map = fig.subplots(1, 2)
        hist = self.history
        plot_loss_curves(hist, ax_loss, logy=True,
                         title=f"Loss, lr={self.lr.value:.3g}, batch size={self.batch_size.value}")
        if hist.diverged:
            ax_map.text(0.5, 0.5, "diverged: the loss became\nNaN or infinite",
                        ha="center", va="center", transform=ax_map.transAxes, fontsize=13)
            ax_map.set_title("No decision boundary")
            ax_map.set_xlabel("$x_1$")
            ax_map.set_ylabel("$x_2$")
            self.status.value = (f"<b>diverged</b> in epoch {hist.epoch[-1] + 1}: try a smaller "
                                 "learning rate")
        else:
            plot_decision_boundary(self.model, x, t, ax_map, resolution=120,
                                   title=f"Decision boundary after {hist.epoch[-1]} epochs")
            self.status.value = (f"epoch {hist.epoch[-1]}: train loss {self.train_loss:.4f}, "
                                 f"validation loss {self.val_loss:.4f}, "
                                 f"validation accuracy {self.val_acc:.1%}")
        fig.tight_layout()
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba())
        buf = io.BytesIO()
        PILImage.fromarray(rgba[..., :3]).save(buf, format="png", compress_level=1)
        self.image.value = buf.getvalue()
        self.caption.value = caption(
            f"Left: training and validation loss over {hist.epoch[-1]} epochs of the "
            f"{self.dataset.value} dataset, learning rate {self.lr.value:.3g}, batch size "
            f"{self.batch_size.value}, hidden width {self.hidden.value}. Right: "
            + ("nothing, the run diverged." if hist.diverged else
               "the plane shaded by the predicted class, with the points over it. "
               + self.status.value))

    # ------------------------------------------------------------------ display

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        state = "diverged" if self.diverged else f"val_acc={self.val_acc:.3f}"
        return (f"Trainer(dataset={self.dataset.value!r}, lr={self.lr.value:.3g}, "
                f"batch_size={self.batch_size.value!r}, hidden={self.hidden.value}, "
                f"epochs={self.epochs.value}, {state})")
