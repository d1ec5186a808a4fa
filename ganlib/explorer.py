"""The static book's training explorer: a grid of real, recorded training runs (issue 10).

A page with no kernel cannot train, so it shows runs trained at build time: every setting of
dataset × loss × learning rate × n_critic, trained at once by one vectorized
:class:`ganlib.sweep.StackedTrainer` per data dimension (datasets of one shape, e.g. the ring
and the grid, share a stack, each member drawing from its own data; member k follows
``Trainer(G_k, D_k, data_k, config_k)`` to float rounding). Every ``every`` generator steps
each run is recorded: generated samples G(fixed z), D on a coarse grid (a heat map) or a
line (1D), G's gradient arrows −∇ₓ L_G(D(x)) at the first samples, and the readouts modes
covered and % within 3σ (:func:`ganlib.metrics.mode_coverage`, PacGAN's protocol) for the
Gaussian mixtures, or W1 to the data (:func:`ganlib.theory.wasserstein1_1d`, as
:class:`ganlib.sweep.SweepResult`) in 1D.

``training_explorer(...)`` returns a :class:`TrainingExplorer`: its numbers (``.table``,
``.readouts(...)``) for a chapter to assert on, and a ``text/html`` view played offline by
``_js/ganlib-explorer.js`` (markup contract in :mod:`ganlib.interact`; step scrubber
``<input type="range" data-role="step">``, readouts ``data-readout="modes" | "hq" | "w1"``).
"""
from __future__ import annotations

import base64
import dataclasses
import html
import itertools
import json
import math
import time

import numpy as np
import torch

from . import workers as _workers
from .style import COLORS, D_CMAP

__all__ = ["training_explorer", "TrainingExplorer", "EXPLORER_LOSSES"]

#: The losses an explorer trains by default (those of chapters 2–5).
EXPLORER_LOSSES = ("minimax", "nonsaturating", "wgan", "wgan-gp")
_SIGMOID = ("minimax", "nonsaturating")
_KNOBS = ("dataset", "loss", "lr", "n_critic")


def _b64(a):
    return base64.b64encode(np.asarray(a, dtype=np.uint8).tobytes()).decode()


def _q8(x, lo, hi):
    """Quantize x to uint8 on [lo, hi]."""
    x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=lo)     # NaN (empty histogram): lo
    return np.clip(np.round((x - lo) / (hi - lo) * 255), 0, 255)


def _round(v, digits=4):
    v = float(v)
    return None if not math.isfinite(v) else float(f"{v:.{digits}g}")


