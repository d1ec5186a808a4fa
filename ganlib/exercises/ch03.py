"""Checkers for the exercises of chapter 3, The optimal discriminator.

- :func:`check_optimal_discriminator`: D*(x) = p_data(x) / (p_data(x) + p_g(x)).
- :func:`check_value_at_optimum`: C(G) = V(D*, G) = -log 4 + 2 JSD for two uniforms.
- :func:`check_density_ratio`: recover p_data from p_g and D via D/(1-D) = p_data/p_g.

Every checker prints a success message and returns ``True`` for a right answer and raises
``AssertionError`` with a specific hint for a typical wrong one.
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["check_optimal_discriminator", "check_value_at_optimum", "check_density_ratio",
           "VALUE_AT_OPTIMUM_UNIFORMS"]

#: C(G) for p_data = U[0, 1] and p_g = U[1/2, 3/2]: JSD = (log 2)/2, so C = -log 4 + log 2 = -log 2.
VALUE_AT_OPTIMUM_UNIFORMS = -math.log(2.0)


def _as_array(value, name: str, shape) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise AssertionError(f"{name} should be a tensor, got {type(value).__name__}") from err
    if arr.shape != tuple(shape):
        raise AssertionError(f"{name} has shape {arr.shape}, expected {tuple(shape)} "
                             "(one value per point, no reduction)")
    return arr


def _matches(got: np.ndarray, want: np.ndarray, tol: float = 1e-6) -> bool:
    return bool(np.all(np.isfinite(got)) and np.allclose(got, want, rtol=tol, atol=tol))


def _densities():
    """Densities of two Gaussians on a grid, with a few points where one of them is ~0."""
    x = torch.linspace(-4.0, 6.0, 41, dtype=torch.float64)
    p_data = torch.exp(-0.5 * (x / 0.8) ** 2) / (0.8 * math.sqrt(2 * math.pi))
    p_g = torch.exp(-0.5 * ((x - 1.5) / 1.3) ** 2) / (1.3 * math.sqrt(2 * math.pi))
    return p_data, p_g


def check_optimal_discriminator(fn) -> bool:
    """Check ``fn(p_data_x, p_g_x) -> D*(x)`` evaluated pointwise.

    Arguments are float64 tensors of shape ``(n,)`` holding the two densities at n points;
    the result must have shape ``(n,)``: ``p_data / (p_data + p_g)``. Chapter 3, exercise
    ``ex-ch03-dstar``.
    """
    a, b = _densities()
    try:
        out = fn(a.clone(), b.clone())
    except Exception as err:  # noqa: BLE001
        raise AssertionError(f"fn(p_data_x, p_g_x) raised {type(err).__name__}: {err}") from err
    got = _as_array(out, "fn(p_data_x, p_g_x)", a.shape)
    a, b = a.numpy(), b.numpy()
    want = a / (a + b)
    if _matches(got, want):
        print("Correct: D*(x) = p_data(x) / (p_data(x) + p_g(x)); it is 1/2 wherever the densities agree.")
        return True
    with np.errstate(divide="ignore", invalid="ignore"):
        mistakes = [
            ("your D* is p_g/(p_data+p_g): real and fake are swapped "
             "(D outputs the probability that x is REAL)", b / (a + b)),
            ("missing normalisation: you returned p_data(x) itself, which is a density, not a "
             "probability; divide by p_data(x) + p_g(x)", a),
            ("you returned the density ratio p_data/p_g (unbounded); D* = ratio/(1 + ratio) "
             "= p_data/(p_data + p_g) lies in [0, 1]", a / b),
            ("you returned 1/2 everywhere: that is D* only when p_g = p_data", np.full_like(a, 0.5)),
            ("you returned the logit log(p_data/p_g); apply the sigmoid (or use the ratio formula)",
             np.log(a / b)),
            ("factor 1/2 in the denominator: D* = p_data/(p_data + p_g), not "
             "p_data/((p_data + p_g)/2)", 2 * a / (a + b)),
        ]
    for hint, wrong in mistakes:
        if _matches(got, wrong):
            raise AssertionError(hint)
    if np.any(got < -1e-9) or np.any(got > 1 + 1e-9):
        raise AssertionError("some values of D* are outside [0, 1]; D* is a probability")
    i = int(np.argmax(np.abs(got - want)))
    raise AssertionError(f"at p_data={a[i]:.4g}, p_g={b[i]:.4g} you returned {got[i]:.4g}, "
                         f"expected {want[i]:.4g}; maximise a*log(y) + b*log(1-y) over y")


def check_value_at_optimum(value) -> bool:
    """Check the learner's C(G) = V(D*, G) for p_data = U[0, 1] and p_g = U[1/2, 3/2].

    Expected: JSD = (log 2)/2, hence C(G) = -log 4 + 2 JSD = -log 2 ~ -0.6931 (nats).
    Tolerance 1e-3 (an answer from numerical integration is fine). Chapter 3, exercise
    ``ex-ch03-value``.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().item()
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise AssertionError(f"give C(G) as a number, got {type(value).__name__}") from err
    want = VALUE_AT_OPTIMUM_UNIFORMS
    tol = 1e-3
    if abs(v - want) <= tol:
        print(f"Correct: C(G) = -log 4 + 2*JSD = -log 4 + log 2 = -log 2 = {want:.4f}.")
        return True
    log2 = math.log(2.0)
    mistakes = [
        (-math.log(4.0), "-log 4 is the value only when p_g = p_data; here the uniforms overlap "
                         "on half their mass, so JSD > 0 and C(G) > -log 4"),
        (log2 / 2, "that is the JSD itself; C(G) = -log 4 + 2*JSD"),
        (log2, "you forgot the -log 4 term: C(G) = -log 4 + 2*JSD"),
        (-math.log(4.0) + log2 / 2, "the JSD needs the factor 2: C(G) = -log 4 + 2*JSD, not -log 4 + JSD"),
        (-math.log(4.0) + 2 * log2, "C(G) = 0 means JSD = log 2, i.e. disjoint supports; these "
                                    "uniforms overlap on [1/2, 1], so JSD = (log 2)/2"),
        (-2 + 1.0, "you mixed in base-2 logarithms; use natural logs (nats): -log 4 = -1.386"),
    ]
    for wrong, hint in mistakes:
        if abs(v - wrong) <= tol:
            raise AssertionError(hint)
    if v < -math.log(4.0) - tol or v > tol:
        raise AssertionError(f"C(G) = {v:.4f} is outside [-log 4, 0] = [-1.386, 0], impossible for any p_g")
    raise AssertionError(f"C(G) = {v:.4f} is not right; compute D* on [0, 1/2), [1/2, 1] and (1, 3/2] "
                         "separately and integrate p_data log D* + p_g log(1 - D*)")


