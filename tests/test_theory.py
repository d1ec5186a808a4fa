"""Tests of ganlib/theory.py against closed forms, scipy and POT."""
import math

import numpy as np
import ot
import pytest
import torch
from scipy import stats

from ganlib import data, theory

LOG2, LOG4 = math.log(2.0), math.log(4.0)
LO, HI = -15.0, 15.0
PAIRS = [
    (data.Gaussian1D(0.0, 1.0), data.Gaussian1D(1.5, 1.0)),
    (data.Gaussian1D(0.0, 1.0), data.Gaussian1D(0.5, 2.0)),
    (data.Mixture1D([-2.0, 2.0], [0.5, 0.5]), data.Gaussian1D(0.0, 1.5)),
]


@pytest.mark.parametrize("p, q", PAIRS)
def test_value_at_optimum_is_minus_log4_plus_2_jsd(p, q):
    v = theory.value_at_optimum(p, q, LO, HI)
    jsd = theory.js_divergence(p, q, LO, HI)
    assert v == pytest.approx(-LOG4 + 2 * jsd, abs=1e-6)
    assert 0 < jsd < LOG2 and v > -LOG4


def test_value_at_optimum_when_pg_equals_pdata():
    p = data.Mixture1D([-1.0, 2.0], [0.3, 0.7])
    assert theory.value_at_optimum(p, p, LO, HI) == pytest.approx(theory.MINIMAX_OPTIMUM,
                                                                  abs=1e-9)
    assert theory.MINIMAX_OPTIMUM == -LOG4
    assert theory.js_divergence(p, p, LO, HI) == pytest.approx(0.0, abs=1e-12)
    assert theory.kl_divergence(p, p, LO, HI) == pytest.approx(0.0, abs=1e-12)


def test_jsd_bounds_and_symmetry():
    far_a, far_b = data.Gaussian1D(-5.0, 0.2), data.Gaussian1D(5.0, 0.2)  # ~disjoint supports
    assert theory.js_divergence(far_a, far_b, LO, HI) == pytest.approx(LOG2, abs=1e-6)
    for p, q in PAIRS:
        pq, qp = theory.js_divergence(p, q, LO, HI), theory.js_divergence(q, p, LO, HI)
        assert pq == pytest.approx(qp, abs=1e-12) and 0 <= pq <= LOG2


@pytest.mark.parametrize("mu1, s1, mu2, s2", [(0, 1, 1.5, 1), (0, 1, 0.5, 2), (1, 0.5, -1, 1.3),
                                              (2, 3, 2, 3)])
def test_kl_matches_gaussian_closed_form(mu1, s1, mu2, s2):
    closed = theory.gaussian_kl(mu1, s1, mu2, s2)
    hand = math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5
    assert closed == pytest.approx(hand, rel=1e-12, abs=1e-15)
    numeric = theory.kl_divergence(data.Gaussian1D(mu1, s1), data.Gaussian1D(mu2, s2), -30, 30)
    assert numeric == pytest.approx(closed, rel=1e-6, abs=1e-9)


def test_kl_is_asymmetric_and_accepts_callables():
    p, q = stats.norm(0, 1).pdf, stats.norm(0, 2).pdf  # plain numpy callables
    assert theory.kl_divergence(p, q, LO, HI) == pytest.approx(theory.gaussian_kl(0, 1, 0, 2))
    assert theory.kl_divergence(q, p, LO, HI) == pytest.approx(theory.gaussian_kl(0, 2, 0, 1))
    assert theory.gaussian_kl(0, 1, 0, 2) != pytest.approx(theory.gaussian_kl(0, 2, 0, 1))


def test_gaussian_kl_tensor_is_differentiable():
    mu = torch.tensor(0.7, requires_grad=True)
    kl = theory.gaussian_kl(mu, torch.tensor(1.0), 0.0, 1.0)  # = mu²/2
    kl.backward()
    assert kl.item() == pytest.approx(0.245) and mu.grad.item() == pytest.approx(0.7)


def test_optimal_discriminator():
    p, q = data.Gaussian1D(0.0, 1.0), data.Gaussian1D(1.5, 1.0)
    x = np.linspace(-3, 4, 15)
    d = theory.optimal_discriminator(p, q, x)
    np.testing.assert_allclose(d, 1 / (1 + np.exp(-(1.125 - 1.5 * x))), rtol=1e-12)
    xt = torch.as_tensor(x)[:, None]  # (n, 1) tensor in -> (n,) tensor out
    dt = theory.optimal_discriminator(p, q, xt)
    assert torch.is_tensor(dt) and dt.shape == (15,)
    np.testing.assert_allclose(theory.optimal_discriminator(p, p, x), 0.5)
    with pytest.raises(ValueError, match="x has shape"):
        theory.optimal_discriminator(p, q, np.zeros((3, 2)))


def test_w1_1d_matches_scipy_pot_and_sorting():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=200), rng.normal(0.3, 1.5, size=200)
    w = theory.wasserstein1_1d(torch.as_tensor(x), y)
    assert w == pytest.approx(stats.wasserstein_distance(x, y), rel=1e-12)
    assert w == pytest.approx(np.mean(np.abs(np.sort(x) - np.sort(y))), rel=1e-10)
    assert theory.wasserstein1_samples(x[:, None], y[:, None]) == pytest.approx(w, rel=1e-8)
    assert w == pytest.approx(ot.wasserstein_1d(x, y, p=1), rel=1e-8)


