"""Checkers for the exercises of chapter 3, The optimal discriminator.

- :func:`check_optimal_discriminator`: D*(x) = p_data(x) / (p_data(x) + p_g(x)).
- :func:`check_value_at_optimum`: C(G) = V(D*, G) = -log 4 + 2 JSD for two uniforms.
- :func:`check_density_ratio`: recover p_data from p_g and D via D/(1-D) = p_data/p_g.
- :func:`check_ns_objective`: KL(p_g || p_data) - 2 JSD(p_data || p_g), what the non-saturating
  generator minimises against the optimal D (Arjovsky & Bottou 2017).
- :func:`check_ml_generator_loss`: the maximum-likelihood generator cost
  -E[exp(logit D(G(z)))] = -E[D/(1-D)] (Goodfellow 2014, 2016).

Every checker prints a success message and returns ``True`` for a right answer and raises
``AssertionError`` with a specific hint for a typical wrong one.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ._common import checker, jsd_discrete, kl_discrete, scalar

__all__ = [
    "VALUE_AT_OPTIMUM_UNIFORMS",
    "check_density_ratio",
    "check_ml_generator_loss",
    "check_ns_objective",
    "check_optimal_discriminator",
    "check_value_at_optimum",
]

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


@checker
def check_optimal_discriminator(fn) -> bool:
    """Check ``fn(p_data_x, p_g_x) -> D*(x)`` evaluated pointwise.

    Arguments are float64 tensors of shape ``(n,)`` holding the two densities at n points;
    the result must have shape ``(n,)``: ``p_data / (p_data + p_g)``. Chapter 3, exercise
    ``ex-ch03-dstar``.
    """
    a, b = _densities()
    try:
        out = fn(a.clone(), b.clone())
    except Exception as err:
        raise AssertionError(f"fn(p_data_x, p_g_x) raised {type(err).__name__}: {err}") from err
    got = _as_array(out, "fn(p_data_x, p_g_x)", a.shape)
    a, b = a.numpy(), b.numpy()
    want = a / (a + b)
    if _matches(got, want):
        print("Correct: D*(x) = p_data(x) / (p_data(x) + p_g(x)); it is 1/2 wherever the densities agree.")
        return True
    with np.errstate(divide="ignore", invalid="ignore"):
        mistakes = [
            (("your D* is p_g/(p_data+p_g): real and fake are swapped "
             "(D outputs the probability that x is REAL)"), b / (a + b)),
            (("missing normalisation: you returned p_data(x) itself, which is a density, not a "
             "probability; divide by p_data(x) + p_g(x)"), a),
            (("you returned the density ratio p_data/p_g (unbounded); D* = ratio/(1 + ratio) "
             "= p_data/(p_data + p_g) lies in [0, 1]"), a / b),
            ("you returned 1/2 everywhere: that is D* only when p_g = p_data", np.full_like(a, 0.5)),
            ("you returned the logit log(p_data/p_g); apply the sigmoid (or use the ratio formula)",
             np.log(a / b)),
            (("factor 1/2 in the denominator: D* = p_data/(p_data + p_g), not "
             "p_data/((p_data + p_g)/2)"), 2 * a / (a + b)),
        ]
    for hint, wrong in mistakes:
        if _matches(got, wrong):
            raise AssertionError(hint)
    if np.any(got < -1e-9) or np.any(got > 1 + 1e-9):
        raise AssertionError("some values of D* are outside [0, 1]; D* is a probability")
    i = int(np.argmax(np.abs(got - want)))
    raise AssertionError(f"at p_data={a[i]:.4g}, p_g={b[i]:.4g} you returned {got[i]:.4g}, "
                         f"expected {want[i]:.4g}; maximise a*log(y) + b*log(1-y) over y")


@checker
def check_value_at_optimum(value) -> bool:
    """Check the learner's C(G) = V(D*, G) for p_data = U[0, 1] and p_g = U[1/2, 3/2].

    Expected: JSD = (log 2)/2, hence C(G) = -log 4 + 2 JSD = -log 2 ~ -0.6931 (nats).
    Tolerance 1e-3 (an answer from numerical integration is fine). ``value`` is a number or
    a function of no arguments returning it. Chapter 3, exercise ``ex-ch03-value``.
    """
    if callable(value):
        try:
            value = value()
        except Exception as err:
            raise AssertionError(f"value() raised {type(err).__name__}: {err}") from err
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
        (-math.log(4.0), ("-log 4 is the value only when p_g = p_data; here the uniforms overlap "
                         "on half their mass, so JSD > 0 and C(G) > -log 4")),
        (log2 / 2, "that is the JSD itself; C(G) = -log 4 + 2*JSD"),
        (log2, "you forgot the -log 4 term: C(G) = -log 4 + 2*JSD"),
        (-math.log(4.0) + log2 / 2, "the JSD needs the factor 2: C(G) = -log 4 + 2*JSD, not -log 4 + JSD"),
        (-math.log(4.0) + 2 * log2, ("C(G) = 0 means JSD = log 2, i.e. disjoint supports; these "
                                    "uniforms overlap on [1/2, 1], so JSD = (log 2)/2")),
        (-2 + 1.0, "you mixed in base-2 logarithms; use natural logs (nats): -log 4 = -1.386"),
    ]
    for wrong, hint in mistakes:
        if abs(v - wrong) <= tol:
            raise AssertionError(hint)
    if v < -math.log(4.0) - tol or v > tol:
        raise AssertionError(f"C(G) = {v:.4f} is outside [-log 4, 0] = [-1.386, 0], impossible for any p_g")
    raise AssertionError(f"C(G) = {v:.4f} is not right; compute D* on [0, 1/2), [1/2, 1] and (1, 3/2] "
                         "separately and integrate p_data log D* + p_g log(1 - D*)")


@checker
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
    except Exception as err:
        raise AssertionError(f"fn(D_x, p_g_x) raised {type(err).__name__}: {err}") from err
    got = _as_array(out, "fn(D_x, p_g_x)", a.shape)
    a, b, d = a.numpy(), b.numpy(), d.numpy()
    if _matches(got, a):
        print("Correct: p_data(x) = p_g(x) * D(x) / (1 - D(x)); a trained D is a density-ratio estimator.")
        return True
    with np.errstate(divide="ignore", invalid="ignore"):
        mistakes = [
            ("the ratio is inverted: (1 - D)/D = p_g/p_data; use D/(1 - D) = p_data/p_g",
             b * (1 - d) / d),
            ("you returned the ratio D/(1 - D) = p_data/p_g; multiply by p_g(x) to get p_data(x)",
             d / (1 - d)),
            ("p_g * D is not p_data: D = p_data/(p_data + p_g), so divide by (1 - D) as well", b * d),
            ("you divided p_g by D; solve D = p_data/(p_data + p_g) for p_data instead", b / d),
            ("you returned D itself; D is a probability, not the density p_data", d),
        ]
    for hint, wrong in mistakes:
        if _matches(got, wrong):
            raise AssertionError(hint)
    i = int(np.argmax(np.abs(got - a)))
    raise AssertionError(f"at D={d[i]:.4g}, p_g={b[i]:.4g} you returned {got[i]:.4g}, expected {a[i]:.4g}")


# ----------------------------------------------------------------------------- NS objective
def _ns_cases():
    rng = np.random.default_rng(7)
    p = np.array([0.4, 0.6])                  # two modes of weight 0.4 and 0.6
    return [
        (p, np.array([0.0, 1.0])),            # p_g on the heavier mode: log(1/0.6) - 2 JSD
        (p, np.array([0.3, 0.7])),
        (rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))),
        (np.array([0.25, 0.25, 0.5]), np.array([0.25, 0.25, 0.5])),   # identical -> 0
    ]


@checker
def check_ns_objective(fn) -> bool:
    """Check ``fn(p_data, p_g) -> KL(p_g || p_data) - 2 JSD(p_data || p_g)`` (nats).

    ``p_data`` and ``p_g`` are float64 probability vectors of shape ``(K,)`` with p_data > 0
    in every bin and p_g possibly 0 there; use 0 log 0 = 0 (``torch.xlogy``).
    The objective is what the non-saturating generator loss minimises, in expected
    gradient, against the optimal discriminator (Arjovsky & Bottou 2017, Prop. 3).
    Chapter 3, exercise ``ex-ch03-ns``.
    """
    cases = _ns_cases()
    got = []
    for p, q in cases:
        try:
            out = fn(torch.as_tensor(p), torch.as_tensor(q))
        except Exception as err:
            raise AssertionError(f"fn(p_data, p_g) raised {type(err).__name__}: {err} "
                                 f"for p_data={p}, p_g={q}") from err
        got.append(scalar(out))
    want = [kl_discrete(q, p) - 2 * jsd_discrete(p, q) for p, q in cases]
    if all(abs(g - w) <= 1e-6 for g, w in zip(got, want)):
        print("Correct: reverse KL minus twice the JSD; putting p_g on one mode of weight 0.6 "
              f"costs {want[0]:.4f} nats.")
        return True
    if any(math.isnan(g) for g in got):
        raise AssertionError("fn returned nan: bins with probability 0 must contribute 0 "
                             "(0 log 0 = 0); use torch.xlogy")
    mistakes = [
        (("the KL is the wrong way round: the non-saturating loss gives the REVERSE KL "
         "KL(p_g || p_data), an expectation under p_g"),
         lambda p, q: kl_discrete(p, q) - 2 * jsd_discrete(p, q)),
        ("the JSD term has the wrong sign: it is KL(p_g || p_data) MINUS 2 JSD",
         lambda p, q: kl_discrete(q, p) + 2 * jsd_discrete(p, q)),
        ("the JSD needs the factor 2 (C(G) = -log 4 + 2 JSD)",
         lambda p, q: kl_discrete(q, p) - jsd_discrete(p, q)),
        (("the JSD term is missing: KL(p_g || p_data) alone is the reverse KL, not the whole "
         "objective"), lambda p, q: kl_discrete(q, p)),
    ]
    for hint, wrong in mistakes:
        vals = [wrong(p, q) for p, q in cases]   # skip cases where the mistake is infinite
        if all(abs(g - w) <= 1e-6 for g, w in zip(got, vals) if math.isfinite(w)):
            raise AssertionError(hint)
    i = next(k for k, (g, w) in enumerate(zip(got, want)) if abs(g - w) > 1e-6)
    raise AssertionError(f"fn(p_data={cases[i][0]}, p_g={cases[i][1]}) = {got[i]:.6f}, "
                         f"expected {want[i]:.6f}")


# ----------------------------------------------------------------------------- ML generator cost
def _ml_logits():
    gen = torch.Generator().manual_seed(5)
    return [3 * torch.randn(64, generator=gen, dtype=torch.float64),
            torch.tensor([-30.0, -2.0, 0.0, 1.0, 4.0], dtype=torch.float64)]


@checker
def check_ml_generator_loss(fn) -> bool:
    """Check ``fn(fake_logits) -> -mean(exp(fake_logits))``, the maximum-likelihood cost.

    ``fake_logits`` (float64, shape ``(B,)``) are D's logits on fakes, so
    ``exp(logit) = D/(1 - D)``, which equals p_data/p_g for the optimal D; with it the
    expected gradient of the cost is that of KL(p_data || p_g). The book's losses are not
    halved (Goodfellow 2016 writes -1/2 E[...] because all his costs carry 1/2). Must return
    one number and keep the gradient. Chapter 3, exercise ``ex-ch03-ml``.
    """
    for logits in _ml_logits():
        x = logits.clone().requires_grad_(True)
        try:
            out = fn(x)
        except Exception as err:
            raise AssertionError(f"fn(fake_logits) raised {type(err).__name__}: {err}") from err
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            raise AssertionError("return a tensor that keeps the gradient (no .item(), "
                                 "no torch.tensor(...) around the result)")
        val = scalar(out)
        want = float(-torch.exp(logits).mean())
        if abs(val - want) <= 1e-6 * max(1.0, abs(want)):
            continue
        d = torch.sigmoid(logits)
        mistakes = [
            (-want, ("the sign is wrong: the generator MINIMISES -E[D/(1-D)], i.e. it wants "
                    "D(G(z)) large")),
            (0.5 * want, ("this is Goodfellow's -1/2 E[exp(logit)]; the book's losses carry no "
                         "1/2, so drop it")),
            (float(-d.mean()), ("you used D = sigmoid(logit); the cost uses the odds "
                               "D/(1-D) = exp(logit)")),
            (float(torch.nn.functional.softplus(-logits).mean()),
             "that is the non-saturating loss -log D; the ML cost is -D/(1-D) = -exp(logit)"),
            (float(-torch.nn.functional.softplus(logits).mean()),
             "that is the minimax loss log(1 - D); the ML cost is -exp(logit)"),
        ]
        for wrong, hint in mistakes:
            if abs(val - wrong) <= 1e-6 * max(1.0, abs(wrong)):
                raise AssertionError(hint)
        raise AssertionError(f"fn returned {val:.6g}, expected {want:.6g} = "
                             "-mean(exp(fake_logits))")
    print("Correct: -E[exp(logit D(G(z)))] = -E[D/(1-D)], whose expected gradient with D* is "
          "that of KL(p_data || p_g).")
    return True
