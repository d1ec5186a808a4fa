"""ganlib: the package behind the interactive GAN book.

Every chapter imports it: toy distributions with exact densities (:mod:`ganlib.data`),
small generators and discriminators (:mod:`ganlib.models`), every GAN loss as a pure
function of logits (:mod:`ganlib.losses`) and the theory's ground truth
(:mod:`ganlib.theory`). The training loop, metrics, plots, widgets and sweeps live in
:mod:`ganlib.train`, :mod:`ganlib.metrics`, :mod:`ganlib.plots`, :mod:`ganlib.widgets`,
:mod:`ganlib.sweep` and are imported lazily on first access (so ``import ganlib`` stays
fast and never imports matplotlib).

Taught in chapter 1, Generative models (setup), and used by every chapter.
"""
from __future__ import annotations

import importlib
import importlib.util
import random
import re

import numpy as np
import torch

from . import data, losses, models, theory

__version__ = "0.1.0"

__all__ = ["device", "seed_everything", "data", "models", "losses", "theory", "__version__"]

_LAZY_SUBMODULES = ("train", "metrics", "plots", "widgets", "sweep", "exercises")
_DEVICE_NAMES = "'cpu', 'cuda', 'cuda:N', 'mps' or None"


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
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def __getattr__(name: str):
    """Import the heavier submodules (train, metrics, plots, ...) on first access."""
    if name in _LAZY_SUBMODULES or (name.isidentifier() and not name.startswith("_")
                                    and importlib.util.find_spec(f"{__name__}.{name}")):
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as err:
            if err.name == f"{__name__}.{name}":
                raise AttributeError(f"module 'ganlib' has no attribute {name!r}") from err
            raise
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ganlib' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
