"""Tests for the chapter 2 checkers (ganlib.exercises.ch02): right answers pass, typical
mistakes fail with the specific hint."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib.exercises import ch02


# --- check_bce ---------------------------------------------------------------------------
def test_bce_accepts_reference():
    assert "Correct" in ch02.check_bce(lambda p, y: F.binary_cross_entropy(p, y))
    assert "Correct" in ch02.check_bce(
        lambda p, y: -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean())


@pytest.mark.parametrize("wrong, hint", [
    (lambda p, y: (y * p.log() + (1 - y) * (1 - p).log()).mean(), "wrong sign"),
    (lambda p, y: -(y * p.log() + (1 - y) * (1 - p).log()).sum(), "summed"),
    (lambda p, y: -(y * p.log10() + (1 - y) * (1 - p).log10()).mean(), "log10"),
    (lambda p, y: -(y * p.log()).mean(), r"\(1 − y\) log\(1 − p\) term"),
    (lambda p, y: -(y * (1 - p).log() + (1 - y) * p.log()).mean(), "labels swapped"),
    (lambda p, y: -(y * p.log() + (1 - y) * (1 - p).log()), "reduce over the batch"),
    (lambda p, y: -torch.where(y == 1, p.log(), (1 - p).log()).mean(), "soft labels"),
])
def test_bce_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch02.check_bce(wrong)


# --- check_value_function ----------------------------------------------------------------
def test_value_function_accepts_reference():
    assert "Correct" in ch02.check_value_function(
        lambda r, f: F.logsigmoid(r).mean() + F.logsigmoid(-f).mean())


@pytest.mark.parametrize("wrong, hint", [
    (lambda r, f: -(F.logsigmoid(r).mean() + F.logsigmoid(-f).mean()), "wrong sign"),
    (lambda r, f: F.logsigmoid(f).mean() + F.logsigmoid(-r).mean(), "swapped"),
    (lambda r, f: F.logsigmoid(r).mean() + F.logsigmoid(f).mean(), r"log D\(G\(z\)\)"),
    (lambda r, f: torch.sigmoid(r).log().mean() + (1 - torch.sigmoid(f)).log().mean(),
     "underflows"),
    (lambda r, f: torch.cat([F.logsigmoid(r), F.logsigmoid(-f)]).mean(), "TWO means"),
    (lambda r, f: r.mean() + (1 - f).mean(), "logits as probabilities"),
])
def test_value_function_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch02.check_value_function(wrong)


# --- check_alternating_step --------------------------------------------------------------
def _alt(x, y, lr):
    y = y + lr * x
    return x - lr * y, y


def test_alternating_accepts_reference():
    assert "Correct" in ch02.check_alternating_step(_alt)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, y, lr: (x - lr * y, y + lr * x), "SIMULTANEOUS"),
    (lambda x, y, lr: (x - lr * y, y + lr * (x - lr * y)), "x \\(G\\) first"),
    (lambda x, y, lr: (x + lr * (y + lr * x), y + lr * x), "DESCEND"),
    (lambda x, y, lr: (x - lr * (y - lr * x), y - lr * x), "ASCEND"),
    (lambda x, y, lr: (x - lr * (y + lr * x), y), "NEW y"),
    (lambda x, y, lr: (0.0, 0.0), "expected"),
])
def test_alternating_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch02.check_alternating_step(wrong)


# --- check_extragradient_matrix ----------------------------------------------------------
def test_extragradient_accepts_reference():
    assert "Correct" in ch02.check_extragradient_matrix(
        lambda e: np.array([[1 - e**2, -e], [e, 1 - e**2]]))


@pytest.mark.parametrize("wrong, hint", [
    (lambda e: np.array([[1, -e], [e, 1]]), "simultaneous"),
    (lambda e: np.array([[1 - e**2, -e], [e, 1]]), "alternating"),
    (lambda e: np.array([[1 - e**2, e], [-e, 1 - e**2]]), "transposed"),
    (lambda e: np.array([[1 + e**2, -e], [e, 1 + e**2]]), "sign slip"),
    (lambda e: np.eye(3), "2×2"),
    (lambda e: np.eye(2), "expected"),
])
def test_extragradient_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch02.check_extragradient_matrix(wrong)
