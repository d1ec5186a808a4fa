"""Where the book computes and how it seeds: :func:`device` and :func:`seed_everything`.

Re-exported as ``ganlib.device`` and ``ganlib.seed_everything``; the trainers import them from
here (no import of the package from inside it). Taught in chapter 1, Generative models (setup).
"""
from __future__ import annotations

import numbers
import random
import re

import numpy as np
import torch

__all__ = ["device", "seed_everything"]

_DEVICE_NAMES = "'cpu', 'cuda', 'cuda:N', 'mps', a torch.device or None"


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def device(name: str | torch.device | None = None) -> torch.device:
    """Return the torch device the book computes on.

    ``None`` picks the best available accelerator: CUDA if available, else Apple MPS,
    else the CPU. A string is validated: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``;
    an unknown or unavailable device raises ``ValueError`` naming ``device``.

    Taught in chapter 1, Generative models (setup cell of every chapter).
    """
    if name is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise ValueError(f"device={name!r} must be a string, one of {_DEVICE_NAMES}")
    key = name.strip().lower()
    if key == "cpu":
        return torch.device("cpu")
    match = re.fullmatch(r"cuda(?::(\d+))?", key)
    if match:
        if not torch.cuda.is_available():
            raise ValueError(f"device={name!r} is not available (no CUDA); use 'cpu' or None")
        index = int(match.group(1) or 0)
        if index >= torch.cuda.device_count():
            raise ValueError(f"device={name!r}: only {torch.cuda.device_count()} CUDA device(s)")
        return torch.device(key)
    if key == "mps":
        if not _mps_available():
            raise ValueError(f"device={name!r} is not available (no MPS); use 'cpu' or None")
        return torch.device("mps")
    raise ValueError(f"device={name!r} is not one of {_DEVICE_NAMES}")


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (CPU and all CUDA devices) with ``seed``.

    Taught in chapter 1, Generative models (reproducible figures).
    """
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise ValueError(f"seed={seed!r} must be an integer with 0 <= seed < 2**63")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
