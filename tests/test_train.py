"""Tests of ganlib.train: determinism, every loss, validation, divergence, checkpoints,
stopping, update schemes, n_critic and clipping. Small models, a few steps each."""
import copy
import threading

import numpy as np
import pytest
import torch
import torch.nn as nn

from ganlib import data, losses, models
from ganlib.train import (RECIPES, History, TrainConfig, Trainer, TrainingDiverged,
                          recommended_config, train)

RING = data.ring()




def make_models(seed=0, hidden=(16, 16)):
    torch.manual_seed(seed)
    return models.MLPGenerator(2, 2, hidden), models.MLPDiscriminator(2, hidden)


def cfg(**kw):
    base = dict(steps=20, batch_size=32, log_every=5, progress=False, device="cpu")
    return TrainConfig(**{**base, **kw})


def params(*modules):
    return torch.cat([p.detach().flatten().clone() for m in modules for p in m.parameters()])


def curves(history):
    return {f: getattr(history, f) for f in History.FIELDS if f != "wall_time"}


def test_same_seed_same_history_twice():
    runs = []
    for _ in range(2):
        G, D = make_models()
        h = Trainer(G, D, RING, cfg(sample_steps=(0, 20))).run()
        runs.append((curves(h), h.samples, params(G, D)))
    assert runs[0][0] == runs[1][0]
    assert len(runs[0][0]["step"]) == 4 and runs[0][0]["step"][-1] == 20
    assert all(torch.equal(runs[0][1][s], runs[1][1][s]) for s in (0, 20))
    assert torch.equal(runs[0][2], runs[1][2])


@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_every_loss_trains_and_changes_parameters(loss):
    G, D = make_models()
    before = params(G), params(D)
    h = Trainer(G, D, RING, cfg(loss=loss, steps=4, log_every=2)).run()
    assert not torch.equal(before[0], params(G)) and not torch.equal(before[1], params(D))
    assert all(torch.isfinite(torch.tensor(getattr(h, f))).all() for f in History.FIELDS)


@pytest.mark.parametrize("field, value", [
    ("loss", "foo"), ("lr_d", 0.0), ("lr_g", -1e-3), ("n_critic", 0), ("batch_size", 0),
    ("optimizer", "adamw"), ("prior", "cauchy"), ("device", "tpu"), ("steps", 0),
    ("betas", (0.5, 1.5)), ("label_smoothing", 1.0), ("log_every", 0)])
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


def test_wgan_clipping_value_checked_and_defaulted():
    with pytest.raises(ValueError, match="clip_value"):
        TrainConfig(loss="wgan", clip_value=0.0)
    with pytest.raises(ValueError, match="clip_value"):
        TrainConfig(loss="wgan", clip_value=-0.01)
    assert TrainConfig(loss="wgan").clip_value is None             # never filled in
    assert TrainConfig(loss="wgan").resolved_clip_value() == 0.01  # resolved where used
    with pytest.raises(ValueError, match="label_smoothing"):
        TrainConfig(loss="wgan-gp", label_smoothing=0.1)


def test_data_dimension_mismatch_names_both_dims():
    G, D = make_models()
    with pytest.raises(ValueError, match=r"dimension 3.*2"):
        Trainer(G, D, torch.randn(100, 3), cfg())


def test_nan_raises_and_restores_last_finite_state():
    class PoisonD(nn.Module):           # outputs NaN from the `after`-th forward call on
        def __init__(self, D, after):
            super().__init__()
            self.D, self.in_dim, self.calls, self.after = D, 2, 0, after

        def forward(self, x):
            self.calls += 1
            out = self.D(x)
            return out * float("nan") if self.calls > self.after else out

    G, D = make_models()
    D = PoisonD(D, after=3 * 12)        # 3 D forwards per round: NaN from round 13 on
    kept = {}
    trainer = Trainer(G, D, RING, cfg(steps=30, log_every=5))
    record = lambda t: kept.update({int(t.step): params(t.G, t.D)})  # noqa: E731
    with pytest.raises(TrainingDiverged, match=r"step 13\b.*\(step 10\)") as err:
        trainer.run(callbacks=[record])
    assert isinstance(err.value, RuntimeError) and err.value.step == 13
    assert trainer.step == 10 and trainer.history.step[-1] == 10
    assert torch.equal(params(trainer.G, trainer.D), kept[10])


