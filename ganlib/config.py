"""The training configuration: every knob declared once, and the recipes (chapters 2, 4, 5, 7).

:class:`TrainConfig` holds every knob of :class:`ganlib.train.Trainer`. Each field is declared
with ``knob(...)``, whose :class:`Knob` metadata states its type and allowed values, whether a
sweep can vary it (and whether the stacked engine supports it at all), whether the lab may change
it on a running trainer, which loss property it needs, and how a widget shows it. Everything
else derives from that one declaration: ``TrainConfig.__post_init__`` validation, the sweep's
allow-list (:data:`ganlib.sweep.SWEEP_KEYS`), the lab's widgets and ``check_knobs``
(:mod:`ganlib.widgets`) and the static explorers (:func:`knobs`).

Adding a knob: declare the field here, then use it in ``Trainer`` (:mod:`ganlib.train`) and in
the stacked engine (:mod:`ganlib.sweep`), or declare ``sweep="default"`` if sweeps cannot do it.

Chapter 2 uses the defaults (Algorithm 1 of Goodfellow et al. 2014), chapter 4 switches
``loss`` between "minimax" and "nonsaturating", chapter 5 sets "wgan"/"wgan-gp" and ``n_critic``,
chapters 7 and 8 the tricks (R1, label smoothing and noise, instance noise, lr decay), chapter 7 the measured
per-toy :data:`RECIPES` / :data:`RECIPE_MODELS` behind :func:`recommended_config`
(benchmarks/README.md). ``ganlib.train`` re-exports these names.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
import re
from dataclasses import dataclass

from . import losses as _losses

__all__ = ["TrainConfig", "Knob", "KNOBS", "knobs", "RECIPES", "RECIPE_MODELS",
           "recommended_config", "OPTIMIZERS", "PRIORS", "LABEL_LOSSES"]

OPTIMIZERS = ("adam", "rmsprop", "sgd")
PRIORS = ("gaussian", "uniform")
LABEL_LOSSES = _losses.LABEL_LOSSES                   # losses built on the BCE D loss
_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?|mps)$")


def _check(ok, name, value, allowed):
    if not ok:
        raise ValueError(f"{name}={value!r} is not valid; allowed: {allowed}")


@dataclass(frozen=True)
class Knob:
    """What one :class:`TrainConfig` field accepts and who may change it.

    ``kind``: "int", "float", "bool", "choice", "betas" (a pair in [0, 1)), "steps" (a tuple of
    ints >= 0) or "device". Numbers lie in ``lo``..``hi`` (``lo_open``/``hi_open``: bound
    excluded; NaN never allowed, inf only when ``hi`` is inf); ``choices`` for "choice";
    ``optional``: None allowed. ``sweep``: "vary" (members of one sweep may differ), "shared"
    (one value for all members; the stacked engine supports any value) or "default" (the
    stacked engine supports the default only). ``live``: the lab may change it on a running
    trainer. ``needs``: the :class:`~ganlib.losses.LossSpec` property a non-default value
    requires ("labels", "penalty"). ``label``/``widget``: how the lab and explorers show it
    (``widget``: dict of min, max, step, log, options, control).
    """

    kind: str
    doc: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple = ()
    optional: bool = False
    sweep: str = "shared"
    live: bool = False
    needs: str | None = None
    label: str = ""
    widget: dict | None = None

    def allowed(self) -> str:
        """The allowed values, in words (used in every error message)."""
        if self.kind == "choice":
            text = ", ".join(map(repr, self.choices))
        elif self.kind == "bool":
            text = "True or False"
        elif self.kind == "betas":
            text = "a pair (b1, b2) with 0 <= b < 1"
        elif self.kind == "steps":
            text = "a tuple of integers >= 0"
        elif self.kind == "device":
            text = "None, 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device"
        else:
            what = "an integer" if self.kind == "int" else "a number"
            fmt = (lambda v: str(int(v))) if self.kind == "int" else (lambda v: f"{v:g}")
            lo = f"{fmt(self.lo)} {'<' if self.lo_open else '<='} x" if self.lo is not None \
                else "x"
            hi = "" if self.hi in (None, math.inf) else \
                f" {'<' if self.hi_open else '<='} {fmt(self.hi)}"
            text = f"{what} with {lo}{hi}"
        return text + (" or None" if self.optional and self.kind != "device" else "")

    def check(self, name, value):
        """``value`` in canonical form (Python numbers, tuples, device string); else
        ValueError naming ``name`` and the allowed values. Never depends on other fields."""
        if value is None and (self.optional or self.kind == "device"):
            return None
        bad = ValueError(f"{name}={value!r} is not valid; allowed: {self.allowed()}")
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise bad
            return value
        if self.kind == "bool":
            if type(value).__name__ not in ("bool", "bool_"):
                raise bad
            return bool(value)
        if self.kind == "betas":
            if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
                raise bad
            if not all(_is_real(b) and 0 <= b < 1 for b in value):
                raise bad
            return tuple(float(b) for b in value)
        if self.kind == "steps":
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                raise bad
            value = tuple(value)
            if not all(_is_int(s) and s >= 0 for s in value):
                raise bad
            return tuple(int(s) for s in value)
        if self.kind == "device":
            text = str(value) if type(value).__name__ == "device" else value
            if not isinstance(text, str) or not _DEVICE_RE.match(text.strip().lower()):
                raise bad
            return text.strip().lower()
        if not (_is_int(value) if self.kind == "int" else _is_real(value)):
            raise bad
        value = int(value) if self.kind == "int" else float(value)
        if math.isnan(value) or (math.isinf(value) and self.hi != math.inf):
            raise bad
        if self.lo is not None and (value < self.lo or self.lo_open and value == self.lo):
            raise bad
        if self.hi is not None and (value > self.hi or self.hi_open and value == self.hi):
            raise bad
        return value


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and \
        type(v).__name__ != "bool_"


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def knob(default, kind, doc, **meta):
    """A dataclass field declared with its :class:`Knob` metadata."""
    return dataclasses.field(default=default, metadata={"knob": Knob(kind, doc, **meta)})


_LR = dict(lo=0, lo_open=True, hi=math.inf, sweep="vary", live=True,
           widget=dict(min=1e-5, max=1e-1, log=True, step=0.1, control="log"))
_WEIGHT = dict(lo=0, hi=math.inf, sweep="vary")


@dataclass
class TrainConfig:
    """Every knob of :class:`~ganlib.train.Trainer`; validated on creation (chapters 2, 4, 5, 7).

    Each field's :class:`Knob` (``KNOBS[name]``) says what it accepts. ``__post_init__`` only
    validates (and writes values in canonical form: Python numbers, tuples, a device string);
    defaults that depend on another field are resolved where used
    (:meth:`resolved_clip_value`).
    """
    loss: str = knob("nonsaturating", "choice", "key of losses.LOSSES", choices=tuple(
        _losses.LOSSES), sweep="vary", label="loss")
    steps: int = knob(4000, "int", "generator updates (rounds)", lo=1, live=True,
                      label="max G steps", widget=dict(min=1, max=10**6, step=100, control="text"))
    batch_size: int = knob(512, "int", "samples of x_real and of z per step", lo=1,
                           label="batch_size",
                           widget=dict(options=(16, 32, 64, 128, 256, 512), control="dropdown"))
    n_critic: int = knob(1, "int", "D steps per G step (k in Algorithm 1)", lo=1,
                         sweep="vary", live=True, label="n_critic (D steps per G step)",
                         widget=dict(min=1, max=10, step=1, control="slider"))
    lr_d: float = knob(2e-3, "float", "D learning rate (tuned on the ring, see benchmarks/)",
                       label="lr_d", **_LR)
    lr_g: float = knob(2e-3, "float", "G learning rate", label="lr_g", **_LR)
    lr_decay: float = knob(0.98, "float", "lr falls linearly to (1 - lr_decay)·lr over steps",
                           lo=0, hi=1, hi_open=True, label="lr_decay",
                           widget=dict(min=0, max=0.99, step=0.01, control="slider"))
    optimizer: str = knob("adam", "choice", "same optimizer for both players",
                          choices=OPTIMIZERS, label="optimizer")
    betas: tuple = knob((0.5, 0.999), "betas", "Adam betas of both players (sgd: momentum "
                        "= betas[0])", label="betas",
                        widget=dict(min=(0, 0), max=(0.999, 0.9999), step=(0.05, 0.001),
                                    control="text"))
    betas_d: tuple | None = knob(None, "betas", "per-player override of betas for D",
                                 optional=True)
    betas_g: tuple | None = knob(None, "betas", "per-player override of betas for G",
                                 optional=True)
    clip_value: float | None = knob(None, "float", "weight clipping c of D after each D step; "
                                    "None: the loss's own (LossSpec.clip_value, wgan: 0.01)",
                                    lo=0, lo_open=True, optional=True, sweep="vary",
                                    label="clip_value (0 = off)",
                                    widget=dict(min=0, max=1, step=0.01, control="text"))
    gp_weight: float = knob(10.0, "float", "λ of the loss's penalty (wgan-gp, dragan)",
                            needs="penalty", label="λ (gp_weight)",
                            widget=dict(min=0, max=100, step=1, control="text"), **_WEIGHT)
    r1_weight: float = knob(0.0, "float", "γ of the R1 penalty (0 = off), any loss",
                            label="γ (r1_weight)",
                            widget=dict(min=0, max=10, step=0.1, control="text"),
                            **_WEIGHT)
    label_smoothing: float = knob(0.0, "float", "one-sided: real label 1 -> 1 - smoothing",
                                  lo=0, hi=1, hi_open=True, sweep="vary", needs="labels",
                                  label="label_smoothing",
                                  widget=dict(min=0, max=0.5, step=0.05, control="slider"))
    label_noise: float = knob(0.0, "float", "prob. of flipping each of D's labels", lo=0,
                              hi=0.5, sweep="default", needs="labels", label="label_noise",
                              widget=dict(min=0, max=0.5, step=0.05, control="slider"))
    instance_noise: float = knob(0.0, "float", "std of Gaussian noise added to D's inputs",
                                 lo=0, hi=math.inf, sweep="default", label="instance_noise",
                                 widget=dict(min=0, max=1, step=0.05, control="slider"))
    simultaneous: bool = knob(False, "bool", "simultaneous (True) vs alternating (False) "
                              "updates", sweep="default", label="simultaneous")
    prior: str = knob("gaussian", "choice", "gaussian N(0, I) | uniform U[-1, 1]",
                      choices=PRIORS, label="prior")
    seed: int = knob(0, "int", "seed of the training random stream", lo=0, hi=2**63 - 1,
                     sweep="vary", label="seed",
                     widget=dict(min=0, max=2**31 - 1, step=1, control="text"))
    device: str | None = knob(None, "device", "None -> ganlib.device(): cuda, else mps, else cpu")
    log_every: int = knob(10, "int", "history granularity and NaN-check interval (steps)", lo=1)
    sample_steps: tuple = knob((), "steps", "steps at which to store G(fixed_z)")
    n_samples: int = knob(512, "int", "size of fixed_z", lo=1)
    progress: bool = knob(True, "bool", "tqdm.auto progress bar (sweeps show none)")

    def __post_init__(self):
        for f in dataclasses.fields(self):
            setattr(self, f.name, f.metadata["knob"].check(f.name, getattr(self, f.name)))
        spec = _losses.LOSSES[self.loss]
        for name, k in KNOBS.items():
            if k.needs and getattr(self, name) != _DEFAULTS[name] and not getattr(spec, k.needs):
                having = [n for n, s in _losses.LOSSES.items() if getattr(s, k.needs)]
                raise ValueError(f"{name}={getattr(self, name)!r} does not apply to "
                                 f"loss={self.loss!r}; it needs one of "
                                 f"{', '.join(map(repr, having))} (or {name}="
                                 f"{_DEFAULTS[name]!r})")

    def lr_scale(self, step: int) -> float:
        """Factor of the learning rates at ``step``: the linear decay
        1 - lr_decay · min(s / steps, 1), with s = ``step`` rounded down to a multiple of
        ``log_every`` (the rates change at log steps only, so how a run is split never
        changes them)."""
        s = step - step % self.log_every
        return 1.0 - self.lr_decay * min(s / self.steps, 1.0)

    def resolved_clip_value(self) -> float | None:
        """The clipping c actually applied: ``clip_value``, else the loss's own (wgan: 0.01)."""
        return self.clip_value if self.clip_value is not None else \
            _losses.LOSSES[self.loss].clip_value


