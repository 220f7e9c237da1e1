"""Write the coursework, one nbgrader assignment per chapter, from the book's notebooks.

The book's exercises are the only source. For each chapter this writes the instructor's
version (nbgrader's ``source/``) and, through nbgrader itself (``nbgrader
generate_assignment``), the student release (``release/``):

- a title cell with the points, the chapter's Colab and import cells, then the exercises;
- every statement, given code and check cell locked read-only (nbgrader ``locked``), the
  points shown in each statement;
- the solution cell becomes an autograded answer cell: the values the check reads are set to
  ``None``, each function and method the check calls keeps its signature, its body between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` followed by a ``raise NotImplementedError``
  that the solution never reaches; all other code of the solution (helpers, confirmations)
  sits in one solution region. The release keeps the stubs and ``# YOUR CODE HERE``;
- a ``written-answer`` cell becomes a manually graded answer cell whose solution region holds
  the rubric (``grading.RUBRICS``) and the model answer (the solution cell's comments);
- the check cell becomes the graded test cell: the visible check, then the hidden tests
  (``### BEGIN HIDDEN TESTS``), one call into ``grading.chN`` (outside the student's package).
  The visible check prints "no answer yet" for an empty answer and raises nothing (so "Run
  All" on the release runs to the end); the hidden test fails on it, so it earns no points.

    python tools/assignments.py book/ch*.ipynb --course _build/course
"""

from __future__ import annotations

import argparse
import ast
import os
import pathlib
import re
import subprocess
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from grading import POINTS, RUBRICS, WRITTEN_POINTS  # noqa: E402

EXERCISE = re.compile(r"\*\*Exercise (\d+)\.(\d+)\*\*")
CODE_STUB = "# YOUR CODE HERE"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

NBGRADER_CONFIG = '''\
# Written by tools/assignments.py. The course directory of the book's coursework.
c = get_config()  # noqa: F821
c.CourseDirectory.root = "."
# The stubs of the answer cells are written by tools/assignments.py; nbgrader adds only this.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
# Each cell of a submission may run this many seconds (a loop that never ends is cut off).
c.Execute.timeout = %(timeout)d
c.Execute.interrupt_on_timeout = True
'''


