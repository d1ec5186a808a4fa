"""Checkers for the exercises of chapter 6, Evaluating GANs.

- :func:`check_inception_score`: IS = exp( E_x KL( p(y|x) ‖ p(y) ) ), p(y) = E_x p(y|x).
- :func:`check_frechet_gaussian`: squared Fréchet (2-Wasserstein) distance between two
  Gaussians with diagonal covariances, ‖μ₁ − μ₂‖² + Σ_i (σ₁ᵢ − σ₂ᵢ)².
- :func:`check_mode_coverage`: modes captured and fraction of high-quality samples on a 2D
  mixture (nearest centre, within 3σ; a mode needs ≥ 20 high-quality samples, as in PacGAN).
- :func:`check_convt_size`: the output size of a transposed convolution,
  (n − 1)·s − 2p + k + output_padding.

Every checker prints a success message and returns ``True`` for a right answer and raises
``AssertionError`` with a specific hint for a typical wrong one. The reference
implementations live in :mod:`ganlib.metrics`.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ._common import checker

__all__ = ["check_inception_score", "check_frechet_gaussian", "check_mode_coverage",
           "check_convt_size"]


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


@checker
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


@checker
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
#: PacGAN's rule (Lin et al. 2018): a mode is captured by at least this many high-quality samples.
MIN_COUNT = 20


def _ring_points(center, radius, n, std, phase=0.0):
    """``n`` points at ``radius``·σ from ``center``, evenly spread in angle, (n, 2) float64."""
    angle = phase + 2 * math.pi * torch.arange(n, dtype=torch.float64) / n
    return center + radius * std * torch.stack([angle.cos(), angle.sin()], 1)


def _mc_data():
    """A 3x3 grid of modes (σ = 0.1) and hand-placed samples with known answers.

    Per mode (the right answer captures modes 0, 1 and 4):
    0: 30 samples at 0.5σ, 1.5σ and 2.5σ (10 each); 1: exactly 20 at 0.8σ (the boundary of
    "at least 20"); 2: 19 at 0.9σ plus 10 at 3.5σ (29 assigned, only 19 high quality);
    3: 5 at 0.5σ (captured only under the lenient one-sample rule); 4: 24 at 2.8σ (inside 3σ,
    outside 2σ); 5: 24 at the corners (±2.5σ, ±2.5σ), 3.54σ away (inside a 3σ square, outside
    the 3σ disc); 6: 21 at 4.5σ (inside a radius of sqrt(3σ)); 7: none; 8: 2 at 6σ.
    """
    std, spacing = 0.1, 2.0
    c = torch.tensor([[i * spacing, j * spacing] for i in range(3) for j in range(3)],
                     dtype=torch.float64)                                       # (9, 2)
    corners = torch.tensor([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=torch.float64)
    parts = [_ring_points(c[0], r, 10, std, phase=r) for r in (0.5, 1.5, 2.5)]
    parts += [_ring_points(c[1], 0.8, 20, std),
              _ring_points(c[2], 0.9, 19, std), _ring_points(c[2], 3.5, 10, std, 0.1),
              _ring_points(c[3], 0.5, 5, std),
              _ring_points(c[4], 2.8, 24, std),
              (c[5] + 2.5 * std * corners).repeat(6, 1),
              _ring_points(c[6], 4.5, 21, std),
              _ring_points(c[8], 6.0, 2, std)]
    return torch.cat(parts), c, std                                             # (155, 2)


def _mc_variants(x, c, std) -> dict:
    d = torch.cdist(x, c)                                                       # (n, K)
    dmin, idx = d.min(1)
    diff = (x - c[idx]).abs()

    def summary(good, min_count=MIN_COUNT, counted=None):
        counts = torch.bincount(idx[good if counted is None else counted], minlength=len(c))
        return int((counts >= min_count).sum()), float(good.double().mean())

    hq = dmin <= 3 * std
    right = summary(hq)
    return dict(
        right=right,
        lenient=summary(hq, min_count=1),
        strict=summary(hq, min_count=MIN_COUNT + 1),
        all_assigned=summary(hq, counted=torch.ones_like(hq)),
        any_nearest=summary(hq, min_count=1, counted=torch.ones_like(hq)),
        one_sigma=summary(dmin <= std),
        two_sigma=summary(dmin <= 2 * std),
        box=summary((diff <= 3 * std).all(1)),
        squared=summary(dmin ** 2 <= 3 * std),
        count=(right[0], float(hq.sum())),
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


_MC_HINTS = [
    ("count", "high_quality must be a FRACTION of all samples (divide the count by n)"),
    ("lenient", "you counted a mode as captured with a single high-quality sample (the "
                "lenient rule); the published protocol (PacGAN) needs at least 20 "
                "high-quality samples on a mode"),
    ("strict", "a mode with exactly 20 high-quality samples is captured: use >= 20, not > 20"),
    ("all_assigned", "you counted every sample assigned to a mode; only HIGH-QUALITY samples "
                     "(within 3 sigma of their nearest centre) count towards the 20"),
    ("any_nearest", "you counted a mode as captured when it is the nearest centre of any "
                    "sample; a mode needs at least 20 HIGH-QUALITY samples (within 3 sigma)"),
    ("one_sigma", "your radius is 1 sigma; a sample is high quality within 3 sigma of its "
                  "nearest centre"),
    ("two_sigma", "your radius is 2 sigma; a sample is high quality within 3 sigma of its "
                  "nearest centre"),
    ("box", "you tested each coordinate separately (a 3-sigma square); use the Euclidean "
            "distance to the centre (a 3-sigma disc)"),
    ("squared", "you compared a SQUARED distance with 3*std; compare the distance itself "
                "(or compare with (3*std)**2)"),
]


@checker
def check_mode_coverage(fn) -> bool:
    """Check ``fn(samples, centers, std) -> (modes, high_quality)`` (the published protocol).

    samples (n, 2) and centers (K, 2) are float64 tensors, std a float. Each sample goes to its
    nearest centre and is high quality when within 3·std of it (Euclidean); a mode is captured
    when at least 20 high-quality samples are assigned to it (PacGAN, Lin et al. 2018);
    ``high_quality`` is a fraction in [0, 1]. Chapter 6, exercise ``ex-ch06-modes``.
    """
    x, c, std = _mc_data()
    modes, hq = _parse_mc(_call(fn, "fn(samples, centers, std)", x.clone(), c.clone(), std))
    v = _mc_variants(x, c, std)
    want_m, want_hq = v["right"]
    if int(round(modes)) == want_m and _close(hq, want_hq, 1e-6):
        print(f"Correct: {want_m} of {len(c)} modes captured (>= {MIN_COUNT} high-quality "
              f"samples each), {want_hq:.1%} high-quality samples (as "
              "ganlib.metrics.mode_coverage).")
        return True
    for key, hint in _MC_HINTS:
        m, q = v[key]
        if int(round(modes)) == m and _close(hq, q, 1e-6):
            raise AssertionError(f"fn(samples, centers, std): {hint}")
    raise AssertionError(f"fn(samples, centers, std) returned modes={modes:g}, "
                         f"high_quality={hq:.4g}; expected modes={want_m}, high_quality="
                         f"{want_hq:.4g} on a 3x3 grid test case. Assign each sample to its "
                         "nearest centre, call it high quality when that distance is <= 3*std, "
                         f"and count the modes that receive at least {MIN_COUNT} high-quality "
                         "samples.")


# ----------------------------------------------------------------------------- transposed conv
def _convt_cases():
    """(size, kernel, stride, padding, output_padding) cases with ConvTranspose2d's answer."""
    return [(2, 4, 2, 1, 0), (4, 4, 2, 1, 0), (7, 4, 2, 1, 0), (3, 3, 2, 1, 1), (5, 5, 1, 2, 0),
            (1, 7, 1, 0, 0), (6, 3, 3, 0, 2), (4, 2, 2, 0, 0)]


