"""Exercise checkers for chapter 9, The latent space and conditional GANs
(book/09_latent_space.ipynb).

Each checker calls the learner's function on fixed inputs, compares with the reference and
raises ``AssertionError`` with a specific hint for the typical mistakes; a right answer prints
a success message and returns True.
"""
from __future__ import annotations

import math

import torch

from ._common import checker

__all__ = ["check_latent_sensitivity"]


# ----------------------------------------------------------------------------- latent sensitivity
def _sensitivity_cases():
    """(G, z, ‖∂G/∂z‖_F averaged over the batch) for maps whose Jacobian is known in closed form."""
    gen = torch.Generator().manual_seed(7)
    A = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    b = torch.randn(2, generator=gen, dtype=torch.float64)
    z = torch.randn(5, 3, generator=gen, dtype=torch.float64)            # (B, latent_dim)
    jac_tanh = (1 - torch.tanh(z @ A.T + b) ** 2)[:, :, None] * A        # (B, 2, 3)
    const = b.expand(5, 2)
    return [("a linear G(z) = A z + b", lambda z_: z_ @ A.T + b, z,
             float(torch.linalg.norm(A))),
            ("G(z) = tanh(A z + b)", lambda z_: torch.tanh(z_ @ A.T + b), z,
             float(jac_tanh.flatten(1).norm(dim=1).mean())),
            ("a G that ignores z (constant output)", lambda z_: const + 0 * z_[:, :2], z, 0.0)]


def _sensitivity_variants(G, z, eps=1e-4) -> dict:
    """Typical wrong answers, computed by central differences along the coordinate axes."""
    cols = [(G(z + eps * e) - G(z - eps * e)) / (2 * eps) for e in torch.eye(z.shape[1],
                                                                                dtype=z.dtype)]
    J = torch.stack(cols, -1)                                           # (B, out, latent)
    per = J.flatten(1).norm(dim=1)                                      # (B,)
    return dict(squared=float((per ** 2).mean()), summed=float(per.sum()),
                first_axis=float(J[..., 0].norm(dim=1).mean()),
                no_divide=float((J * eps).flatten(1).norm(dim=1).mean()),
                spread=float(G(z).std(0).norm()))


@checker
def check_latent_sensitivity(fn) -> bool:
    """Check ``fn(G, z) -> float``: the mean over the batch of the Frobenius norm ‖∂G/∂z‖_F.

    ``z`` is a float64 batch (B, latent_dim); ``G`` maps it to (B, out). A generator that ignores
    its noise has sensitivity 0. Exercise ``ex-ch09-sensitivity``.
    """
    for context, G, z, want in _sensitivity_cases():
        try:
            out = fn(G, z.clone())
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001  (any failure becomes a hint)
            raise AssertionError(f"fn(G, z) raised {type(err).__name__}: {err}") from err
        if torch.is_tensor(out):
            assert out.numel() == 1, (f"fn(G, z) returned a tensor of shape {tuple(out.shape)}: "
                                      "average the per-sample norms over the batch")
            out = out.item()
        got = float(out)
        if math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-6):
            continue
        wrong = _sensitivity_variants(G, z)
        hints = {"squared": "you returned the SQUARED Frobenius norm; take its square root",
                 "summed": "you summed over the batch; average the per-sample norms",
                 "first_axis": "you moved z along one axis only; the Jacobian has a column per "
                               "latent coordinate, and the Frobenius norm uses all of them",
                 "no_divide": "divide the finite difference by the step: (G(z + h e) - G(z)) / h",
                 "spread": "that is the spread of G(z) over the batch, not the sensitivity of "
                           "each G(z) to its own z"}
        for key, hint in hints.items():
            if want != 0 and math.isclose(got, wrong[key], rel_tol=1e-3):
                raise AssertionError(f"fn(G, z): {hint}")
        raise AssertionError(f"fn(G, z) returned {got:.6g} for {context}; expected {want:.6g} "
                             "(the mean over the batch of ||dG/dz||_F)")
    print("Correct: the mean Jacobian norm; it is 0 exactly when G ignores z.")
    return True
