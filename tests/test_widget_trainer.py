"""The trainer widget: its numbers are those of fit with the same settings; controls drive it."""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from bpkit.layers import Linear, Tanh  # noqa: E402
from bpkit.losses import SoftmaxCrossEntropy  # noqa: E402
from bpkit.model import Sequential  # noqa: E402
from bpkit.optim import SGD  # noqa: E402
from bpkit.train import fit  # noqa: E402
from bpkit.widgets.trainer import Trainer  # noqa: E402


def test_widget_numbers_equal_a_direct_fit():
    tr = Trainer("moons", lr=0.3, batch_size=16, hidden=6, epochs=12)
    (x, t), (xv, tv) = tr.data()
    rng = np.random.default_rng(0)
    model = Sequential(Linear(2, 6, rng=rng), Tanh(), Linear(6, 6, rng=rng), Tanh(),
                       Linear(6, 2, rng=rng))
    h = fit(model, SoftmaxCrossEntropy(), SGD(model, 0.3), x, t, epochs=12, batch_size=16,
            rng=np.random.default_rng(2), validation=(xv, tv))
    assert tr.history.val_loss == h.val_loss
    assert tr.val_acc == h.val_acc[-1] and tr.train_loss == h.train_loss[-1]
    assert len(x) == 150 and len(xv) == 50
    assert tr.image.value[:4] == b"\x89PNG"


def test_controls_retrain_and_set_retrains_once(monkeypatch):
    tr = Trainer("xor", lr=0.1, batch_size=32, hidden=4, epochs=5)
    calls = []
    original = tr.train
    monkeypatch.setattr(tr, "train", lambda: calls.append(1) or original())
    tr.epochs.value = 7
    assert len(calls) == 1 and tr.history.epoch[-1] == 7
    tr.set(lr=0.2, batch_size="full", hidden=3, epochs=4)
    assert len(calls) == 2
    assert tr.history.steps[-1] == 4  # full batch: one step per epoch
    assert "epoch 4" in tr.status.value and "validation accuracy" in tr.status.value


def test_learning_matters():
    tr = Trainer("moons", lr=0.001, batch_size=16, hidden=8, epochs=30)
    slow = tr.val_loss
    tr.set(lr=0.5)
    assert tr.val_loss < 0.5 * slow and tr.val_acc > 0.9


def test_divergence_is_shown_not_raised(monkeypatch):
    import bpkit.widgets.trainer as trainer

    tr = Trainer("moons", lr=10.0, batch_size=1, hidden=8, epochs=3)
    seen = {}

    def diverging_fit(*args, **kwargs):  # tanh and cross-entropy rarely blow up: fake it
        seen.update(kwargs)
        h = fit(*args, **{**kwargs, "epochs": 1})
        h.diverged = True
        return h

    monkeypatch.setattr(trainer, "fit", diverging_fit)
    tr.train()
    assert seen["on_divergence"] == "stop"  # the widget asks fit to stop, not to raise
    assert tr.diverged and "diverged</b> in epoch 2" in tr.status.value
    assert "diverged" in repr(tr)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="dataset must be one of"):
        Trainer("mnist")
    with pytest.raises(ValueError, match="batch_size must be one of"):
        Trainer(batch_size=3)
    tr = Trainer(epochs=1)
    with pytest.raises(ValueError, match="unknown control"):
        tr.set(momentum=0.9)
