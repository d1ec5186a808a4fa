"""Tests of ganlib.lab_views.LabView: it composes the book's Plot2D / Plot1D, one style."""
import numpy as np
import pytest
import torch

from ganlib import plots, theory
from ganlib.lab_views import LabRun, LabView
from ganlib.style import COLORS, D_CMAP, MIN_FONT_PT

KNOBS = dict(loss="nonsaturating", lr_d=1e-3, lr_g=1e-3, n_critic=1, batch_size=32,
             latent_dim=2, prior="gaussian", hidden=16, depth=1, seed=0, clip_value=0.0)


def make(dataset, **kw):
    return LabRun({**KNOBS, "dataset": dataset, **kw})


@pytest.fixture(scope="module")
def ring_runs():
    return [make("ring", loss="minimax"), make("ring")]


def test_2d_panels_are_plot2d_with_colour_bars(ring_runs):
    view = LabView(ring_runs)
    view.update(ring_runs)
    assert view.fig.get_size_inches()[0] * view.dpi == pytest.approx(720)
    for p in view.panels:
        v = p["view"]
        assert isinstance(v, plots.Plot2D)
        assert v.colorbar is not None and v.heatmap.get_cmap().name == D_CMAP
        assert v.grid is not None and v.quiver is not None
    # one arrow scale for both panels: the longest arrow overall has the set length
    longest = max(np.hypot(p["view"].quiver.U, p["view"].quiver.V).max() for p in view.panels)
    width = view.panels[0]["view"].x_range[1] - view.panels[0]["view"].x_range[0]
    assert longest == pytest.approx(0.06 * width, rel=1e-4)


def test_curves_before_and_after_the_first_step(ring_runs):
    view = LabView(ring_runs[1:])
    view.update(ring_runs[1:])
    for ax, text in zip(view.curve_axes, view.placeholders):
        assert text.get_visible() and ax.get_ylim() == (0, 1)        # not empty ±0.04 axes
    ring_runs[1].round()
    ring_runs[1].round()
    view.update(ring_runs[1:])
    for ax, text in zip(view.curve_axes, view.placeholders):
        assert not text.get_visible()
        lo, hi = ax.get_ylim()
        assert hi - lo > 0.01
    colors = {k: ln.get_color() for _, _, k, ln in view.lines}
    assert colors["loss_d"] == COLORS["loss_d"] and colors["d_real"] == COLORS["d_real"]


def test_1d_panel_is_plot1d_with_theory_dstar():
    run = make("mixture1d")
    view = LabView([run])
    view.update([run])
    v = view.panels[0]["view"]
    assert isinstance(v, plots.Plot1D)
    np.testing.assert_allclose(v.D_star_line.get_ydata(),
                               theory.dstar_from_densities(v.p_data_x, v.p_g_x))
    assert v.p_data_line.get_color() == COLORS["data"] and v.D_line.get_color() == COLORS["D"]
    view.fig.canvas.draw()
    ticks = v.ax.get_xticks()
    assert np.allclose(ticks, np.round(ticks))                       # not -5.6, -2.8, 0.1
    assert v.ax.get_ylim()[1] >= v.p_g_line.get_ydata().max()        # p_g on screen
    assert any(t.get_text() for t in v.ax.get_yticklabels())         # y ticks shown
    assert v.ax.title.get_fontsize() >= MIN_FONT_PT
    assert view.png()[:4] == b"\x89PNG"


def test_images_panel():
    run = LabRun({**KNOBS, "dataset": "digits", "latent_dim": 8})
    view = LabView([run])
    view.update([run])
    assert view.panels[0]["img"].get_array().shape == (64, 64)
    assert torch.is_tensor(run.fakes(4))
