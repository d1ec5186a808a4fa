"""Helpers shared by the chapter checkers."""

import torch


def scalar(out) -> float:
    """The learner's answer as a float; a tensor must hold exactly one number."""
    if isinstance(out, torch.Tensor):
        assert out.numel() == 1, (
            f"your function returned a tensor of shape {tuple(out.shape)}: "
            "reduce over the batch with .mean() to get one number")
        out = out.detach().item()
    return float(out)
