"""Link each glossary term to book/glossary.md on its first use in each chapter.

For every chapter notebook (``book/ch*.ipynb``) and every term of the glossary's
``{glossary}`` block, the first time the term appears in the chapter's prose it becomes
``{term}`term``` (or ``{term}`shown text <term>``` when the text differs from the term by
more than case: a plural, a singular of a plural term). A term the chapter already links
anywhere is left alone, so running the script again changes nothing.

What counts as prose: the Markdown cells, less what a link must not go into: math
(``$...$``, ``$$...$$``), code and roles (backticks), headings and admonition titles, link
texts and targets, the ``**Exercise N.k**`` labels, fenced blocks, HTML tags, and the cells
where the reader writes an answer (tagged ``written-answer``). Matching ignores case (Sphinx
matches terms case-insensitively), respects word boundaries (a hyphen counts as part of a word,
so "activation" is not found in "pre-activation"), accepts a plural in -s or -es and, for a
term that is a plural, its singular. Longer terms are matched first, so "learning rate" is not
linked inside "learning-rate schedule" and "gradient" not inside "gradient descent".

Only Markdown sources change; outputs stay as they are, so no notebook needs re-executing.

    python tools/link_terms.py --check    # exit 1 and list every link to add
    python tools/link_terms.py --write    # add them (running it again: nothing to do)
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
GLOSSARY = BOOK / "glossary.md"

# Uses of a glossary word in another sense, never linked: (chapters, phrase), both regular
# expressions: the first matched at the start of the notebook's name ("" for every chapter),
# the phrase matched without regard to case.
NOT_TERMS = [
    ("", r"unit (?:vector|variance|length|circle|interval|slope|norm|step)s?"),
    ("", r"(?:has no|their) units"),  # physical units of Adam's step
    ("", r"(?:your class|class(?=\s+`))"),  # a Python class the reader writes
    ("", r"bias\W*(?: towards zero| correction)"),  # the bias of a running mean started at zero
    ("", r"enters with weight"),  # the weight of a value in a running average
    ("", r"(?:batch|layer) norm\b"),  # short names, linked as "batch normalisation"
    ("ch0[1-8]", r"kernel"),  # before Chapter 9, the kernel is Jupyter's, not a convolution's
    ("ch04", r"fine-tuning"),  # a phase of a loss curve, not training on a new task
    ("ch05", r"weights sum to|parameter units|start-at-zero bias"),  # Adam's averages
]

# Other wordings the chapters use for a term, linked like the term itself (a regular expression).
SYNONYMS = {
    "exploding gradient": r"gradients\s+explode",
    "Glorot initialisation": r"Glorot's\s+scale",
    "He initialisation": r"He's\s+scale",
    "saturation": r"saturates?",
}

# Masked before matching: each is replaced by placeholder characters of the same length.
PROTECTED = [
    re.compile(r"^(?:#|:::).*$", re.M),  # headings, admonition fences and their titles
    re.compile(r"^:[\w-]+:.*$", re.M),  # directive options (":class: warning")
    re.compile(r"^```.*?^```", re.M | re.S),  # fenced code
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"(?<!\\)\$.+?(?<!\\)\$", re.S),  # inline math
    re.compile(r"(?:\{[\w:-]+\})?(`+).*?\1", re.S),  # code spans and roles ({term}, {cite:p})
    re.compile(r"!?\[[^\]]*\]\([^)]*\)"),  # links and images: text and target
    re.compile(r"\*\*Exercise \d+\.\d+\*\*"),  # exercise labels
    re.compile(r"<[^>\n]+>"),  # HTML tags
    re.compile(r"https?://\S+"),  # bare addresses
]

TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")


def glossary_terms() -> list[str]:
    """The terms of the glossary's {glossary} block, in order (a term starts in column 1)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    if not block:
        raise SystemExit(f"{GLOSSARY}: no {{glossary}} block")
    return [line.strip() for line in block.group(1).splitlines() if line and not line[0].isspace()]


def term_pattern(term: str) -> re.Pattern:
    """The term in running text: any case, any run of spaces/newlines between its words,
    a plural in -s/-es (or the singular of a plural term), or one of its SYNONYMS, between
    word boundaries."""
    words = [re.escape(w) for w in term.split()]
    last = words[-1]
    if term.endswith("s") and not term.endswith("ss"):
        last = re.escape(term.split()[-1][:-1]) + "s?"  # "parameters": also "parameter"
    else:
        last += "(?:s|es)?"
    body = r"\s+".join(words[:-1] + [last])
    if term in SYNONYMS:
        body = f"{body}|{SYNONYMS[term]}"
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.I)


def target_of(role_text: str) -> str:
    """The glossary term a {term} role names: "text <term>" or "term", normalised."""
    m = re.fullmatch(r"(.*?)\s*<(.+)>", role_text, re.S)
    return " ".join((m.group(2) if m else role_text).split()).lower()


def blank(match: re.Match) -> str:
    return "\0" * len(match.group(0))


def mask(text: str, chapter: str, longer: list[str]) -> str:
    """``text`` with every protected span blanked out (same length, so offsets still hold),
    and the uses of the ``longer`` terms that contain the one being looked for."""
    for where, phrase in NOT_TERMS:
        if re.match(where, chapter):
            text = re.sub(phrase, blank, text, flags=re.I)
    for pattern in PROTECTED:
        text = pattern.sub(blank, text)
    for term in longer:
        text = term_pattern(term).sub(blank, text)
    return text


def role(shown: str, term: str) -> str:
    if " ".join(shown.split()).lower() == term.lower():
        return f"{{term}}`{shown}`"
    return f"{{term}}`{shown} <{term}>`"


def link_notebook(nb, chapter: str, terms: list[str]) -> list[str]:
    """Link the first unlinked use of each term in ``nb`` (in place); return the terms linked."""
    cells = [c for c in nb.cells if c.cell_type == "markdown"
             and "written-answer" not in c.metadata.get("tags", [])]
    linked = {target_of(t) for c in cells for t in TERM_ROLE.findall(c.source)}
    added = []
    # Longest first: a longer term claims its words before a term inside it can.
    for term in sorted(terms, key=len, reverse=True):
        if term.lower() in linked:
            continue
        pattern = term_pattern(term)
        # "gradient" is not looked for in "gradient descent", nor "unit" in "dead unit"
        longer = [t for t in terms if t != term and pattern.search(t)]
        for cell in cells:
            m = pattern.search(mask(cell.source, chapter, longer))
            if m:
                shown = cell.source[m.start():m.end()]
                cell.source = cell.source[:m.start()] + role(shown, term) + cell.source[m.end():]
                linked.add(term.lower())
                added.append(term)
                break
    return added


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="the notebooks to link (default: book/ch*.ipynb)")
    args = parser.parse_args(argv)
    terms = glossary_terms()
    todo = []
    for path in args.notebooks or sorted(BOOK.glob("ch*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        added = link_notebook(nb, path.name, terms)
        if added:
            todo.append(f"{path.name}: {', '.join(sorted(added, key=str.lower))}")
            if args.write:
                nbformat.write(nb, path)
    if args.check and todo:
        print("terms to link (run python tools/link_terms.py --write):\n  " + "\n  ".join(todo),
              file=sys.stderr)
        return 1
    print(f"{'linked' if args.write else 'checked'}: {'; '.join(todo) or 'nothing to do'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
