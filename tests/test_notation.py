"""One meaning per symbol: no symbol appears in two rows of the notation table of book/intro.md.

Each row's first column lists the symbols it defines, separated by commas or semicolons
outside the math (``$W^l$, $W_{jk}$``). A symbol is compared as written, after two
normalisations that keep distinct symbols distinct: the left side of a defining equation
(``$z = x W^\\top + b$`` defines ``z``) and a function's name without its arguments
(``$Q(x, j)$`` is the letter ``Q``, so it clashes with a matrix ``$Q$``).
"""
import re
from pathlib import Path

INTRO = Path(__file__).resolve().parents[1] / "book" / "intro.md"

# Symbols allowed in two rows, each with the reason. Keep this empty unless truly needed.
EXCEPTIONS: dict[str, str] = {}


def table_rows(text: str) -> list[str]:
    """The first column of each row of the table under '## Notation'."""
    section = text.split("## Notation", 1)[1]
    rows = []
    for line in section.splitlines():
        if not line.startswith("|"):
            if rows:
                break
            continue
        first = line.strip("|").split("|")[0].strip()
        if first in ("symbol", "---"):
            continue
        rows.append(first)
    return rows


def split_symbols(cell: str) -> list[str]:
    """The items of a first column, split on commas and semicolons outside $...$."""
    items, current, in_math = [], "", False
    for ch in cell:
        if ch == "$":
            in_math = not in_math
        if ch in ",;" and not in_math:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return [item.strip() for item in items if item.strip()]


def _balanced(s: str) -> bool:
    return all(s.count(a) == s.count(b) for a, b in ("()", "[]", "{}"))


def normalise(item: str) -> str:
    """The symbol an item defines: the left side of '=', without a call's arguments."""
    m = re.fullmatch(r"\$(.*)\$", item)
    if not m:
        return " ".join(item.split())            # e.g. "logit", "one-hot $t$"
    math = m.group(1)
    lhs = math.split("=", 1)[0]
    if "=" in math and _balanced(lhs) and lhs.strip():
        math = lhs
    call = re.fullmatch(r"(.+?)\s*[(\[].*[)\]]", math.strip())
    if call and _balanced(call.group(1)) and call.group(1).strip():
        math = call.group(1)
    return " ".join(math.split())


def duplicates(rows: list[str]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        for symbol in {normalise(item) for item in split_symbols(row)}:
            seen.setdefault(symbol, []).append(i)
    return {s: where for s, where in seen.items() if len(where) > 1}


def test_the_parser_reads_the_table():
    rows = table_rows(INTRO.read_text(encoding="utf-8"))
    assert len(rows) > 50
    symbols = {normalise(item) for row in rows for item in split_symbols(row)}
    # a few rows read as intended: plain, an equation, a comma inside the math
    assert {"x", "z", r"\sigma", r"\mathrm{ReLU}", r"\mathbb{E}", r"[i = j]"} <= symbols


def test_normalise_and_split():
    assert split_symbols(r"$\tanh z$, $\mathrm{ReLU}(z) = \max(z, 0)$") == [
        r"$\tanh z$", r"$\mathrm{ReLU}(z) = \max(z, 0)$"]
    assert split_symbols("$x_t$, $h_t$; $T$") == ["$x_t$", "$h_t$", "$T$"]
    assert normalise("$Q(x, j)$") == "Q"
    assert normalise(r"$z = x W^\top + b$") == "z"
    assert normalise("$[i = j]$") == "[i = j]"
    assert duplicates(["$Q$, $r$", "$Q(x, j)$, $V$", "$r$, $r_0$"]) == {"Q": [0, 1], "r": [0, 2]}


def test_no_symbol_in_two_rows():
    rows = table_rows(INTRO.read_text(encoding="utf-8"))
    clashes = {s: [rows[i] for i in where] for s, where in duplicates(rows).items()
               if s not in EXCEPTIONS}
    assert not clashes, "symbols defined in more than one row of the notation table: " + "; ".join(
        f"{s!r} in rows {' / '.join(r)}" for s, r in clashes.items())


def test_exceptions_are_still_needed():
    rows = table_rows(INTRO.read_text(encoding="utf-8"))
    stale = set(EXCEPTIONS) - set(duplicates(rows))
    assert not stale, f"exceptions no longer needed, remove them: {sorted(stale)}"
