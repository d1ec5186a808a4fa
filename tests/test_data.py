"""Tests of ganlib/data.py: exact densities, sampling, reproducibility, loaders."""
import gzip
import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ganlib import data


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


# ---- exact densities -------------------------------------------------------------------
@pytest.mark.parametrize("dist", [
    data.Gaussian1D(0.5, 2.0),
    data.Mixture1D([-2.0, 1.0, 3.0], [0.3, 1.0, 0.5], weights=[1.0, 2.0, 1.0]),
])
def test_1d_pdf_integrates_to_one(dist):
    total, err = integrate.quad(lambda x: float(dist.pdf([x])[0]), -30, 30,
                                points=[-2, 0.5, 1, 3], limit=200)
    assert total == pytest.approx(1.0, abs=1e-8)


def test_1d_pdfs_match_scipy():
    x = np.linspace(-5, 5, 101)
    g = data.Gaussian1D(0.5, 2.0)
    np.testing.assert_allclose(g.pdf(x).numpy(), stats.norm(0.5, 2.0).pdf(x), rtol=1e-12)
    np.testing.assert_allclose(g.log_prob(torch.as_tensor(x)[:, None]).numpy(),
                               stats.norm(0.5, 2.0).logpdf(x), rtol=1e-12)
    m = data.Mixture1D([-2.0, 1.0], [0.3, 1.0], weights=[1.0, 3.0])
    ref = 0.25 * stats.norm(-2, 0.3).pdf(x) + 0.75 * stats.norm(1, 1).pdf(x)
    np.testing.assert_allclose(m.pdf(x).numpy(), ref, rtol=1e-12)


def test_2d_mixture_pdf_matches_scipy_and_integrates_to_one():
    centers = [[0.0, 0.0], [2.0, 1.0], [-1.0, 2.0]]
    mix = data.GaussianMixture2D(centers, std=0.7, weights=[1, 1, 2])
    pts = np.random.default_rng(0).normal(size=(50, 2))
    ref = sum(w * stats.multivariate_normal(c, 0.49 * np.eye(2)).pdf(pts)
              for w, c in zip([0.25, 0.25, 0.5], centers))
    np.testing.assert_allclose(mix.pdf(torch.as_tensor(pts)).numpy(), ref, rtol=1e-10)
    total, _ = integrate.dblquad(
        lambda y, x: float(mix.pdf(np.array([[x, y]]))[0]), -7, 7, -6, 8, epsabs=1e-9)
    assert total == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("dist", [data.ring(), data.grid()], ids=["ring", "grid"])
def test_ring_and_grid_pdf_integrate_to_one(dist):
    # the modes are narrow and far apart: integrate pdf over a ±6 std box around every
    # centre (trapezoid with step std/4, exact to ~1e-30 for a Gaussian); the mass outside
    # the boxes is < 1e-8
    axis = np.linspace(-6 * dist.std, 6 * dist.std, 49)
    gx, gy = np.meshgrid(axis, axis, indexing="ij")
    box = np.stack([gx.ravel(), gy.ravel()], 1)  # (49², 2)
    centers = dist.centers.double().numpy()  # (K, 2)
    pts = (centers[:, None, :] + box[None]).reshape(-1, 2)  # (K·49², 2)
    dens = dist.pdf(torch.as_tensor(pts)).numpy().reshape(len(centers), *gx.shape)
    total = integrate.trapezoid(integrate.trapezoid(dens, axis, axis=2), axis, axis=1).sum()
    assert total == pytest.approx(1.0, abs=1e-6)


def test_ring_geometry():
    r = data.GaussianMixture2D.ring()
    assert r.centers.shape == (8, 2) and r.std == 0.02 and r.n_modes == 8
    torch.testing.assert_close(r.centers.norm(dim=1), torch.full((8,), 2.0))
    angles = torch.atan2(r.centers[:, 1], r.centers[:, 0]).remainder(2 * math.pi)
    torch.testing.assert_close(angles.sort().values, torch.arange(8) * math.pi / 4,
                               atol=1e-6, rtol=0)


