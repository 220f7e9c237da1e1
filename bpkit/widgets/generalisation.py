r"""Overfitting explorer (Chapter 7): the training and validation loss of the digits network
for a grid of settings, redrawn as the reader changes them.

The controls are the number of training digits, the width of the hidden layer, the weight
decay :math:`\gamma` (inside Adam) and the dropout rate :math:`r`. Every combination of
``SIZES``, ``WIDTHS``, ``DECAYS`` and ``DROPOUTS`` (16 runs) is trained by bpkit when the
widget is made (:func:`precompute`, the chapter's recipe: ``Linear(64, width)`` with He's
initialisation, ReLU, ``Dropout(r)``, ``Linear(width, 10)``, seed 1; Adam with
:math:`\eta = 0.005` in batches of 32 for ``EPOCHS`` epochs), so the widget only looks a run up:
training in the browser would need a port of the whole training loop. The runs travel with
the widget as the synced trait ``runs``; on the website, ``js/generalisation.js`` looks them up
with ``generalisationState`` of ``js/port.js``, which mirrors :func:`generalisation_state`.

Headless use::

    runs = precompute()
    generalisation_state(runs, {"n_train": 100, "width": 128, "weight_decay": 0.0,
                                "dropout": 0.5})["gap"]
"""

from __future__ import annotations

import itertools

import numpy as np
import traitlets

from ..datasets import digits, train_val_test_split
from ..layers import Dropout, Linear, ReLU
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential
from ..optim import Adam
from ..train import fit
from .frontend import BookWidget

__all__ = ["SIZES", "WIDTHS", "DECAYS", "DROPOUTS", "EPOCHS", "run_key", "train_run",
           "precompute", "generalisation_state", "GeneralisationExplorer"]

#: The settings the grid spans: training digits, hidden units, weight decay, dropout rate.
SIZES = (100, 300)
WIDTHS = (16, 128)
DECAYS = (0.0, 0.001)
DROPOUTS = (0.0, 0.5)
#: Epochs of every precomputed run.
EPOCHS = 25
KEYS = ("n_train", "width", "weight_decay", "dropout")
CHOICES = dict(zip(KEYS, (SIZES, WIDTHS, DECAYS, DROPOUTS), strict=True))


def run_key(controls: dict) -> str:
    """``"n_train|width|weight_decay|dropout"``, each number as ``format(v, "g")`` (the same
    text as JavaScript's ``String(v)`` for the grid's values). Refuses a setting off the grid."""
    for k in KEYS:
        if k not in controls:
            raise KeyError(f"run_key: the controls need {k!r}; got {sorted(controls)}")
        if controls[k] not in CHOICES[k]:
            raise ValueError(f"run_key: {k} must be one of {CHOICES[k]}, got {controls[k]!r}")
    return "|".join(format(controls[k], "g") for k in KEYS)


def train_run(n_train: int, width: int, weight_decay: float, dropout: float,
              epochs: int = EPOCHS) -> dict:
    """One run of the chapter's recipe; its losses and accuracies per epoch (epoch 0 first)."""
    (x_train, t_train), (x_val, t_val), _ = train_val_test_split(
        *digits(), val_fraction=0.2, test_fraction=0.2, rng=0)
    rng = np.random.default_rng(1)
    layers = [Linear(64, width, rng=rng, init="he"), ReLU()]
    if dropout:
        layers.append(Dropout(dropout, rng=rng))
    model = Sequential(*layers, Linear(width, 10, rng=rng))
    history = fit(model, SoftmaxCrossEntropy(),
                  Adam(model, lr=0.005, weight_decay=weight_decay),
                  x_train[:n_train], t_train[:n_train], epochs=epochs, batch_size=32,
                  rng=np.random.default_rng(2), validation=(x_val, t_val))
    return {k: [float(v) for v in getattr(history, k)]
            for k in ("train_loss", "val_loss", "train_acc", "val_acc")}


def precompute(epochs: int = EPOCHS) -> dict:
    """Every run of the grid, keyed by :func:`run_key`."""
    runs = {}
    for values in itertools.product(SIZES, WIDTHS, DECAYS, DROPOUTS):
        controls = dict(zip(KEYS, values, strict=True))
        runs[run_key(controls)] = train_run(*values, epochs=epochs)
    return runs


def generalisation_state(runs: dict, controls: dict) -> dict:
    """What the widget shows for ``controls``: the run's curves and its last epoch's numbers,
    with the gap (validation loss minus training loss, training accuracy minus validation
    accuracy). Mirrored by ``generalisationState`` in ``js/port.js``."""
    run = runs[run_key(controls)]
    train_loss, val_loss = run["train_loss"][-1], run["val_loss"][-1]
    train_acc, val_acc = run["train_acc"][-1], run["val_acc"][-1]
    return {"key": run_key(controls), "epochs": list(range(len(run["train_loss"]))),
            "train_loss_curve": run["train_loss"], "val_loss_curve": run["val_loss"],
            "train_loss": train_loss, "val_loss": val_loss, "gap": val_loss - train_loss,
            "train_acc": train_acc, "val_acc": val_acc, "acc_gap": train_acc - val_acc}


class GeneralisationExplorer(BookWidget):
    """The overfitting explorer: four menus, the two loss curves, the gap (see the module)."""

    _widget = "generalisation"
    runs = traitlets.Dict().tag(sync=True)
    _page_traits = ("controls", "initial", "result", "runs")

    def __init__(self, runs: dict | None = None, *, n_train: int = 100, width: int = 128,
                 weight_decay: float = 0.0, dropout: float = 0.0):
        controls = {"n_train": n_train, "width": width, "weight_decay": weight_decay,
                    "dropout": dropout}
        run_key(controls)  # refuses a setting off the grid before anything is trained
        super().__init__(controls, runs=precompute() if runs is None else runs)

    def compute(self, controls: dict) -> dict:
        return generalisation_state(self.runs, controls)

    def set(self, **controls) -> None:
        """Move some controls (``n_train=500, dropout=0.5``); recomputes once."""
        new = {**self.controls, **controls}
        run_key(new)
        self._set_controls(new)

    def describe(self) -> str:
        r, c = self.result, self.controls
        return (f"Training and validation loss per epoch of the digits network, {c['n_train']} "
                f"training digits, {c['width']} hidden units, weight decay "
                f"{c['weight_decay']:g}, dropout rate {c['dropout']:g}: after {EPOCHS} epochs "
                f"the training loss is {r['train_loss']:.4g}, the validation loss "
                f"{r['val_loss']:.4g}, a gap of {r['gap']:.4g}.")
