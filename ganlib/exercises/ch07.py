"""Checkers for the exercises of chapter 7, *Practice*.

Each checker runs the learner's answer on a small, fixed problem, compares it with a reference and,
when they differ, recognises the typical mistakes and says which one was made.
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from ._common import checker

__all__ = ["check_training_step", "check_cycle_loss", "curve_quiz", "curve_quiz_answers",
           "check_curve_diagnosis"]

_LR = 0.1


def _tiny_gan(seed: int = 0):
    with torch.random.fork_rng():          # leave the learner's global random state alone
        torch.manual_seed(seed)
        G = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
        D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    gen = torch.Generator().manual_seed(seed + 1)
    x_real = torch.randn(16, 2, generator=gen) + 2.0
    z_d, z_g = torch.randn(16, 2, generator=gen), torch.randn(16, 2, generator=gen)
    return G, D, x_real, z_d, z_g


def _reference_step(G, D, x_real, z_d, z_g, *, d_steps_on_g_loss=False, g_steps_on_d_loss=False,
                    g_loss="nonsaturating", swap_labels=False):
    """The reference round (plain SGD, lr 0.1) and its typical mistakes, switched on by flags."""
    params_g, params_d = list(G.parameters()), list(D.parameters())
    x_fake = G(z_d)
    real_logits, fake_logits = D(x_real).squeeze(-1), D(x_fake).squeeze(-1)
    if swap_labels:
        loss_d = F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()
    else:
        loss_d = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    grads_d = torch.autograd.grad(loss_d, params_d + params_g)
    grad_g_from_d = grads_d[len(params_d):]
    with torch.no_grad():
        for p, g in zip(params_d, grads_d[:len(params_d)]):
            p -= _LR * g
    fake_logits = D(G(z_g)).squeeze(-1)
    loss_g = {"nonsaturating": lambda t: F.softplus(-t).mean(),
              "minimax": lambda t: -F.softplus(t).mean(),
              "flipped": lambda t: -F.softplus(-t).mean()}[g_loss](fake_logits)
    grads = torch.autograd.grad(loss_g, params_g + params_d)
    with torch.no_grad():
        for i, p in enumerate(params_g):
            p -= _LR * (grads[i] + (grad_g_from_d[i] if g_steps_on_d_loss else 0))
        if d_steps_on_g_loss:
            for p, g in zip(params_d, grads[len(params_g):]):
                p -= _LR * g
    return loss_d.item(), loss_g.item()


_MISTAKES = {
    "d_steps_on_g_loss": "the discriminator also moved during the generator's step: only opt_g may "
                         "step after loss_g.backward() (call opt_d.zero_grad() before the next D step "
                         "and never opt_d.step() in the generator's part)",
    "g_steps_on_d_loss": "the generator was moved by the discriminator's loss: detach the fakes "
                         "(D(x_fake.detach())) in the discriminator's step, or zero G's gradients "
                         "before its own backward pass",
    "g_loss=minimax": "your generator loss is the saturating log(1 - D(G(z))); the exercise asks "
                      "for the non-saturating -log D(G(z)) = softplus(-fake_logits).mean()",
    "g_loss=flipped": "your generator loss has the wrong sign: the generator MINIMISES "
                      "-log D(G(z)) = softplus(-fake_logits).mean()",
    "swap_labels": "the discriminator's labels are swapped: real samples must be pushed towards "
                   "D = 1 (softplus(-real_logits)) and fakes towards D = 0 (softplus(fake_logits))",
}


def _state(G, D):
    return [p.detach().clone() for p in list(G.parameters()) + list(D.parameters())]


def _close(a, b, tol=1e-5):
    return all(torch.allclose(x, y, atol=tol, rtol=1e-4) for x, y in zip(a, b))


@checker
def check_training_step(training_step) -> bool:
    """Check ``training_step(G, D, opt_g, opt_d, x_real, z_d, z_g) -> (loss_d, loss_g)`` (ex-ch07-step).

    The step must do one discriminator update with the BCE loss
    ``softplus(-D(x_real)) + softplus(D(G(z_d)))`` and then one generator update with the
    non-saturating loss ``softplus(-D(G(z_g)))``, scored by the *updated* discriminator. The losses
    may be returned as floats or as scalar tensors. It is run with SGD (lr 0.1) on a
    tiny GAN and every parameter is compared with a reference and with the typical mistakes.
    """
    G, D, x_real, z_d, z_g = _tiny_gan()
    G0, D0 = copy.deepcopy(G), copy.deepcopy(D)
    opt_g = torch.optim.SGD(G.parameters(), lr=_LR)
    opt_d = torch.optim.SGD(D.parameters(), lr=_LR)
    out = training_step(G, D, opt_g, opt_d, x_real.clone(), z_d.clone(), z_g.clone())
    assert isinstance(out, tuple) and len(out) == 2, \
        f"training_step must return a tuple (loss_d, loss_g), got {type(out).__name__}"
    loss_d, loss_g = (float(v.detach()) if torch.is_tensor(v) else float(v) for v in out)
    got = _state(G, D)

    variants = {"correct": {}, "d_steps_on_g_loss": {"d_steps_on_g_loss": True},
                "g_steps_on_d_loss": {"g_steps_on_d_loss": True},
                "g_loss=minimax": {"g_loss": "minimax"}, "g_loss=flipped": {"g_loss": "flipped"},
                "swap_labels": {"swap_labels": True}}
    for name, flags in variants.items():
        G1, D1 = copy.deepcopy(G0), copy.deepcopy(D0)
        ref_d, ref_g = _reference_step(G1, D1, x_real, z_d, z_g, **flags)
        if _close(got, _state(G1, D1)):
            if name == "correct":
                assert math.isclose(loss_d, ref_d, rel_tol=1e-4, abs_tol=1e-6), \
                    f"the updates are right but the returned loss_d = {loss_d:.6f}, expected {ref_d:.6f}"
                assert math.isclose(loss_g, ref_g, rel_tol=1e-4, abs_tol=1e-6), \
                    f"the updates are right but the returned loss_g = {loss_g:.6f}, expected {ref_g:.6f}"
                message = "Correct: both players were updated exactly as Algorithm 1 prescribes."
                print(message)
                return True
            raise AssertionError(_MISTAKES[name])
    unchanged_g = _close(got[:len(list(G.parameters()))], _state(G0, D0)[:len(list(G.parameters()))])
    unchanged_d = _close(got[len(list(G.parameters())):], _state(G0, D0)[len(list(G.parameters())):])
    if unchanged_d:
        raise AssertionError("the discriminator's parameters did not change: call loss_d.backward() "
                             "and opt_d.step()")
    if unchanged_g:
        raise AssertionError("the generator's parameters did not change: call loss_g.backward() and "
                             "opt_g.step()")
    raise AssertionError("the parameter updates differ from one discriminator step followed by one "
                         "non-saturating generator step; compare your code line by line with Step 1")


@checker
def check_cycle_loss(cycle_loss) -> bool:
    """Check ``cycle_loss(G, F, x, y)`` = E‖F(G(x)) − x‖₁ + E‖G(F(y)) − y‖₁ (exercise ex-ch07-cycle).

    ``x`` and ``y`` are batches of shape (B, d); the norm is over features, the mean over the batch.
    """
    with torch.random.fork_rng():
        torch.manual_seed(0)
        G_map, F_map = nn.Linear(3, 3), nn.Linear(3, 3)
        x, y = torch.randn(10, 3), torch.randn(10, 3)
    value = cycle_loss(G_map, F_map, x, y)
    assert torch.is_tensor(value) and value.dim() == 0, "cycle_loss must return a scalar tensor"
    forward = (F_map(G_map(x)) - x).abs().sum(-1).mean()
    backward = (G_map(F_map(y)) - y).abs().sum(-1).mean()
    expected = forward + backward
    candidates = {
        "only the x → y → x cycle: add the y → x → y term as well": forward,
        "only the y → x → y cycle: add the x → y → x term as well": backward,
        "squared (L2) errors: CycleGAN uses the L1 norm, the sum of absolute values":
            ((F_map(G_map(x)) - x) ** 2).sum(-1).mean() + ((G_map(F_map(y)) - y) ** 2).sum(-1).mean(),
        "averaged over features as well as the batch: sum the absolute errors over features":
            (F_map(G_map(x)) - x).abs().mean() + (G_map(F_map(y)) - y).abs().mean(),
        "summed over the batch: take the mean over the batch": forward * 10 + backward * 10,
    }
    if torch.isclose(value, expected, rtol=1e-5):
        assert value.requires_grad, "the loss has no gradient: don't detach or convert to a float"
        message = f"Correct: cycle loss = {value.item():.4f}."
        print(message)
        return True
    for hint, candidate in candidates.items():
        if torch.isclose(value, candidate, rtol=1e-5):
            raise AssertionError(hint)
    raise AssertionError(f"cycle_loss returned {value.item():.4f}, expected {expected.item():.4f}")


_QUIZ = {"a": "wins", "b": "diverged", "c": "balanced"}


def curve_quiz(steps: int = 600):
    """Three real training histories on the ring, labelled "a", "b", "c" (exercise ex-ch07-curves).

    One is balanced, one has a discriminator that wins, one diverged. Training takes a few seconds.
    """
    from ..data import ring
    from ..models import MLPDiscriminator, MLPGenerator
    from ..train import TrainConfig, Trainer, TrainingDiverged

    settings = {"balanced": dict(loss="nonsaturating"),
                "wins": dict(loss="minimax", lr_g=1e-5),
                "diverged": dict(loss="nonsaturating", optimizer="sgd", lr_d=1e4, lr_g=1e4)}
    histories = {}
    for key, kind in _QUIZ.items():
        with torch.random.fork_rng():
            torch.manual_seed(0)
            G, D = MLPGenerator(latent_dim=2, out_dim=2), MLPDiscriminator(in_dim=2)
        trainer = Trainer(G, D, ring(), TrainConfig(steps=steps, seed=0, progress=False,
                                                    **settings[kind]))
        try:
            trainer.run()
        except TrainingDiverged:
            pass
        histories[key] = trainer.history
    return histories


def curve_quiz_answers() -> dict:
    """The answers of :func:`curve_quiz` (for the reader who wants to check the checker)."""
    return dict(_QUIZ)


@checker
def check_curve_diagnosis(answers: dict) -> bool:
    """Check a diagnosis ``{"a": ..., "b": ..., "c": ...}`` with values "balanced", "wins", "diverged"."""
    allowed = {"balanced", "wins", "diverged"}
    if isinstance(answers, dict) and any(v is ... or v is None for v in answers.values()):
        raise NotImplementedError("replace every ... by a diagnosis")
    assert isinstance(answers, dict) and set(answers) == set(_QUIZ), \
        f"answer with a dict with keys {sorted(_QUIZ)}, got {answers!r}"
    bad = {k: v for k, v in answers.items() if v not in allowed}
    assert not bad, f"unknown diagnosis {bad}: use one of {sorted(allowed)}"
    hints = {"balanced": "mean D(G(z)) stays near 1/2 and the losses near 2 log 2",
             "wins": "mean D(G(z)) falls towards 0 while D(x) rises towards 1",
             "diverged": "the history stops early: the trainer halted when a loss became non-finite"}
    for key, truth in _QUIZ.items():
        if answers[key] != truth:
            raise AssertionError(f"run {key!r} is not {answers[key]!r}: look again — in the run that "
                                 f"is {answers[key]!r}, {hints[answers[key]]}")
    message = "Correct: all three runs diagnosed."
    print(message)
    return True
