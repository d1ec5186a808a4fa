"""Every knob of the built HTML book responds with no kernel (issue 10), checked in headless
Chromium with the network cut (only 127.0.0.1 answers).

On every page: each static interactive figure / training explorer (``.ganlib-explorer``) has
its embedded runs JSON; every control (``[data-knob]`` and the step scrubber) is changed and the
figure it drives must change (pixels of the figure differ) and show the frame / run the JSON
holds for the new setting; every readout (``[data-readout]``) equals the JSON's value for that
setting and step. Weight: each chapter page (HTML, images, data; not the theme's and
MathJax's files under _static/ that every page shares) is ≤ 5 MB, and a page
whose HTML shows no live-only widget loads neither require.js nor the widget embedder.

Skips without a build (``_build/html``), like tests/test_html.py; set GANBOOK_HTML to test
another build. ``-s`` prints the measured page weights.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from _browser import HTML

ROOT = Path(__file__).resolve().parents[1]
LOCAL = {"127.0.0.1", "localhost"}
MAX_PAGE_BYTES = 5_000_000
WIDGET_SCRIPTS = ("require.js", "embed-amd.js")

PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if not p.relative_to(HTML).parts[0].startswith(("_static", "_sources"))
               ) if HTML.is_dir() else []
CHAPTERS = [p for p in PAGES if p.startswith("book/") and Path(p).stem[:2].isdigit()]

pytestmark = pytest.mark.skipif(not PAGES, reason=f"{HTML} does not exist; build the book")


@pytest.fixture
def page(browser):
    """A page whose requests outside localhost are aborted; counts the bytes it loads."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    loaded, outside, errors = {}, [], []

    def guard(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOCAL:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    def on_response(r):
        if urlparse(r.url).hostname in LOCAL:
            try:
                loaded[r.url] = len(r.body())
            except Exception:          # redirects and aborted loads have no body
                loaded.setdefault(r.url, 0)

    context.route("**/*", guard)
    pg = context.new_page()
    pg.on("response", on_response)
    pg.on("pageerror", lambda e: str(e) in BENIGN_JS_ERRORS or errors.append(str(e)))
    pg.loaded, pg.outside, pg.errors = loaded, outside, errors
    yield pg
    context.close()


def _payload(explorer):
    return json.loads(explorer.locator('script[data-role="runs"]').text_content())


def _knob_indices(explorer, data):
    return [int(explorer.locator(f'[data-knob="{k["name"]}"]').input_value())
            for k in data["knobs"]]


def _row_major(indices, data):
    i = 0
    for idx, k in zip(indices, data["knobs"]):
        i = i * len(k["values"]) + idx
    return i


def _set(control, value):
    tag = control.evaluate("e => e.tagName")
    if tag == "SELECT":
        control.select_option(index=value)
    else:
        control.evaluate("(e, v) => { e.value = v; e.dispatchEvent(new Event('input', "
                         "{bubbles: true})); }", str(value))


def _other(control):
    """A value of the control other than its current one (None if it has only one)."""
    if control.evaluate("e => e.tagName") == "SELECT":
        n, cur = control.locator("option").count(), int(control.input_value())
    else:
        n, cur = int(control.get_attribute("max")) + 1, int(control.input_value())
    if n < 2:
        return None
    return 0 if cur != 0 else n - 1


def _figure(explorer):
    """The part of an explorer that the controls drive (not the controls themselves)."""
    if "ganlib-training" in (explorer.get_attribute("class") or ""):
        return [explorer.locator(f'canvas[data-role="{r}"]') for r in ("panel", "loss", "dx")]
    return [explorer.locator('[data-role="frame"]')]


def _pixels(explorer):
    return [part.screenshot() for part in _figure(explorer)]


def _check_state(explorer, data):
    """The explorer shows what its JSON holds for the current controls (and step)."""
    idx = _row_major(_knob_indices(explorer, data), data)
    if data["kind"] == "training":
        assert int(explorer.get_attribute("data-run")) == idx
        s = int(explorer.locator('[data-role="step"]').input_value())
        rec = data["runs"][idx]["steps"][s]
        for key in ("modes", "hq", "w1"):
            el = explorer.locator(f'[data-readout="{key}"]')
            if el.count():
                want = rec.get(key)
                got = el.get_attribute("data-value")
                assert got == ("" if want is None else str(want)) or (
                    want is not None and float(got) == pytest.approx(want)), (key, got, want)
                box = explorer.locator(f'[data-readout-box="{key}"]')
                assert box.is_visible() == (key in rec), (key, "shown" if key not in rec
                                                          else "hidden")
        assert all(explorer.locator(f'[data-readout="{k}"]').count()
                   for k in {"modes", "hq", "w1"} & set(rec)), "a readout the JSON holds is missing"
        assert str(rec["step"]) in explorer.locator('[data-role="title"]').text_content()
    else:
        assert int(explorer.get_attribute("data-frame")) == idx
        srcs = explorer.locator('[data-role="frame"] img').evaluate_all(
            "imgs => imgs.map(i => i.getAttribute('src'))")
        assert srcs == data["frames"][idx]["images"]


def _moves_here(explorer, data, knob, value):
    """Whether the JSON's frame changes when `knob` goes to index `value` here."""
    idx = _knob_indices(explorer, data)
    names = [k["name"] for k in data["knobs"]]
    other = list(idx)
    other[names.index(knob)] = value
    return (data["frames"][_row_major(idx, data)]
            != data["frames"][_row_major(other, data)])


def _go_where_it_moves(explorer, data, knob):
    """Set the other knobs to the first setting where `knob` changes the frame."""
    names = [k["name"] for k in data["knobs"]]
    j = names.index(knob)
    sizes = [len(k["values"]) for k in data["knobs"]]
    for combo in itertools.product(*(range(n) for n in sizes)):
        a, b = list(combo), list(combo)
        a[j], b[j] = 0, sizes[j] - 1
        if data["frames"][_row_major(a, data)] != data["frames"][_row_major(b, data)]:
            for name, v in zip(names, a):
                _set(explorer.locator(f'[data-knob="{name}"]'), v)
            return
    pytest.fail(f"knob {knob} never changes the figure: a dead control")


INTERACTIVE = [p for p in PAGES
               if 'class="ganlib-explorer' in (HTML / p).read_text(errors="replace")]
# sphinx-thebe declares `const THEBE_JS_URL` in two inline scripts (thebe is off): harmless.
BENIGN_JS_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)


