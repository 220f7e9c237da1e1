"""The network explorer in a real JupyterLab: a slider moved in the page is recomputed by bpkit
in the kernel, and the page shows the kernel's numbers.

The test starts the venv's ``jupyter lab`` on 127.0.0.1 (a free port, a known token, no
browser) in a temporary copy of the book's notebooks, with its own configuration, settings,
workspaces and runtime directories so that nothing of the user's is read or written. Headless
Chromium (the session's ``browser`` fixture, network blocked except for that server) opens
Chapter 2, clears its saved outputs, runs every cell with JupyterLab's own command
``notebook:run-all-cells``, and waits for the explorer that the cell
``explorer = NetworkExplorer(...)`` displays. It reads the gradient dL/dw31 from the explorer's
table, moves the w11 slider as a reader does (a click on the slider's track), and waits for
the table to show the gradient that bpkit computes, here in the test, from the controls read
back from the page's sliders. At the end the kernel and the server are shut down through
Jupyter's REST API, and the test checks that both processes are gone.

The other tests (the trainer, Chapter 7's overfitting explorer, Chapter 8's backward stepper,
Chapter 9's convolution explorer, Chapter 10's gradient-through-time explorer) each write a
notebook of one cell that displays the widget (``widget_in_a_kernel``), run it in the same
server, press the widget's keys, buttons and menus, and wait for the numbers bpkit computes,
here in the test, for the controls the page shows: what the page sends reaches the kernel, and
what comes back is drawn.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import psutil
import pytest

from bpkit.widgets.explorer import explorer_state

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "ch02_worked_example.ipynb"
STARTUP_S = 120  # server start, notebook load and kernel start on a slow 2-core machine
RUN_ALL_S = 180  # running every cell of Chapter 2 (about 10 s when the machine is idle)
WIDGET_S = 60    # the explorer's module loaded and drawn; a slider change answered
CONTROLS = ("w11", "w12", "b1", "w21", "w22", "b2", "w31", "w32", "b3", "x1", "x2", "t")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", timeout: float = 10.0):
    req = urllib.request.Request(url, method=method, data=b"" if method != "GET" else None,
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


class JupyterLab:
    """``jupyter lab`` in a directory of its own; stopped with :meth:`stop`."""

    def __init__(self, home: Path):
        self.home = home
        self.root = home / "book"
        self.root.mkdir()
        for notebook in sorted((ROOT / "book").glob("*.ipynb")):
            shutil.copy2(notebook, self.root / notebook.name)
        # No toasts over the notebook and no news or update checks (they would ask the
        # network): JupyterLab's user settings, in a settings directory of this test's own.
        settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(json.dumps(
            {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}))
        self.token = secrets.token_hex(16)
        self.log_path = home / "jupyterlab.log"
        env = {**os.environ,
               "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-workspaces"),
               "IPYTHONDIR": str(home / "ipython"),
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        jupyter = Path(sys.executable).with_name("jupyter")
        for _ in range(3):  # another process may take the free port before the server does
            self.port = _free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            command = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1",
                       f"--port={self.port}", "--ServerApp.port_retries=0",
                       f"--ServerApp.root_dir={self.root}",
                       f"--IdentityProvider.token={self.token}",
                       "--ServerApp.disable_check_xsrf=True",
                       "--LabApp.expose_app_in_browser=True",
                       "--LabApp.news_url=None",
                       "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                       "--LabApp.extension_manager=readonly"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                command.append("--allow-root")  # in a container, as root
            with open(self.log_path, "wb") as log:
                self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=log,
                                                stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL)
            if self._wait_until_up():
                return
            if "already in use" not in self.log():
                break
        raise RuntimeError(f"jupyter lab did not start:\n{self.log()}")

    def _wait_until_up(self) -> bool:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                _request(f"{self.url}/api/status", self.token, timeout=5)
                return True
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        self.process.kill()
        self.process.wait()
        raise RuntimeError(f"jupyter lab did not answer in {STARTUP_S} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def api(self, path: str, method: str = "GET"):
        return _request(f"{self.url}/api/{path}", self.token, method)

    def stop(self) -> tuple[int, list[psutil.Process]]:
        """Shut the server down (it stops its kernels); the exit code and what outlived it."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        try:
            self.api("shutdown", method="POST")
        except (OSError, urllib.error.URLError):
            pass  # the server may close the connection as it goes
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                code = self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                code = self.process.wait()
        _, alive = psutil.wait_procs(children, timeout=15)
        for process in alive:  # do not leave a kernel behind, even when the test fails
            process.kill()
        return code, alive


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    started = time.perf_counter()
    lab = JupyterLab(tmp_path_factory.mktemp("jupyterlab"))
    print(f"\n  jupyter lab answering at {lab.url}: {time.perf_counter() - started:.1f} s")
    yield lab
    started = time.perf_counter()
    code, alive = lab.stop()
    assert not alive, f"processes outlived the server: {alive}"
    assert code == 0, f"jupyter lab exited with {code}:\n{lab.log()}"
    print(f"  jupyter lab stopped: {time.perf_counter() - started:.1f} s")


