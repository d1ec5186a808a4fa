"""Runs and views behind the training lab (issue 6; embedded in chapters 2, 3, 4, 5 and 7).

`LabRun` wraps one `ganlib.train.Trainer` with the curves the lab plots; `LabView` draws one or
two runs into a matplotlib figure (Agg, no pyplot, no ipympl) whose artists are created once and
only updated afterwards, so a redraw costs one PNG encode. The static book's recording is
`ganlib.lab_record`; the widget is `ganlib.widgets`."""
from __future__ import annotations

import contextlib
import io
import math
import os
import sys

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .losses import LOSSES, SIGMOID_LOSSES

__all__ = ["LabRun", "LabView", "kind_of", "torch_threads", "wants_static"]

ONE_D, IMAGES = ("gaussian", "mixture1d"), ("digits",)
SCORE_LOSSES = tuple(n for n in LOSSES if n not in SIGMOID_LOSSES)  # D outputs a raw score


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

    CONFIG_FIELDS = ("loss", "batch_size", "n_critic", "lr_d", "lr_g", "optimizer", "betas",
                     "clip_value", "gp_weight", "label_smoothing", "instance_noise", "prior",
                     "seed")

    def __init__(self, knobs, data=None):
        import ganlib
        from ganlib import data as gdata, models, train
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
        cfg = {k: knobs[k] for k in self.CONFIG_FIELDS if k in knobs}
        cfg["clip_value"] = cfg.get("clip_value") or None
        cfg["betas"] = tuple(cfg.get("betas", (0.5, 0.999)))
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


def _kde(x, grid):
    """Gaussian KDE of 1D samples x (n,) on grid (m,) with Silverman's bandwidth."""
    bw = 1.06 * x.std().clamp_min(1e-3) * len(x) ** -0.2
    u = (grid[:, None] - x[None, :]) / bw                                     # (m, n)
    return torch.exp(-0.5 * u ** 2).mean(1) / (bw * math.sqrt(2 * math.pi))


