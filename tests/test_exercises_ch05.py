"""Tests of the chapter 5 exercise checkers (ganlib/exercises/ch05.py): each checker accepts
the reference answer and rejects typical mistakes with the specific hint."""
import math

import numpy as np
import pytest
import torch

from ganlib.exercises import ch05


# ----------------------------------------------------------------------------- W1 in 1D
def _w1(x, y):
    return (torch.sort(x).values - torch.sort(y).values).abs().mean()


def test_check_w1_1d_accepts_reference():
    assert ch05.check_w1_1d(_w1)
    from scipy.stats import wasserstein_distance
    assert ch05.check_w1_1d(lambda x, y: wasserstein_distance(x.numpy(), y.numpy()))


def _s(t):
    return torch.sort(t).values


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, y: (x - y).abs().mean(), "not sorted"),
    (lambda x, y: (_s(x) - y).abs().mean(), "only x is sorted"),
    (lambda x, y: (_s(x) - _s(y)).abs().sum(), "without dividing by n"),
    (lambda x, y: ((_s(x) - _s(y)) ** 2).mean(), "SQUARED"),
    (lambda x, y: ((_s(x) - _s(y)) ** 2).mean().sqrt(), "W2"),
    (lambda x, y: (x.mean() - y.mean()).abs(), "outside the mean"),
    (lambda x, y: (_s(x) - _s(y)).abs(), "single number"),
    (lambda x, y: (_s(x) - _s(y)).abs().max(), "expected|W1 ="),
])
def test_check_w1_1d_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch05.check_w1_1d(wrong)


# ----------------------------------------------------------------------------- gradient penalty
def _gp(D, x_real, x_fake, eps, how="ok", create_graph=True):
    x_hat = {"ok": eps * x_real + (1 - eps) * x_fake, "real": x_real, "fake": x_fake,
             "swap": (1 - eps) * x_real + eps * x_fake}.get(how, eps * x_real + (1 - eps) * x_fake)
    x_hat = x_hat.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=create_graph)
    norm = grad.norm(dim=1)
    if how == "squared":
        return ((grad.pow(2).sum(1) - 1) ** 2).mean()
    if how == "one-sided":
        return (torch.relu(norm - 1) ** 2).mean()
    if how == "sum":
        return ((norm - 1) ** 2).sum()
    if how == "batch":
        return (grad.norm() - 1) ** 2
    if how == "detach":
        return ((norm.detach() - 1) ** 2).mean().requires_grad_(True)
    return ((norm - 1) ** 2).mean()


def test_check_gradient_penalty_accepts_reference():
    assert ch05.check_gradient_penalty(_gp)
    from ganlib import losses
    # ganlib's own penalty agrees when fed the same ε (drawn from the same generator state)
    gen = torch.Generator().manual_seed(1)
    x_r, x_f = torch.randn(8, 2, dtype=torch.float64), torch.randn(8, 2, dtype=torch.float64)
    D = ch05.QuadraticCritic()
    eps = torch.rand(8, 1, generator=torch.Generator().manual_seed(1)).double()
    ours = losses.gradient_penalty(D, x_r, x_f, generator=gen)
    assert torch.allclose(ours, _gp(D, x_r, x_f, eps))


@pytest.mark.parametrize("how, hint", [
    ("real", "REAL points only"),
    ("fake", "FAKE points only"),
    ("swap", "swapped"),
    ("one-sided", "ONE-SIDED"),
    ("squared", "squared norm"),
    ("sum", "summed over the batch"),
    ("batch", "per sample"),
])
def test_check_gradient_penalty_rejects(how, hint):
    with pytest.raises(AssertionError, match=hint):
        ch05.check_gradient_penalty(lambda D, r, f, e: _gp(D, r, f, e, how))


def test_check_gradient_penalty_rejects_missing_create_graph():
    with pytest.raises(AssertionError, match="create_graph=True"):
        ch05.check_gradient_penalty(lambda D, r, f, e: _gp(D, r, f, e, create_graph=False))
    with pytest.raises(AssertionError, match="create_graph=True|gradient w.r.t."):
        ch05.check_gradient_penalty(lambda D, r, f, e: _gp(D, r, f, e, "detach"))


