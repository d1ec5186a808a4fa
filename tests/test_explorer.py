"""Tests of ganlib.explorer: the static book's training explorer records real runs (issue 10)."""
import json
import re

import pytest
import torch

from ganlib import data as gdata
from ganlib.explorer import training_explorer
from ganlib.metrics import mode_coverage
from ganlib.models import build_models
from ganlib.theory import wasserstein1_1d
from ganlib.train import TrainConfig, Trainer

SMALL = dict(steps=40, every=20, hidden=16, batch_size=32, lrs=(1e-3, 3e-3, 1e-2),
             n_critics=(1, 2), cache=False)


@pytest.fixture(scope="module")
def ring():
    return training_explorer("ring", **SMALL)


def single_run(dataset, loss, lr, n_critic, steps=40, batch_size=32, hidden=16, seed=0,
               n_samples=2500):
    data = gdata.get_dataset(dataset)
    cfg = TrainConfig(steps=steps, batch_size=batch_size, progress=False, log_every=10,
                      n_samples=n_samples, seed=seed, loss=loss, lr_d=lr, lr_g=lr,
                      n_critic=n_critic, clip_value=0.01 if loss == "wgan" else None)
    torch.manual_seed(seed)
    G, D = build_models(data, hidden=(hidden, hidden))
    trainer = Trainer(G, D, data, cfg)
    trainer.run()
    with torch.no_grad():
        x = G(trainer.fixed_z)
    return data, trainer, x


def test_grid_has_24_runs_with_titles_naming_settings(ring):
    t = ring.table
    assert len(t) == 24 and len(ring.runs) == 24
    assert set(t["loss"]) == {"minimax", "nonsaturating", "wgan", "wgan-gp"}
    r = ring.run(loss="wgan-gp", lr=3e-3, n_critic=2)
    assert "loss=wgan-gp" in r["title"] and "lr=0.003" in r["title"] and "n_critic=2" in r[
        "title"]
    assert [s["step"] for s in r["steps"]] == [0, 20, 40]


@pytest.mark.parametrize("loss, lr, n_critic", [("nonsaturating", 1e-2, 2), ("wgan", 3e-3, 1),
                                                ("wgan-gp", 1e-3, 2)])
def test_numbers_equal_a_single_trainer_run(ring, loss, lr, n_critic):
    data, trainer, x = single_run("ring", loss, lr, n_critic)
    m = mode_coverage(x, data.centers, data.std)
    last = ring.readouts(loss=loss, lr=lr, n_critic=n_critic)[-1]
    assert last["modes"] == m["modes"]
    assert last["hq"] == pytest.approx(float(m["high_quality"]), abs=2e-3)
    curves = ring.run(loss=loss, lr=lr, n_critic=n_critic)["curves"]
    assert curves["step"] == [s for s in trainer.history.step if s % 20 == 0]
    for k in ("loss_d", "loss_g", "d_real", "d_fake"):
        assert curves[k][-1] == pytest.approx(getattr(trainer.history, k)[-1], rel=1e-3,
                                              abs=1e-4)


def test_1d_explorer_reports_w1_equal_to_a_single_run():
    ex = training_explorer("mixture1d", losses=("minimax", "wgan"), **SMALL)
    data, _, x = single_run("mixture1d", "minimax", 3e-3, 2)
    ref = data.sample(2500, generator=torch.Generator().manual_seed(1))
    w1 = ex.readouts(loss="minimax", lr=3e-3, n_critic=2)[-1]["w1"]
    assert w1 == pytest.approx(wasserstein1_1d(x.reshape(-1), ref.reshape(-1)), rel=1e-3)
    assert 'data-readout="w1"' in ex.html and 'data-readout="modes"' not in ex.html


def test_same_seed_same_json(ring):
    again = training_explorer("ring", **SMALL)
    assert again.json() == ring.json()


