"""Every exercise of the book, run as a reader runs it, in a Jupyter kernel.

For each chapter the test reads the exercises from the notebook itself (a markdown cell that
starts "**Exercise N.M**", any given code after it, the cell tagged ``solution``, then the
check cell) and runs, in one fresh kernel after the chapter's import cell:

1. the solution and its check: the check prints "Correct." and raises nothing;
2. a wrong answer (``WRONG_ANSWERS`` in ``tests/test_exercises_chN.py``) and the check: it
   raises ExerciseError;
3. the empty answer cell of the student version (``tools/student_release.py``) and the check:
   neither raises, and the check prints "Exercise N.M, ...: no answer yet". After the first
   exercise the chapter holds no code but its exercises', so this phase runs every cell of the
   student version that differs from the book's (whose cells strict nbval runs).

Neither the success text, nor the failure text, nor the traceback Jupyter shows may contain
any string of ``ANSWER_STRINGS`` (the expected values and formulas, as a reader would see
them), and the traceback shows no line of the check's source. The stored notebooks hide each
solution together with its output: the cell is tagged ``hide-cell`` and stores no output.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pathlib
import re
import sys

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import assignments  # noqa: E402
import student_release  # noqa: E402

CHAPTERS = {n: p for n, p in
            ((int(p.name[2:4]), p) for p in sorted((ROOT / "book").glob("ch*.ipynb")))}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def exercises(nb):
    """``[(id, given code cells, solution cell, check cell)]`` in the order of the notebook,
    as ``tools/assignments.py`` reads them for the coursework."""
    return [(ex["id"], [c for c in ex["given"] if c.cell_type == "code"], ex["solution"],
             ex["check"]) for ex in assignments.exercises(nb)]


setup_cell = assignments.setup_cell


def run(cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb.cells


def texts(cell):
    """(printed text, error name, traceback text) of an executed cell."""
    out, ename, tb = [], None, ""
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            out.append(o.data.get("text/plain", ""))
        elif o.output_type == "error":
            ename = o.ename
            tb = ANSI.sub("", "\n".join(o.traceback))
    return "".join(out), ename, tb


@pytest.fixture(scope="module", params=sorted(CHAPTERS), ids=lambda n: f"chapter{n}")
def chapter(request):
    n = request.param
    nb = nbformat.read(CHAPTERS[n], as_version=4)
    found = exercises(nb)
    data = importlib.import_module(f"test_exercises_ch{n}")
    student = copy.deepcopy(nb)
    student_release.strip_solutions(student)
    stubs = {ex: answer for ex, _, answer, _ in exercises_student(student)}
    answers = {"solution": {ex: sol.source for ex, _, sol, _ in found},
               "wrong": data.WRONG_ANSWERS,
               "empty": {ex: stub.source for ex, stub in stubs.items()}}
    cells, where = [setup_cell(nb).source], {}
    for phase, answer in answers.items():
        for ex, given, _, check in found:
            cells += [g.source for g in given] + [answer[ex], check.source]
            where[(phase, ex)] = len(cells) - 2
    ran = run(cells)
    results = {key: (ran[i], ran[i + 1]) for key, i in where.items()}
    return n, nb, found, data, results


def exercises_student(nb):
    """The exercises of a student notebook: the answer cell stands where the solution was."""
    for cell in nb.cells:
        if "answer" in cell.metadata.get("tags", []):
            cell.metadata["tags"] = ["solution"]
    return exercises(nb)


def check_source_lines(check_cell):
    """The source lines of every check function the check cell calls."""
    lines = set()
    for module, name in re.findall(r"(ch\d+)\.(check_\w+)", check_cell.source):
        fn = getattr(importlib.import_module(f"bpkit.exercises.{module}"), name)
        for line in inspect.getsource(fn).splitlines():
            line = line.strip()
            if len(line) >= 12 and not line.startswith(("#", '"""', "r\"\"\"")):
                lines.add(line)
    return lines


def leaks(text, answers):
    return [a for a in answers if a in text]


def test_every_exercise_has_a_wrong_answer_and_its_answer_strings(chapter):
    n, nb, found, data, _ = chapter
    ids = [ex for ex, *_ in found]
    assert ids, f"chapter {n} has no exercises"
    assert sorted(data.WRONG_ANSWERS) == sorted(ids)
    assert sorted(data.ANSWER_STRINGS) == sorted(ids)
    assert all(data.ANSWER_STRINGS[ex] for ex in ids)


def test_the_solution_passes_without_stating_the_answer(chapter):
    n, nb, found, data, results = chapter
    for ex, *_ in found:
        answer_cell, check_cell = results[("solution", ex)]
        assert texts(answer_cell)[1] is None, f"Exercise {ex}: the solution raised"
        out, ename, tb = texts(check_cell)
        assert ename is None, f"Exercise {ex}: the check rejected the solution:\n{tb}"
        assert out.startswith("Correct."), f"Exercise {ex}: {out!r}"
        assert not leaks(out, data.ANSWER_STRINGS[ex]), f"Exercise {ex} says {out!r}"


def test_a_wrong_answer_fails_without_showing_the_answer_or_the_check(chapter):
    n, nb, found, data, results = chapter
    for ex, _, _, check in found:
        _, check_cell = results[("wrong", ex)]
        out, ename, tb = texts(check_cell)
        assert ename == "ExerciseError", f"Exercise {ex}: the wrong answer gave {ename}"
        shown = out + tb
        assert "ExerciseError: " in tb
        assert not leaks(shown, data.ANSWER_STRINGS[ex]), f"Exercise {ex} shows:\n{shown}"
        code = [line for line in check_source_lines(check) if line in shown]
        assert not code, f"Exercise {ex}: the traceback shows the check's code {code}"
        assert "bpkit/exercises" not in shown


def test_an_empty_answer_says_no_answer_yet(chapter):
    n, nb, found, data, results = chapter
    for ex, *_ in found:
        answer_cell, check_cell = results[("empty", ex)]
        assert texts(answer_cell)[1] is None, f"Exercise {ex}: the empty answer cell raised"
        out, ename, tb = texts(check_cell)
        assert ename is None, f"Exercise {ex}: the check raised on an empty answer:\n{tb}"
        assert re.fullmatch(rf"Exercise {re.escape(ex)}, [^\n]+: no answer yet\. Write your "
                            r"answer in the cell above[^\n]*\n", out), (ex, out)
        assert not leaks(out, data.ANSWER_STRINGS[ex])


def test_after_the_first_exercise_every_code_cell_belongs_to_an_exercise(chapter):
    """So the empty phase above runs all the student version's own code (see the top)."""
    n, nb, found, data, _ = chapter
    parts = {id(c) for ex in assignments.exercises(nb) for c in
             [ex["statement"], *ex["given"], ex["written"], ex["solution"], ex["check"]]}
    first = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "markdown" and assignments.EXERCISE.search(c.source))
    stray = [c.source[:60] for c in nb.cells[first:]
             if c.cell_type == "code" and id(c) not in parts]
    assert stray == [], stray


def test_solutions_are_hidden_with_their_output(chapter):
    n, nb, found, data, _ = chapter
    for ex, _, solution, check in found:
        tags = solution.metadata.get("tags", [])
        assert "hide-cell" in tags and "hide-input" not in tags, (ex, tags)
        assert solution.outputs == [], f"Exercise {ex}: the solution cell stores output"
        stored = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                         for o in check.outputs)
        assert stored.startswith("Correct."), (ex, stored)
        assert not leaks(stored, data.ANSWER_STRINGS[ex])