def test_check_gradient_penalty_rejects_no_requires_grad():
    def no_req(D, r, f, e):
        x_hat = e * r + (1 - e) * f
        (g,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
        return ((g.norm(dim=1) - 1) ** 2).mean()
    with pytest.raises(AssertionError, match="requires_grad_"):
        ch05.check_gradient_penalty(no_req)


# ----------------------------------------------------------------------------- parallel lines
def _lines(theta):
    if theta == 0:
        return {"W": 0.0, "JS": 0.0, "KL": 0.0, "TV": 0.0}
    return {"W": abs(theta), "JS": math.log(2), "KL": math.inf, "TV": 1.0}


def test_check_parallel_lines_accepts_reference():
    assert ch05.check_parallel_lines(_lines)
    assert ch05.check_parallel_lines(ch05.parallel_lines)


@pytest.mark.parametrize("patch, hint", [
    (lambda t, d: {**d, "W": t}, "never negative"),
    (lambda t, d: {**d, "W": t * t}, "linearly"),
    (lambda t, d: {**d, "JS": 1.0}, "log base 2"),
    (lambda t, d: {**d, "JS": 2 * math.log(2)}, "AVERAGE"),
    (lambda t, d: {**d, "KL": 10.0}, "math.inf"),
    (lambda t, d: {**d, "TV": 2.0}, "forgot the ½"),
    (lambda t, d: {**d, "TV": 0.5}, "largest possible"),
])
def test_check_parallel_lines_rejects(patch, hint):
    def wrong(theta):
        d = _lines(theta)
        return d if theta == 0 else patch(theta, d)
    with pytest.raises(AssertionError, match=hint):
        ch05.check_parallel_lines(wrong)


def test_check_parallel_lines_rejects_nonzero_at_zero():
    with pytest.raises(AssertionError, match="θ = 0"):
        ch05.check_parallel_lines(lambda t: {"W": abs(t), "JS": math.log(2), "KL": math.inf,
                                             "TV": 1.0})
    with pytest.raises(AssertionError, match="keys"):
        ch05.check_parallel_lines(lambda t: (abs(t), math.log(2), math.inf, 1.0))


# ----------------------------------------------------------------------------- W1 as an LP
def _kr(x, a, y, b):
    from scipy.optimize import linprog
    z = np.vstack([x, y])
    k = len(z)
    dist = np.linalg.norm(z[:, None] - z[None, :], axis=-1)
    pairs = [(i, j) for i in range(k) for j in range(k) if i != j]
    A_ub = np.zeros((len(pairs), k))
    for r, (i, j) in enumerate(pairs):
        A_ub[r, i], A_ub[r, j] = 1.0, -1.0
    res = linprog(-np.r_[a, -b], A_ub=A_ub, b_ub=[dist[i, j] for i, j in pairs],
                  bounds=(None, None))
    return -res.fun


def test_check_w1_kr_accepts_reference():
    assert ch05.check_w1_kr(_kr)
    assert ch05.check_w1_kr(ch05.w1_kr_reference)
    import ot   # the primal problem solved exactly is also W1
    assert ch05.check_w1_kr(lambda x, a, y, b: ot.emd2(a, b, ot.dist(x, y, "euclidean")))


def _kr_unbounded(x, a, y, b):
    from scipy.optimize import linprog
    k = len(x) + len(y)
    res = linprog(-np.r_[a, b], A_ub=np.zeros((1, k)), b_ub=[0.0], bounds=(None, None))
    return res.fun if res.status == 0 else float("nan")


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, a, y, b: -_kr(x, a, y, b), "MINIMISES"),
    (lambda x, a, y, b: ch05.w1_kr_reference(x, a, y, b, "sqeuclidean"), "SQUARED"),
    (_kr_unbounded, "unbounded"),
    (lambda x, a, y, b: _kr(x, a, y, b) + 0.5, "weak duality"),
    (lambda x, a, y, b: 0.5 * _kr(x, a, y, b), "ot.emd2"),
    (lambda x, a, y, b: np.array([1.0, 2.0]), "expected a number"),
])
def test_check_w1_kr_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch05.check_w1_kr(wrong)


def test_check_w1_kr_reports_learner_errors():
    def broken(x, a, y, b):
        return x @ y        # shapes do not match
    with pytest.raises(AssertionError, match="raised ValueError"):
        ch05.check_w1_kr(broken)
