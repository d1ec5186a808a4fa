"""Tests of ganlib.sweep and ganlib.stacked (issue 7): a K-member sweep reproduces K single
Trainer runs, a diverging member is isolated, the table and success rates are right.

Tolerance: member k's logged losses (interval means, every 10 steps, 40-80 steps) equal the
single run's to rtol 1e-3 with atol 1e-3·max|curve|; most members agree to 1e-7..1e-6
relative. The only differences are the float rounding of batched vs single matmuls (the
optimizers match torch.optim bit for bit); Adam and RMSprop divide by sqrt(v), so a weight
whose gradient is ~0 can move by ~lr on a rounding difference and a few members drift to
~1e-4..1e-3 (seen with wgan-gp, n_critic=2): weights are compared to atol 5·lr.
"""
import dataclasses

import pytest
import torch

from ganlib import data as gdata
from ganlib.models import build_models
from ganlib.sweep import (SWEEP_KEYS, plot_phase_diagram, plot_samples_grid, plot_success_rate,
                          run_sweep)
from ganlib.train import TrainConfig, Trainer

MODEL = dict(hidden=(32, 32))
BASE = TrainConfig(steps=80, batch_size=64, progress=False, log_every=10)




def single_run(data, config):
    torch.manual_seed(config.seed)
    G, D = build_models(data, **MODEL)
    trainer = Trainer(G, D, data, config)
    trainer.run()
    return trainer


def assert_member_matches(result, k, trainer, rtol=1e-3):
    member = result.trainer
    stacked = list(member.G.member(k).parameters()) + list(member.D.member(k).parameters())
    single = list(trainer.G.parameters()) + list(trainer.D.parameters())
    lr = max(trainer.config.lr_d, trainer.config.lr_g)
    for a, b in zip(stacked, single):
        torch.testing.assert_close(a, b, rtol=0, atol=5 * lr)
    hist = result.histories[result.histories.member == k]
    for field in ("loss_d", "loss_g", "d_real", "d_fake"):  # D(x): each member's last D step
        single_curve = torch.tensor(getattr(trainer.history, field), dtype=torch.float32)
        torch.testing.assert_close(torch.tensor(hist[field].values), single_curve,
                                   rtol=rtol, atol=rtol * single_curve.abs().max().item())


@pytest.mark.parametrize("dataset, base, grid, seeds", [
    ("ring", BASE, {"lr_d": [1e-3, 3e-4]}, [0, 1]),                        # NS, per-member lr
    ("ring", dataclasses.replace(BASE, loss="wgan-gp", n_critic=2, steps=50),
     {"lr_g": [1e-3, 2e-4]}, [2, 3]),                                          # GP, n_critic
    ("mixture1d", dataclasses.replace(BASE, loss="wgan", steps=60), {"n_critic": [1, 3]}, [4]),
    ("ring", dataclasses.replace(BASE, optimizer="rmsprop", steps=60),
     {"loss": ["minimax", "lsgan", "hinge"]}, [5]),
    ("tensor", dataclasses.replace(BASE, optimizer="sgd", lr_d=0.01, lr_g=0.01, steps=40),
     {"label_smoothing": [0.0, 0.2]}, [6]),                                  # tensor data set
    ("ring", dataclasses.replace(BASE, steps=30), {"r1_weight": [0.0, 1.0]}, [7]),     # R1
    ("ring", dataclasses.replace(BASE, loss="wgan-gp", steps=30),
     {"gp_weight": [1.0, 10.0]}, [8]),                                         # λ of GP
    ("ring", dataclasses.replace(BASE, loss="hinge", steps=30),
     {"clip_value": [None, 0.05]}, [9]),                                       # clipping
    ("ring", dataclasses.replace(BASE, steps=25, lr_decay=0.5),                 # partial interval
     {"loss": ["wgan", "nonsaturating"]}, [10]),                               # wgan's own clip
])
def test_sweep_matches_single_runs(dataset, base, grid, seeds):
    data = (torch.randn(300, 1, generator=torch.Generator().manual_seed(0)) if dataset == "tensor"
            else gdata.get_dataset(dataset))
    result = run_sweep(data, base, grid, seeds, model=MODEL)
    assert len(result.table) == len(result.configs)
    for k, config in enumerate(result.configs):
        assert_member_matches(result, k, single_run(data, config))


