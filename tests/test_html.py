"""Browser checks of the built HTML book (headless Chromium via Playwright).

Serves ``_build/html`` on 127.0.0.1 and opens every page. For each page: math is typeset by
MathJax (no raw ``$$``, ``\\[``, ``\\(`` left in the visible text), every ``<img>`` loads,
embedded ipywidgets render, no request leaves localhost; every chapter page has Colab and
Binder launch links and an ``.ipynb`` download link.

``make test`` builds the book first and sets GANBOOK_REQUIRE_HTML=1, so there these tests
never skip; run standalone without a build they skip with the reason.
"""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("GANBOOK_HTML", ROOT / "_build" / "html"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
REPO_PATH = urlparse(REPO["url"]).path.strip("/")  # "gan-book/gan-book"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Uncaught errors from third-party theme code that do not affect the page: sphinx-thebe declares
# `const THEBE_JS_URL` in two inline scripts (thebe itself is off; nothing is fetched).
BENIGN_JS_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)

if HTML.is_dir():
    PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                   if not p.relative_to(HTML).parts[0].startswith(("_static", "_sources")))
else:
    PAGES = []
    if os.environ.get("GANBOOK_REQUIRE_HTML"):
        raise RuntimeError(f"{HTML} does not exist: the book must be built before this test")

pytestmark = pytest.mark.skipif(
    not PAGES, reason=f"{HTML} does not exist; build the book first (`make book`)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page whose requests to anything but localhost are recorded and aborted."""
    context = browser.new_context()
    outside = []

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.outside_requests = outside
    page.errors = []
    page.failed = []  # local files that are missing (404) or failed to load
    page.on("pageerror", lambda exc: str(exc) in BENIGN_JS_ERRORS or page.errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico")
            and page.failed.append(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: urlparse(r.url).hostname in LOCAL_HOSTS
            and page.failed.append(f"{r.failure} {r.url}"))
    yield page
    context.close()


# Text the reader sees, without code blocks (code may legitimately contain `$$` or `\(`).
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, mjx-container, mjx-assistive-mml, .highlight')
      .forEach(e => e.remove());
  return body.innerText;
}"""

LOAD_IMAGES = """async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null :
      new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  return imgs.filter(i => !(i.complete && i.naturalWidth > 0))
             .map(i => i.getAttribute('src') || i.currentSrc);
}"""


def _is_chapter(rel: str) -> bool:
    return rel.startswith("book/") and Path(rel).stem[:2].isdigit()


@pytest.mark.parametrize("rel", PAGES)
def test_page(page, server, rel):
    source = (HTML / rel).read_text(encoding="utf-8", errors="replace")
    if 'http-equiv="Refresh"' in source or 'http-equiv="refresh"' in source:
        # index.html only redirects to the landing page; check where it points.
        target = source.split("url=", 1)[1].split('"', 1)[0]
        assert (HTML / Path(rel).parent / target).exists(), f"{rel} redirects to missing {target}"
        return
    response = page.goto(f"{server}/{rel}", wait_until="load")
    assert response is not None and response.ok, f"{rel}: HTTP {response and response.status}"

    # Math: every Sphinx math node is typeset by (the local) MathJax.
    n_math = page.locator(".math").count()
    if n_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=30_000)
        page.evaluate("() => MathJax.startup.promise")
        untypeset = page.evaluate(
            "() => [...document.querySelectorAll('.math')]"
            ".filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80))")
        assert not untypeset, f"{rel}: math not rendered by MathJax: {untypeset[:5]}"
        assert page.locator("mjx-container").count() >= n_math
    text = page.evaluate(VISIBLE_TEXT)
    for raw in ("$$", "\\[", "\\("):
        assert raw not in text, (f"{rel}: raw LaTeX {raw!r} in the visible text: "
                                 f"...{text[max(0, text.find(raw) - 60):text.find(raw) + 60]}...")

    # Images.
    broken = page.evaluate(LOAD_IMAGES)
    assert not broken, f"{rel}: images that did not load: {broken}"

    # Embedded ipywidgets (static widget state) render with the locally served embedder.
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if n_views:
        page.wait_for_function(
            "n => document.querySelectorAll('.jupyter-widgets, .widget-view').length >= n",
            arg=n_views, timeout=30_000)

    # Chapters: launch buttons and the notebook download.
    if _is_chapter(rel):
        hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        nb = f"{Path(rel).with_suffix('.ipynb').as_posix()}"
        colab = f"https://colab.research.google.com/github/{REPO_PATH}/blob/{REPO['branch']}/{nb}"
        assert colab in hrefs, f"{rel}: no Colab launch link {colab}"
        binder = [h for h in hrefs if h.startswith(f"https://mybinder.org/v2/gh/{REPO_PATH}/"
                                                   f"{REPO['branch']}") and nb in h]
        assert binder, f"{rel}: no Binder launch link for {nb}"
        downloads = [h for h in hrefs if h.startswith(server) and h.endswith(".ipynb")]
        assert downloads, f"{rel}: no .ipynb download link"
        for href in downloads:
            status = page.request.get(href).status
            assert status == 200, f"{rel}: download link {href} answers {status}"

    page.wait_for_timeout(200)  # let late requests (fonts, widget modules) show up
    assert not page.outside_requests, f"{rel}: requests left localhost: {page.outside_requests}"
    assert not page.failed, f"{rel}: local resources that failed to load: {page.failed}"
    assert not page.errors, f"{rel}: JavaScript errors: {page.errors}"


def test_search_index_is_built():
    assert (HTML / "search.html").exists() and (HTML / "searchindex.js").exists()


def test_every_chapter_was_built():
    toc = (ROOT / "_toc.yml").read_text()
    chapters = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))
    missing = [c for c in chapters if c in toc and not (HTML / "book" / f"{c}.html").exists()]
    assert not missing, f"chapters without an HTML page: {missing}"