class _Recorder:
    """Records the members of a StackedTrainer that train on one dataset: its grid for D's
    heat map (or line), its readouts, and each member's JSON-ready record."""

    def __init__(self, data, name, heat_n, n_show, n_arrows, n_ref):
        self.data, self.name, self.heat_n = data, name, heat_n
        self.n_show, self.n_arrows = n_show, n_arrows
        self.dim = int(getattr(data, "dim", 2))
        self.centers = getattr(data, "centers", None)
        g = torch.Generator().manual_seed(1)
        if self.dim == 2:
            real = data.sample(2000, generator=g)
            self.lim = float(1.15 * real.abs().max())
            s = torch.linspace(-self.lim, self.lim, heat_n)
            gy, gx = torch.meshgrid(s, s, indexing="ij")          # row r = y, column c = x
            self.grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
            self.info = {"dim": 2, "lim": _round(self.lim),
                         "real": _b64(_q8(real[:n_show].numpy(), -self.lim, self.lim))}
        else:
            real = data.sample(4000, generator=g).flatten()
            lo, hi = float(real.min()), float(real.max())
            pad = 0.2 * (hi - lo)
            self.lo, self.hi = lo - pad, hi + pad
            self.grid = torch.linspace(self.lo, self.hi, 64)[:, None]
            t = torch.linspace(self.lo, self.hi, 120)
            p = data.pdf(t[:, None]).flatten()
            self.pmax = float(p.max())
            self.info = {"dim": 1, "x": [_round(v) for v in t.tolist()],
                         "p": [_round(v) for v in p.tolist()], "pmax": _round(self.pmax)}
            self.ref = data.sample(n_ref, generator=torch.Generator().manual_seed(1))

    def readouts(self, x):
        """modes, hq (2D mixtures) or w1 (1D) of generated samples x (n, d)."""
        from .metrics import mode_coverage
        from .theory import wasserstein1_1d
        finite = bool(torch.isfinite(x).all())
        if self.centers is not None:
            if not finite:
                return {"modes": 0, "hq": 0.0}
            m = mode_coverage(x, self.centers, float(self.data.std))
            return {"modes": int(m["modes"]), "hq": _round(m["high_quality"])}
        if self.dim == 1:
            w1 = wasserstein1_1d(x.reshape(-1), self.ref.reshape(-1)) if finite else math.inf
            return {"w1": _round(w1)}
        return {}

    def member_record(self, step, loss, x, d, uv):
        """The JSON-ready record of one member at ``step``: its samples x (n, d), D on this
        recorder's grid d (m,), G's normalised gradient arrows uv (a, d)."""
        rec = {"step": step, **self.readouts(x)}
        if loss in _SIGMOID:
            d, lo, hi = torch.sigmoid(d), 0.0, 1.0
        else:                                                        # raw critic score
            finite = d[torch.isfinite(d)]
            lo, hi = ((float(torch.quantile(finite, 0.02)), float(torch.quantile(finite, 0.98)))
                      if finite.numel() else (0.0, 1.0))
            hi = hi if hi > lo else lo + 1e-6
        rec["d_range"] = [_round(lo, 3), _round(hi, 3)]
        rec["heat"] = _b64(_q8(torch.nan_to_num(d).numpy(), lo, hi))
        xk = torch.nan_to_num(x).numpy()
        if self.dim == 2:
            rec["fake"] = _b64(_q8(xk[:self.n_show], -self.lim, self.lim))
            rec["arrows"] = _b64(_q8(uv.numpy(), -1.0, 1.0))
        else:
            # density of all the samples (not only those in the window), on 40 bins
            bins = 40
            counts, _ = np.histogram(xk[:, 0], bins=bins, range=(self.lo, self.hi))
            dens = counts / (max(len(xk), 1) * (self.hi - self.lo) / bins)
            rec["hist"] = _b64(_q8(dens, 0.0, 1.3 * self.pmax))
        return rec


def _record(tr, step, recs):
    """One recorded step of every member of the StackedTrainer ``tr``: member k is recorded
    by ``recs[k]`` (the recorder of its dataset). Returns a list of K dicts."""
    x = tr.samples()                                                 # (K, n, d)
    with torch.no_grad():
        d = tr.D(torch.stack([r.grid for r in recs]))               # (K, m): D on each grid
    xa = x[:, :recs[0].n_arrows].detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(tr.losses.g_loss(tr.D(xa)).sum(), xa)
    uv = torch.nan_to_num(-grad.detach(), 0.0, 0.0, 0.0)           # (K, a, d)
    # lengths scaled per run (its longest arrow = 1): directions are comparable across
    # runs, magnitudes are not (a critic's scale is arbitrary)
    uv = (uv / (uv.norm(dim=2).amax(dim=1)[:, None, None] + 1e-12)).clamp(-1, 1)
    return [rec.member_record(step, cfg.loss, x[k], d[k], uv[k])
            for k, (rec, cfg) in enumerate(zip(recs, tr.configs))]


