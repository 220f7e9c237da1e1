"""Grade a folder of submitted notebooks with nbgrader; write a gradebook CSV and feedback.

The submissions folder holds one folder per student, each with that student's notebooks
under the book's names: ``SUBMISSIONS/<student>/ch01_chain_rule.ipynb``. Every notebook is
run by ``nbgrader autograde`` in a fresh kernel (each cell at most ``--cell-timeout`` seconds,
the whole notebook at most ``--notebook-timeout``), with the hidden tests of ``grading/``
restored into its graded cells. Written out in ``--out``:

- ``gradebook.csv``: one row per student and graded part (student, assignment, exercise,
  part, points, max_points, status); a written answer has status ``manual`` until graded
  by hand (``nbgrader formgrader`` in ``--out``/course);
- ``feedback/<student>/<assignment>.html``: the student's notebook with every check's
  output and the points of each part (``nbgrader generate_feedback``);
- ``problems.txt``: every notebook that could not be read, failed to run, timed out, or has
  a cell that was cut off; such a notebook is reported, and the others are graded.

    python tools/grade.py SUBMISSIONS --out _build/grades
"""

from __future__ import annotations

import argparse
import csv
import pathlib
import shutil
import subprocess
import sys

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from assignments import ROOT, nbgrader, write_course  # noqa: E402

FIELDS = ["student", "assignment", "exercise", "part", "points", "max_points", "status"]


def _cut_off(notebook: pathlib.Path) -> list[str]:
    """The graded cells of an autograded notebook whose run was interrupted."""
    nb = nbformat.read(notebook, as_version=4)
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") in (
                    "CellTimeoutError", "KeyboardInterrupt", "DeadKernelError"):
                found.append(cell.metadata.get("nbgrader", {}).get("grade_id", "a cell"))
    return list(dict.fromkeys(found))


def grade(submissions: pathlib.Path, out: pathlib.Path, *, cell_timeout: int = 60,
          notebook_timeout: int = 600) -> tuple[list[dict], list[str]]:
    """Grade every notebook of ``submissions``; return the gradebook rows and the problems."""
    if not submissions.is_dir():
        raise SystemExit(f"grade: {submissions} is not a folder of student folders")
    books = {p.stem: p for p in sorted((ROOT / "book").glob("ch*.ipynb"))}
    found = sorted((d.name, nb) for d in submissions.iterdir() if d.is_dir()
                   for nb in sorted(d.glob("*.ipynb")))
    if not found:
        raise SystemExit(f"grade: no notebooks in {submissions}/<student>/ (expected e.g. "
                         f"{submissions}/alice/ch01_chain_rule.ipynb)")
    problems = []
    wanted = sorted({nb.stem for _, nb in found if nb.stem in books})
    course = out / "course"
    shutil.rmtree(course, ignore_errors=True)
    write_course([books[n] for n in wanted], course, timeout=cell_timeout)
    todo = []
    for student, nb in found:
        if nb.stem not in books:
            problems.append(f"{student}/{nb.name}: not a chapter of the book "
                            f"(expected one of {', '.join(books)}); not graded")
            continue
        try:
            nbformat.read(nb, as_version=4)
        except Exception as err:  # not JSON, not a notebook: say so and go on
            problems.append(f"{student}/{nb.name}: cannot be read as a notebook "
                            f"({type(err).__name__}); not graded")
            continue
        target = course / "submitted" / student / nb.stem / nb.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(nb, target)
        todo.append((student, nb.stem))
    rows = []
    for student, name in todo:
        try:
            nbgrader(course, "autograde", name, "--student", student, "--create", "--force",
                     timeout=notebook_timeout)
        except subprocess.TimeoutExpired:
            problems.append(f"{student}/{name}.ipynb: still running after {notebook_timeout} s; "
                            "not graded")
            continue
        except RuntimeError as err:
            problems.append(f"{student}/{name}.ipynb: nbgrader could not grade it: "
                            f"{str(err).splitlines()[-1]}")
            continue
        graded = course / "autograded" / student / name / f"{name}.ipynb"
        for grade_id in _cut_off(graded):
            problems.append(f"{student}/{name}.ipynb: {grade_id} ran longer than "
                            f"{cell_timeout} s and was stopped (no points for it)")
        rows += _rows(course, student, name)
    if rows:  # one nbgrader run writes the feedback of every graded notebook
        nbgrader(course, "generate_feedback", "*", "--force")
    for student, name in sorted({(r["student"], r["assignment"]) for r in rows}):
        html = course / "feedback" / student / name / f"{name}.html"
        target = out / "feedback" / student / f"{name}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(html, target)
    with open(out / "gradebook.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    (out / "problems.txt").write_text("".join(p + "\n" for p in problems))
    return rows, problems


def _rows(course: pathlib.Path, student: str, name: str) -> list[dict]:
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(name, name, student)
        for g in sorted(notebook.grades, key=lambda g: g.name):
            exercise, part = g.name[2:].rsplit("_", 1)
            manual = g.needs_manual_grade or (part == "written" and g.manual_score is None)
            rows.append({"student": student, "assignment": name,
                         "exercise": exercise.replace("_", "."),
                         "part": "written" if part == "written" else "autograded",
                         "points": "" if manual else f"{g.score:g}",
                         "max_points": f"{g.max_score:g}",
                         "status": "manual" if manual else "graded"})
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("_build/grades"))
    parser.add_argument("--cell-timeout", type=int, default=60)
    parser.add_argument("--notebook-timeout", type=int, default=600)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows, problems = grade(args.submissions, args.out, cell_timeout=args.cell_timeout,
                           notebook_timeout=args.notebook_timeout)
    totals = {}
    for r in rows:
        key = (r["student"], r["assignment"])
        got, most = totals.get(key, (0.0, 0.0))
        totals[key] = (got + float(r["points"] or 0), most + float(r["max_points"]))
    for (student, name), (got, most) in sorted(totals.items()):
        print(f"{student:>16} {name}: {got:g} of {most:g} points (written answers pending)")
    for p in problems:
        print(f"PROBLEM {p}")
    print(f"Gradebook: {args.out / 'gradebook.csv'}; feedback: {args.out / 'feedback'}/")


if __name__ == "__main__":
    main()
