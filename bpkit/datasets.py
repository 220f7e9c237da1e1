"""Small 2-D classification datasets, drawn from a seeded generator, and a train/validation split;
and, for Chapter 10's recurrent networks, :func:`first_symbol` (a task that needs memory) and
:func:`alice` (the short public-domain text of its character-level model).

Every generator returns ``(x, t)``: ``x`` of shape ``(n, 2)`` (float64) and integer class
labels ``t`` of shape ``(n,)``, in a shuffled order. ``rng`` is a ``np.random.Generator``
(or an integer seed); the same seed gives the same points. ``noise`` is the standard
deviation of Gaussian noise added to each coordinate.
"""

from __future__ import annotations

import numpy as np

__all__ = ["xor", "two_moons", "circles", "spirals", "train_val_split", "alice", "first_symbol"]


def _generator(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a np.random.Generator or an integer seed, got "
                    f"{type(rng).__name__}")


def _check_n(n, at_least: int, what: str) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < at_least:
        raise ValueError(f"{what}: n must be an integer >= {at_least}, got {n!r}")
    return int(n)


def _check_noise(noise, what: str) -> float:
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{what}: noise must be a finite number >= 0, got {noise!r}")
    return noise


def _split_counts(n: int, k: int) -> list[int]:
    """n examples over k classes, as evenly as possible (the first classes get the extra)."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _finish(parts, rng, noise):
    x = np.concatenate([p for p, _ in parts])
    t = np.concatenate([np.full(len(p), label, dtype=np.int64) for p, label in parts])
    x = x + noise * rng.standard_normal(x.shape)
    order = rng.permutation(len(t))
    return x[order], t[order]


def xor(n: int = 200, *, noise: float = 0.25, rng=None):
    r"""The XOR problem: four clusters at :math:`(\pm 1, \pm 1)`; class 1 where the signs differ.

    No straight line separates the classes: a linear model gets at most 3 of the 4 corners
    right, so the problem needs a hidden layer. Returns ``x (n, 2)``, ``t (n,)`` in {0, 1}.
    """
    n = _check_n(n, 4, "xor")
    noise = _check_noise(noise, "xor")
    rng = _generator(rng)
    corners = [((-1, -1), 0), ((1, 1), 0), ((-1, 1), 1), ((1, -1), 1)]
    parts = [(np.tile(np.array(c, dtype=np.float64), (m, 1)), label)
             for (c, label), m in zip(corners, _split_counts(n, 4), strict=True)]
    return _finish(parts, rng, noise)


def two_moons(n: int = 200, *, noise: float = 0.1, rng=None):
    r"""Two interleaving half circles.

    Class 0 lies on :math:`(\cos s, \sin s)`, class 1 on :math:`(1 - \cos s, \tfrac12 - \sin s)`,
    with :math:`s` evenly spaced in :math:`[0, \pi]`. Returns ``x (n, 2)``, ``t (n,)`` in {0, 1}.
    """
    n = _check_n(n, 2, "two_moons")
    noise = _check_noise(noise, "two_moons")
    rng = _generator(rng)
    n0, n1 = _split_counts(n, 2)
    s0, s1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.column_stack([np.cos(s0), np.sin(s0)])
    lower = np.column_stack([1 - np.cos(s1), 0.5 - np.sin(s1)])
    return _finish([(upper, 0), (lower, 1)], rng, noise)


def circles(n: int = 200, *, noise: float = 0.05, factor: float = 0.5, rng=None):
    r"""Two concentric circles: class 0 on the unit circle, class 1 on radius ``factor``.

    Returns ``x (n, 2)``, ``t (n,)`` in {0, 1}. ``factor`` must lie in (0, 1).
    """
    n = _check_n(n, 2, "circles")
    noise = _check_noise(noise, "circles")
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor (the inner radius) must lie in (0, 1), got {factor!r}")
    rng = _generator(rng)
    n0, n1 = _split_counts(n, 2)
    s0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    s1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    outer = np.column_stack([np.cos(s0), np.sin(s0)])
    inner = factor * np.column_stack([np.cos(s1), np.sin(s1)])
    return _finish([(outer, 0), (inner, 1)], rng, noise)


def spirals(n: int = 300, *, n_classes: int = 2, turns: float = 1.0, noise: float = 0.03,
            rng=None):
    r"""Interleaved spiral arms, one per class.

    Arm :math:`c` has points at radius :math:`r \in [0.05, 1]` and angle
    :math:`2\pi (\text{turns} \cdot r + c / K)`, for K = ``n_classes`` arms.
    Returns ``x (n, 2)``, ``t (n,)`` in ``0..K-1``.
    """
    n = _check_n(n, n_classes, "spirals")
    noise = _check_noise(noise, "spirals")
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"spirals: n_classes must be an integer >= 2, got {n_classes!r}")
    rng = _generator(rng)
    parts = []
    for c, m in enumerate(_split_counts(n, n_classes)):
        r = np.linspace(0.05, 1.0, m)
        angle = 2 * np.pi * (turns * r + c / n_classes)
        parts.append((np.column_stack([r * np.cos(angle), r * np.sin(angle)]), c))
    return _finish(parts, rng, noise)


def train_val_split(x, t, *, val_fraction: float = 0.25, rng=None):
    """Shuffle and split ``(x, t)`` into ``(x_train, t_train), (x_val, t_val)``.

    ``val_fraction`` of the examples (rounded, at least one) go to the validation set and
    at least one stays for training. ``x`` and ``t`` must have the same number of rows.
    """
    x, t = np.asarray(x), np.asarray(t)
    if x.ndim == 0 or t.ndim == 0 or x.shape[0] != t.shape[0]:
        raise ValueError(f"train_val_split: x and t need the same number of examples (rows), "
                         f"got shapes {x.shape} and {t.shape}")
    n = x.shape[0]
    if not 0 < val_fraction < 1:
        raise ValueError(f"train_val_split: val_fraction must lie in (0, 1), got {val_fraction!r}")
    if n < 2:
        raise ValueError(f"train_val_split: need at least 2 examples to split, got {n}")
    n_val = min(max(1, round(val_fraction * n)), n - 1)
    order = _generator(rng).permutation(n)
    val, train = order[:n_val], order[n_val:]
    return (x[train], t[train]), (x[val], t[val])


def alice() -> str:
    """Chapter I of Lewis Carroll's *Alice's Adventures in Wonderland* (1865), up to the end
    of Alice's fall: 5,055 characters of public-domain text, as Project Gutenberg's eBook #11
    prints it (see ``bpkit/data/README.md``). Shipped in the package, read without network."""
    from importlib import resources

    return resources.files("bpkit").joinpath("data/alice_chapter1.txt").read_text("utf-8")


def first_symbol(n: int, lag: int, *, n_symbols: int = 4, rng=None):
    """Sequences whose label is their first symbol, to be recalled ``lag - 1`` steps later.

    Each of the ``n`` sequences has ``lag`` steps of ``n_symbols + 2`` numbers (one-hot):
    step 1 holds the symbol to remember (a one among the first ``n_symbols`` numbers) and a
    start flag (number ``n_symbols + 1``); steps 2 to ``lag - 1`` hold random distractor
    symbols; the last step holds only the query flag (number ``n_symbols``), asking for the
    answer. Returns ``x`` ``(n, lag, n_symbols + 2)`` (float64) and the labels ``t``
    ``(n,)``, the first symbols, integers uniform over ``range(n_symbols)``.
    """
    n = _check_n(n, 1, "first_symbol")
    for name, value in (("lag", lag), ("n_symbols", n_symbols)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 2:
            raise ValueError(f"first_symbol: {name} must be an integer >= 2, got {value!r}")
    lag, k = int(lag), int(n_symbols)
    rng = _generator(rng)
    t = rng.integers(0, k, n)
    x = np.zeros((n, lag, k + 2))
    rows = np.arange(n)
    x[rows, 0, t] = 1.0
    x[:, 0, k + 1] = 1.0  # the start flag
    distractors = rng.integers(0, k, (n, lag - 2))
    x[rows[:, None], np.arange(1, lag - 1)[None, :], distractors] = 1.0
    x[:, -1, k] = 1.0  # the query flag
    return x, t
