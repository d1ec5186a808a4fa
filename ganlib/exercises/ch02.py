"""Exercise checkers for chapter 2, The minimax game (book/02_minimax_game.ipynb).

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

__all__ = [
    "check_alternating_step",
    "check_bce",
    "check_extragradient_matrix",
    "check_value_function",
]


def _ok(msg: str) -> str:
    msg = "Correct! " + msg
    print(msg)
    return msg


def _close(a, b, tol=1e-5) -> bool:
    return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                            rtol=tol, atol=tol))


@checker
def check_bce(fn) -> str:
    """Check ``fn(p, y) -> mean binary cross-entropy`` of probabilities p against labels y.

    Reference: BCE = −mean[y log p + (1 − y) log(1 − p)], natural log (chapter 2, the
    Bernoulli likelihood). p and y are float tensors of shape (B,).
    """
    p = torch.tensor([0.9, 0.2, 0.6, 0.3, 0.75])
    y = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0])
    ref = F.binary_cross_entropy(p, y).item()
    got = scalar(fn(p.clone(), y.clone()))
    if _close(got, ref):
        y_soft = torch.tensor([0.9, 0.1, 0.5, 0.8, 0.0])
        got_soft = scalar(fn(p.clone(), y_soft.clone()))
        assert _close(got_soft, F.binary_cross_entropy(p, y_soft).item()), (
            "right for hard labels but wrong for soft labels y ∈ (0, 1): use the formula "
            "y log p + (1 − y) log(1 − p), not a lookup on y == 1")
        return _ok(f"BCE = {ref:.4f} on the test batch: the negative mean Bernoulli "
                   "log-likelihood.")
    terms = y * p.log() + (1 - y) * (1 - p).log()  # (B,)
    hints = [
        (-ref, "wrong sign: BCE is the NEGATIVE log-likelihood (it is ≥ 0), −mean[...]"),
        (ref * len(p), "you summed over the batch; take the mean"),
        (ref / math.log(10), "you used log10; the likelihood uses the natural log (torch.log)"),
        (-(y * p.log()).mean().item(),
         "the (1 − y) log(1 − p) term for label-0 samples is missing"),
        (-((1 - y) * (1 - p).log()).mean().item(),
         "the y log p term for label-1 samples is missing"),
        (-(y * (1 - p).log() + (1 - y) * p.log()).mean().item(),
         "labels swapped: y multiplies log p, (1 − y) multiplies log(1 − p)"),
        ((-terms).mean().item() * 0.5, "no factor ½: BCE is the plain mean over the batch"),
    ]
    for value, hint in hints:
        if _close(got, value):
            raise AssertionError(hint)
    raise AssertionError(f"BCE of the test batch should be {ref:.4f}, got {got:.4f}: "
                         "check −mean[y log p + (1 − y) log(1 − p)]")


@checker
def check_value_function(fn) -> str:
    """Check ``fn(real_logits, fake_logits) -> V(D, G)`` from LOGITS.

    Reference: V = mean log D(x) + mean log(1 − D(G(z))) with D = sigmoid(logit), computed
    stably as mean logsigmoid(real_logits) + mean logsigmoid(−fake_logits).
    """
    real_logits = torch.tensor([2.0, 0.5, -1.0, 3.0])
    fake_logits = torch.tensor([-2.0, 0.3, -0.7])  # a different batch size on purpose
    ref = (F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()).item()
    got = scalar(fn(real_logits.clone(), fake_logits.clone()))
    if _close(got, ref):
        big_r, big_f = torch.tensor([-200.0, 1.0]), torch.tensor([200.0, -1.0])
        ref_big = (F.logsigmoid(big_r).mean() + F.logsigmoid(-big_f).mean()).item()
        got_big = scalar(fn(big_r, big_f))
        assert math.isfinite(got_big) and _close(got_big, ref_big, 1e-4), (
            f"right on moderate logits but V = {got_big} for logits ±200 (expected "
            f"{ref_big:.1f}): log(sigmoid(a)) underflows to log(0) = −inf; use "
            "F.logsigmoid(a) for log D and F.logsigmoid(−a) for log(1 − D)")
        return _ok(f"V(D, G) = {ref:.4f} on the test logits (≤ 0, and −log 4 ≈ −1.386 at "
                   "the equilibrium D = ½).")
    r_ls, f_ls = F.logsigmoid(real_logits), F.logsigmoid(fake_logits)
    hints = [
        (-ref, ("wrong sign: V is the log-likelihood that D maximises (≤ 0); "
               "the BCE loss is −V")),
        ((F.logsigmoid(fake_logits).mean() + F.logsigmoid(-real_logits).mean()).item(),
         "real and fake swapped: log D(x) for real logits, log(1 − D(G(z))) for fake ones"),
        ((r_ls.mean() + f_ls.mean()).item(),
         ("second term is log D(G(z)); the value function has log(1 − D(G(z))) = "
         "logsigmoid(−fake_logits)")),
        ((real_logits.mean() + (1 - fake_logits).mean()).item(),
         "you used the logits as probabilities: apply the sigmoid (through logsigmoid)"),
        ((torch.sigmoid(real_logits).log().sum() + (1 - torch.sigmoid(fake_logits)).log().sum())
         .item(), "you summed; take the mean of each expectation separately"),
        (torch.cat([r_ls, F.logsigmoid(-fake_logits)]).mean().item(),
         ("you averaged over the concatenated batch; V is a sum of TWO means "
         "(one over real, one over fake samples)")),
    ]
    for value, hint in hints:
        if _close(got, value):
            raise AssertionError(hint)
    raise AssertionError(f"V(D, G) on the test logits should be {ref:.4f}, got {got:.4f}")


@checker
def check_alternating_step(fn) -> str:
    """Check ``fn(x, y, lr) -> (x_new, y_new)``: one alternating step on f(x, y) = x·y.

    Order of Algorithm 1: first the maximiser y ("D") ascends, y ← y + lr·x; then the
    minimiser x ("G") descends against the NEW y, x ← x − lr·y_new.
    """
    from ganlib.games import alternating_step, simultaneous_step

    x, y, lr = 0.7, -0.4, 0.3
    got = tuple(float(v) for v in fn(x, y, lr))
    ref = alternating_step(x, y, lr)
    if _close(got, ref, 1e-9):
        return _ok("the alternating map has matrix [[1 − η², −η], [η, 1]], determinant 1: "
                   "its eigenvalues lie on the unit circle, so the iterates cycle.")
    x_first = (x - lr * y, y + lr * (x - lr * y))
    hints = [
        (simultaneous_step(x, y, lr),
         ("that is the SIMULTANEOUS step (x used the old y); update y first, then x with the "
         "new y")),
        (x_first, "you moved x (G) first; in Algorithm 1 the discriminator y moves first"),
        ((x + lr * (y + lr * x), y + lr * x),
         "x must DESCEND on x·y: x ← x − lr·y (its gradient is y)"),
        ((x - lr * (y - lr * x), y - lr * x),
         "y must ASCEND on x·y: y ← y + lr·x (it is the maximiser)"),
        ((x - lr * (y + lr * x), y), "return the NEW y as well as the new x"),
    ]
    for value, hint in hints:
        if _close(got, value, 1e-9):
            raise AssertionError(hint)
    raise AssertionError(f"expected (x, y) = ({ref[0]:.4f}, {ref[1]:.4f}) from "
                         f"(0.7, −0.4) with lr=0.3, got ({got[0]:.4f}, {got[1]:.4f})")


@checker
def check_extragradient_matrix(fn) -> str:
    """Check ``fn(lr) -> 2×2 matrix M`` with (x, y)_{t+1} = M (x, y)_t for extragradient.

    Reference: M = [[1 − η², −η], [η, 1 − η²]], eigenvalues (1 − η²) ± iη.
    """
    from ganlib.games import update_matrix

    lr = 0.3
    got = np.asarray(fn(lr), dtype=float)
    assert got.shape == (2, 2), f"return a 2×2 matrix (got shape {got.shape})"
    ref = update_matrix("extragradient", lr)
    if _close(got, ref, 1e-9):
        rho = float(np.abs(np.linalg.eigvals(ref)).max())
        return _ok(f"for η = 0.3 the spectral radius is √(1 − η² + η⁴) = {rho:.4f} < 1: "
                   "extragradient contracts towards the equilibrium.")
    for name in ("simultaneous", "alternating"):
        if _close(got, update_matrix(name, lr), 1e-9):
            raise AssertionError(f"that is the {name} matrix; extragradient takes the "
                                 "gradient at the look-ahead point (x − ηy, y + ηx)")
    if _close(got, ref.T, 1e-9):
        raise AssertionError("transposed: row 1 gives x_{t+1}, which is x − η·ỹ with "
                             "ỹ = y + ηx, i.e. (1 − η²)x − ηy")
    if _close(got, np.array([[1 + lr**2, -lr], [lr, 1 + lr**2]]), 1e-9):
        raise AssertionError("sign slip on the η² terms: x − η(y + ηx) = (1 − η²)x − ηy")
    raise AssertionError("expected [[1 − η², −η], [η, 1 − η²]]: substitute the look-ahead "
                         "ỹ = y + ηx into x ← x − ηỹ (and x̃ = x − ηy into y ← y + ηx̃)")
