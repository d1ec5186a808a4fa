"""One call for an interactive figure, live in a kernel and still alive in the static book (issue 10).

``ganlib.interact(draw, name="divergences", mu=(-4, 4, 0.05), method=["a", "b"])``

* In a kernel started by Jupyter, Colab or Binder: ipywidgets sliders and drop-downs that call
  ``draw(**values)`` on every change (as ``ipywidgets.interact``).
* In the static HTML book (the build's kernel, see :func:`static_build`): no widget at all.
  ``draw`` is called once for every point of a coarse grid of knob values, each figure is
  saved as a small PNG, and the cell shows a ``text/html`` explorer that a small offline
  player (``_js/ganlib-explorer.js``, loaded by every page of the book) drives from the same
  controls. No widget model is created, so the page loads no widget embedder.

Knobs: ``(lo, hi, step)`` — a slider (integers if all three are ints); a list of options — a
drop-down. The starting value is ``draw``'s default for that argument. ``grid={knob: values}``
declares the static grid of a knob; otherwise up to 17 evenly spaced values per knob (always
including the default) are taken, fewer while the product exceeds ``max_frames``.

The static explorer's markup is the contract of the browser tests: a root element of class
``ganlib-explorer`` with ``data-explorer="<name>"``, one ``<input type="range">`` or
``<select>`` per knob with ``data-knob="<knob>"`` (its value is the index into the knob's
static values), and the frames as ``<script type="application/json" data-role="runs">``.

The module itself is callable: ``ganlib.interact(...)`` is :func:`interact`.
"""
from __future__ import annotations

import base64
import contextlib
import html
import inspect
import io
import itertools
import json
import math
import sys
import time
import types

from .lab_views import wants_static

__all__ = ["interact", "static_build", "static_grid", "render_frames", "explorer_html",
           "Knob", "StaticFigure"]

MAX_VALUES = 17      # static values per knob at most
MAX_FRAMES = 150     # static frames per figure at most


def static_build():
    """True in the kernel that builds the static book: a Jupyter kernel (IPython's
    ZMQInteractiveShell) in which :func:`ganlib.lab_views.wants_static` holds, i.e. not
    started by a Jupyter server nor on Colab (``GANLIB_LAB_STATIC=1`` / ``0`` decides).
    The same test switches the training lab to its static explorer
    (:mod:`ganlib.lab_record`). A plain Python process (scripts, pytest) is never static."""
    shell = None
    if "IPython" in sys.modules:
        get = getattr(sys.modules["IPython"], "get_ipython", None)
        shell = get() if get else None
    in_kernel = type(shell).__name__ == "ZMQInteractiveShell"
    return in_kernel and wants_static()


