"""bpkit.autograd against PyTorch's autograd: the same networks, the same gradients?

For several small networks (float64), the loss and every parameter's gradient from
``bpkit.autograd.Tensor`` and from ``torch.autograd`` are compared, and the largest relative
error is printed (``bpkit.gradcheck.rel_error``). Also the broadcasting rule: a bias added to
a batch, in both.

Run: ``make torch-check`` (installs PyTorch's CPU build into .venv first, and records the
report in ``benchmarks/results/autograd_vs_pytorch.txt``, which Chapter 8 prints), or
``python benchmarks/autograd_vs_pytorch.py [--out FILE]`` where torch is installed. Not part of
``make test``: PyTorch is not a dependency of the book.
"""

from __future__ import annotations

import argparse
import platform
import sys

import numpy as np

from bpkit.autograd import Tensor, softmax_cross_entropy
from bpkit.gradcheck import rel_error

TOLERANCE = 1e-12


def networks():
    """(name, sizes, activation, seed) for each network compared."""
    for activation in ("relu", "tanh", "sigmoid"):
        for seed in range(3):
            yield f"{activation} 784-64-32-10 seed {seed}", (784, 64, 32, 10), activation, seed
    yield "tanh 5-7-7-7-3 seed 9", (5, 7, 7, 7, 3), "tanh", 9


def compare(torch, sizes, activation, seed, n=32):
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in zip(sizes[:-1], sizes[1:],
                                                                   strict=True)]
    bs = [rng.standard_normal(o) * 0.1 for o in sizes[1:]]
    x, labels = rng.standard_normal((n, sizes[0])), rng.integers(0, sizes[-1], n)

    ours = [(Tensor(w, requires_grad=True), Tensor(b, requires_grad=True))
            for w, b in zip(ws, bs, strict=True)]
    a = Tensor(x)
    for k, (w, b) in enumerate(ours):
        a = a @ w.T + b
        if k < len(ours) - 1:
            a = getattr(a, activation)()
    loss = softmax_cross_entropy(a, labels)
    loss.backward()

    theirs = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
              for w, b in zip(ws, bs, strict=True)]
    h = torch.tensor(x)
    for k, (w, b) in enumerate(theirs):
        h = h @ w.T + b
        if k < len(theirs) - 1:
            h = getattr(torch, activation)(h)
    t_loss = torch.nn.functional.cross_entropy(h, torch.tensor(labels))
    t_loss.backward()
    errors = [rel_error(loss.item(), t_loss.item())]
    for (w, b), (tw, tb) in zip(ours, theirs, strict=True):
        errors += [rel_error(w.grad, tw.grad.numpy()), rel_error(b.grad, tb.grad.numpy())]
    return max(errors)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: run `make torch-check`, which installs it into .venv.")
        return 1
    lines = [f"bpkit.autograd against torch {torch.__version__} (float64, NumPy {np.__version__}, "
             f"Python {platform.python_version()}); largest relative error over the loss and "
             "every parameter's gradient:"]
    worst = 0.0
    for name, sizes, activation, seed in networks():
        error = compare(torch, sizes, activation, seed)
        worst = max(worst, error)
        lines.append(f"  {name:<28} {error:.1e}")
    verdict = "agree" if worst < TOLERANCE else "DISAGREE"
    lines.append(f"worst {worst:.1e} (tolerance {TOLERANCE:g}): {verdict}")
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 0 if worst < TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
