"""Tests of the chapter 6 exercise checkers (ganlib/exercises/ch06.py): each checker accepts
the reference answer (and ganlib.metrics' implementation) and rejects typical mistakes with the
specific hint."""
import math

import pytest
import torch

from ganlib import metrics
from ganlib.exercises import ch06


# ----------------------------------------------------------------------------- Inception Score
def is_right(p):
    py = p.mean(0, keepdim=True)                                         # (1, K)
    kl = (p * (torch.log(p + 1e-12) - torch.log(py + 1e-12))).sum(1)     # (n,)
    return torch.exp(kl.mean())


def _kl(p, py, log=torch.log):
    return (p * (log(p + 1e-12) - log(py + 1e-12))).sum(1)


def test_check_inception_score_accepts():
    assert ch06.check_inception_score(is_right)
    assert ch06.check_inception_score(lambda p: metrics.inception_score(p))
    # exp(H(y) - H(y|x)) is the same number (mutual information form)
    def via_entropies(p):
        py = p.mean(0)
        h_y = -(py * torch.log(py + 1e-12)).sum()
        h_yx = -(p * torch.log(p + 1e-12)).sum(1).mean()
        return math.exp(h_y - h_yx)
    assert ch06.check_inception_score(via_entropies)
    # log2 paired with 2** is also right
    assert ch06.check_inception_score(
        lambda p: 2 ** _kl(p, p.mean(0, keepdim=True), torch.log2).mean())


@pytest.mark.parametrize("wrong, hint", [
    (lambda p: _kl(p, p.mean(0, keepdim=True)).mean(), "without the exponential"),
    (lambda p: torch.exp(_kl(p, p.mean(0, keepdim=True), torch.log2).mean()), "base 2"),
    (lambda p: torch.exp(_kl(p, p.mean(0, keepdim=True), torch.log10).mean()), "base 10"),
    (lambda p: torch.exp(_kl(p, p.mean(0, keepdim=True))).mean(), "exp is inside"),
    (lambda p: torch.exp(_kl(p, p.mean(0, keepdim=True)).sum()), "summed"),
    (lambda p: torch.exp((p.mean(0, keepdim=True) * (torch.log(p.mean(0, keepdim=True))
                                                     - torch.log(p + 1e-12))).sum(1).mean()),
     "reversed"),
    (lambda p: torch.exp(_kl(p, p.mean(1, keepdim=True)).mean()), "wrong marginal"),
    (lambda p: torch.exp(_kl(p, torch.full_like(p, 1 / p.shape[1])).mean()), "wrong marginal"),
    (lambda p: (p * torch.log(p + 1e-12)).sum() / (
        p.mean(0) * torch.log(p.mean(0)) * len(p)).sum(), "ratio of"),
    (lambda p: torch.exp(-(p.mean(0) * torch.log(p.mean(0))).sum()), "exp\\(H\\(y\\)\\) only"),
    (lambda p: torch.exp(_kl(p, p.mean(0, keepdim=True))), "shape"),
    (lambda p: float("nan"), "finite"),
    (lambda p: 1.0 + is_right(p), "Compute p\\(y\\)"),
])
def test_check_inception_score_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch06.check_inception_score(wrong)


# ----------------------------------------------------------------------------- Fréchet distance
def fd_right(mu1, var1, mu2, var2):
    return ((mu1 - mu2) ** 2).sum() + ((var1.sqrt() - var2.sqrt()) ** 2).sum()


def test_check_frechet_gaussian_accepts():
    assert ch06.check_frechet_gaussian(fd_right)
    assert ch06.check_frechet_gaussian(
        lambda m1, v1, m2, v2: metrics.frechet_distance(m1, torch.diag(v1), m2, torch.diag(v2)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda m1, v1, m2, v2: fd_right(m1, v1, m2, v2).sqrt(), "SQUARED distance"),
    (lambda m1, v1, m2, v2: ((v1.sqrt() - v2.sqrt()) ** 2).sum(), "mean term is missing"),
    (lambda m1, v1, m2, v2: ((m1 - m2) ** 2).sum(), "covariance term is missing"),
    (lambda m1, v1, m2, v2: ((m1 - m2) ** 2).sum() + ((v1 - v2) ** 2).sum(),
     "variances where standard deviations"),
    (lambda m1, v1, m2, v2: ((m1 - m2) ** 2).sum() + (v1 + v2 - (v1 * v2).sqrt()).sum(),
     "factor 2"),
    (lambda m1, v1, m2, v2: ((m1 - m2) ** 2).sum() + (v1 + v2 - 2 * v1 * v2).sum(),
     "matrix square root"),
    (lambda m1, v1, m2, v2: (m1 - m2).abs().sum() + ((v1.sqrt() - v2.sqrt()) ** 2).sum(),
     "absolute differences"),
    (lambda m1, v1, m2, v2: (0.5 * (v1 / v2 + (m1 - m2) ** 2 / v2 - 1 + torch.log(v2 / v1))).sum(),
     "KL divergence"),
    (lambda m1, v1, m2, v2: (m1 - m2) ** 2 + (v1.sqrt() - v2.sqrt()) ** 2, "shape"),
    (lambda m1, v1, m2, v2: 2 * fd_right(m1, v1, m2, v2), "expected"),
])
def test_check_frechet_gaussian_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch06.check_frechet_gaussian(wrong)


