"""The trainer widget: its numbers are bpkit's ``fit`` with the same settings; controls and
buttons drive it as the page does."""

import json

import numpy as np
import pytest

from bpkit.losses import SoftmaxCrossEntropy
from bpkit.train import fit
from bpkit.widgets.optimizers import make_optimizer
from bpkit.widgets.trainer import HYPER, MAX_HISTORY, OPTIMIZERS, Trainer, build_model, make_data


def direct_fit(trainer, epochs):
    """What bpkit's fit does from the trainer's data and initial weights."""
    c = trainer.controls
    (x, t), (xv, tv) = trainer.data_arrays()
    model = build_model(c, trainer.data["n_classes"], trainer.start)
    batch = None if c["batch_size"] == "full" else c["batch_size"]
    history = fit(model, SoftmaxCrossEntropy(),
                  make_optimizer(c["optimizer"], model, c["lr"], **HYPER), x, t, epochs=epochs,
                  batch_size=batch, rng=np.random.default_rng(c["seed"] + 2),
                  validation=(xv, tv))
    return model, history


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_equals_fit_for_each_optimizer(optimizer):
    tr = Trainer("spirals3" if optimizer == "Adam" else "moons", layers=2, width=6,
                 activation="relu" if optimizer == "RMSProp" else "tanh",
                 lr=0.01 if optimizer in ("RMSProp", "Adam") else 0.2, batch_size=16,
                 optimizer=optimizer, seed=3)
    tr.train(epochs=12)
    model, history = direct_fit(tr, 12)
    for k, p in model.params.items():
        assert np.array_equal(tr.params[k], p), k
    got = tr.history
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert got[key] == getattr(history, key), key
    assert got["epoch"] == history.epoch and got["step"] == history.steps
    assert tr.epochs == 12 and tr.steps == 12 * 10  # 150 points in batches of 16
    assert tr.train_loss == history.train_loss[-1] and tr.val_acc == history.val_acc[-1]


def test_the_data_are_bpkits_split_150_50():
    tr = Trainer("spirals3", seed=4)
    (x, t), (xv, tv) = tr.data_arrays()
    assert x.shape == (150, 2) and xv.shape == (50, 2) and tr.data["n_classes"] == 3
    assert sorted(set(t.tolist())) == [0, 1, 2] and tr.data["source"] == "bpkit"
    assert make_data("spirals3", 4) == tr.data
    assert make_data("spirals3", 5) != tr.data


def test_gradients_are_those_of_the_whole_training_set():
    tr = Trainer("circles", layers=1, width=5, activation="sigmoid")
    tr.step(7)
    (x, t), _ = tr.data_arrays()
    model = build_model(tr.controls, 2, tr.result["params"])
    loss = SoftmaxCrossEntropy()
    value = loss.forward(model.forward(x), t)
    model.backward(loss.backward())
    assert value == tr.train_loss
    for k, g in model.grads.items():
        np.testing.assert_array_equal(tr.gradients[k], g)


def test_step_is_one_batch_and_epoch_finishes_the_epoch():
    tr = Trainer("xor", batch_size=32)  # 150 points: 5 batches an epoch
    tr.step()
    assert (tr.steps, tr.epochs, tr.result["batch"]) == (1, 0, 1)
    tr.step(3)
    assert (tr.steps, tr.epochs, tr.result["batch"]) == (4, 0, 4)
    first_order = tr.result["order"]
    tr.epoch()  # the last batch of epoch 1
    assert (tr.steps, tr.epochs, tr.result["batch"]) == (5, 1, 0)
    assert tr.result["order"] != first_order and sorted(tr.result["order"]) == list(range(150))
    tr.epoch()
    assert (tr.steps, tr.epochs) == (10, 2) and tr.history["epoch"] == [0, 1, 2]
    tr.set(batch_size="full")
    tr.train(epochs=3)
    assert (tr.steps, tr.epochs) == (3, 3)  # full batch: one step an epoch


