"""Tests for the chapter 9 checkers (ganlib.exercises.ch09): right answers pass, typical
mistakes fail with the specific hint."""
import pytest
import torch

from ganlib.exercises import ch09


def _sensitivity(G, z, h=1e-5):
    cols = [(G(z + h * e) - G(z - h * e)) / (2 * h) for e in torch.eye(z.shape[1],
                                                                      dtype=z.dtype)]
    return torch.stack(cols, -1).flatten(1).norm(dim=1).mean()


def test_latent_sensitivity_checker_accepts_the_reference():
    assert ch09.check_latent_sensitivity(_sensitivity) is True

    def by_autograd(G, z):
        jac = torch.autograd.functional.jacobian(lambda v: G(v).sum(0), z)  # (out, B, d)
        return jac.permute(1, 0, 2).flatten(1).norm(dim=1).mean()
    assert ch09.check_latent_sensitivity(by_autograd) is True


@pytest.mark.parametrize("wrong, hint", [
    (lambda G, z: _sensitivity(G, z) ** 2, "SQUARED"),
    (lambda G, z: _sensitivity(G, z) * len(z), "summed over the batch"),
    (lambda G, z: ((G(z + 1e-5 * torch.eye(z.shape[1], dtype=z.dtype)[0]) - G(z)) / 1e-5)
     .norm(dim=1).mean(), "one axis only"),
    (lambda G, z: G(z).std(0).norm(), "spread of G"),
    (lambda G, z: torch.ones(3), "shape"),
    (lambda G, z: 1.0, "expected"),
])
def test_latent_sensitivity_checker_names_the_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch09.check_latent_sensitivity(wrong)
