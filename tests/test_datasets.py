"""The datasets: shapes, balance, reproducibility, their geometry without noise, and the split."""

import numpy as np
import pytest

from bpkit.datasets import circles, spirals, train_val_split, two_moons, xor

GENERATORS = [xor, two_moons, circles, spirals]


@pytest.mark.parametrize("make", GENERATORS)
def test_shapes_dtypes_and_balance(make):
    x, t = make(101, rng=3)
    assert x.shape == (101, 2) and x.dtype == np.float64
    assert t.shape == (101,) and t.dtype == np.int64
    counts = np.bincount(t)
    assert counts.max() - counts.min() <= 1  # as even as 101 allows
    assert np.isfinite(x).all()


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(make):
    x1, t1 = make(50, rng=np.random.default_rng(7))
    x2, t2 = make(50, rng=7)
    x3, _ = make(50, rng=8)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(t1, t2)
    assert not np.allclose(x1, x3)


@pytest.mark.parametrize("make", GENERATORS)
def test_examples_are_shuffled(make):
    _, t = make(200, rng=0)
    assert np.any(np.diff(t) < 0) and np.any(np.diff(t) > 0)


def test_xor_labels_follow_the_signs_without_noise():
    x, t = xor(40, noise=0.0, rng=0)
    assert set(map(tuple, np.abs(x))) == {(1.0, 1.0)}
    np.testing.assert_array_equal(t, (x[:, 0] * x[:, 1] < 0).astype(int))


def test_moons_lie_on_their_half_circles_without_noise():
    x, t = two_moons(60, noise=0.0, rng=0)
    upper, lower = x[t == 0], x[t == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert (upper[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


def test_circles_radii_without_noise():
    x, t = circles(80, noise=0.0, factor=0.3, rng=0)
    np.testing.assert_allclose(np.hypot(*x[t == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(*x[t == 1].T), 0.3)


def test_spirals_radius_and_arm_angles_without_noise():
    x, t = spirals(90, n_classes=3, turns=1.0, noise=0.0, rng=0)
    r = np.hypot(*x.T)
    assert r.min() == pytest.approx(0.05) and r.max() == pytest.approx(1.0)
    # angle = 2 pi (r + c/3): the arms are the same curve rotated by a third of a turn
    expected = 2 * np.pi * (r + t / 3)
    np.testing.assert_allclose(x, np.column_stack([r * np.cos(expected), r * np.sin(expected)]),
                               atol=1e-12)
    assert np.bincount(t).tolist() == [30, 30, 30]


def test_noise_has_the_requested_spread():
    x0, _ = xor(4000, noise=0.0, rng=5)
    x1, _ = xor(4000, noise=0.2, rng=5)
    # same seed: the permutation differs, so compare the spread around the corners
    assert np.std(x1 - np.sign(x1)) == pytest.approx(0.2, rel=0.05)
    assert np.std(x0 - np.sign(x0)) == 0.0


def test_train_val_split_sizes_disjoint_and_complete():
    x = np.arange(20.0).reshape(10, 2)
    t = np.arange(10)
    (xt, tt), (xv, tv) = train_val_split(x, t, val_fraction=0.3, rng=0)
    assert len(tv) == 3 and len(tt) == 7
    assert sorted(np.concatenate([tt, tv]).tolist()) == list(range(10))
    np.testing.assert_array_equal(xt[:, 0], 2 * tt)  # rows stay paired with their targets
    np.testing.assert_array_equal(xv[:, 0], 2 * tv)
    (_, tt2), _ = train_val_split(x, t, val_fraction=0.3, rng=0)
    np.testing.assert_array_equal(tt, tt2)


def test_train_val_split_keeps_one_on_each_side():
    (xt, _), (xv, _) = train_val_split(np.zeros((3, 1)), np.zeros(3), val_fraction=0.01, rng=0)
    assert len(xv) == 1 and len(xt) == 2
    (xt, _), (xv, _) = train_val_split(np.zeros((3, 1)), np.zeros(3), val_fraction=0.99, rng=0)
    assert len(xv) == 2 and len(xt) == 1


@pytest.mark.parametrize("call, match", [
    (lambda: xor(3), "n must be an integer >= 4"),
    (lambda: two_moons(100, noise=-1), "noise must be"),
    (lambda: circles(100, factor=1.5), r"factor .* \(0, 1\)"),
    (lambda: spirals(100, n_classes=1), "n_classes"),
    (lambda: train_val_split(np.zeros((4, 2)), np.zeros(5)), r"\(4, 2\) and \(5,\)"),
    (lambda: train_val_split(np.zeros((4, 2)), np.zeros(4), val_fraction=1.0), "val_fraction"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_rng_must_be_a_generator_or_seed():
    with pytest.raises(TypeError, match="Generator or an integer seed"):
        two_moons(10, rng="seed")


def test_first_symbol_holds_the_label_at_step_one_and_the_query_at_the_end():
    from bpkit.datasets import first_symbol
    x, t = first_symbol(500, 7, n_symbols=3, rng=4)
    assert x.shape == (500, 7, 5) and t.shape == (500,)
    np.testing.assert_array_equal(x[:, 0, :3].argmax(axis=1), t)
    assert (x[:, 0, 4] == 1).all() and (x[:, 1:, 4] == 0).all()      # the start flag
    assert (x[:, -1] == np.eye(5)[3]).all() and (x[:, :-1, 3] == 0).all()  # the query flag
    assert (x[:, 1:-1, :3].sum(axis=2) == 1).all()                     # one distractor a step
    assert set(np.unique(t)) == {0, 1, 2}
    again, _ = first_symbol(500, 7, n_symbols=3, rng=4)
    np.testing.assert_array_equal(x, again)


def test_first_symbol_refuses_a_lag_below_two():
    from bpkit.datasets import first_symbol
    with pytest.raises(ValueError, match="lag must be an integer >= 2, got 1"):
        first_symbol(3, 1)


def test_alice_is_the_shipped_text():
    from bpkit.datasets import alice
    text = alice()
    assert len(text) == 5055 and text.startswith("CHAPTER I.\nDown the Rabbit-Hole")
    assert text.rstrip().endswith("the fall was over.")
