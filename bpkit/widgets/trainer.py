r"""The trainer: a small network learning a 2-D dataset, live, step by step (Chapter 4).

:class:`Trainer` trains a network of 1 to 3 hidden layers (2 to 16 units each, tanh, ReLU or
sigmoid) with one logit per class and :class:`~bpkit.losses.SoftmaxCrossEntropy`, on one of
the datasets of :mod:`bpkit.datasets` split into training and validation points, with one of
the optimizers of Chapter 5. Its front-end (``js/trainer.js``) has the controls, the buttons
Play, Step and Reset, and three drawings: the plane shaded by the class the network predicts,
with the points; the training and validation loss after each epoch; and the network, where
hovering or focusing a unit or an edge shows its parameter and that parameter's gradient.

- **Step** is one update on one mini-batch (:func:`bpkit.train.train_step`); an epoch is
  one pass over the training points in the order drawn for it, as in :func:`bpkit.train.fit`.
- **Play** finishes an epoch per animation frame (the action ``epoch``) until paused. In a
  notebook the front-end asks the kernel for the next epoch only once bpkit has answered the
  previous one, so a busy kernel is never flooded with messages.
- **Reset** starts the run again from step 0: the same data, the same initial weights.
- Changing the dataset or the seed draws new data and new initial weights; changing the
  network draws new initial weights; changing the optimizer or the batch size starts the run
  again from the same initial weights; changing the learning rate takes effect at the next
  step (:func:`restart_kind`).

Everything the front-end draws is in synced traits: ``data`` (the points, split), ``start``
(the initial weights) and ``result`` (the step, the epoch, the weights, the optimizer's state,
the order of the current epoch, the losses and accuracies, the gradients of the training loss
and the history per epoch). On the website ``js/trainer.js`` continues from them with
``js/port.js``, which mirrors bpkit: it draws its own data and weights, from a seeded
generator, only when the reader changes the dataset, the seed or the network.

>>> tr = Trainer("moons", lr=0.3, batch_size=16)
>>> tr.train(epochs=5)            # what Play does, five frames of it
>>> tr.epochs, tr.steps           # 150 training points in batches of 16: 10 steps an epoch
(5, 50)
>>> tr.train_loss < tr.history["train_loss"][0]
True
"""

from __future__ import annotations

import math

import numpy as np
import traitlets

from .. import datasets
from ..layers import Linear, ReLU, Sigmoid, Tanh
from ..losses import SoftmaxCrossEntropy
from ..model import Sequential
from ..train import DivergenceError, evaluate, train_step
from .frontend import BookWidget, _finite
from .optimizers import OPTIMIZERS, make_optimizer

__all__ = ["Trainer", "DATASETS", "BATCH_SIZES", "ACTIVATIONS", "OPTIMIZERS", "LIMITS",
           "make_data", "build_model", "evaluate_state", "restart_kind"]

#: The datasets to choose from: the :mod:`bpkit.datasets` function and its arguments.
DATASETS = {
    "xor": ("xor", {"n": 200, "noise": 0.35}),
    "moons": ("two_moons", {"n": 200, "noise": 0.2}),
    "circles": ("circles", {"n": 200, "noise": 0.08}),
    "spirals": ("spirals", {"n": 200, "noise": 0.03}),
    "spirals3": ("spirals", {"n": 200, "n_classes": 3, "noise": 0.03}),
}
#: Batch sizes on offer; "full" is full-batch gradient descent (one step an epoch).
BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, "full"]
#: The hidden units' activation functions.
ACTIVATIONS = {"tanh": Tanh, "relu": ReLU, "sigmoid": Sigmoid}
#: The ranges of the numeric controls (the learning rate's slider is on a log scale).
LIMITS = {"layers": (1, 3), "width": (2, 16), "lr": (1e-4, 10.0), "seed": (0, 2**31 - 1)}
#: The optimizers' other hyperparameters (those of ``make_optimizer``'s defaults).
HYPER = {"momentum": 0.9, "rho": 0.9, "beta1": 0.9, "beta2": 0.999}
VAL_FRACTION = 0.25
#: The history keeps at most this many epochs: beyond it, every other one is dropped.
MAX_HISTORY = 400
_KEYS = ("dataset", "layers", "width", "activation", "lr", "batch_size", "optimizer", "seed")


