"""The training configuration and the recipes this library recommends (chapters 2, 4, 5, 7).

:class:`TrainConfig` holds every knob of :class:`ganlib.train.Trainer` and validates it on
creation: chapter 2 uses the defaults (Algorithm 1 of Goodfellow et al. 2014), chapter 4 switches
``loss`` between "minimax" and "nonsaturating", chapter 5 sets "wgan"/"wgan-gp" and ``n_critic``,
chapter 7 the tricks (R1, label smoothing and noise, instance noise, lr decay) and the measured
per-toy :data:`RECIPES` / :data:`RECIPE_MODELS` behind :func:`recommended_config`
(benchmarks/README.md). ``ganlib.train`` re-exports these names.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import losses as _losses

__all__ = ["TrainConfig", "RECIPES", "RECIPE_MODELS", "recommended_config"]

OPTIMIZERS = ("adam", "rmsprop", "sgd")
PRIORS = ("gaussian", "uniform")
LABEL_LOSSES = _losses.SIGMOID_LOSSES                  # losses built on the BCE D loss
_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?|mps)$")


def _check(ok, name, value, allowed):
    if not ok:
        raise ValueError(f"{name}={value!r} is not valid; allowed: {allowed}")


@dataclass
class TrainConfig:
    """Every knob of :class:`~ganlib.train.Trainer`; validated on creation (chapters 2, 4, 5, 7)."""
    loss: str = "nonsaturating"        # key of losses.LOSSES
    steps: int = 4000                  # generator updates (rounds)
    batch_size: int = 512              # samples of x_real and of z per step
    n_critic: int = 1                  # D steps per G step (k in Algorithm 1)
    lr_d: float = 2e-3                 # D learning rate (tuned on the ring, see benchmarks/)
    lr_g: float = 2e-3                 # G learning rate
    lr_decay: float = 0.98             # lr falls linearly to (1 − lr_decay)·lr over `steps`
    optimizer: str = "adam"            # "adam" | "rmsprop" | "sgd" (same for both players)
    betas: tuple = (0.5, 0.999)        # Adam betas of both players (sgd: betas[0] = momentum)
    betas_d: tuple | None = None       # per-player override of betas for D
    betas_g: tuple | None = None       # per-player override of betas for G
    clip_value: float | None = None    # weight clipping c; loss="wgan" uses 0.01 when None
    gp_weight: float = 10.0            # λ for wgan-gp / dragan
    r1_weight: float = 0.0             # γ of the R1 penalty (0 = off), any loss
    label_smoothing: float = 0.0       # one-sided: real label 1 → 1 − smoothing (BCE losses)
    label_noise: float = 0.0           # prob. of flipping each of D's labels (BCE losses)
    instance_noise: float = 0.0        # std of Gaussian noise added to D's inputs (real and fake)
    simultaneous: bool = False         # simultaneous (True) vs alternating (False) updates
    prior: str = "gaussian"            # "gaussian" N(0, I) | "uniform" U[-1, 1]
    seed: int = 0                      # seed of the training random stream
    device: str | None = None          # None → ganlib.device(): cuda, else mps, else cpu
    log_every: int = 10                # history granularity and NaN-check interval (steps)
    sample_steps: tuple = ()           # steps at which to store G(fixed_z)
    n_samples: int = 512               # size of fixed_z
    progress: bool = True              # tqdm.auto progress bar

    def __post_init__(self):
        names = tuple(_losses.LOSSES)
        _check(self.loss in names, "loss", self.loss, ", ".join(map(repr, names)))
        for f in ("steps", "batch_size", "n_critic", "log_every", "n_samples"):
            v = getattr(self, f)
            _check(type(v) is int and v >= 1, f, v, "an integer >= 1")
        for f in ("lr_d", "lr_g"):
            v = getattr(self, f)
            _check(isinstance(v, (int, float)) and math.isfinite(v) and v > 0, f, v, "a float > 0")
        for f, allowed in (("optimizer", OPTIMIZERS), ("prior", PRIORS)):
            _check(getattr(self, f) in allowed, f, getattr(self, f), ", ".join(map(repr, allowed)))
        for f in ("betas", "betas_d", "betas_g"):
            v = getattr(self, f)
            if v is not None or f == "betas":
                _check(isinstance(v, (tuple, list)) and len(v) == 2 and all(0 <= b < 1 for b in v),
                       f, v, "a pair (b1, b2) with 0 <= b < 1" + (" or None" if f[-1] != "s" else ""))
                setattr(self, f, tuple(float(b) for b in v))
        if self.loss == "wgan" and self.clip_value is None:
            self.clip_value = 0.01     # Arjovsky et al. (2017), Algorithm 1
        _check(self.clip_value is None or self.clip_value > 0, "clip_value", self.clip_value,
               "a float > 0" + (" (loss='wgan' clips weights)" if self.loss == "wgan" else " or None"))
        for f, hi in (("lr_decay", 1), ("gp_weight", math.inf), ("r1_weight", math.inf),
                      ("instance_noise", math.inf), ("label_smoothing", 1), ("label_noise", 0.51)):
            v = getattr(self, f)
            _check(0 <= v < hi, f, v, f"0 <= x < {hi}" if hi < 0.6 or hi == 1 else "a float >= 0")
        if (self.label_smoothing or self.label_noise) and self.loss not in LABEL_LOSSES:
            raise ValueError(f"label_smoothing/label_noise need a BCE loss; loss={self.loss!r} "
                             f"is not one of {', '.join(map(repr, LABEL_LOSSES))}")
        _check(self.device is None or (isinstance(self.device, str) and _DEVICE_RE.match(self.device)),
               "device", self.device, "None, 'cpu', 'cuda', 'cuda:N', 'mps'")
        _check(isinstance(self.sample_steps, (tuple, list)) and all(type(s) is int and s >= 0
               for s in self.sample_steps), "sample_steps", self.sample_steps, "ints >= 0")
        self.sample_steps = tuple(self.sample_steps)


#: Settings this library recommends per toy (measured in benchmarks/README.md).
RECIPES = {
    "ring": {},                        # the defaults
    # grid: R1 on D, Adam betas (0, 0.99), lr 4e-3 decayed linearly; see benchmarks/README.md
    "grid": dict(steps=7500, batch_size=512, lr_d=4e-3, lr_g=4e-3, betas=(0.0, 0.99),
                 r1_weight=0.1),
}
#: Keyword arguments of models.build_models that go with each recipe.
RECIPE_MODELS = {"ring": {}, "grid": {"hidden": (64, 64, 64, 64), "latent_dim": 8}}


def recommended_config(dataset, **overrides) -> TrainConfig:
    """The recommended :class:`TrainConfig` for a toy ("ring", "grid"), plus overrides."""
    _check(dataset in RECIPES, "dataset", dataset, ", ".join(map(repr, RECIPES)))
    return TrainConfig(**{**RECIPES[dataset], **overrides})
