"""Datasets: small 2-D classification problems drawn from a seeded generator, real handwritten
digits shipped with bpkit, a reader for MNIST's idx files, and seeded splits.

Every 2-D generator returns ``(x, t)``: ``x`` of shape ``(n, 2)`` (float64) and integer class
labels ``t`` of shape ``(n,)``, in a shuffled order. ``rng`` is a ``np.random.Generator``
(or an integer seed); the same seed gives the same points. ``noise`` is the standard
deviation of Gaussian noise added to each coordinate.

:func:`digits` reads the 1,797 8x8 images of UCI's "Optical Recognition of Handwritten Digits"
(the copy scikit-learn ships; see ``bpkit/data/README.md`` for its source and licence) from a
file inside the package: nothing is downloaded. :func:`read_idx` reads the idx format in which
MNIST is distributed, and :func:`mnist` turns a pair of such files into ``(x, t)`` like
:func:`digits` does.
"""

from __future__ import annotations

import gzip
import pathlib
import struct

import numpy as np

__all__ = ["xor", "two_moons", "circles", "spirals", "train_val_split", "train_val_test_split",
           "digits", "read_idx", "mnist"]


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


def train_val_test_split(x, t, *, val_fraction: float = 0.2, test_fraction: float = 0.2,
                         rng=None):
    """Shuffle and split ``(x, t)`` into ``(train), (val), (test)``, each a pair ``(x, t)``.

    One permutation from ``rng`` (a seeded ``np.random.Generator`` or an integer seed; seed 0
    if omitted) orders the examples; the first ``test_fraction`` of them (rounded, at least
    one) are the test set, the next ``val_fraction`` the validation set, and the rest (at
    least one) the training set. The same seed gives the same three sets.
    """
    x, t = np.asarray(x), np.asarray(t)
    if x.ndim == 0 or t.ndim == 0 or x.shape[0] != t.shape[0]:
        raise ValueError(f"train_val_test_split: x and t need the same number of examples "
                         f"(rows), got shapes {x.shape} and {t.shape}")
    for what, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if isinstance(f, bool) or not isinstance(f, (int, float, np.integer, np.floating)) \
                or not 0 < f < 1:
            raise ValueError(f"train_val_test_split: {what} must lie in (0, 1), got {f!r}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(f"train_val_test_split: val_fraction + test_fraction must be below 1 "
                         f"(the rest is the training set), got {val_fraction} + {test_fraction}")
    n = x.shape[0]
    if n < 3:
        raise ValueError(f"train_val_test_split: need at least 3 examples to split three "
                         f"ways, got {n}")
    n_test = max(1, round(test_fraction * n))
    n_val = max(1, round(val_fraction * n))
    if n_test + n_val > n - 1:
        raise ValueError(f"train_val_test_split: {n} examples leave none for training with "
                         f"these fractions ({n_val} validation, {n_test} test)")
    order = _generator(rng).permutation(n)
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    return (x[train], t[train]), (x[val], t[val]), (x[test], t[test])


# --------------------------------------------------------------------- real images

_DATA = pathlib.Path(__file__).resolve().parent / "data"

#: The pixels of the digits count "on" bits in 4x4 blocks of a 32x32 bitmap: 0 to 16.
DIGITS_MAX = 16


