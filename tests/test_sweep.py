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
from ganlib.stacked import StackedMLP, StackedOptimizer
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
    for field in ("loss_d", "loss_g"):
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


def test_bad_arguments():
    with pytest.raises(ValueError, match="grid key 'batch_size'"):
        run_sweep("ring", BASE, {"batch_size": [32, 64]}, [0])
    with pytest.raises(ValueError, match="seeds"):
        run_sweep("ring", BASE, None, [])
    with pytest.raises(ValueError, match="loss="):
        run_sweep("ring", BASE, {"loss": ["dragan"]}, [0])
    assert "seed" in SWEEP_KEYS


def test_stacked_optimizer_matches_torch():
    torch.manual_seed(0)
    K, P, lrs = 3, 40, [1e-3, 2e-4, 5e-2]
    for kind in ("adam", "rmsprop", "sgd"):
        x0 = torch.randn(K, P)
        flat = x0.clone()
        opt = StackedOptimizer(flat, kind, lrs, betas=(0.5, 0.999), momentum=0.5)
        singles = [x0[k].clone().requires_grad_() for k in range(K)]
        make = {"adam": lambda p, lr: torch.optim.Adam([p], lr=lr, betas=(0.5, 0.999)),
                "rmsprop": lambda p, lr: torch.optim.RMSprop([p], lr=lr),
                "sgd": lambda p, lr: torch.optim.SGD([p], lr=lr, momentum=0.5)}[kind]
        opts = [make(p, lr) for p, lr in zip(singles, lrs)]
        for _ in range(25):
            g = torch.randn(K, P)
            opt.step(g)
            for k in range(K):
                singles[k].grad = g[k].clone()
                opts[k].step()
        torch.testing.assert_close(flat, torch.stack([s.detach() for s in singles]),
                                   rtol=1e-6, atol=1e-7)


def test_stacked_mlp_rejects_non_mlp():
    with pytest.raises(NotImplementedError):
        StackedMLP([torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.BatchNorm1d(4))])


def test_plots_smoke():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result = run_sweep("ring", dataclasses.replace(BASE, steps=10),
                       {"lr_d": [1e-3, 1e-4], "lr_g": [1e-3, 1e-4]}, [0], model=MODEL)
    assert plot_success_rate(result, by="lr_d") is not None
    assert plot_phase_diagram(result, x="lr_d", y="lr_g") is not None
    assert plot_samples_grid(result, ncols=2) is not None
