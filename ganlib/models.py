"""Small generators and discriminators: MLPs for 1D/2D/curves and DCGAN-style conv nets.

Discriminators return raw LOGITS of shape ``(B,)`` (no sigmoid): every loss in
:mod:`ganlib.losses` takes logits. Inputs of the wrong shape raise ``ValueError`` naming the
argument and the expected shape.

Taught in chapter 2, The minimax game (MLP G and D); chapter 4, Saturation; chapter 5,
Wasserstein GANs (spectral norm, critics); chapter 6, Evaluation (DCGAN on digits).
Paper: Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep
Convolutional GANs" (DCGAN); Miyato et al. 2018, "Spectral Normalization for GANs"; Mirza &
Osindero 2014, "Conditional GANs"; Miyato & Koyama 2018, "cGANs with Projection Discriminator".
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["MLP", "MLPGenerator", "MLPDiscriminator", "DCGANGenerator",
           "DCGANDiscriminator", "dcgan_init", "build_models", "ACTIVATIONS"]

ACTIVATIONS = {"leaky_relu": lambda: nn.LeakyReLU(0.2), "relu": nn.ReLU, "tanh": nn.Tanh,
               "elu": nn.ELU}
_OUTPUTS = {None: nn.Identity, "linear": nn.Identity, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
_IMAGE_SIZES = (8, 28)


def _choice(name: str, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}")
    return value


def _posint(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer")
    return int(value)


def _maybe_sn(layer: nn.Module, spectral_norm: bool) -> nn.Module:
    return nn.utils.parametrizations.spectral_norm(layer) if spectral_norm else layer


class MLP(nn.Module):
    """Fully connected net ``in_dim -> hidden... -> out_dim``: (B, in_dim) -> (B, out_dim).

    ``activation`` in ``"leaky_relu"`` (slope 0.2), ``"relu"``, ``"tanh"``, ``"elu"``;
    ``output`` in ``None``/``"linear"``, ``"tanh"``, ``"sigmoid"``; ``spectral_norm`` wraps
    every Linear in spectral normalisation (Miyato et al. 2018), which bounds each layer's
    Lipschitz constant by 1. Taught in chapter 2, The minimax game.
    """

    def __init__(self, in_dim: int, out_dim: int, hidden=(128, 128),
                 activation: str = "leaky_relu", output: str | None = None,
                 spectral_norm: bool = False):
        super().__init__()
        _posint("in_dim", in_dim), _posint("out_dim", out_dim)
        _choice("activation", activation, tuple(ACTIVATIONS))
        _choice("output", output, tuple(_OUTPUTS))
        hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
        for h in hidden:
            _posint("hidden", h)
        layers, width = [], in_dim
        for h in hidden:
            layers += [_maybe_sn(nn.Linear(width, h), spectral_norm), ACTIVATIONS[activation]()]
            width = h
        layers += [_maybe_sn(nn.Linear(width, out_dim), spectral_norm), _OUTPUTS[output]()]
        self.net = nn.Sequential(*layers)
        self.in_dim, self.out_dim, self.hidden = in_dim, out_dim, hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (B, in_dim) -> (B, out_dim)


def _check_vectors(name: str, x: torch.Tensor, dim: int) -> torch.Tensor:
    if dim == 1 and x.dim() == 1:
        x = x[:, None]  # (B,) -> (B, 1)
    if x.dim() != 2 or x.shape[1] != dim:
        raise ValueError(f"{name} has shape {tuple(x.shape)}; expected (B, {dim})")
    return x


class MLPGenerator(nn.Module):
    """MLP generator G: z (B, latent_dim) -> x_fake (B, out_dim).

    Default ReLU hidden layers and a linear output (toy data is not confined to [-1, 1]);
    use ``output="tanh"`` for data scaled to [-1, 1]. Taught in chapter 2, The minimax game.
    """

    def __init__(self, latent_dim: int = 2, out_dim: int = 2, hidden=(128, 128),
                 activation: str = "relu", output: str | None = None):
        super().__init__()
        self.latent_dim, self.out_dim = _posint("latent_dim", latent_dim), out_dim
        self.net = MLP(latent_dim, out_dim, hidden, activation, output)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(_check_vectors("z", z, self.latent_dim))  # (B, latent) -> (B, out_dim)


class MLPDiscriminator(nn.Module):
    """MLP discriminator D: x (B, in_dim) -> logits (B,); D(x) = sigmoid(logit).

    Returns raw logits (a WGAN critic's scores are the same numbers). ``spectral_norm=True``
    makes it 1-Lipschitz per layer. Taught in chapter 2, The minimax game, chapter 3, The
    optimal discriminator, and chapter 5, Wasserstein GANs.
    """

    def __init__(self, in_dim: int = 2, hidden=(128, 128), activation: str = "leaky_relu",
                 spectral_norm: bool = False):
        super().__init__()
        self.in_dim = _posint("in_dim", in_dim)
        self.net = MLP(in_dim, 1, hidden, activation, None, spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _check_vectors("x", x, self.in_dim)  # (B, in_dim); (B,) accepted when in_dim == 1
        return self.net(x).squeeze(-1)  # (B, 1) -> (B,)


def _check_labels(y, batch: int, n_classes: int | None, soft: bool) -> torch.Tensor:
    """Class labels of a conditional model: (B,) integers in [0, n_classes) (or, where
    ``soft``, (B, n_classes) rows of label weights) -> (B, n_classes) float or (B,) long."""
    if n_classes is None:
        if y is not None:
            raise ValueError("y was given but the model is unconditional (n_classes=None)")
        return None
    if y is None:
        raise ValueError(f"y is missing: the model is conditional (n_classes={n_classes}); "
                         f"pass labels of shape ({batch},) with integers in [0, {n_classes})")
    if not torch.is_tensor(y):
        raise ValueError(f"y={type(y).__name__} must be a tensor of class labels: shape "
                         f"({batch},) with integers in [0, {n_classes})")
    if soft and y.is_floating_point() and y.shape == (batch, n_classes):
        return y
    if y.shape != (batch,) or y.is_floating_point() or y.dtype == torch.bool:
        allowed = f"({batch},) integers in [0, {n_classes})" + (
            f" or ({batch}, {n_classes}) float label weights" if soft else "")
        raise ValueError(f"y has shape {tuple(y.shape)} and dtype {y.dtype}; expected "
                         f"{allowed}")
    if len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y has labels in [{int(y.min())}, {int(y.max())}]; allowed: "
                         f"integers in [0, {n_classes})")
    return y.long()


class DCGANGenerator(nn.Module):
    """DCGAN-style G: z (B, latent_dim) -> images (B, channels, S, S) in [-1, 1] (tanh).

    Linear -> (2·width, S/4, S/4) -> ConvTranspose(4, stride 2) ×2 with BatchNorm + ReLU
    (Radford et al. 2016); S = ``image_size`` ∈ {8, 28}. Taught in chapter 6, Evaluation.

    ``n_classes`` (default None: unconditional) makes it a class-conditional G(z, y)
    (Mirza & Osindero 2014): the one-hot code e_y of the label is concatenated to z, so the
    first layer computes W_z z + W_y e_y. ``forward(z, y)`` takes ``y`` of shape (B,) (class
    indices) or (B, n_classes) float rows (e.g. a blend of two one-hot codes, for latent
    interpolation across classes).
    """

    def __init__(self, latent_dim: int = 32, image_size: int = 8, channels: int = 1,
                 width: int = 64, n_classes: int | None = None):
        super().__init__()
        self.latent_dim, self.channels = _posint("latent_dim", latent_dim), _posint(
            "channels", channels)
        self.image_size = _choice("image_size", image_size, _IMAGE_SIZES)
        self.n_classes = None if n_classes is None else _posint("n_classes", n_classes)
        self.width, base = _posint("width", width), image_size // 4
        in_dim = latent_dim + (self.n_classes or 0)
        self.project = nn.Sequential(nn.Linear(in_dim, 2 * width * base * base, bias=False),
                                     nn.BatchNorm1d(2 * width * base * base), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # S/4 -> S/2
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh())  # S/2 -> S
        self._base = base

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        z = _check_vectors("z", z, self.latent_dim)  # (B, latent_dim)
        y = _check_labels(y, len(z), self.n_classes, soft=True)
        if y is not None:
            code = y.to(z.dtype) if y.dim() == 2 else \
                nn.functional.one_hot(y, self.n_classes).to(z.dtype)   # (B, n_classes)
            z = torch.cat([z, code], dim=1)  # (B, latent_dim + n_classes)
        h = self.project(z).view(len(z), 2 * self.width, self._base, self._base)
        return self.deconv(h)  # (B, 2w, S/4, S/4) -> (B, channels, S, S)


class DCGANDiscriminator(nn.Module):
    """DCGAN-style D: images (B, channels, S, S) -> logits (B,).

    Conv(4, stride 2) + LeakyReLU(0.2) ×2 (BatchNorm on the second unless
    ``batch_norm=False``, which a gradient-penalty critic needs) then Linear -> 1
    (Radford et al. 2016). Taught in chapter 6, Evaluation.

    ``n_classes`` (default None: unconditional) makes it a class-conditional D(x, y) with a
    projection head (Miyato & Koyama 2018): with φ(x) the flattened features before the last
    Linear (w, b), the logit is D(x, y) = wᵀφ(x) + b + e_yᵀφ(x), where e_y is a learned
    embedding of the label (``self.embed``). ``forward(x, y)`` takes ``y`` of shape (B,).
    """

    def __init__(self, image_size: int = 8, channels: int = 1, width: int = 64,
                 batch_norm: bool = True, spectral_norm: bool = False,
                 n_classes: int | None = None):
        super().__init__()
        self.image_size = _choice("image_size", image_size, _IMAGE_SIZES)
        self.channels, self.width = _posint("channels", channels), _posint("width", width)
        self.n_classes = None if n_classes is None else _posint("n_classes", n_classes)
        base = image_size // 4
        self.net = nn.Sequential(
            _maybe_sn(nn.Conv2d(channels, width, 4, 2, 1), spectral_norm),  # S -> S/2
            nn.LeakyReLU(0.2),
            _maybe_sn(nn.Conv2d(width, 2 * width, 4, 2, 1), spectral_norm),  # S/2 -> S/4
            nn.BatchNorm2d(2 * width) if batch_norm else nn.Identity(), nn.LeakyReLU(0.2),
            nn.Flatten(), _maybe_sn(nn.Linear(2 * width * base * base, 1), spectral_norm))
        if self.n_classes is not None:
            self.embed = _maybe_sn(nn.Embedding(self.n_classes, 2 * width * base * base),
                                   spectral_norm)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"x has shape {tuple(x.shape)}; expected (B, {expected[0]}, "
                             f"{expected[1]}, {expected[2]})")
        y = _check_labels(y, len(x), self.n_classes, soft=False)
        if y is None:
            return self.net(x).squeeze(-1)  # (B, C, S, S) -> (B,)
        phi = self.net[:-1](x)  # (B, 2w·(S/4)²) features φ(x)
        return self.net[-1](phi).squeeze(-1) + (self.embed(y) * phi).sum(1)  # (B,)


def dcgan_init(module: nn.Module) -> nn.Module:
    """DCGAN initialisation in place: conv/linear/embedding weights ~ N(0, 0.02), biases 0,
    BatchNorm weights ~ N(1, 0.02), biases 0 (Radford et al. 2016). Works as ``G.apply(dcgan_init)``
    or ``dcgan_init(G)``; returns ``module``. Uses torch's global RNG (seed first).
    Taught in chapter 6, Evaluation.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            weight = (m.parametrizations.weight.original
                      if nn.utils.parametrize.is_parametrized(m, "weight") else m.weight)
            with torch.no_grad():
                weight.normal_(0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def build_models(dataset, latent_dim: int | None = None, hidden=(128, 128),
                 spectral_norm: bool = False, width: int = 64):
    """Return ``(G, D)`` suited to ``dataset`` (a name of :data:`ganlib.data.DATASETS`, a
    Distribution or a tensor data set).

    1D/2D/curves: :class:`MLPGenerator` (linear output) and :class:`MLPDiscriminator`;
    images (digits, (N, C, S, S) tensors): :class:`DCGANGenerator` and
    :class:`DCGANDiscriminator` initialised with :func:`dcgan_init`. ``latent_dim`` defaults
    to the data dimension for 1D/2D, 10 for curves and 32 for images.
    Taught in chapter 2, The minimax game (and every later chapter).
    """
    from .data import Distribution, get_dataset

    data = get_dataset(dataset) if isinstance(dataset, str) and dataset != "digits" else dataset
    if isinstance(data, str):  # "digits": known shape, skip loading the images
        shape = (1, 8, 8)
    elif torch.is_tensor(data):
        shape = tuple(data.shape[1:])
    elif isinstance(data, Distribution):
        shape = tuple(getattr(data, "shape", (data.dim,)))
    else:
        raise ValueError(f"dataset={dataset!r} must be a dataset name, a Distribution or a tensor")
    if len(shape) == 3:  # images (C, S, S)
        channels, size = shape[0], shape[-1]
        G = DCGANGenerator(latent_dim or 32, size, channels, width)
        D = DCGANDiscriminator(size, channels, width, spectral_norm=spectral_norm)
        return dcgan_init(G), dcgan_init(D)
    if len(shape) != 1:
        raise ValueError(f"dataset samples have shape {shape}; expected (dim,) or (C, S, S)")
    dim = shape[0]
    latent_dim = latent_dim or (dim if dim <= 2 else 10)
    G = MLPGenerator(latent_dim, dim, hidden)
    D = MLPDiscriminator(dim, hidden, spectral_norm=spectral_norm)
    return G, D
