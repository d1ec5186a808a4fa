"""Tests of ganlib/losses.py against hand-derived values and gradients on fixed logits."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganlib import losses


def sp(x):  # softplus by hand
    return math.log1p(math.exp(x))


def sig(x):
    return 1 / (1 + math.exp(-x))


R = [2.0, -1.0, 0.5, 0.0]     # = conftest real_logits
F_ = [-3.0, 0.0, 1.5, -0.25]  # = conftest fake_logits
B = 4


def val(t):
    """A scalar tensor's value, without autograd warnings."""
    return t.detach().item()


def mean(values):
    return sum(values) / len(values)


def test_discriminator_loss_value_shape_gradient(real_logits, fake_logits):
    loss = losses.discriminator_loss(real_logits, fake_logits)
    expected = mean([-math.log(sig(r)) for r in R]) + mean([-math.log(1 - sig(f)) for f in F_])
    assert loss.shape == () and val(loss) == pytest.approx(expected, rel=1e-12)
    ref = nn.functional.binary_cross_entropy(torch.sigmoid(real_logits), torch.ones(B,
                                             dtype=torch.float64))
    assert val(ref) == pytest.approx(mean([sp(-r) for r in R]), rel=1e-12)
    loss.backward()
    torch.testing.assert_close(real_logits.grad, torch.tensor([-sig(-r) / B for r in R],
                                                               dtype=torch.float64))
    torch.testing.assert_close(fake_logits.grad, torch.tensor([sig(f) / B for f in F_],
                                                               dtype=torch.float64))


def test_mean_reduction(real_logits, fake_logits):
    twice = losses.discriminator_loss(real_logits.repeat(2), fake_logits.repeat(2))
    assert val(twice) == pytest.approx(val(losses.discriminator_loss(real_logits,
                                                                         fake_logits)))


def test_soft_labels_and_helpers(real_logits, fake_logits):
    loss = losses.discriminator_loss(real_logits, fake_logits, real_label=0.9, fake_label=0.1)
    expected = (mean([0.9 * sp(-r) + 0.1 * sp(r) for r in R])
                + mean([0.1 * sp(-f) + 0.9 * sp(f) for f in F_]))
    assert val(loss) == pytest.approx(expected, rel=1e-12)
    per_sample = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)  # tensor labels
    loss = losses.discriminator_loss(real_logits, fake_logits, real_label=per_sample)
    expected = mean([sp(-r) if y else sp(r) for r, y in zip(R, [1, 0, 1, 0])])
    assert val(loss) == pytest.approx(expected + mean([sp(f) for f in F_]), rel=1e-12)
    assert losses.smooth_labels(1.0, 0.1) == pytest.approx(0.9)
    assert losses.smooth_labels() == 1.0  # no surprising default smoothing
    with pytest.raises(ValueError, match="smoothing="):
        losses.smooth_labels(1.0, 1.0)


def test_noisy_labels():
    ones = torch.ones(20000)
    assert torch.equal(losses.noisy_labels(ones, 0.0), ones)
    assert torch.equal(losses.noisy_labels(ones, 1.0), torch.zeros(20000))
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    a, b = losses.noisy_labels(ones, 0.3, g1), losses.noisy_labels(ones, 0.3, g2)
    assert torch.equal(a, b) and abs((a == 0).float().mean() - 0.3) < 0.02
    with pytest.raises(ValueError, match="flip_prob="):
        losses.noisy_labels(ones, 1.5)


def test_generator_losses_values_and_gradients(fake_logits):
    mm = losses.minimax_generator_loss(fake_logits)
    assert val(mm) == pytest.approx(mean([math.log(1 - sig(f)) for f in F_]), rel=1e-12)
    (g_mm,) = torch.autograd.grad(mm, fake_logits)
    torch.testing.assert_close(g_mm, torch.tensor([-sig(f) / B for f in F_], dtype=torch.float64))
    ns = losses.nonsaturating_generator_loss(fake_logits)
    assert val(ns) == pytest.approx(mean([-math.log(sig(f)) for f in F_]), rel=1e-12)
    (g_ns,) = torch.autograd.grad(ns, fake_logits)
    torch.testing.assert_close(g_ns, torch.tensor([-(1 - sig(f)) / B for f in F_],
                                                  dtype=torch.float64))


