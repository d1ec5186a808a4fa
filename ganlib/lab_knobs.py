"""The training lab's knobs, derived from the one declaration in :mod:`ganlib.config`.

The lab (:class:`ganlib.widgets.TrainingLab`, chapters 2, 3, 4, 5, 7) shows a subset of the
:class:`~ganlib.config.TrainConfig` knobs plus four model knobs of its own (``dataset``,
``latent_dim``, ``hidden``, ``depth``, declared below with the same :class:`~ganlib.config.Knob`).
Each widget's class, range, step and label come from the knob's metadata; which knobs apply to
a running trainer (``LIVE``) from ``Knob.live``; :func:`check_knobs` builds the
``TrainConfig`` (whose validation states every rule) and adds the lab's one rule on weight
clipping, read from the loss spec (``LossSpec.clip_value``).
"""
from __future__ import annotations

import math

import ipywidgets as W

from .config import KNOBS, Knob, TrainConfig
from .losses import LOSSES

__all__ = ["LAB_KNOBS", "DEFAULTS", "LIVE", "ROWS", "LOSS_LABELS", "DATA_LABELS",
           "check_knobs", "check_value", "to_config", "make_widgets"]

#: Menu label -> data set name.
DATA_LABELS = {"1D Gaussian": "gaussian", "1D mixture": "mixture1d", "ring of 8": "ring",
               "grid of 25": "grid", "swiss roll": "swissroll", "two moons": "moons",
               "digits (8×8)": "digits"}
#: Menu label -> loss name (from LossSpec.label).
LOSS_LABELS = {spec.label: name for name, spec in LOSSES.items()}

_TEXT = "text"
#: The lab's own knobs (the model and the data), declared like TrainConfig's.
MODEL_KNOBS = {
    "dataset": Knob("choice", "the data set", choices=tuple(DATA_LABELS.values()), label="data",
                    widget=dict(options=tuple(DATA_LABELS.items()), control="dropdown")),
    "latent_dim": Knob("int", "dimension of z", lo=1, hi=128, label="latent_dim",
                       widget=dict(min=1, max=128, step=1, control=_TEXT)),
    "hidden": Knob("int", "width of the hidden layers", lo=1, hi=4096, label="hidden width",
                   widget=dict(options=(16, 32, 64, 128, 256), control="dropdown")),
    "depth": Knob("int", "hidden layers of G and D", lo=1, hi=6, label="depth",
                  widget=dict(min=1, max=6, step=1, control=_TEXT)),
}
#: TrainConfig fields the lab shows.
CONFIG_KNOBS = ("loss", "lr_d", "lr_g", "n_critic", "batch_size", "optimizer", "betas",
                "clip_value", "gp_weight", "label_smoothing", "instance_noise", "prior",
                "seed", "steps")
#: Every lab knob: name -> Knob.
LAB_KNOBS = {**MODEL_KNOBS, **{n: KNOBS[n] for n in CONFIG_KNOBS}}
#: The lab's starting values (smaller, slower than TrainConfig's: a run to watch).
DEFAULTS = dict(dataset="ring", loss="nonsaturating", lr_d=1e-3, lr_g=1e-3, n_critic=1,
                batch_size=256, latent_dim=2, prior="gaussian", hidden=128, depth=2,
                optimizer="adam", betas=(0.5, 0.999), label_smoothing=0.0, instance_noise=0.0,
                clip_value=0.0, gp_weight=10.0, seed=0, steps=5000)
#: Knobs applied to a running trainer (Knob.live).
LIVE = tuple(n for n, k in LAB_KNOBS.items() if k.live)
#: Widget rows, top to bottom ("beta1"/"beta2" are the two halves of ``betas``).
ROWS = (("dataset", "loss", "optimizer", "batch_size"),
        ("lr_d", "lr_g", "n_critic"),
        ("latent_dim", "prior", "hidden", "depth"),
        ("beta1", "beta2", "clip_value", "gp_weight"),
        ("label_smoothing", "instance_noise", "seed", "steps"))


