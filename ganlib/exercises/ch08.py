"""Exercise checkers for chapter 8, Mode collapse: tricks and remedies, measured
(book/08_mode_collapse.ipynb).

Each checker calls the learner's function on fixed inputs, compares with the reference and
raises ``AssertionError`` with a specific hint for the typical mistakes; a right answer prints
and returns a success message.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ._common import checker, scalar
from .ch04 import _close, _ok

__all__ = ["check_label_smoothing", "check_unrolled_discriminator"]


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
    G's loss at θ_k has the unrolled gradient of Metz et al. (2017), eq. (ch08-unrolled).

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