class LabView:
    """Figure of one or two runs: the data panel per run plus shared curves.

    2D: real/fake samples over D's heat map, G's gradient arrows and warped latent grid.
    1D: p_data, p_G (KDE), D(x) and D*(x). Images: a grid from fixed z.
    Curves: both losses, mean D(x) and D(G(z)), ‖∇G‖. `update(runs)` moves existing artists
    only; `png()` renders the figure (Agg) to PNG bytes.
    """

    def __init__(self, runs, dpi=72, titles=None):
        self.kind = runs[0].kind
        self.dpi = dpi
        n = len(runs)
        self.fig = Figure(figsize=(4.2 * n + 3.6, 4.0), dpi=dpi)
        FigureCanvasAgg(self.fig)
        gs = self.fig.add_gridspec(3, n + 1, width_ratios=[1.0] * n + [0.85],
                                   left=0.04, right=0.98, bottom=0.1, top=0.9,
                                   wspace=0.22, hspace=0.55)
        self.main = [self.fig.add_subplot(gs[:, i]) for i in range(n)]
        self.curve_axes = [self.fig.add_subplot(gs[0, n])]
        self.curve_axes += [self.fig.add_subplot(gs[r, n], sharex=self.curve_axes[0])
                            for r in (1, 2)]
        self.titles = titles or ([""] if n == 1 else ["pinned", "current"])
        self.panels = [self._make_panel(ax, run) for ax, run in zip(self.main, runs)]
        self._make_curves(n)
        self.n_draws = 0

    # -- construction ------------------------------------------------------------------------
    def _make_panel(self, ax, run):
        ax.set_xticks([]), ax.set_yticks([])
        p = {"ax": ax}
        g = torch.Generator().manual_seed(1)
        if self.kind == "2d":
            x_real = run.data.sample(512, generator=g).cpu().numpy()
            lim = 1.2 * float(np.abs(x_real).max())
            ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim), ax.set_aspect("equal")
            s = np.linspace(-lim, lim, 40)
            gx, gy = np.meshgrid(s, s)
            p["grid"] = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
            p["heat"] = ax.imshow(np.zeros((40, 40)), extent=(-lim, lim, -lim, lim),
                                  origin="lower", cmap="RdBu_r", alpha=0.55, vmin=0, vmax=1)
            ax.scatter(x_real[:, 0], x_real[:, 1], s=4, c="tab:green", label="real x")
            p["fake"] = ax.scatter([], [], s=4, c="tab:purple", label="G(z)")
            p["quiver"] = ax.quiver(np.zeros(64), np.zeros(64), np.zeros(64), np.zeros(64),
                                    angles="xy", scale_units="xy", scale=1.0, width=0.004,
                                    color="k", alpha=0.7)
            p["arrow_len"] = 0.12 * lim
            p["manifold"] = LineCollection([], colors="0.3", linewidths=0.5, alpha=0.6)
            ax.add_collection(p["manifold"])
            ax.legend(loc="lower left", fontsize=7, markerscale=2, framealpha=0.6)
        elif self.kind == "1d":
            lo, hi = run.x_range
            t = torch.linspace(lo, hi, 300)
            p["t"] = t
            p_data = run.data.pdf(t.unsqueeze(1)).flatten()
            p["p_data"] = p_data
            ax.set_xticks(np.round(np.linspace(lo, hi, 5), 1))
            ax.plot(t, p_data, c="tab:green", label="p_data")
            (p["p_g"],) = ax.plot(t, np.zeros(300), c="tab:purple", label="p_G")
            ax.set_ylim(0, 1.6 * float(p_data.max())), ax.set_xlim(lo, hi)
            ax2 = ax.twinx()
            ax2.set_ylim(-0.02, 1.02), ax2.tick_params(labelsize=7)
            (p["d"],) = ax2.plot(t, np.zeros(300), c="tab:blue", label="D(x)")
            (p["d_star"],) = ax2.plot(t, np.zeros(300), c="tab:blue", ls="--", label="D*(x)")
            ax.legend(loc="upper left", fontsize=7), ax2.legend(loc="upper right", fontsize=7)
        else:
            p["img"] = ax.imshow(np.zeros((64, 64)), cmap="gray", vmin=-1, vmax=1)
        return p

    def _make_curves(self, n):
        names = [("loss_d", "loss_g"), ("d_real", "d_fake"), ("grad_norm_g",)]
        labels = {"loss_d": "loss D", "loss_g": "loss G", "d_real": "D(x)",
                  "d_fake": "D(G(z))", "grad_norm_g": "‖∇G‖"}
        colors = {"loss_d": "tab:blue", "loss_g": "tab:purple", "d_real": "tab:green",
                  "d_fake": "tab:red", "grad_norm_g": "k"}
        self.lines = []
        for ax, keys in zip(self.curve_axes, names):
            ax.tick_params(labelsize=7, labelbottom=ax is self.curve_axes[-1])
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(3))
            for r in range(n):
                for k in keys:
                    (ln,) = ax.plot([], [], c=colors[k], lw=1, ls="-" if r == n - 1 else ":",
                                    label=labels[k] if r == n - 1 else None)
                    self.lines.append((ax, r, k, ln))
            ax.legend(fontsize=6, loc="upper right", ncol=2, frameon=False)
        self.curve_axes[-1].set_xlabel("G steps", fontsize=7)

    # -- updates -----------------------------------------------------------------------------
    def update(self, runs):
        """Move every artist to the runs' current state (no new artists)."""
        for p, run, title in zip(self.panels, runs, self.titles):
            x_fake = run.fakes(64 if self.kind == "images" else 512)
            text = run.readout(x_fake)
            p["ax"].set_title(f"{title}: {text}" if title else text, fontsize=8)
            getattr(self, "_update_" + self.kind)(p, run, x_fake)
        if self.kind == "2d":
            self._scale_arrows()
        for ax, r, k, ln in self.lines:
            c = runs[r].curves
            step = len(c["step"])
            stride = max(1, step // 1500)
            ln.set_data(c["step"][::stride], c[k][::stride])
        for ax in self.curve_axes:
            ax.relim(), ax.autoscale_view()
        self.n_draws += 1

    def _d_out(self, run, x):
        out = run.D(x).flatten()
        return out if run.knobs["loss"] in SCORE_LOSSES else torch.sigmoid(out)

    def _update_2d(self, p, run, x_fake):
        dev = run.device
        with torch.no_grad():
            h = self._d_out(run, p["grid"].to(dev)).cpu().reshape(40, 40).numpy()
        p["heat"].set_data(h)
        if run.knobs["loss"] in SCORE_LOSSES:
            lo, hi = np.percentile(h, [2, 98])
            p["heat"].set_clim(lo, hi if hi > lo else lo + 1e-6)
        xf = x_fake.cpu().numpy()
        p["fake"].set_offsets(xf)
        # G's gradient arrows −∇_x L_G at x = G(z), for the run's own generator loss; scaled in
        # update() by one factor shared by all panels, so a saturated (minimax) generator's arrows
        # are visibly shorter than a non-saturating one's beside it.
        x = x_fake[:64].clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(LOSSES[run.knobs["loss"]].g_loss(run.D(x).flatten()), x)
        p["uv"] = -grad.cpu().numpy()
        p["quiver"].set_offsets(xf[:64])
        p["manifold"].set_segments(self._manifold(run))

    def _scale_arrows(self):
        norm = max(np.linalg.norm(p["uv"], axis=1).max() for p in self.panels if "uv" in p) + 1e-12
        for p in self.panels:
            if "uv" in p:
                uv = p.pop("uv") / norm * p["arrow_len"]
                p["quiver"].set_UVC(uv[:, 0], uv[:, 1])

    @torch.no_grad()
    def _manifold(self, run, n_lines=9, n_pts=25):
        """G applied to a grid of lines in the first two latent coordinates (others 0)."""
        r = 1.0 if run.config.prior == "uniform" else 2.0
        s = torch.linspace(-r, r, n_pts)
        c = torch.linspace(-r, r, n_lines)
        latent = run.G.latent_dim
        z = torch.zeros(2, n_lines, n_pts, latent)
        z[0, :, :, 0] = s[None, :]
        z[0, :, :, min(1, latent - 1)] = c[:, None]
        z[1, :, :, 0] = c[:, None]
        z[1, :, :, min(1, latent - 1)] = s[None, :]
        x = run.G(z.reshape(-1, latent).to(run.device)).cpu().reshape(2 * n_lines, n_pts, 2)
        return list(x.numpy())

    def _update_1d(self, p, run, x_fake):
        t = p["t"]
        p_g = _kde(x_fake.cpu().flatten(), t)
        p["p_g"].set_ydata(p_g.numpy())
        with torch.no_grad():
            d = self._d_out(run, t.unsqueeze(1).to(run.device)).cpu()
        if run.knobs["loss"] in SCORE_LOSSES:      # raw critic score: rescale to [0, 1]
            d = (d - d.min()) / (d.max() - d.min() + 1e-12)
        p["d"].set_ydata(d.numpy())
        p["d_star"].set_ydata((p["p_data"] / (p["p_data"] + p_g + 1e-12)).numpy())

    def _update_images(self, p, run, x_fake):
        imgs = x_fake[:64].cpu().reshape(8, 8, 8, 8).permute(0, 2, 1, 3).reshape(64, 64)
        p["img"].set_data(imgs.numpy())

    def png(self):
        """The figure as PNG bytes (Agg)."""
        buf = io.BytesIO()
        self.fig.canvas.print_png(buf)
        return buf.getvalue()