def test_mime_bundle_contract(ring):
    bundle = ring._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    html = bundle["text/html"]
    assert 'class="ganlib-explorer' in html and f'data-explorer="{ring.name}"' in html
    for knob in ("dataset", "loss", "lr", "n_critic"):
        assert f'<select data-knob="{knob}"' in html
    assert '<input type="range" data-role="step"' in html
    assert 'data-readout="modes"' in html and 'data-readout="hq"' in html
    m = re.findall(r'<script type="application/json" data-role="runs">(.*?)</script>', html,
                   re.S)
    assert len(m) == 1
    payload = json.loads(m[0].replace("<\\/", "</"))
    assert [k["name"] for k in payload["knobs"]] == ["dataset", "loss", "lr", "n_critic"]
    # runs in row-major order of the knobs (the player's indexing)
    assert [r["settings"]["n_critic"] for r in payload["runs"][:2]] == [1, 2]
    assert payload["runs"][1]["steps"][-1]["modes"] == ring.runs[1]["steps"][-1]["modes"]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="loss"):
        training_explorer("ring", losses=("minimax", "nope"), **{**SMALL, "steps": 20})
    with pytest.raises(ValueError, match="every"):
        training_explorer("ring", **{**SMALL, "every": 15})
    with pytest.raises(ValueError, match="start"):
        training_explorer("ring", start={"loss": "hinge2"}, **SMALL)


@pytest.fixture(scope="module")
def mixed():
    """Three datasets: ring and grid share one stack (each member on its own data), the 1D
    mixture trains in another."""
    return training_explorer(datasets=("ring", "grid", "mixture1d"),
                             losses=("nonsaturating", "wgan-gp"),
                             **{**SMALL, "lrs": (3e-3, 1e-2)}, processes=3)


@pytest.mark.parametrize("dataset, loss, lr, n_critic", [
    ("grid", "nonsaturating", 1e-2, 1), ("grid", "wgan-gp", 3e-3, 2),
    ("ring", "wgan-gp", 1e-2, 2)])
def test_dataset_axis_members_equal_single_runs(mixed, dataset, loss, lr, n_critic):
    data, trainer, x = single_run(dataset, loss, lr, n_critic)
    m = mode_coverage(x, data.centers, data.std)
    last = mixed.readouts(dataset=dataset, loss=loss, lr=lr, n_critic=n_critic)[-1]
    assert last["modes"] == m["modes"]
    assert last["hq"] == pytest.approx(float(m["high_quality"]), abs=2e-3)
    curves = mixed.run(dataset=dataset, loss=loss, lr=lr, n_critic=n_critic)["curves"]
    assert curves["loss_d"][-1] == pytest.approx(trainer.history.loss_d[-1], rel=1e-3,
                                                 abs=1e-4)


def test_dataset_axis_1d_member_and_readouts(mixed):
    data, _, x = single_run("mixture1d", "nonsaturating", 3e-3, 2)
    ref = data.sample(2500, generator=torch.Generator().manual_seed(1))
    w1 = mixed.readouts(dataset="mixture1d", loss="nonsaturating", lr=3e-3, n_critic=2)[-1]
    assert w1["w1"] == pytest.approx(wasserstein1_1d(x.reshape(-1), ref.reshape(-1)),
                                     rel=1e-3)
    assert "modes" not in w1
    assert len(mixed.runs) == 3 * 2 * 2 * 2 and set(mixed.table["dataset"]) == {
        "ring", "grid", "mixture1d"}
    # every readout some run holds has a box; the player hides the ones a run lacks
    for key in ("modes", "hq", "w1"):
        assert f'data-readout-box="{key}"' in mixed.html
    assert set(mixed.payload["datasets"]) == {"ring", "grid", "mixture1d"}
    assert mixed.payload["datasets"]["grid"]["dim"] == 2
    assert mixed.payload["datasets"]["mixture1d"]["dim"] == 1


def test_worker_processes_train_the_same_runs(mixed):
    """The mixed explorer trained its three datasets in worker processes; in this process
    (processes=1: ring and grid in one stack) the numbers are the same."""
    one = training_explorer(datasets=("ring", "grid", "mixture1d"),
                            losses=("nonsaturating", "wgan-gp"),
                            **{**SMALL, "lrs": (3e-3, 1e-2)}, processes=1)
    assert len(one.runs) == len(mixed.runs)
    for a, b in zip(one.runs, mixed.runs):
        assert a["settings"] == b["settings"]
        for sa, sb in zip(a["steps"], b["steps"]):
            assert sa.get("modes") == sb.get("modes")
            for key in ("hq", "w1"):
                if key in sa:
                    assert sa[key] == pytest.approx(sb[key], rel=1e-3, abs=2e-3)
    with pytest.raises(ValueError, match="processes"):
        training_explorer("ring", **SMALL, processes=0)
