"""The book's figures and animations (all chapters).

* :func:`plot_density_1d` — p_data, the generator's density, D(x) and the optimal D*
  (Chapters 1, 3, 4).
* :class:`Plot2D` / :func:`plot_2d` — 2D real and fake points over D's heat map, the generator's
  gradient arrows −∇_x L_G at the fakes and the warped latent grid G(grid), as in GAN Lab
  (Chapters 2, 4, 5, 7). ``Plot2D.update`` sets data on existing artists (fast live redraws).
* :func:`plot_history` — losses, D(x) & D(G(z)), ‖∇G‖ and the Wasserstein estimate.
* :func:`image_grid` — tile images into one array (Chapter 6). :func:`~ganlib.animation.animate`,
  :func:`~ganlib.animation.to_html` (re-exported from :mod:`ganlib.animation`) — a FuncAnimation and its JavaScript HTML, which plays in the static book without a kernel.

Only the object-oriented Matplotlib API is used (safe with the Agg backend; never plt.show).
"""
from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401  (registers Jupyter's inline figure display)
import numpy as np
import torch
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from .animation import animate, offline_controls, to_html  # re-exported: chapters call plots.to_html
from .losses import LOSSES, SIGMOID_LOSSES

__all__ = ["plot_density_1d", "Plot2D", "plot_2d", "plot_history", "image_grid", "animate",
           "to_html", "offline_controls"]

_RAW_SCORE_LOSSES = tuple(n for n in LOSSES if n not in SIGMOID_LOSSES)  # D outputs a score


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _module_device(m):
    try:
        p = next(m.parameters())
        return p.device, p.dtype
    except (StopIteration, AttributeError):
        return torch.device("cpu"), torch.float32


def _density(p, x: torch.Tensor) -> np.ndarray:
    """Evaluate a Distribution (``.pdf``) or a callable density at x (n,) -> numpy (n,)."""
    f = p.pdf if hasattr(p, "pdf") else p
    try:
        out = f(x)
    except Exception:  # a callable that wants (n, 1)
        out = f(x.unsqueeze(1))
    return _np(out).reshape(-1).astype(float)


def plot_density_1d(ax, p_data, G=None, D=None, D_star=True, p_g=None, x_range=None,
                    n_samples=20000, n_points=400, bins=80, loss="nonsaturating", seed=0):
    """Data density, model density, D(x) and D*(x) on a 1D axis (Chapters 1, 3, 4).

    Draws p_data(x) (black); the generator's samples G(z), z ~ N(0, I), as a density histogram
    (if ``G``); the model density p_g(x) (if known, ``p_g``); D(x) = sigmoid(D's logit) on a
    twin axis in [0, 1] (if ``D``; raw score for WGAN-type ``loss``); and the optimal
    discriminator D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al. 2014, Prop. 1)
    when ``D_star`` and both densities are known.

    Args:
        ax: Matplotlib Axes.
        p_data: a Distribution with ``.pdf`` (and ``.sample``) or a callable density.
        G: generator mapping (n, latent_dim) -> (n, 1); latent_dim from ``G.latent_dim`` or 1.
        D: discriminator mapping (n, 1) -> (n,) logits.
        p_g: the model density, a Distribution or callable (e.g. in Chapter 3's exercises).
        x_range: (lo, hi); default: p_data's 0.1%–99.9% sample quantiles, padded.
        n_samples: generator samples for the histogram; n_points: grid points for curves.
    Returns:
        dict of the artists: ``p_data``, ``hist`` (bar container), ``p_g``, ``D``, ``D_star``
        (lines, or None) and ``ax_D`` (the twin axis, or None).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not one of {', '.join(map(repr, LOSSES))}")
    g = torch.Generator().manual_seed(seed)
    if x_range is None:
        if hasattr(p_data, "sample"):
            s = _np(p_data.sample(4000, generator=g)).reshape(-1)
            lo, hi = np.quantile(s, [0.001, 0.999])
            pad = 0.25 * (hi - lo) + 1e-3
            x_range = (lo - pad, hi + pad)
        else:
            x_range = (-5.0, 5.0)
    lo, hi = map(float, x_range)
    if not lo < hi:
        raise ValueError(f"x_range={x_range!r} must be (lo, hi) with lo < hi")
    xs = torch.linspace(lo, hi, n_points)
    art, pd = dict(hist=None, p_g=None, D=None, D_star=None, ax_D=None), _density(p_data, xs)
    (art["p_data"],) = ax.plot(xs.numpy(), pd, color="black", lw=2, label=r"$p_{data}$")
    if G is not None:
        dev, dt = _module_device(G)
        z = torch.randn(n_samples, getattr(G, "latent_dim", 1), generator=g).to(dev, dt)
        with torch.no_grad():
            x_fake = _np(G(z)).reshape(-1)
        art["hist"] = ax.hist(x_fake, bins=bins, range=(lo, hi), density=True, color="tab:green",
                              alpha=0.4, label=r"$G(z)$ samples")[2]
    if p_g is not None:
        (art["p_g"],) = ax.plot(xs.numpy(), _density(p_g, xs), color="tab:green", lw=2, label=r"$p_g$")
    ax.set(xlim=(lo, hi), ylim=(0, None), xlabel="x", ylabel="density")
    if D is not None or (D_star and p_g is not None):
        ax_D = art["ax_D"] = ax.twinx()
        ax_D.set_ylabel("D(x)")
        if D is not None:
            dev, dt = _module_device(D)
            with torch.no_grad():
                out = D(xs.unsqueeze(1).to(dev, dt)).reshape(-1)   # (n_points, 1) -> (n_points,)
                out = out if loss in _RAW_SCORE_LOSSES else torch.sigmoid(out)
            (art["D"],) = ax_D.plot(xs.numpy(), _np(out), color="tab:blue", ls="--", lw=2, label="D(x)")
        if D_star and p_g is not None:
            pg = _density(p_g, xs)
            d_star = pd / np.maximum(pd + pg, 1e-300)
            (art["D_star"],) = ax_D.plot(xs.numpy(), d_star, color="tab:red", ls=":", lw=2,
                                         label=r"$D^*(x)$")
        if loss not in _RAW_SCORE_LOSSES:
            ax_D.set_ylim(0, 1.02)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax_D.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper right", fontsize="small")
    else:
        ax.legend(loc="upper right", fontsize="small")
    return art


class Plot2D:
    """Reusable 2D view: D's heat map, real/fake points, G's gradient arrows, warped latent grid.

    Build once, then call :meth:`update` every frame: it only sets new data on existing artists
    (``imshow.set_data``, ``scatter.set_offsets``, ``quiver.set_UVC``,
    ``LineCollection.set_segments``), so a redraw of 512 points and a 60×60 heat map is cheap.
    Chapters 2, 4, 5, 7 and :mod:`ganlib.widgets`.

    Arrows: −∇_x ℓ_G(D(x)) at the fakes x = G(z), ℓ_G the generator loss ``ganlib.losses.LOSSES[loss].g_loss`` (as in GAN
    Lab), scaled so the longest is ``arrow_length`` × the axis width. Latent grid: G applied to
    ``grid_lines`` lines spanning ``latent_range`` per latent axis (only if G.latent_dim == 2).

    Args:
        ax: Matplotlib Axes.
        x_range, y_range: fixed axis limits; default: from the first real batch, padded 15%.
        resolution: heat-map pixels per side (60 → 3,600 D evaluations).
        loss: generator loss for the arrows; WGAN-type losses show D's raw score.
        arrows, latent_grid, heatmap: which layers to draw.
        n_arrows: at most this many fakes get an arrow.
    """

    def __init__(self, ax, x_range=None, y_range=None, resolution=60, loss="nonsaturating",
                 arrows=True, latent_grid=True, heatmap=True, n_arrows=128, arrow_length=0.08,
                 grid_lines=11, latent_range=(-2.5, 2.5), point_size=6):
        if loss not in LOSSES:
            raise ValueError(f"loss={loss!r} is not one of {', '.join(map(repr, LOSSES))}")
        if not (isinstance(resolution, int) and resolution >= 2):
            raise ValueError(f"resolution={resolution!r} must be an integer >= 2")
        self.ax, self.loss, self.resolution = ax, loss, resolution
        self.x_range, self.y_range = x_range, y_range
        self.show_arrows, self.show_grid, self.show_heatmap = arrows, latent_grid, heatmap
        self.n_arrows, self.arrow_length = n_arrows, arrow_length
        self.grid_lines, self.latent_range, self.point_size = grid_lines, latent_range, point_size
        self.heatmap = self.real = self.fake = self.quiver = self.grid = self.colorbar = None
        self._grid_xy = None

    # -- helpers
    def _init_limits(self, x_real):
        xr = _np(x_real)
        lo, hi = xr.min(0), xr.max(0)
        pad = 0.15 * (hi - lo) + 0.1
        if self.x_range is None:
            self.x_range = (float(lo[0] - pad[0]), float(hi[0] + pad[0]))
        if self.y_range is None:
            self.y_range = (float(lo[1] - pad[1]), float(hi[1] + pad[1]))
        self.ax.set(xlim=self.x_range, ylim=self.y_range)
        self.ax.set_aspect("equal", adjustable="box")
        r = self.resolution
        gx, gy = torch.linspace(*self.x_range, r), torch.linspace(*self.y_range, r)
        yy, xx = torch.meshgrid(gy, gx, indexing="ij")
        self._grid_xy = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)  # (r*r, 2)

    def _d_map(self, D) -> np.ndarray:
        dev, dt = _module_device(D)
        with torch.no_grad():
            out = D(self._grid_xy.to(dev, dt)).reshape(-1)          # (r*r, 2) -> (r*r,)
            if self.loss not in _RAW_SCORE_LOSSES:
                out = torch.sigmoid(out)
        return _np(out).reshape(self.resolution, self.resolution)

    def _arrows(self, D, x_fake):
        dev, dt = _module_device(D)
        x = torch.as_tensor(_np(x_fake[: self.n_arrows]), device=dev, dtype=dt).requires_grad_(True)
        with torch.enable_grad():
            loss = LOSSES[self.loss].g_loss(D(x).reshape(-1))           # batch mean: arrows are
            (grad,) = torch.autograd.grad(loss, x)                       # rescaled below anyway
        v = -_np(grad)                                                   # (n, 2)
        norm = np.linalg.norm(v, axis=1).max()
        width = self.x_range[1] - self.x_range[0]
        scale = self.arrow_length * width / norm if norm > 0 else 0.0
        return _np(x.detach()), v * scale

    def _latent_segments(self, G):
        dev, dt = _module_device(G)
        lo, hi = self.latent_range
        t = torch.linspace(lo, hi, 40)
        c = torch.linspace(lo, hi, self.grid_lines)
        tt, cc = torch.meshgrid(c, t, indexing="ij")                    # (L, 40)
        horiz = torch.stack([tt, cc], -1)                                # lines of constant z1
        vert = torch.stack([cc, tt], -1)                                 # lines of constant z2
        z = torch.cat([horiz, vert]).reshape(-1, 2)                      # (2L*40, 2)
        with torch.no_grad():
            x = _np(G(z.to(dev, dt)))                                    # (2L*40, 2)
        return x.reshape(2 * self.grid_lines, len(t), 2)

    # -- public
    def update(self, x_real, x_fake, D=None, G=None, title=None):
        """Redraw with new points (n, 2) and, optionally, new D and G; returns the artists."""
        ax = self.ax
        if self._grid_xy is None:
            self._init_limits(x_real)
        if self.show_heatmap and D is not None:
            img = self._d_map(D)
            if self.heatmap is None:
                raw = self.loss in _RAW_SCORE_LOSSES
                self.heatmap = ax.imshow(img, origin="lower", extent=(*self.x_range, *self.y_range),
                                         cmap="RdBu" if not raw else "PuOr", alpha=0.75,
                                         vmin=None if raw else 0.0, vmax=None if raw else 1.0,
                                         interpolation="bilinear", zorder=0, aspect="auto")
            else:
                self.heatmap.set_data(img)
                if self.loss in _RAW_SCORE_LOSSES:
                    self.heatmap.set_clim(float(img.min()), float(img.max()))
        if self.show_grid and G is not None and getattr(G, "latent_dim", None) == 2:
            segs = self._latent_segments(G)
            if self.grid is None:
                self.grid = LineCollection(segs, colors="0.35", linewidths=0.5, alpha=0.6, zorder=1)
                ax.add_collection(self.grid)
            else:
                self.grid.set_segments(segs)
        xr, xf = _np(x_real), _np(x_fake)
        if self.real is None:
            self.real = ax.scatter(xr[:, 0], xr[:, 1], s=self.point_size, c="tab:green",
                                   label="real", zorder=2, linewidths=0)
            self.fake = ax.scatter(xf[:, 0], xf[:, 1], s=self.point_size, c="tab:purple",
                                   label="fake", zorder=3, linewidths=0)
            ax.legend(loc="upper right", fontsize="small", markerscale=2)
        else:
            self.real.set_offsets(xr)
            self.fake.set_offsets(xf)
        if self.show_arrows and D is not None:
            pos, vec = self._arrows(D, xf)
            if self.quiver is None or len(pos) != self.quiver.N:
                if self.quiver is not None:
                    self.quiver.remove()
                self.quiver = ax.quiver(pos[:, 0], pos[:, 1], vec[:, 0], vec[:, 1], angles="xy",
                                        scale_units="xy", scale=1.0, color="black", width=0.003,
                                        zorder=4)
            else:  # Quiver keeps its own copy of the positions (used for angles="xy")
                q = self.quiver
                q.X, q.Y, q.XY = pos[:, 0], pos[:, 1], pos
                q.set_offsets(pos)
                q.set_UVC(vec[:, 0], vec[:, 1])
        if title is not None:
            ax.set_title(title)
        return [a for a in (self.heatmap, self.grid, self.real, self.fake, self.quiver) if a is not None]


def plot_2d(ax, x_real, x_fake, D=None, G=None, arrows=True, grid=True, loss="nonsaturating",
            latent_grid=None, **kwargs) -> Plot2D:
    """One 2D GAN-Lab frame: D's heat map, real/fake points, −∇_x L_G arrows, G(latent grid).

    Thin wrapper: ``Plot2D(ax, loss=loss, arrows=arrows, latent_grid=grid, **kwargs).update(...)``.
    ``latent_grid`` is an alias of ``grid``. Returns the :class:`Plot2D`, whose ``update`` redraws
    the same axes cheaply. Chapters 2, 4, 5, 7.
    """
    show_grid = grid if latent_grid is None else latent_grid
    view = Plot2D(ax, loss=loss, arrows=arrows, latent_grid=show_grid, **kwargs)
    view.update(x_real, x_fake, D=D, G=G)
    return view


_PANELS = (
    ("losses", (("loss_d", "loss D"), ("loss_g", "loss G")), None),
    ("D outputs", (("d_real", "D(x)"), ("d_fake", "D(G(z))")), None),
    (r"$\|\nabla_\theta L_G\|$", (("grad_norm_g", "grad norm G"),), "log"),
    ("Wasserstein estimate", (("wasserstein", r"$E\,D(x) - E\,D(G(z))$"),), None),
)


def _get(history, name):
    if isinstance(history, dict):
        return history.get(name)
    return getattr(history, name, None)


def plot_history(history, axes=None):
    """Training curves in four panels: losses, D(x) & D(G(z)), ‖∇G‖ (log), W estimate.

    Args:
        history: a ``ganlib.train.History`` or any object/dict with lists ``step``, ``loss_d``,
            ``loss_g``, ``d_real``, ``d_fake``, ``grad_norm_g``, ``wasserstein`` (missing or
            empty series are skipped; None/NaN entries are gaps).
        axes: four Axes; default: a new 1×4 figure.
    Returns:
        the Figure. Chapters 2, 4, 5, 7.
    """
    if axes is None:
        fig = Figure(figsize=(14, 3), layout="constrained")
        axes = fig.subplots(1, 4)
    axes = list(np.ravel(axes))
    if len(axes) != 4:
        raise ValueError(f"axes must hold 4 Axes, got {len(axes)}")
    step = _get(history, "step")
    for ax, (title, series, yscale) in zip(axes, _PANELS):
        drawn = False
        for key, label in series:
            y = _get(history, key)
            if y is None or len(y) == 0:
                continue
            y = np.array([np.nan if v is None else float(v) for v in y])
            x = np.asarray(step, dtype=float) if step is not None and len(step) == len(y) else np.arange(len(y))
            ax.plot(x, y, label=label, lw=1.2)
            drawn = True
        ax.set(title=title, xlabel="step")
        if drawn:
            ax.legend(fontsize="small")
            if yscale == "log" and np.nanmin(ax.lines[0].get_ydata()) > 0:
                ax.set_yscale("log")
        else:
            ax.text(0.5, 0.5, "not recorded", ha="center", va="center", transform=ax.transAxes)
    return axes[0].figure


def image_grid(images, nrow=8, padding=1, value_range=(-1.0, 1.0), pad_value=1.0, ax=None):
    """Tile images (B, C, H, W) or (B, H, W) into one array in [0, 1] (Chapter 6).

    Args:
        images: tensor/array; values mapped from ``value_range`` to [0, 1] and clipped.
        nrow: images per row. padding: pixels between tiles (filled with ``pad_value``).
        ax: optional Axes to ``imshow`` the grid into (gray for 1 channel, axis off).
    Returns:
        numpy array (rows·(H+p)+p, nrow·(W+p)+p) for 1 channel, else (..., ..., C).
    """
    x = _np(images).astype(float)
    x = x[:, None] if x.ndim == 3 else x                        # (B, H, W) -> (B, 1, H, W)
    if x.ndim != 4 or x.shape[0] == 0:
        raise ValueError(f"images must have shape (B, C, H, W) or (B, H, W), got {x.shape}")
    if not (isinstance(nrow, int) and nrow >= 1):
        raise ValueError(f"nrow={nrow!r} must be an integer >= 1")
    x = np.clip((x - value_range[0]) / (value_range[1] - value_range[0]), 0.0, 1.0)
    b, c, h, w = x.shape
    ncol = min(nrow, b)
    rows = -(-b // ncol)  # ceil(b / ncol)
    out = np.full((rows * (h + padding) + padding, ncol * (w + padding) + padding, c), pad_value)
    for i in range(b):
        r, q = divmod(i, ncol)
        y0, x0 = padding + r * (h + padding), padding + q * (w + padding)
        out[y0:y0 + h, x0:x0 + w] = x[i].transpose(1, 2, 0)
    out = out[..., 0] if c == 1 else out
    if ax is not None:
        ax.imshow(out, cmap="gray" if c == 1 else None, vmin=0, vmax=1, interpolation="nearest")
        ax.set_axis_off()
    return out
