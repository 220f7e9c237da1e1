"""Input checks shared by bpkit's modules.

Every check raises an error that says what was expected and what arrived, so a learner
never has to decode a traceback from deep inside NumPy.
"""

from __future__ import annotations

import numpy as np

#: dtype kinds accepted as numbers: bool, signed and unsigned integer, float, complex.
NUMERIC = "biufc"


def as_batch(x, where, dtype=None, finite: bool = True) -> np.ndarray:
    """Return ``x`` as an ndarray holding a non-empty batch (finite, unless ``finite=False``).

    ``where`` names the caller in error messages: a string, or an object (a layer) whose
    ``repr`` is used, formatted only when there is an error to report.
    Integer and boolean inputs are cast to ``dtype`` (they carry no precision to lose);
    a floating input of another precision than ``dtype`` is refused rather than cast,
    so float32 stays float32 end to end and float64 is never silently downcast.
    """
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"{_name(where)} expected a batch (an array with a leading batch "
                         f"axis), got a scalar {x!r}")
    if x.shape[0] == 0:
        raise ValueError(f"{_name(where)} got an empty batch: shape {x.shape}; "
                         "a batch needs at least one example")
    if dtype is not None and x.dtype != dtype:
        if x.dtype.kind == "f":
            raise TypeError(
                f"{_name(where)} has {np.dtype(dtype).name} parameters but the input is "
                f"{x.dtype.name}; cast the input with x.astype(np.{np.dtype(dtype).name}) "
                f"or build the layer with dtype=np.{x.dtype.name}")
        if x.dtype.kind not in NUMERIC:
            raise TypeError(f"{_name(where)} expected numbers, got an array of dtype {x.dtype}")
        x = x.astype(dtype)
    elif x.dtype.kind not in NUMERIC:
        raise TypeError(f"{_name(where)} expected numbers, got an array of dtype {x.dtype}")
    if finite:
        check_finite(x, f"{_name(where)} input")
    return x


def _name(where) -> str:
    return where if isinstance(where, str) else repr(where)


def check_finite(x: np.ndarray, what: str, hint: str = "") -> None:
    """Raise ValueError naming ``what`` (and adding ``hint``) if ``x`` holds NaN or inf."""
    if not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))
        first = tuple(int(i) for i in bad[0])
        raise ValueError(f"{what} holds {len(bad)} non-finite value(s) (NaN or inf), "
                         f"the first at index {first}: {x[first]}" + (f"; {hint}" if hint else ""))


def check_positive(value, what: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise ValueError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a positive number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{what} must be a positive finite number, got {value!r}")
    return v


def check_shape(a: np.ndarray, expected: tuple, what: str) -> None:
    """Raise ValueError if ``a.shape`` differs from ``expected``."""
    if a.shape != tuple(expected):
        raise ValueError(f"{what}: expected shape {tuple(expected)}, got {a.shape}")
