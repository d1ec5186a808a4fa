"""Browser checks of the built HTML book (headless Chromium via Playwright).

Serves ``_build/html`` on 127.0.0.1 and opens every page. For each page: math is typeset by
MathJax (no raw ``$$``, ``\\[``, ``\\(`` left in the visible text), every ``<img>`` loads,
embedded ipywidgets render, no request leaves localhost; every chapter page has Colab and
Binder launch links and an ``.ipynb`` download link.

``make test`` builds the book first and sets GANBOOK_REQUIRE_HTML=1, so there these tests
never skip; run standalone without a build they skip with the reason.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from _browser import HTML

ROOT = Path(__file__).resolve().parents[1]
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


# ---- presentation: what a reader sees at 1280 px (and 390 px) ----------------------------------

CHAPTERS = [rel for rel in PAGES if _is_chapter(rel)]
ARTIFACTS = ROOT / "_build" / "artifacts"
MIN_FIGURE_SCALE = 0.85  # a figure may be shown at no less than 85 % of its natural width
SLACK_PX = 2             # sub-pixel rounding


def _open(browser, server, rel, width, height=900):
    """Open a page at a viewport width, network cut, math typeset, images loaded."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route("**/*", lambda route: route.continue_()
                  if urlparse(route.request.url).hostname in LOCAL_HOSTS
                  or route.request.url.startswith(("data:", "blob:")) else route.abort())
    page = context.new_page()
    page.goto(f"{server}/{rel}", wait_until="load")
    if page.locator(".math").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=30_000)
        page.evaluate("() => MathJax.startup.promise")
    page.evaluate(LOAD_IMAGES)
    page.wait_for_timeout(300)
    return context, page


@pytest.fixture(scope="module")
def wide_pages(browser, server):
    """Each chapter opened once at 1280 px (shared by the checks below); screenshots saved."""
    opened = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for rel in CHAPTERS:
        context, page = _open(browser, server, rel, 1280)
        page.screenshot(path=str(ARTIFACTS / f"{Path(rel).stem}-1280.jpg"), full_page=True,
                        type="jpeg", quality=70)
        opened[rel] = page
    yield opened
    for page in opened.values():
        page.context.close()


# Figures: the rendered width against the natural width (CSS px: the width attribute when the
# image declares one, e.g. a retina PNG shown at half its pixels).
SHRUNK_FIGURES = """(minScale) => [...document.querySelectorAll('article img, .bd-article img')]
  .filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)
  .map(i => {
    const natural = i.getAttribute('width') ? parseFloat(i.getAttribute('width')) : i.naturalWidth;
    const shown = i.getBoundingClientRect().width;
    return {src: (i.getAttribute('src') || '').slice(0, 60), natural, shown,
            scale: shown / natural};
  })
  .filter(f => f.scale < minScale)
  .map(f => `${f.src}: ${Math.round(f.natural)} px shown at ${Math.round(f.shown)} px `
            + `(${Math.round(100 * f.scale)} %)`)"""


@pytest.mark.parametrize("rel", CHAPTERS)
def test_no_figure_shrunk_below_85_percent(wide_pages, rel):
    shrunk = wide_pages[rel].evaluate(SHRUNK_FIGURES, MIN_FIGURE_SCALE)
    assert not shrunk, f"{rel}: figures scaled below 85 % of their width:\n" + "\n".join(shrunk)


# Display equations: wider than their box (cut or scrolled) at this viewport.
WIDE_EQUATIONS = """(slack) => [...document.querySelectorAll('div.math')].map(box => {
    const mjx = box.querySelector('mjx-container') || box;
    const content = Math.max(box.scrollWidth, mjx.scrollWidth,
                             ...[...mjx.children].map(c => c.getBoundingClientRect().width));
    const room = box.clientWidth;
    let scroller = null;
    for (let e = mjx; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX;
      if ((o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + slack) {
        scroller = e; break; }
    }
    const r = box.getBoundingClientRect();
    return {id: box.id || (box.querySelector('[id]') || {}).id || box.textContent.slice(0, 40),
            eqno: (box.querySelector('.eqno') || {}).textContent || '',
            over: content - room, scrolls: !!scroller,
            offscreen: r.right > document.documentElement.clientWidth + slack};
  }).filter(e => e.over > slack || e.offscreen)"""


@pytest.mark.parametrize("rel", CHAPTERS)
def test_no_display_equation_overflows_at_1280(wide_pages, rel):
    wide = wide_pages[rel].evaluate(WIDE_EQUATIONS, SLACK_PX)
    assert not wide, (f"{rel}: display equations wider than the column at 1280 px:\n"
                      + "\n".join(f"{e['eqno'].strip(' #')} {e['id']}: {e['over']:.0f} px too wide"
                                   for e in wide))


@pytest.mark.parametrize("rel", CHAPTERS)
def test_equations_on_a_phone_scroll_rather_than_cut(browser, server, rel):
    """At 390 px a long equation may scroll sideways, but only inside a scrollbar of its own:
    nothing cut off without one, and no equation box reaching past the screen's edge."""
    context, page = _open(browser, server, rel, 390, 844)
    try:
        wide = page.evaluate(WIDE_EQUATIONS, SLACK_PX)
    finally:
        context.close()
    cut = [e for e in wide if e["over"] > SLACK_PX and not e["scrolls"] or e["offscreen"]]
    assert not cut, (f"{rel}: equations cut at 390 px without a scrollbar of their own: "
                     + ", ".join(f"{e['eqno'].strip(' #')} {e['id']}" for e in cut))


# Code cells and outputs that scroll (or are cut) sideways.
WIDE_CODE = r"""(slack) => [...document.querySelectorAll(
    '.cell_input pre, .cell_output pre, .cell_output .output, .cell_output table, '
    + '.cell_output .text_html, .highlight pre')]
  .filter(e => e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + slack)
  .map(e => {
    const cell = e.closest('.cell');
    const kind = e.closest('.cell_input') ? 'code' : e.closest('.cell_output') ? 'output' : 'block';
    const all = [...document.querySelectorAll('.cell')];
    return `${kind} of cell ${all.indexOf(cell)}: ${e.scrollWidth} px in ${e.clientWidth} px `
           + `(${((e.innerText || '').split('\n').find(l => l.length > 0) || '').slice(0, 50)}...)`;
  })"""


@pytest.mark.parametrize("rel", CHAPTERS)
def test_no_code_or_output_scrolls_sideways_at_1280(wide_pages, rel):
    page = wide_pages[rel]
    # Open every collapsed input ("Show code cell source") so its width is measured too.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => {"
                  " if (!d.closest('.solution, .dropdown')) d.open = true; })")
    wide = page.evaluate(WIDE_CODE, SLACK_PX)
    assert not wide, f"{rel}: code or output wider than the column at 1280 px:\n" + "\n".join(wide)


# Solutions: nothing of a solution visible until its dropdown is opened, and its code not shown
# in plain view elsewhere on the page (e.g. a checker cell that prints the reference).
SOLUTIONS = r"""() => {
  const visible = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
                       && e.getBoundingClientRect().height > 0;
  const sols = [...document.querySelectorAll('.solution')];
  const shown = sols.flatMap(s => [...s.querySelectorAll('p, pre, li, .math, img, table')]
      .filter(e => !e.closest('.admonition-title, summary') && visible(e))
      .map(e => `${s.id || 'solution'}: ${e.textContent.trim().slice(0, 60)}`));
  const norm = t => t.replace(/\s+/g, ' ').trim();
  const answers = sols.flatMap(s => [...s.querySelectorAll('pre')].map(p => norm(p.textContent)))
                      .filter(t => t.length >= 40);
  const leaked = [...document.querySelectorAll('pre')]
      .filter(p => !p.closest('.solution') && visible(p))
      .flatMap(p => answers.filter(a => norm(p.textContent).includes(a))
                           .map(a => `shown in plain view: ${a.slice(0, 60)}`));
  return {count: sols.length, shown, leaked};
}"""


@pytest.mark.parametrize("rel", CHAPTERS)
def test_no_solution_visible_before_its_dropdown_is_opened(wide_pages, rel):
    found = wide_pages[rel].evaluate(SOLUTIONS)
    problems = found["shown"] + found["leaked"]
    assert not problems, f"{rel}: solution text visible before opening it:\n" + "\n".join(problems)


@pytest.mark.parametrize("rel", CHAPTERS)
def test_nothing_above_the_chapter_title(wide_pages, rel):
    """No cell (e.g. a collapsed "Show code cell source" bar) is rendered above the title."""
    above = wide_pages[rel].evaluate("""() => {
      const h1 = document.querySelector('article h1, .bd-article h1');
      return [...document.querySelectorAll('.cell, .admonition, details')]
        .filter(e => e.getBoundingClientRect().height > 0
                     && (h1.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_PRECEDING))
        .map(e => e.className.slice(0, 60));
    }""")
    assert not above, f"{rel}: elements above the chapter title: {above}"


def test_screenshots_of_every_chapter(wide_pages):
    missing = [rel for rel in CHAPTERS if not (ARTIFACTS / f"{Path(rel).stem}-1280.jpg").exists()]
    assert CHAPTERS and not missing, f"no screenshot for {missing}"


def test_landing_page_links_every_chapter(browser, server):
    context, page = _open(browser, server, "book/intro.html", 1280)
    try:
        hrefs = page.eval_on_selector_all("article a[href], .bd-article a[href]",
                                          "as => as.map(a => a.href)")
    finally:
        context.close()
    missing = [rel for rel in CHAPTERS if not any(h.split("#")[0].endswith(rel) for h in hrefs)]
    assert not missing, f"the landing page's text does not link to: {missing}"


def test_search_index_is_built():
    assert (HTML / "search.html").exists() and (HTML / "searchindex.js").exists()


def test_every_chapter_was_built():
    toc = (ROOT / "_toc.yml").read_text()
    chapters = sorted(p.stem for p in (ROOT / "book").glob("*.ipynb"))
    missing = [c for c in chapters if c in toc and not (HTML / "book" / f"{c}.html").exists()]
    assert not missing, f"chapters without an HTML page: {missing}"
