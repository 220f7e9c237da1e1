"""The coursework, graded as an instructor grades it: hidden tests and a simulated class.

First, in this process: every hidden test of ``grading/`` accepts the book's solution and
rejects the chapter's wrong answer (``WRONG_ANSWERS``), and ``grading.library`` finds the
library's reference implementations however they are passed off. Then a class of students
submits notebooks and ``tools/grade.py`` grades them with nbgrader in fresh kernels; each
student must get exactly the points written below.
"""

from __future__ import annotations

import copy
import csv
import importlib
import pathlib
import re
import sys
import time

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))
import assignments  # noqa: E402
import grade as grade_tool  # noqa: E402

import grading  # noqa: E402
from grading import library  # noqa: E402

BOOKS = {int(p.name[2:4]): p for p in sorted((ROOT / "book").glob("ch*.ipynb"))}
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


def chapter_exercises(n):
    book = nbformat.read(BOOKS[n], as_version=4)
    return book, assignments.exercises(book)


def run_exercise(n, answer_source, ex, *, setup=None):
    """Run the chapter's import cell, the given cells and an answer; return the namespace."""
    book, _ = chapter_exercises(n)
    namespace = {"__name__": "__main__"}
    exec(setup or assignments.setup_cell(book).source, namespace)
    for cell in ex["given"]:
        exec(cell.source, namespace)
    exec(answer_source, namespace)
    return namespace


def hidden_call(n, ex, namespace):
    args = re.search(r"\((.*)\)\s*$", ex["check"].source.strip(), re.DOTALL).group(1)
    fn = getattr(importlib.import_module(f"grading.ch{n}"),
                 "exercise_" + ex["id"].replace(".", "_"))
    return eval(f"fn({args})", {**namespace, "fn": fn})


@pytest.mark.parametrize("n", sorted(BOOKS))
def test_hidden_tests_accept_the_solution_and_reject_the_wrong_answer(n, capsys):
    book, found = chapter_exercises(n)
    wrong = importlib.import_module(f"test_exercises_ch{n}").WRONG_ANSWERS
    assert [k for k in grading.POINTS if k.split(".")[0] == str(n)] == [ex["id"] for ex in found]
    for ex in found:
        hidden_call(n, ex, run_exercise(n, ex["solution"].source, ex))
        with pytest.raises(grading.HiddenTestFailed, match=f"Exercise {ex['id']}, hidden"):
            hidden_call(n, ex, run_exercise(n, wrong[ex["id"]], ex))
        stub = assignments.clear_solutions(
            assignments.instructor_source(ex["solution"].source, ex["check"].source))
        namespace = run_exercise(n, stub, ex)
        capsys.readouterr()
        exec(ex["check"].source, namespace)  # the visible check prints and raises nothing...
        assert f"Exercise {ex['id']}, " in capsys.readouterr().out
        with pytest.raises(grading.HiddenTestFailed):  # ...the hidden test fails: no points
            hidden_call(n, ex, namespace)


LUCKY = [  # answers a wrong formula gets right on the visible check's inputs alone
    (1, "1.3", "def n_edges(width, depth):\n    return width * width * depth + width\n\n"
               "def n_paths(width, depth):\n    return width ** depth if depth < 40 else 0\n"),
    (4, "4.4", "def early_stop(val_losses, patience):\n"
               "    best, best_epoch, waited = float('inf'), None, 0\n"
               "    for epoch, value in enumerate(val_losses):\n"
               "        if value < best or (value == best and epoch > 3):\n"
               "            best, best_epoch, waited = value, epoch, 0\n"
               "        else:\n"
               "            waited += 1\n"
               "            if waited == patience:\n"
               "                return best_epoch, epoch\n"
               "    return best_epoch, None\n"),
    (9, "9.4", "def conv_backward(x, W, dy):\n"  # square images only
               "    F, n = W.shape[0], x.shape[0] - W.shape[0] + 1\n"
               "    dx, dW = np.zeros_like(x), np.zeros_like(W)\n"
               "    for i in range(n):\n"
               "        for j in range(n):\n"
               "            dW += dy[i, j] * x[i:i + F, j:j + F]\n"
               "            dx[i:i + F, j:j + F] += dy[i, j] * W\n"
               "    return dx, dW\n"),
]


