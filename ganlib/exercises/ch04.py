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

__all__ = ["check_generator_gradients", "check_nonsaturating_loss"]


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