def test_grid_geometry():
    g = data.grid()
    assert g.centers.shape == (25, 2) and g.std == 0.05
    assert sorted(set(g.centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert {tuple(c) for c in g.centers.tolist()} == {
        (x, y) for x in (-4.0, -2.0, 0.0, 2.0, 4.0) for y in (-4.0, -2.0, 0.0, 2.0, 4.0)}


# ---- sampling ---------------------------------------------------------------------------
def test_gaussian_and_mixture_sample_moments():
    x = data.Gaussian1D(1.0, 0.5).sample(20000, generator=_seeded(0))
    assert x.shape == (20000, 1) and x.dtype == torch.float32
    assert abs(x.mean() - 1.0) < 0.02 and abs(x.std() - 0.5) < 0.02
    m = data.Mixture1D([-3.0, 3.0], [0.1, 0.1], weights=[1.0, 3.0]).sample(
        20000, generator=_seeded(1))
    assert abs((m > 0).float().mean() - 0.75) < 0.02
    assert ((m.abs() - 3).abs() < 0.6).all()


def test_ring_samples_hit_every_mode_equally():
    r = data.ring()
    x = r.sample(16000, generator=_seeded(0))
    dist = torch.cdist(x, r.centers)  # (n, 8)
    nearest = dist.min(1)
    assert (nearest.values < 6 * r.std).all()
    freq = torch.bincount(nearest.indices, minlength=8).float() / len(x)
    assert (freq - 1 / 8).abs().max() < 0.015


@pytest.mark.parametrize("name", data.DATASETS)
def test_same_seed_same_numbers(name):
    dist = data.get_dataset(name)
    a = dist.sample(64, generator=_seeded(7))
    b = dist.sample(64, generator=_seeded(7))
    c = dist.sample(64, generator=_seeded(8))
    assert a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_shapes_and_ranges_of_sample_only_datasets():
    for dist in (data.SwissRoll(), data.TwoMoons()):
        x = dist.sample(2000, generator=_seeded(0))
        assert x.shape == (2000, 2) and x.abs().max() < 2.5 and x.abs().max() > 1.5
        with pytest.raises(NotImplementedError, match="density"):
            dist.pdf(x)
    moons = data.TwoMoons(noise=0.0).sample(4000, generator=_seeded(1))
    # noiseless moons: every point lies on one of the two (scaled) unit half circles
    r_up = (moons - torch.tensor([-2 / 3, -1 / 3])).norm(dim=1)
    r_lo = (moons - torch.tensor([2 / 3, 1 / 3])).norm(dim=1)
    assert torch.minimum((r_up - 4 / 3).abs(), (r_lo - 4 / 3).abs()).max() < 1e-5


def test_sine_curves():
    s = data.SineCurves()
    x = s.sample(500, generator=_seeded(0))
    assert x.shape == (500, 64) and s.t.shape == (64,)
    amp = x.abs().max(1).values  # grid covers a full period -> max |x| ≈ a ∈ [1, 2]
    assert amp.min() > 0.99 and amp.max() <= 2.0 + 1e-6
    p = data.SineCurves.practice()
    t = torch.linspace(-2.5, 3.5, 32)
    curves = torch.sin(torch.linspace(1, 1.2, 10)[:, None] * t)  # the slides' data set
    y = p.sample(200, generator=_seeded(0))
    err = (y[:, None, :] - curves[None]).abs().amax(-1).min(1).values  # (200,)
    assert y.shape == (200, 32) and err.max() < 1e-6


def test_digits():
    d = data.get_dataset("digits")
    assert d.images.shape == (1797, 1, 8, 8) and d.labels.shape == (1797,)
    assert d.images.min() == -1.0 and d.images.max() == 1.0
    assert set(d.labels.tolist()) == set(range(10))
    assert d.sample(5, generator=_seeded(0)).shape == (5, 1, 8, 8)


# ---- MNIST IDX reader -------------------------------------------------------------------
def _write_idx(path, array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


def test_load_mnist_from_tiny_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    pixels[0, 0, 0], pixels[0, 0, 1] = 0, 255
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte", pixels)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    images, y = data.load_mnist(tmp_path)
    assert images.shape == (5, 1, 28, 28) and images.dtype == torch.float32
    assert images[0, 0, 0, 0] == -1.0 and images[0, 0, 0, 1] == 1.0
    torch.testing.assert_close(images[:, 0], torch.as_tensor(pixels / 255 * 2 - 1).float())
    assert y.tolist() == [3, 1, 4, 1, 5] and y.dtype == torch.int64
    raw = tmp_path / "MNIST" / "raw"  # torchvision's layout, gzipped test split
    raw.mkdir(parents=True)
    _write_idx(raw / "t10k-images-idx3-ubyte.gz", pixels[:2])
    _write_idx(raw / "t10k-labels-idx1-ubyte.gz", labels[:2])
    images, y = data.load_mnist(tmp_path, train=False)
    assert images.shape == (2, 1, 28, 28) and y.tolist() == [3, 1]


def test_read_idx_other_dtypes_and_bad_files(tmp_path):
    arr = np.arange(6, dtype=np.int32).reshape(2, 3)
    _write_idx(tmp_path / "a.idx", arr, code=0x0C)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "a.idx"), arr)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="path=.*IDX"):
        data.read_idx(tmp_path / "bad")


