"""The three-way check: SymPy's derivative, bpkit's backward pass, a centered difference.

This module needs SymPy (the rest of bpkit needs only NumPy); import it explicitly:
``from bpkit.symbolic import three_way``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from .gradcheck import centered_difference

__all__ = ["gradient", "three_way", "ThreeWayRow", "ThreeWayReport"]


def gradient(expr: sp.Expr, wrt: Sequence[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """``{s: d expr / d s}`` for each symbol in ``wrt``."""
    return {s: sp.diff(expr, s) for s in wrt}


@dataclass
class ThreeWayRow:
    name: str
    sympy: float
    bpkit: float
    numeric: float

    @property
    def error(self) -> float:
        """Largest disagreement of the three, relative to the size of the derivative."""
        vals = (self.sympy, self.bpkit, self.numeric)
        spread = max(vals) - min(vals)
        return spread / max(1e-8, max(abs(v) for v in vals))


class ThreeWayReport(list):
    """Rows of a three-way check, printable as a table."""

    @property
    def max_error(self) -> float:
        return max((r.error for r in self), default=0.0)

    def table(self, digits: int = 10) -> str:
        """The three columns, SymPy and bpkit with ``digits`` decimals. The centered
        difference is shown with two fewer: its rounding error, near 1e-10, would make its
        last digits change from one machine to the next."""
        w, d_num = digits + 8, max(digits - 2, 1)
        head = f"{'parameter':<10} {'SymPy':>{w}} {'bpkit backward':>{w}} {'centered diff.':>{w}}"
        rows = [head]
        for r in self:
            rows.append(f"{r.name:<10} {r.sympy:>{w}.{digits}f} {r.bpkit:>{w}.{digits}f} "
                        f"{r.numeric:>{w}.{d_num}f}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()

    def _repr_pretty_(self, p, cycle):
        p.text(self.table())


def three_way(expr: sp.Expr, values: Mapping[sp.Symbol, float],
              backward: Mapping[str, float], wrt: Sequence[sp.Symbol] | None = None,
              forward: Callable[[dict], float] | None = None,
              eps: float = 1e-6) -> ThreeWayReport:
    """Compare, for each symbol in ``wrt``, three derivatives of ``expr`` at ``values``.

    - SymPy: ``diff(expr, s)``, turned into a function with ``lambdify`` and evaluated;
    - bpkit: ``backward[str(s)]``, a number the caller computed with bpkit;
    - numeric: a centered difference of ``forward`` (a function of a dict
      ``{name: value}``; default: ``expr`` itself, lambdified) in direction ``s``.

    Pass ``forward`` built from bpkit so that the finite difference checks the same code
    as the backward pass.
    """
    wrt = list(values) if wrt is None else list(wrt)
    symbols = list(values)
    point = {str(s): float(v) for s, v in values.items()}
    if forward is None:
        f_expr = sp.lambdify(symbols, expr, "math")

        def forward(p):
            return f_expr(*(p[str(s)] for s in symbols))

    report = ThreeWayReport()
    for s in wrt:
        d = sp.lambdify(symbols, sp.diff(expr, s), "math")(*(point[str(q)] for q in symbols))
        if str(s) not in backward:
            raise KeyError(f"three_way: no bpkit value for {s}; got {sorted(backward)}")

        def along(v, name=str(s)):
            return forward({**point, name: v})

        num = centered_difference(along, point[str(s)], eps)
        report.append(ThreeWayRow(str(s), float(d), float(backward[str(s)]), float(num)))
    return report
