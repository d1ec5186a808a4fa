"""Ground truth from GAN theory: the optimal discriminator, V(D*, G), KL, JSD and W1.

All 1D integrals use a dense trapezoid rule on [lo, hi] with ``n`` points (natural log),
which is exact to ~1e-9 for smooth densities that vanish at the ends of the interval.
Densities are :class:`ganlib.data.Distribution` objects or callables mapping an array of
points (n,) to densities (n,).

Taught in chapter 1, Generative models (KL); chapter 3, The optimal discriminator
(D*, V(D*, G) = -log 4 + 2·JSD; Goodfellow et al. 2014, Prop. 1 and Thm. 1); chapter 5,
Wasserstein GANs (W1; Arjovsky, Chintala & Bottou 2017).
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = [
    "optimal_discriminator", "dstar_from_densities", "value_at_optimum", "kl_divergence",
    "js_divergence",
    "wasserstein1_1d", "wasserstein1_samples", "wasserstein1_1d_exact", "gaussian_kl",
    "MINIMAX_OPTIMUM",
]

MINIMAX_OPTIMUM = -math.log(4.0)  # V(D*, G) when p_g = p_data (Goodfellow et al. 2014, Thm 1)
_N_DEFAULT = 20001


def _density(p):
    """Return f: np.ndarray (n,) float64 -> np.ndarray (n,) float64 for a density ``p``."""
    if hasattr(p, "pdf") and hasattr(p, "sample"):  # a ganlib Distribution
        if getattr(p, "dim", 1) != 1:
            raise ValueError(f"p has dim={p.dim}; 1D integrals need a 1D density")
        return lambda x: p.pdf(torch.as_tensor(x, dtype=torch.float64)).cpu().numpy()
    if not callable(p):
        raise ValueError(f"density {p!r} must be a Distribution or a callable")

    def f(x):
        try:
            out = p(x)
        except (TypeError, AttributeError):  # a torch-only callable
            out = p(torch.as_tensor(x, dtype=torch.float64))
        out = out.detach().cpu().numpy() if torch.is_tensor(out) else out
        return np.broadcast_to(np.asarray(out, dtype=np.float64), np.shape(x))
    return f


def _finite(name, value) -> float:
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise TypeError(f"{name}={value!r} must be a finite number")
    try:
        out = float(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}={value!r} must be a finite number") from err
    if not math.isfinite(out):
        raise ValueError(f"{name}={value!r} must be a finite number (not NaN or inf)")
    return out


def _grid(lo, hi, n) -> np.ndarray:
    lo, hi = _finite("lo", lo), _finite("hi", hi)
    if not lo < hi:
        raise ValueError(f"lo={lo!r}, hi={hi!r} must be finite with lo < hi")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n={n!r} must be an integer >= 3")
    if n < 3:
        raise ValueError(f"n={n!r} must be an integer >= 3")
    return np.linspace(lo, hi, int(n))


def dstar_from_densities(p_data_x, p_g_x):
    """D* = p_data / (p_data + p_g) from the two densities at the same points (arrays or
    tensors of one shape; same kind out). Where both densities vanish D* is ½.

    The convention: outside both supports D never influences V(D, G), so D* is arbitrary
    there; ½ ("cannot tell") is the value D* takes where p_data = p_g, the limit of the ratio
    when both densities shrink together, and keeps D*(x) for (p_data, p_g) equal to
    1 − D*(x) for the swapped pair. Every figure (``plots``, the lab) uses this function.
    Taught in chapter 3, The optimal discriminator.
    """
    if torch.is_tensor(p_data_x) or torch.is_tensor(p_g_x):
        a, b = torch.as_tensor(p_data_x), torch.as_tensor(p_g_x)
        total = a + b
        return torch.where(total > 0, a / torch.where(total > 0, total, 1.0),
                           torch.full_like(total, 0.5))
    a, b = np.asarray(p_data_x, dtype=np.float64), np.asarray(p_g_x, dtype=np.float64)
    total = a + b
    return np.where(total > 0, a / np.where(total > 0, total, 1.0), 0.5)


def optimal_discriminator(p_data, p_g, x):
    """Optimal discriminator D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al.
    2014, Prop. 1); ½ where both densities vanish (see :func:`dstar_from_densities`).
    x: (n,) (or (n, 1)) tensor or array; returns (n,) of the same kind (tensor in -> float64
    tensor out). When both are ganlib Distributions, D* = sigmoid(log p_data − log p_g) from
    their log-densities, exact far in the tails where both densities underflow to 0.
    Taught in chapter 3, The optimal discriminator.
    """
    was_tensor = torch.is_tensor(x)
    try:
        xs = (x.detach().cpu().double().numpy() if was_tensor
              else np.asarray(x, dtype=np.float64))
    except (TypeError, ValueError) as err:
        raise TypeError(f"x must be an array of real numbers, got {type(x).__name__}") from err
    if xs.ndim == 2 and xs.shape[1] == 1:
        xs = xs[:, 0]  # (n, 1) -> (n,)
    if xs.ndim > 1:
        raise ValueError(f"x has shape {xs.shape}; expected (n,) or (n, 1)")
    if not np.isfinite(xs).all():
        raise ValueError("x contains NaN or inf")
    pd_fn, pg_fn = _density(p_data), _density(p_g)  # validates both
    if all(hasattr(p, "log_prob") and hasattr(p, "sample") for p in (p_data, p_g)):
        try:
            xt = torch.as_tensor(xs, dtype=torch.float64)
            logit = (p_data.log_prob(xt) - p_g.log_prob(xt)).cpu().numpy()   # (n,)
        except NotImplementedError:
            logit = None
        if logit is not None:
            from scipy.special import expit

            d_star = np.where(np.isnan(logit), 0.5, expit(logit))  # nan: both log p = -inf
            return torch.as_tensor(d_star, device=x.device) if was_tensor else d_star
    d_star = dstar_from_densities(pd_fn(xs), pg_fn(xs))
    return torch.as_tensor(d_star, device=x.device) if was_tensor else d_star


def value_at_optimum(p_data, p_g, lo, hi, n: int = _N_DEFAULT) -> float:
    """V(D*, G) = ∫ p_data log D* + p_g log(1 - D*) dx on [lo, hi] (trapezoid, n points).

    Equals -log 4 + 2·JSD(p_data ‖ p_g) (Goodfellow et al. 2014, Thm. 1).
    Taught in chapter 3, The optimal discriminator.
    """
    from scipy.integrate import trapezoid
    from scipy.special import xlogy

    x = _grid(lo, hi, n)
    pd, pg = _density(p_data)(x), _density(p_g)(x)
    total = np.where(pd + pg > 0, pd + pg, 1.0)
    integrand = xlogy(pd, pd / total) + xlogy(pg, pg / total)  # 0·log 0 = 0
    return float(trapezoid(integrand, x))


def kl_divergence(p, q, lo, hi, n: int = _N_DEFAULT) -> float:
    """KL(p ‖ q) = ∫ p log(p / q) dx on [lo, hi] (trapezoid, n points; natural log).

    Infinite where p > 0 = q. Taught in chapter 1, Generative models.
    """
    from scipy.integrate import trapezoid
    from scipy.special import rel_entr

    x = _grid(lo, hi, n)
    return float(trapezoid(rel_entr(_density(p)(x), _density(q)(x)), x))


def js_divergence(p, q, lo, hi, n: int = _N_DEFAULT) -> float:
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2; 0 ≤ JSD ≤ log 2.

    Trapezoid on [lo, hi] with n points. Taught in chapter 3, The optimal discriminator.
    """
    from scipy.integrate import trapezoid
    from scipy.special import xlogy

    x = _grid(lo, hi, n)
    pv, qv = _density(p)(x), _density(q)(x)
    total = np.where(pv + qv > 0, pv + qv, 1.0)  # p/m = 2p/(p+q), safe for denormal p
    integrand = 0.5 * (xlogy(pv, 2 * (pv / total)) + xlogy(qv, 2 * (qv / total)))
    return float(trapezoid(integrand, x))


