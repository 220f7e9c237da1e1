"""Plot helpers shared by the chapters. Needs matplotlib (imported when a helper is called).

``PALETTE`` is the Okabe-Ito palette, distinguishable with the common forms of colour
blindness; use it, in this order, wherever colour carries meaning.
"""

from __future__ import annotations

__all__ = ["PALETTE", "NEGATIVE", "POSITIVE", "label_axes"]

#: Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black.
PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
           "#000000"]
#: Colours for the sign of a quantity (a gradient, a weight): blue positive, vermillion negative.
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"


def label_axes(ax, title: str, xlabel: str, ylabel: str):
    """Set the title and both axis labels (every figure in the book has all three)."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
