"""Tests of the chapter 3 exercise checkers (ganlib/exercises/ch03.py): each checker accepts
the reference answer and rejects typical mistakes with the specific hint."""
import math

import pytest
import torch

from ganlib.exercises import ch03


# ----------------------------------------------------------------------------- D*
def test_check_optimal_discriminator_accepts_reference():
    assert ch03.check_optimal_discriminator(lambda a, b: a / (a + b))
    assert ch03.check_optimal_discriminator(lambda a, b: torch.sigmoid(torch.log(a) - torch.log(b)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda a, b: b / (a + b), "real and fake are swapped"),
    (lambda a, b: a, "missing normalisation"),
    (lambda a, b: a / b, "density ratio"),
    (lambda a, b: torch.full_like(a, 0.5), "1/2 everywhere"),
    (lambda a, b: torch.log(a / b), "logit"),
    (lambda a, b: 2 * a / (a + b), "factor 1/2"),
    (lambda a, b: (a / (a + b)).mean(), "shape"),
    (lambda a, b: a**2 / (a**2 + b**2), "expected"),
])
def test_check_optimal_discriminator_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch03.check_optimal_discriminator(wrong)


# ----------------------------------------------------------------------------- C(G)
def test_check_value_at_optimum_accepts():
    assert ch03.check_value_at_optimum(-math.log(2))
    assert ch03.check_value_at_optimum(torch.tensor(-0.6932))


@pytest.mark.parametrize("value, hint", [
    (-math.log(4), "only when p_g = p_data"),
    (math.log(2) / 2, "JSD itself"),
    (math.log(2), "forgot the -log 4"),
    (-math.log(4) + math.log(2) / 2, "factor 2"),
    (-math.log(4) + 2 * math.log(2), "disjoint supports"),
    (-1.0, "base-2"),
    (0.5, "outside"),
    (-0.3, "not right"),
    ("abc", "number"),
])
def test_check_value_at_optimum_rejects(value, hint):
    with pytest.raises(AssertionError, match=hint):
        ch03.check_value_at_optimum(value)


# ----------------------------------------------------------------------------- density ratio
def test_check_density_ratio_accepts():
    assert ch03.check_density_ratio(lambda d, p_g: p_g * d / (1 - d))
    assert ch03.check_density_ratio(lambda d, p_g: p_g * torch.exp(torch.logit(d)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda d, p_g: p_g * (1 - d) / d, "inverted"),
    (lambda d, p_g: d / (1 - d), "multiply by p_g"),
    (lambda d, p_g: p_g * d, r"divide by \(1 - D\)"),
    (lambda d, p_g: p_g / d, "divided p_g by D"),
    (lambda d, p_g: d, "D itself"),
    (lambda d, p_g: p_g, "expected"),
])
def test_check_density_ratio_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch03.check_density_ratio(wrong)


# ----------------------------------------------------------------------------- NS objective
def ns_right(p, q):
    m = 0.5 * (p + q)
    kl_qp = torch.xlogy(q, q / p.clamp_min(1e-300)).sum()
    jsd = 0.5 * torch.xlogy(p, p / m).sum() + 0.5 * torch.xlogy(q, q / m).sum()
    return kl_qp - 2 * jsd


def _kl_t(a, b):
    return torch.xlogy(a, a / b.clamp_min(1e-300)).sum()


def _jsd_t(p, q):
    m = 0.5 * (p + q)
    return 0.5 * _kl_t(p, m) + 0.5 * _kl_t(q, m)


def test_check_ns_objective_accepts():
    assert ch03.check_ns_objective(ns_right)


@pytest.mark.parametrize("wrong, hint", [
    (lambda p, q: _kl_t(p, q) - 2 * _jsd_t(p, q), "wrong way round"),
    (lambda p, q: _kl_t(q, p) + 2 * _jsd_t(p, q), "wrong sign"),
    (lambda p, q: _kl_t(q, p) - _jsd_t(p, q), "factor 2"),
    (lambda p, q: _kl_t(q, p), "missing"),
    (lambda p, q: (q * torch.log(q / p)).sum() - 2 * _jsd_t(p, q), "nan"),
    (lambda p, q: _kl_t(q, p) - 2 * _jsd_t(p, q) + 0.1, "expected"),
])
def test_check_ns_objective_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch03.check_ns_objective(wrong)


# ----------------------------------------------------------------------------- ML cost
def test_check_ml_generator_loss_accepts():
    assert ch03.check_ml_generator_loss(lambda logit: -torch.exp(logit).mean())
    assert ch03.check_ml_generator_loss(
        lambda logit: -(torch.sigmoid(logit) / torch.sigmoid(-logit)).mean())


@pytest.mark.parametrize("wrong, hint", [
    (lambda logit: torch.exp(logit).mean(), "sign"),
    (lambda logit: -0.5 * torch.exp(logit).mean(), "1/2"),
    (lambda logit: -torch.sigmoid(logit).mean(), "odds"),
    (lambda logit: torch.nn.functional.softplus(-logit).mean(), "non-saturating"),
    (lambda logit: -torch.nn.functional.softplus(logit).mean(), "minimax"),
    (lambda logit: torch.tensor(-torch.exp(logit).mean().item()), "keeps the gradient"),
    (lambda logit: -torch.exp(logit), "one number"),
    (lambda logit: -torch.exp(logit).sum(), "expected"),
])
def test_check_ml_generator_loss_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch03.check_ml_generator_loss(wrong)


def test_check_value_at_optimum_accepts_a_function():
    assert ch03.check_value_at_optimum(lambda: -math.log(2))
