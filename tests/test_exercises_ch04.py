"""Tests for the chapter 4 checkers (ganlib.exercises.ch04): right answers pass, typical
mistakes fail with the specific hint."""
import pytest
import torch
import torch.nn.functional as F

from ganlib.exercises import ch04


# --- check_generator_gradients -----------------------------------------------------------
def test_generator_gradients_accepts_reference():
    assert "Correct" in ch04.check_generator_gradients(lambda d: (-d, d - 1))


@pytest.mark.parametrize("wrong, hint", [
    (lambda d: (d - 1, -d), "swapped"),
    (lambda d: (-1 / (1 - d), -1 / d), "w.r.t. D"),
    (lambda d: (d, 1 - d), "sign error"),
    (lambda d: (-d * (1 - d), d - 1), "minimax gradient wrong"),
    (lambda d: (-d, -d), "non-saturating gradient wrong"),
    (lambda d: -d, "pair"),
])
def test_generator_gradients_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch04.check_generator_gradients(wrong)


# --- check_nonsaturating_loss ------------------------------------------------------------
def test_nonsaturating_accepts_reference():
    assert "Correct" in ch04.check_nonsaturating_loss(lambda f: F.softplus(-f).mean())
    assert "Correct" in ch04.check_nonsaturating_loss(lambda f: -F.logsigmoid(f).mean())
    assert "Correct" in ch04.check_nonsaturating_loss(
        lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda f: -torch.log(torch.sigmoid(f)).mean(), "underflows"),
    (lambda f: F.logsigmoid(f).mean(), "wrong sign"),
    (lambda f: -F.softplus(f).mean(), "minimax loss"),
    (lambda f: F.softplus(f).mean(), "label 0"),
    (lambda f: F.softplus(-f).sum(), "summed"),
    (lambda f: F.softplus(-f), "reduce over the batch"),
    (lambda f: torch.tensor(F.softplus(-f).mean().item()), "not connected"),
])
def test_nonsaturating_rejects(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch04.check_nonsaturating_loss(wrong)