# In the page: JupyterLab's application object (window.jupyterapp, exposed by
# --LabApp.expose_app_in_browser) and the notebook panel it shows.
NOTEBOOK_READY = """(name) => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.context || !panel.context.isReady || !panel.sessionContext) return false;
  if (!panel.context.path.endsWith(name)) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return Boolean(kernel && kernel.connectionStatus === "connected" && kernel.status === "idle"
    && panel.content.widgets.length > 0);
}"""


def open_notebook(page, jupyterlab, name: str) -> None:
    """Open the notebook ``name`` in JupyterLab and wait until its kernel is idle."""
    page.goto(f"{jupyterlab.url}/lab/tree/{name}?token={jupyterlab.token}",
              timeout=STARTUP_S * 1000)
    page.wait_for_function(NOTEBOOK_READY, arg=name, timeout=STARTUP_S * 1000, polling=250)


# Runs a JupyterLab command and waits for it, at most `ms` milliseconds.
RUN_COMMAND = """async ([command, ms]) => {
  const run = window.jupyterapp.commands.execute(command);
  const late = new Promise((_, reject) => setTimeout(
    () => reject(new Error(`${command} did not finish in ${ms} ms`)), ms));
  return await Promise.race([run, late]);
}"""

# Cells whose output is an error, with their first line, to say why run-all failed.
FAILED_CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .map((cell, i) => [i, cell.model.type === "code" ? cell.model.sharedModel.outputs : []])
  .filter(([, outputs]) => outputs.some((o) => o.output_type === "error"))
  .map(([i, outputs]) => {
    const e = outputs.find((o) => o.output_type === "error");
    return `cell ${i}: ${e.ename}: ${e.evalue}`;
  })"""

EXPLORER = ".jp-OutputArea-output .bpw-explorer"

# What the explorer shows: every slider's value, and each parameter's value and gradient as
# the table holds them (data-exact, the number the page received).
READ_EXPLORER = """(root) => {
  const sliders = {};
  for (const input of root.querySelectorAll("input[type=range][name]")) {
    sliders[input.name] = Number(input.value);
  }
  const table = {};
  for (const row of root.querySelectorAll("table.bpw-table tr[data-param]")) {
    const [value, grad] = row.querySelectorAll(".bpw-num");
    table[row.dataset.param] = { value: Number(value.dataset.exact),
                                 grad: grad.dataset.exact };
  }
  const select = root.querySelector("select");
  return { sliders, table, weight: select ? select.value : null };
}"""


def expected_gradient(shown: dict, name: str = "w31") -> float:
    controls = {key: shown["sliders"][key] for key in CONTROLS}
    controls["weight"] = shown["weight"]
    return explorer_state(controls)["gradients"][name]


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b))


def wait_for_gradient(page, explorer, expected: float) -> None:
    """Wait until the explorer's table shows ``expected`` as dL/dw31 (its data-exact, to
    1e-12): the kernel has answered."""
    page.wait_for_function(
        """([row, expected]) => {
          const exact = Number(row.querySelector("td:last-child .bpw-num").dataset.exact);
          return Math.abs(exact - expected) <= 1e-12 * Math.abs(expected);
        }""",
        arg=[explorer.locator("tr[data-param=w31]").element_handle(), expected],
        timeout=WIDGET_S * 1000, polling=50)


def test_explorer_slider_is_recomputed_by_the_kernel(browser, jupyterlab):
    started = time.perf_counter()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked: list[str] = []
    errors: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith((jupyterlab.url + "/", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    try:
        open_notebook(page, jupyterlab, NOTEBOOK)
        print(f"  notebook open, kernel idle: {time.perf_counter() - started:.1f} s")

        # The saved outputs hold an explorer too (restored from the notebook's widget state):
        # clear them, so that the explorer found below is the one this kernel made.
        page.evaluate(RUN_COMMAND, ["notebook:clear-all-cell-outputs", 30_000])
        page.wait_for_function(f"() => !document.querySelector({json.dumps(EXPLORER)})",
                               timeout=WIDGET_S * 1000)

        ok = page.evaluate(RUN_COMMAND, ["notebook:run-all-cells", RUN_ALL_S * 1000])
        assert ok, f"run-all failed: {page.evaluate(FAILED_CELLS)}"
        print(f"  all cells run: {time.perf_counter() - started:.1f} s")

        explorer = page.locator(EXPLORER)
        explorer.wait_for(timeout=WIDGET_S * 1000)
        assert explorer.count() == 1
        grad_w31 = explorer.locator("tr[data-param=w31] td:last-child .bpw-num")
        grad_w31.wait_for(timeout=WIDGET_S * 1000)
        handle = explorer.element_handle()

        before = handle.evaluate(READ_EXPLORER)
        # What the kernel sent agrees with bpkit on the controls the sliders show.
        assert close(float(before["table"]["w31"]["grad"]), expected_gradient(before))

        # Move the w11 slider as a reader does: click at three quarters of its track.
        w11 = explorer.locator("input[name=w11]")
        w11.scroll_into_view_if_needed()
        box = w11.bounding_box()
        w11.click(position={"x": 0.75 * box["width"], "y": box["height"] / 2})
        after = handle.evaluate(READ_EXPLORER)
        assert after["sliders"]["w11"] != before["sliders"]["w11"], "the slider did not move"
        # The page draws the new controls at once, with the old gradients, until the kernel
        # answers.
        assert after["table"]["w11"]["value"] == after["sliders"]["w11"]
        expected = expected_gradient(after)
        assert not close(expected, float(before["table"]["w31"]["grad"]))

        wait_for_gradient(page, explorer, expected)
        final = handle.evaluate(READ_EXPLORER)
        assert final["sliders"] == after["sliders"]  # the kernel's answer moved no slider
        shown = float(final["table"]["w31"]["grad"])
        assert shown != float(before["table"]["w31"]["grad"])
        assert close(shown, expected)
        print(f"  w11 {before['sliders']['w11']} -> {after['sliders']['w11']}: dL/dw31 "
              f"{before['table']['w31']['grad']} -> {final['table']['w31']['grad']} "
              f"(bpkit: {expected!r})")

        # The keyboard too: arrow keys move the focused slider (the notebook does not take
        # them to move between cells), and the kernel recomputes.
        explorer.locator("input[name=w22]").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        keyed = handle.evaluate(READ_EXPLORER)
        assert abs(keyed["sliders"]["w22"] - (final["sliders"]["w22"] + 0.002)) < 1e-9
        expected = expected_gradient(keyed)
        wait_for_gradient(page, explorer, expected)
        print(f"  keyboard: w22 {final['sliders']['w22']} -> {keyed['sliders']['w22']}, "
              "recomputed by the kernel")
        assert not blocked, f"the page asked for the network: {blocked}"
        assert not errors, errors
    finally:
        context.close()

    # Stop the kernel from the server's side and check that it is gone.
    kernels = jupyterlab.api("kernels")
    assert len(kernels) == 1, kernels
    server = psutil.Process(jupyterlab.process.pid)
    kernel_processes = [process for process in server.children(recursive=True)
                        if "ipykernel_launcher" in " ".join(process.cmdline())]
    assert len(kernel_processes) == 1, "not one kernel process under the server"
    jupyterlab.api(f"kernels/{kernels[0]['id']}", method="DELETE")
    _, alive = psutil.wait_procs(kernel_processes, timeout=30)
    assert not alive, f"the kernel did not stop: {alive}"
    print(f"  test body: {time.perf_counter() - started:.1f} s")


@contextmanager
def widget_in_a_kernel(browser, jupyterlab, notebook: str, source: str, selector: str):
    """A new notebook ``notebook`` of one code cell, ``source``, opened in JupyterLab and run
    there (network blocked but for the server); yields the page, the widget the cell displays
    (``selector``) once it is drawn, and the list of the page's errors."""
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nbformat.v4.new_notebook(metadata={"kernelspec": kernel},
                                            cells=[nbformat.v4.new_code_cell(source)]),
                   jupyterlab.root / notebook)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith((jupyterlab.url + "/", "data:", "blob:"))
                  else route.abort())
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    try:
        open_notebook(page, jupyterlab, notebook)
        assert page.evaluate(RUN_COMMAND, ["notebook:run-all-cells", RUN_ALL_S * 1000])
        widget = page.locator(selector)
        widget.wait_for(timeout=WIDGET_S * 1000)
        yield page, widget, errors
    finally:
        context.close()


