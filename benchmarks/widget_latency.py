"""How long do the book's widgets take from a slider change to the updated drawing?

The widgets are anywidget modules (``bpkit/widgets/js``) drawn in the page; where the numbers
are computed depends on where the widget runs, and this script times both places.

(a) In a notebook, the kernel computes. For the network explorer
    (:class:`bpkit.widgets.explorer.NetworkExplorer`) one change is ``explorer.set(name=value)``
    (bpkit's forward and backward pass, the loss slice, the new ``controls``, ``result`` and
    ``history`` traits, and ipywidgets' update messages for them) plus the JSON encoding of
    those messages, which the kernel does before sending them to the page: the widget's comm
    encodes every message it is given with ``jupyter_client.session.json_packer``, as the
    kernel's session does. A second line times the path a slider in the page takes into the
    kernel: the front-end's ``update`` message handled by ``Widget._handle_msg``, which sets
    ``controls`` and makes the widget recompute. Timed with ``time.perf_counter``; the
    page's redraw and the trip through the server and websocket are not included (the
    browser part times the redraw). Target: median under 5 ms.

(b) On the website, the page computes. The built page ``_build/html/book/<chapter>.html``
    (``make book``) is opened from ``file://`` in headless Chromium with the network blocked;
    the site's ``page.js`` has mounted the widget with a model that lives in the page, so a
    slider's ``input`` event recomputes (``js/port.js``) and redraws synchronously. Inside
    the page, for each change: ``performance.now()``, set the slider's value, dispatch its
    ``input`` event, read the drawing's ``getBoundingClientRect()`` (which forces style and
    layout of the redrawn SVG), ``performance.now()``: the first figure. The second figure
    is the time from the same start to the next ``requestAnimationFrame`` callback, the
    start of the frame that shows the change; it includes waiting for the frame clock (up to
    one frame, 16.7 ms at 60 Hz), so before each change the script waits a seeded random
    fraction of a frame, to spread the changes over the frame's phase. Target: median of the
    first figure under 16 ms (one frame). Widgets: the network explorer (Chapter 2; sliders
    w11, w31, b2, x1, t, w22 in turn), the chain-rule graph (Chapter 1; x, y, z), the
    optimizer explorer (Chapter 5; momentum, beta1) and the depth explorer (Chapter 3; width,
    depth; and Chapter 6, at 50 layers and a batch of 16; width, batch). The trainer's
    figures (steps drawn per second while it plays, a control's redraw) come from
    ``benchmarks/trainer_speed.py``.

Each change moves one slider by a small step from its current value (seeded with
``numpy.random.default_rng(0)``, so every run makes the same changes); a few changes first
warm up and are not counted. Prints the median, fastest and slowest change in ms and whether
the target is met; it asserts nothing about the times.

Run: ``python benchmarks/widget_latency.py`` (``--changes N`` sets the number of timed
changes, default 50; ``--skip-browser`` times the kernel only).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from jupyter_client.session import json_packer
from lib.browser import SITE, launch, widget_page

from bpkit.widgets.explorer import RANGES, NetworkExplorer

KERNEL_TARGET_MS = 5.0
PAGE_TARGET_MS = 16.0
WARMUP = 5
EXPLORER_SLIDERS = ["w11", "w31", "b2", "x1", "t", "w22"]  # includes the sliced weight, w31
CHAIN_SLIDERS = ["x", "y", "z"]
#: Each widget's page, its sliders with their range and step (as its js/<widget>.js draws
#: them), and the largest change made to a slider at once.
PAGES = {
    "network explorer": ("book/ch02_worked_example.html", "explorer",
                         {name: (*RANGES[name], 0.001) for name in EXPLORER_SLIDERS}, 0.05),
    "chain-rule graph": ("book/ch01_chain_rule.html", "chain",
                         {name: (-3.0, 3.0, 0.05) for name in CHAIN_SLIDERS}, 0.25),
    # every optimizer's path and loss curve recomputed (momentum moves two of the five)
    "optimizer explorer": ("book/ch05_optimizers.html", "optimizers",
                           {"momentum": (0.0, 0.99, 0.01), "beta1": (0.0, 0.99, 0.01)}, 0.05),
    # a new network (new weights) and every layer's error size; the gradient check that
    # follows once the controls rest is not part of the redraw
    "depth explorer": ("book/ch03_matrix_form.html", "depth",
                       {"width": (2.0, 32.0, 1.0), "depth": (1.0, 50.0, 1.0)}, 2.0),
    # Chapter 6's start: 50 sigmoid layers, a batch of 16 examples, every layer's error size
    # and output spread over the batch
    "depth explorer, Chapter 6": ("book/ch06_deep_networks.html", "depth",
                                  {"width": (2.0, 32.0, 1.0), "batch": (1.0, 64.0, 1.0)}, 2.0),
}


def next_value(rng, current: float, low: float, high: float, step: float,
               largest: float) -> float:
    """A small change of a slider: within ``largest`` of ``current``, on the slider's steps,
    inside its range, and never no change at all."""
    steps = max(1, round(largest / step))
    move = int(rng.integers(1, steps + 1)) * (1 if rng.random() < 0.5 else -1)
    here = round((current - low) / step)
    target = here + move
    if not 0 <= target <= round((high - low) / step):
        target = here - move
    return round(low + target * step, 10)


def summary(label: str, times: list[float], target: float | None, digits: int = 3) -> str:
    median = statistics.median(times)
    line = (f"  {label}: median {median:.{digits}f} ms, fastest {min(times):.{digits}f} ms, "
            f"slowest {max(times):.{digits}f} ms")
    if target is not None:
        line += f"; target median under {target:g} ms: {'met' if median < target else 'NOT met'}"
    return line


# ------------------------------------------------------------------------------ (a) kernel

def _encode_messages(explorer: NetworkExplorer, sizes: list[int]) -> None:
    """Make the widget's comm JSON-encode what it sends, as a kernel's session does."""

    def publish_msg(msg_type, data=None, metadata=None, buffers=None, **keys):
        sizes.append(len(json_packer({"data": data, "comm_id": explorer.comm.comm_id,
                                      **keys})))

    explorer.comm.publish_msg = publish_msg


def measure_kernel(changes: int, via_page_message: bool = False) -> tuple[list[float], float]:
    """Milliseconds of each change, and the mean bytes of JSON sent per change."""
    explorer = NetworkExplorer(lr=0.5, weight="w31")
    sizes: list[int] = []
    _encode_messages(explorer, sizes)
    rng = np.random.default_rng(0)
    times, sent = [], []
    for i in range(WARMUP + changes):
        name = EXPLORER_SLIDERS[i % len(EXPLORER_SLIDERS)]
        value = next_value(rng, explorer.controls[name], *RANGES[name], 0.001, 0.05)
        sizes.clear()
        if via_page_message:  # what the page sends when a slider moves
            message = {"content": {"data": {
                "method": "update", "buffer_paths": [],
                "state": {"controls": {**explorer.controls, name: value}}}},
                "buffers": []}
            start = time.perf_counter()
            explorer._handle_msg(message)
        else:
            start = time.perf_counter()
            explorer.set(**{name: value})
        elapsed = 1000.0 * (time.perf_counter() - start)
        if explorer.controls[name] != value or not sizes:
            raise RuntimeError(f"the explorer did not take {name} = {value}")
        if i >= WARMUP:
            times.append(elapsed)
            sent.append(sum(sizes))
    return times, statistics.mean(sent)


# ----------------------------------------------------------------------------- (b) browser

# In the page: the mounted widget's model (page.js keeps it on the element as bpkitModel).
READ_CONTROLS = """(widget) => {
  const el = document.querySelector(`.bpkit-widget-mounted[data-widget="${widget}"]`);
  return el ? el.bpkitModel.get("controls") : null;
}"""

# In the page: make each change and time it (see the module's docstring).
MEASURE = """async ({ widget, changes, waits }) => {
  const el = document.querySelector(`.bpkit-widget-mounted[data-widget="${widget}"]`);
  const root = el.querySelector(".bpw");
  const drawing = root.querySelector("svg.bpw-svg");
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const out = [];
  for (let i = 0; i < changes.length; i++) {
    const [name, value] = changes[i];
    const input = root.querySelector(`input[type=range][name="${name}"]`);
    const before = JSON.stringify(el.bpkitModel.get("result"));
    await frame();
    await pause(waits[i]);
    const start = performance.now();
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    drawing.getBoundingClientRect();
    const drawn = performance.now();
    await frame();
    const framed = performance.now();
    const updated = el.bpkitModel.get("controls")[name] === value
      && JSON.stringify(el.bpkitModel.get("result")) !== before;
    out.push([drawn - start, framed - start, updated]);
  }
  return out;
}"""


def measure_page(browser, path: str, widget: str, sliders: dict, largest: float,
                 changes: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each change to the drawing, and to the next animation frame."""
    with widget_page(browser, path, widget) as page:
        controls = page.evaluate(READ_CONTROLS, widget)
        rng = np.random.default_rng(0)
        names = list(sliders)
        plan, waits = [], []
        for i in range(WARMUP + changes):
            name = names[i % len(names)]
            controls[name] = next_value(rng, controls[name], *sliders[name], largest)
            plan.append([name, controls[name]])
            waits.append(float(rng.uniform(0.0, 16.0)))
        results = page.evaluate(MEASURE, {"widget": widget, "changes": plan, "waits": waits})
    missed = [plan[i] for i, (_, _, ok) in enumerate(results) if not ok]
    if missed:
        raise RuntimeError(f"{path}: the widget did not redraw for {missed}")
    timed = results[WARMUP:]
    return [r[0] for r in timed], [r[1] for r in timed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=50, help="timed slider changes")
    parser.add_argument("--skip-browser", action="store_true",
                        help="time the kernel only (no Chromium, no built site)")
    args = parser.parse_args()
    if args.changes < 1:
        parser.error("--changes must be at least 1")

    times, sent = measure_kernel(args.changes)
    print(f"(a) kernel: network explorer, {len(times)} changes of "
          f"{', '.join(EXPLORER_SLIDERS)} (after {WARMUP} warm-up changes)")
    print(summary("explorer.set + JSON of the messages sent", times, KERNEL_TARGET_MS))
    print(f"      {sent / 1024:.1f} KiB of JSON sent to the page per change")
    times, _ = measure_kernel(args.changes, via_page_message=True)
    print(summary("a slider's update message, handled", times, KERNEL_TARGET_MS))

    if args.skip_browser:
        return
    if not (SITE / "index.html").exists():
        raise SystemExit(f"No website in {SITE}: run 'make book' first (or --skip-browser).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            print(f"(b) website, headless Chromium {browser.version}, page model, "
                  f"{args.changes} changes each (after {WARMUP} warm-up changes)")
            for label, (path, widget, sliders, largest) in PAGES.items():
                drawn, framed = measure_page(browser, path, widget, sliders, largest,
                                             args.changes)
                print(f"  {label} ({path}; sliders {', '.join(sliders)})")
                # a page opened from file:// reads performance.now() to 0.1 ms
                print(summary("  input event -> redrawn and laid out", drawn, PAGE_TARGET_MS,
                              digits=1))
                print(summary("  input event -> next animation frame", framed, None, digits=1))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