#: name -> :class:`Knob` of every :class:`TrainConfig` field (in declaration order).
KNOBS = {f.name: f.metadata["knob"] for f in dataclasses.fields(TrainConfig)}
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainConfig)}


def knobs(names=None) -> list:
    """Every knob as a plain dict, for explorers and widgets: ``name``, ``label``, ``doc``,
    ``kind``, ``default``, ``allowed`` (words), ``choices``, ``low``, ``high``, ``step``,
    ``log``, ``control`` (the widget: "slider", "log", "text", "dropdown"; None: no widget),
    ``sweep``, ``live``, ``needs``. ``names``: a subset, in order."""
    names = list(KNOBS) if names is None else list(names)
    for n in names:
        _check(n in KNOBS, "names", n, "names of TrainConfig fields")
    out = []
    for n in names:
        k, w = KNOBS[n], KNOBS[n].widget or {}
        out.append(dict(name=n, label=k.label or n, doc=k.doc, kind=k.kind,
                        default=_DEFAULTS[n], allowed=k.allowed(),
                        choices=tuple(w.get("options", k.choices)), low=w.get("min"),
                        high=w.get("max"), step=w.get("step"), log=bool(w.get("log")),
                        control=w.get("control", "dropdown" if k.choices else None),
                        sweep=k.sweep, live=k.live, needs=k.needs))
    return out


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
    _check(isinstance(dataset, str) and dataset in RECIPES, "dataset", dataset,
           ", ".join(map(repr, RECIPES)))
    return TrainConfig(**{**RECIPES[dataset], **overrides})
