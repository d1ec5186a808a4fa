"""Runs and views behind the training lab (issue 6; embedded in chapters 2, 3, 4, 5 and 7).

`LabRun` wraps one `ganlib.train.Trainer` with the curves the lab plots; `LabView` draws one or
two runs into a matplotlib figure (Agg, no pyplot, no ipympl) whose artists are created once and
only updated afterwards, so a redraw costs one PNG encode. Its data panels are the book's own
views, `ganlib.plots.Plot2D` and `ganlib.plots.Plot1D`, so the lab and the chapters share one
style (`ganlib.style`). The static book's recording is `ganlib.lab_record`; the widget is
`ganlib.widgets`."""
from __future__ import annotations

import contextlib
import io
import math
import os
import sys

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .plot1d import Plot1D
from .plot2d import Plot2D
from .style import COLORS, FIG_WIDTH, DPI, MIN_FONT_PT, book_style

__all__ = ["LabRun", "LabView", "kind_of", "torch_threads", "wants_static"]

ONE_D, IMAGES = ("gaussian", "mixture1d"), ("digits",)


def kind_of(dataset):
    """'1d', '2d' or 'images' for a dataset name of `ganlib.data.DATASETS`."""
    return "1d" if dataset in ONE_D else "images" if dataset in IMAGES else "2d"


@contextlib.contextmanager
def torch_threads(n):
    """Use `n` intra-op threads in this thread only (OpenMP's setting is per thread).

    The lab's models are tiny: one thread avoids OpenMP spin contention on shared CPUs,
    which otherwise makes a round 10–100× slower; the reader's other threads are unaffected.
    """
    if n is None or torch.get_num_threads() == n:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def wants_static():
    """Whether to prerecord the static-book view: GANLIB_LAB_STATIC=1 / 0 decides; by default
    yes, except in a kernel started by a Jupyter server (JPY_SESSION_NAME) or on Colab, where
    the live widget is shown and prerecording would only delay it."""
    flag = os.environ.get("GANLIB_LAB_STATIC")
    if flag in ("0", "1"):
        return flag == "1"
    return "JPY_SESSION_NAME" not in os.environ and "google.colab" not in sys.modules


