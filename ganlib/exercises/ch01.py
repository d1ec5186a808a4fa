"""Checkers for the exercises of chapter 1, Generative models.

- :func:`check_kl`: KL divergence between two univariate Gaussians (closed form).
- :func:`check_mle_gaussian`: maximum-likelihood fit of a Gaussian to 1D samples.
- :func:`check_jsd`: Jensen-Shannon divergence of two discrete distributions (nats).

Every checker prints a success message and returns ``True`` for a right answer and raises
``AssertionError`` with a specific hint (what is wrong, not only that it is wrong) otherwise.
The reference formulas are written out here with NumPy so the checkers never depend on the
learner's or the library's implementation.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ._common import checker, jsd_discrete, kl_discrete

__all__ = ["check_jsd", "check_kl", "check_mle_gaussian"]

_LOG2 = math.log(2.0)


def _to_float(value, name: str) -> float:
    """Turn a Python/NumPy/torch scalar into a float (AssertionError naming ``name`` if not)."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise AssertionError(f"{name} should be a scalar, got a tensor of shape {tuple(value.shape)}")
        return float(value.detach().cpu().item())
    try:
        return float(np.asarray(value, dtype=float).reshape(()))
    except (TypeError, ValueError) as err:
        raise AssertionError(f"{name} should be a number, got {type(value).__name__}: {value!r}") from err


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


# ---------------------------------------------------------------------------- KL of Gaussians
def _kl_gauss(mu1, s1, mu2, s2):
    """KL(N(mu1, s1^2) || N(mu2, s2^2)) = log(s2/s1) + (s1^2 + (mu1-mu2)^2) / (2 s2^2) - 1/2."""
    return math.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5


_KL_CASES = [(0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 1.0, 1.0), (0.5, 0.5, -1.0, 2.0),
             (1.0, 2.0, 0.0, 0.7), (-2.0, 1.5, 1.0, 1.0), (0.3, 0.2, 0.1, 3.0)]

_KL_MISTAKES = [
    (("your function returns KL(q||p) instead of KL(p||q): the arguments are swapped "
     "(KL is not symmetric; the expectation is under the FIRST distribution N(mu1, s1^2))"),
     lambda m1, s1, m2, s2: _kl_gauss(m2, s2, m1, s1)),
    ("the -1/2 constant is missing (check: KL(N(0,1)||N(0,1)) must be exactly 0)",
     lambda m1, s1, m2, s2: _kl_gauss(m1, s1, m2, s2) + 0.5),
    (("the log term uses variances and the other terms standard deviations inconsistently: "
     "it should be log(s2/s1) = 0.5*log(s2^2/s1^2)"),
     lambda m1, s1, m2, s2: math.log(s2**2 / s1**2) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5),
    (("the variance ratio s1^2/(2*s2^2) is missing: only the squared mean difference is divided "
     "by 2*s2^2"),
     lambda m1, s1, m2, s2: math.log(s2 / s1) + (m1 - m2) ** 2 / (2 * s2**2) - 0.5),
    ("you used log base 2 (bits); the book measures divergences in nats (natural log)",
     lambda m1, s1, m2, s2: _kl_gauss(m1, s1, m2, s2) / _LOG2),
    ("you divided by s2 instead of s2^2 (use variances in the quadratic term)",
     lambda m1, s1, m2, s2: math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2) - 0.5),
]


@checker
def check_kl(fn) -> bool:
    """Check ``fn(mu1, s1, mu2, s2) -> KL(N(mu1, s1^2) || N(mu2, s2^2))`` in nats.

    Reference: ``log(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2``. Arguments are
    Python floats (standard deviations, not variances); the result may be a float or a 0-d
    tensor/array. Chapter 1, exercise ``ex-ch01-kl``.
    """
    got = []
    for case in _KL_CASES:
        try:
            got.append(_to_float(fn(*case), "fn(mu1, s1, mu2, s2)"))
        except AssertionError:
            raise
        except Exception as err:
            raise AssertionError(f"fn{case} raised {type(err).__name__}: {err}") from err
    want = [_kl_gauss(*c) for c in _KL_CASES]
    if all(_close(g, w, 1e-6) for g, w in zip(got, want)):
        print("Correct: your KL matches the closed form (and is 0 for identical Gaussians).")
        return True
    if any(math.isnan(g) for g in got):
        raise AssertionError("fn returned nan for some inputs; the closed form needs no special cases")
    for hint, wrong in _KL_MISTAKES:
        if all(_close(g, wrong(*c), 1e-6) for g, c in zip(got, _KL_CASES)):
            raise AssertionError(hint)
    if any(g < -1e-9 for g in got):
        raise AssertionError("fn returned a negative value; a KL divergence is always >= 0")
    bad = next(i for i, (g, w) in enumerate(zip(got, want)) if not _close(g, w, 1e-6))
    raise AssertionError(f"fn{_KL_CASES[bad]} = {got[bad]:.6f}, expected {want[bad]:.6f}; "
                         "re-derive E_p[log p - log q] for two Gaussians")


# ---------------------------------------------------------------------------- Gaussian MLE
def _samples():
    gen = torch.Generator().manual_seed(1)
    small = 1.5 + 0.8 * torch.randn(8, generator=gen, dtype=torch.float64)
    large = -0.7 + 2.0 * torch.randn(500, generator=gen, dtype=torch.float64) ** 3 / 3
    return [small, large]


