"""Every GAN loss as a pure function of discriminator logits (or critic scores).

Inputs are logits ``(B,)`` (D(x) = sigmoid(logit)); every loss is a mean over the batch (the
last dim: :func:`per_member` lets the stacked engine pass (K, B) for K runs) and
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

import contextvars
import math
import numbers
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "SIGMOID_LOSSES", "LABEL_LOSSES", "STACKABLE", "discriminator_loss", "smooth_labels",
    "noisy_labels", "minimax_generator_loss",
    "nonsaturating_generator_loss", "wasserstein_critic_loss", "wasserstein_generator_loss",
    "least_squares_discriminator_loss", "least_squares_generator_loss",
    "hinge_discriminator_loss", "hinge_generator_loss", "gradient_penalty", "dragan_penalty",
    "r1_penalty", "interpolation_eps", "clip_weights_", "LossSpec", "LOSSES", "get_loss",
    "per_member",
]


_PER_MEMBER = contextvars.ContextVar("per_member", default=False)


@contextmanager
def per_member():
    """Inside this block every loss of this module also takes logits (K, B) of K independent
    runs and returns their K losses (K,): each is a mean over the batch, the last dim. The
    stacked engine (:class:`ganlib.stacked.MemberLosses`) computes all members' losses so,
    with these very formulas. Outside it, (B, 1) or (K, B) logits are refused: a D output
    of shape (B, 1) is a common slip, not K runs."""
    token = _PER_MEMBER.set(True)
    try:
        yield
    finally:
        _PER_MEMBER.reset(token)


def _logits(name: str, x) -> torch.Tensor:
    if not torch.is_tensor(x) or not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor of shape (B,), got {type(x)}")
    if x.dim() != 1 and not (x.dim() == 2 and _PER_MEMBER.get()):
        raise ValueError(f"{name} has shape {tuple(x.shape)}; expected (B,)")
    return x


def _number(name: str, value, allowed: str) -> float:
    """``value`` as a float (Python or NumPy number, 0-d tensor); else ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) and not (
            torch.is_tensor(value) and value.numel() == 1):
        raise ValueError(f"{name}={value!r} is not valid; allowed: {allowed}")
    return float(value)


def _prob(name: str, value) -> None:
    if not 0.0 <= _number(name, value, "a number in [0, 1]") <= 1.0:
        raise ValueError(f"{name}={value!r} must lie in [0, 1]")


def discriminator_loss(real_logits, fake_logits, real_label=1.0, fake_label=0.0) -> torch.Tensor:
    """Binary cross-entropy of D (Goodfellow et al. 2014), to be minimised by D.

    L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = mean softplus(-r) + mean softplus(f)
    for the default labels; for soft labels y (a float or a (B,) tensor):
    BCE(l, y) = y·softplus(-l) + (1 - y)·softplus(l). No smoothing unless you ask for it.
    real_logits, fake_logits: (B,). Returns a scalar. Taught in chapter 2, The minimax game.
    """
    r, f = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    return _bce(r, _label("real_label", real_label)) + _bce(f, _label("fake_label", fake_label))


def _label(name, y):
    """A label: a number in [0, 1] (returned as float) or a tensor (returned as is)."""
    if torch.is_tensor(y):
        return y
    _prob(name, y)
    return float(y)


def _bce(logits, y) -> torch.Tensor:
    """mean y·softplus(-l) + (1 - y)·softplus(l), a term with weight 0 left out (so a logit of
    ±inf gives the exact 0 or inf, never 0·inf = NaN)."""
    if not torch.is_tensor(y):                   # float labels: the hot path of the trainer
        out = y * F.softplus(-logits) if y else 0.0
        out = out + (1 - y) * F.softplus(logits) if y != 1 else out
        return out.mean(-1) if torch.is_tensor(out) else logits.new_zeros(logits.shape[:-1])
    pos = torch.where(y == 0, 0.0, y * F.softplus(-logits))
    return (pos + torch.where(y == 1, 0.0, (1 - y) * F.softplus(logits))).mean(-1)


def smooth_labels(real_label: float = 1.0, smoothing: float = 0.0) -> float:
    """One-sided label smoothing (Salimans et al. 2016): the real label becomes
    ``real_label · (1 - smoothing)`` (1 -> 0.9 for smoothing 0.1); the fake label stays 0.
    Taught in chapter 8, Mode collapse (and chapter 7, Practice).
    """
    if not 0.0 <= _number("smoothing", smoothing, "a number in [0, 1)") < 1.0:
        raise ValueError(f"smoothing={smoothing!r} must lie in [0, 1)")
    _prob("real_label", real_label)
    return float(real_label) * (1.0 - float(smoothing))


