"""1D figures: p_data, the generator's samples and density, D(x) and the optimal D*(x).

* :class:`Plot1D` — build once, then :meth:`Plot1D.update` every frame (animations of
  chapters 2, 3 and 4, and the lab's 1D panel in ``ganlib.lab_views``).
* :func:`plot_density_1d` — one static frame (chapters 1 and 3).

Densities on the left axis (y ticks "density"), D on a right axis with ticks 0, ½, 1. The
colours are :data:`ganlib.style.COLORS`; D* is :func:`ganlib.theory.dstar_from_densities`
(½ where both densities vanish). Re-exported by :mod:`ganlib.plots`.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from . import theory
from ._plot_common import RAW_SCORE_LOSSES, check_loss, d_values, density, module_device, to_numpy
from .style import COLORS

__all__ = ["Plot1D", "plot_density_1d"]

_HEADROOM = 1.45  # the top ~30 % of both axes stays free for the legend


def _kde(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Gaussian KDE of 1D samples x (n,) on grid (m,), Silverman's bandwidth -> (m,)."""
    bw = 1.06 * max(float(np.std(x)), 1e-3) * len(x) ** -0.2
    u = (grid[:, None] - x[None, :]) / bw                                   # (m, n)
    return np.exp(-0.5 * u**2).mean(1) / (bw * math.sqrt(2 * math.pi))


def _default_range(p_data, seed) -> tuple[float, float]:
    """p_data's 0.1 %–99.9 % sample quantiles padded by a quarter of their span."""
    if not hasattr(p_data, "sample"):
        return -5.0, 5.0
    s = to_numpy(p_data.sample(4000, generator=torch.Generator().manual_seed(seed)))
    lo, hi = np.quantile(s.reshape(-1), [0.001, 0.999])
    pad = 0.25 * (hi - lo) + 1e-3
    return float(lo - pad), float(hi + pad)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


