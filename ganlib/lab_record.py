"""The training lab's stand-in for the static HTML book (issues 6 and 10).

A page with no kernel cannot run the live lab (:mod:`ganlib.widgets`). In the kernel that
builds the static book (:func:`ganlib.interact.static_build`), ``TrainingLab(...)`` therefore
returns a :class:`StaticLab`: no widget is created (so the page loads no widget embedder) and
the cell shows a training explorer (:mod:`ganlib.explorer`) of real runs around the lab's
settings: the lab's dataset, the ring and the grid × four losses × two learning rates × two
values of n_critic.
:func:`record_html` (a short ``to_jshtml`` recording of the lab's own views) remains for
``TrainingLab.static_html``.
"""
from __future__ import annotations

import hashlib
import re

from matplotlib import rc_context
from matplotlib.animation import FuncAnimation

from .animation import offline_controls
from .lab_views import LabView

__all__ = ["record_html", "StaticLab", "lab_explorer", "EXPLORER_DATASETS"]

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


#: The datasets every lab explorer offers (after the lab's own, if it is another one).
EXPLORER_DATASETS = ("ring", "grid")


def lab_explorer(dataset="ring", loss="nonsaturating", compare=None, **knobs):
    """The explorer standing in for ``TrainingLab(dataset, loss, compare, **knobs)``.

    Its grid: dataset ∈ {the lab's, ring, grid} × the losses of
    :data:`ganlib.explorer.EXPLORER_LOSSES` (plus the lab's and the compared run's) ×
    lr ∈ {2e-3, 5e-3} (both players) × n_critic ∈ {1, the lab's n_critic, or 2}: at least
    2 × 4 × 2 × 2 = 32 runs. MLPs 64 × 2, batch 64, seed = the lab's seed; 1,000 G steps
    recorded every 100 (300 recorded every 30 when n_critic > 2: a round then costs
    n_critic + 1 updates). It opens on the lab's dataset, loss and n_critic at lr 2e-3 (the
    ring's tuned rate); the compared loss is one click away. Cached per process: a chapter
    may call it again to assert on the numbers it shows."""
    from .explorer import EXPLORER_LOSSES, training_explorer
    from .widgets import DEFAULTS, check_knobs

    k = {**DEFAULTS, "clip_value": 0.01 if loss == "wgan" else 0.0, **knobs,
         "dataset": dataset, "loss": loss}
    problem = check_knobs({**k, "betas": tuple(k["betas"])})
    if problem:
        raise ValueError(problem)
    losses = list(EXPLORER_LOSSES)
    for extra in (loss, (compare or {}).get("loss")):
        if extra and extra not in losses:
            losses.append(extra)
    nc = int(k["n_critic"])
    n_critics = (1, nc) if nc > 1 else (1, 2)
    datasets = tuple(dict.fromkeys((dataset, *EXPLORER_DATASETS)))
    return training_explorer(
        datasets=datasets, losses=tuple(losses), lrs=(2e-3, 5e-3), n_critics=n_critics,
        steps=1000 if nc <= 2 else 300, every=100 if nc <= 2 else 30, hidden=64,
        batch_size=64,
        seed=int(k["seed"]), clip_value=float(k["clip_value"] or 0.01),
        gp_weight=float(k["gp_weight"]),
        start={"dataset": dataset, "loss": loss, "lr": 2e-3, "n_critic": nc},
        name=f"lab-{dataset}-{loss}")


class StaticLab:
    """What ``TrainingLab(...)`` is in the static book's build: the explorer, no widget."""

    def __init__(self, dataset="ring", loss="nonsaturating", compare=None, **knobs):
        for key in ("checkpoint", "budget", "chunk_s", "threads"):   # live-only options
            knobs.pop(key, None)
        self.explorer = lab_explorer(dataset, loss, compare, **knobs)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.explorer._repr_mimebundle_(include, exclude)

    def __repr__(self):
        return f"StaticLab({self.explorer.name!r}, {len(self.explorer.runs)} recorded runs)"