class TrainingExplorer:
    """The recorded runs: ``runs`` (JSON-ready dicts), ``table`` (one row per run, the
    readouts at the last step), ``readouts(**setting)`` (per-step readouts of one run),
    ``html`` (the static view). Displays as ``text/html``."""

    def __init__(self, name, knobs, datasets, runs, start, colors):
        self.name, self.knobs, self.datasets, self.runs = name, knobs, datasets, runs
        self.start = start
        self.payload = {"kind": "training", "name": name,
                        "knobs": [{"name": k, "values": v} for k, v in knobs.items()],
                        "datasets": datasets, "runs": runs, "colors": colors,
                        "cmap": _cmap_stops(D_CMAP), "heat_n": None,
                        "curve_labels": {"loss_d": "loss D", "loss_g": "loss G",
                                         "d_real": "on real x", "d_fake": "on G(z)"},
                        "d_label": {loss: "D(x)" if loss in _SIGMOID else "critic f(x)"
                                    for loss in knobs["loss"]}}

    @property
    def table(self):
        import pandas as pd
        rows = []
        for r in self.runs:
            last = r["steps"][-1]
            rows.append({**r["settings"], "seed": r["seed"], "step": last["step"],
                         **{k: last[k] for k in ("modes", "hq", "w1") if k in last},
                         "diverged": r["diverged"]})
        return pd.DataFrame(rows)

    @property
    def start_setting(self):
        """The knob values the explorer opens on: {dataset, loss, lr, n_critic}."""
        return {k: self.knobs[k][i] for k, i in self.start.items()}

    def run(self, **setting):
        """The run (dict) with these settings (dataset, loss, lr, n_critic)."""
        for r in self.runs:
            if all(r["settings"][k] == v for k, v in setting.items()):
                return r
        raise ValueError(f"no run with {setting}; knobs: {self.knobs}")

    def readouts(self, **setting):
        """[{step, modes, hq | w1}, ...] of the run with these settings."""
        return [{k: s[k] for k in ("step", "modes", "hq", "w1") if k in s}
                for s in self.run(**setting)["steps"]]

    def json(self):
        return json.dumps(self.payload, separators=(",", ":"), sort_keys=True)

    @property
    def html(self):
        opts = []
        for k, values in self.knobs.items():
            o = "".join(f'<option value="{i}"{" selected" if i == self.start[k] else ""}>'
                        f"{html.escape(_fmt(v))}</option>" for i, v in enumerate(values))
            opts.append(f'<label>{k} <select data-knob="{k}">{o}</select></label>')
        n_steps = len(self.runs[0]["steps"])
        held = {k for r in self.runs for k in ("modes", "hq", "w1") if k in r["steps"][0]}
        # one box per readout any run holds; the player hides a box the shown run lacks
        readouts = [f'<span data-readout-box="{k}"> · {text} <b data-readout="{k}"></b></span>'
                    for k, text in (("modes", "modes covered"), ("hq", "within 3σ"),
                                    ("w1", "W1 to the data")) if k in held]
        data = self.json().replace("</", "<\\/")
        css = ("font-size:13px;line-height:1.4;border:1px solid #ddd;padding:8px;"
               "max-width:720px")
        return (
            f'<div class="ganlib-explorer ganlib-training" data-explorer="{html.escape(self.name)}"'
            f' style="{css}">'
            '<div data-role="title" style="font-weight:bold;font-size:14px"></div>'
            '<div style="display:flex;flex-wrap:wrap;gap:8px">'
            '<canvas data-role="panel" width="400" height="354" style="max-width:100%"></canvas>'
            '<div style="display:flex;flex-direction:column;gap:4px">'
            '<canvas data-role="loss" width="290" height="170"></canvas>'
            '<canvas data-role="dx" width="290" height="170"></canvas></div></div>'
            f'<div class="ganlib-controls" style="display:flex;flex-wrap:wrap;gap:10px">'
            f'{"".join(opts)}</div>'
            '<div><button type="button" data-role="play">▶ play</button> '
            f'<label>step <input type="range" data-role="step" min="0" max="{n_steps - 1}" '
            f'value="{n_steps - 1}" step="1"> <output data-role="step-value"></output></label>'
            + "".join(readouts) + '</div>'
            '<p class="ganlib-note" style="font-size:12px;color:#444;margin:4px 0 0">'
            f"{len(self.runs)} real runs recorded when this page was built (vectorized "
            "sweeps): green = real data, purple = G(z), heat map = D (purple: looks fake, "
            "green: looks real), arrows = −∇ₓ of G's loss (direction; longest arrow of a run = "
            "fixed length). The live lab needs a Python kernel: "
            "open the notebook in Jupyter, Colab or Binder (rocket icon).</p>"
            f'<script type="application/json" data-role="runs">{data}</script></div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html,
                "text/plain": f"<training explorer {self.name!r}: {len(self.runs)} runs, "
                              f"{len(self.html) / 1e6:.2f} MB, "
                              f"{getattr(self, 'seconds', 0):.1f} s>"}


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def _cmap_stops(name, n=9):
    from matplotlib import colormaps
    cm = colormaps[name]
    return [[int(round(255 * c)) for c in cm(i / (n - 1))[:3]] for i in range(n)]


