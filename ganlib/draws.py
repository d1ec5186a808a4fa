"""The random draws of one training run, in one order, shared by every trainer (chapters 2, 7).

:class:`Stream` is the random-stream contract of :class:`ganlib.train.Trainer` written as code;
the stacked engine behind :func:`ganlib.sweep.run_sweep` (:class:`ganlib.stacked.RandomStreams`)
holds one :class:`Stream` per member, so member k of a sweep reproduces the single run.

One ``torch.Generator`` on the device, seeded with ``config.seed``, draws per D step
(:meth:`Stream.d_step`) ``x_real`` then ``z``, then only if enabled, in this order: label-noise
flips (real, then fake: :meth:`Stream.flip`), instance noise (real, then fake:
:meth:`Stream.noise`), the penalty's draw (wgan-gp ε: :func:`ganlib.losses.interpolation_eps`,
dragan noise); per G step (:meth:`Stream.g_step`) ``z``, then instance noise of ``x_fake`` if
enabled. ``x_real``: ``data.sample(B, generator, device)``, or for a tensor dataset the rows
``torch.randint(N, (B,))``; ``z``: ``normal_`` (prior "gaussian") or ``uniform_(-1, 1)``
("uniform") of a (B, latent_dim) tensor. ``fixed_z`` comes from a second generator seeded
with the same seed (:meth:`Stream.fixed_z`).
"""
from __future__ import annotations

import torch

from .losses import interpolation_eps, noisy_labels

__all__ = ["Stream", "prior", "real_batch"]


def prior(n: int, latent_dim: int, kind: str, generator, device) -> torch.Tensor:
    """z ~ N(0, I) ("gaussian") or U[-1, 1] ("uniform"): (n, latent_dim)."""
    z = torch.empty(n, latent_dim, device=device)
    if kind == "gaussian":
        return z.normal_(generator=generator)
    return z.uniform_(-1.0, 1.0, generator=generator)


def real_batch(data, n: int, generator, device) -> torch.Tensor:
    """n samples of the data: ``(n, *data_shape)``. ``data``: a tensor (N, ...) (rows drawn with
    replacement) or a Distribution with ``sample(n, generator, device)``."""
    if torch.is_tensor(data):
        return data[torch.randint(data.shape[0], (n,), generator=generator, device=device)]
    return data.sample(n, generator=generator, device=device)


class Stream:
    """The random stream of one run: ``Stream(data, batch_size, latent_dim, prior, seed,
    device)``; ``gen`` is its ``torch.Generator`` (its state is the stream's state)."""

    def __init__(self, data, batch_size, latent_dim, prior_kind, seed, device):
        self.data, self.B = data, batch_size
        self.latent_dim, self.prior_kind = latent_dim, prior_kind
        self.seed, self.device = int(seed), device
        self.gen = torch.Generator(device=device).manual_seed(self.seed)

    def prior(self, n: int, generator=None) -> torch.Tensor:
        """(n, latent_dim) from this run's prior (default: this stream's generator)."""
        return prior(n, self.latent_dim, self.prior_kind, generator or self.gen, self.device)

    def fixed_z(self, n: int) -> torch.Tensor:
        """The (n, latent_dim) probe ``G(fixed_z)`` is plotted on: a second generator, same
        seed (so it never moves the training stream)."""
        return self.prior(n, torch.Generator(device=self.device).manual_seed(self.seed))

    def d_step(self):
        """The first draws of a D step: x_real ``(B, *data_shape)``, then z (B, latent_dim)."""
        x_real = real_batch(self.data, self.B, self.gen, self.device)
        return x_real, self.prior(self.B)

    def g_step(self) -> torch.Tensor:
        """The first draw of a G step: z (B, latent_dim)."""
        return self.prior(self.B)

    def flip(self, labels: torch.Tensor, prob: float) -> torch.Tensor:
        """Label noise: each label y -> 1 - y with probability ``prob``."""
        return noisy_labels(labels, prob, generator=self.gen)

    def noise(self, x: torch.Tensor, std: float) -> torch.Tensor:
        """Instance noise: x + std · N(0, I)."""
        return x + std * torch.randn(x.shape, generator=self.gen, device=x.device)

    def interpolation_eps(self, x_real: torch.Tensor) -> torch.Tensor:
        """The wgan-gp ε of this step (what ``gradient_penalty(..., generator=gen)`` draws)."""
        return interpolation_eps(x_real, self.gen)

    def get_state(self) -> torch.Tensor:
        return self.gen.get_state()

    def set_state(self, state: torch.Tensor) -> None:
        self.gen.set_state(state)
