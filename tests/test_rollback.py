"""Tests of ganlib.rollback: the Snapshot object owned by a Trainer keeps only finite state,
non-finite state is refused where it enters, and a rollback restores everything (players,
optimizers, stream, step, history and its samples)."""
import pytest
import torch

from ganlib import data, models
from ganlib.rollback import NonFiniteState, Snapshot
from ganlib.train import TrainConfig, Trainer, TrainingDiverged

RING = data.ring()


def make_models(seed=0):
    torch.manual_seed(seed)
    return models.MLPGenerator(2, 2, (16, 16)), models.MLPDiscriminator(2, (16, 16))


def cfg(**kw):
    return TrainConfig(**{**dict(steps=40, batch_size=32, log_every=5, progress=False,
                                 device="cpu"), **kw})


def params(*modules):
    return torch.cat([p.detach().flatten().clone() for m in modules for p in m.parameters()])


def poison(module):
    with torch.no_grad():
        next(module.parameters()).view(-1)[0] = float("nan")


def test_snapshot_object_take_and_restore():
    lin = torch.nn.Linear(2, 1)
    opt = torch.optim.Adam(lin.parameters())
    gen = torch.Generator()
    snap = Snapshot([lin], [opt], gen)
    with pytest.raises(RuntimeError, match="no snapshot"):
        snap.restore()
    lin(torch.ones(3, 2)).sum().backward()
    opt.step()
    assert snap.take(7, 2) and snap.taken
    before, rng = params(lin), gen.get_state()
    torch.rand(5, generator=gen)
    opt.step()
    assert snap.restore() == (7, 2)
    assert torch.equal(params(lin), before) and torch.equal(gen.get_state(), rng)
    poison(lin)
    assert not snap.take(8, 3) and snap.step == 7          # non-finite state is never kept


def test_defect1_nan_checkpoint_is_refused(tmp_path):
    G, D = make_models()
    t = Trainer(G, D, RING, cfg())
    t.run(10)
    state = t.state_dict()
    state["G"] = {k: v.clone() for k, v in state["G"].items()}
    next(iter(state["G"].values())).view(-1)[0] = float("nan")
    torch.save(state, tmp_path / "bad.pt")
    G2, D2 = make_models(1)
    t2 = Trainer(G2, D2, RING, cfg())
    before = params(G2, D2)
    with pytest.raises(NonFiniteState, match=r"checkpoint\['G'\]"):
        t2.load_state_dict(state)
    assert torch.equal(params(G2, D2), before) and t2.step == 0      # unchanged
    with pytest.raises(ValueError, match="NaN"):
        Trainer.load(tmp_path / "bad.pt", *make_models(2), RING)


def test_defect1_models_with_nan_weights_are_refused():
    G, D = make_models()
    poison(D)
    with pytest.raises(ValueError, match="D holds NaN/inf"):
        Trainer(G, D, RING, cfg())


def test_defect11_manual_steps_are_kept_before_a_divergence():
    G, D = make_models()
    t = Trainer(G, D, RING, cfg(log_every=10))
    for _ in range(3):
        t.d_step()
        t.g_step()
    good = params(G, D)
    poison(D)
    with pytest.raises(TrainingDiverged, match=r"last finite state \(step 3\)"):
        t.d_step()
    assert t.step == 3 and torch.equal(params(G, D), good)


def test_defect12_samples_after_the_rollback_point_are_dropped():
    G, D = make_models()
    t = Trainer(G, D, RING, cfg(steps=200, lr_d=1e4, lr_g=1e4, optimizer="sgd",
                                sample_steps=tuple(range(0, 200)), log_every=20))
    with pytest.raises(TrainingDiverged) as info:
        t.run()
    last = info.value.last_finite_step
    assert t.step == last and max(t.history.samples) <= last
    assert all(bool(torch.isfinite(x).all()) for x in t.history.samples.values())
    assert len(t.history) == last // 20


def test_rollback_then_resume_with_other_settings():
    G, D = make_models()
    t = Trainer(G, D, RING, cfg(steps=100, lr_d=1e4, lr_g=1e4, optimizer="sgd"))
    with pytest.raises(TrainingDiverged):
        t.run()
    t.set_lr(1e-3, 1e-3)
    t.run(10)
    assert torch.isfinite(params(G, D)).all()