@pytest.mark.parametrize("n, exercise, source", LUCKY, ids=[x[1] for x in LUCKY])
def test_hidden_tests_catch_an_answer_the_visible_check_accepts(n, exercise, source, capsys):
    _, found = chapter_exercises(n)
    ex = next(e for e in found if e["id"] == exercise)
    namespace = run_exercise(n, source, ex)
    capsys.readouterr()  # what the given cells printed (Exercise 9.4 prints the buggy code)
    exec(ex["check"].source, namespace)  # the visible check passes...
    assert capsys.readouterr().out.startswith("Correct.")
    with pytest.raises(grading.HiddenTestFailed):  # ...the hidden tests do not
        hidden_call(n, ex, namespace)


PASSED_OFF = [
    (1, "1.4", "from bpkit.widgets.chain import count_paths\n"),
    (1, "1.4", "from bpkit.widgets import chain\n\n"
               "def count_paths(output, source):\n    return chain.count_paths(output, source)\n"),
    (1, "1.4", "import bpkit.exercises.ch1 as c\n\n"
               "def helper(o, s):\n    return c._count_by_pass(o, s)\n\n"
               "def count_paths(output, source):\n    return helper(output, source)\n"),
    (3, "3.4", "class FixedLeakyReLU(bugzoo.LeakyReLUBroken):\n"
               "    backward = bp.layers.LeakyReLU.backward\n"),
    (3, "3.4", "class FixedLeakyReLU(bugzoo.LeakyReLUBroken):\n"
               "    def backward(self, da):\n"
               "        return bp.layers.LeakyReLU.backward(self, da)\n"),
    (4, "4.4", "def early_stop(val_losses, patience):\n"
               "    from bpkit.exercises import ch4 as c\n"
               "    return c._early_stopping_reference(val_losses, patience)\n"),
    (6, "6.2", "def batchnorm_dz(dz_hat, z_hat, inv_std):\n"
               "    layer = BatchNorm(dz_hat.shape[1])\n"
               "    layer.z_hat, layer.inv_std = z_hat, inv_std\n"
               "    return layer._compact(dz_hat)\n"),
    (5, "5.1", "from bpkit.optim import AdamW\n"),
    (5, "5.1", "import bpkit.optim as o\n\n\nclass AdamW(o.AdamW):\n    pass\n"),
    (7, "7.2", "def dropout_backward(da, keep, p):\n"
               "    layer = Dropout(p).fix_mask(keep)\n"
               "    layer.forward(da)\n"
               "    return layer.backward(da)\n"),
    (8, "8.2", "def sum_to_shape(grad, shape):\n    return unbroadcast(grad, shape)\n"),
    (8, "8.3", "def backward_fixed(output):\n    Value.backward(output)\n"),
    (10, "10.1", "def dL_dwh(wx, wh, b, x1, x2, h0, t):\n"
                 "    layer = RNN(1, 1)\n"
                 "    layer.params['Wx'][...], layer.params['Wh'][...] = wx, wh\n"
                 "    layer.params['b'][...] = b\n"
                 "    h = layer.forward(np.array([[[x1], [x2]]]), h0=np.array([[h0]]))\n"
                 "    dh = np.zeros_like(h)\n"
                 "    dh[0, -1, 0] = h[0, -1, 0] - t\n"
                 "    layer.backward(dh)\n"
                 "    return layer.grads['Wh'][0, 0]\n"),
    (9, "9.1", "from bpkit.conv import output_size as output_side\n"),
    (9, "9.3", "def maxpool_backward(x, dy):\n"
               "    pool = MaxPool2D(2)\n"
               "    pool.forward(x[None, None])\n"
               "    return pool.backward(dy[None, None])[0, 0]\n"),
    (2, "2.1", "def dL_dx1(p, x1, x2, t, f=we.loss):\n"
               "    return (f(p, x1 + 1e-6, x2, t) - f(p, x1 - 1e-6, x2, t)) / 2e-6\n"),
]


