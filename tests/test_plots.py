"""Tests for ganlib.plots: the right artists are created, updates change data, HTML animations."""
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

from ganlib import plots  # noqa: E402
from ganlib.plots import (  # noqa: E402
    Plot2D, animate, image_grid, plot_2d, plot_density_1d, plot_history, to_html,
)


class Gauss1D:
    """Minimal Distribution protocol (independent of ganlib.data)."""
    dim = 1

    def __init__(self, mean=0.0, std=1.0):
        self.mean, self.std = mean, std

    def pdf(self, x):
        x = torch.as_tensor(x).reshape(-1)
        z = (x - self.mean) / self.std
        return torch.exp(-0.5 * z**2) / (self.std * math.sqrt(2 * math.pi))

    def sample(self, n, generator=None, device=None):
        return self.mean + self.std * torch.randn(n, 1, generator=generator)


class LinearD(nn.Module):
    """D(x) = w·x + b: logits (B,), with a known input gradient w."""

    def __init__(self, w, b=0.0):
        super().__init__()
        self.lin = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([w]))
            self.lin.bias.fill_(b)

    def forward(self, x):
        return self.lin(x).squeeze(-1)


class ShiftG(nn.Module):
    def __init__(self, latent_dim=2, out_dim=2, shift=0.0):
        super().__init__()
        self.latent_dim, self.shift = latent_dim, shift
        self.lin = nn.Linear(latent_dim, out_dim)
        with torch.no_grad():
            self.lin.weight.copy_(torch.eye(out_dim, latent_dim))
            self.lin.bias.fill_(shift)

    def forward(self, z):
        return self.lin(z)


def new_ax():
    fig = Figure()
    return fig, fig.subplots()