_CACHE = {}


def training_explorer(dataset="ring", *, datasets=None, losses=EXPLORER_LOSSES,
                      lrs=(2e-3, 5e-3), n_critics=(1, 2), steps=1000, every=100, seed=0,
                      batch_size=64, hidden=64, depth=2, clip_value=0.01, gp_weight=10.0,
                      name=None, start=None, n_samples=2500, heat_n=24, n_show=192,
                      n_arrows=48, processes=None, cache=True):
    """Train and record the grid datasets × losses × lrs × n_critics (one stacked run per
    data dimension).

    lr is both lr_d and lr_g; WGAN uses weight clipping at ``clip_value``, WGAN-GP the
    penalty ``gp_weight``; every run starts from the same seed (same initial weights, and the
    same batches for runs of one dataset). ``steps`` generator steps, recorded at 0 and every
    ``every`` steps (a multiple of the log interval, 10). ``start``: the knob values shown
    first, e.g. ``{"loss": "minimax"}``. Readouts use ``n_samples`` samples G(fixed z)
    (2,500 as in PacGAN's protocol). ``processes``: worker processes, one dataset
    each (None: as :func:`ganlib.workers.count` decides). The result is cached in this process
    (``cache``), so a chapter can assert on the very explorer its lab cell shows without
    training it twice.
    """
    args = dict(locals())
    key = repr(sorted((k, v) for k, v in args.items() if k != "cache"))
    if cache and key in _CACHE:
        return _CACHE[key]
    wall = time.perf_counter()
    ex = _train_and_record(**{k: v for k, v in args.items() if k != "cache"})
    ex.seconds = time.perf_counter() - wall
    if cache:
        _CACHE[key] = ex
    return ex


def _train_and_record(dataset, datasets, losses, lrs, n_critics, steps, every, seed,
                      batch_size, hidden, depth, clip_value, gp_weight, name, start,
                      n_samples, heat_n, n_show, n_arrows, processes):
    from .data import get_dataset
    from .stacked import STACKABLE
    from .train import TrainConfig

    datasets = list(datasets or [dataset])
    for loss in losses:
        if loss not in STACKABLE:
            raise ValueError(f"loss={loss!r} is not one of {STACKABLE}")
    if every % 10 or steps % every:
        raise ValueError(f"every={every} must be a multiple of 10 dividing steps={steps}")
    knobs = {"dataset": datasets, "loss": list(losses), "lr": [float(v) for v in lrs],
             "n_critic": [int(v) for v in n_critics]}
    base = TrainConfig(steps=steps, batch_size=batch_size, progress=False, log_every=10,
                       n_samples=n_samples, seed=seed, gp_weight=gp_weight)
    recorders = {ds: _Recorder(get_dataset(ds), ds, heat_n, n_show, n_arrows, n_samples)
                 for ds in datasets}
    # One stack per data dimension: the datasets of one shape (ring and grid) train together,
    # each member on its own data, every n_critic in the same stack (a step's cost is much
    # per call, little per member). On a CPU with cores to spare, one stack per dataset
    # instead, each in its own process (one thread each: no oversubscription, and the
    # numbers do not depend on the machine's thread count).
    workers = _workers.count(processes, len(datasets), base.device)
    if workers > 1:
        groups = [[ds] for ds in datasets]
    else:
        groups = [[ds for ds in datasets if recorders[ds].dim == dim]
                  for dim in dict.fromkeys(r.dim for r in recorders.values())]
    job = dict(knobs=knobs, base=base, clip_value=clip_value, gp_weight=gp_weight,
               model={"hidden": (hidden,) * depth}, seed=seed, steps=steps, every=every,
               heat_n=heat_n, n_show=n_show, n_arrows=n_arrows, n_samples=n_samples)
    if workers > 1:
        parts = _workers.map(_train_group, [dict(job, group=g, threads=1) for g in groups],
                             workers)
    else:
        parts = [_train_group(dict(job, group=g, threads=None), recorders) for g in groups]
    runs = {key: run for part in parts for key, run in part.items()}
    infos = {ds: recorders[ds].info for ds in datasets}
    runs = [runs[key] for key in itertools.product(*knobs.values())]   # row-major knob order
    start = dict(start or {})
    for key, value in start.items():
        if key not in knobs or value not in knobs[key]:
            raise ValueError(f"start[{key!r}]={value!r} is not one of {knobs.get(key, _KNOBS)}")
    start_idx = {k: knobs[k].index(start[k]) if k in start else 0 for k in knobs}
    name = name or f"training-{'-'.join(datasets)}"
    colors = {"data": COLORS["data"], "model": COLORS["model"], "D": COLORS["D"],
              "grad": COLORS["grad"], "loss_d": COLORS["loss_d"], "loss_g": COLORS["loss_g"],
              "d_real": COLORS["d_real"], "d_fake": COLORS["d_fake"]}
    ex = TrainingExplorer(name, knobs, infos, runs, start_idx, colors)
    ex.payload["heat_n"] = heat_n
    return ex