def _meta(grade_id: str, *, grade=False, solution=False, locked=True, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _header_end(lines: list[str], start: int) -> int:
    """Index of the line that ends the ``def``/``class`` header starting at ``start``."""
    for i in range(start, len(lines)):
        if lines[i].split("#", 1)[0].rstrip().endswith(":"):
            return i
    raise ValueError(f"no end of the header at line {start + 1}")


def _function(lines: list[str], node, name: str) -> list[str]:
    start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
    head = _header_end(lines, node.lineno - 1)
    first = node.body[0]
    indent = re.match(r"\s*", lines[first.lineno - 1]).group(0)
    body = lines[head + 1:node.end_lineno]
    out = lines[start:head + 1] + [indent + BEGIN] + body
    if not isinstance(node.body[-1], (ast.Return, ast.Raise)):
        out.append(indent + "return  # the solution ends here; the line below is the stub")
    out += [indent + END,
            f'{indent}raise NotImplementedError("write {name} here, then run the check below")']
    return out


def _class(lines: list[str], node) -> list[str]:
    head = _header_end(lines, node.lineno - 1)
    out = lines[(node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1:
                head + 1]
    for k, item in enumerate(node.body):
        if k:
            out.append("")
        if isinstance(item, ast.FunctionDef):
            out += _function(lines, item, f"{node.name}.{item.name}")
        else:
            out += lines[item.lineno - 1:item.end_lineno]
    return out


def _assigned(node) -> list[str]:
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    names = []
    for target in targets:
        names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


def instructor_source(solution: str, check: str) -> str:
    """The answer cell of the instructor's version: stubs and solution regions (see above)."""
    lines = solution.splitlines()
    used = set(re.findall(r"[A-Za-z_]\w*", check))
    values, stubs, taken = [], [], set()
    for node in ast.parse(solution).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in used:
            start = (node.decorator_list[0].lineno if node.decorator_list else node.lineno)
            taken.update(range(start - 1, node.end_lineno))
            stubs.append(_class(lines, node) if isinstance(node, ast.ClassDef)
                         else _function(lines, node, node.name))
        else:
            values += [n for n in _assigned(node) if n in used and n not in values]
    rest = [line for i, line in enumerate(lines) if i not in taken]
    while rest and not rest[0].strip():
        rest.pop(0)
    while rest and not rest[-1].strip():
        rest.pop()
    rest = [re.sub(r"\n{3,}", "\n\n", "\n".join(rest))] if rest else []
    parts = []
    if values:
        parts.append("\n".join(f"{n} = None  # replace None with your answer" for n in values))
    parts += ["\n".join(stub) for stub in stubs]
    if rest:
        parts.append("\n".join([BEGIN, *rest, END]))
    return "\n\n\n".join(parts) + "\n"


def clear_solutions(source: str, stub: str = CODE_STUB) -> str:
    """What nbgrader's ClearSolutions makes of a source (with this course's code stub)."""
    out, inside = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            inside = True
            out.append(re.match(r"\s*", line).group(0) + stub)
        elif END in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _model_answer(solution: str) -> str:
    comments = [line.strip()[1:].strip() for line in solution.splitlines()
                if line.strip().startswith("#")]
    return " ".join(c for c in comments if c)


def exercises(nb) -> list[dict]:
    """Each exercise's cells: statement, given, written, solution, check (in book order)."""
    found, current = [], None
    for cell in nb.cells:
        m = EXERCISE.search(cell.source) if cell.cell_type == "markdown" else None
        if m:
            current = {"id": f"{m.group(1)}.{m.group(2)}", "statement": cell, "given": [],
                       "written": None, "solution": None, "check": None}
            found.append(current)
            continue
        if current is None or current["check"] is not None:
            continue
        tags = cell.metadata.get("tags", [])
        if "written-answer" in tags:
            current["written"] = cell
        elif "solution" in tags:
            current["solution"] = cell
        elif current["solution"] is not None:
            current["check"] = cell
        else:
            current["given"].append(cell)
    for ex in found:
        if ex["solution"] is None or ex["check"] is None or ".check_" not in ex["check"].source:
            raise ValueError(f"Exercise {ex['id']}: no solution cell followed by its check")
    return found


def setup_cell(nb):
    for cell in nb.cells:
        if cell.cell_type == "code" and "from bpkit.exercises import" in cell.source:
            return cell
    raise ValueError("no cell imports the chapter's checks")


def _points_text(ex_id: str) -> str:
    auto, written = POINTS[ex_id], WRITTEN_POINTS.get(ex_id)
    text = f"*({auto} point{'s' * (auto > 1)}, autograded"
    if written:
        text += f"; the written answer {written} point{'s' * (written > 1)}, graded by hand"
    return text + ")*"


def source_notebook(book: nbformat.NotebookNode, title: str) -> nbformat.NotebookNode:
    """The instructor's version (nbgrader source) of one chapter's exercises."""
    found = exercises(book)
    chapter = found[0]["id"].split(".")[0]
    auto = sum(POINTS[ex["id"]] for ex in found)
    written = sum(WRITTEN_POINTS.get(ex["id"], 0) for ex in found)
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    intro = (f"# Coursework, Chapter {chapter}: {title}\n\n"
             f"{len(found)} exercises, {auto + written} points: {auto} checked automatically, "
             f"{written} for written answers, graded by hand. Run the cells from the top. "
             "Write each answer in the cell below its statement (replace `None`, write the "
             "function bodies), run it, then run its check, which prints \"Correct.\" or says "
             "what is off. Grading runs other tests as well, on other inputs. Do not "
             "change the check cells (grading restores them).")
    cells = [md(intro), code(book.cells[1].source), code(setup_cell(book).source)]
    cells[0].metadata["nbgrader"] = _meta("intro")
    cells[1].metadata["nbgrader"] = _meta("colab")
    cells[2].metadata["nbgrader"] = _meta("setup")
    for ex in found:
        gid = "ex" + ex["id"].replace(".", "_")
        label = f"**Exercise {ex['id']}**"
        text = ex["statement"].source.replace(label, f"{label} {_points_text(ex['id'])}", 1)
        if ex is found[0] and not text.lstrip().startswith("**Exercise"):
            text = text[text.index("**Exercise"):]  # drop the book's "## Exercises" intro
        cell = md(text)
        cell.metadata["nbgrader"] = _meta(f"{gid}_statement")
        cells.append(cell)
        for k, given in enumerate(ex["given"]):
            cell = code(given.source)
            cell.metadata["nbgrader"] = _meta(f"{gid}_given{k}")
            cells.append(cell)
        answer = code(instructor_source(ex["solution"].source, ex["check"].source))
        answer.metadata["nbgrader"] = _meta(f"{gid}_answer", solution=True, locked=False)
        if ex["written"] is not None:
            rubric = "\n".join(f"- {line}" for line in RUBRICS[ex["id"]])
            written = md(f"{ex['written'].source.rstrip()}\n\n{BEGIN}\n**Rubric "
                         f"({WRITTEN_POINTS[ex['id']]} points).**\n\n{rubric}\n\n"
                         f"**Model answer.** {_model_answer(ex['solution'].source)}\n{END}")
            written.metadata["nbgrader"] = _meta(f"{gid}_written", grade=True, solution=True,
                                                 locked=False,
                                                 points=WRITTEN_POINTS[ex["id"]])
            cells.append(written)
        cells.append(answer)
        check = ex["check"].source.strip()
        call = re.sub(r"^ch\d+\.check_\w+\(", f"hidden.exercise_{gid[2:]}(", check)
        test = code(f"{check}\n{'### BEGIN HIDDEN TESTS'}\n"
                    f"import importlib  # the instructor's tests: grading/, not in the release\n"
                    f"hidden = importlib.import_module(\"grading.ch{chapter}\")\n"
                    f"{call}\n### END HIDDEN TESTS")
        test.metadata["nbgrader"] = _meta(f"{gid}_check", grade=True,
                                          points=POINTS[ex["id"]])
        cells.append(test)
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    return nb


def chapter_title(book) -> str:
    return book.cells[0].source.splitlines()[0].lstrip("# ").strip()


def write_course(notebooks: list[pathlib.Path], course: pathlib.Path, *,
                 timeout: int = 60, release: bool = True) -> list[str]:
    """Write ``course/source/<name>/<name>.ipynb`` per chapter; release them with nbgrader."""
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG % {"timeout": timeout})
    names = []
    for path in notebooks:
        book = nbformat.read(path, as_version=4)
        name = path.stem
        target = course / "source" / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(book, chapter_title(book)), target)
        names.append(name)
    if release:  # one nbgrader run releases them all
        nbgrader(course, "generate_assignment", "*", "--force")
    return names


def nbgrader(course: pathlib.Path, *args: str, timeout: float | None = None):
    """Run ``nbgrader`` in ``course``; raise with its output if it fails."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # the hidden tests import grading/
    # nbgrader runs alembic, which sits beside this Python
    env["PATH"] = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("--course", type=pathlib.Path, default=pathlib.Path("_build/course"))
    args = parser.parse_args(argv)
    for name in write_course(args.notebooks, args.course):
        print(f"{name}: source/{name}/{name}.ipynb (instructor), "
              f"release/{name}/{name}.ipynb (students)")
    print(f"The course directory is {args.course}")


if __name__ == "__main__":
    main()