def test_checkpoint_roundtrip_continues_identically(tmp_path):
    G, D = make_models()
    full = Trainer(G, D, RING, cfg(sample_steps=(5, 20))).run()
    G, D = make_models()
    first = Trainer(G, D, RING, cfg(sample_steps=(5, 20)))
    first.run(steps=10)
    first.save(tmp_path / "ckpt.pt")
    G2, D2 = make_models(seed=123)      # different weights: everything comes from the file
    resumed = Trainer.load(tmp_path / "ckpt.pt", G2, D2, RING)
    assert resumed.step == 10 and resumed.config == first.config
    h = resumed.run()
    assert curves(h) == curves(full) and set(h.samples) == {5, 20}
    assert torch.equal(h.samples[20], full.samples[20])
    G3, D3 = make_models()
    Trainer(G3, D3, RING, cfg()).run()
    assert torch.equal(params(G2, D2), params(G3, D3))


def test_request_stop_from_another_thread_stops_within_one_step():
    G, D = make_models()
    trainer = Trainer(G, D, RING, cfg(steps=100_000, log_every=1000))
    seen = {}

    def stopper():
        while trainer.step < 5:
            pass
        trainer.request_stop()
        seen["step"] = int(trainer.step)

    thread = threading.Thread(target=stopper)
    thread.start()
    trainer.run()
    thread.join()
    assert 5 <= trainer.step <= seen["step"] + 1


def test_callback_returning_true_stops():
    G, D = make_models()
    trainer = Trainer(G, D, RING, cfg(steps=50))
    trainer.run(callbacks=[lambda t: t.step >= 15])
    assert trainer.step == 15 and len(trainer.history) == 3


def test_simultaneous_differs_from_alternating():
    results = []
    for simultaneous in (False, True):
        G, D = make_models()
        Trainer(G, D, RING, cfg(steps=5, simultaneous=simultaneous)).run()
        results.append(params(G, D))
    assert not torch.equal(*results)


def test_n_critic_five_d_steps_per_g_step():
    G, D = make_models()
    trainer = Trainer(G, D, RING, cfg(steps=3, n_critic=5))
    trainer.run()
    d_steps = {int(s["step"]) for s in trainer.opt_d.state.values()}
    g_steps = {int(s["step"]) for s in trainer.opt_g.state.values()}
    assert d_steps == {15} and g_steps == {3}
    trainer.set_n_critic(2)
    trainer.run(steps=1)
    assert {int(s["step"]) for s in trainer.opt_d.state.values()} == {17}


def test_clipping_keeps_weights_bounded():
    G, D = make_models()
    Trainer(G, D, RING, cfg(loss="wgan", clip_value=0.02, steps=5, n_critic=5)).run()
    assert max(p.abs().max().item() for p in D.parameters()) <= 0.02


def test_tricks_priors_optimizers_and_tensor_data():
    G, D = make_models()
    x = RING.sample(500, generator=torch.Generator().manual_seed(0))
    h = train(G, D, x, cfg(steps=4, log_every=2), label_smoothing=0.1, label_noise=0.05,
              instance_noise=0.1, r1_weight=1.0, prior="uniform", optimizer="rmsprop",
              betas_g=(0.0, 0.9))
    assert h.step == [2, 4] and all(v == v for v in h.grad_norm_g)
    G, D = make_models()
    trainer = Trainer(G, D, "ring", cfg(optimizer="sgd", steps=2, log_every=1))
    trainer.set_lr(lr_d=0.05)
    assert trainer.opt_d.param_groups[0]["lr"] == 0.05 and trainer.config.lr_d == 0.05
    out = trainer.round()               # one round, returns floats
    assert trainer.step == 1 and set(out) >= {"loss_d", "loss_g", "d_real", "d_fake"}


def test_recipes():
    assert set(RECIPES) >= {"ring", "grid"}
    assert recommended_config("grid", seed=3).seed == 3
    with pytest.raises(ValueError, match="dataset"):
        recommended_config("nope")


# -- issue 13: regression tests of the defects and the adversarial pass ----------------------
def test_defect2_load_overrides_reach_the_optimizers(tmp_path):
    for decay in (0.0, 0.5):
        G, D = make_models()
        t = Trainer(G, D, RING, cfg(lr_decay=decay, steps=40))
        t.run(20)
        t.save(tmp_path / "ck.pt")
        t2 = Trainer.load(tmp_path / "ck.pt", *make_models(1), RING, lr_d=1e-5, betas=(0.0, 0.9))
        scale = t2.config.lr_scale(20)
        assert t2.config.lr_d == 1e-5
        assert t2.opt_d.param_groups[0]["lr"] == pytest.approx(1e-5 * scale)
        assert t2.opt_g.param_groups[0]["betas"] == (0.0, 0.9)


def test_defect3_splitting_run_does_not_change_the_weights():
    runs = []
    for split in ((60,), (25, 35), (7, 13, 40)):
        G, D = make_models()
        t = Trainer(G, D, RING, cfg(steps=60, lr_decay=0.98))
        for n in split:
            t.run(n)
        runs.append(params(G, D))
    assert torch.equal(runs[0], runs[1]) and torch.equal(runs[0], runs[2])