def _run_dict(tr, k, per_step, rec, ds_name, loss, lr, nc, seed, clip_value, gp_weight):
    """Member k of the StackedTrainer tr as the explorer's JSON-ready run."""
    keep = [i for i, row in enumerate(tr.rows) if row["step"] % (2 * 10) == 0 or
            i == len(tr.rows) - 1]                     # curves every 20 steps (page weight)
    curves = {c: [_round(tr.rows[i][c][k]) for i in keep]
              for c in ("loss_d", "loss_g", "d_real", "d_fake")}
    title = (f"{ds_name} · loss={loss}" + (f" (clip {clip_value:g})" if loss == "wgan"
             else f" (λ={gp_weight:g})" if loss == "wgan-gp" else "")
             + f" · lr={lr:g} · n_critic={nc} · seed {seed}")
    return {"settings": {"dataset": ds_name, "loss": loss, "lr": lr, "n_critic": nc},
            "seed": seed, "title": title,
            "n_modes": len(rec.centers) if rec.centers is not None else None,
            "diverged": not bool(tr.alive[k]), "steps": [s[k] for s in per_step],
            "curves": {"step": [tr.rows[i]["step"] for i in keep], **curves}}


def _train_group(job, recorders=None):
    """Train and record the runs of ``job["group"]`` (dataset names of one shape) in one
    StackedTrainer: {(dataset, loss, lr, n_critic): JSON-ready run}. Runs in a worker process
    too (``job["threads"]``: its torch thread count)."""
    from .data import get_dataset
    from .stacked import build_members
    from .sweep import StackedTrainer

    if job["threads"]:
        torch.set_num_threads(job["threads"])
    if recorders is None:
        recorders = {ds: _Recorder(get_dataset(ds), ds, job["heat_n"], job["n_show"],
                                   job["n_arrows"], job["n_samples"]) for ds in job["group"]}
    knobs, base, clip_value = job["knobs"], job["base"], job["clip_value"]
    settings = list(itertools.product(job["group"], knobs["loss"], knobs["lr"],
                                      knobs["n_critic"]))
    configs = [dataclasses.replace(base, loss=loss, lr_d=lr, lr_g=lr, n_critic=nc,
                                   clip_value=clip_value if loss == "wgan" else None)
               for _, loss, lr, nc in settings]
    recs = [recorders[ds] for ds, *_ in settings]
    member_data = [rec.data for rec in recs]
    tr = StackedTrainer(*build_members(member_data[0], [job["seed"]] * len(configs),
                                       job["model"]), member_data, configs)
    per_step = [_record(tr, 0, recs)]
    while tr.step < job["steps"]:
        tr.run(job["every"])
        per_step.append(_record(tr, tr.step, recs))
    return {(ds, loss, lr, nc): _run_dict(tr, k, per_step, recs[k], ds, loss, lr, nc,
                                          job["seed"], clip_value, job["gp_weight"])
            for k, (ds, loss, lr, nc) in enumerate(settings)}