def test_nan_member_is_isolated_and_reported():
    data = gdata.get_dataset("ring")
    base = dataclasses.replace(BASE, steps=40)
    bad = run_sweep(data, base, {"lr_g": [1e-3, 1e30]}, [0, 1], model=MODEL)  # lr 1e30 blows up
    good = run_sweep(data, base, {"lr_g": [1e-3]}, [0, 1], model=MODEL)
    table = bad.table
    assert table["diverged"].tolist() == [False, False, True, True]
    assert (table["diverged_step"][2:] > 0).all() and (table["diverged_step"][:2] == -1).all()
    for k in range(2):  # the healthy members are untouched by their diverging neighbours
        torch.testing.assert_close(bad.trainer.G.flat[k], good.trainer.G.flat[k], rtol=1e-6, atol=0)
        torch.testing.assert_close(bad.trainer.D.flat[k], good.trainer.D.flat[k], rtol=1e-6, atol=0)
    assert torch.isfinite(bad.trainer.G.flat).all()  # diverged members keep a finite state
    assert not bad.success().iloc[2:].any()
    # defect 13: a diverged member has no loss (NaN), not 0.0, in the table and the history
    assert table["loss_d"][2:].isna().all() and table["loss_g"][2:].isna().all()
    assert table["loss_d"][:2].notna().all()
    late = bad.histories[(bad.histories.member >= 2) & (bad.histories.step > 10)]
    assert late["loss_d"].isna().all() and late["loss_g"].isna().all()


def test_nan_weight_member():
    data = gdata.get_dataset("ring")

    def model(seed):
        G, D = build_models(data, **MODEL)
        if seed == 1:
            with torch.no_grad():
                next(D.parameters())[0, 0] = float("nan")
        return G, D

    base = dataclasses.replace(BASE, steps=20)
    result = run_sweep(data, base, None, [0, 1, 2], model=model)
    assert result.table["diverged"].tolist() == [False, True, False]
    assert result.table["diverged_step"][1] == 1
    assert torch.isfinite(result.samples[[0, 2]]).all()


def test_paired_members_share_batches():
    data = gdata.get_dataset("ring")
    base = dataclasses.replace(BASE, steps=40)
    result = run_sweep(data, base, {"loss": ["minimax", "nonsaturating"]}, [6, 7], model=MODEL,
                       paired=True)
    for k, config in enumerate(result.configs):  # stream seeded with seeds[0], own init
        torch.manual_seed(config.seed)
        G, D = build_models(data, **MODEL)
        trainer = Trainer(G, D, data, dataclasses.replace(config, seed=6))
        trainer.run()
        assert_member_matches(result, k, trainer)