@pytest.mark.parametrize("rel", INTERACTIVE)
def test_every_control_changes_its_figure(page, server, rel):
    page.goto(f"{server}/{rel}", wait_until="load")
    explorers = page.locator(".ganlib-explorer")
    assert explorers.count() > 0
    page.wait_for_function("n => document.querySelectorAll('.ganlib-explorer[data-ready]')"
                           ".length >= n", arg=explorers.count(), timeout=20_000)
    for e in range(explorers.count()):
        explorer = explorers.nth(e)
        name = explorer.get_attribute("data-explorer")
        data = _payload(explorer)
        _check_state(explorer, data)
        controls = explorer.locator('[data-knob], [data-role="step"]')
        assert controls.count() >= 1, f"{rel}: explorer {name} has no control"
        changed = 0
        for c in range(controls.count()):
            control = controls.nth(c)
            value = _other(control)
            if value is None:
                continue
            label = control.get_attribute("data-knob") or "step"
            if data["kind"] == "figure" and not _moves_here(explorer, data, label, value):
                # this knob has no effect at the current setting (e.g. n_critic for the
                # simultaneous method): go to a setting of the others where it has one
                _go_where_it_moves(explorer, data, label)
                value = _other(control)
            before = _pixels(explorer)
            _set(control, value)
            page.wait_for_timeout(50)
            after = _pixels(explorer)
            assert before != after, f"{rel}: {name}: moving {label} left the figure unchanged"
            _check_state(explorer, data)
            changed += 1
        assert changed, f"{rel}: {name}: no control could be changed"
        if data["kind"] == "training":                     # play runs through the steps
            step = explorer.locator('[data-role="step"]')
            _set(step, 0)
            explorer.locator('[data-role="play"]').click()
            page.wait_for_timeout(1000)
            assert int(step.input_value()) > 0, f"{rel}: {name}: play did not advance"
            explorer.locator('[data-role="play"]').click()
            _check_state(explorer, data)
    assert not page.outside, f"{rel}: requests left localhost: {page.outside}"
    assert not page.errors, f"{rel}: JavaScript errors: {page.errors}"


@pytest.mark.parametrize("rel", CHAPTERS)
def test_page_weight_and_widget_scripts(page, server, rel):
    page.goto(f"{server}/{rel}", wait_until="load")
    page.evaluate("() => [...document.images].forEach(i => { i.loading = 'eager'; })")
    page.wait_for_timeout(1500)
    total = sum(page.loaded.values())
    # the page's own bytes: its HTML (with the embedded frames and runs), images and data;
    # the theme, MathJax and fonts under _static/ are shared by every page (cached once)
    own = sum(n for url, n in page.loaded.items() if "/_static/" not in url)
    print(f"\n{rel}: page {own / 1e6:.2f} MB (HTML {(HTML / rel).stat().st_size / 1e6:.2f} MB)"
          f", with shared _static/ files {total / 1e6:.2f} MB ({len(page.loaded)} files)")
    assert own <= MAX_PAGE_BYTES, f"{rel}: {own / 1e6:.2f} MB > 5 MB"
    source = (HTML / rel).read_text(errors="replace")
    live_only = 'application/vnd.jupyter.widget-view+json' in source
    widget_js = [u for u in page.loaded if u.endswith(WIDGET_SCRIPTS)]
    if not live_only:
        assert not widget_js, f"{rel} shows no live-only widget but loads {widget_js}"
    assert not page.outside, f"{rel}: requests left localhost: {page.outside}"