class _BadD(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.lin, self.factor = nn.Linear(2, 1), factor

    def forward(self, x):
        out = self.lin(x).squeeze(-1)
        return out.repeat(3) if self.factor == 3 else out.mean(0, keepdim=True)


@pytest.mark.parametrize("factor", [3, 1])
def test_defect7_d_output_length_is_checked(factor):
    G, _ = make_models()
    t = Trainer(G, _BadD(factor), RING, cfg())
    with pytest.raises(ValueError, match=r"D returned shape .*one logit per sample"):
        t.run(1)


def test_defect13_devices_numpy_and_messages(tmp_path):
    G, D = make_models()
    for dev in (torch.device("cpu"), " CPU "):
        assert Trainer(G, D, RING, cfg(device=dev)).device == torch.device("cpu")
    t = Trainer(G, D, RING, cfg(lr_d=np.float32(1e-3), steps=np.int64(5)))
    t.run()
    t.save(tmp_path / "np.pt")                            # plain numbers: weights_only loads
    assert Trainer.load(tmp_path / "np.pt", G, D, RING).config.steps == 5
    with pytest.raises(ValueError, match="betas="):
        cfg(betas=("a", 0.9))
    with pytest.raises(ValueError, match="clip_value="):
        cfg(clip_value="x")
    with pytest.raises(ValueError, match="config=.dict. is not valid"):
        Trainer(G, D, RING, {"steps": 3})
    state = t.state_dict()
    del state["rng"]
    with pytest.raises(ValueError, match=r"state=.*missing \['rng'\]"):
        t.load_state_dict(state)


@pytest.mark.parametrize("call, word", [
    (lambda t: t.run(-1), "steps="), (lambda t: t.run(1.5), "steps="),
    (lambda t: t.run("3"), "steps="), (lambda t: t.run(2, callbacks=3), "callbacks="),
    (lambda t: t.run(2, callbacks=[3]), "callbacks="), (lambda t: t.set_lr(lr_d=0), "lr_d="),
    (lambda t: t.set_lr(lr_g=float("nan")), "lr_g="), (lambda t: t.set_n_critic(0), "n_critic="),
    (lambda t: t.set_n_critic(2.5), "n_critic="), (lambda t: t.load_state_dict([]), "state="),
])
def test_public_methods_name_their_parameter(call, word):
    G, D = make_models()
    t = Trainer(G, D, RING, cfg())
    with pytest.raises(ValueError, match=word):
        call(t)


@pytest.mark.parametrize("args, word", [
    (("G",), "G="), (("D",), "D="), (("data", 3), "data="), (("data", "nope"), "nope"),
    (("data", torch.zeros(5, 3)), "dimension 3"), (("data", torch.zeros(0, 2)), "data="),
    (("data", torch.tensor([[0.0, float("nan")]])), "data="),
])
def test_constructor_arguments_name_their_parameter(args, word):
    G, D = make_models()
    kw = {"G": G, "D": D, "data": RING}
    kw[args[0]] = args[1] if len(args) > 1 else "not a module"
    with pytest.raises(ValueError, match=word):
        Trainer(kw["G"], kw["D"], kw["data"], cfg())


def test_state_dict_is_a_snapshot_and_loading_it_shares_nothing():
    """A saved state does not move when training goes on, and two trainers loaded from one
    state train independently (torch's state_dict / Optimizer.load_state_dict share tensors)."""
    ring = data.get_dataset("ring")
    config = TrainConfig(steps=5, batch_size=32, progress=False, log_every=5)

    def trainer():
        torch.manual_seed(0)
        G, D = models.build_models(ring, hidden=(16,))
        return Trainer(G, D, ring, config)

    a = trainer()
    a.run()
    state = a.state_dict()
    saved = copy.deepcopy(state)
    a.run(5)                                       # training on must not touch `state`
    for name in ("G", "D"):
        for key, value in state[name].items():
            assert torch.equal(value, saved[name][key]), (name, key)
    moments = [v for st in state["opt_d"]["state"].values() for v in st.values()]
    assert all(torch.equal(x, y) for x, y in zip(
        moments, [v for st in saved["opt_d"]["state"].values() for v in st.values()]))
    b, c = trainer(), trainer()
    b.load_state_dict(state)
    c.load_state_dict(state)
    b.run(5)                                       # b's Adam steps must not move c's state
    c.run(5)
    b2 = trainer()
    b2.load_state_dict(saved)
    b2.run(5)
    for p, q in zip(c.G.parameters(), b2.G.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
