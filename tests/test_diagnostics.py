"""Tests of ganlib.diagnostics (chapter 7, reading the curves)."""
import math

import pytest

from ganlib.diagnostics import diagnose


def _history(n=50, d_real=0.5, d_fake=0.5, grad=1.0, loss_d=2 * math.log(2), loss_g=math.log(2)):
    return {"loss_d": [loss_d] * n, "loss_g": [loss_g] * n, "d_real": [d_real] * n,
            "d_fake": [d_fake] * n, "grad_norm_g": [grad] * n}


def test_balanced_history_has_no_problem():
    assert diagnose(_history()) == []


def test_winning_discriminator_is_flagged_only_at_the_end():
    h = _history()
    h["d_real"][-10:] = [0.99] * 10
    h["d_fake"][-10:] = [0.01] * 10
    problems = diagnose(h, window=0.2)
    assert len(problems) == 1 and "discriminator is winning" in problems[0]
    assert "0.990" in problems[0] and "0.010" in problems[0]
    # Not for a Wasserstein critic: its outputs are scores, not probabilities.
    assert diagnose(h, loss="wgan-gp") == []


def test_vanishing_generator_gradient_is_flagged():
    h = _history()
    h["grad_norm_g"][:10] = [5.0] * 10
    h["grad_norm_g"][-10:] = [1e-3] * 10
    problems = diagnose(h)
    assert any("gradient has vanished" in p for p in problems)


def test_non_finite_loss_means_diverged():
    h = _history()
    h["loss_d"][-1] = float("nan")
    assert diagnose(h) == ["training diverged: a logged loss is not finite"]


@pytest.mark.parametrize("kw, name", [({"window": 0}, "window"), ({"window": 1.5}, "window"),
                                      ({"winning_margin": 0.7}, "winning_margin")])
def test_bad_arguments_name_the_parameter(kw, name):
    with pytest.raises(ValueError, match=name):
        diagnose(_history(), **kw)


def test_empty_history_is_refused():
    with pytest.raises(ValueError, match="empty"):
        diagnose(_history(n=0))


@pytest.mark.parametrize("kwargs, name", [
    (dict(window=float("nan")), "window"), (dict(window="0.2"), "window"),
    (dict(winning_margin=0.7), "winning_margin"), (dict(vanishing_ratio=2.0), "vanishing_ratio"),
    (dict(vanishing_ratio=float("nan")), "vanishing_ratio"),
])
def test_bad_arguments_are_refused_by_name(kwargs, name):
    history = dict(loss_d=[1.0] * 5, loss_g=[1.0] * 5, d_real=[0.5] * 5, d_fake=[0.5] * 5,
                   grad_norm_g=[1.0] * 5)
    with pytest.raises((ValueError, TypeError), match=rf"{name}="):
        diagnose(history, **kwargs)


def test_unknown_loss_is_refused():
    history = dict(loss_d=[1.0] * 5, loss_g=[1.0] * 5, d_real=[0.5] * 5, d_fake=[0.5] * 5,
                   grad_norm_g=[1.0] * 5)
    with pytest.raises(ValueError, match="loss='bce'"):
        diagnose(history, loss="bce")
