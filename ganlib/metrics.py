"""Sample-based evaluation of GANs (Chapter 6, Evaluating GANs).

* :func:`mode_coverage` — modes captured and the fraction of high-quality samples on the 2D
  ring/grid mixtures (the VEEGAN / PacGAN protocol, usually on 2,500 samples).
* :func:`frechet_distance`, :func:`fid_from_features` — the Fréchet distance between Gaussians
  fitted to features (FID; Heusel et al. 2017, arXiv:1706.08500).
* :func:`inception_score` — exp E_x KL(p(y|x) ‖ p(y)) (Salimans et al. 2016).
* :func:`kid` — unbiased MMD² with a cubic polynomial kernel (Bińkowski et al. 2018).
* :func:`precision_recall` — k-NN manifold precision and recall (Kynkäänniemi et al. 2019).

Features come from any extractor; the book uses the small offline digits CNN in
:mod:`ganlib.features` (re-exported here), which is **not Inception**: the numbers are
comparable only with each other. All functions accept numpy arrays or torch tensors
(any device) and return Python floats (or a dict for :func:`mode_coverage`).
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import torch

from .features import DigitsClassifier, load_digits_split, train_digits_classifier

__all__ = [
    "mode_coverage", "frechet_distance", "fid_from_features", "inception_score", "kid",
    "precision_recall", "DigitsClassifier", "train_digits_classifier", "load_digits_split",
]


def _as_tensor(x, name: str, ndim: int = 2) -> torch.Tensor:
    """Array-like -> float64 tensor with ``ndim`` dims (keeps a tensor's device)."""
    try:
        t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(
            np.asarray(x, dtype=np.float64))
        t = t.to(torch.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{name} must be an array of real numbers, got "
                        f"{type(x).__name__}") from err
    if ndim == 2 and t.dim() == 1:
        t = t.unsqueeze(1)  # (n,) -> (n, 1)
    if t.dim() != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or inf")
    return t


def _number(name: str, value, low=None, high=None, low_open=False, integer=False) -> float:
    """Check a scalar argument: TypeError for a non-number (bool, str, None), ValueError for
    NaN/inf or a value outside [low, high] (``low_open``: (low, high]); returns a float (an int
    with ``integer``). NumPy scalars and 0-d tensors are accepted."""
    kind = "an integer" if integer else "a finite number"
    ok_types = (int, np.integer) if integer else (int, float, np.number)
    if torch.is_tensor(value) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, ok_types):
        if not (integer and isinstance(value, (float, np.floating)) and float(value).is_integer()):
            raise TypeError(f"{name}={value!r} must be {kind}")
    v = float(value)
    bounds = ""
    if low is not None:
        bounds += f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        bounds += (" and" if bounds else "") + f" <= {high:g}"
    if (not np.isfinite(v) or (low is not None and (v <= low if low_open else v < low))
            or (high is not None and v > high)):
        raise ValueError(f"{name}={value!r} must be {kind}{bounds}")
    return int(v) if integer else v


def _as_numpy64(x, name: str) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers, got "
                        f"{type(x).__name__}") from err
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a