def test_saturation_when_D_rejects_fakes():
    """D(G(z)) -> 0 (logit -20): the minimax gradient vanishes, the non-saturating one
    stays ≈ -1 (the lesson of chapter 4)."""
    f = torch.tensor([-20.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(losses.minimax_generator_loss(f), f)
    (g_ns,) = torch.autograd.grad(losses.nonsaturating_generator_loss(f), f)
    assert abs(val(g_mm)) < 1e-6
    assert val(g_ns) == pytest.approx(-1.0, abs=1e-6)
    # stable at extreme logits (no inf/nan, unlike log(sigmoid(x)))
    big = torch.tensor([-200.0, 200.0])
    for fn in (losses.minimax_generator_loss, losses.nonsaturating_generator_loss):
        assert torch.isfinite(fn(big))
    assert val(losses.nonsaturating_generator_loss(torch.tensor([-200.0]))) == pytest.approx(200)


def test_wasserstein_lsgan_hinge_values(real_logits, fake_logits):
    r, f = real_logits, fake_logits
    assert val(losses.wasserstein_critic_loss(r, f)) == pytest.approx(mean(F_) - mean(R))
    assert val(losses.wasserstein_generator_loss(f)) == pytest.approx(-mean(F_))
    assert val(losses.least_squares_discriminator_loss(r, f)) == pytest.approx(
        0.5 * mean([(x - 1) ** 2 for x in R]) + 0.5 * mean([x**2 for x in F_]))
    assert val(losses.least_squares_generator_loss(f)) == pytest.approx(
        0.5 * mean([(x - 1) ** 2 for x in F_]))
    assert val(losses.hinge_discriminator_loss(r, f)) == pytest.approx(
        mean([max(0, 1 - x) for x in R]) + mean([max(0, 1 + x) for x in F_]))
    assert val(losses.hinge_generator_loss(f)) == pytest.approx(-mean(F_))
    (g,) = torch.autograd.grad(losses.wasserstein_critic_loss(r, f), r)
    torch.testing.assert_close(g, torch.full((B,), -1 / B, dtype=torch.float64))


class Linear(nn.Module):
    """Linear critic D(x) = w·x + b -> (B,); ‖∇_x D‖ = ‖w‖ everywhere."""

    def __init__(self, w):
        super().__init__()
        self.lin = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([w]))

    def forward(self, x):
        return self.lin(x).squeeze(-1)


def test_gradient_penalty_linear_critic():
    x_real, x_fake = torch.randn(64, 2), torch.randn(64, 2) + 3
    assert val(losses.gradient_penalty(Linear([0.6, 0.8]), x_real, x_fake)) < 1e-10
    D = Linear([3.0, 4.0])  # ‖w‖ = 5 -> penalty (5 - 1)² = 16, d/dw = 2(‖w‖-1) w/‖w‖
    gp = losses.gradient_penalty(D, x_real, x_fake)
    assert val(gp) == pytest.approx(16.0, rel=1e-5)
    gp.backward()  # the graph is kept: the penalty trains D's weights
    torch.testing.assert_close(D.lin.weight.grad, torch.tensor([[4.8, 6.4]]))


def test_gradient_penalty_keeps_graph_for_mlp_and_is_reproducible():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0))
    x_real, x_fake = torch.randn(32, 2), torch.randn(32, 2)
    gp = losses.gradient_penalty(D, x_real, x_fake, generator=torch.Generator().manual_seed(1))
    again = losses.gradient_penalty(D, x_real, x_fake, generator=torch.Generator().manual_seed(1))
    assert val(gp) > 0 and val(gp) == val(again)
    gp.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in D.parameters()
               if p.dim() == 2)
    with pytest.raises(ValueError, match="x_fake"):
        losses.gradient_penalty(D, x_real, x_fake[:5])


def test_dragan_and_r1_penalties():
    x = torch.randn(64, 2)
    assert val(losses.dragan_penalty(Linear([0.6, 0.8]), x)) < 1e-10
    assert val(losses.dragan_penalty(Linear([0.0, 2.0]), x, std=0.1)) == pytest.approx(1.0,
                                                                                       rel=1e-5)
    D = Linear([3.0, 4.0])
    r1 = losses.r1_penalty(D, x)  # ½‖w‖² = 12.5 (without γ)
    assert val(r1) == pytest.approx(12.5, rel=1e-6)
    r1.backward()
    torch.testing.assert_close(D.lin.weight.grad, torch.tensor([[3.0, 4.0]]))  # d/dw ½‖w‖²
    with pytest.raises(ValueError, match="std="):
        losses.dragan_penalty(D, x, std=-1.0)


def test_clip_weights():
    D = Linear([3.0, -4.0])
    assert losses.clip_weights_(D, 0.01) is None
    assert all(p.abs().max() <= 0.01 for p in D.parameters())
    torch.testing.assert_close(D.lin.weight, torch.tensor([[0.01, -0.01]]))
    with pytest.raises(ValueError, match="clip_value="):
        losses.clip_weights_(D, 0.0)


def test_registry_and_bad_inputs(real_logits):
    assert set(losses.LOSSES) == {"minimax", "nonsaturating", "wgan", "wgan-gp", "lsgan",
                                  "hinge", "dragan"}
    d_fn, g_fn, penalty = losses.get_loss("wgan-gp")
    assert (d_fn, g_fn, penalty) == (losses.wasserstein_critic_loss,
                                     losses.wasserstein_generator_loss, losses.gradient_penalty)
    assert losses.get_loss("minimax").g_loss is losses.minimax_generator_loss
    x = torch.randn(8, 2)
    assert val(losses.get_loss("dragan").penalty(Linear([0.6, 0.8]), x, x)) < 1e-10
    with pytest.raises(ValueError, match=r"loss='foo' is not one of 'minimax', 'nonsaturating'"):
        losses.get_loss("foo")
    with pytest.raises(ValueError, match=r"real_logits has shape \(4, 1\); expected \(B,\)"):
        losses.discriminator_loss(real_logits[:, None], real_logits)
    with pytest.raises(ValueError, match="fake_logits"):
        losses.nonsaturating_generator_loss([0.0, 1.0])


