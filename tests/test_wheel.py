"""bpkit-book as a wheel, installed into a clean virtual environment, works outside the repo.

The wheel is built from this repository (offline, no build isolation), installed with
``--no-deps`` into a new virtual environment that sees the dependencies of ``.venv`` through a
path file (never its editable bpkit), and run from an empty folder: the import must come from
the wheel, a chapter's import cell must run, and every file the widgets need (their JavaScript
modules, the website's page script and stylesheet) must be in the installed package, and so
must the handwritten digits of ``bpkit.datasets.digits`` and Chapter 10's text, with the
note on their sources and licences.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
JS = sorted(p.name for p in (ROOT / "bpkit" / "widgets" / "js").iterdir())

PROBE = """
import json, pathlib, sys
from importlib import metadata, resources
ns = {"__name__": "__main__"}
exec(sys.stdin.read(), ns)  # the chapter's import cell
import bpkit
from bpkit.widgets.frontend import WIDGETS, module_source
js = resources.files("bpkit.widgets").joinpath("js")
from bpkit.datasets import digits
x, t = digits()
print(json.dumps({
    "file": bpkit.__file__,
    "version": metadata.version("bpkit-book"),
    "modules": {w: len(module_source(w)) for w in WIDGETS},
    "js": sorted(p.name for p in js.iterdir()),
    "alice": bpkit.datasets.alice()[:43],
    "digits": [list(x.shape), int(t.sum()), float(x.sum())],
    "data": sorted(p.name for p in resources.files("bpkit").joinpath("data").iterdir()),
}))
"""


def test_the_wheel_installs_and_runs_a_chapter_in_a_clean_venv(tmp_path):
    src = tmp_path / "src"  # a copy, so that setuptools leaves no build/ in the repository
    shutil.copytree(ROOT / "bpkit", src / "bpkit",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(wheels), str(src)], check=True,
                   cwd=tmp_path)
    (wheel,) = wheels.glob("bpkit_book-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert [f"bpkit/widgets/js/{n}" in names for n in JS] == [True] * len(JS)
    assert not [n for n in names if n.startswith(("grading/", "tests/", "tools/"))]
    assert "bpkit/data/alice_chapter1.txt" in names and "bpkit/data/README.md" in names
    assert "bpkit/data/digits.csv.gz" in names

    env_dir = tmp_path / "clean"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    site = pathlib.Path(site.stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(site), str(wheel)], check=True)
    # the dependencies (NumPy, matplotlib, ...) from .venv; its editable bpkit is not seen,
    # since a path file's own path files are not read
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    chapter = nbformat.read(ROOT / "book" / "ch01_chain_rule.ipynb", as_version=4)
    setup = next(c.source for c in chapter.cells
                 if c.cell_type == "code" and "from bpkit.exercises import" in c.source)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    done = subprocess.run([python, "-c", PROBE], input=setup, capture_output=True, text=True,
                          cwd=empty, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert pathlib.Path(found["file"]).is_relative_to(site)
    assert found["version"] == "0.1.0"
    assert found["js"] == JS
    assert found["alice"] == "CHAPTER I.\nDown the Rabbit-Hole\n\n\nAlice was"  # Chapter 10's text
    from bpkit.datasets import digits
    x, t = digits()
    assert found["digits"] == [[1797, 64], int(t.sum()), float(x.sum())]
    assert found["data"] == ["README.md", "alice_chapter1.txt", "digits.csv.gz"]
    assert all(size > 1000 for size in found["modules"].values()), found["modules"]
