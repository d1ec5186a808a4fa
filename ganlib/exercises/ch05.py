"""Checkers for the exercises of chapter 5, Wasserstein GANs.

- :func:`check_w1_1d`: W1 between two equal-size 1D samples = mean |sort(x) - sort(y)|.
- :func:`check_gradient_penalty`: the WGAN-GP penalty E (‖∇D(x̂)‖₂ - 1)² on interpolates
  x̂ = ε x_real + (1 - ε) x_fake, with the graph kept (Gulrajani et al. 2017).
- :func:`check_parallel_lines`: W, JS, KL and TV between P0 = (0, Z) and Pθ = (θ, Z),
  Z ~ U[0, 1] (Arjovsky et al. 2017, Example 1).
- :func:`check_w1_kr`: the discrete W1 as the linear program over one 1-Lipschitz function f
  on the points of both distributions (the Kantorovich–Rubinstein dual), solved with
  ``scipy.optimize.linprog``.

Every checker prints a success message and returns ``True`` for a right answer and raises
``AssertionError`` with a specific hint for a typical wrong one; a stub that still raises
``NotImplementedError`` prints "Not attempted yet" and returns ``False`` (:func:`checker`).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ._common import checker

__all__ = ["check_w1_1d", "check_gradient_penalty", "check_parallel_lines", "check_w1_kr",
           "parallel_lines", "w1_kr_reference", "QuadraticCritic"]


def _scalar(value, name: str) -> float:
    if torch.is_tensor(value):
        if value.numel() != 1:
            raise AssertionError(f"{name} returned a tensor of shape {tuple(value.shape)}; "
                                 "expected a single number (reduce over the batch)")
        value = value.detach().reshape(()).item()
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise AssertionError(f"{name} returned {type(value).__name__}; expected a number") from err


def _close(a: float, b: float, tol: float = 1e-5) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isfinite(a) and abs(a - b) <= tol * max(1.0, abs(b))


# ----------------------------------------------------------------------------- W1 in 1D
@checker
def check_w1_1d(fn) -> bool:
    """Check ``fn(x, y)`` = W1 between the empirical distributions of x (n,) and y (n,).

    For equal sample sizes the optimal coupling pairs the k-th smallest x with the k-th
    smallest y, so W1 = (1/n) Σ_k |x_(k) - y_(k)| (chapter 5, equation ch05-w1-sorted).
    """
    gen = torch.Generator().manual_seed(5)
    for n in (7, 64):
        x = torch.randn(n, generator=gen, dtype=torch.float64)
        y = 0.7 * torch.randn(n, generator=gen, dtype=torch.float64) + 0.4
        try:
            got = _scalar(fn(x.clone(), y.clone()), "fn(x, y)")
        except AssertionError:
            raise
        except Exception as err:  # noqa: BLE001 - show the learner's error with a hint
            raise AssertionError(f"fn(x, y) raised {type(err).__name__}: {err}; x and y are "
                                 "1D float tensors of the same length n") from err
        sx, sy = torch.sort(x).values, torch.sort(y).values
        want = (sx - sy).abs().mean().item()
        if _close(got, want):
            continue
        wrong = [
            ((x - y).abs().mean().item(), "the samples are not sorted: pairing x_i with y_i is "
             "a coupling, but not the optimal one; sort both samples first"),
            ((sx - y).abs().mean().item(), "only x is sorted: sort y as well"),
            ((x - sy).abs().mean().item(), "only y is sorted: sort x as well"),
            ((sx - sy).abs().sum().item(), "you summed |x_(k) - y_(k)| without dividing by n: "
             "each sample carries mass 1/n, so take the mean"),
            (((sx - sy) ** 2).mean().item(), "you averaged SQUARED distances (that is W2², not "
             "W1): use the absolute difference |x_(k) - y_(k)|"),
            (((sx - sy) ** 2).mean().sqrt().item(), "that is W2 (root mean square of the "
             "sorted differences); W1 averages the absolute differences"),
            (abs((sx - sy).mean().item()), "the absolute value is outside the mean: "
             "|mean(x) - mean(y)| only compares the means; take |x_(k) - y_(k)| inside the mean"),
            ((sx - sy).mean().item(), "the absolute value is missing: positive and negative "
             "differences cancel"),
        ]
        for value, hint in wrong:
            if _close(got, value):
                raise AssertionError(hint)
        raise AssertionError(f"fn(x, y) = {got:.6g} but W1 = {want:.6g} for n = {n}: "
                             "sort both samples and average |x_(k) - y_(k)|")
    print("Correct: W1 in 1D is the mean distance between sorted samples (the quantile coupling).")
    return True


# ----------------------------------------------------------------------------- gradient penalty
class QuadraticCritic(nn.Module):
    """A tiny critic f(x) = ½ Σ_j a_j x_j² + b·x with trainable a, b (d,), used by the
    checker: its gradient a ⊙ x + b has a norm that varies from point to point, below and
    above 1, so one-sided and squared-norm penalties give different numbers."""

    def __init__(self, a=(0.9, -1.6), b=(0.3, 0.5)):
        super().__init__()
        self.a = nn.Parameter(torch.tensor(a, dtype=torch.float64))
        self.b = nn.Parameter(torch.tensor(b, dtype=torch.float64))

    def forward(self, x):  # (B, d) -> (B,)
        return 0.5 * (self.a * x**2).sum(1) + x @ self.b


def _gp_reference(D, x_hat, how="two-sided"):
    x_hat = x_hat.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)  # (B, d)
    norm = grad.norm(dim=1)  # (B,)
    if how == "two-sided":
        return ((norm - 1) ** 2).mean()
    if how == "one-sided":
        return (torch.relu(norm - 1) ** 2).mean()
    if how == "squared-norm":
        return ((grad.pow(2).sum(1) - 1) ** 2).mean()
    if how == "sum":
        return ((norm - 1) ** 2).sum()
    if how == "batch-norm":
        return (grad.norm() - 1) ** 2
    if how == "no-minus-one":
        return (norm**2).mean()
    raise ValueError(how)


@checker
def check_gradient_penalty(fn) -> bool:
    """Check ``fn(D, x_real, x_fake, eps)`` = E_b (‖∇_x D(x̂_b)‖₂ - 1)² with
    x̂ = eps · x_real + (1 - eps) · x_fake; x_real, x_fake (B, d), eps (B, 1).

    The result must be a scalar that keeps the graph (``create_graph=True``), so that
    ``(λ · penalty).backward()`` reaches D's parameters.
    """
    gen = torch.Generator().manual_seed(0)
    B, d = 32, 2
    x_real = torch.randn(B, d, generator=gen, dtype=torch.float64) + torch.tensor([1.0, 0.0],
                                                                                 dtype=torch.float64)
    x_fake = 0.5 * torch.randn(B, d, generator=gen, dtype=torch.float64)
    eps = torch.rand(B, 1, generator=gen, dtype=torch.float64)
    D = QuadraticCritic()
    x_hat = eps * x_real + (1 - eps) * x_fake
    try:
        out = fn(D, x_real.clone(), x_fake.clone(), eps.clone())
    except RuntimeError as err:
        if "does not require grad" in str(err) or "differentiated" in str(err):
            raise AssertionError("autograd cannot differentiate D's output w.r.t. x̂: call "
                                 "x_hat.requires_grad_(True) before D(x_hat) "
                                 f"(error: {err})") from err
        raise AssertionError(f"fn raised RuntimeError: {err}") from err
    got = _scalar(out, "fn(D, x_real, x_fake, eps)")
    want = _gp_reference(D, x_hat)
    if not _close(got, want.item()):
        wrong = [
            (_gp_reference(D, x_real), "you penalised the gradient at the REAL points only; "
             "the penalty lives on the interpolates x̂ = ε x_real + (1 - ε) x_fake"),
            (_gp_reference(D, x_fake), "you penalised the gradient at the FAKE points only; "
             "use the interpolates x̂ = ε x_real + (1 - ε) x_fake"),
            (_gp_reference(D, (1 - eps) * x_real + eps * x_fake), "ε and 1 - ε are swapped: "
             "x̂ = ε x_real + (1 - ε) x_fake"),
            (_gp_reference(D, x_hat, "one-sided"), "this is a ONE-SIDED penalty "
             "(max(0, ‖∇‖ - 1)²); WGAN-GP penalises (‖∇‖ - 1)² on both sides of 1"),
            (_gp_reference(D, x_hat, "squared-norm"), "you used the squared norm ‖∇‖² - 1; "
             "take the norm itself, ‖∇‖₂ = sqrt(Σ_j ∂_j D²), before subtracting 1"),
            (_gp_reference(D, x_hat, "sum"), "you summed over the batch; take the mean"),
            (_gp_reference(D, x_hat, "batch-norm"), "you took ONE norm of the whole (B, d) "
             "gradient; the norm is per sample: grad.norm(dim=1), then the mean of (norm - 1)²"),
            (_gp_reference(D, x_hat, "no-minus-one"), "you penalised ‖∇‖² (pushes the gradient "
             "to 0); the target norm is 1: (‖∇‖ - 1)²"),
        ]
        for value, hint in wrong:
            if _close(got, value.item()):
                raise AssertionError(hint)
        raise AssertionError(f"penalty = {got:.6g}, expected {want.item():.6g}: compute "
                             "x̂ = ε x_real + (1 - ε) x_fake, g = ∇_x D(x̂) per sample, then "
                             "mean((‖g‖₂ - 1)²)")
    if not (torch.is_tensor(out) and out.requires_grad):
        raise AssertionError("the value is right but the penalty has no graph back to D's "
                             "parameters: pass create_graph=True to torch.autograd.grad (the "
                             "penalty's gradient needs a second derivative) and return a tensor")
    grads = torch.autograd.grad(out, [D.a, D.b], allow_unused=True)
    ref = torch.autograd.grad(want, [D.a, D.b])
    if any(g is None for g in grads) or not all(torch.allclose(g, r, rtol=1e-6, atol=1e-9)
                                                for g, r in zip(grads, ref)):
        raise AssertionError("the value is right but its gradient w.r.t. D's parameters is "
                             "not: keep the graph (create_graph=True) and do not detach the "
                             "gradient before taking its norm")
    print("Correct: two-sided gradient penalty on interpolates, graph kept for D's update.")
    return True


# ----------------------------------------------------------------------------- parallel lines
def parallel_lines(theta: float) -> dict:
    """Reference distances between P0 = (0, Z) and Pθ = (θ, Z), Z ~ U[0, 1]:
    W = |θ|; for θ ≠ 0: JS = log 2, KL = +∞, TV = 1; all zero for θ = 0 (natural log)."""
    theta = float(theta)
    if theta == 0.0:
        return {"W": 0.0, "JS": 0.0, "KL": 0.0, "TV": 0.0}
    return {"W": abs(theta), "JS": math.log(2.0), "KL": math.inf, "TV": 1.0}


@checker
def check_parallel_lines(fn) -> bool:
    """Check ``fn(theta)`` -> dict with keys "W", "JS", "KL", "TV" (natural log) for the
    parallel lines P0 = (0, Z), Pθ = (θ, Z), Z ~ U[0, 1] (Arjovsky et al. 2017, Example 1)."""
    for theta in (0.5, -1.25, 2.0, 0.0):
        got = fn(theta)
        if not isinstance(got, dict) or set(got) != {"W", "JS", "KL", "TV"}:
            raise AssertionError('fn(theta) must return a dict with keys "W", "JS", "KL", "TV"')
        want = parallel_lines(theta)
        got = {k: _scalar(v, f'fn({theta})["{k}"]') for k, v in got.items()}
        if theta == 0.0:
            bad = [k for k in want if not _close(got[k], 0.0)]
            if bad:
                raise AssertionError(f"at θ = 0 the two distributions are the same, so every "
                                     f"distance vanishes; your {', '.join(bad)} ≠ 0")
            continue
        w = got["W"]
        if not _close(w, want["W"]):
            if _close(w, theta):
                raise AssertionError("W must be |θ|: a distance is never negative (the transport "
                                     "moves every point by |θ|)")
            if _close(w, theta**2):
                raise AssertionError("W1 grows linearly with the shift: |θ|, not θ² (that "
                                     "would be W2²)")
            raise AssertionError(f"W(θ={theta}) = {w:g}; every point moves horizontally by |θ|, "
                                 "so W = |θ|")
        js = got["JS"]
        if not _close(js, want["JS"]):
            if _close(js, 1.0):
                raise AssertionError("JS = 1 is log base 2; the book uses natural logs: "
                                     "JS = log 2 ≈ 0.693 for disjoint supports")
            if _close(js, 2 * math.log(2.0)):
                raise AssertionError("JS is the AVERAGE ½KL(P‖M) + ½KL(Q‖M) = log 2, "
                                     "not the sum (2 log 2)")
            raise AssertionError(f"JS(θ={theta}) = {js:g}: the supports are disjoint, so "
                                 "M = (P0 + Pθ)/2 has half the density of each and JS = log 2 "
                                 "whatever θ ≠ 0")
        if not math.isinf(got["KL"]) or got["KL"] < 0:
            raise AssertionError("KL(P0‖Pθ) = +∞ (math.inf) for θ ≠ 0: P0 puts mass where Pθ "
                                 "has none, so log(p/q) = log(p/0) = ∞")
        tv = got["TV"]
        if not _close(tv, 1.0):
            if _close(tv, 2.0):
                raise AssertionError("TV = sup_A |P(A) - Q(A)| = ½ ∫|p - q| = 1; you forgot "
                                     "the ½")
            raise AssertionError(f"TV(θ={theta}) = {tv:g}: take A = the line x = 0, then "
                                 "P0(A) - Pθ(A) = 1, the largest possible value")
    print("Correct: W = |θ| is continuous in θ; JS, KL and TV jump at θ = 0.")
    return True


# ----------------------------------------------------------------------------- W1 as an LP
def w1_kr_reference(x, a, y, b, metric: str = "euclidean") -> float:
    """W1 between P = Σ a_i δ(x_i) and Q = Σ b_j δ(y_j) as the LP over one function f on the
    n + m points z = (x, y): maximise Σ a_i f(x_i) - Σ b_j f(y_j) subject to
    f(z_k) - f(z_l) <= ‖z_k - z_l‖ for every ordered pair k ≠ l (chapter 5, eq. ch05-lp-kr).
    x (n, d), a (n,), y (m, d), b (m,) NumPy arrays; ``metric="sqeuclidean"`` gives the
    mistake the checker recognises."""
    from scipy.optimize import linprog

    z = np.vstack([x, y])                                        # (n + m, d)
    dist = np.linalg.norm(z[:, None, :] - z[None, :, :], axis=-1)  # (n + m, n + m)
    if metric == "sqeuclidean":
        dist = dist**2
    k = len(z)
    pairs = [(i, j) for i in range(k) for j in range(k) if i != j]
    A_ub = np.zeros((len(pairs), k))                              # one row per ordered pair
    for r, (i, j) in enumerate(pairs):
        A_ub[r, i], A_ub[r, j] = 1.0, -1.0
    res = linprog(-np.r_[a, -np.asarray(b)], A_ub=A_ub, b_ub=[dist[i, j] for i, j in pairs],
                  bounds=(None, None))
    return -float(res.fun)


def _kr_problems():
    """The chapter's 3 x 3 example, a random 2D pair of unequal sizes, and a 1D pair that
    shares a point."""
    rng = np.random.default_rng(11)
    yield (np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 2.0]]), np.array([0.5, 0.3, 0.2]),
           np.array([[2.0, 0.0], [2.0, 1.0], [3.0, 2.0]]), np.array([0.2, 0.4, 0.4]))
    a, b = rng.random(5) + 0.2, rng.random(4) + 0.2
    yield rng.normal(size=(5, 2)), a / a.sum(), rng.normal(size=(4, 2)) + [1.5, 0.0], b / b.sum()
    yield (np.array([[0.0], [1.0], [2.5]]), np.array([0.2, 0.5, 0.3]),
           np.array([[1.0], [3.0]]), np.array([0.6, 0.4]))


@checker
def check_w1_kr(fn) -> bool:
    """Check ``fn(x, a, y, b)`` = W1(Σ a_i δ(x_i), Σ b_j δ(y_j)) computed as the linear
    program over the values of one 1-Lipschitz function f on the points (Kantorovich–
    Rubinstein form, chapter 5, eq. ch05-lp-kr); x (n, d), a (n,), y (m, d), b (m,) NumPy
    arrays, the result one number. The answer is compared with POT's exact ``ot.emd2``."""
    import ot

    for x, a, y, b in _kr_problems():
        want = float(ot.emd2(a, b, ot.dist(x, y, metric="euclidean")))
        try:
            out = fn(x.copy(), a.copy(), y.copy(), b.copy())
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001 - show the learner's error with a hint
            raise AssertionError(f"fn(x, a, y, b) raised {type(err).__name__}: {err}; x (n, d) "
                                 "and y (m, d) are NumPy arrays of points, a (n,) and b (m,) "
                                 "their masses") from err
        got = _scalar(out, "fn(x, a, y, b)")
        if _close(got, want, 1e-6):
            continue
        if not math.isfinite(got):
            raise AssertionError(f"fn returned {got}: linprog found no optimum (status 3 means "
                                 "unbounded). The objective is Σ a_i f(x_i) - Σ b_j f(y_j) "
                                 "(minus on the b-term), and every ordered pair of points needs "
                                 "f(z_k) - f(z_l) <= ‖z_k - z_l‖")
        if _close(got, -want, 1e-6):
            raise AssertionError("you returned -W1: linprog MINIMISES c·f, so pass the negated "
                                 "objective and negate res.fun")
        if _close(got, w1_kr_reference(x, a, y, b, "sqeuclidean"), 1e-6):
            raise AssertionError("that is the LP with SQUARED distances as the Lipschitz bound "
                                 "(ot.dist's default metric is 'sqeuclidean'); W1 uses the "
                                 "distance ‖z_k - z_l‖ itself")
        if got > want:
            raise AssertionError(f"fn = {got:.6g} exceeds W1 = {want:.6g}: by weak duality no "
                                 "1-Lipschitz f can; a constraint is missing (each ordered "
                                 "pair k ≠ l, both signs)")
        raise AssertionError(f"fn = {got:.6g} but W1 = {want:.6g} (ot.emd2): maximise "
                             "Σ a_i f(x_i) - Σ b_j f(y_j) over f on all n + m points, subject "
                             "to f(z_k) - f(z_l) <= ‖z_k - z_l‖ for every ordered pair")
    print("Correct: the best 1-Lipschitz function on the points attains W1 (LP duality).")
    return True
