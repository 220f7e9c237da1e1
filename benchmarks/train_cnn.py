"""One training step of a small CNN: bpkit against PyTorch on the CPU, and the im2col memory.

The network (Chapter 9): 28x28 single-channel images in batches of 64;
Conv2D(1, 16, 3, padding 1), ReLU, MaxPool2D(2); Conv2D(16, 32, 3, padding 1), ReLU,
MaxPool2D(2); Flatten; Linear(32*7*7, 10); softmax cross-entropy; plain SGD; float32.
Both start from the same weights. Steps alternate between the two, and the median over
repeats is printed, with bpkit's time over PyTorch's (the target is at most 1.5) and the
size of the im2col buffers bpkit keeps for the backward pass.

Run: ``python benchmarks/train_cnn.py`` (``--quick`` for fewer repeats; ``--out FILE`` also
writes the report to FILE, as ``benchmarks/results/train_cnn.txt``, which Chapter 9 prints, was
made). PyTorch is optional and not a dependency of the book: without it, only bpkit's figures
are printed; to compare, run the script with a Python that has torch and bpkit on its path
(``PYTHONPATH=. /path/to/python-with-torch benchmarks/train_cnn.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

import bpkit as bp

BATCH, SIDE, CLASSES, LR = 64, 28, 10, 0.01
DTYPE = np.float32


def make_bpkit(seed: int = 0):
    rng = np.random.default_rng(seed)
    model = bp.Sequential(
        bp.Conv2D(1, 16, 3, padding=1, rng=rng, dtype=DTYPE), bp.ReLU(), bp.MaxPool2D(2),
        bp.Conv2D(16, 32, 3, padding=1, rng=rng, dtype=DTYPE), bp.ReLU(), bp.MaxPool2D(2),
        bp.Flatten(), bp.Linear(32 * 7 * 7, CLASSES, rng=rng, init="he", dtype=DTYPE))
    return model, bp.SoftmaxCrossEntropy(), bp.SGD(model, lr=LR)


def bpkit_step(state, x, y):
    model, loss, opt = state
    return bp.train_step(model, loss, opt, x, y)


def make_torch(model):
    """The same network in torch.nn, with bpkit's starting weights copied in."""
    import torch

    torch.set_num_threads(1)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, CLASSES))
    ours = [layer for layer in model.layers if layer.params]
    theirs = [layer for layer in net if hasattr(layer, "weight")]
    with torch.no_grad():
        for a, b in zip(ours, theirs, strict=True):
            b.weight.copy_(torch.from_numpy(np.ascontiguousarray(a.params["W"])))
            b.bias.copy_(torch.from_numpy(a.params["b"]))
    return torch, net, torch.nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=LR)


def torch_step(state, x, y):
    torch, net, loss_fn, opt = state
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    opt.step()
    return loss.item()


def im2col_bytes(model) -> int:
    return sum(layer.cols.nbytes for layer in model.layers if hasattr(layer, "cols"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args(argv)
    report = []

    def say(line: str) -> None:
        print(line)
        report.append(line)

    repeats = 20 if args.quick else 100
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, 1, SIDE, SIDE)).astype(DTYPE)
    y = rng.integers(0, CLASSES, BATCH)
    ours = make_bpkit()
    try:
        theirs = make_torch(ours[0])
    except ImportError:
        theirs = None
    if theirs is not None:  # the same first step: the same loss
        first = (bpkit_step(ours, x, y), torch_step(theirs, x, y))
        say(f"first step's loss: bpkit {first[0]:.6f}, pytorch {first[1]:.6f}")
    steps = {"bpkit": (ours, bpkit_step)} | ({"pytorch": (theirs, torch_step)} if theirs else {})
    for state, step in steps.values():  # warm-up
        for _ in range(3):
            step(state, x, y)
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, (state, step) in steps.items():
            t0 = time.perf_counter()
            step(state, x, y)
            times[name].append(time.perf_counter() - t0)
    say(f"One training step, batch {BATCH}, 1-16-32 channels, 3x3 kernels, {SIDE}x{SIDE} "
        f"inputs, float32, one thread for PyTorch; median of {repeats}:")
    ms = {name: 1000 * statistics.median(t) for name, t in times.items()}
    for name, value in ms.items():
        say(f"  {name:<8} {value:7.2f} ms")
    if "pytorch" in ms:
        import torch
        say(f"bpkit / pytorch {torch.__version__}: {ms['bpkit'] / ms['pytorch']:.2f} "
            "(target: at most 1.5)")
    else:
        say("pytorch: not installed")
    say(f"im2col buffers kept for the backward pass: {im2col_bytes(ours[0]) / 2**20:.2f} MiB "
        f"(batch {BATCH})")
    if args.out:
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "not set")
        say(f"machine: {platform.machine()}, {os.cpu_count()} CPU core(s); NumPy "
            f"{np.__version__}, Python {platform.python_version()}, OPENBLAS_NUM_THREADS "
            f"{threads}")
        with open(args.out, "w") as f:
            f.write("\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
