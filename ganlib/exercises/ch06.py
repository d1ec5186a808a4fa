"""Checkers for the exercises of chapter 6, Evaluating GANs.

- :func:`check_inception_score`: IS = exp( E_x KL( p(y|x) ‖ p(y) ) ), p(y) = E_x p(y|x).
- :func:`check_frechet_gaussian`: squared Fréchet (2-Wasserstein) distance between two
  Gaussians with diagonal covariances, ‖μ₁ − μ₂‖² + Σ_i (σ₁ᵢ − σ₂ᵢ)².
- :func:`check_mode_coverage`: modes captured and fraction of high-quality samples on a 2D
  mixture (nearest centre, within 3σ).

Every checker prints a success message and returns ``True`` for a right answer and raises
``AssertionError`` with a specific hint for a typical wrong one. The reference
implementations live in :mod:`ganlib.metrics`.
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["check_inception_score", "check_frechet_gaussian", "check_mode_coverage"]


def _call(fn, label: str, *args):
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001  (any failure becomes a hint)
        raise AssertionError(f"{label} raised {type(err).__name__}: {err}") from err


def _scalar(value, label: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise AssertionError(f"{label} returned a tensor of shape {tuple(value.shape)}; "
                                 "expected one number (did you forget to average over samples?)")
        value = value.item()
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise AssertionError(f"{label} returned an array of shape {value.shape}; "
                                 "expected one number (did you forget to average over samples?)")
        value = value.item()
    try:
        out = float(value)
    except (TypeError, ValueError) as err:
        raise AssertionError(f"{label} should return a number, got {type(value).__name__}") from err
    if not math.isfinite(out):
        raise AssertionError(f"{label} returned {out}; expected a finite number "
                             "(a log of 0? add a small eps inside the logarithm)")
    return out


def _close(got: float, want: float, tol: float = 1e-4) -> bool:
    return abs(got - want) <= tol * max(1.0, abs(want))


def _diagnose(label: str, cases, mistakes, explain: str):
    """cases: list of (got, want, context); mistakes: list of (hint, list of wrong values)."""
    for hint, wrongs in mistakes:
        if all(_close(g, w) for (g, _, _), w in zip(cases, wrongs)) and not all(
                _close(w, want) for (_, want, _), w in zip(cases, wrongs)):
            raise AssertionError(f"{label}: {hint}")
    for got, want, context in cases:
        if not _close(got, want):
            raise AssertionError(f"{label} returned {got:.6g} for {context}; expected "
                                 f"{want:.6g}. {explain}")


# ----------------------------------------------------------------------------- Inception Score
def _is_cases():
    """Class-probability matrices p(y|x), (n, K) float64, with known Inception Scores."""
    g = torch.Generator().manual_seed(6)
    cases = []
    for n, k, sharp in ((40, 10, 0.3), (60, 5, 1.0), (30, 3, 3.0)):
        logits = torch.randn(n, k, generator=g, dtype=torch.float64) / sharp
        logits[torch.arange(n), torch.arange(n) % max(k - 1, 1)] += 2.0  # uneven class usage
        cases.append((f"random p(y|x) with n={n}, K={k}", torch.softmax(logits, 1)))
    cases.append(("K=4 one-hot classes used equally (IS must be 4)",
                  torch.eye(4, dtype=torch.float64).repeat(5, 1)))
    return cases


def _is_variants(p: torch.Tensor) -> dict:
    eps = 1e-12
    lp = torch.log(p + eps)
    py = p.mean(0, keepdim=True)                                  # (1, K) the marginal p(y)
    kl = (p * (lp - torch.log(py + eps))).sum(1)                  # (n,) KL(p(y|x) || p(y))
    kl_rev = (py * (torch.log(py + eps) - lp)).sum(1)             # KL(p(y) || p(y|x))
    py_row = p.mean(1, keepdim=True)         # wrong "marginal" over classes (= 1/K, uniform)
    kl_row = (p * (lp - torch.log(py_row + eps))).sum(1)
    h_y = -(py * torch.log(py + eps)).sum()
    h_yx = -(p * lp).sum(1).mean()
    return dict(
        right=math.exp(kl.mean()),
        log2=math.exp(kl.mean() / math.log(2)),
        log10=math.exp(kl.mean() / math.log(10)),
        no_exp=float(kl.mean()),
        exp_inside=float(torch.exp(kl).mean()),
        sum=math.exp(kl.sum()),
        reversed=math.exp(kl_rev.mean()),
        row_marginal=math.exp(kl_row.mean()),
        ratio=float((-h_yx) / (-h_y)),                            # the slides' entropy ratio
        entropy_y=math.exp(h_y),
    )


def check_inception_score(fn) -> bool:
    """Check ``fn(probs) -> IS`` where ``probs`` is a float64 tensor (n, K) of p(y|x).

    Right answer: p(y) = mean of the rows, IS = exp( mean_i KL(p(y|x_i) ‖ p(y)) ) with natural
    logarithms (one split). Chapter 6, exercise ``ex-ch06-is``.
    """
    cases, variants = [], []
    for context, p in _is_cases():
        got = _scalar(_call(fn, "fn(probs)", p.clone()), "fn(probs)")
        v = _is_variants(p)
        cases.append((got, v["right"], context))
        variants.append(v)
    mistakes = [
        ("you returned the mean KL divergence (the mutual information I(y; x) in nats) without "
         "the exponential: IS = exp(E_x KL(p(y|x) || p(y)))", "no_exp"),
        ("your logarithm is base 2 while the outer function is exp: use the natural log "
         "(torch.log), or pair log2 with 2**", "log2"),
        ("your logarithm is base 10 while the outer function is exp: use the natural log "
         "(torch.log)", "log10"),
        ("the exp is inside the average: IS = exp(mean of the KLs), not the mean of exp(KL)",
         "exp_inside"),
        ("you summed the KL divergences over samples instead of averaging them", "sum"),
        ("the KL is reversed: use KL(p(y|x) || p(y)) = sum_y p(y|x) log(p(y|x) / p(y))",
         "reversed"),
        ("wrong marginal: p(y) is the average of p(y|x) over the SAMPLES (probs.mean(0), one "
         "value per class); probs.mean(1) or a uniform 1/K pretends every class is used "
         "equally, so a generator that ignores classes is not penalised", "row_marginal"),
        ("that is the ratio of (negative) entropies from the lecture slides, a mnemonic for "
         "'confident and diverse', not the Inception Score: IS = exp(H(y) - H(y|x))", "ratio"),
        ("you returned exp(H(y)) only (diversity); subtract the conditional entropy H(y|x) "
         "(confidence) inside the exponential", "entropy_y"),
    ]
    _diagnose("fn(probs)", cases, [(h, [v[key] for v in variants]) for h, key in mistakes],
              "Compute p(y) = probs.mean(0), KL_i = sum_y p(y|x_i) (log p(y|x_i) - log p(y)), "
              "then IS = exp(mean_i KL_i).")
    print("Correct: IS = exp(E_x KL(p(y|x) || p(y))) = exp(I(y; x)); it is K for K confident, "
          "equally used classes and 1 when every sample gets the same class distribution.")
    return True


# ----------------------------------------------------------------------------- Fréchet distance
def _fd_cases():
    g = torch.Generator().manual_seed(60)
    cases = [("1D: N(0, 1) vs N(3, 4)", *(torch.tensor([v], dtype=torch.float64)
                                          for v in (0.0, 1.0, 3.0, 4.0)))]
    for d in (1, 5):
        mu1 = torch.randn(d, generator=g, dtype=torch.float64)
        mu2 = torch.randn(d, generator=g, dtype=torch.float64) + 1.0
        var1 = torch.rand(d, generator=g, dtype=torch.float64) * 3 + 0.2
        var2 = torch.rand(d, generator=g, dtype=torch.float64) * 0.5 + 0.05
        cases.append((f"random diagonal Gaussians in d={d}", mu1, var1, mu2, var2))
    return cases


def _fd_variants(mu1, var1, mu2, var2) -> dict:
    m = float(((mu1 - mu2) ** 2).sum())
    s1, s2 = var1.sqrt(), var2.sqrt()
    c = float(((s1 - s2) ** 2).sum())
    return dict(
        right=m + c,
        not_squared=math.sqrt(m + c),
        no_mean=c,
        no_cov=m,
        var_as_std=m + float(((var1 - var2) ** 2).sum()),
        no_two=m + float((var1 + var2 - (var1 * var2).sqrt()).sum()),
        no_sqrt=m + float((var1 + var2 - 2 * var1 * var2).sum()),
        abs_mean=float((mu1 - mu2).abs().sum()) + c,
        kl=float((0.5 * (var1 / var2 + (mu1 - mu2) ** 2 / var2 - 1 + torch.log(var2 / var1))).sum()),
    )


def check_frechet_gaussian(fn) -> bool:
    """Check ``fn(mu1, var1, mu2, var2) -> d²`` for Gaussians with DIAGONAL covariances.

    Arguments are float64 tensors of shape (d,) (means and per-coordinate variances); the answer
    is the squared Fréchet distance ‖mu1 − mu2‖² + Σ_i (sqrt(var1_i) − sqrt(var2_i))², i.e. FID's
    formula when the covariances are diagonal. Chapter 6, exercise ``ex-ch06-frechet``.
    """
    cases, variants = [], []
    for context, mu1, var1, mu2, var2 in _fd_cases():
        got = _scalar(_call(fn, "fn(mu1, var1, mu2, var2)", mu1.clone(), var1.clone(),
                            mu2.clone(), var2.clone()), "fn(mu1, var1, mu2, var2)")
        v = _fd_variants(mu1, var1, mu2, var2)
        cases.append((got, v["right"], context))
        variants.append(v)
    mistakes = [
        ("you returned the distance itself; FID (and this exercise) uses the SQUARED distance "
         "(no square root at the end)", "not_squared"),
        ("the mean term is missing: add ||mu1 - mu2||^2", "no_mean"),
        ("the covariance term is missing: add tr(S1 + S2 - 2 (S1 S2)^(1/2)) = "
         "sum_i (sqrt(var1_i) - sqrt(var2_i))^2", "no_cov"),
        ("you used variances where standard deviations belong: the covariance term is "
         "sum_i (sqrt(var1_i) - sqrt(var2_i))^2, not sum_i (var1_i - var2_i)^2", "var_as_std"),
        ("the cross term needs a factor 2: tr(S1 + S2 - 2 (S1 S2)^(1/2))", "no_two"),
        ("the cross term needs the matrix square root: 2 sqrt(var1_i var2_i), not "
         "2 var1_i var2_i", "no_sqrt"),
        ("the mean term is the squared Euclidean distance ||mu1 - mu2||^2, not the sum of "
         "absolute differences", "abs_mean"),
        ("that is the KL divergence KL(N1 || N2), not the Frechet distance (which is symmetric "
         "and finite even for degenerate Gaussians)", "kl"),
    ]
    _diagnose("fn(mu1, var1, mu2, var2)", cases,
              [(h, [v[key] for v in variants]) for h, key in mistakes],
              "Use ||mu1 - mu2||^2 + sum_i (var1_i + var2_i - 2 sqrt(var1_i var2_i)).")
    print("Correct: for diagonal covariances d^2 = ||mu1 - mu2||^2 + sum_i (sigma1_i - sigma2_i)^2; "
          "ganlib.metrics.frechet_distance computes the general formula with a matrix square root.")
    return True


# ----------------------------------------------------------------------------- mode coverage
def _mc_data():
    """A 3x3 grid of modes (σ = 0.1) and hand-placed samples with known answers.

    Mode 0: 4 samples within 3σ (two of them beyond 2σ); mode 1: 3 samples at 0.9σ and 2 at
    (±2.5σ, 2.5σ) (3.54σ away: inside a 3σ square but outside the 3σ disc); mode 2: 2 samples
    at 3.5σ only (nearest centre, but outside 3σ); mode 3: 5 samples within 0.5σ; mode 4: one
    sample 6σ away; mode 5: one sample 4.5σ away; the other modes: nothing.
    """
    std, spacing = 0.1, 2.0
    c = torch.tensor([[i * spacing, j * spacing] for i in range(3) for j in range(3)],
                     dtype=torch.float64)                                       # (9, 2)
    offsets = {0: [(2.5, 0), (0, -2.2), (-1.5, 1), (0.5, 0.5)],
               1: [(0.9, 0), (0, 0.9), (-0.9, 0), (2.5, 2.5), (-2.5, 2.5)],
               2: [(3.5, 0), (0, -3.5)],
               3: [(0.5, 0), (0, 0.5), (-0.5, 0), (0, -0.5), (0.3, 0.3)],
               4: [(6.0, 0.0)],
               5: [(0.0, 4.5)]}
    pts = [c[m] + std * torch.tensor(o, dtype=torch.float64) for m, os in offsets.items() for o in os]
    return torch.stack(pts), c, std                                             # (18, 2)


def _mc_variants(x, c, std) -> dict:
    d = torch.cdist(x, c)                                                       # (n, K)
    dmin, idx = d.min(1)
    diff = (x - c[idx]).abs()

    def summary(good):
        return int(torch.unique(idx[good]).numel()), float(good.double().mean())

    right = summary(dmin <= 3 * std)
    return dict(
        right=right,
        one_sigma=summary(dmin <= std),
        box=summary((diff <= 3 * std).all(1)),
        squared=summary(dmin ** 2 <= 3 * std),
        two_sigma=summary(dmin <= 2 * std),
        any_nearest=(int(torch.unique(idx).numel()), right[1]),
        count=(right[0], float((dmin <= 3 * std).sum())),
    )


def _parse_mc(out):
    if isinstance(out, dict):
        if "modes" not in out or "high_quality" not in out:
            raise AssertionError("return a tuple (modes, high_quality) or a dict with keys "
                                 f"'modes' and 'high_quality'; got keys {sorted(out)}")
        out = (out["modes"], out["high_quality"])
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise AssertionError("fn(samples, centers, std) should return a pair "
                             f"(modes, high_quality); got {type(out).__name__}")
    return _scalar(out[0], "modes"), _scalar(out[1], "high_quality")


def check_mode_coverage(fn) -> bool:
    """Check ``fn(samples, centers, std) -> (modes, high_quality)``.

    samples (n, 2) and centers (K, 2) are float64 tensors, std a float. Each sample goes to its
    nearest centre and is high quality when within 3·std of it (Euclidean); a mode is captured
    when at least one high-quality sample is assigned to it; ``high_quality`` is a fraction in
    [0, 1]. Chapter 6, exercise ``ex-ch06-modes``.
    """
    x, c, std = _mc_data()
    modes, hq = _parse_mc(_call(fn, "fn(samples, centers, std)", x.clone(), c.clone(), std))
    v = _mc_variants(x, c, std)
    want_m, want_hq = v["right"]
    if int(round(modes)) == want_m and _close(hq, want_hq, 1e-6):
        print(f"Correct: {want_m} of {len(c)} modes captured, {want_hq:.1%} high-quality samples "
              "(same as ganlib.metrics.mode_coverage).")
        return True
    hints = [
        ("count", "high_quality must be a FRACTION of all samples (divide the count by n)"),
        ("one_sigma", "your radius is 1 sigma; a sample is high quality within 3 sigma of its "
                      "nearest centre"),
        ("two_sigma", "your radius is 2 sigma; a sample is high quality within 3 sigma of its "
                      "nearest centre"),
        ("box", "you tested each coordinate separately (a 3-sigma square); use the Euclidean "
                "distance to the centre (a 3-sigma disc)"),
        ("squared", "you compared a SQUARED distance with 3*std; compare the distance itself "
                    "(or compare with (3*std)**2)"),
        ("any_nearest", "you counted a mode as captured when it is the nearest centre of any "
                        "sample; only HIGH-QUALITY samples (within 3 sigma) capture a mode"),
    ]
    for key, hint in hints:
        m, q = v[key]
        if int(round(modes)) == m and _close(hq, q, 1e-6):
            raise AssertionError(f"fn(samples, centers, std): {hint}")
    raise AssertionError(f"fn(samples, centers, std) returned modes={modes:g}, "
                         f"high_quality={hq:.4g}; expected modes={want_m}, high_quality="
                         f"{want_hq:.4g} on a 3x3 grid test case. Assign each sample to its "
                         "nearest centre, call it high quality when that distance is <= 3*std, "
                         "and count the modes that receive at least one high-quality sample.")