class LabRun:
    """One training run of the lab: a Trainer built from `knobs` plus the curves it plots.

    knobs: dict with 'dataset', 'loss', TrainConfig fields and 'latent_dim', 'hidden', 'depth'.
    Models are built after `seed_everything(seed)`, so two runs with the same seed and the same
    architecture start from the same weights and (same seed) draw the same batches.
    """

    def __init__(self, knobs, data=None):
        import ganlib
        from ganlib import data as gdata, lab_knobs, models, train
        self.knobs = dict(knobs)
        self.kind = kind_of(knobs["dataset"])
        self.data = data if data is not None else gdata.get_dataset(knobs["dataset"])
        ganlib.seed_everything(knobs["seed"])
        hidden = (int(knobs["hidden"]),) * int(knobs["depth"])
        latent = int(knobs["latent_dim"])
        if self.kind == "images":
            self.G = models.DCGANGenerator(latent_dim=latent, image_size=8)
            self.D = models.DCGANDiscriminator(image_size=8)
            models.dcgan_init(self.G), models.dcgan_init(self.D)
        else:
            dim = int(getattr(self.data, "dim", 2))
            self.G = models.MLPGenerator(latent_dim=latent, out_dim=dim, hidden=hidden)
            self.D = models.MLPDiscriminator(in_dim=dim, hidden=hidden)
        # The lab's TrainConfig knobs, as declared once in ganlib.lab_knobs; the lab's `steps`
        # is where the lab pauses, not the trainer's schedule (which never ends here).
        cfg = lab_knobs.to_config(knobs)
        cfg.pop("steps", None)
        self.config = train.TrainConfig(progress=False, log_every=1, steps=10**9, **cfg)
        self.trainer = train.Trainer(self.G, self.D, self.data, self.config)
        self.device = next(self.G.parameters()).device
        self.curves = {k: [] for k in ("step", "loss_d", "loss_g", "d_real", "d_fake",
                                       "grad_norm_g")}
        self.rounds = 0            # generator updates done by the lab
        self.d_updates = 0
        self.diverged = None       # message once training diverged
        self._last = {}

    # -- training ---------------------------------------------------------------------------
    def _record(self, out):
        if isinstance(out, dict):
            self._last.update({k: float(v) for k, v in out.items()
                               if k in self.curves and v is not None and np.ndim(v) == 0})
        for k in self.curves:
            self.curves[k].append(self.rounds if k == "step" else self._last.get(k, math.nan))

    def _guard(self, fn):
        from ganlib import train
        if self.diverged:
            return None
        try:
            return fn()
        except getattr(train, "TrainingDiverged", FloatingPointError) as err:
            self.diverged = str(err)
            return None

    def round(self):
        """One round: n_critic D steps then one G step (Trainer.round)."""
        out = self._guard(self.trainer.round)
        if self.diverged:
            return
        self.rounds += 1
        self.d_updates += int(self.trainer.config.n_critic)
        self._record({**self._from_history(), **(out if isinstance(out, dict) else {})})

    def d_step(self):
        out = self._guard(self.trainer.d_step)
        if not self.diverged:
            self.d_updates += 1
            self._record(out)

    def g_step(self):
        out = self._guard(self.trainer.g_step)
        if not self.diverged:
            self.rounds += 1
            self._record(out)

    def _from_history(self):
        h = getattr(self.trainer, "history", None)
        return {k: getattr(h, k)[-1] for k in self.curves
                if k != "step" and h is not None and getattr(h, k, None)}

    # -- quantities the views show ----------------------------------------------------------
    @torch.no_grad()
    def fakes(self, n=512):
        z = self.trainer.fixed_z[:n]
        return self.G(z).detach()

    def readout(self, x_fake):
        """Quality text: modes / % within 3σ for mixtures, W1 for 1D, else the step."""
        head = f"step {self.rounds}"
        if self.diverged:
            return head + " — diverged"
        centers = getattr(self.data, "centers", None)
        if centers is not None and self.kind == "2d":              # chapter 6's metric
            from ganlib.metrics import mode_coverage
            m = mode_coverage(x_fake.cpu(), centers.cpu(), float(self.data.std), n_sigma=3)
            return (f"{head} · modes {int(m['modes'])}/{len(centers)} · "
                    f"{100 * float(m['high_quality']):.0f}% within 3σ")
        if self.kind == "1d":
            return f"{head} · W1 = {self.w1(x_fake):.3f}"
        return head

    def w1(self, x_fake, n_grid=2001):
        """W1(p_data, p_G) = ∫|F_data − F_G| with the exact data CDF and G's empirical CDF."""
        x = x_fake.cpu().double().flatten().sort().values
        lo, hi = self.x_range
        lo, hi = min(lo, float(x[0])), max(hi, float(x[-1]))
        t = torch.linspace(lo, hi, n_grid, dtype=torch.float64)
        p = self.data.pdf(t.float().unsqueeze(1)).double().flatten()
        F_data = torch.cumulative_trapezoid(p, t)
        F_data = torch.cat([F_data.new_zeros(1), F_data]) / F_data[-1]
        F_g = torch.searchsorted(x, t, right=True).double() / len(x)
        return float(torch.trapezoid((F_data - F_g).abs(), t))

    @property
    def x_range(self):
        if not hasattr(self, "_x_range"):
            g = torch.Generator().manual_seed(0)
            x = self.data.sample(4000, generator=g).flatten()
            lo, hi = float(x.min()), float(x.max())
            pad = 0.25 * (hi - lo)
            self._x_range = (lo - pad, hi + pad)
        return self._x_range


