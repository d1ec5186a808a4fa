"""2D figures in the style of GAN Lab (Kahng et al. 2018): D's heat map with a colour bar,
real and fake points, the generator's gradient arrows −∇_x L_G at the fakes and the warped
latent grid G(grid).

* :class:`Plot2D` — build once, then :meth:`Plot2D.update` every frame (chapters 2, 4, 5, 7,
  and every 2D panel of the training lab, ``ganlib.lab_views``).
* :func:`plot_2d` — one frame.

Colours: :data:`ganlib.style.COLORS` and :data:`ganlib.style.D_CMAP`. Re-exported by
:mod:`ganlib.plots`.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from matplotlib.collections import LineCollection

from ._plot_common import RAW_SCORE_LOSSES, check_loss, d_values, module_device, to_numpy
from .losses import LOSSES
from .style import COLORS, D_CMAP

__all__ = ["Plot2D", "plot_2d"]


def _range(name, value):
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}={value!r} must be None or a (low, high) pair") from err
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name}={value!r} must be finite with low < high")
    return lo, hi


class Plot2D:
    """Reusable 2D view: D's heat map, real/fake points, G's gradient arrows, warped latent grid.

    Build once, then call :meth:`update` every frame: it only sets new data on existing artists
    (``imshow.set_data``, ``scatter.set_offsets``, ``quiver.set_UVC``,
    ``LineCollection.set_segments``), so a redraw of 512 points and a 60×60 heat map is cheap.
    Chapters 2, 4, 5, 7 and the training lab (``ganlib.lab_views``).

    Heat map: D(x) = sigmoid(logit) on [0, 1] in :data:`~ganlib.style.D_CMAP` (purple "fake"
    → green "real"), or a critic's raw score f(x) (WGAN-type ``loss``) on a range symmetric
    about 0, with a colour bar. Arrows: −∇_x ℓ_G(D(x)) at the fakes x = G(z), ℓ_G the generator
    loss ``ganlib.losses.LOSSES[loss].g_loss`` (as in GAN Lab), scaled so that the longest is
    ``arrow_length`` × the axis width (or scaled by a norm shared between panels, see
    :meth:`rescale_arrows`). Latent grid: G applied to ``grid_lines`` lines spanning
    ``latent_range`` in the first two latent coordinates (the others 0; needs latent_dim ≥ 2).

    Args:
        ax: Matplotlib Axes.
        x_range, y_range: fixed axis limits; default: from the first real batch, padded 15%.
        resolution: heat-map pixels per side (60 → 3,600 D evaluations).
        loss: generator loss for the arrows; WGAN-type losses show D's raw score.
        arrows, latent_grid, heatmap, colorbar: which layers to draw.
        n_arrows: at most this many fakes get an arrow.
        legend_loc: where the real/fake legend goes (None: no legend).
    """

    def __init__(self, ax, x_range=None, y_range=None, resolution=60, loss="nonsaturating",
                 arrows=True, latent_grid=True, heatmap=True, n_arrows=128, arrow_length=0.08,
                 grid_lines=11, latent_range=(-2.5, 2.5), point_size=6, colorbar=True,
                 legend_loc="upper right", grid_points=40):
        self.loss = check_loss(loss)
        for name, value, low in (("resolution", resolution, 2), ("n_arrows", n_arrows, 1),
                                 ("grid_lines", grid_lines, 2), ("grid_points", grid_points, 2)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name}={value!r} must be an integer >= {low}")
        for name, value in (("arrow_length", arrow_length), ("point_size", point_size)):
            if isinstance(value, bool) or not (isinstance(value, (int, float, np.number))
                                               and 0 < value < math.inf):
                raise ValueError(f"{name}={value!r} must be a finite number > 0")
        self.ax, self.resolution = ax, int(resolution)
        self.x_range, self.y_range = _range("x_range", x_range), _range("y_range", y_range)
        self.latent_range = _range("latent_range", latent_range)
        self.show_arrows, self.show_grid, self.show_heatmap = arrows, latent_grid, heatmap
        self.show_colorbar, self.legend_loc = colorbar, legend_loc
        self.n_arrows, self.arrow_length = int(n_arrows), float(arrow_length)
        self.grid_lines, self.grid_points = int(grid_lines), int(grid_points)
        self.point_size = point_size
        self.heatmap = self.real = self.fake = self.quiver = self.grid = self.colorbar = None
        self.arrow_max = 0.0          # largest |−∇_x L_G| of the last frame (before scaling)
        self._raw_arrows = None
        self._grid_xy = None

    # -- helpers
    def _init_limits(self, x_real):
        xr = to_numpy(x_real)
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

    def _arrows(self, D, x_fake):
        dev, dt = module_device(D)
        x = torch.as_tensor(x_fake[: self.n_arrows], device=dev, dtype=dt).requires_grad_(True)
        with torch.enable_grad():
            loss = LOSSES[self.loss].g_loss(D(x).reshape(-1))            # batch mean: arrows
            (grad,) = torch.autograd.grad(loss, x)                       # are rescaled anyway
        return to_numpy(x.detach()), -to_numpy(grad)                     # (n, 2), (n, 2)

    def _latent_segments(self, G):
        dev, dt = module_device(G)
        lo, hi = self.latent_range
        t = torch.linspace(lo, hi, self.grid_points)
        c = torch.linspace(lo, hi, self.grid_lines)
        cc, tt = torch.meshgrid(c, t, indexing="ij")                    # (L, P)
        lines = torch.cat([torch.stack([cc, tt], -1),                    # z1 constant
                           torch.stack([tt, cc], -1)])                   # z2 constant
        z = torch.zeros(*lines.shape[:2], G.latent_dim)                  # (2L, P, latent)
        z[..., :2] = lines
        with torch.no_grad():
            x = to_numpy(G(z.reshape(-1, G.latent_dim).to(dev, dt)))     # (2L*P, 2)
        return x.reshape(2 * self.grid_lines, self.grid_points, 2)

    def _draw_heatmap(self, D):
        img = d_values(D, self._grid_xy, self.loss).numpy().reshape(self.resolution,
                                                                    self.resolution)
        raw = self.loss in RAW_SCORE_LOSSES
        vmax = max(float(np.abs(img).max()), 1e-6) if raw else 1.0
        vmin = -vmax if raw else 0.0
        if self.heatmap is None:
            self.heatmap = self.ax.imshow(img, origin="lower", cmap=D_CMAP, alpha=0.75,
                                          extent=(*self.x_range, *self.y_range), vmin=vmin,
                                          vmax=vmax, interpolation="bilinear", zorder=0,
                                          aspect="auto")
            if self.show_colorbar:
                self.colorbar = self.ax.figure.colorbar(
                    self.heatmap, ax=self.ax, fraction=0.046, pad=0.03,
                    label="critic f(x)" if raw else "D(x)")
                if not raw:
                    self.colorbar.set_ticks([0, 0.5, 1])
        else:
            self.heatmap.set_data(img)
            if raw:
                self.heatmap.set_clim(vmin, vmax)

    # -- public
    def rescale_arrows(self, norm):
        """Rescale the last frame's arrows so that a gradient of size ``norm`` is drawn
        ``arrow_length`` × the axis width long (a norm shared by several panels keeps their
        arrows comparable: a saturated generator's are visibly shorter)."""
        if self.quiver is None or self._raw_arrows is None:
            return
        width = self.x_range[1] - self.x_range[0]
        scale = self.arrow_length * width / norm if norm > 0 else 0.0
        v = self._raw_arrows * scale
        self.quiver.set_UVC(v[:, 0], v[:, 1])

    def update(self, x_real, x_fake, D=None, G=None, title=None):
        """Redraw with new points (n, 2) and, optionally, new D and G; returns the artists."""
        ax = self.ax
        if self._grid_xy is None:
            self._init_limits(x_real)
        if self.show_heatmap and D is not None:
            self._draw_heatmap(D)
        if self.show_grid and G is not None and getattr(G, "latent_dim", 0) >= 2:
            segs = self._latent_segments(G)
            if self.grid is None:
                self.grid = LineCollection(segs, colors=COLORS["grid"], linewidths=0.6,
                                           alpha=0.6, zorder=1)
                ax.add_collection(self.grid)
            else:
                self.grid.set_segments(segs)
        xr, xf = to_numpy(x_real), to_numpy(x_fake)
        if self.real is None:
            self.real = ax.scatter(xr[:, 0], xr[:, 1], s=self.point_size, c=COLORS["data"],
                                   label="real $x$", zorder=2, linewidths=0)
            self.fake = ax.scatter(xf[:, 0], xf[:, 1], s=self.point_size, c=COLORS["model"],
                                   label="fake $G(z)$", zorder=3, linewidths=0)
            if self.legend_loc is not None:
                ax.legend(loc=self.legend_loc, markerscale=2, framealpha=0.8)
        else:
            self.real.set_offsets(xr)
            self.fake.set_offsets(xf)
        if self.show_arrows and D is not None:
            pos, raw = self._arrows(D, xf)
            self._raw_arrows = raw
            self.arrow_max = float(np.linalg.norm(raw, axis=1).max()) if len(raw) else 0.0
            if self.quiver is None or len(pos) != self.quiver.N:
                if self.quiver is not None:
                    self.quiver.remove()
                self.quiver = ax.quiver(pos[:, 0], pos[:, 1], raw[:, 0], raw[:, 1],
                                        angles="xy", scale_units="xy", scale=1.0,
                                        color=COLORS["grad"], width=0.003, zorder=4)
            else:  # Quiver keeps its own copy of the positions (used for angles="xy")
                q = self.quiver
                q.X, q.Y, q.XY = pos[:, 0], pos[:, 1], pos
                q.set_offsets(pos)
            self.rescale_arrows(self.arrow_max)
        if title is not None:
            ax.set_title(title)
        return [a for a in (self.heatmap, self.grid, self.real, self.fake, self.quiver)
                if a is not None]


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
