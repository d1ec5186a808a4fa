"""Tests for ganlib.metrics (Chapter 6): closed forms, scipy reference numerics, torchmetrics."""
import math

import numpy as np
import pytest
import scipy.linalg
import torch

from ganlib import metrics
from ganlib.metrics import (
    fid_from_features, frechet_distance, inception_score, kid, mode_coverage, precision_recall,
    train_digits_classifier,
)


# ----------------------------------------------------------------------------- helpers
def ring_centers(n_modes=8, radius=2.0):
    a = 2 * math.pi * torch.arange(n_modes, dtype=torch.float64) / n_modes
    return torch.stack([radius * torch.cos(a), radius * torch.sin(a)], 1)  # (K, 2)


def grid_centers(n_per_side=5, spacing=2.0):
    v = (torch.arange(n_per_side, dtype=torch.float64) - (n_per_side - 1) / 2) * spacing
    return torch.cartesian_prod(v, v)  # (K, 2), {-4,-2,0,2,4}^2


def mixture_samples(centers, std, n, seed, modes=None):
    g = torch.Generator().manual_seed(seed)
    modes = torch.arange(len(centers)) if modes is None else torch.as_tensor(modes)
    idx = modes[torch.randint(len(modes), (n,), generator=g)]
    return centers[idx] + std * torch.randn(n, centers.shape[1], generator=g, dtype=torch.float64)


@pytest.fixture(scope="module")
def clf():
    return train_digits_classifier(seed=0)


@pytest.fixture(scope="module")
def digit_sets():
    """Two halves of the real held-out digits and a corrupted 'fake' set, (N, 1, 8, 8)."""
    _, _, x_te, _ = metrics.load_digits_split(seed=0)
    g = torch.Generator().manual_seed(1)
    x_te = x_te[torch.randperm(len(x_te), generator=g)]
    real, other = x_te[:220], x_te[220:440]
    fake = (other + 0.6 * torch.randn(other.shape, generator=g)).clamp(-1, 1)
    return real, other, fake


# ----------------------------------------------------------------------------- mode coverage
@pytest.mark.parametrize("centers,std", [(ring_centers(), 0.02), (grid_centers(), 0.05)])
def test_mode_coverage_exact_samples(centers, std):
    x = mixture_samples(centers, std, 2500, seed=0)
    res = mode_coverage(x, centers, std)
    assert res["modes"] == len(centers) and res["n_modes"] == len(centers)
    assert sum(res["counts"]) == round(res["high_quality"] * 2500)
    # In 2D, P(|x - c| <= 3 sigma) = 1 - exp(-9/2) = 0.9889: check against the chi-square law.
    expected = 1 - math.exp(-4.5)
    assert abs(res["high_quality"] - expected) < 4 * math.sqrt(expected * (1 - expected) / 2500)
    assert res["high_quality"] >= 0.98
    assert mode_coverage(x, centers, std, n_sigma=3.5)["high_quality"] >= 0.99


def test_mode_coverage_three_modes_and_far_points():
    centers = grid_centers()
    x = mixture_samples(centers, 0.05, 2500, seed=1, modes=[0, 7, 24])
    res = mode_coverage(x, centers, 0.05)
    assert res["modes"] == 3
    assert [i for i, c in enumerate(res["counts"]) if c > 0] == [0, 7, 24]
    # points halfway between modes are low quality and capture nothing
    mid = torch.full((100, 2), 1.0, dtype=torch.float64)
    res = mode_coverage(mid, centers, 0.05)
    assert res["modes"] == 0 and res["high_quality"] == 0.0
    # min_count threshold: PacGAN's 20 is the default; 10 samples on a mode do not capture it
    x = torch.cat([mixture_samples(centers, 0.05, 100, 2, modes=[3]), centers[[5]].repeat(10, 1)])
    assert mode_coverage(x, centers, 0.05)["modes"] == 1
    assert mode_coverage(x, centers, 0.05, min_count=1)["modes"] == 2
    assert mode_coverage(x, centers, 0.05, min_count=10)["modes"] == 2


