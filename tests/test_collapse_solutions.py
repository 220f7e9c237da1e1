"""Every solution cell of the book opens collapsed in JupyterLab and Notebook 7 (Binder, a
local clone), as the website hides it: input and output one click away."""

import importlib.util
import json
import pathlib
import re
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("collapse_solutions",
                                              ROOT / "tools" / "collapse_solutions.py")
collapse_solutions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(collapse_solutions)
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))


def test_every_solution_cell_is_stored_collapsed():
    found = exercises = 0
    for path in NOTEBOOKS:  # the stored JSON itself, as Jupyter reads it
        for cell in json.loads(path.read_text())["cells"]:
            tags = cell["metadata"].get("tags", [])
            if cell["cell_type"] == "markdown":
                exercises += len(re.findall(r"(?m)^\*\*Exercise \d+\.\d+\*\*",
                                            "".join(cell["source"])))
            if "solution" in tags or "hide-cell" in tags:
                found += 1
                assert cell["metadata"].get("jupyter") == {
                    "source_hidden": True, "outputs_hidden": True}, (path.name, cell["source"])
    assert found == exercises >= 24  # one solution cell per exercise
    assert collapse_solutions.main(["--check"]) == 0


def test_write_collapses_only_metadata_and_is_idempotent(tmp_path, monkeypatch, capsys):
    (tmp_path / "book").mkdir()
    source = ROOT / "book" / "ch01_chain_rule.ipynb"
    target = tmp_path / "book" / source.name
    shutil.copy(source, target)
    nb = json.loads(target.read_text())
    for cell in nb["cells"]:
        cell["metadata"].pop("jupyter", None)
    target.write_text(json.dumps(nb))
    monkeypatch.setattr(collapse_solutions, "ROOT", tmp_path)
    assert collapse_solutions.main(["--check"]) == 1
    assert "ch01_chain_rule.ipynb (4 cells)" in capsys.readouterr().err
    assert collapse_solutions.main(["--write"]) == 0
    written = target.read_text()
    assert written == source.read_text()  # the same bytes as the stored chapter
    assert collapse_solutions.main(["--write"]) == 0
    assert target.read_text() == written
    assert "nothing to do" in capsys.readouterr().out
