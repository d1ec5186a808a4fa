"""Tests of the chapter 1 exercise checkers (ganlib/exercises/ch01.py): each checker accepts
the reference answer and rejects typical mistakes with the specific hint."""
import math

import pytest
import torch

from ganlib.exercises import ch01


# ----------------------------------------------------------------------------- check_kl
def kl_right(mu1, s1, mu2, s2):
    return math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5


def test_check_kl_accepts_closed_form_and_tensor_output():
    assert ch01.check_kl(kl_right)
    assert ch01.check_kl(lambda *a: torch.tensor(kl_right(*a)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda m1, s1, m2, s2: kl_right(m2, s2, m1, s1), "swapped"),
    (lambda m1, s1, m2, s2: kl_right(m1, s1, m2, s2) + 0.5, "-1/2 constant"),
    (lambda m1, s1, m2, s2: math.log(s2**2 / s1**2) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5,
     "log term uses variances"),
    (lambda m1, s1, m2, s2: math.log(s2 / s1) + (m1 - m2) ** 2 / (2 * s2**2) - 0.5, "variance ratio"),
    (lambda m1, s1, m2, s2: kl_right(m1, s1, m2, s2) / math.log(2), "log base 2"),
    (lambda m1, s1, m2, s2: float("nan"), "nan"),
    (lambda m1, s1, m2, s2: (m1 - m2) ** 2, r"expected"),
])
def test_check_kl_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch01.check_kl(wrong)


def test_check_kl_reports_learner_exception():
    with pytest.raises(AssertionError, match="raised ZeroDivisionError"):
        ch01.check_kl(lambda *a: 1 / 0)


# ----------------------------------------------------------------------------- check_mle_gaussian
def test_check_mle_gaussian_accepts_mle():
    assert ch01.check_mle_gaussian(lambda x: (x.mean(), x.std(unbiased=False)))
    assert ch01.check_mle_gaussian(lambda x: (float(x.mean()), float(((x - x.mean()) ** 2).mean().sqrt())))


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: (x.mean(), x.std()), "n-1"),
    (lambda x: (x.mean(), x.var(unbiased=False)), "variance"),
    (lambda x: (x.median(), x.std(unbiased=False)), "median"),
    (lambda x: (x.mean(), x.abs().mean()), "expected"),
    (lambda x: x.mean(), "pair"),
])
def test_check_mle_gaussian_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch01.check_mle_gaussian(wrong)


# ----------------------------------------------------------------------------- check_jsd
def jsd_right(p, q):
    m = 0.5 * (p + q)
    return 0.5 * torch.xlogy(p, p / m).sum() + 0.5 * torch.xlogy(q, q / m).sum()


def kl_t(p, q):
    return torch.xlogy(p, p / q).sum()


def test_check_jsd_accepts_reference():
    assert ch01.check_jsd(jsd_right)


@pytest.mark.parametrize("wrong, hint", [
    (lambda p, q: 2 * jsd_right(p, q), "factor 1/2"),
    (lambda p, q: jsd_right(p, q) / math.log(2), "log base 2"),
    (lambda p, q: 0.5 * kl_t(p, 0.5 * (p + q)), r"only KL\(p\|\|m\)/2"),
    (lambda p, q: kl_t(p, 0.5 * (p + q)), r"only KL\(p\|\|m\) is there"),
    (lambda p, q: 0.5 * kl_t(p, q) + 0.5 * kl_t(q, p), "mixture"),
    (lambda p, q: (0.5 * (p * torch.log(p / (0.5 * (p + q)))).sum()
                   + 0.5 * (q * torch.log(q / (0.5 * (p + q)))).sum()), "nan"),
])
def test_check_jsd_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch01.check_jsd(wrong)
