"""The website's search page in Chromium: readable snippets, and the chain-rule chapter first.

Sphinx's search builds each result's snippet from the text of the page it fetches, where the
equations are still TeX; ``_ext/search_snippets.py`` adds a script to the search page that
rewrites them as plain text and ranks pages titled by the query first. Served over HTTP (a
``file://`` page may not fetch other pages, so Sphinx shows no snippets there), network
blocked as in every browser test.
"""

from __future__ import annotations

import re

import pytest

TEX = re.compile(r"\\[()\[\]]|\\[A-Za-z]+|\$\$")


def search(open_page, query: str):
    """Open search.html?q=query, wait for every result's snippet; return (page, results)."""
    page = open_page(f"search.html?q={query.replace(' ', '+')}", how="http")
    page.wait_for_function(
        "() => { const s = document.querySelector('.search-summary');"
        " return s && /found/.test(s.innerText); }", timeout=30_000)
    # every result whose summary Sphinx fetches has its <p class="context"> once loaded
    page.wait_for_function(
        "() => [...document.querySelectorAll('ul.search li')]"
        ".every(li => li.querySelector('p.context') || li.querySelector('span'))",
        timeout=30_000)
    results = page.eval_on_selector_all(
        "ul.search li",
        "els => els.map(li => ({href: li.querySelector('a').getAttribute('href'),"
        " title: li.querySelector('a').innerText,"
        " snippet: (li.querySelector('p.context') || {innerText: ''}).innerText}))")
    return page, results


def test_chain_rule_lists_chapter_1_first_with_readable_snippets(open_page):
    page, results = search(open_page, "chain rule")
    assert len(results) >= 5, results
    first = results[0]
    assert first["href"].startswith("book/ch01_chain_rule.html"), results[:3]
    assert first["title"] == "The chain rule"
    snippets = [r["snippet"] for r in results]
    assert sum(bool(s.strip()) for s in snippets) >= 5
    for r in results:
        assert not TEX.search(r["snippet"]), f"{r['href']}: {r['snippet'][:200]!r}"
        assert "\\(" not in r["snippet"] and "\\sum" not in r["snippet"]
    assert page.bpkit.errors == [] and page.bpkit.blocked == []


@pytest.mark.parametrize("query, symbols", [
    ("backward recursion", "ˡ∂Σδ"),   # Chapter 3's (BP1)-(BP4): superscripts, ∂, sums
    ("batch normalisation", "Σₙẑ√ε"),  # Chapter 6's batch mean and standardisation
])
def test_equations_in_snippets_are_plain_text(open_page, query, symbols):
    page, results = search(open_page, query)
    snippets = " ".join(r["snippet"] for r in results)
    assert not TEX.search(snippets), TEX.search(snippets)
    assert any(s in snippets for s in symbols), snippets[:500]
    assert page.bpkit.errors == [] and page.bpkit.blocked == []
