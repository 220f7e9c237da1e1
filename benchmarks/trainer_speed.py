"""How fast does the trainer (Chapter 4) train and draw on the website?

The built page ``_build/html/book/ch04_training.html`` (``make book``; another build with
``BPKIT_SITE``) is opened from ``file://`` in headless Chromium (``/usr/bin/chromium``, or
``BPKIT_CHROMIUM``) with the network blocked. The site's ``page.js`` has mounted the trainer
with a model that lives in the page, so each frame of Play runs the module's ``epoch`` action
(``js/trainer.js`` with ``js/port.js``: the rest of an epoch of mini-batch updates, then the
losses, accuracies and gradients over all points) and redraws, synchronously.

The trainer starts as the chapter's widget cell leaves it: two hidden layers of 8 tanh units,
200 points of the moons (150 to train on, 50 to validate), batches of 16, so one frame of
Play is one epoch of 10 steps. The script presses Play, lets it run for ``--seconds``
(default 5), presses it again, and prints

- the frames drawn per second (one epoch each) and the steps per second, against the target
  of at least 30 steps drawn per second (each drawn frame shows at least one new step);
- the median time of one frame's work (the ``epoch`` action and the redraw), timed around
  the module's call of ``model.send``;
- the median time from a control's ``input`` event to the redrawn, laid-out drawing (the
  ``performance.now()`` of the change, a forced layout, ``performance.now()``), over
  ``--changes`` changes (default 50) of the learning rate (the run goes on: a redraw only)
  and of the seed (new points and weights, a new run: compute and redraw), against the
  target of one frame, 16 ms.

It asserts nothing about the times. Run: ``python benchmarks/trainer_speed.py``.
"""

from __future__ import annotations

import argparse
import statistics
from contextlib import closing

from lib.browser import SITE, launch, widget_page

PAGE = "book/ch04_training.html"
STEPS_TARGET = 30.0
REDRAW_TARGET_MS = 16.0
WARMUP = 5

# In the page: press Play, run for `seconds`, press it again; count what was drawn.
PLAY = """async (seconds) => {
  const el = document.querySelector('.bpkit-widget-mounted[data-widget="trainer"]');
  const model = el.bpkitModel;
  const play = el.querySelector('button[aria-pressed]');
  const send = model.send;
  const work = [];
  model.send = function (message) {
    const start = performance.now();
    send.call(this, message);
    work.push(performance.now() - start);
  };
  let drawn = 0;
  const count = () => { drawn += 1; };
  model.on("change:result", count);
  const first = model.get("result");
  const start = performance.now();
  play.click();
  await new Promise((resolve) => setTimeout(resolve, 1000 * seconds));
  play.click();
  const elapsed = (performance.now() - start) / 1000;
  const last = model.get("result");
  model.off("change:result", count);
  model.send = send;
  return { elapsed, drawn, steps: last.step - first.step, epochs: last.epoch - first.epoch,
    work, pressed: play.getAttribute("aria-pressed"), loss: [first.train_loss, last.train_loss],
    controls: model.get("controls"), points: model.get("data").t_train.length
      + model.get("data").t_val.length };
}"""

# In the page: change a slider `changes` times and time each redraw.
CHANGE = """({ name, values }) => {
  const el = document.querySelector('.bpkit-widget-mounted[data-widget="trainer"]');
  const input = el.querySelector(`input[type=range][name="${name}"]`);
  const drawing = el.querySelector("svg.bpw-svg");
  const out = [];
  for (const value of values) {
    const start = performance.now();
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    drawing.getBoundingClientRect();
    out.push(performance.now() - start);
  }
  return out;
}"""


def summary(label: str, times: list[float], target: float) -> str:
    median = statistics.median(times)
    return (f"  {label}: median {median:.1f} ms, fastest {min(times):.1f} ms, slowest "
            f"{max(times):.1f} ms; target median under {target:g} ms: "
            f"{'met' if median < target else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long Play runs")
    parser.add_argument("--changes", type=int, default=50, help="timed control changes")
    args = parser.parse_args()
    if not (SITE / "index.html").exists():
        raise SystemExit(f"No website in {SITE}: run 'make book' first (or set BPKIT_SITE).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        with closing(browser), widget_page(browser, PAGE, "trainer") as page:
            run = page.evaluate(PLAY, args.seconds)
            c = run["controls"]
            print(f"Trainer on the website, headless Chromium {browser.version}: {c['layers']} "
                  f"hidden layers of {c['width']} {c['activation']} units, {run['points']} "
                  f"points of the {c['dataset']}, batches of {c['batch_size']}, {c['optimizer']}")
            frames = run["drawn"] / run["elapsed"]
            steps = run["steps"] / run["elapsed"]
            print(f"  Play for {run['elapsed']:.2f} s: {run['drawn']} frames drawn "
                  f"({frames:.1f} per second, one epoch each), {run['steps']} steps "
                  f"({steps:.1f} per second); training loss {run['loss'][0]:.4f} -> "
                  f"{run['loss'][1]:.4f}")
            print(f"  target: at least {STEPS_TARGET:g} steps drawn per second: "
                  f"{'met' if min(frames, steps) >= STEPS_TARGET else 'NOT met'} "
                  f"(frames drawn per second {frames:.1f}, each after at least one step)")
            print(summary("one frame's work (epoch action + redraw)", run["work"],
                          1000 / 60))
            if run["pressed"] != "false":
                raise RuntimeError("Play did not stop when pressed again")
            print(f"Control changes, {args.changes} each (after {WARMUP} warm-up changes):")
            for name, values, what in (
                    ("lr", [(-1.0 if i % 2 else -0.5) - 0.01 * (i % 7)
                            for i in range(WARMUP + args.changes)], "learning rate (redraw)"),
                    ("seed", [1 + i % 40 for i in range(WARMUP + args.changes)],
                     "seed (new points, weights and run)")):
                times = page.evaluate(CHANGE, {"name": name, "values": values})[WARMUP:]
                print(summary(f"{what}: input event -> redrawn and laid out", times,
                              REDRAW_TARGET_MS))


if __name__ == "__main__":
    main()