def wait_for_number(page, root, selector: str, value: float) -> None:
    """Wait until the number the widget ``root`` shows at ``selector`` (its data-exact, what
    the page received) is ``value`` to 1e-12: the kernel has answered."""
    page.wait_for_function(
        "([root, selector, v]) => Math.abs(Number(root.querySelector(selector).dataset.exact)"
        " - v) <= 1e-12 * Math.abs(v) + 1e-16",
        arg=[root, selector, value], timeout=WIDGET_S * 1000, polling=50)


TRAINER = ".jp-OutputArea-output .bpw-trainer"
TRAINER_NOTEBOOK = "trainer_in_a_kernel.ipynb"
# How many units the drawn network has, and the step the status line shows.
READ_TRAINER = """(root) => ({
  units: root.querySelectorAll("[data-unit]").length,
  step: Number((root.querySelector(".bpw-status") || {textContent: ""}).textContent
    .match(/step (\\d+)/)?.[1] ?? -1),
})"""


def test_trainer_follows_the_kernel_when_the_network_changes(browser, jupyterlab):
    """A new network (more units, another layer, three classes) is built by the kernel and
    drawn when its weights arrive; the page never draws new controls with old weights, and
    the controls after it still reach the kernel (a Step trains the new network)."""
    with widget_in_a_kernel(browser, jupyterlab, TRAINER_NOTEBOOK,
                            "from bpkit.widgets.trainer import Trainer\ntrainer = Trainer('moons')\n"
                            "trainer", TRAINER) as (page, trainer, errors):
        handle = trainer.element_handle()
        start = handle.evaluate(READ_TRAINER)
        assert start["units"] == 2 + 2 * 8 + 2 and start["step"] == 0, start

        def wait_for_units(n):
            page.wait_for_function(f"(root) => root.querySelectorAll('[data-unit]').length === {n}",
                                   arg=handle, timeout=WIDGET_S * 1000, polling=50)

        trainer.locator("input[name=width]").focus()
        page.keyboard.press("ArrowRight")  # width 9: the kernel draws new weights
        wait_for_units(2 + 2 * 9 + 2)
        trainer.locator("input[name=layers]").focus()
        page.keyboard.press("ArrowRight")  # three hidden layers
        wait_for_units(2 + 3 * 9 + 2)
        trainer.locator("select").first.select_option("spirals3")  # three classes
        wait_for_units(2 + 3 * 9 + 3)
        trainer.get_by_role("button", name="Step").first.click()
        page.wait_for_function(f"(root) => ({READ_TRAINER})(root).step === 1", arg=handle,
                               timeout=WIDGET_S * 1000, polling=50)
        assert errors == [], errors


