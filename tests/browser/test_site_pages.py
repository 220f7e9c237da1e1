"""Every page of the built website loads cleanly, and Chapter 2 is not too heavy to download.

- Every HTML page, opened from ``file://`` and from the local HTTP server, logs no console
  error and no uncaught exception, and asks nothing of the network (the fixtures abort, and
  record, every request that is not to the site itself).
- No page loads the saved-ipywidgets renderer (every widget is drawn by its own module).
- The Binder and Colab launch buttons are there.
- Each chapter with everything it loads transfers under 1.5 MB, served as static hosts serve it
  (text files gzip-compressed); its raw size is printed beside it.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import threading

import pytest

from .conftest import DESKTOP, ROOT, SITE, Page

# Every page the site has (not the files under _static, which are not pages).
PAGES = sorted(
    path.relative_to(SITE).as_posix()
    for path in SITE.rglob("*.html")
    if not path.relative_to(SITE).parts[0].startswith("_")
)
NOTEBOOK_PAGES = [f"book/{p.stem}.html" for p in sorted((ROOT / "book").glob("*.ipynb"))]
CH2 = "book/ch02_worked_example.html"
PAGE_LIMIT = 1_500_000  # bytes


def settle(page):
    """Wait until the page has stopped loading, then a little more for late errors."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)


def test_the_site_has_pages():
    assert "index.html" in PAGES and CH2 in PAGES and len(PAGES) >= 8, PAGES


@pytest.mark.parametrize("how", ["file", "http"])
@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors_or_network(open_page, path, how):
    page = open_page(path, how=how)
    settle(page)
    assert page.bpkit.errors == [], f"{path} over {how}: {page.bpkit.errors}"
    assert page.bpkit.blocked == [], f"{path} over {how} asked the network: {page.bpkit.blocked}"


def test_no_page_loads_the_saved_ipywidgets_renderer():
    """Notebooks keep their widgets' state in their metadata; the site must not load
    @jupyter-widgets/html-manager (4.4 MB) or RequireJS for it, nor embed that state."""
    for path in PAGES:
        html = (SITE / path).read_text(encoding="utf-8")
        for needle in ("embed-amd", "require.js", "application/vnd.jupyter.widget-state+json",
                       'type="application/vnd.jupyter.widget-view+json"'):
            assert needle not in html, (path, needle)
    shown = [p for p in PAGES if 'class="bpkit-widget"' in (SITE / p).read_text(encoding="utf-8")]
    assert len(shown) == 10  # every chapter, 1 to 10, shows its widget


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_launch_buttons(open_page, path):
    page = open_page(path)
    notebook = path.removesuffix(".html") + ".ipynb"
    hrefs = page.eval_on_selector_all(".dropdown-launch-buttons a", "els => els.map(e => e.href)")
    assert any(h.startswith("https://mybinder.org/v2/gh/") and h.endswith(notebook)
               for h in hrefs), hrefs
    assert any(h.startswith("https://colab.research.google.com/github/") and h.endswith(notebook)
               for h in hrefs), hrefs


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site as static hosts (GitHub Pages, Netlify, nginx's gzip_static) do: text
    files gzip-compressed when the browser accepts it, everything else as it is."""

    TEXT = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map")

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path.split("?")[0])
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.endswith(self.TEXT)):
            return super().send_head()
        try:
            with open(path, "rb") as f:
                body = gzip.compress(f.read(), compresslevel=6)
        except OSError:
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@pytest.fixture(scope="module")
def gzip_server():
    handler = functools.partial(_GzipHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("chapter", NOTEBOOK_PAGES)
def test_chapter_page_weight(browser, gzip_server, chapter):
    """Each chapter, with everything it loads, transfers under 1.5 MB.

    Transferred: the bytes on the wire (each response's Content-Length as sent, text files
    gzip-compressed as a static host sends them). Raw: the same files uncompressed.
    """
    server = gzip_server
    tab = Page(browser, DESKTOP, server)
    responses = []
    tab.page.on("response", lambda response: responses.append(response))
    try:
        tab.open(chapter)
        settle(tab.page)
        assert tab.blocked == [], tab.blocked  # nothing left out of the sum
        sent, raw = {}, {}
        for response in responses:
            if response.url.startswith(("data:", "blob:")):
                continue  # already counted in the file that holds it
            sent[response.url] = int(response.headers.get("content-length", 0))
            raw[response.url] = len(response.body())
    finally:
        tab.close()
    total, total_raw = sum(sent.values()), sum(raw.values())
    print(f"\n{chapter}: {len(sent)} responses, {total:,} bytes transferred ({total / 1e6:.3f} MB; "
          f"limit {PAGE_LIMIT / 1e6:.1f} MB), {total_raw / 1e6:.3f} MB uncompressed")
    for url, size in sorted(sent.items(), key=lambda item: -item[1])[:12]:
        print(f"  {size:>10,} sent  {raw[url]:>10,} raw  {url.removeprefix(server)}")
    assert len(sent) > 10 and raw[f"{server}/{chapter}"] > 10_000  # the page and its assets
    assert all(sent[u] > 0 for u in sent)  # every response counted
    assert total < PAGE_LIMIT, (
        f"{chapter} transfers {total / 1e6:.2f} MB, over {PAGE_LIMIT / 1e6:.1f} MB; biggest: "
        + ", ".join(f"{url.removeprefix(server)} {size / 1e3:.0f} kB"
                    for url, size in sorted(sent.items(), key=lambda item: -item[1])[:5]))
    assert "fontawesome.js" not in " ".join(sent)  # the theme's 1.5 MB icon script is left out
