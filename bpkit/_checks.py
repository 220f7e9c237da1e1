"""Input checks shared by bpkit's modules.

Every check raises an error that says what was expected and what arrived, so a learner
never has to decode a traceback from deep inside NumPy.
"""

from __future__ import annotations

import numbers

import numpy as np

#: dtype kinds accepted as numbers: bool, signed and unsigned integer, float.
NUMERIC = "biuf"

#: The floating types bpkit computes in.
FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def as_array(x, where) -> np.ndarray:
    """Return ``x`` as an ndarray of real numbers: bool, integer, float32 or float64.

    Refused, with an error naming ``where``: what is not a rectangular array (a ragged
    list), what is not numbers (strings, objects), complex numbers (NumPy would drop the
    imaginary part with only a warning), and float16 (it overflows above 65504: the square
    of 300 already does) or other floating types.
    """
    try:
        x = np.asarray(x)
    except (ValueError, TypeError) as err:  # a ragged list, or entries that are not numbers
        raise ValueError(f"{_name(where)} expected a rectangular array of numbers, could not "
                         f"make one from the {type(x).__name__} it got ({err})") from None
    kind = x.dtype.kind
    if kind == "c":
        raise TypeError(f"{_name(where)} expected real numbers, got complex ones (dtype "
                        f"{x.dtype}); bpkit works with real numbers only: pass x.real if "
                        "the imaginary part is zero")
    if kind not in NUMERIC:
        first = f" (the first entry is {x.flat[0]!r})" if x.size else ""
        raise TypeError(f"{_name(where)} expected numbers, got an array of dtype "
                        f"{x.dtype}{first}")
    if kind == "f" and x.dtype not in FLOATS:
        raise TypeError(f"{_name(where)} expected float32 or float64 numbers, got {x.dtype}"
                        + (" (float16 overflows above 65504: the square of 300 already does)"
                           if x.dtype == np.float16 else "")
                        + "; cast with x.astype(np.float32) or x.astype(np.float64)")
    return x


def as_batch(x, where, dtype=None, finite: bool = True) -> np.ndarray:
    """Return ``x`` as an ndarray holding a non-empty batch (finite, unless ``finite=False``).

    ``where`` names the caller in error messages: a string, or an object (a layer) whose
    ``repr`` is used, formatted only when there is an error to report.
    The entries must be real numbers (see :func:`as_array`).
    Integer and boolean inputs are cast to ``dtype`` (they carry no precision to lose);
    a floating input of another precision than ``dtype`` is refused rather than cast,
    so float32 stays float32 end to end and float64 is never silently downcast.
    """
    x = as_array(x, where)
    if x.ndim == 0:
        raise ValueError(f"{_name(where)} expected a batch (an array with a leading batch "
                         f"axis), got a scalar {x!r}")
    if x.shape[0] == 0:
        raise ValueError(f"{_name(where)} got an empty batch: shape {x.shape}; "
                         "a batch needs at least one example")
    if dtype is not None and x.dtype != dtype:
        if x.dtype.kind == "f":
            raise TypeError(
                f"{_name(where)} expected {np.dtype(dtype).name} input: it has "
                f"{np.dtype(dtype).name} parameters but the input is "
                f"{x.dtype.name}; cast the input with x.astype(np.{np.dtype(dtype).name}) "
                f"or build the layer with dtype=np.{x.dtype.name}")
        x = x.astype(dtype)
    if finite:
        check_finite(x, f"{_name(where)} input")
    return x


def float_input(x, where) -> np.ndarray:
    """An activation's input: ``as_batch(x, where, finite=False)``, with integers and booleans
    read as float64 (NumPy would compute ``tanh`` of them in float16)."""
    x = as_batch(x, where, finite=False)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _name(where) -> str:
    return where if isinstance(where, str) else repr(where)


def check_finite(x: np.ndarray, what: str, hint: str = "") -> None:
    """Raise ValueError naming ``what`` (and adding ``hint``) if ``x`` holds NaN or inf."""
    if not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))
        first = tuple(int(i) for i in bad[0])
        raise ValueError(f"{what} holds {len(bad)} non-finite value(s) (NaN or inf) where "
                         f"finite numbers were expected, the first at index {first}: {x[first]}"
                         + (f"; {hint}" if hint else ""))


def check_positive(value, what: str) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise an error."""
    if not is_real_number(value):
        raise TypeError(f"{what} must be a positive number, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{what} must be a positive finite number, got {value!r}")
    return v


def is_real_number(value) -> bool:
    """True for one real number: int, float or a NumPy real scalar (not a bool, a string or an
    array, which ``float`` would also convert)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_shape(a: np.ndarray, expected: tuple, what: str) -> None:
    """Raise ValueError if ``a.shape`` differs from ``expected``."""
    if a.shape != tuple(expected):
        raise ValueError(f"{what}: expected shape {tuple(expected)}, got {a.shape}")