def _to_numpy(name: str, x) -> np.ndarray:
    try:
        out = (x.detach().cpu().double().numpy() if torch.is_tensor(x)
               else np.asarray(x, dtype=np.float64))
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers, got "
                        f"{type(x).__name__}") from err
    if not np.isfinite(out).all():
        raise ValueError(f"{name} contains NaN or inf")
    return out


def wasserstein1_1d(x, y) -> float:
    """Empirical W1 between two 1D samples x (n,) or (n, 1) and y (m,) or (m, 1):
    ∫|F_x - F_y| (scipy.stats.wasserstein_distance). Taught in chapter 5, Wasserstein GANs.
    """
    from scipy.stats import wasserstein_distance

    xs, ys = _to_numpy("x", x), _to_numpy("y", y)
    for name, a in (("x", xs), ("y", ys)):
        if a.ndim > 2 or (a.ndim == 2 and a.shape[1] != 1) or a.size == 0:
            raise ValueError(f"{name} has shape {a.shape}; expected (n,) or (n, 1)")
    return float(wasserstein_distance(xs.reshape(-1), ys.reshape(-1)))


def wasserstein1_samples(x, y) -> float:
    """Exact W1 between two empirical distributions in d dimensions, x (n, d), y (m, d),
    uniform weights, Euclidean ground cost: min_π Σ π_ij ‖x_i - y_j‖ (optimal transport
    linear program, POT ``ot.emd2``). O(n³): keep n ≲ 2000. Taught in chapter 5.
    """
    import ot

    xs, ys = _to_numpy("x", x), _to_numpy("y", y)
    xs, ys = (a[:, None] if a.ndim == 1 else a for a in (xs, ys))
    if xs.ndim != 2 or ys.ndim != 2 or xs.shape[1] != ys.shape[1] or not len(xs) or not len(ys):
        raise ValueError(f"x {xs.shape} and y {ys.shape} must be (n, d) and (m, d)")
    cost = ot.dist(xs, ys, metric="euclidean")  # (n, m)
    a, b = np.full(len(xs), 1.0 / len(xs)), np.full(len(ys), 1.0 / len(ys))
    return float(ot.emd2(a, b, cost, numItermax=10_000_000))


