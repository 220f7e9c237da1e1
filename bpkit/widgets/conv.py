r"""The convolution explorer (Chapter 9): one window of a convolution, forward and backward.

:class:`ConvExplorer` shows a digit (8x8, one channel), a 3x3 kernel and an output position
``(i, j)`` of the convolution with stride 1 and padding 1 (so the output is 8x8 too). With
the upstream gradient :math:`dL/dy = 1` at ``(i, j)`` and 0 elsewhere it shows

- forward: the window of the padded digit under the kernel, and the output map
  :math:`y = x \star W` with ``y[i, j]`` marked;
- backward: :math:`dW`, which is the window itself (each weight's gradient is the pixel it
  multiplied, times :math:`dy_{ij} = 1`), and :math:`dx`, which is the kernel laid on the
  window (each pixel's gradient is the weight it was multiplied by), zero elsewhere.

bpkit computes everything with :func:`bpkit.conv.conv2d_reference` and
:func:`bpkit.conv.conv2d_backward_reference` (:func:`conv_state`); on the website the same
front-end (``js/conv.js``) computes with ``convState`` in ``js/port.js``. The digits and
kernels to choose from travel with the widget (the ``data`` trait): four digits of
:func:`bpkit.datasets.digits` and four fixed kernels, or the ones passed in (the chapter
passes the kernels its CNN learned).

>>> w = ConvExplorer()
>>> w.set(digit=1, kernel=2, i=0, j=5)     # doctest: +SKIP
>>> w.value, w.dW, w.dx                    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import traitlets

from ..conv import conv2d_backward_reference, conv2d_reference
from .frontend import BookWidget

__all__ = ["ConvExplorer", "conv_state", "default_digits", "FIXED_KERNELS", "SIDE", "K"]

#: The side of the digits and of the output map (padding 1 keeps it), and of the kernels.
SIDE, K = 8, 3
PADDING, STRIDE = 1, 1

#: Kernels anyone can read: two edge detectors, a blur and a diagonal.
FIXED_KERNELS = {
    "vertical edge": [[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]],
    "horizontal edge": [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]],
    "blur": [[1 / 9] * 3] * 3,
    "diagonal": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
}


def default_digits(labels=(0, 3, 5, 7)) -> dict[str, list]:
    """The first image of each of ``labels`` in :func:`bpkit.datasets.digits`, as 8x8 lists."""
    from ..datasets import digits

    x, t = digits()
    return {f"{c}": x[int(np.argmax(t == c))].reshape(SIDE, SIDE).tolist() for c in labels}


def conv_state(controls: dict, data: dict) -> dict:
    """What the explorer shows for ``controls`` = ``{digit, kernel, i, j}`` (indices into
    ``data["digits"]`` and ``data["kernels"]``, and the output position).

    Returns ``{"y": 8x8 output map, "value": y[i][j], "window": the 3x3 window of the padded
    digit, "dW": 3x3, "db": 1, "dx": 8x8}`` for dL/dy = 1 at ``(i, j)``, all computed by
    bpkit's reference loops. ``convState`` in ``js/port.js`` computes the same.
    """
    x = np.array(data["digits"][controls["digit"]]["x"], dtype=np.float64)[None, None]
    W = np.array(data["kernels"][controls["kernel"]]["W"], dtype=np.float64)[None, None]
    b = np.zeros(1)
    i, j = int(controls["i"]), int(controls["j"])
    y = conv2d_reference(x, W, b, STRIDE, PADDING)[0, 0]
    dy = np.zeros((1, 1, SIDE, SIDE))
    dy[0, 0, i, j] = 1.0
    dx, dW, db = conv2d_backward_reference(x, W, dy, STRIDE, PADDING)
    xp = np.pad(x[0, 0], PADDING)
    window = xp[STRIDE * i:STRIDE * i + K, STRIDE * j:STRIDE * j + K]
    return {"y": y.tolist(), "value": float(y[i, j]), "window": window.tolist(),
            "dW": dW[0, 0].tolist(), "db": float(db[0]), "dx": dx[0, 0].tolist()}


def _grid(value, shape, what: str) -> list:
    a = np.asarray(value, dtype=np.float64)
    if a.shape != shape or not np.all(np.isfinite(a)):
        raise ValueError(f"ConvExplorer: {what} must be a finite array of shape {shape}, got "
                         f"shape {a.shape}")
    return a.tolist()


class ConvExplorer(BookWidget):
    """Pick a digit, a kernel and an output position; see the window, the output map, and the
    gradients dW and dx for dL/dy = 1 at that position.

    Parameters
    ----------
    images : dict of name -> 8x8 array, optional
        The digits to choose from (default: :func:`default_digits`).
    kernels : dict of name -> 3x3 array, optional
        The kernels to choose from (default: :data:`FIXED_KERNELS`).
    digit, kernel : int
        The starting choices (indices into ``images`` and ``kernels``).
    i, j : int
        The starting output position, 0 to 7.
    """

    _widget = "conv"
    _page_traits = ("controls", "initial", "result", "data")
    data = traitlets.Dict().tag(sync=True)

    def __init__(self, images: dict | None = None, kernels: dict | None = None, digit: int = 0,
                 kernel: int = 0, i: int = 3, j: int = 3):
        images = default_digits() if images is None else images
        kernels = FIXED_KERNELS if kernels is None else kernels
        data = {"digits": [{"name": str(n), "x": _grid(v, (SIDE, SIDE), f"image {n!r}")}
                           for n, v in images.items()],
                "kernels": [{"name": str(n), "W": _grid(v, (K, K), f"kernel {n!r}")}
                            for n, v in kernels.items()]}
        if not data["digits"] or not data["kernels"]:
            raise ValueError("ConvExplorer: needs at least one image and one kernel")
        controls = {"digit": digit, "kernel": kernel, "i": i, "j": j}
        self._check(controls, data)
        super().__init__(controls, data=data)

    def _check(self, values: dict, data: dict | None = None) -> None:
        data = self.data if data is None else data
        limits = {"digit": len(data["digits"]), "kernel": len(data["kernels"]),
                  "i": SIDE, "j": SIDE}
        for name, v in values.items():
            if name not in limits:
                raise ValueError(f"ConvExplorer: unknown control {name!r}; expected some of "
                                 f"{list(limits)}")
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) \
                    or not 0 <= v < limits[name]:
                raise ValueError(f"ConvExplorer: {name} must be an integer from 0 to "
                                 f"{limits[name] - 1}, got {v!r}")

    def compute(self, controls: dict) -> dict:
        return conv_state(controls, self.data)

    def set(self, **values) -> None:
        """Move controls from code, e.g. ``w.set(digit=2, kernel=1, i=0, j=7)``."""
        self._check(values)
        self._set_controls({k: int(v) for k, v in values.items()})

    # ------------------------------------------------------- the numbers by name

    @property
    def value(self) -> float:
        """y[i, j], the output at the chosen position."""
        return self.result["value"]

    @property
    def window(self) -> np.ndarray:
        return np.array(self.result["window"])

    @property
    def y(self) -> np.ndarray:
        return np.array(self.result["y"])

    @property
    def dW(self) -> np.ndarray:
        return np.array(self.result["dW"])

    @property
    def dx(self) -> np.ndarray:
        return np.array(self.result["dx"])

    def describe(self) -> str:
        c = self.controls
        return (f"Digit {self.data['digits'][c['digit']]['name']!r} and kernel "
                f"{self.data['kernels'][c['kernel']]['name']!r}: the output at row {c['i']}, "
                f"column {c['j']} is y = {self.value:.4g}; with dL/dy = 1 there, dW is the "
                "window under the kernel and dx is the kernel laid on that window.")

    def __repr__(self) -> str:
        c = self.controls
        return f"ConvExplorer(digit={c['digit']}, kernel={c['kernel']}, i={c['i']}, j={c['j']})"
