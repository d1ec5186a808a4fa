"""Exercise checkers for chapter 4, Saturation and the non-saturating loss
(book/04_saturation.ipynb).

Each checker calls the learner's function on fixed inputs, compares with the reference and
raises ``AssertionError`` with a specific hint for the typical mistakes; a right answer prints
and returns a success message.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ._common import checker, scalar

__all__ = ["check_generator_gradients", "check_nonsaturating_loss", "check_label_smoothing",
           "check_unrolled_discriminator"]


def _ok(msg: str) -> str:
    msg = "Correct! " + msg
    print(msg)
    return msg


def _close(a, b, tol=1e-5) -> bool:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=tol))


def _np(v) -> np.ndarray:
    if isinstance(v, torch.Tensor):
        v = v.detach().cpu().numpy()
    return np.asarray(v, dtype=float)


@checker
def check_generator_gradients(fn) -> str:
    """Check ``fn(d) -> (grad_mm, grad_ns)``: derivatives w.r.t. the LOGIT a of the per-sample
    generator losses, written as functions of d = D(G(z)) = sigmoid(a).

    Reference: minimax ℓ = log(1 − σ(a)) → dℓ/da = −d;
    non-saturating ℓ = −log σ(a) → dℓ/da = −(1 − d) = d − 1.
    """
    d = torch.tensor([1e-4, 0.01, 0.2, 0.5, 0.9])
    out = fn(d.clone())
    assert isinstance(out, (tuple, list)) and len(out) == 2, (
        "return a pair (grad_mm, grad_ns), each of the same shape as d")
    mm, ns = _np(out[0]), _np(out[1])
    dn = d.numpy().astype(float)
    ref_mm, ref_ns = -dn, dn - 1
    if _close(mm, ref_mm) and _close(ns, ref_ns):
        return _ok("as D(G(z)) → 0 the minimax gradient −d vanishes while the non-saturating "
                   "one, d − 1, tends to −1: the generator still learns when D wins.")
    if _close(mm, ref_ns) and _close(ns, ref_mm):
        raise AssertionError("the two gradients are swapped: log(1 − D) gives −d, "
                             "−log D gives d − 1")
    if _close(mm, -1 / (1 - dn)) or _close(ns, -1 / dn):
        raise AssertionError("that is the derivative w.r.t. D, not w.r.t. the logit a; "
                             "multiply by dσ/da = d(1 − d)")
    if _close(mm, dn) or _close(ns, 1 - dn):
        raise AssertionError("sign error: both losses DECREASE as the logit grows, so both "
                             "derivatives are ≤ 0 (−d and d − 1)")
    if not _close(mm, ref_mm):
        raise AssertionError("minimax gradient wrong: d/da log(1 − σ(a)) = −σ(a) = −d")
    raise AssertionError("non-saturating gradient wrong: d/da [−log σ(a)] = −(1 − σ(a)) = d − 1")


@checker
def check_nonsaturating_loss(fn) -> str:
    """Check ``fn(fake_logits) -> −mean log D(G(z))`` (the non-saturating generator loss).

    Reference: ``F.softplus(-fake_logits).mean()`` — stable for any logit, positive, and its
    gradient does not vanish when D rejects the fakes (very negative logits).
    """
    fake_logits = torch.tensor([-3.0, -0.5, 0.0, 1.5])
    ref = F.softplus(-fake_logits).mean().item()
    got = scalar(fn(fake_logits.clone()))
    if _close(got, ref):
        extreme = torch.tensor([-200.0, -50.0, 0.0], requires_grad=True)
        out = fn(extreme)
        val = scalar(out)
        assert math.isfinite(val), (
            f"right on moderate logits but loss = {val} when D confidently rejects a fake "
            "(logit −200): log(sigmoid(a)) underflows; use F.softplus(−a) = −F.logsigmoid(a)")
        assert _close(val, F.softplus(-extreme.detach()).mean().item(), 1e-4), (
            "inaccurate for very negative logits: log(sigmoid(a)) loses precision; "
            "use F.softplus(−a)")
        assert isinstance(out, torch.Tensor) and out.requires_grad, (
            "the loss is not connected to the logits (no autograd graph): build it with "
            "torch operations on fake_logits, not floats/numpy")
        out.backward()
        g = extreme.grad.numpy()
        assert np.all(np.isfinite(g)) and abs(g[0] + 1 / 3) < 1e-3, (
            "gradient wrong at logit −200: should be −1/B per sample (non-saturating)")
        return _ok(f"loss = {ref:.4f} on the test logits, finite and with gradient ≈ −1/B even "
                   "at logit −200.")
    hints = [
        (-ref, "wrong sign: the generator MINIMISES −log D(G(z)) (a positive number)"),
        (-F.softplus(fake_logits).mean().item(),
         "that is the minimax loss log(1 − D(G(z))) = −softplus(a); the non-saturating loss "
         "is −log D(G(z)) = softplus(−a)"),
        (F.softplus(fake_logits).mean().item(),
         "that is −log(1 − D(G(z))) (the BCE of the fakes against label 0, i.e. D's own loss "
         "on fakes); the generator wants −log D(G(z)) = softplus(−a)"),
        (F.softplus(-fake_logits).sum().item(), "you summed; take the mean over the batch"),
        ((-fake_logits).mean().item(), "you dropped the sigmoid: −log D needs D = σ(a)"),
    ]
    for value, hint in hints:
        if _close(got, value):
            raise AssertionError(hint)
    raise AssertionError(f"expected −mean log σ(a) = {ref:.4f} on the test logits, got {got:.4f}")


@checker
def check_label_smoothing(fn) -> str:
    """Check ``fn(real_logits, fake_logits, smoothing) -> D loss`` with ONE-SIDED smoothing.

    Reference: BCE(real_logits, 1 − smoothing) + BCE(fake_logits, 0), each a batch mean
    (Salimans et al., 2016: only the real target moves).
    """
    real_logits = torch.tensor([2.0, 0.5, -1.0, 3.0])
    fake_logits = torch.tensor([-2.0, 0.3, -0.7, 1.0])
    s = 0.1

    def bce(logits, target):
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target)).item()

    ref = bce(real_logits, 1 - s) + bce(fake_logits, 0.0)
    got = scalar(fn(real_logits.clone(), fake_logits.clone(), s))
    if _close(got, ref):
        got0 = scalar(fn(real_logits.clone(), fake_logits.clone(), 0.0))
        assert _close(got0, bce(real_logits, 1.0) + bce(fake_logits, 0.0)), (
            "with smoothing=0 your loss should be the plain BCE discriminator loss")
        return _ok(f"loss = {ref:.4f}: the real target is 1 − s = {1 - s}, the fake target "
                   "stays 0.")
    hints = [
        (bce(real_logits, 1 - s) + bce(fake_logits, s),
         "two-sided smoothing: only the REAL label moves (to 1 − s); smoothing the fake label "
         "towards s rewards G for staying where the fakes are"),
        (bce(real_logits, s) + bce(fake_logits, 0.0),
         "the real target should be 1 − smoothing, not smoothing"),
        (bce(real_logits, 1.0) + bce(fake_logits, 0.0),
         "no smoothing applied: the real target should be 1 − smoothing"),
        (bce(real_logits, 1.0) + bce(fake_logits, s),
         "you smoothed the fake label instead of the real one"),
        (0.5 * ref, "no factor ½ here: sum the two batch means"),
        (bce(real_logits, 1 + s) + bce(fake_logits, 0.0), "real target should be 1 − s, not 1 + s"),
    ]
    for value, hint in hints:
        if _close(got, value):
            raise AssertionError(hint)
    raise AssertionError(f"expected {ref:.4f} (BCE(real, 1 − s) + BCE(fake, 0)), got {got:.4f}")


def _toy_d_loss(theta, phi):
    """D's BCE loss with a linear logit θ₀ + θ₁x: real sample at x = 1, fake at x = φ, plus
    a small weight decay (so the unrolled path is curved, not linear)."""
    return (F.softplus(-(theta[0] + theta[1])) + F.softplus(theta[0] + theta[1] * phi)
            + 0.05 * (theta ** 2).sum())


def _reference_unroll(d_loss, theta, k, lr):
    for _ in range(k):
        (g,) = torch.autograd.grad(d_loss(theta), theta, create_graph=True)
        theta = theta - lr * g
    return theta


def _surrogate(unroll, k, lr):
    """(G's loss at the unrolled θ_k, its derivative w.r.t. G's parameter φ, θ_k)."""
    phi = torch.tensor(0.3, requires_grad=True)
    theta0 = torch.tensor([0.2, -0.4], requires_grad=True)
    theta_k = unroll(lambda th: _toy_d_loss(th, phi), theta0, k, lr)
    assert isinstance(theta_k, torch.Tensor) and theta_k.shape == theta0.shape, (
        "return θ_k: a tensor of the same shape as theta")
    loss_g = F.softplus(-(theta_k[0] + theta_k[1] * phi))       # non-saturating, fake at φ
    if not loss_g.requires_grad:
        return loss_g.item(), None, theta_k.detach()
    (dphi,) = torch.autograd.grad(loss_g, phi, allow_unused=True)
    return loss_g.item(), None if dphi is None else dphi.item(), theta_k.detach()


@checker
def check_unrolled_discriminator(unroll) -> str:
    """Check ``unroll(d_loss, theta, k, lr) -> θ_k``: k gradient-DESCENT steps on D's loss,
    θ_{i+1} = θ_i − lr·∇_θ d_loss(θ_i), kept differentiable (``create_graph=True``) so that
    G's loss at θ_k has the unrolled gradient of Metz et al. (2017), eq. (ch04-unrolled).

    Tested on a linear-logit D with a real sample at 1 and a fake at φ (G's parameter).
    """
    k, lr = 5, 0.5
    ref_loss, ref_dphi, ref_theta = _surrogate(_reference_unroll, k, lr)
    got_loss, got_dphi, got_theta = _surrogate(unroll, k, lr)
    if _close(got_theta, ref_theta, 1e-4):
        assert got_dphi is not None and abs(got_dphi - ref_dphi) < 1e-4 * (1 + abs(ref_dphi)), (
            "θ_k is right but G's gradient does not flow through the unrolled steps: "
            "compute each step's gradient with torch.autograd.grad(..., create_graph=True) and "
            "update out of place (theta = theta - lr * g), never with .data, .detach() or "
            "no_grad")
        _, no_unroll, _ = _surrogate(lambda f, th, k_, lr_: th, 0, lr)
        return _ok(f"θ_5 = {[round(v, 4) for v in ref_theta.tolist()]}; G's gradient through "
                   f"the unrolled D is {ref_dphi:.4f} (without unrolling: {no_unroll:.4f}).")
    for wrong_k in (k - 1, k + 1):
        if _close(got_theta, _surrogate(_reference_unroll, wrong_k, lr)[2], 1e-4):
            raise AssertionError(f"you took {wrong_k} steps instead of k = {k}")
    if _close(got_theta, _surrogate(_reference_unroll, k, -lr)[2], 1e-4):
        raise AssertionError("gradient ASCENT on D's loss: D minimises its loss, so each step "
                             "is theta − lr · grad")
    if _close(got_theta, ref_theta.new_tensor([0.2, -0.4]), 1e-6):
        raise AssertionError("theta did not move: return the parameters after k steps")
    raise AssertionError(f"expected θ_{k} = {ref_theta.tolist()} after {k} steps of "
                         f"θ ← θ − lr·∇θ d_loss(θ), got {got_theta.tolist()}")