# ----------------------------------------------------------------------------- mode coverage
def mode_coverage(samples, centers, std: float, n_sigma: float = 3.0, min_count: int = 20) -> dict:
    """Modes captured and sample quality on a Gaussian mixture with known centres (Chapter 6).

    Each sample is assigned to its nearest centre; it is *high quality* when that distance is
    at most ``n_sigma · std``. A mode is *captured* when at least ``min_count`` high-quality
    samples are assigned to it. VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018)
    use 2,500 samples and n_sigma = 3 on the 8-mode ring and 25-mode grid; PacGAN counts a mode
    as lost when fewer than 20 high-quality samples register to it. The defaults follow that
    published protocol (``n_sigma=3``, ``min_count=20``; draw about 2,500 samples). Pass
    ``min_count=1`` for the lenient count in which a single sample captures a mode.

    Args:
        samples: (n, 2) generated points (any dimension d works: (n, d)).
        centers: (K, d) mode centres, e.g. ``GaussianMixture2D.centers``.
        std: the mixture's per-coordinate standard deviation σ (> 0).
        n_sigma: radius of a mode in units of σ (> 0).
        min_count: high-quality samples a mode needs to count as captured (≥ 1; 20 as in PacGAN).
    Returns:
        dict(modes=int number of captured modes, high_quality=float fraction of samples within
        n_sigma·σ of their nearest centre, counts=list[int] of high-quality samples per mode
        (length K), n_modes=K, n_samples=n).
    """
    x = _as_tensor(samples, "samples")
    c = _as_tensor(centers, "centers").to(x.device)
    if x.shape[1] != c.shape[1]:
        raise ValueError(f"samples have dim {x.shape[1]} but centers have dim {c.shape[1]}")
    if x.shape[0] == 0 or c.shape[0] == 0:
        raise ValueError("samples and centers must be non-empty")
    std = _number("std", std, 0, low_open=True)
    n_sigma = _number("n_sigma", n_sigma, 0, low_open=True)
    min_count = _number("min_count", min_count, 1, integer=True)
    dist = torch.cdist(x, c)                                  # (n, K)
    d_min, nearest = dist.min(dim=1)                          # (n,), (n,)
    good = d_min <= n_sigma * float(std)                      # (n,) bool
    counts = torch.bincount(nearest[good], minlength=c.shape[0]).cpu()  # (K,)
    return dict(
        modes=int((counts >= min_count).sum()),
        high_quality=float(good.double().mean()),
        counts=[int(v) for v in counts],
        n_modes=int(c.shape[0]),
        n_samples=int(x.shape[0]),
    )


# ----------------------------------------------------------------------------- Fréchet distance
def frechet_distance(mu1, sigma1, mu2, sigma2, eps: float = 1e-6) -> float:
    """Fréchet (2-Wasserstein) distance² between N(mu1, sigma1) and N(mu2, sigma2) (Chapter 6).

        d² = ‖mu1 − mu2‖² + Tr(sigma1 + sigma2 − 2 (sigma1 sigma2)^{1/2})

    FID (Heusel et al. 2017) is this distance between Gaussians fitted to features of real
    and generated images. Computed in float64 with ``scipy.linalg.sqrtm``; if the square root is
    not finite (singular product), both covariances get ``eps · I`` added and it is retried;
    the real part is kept (an imaginary diagonal larger than 1e-3 raises ValueError).

    Args:
        mu1, mu2: (d,) means.  sigma1, sigma2: (d, d) covariances.
    Returns:
        the squared distance as a float (FID reports this squared value).
    """
    mu1, mu2 = np.atleast_1d(_as_numpy64(mu1, "mu1")), np.atleast_1d(_as_numpy64(mu2, "mu2"))
    sigma1 = np.atleast_2d(_as_numpy64(sigma1, "sigma1"))
    sigma2 = np.atleast_2d(_as_numpy64(sigma2, "sigma2"))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,):
        raise ValueError(f"mu1 and mu2 must both have shape (d,), got {mu1.shape} and {mu2.shape}")
    if sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(f"sigma1 and sigma2 must have shape ({d}, {d}), got {sigma1.shape} "
                         f"and {sigma2.shape}")
    eps = _number("eps", eps, 0)
    diff = mu1 - mu2
    with warnings.catch_warnings():  # singular products are common (dead ReLU features)
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
        if not np.isfinite(covmean).all():
            offset = np.eye(d) * eps
            covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"sqrtm(sigma1 @ sigma2) has a large imaginary part "
                             f"({np.max(np.abs(covmean.imag)):.3g}); are the covariances valid?")
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def fid_from_features(f_real, f_fake, eps: float = 1e-6) -> float:
    """FID between two feature sets: Fréchet distance of their fitted Gaussians (Chapter 6).

    mu = mean over samples, sigma = unbiased covariance (divisor n − 1, as in torchmetrics and
    pytorch-fid); then :func:`frechet_distance`. With the digits CNN this is *not* the
    Inception FID of the literature.

    Args:
        f_real: (n, d) features of real samples (n ≥ 2).  f_fake: (m, d), m ≥ 2.
    """
    f_real, f_fake = _as_numpy64(f_real, "f_real"), _as_numpy64(f_fake, "f_fake")
    for name, f in (("f_real", f_real), ("f_fake", f_fake)):
        if f.ndim != 2 or f.shape[0] < 2:
            raise ValueError(f"{name} must have shape (n, d) with n >= 2, got {f.shape}")
    if f_real.shape[1] != f_fake.shape[1]:
        raise ValueError(f"f_real and f_fake must have the same feature dim, got "
                         f"{f_real.shape[1]} and {f_fake.shape[1]}")
    mu1, mu2 = f_real.mean(0), f_fake.mean(0)
    s1, s2 = np.cov(f_real, rowvar=False), np.cov(f_fake, rowvar=False)
    return frechet_distance(mu1, s1, mu2, s2, eps=eps)