CONV = ".jp-OutputArea-output .bpw-conv"
CONV_NOTEBOOK = "conv_in_a_kernel.ipynb"
# The controls the page holds and the output y[i][j] it shows (data-exact: what it received).
READ_CONV = """(root) => ({
  controls: {
    i: Number(root.querySelector('input[name=i]').value),
    j: Number(root.querySelector('input[name=j]').value),
    digit: Number(root.querySelector('select[name=digit]').value),
    kernel: Number(root.querySelector('select[name=kernel]').value)},
  value: Number(root.querySelector('[data-role=value]').dataset.exact),
  dW: [0, 1, 2].map((r) => [0, 1, 2].map((c) =>
    Number(root.querySelector(`[data-role="dW-${r}-${c}"]`).dataset.exact))),
})"""


def test_conv_explorer_is_recomputed_by_the_kernel(browser, jupyterlab):
    """Chapter 9's convolution explorer in a kernel: a position moved by the keyboard and a
    kernel chosen from the menu are sent to the kernel, and what comes back is bpkit's."""
    from bpkit.widgets.conv import ConvExplorer, conv_state

    data = ConvExplorer().data  # the same digits and kernels as the kernel's widget
    with widget_in_a_kernel(browser, jupyterlab, CONV_NOTEBOOK,
                            "from bpkit.widgets.conv import ConvExplorer\nconv = ConvExplorer()\n"
                            "conv", CONV) as (page, conv, errors):
        handle = conv.element_handle()
        start = handle.evaluate(READ_CONV)
        assert start["controls"] == {"i": 3, "j": 3, "digit": 0, "kernel": 0}
        assert close(start["value"], conv_state(start["controls"], data)["value"])

        def wait_for_bpkit(controls, previous):
            expected = conv_state(controls, data)
            assert not close(expected["value"], previous)  # only the kernel's answer shows it
            wait_for_number(page, handle, "[data-role=value]", expected["value"])
            shown = handle.evaluate(READ_CONV)
            assert shown["controls"] == controls
            assert all(close(a, b) or a == b == 0 for row_a, row_b in
                       zip(shown["dW"], expected["dW"], strict=True)
                       for a, b in zip(row_a, row_b, strict=True))

        conv.locator("input[name=j]").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        moved = {"i": 3, "j": 5, "digit": 0, "kernel": 0}
        wait_for_bpkit(moved, start["value"])
        conv.locator("select[name=kernel]").select_option("1")
        conv.locator("select[name=digit]").select_option("2")
        wait_for_bpkit({"i": 3, "j": 5, "digit": 2, "kernel": 1},
                       conv_state(moved, data)["value"])
        assert errors == [], errors