def test_mode_coverage_bad_input():
    with pytest.raises(ValueError, match="std"):
        mode_coverage(torch.zeros(3, 2), ring_centers(), 0.0)
    with pytest.raises(ValueError, match="dim"):
        mode_coverage(torch.zeros(3, 3), ring_centers(), 0.1)


# ------------------------------------------------------------------------ Fréchet distance / FID
def test_frechet_distance_matches_reference_numerics():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 12)) @ rng.normal(size=(12, 12))
    b = 0.5 + rng.normal(size=(250, 12)) @ rng.normal(size=(12, 12))
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ref = (np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2)
           - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2).real))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(ref, rel=1e-6)
    assert fid_from_features(a, b) == pytest.approx(ref, rel=1e-6)
    # torch inputs (float32) give the same answer up to float32 rounding of the inputs
    assert fid_from_features(torch.tensor(a), torch.tensor(b)) == pytest.approx(ref, rel=1e-6)


def test_frechet_distance_diagonal_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    closed = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(closed, rel=1e-10)
    assert frechet_distance(mu1, np.diag(v1), mu1, np.diag(v1)) == pytest.approx(0.0, abs=1e-10)


def test_fid_identical_and_singular():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(500, 16))
    assert abs(fid_from_features(f, f)) < 1e-8
    # fewer samples than dimensions: singular covariances, still finite and >= ~0
    g = rng.normal(size=(10, 32))
    val = fid_from_features(g, g + 1.0)
    assert math.isfinite(val) and val == pytest.approx(32.0, rel=1e-3)
    with pytest.raises(ValueError, match="f_fake"):
        fid_from_features(f, f[:1])


# ----------------------------------------------------------------------------- Inception Score
def test_inception_score_sanity():
    K = 10
    one_hot = torch.eye(K).repeat(20, 1)  # every class used equally, confidently
    assert inception_score(one_hot) == pytest.approx(K, rel=1e-6)
    one_class = torch.zeros(200, K)
    one_class[:, 3] = 1
    assert inception_score(one_class) == pytest.approx(1.0, abs=1e-6)
    uniform = torch.full((50, K), 1.0 / K)
    assert inception_score(uniform) == pytest.approx(1.0, abs=1e-6)
    mean, std = inception_score(one_hot, splits=4, return_std=True)
    assert mean == pytest.approx(K, rel=1e-6) and std == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match="probs"):
        inception_score(torch.ones(5, 3))
    with pytest.raises(ValueError, match="splits"):
        inception_score(one_hot, splits=0)


def test_inception_score_matches_definition():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(64, 5)) * 3
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    py = p.mean(0)
    ref = np.exp(np.mean(np.sum(p * (np.log(p) - np.log(py)), axis=1)))
    assert inception_score(p) == pytest.approx(ref, rel=1e-8)


# ----------------------------------------------------------------------------- KID
def test_kid_unbiased_mmd_reference():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(40, 6)), rng.normal(loc=0.3, size=(40, 6))
    k = lambda a, b: (a @ b.T / 6 + 1) ** 3  # noqa: E731
    m = 40
    ref = ((k(x, x).sum() - np.trace(k(x, x)))
           + (k(y, y).sum() - np.trace(k(y, y)))) / (m * (m - 1)) \
        - 2 * k(x, y).mean()
    assert kid(x, y, subsets=1, subset_size=40) == pytest.approx(ref, rel=1e-10)
    # identical distributions: close to zero (unbiased: may be slightly negative)
    z = rng.normal(size=(600, 6))
    same = kid(z[:300], z[300:], subsets=20, subset_size=200)
    shifted = kid(z[:300], z[300:] + 1.0, subsets=20, subset_size=200)
    assert abs(same) < 0.1 * shifted
    with pytest.raises(ValueError, match="subset_size"):
        kid(x, y, subset_size=100)


# ----------------------------------------------------------------------------- precision / recall
def test_precision_recall():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(300, 8))
    assert precision_recall(a, a, k=3) == {"precision": 1.0, "recall": 1.0}
    far = precision_recall(a, a + 100.0, k=3)
    assert far["precision"] == 0.0 and far["recall"] == 0.0
    # a collapsed generator: a tight cluster inside the real data -> high precision, low recall
    collapsed = 0.01 * rng.normal(size=(300, 8))
    pr = precision_recall(a, collapsed, k=3)
    assert pr["precision"] > 0.9 and pr["recall"] < 0.1
    with pytest.raises(ValueError, match="k="):
        precision_recall(a, a, k=0)


