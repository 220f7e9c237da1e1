"""Every chapter's Colab cell installs the pinned release from the one repository setting."""

import importlib.util
import pathlib
import re

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("colab_cell", ROOT / "tools" / "colab_cell.py")
colab_cell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colab_cell)


def test_every_chapter_installs_the_pinned_release_from_config():
    url = colab_cell.repository_url()
    assert url.startswith("https://github.com/") and url in (ROOT / "_config.yml").read_text()
    for path in sorted((ROOT / "book").glob("ch*.ipynb")):
        source = colab_cell.install_cell(nbformat.read(path, as_version=4)).source
        pinned = re.search(r'"bpkit-book\[book\] @ git\+(\S+)@(v\d+\.\d+\.\d+)"', source)
        assert pinned, (path.name, source)
        assert pinned.group(1) == url and pinned.group(2) == colab_cell.release_tag()
    assert colab_cell.main(["--check"]) == 0


def test_the_check_names_a_chapter_whose_cell_differs(tmp_path, monkeypatch, capsys):
    book = tmp_path / "book"
    book.mkdir()
    nb = nbformat.read(ROOT / "book" / "ch01_chain_rule.ipynb", as_version=4)
    colab_cell.install_cell(nb).source = colab_cell.expected_cell().replace("@v", "@main#")
    nbformat.write(nb, book / "ch01_x.ipynb")
    for name in ("_config.yml", "pyproject.toml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    monkeypatch.setattr(colab_cell, "ROOT", tmp_path)
    assert colab_cell.main(["--check"]) == 1
    assert "ch01_x.ipynb" in capsys.readouterr().err