def wasserstein1_1d_exact(p, q, lo, hi, n: int = _N_DEFAULT) -> float:
    """W1(p, q) = ∫ \\|F_p(x) - F_q(x)\\| dx for 1D densities, CDFs by cumulative trapezoid on
    [lo, hi] (n points). For q = p shifted by Δ it is \\|Δ\\|. Taught in chapter 5.
    """
    from scipy.integrate import cumulative_trapezoid, trapezoid

    x = _grid(lo, hi, n)
    cdf_p = cumulative_trapezoid(_density(p)(x), x, initial=0.0)
    cdf_q = cumulative_trapezoid(_density(q)(x), x, initial=0.0)
    return float(trapezoid(np.abs(cdf_p - cdf_q), x))


def gaussian_kl(mu1, s1, mu2, s2):
    """KL(N(mu1, s1²) ‖ N(mu2, s2²)) = log(s2/s1) + (s1² + (mu1 - mu2)²)/(2 s2²) - ½.

    Floats in -> float out; tensors in -> tensor out (differentiable).
    Taught in chapter 1, Generative models.
    """
    for name, v in (("mu1", mu1), ("s1", s1), ("mu2", mu2), ("s2", s2)):
        try:
            t = torch.as_tensor(v, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"{name}={v!r} must be a number or a tensor") from err
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"{name}={v!r} must be finite (not NaN or inf)")
    for name, s in (("s1", s1), ("s2", s2)):
        if not bool(torch.all(torch.as_tensor(s) > 0)):
            raise ValueError(f"{name}={s!r} must be > 0 (a standard deviation)")
    if any(torch.is_tensor(v) for v in (mu1, s1, mu2, s2)):
        log_ratio = torch.log(torch.as_tensor(s2) / s1)
    else:
        log_ratio = math.log(float(s2) / float(s1))
    return log_ratio + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5
