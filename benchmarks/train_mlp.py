"""How fast does bpkit train an MLP, measured against the floor of its matrix products?

One epoch of a 784-256-128-10 ReLU MLP, softmax cross-entropy, plain SGD, float32, on
20,000 synthetic examples, timed for:

- floor:   only the forward and backward matrix products (what any implementation must do);
- bpkit:   ``Sequential`` + ``SoftmaxCrossEntropy`` + ``SGD`` through ``train_step``;
- numpy:   a plain hand-written NumPy loop, written the way a tutorial would;
- autograd: the same network written with ``bpkit.autograd.Tensor`` (Chapter 8), its
           gradients from ``loss.backward()``; target: at most 1.3 times bpkit's time;
- pytorch: ``torch.nn`` on the CPU, if torch is installed;
- sklearn: ``MLPClassifier.partial_fit``, if scikit-learn is installed.

The implementations are timed interleaved, in one process, and the median over the repeats
is reported in ms per epoch and as a ratio to the floor. Then bpkit's memory: the peak of
what it allocates while training (tracemalloc) and the resident memory after each epoch.

Run: ``python benchmarks/train_mlp.py`` (or ``make bench``); ``--quick`` for a short run.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import tracemalloc
import warnings

import numpy as np

import bpkit as bp
from bpkit.autograd import Tensor, no_grad, softmax_cross_entropy

SIZES = (784, 256, 128, 10)
N_SAMPLES = 20_000
LR = 0.01
DTYPE = np.float32
CHUNK_SAMPLES = 4096  # the NumPy contenders take turns every this many samples
PAUSE = 0.3  # seconds of quiet before PyTorch and scikit-learn run (see time_epochs)


def make_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, SIZES[0]), dtype=DTYPE)
    y = rng.integers(0, SIZES[-1], n)
    return x, y


def init_weights(seed: int = 1):
    """He-initialised (n_out, n_in) weights and zero biases, shared by every contender."""
    rng = np.random.default_rng(seed)
    ws = [(rng.standard_normal((o, i)) * np.sqrt(2 / i)).astype(DTYPE)
          for i, o in zip(SIZES[:-1], SIZES[1:], strict=True)]
    bs = [np.zeros(o, DTYPE) for o in SIZES[1:]]
    return ws, bs


# ----------------------------------------------------------------------- contenders


def floor_epoch(state, x, y, batch):
    """Only the matrix products of a forward and backward pass (no dx for the input)."""
    ws, dzs = state
    for i in range(0, len(x), batch):
        a = x[i:i + batch]
        acts = [a]
        for w in ws:
            a = a @ w.T
            acts.append(a)
        dz = dzs[len(acts[0])]
        for k in range(len(ws) - 1, -1, -1):
            _ = dz.T @ acts[k]          # dW
            if k > 0:
                dz = dz @ ws[k]         # dx, for every layer but the first


def make_floor(batch, n):
    ws, _ = init_weights()
    ws = [np.asfortranarray(w) for w in ws]  # the layout bpkit.Linear keeps: x @ W.T is plain
    rng = np.random.default_rng(2)
    dzs = {b: rng.standard_normal((b, SIZES[-1]), dtype=DTYPE) * 0.01
           for b in {batch, n % batch} if b}
    return ws, dzs


def make_bpkit():
    ws, bs = init_weights()
    layers = []
    for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
        lin = bp.Linear(w.shape[1], w.shape[0], dtype=DTYPE)
        lin.params["W"][...] = w
        lin.params["b"][...] = b
        layers.append(lin)
        if k < len(ws) - 1:
            layers.append(bp.ReLU())
    model = bp.Sequential(*layers)
    return model, bp.SoftmaxCrossEntropy(), bp.SGD(model, lr=LR)


def bpkit_epoch(state, x, y, batch):
    model, loss, opt = state
    for i in range(0, len(x), batch):
        bp.train_step(model, loss, opt, x[i:i + batch], y[i:i + batch])


def make_numpy():
    ws, bs = init_weights()
    return [w.T.copy() for w in ws], bs  # (n_in, n_out), as tutorials usually write it


def numpy_epoch(state, x, y, batch):
    """A plain NumPy training loop, as a tutorial would write it."""
    (w1, w2, w3), (b1, b2, b3) = state
    for i in range(0, len(x), batch):
        xb, yb = x[i:i + batch], y[i:i + batch]
        n = len(xb)
        z1 = xb @ w1 + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w2 + b2
        a2 = np.maximum(z2, 0)
        z3 = a2 @ w3 + b3
        e = np.exp(z3 - z3.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        dz3 = p
        dz3[np.arange(n), yb] -= 1
        dz3 /= n
        dw3, db3 = a2.T @ dz3, dz3.sum(axis=0)
        dz2 = (dz3 @ w3.T) * (z2 > 0)
        dw2, db2 = a1.T @ dz2, dz2.sum(axis=0)
        dz1 = (dz2 @ w2.T) * (z1 > 0)
        dw1, db1 = xb.T @ dz1, dz1.sum(axis=0)
        for param, grad in ((w1, dw1), (b1, db1), (w2, dw2), (b2, db2), (w3, dw3), (b3, db3)):
            param -= LR * grad


def make_autograd():
    ws, bs = init_weights()
    return [(Tensor(np.asfortranarray(w), requires_grad=True), Tensor(b, requires_grad=True))
            for w, b in zip(ws, bs, strict=True)]


def autograd_epoch(params, x, y, batch):
    """The forward pass written with Tensor; backward() does the rest; SGD under no_grad."""
    for i in range(0, len(x), batch):
        a = Tensor(x[i:i + batch])
        for k, (w, b) in enumerate(params):
            a = a @ w.T + b
            if k < len(params) - 1:
                a = a.relu()
        loss = softmax_cross_entropy(a, y[i:i + batch])
        for w, b in params:
            w.zero_grad()
            b.zero_grad()
        loss.backward()
        with no_grad():
            for w, b in params:
                w.data -= LR * w.grad
                b.data -= LR * b.grad


def make_torch():
    import torch

    ws, bs = init_weights()
    layers = []
    for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if k < len(ws) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return torch, model, torch.nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=LR)


def torch_epoch(state, x, y, batch):
    torch, model, loss_fn, opt = state
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)  # views of the same memory, no copy
    for i in range(0, len(x), batch):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt[i:i + batch]), yt[i:i + batch])
        loss.backward()
        opt.step()


def make_sklearn(batch):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=SIZES[1:-1], solver="sgd", batch_size=batch,
                         learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False,
                         alpha=0.0, shuffle=False, random_state=0)


def sklearn_epoch(state, x, y, batch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state.partial_fit(x, y, classes=np.arange(SIZES[-1]))


# ----------------------------------------------------------------------------- runs


def available(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def time_epochs(x, y, batch, repeats):
    """Median ms per epoch and median ratio to the floor, for every contender.

    The machine's speed drifts over seconds (other tenants, clock frequency), so the
    NumPy contenders (floor, bpkit, NumPy loop, autograd) take turns chunk by chunk: each
    of their epochs spans the same stretch of time, in each possible order in turn. Their
    ratio to the floor is the median over every chunk of every round of
    (the contender's time on that chunk) / (the floor's time on the same chunk, run next
    to it): a burst of noise spoils a few chunks, not the figure. PyTorch and
    scikit-learn run whole epochs in the same rounds, after a pause (their thread pools
    and NumPy's spin for a while after their last task and would slow each other down);
    their ratio is the median over rounds of their epoch time over the floor's.
    """
    own = {"floor": (make_floor(batch, len(x)), floor_epoch),
           "bpkit": (make_bpkit(), bpkit_epoch),
           "numpy loop": (make_numpy(), numpy_epoch),
           "autograd": (make_autograd(), autograd_epoch)}
    foreign = {}
    if available("torch"):
        foreign["pytorch (CPU)"] = (make_torch(), torch_epoch)
    if available("sklearn"):
        foreign["scikit-learn"] = (make_sklearn(batch), sklearn_epoch)
    for state, epoch in (own | foreign).values():  # warm-up: first-call costs, caches
        epoch(state, x[:batch * 4], y[:batch * 4], batch)
    names = list(own)
    chunk = batch * max(1, CHUNK_SAMPLES // batch)
    times = {name: [] for name in names + list(foreign)}
    chunk_ratios = {name: [] for name in names}
    # every order of the four in turn: running just after another contender can help or
    # hurt (caches, spinning BLAS threads), and no contender should get the better place
    orders = list(itertools.permutations(names))
    n_chunks = -(-len(x) // chunk)
    for r in range(repeats):
        epoch_time = dict.fromkeys(names, 0.0)
        for c, start in enumerate(range(0, len(x), chunk)):
            xc, yc = x[start:start + chunk], y[start:start + chunk]
            chunk_time = {}
            for name in orders[(r * n_chunks + c) % len(orders)]:
                state, epoch = own[name]
                t0 = time.perf_counter()
                epoch(state, xc, yc, batch)
                chunk_time[name] = time.perf_counter() - t0
            for name in names:
                epoch_time[name] += chunk_time[name]
                chunk_ratios[name].append(chunk_time[name] / chunk_time["floor"])
        for name in names:
            times[name].append(epoch_time[name])
        for name, (state, epoch) in foreign.items():
            time.sleep(PAUSE)
            t0 = time.perf_counter()
            epoch(state, x, y, batch)
            times[name].append(time.perf_counter() - t0)
        time.sleep(PAUSE)
    ratios = {name: statistics.median(chunk_ratios[name]) for name in names}
    ratios |= {name: statistics.median(a / f for a, f in zip(times[name], times["floor"],
                                                             strict=True))
               for name in foreign}
    return {name: (1000 * statistics.median(t), ratios[name]) for name, t in times.items()}


def print_table(title, results):
    print(f"\n{title}")
    print(f"{'implementation':<16} {'ms / epoch':>11} {'x floor':>8}")
    for name, (ms, ratio) in results.items():
        print(f"{name:<16} {ms:>11.1f} {ratio:>8.2f}")
    for missing in ("pytorch (CPU)", "scikit-learn"):
        if missing not in results:
            print(f"{missing:<16} {'not installed':>11}")
    if "autograd" in results:
        print(f"autograd / bpkit: {results['autograd'][1] / results['bpkit'][1]:.2f} "
              "(target: at most 1.3)")
    if "pytorch (CPU)" in results:
        print(f"bpkit / pytorch: {results['bpkit'][0] / results['pytorch (CPU)'][0]:.2f}")


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def memory_report(x, y, batch, epochs):
    state = make_bpkit()
    bpkit_epoch(state, x[:batch * 2], y[:batch * 2], batch)
    rss = []
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(epochs):
        bpkit_epoch(state, x, y, batch)
        rss.append(rss_mib())
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    per_batch = batch * sum(SIZES) * np.dtype(DTYPE).itemsize
    params = sum(p.nbytes for p in state[0].params.values())
    print(f"\nbpkit memory (batch {batch}): data {x.nbytes / 2**20:.1f} MiB; "
          f"peak allocated while training {peak / 2**20:.2f} MiB "
          f"(= {peak / per_batch:.1f} x one batch of activations of all layers, "
          f"{per_batch / 2**20:.2f} MiB; parameters {params / 2**20:.2f} MiB)")
    print("resident memory after each epoch (MiB): "
          + ", ".join(f"{r:.1f}" for r in rss)
          + f"; growth from the first to the last epoch {rss[-1] - rss[0]:+.1f} MiB")


def tiny_bpkit():
    """The same layers and calls at width 1: what is left is the fixed cost per step."""
    model = bp.Sequential(bp.Linear(1, 1, dtype=DTYPE), bp.ReLU(), bp.Linear(1, 1, dtype=DTYPE),
                          bp.ReLU(), bp.Linear(1, 2, dtype=DTYPE))
    return model, bp.SoftmaxCrossEntropy(), bp.SGD(model, lr=LR)


def where_the_time_goes(x, y, batch, repeats):
    """Split one bpkit epoch into matrix products, elementwise work and Python overhead."""
    import cProfile
    import pstats

    ms = {name: value for name, (value, _) in time_epochs(x, y, batch, repeats).items()}
    steps = -(-len(x) // batch)
    tiny, xt, yt = tiny_bpkit(), np.ones((1, 1), DTYPE), np.zeros(1, int)
    per_step = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(steps):
            bp.train_step(*tiny, xt, yt)
        per_step.append((time.perf_counter() - start) * 1000)
    overhead = statistics.median(per_step)
    matmul = ms["floor"]
    rest = ms["bpkit"] - matmul - overhead
    print(f"\nWhere one bpkit epoch goes (batch {batch}, {steps} steps): "
          f"{ms['bpkit']:.1f} ms in all")
    for name, value in (("matrix products (the floor)", matmul),
                        ("Python and call overhead (same calls at width 1)", overhead),
                        ("elementwise work (the rest)", rest)):
        print(f"  {name:<50} {value:7.1f} ms  {100 * value / ms['bpkit']:5.1f} %")
    state = make_bpkit()
    profile = cProfile.Profile()
    profile.runcall(bpkit_epoch, state, x, y, batch)
    print("\ncProfile of one bpkit epoch, the top functions by own time:")
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(12)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and repeats")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--profile", action="store_true",
                        help="only split bpkit's epoch into matmul, elementwise and overhead")
    args = parser.parse_args(argv)
    n = 4_000 if args.quick else N_SAMPLES
    repeats = 3 if args.quick else args.repeats
    x, y = make_data(n)
    if args.profile:
        where_the_time_goes(x, y, 128, repeats)
        return
    print(f"One epoch: {'-'.join(map(str, SIZES))} ReLU MLP, softmax cross-entropy, SGD, "
          f"float32, {n} samples; ms: median over interleaved rounds; x floor: median of "
          f"chunk-by-chunk ratios (PyTorch, scikit-learn: of round-by-round ratios)")
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    print_table(f"batch 128, {repeats} rounds", time_epochs(x, y, 128, repeats))
    memory_report(x, y, 128, epochs=3)
    for batch in (32, 512):
        rounds = max(3, repeats // 2)
        print_table(f"batch {batch}, {rounds} rounds", time_epochs(x, y, batch, rounds))


if __name__ == "__main__":
    main()
