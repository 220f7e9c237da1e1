"""Make the student version of the book's notebooks: solutions removed, outputs cleared.

Every code cell tagged ``solution`` is replaced by an empty answer cell that says where the
answer goes; the check cell after it stays, so the student runs the same check the book
shows. Outputs are cleared, so nothing of the solution survives in a printed result.

    python tools/student_release.py book/*.ipynb --out _build/student
"""

from __future__ import annotations

import argparse
import pathlib

import nbformat

PLACEHOLDER = "# Your answer here: replace the None values and write the function bodies.\n"


def strip_solutions(nb: nbformat.NotebookNode) -> int:
    """Replace the solution cells of ``nb`` in place; return how many there were."""
    count = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution" in tags:
            names = _assigned_names(cell.source)
            body = PLACEHOLDER + "".join(f"{name} = None\n" for name in names)
            body += "".join(f"\n\n{signature}\n    raise NotImplementedError(\"write {name} here, "
                            f"then run the check below\")\n"
                            for name, signature in _functions(cell.source))
            nb.cells[i] = nbformat.v4.new_code_cell(body, metadata={"tags": ["answer"]})
            count += 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return count


def _assigned_names(source: str) -> list[str]:
    """Top-level names a solution cell assigns (``answer = ...``), in order, once each."""
    names = []
    for line in source.splitlines():
        target, equals, value = line.partition("=")
        if line[:1].isidentifier() and equals and not value.startswith("="):
            target = target.strip()
            if target.isidentifier() and target not in names:
                names.append(target)
    return names


def _functions(source: str) -> list[tuple[str, str]]:
    """``(name, def line)`` of every top-level function a solution cell defines."""
    return [(line[4:].split("(", 1)[0].strip(), line.rstrip())
            for line in source.splitlines()
            if line.startswith("def ") and line.rstrip().endswith(":")]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("_build/student"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        n = strip_solutions(nb)
        nbformat.write(nb, args.out / path.name)
        print(f"{path.name}: {n} solution cell(s) removed")


if __name__ == "__main__":
    main()