def test_load_mnist_missing_files_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="root="):
        data.load_mnist(tmp_path)


# ---- sampler and registry ---------------------------------------------------------------
def test_sampler_tensor_epochs_without_replacement():
    x = torch.arange(12.0).reshape(12, 1)
    it = data.sampler(x, batch_size=4, device="cpu", seed=0)
    epoch = torch.cat([next(it) for _ in range(3)])
    assert sorted(epoch.flatten().tolist()) == list(range(12))
    it2 = data.sampler(x, batch_size=4, device="cpu", seed=0)
    assert torch.equal(torch.cat([next(it2) for _ in range(3)]), epoch)


def test_sampler_distribution_is_reproducible_and_on_device():
    a = data.sampler("ring", 32, device="cpu", seed=3)
    b = data.sampler(data.ring(), 32, device="cpu", seed=3)
    for _ in range(3):
        xa, xb = next(a), next(b)
        assert xa.shape == (32, 2) and xa.device.type == "cpu" and torch.equal(xa, xb)


def test_get_dataset_and_bad_inputs():
    assert isinstance(data.get_dataset("grid"), data.GaussianMixture2D)
    assert set(data.DATASETS) == {"gaussian", "mixture1d", "ring", "grid", "swissroll",
                                  "moons", "sine", "digits"}
    with pytest.raises(ValueError, match=r"name='foo' is not one of .*'ring'"):
        data.get_dataset("foo")
    with pytest.raises(ValueError, match="std="):
        data.Gaussian1D(0.0, 0.0)
    with pytest.raises(ValueError, match="weights="):
        data.Mixture1D([0.0, 1.0], [1.0, 1.0], weights=[1.0])
    with pytest.raises(ValueError, match="stds="):
        data.Mixture1D([0.0, 1.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="centers"):
        data.GaussianMixture2D([[0.0, 0.0, 0.0]], std=0.1)
    with pytest.raises(ValueError, match=r"x has shape \(3, 3\); expected \(n, 2\)"):
        data.ring().pdf(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="n="):
        data.Gaussian1D().sample(-1)
    with pytest.raises(ValueError, match="batch_size="):
        data.sampler("ring", 0, device="cpu")
    with pytest.raises(ValueError, match="amplitude="):
        data.SineCurves(amplitude=(2.0, 1.0))


# ---- adversarial inputs: every parameter refused by name (issue 13, defect 6) ----------
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("build, name", [
    (lambda: data.ring(radius=NAN), "radius"),
    (lambda: data.ring(radius=INF), "radius"),
    (lambda: data.ring(radius=-1.0), "radius"),
    (lambda: data.ring(std=NAN), "std"),
    (lambda: data.ring(n_modes=8.0), "n_modes"),
    (lambda: data.ring(n_modes=0), "n_modes"),
    (lambda: data.grid(spacing=NAN), "spacing"),
    (lambda: data.grid(std=INF), "std"),
    (lambda: data.Gaussian1D(mean=NAN), "mean"),
    (lambda: data.Gaussian1D(mean=INF), "mean"),
    (lambda: data.Gaussian1D(std=NAN), "std"),
    (lambda: data.Gaussian1D(std="1"), "std"),
    (lambda: data.Gaussian1D(std=True), "std"),
    (lambda: data.Mixture1D([0.0, NAN], [1.0, 1.0]), "means"),
    (lambda: data.Mixture1D([0.0, 1.0], [1.0, INF]), "stds"),
    (lambda: data.Mixture1D([0.0, 1.0], [1.0, 1.0], weights=[INF, 1.0]), "weights"),
    (lambda: data.Mixture1D([0.0, 1.0], [1.0, 1.0], weights=[NAN, 1.0]), "weights"),
    (lambda: data.Mixture1D([0.0, 1.0], [1.0, 1.0], weights=[0.0, 0.0]), "weights"),
    (lambda: data.Mixture1D([], []), "means"),
    (lambda: data.Mixture1D(["a"], [1.0]), "means"),
    (lambda: data.GaussianMixture2D([[0.0, NAN]], std=0.1), "centers"),
    (lambda: data.GaussianMixture2D([[0.0, 0.0]], std=0.1, weights=[INF]), "weights"),
    (lambda: data.GaussianMixture2D(np.zeros((0, 2)), std=0.1), "centers"),
    (lambda: data.SwissRoll(noise=NAN), "noise"),
    (lambda: data.SwissRoll(noise=-0.1), "noise"),
    (lambda: data.TwoMoons(noise=INF), "noise"),
    (lambda: data.SineCurves(amplitude=(NAN, 1.0)), "amplitude"),
    (lambda: data.SineCurves(t_range=(0.0, INF)), "t_range"),
    (lambda: data.SineCurves(phase="ab"), "phase"),
    (lambda: data.SineCurves(n_points=1), "n_points"),
    (lambda: data.SineCurves(n_curves=0), "n_curves"),
    (lambda: data.Gaussian1D().sample(2.5), "n"),
    (lambda: data.ring().sample(-1), "n"),
    (lambda: data.sampler("ring", 8, device="cpu", seed=-1), "seed"),
    (lambda: data.sampler("ring", 8, device="cpu", seed=1.5), "seed"),
    (lambda: data.sampler("ring", 8.0, device="cpu"), "batch_size"),
    (lambda: data.sampler(3, 8, device="cpu"), "dist_or_tensor"),
    (lambda: data.get_dataset(["ring"]), "name"),
])
def test_bad_parameters_are_refused_by_name(build, name):
    with pytest.raises((ValueError, TypeError), match=rf"\b{name}="):
        build()


def test_nan_radius_and_inf_weight_no_longer_sample_silently():
    # regression: ring(radius=nan) used to sample NaN, weights=[inf, 1] became [nan, 0]
    with pytest.raises(ValueError, match="radius=nan must be a finite"):
        data.ring(radius=float("nan"))
    with pytest.raises(ValueError, match=r"weights=\[inf, 1\.0\].*finite"):
        data.Mixture1D([0.0, 5.0], [1.0, 1.0], weights=[float("inf"), 1.0])


@pytest.mark.parametrize("value", [np.float32(0.5), np.float64(0.5), torch.tensor(0.5)])
def test_numpy_and_tensor_scalars_work(value):
    g = data.Gaussian1D(mean=value, std=value)
    assert g.std == 0.5 and g.mean == 0.5
    assert data.ring(n_modes=np.int64(4), radius=value, std=value).n_modes == 4
    assert data.Gaussian1D().sample(np.int64(3)).shape == (3, 1)