# ----------------------------------------------------------------------------- digits classifier
def test_digits_classifier_accuracy_and_cache(clf):
    _, _, x_te, y_te = metrics.load_digits_split(seed=0)
    with torch.no_grad():
        acc = (clf(x_te).argmax(1) == y_te).float().mean().item()
        assert acc >= 0.95 and clf.test_accuracy == pytest.approx(acc)
        assert clf.features(x_te[:5]).shape == (5, 64)
        p = clf.probs(x_te[:5])
    assert p.shape == (5, 10) and torch.allclose(p.sum(1), torch.ones(5))
    assert train_digits_classifier(seed=0) is clf  # cached per process
    with pytest.raises(ValueError, match="x must have shape"):
        clf.features(torch.zeros(2, 1, 28, 28))


def test_digits_classifier_save_load(tmp_path, clf):
    path = tmp_path / "clf.pt"
    a = train_digits_classifier(seed=0, epochs=2, path=path)
    assert path.exists()
    from ganlib.features import _cached
    _cached.cache_clear()
    b = train_digits_classifier(seed=0, epochs=2, path=path)  # loaded, not retrained
    assert b is not a and b.test_accuracy == pytest.approx(a.test_accuracy)
    x = torch.zeros(3, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(a(x), b(x))


def test_digits_inception_score_of_real_digits(clf, digit_sets):
    real, _, fake = digit_sets
    with torch.no_grad():
        is_real = inception_score(clf.probs(real))
        is_fake = inception_score(clf.probs(fake))
    assert 7.0 < is_real <= 10.0 and is_fake < is_real


# ------------------------------------------------------------------------ torchmetrics agreement
class _Float64Features(torch.nn.Module):
    """The digits features in float64 so torchmetrics' numbers are not float32-rounded."""
    num_features = 64

    def __init__(self, clf):
        super().__init__()
        self.clf = clf

    def forward(self, x):
        return self.clf.features(x).double()


def test_fid_matches_torchmetrics(clf, digit_sets):
    from torchmetrics.image.fid import FrechetInceptionDistance
    real, other, fake = digit_sets
    with torch.no_grad():
        for feat, rel in ((_Float64Features(clf), 1e-6), (clf.feature_extractor(), 1e-4)):
            for b in (other, fake):
                tm = FrechetInceptionDistance(feature=feat, normalize=True)
                tm.update(real, real=True)
                tm.update(b, real=False)
                ours = fid_from_features(clf.features(real), clf.features(b))
                assert ours == pytest.approx(float(tm.compute()), rel=rel)
    assert fid_from_features(clf.features(real), clf.features(fake)) > \
        fid_from_features(clf.features(real), clf.features(other))


def test_kid_matches_torchmetrics(clf, digit_sets):
    from torchmetrics.image.kid import KernelInceptionDistance
    real, other, fake = digit_sets
    with torch.no_grad():
        for b in (other, fake):
            tm = KernelInceptionDistance(feature=_Float64Features(clf), subsets=10, subset_size=100,
                                         normalize=True)
            tm.update(real, real=True)
            tm.update(b, real=False)
            torch.manual_seed(123)
            tm_mean, tm_std = tm.compute()
            torch.manual_seed(123)  # same subsets (same randperm sequence)
            mean, std = kid(clf.features(real), clf.features(b), subsets=10, subset_size=100,
                            return_std=True)
            assert mean == pytest.approx(float(tm_mean), rel=1e-8, abs=1e-12)
            assert std == pytest.approx(float(tm_std), rel=1e-6, abs=1e-12)
        # whole sets (no subsampling) through the float32 extractor
        tm = KernelInceptionDistance(feature=clf.feature_extractor(), subsets=1, subset_size=220,
                                     normalize=True)
        tm.update(real, real=True)
        tm.update(fake, real=False)
        ours = kid(clf.features(real), clf.features(fake), subsets=1, subset_size=220)
        assert ours == pytest.approx(float(tm.compute()[0]), rel=1e-4)


# ----------------------------------------------------------------------------- bad inputs
def test_kid_default_works_for_sets_smaller_than_1000():
    # regression (issue 13, defect 8): the default subset_size=1000 refused any set < 1000
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(120, 4)), rng.normal(size=(90, 4))
    g = torch.Generator().manual_seed(0)
    ours = kid(x, y, subsets=5, generator=g)
    same = kid(x, y, subsets=5, subset_size=90, generator=torch.Generator().manual_seed(0))
    assert ours == same                       # the default is min(n, m, 1000) = 90
    with pytest.raises(ValueError, match=r"subset_size=100 must be an integer >= 2 and <= 90"):
        kid(x, y, subset_size=100)


