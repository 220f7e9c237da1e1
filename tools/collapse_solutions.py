"""Store every solution cell of the book's notebooks collapsed, input and output.

The website hides a solution behind a click (the cell is tagged ``hide-cell``). The Binder
and Colab buttons open the notebooks themselves, where a solution would sit in plain view
under its exercise. This sets the cell metadata that JupyterLab and Notebook 7 read when they
open a notebook, ``"jupyter": {"source_hidden": true, "outputs_hidden": true}``, on every
cell tagged ``solution`` or ``hide-cell``: the solution is one click away there too. Only
metadata changes; sources and outputs stay as they are, so no notebook needs re-executing.

    python tools/collapse_solutions.py --check    # exit 1 and name every notebook to fix
    python tools/collapse_solutions.py --write    # set the metadata (running it again: no-op)
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
TAGS = ("solution", "hide-cell")
COLLAPSED = {"source_hidden": True, "outputs_hidden": True}


def solution_cells(nb) -> list:
    """The cells the website hides: tagged ``solution`` or ``hide-cell``."""
    return [c for c in nb.cells if set(TAGS) & set(c.metadata.get("tags", []))]


def is_collapsed(cell) -> bool:
    jupyter = cell.metadata.get("jupyter", {})
    return all(jupyter.get(key) is value for key, value in COLLAPSED.items())


def collapse(nb) -> int:
    """Collapse every solution cell of ``nb`` in place; return how many changed."""
    changed = 0
    for cell in solution_cells(nb):
        if not is_collapsed(cell):
            cell.metadata.setdefault("jupyter", {}).update(COLLAPSED)
            changed += 1
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    wrong = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        changed = collapse(nb)
        if changed:
            wrong.append(f"{path.name} ({changed} cell{'s' * (changed > 1)})")
            if args.write:
                nbformat.write(nb, path)
    if args.check and wrong:
        print("solution cells not stored collapsed (run python tools/collapse_solutions.py "
              "--write): " + ", ".join(wrong), file=sys.stderr)
        return 1
    print(f"{'collapsed' if args.write else 'checked'}: {', '.join(wrong) or 'nothing to do'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