def test_what_each_change_restarts():
    tr = Trainer("moons", lr=0.3)
    start, data = tr.start, tr.data
    tr.train(epochs=2)
    tr.set(lr=0.1)  # the run goes on
    assert tr.epochs == 2 and tr.start == start
    tr.train(epochs=1)
    assert tr.epochs == 3
    tr.set(optimizer="momentum")  # again from the same initial weights
    assert tr.steps == 0 and tr.start == start and tr.data == data
    assert tr.result["params"] == start
    tr.set(width=5)  # new weights, same data
    assert tr.steps == 0 and tr.start != start and tr.data == data
    assert np.shape(tr.start["0.W"]) == (5, 2)
    tr.set(dataset="spirals3")  # new points, new weights (three outputs)
    assert tr.data != data and np.shape(tr.start["4.W"]) == (3, 5)


def test_reset_gives_the_same_run_again():
    tr = Trainer("circles", optimizer="Adam", lr=0.02, batch_size=8)
    tr.train(epochs=3)
    first = tr.result
    tr.reset()
    assert tr.steps == 0 and tr.result["params"] == tr.start
    tr.train(epochs=3)
    assert tr.result == first


def test_the_page_drives_it_with_messages_and_controls():
    tr = Trainer("moons")
    tr._on_message(tr, {"event": "epoch"}, [])
    assert tr.epochs == 1 and tr.steps == 10
    tr._on_message(tr, {"event": "step"}, [])
    assert tr.steps == 11
    tr._on_message(tr, {"event": "nothing"}, [])  # unknown events are ignored
    tr.controls = {**tr.controls, "lr": 1.0}  # as the page writes a slider
    assert tr.steps == 11 and tr._optimizer.lr == 1.0
    tr.controls = {**tr.controls, "activation": "relu"}
    assert tr.steps == 0
    tr._on_message(tr, {"event": "reset"}, [])
    assert tr.steps == 0


def test_a_long_history_keeps_every_other_epoch():
    tr = Trainer("xor", layers=1, width=2, batch_size="full")
    tr.train(epochs=MAX_HISTORY + 1)
    h = tr.history
    assert tr.result["every"] == 2 and h["epoch"][:3] == [0, 2, 4]
    assert h["epoch"][-1] == MAX_HISTORY and len(h["epoch"]) == MAX_HISTORY // 2 + 1


def test_divergence_is_shown_not_raised():
    tr = Trainer("moons", activation="relu", layers=3, width=16, lr=10.0, batch_size=1)
    tr.train(epochs=40)
    assert tr.diverged and tr.result["train_loss"] is None
    steps = tr.steps
    tr.step()
    tr.train(epochs=2)
    assert tr.steps == steps  # a diverged run takes no more steps
    assert "diverged" in tr.describe()
    tr.reset()
    assert not tr.diverged and tr.steps == 0


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="dataset must be one of"):
        Trainer("mnist")
    with pytest.raises(ValueError, match="batch_size must be one of"):
        Trainer(batch_size=3)
    with pytest.raises(ValueError, match="width must be an integer in"):
        Trainer(width=40)
    with pytest.raises(ValueError, match="lr must be a number in"):
        Trainer(lr=0.0)
    tr = Trainer()
    with pytest.raises(ValueError, match="unknown control"):
        tr.set(momentum=0.9)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        tr.set(optimizer="LBFGS")
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        tr.step(0)


def test_the_website_fallback_and_the_repr():
    tr = Trainer("spirals", width=4, lr=0.1)
    bundle = tr._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    page = data["text/html"]
    assert page.startswith('<div class="bpkit-widget" data-widget="trainer">')
    state = json.loads(page[page.index(">", page.index("<script")) + 1:page.index("</script>")])
    assert sorted(state) == ["controls", "data", "initial", "result", "start"]
    assert state["controls"] == tr.controls == state["initial"]
    assert "spirals dataset (150 training and 50 validation points" in page
    assert repr(tr).startswith("Trainer(dataset='spirals', layers=2, width=4")
    assert "0x" not in repr(tr)


def test_compute_gives_a_fresh_trainers_result():
    tr = Trainer("xor", width=3)
    tr.train(epochs=2)
    fresh = tr.compute(tr.controls)
    assert fresh["step"] == 0 and fresh["params"] == tr.start


def test_a_batch_size_must_be_an_integer_or_full():
    with pytest.raises(ValueError, match=r"batch_size must be one of .* got 16\.0"):
        Trainer(batch_size=16.0)
