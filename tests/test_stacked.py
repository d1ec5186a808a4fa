"""Tests of ganlib.stacked: stacked MLPs and optimizers match their single counterparts, the
random streams are ganlib.draws.Stream (the Trainer's contract), and the engine refuses what it
cannot train (check_stackable names the field)."""
import dataclasses

import pytest
import torch

from ganlib import data as gdata
from ganlib.draws import Stream
from ganlib.stacked import RandomStreams, StackedMLP, StackedOptimizer
from ganlib.sweep import StackedTrainer, check_stackable
from ganlib.train import TrainConfig

BASE = TrainConfig(steps=10, batch_size=16, progress=False, log_every=5)


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


def test_random_streams_are_the_trainers_stream():
    ring = gdata.ring()
    keys = [(3, 2, True), (4, 1, False), (3, 2, True)]
    streams = RandomStreams(ring, keys, 16, 2, "gaussian", torch.device("cpu"))
    single = Stream(ring, 16, 2, "gaussian", 3, torch.device("cpu"))
    other = Stream(ring, 16, 2, "gaussian", 4, torch.device("cpu"))
    for i in range(2):                              # n_critic 2: two D steps, then one G step
        x, z, eps = streams.draw_d(i)
        x3, z3 = single.d_step()
        torch.testing.assert_close(x[0], x3), torch.testing.assert_close(z[2], z3)
        torch.testing.assert_close(eps[0], single.interpolation_eps(x3))
        if i == 0:
            torch.testing.assert_close(x[1], other.d_step()[0])
        else:
            assert not x[1].any()                  # member with n_critic 1 idles
    torch.testing.assert_close(streams.draw_g()[0], single.g_step())


@pytest.mark.parametrize("kw, word", [
    (dict(kind="adamw"), "optimizer="), (dict(lr=[1e-3, float("nan")]), "lr="),
    (dict(lr=[1e-3, -1.0]), "lr="), (dict(lr=[1e-3] * 3), "entries"),
])
def test_stacked_optimizer_names_bad_arguments(kw, word):
    with pytest.raises(ValueError, match=word):
        StackedOptimizer(torch.zeros(2, 3), **{"kind": "adam", "lr": 1e-3, **kw})


def test_check_stackable_names_the_field():
    check_stackable([BASE, dataclasses.replace(BASE, lr_d=1e-4, seed=3)])
    with pytest.raises(ValueError, match="batch_size=8 differs"):
        check_stackable([BASE, dataclasses.replace(BASE, batch_size=8)])
    with pytest.raises(ValueError, match="instance_noise=0.1 is not supported"):
        check_stackable([dataclasses.replace(BASE, instance_noise=0.1)])
    with pytest.raises(ValueError, match="configs contains a dict"):
        check_stackable([BASE, {}])
    with pytest.raises(ValueError, match="configs is empty"):
        StackedTrainer([], [], gdata.ring(), [])