# ----------------------------------------------------------------------------- 1D
def test_plot_density_1d_all_layers():
    fig, ax = new_ax()
    p_data, p_g = Gauss1D(1.0, 0.5), Gauss1D(-1.0, 0.5)
    G = ShiftG(latent_dim=1, out_dim=1, shift=-1.0)
    D = LinearD([2.0])
    art = plot_density_1d(ax, p_data, G=G, D=D, p_g=p_g, x_range=(-4, 4), n_samples=2000)
    assert len(ax.lines) == 2                        # p_data, p_g
    assert len(art["hist"].get_data().values) == 80  # histogram bins
    assert len(art["ax_D"].lines) == 3               # the ½ guide, D(x), D*(x)
    x = art["D_star"].get_xdata()
    pd, pg = p_data.pdf(torch.tensor(x)), p_g.pdf(torch.tensor(x))
    expected = pd / (pd + pg)
    np.testing.assert_allclose(art["D_star"].get_ydata(), expected.numpy(), rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(art["D"].get_ydata(), torch.sigmoid(2 * torch.tensor(x)).numpy(),
                               rtol=1e-5)
    assert ax.get_xlim() == (-4.0, 4.0)


def test_plot_density_1d_data_only_and_bad_loss():
    fig, ax = new_ax()
    art = plot_density_1d(ax, Gauss1D())
    assert len(ax.lines) == 1 and art["ax_D"] is None and art["hist"] is None
    lo, hi = ax.get_xlim()
    assert lo < -2.5 and hi > 2.5                    # default range from samples
    with pytest.raises(ValueError, match="loss='foo'"):
        plot_density_1d(ax, Gauss1D(), loss="foo")


def test_dstar_is_one_half_where_both_densities_vanish():
    # one convention everywhere: theory.dstar_from_densities (was 0 in plots.py)
    def box(lo, hi):
        return lambda x: ((np.asarray(x) >= lo) & (np.asarray(x) <= hi)) / (hi - lo)
    fig, ax = new_ax()
    art = plot_density_1d(ax, box(0, 1), p_g=box(2, 3), x_range=(-1, 4), n_points=11)
    np.testing.assert_allclose(art["D_star"].get_ydata(),
                               [.5, .5, 1, 1, 1, .5, 0, 0, 0, .5, .5])


def test_plot1d_update_reuses_artists_and_keeps_p_g_on_screen():
    fig, ax = new_ax()
    view = plots.Plot1D(ax, Gauss1D(2.0, 0.5), x_range=(-1.5, 4.5), kde=True)
    narrow = torch.full((500, 1), 0.3) + 0.01 * torch.randn(500, 1)   # a collapsed G
    view.update(narrow, D=LinearD([1.0]), title="step 0")
    artists = (view.hist, view.p_g_line, view.D_line, view.D_star_line)
    assert all(a is not None for a in artists)
    heights = view.hist.get_data().values
    assert heights.max() > 5 and ax.get_ylim()[1] >= heights.max()      # not clipped
    assert ax.get_ylim()[1] >= view.p_g_line.get_ydata().max()
    n_children = len(ax.get_children()) + len(view.ax_D.get_children())
    view.update(2.0 + 0.5 * torch.randn(2000), D=LinearD([-1.0]), title="step 1")
    assert (view.hist, view.p_g_line, view.D_line, view.D_star_line) == artists
    assert len(ax.get_children()) + len(view.ax_D.get_children()) == n_children
    assert ax.get_ylim()[1] < 5                       # rescaled to the new, wider p_g
    assert ax.get_title() == "step 1"
    # the histogram integrates to the fraction of samples inside the range
    widths = np.diff(view.edges)
    assert (view.hist.get_data().values * widths).sum() == pytest.approx(1.0, abs=0.01)


def test_plot1d_axes_are_readable():
    fig, ax = new_ax()
    view = plots.Plot1D(ax, Gauss1D(0.0, 1.0), x_range=(-5.6, 2.9), p_g=Gauss1D(1.0, 0.3))
    view.update(torch.randn(100), D=LinearD([1.0]))
    fig.canvas.draw()
    ticks = ax.get_xticks()
    assert np.allclose(ticks, np.round(ticks))                         # round numbers
    assert [t.get_text() for t in ax.get_yticklabels() if t.get_text()]  # y ticks shown
    assert list(view.ax_D.get_yticks()) == [0, 0.5, 1]
    from ganlib.style import COLORS
    assert view.p_data_line.get_color() == COLORS["data"]
    assert view.D_line.get_color() == COLORS["D"]
    assert view.D_star_line.get_color() == COLORS["D_star"]
    assert view.D_star_line.get_linestyle() == ":"


def test_plot1d_critic_and_bad_arguments():
    fig, ax = new_ax()
    view = plots.Plot1D(ax, Gauss1D(), x_range=(-3, 3), loss="wgan", p_g=Gauss1D(1.0))
    view.update(torch.randn(50), D=LinearD([3.0]))
    assert view.D_star_line is None                  # no D* for a critic's raw score
    assert view.ax_D.get_ylim()[1] >= 9.0            # raw score 3x on [-3, 3]
    for kwargs, name in [(dict(x_range=(1, 0)), "x_range"), (dict(bins=0), "bins"),
                         (dict(n_points=1), "n_points"), (dict(y_max=float("nan")), "y_max"),
                         (dict(loss="x"), "loss")]:
        with pytest.raises((ValueError, TypeError), match=name):
            plots.Plot1D(ax, Gauss1D(), **kwargs)
    with pytest.raises(TypeError, match="p_data"):
        plots.Plot1D(ax, 3.0)
    with pytest.raises(ValueError, match="x_fake"):
        plots.Plot1D(ax, Gauss1D()).update(torch.full((3,), float("nan")))


# ----------------------------------------------------------------------------- 2D
def test_plot_2d_artists_and_arrow_direction():
    fig, ax = new_ax()
    g = torch.Generator().manual_seed(0)
    x_real = torch.randn(512, 2, generator=g)
    G = ShiftG(shift=3.0)
    x_fake = G(torch.randn(512, 2, generator=g)).detach()
    D = LinearD([-1.0, 0.0])                          # D prefers small x1 (where the real data is)
    view = plot_2d(ax, x_real, x_fake, D=D, G=G, resolution=60)
    assert isinstance(view, Plot2D)
    assert len(ax.images) == 1 and ax.images[0].get_array().shape == (60, 60)
    assert len(ax.collections) == 4                   # latent grid, real, fake, quiver
    assert isinstance(view.grid, LineCollection) and len(view.grid.get_segments()) == 22
    assert isinstance(view.quiver, Quiver) and view.quiver.N == 128
    # −∇ of the non-saturating loss softplus(−D(x)) points along +∇D = (−1, 0)
    assert np.all(view.quiver.U < 0) and np.allclose(view.quiver.V, 0)
    # the warped grid is G(grid): shifted by 3
    seg = view.grid.get_segments()[0]
    assert np.allclose(seg.mean(0), [3.0 - 2.5, 3.0], atol=1e-5)
    # heat map is sigmoid(D) on the grid: decreasing in x1
    img = np.asarray(ax.images[0].get_array())
    assert np.all(np.diff(img, axis=1) < 0) and img.min() >= 0 and img.max() <= 1


def test_plot2d_update_reuses_artists_and_changes_data():
    fig, ax = new_ax()
    view = Plot2D(ax, loss="minimax")
    x_real = torch.randn(100, 2)
    view.update(x_real, torch.zeros(100, 2), D=LinearD([1.0, 1.0]), G=ShiftG())
    artists = (view.heatmap, view.real, view.fake, view.quiver, view.grid)
    n_children = len(ax.get_children())
    old_img = np.array(view.heatmap.get_array())
    view.update(x_real, torch.ones(100, 2), D=LinearD([-1.0, 1.0]), G=ShiftG(shift=0.5))
    assert (view.heatmap, view.real, view.fake, view.quiver, view.grid) == artists
    assert len(ax.get_children()) == n_children
    assert np.allclose(view.fake.get_offsets(), 1.0)
    assert not np.allclose(np.asarray(view.heatmap.get_array()), old_img)
    assert np.allclose(view.quiver.X, 1.0) and np.allclose(view.quiver.get_offsets(), 1.0)
    assert np.all(view.quiver.U < 0)                  # ∇D changed sign in x1


def test_plot_2d_wgan_without_latent_grid_or_arrows():
    fig, ax = new_ax()
    G1 = ShiftG(latent_dim=1)                         # latent_dim < 2: no grid
    view = plot_2d(ax, torch.randn(50, 2), G1(torch.randn(50, 1)).detach(), D=LinearD([1.0, 0.0]),
                   G=G1, arrows=False, loss="wgan-gp")
    assert view.grid is None and view.quiver is None and view.heatmap is not None
    img = np.asarray(view.heatmap.get_array())
    assert img.max() > 1                              # raw critic scores, not sigmoid
    assert view.heatmap.get_clim() == (-np.abs(img).max(), np.abs(img).max())  # symmetric
    assert view.colorbar is not None
    view = plot_2d(new_ax()[1], torch.randn(50, 2), torch.randn(50, 2))  # points only
    assert view.heatmap is None and view.real is not None
    with pytest.raises(ValueError, match="loss='bce'"):
        Plot2D(ax, loss="bce")


# ----------------------------------------------------------------------------- history
def _history(n=20):
    return dict(step=list(range(0, 10 * n, 10)), loss_d=list(np.linspace(1.4, 1.0, n)),
                loss_g=list(np.linspace(0.7, 1.2, n)), d_real=[0.6] * n, d_fake=[0.4] * n,
                grad_norm_g=list(np.linspace(0.1, 1, n)), wasserstein=[], wall_time=[0.0] * n)


def test_plot_history_dict_and_object():
    fig = plot_history(_history())
    axes = fig.axes
    assert len(axes) == 4
    assert [len(a.lines) for a in axes] == [2, 2, 1, 0]
    assert axes[2].get_yscale() == "log"
    assert "not recorded" in [t.get_text() for t in axes[3].texts]
    np.testing.assert_allclose(axes[0].lines[0].get_xdata(), _history()["step"])

    class H:
        pass
    h = H()
    for k, v in _history().items():
        setattr(h, k, v)
    h.wasserstein = [0.5] * 20
    fig2, axs = new_ax()[0], None
    axs = fig2.subplots(2, 2)
    assert plot_history(h, axes=axs) is fig2
    assert len(axs[1, 1].lines) == 1
    with pytest.raises(ValueError, match="axes"):
        plot_history(h, axes=axs[0])


# ----------------------------------------------------------------------------- images
def test_image_grid_layout_and_range():
    imgs = -torch.ones(10, 1, 8, 8)
    imgs[3] = 1.0
    out = image_grid(imgs, nrow=4, padding=1)
    assert out.shape == (3 * 9 + 1, 4 * 9 + 1)
    assert out.min() == 0.0 and out.max() == 1.0
    assert np.all(out[1:9, 1 + 3 * 9: 9 + 3 * 9] == 1.0)      # image 3 is white
    assert np.all(out[1:9, 1:9] == 0.0)                        # image 0 is black
    rgb = image_grid(np.zeros((4, 3, 5, 5)), nrow=2, padding=0)
    assert rgb.shape == (10, 10, 3)
    fig, ax = new_ax()
    image_grid(imgs, nrow=5, ax=ax)
    assert len(ax.images) == 1
    with pytest.raises(ValueError, match="images"):
        image_grid(torch.zeros(8, 8))


# ----------------------------------------------------------------------------- animation
def test_animate_to_html_with_plot2d():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(3, 3), dpi=50)
    view = Plot2D(ax, x_range=(-3, 3), y_range=(-3, 3), resolution=20)
    x_real = torch.randn(64, 2)
    seen = []

    def update(step):
        seen.append(step)
        return view.update(x_real, x_real + 0.1 * step, D=LinearD([1.0, -1.0]),
                           G=ShiftG(shift=0.1 * step))

    anim = animate(update, 3, fig, interval=50)
    from matplotlib.animation import FuncAnimation
    assert isinstance(anim, FuncAnimation)
    html = to_html(anim)
    text = html.data
    assert "<script" in text and "animation" in text.lower() and text.count("data:image/png") >= 3
    assert set(seen) == {0, 1, 2}
    assert not plt.fignum_exists(fig.number)                     # figure was closed
    with pytest.raises(ValueError, match="frames"):
        animate(update, 0, fig)


