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
"""
from __future__ import annotations

__all__ = ["COLORS", "D_CMAP", "MIN_FONT_PT"]

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