def noisy_labels(labels, flip_prob: float, generator=None) -> torch.Tensor:
    """Flip each label y -> 1 - y with probability ``flip_prob`` (label noise, ganhacks).

    labels: a tensor (B,) (or any shape); returns a new tensor of the same shape.
    Taught in chapter 8, Mode collapse (and chapter 7, Practice).
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
    return -F.softplus(_logits("fake_logits", fake_logits)).mean(-1)


def nonsaturating_generator_loss(fake_logits) -> torch.Tensor:
    """Non-saturating generator loss: L_G = -E[log D(G(z))] = mean softplus(-f).

    dL/df = -(1 - sigmoid(f))/B ≈ -1/B when f -> -inf, so G still learns early on.
    fake_logits: (B,). Goodfellow et al. 2014 (section 3). Taught in chapter 4, Saturation.
    """
    return F.softplus(-_logits("fake_logits", fake_logits)).mean(-1)


def wasserstein_critic_loss(real_scores, fake_scores) -> torch.Tensor:
    """WGAN critic loss L_D = E[f(G(z))] - E[f(x)] (minimising it maximises E r - E f, the
    Kantorovich-Rubinstein estimate of W1 for a 1-Lipschitz critic). Scores (B,), unbounded.
    Arjovsky et al. 2017. Taught in chapter 5, Wasserstein GANs.
    """
    f, r = _logits("fake_scores", fake_scores), _logits("real_scores", real_scores)
    return f.mean(-1) - r.mean(-1)


def wasserstein_generator_loss(fake_scores) -> torch.Tensor:
    """WGAN generator loss L_G = -E[f(G(z))]. fake_scores: (B,). Arjovsky et al. 2017.
    Taught in chapter 5, Wasserstein GANs.
    """
    return -_logits("fake_scores", fake_scores).mean(-1)


def least_squares_discriminator_loss(real_logits, fake_logits) -> torch.Tensor:
    """LSGAN D loss ½E[(D(x) - 1)²] + ½E[D(G(z))²] on raw outputs (B,) (a=0, b=c=1).
    Mao et al. 2017. Taught in chapter 5, Wasserstein GANs (other losses).
    """
    r, f = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    return 0.5 * ((r - 1) ** 2).mean(-1) + 0.5 * (f**2).mean(-1)


def least_squares_generator_loss(fake_logits) -> torch.Tensor:
    """LSGAN G loss ½E[(D(G(z)) - 1)²] on raw outputs (B,). Mao et al. 2017.
    Taught in chapter 5, Wasserstein GANs (other losses).
    """
    return 0.5 * ((_logits("fake_logits", fake_logits) - 1) ** 2).mean(-1)


def hinge_discriminator_loss(real_logits, fake_logits) -> torch.Tensor:
    """Hinge D loss E[relu(1 - D(x))] + E[relu(1 + D(G(z)))] on raw outputs (B,).
    Lim & Ye 2017; Miyato et al. 2018. Taught in chapter 5, Wasserstein GANs.
    """
    r, f = _logits("real_logits", real_logits), _logits("fake_logits", fake_logits)
    return F.relu(1 - r).mean(-1) + F.relu(1 + f).mean(-1)


def hinge_generator_loss(fake_logits) -> torch.Tensor:
    """Hinge G loss -E[D(G(z))]. fake_logits: (B,). Lim & Ye 2017.
    Taught in chapter 5, Wasserstein GANs.
    """
    return -_logits("fake_logits", fake_logits).mean(-1)


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


def interpolation_eps(x_real: torch.Tensor, generator=None) -> torch.Tensor:
    """ε ~ U[0, 1] per sample, shaped (B, 1, ...) to broadcast over x_real's features (the
    draw of :func:`ganlib.losses.gradient_penalty`)."""
    dev = generator.device if generator is not None else x_real.device
    shape = (len(x_real),) + (1,) * (x_real.dim() - 1)
    return torch.rand(shape, generator=generator, device=dev).to(x_real)


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
    eps = interpolation_eps(x_real, generator)  # (B, 1, ...) broadcasts over features
    return _grad_norm_penalty(D, eps * x_real.detach() + (1 - eps) * x_fake.detach())


def dragan_penalty(D, x_real, c: float = 0.5, std: float | None = None,
                   generator=None) -> torch.Tensor:
    """DRAGAN penalty E[(‖∇D(x̂)‖₂ - 1)²] around the data, x̂ = x_real + σ·N(0, I) with
    σ = ``std`` if given, else c · std(x_real) (Kodali et al. 2017). x_real: (B, ...).
    Returns a scalar WITHOUT λ, graph kept. Taught in chapter 5, Wasserstein GANs.
    """
    x_real = _check_batch("x_real", x_real).detach()
    if std is None:
        if not _number("c", c, "a number > 0") > 0 or not math.isfinite(c):
            raise ValueError(f"c={c!r} must be a finite number > 0")
        std = float(c) * float(x_real.std())
    elif not _number("std", std, "a number > 0 or None") > 0 or not math.isfinite(std):
        raise ValueError(f"std={std!r} must be a finite number > 0 or None")
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
    if clip_value is None or not _number("clip_value", clip_value, "a number > 0") > 0 \
            or math.isnan(clip_value):
        raise ValueError(f"clip_value={clip_value!r} must be a positive number")
    for p in D.parameters():
        p.clamp_(-float(clip_value), float(clip_value))


def _dragan_entry(D, x_real, x_fake=None, generator=None) -> torch.Tensor:
    """DRAGAN penalty with the uniform penalty signature (D, x_real, x_fake, generator)."""
    return dragan_penalty(D, x_real, generator=generator)


@dataclass(frozen=True)
class LossSpec:
    """One entry of :data:`LOSSES`: the loss functions and every property the rest of the
    library derives from (``TrainConfig`` validation, the sweep engine, the lab, the plots).

    Unpacks as ``d_loss_fn, g_loss_fn, penalty`` (its first three fields).
    ``d_loss(real_logits, fake_logits[, real_label, fake_label])``, ``g_loss(fake_logits)``;
    ``penalty``: None or ``penalty(D, x_real, x_fake, generator=None)`` (unweighted; the
    trainer multiplies it by ``gp_weight``). ``sigmoid``: D outputs a logit, D(x) =
    sigmoid(logit) (else a raw critic score). ``labels``: ``d_loss`` takes the BCE labels, so
    label smoothing and label noise apply. ``clip_value``: the weight clipping c the loss
    uses when ``TrainConfig.clip_value`` is None (WGAN: 0.01, Arjovsky et al. 2017).
    ``stackable``: :func:`ganlib.sweep.run_sweep` can train it (its penalty has a stacked
    version). ``label``: the name shown in the lab's menu.
    Taught in chapter 5, Wasserstein GANs (the catalogue of losses).
    """

    d_loss: Callable
    g_loss: Callable
    penalty: Callable | None = None
    sigmoid: bool = False
    labels: bool = False
    clip_value: float | None = None
    stackable: bool = True
    label: str = ""

    def __iter__(self):
        return iter((self.d_loss, self.g_loss, self.penalty))


#: Every loss by name, with its properties (the one declaration; see :class:`LossSpec`).
LOSSES = {
    "minimax": LossSpec(discriminator_loss, minimax_generator_loss, sigmoid=True,
                        labels=True, label="minimax"),
    "nonsaturating": LossSpec(discriminator_loss, nonsaturating_generator_loss, sigmoid=True,
                              labels=True, label="non-saturating"),
    "wgan": LossSpec(wasserstein_critic_loss, wasserstein_generator_loss, clip_value=0.01,
                     label="WGAN (clipping)"),
    "wgan-gp": LossSpec(wasserstein_critic_loss, wasserstein_generator_loss, gradient_penalty,
                        label="WGAN-GP"),
    "lsgan": LossSpec(least_squares_discriminator_loss, least_squares_generator_loss,
                      label="least squares"),
    "hinge": LossSpec(hinge_discriminator_loss, hinge_generator_loss, label="hinge"),
    "dragan": LossSpec(discriminator_loss, nonsaturating_generator_loss, _dragan_entry,
                       sigmoid=True, labels=True, stackable=False, label="DRAGAN"),
}

#: Losses whose D outputs a logit (D(x) = sigmoid(logit)); the others output a raw score.
SIGMOID_LOSSES = tuple(name for name, spec in LOSSES.items() if spec.sigmoid)
#: Losses trained with BCE labels (label smoothing / label noise apply).
LABEL_LOSSES = tuple(name for name, spec in LOSSES.items() if spec.labels)
#: Losses :func:`ganlib.sweep.run_sweep` can stack.
STACKABLE = tuple(name for name, spec in LOSSES.items() if spec.stackable)


def get_loss(name: str) -> LossSpec:
    """Return ``LOSSES[name]`` = (d_loss_fn, g_loss_fn, penalty); unknown -> ValueError.

    Taught in chapter 5, Wasserstein GANs (the catalogue of losses).
    """
    if not isinstance(name, str) or name not in LOSSES:
        raise ValueError(f"loss={name!r} is not one of {', '.join(map(repr, LOSSES))}")
    return LOSSES[name]
