"""How long does the network explorer take from a slider change to the redrawn figure?

Creates a :class:`bpkit.widgets.explorer.NetworkExplorer` (headless) and moves sliders from
code, one change at a time: every change runs bpkit's forward and backward pass, recomputes
the loss slice, redraws the figure and encodes it as the PNG the notebook shows. The time of
each change is measured with ``time.perf_counter``; the median over the changes is printed
in ms, with the target (50 ms). A few changes first warm the caches and are not counted.

Run: ``python benchmarks/explorer_latency.py`` (or ``make bench``); ``--changes N`` sets the
number of timed changes (default 50).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bpkit.widgets.explorer import NetworkExplorer

TARGET_MS = 50.0


def measure(changes: int = 50, warmup: int = 5) -> list[float]:
    """Milliseconds of each of ``changes`` slider changes (cycling over several sliders)."""
    explorer = NetworkExplorer()
    rng = np.random.default_rng(0)
    names = ["w11", "w31", "b2", "x1", "t", "w22"]  # includes the sliced weight, w31
    times = []
    for i in range(warmup + changes):
        slider = getattr(explorer, names[i % len(names)])
        value = float(np.clip(slider.value + rng.uniform(-0.05, 0.05), slider.min, slider.max))
        start = time.perf_counter()
        slider.value = value  # observers run synchronously: update, redraw, PNG
        elapsed = 1000.0 * (time.perf_counter() - start)
        assert explorer.image.value, "the explorer produced no picture"
        if i >= warmup:
            times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=50, help="timed slider changes")
    args = parser.parse_args()
    times = measure(args.changes)
    median = statistics.median(times)
    print(f"network explorer: slider change -> redrawn figure (PNG), {len(times)} changes")
    print(f"  median {median:.1f} ms, fastest {min(times):.1f} ms, slowest {max(times):.1f} ms")
    print(f"  target: median under {TARGET_MS:.0f} ms -> "
          f"{'met' if median < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