@pytest.mark.parametrize("n, exercise, source", PASSED_OFF)
def test_a_library_function_passed_off_as_an_answer_earns_nothing(n, exercise, source):
    _, found = chapter_exercises(n)
    ex = next(e for e in found if e["id"] == exercise)
    with pytest.raises(grading.HiddenTestFailed, match="library's own solution"):
        hidden_call(n, ex, run_exercise(n, source, ex))


def test_the_book_solutions_use_no_reference_implementation():
    for n in sorted(BOOKS):
        _, found = chapter_exercises(n)
        for ex in found:
            namespace = run_exercise(n, ex["solution"].source, ex)
            used = set(re.findall(r"[A-Za-z_]\w*", ex["check"].source)) & set(namespace)
            for name in used:
                assert library.references(ex["id"], namespace[name]) == [], (ex["id"], name)


# ------------------------------------------------------------------ the simulated class

def release(source):
    """The student's copy of a source notebook: what nbgrader's release holds."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        if cell.cell_type == "code" and meta["solution"]:
            cell.source = assignments.clear_solutions(cell.source)
        elif cell.cell_type == "markdown" and meta["solution"]:
            cell.source = assignments.clear_solutions(cell.source, "YOUR ANSWER HERE")
        cell.source = HIDDEN.sub("", cell.source)
    return nb


def submission(n, answers=None, extra=None):
    """Chapter ``n``'s release with answer cells replaced: ``{exercise: source}``."""
    book = nbformat.read(BOOKS[n], as_version=4)
    source = assignments.source_notebook(book, assignments.chapter_title(book))
    nb = release(source)
    for cell, src in zip(nb.cells, source.cells, strict=True):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if not grade_id.endswith("_answer"):
            continue
        ex = grade_id[2:-len("_answer")].replace("_", ".")
        if answers == "full":
            cell.source = src.source
        elif isinstance(answers, dict) and ex in answers:
            cell.source = answers[ex]
        if extra and ex in extra:
            cell.source = extra[ex] + "\n" + cell.source
    return nb


def solutions(n):
    return {ex["id"]: ex["solution"].source for ex in chapter_exercises(n)[1]}


def tamper(n):
    """Wrong answers, and every check replaced by one that always says "Correct."."""
    wrong = importlib.import_module(f"test_exercises_ch{n}").WRONG_ANSWERS
    names = re.findall(r"def (check_\w+)", (ROOT / f"bpkit/exercises/ch{n}.py").read_text())
    fake = "".join(f"ch{n}.{name} = lambda *a, **k: print('Correct.')\n" for name in names)
    return {ex: fake + src for ex, src in wrong.items()}


# The full solutions earn every autograded point of every chapter.
FULL = {n: sum(v for ex, v in grading.POINTS.items() if ex.split(".")[0] == str(n))
        for n in BOOKS}
