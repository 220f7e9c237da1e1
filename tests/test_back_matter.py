"""The back matter holds together: glossary, FAQ, strengths and limits, and the references.

Read from the sources (``book/*.md``, the Markdown cells of ``book/*.ipynb``,
``book/references.bib``), so that each failure names the file and the line to fix; the
``-W`` build (``make site``) checks the same links and citations once more as Sphinx sees them.

- every glossary term is defined exactly once, and every definition links to where it is
  defined in the book;
- every ``{term}`` role names a glossary term;
- every FAQ answer links into a chapter, every row of both tables of the strengths and limits
  page links to a section, and every such link names a heading that exists;
- every cited key is in the .bib, every entry is cited, and every entry has the fields its type
  needs.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat
import pytest
from myst_parser.mdit_to_docutils.base import default_slugify
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BIB = BOOK / "references.bib"

# A Markdown link to a page of the book, with an optional #anchor: [text](page.ext#anchor)
LINK = re.compile(r"\]\(((?:ch\d\d_\w+|appendix_\w+|uses|intro|history|limits|faq|glossary"
                  r"|bibliography)\.(?:ipynb|md))(?:#([\w-]+))?\)")
CHAPTER_LINK = re.compile(r"\]\((ch\d\d_\w+\.ipynb)(?:#[\w-]+)?\)")
ROLE = re.compile(r"\{(cite(?::\w+)?|term)\}`([^`]+)`")

# The fields BibTeX's standard styles require of each entry type (author or editor for a book),
# plus what this book asks of every entry: a year, and for @misc where it was published.
REQUIRED = {
    "article": ["author", "title", "journal", "year", "volume", "pages"],
    "book": ["title", "publisher", "year"],
    "inproceedings": ["author", "title", "booktitle", "year"],
    "incollection": ["author", "title", "booktitle", "publisher", "year", "pages"],
    "phdthesis": ["author", "title", "school", "year"],
    "mastersthesis": ["author", "title", "school", "year"],
    "misc": ["author", "title", "howpublished", "year"],
}


@functools.cache
def sources() -> dict[str, str]:
    """The Markdown of every page: the .md files, and each notebook's Markdown cells."""
    pages = {p.name: p.read_text(encoding="utf-8") for p in sorted(BOOK.glob("*.md"))}
    for path in sorted(BOOK.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        pages[path.name] = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return pages


def headings(page: str) -> set[str]:
    """The anchors of a page's headings, as myst_heading_anchors makes them (levels 1-3)."""
    text = sources()[page]
    found, fenced = set(), False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        m = re.match(r"(#{1,3}) +(.+?)\s*$", line)
        if m and not fenced:
            found.add(default_slugify(m.group(2)))
    return found


def glossary_terms() -> list[tuple[str, str]]:
    """Every (term, its definition) of the glossary's {glossary} block, in order.

    A term is a line that starts in the first column; the indented lines after it are its
    definition. Consecutive terms (aliases) share the definition that follows them."""
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "book/glossary.md has no {glossary} block"
    terms, pending, definition = [], [], []

    def flush():
        terms.extend((t, "\n".join(definition)) for t in pending)

    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            definition.append(line.strip())
        else:
            if definition:
                flush()
                pending, definition = [], []
            pending.append(line.strip())
    flush()
    return terms


def test_every_glossary_term_is_defined_exactly_once():
    terms = [t for t, _ in glossary_terms()]
    assert len(terms) >= 60, f"only {len(terms)} terms"
    seen = {}
    for term in terms:
        key = term.lower()  # Sphinx matches terms case-insensitively
        assert key not in seen, f"glossary: {term!r} is defined twice"
        seen[key] = term


def test_every_glossary_definition_says_where_the_book_defines_it():
    for term, definition in glossary_terms():
        assert definition, f"glossary: {term!r} has no definition"
        assert LINK.search(definition), f"glossary: {term!r} links to no section of the book"


def test_every_term_role_names_a_glossary_term():
    terms = {t.lower() for t, _ in glossary_terms()}
    used = 0
    for page, text in sources().items():
        for role, target in ROLE.findall(text):
            if role == "term":
                used += 1
                name = " ".join(re.sub(r"^.*<(.+)>$", r"\1", target, flags=re.S).split()).lower()
                assert name in terms, f"{page}: {{term}}`{target}` is not in the glossary"
    assert used >= 20, used


def faq_answers() -> list[tuple[str, str]]:
    text = (BOOK / "faq.md").read_text(encoding="utf-8")
    parts = re.split(r"^## +(.+)$", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def test_every_faq_answer_links_into_a_chapter():
    answers = faq_answers()
    questions = [q.lower() for q, _ in answers]
    for asked in ("what is backpropagation for", "differ from other learning algorithms",
                  "all types of neural networks", "same as gradient descent", "global minimum",
                  "finite differences", "loss.backward()", "what the brain does"):
        assert any(asked in q for q in questions), f"the FAQ does not answer {asked!r}"
    for question, answer in answers:
        assert len(answer.split()) >= 60, f"FAQ {question!r}: the answer is not a paragraph"
        assert CHAPTER_LINK.search(answer), f"FAQ {question!r}: no link into a chapter"


def table_rows(text: str) -> list[str]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [r for r in rows if not re.match(r"\|\s*-", r) and not r.startswith("| claim")
            and not r.startswith("| limit")]


def test_every_row_of_the_strengths_and_limits_links_to_a_section():
    text = (BOOK / "limits.md").read_text(encoding="utf-8")
    rows = table_rows(text)
    assert len(rows) >= 15, f"{len(rows)} rows"
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 3, f"limits.md: a row without three cells: {row[:80]}"
        links = LINK.findall(cells[2])
        assert links, f"limits.md: the row {cells[0]!r} links nowhere"
        assert all(anchor for _, anchor in links), (
            f"limits.md: {cells[0]!r} links to a page, not a section")
    for topic in ("Vanishing", "Exploding", "Local minima", "Differentiability", "learning rate",
                  "Memory", "Efficient", "Any differentiable architecture", "Deep networks"):
        assert topic.lower() in text.lower(), f"limits.md lacks the row {topic!r}"
    assert "TODO" not in text and "TBD" not in text


@pytest.mark.parametrize("page", ["history.md", "limits.md", "faq.md", "glossary.md",
                                  "uses.ipynb", "intro.md"])
def test_every_link_to_a_section_names_a_heading_that_exists(page):
    text = sources()[page]
    checked = 0
    for target, anchor in LINK.findall(text):
        assert (BOOK / target).exists(), f"{page}: link to a missing page {target}"
        if anchor:
            checked += 1
            assert anchor in headings(target), f"{page}: {target} has no heading #{anchor}"
    assert page == "intro.md" or checked >= 5, f"{page}: {checked} section links"


def bibliography():
    return parse_file(str(BIB), bib_format="bibtex")


def cited_keys() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for page, text in sources().items():
        for role, target in ROLE.findall(text):
            if role.startswith("cite"):
                for key in target.split(","):
                    keys.setdefault(key.strip(), set()).add(page)
    return keys


def test_every_cited_key_is_in_the_bib_and_every_entry_is_cited():
    entries = set(bibliography().entries)
    cited = cited_keys()
    missing = {k: sorted(p) for k, p in cited.items() if k not in entries}
    assert not missing, f"cited but not in references.bib: {missing}"
    uncited = sorted(entries - set(cited))
    assert not uncited, f"in references.bib but cited nowhere: {uncited}"


def test_every_bib_entry_has_the_fields_its_type_needs():
    data = bibliography()
    assert len(data.entries) >= 30
    for key, entry in data.entries.items():
        kind = entry.type.lower()
        assert kind in REQUIRED, f"{key}: entry type @{kind} is not one the book uses"
        have = {f.lower() for f in entry.fields} | {r.lower() for r in entry.persons}
        if kind == "book":
            assert "author" in have or "editor" in have, f"{key}: a book needs author or editor"
        for field in REQUIRED[kind]:
            assert field in have, f"{key} (@{kind}) lacks {field}"
        year = entry.fields["year"]
        assert re.fullmatch(r"1[89]\d\d|20[0-2]\d", year), f"{key}: year {year!r}"
        assert re.fullmatch(r"[a-z]+\d{4}[a-z]*", key), f"{key}: keys are author + year"
        first = entry.persons["author"][0].last_names[0]
        assert key.startswith(re.sub(r"[^a-z]", "", first.lower())[:3]), (
            f"{key}: a key is the first author's name and the year")
        if "pages" in entry.fields:
            assert re.fullmatch(r"\d+(--\d+)?", entry.fields["pages"]), f"{key}: pages"
        if "doi" in entry.fields:
            assert re.fullmatch(r"10\.\d{4,5}/\S+", entry.fields["doi"]), f"{key}: doi"


def test_the_dates_of_the_history_match_the_bib():
    """The years the history states next to each citation are those of the entries."""
    years = {k: e.fields["year"] for k, e in bibliography().entries.items()}
    text = (BOOK / "history.md").read_text(encoding="utf-8")
    rows = [r for r in text.splitlines() if re.match(r"\| \d{4}", r)]
    assert len(rows) >= 12
    for row in rows:
        stated = set(re.findall(r"\b(1[89]\d\d|20[0-2]\d)\b", row.split("|")[1]))
        for keys in re.findall(r"\{cite:p\}`([^`]+)`", row):
            for key in keys.split(","):
                assert years[key] in stated, (
                    f"history timeline: {key} is {years[key]}, the row says {stated}")
    for key, year in (("linnainmaa1970", "1970"), ("werbos1974", "1974"),
                      ("rumelhart1986", "1986"), ("lecun1989", "1989"),
                      ("hochreiter1991", "1991"), ("glorot2010", "2010"), ("he2015", "2015"),
                      ("ioffe2015", "2015"), ("kingma2015", "2015")):
        assert years[key] == year