# ----------------------------------------------------------------------------- one style
def test_plot2d_style_colorbar_and_latent_grid_for_higher_latent_dims():
    from ganlib.style import COLORS, D_CMAP
    fig, ax = new_ax()
    G3 = ShiftG(latent_dim=3)                         # first two latent coordinates
    view = plot_2d(ax, torch.randn(50, 2), torch.randn(50, 2), D=LinearD([1.0, 0.0]), G=G3)
    assert view.grid is not None and len(view.grid.get_segments()) == 22
    assert view.heatmap.get_cmap().name == D_CMAP and view.heatmap.get_clim() == (0.0, 1.0)
    assert view.colorbar is not None and view.colorbar.ax in fig.axes
    assert matplotlib.colors.to_hex(view.real.get_facecolor()[0]) == COLORS["data"]
    assert matplotlib.colors.to_hex(view.fake.get_facecolor()[0]) == COLORS["model"]


def test_plot2d_shared_arrow_norm():
    a1, a2 = Figure().subplots(1, 2)
    x = torch.randn(20, 2)
    v1 = plot_2d(a1, x, x, D=LinearD([1.0, 0.0]), x_range=(-3, 3), y_range=(-3, 3))
    v2 = plot_2d(a2, x, x, D=LinearD([0.1, 0.0]), x_range=(-3, 3), y_range=(-3, 3))
    norm = max(v1.arrow_max, v2.arrow_max)
    v1.rescale_arrows(norm), v2.rescale_arrows(norm)
    assert np.abs(v2.quiver.U).max() < 0.5 * np.abs(v1.quiver.U).max()


