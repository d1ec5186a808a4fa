"""Headless tests of ganlib.widgets.TrainingLab (issue 6): knobs, buttons, thread, redraws."""
import time

import pytest
import torch

from ganlib.widgets import TrainingLab, check_knobs, DEFAULTS

SMALL = dict(batch_size=64, hidden=32, seed=0)


def wait_for(cond, timeout=10.0):
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > timeout:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


@pytest.fixture
def lab():
    lab = TrainingLab("ring", **SMALL)
    yield lab
    lab.pause()


def params(module):
    return [p.detach().clone() for p in module.parameters()]


def test_train_pause_keeps_state_and_redraws(lab):
    png0, draws0 = lab.image.value, lab.view.n_draws
    assert png0[:4] == b"\x89PNG"
    lab.buttons["train"].click()
    assert lab.training
    wait_for(lambda: lab.run.rounds >= 20 and lab.view.n_draws > draws0 + 1)
    t0 = time.perf_counter()
    lab.buttons["pause"].click()
    assert time.perf_counter() - t0 < 0.5          # Pause answers within 0.5 s
    assert not lab.training
    rounds, G_state = lab.run.rounds, params(lab.run.G)
    time.sleep(0.3)
    assert lab.run.rounds == rounds                # stopped
    assert all(torch.equal(a, b) for a, b in zip(G_state, params(lab.run.G)))
    assert lab.image.value != png0                 # the figure was redrawn
    assert f"G steps {rounds}" in lab.status.value or lab.run.rounds == rounds
    lab.buttons["train"].click()                   # resumes from the kept state
    wait_for(lambda: lab.run.rounds > rounds + 5)
    lab.pause()
    assert len(lab.run.curves["loss_d"]) == lab.run.rounds


def test_step_buttons(lab):
    lab.set(n_critic=3)
    r, d = lab.run.rounds, lab.run.d_updates
    lab.buttons["step_d"].click()
    assert (lab.run.rounds, lab.run.d_updates) == (r, d + 1)
    lab.buttons["step_g"].click()
    assert (lab.run.rounds, lab.run.d_updates) == (r + 1, d + 1)
    png = lab.image.value
    lab.buttons["step_round"].click()
    assert (lab.run.rounds, lab.run.d_updates) == (r + 2, d + 4)
    assert lab.image.value != png
    assert lab.message == "" or "n_critic" in lab.message


def test_reset_and_live_knobs(lab):
    lab.step("round")
    lab.set(lr_d=1e-4)                                            # applies at once
    assert lab.run.trainer.opt_d.param_groups[0]["lr"] == pytest.approx(1e-4)
    assert "applied" in lab.message
    lab.set(n_critic=2)
    assert lab.run.trainer.config.n_critic == 2
    lab.set(batch_size=128)                                       # needs Reset
    assert "needs Reset" in lab.message
    assert lab.run.trainer.config.batch_size == 64
    lab.buttons["reset"].click()
    assert lab.run.rounds == 0 and lab.run.trainer.config.batch_size == 128


@pytest.mark.parametrize("knobs, word", [
    (dict(clip_value=0.01), "clip_value"),                       # clipping without WGAN
    (dict(loss="wgan", clip_value=0.0), "clip_value > 0"),       # WGAN without clipping
    (dict(gp_weight=5.0), "gp_weight"),                          # λ without WGAN-GP
    (dict(loss="hinge", label_smoothing=0.1), "label_smoothing"),
])
def test_bad_combinations_are_refused_in_the_widget(lab, knobs, word):
    run = lab.run
    lab.set(**knobs)                                              # no exception
    assert "Refused" in lab.message and word in lab.message
    assert word.split()[0] in lab.msg.value
    lab.buttons["reset"].click()                                 # refused again, run kept
    assert lab.run is run and "Refused" in lab.message
    lab.buttons["train"].click()                                 # the current run still trains
    lab.pause()


