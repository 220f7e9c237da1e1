"""Plot helpers of chapter 4: what they draw is the data they were given."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from bpkit.datasets import two_moons  # noqa: E402
from bpkit.layers import Linear  # noqa: E402
from bpkit.model import Sequential  # noqa: E402
from bpkit.plot import (  # noqa: E402
    PALETTE,
    decision_grid,
    plot_decision_boundary,
    plot_loss_curves,
)
from bpkit.train import History  # noqa: E402


def make_history(diverged=False):
    h = History()
    h.epoch, h.steps = [0, 1, 2], [0, 4, 8]
    h.train_loss, h.val_loss = [1.0, 0.5, 0.25], [1.1, 0.6, 0.4]
    h.diverged = diverged
    return h


def test_loss_curves_plot_train_and_validation_with_labels():
    fig, ax = plt.subplots()
    plot_loss_curves(make_history(), ax)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["train", "validation"]
    np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 1, 2])
    assert lines[1].get_linestyle() == "--"
    assert ax.get_title() and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    plt.close(fig)


def test_loss_curves_against_steps_with_a_label_colour_and_log_scale():
    fig, ax = plt.subplots()
    plot_loss_curves(make_history(diverged=True), ax, label="lr=1", color=PALETTE[4],
                     against="steps", logy=True, validation=False)
    line, cross = ax.get_lines()
    assert line.get_label() == "lr=1 (train)" and line.get_color() == PALETTE[4]
    np.testing.assert_array_equal(line.get_xdata(), [0, 4, 8])
    assert cross.get_marker() == "x" and cross.get_ydata()[0] == 0.25
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "gradient steps"
    with pytest.raises(ValueError, match="against"):
        plot_loss_curves(make_history(), ax, against="time")
    plt.close(fig)


class HalfPlane:
    """A stand-in classifier: output x1 (a logit), so the boundary is the line x1 = 0."""

    def forward(self, x):
        return x[:, :1]


def test_decision_grid_covers_the_points_with_a_margin():
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    xx, yy, out = decision_grid(HalfPlane(), x, resolution=11, margin=0.5)
    assert xx.shape == yy.shape == (11, 11) and out.shape == (121, 1)
    assert (xx.min(), xx.max(), yy.min(), yy.max()) == (-0.5, 2.5, 0.5, 3.5)
    np.testing.assert_array_equal(out[:, 0], xx.ravel())
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        decision_grid(HalfPlane(), np.zeros((3, 3)))


def test_decision_boundary_shades_classes_and_draws_points_per_class():
    x = np.array([[-1.0, 0.0], [-0.5, 1.0], [1.0, 0.0], [0.5, -1.0]])
    t = np.array([0, 0, 1, 1])
    fig, ax = plt.subplots()
    plot_decision_boundary(HalfPlane(), x, t, ax, threshold=0.0, resolution=21)
    scatters = ax.collections[-2:]
    np.testing.assert_array_equal(scatters[0].get_offsets(), x[:2])
    np.testing.assert_array_equal(scatters[1].get_offsets(), x[2:])
    assert [s.get_label() for s in scatters] == ["class 0", "class 1"]
    # the boundary line sits at x1 = 0
    paths = [p for c in ax.collections[:-2] if hasattr(c, "get_paths")
             for p in c.get_paths() if len(p.vertices)]
    assert any(np.allclose(p.vertices[:, 0], 0.0, atol=1e-9) for p in paths)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_decision_boundary_with_several_outputs_uses_argmax():
    x, t = two_moons(30, rng=0)
    model = Sequential(Linear(2, 3, rng=np.random.default_rng(0)))
    fig, ax = plt.subplots()
    plot_decision_boundary(model, x, t, ax, resolution=15, legend=False)
    assert ax.get_legend() is None
    plt.close(fig)


class TwoLogits:
    """Two outputs (-x1, x1): class 1 where x1 > 0, the boundary where they are equal."""

    def forward(self, x):
        return np.column_stack([-x[:, 0], x[:, 0]])


def test_two_outputs_draw_the_line_where_they_are_equal():
    x = np.array([[-1.0, 0.0], [-0.5, 1.0], [1.0, 0.0], [0.5, -1.0]])
    fig, ax = plt.subplots()
    plot_decision_boundary(TwoLogits(), x, np.array([0, 0, 1, 1]), ax, resolution=21)
    paths = [p for c in ax.collections[:-2] for p in c.get_paths() if len(p.vertices)]
    assert any(np.allclose(p.vertices[:, 0], 0.0, atol=1e-9) for p in paths)
    plt.close(fig)
