"""The training loop: batching, shuffling, history, callbacks, early stopping, divergence."""

import numpy as np
import pytest

import bpkit as bp
from bpkit.datasets import two_moons
from bpkit.train import (
    DivergenceError,
    EarlyStopping,
    History,
    evaluate,
    fit,
    minibatches,
    predicted_classes,
    train_step,
)


def small_model(seed=0, hidden=8):
    rng = np.random.default_rng(seed)
    return bp.Sequential(bp.Linear(2, hidden, rng=rng), bp.Tanh(), bp.Linear(hidden, 1, rng=rng))


def moons(n=64):
    return two_moons(n, noise=0.1, rng=1)


# ----------------------------------------------------------------------- minibatches


def test_minibatches_partition_the_indices_with_a_short_last_batch():
    batches = minibatches(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))


def test_minibatches_order_comes_from_the_generator():
    got = np.concatenate(minibatches(10, 3, np.random.default_rng(5)))
    np.testing.assert_array_equal(got, np.random.default_rng(5).permutation(10))
    in_order = minibatches(5, 2, None)
    assert [b.tolist() for b in in_order] == [[0, 1], [2, 3], [4]]


def test_full_batch_and_per_example():
    assert [b.tolist() for b in minibatches(3, None, None)] == [[0, 1, 2]]
    assert len(minibatches(7, 1, np.random.default_rng(0))) == 7


# ----------------------------------------------------------------------- classes


def test_predicted_classes_threshold_and_argmax():
    np.testing.assert_array_equal(predicted_classes(np.array([[0.2], [0.7]])), [0, 1])
    np.testing.assert_array_equal(predicted_classes(np.array([[-0.1], [0.3]]), 0.0), [0, 1])
    np.testing.assert_array_equal(predicted_classes(np.array([[1, 3, 2], [5, 0, 1.0]])), [1, 0])
    with pytest.raises(ValueError, match=r"\(N, K\).*\(3,\)"):
        predicted_classes(np.zeros(3))


def test_evaluate_gives_loss_and_accuracy_without_changing_weights():
    model = small_model()
    before = {k: v.copy() for k, v in model.params.items()}
    x, t = moons()
    loss = bp.BinaryCrossEntropy(from_logits=True)
    value, acc = evaluate(model, loss, x, t)
    y = model(x)
    assert value == pytest.approx(loss(y, t))
    assert acc == pytest.approx(np.mean((y[:, 0] > 0) == t))
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])
    # a regression target has no accuracy
    assert evaluate(model, bp.SquaredError(), x, x[:, :1])[1] is None


# ----------------------------------------------------------------------- fit


def test_full_batch_fit_equals_plain_gradient_descent_by_hand():
    x, t = moons(32)
    loss = bp.BinaryCrossEntropy(from_logits=True)
    model = small_model()
    history = fit(model, loss, bp.SGD(model, 0.5), x, t, epochs=3, batch_size=None,
                  shuffle=False)
    by_hand = small_model()
    opt = bp.SGD(by_hand, 0.5)
    losses = [train_step(by_hand, loss, opt, x, t) for _ in range(3)]
    for k, v in model.params.items():
        np.testing.assert_allclose(v, by_hand.params[k], rtol=1e-12)
    np.testing.assert_allclose(history.step_loss, losses, rtol=1e-12)
    assert history.steps == [0, 1, 2, 3]


def test_shuffled_mini_batches_follow_the_generator():
    x, t = moons(20)
    loss = bp.BinaryCrossEntropy(from_logits=True)
    model = small_model()
    fit(model, loss, bp.SGD(model, 0.3), x, t, epochs=2, batch_size=8,
        rng=np.random.default_rng(4))
    by_hand = small_model()
    opt, rng = bp.SGD(by_hand, 0.3), np.random.default_rng(4)
    for _ in range(2):
        order = rng.permutation(20)
        for start in (0, 8, 16):
            idx = order[start:start + 8]
            train_step(by_hand, loss, opt, x[idx], t[idx])
    for k, v in model.params.items():
        np.testing.assert_allclose(v, by_hand.params[k], rtol=1e-12)


def test_history_has_one_entry_per_epoch_plus_the_start():
    x, t = moons(50)
    (xv, tv) = two_moons(20, noise=0.1, rng=2)
    model = small_model()
    h = fit(model, bp.BinaryCrossEntropy(from_logits=True), bp.SGD(model, 0.5), x, t,
            epochs=5, batch_size=16, rng=np.random.default_rng(0), validation=(xv, tv))
    assert h.epoch == [0, 1, 2, 3, 4, 5]
    assert h.steps == [0, 4, 8, 12, 16, 20]  # ceil(50 / 16) = 4 steps per epoch
    assert len(h.step_loss) == 20
    for key in History.KEYS:
        assert len(getattr(h, key)) == 6
    assert all(0 <= a <= 1 for a in h.train_acc + h.val_acc)
    assert h.train_loss[0] == pytest.approx(evaluate(small_model(), h_loss(), x, t)[0])
    assert h.train_loss[-1] == pytest.approx(evaluate(model, h_loss(), x, t)[0])
    assert h.as_dict()["epoch"] == h.epoch
    assert "5 epochs" in repr(h)


