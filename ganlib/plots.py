"""The book's figures and animations (all chapters), in one style (:mod:`ganlib.style`).

* :class:`~ganlib.plot1d.Plot1D` / :func:`~ganlib.plot1d.plot_density_1d` — p_data, a
  histogram of G(z), the model density, D(x) and the optimal D* on a 1D axis (Chapters 1–4).
* :class:`~ganlib.plot2d.Plot2D` / :func:`~ganlib.plot2d.plot_2d` — 2D real and fake points
  over D's heat map (with a colour bar), the generator's gradient arrows −∇_x L_G at the fakes
  and the warped latent grid G(grid), as in GAN Lab (Chapters 2, 4, 5, 7). ``update`` sets data
  on existing artists (animations, live redraws).
* :func:`plot_history` — losses, D(x) & D(G(z)), ‖∇G‖ and the Wasserstein estimate, 2 × 2.
* :func:`image_grid` — tile images into one array (Chapter 6). :func:`~ganlib.animation.animate`,
  :func:`~ganlib.animation.to_html` (re-exported from :mod:`ganlib.animation`) — a
  FuncAnimation and its JavaScript HTML, which plays in the static book without a kernel.

Every figure uses :data:`ganlib.style.COLORS` (p_data green, p_g / G(z) purple, D orange, D*
blue dotted) and :data:`ganlib.style.D_CMAP` for heat maps, and is laid out for the ~700-px
column (:func:`ganlib.style.subplots`). Only the object-oriented Matplotlib API is used (safe
with the Agg backend; never plt.show).
"""
from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401  (registers Jupyter's inline figure display)
import numpy as np
from matplotlib.figure import Figure

from ._plot_common import to_numpy as _np
# re-exported: chapters call plots.to_html
from .animation import animate, offline_controls, to_html
from .plot1d import Plot1D, plot_density_1d
from .plot2d import Plot2D, plot_2d
from .style import COLORS, FIG_WIDTH, book_style

__all__ = ["plot_density_1d", "Plot1D", "Plot2D", "plot_2d", "plot_history", "image_grid",
           "animate", "to_html", "offline_controls"]

#: plot_history's panels: (title, ((series key, label), ...), y scale).
_PANELS = (
    ("losses", (("loss_d", "loss D"), ("loss_g", "loss G")), None),
    ("D outputs", (("d_real", "D(x)"), ("d_fake", "D(G(z))")), None),
    (r"$\|\nabla_\theta L_G\|$", (("grad_norm_g", "grad norm G"),), "log"),
    ("Wasserstein estimate", (("wasserstein", r"$E\,D(x) - E\,D(G(z))$"),), None),
)
_SERIES_COLORS = {"loss_d": COLORS["loss_d"], "loss_g": COLORS["loss_g"],
                  "d_real": COLORS["d_real"], "d_fake": COLORS["d_fake"],
                  "grad_norm_g": COLORS["grad"], "wasserstein": COLORS["D"]}


def _get(history, name):
    if isinstance(history, dict):
        return history.get(name)
    return getattr(history, name, None)


def plot_history(history, axes=None):
    """Training curves in four panels (2 × 2, column-wide): losses, D(x) & D(G(z)), ‖∇G‖
    (log), the Wasserstein estimate. Colours from :data:`ganlib.style.COLORS`.

    Args:
        history: a ``ganlib.train.History`` or any object/dict with lists ``step``, ``loss_d``,
            ``loss_g``, ``d_real``, ``d_fake``, ``grad_norm_g``, ``wasserstein`` (missing or
            empty series are skipped; None/NaN entries are gaps).
        axes: four Axes (any shape); default: a new 2 × 2 figure FIG_WIDTH wide.
    Returns:
        the Figure. Chapters 2, 4, 5, 7.
    """
    with book_style():
        if axes is None:
            fig = Figure(figsize=(FIG_WIDTH, 5.0), layout="constrained")
            axes = fig.subplots(2, 2, sharex=True)
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
                x = (np.asarray(step, dtype=float) if step is not None and len(step) == len(y)
                     else np.arange(len(y)))
                ax.plot(x, y, label=label, lw=1.2, color=_SERIES_COLORS[key])
                drawn = True
            ax.set_title(title)
            if ax.get_subplotspec() is None or ax.get_subplotspec().is_last_row():
                ax.set_xlabel("step")
            if drawn:
                ax.legend()
                if yscale == "log" and np.nanmin(ax.lines[0].get_ydata()) > 0:
                    ax.set_yscale("log")
            else:
                ax.text(0.5, 0.5, "not recorded", ha="center", va="center",
                        transform=ax.transAxes)
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
