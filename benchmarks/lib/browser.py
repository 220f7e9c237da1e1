"""The built website in headless Chromium, for the benchmarks that time the widgets there.

The site is ``_build/html`` (``make book``; another build with ``BPKIT_SITE``), Chromium is
``/usr/bin/chromium`` (or ``BPKIT_CHROMIUM``), launched with the flags the browser tests use
(tests/browser/conftest.py). A page is opened from ``file://`` with the network blocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("BPKIT_SITE", ROOT / "_build" / "html"))
CHROMIUM = os.environ.get("BPKIT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch(playwright):
    """Headless Chromium, started by ``playwright`` (``sync_playwright()``)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


@contextmanager
def widget_page(browser, path: str, widget: str) -> Iterator:
    """The built page ``path`` in a new 1280 x 900 context of ``browser``, opened from
    ``file://`` with every other request aborted, once the site's ``page.js`` has mounted
    ``widget`` (scrolled into view). The context is closed afterwards; a page that asked for
    the network raises RuntimeError then."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []

    def route(route):
        if route.request.url.startswith(("file://", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    mounted = f'.bpkit-widget-mounted[data-widget="{widget}"]'
    try:
        page = context.new_page()
        page.goto((SITE / path).as_uri())
        page.wait_for_load_state("load")
        page.wait_for_selector(f"{mounted} .bpw", timeout=30_000)
        page.locator(mounted).scroll_into_view_if_needed()
        yield page
    finally:
        context.close()
    if blocked:
        raise RuntimeError(f"{path}: the page asked for the network: {blocked}")