# ----------------------------------------------------------------------------- mode coverage
def mc_right(x, c, std, min_count=20):
    d_min, nearest = torch.cdist(x, c).min(1)
    good = d_min <= 3 * std
    counts = torch.bincount(nearest[good], minlength=len(c))
    return int((counts >= min_count).sum()), good.double().mean().item()


def _mc(threshold=lambda d, std: d <= 3 * std, quality_only=True, fraction=True, box=False,
        min_count=20, strict=False):
    def fn(x, c, std):
        d_min, nearest = torch.cdist(x, c).min(1)
        good = threshold(d_min, std)
        if box:
            good = ((x - c[nearest]).abs() <= 3 * std).all(1)
        counts = torch.bincount(nearest[good] if quality_only else nearest, minlength=len(c))
        modes = int((counts > min_count).sum() if strict else (counts >= min_count).sum())
        hq = good.double().mean().item() if fraction else good.sum().item()
        return modes, hq
    return fn


def test_check_mode_coverage_accepts():
    assert ch06.check_mode_coverage(mc_right)
    assert ch06.check_mode_coverage(lambda x, c, std: metrics.mode_coverage(x, c, std))


@pytest.mark.parametrize("wrong, hint", [
    (_mc(fraction=False), "FRACTION"),
    (_mc(min_count=1), "single high-quality sample"),
    (_mc(strict=True), ">= 20, not > 20"),
    (_mc(quality_only=False), "only HIGH-QUALITY"),
    (_mc(quality_only=False, min_count=1), "nearest centre of any"),
    (_mc(threshold=lambda d, std: d <= std), "radius is 1 sigma"),
    (_mc(threshold=lambda d, std: d <= 2 * std), "radius is 2 sigma"),
    (_mc(box=True), "Euclidean"),
    (_mc(threshold=lambda d, std: d ** 2 <= 3 * std), "SQUARED distance"),
    (_mc(threshold=lambda d, std: d <= 4 * std), "expected modes=3"),
    (lambda x, c, std: 3, "pair"),
    (lambda x, c, std: {"modes": 3}, "keys"),
])
def test_check_mode_coverage_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch06.check_mode_coverage(wrong)




# ----------------------------------------------------------------------------- transposed conv
def convt_right(n, k, s, p, op=0):
    return (n - 1) * s - 2 * p + k + op


def test_check_convt_size_accepts():
    assert ch06.check_convt_size(convt_right)

    def measured(n, k, s, p, op):
        layer = torch.nn.ConvTranspose2d(1, 1, k, s, p, op)
        return layer(torch.zeros(1, 1, n, n)).shape[-1]
    assert ch06.check_convt_size(measured)


@pytest.mark.parametrize("wrong, hint", [
    (lambda n, k, s, p, op: (n + 2 * p - k) // s + 1, "ordinary"),
    (lambda n, k, s, p, op: (n - 1) * s - p + k + op, "BOTH sides"),
    (lambda n, k, s, p, op: n * s - 2 * p + k + op, "n - 1 gaps"),
    (lambda n, k, s, p, op: (n - 1) * s - 2 * p + k, "output_padding is added"),
    (lambda n, k, s, p, op: (n - 1) * s + 2 * p + k + op, "crops"),
    (lambda n, k, s, p, op: 2 * n, "nn.ConvTranspose2d gives"),
    (lambda n, k, s, p, op: torch.ones(2), "shape"),
])
def test_check_convt_size_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch06.check_convt_size(wrong)