class LabView:
    """Figure of one or two runs: the data panel per run plus shared curves, 720 px wide
    (the book's column: FIG_WIDTH · DPI pixels whatever ``dpi``), fonts >= MIN_FONT_PT.

    2D: a :class:`~ganlib.plot2d.Plot2D` per run (real/fake samples over D's heat map with its
    colour bar, G's gradient arrows for the run's own generator loss, scaled by one norm shared
    by both panels, and the warped latent grid). 1D: a :class:`~ganlib.plot1d.Plot1D` per run
    (p_data, a histogram and a KDE of G(z), D(x) and D* from the KDE). Images: a grid from
    fixed z. Curves: both losses, mean D(x) and D(G(z)), ‖∇G‖ (the pinned run dotted); before
    the first step they say so instead of showing empty axes. `update(runs)` moves existing
    artists only; `png()` renders the figure (Agg) to PNG bytes.
    """

    WIDTH_PX = FIG_WIDTH * DPI

    def __init__(self, runs, dpi=72, titles=None):
        self.kind = runs[0].kind
        self.dpi = dpi
        n = len(runs)
        height_px = 400 if n == 1 else 640
        with book_style():
            self.fig = Figure(figsize=(self.WIDTH_PX / dpi, height_px / dpi), dpi=dpi)
            FigureCanvasAgg(self.fig)
            if n == 1:   # data panel | three curves stacked
                gs = self.fig.add_gridspec(3, 2, width_ratios=[1.45, 1.0], left=0.07,
                                           right=0.98, bottom=0.12, top=0.92, wspace=0.3,
                                           hspace=0.5)
                self.main = [self.fig.add_subplot(gs[:, 0])]
                curve_specs = [gs[r, 1] for r in range(3)]
            else:        # the two data panels side by side, the three curves below
                gs = self.fig.add_gridspec(2, 6, height_ratios=[2.3, 1.0], left=0.07,
                                           right=0.92, bottom=0.09, top=0.95, wspace=1.6,
                                           hspace=0.3)
                self.main = [self.fig.add_subplot(gs[0, 3 * i:3 * i + 3]) for i in range(n)]
                curve_specs = [gs[1, 2 * c:2 * c + 2] for c in range(3)]
            self.curve_axes = [self.fig.add_subplot(spec) for spec in curve_specs]
            self.titles = titles or ([""] if n == 1 else ["pinned", "current"])
            self.panels = [self._make_panel(ax, run) for ax, run in zip(self.main, runs)]
            self._make_curves(n)
        self.n_draws = 0

    # -- construction ------------------------------------------------------------------------
    def _make_panel(self, ax, run):
        p = {"ax": ax}
        loss = run.knobs["loss"]
        if self.kind == "2d":
            g = torch.Generator().manual_seed(1)
            p["x_real"] = run.data.sample(512, generator=g).cpu()
            lim = 1.2 * float(p["x_real"].abs().max())
            r = 1.0 if run.config.prior == "uniform" else 2.0   # latent grid spans the prior
            p["view"] = Plot2D(ax, x_range=(-lim, lim), y_range=(-lim, lim), resolution=40,
                               loss=loss, n_arrows=64, arrow_length=0.06, grid_lines=9,
                               grid_points=25, latent_range=(-r, r), point_size=4,
                               legend_loc="lower left")
            ax.set_xticks([]), ax.set_yticks([])   # as in GAN Lab; saves a redraw's ticks
        elif self.kind == "1d":
            p["view"] = Plot1D(ax, run.data, x_range=run.x_range, loss=loss, bins=40, kde=True,
                               labels={"p_g": "$p_g$ (KDE)", "hist": "$G(z)$"})
        else:
            ax.set_xticks([]), ax.set_yticks([])
            p["img"] = ax.imshow(np.zeros((64, 64)), cmap="gray", vmin=-1, vmax=1)
        return p

    def _make_curves(self, n):
        names = [("loss_d", "loss_g"), ("d_real", "d_fake"), ("grad_norm_g",)]
        labels = {"loss_d": "loss D", "loss_g": "loss G", "d_real": "D(x)",
                  "d_fake": "D(G(z))", "grad_norm_g": "‖∇G‖"}
        self.lines = []
        self.placeholders = []
        for ax, keys in zip(self.curve_axes, names):
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(3))
            for r in range(n):
                for k in keys:
                    (ln,) = ax.plot([], [], c=COLORS[k if k != "grad_norm_g" else "grad"],
                                    lw=1.2, ls="-" if r == n - 1 else ":",
                                    label=labels[k] if r == n - 1 else None)
                    self.lines.append((ax, r, k, ln))
            ax.legend(loc="upper right", ncols=2, frameon=False, handlelength=1.2,
                      borderaxespad=0.1, columnspacing=0.8)
            self.placeholders.append(ax.text(0.5, 0.45, "no steps yet", ha="center",
                                             va="center", color="0.5",
                                             transform=ax.transAxes))
            ax.set(xlim=(0, 10), ylim=(0, 1))
        for ax in (self.curve_axes if n > 1 else self.curve_axes[-1:]):
            ax.set_xlabel("G steps")
        if n == 1:
            for ax in self.curve_axes[:-1]:
                ax.tick_params(labelbottom=False)

    # -- updates -----------------------------------------------------------------------------
    def update(self, runs):
        """Move every artist to the runs' current state (no new artists)."""
        with book_style():
            for p, run, title in zip(self.panels, runs, self.titles):
                x_fake = run.fakes(64 if self.kind == "images" else 512)
                text = run.readout(x_fake)
                text = f"{title}: {text}" if title else text
                if self.kind == "2d":
                    p["view"].update(p["x_real"], x_fake.cpu(), D=run.D, G=run.G)
                elif self.kind == "1d":
                    p["view"].update(x_fake.cpu(), D=run.D)
                else:
                    self._update_images(p, x_fake)
                p["ax"].set_title(text, fontsize=MIN_FONT_PT)
            if self.kind == "2d":   # one arrow scale for all panels: saturation shows
                norm = max(p["view"].arrow_max for p in self.panels)
                for p in self.panels:
                    p["view"].rescale_arrows(norm)
            self._update_curves(runs)
        self.n_draws += 1

    def _update_curves(self, runs):
        for ax, r, k, ln in self.lines:
            c = runs[r].curves
            stride = max(1, len(c["step"]) // 1500)
            ln.set_data(c["step"][::stride], c[k][::stride])
        for ax, text in zip(self.curve_axes, self.placeholders):
            ys = [np.asarray(ln.get_ydata(), dtype=float) for a, _, _, ln in self.lines
                  if a is ax]
            ys = np.concatenate(ys) if ys else np.zeros(0)
            ys = ys[np.isfinite(ys)]
            text.set_visible(len(ys) == 0)
            if len(ys) == 0:               # no step yet: a labelled empty panel, not ±0.04
                ax.set(xlim=(0, 10), ylim=(0, 1))
                continue
            last = max(max((ln.get_xdata()[-1] for a, _, _, ln in self.lines
                            if a is ax and len(ln.get_xdata())), default=1), 1)
            lo, hi = float(ys.min()), float(ys.max())
            pad = max(0.08 * (hi - lo), 0.05 * max(abs(hi), abs(lo), 1e-3))
            ax.set(xlim=(0, max(10, last)), ylim=(lo - pad, hi + 2.2 * pad))

    def _update_images(self, p, x_fake):
        imgs = x_fake[:64].cpu().reshape(8, 8, 8, 8).permute(0, 2, 1, 3).reshape(64, 64)
        p["img"].set_data(imgs.numpy())

    def png(self):
        """The figure as PNG bytes (Agg). zlib level 1: a quarter of a redraw's time less than
        the default level 6 for a ~25 % larger image (tens of kB, sent locally)."""
        buf = io.BytesIO()
        self.fig.canvas.print_png(buf, pil_kwargs={"compress_level": 1})
        return buf.getvalue()