class Knob:
    """One knob: a slider ``(lo, hi, step)`` or a drop-down of ``options``."""

    def __init__(self, name, spec, default):
        self.name, self.default = name, default
        if isinstance(spec, (list, tuple)) and len(spec) == 3 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec):
            lo, hi, step = spec
            if not (hi > lo and step > 0):
                raise ValueError(f"{name}={spec!r}: a slider needs (lo, hi, step) with hi > lo "
                                 "and step > 0")
            self.kind, self.lo, self.hi, self.step = "range", lo, hi, step
            self.integer = all(isinstance(v, int) for v in spec)
            n = int(round((hi - lo) / step)) + 1
            digits = max(0, -math.floor(math.log10(step)) + 2) if not self.integer else 0
            self.values = [lo + i * step if self.integer else round(lo + i * step, digits)
                           for i in range(n)]
        elif isinstance(spec, (list, tuple)) and spec:
            self.kind, self.values = "select", list(spec)
        else:
            raise ValueError(f"{name}={spec!r} must be (lo, hi, step) for a slider or a "
                             "non-empty list of options for a drop-down")
        if default is inspect.Parameter.empty:
            self.default = self.values[0]
        elif self.kind == "select" and default not in self.values:
            raise ValueError(f"{name}: default {default!r} is not one of {self.values}")
        elif self.kind == "range" and not self.lo - 1e-9 <= default <= self.hi + 1e-9:
            raise ValueError(f"{name}: default {default!r} is outside [{self.lo}, {self.hi}]")

    def widget(self):
        import ipywidgets as W
        if self.kind == "select":
            return W.Dropdown(options=self.values, value=self.default, description=self.name)
        cls = W.IntSlider if self.integer else W.FloatSlider
        return cls(value=self.default, min=self.lo, max=self.hi, step=self.step,
                   description=self.name, continuous_update=False)

    def coarse(self, count):
        """`count` evenly spaced values (the ends and the default included)."""
        vals = self.values
        if self.kind == "select" or count >= len(vals):
            return list(vals)
        count = max(count, 2)
        even = [c for c in range(count, max(2, count // 2) - 1, -1) if (len(vals) - 1) % (c - 1) == 0]
        count = even[0] if even else count          # evenly spaced on the slider's steps
        idx = sorted({round(i * (len(vals) - 1) / (count - 1)) for i in range(count)})
        d = min(range(len(vals)), key=lambda i: abs(vals[i] - self.default))
        if d not in idx:                       # replace the nearest grid point by the default
            near = min(range(len(idx)), key=lambda j: abs(idx[j] - d))
            if near in (0, len(idx) - 1):
                idx.append(d)
            else:
                idx[near] = d
        return [vals[i] for i in sorted(set(idx))]


def static_grid(knobs, grid=None, max_frames=MAX_FRAMES):
    """{knob name: static values}: `grid` where given, else coarse grids whose product of
    sizes stays ≤ `max_frames` (the largest grid shrinks first)."""
    grid = dict(grid or {})
    for name in grid:
        if name not in knobs:
            raise ValueError(f"grid key {name!r} is not one of the knobs {tuple(knobs)}")
    counts = {n: len(grid[n]) if n in grid else min(len(k.values), MAX_VALUES)
              for n, k in knobs.items()}
    free = [n for n, k in knobs.items() if n not in grid and k.kind == "range"]
    while math.prod(counts.values()) > max_frames:
        big = max(free, key=counts.get, default=None)
        if big is None or counts[big] <= 2:
            raise ValueError(f"the static grid has {math.prod(counts.values())} frames > "
                             f"max_frames={max_frames}; declare smaller grid= values")
        counts[big] -= 1
    return {n: list(grid[n]) if n in grid else k.coarse(counts[n]) for n, k in knobs.items()}


def _png(fig, dpi):
    """PNG bytes of a Matplotlib figure, palette-quantized when Pillow is available."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    try:
        from PIL import Image
    except ImportError:                        # pragma: no cover - Pillow ships with mpl
        return buf.getvalue()
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, format="png", optimize=True)
    return out.getvalue()


def _capture(draw, values, dpi):
    """Call draw(**values) with plt.show disabled: (list of PNG data URLs, printed text)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    text = io.StringIO()
    show, plt.show = plt.show, (lambda *a, **k: None)
    try:
        with contextlib.redirect_stdout(text):
            draw(**values)
    finally:
        plt.show = show
    images = []
    for num in [n for n in plt.get_fignums() if n not in before]:
        fig = plt.figure(num)
        images.append("data:image/png;base64," + base64.b64encode(_png(fig, dpi)).decode())
        plt.close(fig)
    return images, text.getvalue().rstrip()


def render_frames(draw, grid, dpi=80):
    """Frames in row-major order of `grid` (the last knob varies fastest):
    list of {"images": [data URL, ...], "text": printed output}."""
    names = list(grid)
    return [dict(zip(("images", "text"), _capture(draw, dict(zip(names, combo)), dpi)))
            for combo in itertools.product(*(grid[n] for n in names))]


def _label(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def explorer_html(name, knobs, grid, frames, labels=None, note=""):
    """The static explorer: controls (contract in the module docstring) + frames + JSON."""
    labels = labels or {}
    payload = {"kind": "figure", "knobs": [{"name": n, "values": grid[n]} for n in grid],
               "frames": frames}
    start = {n: grid[n].index(min(grid[n], key=lambda v: 0 if v == knobs[n].default else (
        abs(v - knobs[n].default) if knobs[n].kind == "range" else 1)))
        for n in grid}
    controls = []
    for n, values in grid.items():
        lab = html.escape(labels.get(n, n))
        if knobs[n].kind == "select" or len(values) < 2:
            opts = "".join(f'<option value="{i}"{" selected" if i == start[n] else ""}>'
                           f"{html.escape(_label(v))}</option>" for i, v in enumerate(values))
            controls.append(f'<label>{lab} <select data-knob="{html.escape(n)}">{opts}'
                            "</select></label>")
        else:
            controls.append(
                f'<label>{lab} <input type="range" data-knob="{html.escape(n)}" min="0" '
                f'max="{len(values) - 1}" step="1" value="{start[n]}"> '
                f'<output data-value="{html.escape(n)}">{_label(values[start[n]])}</output>'
                "</label>")
    data = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    n_frames = len(frames)
    note = note or (f"Precomputed for {n_frames} settings of the knobs (a coarser grid than "
                    "the live sliders); open the notebook in Jupyter, Colab or Binder to "
                    "use every value.")
    return (f'<div class="ganlib-explorer ganlib-figure" data-explorer="{html.escape(name)}">'
            '<div class="ganlib-controls" style="display:flex;flex-wrap:wrap;gap:6px 18px;'
            f'font-size:14px">{"".join(controls)}</div>'
            '<div class="ganlib-frame" data-role="frame"></div>'
            '<pre class="ganlib-text" data-role="text"></pre>'
            '<p class="ganlib-note" style="font-size:12px;color:#444;margin:2px 0 0">'
            f'{html.escape(note)}</p>'
            f'<script type="application/json" data-role="runs">{data}</script></div>')


class StaticFigure:
    """The static book's interactive figure: displays as the text/html explorer."""

    def __init__(self, name, html_text, grid, frames):
        self.name, self.html, self.grid, self.frames = name, html_text, grid, frames

    def _repr_mimebundle_(self, include=None, exclude=None):
        n = math.prod(len(v) for v in self.grid.values())
        return {"text/html": self.html,
                "text/plain": f"<interactive figure {self.name!r}: {n} precomputed frames, "
                              f"{len(self.html) / 1e6:.2f} MB, "
                              f"{getattr(self, 'cpu_seconds', 0):.1f} s CPU>"}


def interact(draw, name=None, *, grid=None, max_frames=MAX_FRAMES, dpi=80, labels=None,
             static=None, **knobs):
    """An interactive figure: ``draw(**knob values)`` driven by sliders and drop-downs.

    draw: a function that draws with Matplotlib (and may print); name: the explorer's name
    (default ``draw.__name__``); knobs: ``name=(lo, hi, step)`` or ``name=[options]``;
    grid: static values per knob; max_frames: the static grid's size limit; dpi: resolution
    of the static frames; labels: {knob: label shown}; static: force the static (True) or
    live (False) view, default :func:`static_build`. Returns the live ``ipywidgets``
    interactive widget, or a :class:`StaticFigure` in the static book.
    """
    if not callable(draw):
        raise ValueError(f"draw={draw!r} must be a function drawing the figure")
    if not knobs:
        raise ValueError("give at least one knob, e.g. mu=(-2, 2, 0.1) or method=['a', 'b']")
    params = inspect.signature(draw).parameters
    for k in knobs:
        if k not in params:
            raise ValueError(f"knob {k!r} is not an argument of {draw.__name__}; its arguments "
                             f"are {tuple(params)}")
    spec = {k: Knob(k, v, params[k].default) for k, v in knobs.items()}
    name = name or draw.__name__
    if not (static_build() if static is None else static):
        import ipywidgets as W
        widgets = {k: s.widget() for k, s in spec.items()}
        for k, w in widgets.items():
            w.description = (labels or {}).get(k, k)
            w.style = {"description_width": "initial"}
        return W.interactive(draw, **widgets)
    values = static_grid(spec, grid, max_frames)
    cpu = time.process_time()
    frames = render_frames(draw, values, dpi)
    fig = StaticFigure(name, explorer_html(name, spec, values, frames, labels), values, frames)
    fig.cpu_seconds = time.process_time() - cpu
    return fig


class _CallableModule(types.ModuleType):
    """Makes ``ganlib.interact(...)`` call :func:`interact` (the module stays importable)."""

    def __call__(self, *args, **kwargs):
        return interact(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
