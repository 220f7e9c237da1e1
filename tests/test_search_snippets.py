"""The search page's script (_ext/search_snippets.js) in V8: equations as plain text, and the order.

``texToText`` rewrites the TeX of an equation as the plain text a search snippet shows;
``bpkitScore`` puts pages titled by the query first. Both run here in V8 (mini-racer, the
engine of Chromium) on the book's own equations; ``tests/browser/test_search.py`` searches
the built site in Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from py_mini_racer import MiniRacer

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "_ext" / "search_snippets.js"


@pytest.fixture(scope="module")
def js():
    ctx = MiniRacer()
    ctx.eval(SCRIPT.read_text(encoding="utf-8"))  # Search, Scorer and DOMParser are absent here
    return ctx


def text(js, tex: str) -> str:
    return js.eval(f"texToText({json.dumps(tex)})")


@pytest.mark.parametrize("tex, expected", [
    (r"\(z^{l+1}_i = \sum_j W^{l+1}_{ij} a^l_j + b^{l+1}_i\)", "zˡ⁺¹ᵢ = Σⱼ Wˡ⁺¹ᵢⱼ aˡⱼ + bˡ⁺¹ᵢ"),
    (r"\(\frac{\partial L}{\partial w_{31}}\)", "∂L/∂w₃₁"),
    (r"\(\sigma(z) = 1/(1 + e^{-z})\)", "σ(z) = 1/(1 + e⁻ᶻ)"),
    (r"\(\eta < 2/\lambda_{\max}\)", "η < 2/λₘₐₓ"),
    (r"\[\hat z_n = \frac{z_n - \mathrm{mean}_B\, z}{\sqrt{\mathrm{var}_B\, z + \epsilon}}\]",
     "ẑₙ = (zₙ − meanB z)/(√(varB z + ε))".replace("−", "-").replace("meanB", "mean_B")
     .replace("varB", "var_B")),
    (r"\(\delta^{l-1} = \big(\delta^l\, W^l\big) \odot \phi'(z^{l-1})\)",
     "δˡ⁻¹ = (δˡ Wˡ) ⊙ φ'(zˡ⁻¹)"),
    (r"\(\lVert g\rVert \le \tau\)", "‖g‖ ≤ τ"),
    (r"\(\mathbb{E}[u^2] - \mathbb{E}[u]^2\)", "𝔼[u²] - 𝔼[u]²"),
    (r"\(W^\top\)", "Wᵀ"),
    (r"\(\frac1N\sum_n z_n\)", "1/N Σₙ zₙ"),
    (r"\(\bar u = \partial L / \partial u\)", "ū = ∂L / ∂u"),
])
def test_equations_read_as_plain_text(js, tex, expected):
    assert text(js, tex) == expected


def book_equations() -> list[str]:
    """Every inline and display equation of the chapters' Markdown cells."""
    found = []
    for path in sorted((ROOT / "book").glob("ch*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                found += re.findall(r"\$\$(.+?)\$\$", cell.source, re.S)
                found += re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", cell.source)
    return found


def test_no_equation_of_the_book_keeps_tex_commands(js):
    """Every equation of the chapters comes out without a TeX command or a brace (a script
    without a Unicode form stays ``^(...)`` or ``_(...)``, as in plain-text mathematics)."""
    equations = book_equations()
    assert len(equations) > 500
    out = json.loads(js.eval(f"JSON.stringify({json.dumps(equations)}.map(texToText))"))
    assert len(out) == len(equations)
    def braces(text):
        return text.count("{") + text.count("}")
    # a set's braces, written \{ and \}, are the only braces allowed to stay
    left = [(tex, plain) for tex, plain in zip(equations, out, strict=True)
            if "\\" in plain or braces(plain) > tex.count("\\{") + tex.count("\\}")]
    assert not left, left[:5]
    assert all(plain.strip() for plain in out)


def test_the_scorer_puts_pages_titled_by_the_query_first(js):
    # [docname, title, anchor, descr, score, filename] as Sphinx's searchtools.js builds them
    results = [
        ["book/ch02_worked_example", "A worked example, gradient by gradient", "", None, 15, ""],
        ["book/ch01_chain_rule", "The chain rule", "", None, 15, ""],
        ["book/glossary", "Glossary", "#term-chain-rule", None, 100, ""],
        ["book/ch02_worked_example",
         "A worked example > Route 2: the chain rule, one local factor", "#route-2", None, 7, ""],
    ]
    def scores_for(query):
        return json.loads(js.eval(
            f"JSON.stringify({json.dumps(results)}.map(r => bpkitScore(r, {json.dumps(query)})))"))

    scores = scores_for("chain rule")
    assert scores[1] == max(scores) and scores[1] > 1000
    assert scores[3] > scores[2] > scores[0]
    # without a query, or with a query no title holds, Sphinx's own scores stand
    assert scores_for("") == [15, 15, 100, 7]
    assert scores_for("adam") == [15, 15, 100, 7]
