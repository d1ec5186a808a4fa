"""Tests of ganlib.config: the one declaration of every knob (Knob metadata), validation that
never mutates, what derives from it (loss lists, sweep keys, lab knobs, knobs()), and an
adversarial pass over every TrainConfig field."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from ganlib import losses
from ganlib.config import KNOBS, RECIPES, TrainConfig, knobs, recommended_config

FIELDS = [f.name for f in dataclasses.fields(TrainConfig)]


def test_every_field_is_declared_with_a_knob():
    assert list(KNOBS) == FIELDS
    for name, k in KNOBS.items():
        assert k.kind in ("int", "float", "bool", "choice", "betas", "steps", "device"), name
        assert k.sweep in ("vary", "shared", "default"), name
        assert k.doc, name
        if k.needs:
            assert hasattr(losses.LOSSES["minimax"], k.needs), name


def test_loss_lists_derive_from_the_loss_specs():
    assert losses.SIGMOID_LOSSES == ("minimax", "nonsaturating", "dragan")
    assert losses.LABEL_LOSSES == ("minimax", "nonsaturating", "dragan")
    assert "dragan" not in losses.STACKABLE and "wgan-gp" in losses.STACKABLE
    assert [n for n, s in losses.LOSSES.items() if s.clip_value] == ["wgan"]
    d_fn, g_fn, penalty = losses.get_loss("wgan-gp")      # unpacks as before
    assert penalty is losses.gradient_penalty


def test_sweep_keys_and_lab_knobs_derive_from_the_declaration():
    from ganlib.lab_knobs import LIVE, check_knobs, DEFAULTS
    from ganlib.sweep import SWEEP_KEYS
    assert SWEEP_KEYS == tuple(n for n, k in KNOBS.items() if k.sweep == "vary")
    assert set(SWEEP_KEYS) == {"loss", "n_critic", "lr_d", "lr_g", "clip_value", "gp_weight",
                               "r1_weight", "label_smoothing", "seed"}
    assert set(LIVE) == {"steps", "n_critic", "lr_d", "lr_g"}
    assert "gp_weight" in check_knobs({**DEFAULTS, "gp_weight": 5.0})   # TrainConfig's rule


def test_knobs_lists_ranges_for_explorers():
    rows = {r["name"]: r for r in knobs()}
    assert list(rows) == FIELDS
    lr = rows["lr_d"]
    assert (lr["low"], lr["high"], lr["log"], lr["control"], lr["live"]) == (1e-5, 0.1, True,
                                                                            "log", True)
    assert rows["loss"]["choices"] == tuple(losses.LOSSES)
    assert rows["n_critic"]["step"] == 1 and rows["n_critic"]["label"].startswith("n_critic")
    assert "0 <= x < 1" in rows["label_smoothing"]["allowed"]
    assert [r["name"] for r in knobs(["seed", "loss"])] == ["seed", "loss"]
    with pytest.raises(ValueError, match="names="):
        knobs(["nope"])


def test_post_init_never_fills_in_defaults_of_other_fields():
    wgan = TrainConfig(loss="wgan")
    assert wgan.clip_value is None and wgan.resolved_clip_value() == 0.01
    ns = dataclasses.replace(wgan, loss="nonsaturating")     # was silently clipped at 0.01
    assert ns.clip_value is None and ns.resolved_clip_value() is None
    assert TrainConfig(loss="hinge", clip_value=0.1).resolved_clip_value() == 0.1


def test_canonical_values_numpy_and_devices():
    c = TrainConfig(lr_d=np.float32(1e-3), steps=np.int64(5), progress=np.bool_(False),
                    betas=[np.float64(0.5), 0.9], sample_steps=[np.int64(0), 3],
                    device=torch.device("cpu"))
    assert type(c.lr_d) is float and type(c.steps) is int and c.progress is False
    assert c.betas == (0.5, 0.9) and c.sample_steps == (0, 3) and c.device == "cpu"
    assert TrainConfig(device=" CPU ").device == "cpu"


def test_lr_scale_changes_at_log_steps_only():
    c = TrainConfig(steps=100, lr_decay=0.5, log_every=10)
    assert c.lr_scale(25) == c.lr_scale(20) == pytest.approx(0.9)
    assert c.lr_scale(1000) == pytest.approx(0.5)


def test_combinations_name_the_field():
    with pytest.raises(ValueError, match="label_smoothing=0.1 does not apply to loss='hinge'"):
        TrainConfig(loss="hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match="gp_weight=5.0 does not apply"):
        TrainConfig(loss="nonsaturating", gp_weight=5.0)
    assert TrainConfig(loss="dragan", gp_weight=5.0, label_noise=0.1).gp_weight == 5.0


def _bad_values(name, k):
    """Wrong types, NaN/inf, empty and out-of-range values for one knob."""
    common = [object(), [], ""]
    if k.kind == "choice":
        return common + [5, "nope", None, k.choices[0].upper() + "x"]
    if k.kind == "bool":
        return common + ["no", 0, 1, None, 1.0]
    if k.kind == "betas":
        return common + [("a", 0.9), (0.5,), 0.5, (1.0, 0.9), (math.nan, 0.9), "ab",
                         (0.5, 0.9, 0.1), (-0.1, 0.9)]
    if k.kind == "steps":
        return [5, ("a",), (-1,), (1.5,), (True,), None]
    if k.kind == "device":
        return [5, "", "gpu", "cuda:x", 1.5]
    out = common + ["3", True, math.nan, -math.inf]
    out += [None] if not k.optional else []
    out += [1.5] if k.kind == "int" else []
    out += [math.inf] if k.hi != math.inf else []
    if k.lo is not None:
        out += [k.lo - 1] + ([k.lo] if k.lo_open else [])
    if k.hi is not None and k.hi != math.inf:
        out += [k.hi + 1] + ([k.hi] if k.hi_open else [])
    return out


CASES = [(n, v) for n, k in KNOBS.items() for v in _bad_values(n, k)]


@pytest.mark.parametrize("name, value", CASES, ids=[f"{n}={v!r}"[:40] for n, v in CASES])
def test_every_field_refuses_bad_values_naming_it(name, value):
    kw = {"loss": "dragan"} if name in ("label_smoothing", "label_noise") else {}
    with pytest.raises(ValueError, match=f"{name}=.*allowed: "):
        TrainConfig(**kw, **{name: value})


GOOD = [("steps", np.int64(5)), ("lr_d", np.float32(1e-3)), ("lr_g", 1), ("seed", np.uint8(3)),
        ("seed", 2**40), ("progress", np.bool_(True)), ("device", "cpu"), ("device", None),
        ("clip_value", None), ("clip_value", np.float64(0.5)), ("instance_noise", math.inf),
        ("betas", np.array([0.0, 0.99])), ("betas_d", (0, 0)), ("sample_steps", range(3)),
        ("lr_decay", 0), ("label_noise", 0.5), ("r1_weight", 1e9), ("simultaneous", True)]


@pytest.mark.parametrize("name, value", GOOD)
def test_edge_values_that_work(name, value):
    kw = {"loss": "dragan"} if name == "label_noise" else {}
    c = TrainConfig(**kw, **{name: value})
    assert type(getattr(c, name)) in (int, float, bool, str, tuple, type(None))


def test_defect4_booleans_are_validated():
    for bad in ("no", 0, "False"):
        with pytest.raises(ValueError, match="simultaneous="):
            TrainConfig(simultaneous=bad)
        with pytest.raises(ValueError, match="progress="):
            TrainConfig(progress=bad)


def test_defect5_seed():
    for bad in (-1, 1.5, "0", None, True):
        with pytest.raises(ValueError, match="seed="):
            TrainConfig(seed=bad)


def test_recipes():
    assert recommended_config("grid").r1_weight == RECIPES["grid"]["r1_weight"]
    for bad in ("nope", None, ["ring"]):
        with pytest.raises(ValueError, match="dataset="):
            recommended_config(bad)