def make_data(dataset: str, seed: int) -> dict:
    """The points of ``dataset``, drawn with NumPy from ``seed``, split 150 / 50.

    Returns ``{"x_train", "t_train", "x_val", "t_val", "n_classes", "source"}`` as lists
    (``source`` is ``"bpkit"``; the page's own data say ``"page"``). The points come from
    ``default_rng(seed)``, the split from ``default_rng(seed + 1)``. ``makeData`` in
    ``js/trainer.js`` draws the same kinds of points with the page's generator instead.
    """
    name, kwargs = DATASETS[dataset]
    x, t = getattr(datasets, name)(rng=np.random.default_rng(seed), **kwargs)
    (x_train, t_train), (x_val, t_val) = datasets.train_val_split(
        x, t, val_fraction=VAL_FRACTION, rng=np.random.default_rng(seed + 1))
    return {"x_train": x_train.tolist(), "t_train": t_train.tolist(), "x_val": x_val.tolist(),
            "t_val": t_val.tolist(), "n_classes": kwargs.get("n_classes", 2),
            "source": "bpkit"}


def build_model(controls: dict, n_classes: int, params: dict | None = None) -> Sequential:
    """The network the controls describe: ``layers`` hidden layers of ``width`` units.

    ``Linear(2, width)``, activation, ..., ``Linear(width, n_classes)``; the weights are drawn
    from ``default_rng(seed)`` (He's initialisation for ReLU, Glorot's otherwise), or copied
    from ``params`` (``{"0.W": ..., "0.b": ..., ...}``) when given.
    """
    rng = np.random.default_rng(controls["seed"])
    init = "he" if controls["activation"] == "relu" else "glorot"
    sizes = [2] + [controls["width"]] * controls["layers"] + [n_classes]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out, rng=rng, init=init))
        if i < controls["layers"]:
            layers.append(ACTIVATIONS[controls["activation"]]())
    model = Sequential(*layers)
    if params is not None:
        for k, p in model.params.items():
            p[...] = np.asarray(params[k], dtype=np.float64)
    return model


def evaluate_state(model, x_train, t_train, x_val, t_val) -> dict:
    """The numbers the trainer shows for the model's current weights.

    The training loss and accuracy over all training points, the gradient of that loss with
    respect to every parameter (one backward pass, the "current gradient" the drawing of the
    network shows), and the validation loss and accuracy. A model whose outputs are not
    finite gives NaN everywhere. Mirrored by ``evaluateState`` in ``js/trainer.js``.
    """
    loss = SoftmaxCrossEntropy()
    try:
        train_loss, train_acc = evaluate(model, loss, x_train, t_train)
        with np.errstate(over="ignore", invalid="ignore"):  # huge weights: inf, shown as such
            model.backward(loss.backward(), need_dx=False)
        grads = {k: g.tolist() for k, g in model.grads.items()}
        val_loss, val_acc = evaluate(model, loss, x_val, t_val)
    except DivergenceError:
        nan = math.nan
        grads = {k: np.full(g.shape, nan).tolist() for k, g in model.grads.items()}
        return {"train_loss": nan, "train_acc": nan, "val_loss": nan, "val_acc": nan,
                "grads": grads}
    return {"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
            "val_acc": val_acc, "grads": grads}


def restart_kind(old: dict, new: dict) -> str | None:
    """What a change of the controls from ``old`` to ``new`` does to the run.

    ``"data"``: new points and new initial weights (the dataset or the seed changed);
    ``"weights"``: new initial weights (the network changed); ``"run"``: the run starts
    again from the same initial weights (the optimizer or the batch size changed); ``None``:
    the run goes on (only the learning rate changed). Mirrored by ``restartKind`` in
    ``js/trainer.js``.
    """
    changed = {k for k in _KEYS if old.get(k) != new.get(k)}
    if changed & {"dataset", "seed"}:
        return "data"
    if changed & {"layers", "width", "activation"}:
        return "weights"
    if changed & {"optimizer", "batch_size"}:
        return "run"
    return None


