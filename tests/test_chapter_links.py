"""The chapters cite their sources and link the glossary (issue 20, from the chapters).

- every chapter cites at least one work, and every key it cites is an entry of the .bib;
- every glossary term is linked from at least one chapter, except the few listed with a reason;
- no {term} or {cite} role sits in a heading or an exercise label;
- ``tools/link_terms.py --check`` has nothing to do, and the script itself links the first use
  of a term (any case, a plural, a synonym), skips math, code, links and headings, and is
  idempotent.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("ch*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
import link_terms  # noqa: E402

CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")

# Glossary terms no chapter links, and why.
NOT_LINKED_FROM_A_CHAPTER = {
    "fine-tuning": "defined on the Uses page (uses.ipynb links it), not in a chapter",
    "policy gradient": "defined on the Uses page (uses.ipynb links it), not in a chapter",
    "regularisation": "the chapters say 'remedies' (Chapter 7); the word is the back matter's",
}


def markdown(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_there_are_ten_chapters():
    assert len(CHAPTERS) == 10, [p.name for p in CHAPTERS]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_cites_and_every_key_is_in_the_bib(path):
    entries = set(parse_file(str(BOOK / "references.bib"), bib_format="bibtex").entries)
    keys = [k.strip() for group in CITE.findall(markdown(path)) for k in group.split(",")]
    assert keys, f"{path.name} cites nothing"
    missing = sorted(set(keys) - entries)
    assert not missing, f"{path.name} cites keys not in references.bib: {missing}"


def test_every_glossary_term_is_linked_from_a_chapter():
    linked = set()
    for path in CHAPTERS:
        linked |= {link_terms.target_of(t) for t in link_terms.TERM_ROLE.findall(markdown(path))}
    terms = link_terms.glossary_terms()
    assert len(terms) >= 60
    unlinked = sorted(t for t in terms if t.lower() not in linked)
    assert unlinked == sorted(NOT_LINKED_FROM_A_CHAPTER), (
        f"glossary terms no chapter links: {unlinked}; the listed exceptions are "
        f"{sorted(NOT_LINKED_FROM_A_CHAPTER)}")
    # every {term} role of a chapter names a glossary term (Sphinx would warn otherwise)
    names = {t.lower() for t in terms}
    assert linked <= names, sorted(linked - names)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_role_in_a_heading_or_an_exercise_label(path):
    for line in markdown(path).splitlines():
        if line.startswith("#"):
            assert "{term}" not in line and "{cite" not in line, f"{path.name}: {line}"
    assert not re.search(r"\*\*Exercise[^*]*\{", markdown(path)), path.name


def test_link_terms_has_nothing_to_do(capsys):
    assert link_terms.main(["--check"]) == 0, capsys.readouterr().err
    assert "nothing to do" in capsys.readouterr().out


def notebook(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(s) for s in sources])


def test_link_terms_links_the_first_prose_use_once():
    nb = notebook(
        "# Hidden layers\n\nThe $hidden layer$ and `hidden layer` and [hidden layer](x.md).",
        "**Exercise 1.1** Hidden Layers compute; Learning Rates vary; each Parameter moves.",
        "A hidden layer again; gradient descent, then the gradient, and Glorot's scale.",
    )
    terms = ["hidden layer", "learning rate", "parameters", "gradient", "gradient descent",
             "Glorot initialisation"]
    added = link_terms.link_notebook(nb, "ch99_test.ipynb", terms)
    assert sorted(added) == sorted(terms)
    first, second, third = (c.source for c in nb.cells)
    assert first == ("# Hidden layers\n\nThe $hidden layer$ and `hidden layer` and "
                     "[hidden layer](x.md).")
    assert second == ("**Exercise 1.1** {term}`Hidden Layers <hidden layer>` compute; "
                      "{term}`Learning Rates <learning rate>` vary; each "
                      "{term}`Parameter <parameters>` moves.")
    assert third == ("A hidden layer again; {term}`gradient descent`, then the {term}`gradient`, "
                     "and {term}`Glorot's scale <Glorot initialisation>`.")
    # a second run finds every term linked already
    assert link_terms.link_notebook(nb, "ch99_test.ipynb", terms) == []


def test_link_terms_respects_word_boundaries_and_existing_links():
    nb = notebook("A pre-activation, a unit vector, an {term}`Activation` and an activation.",
                  "Multi-line\nautomatic\ndifferentiation here.")
    added = link_terms.link_notebook(
        nb, "ch99_test.ipynb", ["activation", "unit", "automatic differentiation"])
    assert added == ["automatic differentiation"]
    assert nb.cells[0].source == ("A pre-activation, a unit vector, an {term}`Activation` "
                                  "and an activation.")
    assert nb.cells[1].source == ("Multi-line\n{term}`automatic\ndifferentiation` here.")
