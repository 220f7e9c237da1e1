"""The website's figures as 256-colour PNGs (_ext/site_images.py): smaller, and the same picture."""

import io
import sys
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
from site_images import quantize  # noqa: E402


def figure_png(transparent=False) -> bytes:
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot()
    x = np.linspace(-3, 3, 400)
    for k, colour in enumerate(("#0072B2", "#D55E00", "#009E73", "#CC79A7")):
        ax.plot(x, np.sin(x * (k + 1)), color=colour, label=f"curve {k}")
    ax.contour(*np.meshgrid(x, x), np.add.outer(x**2, 3 * x**2), levels=20, colors="0.6")
    ax.legend()
    ax.set_title("a figure of the book's kind")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", transparent=transparent)
    return buffer.getvalue()


def test_a_figure_gets_smaller_and_looks_the_same(tmp_path):
    path = tmp_path / "figure.png"
    path.write_bytes(figure_png())
    before = np.asarray(Image.open(path).convert("RGB")).astype(int)
    size = path.stat().st_size
    assert quantize(path)
    after = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert path.stat().st_size < 0.7 * size
    assert after.shape == before.shape
    assert np.abs(after - before).mean() < 0.5  # of 255, per channel
    assert not quantize(path)  # already a palette image: left alone


def test_a_transparent_figure_is_left_alone(tmp_path):
    path = tmp_path / "clear.png"
    data = figure_png(transparent=True)
    path.write_bytes(data)
    assert not quantize(path)
    assert path.read_bytes() == data