def test_wgan_with_clip_is_accepted(lab):
    lab.set(loss="wgan")                                          # comes with clip_value 0.01
    assert lab.w["clip_value"].value == 0.01 and "needs Reset" in lab.message
    lab.set(loss="hinge")                                         # and drops it again
    assert lab.w["clip_value"].value == 0 and "needs Reset" in lab.message
    lab.set(loss="wgan")
    lab.reset()
    lab.step("round")
    assert lab.run.trainer.config.loss == "wgan" and lab.run.rounds == 1


def test_check_knobs_and_unknown_knob():
    assert check_knobs(dict(DEFAULTS)) is None
    with pytest.raises(ValueError, match="knob 'lr'"):
        TrainingLab("ring", lr=1e-3)


def test_compare_runs_in_lockstep_from_same_init():
    lab = TrainingLab("ring", loss="minimax", compare={"loss": "nonsaturating"}, **SMALL)
    assert [r.knobs["loss"] for r in lab.runs] == ["nonsaturating", "minimax"]
    assert all(torch.equal(a, b) for a, b in zip(params(lab.pinned.G), params(lab.run.G)))
    lab.step("round")
    lab.step("round")
    assert lab.pinned.rounds == lab.run.rounds == 2
    assert len(lab.view.main) == 2 and "pinned (loss=nonsaturating)" in lab.view.titles[0]
    lab.pin()                                                    # freeze current, start anew
    assert lab.pinned.rounds == 2 and lab.run.rounds == 0
    lab.step("round")
    assert lab.pinned.rounds == 2                                # pinned run is not retrained


@pytest.mark.parametrize("dataset, text", [("mixture1d", "W1 ="), ("grid", "modes"),
                                           ("digits", "step")])
def test_views_for_each_kind(dataset, text):
    lab = TrainingLab(dataset, **SMALL)
    lab.step("round")
    assert text in lab.view.main[0].get_title()
    assert lab.image.value[:4] == b"\x89PNG"


def test_checkpoint_save_and_load(lab, tmp_path):
    for _ in range(3):
        lab.step("round")
    lab.path.value = str(tmp_path / "lab.pt")
    lab.buttons["save"].click()
    assert "Saved" in lab.message, lab.message
    weights = params(lab.run.G)
    lab.reset()
    lab.buttons["load"].click()
    assert "Loaded" in lab.message, lab.message
    assert all(torch.equal(a, b) for a, b in zip(weights, params(lab.run.G)))
    lab.path.value = str(tmp_path / "missing.pt")
    lab.buttons["load"].click()
    assert "does not exist" in lab.message


def test_static_view_only_outside_live_frontends(monkeypatch):
    from ganlib.lab_views import wants_static
    monkeypatch.delenv("GANLIB_LAB_STATIC", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert wants_static()                                         # book build (nbclient)
    monkeypatch.setenv("JPY_SESSION_NAME", "book/02_minimax_game.ipynb")
    assert not wants_static()                                     # live JupyterLab kernel
    monkeypatch.setenv("GANLIB_LAB_STATIC", "1")
    assert wants_static()


def test_mimebundle_has_widget_view_and_static_html(lab, monkeypatch):
    monkeypatch.setenv("GANLIB_LAB_STATIC", "1")
    monkeypatch.setattr(lab, "static_html", lambda: "<div>prerecorded</div>")
    data = lab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/html"] == "<div>prerecorded</div>"


def test_static_html_is_deterministic_animation():
    from ganlib import lab_record
    lab = TrainingLab("ring", **SMALL)
    html1 = lab.static_html(steps=8, frames=2)
    lab_record._STATIC_CACHE.clear(), lab_record._STATIC_COUNT.clear()
    html2 = TrainingLab("ring", **SMALL).static_html(steps=8, frames=2)
    assert html1 == html2
    assert "Jupyter, Colab or Binder" in html1 and "image/jpeg" in html1 and "mybinder.org" in html1


# -- issue 13 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("knobs, word", [
    (dict(lr_d=0), "lr_d="), (dict(lr_d=1e-7), "lr_d="), (dict(n_critic=0), "n_critic="),
    (dict(n_critic=11), "n_critic="), (dict(betas=(1.0, 0.9)), "betas="),
    (dict(steps=-5), "steps="), (dict(seed=-1), "seed="), (dict(lr_g=float("nan")), "lr_g="),
    (dict(label_smoothing=0.9), "label_smoothing="), (dict(batch_size="64"), "batch_size="),
    (dict(loss="nope"), "loss="), (dict(depth=0), "depth="), (dict(lr=1e-3), "knob 'lr'"),
])
def test_defect9_set_refuses_instead_of_clamping(lab, knobs, word):
    before = {n: w.value for n, w in lab.w.items()}
    with pytest.raises(ValueError, match=word):
        lab.set(**knobs)
    assert {n: w.value for n, w in lab.w.items()} == before        # nothing was applied


