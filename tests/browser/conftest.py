"""Browser tests: the built website (``_build/html``) in headless Chromium, as a reader meets it.

Chromium is Debian's (``/usr/bin/chromium``; ``make browser-deps`` installs it), driven by
Playwright. Every page is opened with the network blocked: any request that is not to
``file://`` or to this machine's loopback server is aborted and recorded, and a test fails if
a page asked for one. ``make test`` builds the site before it runs these tests.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("BPKIT_SITE", ROOT / "_build" / "html"))
CHROMIUM = os.environ.get("BPKIT_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# The flags this machine needs (no sandbox as root; no background connections, which a
# closed network refuses).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_configure(config):
    if not Path(CHROMIUM).exists():
        raise pytest.UsageError(
            f"The browser tests need Chromium at {CHROMIUM}. Run 'make browser-deps' as root on "
            "Debian or Ubuntu (it runs 'apt-get install chromium chromium-driver'), or install "
            "Chromium and set BPKIT_CHROMIUM to its path.")
    if not (SITE / "index.html").exists():
        raise pytest.UsageError(f"No website in {SITE}: run 'make book' first.")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server():
    """The built site on a local HTTP server (127.0.0.1, a free port)."""
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


class Page:
    """A Playwright page with the network blocked and its console errors recorded."""

    def __init__(self, browser, viewport, base):
        self.context = browser.new_context(viewport=viewport)
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.base = base

        def route(route):
            url = route.request.url
            if url.startswith(("file://", "data:", "blob:")) or url.startswith(base or "\0"):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def open(self, path: str):
        url = f"{self.base}/{path}" if self.base else (SITE / path).as_uri()
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser, server):
    """open_page(path, how="file"|"http", viewport=DESKTOP) -> Playwright page."""
    pages = []

    def make(path, how="file", viewport=DESKTOP):
        page = Page(browser, viewport, server if how == "http" else None)
        pages.append(page)
        p = page.open(path)
        p.bpkit = page
        return p

    yield make
    for page in pages:
        page.close()


