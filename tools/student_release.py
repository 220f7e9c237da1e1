"""Make the student version of the book's notebooks: solutions removed, outputs cleared.

Every code cell tagged ``solution`` is replaced by an answer cell holding what the student
completes, the same stubs as the nbgrader release (``tools/assignments.py``): the values the
check after it reads, set to ``None``; every function and class it calls, with its signature
and a body that raises ``NotImplementedError`` (which the checks report as "no answer yet");
and ``# YOUR CODE HERE`` where the rest of the solution was. Helper names of the solution are
not given away. The check cell after it stays as it is: on an empty answer it prints "no
answer yet" and raises nothing, so "Run All" goes on to the end while answers are missing.
Outputs are cleared, so nothing of the solution survives in a printed result.

    python tools/student_release.py book/*.ipynb --out _build/student
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from assignments import clear_solutions, instructor_source  # noqa: E402


def answer_stub(solution: str, check: str) -> str:
    """The answer cell that replaces ``solution``, for the check cell ``check``."""
    return clear_solutions(instructor_source(solution, check))


def strip_solutions(nb: nbformat.NotebookNode) -> int:
    """Replace the solution cells of ``nb`` in place; return how many there were."""
    count = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution" in tags:
            check = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            source = check.source if check is not None else ""
            nb.cells[i] = nbformat.v4.new_code_cell(answer_stub(cell.source, source),
                                                    metadata={"tags": ["answer"]})
            count += 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return count


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
