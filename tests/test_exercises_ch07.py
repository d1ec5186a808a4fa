"""The checkers of chapter 7 accept right answers and name the typical mistakes."""
import pytest
import torch.nn.functional as F

from ganlib.diagnostics import diagnose
from ganlib.exercises import ch07


def _step(detach=True, step_d_in_g=False, g_loss="ns", swap=False):
    def training_step(G, D, opt_g, opt_d, x_real, z_d, z_g):
        x_fake = G(z_d)
        real_logits = D(x_real).squeeze(-1)
        fake_logits = D(x_fake.detach() if detach else x_fake).squeeze(-1)
        if swap:
            loss_d = F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()
        else:
            loss_d = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        if not detach:      # forgot to detach AND stepped G on the accumulated gradient
            pass
        else:
            opt_g.zero_grad()
        fake_logits = D(G(z_g)).squeeze(-1)
        loss_g = {"ns": F.softplus(-fake_logits).mean(), "mm": -F.softplus(fake_logits).mean(),
                  "flip": -F.softplus(-fake_logits).mean()}[g_loss]
        if step_d_in_g:
            opt_d.zero_grad()
        loss_g.backward()
        opt_g.step()
        if step_d_in_g:
            opt_d.step()
        return loss_d.item(), loss_g.item()
    return training_step


def test_training_step_checker_accepts_the_reference():
    assert ch07.check_training_step(_step()) is True


@pytest.mark.parametrize("kwargs, hint", [
    ({"step_d_in_g": True}, "discriminator also moved"),
    ({"detach": False}, "generator was moved by the discriminator's loss"),
    ({"g_loss": "mm"}, "saturating"),
    ({"g_loss": "flip"}, "wrong sign"),
    ({"swap": True}, "labels are swapped"),
])
def test_training_step_checker_names_the_mistake(kwargs, hint):
    with pytest.raises(AssertionError, match=hint):
        ch07.check_training_step(_step(**kwargs))


def test_training_step_checker_rejects_a_step_that_does_nothing():
    with pytest.raises(AssertionError, match="did not change"):
        ch07.check_training_step(lambda G, D, opt_g, opt_d, x, z_d, z_g: (0.0, 0.0))


def _cycle(G, F_, x, y):
    return (F_(G(x)) - x).abs().sum(-1).mean() + (G(F_(y)) - y).abs().sum(-1).mean()


def test_cycle_checker_accepts_the_reference():
    assert ch07.check_cycle_loss(_cycle) is True


@pytest.mark.parametrize("wrong, hint", [
    (lambda G, F_, x, y: (F_(G(x)) - x).abs().sum(-1).mean(), "add the y"),
    (lambda G, F_, x, y: ((F_(G(x)) - x) ** 2).sum(-1).mean() + ((G(F_(y)) - y) ** 2).sum(-1).mean(),
     "L1"),
    (lambda G, F_, x, y: (F_(G(x)) - x).abs().mean() + (G(F_(y)) - y).abs().mean(), "sum the absolute"),
    (lambda G, F_, x, y: _cycle(G, F_, x, y).detach(), "no gradient"),
])
def test_cycle_checker_names_the_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ch07.check_cycle_loss(wrong)


def test_curve_diagnosis_checker():
    answers = ch07.curve_quiz_answers()
    assert ch07.check_curve_diagnosis(answers) is True
    wrong = dict(answers, a=answers["c"], c=answers["a"])
    with pytest.raises(AssertionError, match="look again"):
        ch07.check_curve_diagnosis(wrong)
    with pytest.raises(AssertionError, match="unknown diagnosis"):
        ch07.check_curve_diagnosis(dict(answers, a="fine"))


def test_curve_quiz_histories_show_what_the_answers_say():
    steps = 300
    histories = ch07.curve_quiz(steps=steps)
    answers = ch07.curve_quiz_answers()
    for key, kind in answers.items():
        h = histories[key]
        if kind == "diverged":
            assert h.step[-1] < steps if h.step else True
        elif kind == "wins":
            assert any("winning" in p for p in diagnose(h)), diagnose(h)
        else:
            assert h.step[-1] == steps and diagnose(h) == []


    assert ch07.check_curve_diagnosis({"a": ..., "b": ..., "c": ...}) is False