# ----------------------------------------------------------------------------- Inception Score
def inception_score(probs, splits: int = 1, eps: float = 1e-12, return_std: bool = False):
    """Inception Score IS = exp( E_x KL( p(y|x) ‖ p(y) ) ) (Salimans et al. 2016; Chapter 6).

    p(y) is the mean of p(y|x) over the samples of a split. IS ranges from 1 (every sample
    gets the same class distribution) to K (confident and all K classes used equally).
    With ``splits > 1`` the samples are cut into that many consecutive chunks and the mean
    (and population std) of the per-chunk scores is reported, as in the original code.

    Args:
        probs: (n, K) class probabilities, rows non-negative and summing to 1 (tolerance 1e-3).
        splits: number of chunks, 1 ≤ splits ≤ n.
        eps: added inside the logarithms.
        return_std: also return the std over splits.
    Returns:
        float IS, or (IS mean, IS std) when ``return_std``.
    """
    p = _as_tensor(probs, "probs")
    n = p.shape[0]
    if n == 0 or (p < 0).any() or not torch.allclose(p.sum(1), torch.ones_like(p[:, 0]), atol=1e-3):
        raise ValueError("probs must be a non-empty (n, K) array of probabilities "
                         "(rows >= 0 summing to 1)")
    splits = _number("splits", splits, 1, n, integer=True)
    eps = _number("eps", eps, 0)
    scores = []
    for chunk in torch.tensor_split(p, int(splits)):
        py = chunk.mean(0, keepdim=True)                                     # (1, K)
        kl = (chunk * (torch.log(chunk + eps) - torch.log(py + eps))).sum(1)  # (n_chunk,)
        scores.append(torch.exp(kl.mean()))
    s = torch.stack(scores)
    mean, std = float(s.mean()), float(s.std(unbiased=False))
    return (mean, std) if return_std else mean


# ----------------------------------------------------------------------------- KID
def _poly_mmd2_unbiased(x: torch.Tensor, y: torch.Tensor, degree: int, gamma: float, coef: float):
    """Unbiased MMD² with k(a, b) = (gamma a·b + coef)^degree for equal-size sets x, y (m, d)."""
    m = x.shape[0]
    k_xx = (x @ x.T * gamma + coef) ** degree   # (m, m)
    k_yy = (y @ y.T * gamma + coef) ** degree   # (m, m)
    k_xy = (x @ y.T * gamma + coef) ** degree   # (m, m)
    sum_xx = k_xx.sum() - k_xx.diagonal().sum()
    sum_yy = k_yy.sum() - k_yy.diagonal().sum()
    return (sum_xx + sum_yy) / (m * (m - 1)) - 2.0 * k_xy.sum() / m**2


