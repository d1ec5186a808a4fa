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

from . import data, losses, models, theory
from .runtime import device, seed_everything

__version__ = "0.1.0"

__all__ = ["device", "seed_everything", "data", "models", "losses", "theory", "__version__"]

_LAZY_SUBMODULES = ("train", "metrics", "plots", "widgets", "sweep", "exercises")


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