def test_table_and_success_rate():
    result = run_sweep("ring", dataclasses.replace(BASE, steps=20),
                       {"loss": ["minimax", "nonsaturating"]}, [0, 1, 2], model=MODEL)
    t = result.table
    assert list(t.columns) == ["member", "loss", "seed", "modes", "high_quality", "loss_d",
                               "loss_g", "diverged", "diverged_step"]
    assert t["loss"].tolist() == ["minimax"] * 3 + ["nonsaturating"] * 3
    assert t["seed"].tolist() == [0, 1, 2] * 2
    assert result.samples.shape == (6, BASE.n_samples, 2)
    assert set(result.histories.member) == set(range(6))
    t["modes"] = [8, 3, 8, 8, 8, 8]  # fabricate outcomes to check the arithmetic
    t.loc[5, "diverged"] = True
    rates = result.success_rate(by="loss")
    assert rates["success_rate"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert rates["n_success"].tolist() == [2, 2] and rates["n"].tolist() == [3, 3]
    assert result.success_rate(by=None, criterion="modes >= 3")["n_success"][0] == 5
    by_seed = result.success_rate("seed", lambda tab: tab["modes"] == 8)
    assert by_seed["n_success"].tolist() == [2, 1, 1]


@pytest.mark.parametrize("base, grid, word", [
    (BASE, {"batch_size": [32, 64]}, "grid key 'batch_size'"),
    (BASE, {"seed": [1, 2]}, "grid key 'seed'"),
    (BASE, {"simultaneous": [True]}, "grid key 'simultaneous'"),
    (dataclasses.replace(BASE, loss="dragan", label_noise=0.1), None, "label_noise=0.1"),
    (dataclasses.replace(BASE, instance_noise=0.1), None, "instance_noise=0.1"),
    (dataclasses.replace(BASE, simultaneous=True), None, "simultaneous=True"),
    (BASE, {"lr_d": [1e-3, -1.0]}, "lr_d=-1.0"),
    (BASE, {"lr_d": []}, "grid"),
    (BASE, {"lr_d": "0.1"}, "grid"),
    (BASE, {"loss": ["hinge"], "label_smoothing": [0.1]}, "label_smoothing"),
    (BASE, {"loss": ["dragan"]}, "loss="),
])
def test_no_field_is_silently_ignored(base, grid, word):
    with pytest.raises(ValueError, match=word):
        run_sweep("ring", base, grid, [0], model=MODEL, steps=2)


@pytest.mark.parametrize("kw, word", [
    (dict(seeds=[]), "seeds"), (dict(seeds=[-1]), "seeds"), (dict(seeds="01"), "seeds"),
    (dict(seeds=[1.5]), "seeds"), (dict(base={"steps": 3}), "base="),
    (dict(model=3), "model="), (dict(paired="yes"), "paired="), (dict(steps=0), "steps="),
    (dict(steps=float("nan")), "steps="),
])
def test_bad_arguments_name_the_parameter(kw, word):
    with pytest.raises(ValueError, match=word):
        run_sweep("ring", **{"base": BASE, **kw})


@pytest.mark.parametrize("dataset", [torch.zeros(0, 2), torch.tensor([[0.0, float("inf")]])])
def test_bad_tensor_dataset_is_refused(dataset):
    with pytest.raises(ValueError, match="dataset"):
        run_sweep(dataset, BASE, None, [0], model=MODEL, steps=2)


def test_numpy_seeds_work():
    import numpy as np
    result = run_sweep("ring", BASE, None, np.arange(2), model=MODEL, steps=2)
    assert result.table["seed"].tolist() == [0, 1]


def test_bad_arguments():
    with pytest.raises(ValueError, match="seeds"):
        run_sweep("ring", BASE, None, [])
    assert "seed" in SWEEP_KEYS


def test_plots_smoke():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result = run_sweep("ring", dataclasses.replace(BASE, steps=10),
                       {"lr_d": [1e-3, 1e-4], "lr_g": [1e-3, 1e-4]}, [0], model=MODEL)
    assert plot_success_rate(result, by="lr_d") is not None
    assert plot_phase_diagram(result, x="lr_d", y="lr_g") is not None
    assert plot_samples_grid(result, ncols=2) is not None


def test_members_on_different_datasets_equal_single_runs():
    """StackedTrainer(data=[...]): member k trains on data[k], exactly as a single run."""
    from ganlib.stacked import build_members
    from ganlib.sweep import StackedTrainer
    ring, grid = gdata.get_dataset("ring"), gdata.get_dataset("grid")
    cfg = TrainConfig(steps=30, batch_size=32, progress=False, log_every=10, n_samples=200,
                      lr_d=3e-3, lr_g=3e-3)
    datas = [ring, grid, grid]
    configs = [cfg, cfg, dataclasses.replace(cfg, seed=1)]
    Gs, Ds = build_members(ring, [c.seed for c in configs], {"hidden": (16, 16)})
    tr = StackedTrainer(Gs, Ds, datas, configs)
    tr.run()
    x = tr.samples()
    for k, (d, c) in enumerate(zip(datas, configs)):
        torch.manual_seed(c.seed)
        G, D = build_models(d, hidden=(16, 16))
        single = Trainer(G, D, d, c)
        single.run()
        with torch.no_grad():
            assert torch.allclose(x[k], G(single.fixed_z), atol=1e-4)
    assert not torch.allclose(x[0], x[1], atol=1e-2)       # the data differ, so the runs do
    with pytest.raises(ValueError, match="data"):
        StackedTrainer(Gs, Ds, datas[:2], configs)


def test_worker_processes_give_the_in_process_numbers():
    """run_sweep(processes=2) trains its members in two worker processes (one thread each) and
    merges them back: every number equals the in-process sweep's, and training continues
    from the merged state exactly as from the in-process one."""
    base = dataclasses.replace(BASE, steps=40, n_critic=2, sample_steps=(0, 20, 40))
    grid = {"loss": ["wgan-gp", "nonsaturating", "wgan"], "lr_g": [1e-3, 2e-4]}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                 # as each worker does
    try:
        here = run_sweep("ring", base, grid, [0, 1], model=MODEL, processes=1)
        there = run_sweep("ring", base, grid, [0, 1], model=MODEL, processes=2)
        for a, b in ((here.trainer.G.flat, there.trainer.G.flat),
                     (here.trainer.D.flat, there.trainer.D.flat), (here.samples, there.samples),
                     *((here.snapshots[s], there.snapshots[s]) for s in here.snapshots)):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        cols = ["member", "step", "loss_d", "loss_g", "d_real", "d_fake", "wasserstein"]
        assert here.histories[cols].equals(there.histories[cols])
        assert here.table.equals(there.table)
        here.trainer.run(10)
        there.trainer.run(10)
        torch.testing.assert_close(here.trainer.G.flat, there.trainer.G.flat, rtol=0, atol=0)
    finally:
        torch.set_num_threads(threads)


def test_bad_processes_and_member_split_are_refused():
    with pytest.raises(ValueError, match=r"processes=0 is not valid; allowed: None"):
        run_sweep("ring", BASE, seeds=[0], model=MODEL, processes=0)
    result = run_sweep("ring", dataclasses.replace(BASE, steps=10), seeds=[0, 1], model=MODEL)
    with pytest.raises(ValueError, match=r"must split range\(2\)"):
        result.trainer.absorb([result.trainer.export()], [[0, 0]])