def kid(f_real, f_fake, subsets: int = 100, subset_size: int | None = None, degree: int = 3,
        gamma: float | None = None, coef: float = 1.0, generator: torch.Generator | None = None,
        return_std: bool = False):
    """Kernel Inception Distance: unbiased MMD² with a polynomial kernel (Chapter 6).

        k(a, b) = (gamma · aᵀb + coef)^degree,  gamma = 1/d by default
        MMD²_u = 1/(m(m−1)) Σ_{i≠j} [k(x_i,x_j) + k(y_i,y_j)] − 2/m² Σ_{i,j} k(x_i,y_j)

    (Bińkowski et al. 2018, "Demystifying MMD GANs"). Averaged over ``subsets`` random subsets
    of ``subset_size`` real and fake features, drawn as in torchmetrics'
    ``KernelInceptionDistance`` (``torch.randperm`` of the real set, then of the fake set, from
    ``generator`` or the global torch RNG), so the same seed gives the same value. Unlike FID it
    is unbiased, and can be slightly negative when the two sets match.

    Args:
        f_real: (n, d) real features; f_fake: (m, d) fake features.
        subsets: number of random subsets (≥ 1).
        subset_size: samples per subset, 2 ≤ subset_size ≤ min(n, m); None (default) →
            min(n, m, 1000), torchmetrics' 1000 clamped to the sets (so small sets work).
        degree: integer ≥ 1. gamma: > 0 (None → 1/d). coef: ≥ 0 (a negative offset or an
            odd degree with negative gamma would not give a positive-definite kernel).
        generator: optional ``torch.Generator`` (CPU) for the subsets.
        return_std: also return the (population) std over subsets, like torchmetrics.
    Returns:
        float KID, or (mean, std) when ``return_std``.
    """
    x, y = _as_tensor(f_real, "f_real"), _as_tensor(f_fake, "f_fake")
    y = y.to(x.device)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"f_real and f_fake must have the same feature dim, got {x.shape[1]} "
                         f"and {y.shape[1]}")
    n, m = x.shape[0], y.shape[0]
    if min(n, m) < 2:
        raise ValueError(f"f_real and f_fake need at least 2 samples each, got {n} and {m}")
    if subset_size is None:   # the default: as large as both sets allow, at most 1000
        subset_size = min(n, m, 1000)
    subset_size = _number("subset_size", subset_size, 2, min(n, m), integer=True)
    subsets = _number("subsets", subsets, 1, integer=True)
    degree = _number("degree", degree, 1, integer=True)
    gamma = 1.0 / x.shape[1] if gamma is None else _number("gamma", gamma, 0, low_open=True)
    coef = _number("coef", coef, 0)
    scores = []
    for _ in range(subsets):
        xi = x[torch.randperm(n, generator=generator)[:subset_size].to(x.device)]
        yi = y[torch.randperm(m, generator=generator)[:subset_size].to(x.device)]
        scores.append(_poly_mmd2_unbiased(xi, yi, degree, gamma, coef))
    s = torch.stack(scores)
    mean, std = float(s.mean()), float(s.std(unbiased=False))
    return (mean, std) if return_std else mean


# ----------------------------------------------------------------------------- precision / recall
def _kth_nn_radius(f: torch.Tensor, k: int, chunk: int) -> torch.Tensor:
    """Distance from each row of f (n, d) to its k-th nearest *other* row, (n,)."""
    radii = []
    for i in range(0, f.shape[0], chunk):
        d = torch.cdist(f[i:i + chunk], f)                   # (chunk, n)
        radii.append(d.kthvalue(k + 1, dim=1).values)        # index 0 is the point itself
    return torch.cat(radii)


def _in_manifold(query: torch.Tensor, ref: torch.Tensor, radii: torch.Tensor, chunk: int):
    """For each query row: is it inside some ball B(ref_j, radii_j)?  -> (n_query,) bool."""
    out = []
    for i in range(0, query.shape[0], chunk):
        d = torch.cdist(query[i:i + chunk], ref)             # (chunk, n_ref)
        out.append((d <= radii.unsqueeze(0)).any(dim=1))
    return torch.cat(out)


def precision_recall(real_f, fake_f, k: int = 3, chunk: int = 1024) -> dict:
    """Improved precision and recall with k-NN manifolds (Kynkäänniemi et al. 2019; Chapter 6).

    The real manifold is the union of balls around each real feature with radius the distance
    to its k-th nearest real neighbour; likewise for the fakes.
    precision = fraction of fake features inside the real manifold (quality);
    recall = fraction of real features inside the fake manifold (coverage).

    Args:
        real_f: (n, d) real features; fake_f: (m, d) fake features; n, m > k.
        k: neighbourhood size (the paper uses k = 3).
        chunk: rows per distance block (memory vs speed).
    Returns:
        dict(precision=float, recall=float).
    """
    r, f = _as_tensor(real_f, "real_f"), _as_tensor(fake_f, "fake_f")
    f = f.to(r.device)
    if r.shape[1] != f.shape[1]:
        raise ValueError(f"real_f and fake_f must have the same feature dim, got {r.shape[1]} "
                         f"and {f.shape[1]}")
    k = _number("k", k, 1, min(r.shape[0], f.shape[0]) - 1, integer=True)
    chunk = _number("chunk", chunk, 1, integer=True)
    r_radii = _kth_nn_radius(r, k, chunk)
    f_radii = _kth_nn_radius(f, k, chunk)
    precision = _in_manifold(f, r, r_radii, chunk).double().mean()
    recall = _in_manifold(r, f, f_radii, chunk).double().mean()
    return dict(precision=float(precision), recall=float(recall))