def h_loss():
    return bp.BinaryCrossEntropy(from_logits=True)


def test_training_lowers_the_loss_and_learns_the_moons():
    x, t = moons(200)
    model = small_model(hidden=16)
    h = fit(model, h_loss(), bp.SGD(model, 0.5), x, t, epochs=60, batch_size=16,
            rng=np.random.default_rng(0))
    assert h.train_loss[-1] < 0.3 * h.train_loss[0]
    assert h.train_acc[-1] > 0.95


def test_same_seed_same_run_other_seed_other_run():
    x, t = moons()
    runs = []
    for seed in (0, 0, 1):
        model = small_model()
        runs.append(fit(model, h_loss(), bp.SGD(model, 0.5), x, t, epochs=3, batch_size=8,
                        rng=np.random.default_rng(seed)).step_loss)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_no_validation_leaves_validation_lists_empty_and_regression_has_no_accuracy():
    x, _ = moons(30)
    target = x[:, :1] * 2.0
    model = small_model()
    h = fit(model, bp.SquaredError(), bp.SGD(model, 0.1), x, target, epochs=2,
            batch_size=10, rng=np.random.default_rng(0))
    assert h.val_loss == [] and h.val_acc == [] and h.train_acc == []
    assert len(h.train_loss) == 3


def test_callbacks_see_every_epoch_and_can_stop_the_run():
    x, t = moons(30)
    seen = []

    def stop_at_three(history, model):
        seen.append((history.epoch[-1], history.train_loss[-1]))
        return history.epoch[-1] == 3

    model = small_model()
    h = fit(model, h_loss(), bp.SGD(model, 0.1), x, t, epochs=10, batch_size=10,
            rng=np.random.default_rng(0), callbacks=[stop_at_three])
    assert [e for e, _ in seen] == [0, 1, 2, 3]
    assert h.epoch[-1] == 3 and [v for _, v in seen] == h.train_loss


class FakeModel:
    def __init__(self):
        self.params = {"w": np.zeros(1)}


@pytest.mark.parametrize("patience, stop", [(1, 2), (2, 3), (3, 4), (4, None)])
def test_early_stopping_waits_patience_epochs_and_restores_the_best(patience, stop):
    val = [1.0, 0.5, 0.6, 0.7, 0.8]
    stopper, model, history = EarlyStopping(patience=patience), FakeModel(), History()
    stopped = False
    for epoch, v in enumerate(val):
        model.params["w"][0] = 10 + epoch  # the "weights" of this epoch
        history.epoch.append(epoch)
        history.val_loss.append(v)
        if stopper(history, model):
            stopped = True
            break
    assert history.best_epoch == 1
    assert history.stopped_epoch == stop
    if stop is not None:
        assert stopped and model.params["w"][0] == 11  # restored to epoch 1's weights


def test_early_stopping_min_delta_and_missing_validation():
    stopper, model, history = EarlyStopping(patience=1, min_delta=0.1), FakeModel(), History()
    history.epoch, history.val_loss = [0], [1.0]
    assert stopper(history, model) is False
    history.epoch.append(1)
    history.val_loss.append(0.95)  # better, but by less than min_delta
    assert stopper(history, model) is True and history.best_epoch == 0
    with pytest.raises(ValueError, match="validation="):
        EarlyStopping()(History(), model)
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def test_early_stopping_inside_fit_on_an_overfitting_run():
    x, t = two_moons(16, noise=0.35, rng=0)
    xv, tv = two_moons(200, noise=0.35, rng=1)
    model = small_model(hidden=64)
    stopper = EarlyStopping(patience=20)
    h = fit(model, h_loss(), bp.SGD(model, 1.0), x, t, epochs=2000, batch_size=None,
            shuffle=False, validation=(xv, tv), callbacks=[stopper])
    assert h.stopped_epoch is not None and h.stopped_epoch < 2000
    assert h.stopped_epoch == h.best_epoch + 20
    assert evaluate(model, h_loss(), xv, tv)[0] == pytest.approx(h.val_loss[h.best_epoch])