@pytest.mark.parametrize("kwargs, name", [
    (dict(resolution=1), "resolution"), (dict(resolution=2.5), "resolution"),
    (dict(n_arrows=0), "n_arrows"), (dict(arrow_length=float("nan")), "arrow_length"),
    (dict(x_range=(1, 1)), "x_range"), (dict(y_range="ab"), "y_range"),
    (dict(latent_range=(0, float("inf"))), "latent_range"), (dict(loss=None), "loss"),
])
def test_plot2d_bad_arguments(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        Plot2D(new_ax()[1], **kwargs)


def test_plot_history_fits_the_column():
    from ganlib.style import COLORS, FIG_WIDTH, MIN_FONT_PT
    fig = plot_history(_history())
    w, h = fig.get_size_inches()
    assert w == FIG_WIDTH and h < w                   # 2 x 2, not 1 x 4
    fig.canvas.draw()
    texts = [t for ax in fig.axes for t in (ax.title, ax.xaxis.label, *ax.get_xticklabels(),
                                            *(ax.get_legend().get_texts() if ax.get_legend()
                                              else []))
             if t.get_text()]
    assert min(t.get_fontsize() for t in texts) >= MIN_FONT_PT
    assert fig.axes[0].lines[0].get_color() == COLORS["loss_d"]


def test_style_subplots():
    from ganlib import style
    fig, axes = style.subplots(2, 3, pyplot=False)
    assert fig.get_size_inches()[0] == style.FIG_WIDTH and axes.shape == (2, 3)
    assert fig.dpi == style.DPI
    with pytest.raises(ValueError, match="ncols=4"):
        style.subplots(1, 4, pyplot=False)
    with pytest.raises(ValueError, match="nrows"):
        style.subplots(0, pyplot=False)


def test_plot1d_accepts_d_values_on_its_grid():
    fig, ax = new_ax()
    view = plots.Plot1D(ax, Gauss1D(), x_range=(-4.0, 5.0), n_points=361, p_g=Gauss1D(1.0))
    values = torch.linspace(0, 1, 361)
    view.update(D=values)
    np.testing.assert_allclose(view.D_line.get_ydata(), values.numpy())
    with pytest.raises(ValueError, match="361 grid points"):
        view.update(D=torch.zeros(10))
    with pytest.raises(TypeError, match="D="):
        view.update(D="abc")