# -- issue 13 -----------------------------------------------------------------------------------
def test_defect13_bce_at_infinite_logits_is_exact():
    inf = float("inf")
    r, f = torch.tensor([inf, 2.0]), torch.tensor([-inf, -2.0])
    expected = (F.softplus(torch.tensor(-2.0)) + F.softplus(torch.tensor(-2.0))) / 2
    torch.testing.assert_close(losses.discriminator_loss(r, f), expected)
    assert losses.discriminator_loss(torch.tensor([inf]), torch.tensor([-inf])).item() == 0.0
    assert losses.discriminator_loss(torch.tensor([-inf]), torch.tensor([0.0])).item() == inf
    soft = losses.discriminator_loss(r, f, torch.tensor([1.0, 0.9]), torch.tensor([0.0, 0.0]))
    assert torch.isfinite(soft)
    smooth = losses.discriminator_loss(torch.tensor([3.0]), torch.tensor([-1.0]), 0.9, 0.0)
    ref = F.binary_cross_entropy_with_logits(torch.tensor([3.0, -1.0]), torch.tensor([0.9, 0.0]),
                                             reduction="none")
    torch.testing.assert_close(smooth, ref.sum())


def test_loss_specs_carry_the_properties():
    spec = losses.get_loss("wgan")
    assert (spec.sigmoid, spec.labels, spec.clip_value, spec.stackable) == (False, False, 0.01,
                                                                             True)
    assert losses.get_loss("dragan").penalty is not None and not losses.get_loss("dragan").stackable


@pytest.mark.parametrize("call, word", [
    (lambda: losses.discriminator_loss(torch.zeros(2), torch.zeros(2), "a"), "real_label="),
    (lambda: losses.discriminator_loss(torch.zeros(2), torch.zeros(2), 1.0, 2.0), "fake_label="),
    (lambda: losses.discriminator_loss(torch.zeros(2), torch.zeros(2), float("nan")),
     "real_label="),
    (lambda: losses.smooth_labels(1.0, "x"), "smoothing="),
    (lambda: losses.smooth_labels(1.0, float("nan")), "smoothing="),
    (lambda: losses.smooth_labels(None, 0.1), "real_label="),
    (lambda: losses.noisy_labels(torch.ones(3), "x"), "flip_prob="),
    (lambda: losses.noisy_labels(torch.ones(3), float("nan")), "flip_prob="),
    (lambda: losses.noisy_labels([1.0], 0.1), "labels"),
    (lambda: losses.clip_weights_(torch.nn.Linear(2, 1), float("nan")), "clip_value="),
    (lambda: losses.clip_weights_(torch.nn.Linear(2, 1), "x"), "clip_value="),
    (lambda: losses.dragan_penalty(torch.nn.Linear(2, 1), torch.zeros(4, 2), c=float("nan")),
     "c="),
    (lambda: losses.dragan_penalty(torch.nn.Linear(2, 1), torch.zeros(4, 2), std="x"), "std="),
    (lambda: losses.dragan_penalty(torch.nn.Linear(2, 1), torch.zeros(4, 2), std=float("inf")),
     "std="),
    (lambda: losses.get_loss(["wgan"]), "loss="), (lambda: losses.get_loss(""), "loss="),
    (lambda: losses.minimax_generator_loss([0.0]), "fake_logits"),
    (lambda: losses.wasserstein_critic_loss(torch.zeros(2, 1), torch.zeros(2)), "real_scores"),
    (lambda: losses.gradient_penalty(None, torch.zeros(3), torch.zeros(3)), "x_real"),
    (lambda: losses.gradient_penalty(None, torch.zeros(3, 2), torch.zeros(4, 2)), "x_fake"),
])
def test_bad_arguments_name_the_parameter(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_numpy_numbers_work():
    import numpy as np
    assert losses.smooth_labels(np.float32(1.0), np.float64(0.1)) == pytest.approx(0.9)
    D = torch.nn.Linear(2, 1)
    losses.clip_weights_(D, np.float32(0.01))
    assert all(p.abs().max() <= 0.01 + 1e-9 for p in D.parameters())


@pytest.mark.parametrize("name", [n for n, s in losses.LOSSES.items() if s.stackable])
def test_per_member_rows_equal_single_runs(name):
    """Inside per_member, (K, B) logits give the K per-row losses; outside, (K, B) is refused."""
    d_fn, g_fn, _ = losses.get_loss(name)
    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(3, 16, generator=gen), 4 * torch.randn(3, 16, generator=gen)
    with losses.per_member():
        d, g = d_fn(real, fake), g_fn(fake)
    assert d.shape == g.shape == (3,)
    for k in range(3):
        torch.testing.assert_close(d[k], d_fn(real[k], fake[k]), rtol=1e-6, atol=1e-7)
        torch.testing.assert_close(g[k], g_fn(fake[k]), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match=r"has shape \(3, 16\); expected \(B,\)"):
        d_fn(real, fake)
