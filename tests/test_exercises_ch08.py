"""Tests for the chapter 8 checkers (ganlib.exercises.ch08): right answers pass, typical
mistakes fail with the specific hint."""
import pytest
import torch
import torch.nn.functional as F

from ganlib.exercises import ch08


# --- check_label_smoothing ---------------------------------------------------------------
def _bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def test_label_smoothing_accepts_reference():
    assert "Correct" in ch08.check_label_smoothing(
        lambda r, f, s: _bce(r, 1 - s) + _bce(f, 0.0))


@pytest.mark.parametrize("wrong, hint", [
    (lambda r, f, s: _bce(r, 1 - s) + _bce(f, s), "two-sided"),
    (lambda r, f, s: _bce(r, s) + _bce(f, 0.0), "not smoothing"),
    (lambda r, f, s: _bce(r, 1.0) + _bce(f, 0.0), "no smoothing applied"),
    (lambda r, f, s: _bce(r, 1.0) + _bce(f, s), "fake label instead"),
    (lambda r, f, s: 0.5 * (_bce(r, 1 - s) + _bce(f, 0.0)), "factor ½"),
    (lambda r, f, s: _bce(r, 1 + s) + _bce(f, 0.0), "not 1 \\+ s"),
])
def test_label_smoothing_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch08.check_label_smoothing(wrong)


# --- check_unrolled_discriminator --------------------------------------------------------
def _unroll(d_loss, theta, k, lr):
    for _ in range(k):
        (g,) = torch.autograd.grad(d_loss(theta), theta, create_graph=True)
        theta = theta - lr * g
    return theta


def _unroll_detached(d_loss, theta, k, lr):
    for _ in range(k):
        (g,) = torch.autograd.grad(d_loss(theta), theta)      # no create_graph
        theta = theta - lr * g
    return theta


def _unroll_data(d_loss, theta, k, lr):
    theta = theta.detach().clone().requires_grad_(True)
    for _ in range(k):
        (g,) = torch.autograd.grad(d_loss(theta), theta)
        theta.data -= lr * g                                  # in place, off the graph
    return theta


def test_unrolled_accepts_reference():
    assert "Correct" in ch08.check_unrolled_discriminator(_unroll)


@pytest.mark.parametrize("wrong, hint", [
    (_unroll_detached, "does not flow through"),
    (_unroll_data, "does not flow through"),
    (lambda f, th, k, lr: _unroll(f, th, k - 1, lr), "4 steps"),
    (lambda f, th, k, lr: _unroll(f, th, k + 1, lr), "6 steps"),
    (lambda f, th, k, lr: _unroll(f, th, k, -lr), "ASCENT"),
    (lambda f, th, k, lr: th, "did not move"),
    (lambda f, th, k, lr: _unroll(f, th, k, lr / 2), "expected"),
    (lambda f, th, k, lr: _unroll(f, th, k, lr)[:1], "same shape"),
])
def test_unrolled_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch08.check_unrolled_discriminator(wrong)
