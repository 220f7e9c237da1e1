"""Make the student version of the book's notebooks: solutions removed, outputs cleared.

Every code cell tagged ``solution`` is replaced by an empty answer cell that says where the
answer goes; the check cell after it stays, so the student runs the same check the book
shows. Outputs are cleared, so nothing of the solution survives in a printed result.

    python tools/student_release.py book/*.ipynb --out _build/student
"""

from __future__ import annotations

import argparse
import pathlib
import re

import nbformat

PLACEHOLDER = "# Your answer here: replace the None values and write the function bodies.\n"


def strip_solutions(nb: nbformat.NotebookNode) -> int:
    """Replace the solution cells of ``nb`` in place; return how many there were.

    The answer cell names only what the check after it uses: the values it reads (set to
    ``None``), the functions and classes it calls (with their signatures, each body raising
    ``NotImplementedError``, which the checks report as "no answer yet"). Helper names of the
    solution are not given away.
    """
    count = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution" in tags:
            check = nb.cells[i + 1].source if i + 1 < len(nb.cells) else ""
            used = set(re.findall(r"[A-Za-z_]\w*", check))
            body = PLACEHOLDER
            body += "".join(f"{name} = None\n" for name in _assigned_names(cell.source)
                            if name in used)
            for name, lines in _definitions(cell.source):
                if name in used:
                    body += "\n\n" + "\n".join(lines) + "\n"
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


def _definitions(source: str) -> list[tuple[str, list[str]]]:
    """``(name, stub lines)`` of every top-level function and class a solution defines.

    A function keeps its ``def`` line; a class keeps its ``class`` line and the ``def`` lines
    of its methods. Every body becomes ``raise NotImplementedError(...)``.
    """
    found = []
    for line in source.splitlines():
        stripped = line.rstrip()
        if line.startswith("def ") and stripped.endswith(":"):
            name = line[4:].split("(", 1)[0].strip()
            found.append((name, [stripped, f'    raise NotImplementedError("write {name} '
                                           f'here, then run the check below")']))
        elif line.startswith("class ") and stripped.endswith(":"):
            name = re.split(r"[(:]", line[6:], maxsplit=1)[0].strip()
            found.append((name, [stripped]))
        elif (line.startswith("    def ") and stripped.endswith(":") and found
              and found[-1][1][0].startswith("class ")):
            method = line[8:].split("(", 1)[0].strip()
            found[-1][1].extend([stripped, f'        raise NotImplementedError("write '
                                           f'{found[-1][0]}.{method} here")'])
    return [(name, lines if len(lines) > 1 else lines + ["    pass"])
            for name, lines in found]


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