THROUGH_TIME = ".jp-OutputArea-output .bpw-through-time"
# The sliders and the ratio ||dL/dh_0|| / ||dL/dh_T|| the page shows (data-exact).
READ_THROUGH_TIME = """(root) => ({
  steps: Number(root.querySelector('input[name=steps]').value),
  scale: Number(root.querySelector('input[name=scale]').value),
  ratio: Number(root.querySelector('[data-role=ratio]').dataset.exact),
})"""


def test_through_time_is_recomputed_by_the_kernel(browser, jupyterlab):
    """Chapter 10's gradient-through-time explorer in a kernel: the sliders moved by the
    keyboard and the New seed button reach the kernel, and the ratio that comes back is
    bpkit's for those controls and that seed's network."""
    from bpkit.widgets.through_time import make_network, through_time_state

    def expected(shown, seed):
        controls = {"steps": shown["steps"], "scale": shown["scale"], "seed": seed}
        return through_time_state(controls, make_network(seed))["ratio"]

    with widget_in_a_kernel(browser, jupyterlab, "through_time_in_a_kernel.ipynb",
                            "from bpkit.widgets.through_time import ThroughTime\n"
                            "widget = ThroughTime(steps=30, scale=1.0, seed=0)\nwidget",
                            THROUGH_TIME) as (page, widget, errors):
        handle = widget.element_handle()
        start = handle.evaluate(READ_THROUGH_TIME)
        assert (start["steps"], start["scale"]) == (30, 1.0)
        assert close(start["ratio"], expected(start, 0))

        widget.locator("input[name=scale]").focus()
        page.keyboard.press("ArrowLeft")  # a smaller W_h: the ratio changes
        widget.locator("input[name=steps]").focus()
        page.keyboard.press("ArrowRight")
        moved = handle.evaluate(READ_THROUGH_TIME)
        assert (moved["steps"], moved["scale"]) == (31, 0.95)
        assert not close(expected(moved, 0), start["ratio"])
        wait_for_number(page, handle, "[data-role=ratio]", expected(moved, 0))
        widget.get_by_role("button", name="New seed").click()  # seed 1: new weights
        assert not close(expected(moved, 1), expected(moved, 0))
        wait_for_number(page, handle, "[data-role=ratio]", expected(moved, 1))
        assert errors == [], errors


