"""The student release removes solution cells and every output, and keeps the checks."""

import importlib.util
import pathlib

import nbformat
import pytest

spec = importlib.util.spec_from_file_location(
    "student_release", pathlib.Path(__file__).parents[1] / "tools" / "student_release.py")
student_release = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student_release)


def make_notebook():
    nb = nbformat.v4.new_notebook()
    intro = nbformat.v4.new_code_cell("x = 1 + 1\nprint(x)")
    intro.outputs = [nbformat.v4.new_output("stream", text="2\n")]
    intro.execution_count = 1
    solution = nbformat.v4.new_code_cell("answer = 42\nslope = 2 * answer\nprint(slope)\n\n"
                                         "def grad(x, y=1):\n    return 2 * x * y\n",
                                         metadata={"tags": ["hide-input", "solution"]})
    check = nbformat.v4.new_code_cell("ch1.check(answer, slope, grad)")
    nb.cells = [nbformat.v4.new_markdown_cell("**Exercise 1.1**"), intro, solution, check]
    nb.metadata["widgets"] = {"state": {}}
    return nb


def test_solutions_replaced_by_answer_cells(tmp_path):
    nb = make_notebook()
    assert student_release.strip_solutions(nb) == 1
    answer = nb.cells[2]
    assert "42" not in answer.source and "2 * answer" not in answer.source
    assert "answer = None" in answer.source and "slope = None" in answer.source
    assert "def grad(x, y=1):" in answer.source and "2 * x * y" not in answer.source
    namespace = {}
    exec(answer.source, namespace)  # the student cell runs, and the stub says what to do
    with pytest.raises(NotImplementedError, match="write grad here"):
        namespace["grad"](1.0)
    assert nb.cells[3].source == "ch1.check(answer, slope, grad)"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "widgets" not in nb.metadata


def test_command_line_writes_the_student_copy(tmp_path, capsys):
    src = tmp_path / "ch.ipynb"
    nbformat.write(make_notebook(), src)
    student_release.main([str(src), "--out", str(tmp_path / "student")])
    out = nbformat.read(tmp_path / "student" / "ch.ipynb", as_version=4)
    assert "1 solution cell(s) removed" in capsys.readouterr().out
    assert not any("solution" in c.metadata.get("tags", []) for c in out.cells)
    assert nbformat.read(src, as_version=4).cells[2].source.startswith("answer = 42")


def test_answer_cells_name_only_what_the_check_uses_and_stub_classes():
    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell(
        "lam_A = [2.0, 7.0]\nlr_max = 2 / max(lam_A)\n\n\ndef helper(x):\n    return x\n\n\n"
        "class Fixed(Base):\n    def forward(self, x):\n        return x\n\n"
        "    def backward(self, dz):\n        return dz\n", metadata={"tags": ["solution"]})
    nb.cells = [solution, nbformat.v4.new_code_cell("ch4.check(lr_max, Fixed)")]
    student_release.strip_solutions(nb)
    answer = nb.cells[0].source
    assert "lr_max = None" in answer and "lam_A" not in answer and "helper" not in answer
    assert "class Fixed(Base):" in answer and "def backward(self, dz):" in answer
    assert "return dz" not in answer
    namespace = {"Base": object}
    exec(answer, namespace)
    with pytest.raises(NotImplementedError, match="Fixed.backward"):
        namespace["Fixed"]().backward(1.0)


BOOK = sorted((pathlib.Path(__file__).parents[1] / "book").glob("ch*.ipynb"))


@pytest.mark.parametrize("path", BOOK, ids=lambda p: p.stem)
def test_every_answer_cell_stubs_what_its_check_uses_once_and_nothing_else(path):
    import ast
    import re

    nb = nbformat.read(path, as_version=4)
    n = student_release.strip_solutions(nb)
    assert n == 4
    for i, cell in enumerate(nb.cells):
        if "answer" not in cell.metadata.get("tags", []):
            continue
        check = nb.cells[i + 1]
        assert "raises-exception" not in check.metadata.get("tags", [])  # nothing to let pass
        used = set(re.findall(r"[A-Za-z_]\w*", check.source))
        tree = ast.parse(cell.source)
        defined = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.append(node.name)
            elif isinstance(node, ast.Assign):
                defined += [t.id for t in node.targets]
        assert len(defined) == len(set(defined)), cell.source  # no duplicate stub
        assert set(defined) <= used, cell.source  # no helper of the solution named
        args = re.search(r"\((.*)\)", check.source).group(1)
        assert set(re.findall(r"[A-Za-z_]\w*", args)) <= set(defined), cell.source
        assert "# YOUR CODE HERE" in cell.source