def to_config(k) -> dict:
    """Lab knob values -> TrainConfig keyword arguments (clip_value 0 = off = None)."""
    cfg = {n: k[n] for n in CONFIG_KNOBS if n in k}
    cfg["clip_value"] = cfg.get("clip_value") or None
    return cfg


def check_value(name, value):
    """``value`` of lab knob ``name`` in canonical form, inside its widget's range; else
    ValueError naming the knob and the allowed values (a widget never clamps silently)."""
    if name not in LAB_KNOBS:
        raise ValueError(f"knob {name!r} is not one of {tuple(DEFAULTS)}")
    k = LAB_KNOBS[name]
    if name == "clip_value" and value == 0:           # the lab's "off"
        return 0.0
    value = k.check(name, value)
    w = k.widget or {}
    if name == "betas":
        lo, hi = w["min"], w["max"]
        if not all(a <= b <= c for a, b, c in zip(lo, value, hi)):
            raise ValueError(f"betas={value!r} is outside the lab's range: β1 in "
                             f"[{lo[0]}, {hi[0]}], β2 in [{lo[1]}, {hi[1]}]")
    elif "min" in w and not w["min"] <= value <= w["max"]:
        raise ValueError(f"{name}={value!r} is outside the lab's range [{w['min']:g}, "
                         f"{w['max']:g}] (allowed: {k.allowed()})")
    return value


def check_knobs(k):
    """None if the knob values ``k`` make a valid run, else a message saying why not."""
    try:
        for name in MODEL_KNOBS:
            if name in k:
                MODEL_KNOBS[name].check(name, k[name])
        config = TrainConfig(**to_config(k))
    except ValueError as err:
        return str(err)
    clip, spec = config.clip_value, LOSSES[config.loss]
    if clip and spec.clip_value is None:
        clipping = [n for n, s in LOSSES.items() if s.clip_value is not None]
        return (f"clip_value={clip} (weight clipping) only applies to a loss that clips "
                f"({', '.join(map(repr, clipping))}), not loss={config.loss!r}: set "
                "clip_value to 0 or pick 'WGAN (clipping)'.")
    if spec.clip_value is not None and not clip:
        return (f"loss={config.loss!r} needs clip_value > 0 (the original paper uses "
                f"{spec.clip_value}).")
    return None


def _options(name, w, value):
    opts = list(w["options"])
    plain = [o[1] if isinstance(o, tuple) else o for o in opts]
    if name == "loss":
        opts = list(LOSS_LABELS.items())
        plain = list(LOSS_LABELS.values())
    if name in ("optimizer", "prior"):
        opts = plain = list(LAB_KNOBS[name].choices)
    return opts + ([value] if value not in plain else [])   # a chapter's value joins them


def make_widgets(values, style, layout, wide):
    """name -> ipywidget for every knob of :data:`ROWS`, from the knobs' metadata."""
    out = {}
    for name in (n for row in ROWS for n in row):
        base = "betas" if name in ("beta1", "beta2") else name
        k = LAB_KNOBS[base]
        w = dict(k.widget or {})
        if name in ("beta1", "beta2"):
            i = int(name[-1]) - 1
            w = dict(min=w["min"][i], max=w["max"][i], step=w["step"][i], control=_TEXT)
        label = {"beta1": "β1", "beta2": "β2"}.get(name, k.label or name)
        control = w.get("control", "dropdown" if k.choices else _TEXT)
        kw = dict(value=values[name], description=label, style=style, layout=layout)
        if control == "dropdown":
            widget = W.Dropdown(options=_options(name, w or {"options": k.choices},
                                                 values[name]), **kw)
        elif control == "log":
            widget = W.FloatLogSlider(min=math.log10(w["min"]), max=math.log10(w["max"]),
                                      readout_format=".1e", **{**kw, "layout": wide})
        elif control == "slider":
            cls = W.IntSlider if k.kind == "int" else W.FloatSlider
            widget = cls(min=w["min"], max=w["max"], step=w["step"], **{**kw, "layout": wide})
        else:
            cls = W.BoundedIntText if k.kind == "int" else W.BoundedFloatText
            widget = cls(min=w["min"], max=w["max"], step=w["step"], **kw)
        out[name] = widget
    return out
