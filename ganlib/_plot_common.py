"""Helpers shared by the book's figures (:mod:`ganlib.plots`, :mod:`ganlib.plot1d`,
:mod:`ganlib.plot2d`, :mod:`ganlib.lab_views`): tensors to NumPy, a module's device, and D's
output as the figures show it (a probability for sigmoid losses, the raw score of a critic).
"""
from __future__ import annotations

import numpy as np
import torch

from .losses import LOSSES, SIGMOID_LOSSES

#: Losses whose D outputs a raw score (a critic), shown as is rather than through a sigmoid.
RAW_SCORE_LOSSES = tuple(n for n in LOSSES if n not in SIGMOID_LOSSES)


def to_numpy(x) -> np.ndarray:
    """Tensor (any device) or array-like -> NumPy array."""
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def module_device(m):
    """(device, dtype) of a module's first parameter; CPU float32 for parameter-free ones."""
    try:
        p = next(m.parameters())
        return p.device, p.dtype
    except (StopIteration, AttributeError):
        return torch.device("cpu"), torch.float32


def check_loss(loss) -> str:
    """``loss`` if it names a loss of :data:`ganlib.losses.LOSSES`, else ValueError."""
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not one of {', '.join(map(repr, LOSSES))}")
    return loss


def d_values(D, x: torch.Tensor, loss: str) -> torch.Tensor:
    """D at points x (n, dim) as a figure shows it: sigmoid(logit) = D(x) in [0, 1] for the
    sigmoid losses, the raw score f(x) of a critic (WGAN-type ``loss``). Returns (n,) on CPU."""
    dev, dt = module_device(D)
    with torch.no_grad():
        out = D(x.to(dev, dt)).reshape(-1)                  # (n, dim) -> (n,)
    out = out if loss in RAW_SCORE_LOSSES else torch.sigmoid(out)
    return out.float().cpu()


def density(p, x: torch.Tensor) -> np.ndarray:
    """Evaluate a Distribution (``.pdf``) or a callable density at x (n,) -> NumPy (n,)."""
    f = p.pdf if hasattr(p, "pdf") else p
    if not callable(f):
        raise TypeError(f"density {p!r} must be a Distribution (with .pdf) or a callable")
    try:
        out = f(x)
    except (TypeError, ValueError, RuntimeError, IndexError):   # a callable that wants (n, 1)
        out = f(x.unsqueeze(1))
    return to_numpy(out).reshape(-1).astype(float)