NAN, INF = float("nan"), float("inf")
_X = np.random.default_rng(6).normal(size=(30, 3))


@pytest.mark.parametrize("call, name", [
    (lambda: kid(_X, _X, gamma=NAN), "gamma"),
    (lambda: kid(_X, _X, gamma=-1.0), "gamma"),
    (lambda: kid(_X, _X, gamma=0.0), "gamma"),
    (lambda: kid(_X, _X, coef=NAN), "coef"),
    (lambda: kid(_X, _X, coef=-1.0), "coef"),
    (lambda: kid(_X, _X, coef="1"), "coef"),
    (lambda: kid(_X, _X, degree=0), "degree"),
    (lambda: kid(_X, _X, degree=2.5), "degree"),
    (lambda: kid(_X, _X, subsets=0), "subsets"),
    (lambda: kid(_X, _X, subsets=True), "subsets"),
    (lambda: kid(_X, _X, subset_size=1), "subset_size"),
    (lambda: kid(_X[:1], _X), "f_real"),
    (lambda: kid(_X * NAN, _X), "f_real"),
    (lambda: kid(_X, "abc"), "f_fake"),
    (lambda: mode_coverage(_X[:, :2], _X[:3, :2], std=NAN), "std"),
    (lambda: mode_coverage(_X[:, :2], _X[:3, :2], std=-1), "std"),
    (lambda: mode_coverage(_X[:, :2], _X[:3, :2], std=0.1, n_sigma=INF), "n_sigma"),
    (lambda: mode_coverage(_X[:, :2], _X[:3, :2], std=0.1, min_count=0), "min_count"),
    (lambda: mode_coverage(_X[:, :2], _X[:3, :2], std=0.1, min_count=1.5), "min_count"),
    (lambda: mode_coverage(_X[:, :2], _X[:3, :2], std=None), "std"),
    (lambda: mode_coverage(_X[:, :2] * INF, _X[:3, :2], std=0.1), "samples"),
    (lambda: frechet_distance([0.0], [[1.0]], [0.0], [[1.0]], eps=-1), "eps"),
    (lambda: frechet_distance([NAN], [[1.0]], [0.0], [[1.0]]), "mu1"),
    (lambda: fid_from_features(_X, _X[:1]), "f_fake"),
    (lambda: inception_score(np.full((4, 2), 0.5), splits=0), "splits"),
    (lambda: inception_score(np.full((4, 2), 0.5), splits=5), "splits"),
    (lambda: inception_score(np.full((4, 2), 0.5), eps=NAN), "eps"),
    (lambda: inception_score(np.full((4, 2), 0.7)), "probs"),
    (lambda: precision_recall(_X, _X, k=0), "k"),
    (lambda: precision_recall(_X, _X, k=30), "k"),
    (lambda: precision_recall(_X, _X, chunk=0), "chunk"),
])
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises((ValueError, TypeError), match=rf"\b{name}"):
        call()


def test_numpy_scalars_are_accepted():
    a = kid(_X, _X + 1, subsets=np.int64(2), subset_size=np.int64(20), gamma=np.float32(0.5),
            coef=np.float64(1.0), generator=torch.Generator().manual_seed(0))
    b = kid(_X, _X + 1, subsets=2, subset_size=20, gamma=0.5, coef=1.0,
            generator=torch.Generator().manual_seed(0))
    assert a == pytest.approx(b)
    cov = mode_coverage(_X[:, :2], _X[:3, :2], std=np.float32(1.0), min_count=np.int64(1))
    assert cov["n_modes"] == 3
