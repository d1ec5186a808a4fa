"""Every GAN loss as a pure function of discriminator logits (or critic scores).

Inputs are logits ``(B,)`` (D(x) = sigmoid(logit)); every loss is a mean over the batch and
is computed with ``softplus``/``logsigmoid`` (never ``log(sigmoid(x))``), using the
identities  -log D = softplus(-l)  and  -log(1 - D) = softplus(l).
Penalties take the discriminator ``D`` and return the penalty WITHOUT its weight λ (the
trainer multiplies by ``gp_weight``/``r1_weight``); they keep the autograd graph.

Taught in chapter 2, The minimax game (BCE, minimax); chapter 4, Saturation (non-saturating
loss, label smoothing/noise); chapter 5, Wasserstein GANs (WGAN, WGAN-GP, hinge, LSGAN,
DRAGAN, R1). Papers: Goodfellow et al. 2014; Salimans et al. 2016; Arjovsky et al. 2017;
Gulrajani et al. 2017; Mao et al. 2017; Lim & Ye 2017; Kodali et al. 2017; Mescheder et al. 2018.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

__all__ = ["SIGMOID_LOSSES", 
    "discriminator_loss", "smooth_labels", "noisy_labels", "minimax_generator_loss",
    "nonsaturating_generator_loss", "wasserstein_critic_loss", "wasserstein_generator_loss",
    "least_squares_discriminator_loss", "least_squares_generator_loss",
    "hinge_discriminator_loss", "hinge_generator_loss", "gradient_penalty", "dragan_penalty",
    "r1_penalty", "clip_weights_", "LossSpec", "LOSSES", "get_loss",
]


def _logits(name: str, x) -> torch.Tensor:
    if not torch.is_tensor(x) or not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor of shape (B,), got {type(x)}")
    if x.dim() != 1:
        raise ValueError(f"{name} has shape {tuple(x.shape)}; expected (B,)")
    return x


def _prob(name: str, value) -> None:
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name}={value!r} must lie in [0, 1]")


def discriminator_loss(real_logits, fake_logits, real_label=1.0, fake_label=0.0) -> torch.Tensor:
    """Binary cross-entropy of D (Goodfellow et al. 2014), to be minimised by D.

    L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = mean softplus(-r) + mean softplus(f)
    for the default labels; for soft labels y (a float or a (B,) tensor):
    BCE(l, y) = y·softplus(-l) + (1 - y)·softplus(l). No smoothing unless you ask for it.
    real_logits, fake_logits: (B,). Returns a scalar. Taught in chapter 2, The minimax game.
    """
    r, f = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    loss_real = real_label * F.softplus(-r) + (1 - real_label) * F.softplus(r)
    loss_fake = fake_label * F.softplus(-f) + (1 - fake_label) * F.softplus(f)
    return loss_real.mean() + loss_fake.mean()


def smooth_labels(real_label: float = 1.0, smoothing: float = 0.0) -> float:
    """One-sided label smoothing (Salimans et al. 2016): the real label becomes
    ``real_label · (1 - smoothing)`` (1 -> 0.9 for smoothing 0.1); the fake label stays 0.
    Taught in chapter 4, Saturation (and chapter 7, Practice).
    """
    if not 0.0 <= float(smoothing) < 1.0:
        raise ValueError(f"smoothing={smoothing!r} must lie in [0, 1)")
    return float(real_label) * (1.0 - float(smoothing))


def noisy_labels(labels, flip_prob: float, generator=None) -> torch.Tensor:
    """Flip each label y -> 1 - y with probability ``flip_prob`` (label noise, ganhacks).

    labels: a tensor (B,) (or any shape); returns a new tensor of the same shape.
    Taught in chapter 7, Practice.
    """
    _prob("flip_prob", flip_prob)
    if not torch.is_tensor(labels):
        raise ValueError(f"labels must be a tensor, got {type(labels).__name__}")
    gen_dev = generator.device if generator is not None else labels.device
    u = torch.rand(labels.shape, generator=generator, device=gen_dev).to(labels.device)
    labels = labels.to(torch.get_default_dtype()) if not labels.is_floating_point() else labels
    return torch.where(u < flip_prob, 1 - labels, labels)


def minimax_generator_loss(fake_logits) -> torch.Tensor:
    """Original (saturating) generator loss: L_G = E[log(1 - D(G(z)))] = -mean softplus(f).

    dL/df = -sigmoid(f)/B vanishes when D confidently rejects fakes (f -> -inf): the
    saturation problem. fake_logits: (B,). Goodfellow et al. 2014. Taught in chapter 4,
    Saturation.
    """
    return -F.softplus(_logits("fake_logits", fake_logits)).mean()


def nonsaturating_generator_loss(fake_logits) -> torch.Tensor:
    """Non-saturating generator loss: L_G = -E[log D(G(z))] = mean softplus(-f).

    dL/df = -(1 - sigmoid(f))/B ≈ -1/B when f -> -inf, so G still learns early on.
    fake_logits: (B,). Goodfellow et al. 2014 (section 3). Taught in chapter 4, Saturation.
    """
    return F.softplus(-_logits("fake_logits", fake_logits)).mean()


def wasserstein_critic_loss(real_scores, fake_scores) -> torch.Tensor:
    """WGAN critic loss L_D = E[f(G(z))] - E[f(x)] (minimising it maximises E r - E f, the
    Kantorovich-Rubinstein estimate of W1 for a 1-Lipschitz critic). Scores (B,), unbounded.
    Arjovsky et al. 2017. Taught in chapter 5, Wasserstein GANs.
    """
    return _logits("fake_scores", fake_scores).mean() - _logits("real_scores", real_scores).mean()


def wasserstein_generator_loss(fake_scores) -> torch.Tensor:
    """WGAN generator loss L_G = -E[f(G(z))]. fake_scores: (B,). Arjovsky et al. 2017.
    Taught in chapter 5, Wasserstein GANs.
    """
    return -_logits("fake_scores", fake_scores).mean()


def least_squares_discriminator_loss(real_logits, fake_logits) -> torch.Tensor:
    """LSGAN D loss ½E[(D(x) - 1)²] + ½E[D(G(z))²] on raw outputs (B,) (a=0, b=c=1).
    Mao et al. 2017. Taught in chapter 5, Wasserstein GANs (other losses).
    """
    r, f = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    return 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f**2).mean()


def least_squares_generator_loss(fake_logits) -> torch.Tensor:
    """LSGAN G loss ½E[(D(G(z)) - 1)²] on raw outputs (B,). Mao et al. 2017.
    Taught in chapter 5, Wasserstein GANs (other losses).
    """
    return 0.5 * ((_logits("fake_logits", fake_logits) - 1) ** 2).mean()


def hinge_discriminator_loss(real_logits, fake_logits) -> torch.Tensor:
    """Hinge D loss E[relu(1 - D(x))] + E[relu(1 + D(G(z)))] on raw outputs (B,).
    Lim & Ye 2017; Miyato et al. 2018. Taught in chapter 5, Wasserstein GANs.
    """
    r, f = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    return F.relu(1 - r).mean() + F.relu(1 + f).mean()


def hinge_generator_loss(fake_logits) -> torch.Tensor:
    """Hinge G loss -E[D(G(z))]. fake_logits: (B,). Lim & Ye 2017.
    Taught in chapter 5, Wasserstein GANs.
    """
    return -_logits("fake_logits", fake_logits).mean()


def _grad_norm_penalty(D, x_hat: torch.Tensor) -> torch.Tensor:
    """E (‖∇_x D(x_hat)‖₂ - 1)² with the graph kept (create_graph=True)."""
    x_hat = x_hat.detach().requires_grad_(True)
    scores = D(x_hat)  # (B,)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norm = torch.sqrt(grad.flatten(1).pow(2).sum(1) + 1e-12)  # (B,); eps: smooth at 0
    return ((norm - 1) ** 2).mean()


def _check_batch(name: str, x) -> torch.Tensor:
    if not torch.is_tensor(x) or x.dim() < 2:
        raise ValueError(f"{name} must be a tensor of shape (B, ...) with at least 2 dims")
    return x


def gradient_penalty(D, x_real, x_fake, generator=None) -> torch.Tensor:
    """WGAN-GP penalty E[(‖∇D(x̂)‖₂ - 1)²], x̂ = ε x_real + (1 - ε) x_fake, ε ~ U[0, 1] per
    sample (Gulrajani et al. 2017). x_real, x_fake: (B, ...) same shape; both are detached
    (the penalty trains D only). Returns a scalar WITHOUT λ, with create_graph=True so
    ``loss.backward()`` reaches D's parameters. Taught in chapter 5, Wasserstein GANs.
    """
    x_real, x_fake = _check_batch("x_real", x_real), _check_batch("x_fake", x_fake)
    if x_real.shape != x_fake.shape:
        raise ValueError(f"x_fake has shape {tuple(x_fake.shape)}; expected x_real's "
                         f"{tuple(x_real.shape)}")
    gen_dev = generator.device if generator is not None else x_real.device
    shape = (len(x_real),) + (1,) * (x_real.dim() - 1)  # (B, 1, ...) broadcasts over features
    eps = torch.rand(shape, generator=generator, device=gen_dev).to(x_real)
    return _grad_norm_penalty(D, eps * x_real.detach() + (1 - eps) * x_fake.detach())


def dragan_penalty(D, x_real, c: float = 0.5, std: float | None = None,
                   generator=None) -> torch.Tensor:
    """DRAGAN penalty E[(‖∇D(x̂)‖₂ - 1)²] around the data, x̂ = x_real + σ·N(0, I) with
    σ = ``std`` if given, else c · std(x_real) (Kodali et al. 2017). x_real: (B, ...).
    Returns a scalar WITHOUT λ, graph kept. Taught in chapter 5, Wasserstein GANs.
    """
    x_real = _check_batch("x_real", x_real).detach()
    if std is None:
        if not float(c) > 0:
            raise ValueError(f"c={c!r} must be > 0")
        std = float(c) * float(x_real.std())
    elif not float(std) > 0:
        raise ValueError(f"std={std!r} must be > 0 or None")
    gen_dev = generator.device if generator is not None else x_real.device
    noise = torch.randn(x_real.shape, generator=generator, device=gen_dev).to(x_real)
    return _grad_norm_penalty(D, x_real + float(std) * noise)


def r1_penalty(D, x_real) -> torch.Tensor:
    """R1 penalty ½E[‖∇_x D(x_real)‖²] (Mescheder, Geiger & Nowozin 2018), WITHOUT the
    weight γ (the usual term is γ·r1_penalty = (γ/2)E‖∇D‖²). x_real: (B, ...). Graph kept.
    Taught in chapter 5, Wasserstein GANs (and chapter 7, Practice).
    """
    x = _check_batch("x_real", x_real).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 0.5 * grad.flatten(1).pow(2).sum(1).mean()


@torch.no_grad()
def clip_weights_(D, clip_value: float) -> None:
    """Clamp every parameter of D to [-clip_value, clip_value] in place (WGAN's crude way to
    keep the critic Lipschitz; Arjovsky et al. 2017 use 0.01). Returns None.
    Taught in chapter 5, Wasserstein GANs.
    """
    if clip_value is None or not float(clip_value) > 0:
        raise ValueError(f"clip_value={clip_value!r} must be a positive number")
    for p in D.parameters():
        p.clamp_(-float(clip_value), float(clip_value))


def _dragan_entry(D, x_real, x_fake=None, generator=None) -> torch.Tensor:
    """DRAGAN penalty with the uniform penalty signature (D, x_real, x_fake, generator)."""
    return dragan_penalty(D, x_real, generator=generator)


class LossSpec(NamedTuple):
    """One entry of :data:`LOSSES`; unpacks as ``d_loss_fn, g_loss_fn, penalty``.

    ``penalty`` is None or ``penalty(D, x_real, x_fake, generator=None)`` (unweighted).
    Taught in chapter 5, Wasserstein GANs (the catalogue of losses).
    """

    d_loss: Callable
    g_loss: Callable
    penalty: Callable | None


#: Losses whose D outputs a logit (D(x) = sigmoid(logit)) and is trained with BCE; the others
#: (wgan, wgan-gp, lsgan, hinge) output a raw score.
SIGMOID_LOSSES = ("minimax", "nonsaturating", "dragan")

#: Every loss by name: ``name -> LossSpec(d_loss, g_loss, penalty)``.
LOSSES = {
    "minimax": LossSpec(discriminator_loss, minimax_generator_loss, None),
    "nonsaturating": LossSpec(discriminator_loss, nonsaturating_generator_loss, None),
    "wgan": LossSpec(wasserstein_critic_loss, wasserstein_generator_loss, None),  # + clipping
    "wgan-gp": LossSpec(wasserstein_critic_loss, wasserstein_generator_loss, gradient_penalty),
    "lsgan": LossSpec(least_squares_discriminator_loss, least_squares_generator_loss, None),
    "hinge": LossSpec(hinge_discriminator_loss, hinge_generator_loss, None),
    "dragan": LossSpec(discriminator_loss, nonsaturating_generator_loss, _dragan_entry),
}


def get_loss(name: str) -> LossSpec:
    """Return ``LOSSES[name]`` = (d_loss_fn, g_loss_fn, penalty); unknown -> ValueError.

    Taught in chapter 5, Wasserstein GANs (the catalogue of losses).
    """
    if name not in LOSSES:
        raise ValueError(f"loss={name!r} is not one of {', '.join(map(repr, LOSSES))}")
    return LOSSES[name]