def digits(*, dtype=np.float64):
    """The 1,797 handwritten digits, 8x8 pixels each, with their labels 0-9.

    Returns ``x`` of shape ``(1797, 64)``, each row one image read row by row
    (``x[i].reshape(8, 8)`` draws it), the pixels divided by 16 so that they lie in [0, 1],
    in ``dtype`` (float64 or float32); and ``t`` of shape ``(1797,)``, int64 labels. The
    order is that of the file (not shuffled): split with :func:`train_val_test_split`.
    Read from ``bpkit/data/digits.csv.gz``, shipped with the package (UCI's "Optical
    Recognition of Handwritten Digits", test part; Alpaydin and Kaynak, 1998; CC BY 4.0).
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"digits: dtype must be np.float32 or np.float64, got {dtype}")
    path = _DATA / "digits.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"digits: the data file {path.name} is missing from bpkit/data; "
                                "reinstall bpkit-book")
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (1797, 65):
        raise ValueError(f"digits: expected 1797 rows of 64 pixels and a label in "
                         f"{path.name}, got shape {table.shape}")
    x = (table[:, :64] / DIGITS_MAX).astype(dtype)
    return x, table[:, 64].copy()


#: The idx format's type codes (third byte of the magic number) and their NumPy types,
#: big-endian (the format's byte order).
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read an idx file, the format MNIST is distributed in; gzip-compressed or not.

    The file starts with a magic number of four bytes: two zero bytes, a type code
    (``0x08`` unsigned bytes, as in MNIST; ``0x09`` signed bytes, ``0x0B`` int16, ``0x0C``
    int32, ``0x0D`` float32, ``0x0E`` float64) and the number of dimensions d; then d sizes,
    each a big-endian unsigned 32-bit integer; then the values, big-endian, row by row.
    MNIST's image files have d = 3 (count, 28, 28) and its label files d = 1.

    Returns an array of that shape, in the native byte order (``uint8`` for MNIST).
    A file whose magic number is wrong, that ends early or that holds more bytes than its
    sizes say is refused with an error naming the file and what is off.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_idx: no file at {path}")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip's magic number
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(f"read_idx: {path.name} looks gzip-compressed but cannot be "
                             f"decompressed ({err}); is the download complete?") from None
    if len(raw) < 4:
        raise ValueError(f"read_idx: {path.name} has {len(raw)} bytes, fewer than the 4 of "
                         "an idx magic number")
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in IDX_TYPES or ndim == 0:
        raise ValueError(f"read_idx: {path.name} is not an idx file: its magic number is "
                         f"{raw[:4].hex()}, expected 0000 then a type code "
                         f"({', '.join(f'{c:02x}' for c in IDX_TYPES)}) and a number of "
                         f"dimensions >= 1 (MNIST's images: 00000803, labels: 00000801)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path.name} ends inside its header: {ndim} dimension "
                         f"sizes need {header} bytes, the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(IDX_TYPES[code])
    need = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != need:
        what = "ends early (truncated?)" if len(raw) < need else "has extra bytes at the end"
        raise ValueError(f"read_idx: {path.name} {what}: its header says shape {shape} of "
                         f"{dtype.itemsize}-byte values, {need} bytes in all, the file has "
                         f"{len(raw)}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def mnist(images, labels, *, dtype=np.float64):
    """``(x, t)`` from a pair of MNIST idx files, in the layout of :func:`digits`.

    ``images`` holds N images of h x w unsigned bytes, ``labels`` N labels. Returns ``x`` of
    shape ``(N, h*w)``, the pixels divided by 255 into [0, 1], in ``dtype``; and ``t`` of
    shape ``(N,)``, int64. Nothing is downloaded: fetch the four files of MNIST (for example
    ``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz``) yourself first.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"mnist: dtype must be np.float32 or np.float64, got {dtype}")
    pixels, t = read_idx(images), read_idx(labels)
    if pixels.ndim != 3 or pixels.dtype != np.uint8:
        raise ValueError(f"mnist: {pathlib.Path(images).name} should hold images, a 3-d array of "
                         f"unsigned bytes, got shape {pixels.shape} of {pixels.dtype}")
    if t.ndim != 1 or t.dtype != np.uint8:
        raise ValueError(f"mnist: {pathlib.Path(labels).name} should hold labels, a 1-d array "
                         f"of unsigned bytes, got shape {t.shape} of {t.dtype}")
    if len(t) != len(pixels):
        raise ValueError(f"mnist: {len(pixels)} images but {len(t)} labels; are the two "
                         "files from the same set (train or test)?")
    x = (pixels.reshape(len(pixels), -1) / 255.0).astype(dtype)
    return x, t.astype(np.int64)
