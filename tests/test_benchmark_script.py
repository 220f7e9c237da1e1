"""The speed benchmark compares like with like: its hand-written NumPy loop trains exactly as
bpkit does, its floor does the same matrix products and nothing else, and its timing loop
reports every contender against the floor."""

import importlib.util
import math
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "train_mlp.py"


def load_script():
    spec = importlib.util.spec_from_file_location("train_mlp", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numpy_loop_trains_exactly_like_bpkit():
    bench = load_script()
    x, y = bench.make_data(640, seed=3)
    model, loss, opt = bench.make_bpkit()
    numpy_state = bench.make_numpy()
    start = [lin.params["W"].copy() for lin in model.layers[::2]]
    for lin, w in zip(model.layers[::2], numpy_state[0], strict=True):
        np.testing.assert_array_equal(lin.params["W"], w.T)  # the same start
    bench.bpkit_epoch((model, loss, opt), x, y, 128)
    bench.numpy_epoch(numpy_state, x, y, 128)
    for lin, w, b, w0 in zip(model.layers[::2], *numpy_state, start, strict=True):
        assert lin.params["W"].dtype == w.dtype == np.float32
        assert np.abs(lin.params["W"] - w0).max() > 1e-4  # five steps moved the weights
        np.testing.assert_allclose(lin.params["W"], w.T, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(lin.params["b"], b, rtol=1e-4, atol=1e-6)


class Spy(np.ndarray):
    """An array that counts the matrix products it takes part in."""

    calls: list = []

    def __matmul__(self, other):
        Spy.calls.append((self.shape, np.shape(other)))
        return (np.asarray(self) @ np.asarray(other)).view(Spy)

    def __rmatmul__(self, other):
        Spy.calls.append((np.shape(other), self.shape))
        return (np.asarray(other) @ np.asarray(self)).view(Spy)


def test_floor_does_the_matrix_products_of_bpkit_and_nothing_else():
    bench = load_script()
    x, _ = bench.make_data(256, seed=4)
    ws, dzs = bench.make_floor(128, len(x))
    model = bench.make_bpkit()[0]
    for w, lin in zip(ws, model.layers[::2], strict=True):
        assert w.shape == lin.params["W"].shape and w.flags.f_contiguous  # bpkit's layout
    Spy.calls = []
    state = ([w.view(Spy) for w in ws], {k: v.view(Spy) for k, v in dzs.items()})
    bench.floor_epoch(state, x.view(Spy), None, 128)
    # per batch: 3 forward products, 3 weight gradients, and the input gradient of every
    # layer but the first (training never needs dL/dx of the data): 8 products
    assert len(Spy.calls) == 2 * 8
    assert ((128, 784), (784, 256)) in Spy.calls and ((256, 128), (128, 784)) in Spy.calls
    assert ((128, 256), (256, 784)) not in Spy.calls  # no dx for the first layer


def test_time_epochs_reports_every_numpy_contender_against_the_floor():
    bench = load_script()
    x, y = bench.make_data(512, seed=5)
    results = bench.time_epochs(x, y, 128, repeats=2)
    for name in ("floor", "bpkit", "numpy loop"):
        ms, ratio = results[name]
        assert ms > 0 and math.isfinite(ratio) and ratio > 0
    assert results["floor"][1] == 1.0


def test_autograd_contender_trains_exactly_like_bpkit():
    """The Tensor version of the benchmark network takes the same SGD steps as bpkit's layers."""
    bench = load_script()
    x, y = bench.make_data(640, seed=5)
    model, loss, opt = bench.make_bpkit()
    params = bench.make_autograd()
    bench.bpkit_epoch((model, loss, opt), x, y, 128)
    bench.autograd_epoch(params, x, y, 128)
    for lin, (w, b) in zip(model.layers[::2], params, strict=True):
        assert w.data.dtype == np.float32 and w.grad.dtype == np.float32
        np.testing.assert_allclose(w.data, lin.params["W"], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(b.data, lin.params["b"], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(w.grad, lin.grads["W"], rtol=1e-3, atol=1e-6)