def _check(values: dict) -> None:
    unknown = sorted(set(values) - set(_KEYS))
    if unknown:
        raise ValueError(f"Trainer: unknown control(s) {unknown}; the controls are "
                         f"{list(_KEYS)}")
    choices = {"dataset": list(DATASETS), "activation": list(ACTIVATIONS),
               "optimizer": list(OPTIMIZERS), "batch_size": BATCH_SIZES}
    for name, v in values.items():
        if name in choices:
            # 16.0 == 16, but a batch size must be an integer (or "full")
            if isinstance(v, (bool, float)) or v not in choices[name]:
                raise ValueError(f"Trainer: {name} must be one of {choices[name]}, got {v!r}")
            continue
        lo, hi = LIMITS[name]
        if name == "lr":
            ok = isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) \
                and math.isfinite(v) and lo <= v <= hi
        else:
            ok = isinstance(v, (int, np.integer)) and not isinstance(v, bool) and lo <= v <= hi
        if not ok:
            kind = "a number" if name == "lr" else "an integer"
            raise ValueError(f"Trainer: {name} must be {kind} in [{lo:g}, {hi:g}], got {v!r}")


class Trainer(BookWidget):
    """Train a small classifier on a 2-D dataset, live, with Play, Step and Reset.

    Parameters (the controls)
    -------------------------
    dataset : str
        One of :data:`DATASETS`: ``"xor"``, ``"moons"``, ``"circles"``, ``"spirals"``,
        ``"spirals3"`` (three spiral arms, three classes). 200 points: 150 to train on,
        50 for validation.
    layers, width : int
        Hidden layers (1 to 3) and units in each (2 to 16).
    activation : str
        ``"tanh"``, ``"relu"`` or ``"sigmoid"``.
    lr : float
        The learning rate.
    batch_size : int or "full"
        One of :data:`BATCH_SIZES`.
    optimizer : str
        ``"SGD"``, ``"momentum"``, ``"Nesterov"``, ``"RMSProp"`` or ``"Adam"`` (momentum 0.9,
        rho 0.9, beta1 0.9, beta2 0.999).
    seed : int
        Draws the data (``default_rng(seed)``, split with ``seed + 1``), the initial weights
        (``default_rng(seed)``) and the order of the examples in each epoch
        (``default_rng(seed + 2)``, one permutation per epoch, as :func:`~bpkit.train.fit`).

    Attributes
    ----------
    controls, data, start, result : dict
        The synced traits (see the module's docstring).
    steps, epochs, train_loss, train_acc, val_loss, val_acc, gradients, params, history,
    diverged, model
        The numbers the trainer shows, by name; ``model`` is the bpkit network itself.
    """

    _widget = "trainer"
    _actions = ("step", "epoch", "reset")
    _page_traits = ("controls", "initial", "data", "start", "result")
    data = traitlets.Dict().tag(sync=True)
    start = traitlets.Dict().tag(sync=True)

    def __init__(self, dataset: str = "moons", *, layers: int = 2, width: int = 8,
                 activation: str = "tanh", lr: float = 0.3, batch_size=16,
                 optimizer: str = "SGD", seed: int = 0):
        controls = {"dataset": dataset, "layers": layers, "width": width,
                    "activation": activation, "lr": lr, "batch_size": batch_size,
                    "optimizer": optimizer, "seed": seed}
        _check(controls)
        controls = {**controls, "lr": float(lr), "layers": int(layers), "width": int(width),
                    "seed": int(seed)}
        super().__init__(controls)

    # ------------------------------------------------------------------ the run

    def compute(self, controls: dict) -> dict:
        """The result at step 0 for ``controls``, as a new trainer with them shows it.

        (The trainer's own changes go through :meth:`_recompute`, which keeps the data and
        the weights that a change does not touch; see :func:`restart_kind`.)
        """
        return Trainer(**controls).result

    def _recompute(self, restart) -> None:
        with self.hold_sync():  # data, start and result reach the page in one message
            self._recompute_held(restart)

    def _recompute_held(self, restart) -> None:
        if restart is True or restart == "data":
            self.data = make_data(self.controls["dataset"], self.controls["seed"])
        if restart is True or restart in ("data", "weights"):
            model = build_model(self.controls, self.data["n_classes"])
            self.start = {k: v.tolist() for k, v in model.params.items()}
        if restart is None:  # the learning rate: the run goes on
            self._optimizer.lr = self.controls["lr"]
            return
        self._restart()

    def _on_controls(self, change) -> None:
        if not self._holding:  # the page moved a control
            self._recompute(restart_kind(change["old"], change["new"]))

    def set(self, **values) -> None:
        """Set controls from code, e.g. ``tr.set(dataset="spirals", optimizer="Adam")``.

        What happens to the run is what the same change in the page does
        (:func:`restart_kind`).
        """
        _check(values)
        values = {k: (float(v) if k == "lr" else v) for k, v in values.items()}
        new = {**self.controls, **values}
        self._set_controls(values, restart=restart_kind(self.controls, new))

    def _arrays(self):
        d = self.data
        return (np.asarray(d["x_train"], dtype=np.float64), np.asarray(d["t_train"]),
                np.asarray(d["x_val"], dtype=np.float64), np.asarray(d["t_val"]))

    def _restart(self) -> None:
        """Step 0: the initial weights, a fresh optimizer, the first epoch's order."""
        c = self.controls
        self._x, self._t, self._x_val, self._t_val = self._arrays()
        self.model = build_model(c, self.data["n_classes"], self.start)
        self._loss = SoftmaxCrossEntropy()
        self._optimizer = make_optimizer(c["optimizer"], self.model, c["lr"], **HYPER)
        self._orders = np.random.default_rng(c["seed"] + 2)
        self._order = self._orders.permutation(len(self._t))
        self._step = self._epoch = self._batch = 0
        self._every = 1
        self._history = {k: [] for k in ("epoch", "step", "train_loss", "train_acc",
                                         "val_loss", "val_acc")}
        self._diverged = False
        self._record()
        self._publish()

    def _batches(self) -> list:
        size = None if self.controls["batch_size"] == "full" else self.controls["batch_size"]
        return [self._order[i:i + (size or len(self._order))]
                for i in range(0, len(self._order), size or len(self._order))]

    def _one_step(self) -> None:
        """One mini-batch update; at the end of an epoch, the history and the next order."""
        batches = self._batches()
        idx = batches[self._batch]
        train_step(self.model, self._loss, self._optimizer, self._x[idx], self._t[idx])
        self._step += 1
        self._batch += 1
        if self._batch == len(batches):
            self._batch = 0
            self._epoch += 1
            self._order = self._orders.permutation(len(self._t))  # as fit draws it
            if self._epoch % self._every == 0:
                self._record()

    def _record(self) -> None:
        """Add the current epoch to the history (keeping at most MAX_HISTORY epochs)."""
        numbers = evaluate_state(self.model, self._x, self._t, self._x_val, self._t_val)
        h = self._history
        h["epoch"].append(self._epoch)
        h["step"].append(self._step)
        for k in ("train_loss", "train_acc", "val_loss", "val_acc"):
            h[k].append(numbers[k])
        if len(h["epoch"]) > MAX_HISTORY:
            self._every *= 2
            keep = [i for i, e in enumerate(h["epoch"]) if e % self._every == 0]
            for k in h:
                h[k] = [h[k][i] for i in keep]
        if not math.isfinite(numbers["train_loss"]):  # an output overflowed: stop here
            raise DivergenceError("the loss at the end of the epoch is not finite")

    def _run(self, steps: int | None) -> None:
        """``steps`` updates, or (``None``) the updates left in the current epoch."""
        if self._diverged:
            return
        try:
            if steps is None:
                self._one_step()
                while self._batch != 0:
                    self._one_step()
            else:
                for _ in range(steps):
                    self._one_step()
        except DivergenceError:
            self._diverged = True
        self._publish()

    def _publish(self) -> None:
        """Put the run's state in ``result``, which the front-end draws."""
        numbers = evaluate_state(self.model, self._x, self._t, self._x_val, self._t_val)
        if not math.isfinite(numbers["train_loss"]):
            self._diverged = True
        state = {k: {b: a.tolist() for b, a in slot.items()}
                 for k, slot in self._optimizer.state.items() if slot}
        self.result = _finite({
            "step": self._step, "epoch": self._epoch, "batch": self._batch,
            "order": self._order.tolist(),
            "params": {k: v.tolist() for k, v in self.model.params.items()},
            "optimizer": {"t": self._optimizer.t, "state": state},
            **numbers,
            "history": {k: list(v) for k, v in self._history.items()},
            "every": self._every, "diverged": self._diverged})

    # ------------------------------------------------------------------ the buttons

    def step(self, steps: int = 1) -> None:
        """``steps`` updates, each on one mini-batch (the Step button makes one)."""
        if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 1:
            raise ValueError(f"Trainer.step: steps must be a positive integer, got {steps!r}")
        self._run(int(steps))

    def epoch(self) -> None:
        """The updates left in the current epoch (a whole epoch from its start): one frame
        of Play."""
        self._run(None)

    def train(self, epochs: int = 1) -> None:
        """``epochs`` epochs, as Play runs them, with one update of the drawing at the end."""
        if not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"Trainer.train: epochs must be a positive integer, got {epochs!r}")
        if self._diverged:
            return
        try:
            for _ in range(epochs):
                self._one_step()
                while self._batch != 0:
                    self._one_step()
        except DivergenceError:
            self._diverged = True
        self._publish()

    def reset(self) -> None:
        """Start the run again from step 0: the same data and initial weights."""
        self._restart()

    # ------------------------------------------------------------------ read-outs

    def data_arrays(self):
        """The points as arrays: ``(x_train, t_train), (x_val, t_val)``."""
        x, t, xv, tv = self._arrays()
        return (x, t), (xv, tv)

    @property
    def steps(self) -> int:
        return self.result["step"]

    @property
    def epochs(self) -> int:
        return self.result["epoch"]

    def _number(self, key: str) -> float:
        v = self.result[key]
        return math.nan if v is None else v

    @property
    def train_loss(self) -> float:
        return self._number("train_loss")

    @property
    def val_loss(self) -> float:
        return self._number("val_loss")

    @property
    def train_acc(self) -> float:
        return self._number("train_acc")

    @property
    def val_acc(self) -> float:
        return self._number("val_acc")

    @property
    def diverged(self) -> bool:
        return self.result["diverged"]

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """dL/d(parameter) of the training loss over all training points, at the current
        weights: what hovering the drawing of the network shows."""
        return {k: np.asarray(v, dtype=float) for k, v in self.result["grads"].items()}

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=float) for k, v in self.result["params"].items()}

    @property
    def history(self) -> dict[str, list]:
        """Per recorded epoch: ``epoch``, ``step``, ``train_loss``, ``train_acc``,
        ``val_loss``, ``val_acc`` (epoch 0 is the untrained network)."""
        return {k: list(v) for k, v in self.result["history"].items()}

    def describe(self) -> str:
        """The drawing in words (the website's text before its script runs)."""
        c, d, r = self.controls, self.data, self.result
        batch = "all training points" if c["batch_size"] == "full" else \
            f"batches of {c['batch_size']}"
        numbers = ("the run diverged" if r["diverged"] else
                   f"training loss {self.train_loss:.4f}, validation loss {self.val_loss:.4f}, "
                   f"validation accuracy {self.val_acc:.1%}")
        return (f"The trainer on the {c['dataset']} dataset ({len(d['t_train'])} training and "
                f"{len(d['t_val'])} validation points, {d['n_classes']} classes): "
                f"{c['layers']} hidden layer(s) of {c['width']} {c['activation']} units, "
                f"{c['optimizer']} with learning rate {c['lr']:.3g} on {batch}. After "
                f"{r['epoch']} epochs ({r['step']} steps): {numbers}. The drawings: the plane "
                "shaded by the predicted class with the points, the loss after each epoch, "
                "and the network with its weights.")

    def __repr__(self) -> str:
        c = self.controls
        return (f"Trainer(dataset={c['dataset']!r}, layers={c['layers']}, width={c['width']}, "
                f"activation={c['activation']!r}, optimizer={c['optimizer']!r}, "
                f"lr={c['lr']:.3g}, batch_size={c['batch_size']!r}, epochs={self.epochs}, "
                f"steps={self.steps}, train_loss={self.train_loss:.4g})")