def test_w1_of_a_shift_is_the_shift():
    rng = np.random.default_rng(1)
    x = rng.normal(size=150)
    assert theory.wasserstein1_1d(x, x + 0.7) == pytest.approx(0.7, abs=1e-12)
    x2 = rng.normal(size=(120, 2))
    shift = np.array([0.3, -0.4])  # ‖shift‖ = 0.5
    assert theory.wasserstein1_samples(x2, x2 + shift) == pytest.approx(0.5, abs=1e-9)
    y2 = rng.normal(size=(80, 2))
    cost = ot.dist(x2, y2, metric="euclidean")
    expected = ot.emd2(np.full(120, 1 / 120), np.full(80, 1 / 80), cost)
    assert theory.wasserstein1_samples(torch.as_tensor(x2), y2) == pytest.approx(expected)


def test_w1_exact_between_densities():
    g = data.Gaussian1D(0.0, 1.0)
    assert theory.wasserstein1_1d_exact(g, data.Gaussian1D(0.8, 1.0), LO, HI) == pytest.approx(
        0.8, abs=1e-6)
    # same mean, std 1 vs 2: monotone coupling Y = 2X, W1 = E|X| = sqrt(2/π)
    assert theory.wasserstein1_1d_exact(g, data.Gaussian1D(0.0, 2.0), -25, 25) == pytest.approx(
        math.sqrt(2 / math.pi), abs=1e-6)


def test_bad_inputs_raise():
    g = data.Gaussian1D()
    with pytest.raises(ValueError, match="lo=.*hi="):
        theory.kl_divergence(g, g, 1.0, -1.0)
    with pytest.raises(ValueError, match="n=2"):
        theory.js_divergence(g, g, -1.0, 1.0, n=2)
    with pytest.raises(ValueError, match="s1="):
        theory.gaussian_kl(0.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"x has shape \(5, 2\)"):
        theory.wasserstein1_1d(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(ValueError, match="x .* and y"):
        theory.wasserstein1_samples(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="dim=2"):
        theory.kl_divergence(data.ring(), data.ring(), -1.0, 1.0)


# ---- D*: one convention, used by every figure (issue 13) ---------------------------------
def test_dstar_is_one_half_where_both_densities_vanish():
    def box(lo, hi):
        return lambda x: ((x >= lo) & (x <= hi)).astype(float) / (hi - lo)
    x = np.array([-1.0, 0.5, 1.5, 2.5, 5.0])            # outside, data only, both, fake only
    d = theory.optimal_discriminator(box(0, 2), box(1, 3), x)
    np.testing.assert_allclose(d, [0.5, 1.0, 0.5, 0.0, 0.5])
    np.testing.assert_allclose(theory.dstar_from_densities([0.0, 1.0, 0.0, 2.0],
                                                           [0.0, 0.0, 3.0, 2.0]),
                               [0.5, 1.0, 0.0, 0.5])
    t = theory.dstar_from_densities(torch.zeros(3), torch.zeros(3))
    assert torch.is_tensor(t) and torch.equal(t, torch.full((3,), 0.5))


def test_dstar_is_exact_in_the_tails_for_distributions():
    # far in the tails both densities underflow to 0; the log-densities do not
    p, q = data.Gaussian1D(0.0, 1.0), data.Gaussian1D(1.5, 1.0)
    x = np.array([-60.0, 60.0])
    assert (p.pdf(torch.as_tensor(x)) == 0).all()
    np.testing.assert_allclose(theory.optimal_discriminator(p, q, x),
                               1 / (1 + np.exp(-(1.125 - 1.5 * x))), rtol=1e-12, atol=1e-300)


NAN, INF = float("nan"), float("inf")
_P = data.Gaussian1D()


@pytest.mark.parametrize("call, name", [
    (lambda: theory.value_at_optimum(_P, _P, NAN, 1.0), "lo"),
    (lambda: theory.value_at_optimum(_P, _P, "a", 1.0), "lo"),
    (lambda: theory.kl_divergence(_P, _P, -1.0, INF), "hi"),
    (lambda: theory.js_divergence(_P, _P, 1.0, -1.0), "lo"),
    (lambda: theory.js_divergence(_P, _P, -1.0, 1.0, n=2), "n"),
    (lambda: theory.js_divergence(_P, _P, -1.0, 1.0, n=10.0), "n"),
    (lambda: theory.wasserstein1_1d_exact(_P, _P, -1.0, 1.0, n=True), "n"),
    (lambda: theory.value_at_optimum(3.0, _P, -1.0, 1.0), "density"),
    (lambda: theory.value_at_optimum(data.ring(), _P, -1.0, 1.0), "dim"),
    (lambda: theory.optimal_discriminator(_P, _P, [0.0, NAN]), "x"),
    (lambda: theory.optimal_discriminator(_P, _P, "abc"), "x"),
    (lambda: theory.wasserstein1_1d([1.0, NAN], [0.0]), "x"),
    (lambda: theory.wasserstein1_1d([1.0], []), "y"),
    (lambda: theory.wasserstein1_samples(np.zeros((3, 2)), np.full((3, 2), INF)), "y"),
    (lambda: theory.gaussian_kl(0.0, NAN, 0.0, 1.0), "s1"),
    (lambda: theory.gaussian_kl(0.0, 1.0, 0.0, -1.0), "s2"),
    (lambda: theory.gaussian_kl(INF, 1.0, 0.0, 1.0), "mu1"),
    (lambda: theory.gaussian_kl(0.0, 1.0, "a", 1.0), "mu2"),
])
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises((ValueError, TypeError), match=rf"\b{name}"):
        call()


def test_numpy_scalars_work():
    assert theory.js_divergence(_P, _P, np.float32(-5), np.float64(5), n=np.int64(101)) \
        == pytest.approx(0.0, abs=1e-12)
    assert theory.gaussian_kl(np.float32(0), np.float32(1), 0.0, 1.0) == pytest.approx(0.0)