class Plot1D:
    """Reusable 1D view: p_data, a histogram of G(z), the model density, D(x) and D*(x).

    Build once, then call :meth:`update` per frame; it sets new data on the same artists.
    Left axis: densities (p_data, the histogram of the fakes normalised by *all* samples, the
    model density p_g when known — given as ``p_g`` or estimated by a KDE of the fakes with
    ``kde=True``). Right axis: D(x) = sigmoid(logit) in [0, 1] with ticks 0, ½, 1 (a critic's
    raw score f(x) for WGAN-type ``loss``) and, when p_g is known and D is a probability, the
    optimal D*(x) = p_data / (p_data + p_g) (Goodfellow et al. 2014, Prop. 1). The density
    axis is rescaled every frame so that p_g's histogram and curve stay on screen (``y_max``
    fixes it instead). Chapters 2, 3, 4 and the training lab.

    Args:
        ax: Matplotlib Axes.
        p_data: a Distribution with ``.pdf`` (and ``.sample``) or a callable density.
        x_range: (lo, hi); default: p_data's 0.1 %–99.9 % sample quantiles, padded.
        p_g: the model density (Distribution or callable), if known.
        loss: a name of :data:`ganlib.losses.LOSSES` (how D's output is shown).
        bins: histogram bins over x_range. n_points: grid points of the curves.
        kde: estimate p_g by a Gaussian KDE of the fakes (and draw D* from it).
        D_star: draw D* when p_g is known. y_max: fixed top of the density axis.
        legend: draw the legend (top left, in the axes' free top band).
        labels: dict overriding legend labels (keys p_data, hist, p_g, D, D_star).
    """

    def __init__(self, ax, p_data, x_range=None, p_g=None, loss="nonsaturating", bins=60,
                 n_points=300, kde=False, D_star=True, y_max=None, legend=True, labels=None,
                 seed=0):
        self.ax, self.p_data, self.loss = ax, p_data, check_loss(loss)
        if not (hasattr(p_data, "pdf") or callable(p_data)):
            raise TypeError(f"p_data={p_data!r} must be a Distribution (with .pdf) or a "
                            "callable density")
        lo, hi = _default_range(p_data, seed) if x_range is None else x_range
        if not (math.isfinite(float(lo)) and math.isfinite(float(hi)) and lo < hi):
            raise ValueError(f"x_range={x_range!r} must be (lo, hi), finite, with lo < hi")
        if y_max is not None and not (math.isfinite(float(y_max)) and y_max > 0):
            raise ValueError(f"y_max={y_max!r} must be None or a finite number > 0")
        self.x_range, self.y_max = (float(lo), float(hi)), y_max
        self.edges = np.linspace(lo, hi, _check_int("bins", bins, 1) + 1)   # (bins + 1,)
        self.x = np.linspace(lo, hi, _check_int("n_points", n_points, 2))   # (n_points,)
        self.kde, self.show_D_star, self.show_legend = bool(kde), bool(D_star), legend
        self.labels = {"p_data": r"$p_{data}$", "hist": r"histogram of $G(z)$",
                       "p_g": r"$p_g$ (KDE of $G(z)$)" if kde else r"$p_g$",
                       "D": "critic $f(x)$" if loss in RAW_SCORE_LOSSES else "$D(x)$",
                       "D_star": r"$D^*(x)$", **(labels or {})}
        self.p_data_x = density(p_data, torch.as_tensor(self.x))           # (n_points,)
        (self.p_data_line,) = ax.plot(self.x, self.p_data_x, color=COLORS["data"], lw=2,
                                      label=self.labels["p_data"], zorder=3)
        self.hist = self.p_g_line = self.ax_D = self.D_line = self.D_star_line = None
        self.p_g_x = None
        spec = ax.get_subplotspec()
        ax.set(xlim=self.x_range, ylabel="density",
               xlabel="x" if spec is None or spec.is_last_row() else "")  # stacked: bottom only
        self._set_density_top(0.0)
        if p_g is not None:
            self._set_p_g(density(p_g, torch.as_tensor(self.x)))
        self._legend()

    # -- artists, created on first use --------------------------------------------------------
    def _set_p_g(self, values):
        self.p_g_x = values
        if self.p_g_line is None:
            (self.p_g_line,) = self.ax.plot(self.x, values, color=COLORS["model"], lw=2,
                                            label=self.labels["p_g"], zorder=3)
        else:
            self.p_g_line.set_ydata(values)

    def _twin(self):
        if self.ax_D is None:
            ax_D = self.ax_D = self.ax.twinx()
            if self.loss in RAW_SCORE_LOSSES:
                ax_D.set_ylabel("critic f(x)")
            else:
                ax_D.set(ylim=(-0.02, _HEADROOM), yticks=[0, 0.5, 1], ylabel="D(x)")
                ax_D.axhline(0.5, color="0.6", lw=0.8, ls=":", zorder=0)
        return self.ax_D

    def _legend(self):
        if not self.show_legend:
            return
        handles = [a for a in (self.p_data_line, self.hist, self.p_g_line, self.D_line,
                               self.D_star_line) if a is not None]
        top = self.ax_D if self.ax_D is not None else self.ax       # drawn above the curves
        if self.ax_D is not None and self.ax.get_legend() is not None:
            self.ax.get_legend().remove()
        top.legend(handles, [h.get_label() for h in handles], loc="upper left",
                   ncols=min(3, len(handles)), framealpha=0.85, borderaxespad=0.3,
                   handlelength=1.5, columnspacing=1.0)

    def _set_density_top(self, peak):
        top = self.y_max if self.y_max is not None else _HEADROOM * max(
            peak, float(np.max(self.p_data_x)), 1e-6)
        self.ax.set_ylim(0.0, top)

    def _d_on_grid(self, D) -> np.ndarray:
        """D at the view's grid ``self.x``: a module / callable (logits), or values already
        computed there (array or tensor of shape (n_points,), shown as given)."""
        if torch.is_tensor(D) or isinstance(D, (np.ndarray, list, tuple)):
            d = to_numpy(D).astype(float).reshape(-1)
            if d.shape != self.x.shape:
                raise ValueError(f"D has {d.size} values; values of D must be given at the "
                                 f"view's {len(self.x)} grid points (Plot1D.x)")
            return d
        if not callable(D):
            raise TypeError(f"D={D!r} must be a module, a callable or an array of D values")
        return d_values(D, torch.as_tensor(self.x, dtype=torch.float32)[:, None],
                        self.loss).numpy()

    # -- public ---------------------------------------------------------------------------------
    def update(self, x_fake=None, D=None, p_g=None, title=None):
        """Redraw with new fakes G(z) ((n,) or (n, 1)), a new D (a module giving logits, or
        D's values at the grid ``self.x``) and/or a new model density ``p_g``; returns the
        artists (for animations)."""
        created = False
        peak = 0.0
        if x_fake is not None:
            xf = to_numpy(x_fake).astype(float).reshape(-1)
            xf = xf[np.isfinite(xf)]
            if len(xf) == 0:
                raise ValueError("x_fake must hold at least one finite sample")
            counts, _ = np.histogram(xf, bins=self.edges)
            heights = counts / (len(xf) * np.diff(self.edges))              # density, (bins,)
            peak = float(heights.max())
            if self.hist is None:
                self.hist = self.ax.stairs(heights, self.edges, fill=True, alpha=0.35,
                                           color=COLORS["model"], label=self.labels["hist"],
                                           zorder=1)
                created = True
            else:
                self.hist.set_data(heights)
            if self.kde:
                created |= self.p_g_line is None
                self._set_p_g(_kde(xf, self.x))
        if p_g is not None:
            created |= self.p_g_line is None
            self._set_p_g(density(p_g, torch.as_tensor(self.x)))
        if self.p_g_x is not None:
            peak = max(peak, float(np.max(self.p_g_x)))
        self._set_density_top(peak)
        if D is not None:
            d = self._d_on_grid(D)
            ax_D = self._twin()
            if self.D_line is None:
                (self.D_line,) = ax_D.plot(self.x, d, color=COLORS["D"], lw=2,
                                           label=self.labels["D"], zorder=4)
                created = True
            else:
                self.D_line.set_ydata(d)
            if self.loss in RAW_SCORE_LOSSES:
                lo, hi = float(d.min()), float(d.max())
                pad = 0.1 * (hi - lo) + 1e-3
                ax_D.set_ylim(lo - pad, hi + (_HEADROOM - 0.9) * (hi - lo) + pad)
        if (self.show_D_star and self.p_g_x is not None
                and self.loss not in RAW_SCORE_LOSSES):
            d_star = theory.dstar_from_densities(self.p_data_x, self.p_g_x)
            if self.D_star_line is None:
                (self.D_star_line,) = self._twin().plot(
                    self.x, d_star, color=COLORS["D_star"], lw=2, ls=":",
                    label=self.labels["D_star"], zorder=5)
                created = True
            else:
                self.D_star_line.set_ydata(d_star)
        if created:
            self._legend()
        if title is not None:
            self.ax.set_title(title)
        return [a for a in (self.hist, self.p_g_line, self.D_line, self.D_star_line)
                if a is not None]


