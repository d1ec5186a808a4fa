"""The training lab's stand-in for the static HTML book: a short prerecorded run (issue 6).

A page with no kernel cannot run the live lab (:mod:`ganlib.widgets`), so the lab's cell also
carries this recording: the same views (:class:`ganlib.lab_views.LabView`) over a short,
deterministic run, as a ``to_jshtml`` animation whose player needs nothing from outside the page.
"""
from __future__ import annotations

import hashlib
import re

from matplotlib import rc_context
from matplotlib.animation import FuncAnimation

from .animation import offline_controls
from .lab_views import LabView

__all__ = ["record_html"]

_STATIC_CACHE, _STATIC_COUNT = {}, {}


def record_html(make_runs, key, note="", steps=200, frames=20, fps=6, dpi=72):
    """`note` + a to_jshtml animation of `make_runs()` trained for `steps` rounds.

    Frame i shows the runs after (i+1)·steps/frames rounds. Deterministic for fixed seeds
    (CPU): the animation is cached under `key`, and its random element ids are replaced by
    ids derived from `key` and a per-key counter (unique on a page, stable across builds).
    """
    if key not in _STATIC_CACHE:
        runs = make_runs()
        view = LabView(runs, dpi=dpi)
        per = max(1, steps // frames)

        def frame(i):
            for run in runs:
                while run.rounds < (i + 1) * per and not run.diverged:
                    run.round()
            view.update(runs)
            return []

        anim = FuncAnimation(view.fig, frame, frames=frames, blit=False, repeat=False)
        with rc_context({"animation.frame_format": "jpeg"}):     # ~3× smaller than PNG
            html = offline_controls(anim.to_jshtml(fps=fps, default_mode="once"))
        _STATIC_CACHE[key] = note + re.sub(r"[0-9a-f]{32}", "{LAB_ID}", html)
    _STATIC_COUNT[key] = _STATIC_COUNT.get(key, 0) + 1
    lab_id = hashlib.sha1(f"{key}{_STATIC_COUNT[key]}".encode()).hexdigest()[:32]
    return _STATIC_CACHE[key].replace("{LAB_ID}", lab_id)