def check_density_ratio(fn) -> bool:
    """Check ``fn(D_x, p_g_x) -> p_data_x``: recover p_data from a discriminator and p_g.

    ``D_x`` holds discriminator probabilities D(x) in (0, 1), ``p_g_x`` the generator's
    density at the same points (float64 tensors, shape ``(n,)``). Since D*/(1 - D*) =
    p_data/p_g, the answer is ``p_g * D / (1 - D)``. Chapter 3, exercise ``ex-ch03-ratio``.
    """
    a, b = _densities()
    d = a / (a + b)  # the optimal discriminator on the grid
    try:
        out = fn(d.clone(), b.clone())
    except Exception as err:  # noqa: BLE001
        raise AssertionError(f"fn(D_x, p_g_x) raised {type(err).__name__}: {err}") from err
    got = _as_array(out, "fn(D_x, p_g_x)", a.shape)
    a, b, d = a.numpy(), b.numpy(), d.numpy()
    if _matches(got, a):
        print("Correct: p_data(x) = p_g(x) * D(x) / (1 - D(x)); a trained D is a density-ratio estimator.")
        return True
    with np.errstate(divide="ignore", invalid="ignore"):
        mistakes = [
            ("the ratio is inverted: (1 - D)/D = p_g/p_data; use D/(1 - D) = p_data/p_g", b * (1 - d) / d),
            ("you returned the ratio D/(1 - D) = p_data/p_g; multiply by p_g(x) to get p_data(x)", d / (1 - d)),
            ("p_g * D is not p_data: D = p_data/(p_data + p_g), so divide by (1 - D) as well", b * d),
            ("you divided p_g by D; solve D = p_data/(p_data + p_g) for p_data instead", b / d),
            ("you returned D itself; D is a probability, not the density p_data", d),
        ]
    for hint, wrong in mistakes:
        if _matches(got, wrong):
            raise AssertionError(hint)
    i = int(np.argmax(np.abs(got - a)))
    raise AssertionError(f"at D={d[i]:.4g}, p_g={b[i]:.4g} you returned {got[i]:.4g}, expected {a[i]:.4g}")