STEPPER = ".jp-OutputArea-output .bpw-stepper"
# Each node's gradient as the page shows it (data-exact), for the nodes revealed so far.
READ_STEPPER = """(root) => Object.fromEntries(Array.from(root.querySelectorAll('g[data-node]'))
  .filter((g) => g.querySelector('.bpw-grad').dataset.exact !== undefined)
  .map((g) => [g.dataset.node, Number(g.querySelector('.bpw-grad').dataset.exact)]))"""


def test_backward_stepper_steps_in_the_kernel(browser, jupyterlab):
    """Chapter 8's backward stepper in a kernel: each Step is done by BackwardStepper.step in
    the kernel, and the gradients revealed are bpkit's, in bpkit's order; a slider moved
    afterwards makes the kernel recompute them."""
    from bpkit.widgets.stepper import BackwardStepper

    with widget_in_a_kernel(browser, jupyterlab, "stepper_in_a_kernel.ipynb",
                            "from bpkit.widgets.stepper import BackwardStepper\n"
                            "stepper = BackwardStepper('neuron', x=0.8, w=-1.5, b=0.3)\nstepper",
                            STEPPER) as (page, widget, errors):
        handle = widget.element_handle()
        assert handle.evaluate(READ_STEPPER) == {}  # step 0: no gradient shown yet
        ours = BackwardStepper("neuron", x=0.8, w=-1.5, b=0.3)

        def wait_for_shown(names):
            page.wait_for_function(
                f"(root) => Object.keys(({READ_STEPPER})(root)).length === {len(names)}",
                arg=handle, timeout=WIDGET_S * 1000, polling=50)
            shown = handle.evaluate(READ_STEPPER)
            assert sorted(shown) == sorted(names)
            return shown

        for k in range(1, 4):
            widget.get_by_role("button", name="Step").first.click()
            ours.step()
            shown = wait_for_shown(ours.backward_order[:k])
            assert all(close(shown[name], g) or shown[name] == g == 0
                       for name, g in ours.shown.items())
        widget.locator("input[name=x]").focus()
        page.keyboard.press("ArrowRight")  # x 0.8 -> 0.85: the kernel recomputes
        ours.set(x=0.85)
        wait_for_number(page, handle, "g[data-node=x] .bpw-value", 0.85)
        shown = handle.evaluate(READ_STEPPER)
        assert sorted(shown) == sorted(ours.shown)
        assert all(close(shown[name], g) or shown[name] == g == 0
                   for name, g in ours.shown.items())
        assert errors == [], errors


GENERALISATION = ".jp-OutputArea-output .bpw-generalisation"
# The menus and the last epoch's validation loss the page shows (data-exact).
READ_GENERALISATION = """(root) => ({
  controls: Object.fromEntries(Array.from(root.querySelectorAll('select'))
    .map((s) => [s.name, Number(s.value)])),
  val_loss: Number(root.querySelector('[data-key=val_loss]').dataset.exact),
})"""


def test_generalisation_explorer_is_answered_by_the_kernel(browser, jupyterlab):
    """Chapter 7's overfitting explorer in a kernel: a setting picked from the menus is sent
    to the kernel, whose runs (trained there by bpkit when the widget was made) give the
    losses drawn; they equal the runs trained here, seeded the same."""
    from bpkit.widgets.generalisation import generalisation_state, precompute

    runs = precompute()
    with widget_in_a_kernel(browser, jupyterlab, "generalisation_in_a_kernel.ipynb",
                            "from bpkit.widgets.generalisation import GeneralisationExplorer\n"
                            "explorer = GeneralisationExplorer()\nexplorer",
                            GENERALISATION) as (page, widget, errors):
        handle = widget.element_handle()
        start = handle.evaluate(READ_GENERALISATION)
        assert start["controls"] == {"n_train": 100, "width": 128, "weight_decay": 0,
                                     "dropout": 0}
        assert close(start["val_loss"], generalisation_state(runs, start["controls"])["val_loss"])
        widget.locator("select[name=n_train]").select_option("300")
        widget.locator("select[name=dropout]").select_option("0.5")
        picked = {**start["controls"], "n_train": 300, "dropout": 0.5}
        want = generalisation_state(runs, picked)["val_loss"]
        assert not close(want, start["val_loss"])
        wait_for_number(page, handle, "[data-key=val_loss]", want)
        assert handle.evaluate(READ_GENERALISATION)["controls"] == picked
        assert errors == [], errors