@checker
def check_mle_gaussian(fn) -> bool:
    """Check ``fn(x) -> (mu, sigma)``, the maximum-likelihood Gaussian for 1D samples ``x``.

    ``x`` is a float64 tensor of shape ``(n,)``. The MLE is the sample mean and the
    standard deviation that divides by ``n`` (not ``n - 1``). Chapter 1, exercise
    ``ex-ch01-mle``.
    """
    for x in _samples():
        try:
            out = fn(x.clone())
        except Exception as err:
            raise AssertionError(f"fn(x) raised {type(err).__name__}: {err}") from err
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise AssertionError("fn(x) should return a pair (mu, sigma)")
        mu, sigma = _to_float(out[0], "mu"), _to_float(out[1], "sigma")
        n = x.numel()
        mu_ref = float(x.mean())
        var_ref = float(((x - x.mean()) ** 2).mean())
        sigma_ref = math.sqrt(var_ref)
        if not _close(mu, mu_ref, 1e-6):
            if _close(mu, float(x.median()), 1e-6):
                raise AssertionError("mu is the sample median; the MLE of a Gaussian mean is the sample mean")
            raise AssertionError(f"mu = {mu:.6f}, expected the sample mean {mu_ref:.6f}")
        if _close(sigma, sigma_ref, 1e-6):
            continue
        if _close(sigma, sigma_ref * math.sqrt(n / (n - 1)), 1e-6):
            raise AssertionError("sigma divides by n-1 (the unbiased estimator, torch.std's default); "
                                 "the maximum-likelihood estimate divides by n (unbiased=False)")
        if _close(sigma, var_ref, 1e-6) or _close(sigma, var_ref * n / (n - 1), 1e-6):
            raise AssertionError("you returned the variance; return the standard deviation sigma")
        raise AssertionError(f"sigma = {sigma:.6f}, expected {sigma_ref:.6f} "
                             "(set the derivative of the log-likelihood w.r.t. sigma to zero)")
    print("Correct: sample mean and the 1/n standard deviation maximise the Gaussian likelihood.")
    return True


# ---------------------------------------------------------------------------- JSD (discrete)
def _jsd_cases():
    rng = np.random.default_rng(3)
    a, b = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    return [
        (a, b),
        (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.25, 0.75])),  # disjoint -> log 2
        (np.array([0.2, 0.3, 0.5]), np.array([0.2, 0.3, 0.5])),              # identical -> 0
        (np.array([0.7, 0.3, 0.0]), np.array([0.1, 0.4, 0.5])),              # a zero in p
        (np.array([0.9, 0.1]), np.array([0.1, 0.9])),
    ]


_JSD_MISTAKES = [
    ("you returned KL(p||m) + KL(q||m) without the factor 1/2 (this is 2*JSD; JSD <= log 2)",
     lambda p, q: 2 * jsd_discrete(p, q)),
    (("you used log base 2 (bits): then disjoint distributions give 1, but the book uses nats, "
     "where the maximum is log 2 = 0.693"),
     lambda p, q: jsd_discrete(p, q) / _LOG2),
    ("only KL(p||m)/2 is there (not symmetric): add the second term KL(q||m)/2",
     lambda p, q: 0.5 * kl_discrete(p, 0.5 * (p + q))),
    ("only KL(p||m) is there (not symmetric): JSD = KL(p||m)/2 + KL(q||m)/2",
     lambda p, q: kl_discrete(p, 0.5 * (p + q))),
    (("you compared p and q directly (KL(p||q)/2 + KL(q||p)/2); JSD compares each with the "
     "mixture m = (p + q)/2"),
     lambda p, q: 0.5 * kl_discrete(p, q) + 0.5 * kl_discrete(q, p)),
]


@checker
def check_jsd(fn) -> bool:
    """Check ``fn(p, q) -> JSD(p || q)`` for discrete distributions, in nats.

    ``p`` and ``q`` are float64 tensors of shape ``(K,)`` summing to 1, possibly with zeros
    (use the convention 0 log 0 = 0, e.g. ``torch.xlogy``). Reference:
    ``JSD = KL(p||m)/2 + KL(q||m)/2`` with ``m = (p + q)/2``. Chapter 1, exercise ``ex-ch01-jsd``.
    """
    cases = _jsd_cases()
    got = []
    for p, q in cases:
        try:
            val = fn(torch.as_tensor(p, dtype=torch.float64), torch.as_tensor(q, dtype=torch.float64))
        except Exception as err:
            raise AssertionError(f"fn(p, q) raised {type(err).__name__}: {err} for p={p}, q={q}") from err
        got.append(_to_float(val, "fn(p, q)"))
    want = [jsd_discrete(p, q) for p, q in cases]
    if all(_close(g, w, 1e-6) for g, w in zip(got, want)):
        print("Correct: JSD is symmetric, 0 for identical and log 2 for disjoint distributions.")
        return True
    if any(math.isnan(g) for g in got):
        raise AssertionError("fn returned nan: terms with p_i = 0 must contribute 0 (0*log 0 = 0); "
                             "use torch.xlogy or mask the zeros")
    for hint, wrong in _JSD_MISTAKES:
        with np.errstate(divide="ignore", invalid="ignore"):
            wrong_vals = [wrong(p, q) for p, q in cases]
        if all(_close(g, w, 1e-6) for g, w in zip(got, wrong_vals) if math.isfinite(w)):
            raise AssertionError(hint)
    if _close(got[1], 2 * _LOG2, 1e-6) or got[1] > _LOG2 + 1e-6:
        raise AssertionError(f"disjoint distributions gave {got[1]:.4f} > log 2; check the factors 1/2")
    raise AssertionError(f"JSD(p, q) = {got[0]:.6f} for the first test pair, expected {want[0]:.6f}")