def test_early_stopping_restores_the_untrained_model_when_training_only_hurts():
    x, t = two_moons(16, noise=0.35, rng=0)
    xv, tv = two_moons(200, noise=0.35, rng=1)
    model = small_model()
    before = {k: v.copy() for k, v in model.params.items()}
    stopper = EarlyStopping(patience=3)
    # lr < 0 is refused, so make every step hurt by flipping the targets of the training set
    h = fit(model, h_loss(), bp.SGD(model, 0.5), x, 1 - t, epochs=50, batch_size=None,
            shuffle=False, validation=(xv, tv), callbacks=[stopper])
    assert h.val_loss[1] > h.val_loss[0]
    assert h.best_epoch == 0 and h.stopped_epoch == 3
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_divergence_raises_or_stops_with_the_history_so_far():
    x, t = moons(40)
    x = x * 50
    model = small_model()
    # the loss first grows (a warning), then overflows (the error)
    with pytest.warns(bp.DivergenceWarning), pytest.raises(DivergenceError, match="lr=1000"):
        fit(model, bp.SquaredError(), bp.SGD(model, 1000.0), x, t.astype(float), epochs=50,
            batch_size=8, rng=np.random.default_rng(0))
    model = small_model()
    with pytest.warns(bp.DivergenceWarning):
        h = fit(model, bp.SquaredError(), bp.SGD(model, 1000.0), x, t.astype(float),
                epochs=50, batch_size=8, rng=np.random.default_rng(0), on_divergence="stop")
    assert h.diverged and len(h.epoch) < 51
    assert "diverged" in repr(h)


def test_evaluate_reports_an_overflowing_loss_as_divergence():
    model = bp.Sequential(bp.Linear(1, 1))
    model.params["0.W"][...] = 1e200
    with pytest.raises(DivergenceError, match="loss became non-finite"):
        evaluate(model, bp.SquaredError(), np.ones((2, 1)), np.zeros((2, 1)))
    model.params["0.W"][...] = np.inf
    with pytest.raises(DivergenceError, match="output became non-finite"):
        evaluate(model, bp.SquaredError(), np.ones((2, 1)), np.zeros((2, 1)))


def test_progress_bar_gives_the_same_run(capsys):
    x, t = moons(30)
    runs = []
    for progress in (False, True):
        model = small_model()
        runs.append(fit(model, h_loss(), bp.SGD(model, 0.5), x, t, epochs=3, batch_size=10,
                        rng=np.random.default_rng(0), progress=progress).train_loss)
    assert runs[0] == runs[1]
    assert "epochs" in capsys.readouterr().err  # tqdm writes its bar to stderr


@pytest.mark.parametrize("kwargs, match", [
    (dict(epochs=2, batch_size=0, rng=np.random.default_rng(0)), "batch_size"),
    (dict(epochs=-1, rng=np.random.default_rng(0)), "epochs"),
    (dict(epochs=2), "needs rng"),
    (dict(epochs=2, shuffle=False, on_divergence="ignore"), "on_divergence"),
    (dict(epochs=2, shuffle=False, validation=(np.zeros((2, 2)),)), "pair"),
])
def test_bad_arguments_are_named(kwargs, match):
    x, t = moons(10)
    model = small_model()
    with pytest.raises(ValueError, match=match):
        fit(model, h_loss(), bp.SGD(model, 0.1), x, t, **kwargs)


def test_mismatched_examples():
    model = small_model()
    with pytest.raises(ValueError, match=r"\(10, 2\) and \(9,\)"):
        fit(model, h_loss(), bp.SGD(model, 0.1), np.zeros((10, 2)), np.zeros(9), epochs=1,
            shuffle=False)


def test_progress_bar_by_default_only_for_long_runs(monkeypatch, capsys):
    import bpkit.train as train

    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((8, 1)), rng.standard_normal((8, 1))
    model = bp.Sequential(bp.Linear(1, 1, rng=rng))
    monkeypatch.setenv("BPKIT_PROGRESS", "1")
    monkeypatch.setattr(train, "LONG_RUN", 10)
    bp.fit(model, bp.SquaredError(), bp.SGD(model, lr=0.01), x, t, epochs=2, batch_size=4,
           rng=rng)  # 4 steps: short, no bar
    assert "epochs" not in capsys.readouterr().err
    bp.fit(model, bp.SquaredError(), bp.SGD(model, lr=0.01), x, t, epochs=5, batch_size=4,
           rng=rng)  # 10 steps: long, a bar on stderr
    assert "epochs" in capsys.readouterr().err
    monkeypatch.setenv("BPKIT_PROGRESS", "0")
    bp.fit(model, bp.SquaredError(), bp.SGD(model, lr=0.01), x, t, epochs=5, batch_size=4,
           rng=rng)
    assert "epochs" not in capsys.readouterr().err
