"""The book's one figure style: a palette and a heat-map scheme shared by every chapter, the
training lab and the static explorers (all chapters).

Colours follow GAN Lab's convention (Kahng et al. 2018): real data green, generated samples
purple, and D's heat map running from purple ("looks fake", D → 0) to green ("looks real",
D → 1). A reader who learns the colours in Chapter 1 can read every later figure with them.

* :data:`COLORS` — named colours: ``data`` (p_data, x_real), ``model`` (p_g, G(z), x_fake),
  ``D`` (D(x) or a critic f(x)), ``D_star`` (the optimal D*), plus ``loss_d``, ``loss_g``,
  ``d_real``, ``d_fake``, ``grad`` (generator gradient arrows), ``grid`` (warped latent grid).
* :data:`D_CMAP` — the Matplotlib colour map of D's heat map (purple → green); a raw critic
  score uses the same map on a symmetric range.
* :data:`MIN_FONT_PT` — the smallest font size the figures use (10 px at the displayed size
  once a figure is laid out for the ~700-px column).
* Layout for the column: :data:`FIG_WIDTH` inches at :data:`DPI` (≈ 720 px, the column's
  width, so a figure is never shrunk), at most :data:`MAX_PANELS_PER_ROW` panels per row.
  :data:`RC` holds the Matplotlib settings; :func:`use_book_style` applies them (a chapter's
  first cell), :func:`book_style` applies them inside a ``with`` block, and :func:`subplots`
  makes a column-wide figure with pyplot (chapters) or without it (``pyplot=False``, library).
"""
from __future__ import annotations


__all__ = ["COLORS", "D_CMAP", "MIN_FONT_PT", "FIG_WIDTH", "DPI", "ROW_HEIGHT",
           "MAX_PANELS_PER_ROW", "RC", "use_book_style", "book_style", "subplots"]

#: Named colours used by every figure of the book, the lab and the explorers.
COLORS = {
    "data": "#1b7837",     # p_data and real samples x_real (green)
    "model": "#762a83",    # p_g and generated samples G(z), x_fake (purple)
    "D": "#e08214",        # D(x) = sigmoid(logit) or the critic f(x) (orange)
    "D_star": "#2166ac",   # the optimal discriminator D*(x) (blue, dotted)
    "loss_d": "#e08214",   # D's loss curve
    "loss_g": "#762a83",   # G's loss curve
    "d_real": "#1b7837",   # mean D(x_real)
    "d_fake": "#762a83",   # mean D(G(z))
    "grad": "#111111",     # the generator's gradient arrows -grad_x L_G at the fakes
    "grid": "#555555",     # the warped latent grid G(grid)
}

#: D's heat map: purple where D says "fake" (D -> 0), green where it says "real" (D -> 1).
D_CMAP = "PRGn"

#: Smallest font size (points) in a figure laid out for the book's column.
MIN_FONT_PT = 10

#: Width of a column-wide figure in inches; at :data:`DPI` it is about the column's 700 px.
FIG_WIDTH = 7.2

#: Resolution of the book's figures: FIG_WIDTH · DPI = 720 px, displayed at (almost) 100 %.
DPI = 100

#: Default height of one row of panels, inches.
ROW_HEIGHT = 3.0

#: At most this many panels side by side: wider figures are shrunk below legibility.
MAX_PANELS_PER_ROW = 3

#: Matplotlib settings of the book's figures (fonts >= MIN_FONT_PT, column-wide figures).
RC = {
    "figure.figsize": (FIG_WIDTH, ROW_HEIGHT),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": MIN_FONT_PT,
    "axes.titlesize": MIN_FONT_PT + 1,
    "axes.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "figure.titlesize": MIN_FONT_PT + 2,
    "image.cmap": D_CMAP,
}


def use_book_style():
    """Apply :data:`RC` to Matplotlib for the rest of the session (a chapter's first cell)."""
    import matplotlib as mpl

    mpl.rcParams.update(RC)


def book_style():
    """Context manager: :data:`RC` inside the ``with`` block only (library figures)."""
    import matplotlib as mpl

    return mpl.rc_context(RC)


def subplots(nrows=1, ncols=1, height=None, pyplot=True, **kwargs):
    """A column-wide figure ``(fig, axes)``: width FIG_WIDTH, ``height`` inches (default
    ROW_HEIGHT per row), constrained layout, the book's style; ``kwargs`` go to
    ``subplots`` (e.g. ``sharey=True``). ``pyplot=False`` builds a bare ``Figure`` (no global
    state; library code). More than MAX_PANELS_PER_ROW columns raise ValueError.
    """
    for name, value in (("nrows", nrows), ("ncols", ncols)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be an integer >= 1")
    if ncols > MAX_PANELS_PER_ROW:
        raise ValueError(f"ncols={ncols} must be <= {MAX_PANELS_PER_ROW}: wider figures are "
                         "shrunk below legibility in the ~700-px column; use more rows")
    height = ROW_HEIGHT * nrows if height is None else float(height)
    if not 0 < height < 30:
        raise ValueError(f"height={height!r} must be a number of inches in (0, 30)")
    with book_style():
        if pyplot:
            import matplotlib.pyplot as plt

            return plt.subplots(nrows, ncols, figsize=(FIG_WIDTH, height), layout="constrained",
                                **kwargs)
        from matplotlib.figure import Figure

        fig = Figure(figsize=(FIG_WIDTH, height), dpi=DPI, layout="constrained")
        return fig, fig.subplots(nrows, ncols, **kwargs)