assert FULL[1] == 8 and all(FULL.values()), FULL  # every chapter has graded exercises
CLASS = {  # student: {chapter: (answers, extra lines, expected points per exercise)}
    "full": {n: ("full", None, None) for n in FULL},
    "empty": {n: (None, None, "zero") for n in BOOKS},  # the release as handed out
    "wrong": {1: ("wrong", None, {"1.1": 0, "1.2": 0, "1.3": 0, "1.4": 0})},
    "tampered": {n: ("tamper", None, "zero") for n in (1, 3)},
    "library": {1: ({"1.4": "from bpkit.widgets.chain import count_paths\n"}, "solutions",
                    {"1.1": 2, "1.2": 1, "1.3": 2, "1.4": 0})},
    "loops": {1: ({"1.2": "while True:\n    pass\n"}, "solutions",
                  {"1.1": 2, "1.2": 0, "1.3": 2, "1.4": 3})},
    "raises": {1: (None, {"1.1": "import a_module_that_does_not_exist\n"}, "solutions-raise")},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("submissions")
    expected = {}
    for student, chapters in CLASS.items():
        (subs / student).mkdir()
        for n, (answers, extra, points) in chapters.items():
            name = BOOKS[n].stem
            ids = [ex["id"] for ex in chapter_exercises(n)[1]]
            if answers == "wrong":
                answers = importlib.import_module(f"test_exercises_ch{n}").WRONG_ANSWERS
            elif answers == "tamper":
                answers = tamper(n)
            elif extra == "solutions":
                answers, extra = {**solutions(n), **answers}, None
            if points == "solutions-raise":
                answers = solutions(n)
                points = {ex: grading.POINTS[ex] for ex in ids} | {"1.1": 0}
            elif points == "zero":
                points = dict.fromkeys(ids, 0)
            elif points is None:
                points = {ex: grading.POINTS[ex] for ex in ids}
            nbformat.write(submission(n, answers, extra), subs / student / f"{name}.ipynb")
            expected.update({(student, name, ex): p for ex, p in points.items()})
    (subs / "corrupt").mkdir()
    (subs / "corrupt" / "ch01_chain_rule.ipynb").write_text('{"cells": [')
    out = tmp_path_factory.mktemp("grades")
    start = time.perf_counter()
    rows, problems = grade_tool.grade(subs, out, cell_timeout=10, notebook_timeout=300)
    seconds = time.perf_counter() - start
    print(f"\ngraded {len({(r['student'], r['assignment']) for r in rows})} notebooks "
          f"in {seconds:.0f} s")
    return out, rows, problems, expected


def test_each_student_gets_exactly_the_points_earned(graded):
    out, rows, problems, expected = graded
    auto = {(r["student"], r["assignment"], r["exercise"]): float(r["points"])
            for r in rows if r["part"] == "autograded"}
    assert auto == {k: float(v) for k, v in expected.items()}
    with open(out / "gradebook.csv") as f:
        assert list(csv.DictReader(f)) == rows
    totals = {n: sum(v for (s, a, _), v in auto.items() if s == "full" and a == BOOKS[n].stem)
              for n in FULL}
    assert totals == FULL


def test_written_answers_wait_for_the_grader(graded):
    _, rows, _, _ = graded
    written = [r for r in rows if r["part"] == "written" and r["student"] == "full"]
    assert sorted(r["exercise"] for r in written) == sorted(grading.WRITTEN_POINTS)
    assert all(r["status"] == "manual" and r["points"] == "" for r in written)
    assert {r["exercise"]: float(r["max_points"]) for r in written} == grading.WRITTEN_POINTS


def test_problems_are_reported_and_the_rest_graded(graded):
    out, rows, problems, _ = graded
    assert len(problems) == 2, problems
    assert any(p.startswith("corrupt/ch01_chain_rule.ipynb: cannot be read") for p in problems)
    assert any(p.startswith("loops/ch01_chain_rule.ipynb: ex1_2_answer ran longer than 10 s")
               for p in problems)
    assert (out / "problems.txt").read_text().count("\n") == 2
    assert not any(r["student"] == "corrupt" for r in rows)


def test_feedback_shows_points_and_hides_nothing_it_should_not(graded):
    out, rows, _, _ = graded
    students = {r["student"] for r in rows}
    for student in students:
        assert (out / "feedback" / student / "ch01_chain_rule.html").is_file()
    html = (out / "feedback" / "tampered" / "ch01_chain_rule.html").read_text()
    assert "Exercise 1.1, hidden test" in html and "Score: 0.0 / 8.0" in html
    html = (out / "feedback" / "empty" / "ch01_chain_rule.html").read_text()
    for k in range(1, 5):  # the visible check printed; the hidden test took the points
        assert f"Exercise 1.{k}, " in html and f"Exercise 1.{k}, hidden test" in html
    assert html.count(": no answer yet. Write your answer") == 4
    assert "Score: 0.0 / 8.0" in html


def test_the_release_holds_no_solution_and_no_hidden_test(graded):
    out, _, _, _ = graded
    for n in BOOKS:
        name = BOOKS[n].stem
        released = nbformat.read(out / "course" / "release" / name / f"{name}.ipynb", 4)
        text = "\n".join(c.source for c in released.cells)
        assert "HIDDEN" not in text and "BEGIN SOLUTION" not in text
        assert "grading." not in text and "import_module" not in text
        for ex in chapter_exercises(n)[1]:
            body = [line.strip() for line in ex["solution"].source.splitlines()
                    if len(line.strip()) > 25 and not line.strip().startswith(("def ", "class "))]
            assert not [line for line in body if line in text], ex["id"]
        locked = [c for c in released.cells if c.metadata["nbgrader"]["locked"]]
        assert all(not c.metadata["nbgrader"]["solution"] for c in locked)
        checks = [c for c in released.cells if c.metadata["nbgrader"].get("points")
                  and c.cell_type == "code"]
        assert [c.metadata["nbgrader"]["locked"] for c in checks] == [True] * 4


@pytest.mark.parametrize("n", sorted(BOOKS))
def test_run_all_on_the_release_reaches_the_end_saying_no_answer_yet(graded, n):
    """nbgrader's release, as handed out, run top to bottom: no cell raises, each check says
    "no answer yet". No cell is tagged to let an error pass (``raises-exception``)."""
    from nbclient import NotebookClient

    out, _, _, _ = graded
    name = BOOKS[n].stem
    nb = nbformat.read(out / "course" / "release" / name / f"{name}.ipynb", as_version=4)
    assert not [c for c in nb.cells if "raises-exception" in c.metadata.get("tags", [])]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(ROOT)}}).execute()  # an error stops it
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
    checks = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"].endswith("_check")]
    ids = [ex["id"] for ex in chapter_exercises(n)[1]]
    assert len(checks) == len(ids) == 4
    answer_strings = importlib.import_module(f"test_exercises_ch{n}").ANSWER_STRINGS
    for ex, cell in zip(ids, checks, strict=True):
        printed = "".join(o.text for o in cell.outputs if o.output_type == "stream")
        assert re.fullmatch(rf"Exercise {re.escape(ex)}, [^\n]+: no answer yet\. Write your "
                            r"answer in the cell above[^\n]*\n", printed), (ex, printed)
        assert not [s for s in answer_strings[ex] if s in printed], (ex, printed)


def test_grade_says_what_a_submissions_folder_must_hold(tmp_path):
    with pytest.raises(SystemExit, match="not a folder of student folders"):
        grade_tool.grade(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    with pytest.raises(SystemExit, match="alice/ch01_chain_rule.ipynb"):
        grade_tool.grade(tmp_path / "subs", tmp_path / "out")


def test_the_instructor_source_keeps_each_solution_whole():
    """Clearing the regions gives the stub; the source itself still runs as the solution."""
    for n in sorted(BOOKS):
        for ex in chapter_exercises(n)[1]:
            source = assignments.instructor_source(ex["solution"].source, ex["check"].source)
            assert source.count("### BEGIN SOLUTION") == source.count("### END SOLUTION") >= 1
            hidden_call(n, ex, run_exercise(n, source, ex))


def test_the_readme_states_the_course_points():
    chapters = sorted({ex.split(".")[0] for ex in grading.POINTS})
    words = {5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
    line = (f"Points: {sum(grading.POINTS.values())} autograded and "
            f"{sum(grading.WRITTEN_POINTS.values())} for written answers over the "
            f"{words[len(chapters)]} chapters")
    assert line in (ROOT / "README.md").read_text()
    assert len(chapters) == len(BOOKS)