@pytest.mark.parametrize("knobs, word", [
    (dict(lr_d=-1), "lr_d="), (dict(n_critic=0), "n_critic="), (dict(steps=-5), "steps="),
    (dict(loss="hinge", label_smoothing=0.1), "label_smoothing"),
    (dict(compare={"lr_g": 0}), "lr_g="), (dict(compare={"loss": "hinge",
                                                          "label_smoothing": 0.2}), "label_"),
])
def test_defect9_constructor_refuses_bad_knobs(knobs, word):
    with pytest.raises(ValueError, match=word):
        TrainingLab("ring", **{**SMALL, **knobs})


def test_numpy_knobs_are_accepted():
    import numpy as np
    lab = TrainingLab("ring", lr_d=np.float32(1e-3), n_critic=np.int64(2), **SMALL)
    assert lab.run.trainer.config.n_critic == 2


def test_defect10_train_click_during_a_slow_redraw_is_kept(lab, monkeypatch):
    slow = lab.redraw

    def redraw():
        time.sleep(0.8)
        return slow()

    monkeypatch.setattr(lab, "redraw", redraw)
    lab.train()
    wait_for(lambda: lab.run.rounds > 2)
    lab.pause()                                    # returns after 0.5 s, thread still drawing
    lab.train()                                    # this click must not be dropped
    rounds = lab.run.rounds
    wait_for(lambda: lab.run.rounds > rounds + 3, timeout=20)
    assert lab.training
    lab.pause(timeout=5)


def test_defect11_divergence_keeps_good_steps_and_training_resumes(lab):
    for _ in range(3):
        lab.step("g")
    with torch.no_grad():
        next(lab.run.D.parameters()).view(-1)[0] = float("nan")
    lab.step("d")
    assert lab.run.diverged and "diverged" in lab.status.value
    assert lab.run.rounds == lab.run.trainer.step == 3               # nothing good is lost
    assert torch.isfinite(torch.cat([p.flatten() for p in lab.run.D.parameters()])).all()
    lab.step("round")                                                # no Reset needed
    assert not lab.run.diverged and lab.run.trainer.step == 4 == lab.run.rounds


def test_status_line_has_no_redraw_time(lab):
    lab.step("round")
    assert "G steps 1" in lab.status.value and "redraw" not in lab.status.value


def test_defect2_lab_load_applies_the_current_knobs(lab, tmp_path):
    lab.step("round")
    lab.path.value = str(tmp_path / "lab.pt")
    lab.buttons["save"].click()
    lab.set(lr_d=1e-4)
    lab.buttons["load"].click()
    assert "Loaded" in lab.message, lab.message
    assert lab.run.trainer.opt_d.param_groups[0]["lr"] == pytest.approx(1e-4)


def test_widgets_come_from_the_knob_declaration(lab):
    from ganlib.config import KNOBS
    w = lab.w["n_critic"]
    k = KNOBS["n_critic"].widget
    assert (w.min, w.max, w.step) == (k["min"], k["max"], k["step"])
    assert lab.w["lr_d"].description == KNOBS["lr_d"].label
    assert ("WGAN (clipping)", "wgan") in lab.w["loss"].options