def plot_density_1d(ax, p_data, G=None, D=None, D_star=True, p_g=None, x_range=None,
                    n_samples=20000, n_points=400, bins=80, loss="nonsaturating", seed=0):
    """Data density, model density, D(x) and D*(x) on a 1D axis (Chapters 1, 3, 4).

    One static frame of :class:`Plot1D`: p_data(x); the generator's samples G(z),
    z ~ N(0, I), as a density histogram (if ``G``); the model density p_g(x) (if known,
    ``p_g``); D(x) = sigmoid(D's logit) on a right axis in [0, 1] (if ``D``; a raw score for
    WGAN-type ``loss``); and the optimal discriminator D*(x) = p_data(x) / (p_data(x) +
    p_g(x)) when ``D_star`` and p_g is known.

    Args:
        ax: Matplotlib Axes.
        p_data: a Distribution with ``.pdf`` (and ``.sample``) or a callable density.
        G: generator mapping (n, latent_dim) -> (n, 1); latent_dim from ``G.latent_dim`` or 1.
        D: discriminator mapping (n, 1) -> (n,) logits.
        p_g: the model density, a Distribution or callable (e.g. in Chapter 3's exercises).
        x_range: (lo, hi); default: p_data's 0.1%–99.9% sample quantiles, padded.
        n_samples: generator samples for the histogram; n_points: grid points for curves.
    Returns:
        dict of the artists: ``p_data``, ``hist`` (a StepPatch), ``p_g``, ``D``, ``D_star``
        (lines, or None), ``ax_D`` (the right axis, or None) and ``view`` (the Plot1D).
    """
    view = Plot1D(ax, p_data, x_range=x_range, p_g=p_g, loss=loss, bins=bins,
                  n_points=n_points, D_star=D_star, seed=seed)
    x_fake = None
    if G is not None:
        dev, dt = module_device(G)
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(_check_int("n_samples", n_samples, 1), getattr(G, "latent_dim", 1),
                        generator=g)
        with torch.no_grad():
            x_fake = G(z.to(dev, dt))
    view.update(x_fake, D=D)
    return dict(p_data=view.p_data_line, hist=view.hist, p_g=view.p_g_line, D=view.D_line,
                D_star=view.D_star_line, ax_D=view.ax_D, view=view)