def _convt_truth(size, kernel, stride, padding, output_padding) -> int:
    """The output size, measured by running torch's ConvTranspose2d on a (1, 1, size, size) input."""
    layer = torch.nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding)
    with torch.no_grad():
        return int(layer(torch.zeros(1, 1, size, size)).shape[-1])


_CONVT_MISTAKES = [
    ("that is the size formula of an ordinary (strided) convolution, floor((n + 2p - k)/s) + 1; "
     "a transposed convolution runs it backwards: (n - 1)s - 2p + k + output_padding",
     lambda n, k, s, p, op: (n + 2 * p - k) // s + 1),
    ("the padding is subtracted on BOTH sides: (n - 1)s - 2p + k + output_padding",
     lambda n, k, s, p, op: (n - 1) * s - p + k + op),
    ("the stride multiplies the n - 1 gaps between input pixels, not the n pixels: "
     "(n - 1)s - 2p + k + output_padding", lambda n, k, s, p, op: n * s - 2 * p + k + op),
    ("output_padding is added once, on one side: (n - 1)s - 2p + k + output_padding",
     lambda n, k, s, p, op: (n - 1) * s - 2 * p + k),
    ("padding is REMOVED from a transposed convolution's output (it crops): "
     "(n - 1)s - 2p + k + output_padding", lambda n, k, s, p, op: (n - 1) * s + 2 * p + k + op),
]


@checker
def check_convt_size(fn) -> bool:
    """Check ``fn(size, kernel, stride, padding, output_padding) -> output size`` (an int).

    The spatial output size of ``nn.ConvTranspose2d`` on a ``size``×``size`` input:
    (size − 1)·stride − 2·padding + kernel + output_padding (dilation 1). Chapter 6,
    exercise ``ex-ch06-convt``.
    """
    answers = []
    for case in _convt_cases():
        got = _call(fn, "fn(size, kernel, stride, padding, output_padding)", *case)
        got = _scalar(got, "fn(size, kernel, stride, padding, output_padding)")
        answers.append((case, got, _convt_truth(*case)))
    if all(abs(got - want) < 1e-9 for _, got, want in answers):
        print("Correct: out = (n - 1)s - 2p + k + output_padding; with k=4, s=2, p=1 every "
              "layer doubles the size (2 -> 4 -> 8 in the digits generator).")
        return True
    for hint, wrong in _CONVT_MISTAKES:
        if all(abs(got - wrong(*case)) < 1e-9 for case, got, _ in answers):
            raise AssertionError(f"fn(size, kernel, stride, padding, output_padding): {hint}")
    case, got, want = next(a for a in answers if abs(a[1] - a[2]) >= 1e-9)
    raise AssertionError(f"fn{case} returned {got:g}; nn.ConvTranspose2d gives {want}. "
                         "Think of the input pixels spread s apart, the kernel painted at each, "
                         "then p pixels cropped from each side.")
