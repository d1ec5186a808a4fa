"""Toy distributions with exact densities, 2D mixtures, sine curves and offline digits.

Every distribution follows one protocol: ``dim``, ``sample(n, generator=None, device=None)``
returning a float32 tensor ``(n, dim)``, and, where the density is known in closed form,
``pdf(x)`` / ``log_prob(x)`` returning ``(n,)``. Sampling draws only from the given
``torch.Generator``, so the same seed gives the same numbers.

Taught in chapter 1, Generative models (1D Gaussians and mixtures); chapter 2, The minimax
game (2D ring and grid); chapter 4, Saturation; chapter 5, Wasserstein GANs; chapter 6,
Evaluation (ring/grid mode coverage, digits).
"""
from __future__ import annotations

import gzip
import math
import os
from collections.abc import Iterator

import numpy as np
import torch

__all__ = ["Distribution", "Gaussian1D", "Mixture1D", "GaussianMixture2D", "ring", "grid",
           "SwissRoll", "TwoMoons", "SineCurves", "Digits", "read_idx", "load_mnist",
           "sampler", "get_dataset", "DATASETS"]

_LOG_2PI = math.log(2 * math.pi)


def _draw(fn, shape, generator, device, **kw) -> torch.Tensor:
    """Draw with ``fn`` on the generator's device (default CPU), then move to ``device``."""
    gen_dev = generator.device if generator is not None else torch.device(device or "cpu")
    out = fn(size=tuple(shape), generator=generator, device=gen_dev, **kw)
    return out if device is None else out.to(device)


def _as_points(x, dim: int) -> torch.Tensor:
    """Convert ``x`` to a floating tensor of shape ``(n, dim)`` (1D also accepts ``(n,)``)."""
    x = x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x, dtype=np.float64))
    x = x if x.is_floating_point() else x.float()
    if dim == 1 and x.dim() <= 1:
        return x.reshape(-1, 1)  # scalar or (n,) -> (n, 1)
    if x.dim() != 2 or x.shape[-1] != dim:
        raise ValueError(f"x has shape {tuple(x.shape)}; expected (n, {dim})"
                         + (" or (n,)" if dim == 1 else ""))
    return x


def _pick(weights: torch.Tensor, n: int, generator, device) -> torch.Tensor:
    """n component indices drawn with probabilities ``weights`` (inverse-CDF sampling)."""
    u = _draw(torch.rand, (n,), generator, device)  # (n,)
    cdf = weights.cumsum(0).to(u.device, torch.float32)
    return torch.searchsorted(cdf, u, right=True).clamp_max(len(weights) - 1)


def _posint(name, value, minimum=1) -> int:
    """``value`` as an int >= ``minimum`` (Python or NumPy integer; bool refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}={value!r} must be an integer >= {minimum}")
    if value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def _real(name, value) -> float:
    """``value`` as a finite float (Python, NumPy or 0-d tensor number; bool refused)."""
    if isinstance(value, (bool, str, bytes)) or not isinstance(
            value, (int, float, np.number)) and not (torch.is_tensor(value)
                                                     and value.numel() == 1):
        raise TypeError(f"{name}={value!r} must be a finite real number")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name}={value!r} must be a finite real number (not NaN or inf)")
    return out


def _positive(name, value, allow_zero=False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``)."""
    out = _real(name, value)
    if out < 0 or (out == 0 and not allow_zero):
        raise ValueError(f"{name}={value!r} must be a finite number "
                         + (">= 0" if allow_zero else "> 0"))
    return out


def _finite_tensor(name, values, dtype=torch.float64) -> torch.Tensor:
    """Array-like of numbers -> tensor; TypeError for non-numbers, ValueError for NaN/inf."""
    try:
        t = torch.as_tensor(np.asarray(values.detach().cpu() if torch.is_tensor(values)
                                       else values, dtype=np.float64), dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}={values!r} must be an array of real numbers") from err
    if not torch.isfinite(t).all():
        raise ValueError(f"{name}={values!r} must hold finite numbers (no NaN or inf)")
    return t


def _weights(weights, k: int) -> torch.Tensor:
    """Mixture weights (k non-negative finite numbers, positive sum), normalised to sum 1."""
    if weights is None:
        return torch.full((k,), 1.0 / k, dtype=torch.float64)
    w = _finite_tensor("weights", weights).reshape(-1)
    if w.numel() != k or (w < 0).any() or not w.sum() > 0:
        raise ValueError(f"weights={weights!r} must be {k} non-negative numbers, positive sum")
    return w / w.sum()


class Distribution:
    """Base class: ``dim``, ``sample(n, generator, device) -> (n, dim)``, ``pdf``, ``log_prob``.

    Taught in chapter 1, Generative models.
    """

    dim: int = 1  # images: ``shape`` attribute instead

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        raise NotImplementedError

    def log_prob(self, x) -> torch.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no closed-form density; "
                                  "only sample() is available")

    def pdf(self, x) -> torch.Tensor:
        """Exact density p(x): x of shape (n, dim) (or (n,) when dim == 1) -> (n,)."""
        return self.log_prob(x).exp()


class Mixture1D(Distribution):
    """Mixture Σ_k w_k N(μ_k, σ_k²) on the line; log p via logsumexp. Samples (n, 1).

    Taught in chapter 1, Generative models (a two-mode target), and chapter 3.
    """
    dim = 1

    def __init__(self, means, stds, weights=None):
        self.means = _finite_tensor("means", means).reshape(-1)
        self.stds = _finite_tensor("stds", stds).reshape(-1)
        if not len(self.means):
            raise ValueError(f"means={means!r} must hold at least one number")
        if self.stds.numel() == 1:
            self.stds = self.stds.expand(self.means.numel()).clone()
        if len(self.stds) != len(self.means) or not (self.stds > 0).all() or not len(self.stds):
            raise ValueError(f"stds={stds!r} must be {self.means.numel()} positive numbers")
        self.weights = _weights(weights, self.means.numel())

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        k = _pick(self.weights, _posint("n", n, 0), generator, device)  # (n,) component ids
        eps = _draw(torch.randn, (len(k),), generator, device)  # (n,)
        mu, sd = self.means.float().to(k.device), self.stds.float().to(k.device)  # no fp64 on MPS
        return (mu[k] + sd[k] * eps).reshape(-1, 1)  # (n, 1)

    def log_prob(self, x) -> torch.Tensor:
        x = _as_points(x, 1)  # (n, 1)
        mu, sd, w = (t.to(x.device, x.dtype) for t in (self.means, self.stds, self.weights))
        comp = -0.5 * ((x - mu) / sd) ** 2 - sd.log() - 0.5 * _LOG_2PI  # (n, K)
        return torch.logsumexp(comp + w.log(), dim=1)  # (n,)


class Gaussian1D(Mixture1D):
    """N(mean, std²) on the line: p(x) = exp(-(x-μ)²/2σ²) / (σ√(2π)). Samples (n, 1).

    Taught in chapter 1, Generative models, and chapter 3, The optimal discriminator.
    """

    def __init__(self, mean: float = 0.0, std: float = 1.0):
        self.mean, self.std = _real("mean", mean), _positive("std", std)
        super().__init__([self.mean], [self.std])

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        eps = _draw(torch.randn, (_posint("n", n, 0), 1), generator, device)  # (n, 1)
        return self.mean + self.std * eps


class GaussianMixture2D(Distribution):
    """Isotropic 2D mixture p(x) = Σ_k w_k N(x; c_k, std² I). Samples (n, 2).

    ``.centers`` is a (K, 2) tensor, ``.std`` a float. Build the classic benchmarks with
    :meth:`ring` (8 modes on a circle of radius 2, std 0.02) and :meth:`grid` (5×5 modes,
    spacing 2, std 0.05) from Metz et al. 2017 (unrolled GANs) and Srivastava et al. 2017
    (VEEGAN). Taught in chapter 2, The minimax game, and chapter 6, Evaluation.
    """
    dim = 2

    def __init__(self, centers, std: float, weights=None):
        self.centers = _finite_tensor("centers", centers, torch.float32)
        if self.centers.dim() != 2 or self.centers.shape[1] != 2 or len(self.centers) == 0:
            raise ValueError(f"centers= has shape {tuple(self.centers.shape)}; expected (K, 2) "
                             "with K >= 1")
        self.std = _positive("std", std)
        self.weights = _weights(weights, len(self.centers))
        self.n_modes = len(self.centers)

    @classmethod
    def ring(cls, n_modes: int = 8, radius: float = 2.0, std: float = 0.02):
        """``n_modes`` equal modes at angles 2πk/n_modes on a circle of ``radius``."""
        angle = torch.arange(_posint("n_modes", n_modes), dtype=torch.float64)
        angle = angle * 2 * math.pi / n_modes
        radius = _positive("radius", radius)
        centers = radius * torch.stack([angle.cos(), angle.sin()], dim=1)  # (K, 2)
        return cls(centers, std)

    @classmethod
    def grid(cls, n_per_side: int = 5, spacing: float = 2.0, std: float = 0.05):
        """``n_per_side ** 2`` modes on a centred square grid (default centres {-4,-2,0,2,4}²)."""
        spacing = _positive("spacing", spacing)
        axis = torch.arange(_posint("n_per_side", n_per_side), dtype=torch.float64) * spacing
        axis = axis - axis.mean()  # centred: {-4, -2, 0, 2, 4} for the defaults
        gx, gy = torch.meshgrid(axis, axis, indexing="ij")
        return cls(torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1), std)

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        k = _pick(self.weights, _posint("n", n, 0), generator, device)  # (n,) component ids
        eps = _draw(torch.randn, (len(k), 2), generator, device)  # (n, 2)
        return self.centers.to(k.device)[k] + self.std * eps

    def log_prob(self, x) -> torch.Tensor:
        x = _as_points(x, 2)  # (n, 2)
        c, w = self.centers.to(x.device, x.dtype), self.weights.to(x.device, x.dtype)
        sq = ((x[:, None, :] - c[None]) ** 2).sum(-1)  # (n, K)
        comp = -sq / (2 * self.std**2) - 2 * math.log(self.std) - _LOG_2PI
        return torch.logsumexp(comp + w.log(), dim=1)  # (n,)


ring = GaussianMixture2D.ring  # shortcut: ganlib.data.ring() (chapters 2 and 6)
grid = GaussianMixture2D.grid  # shortcut: ganlib.data.grid() (chapter 6)


class SwissRoll(Distribution):
    """2D swiss roll t(cos t, sin t), t ∈ [1.5π, 4.5π], scaled to radius 2, plus N(0, noise²).

    Sample only (no closed-form density). Taught in chapter 2, The minimax game.
    """
    dim = 2

    def __init__(self, noise: float = 0.05):
        self.noise = _positive("noise", noise, allow_zero=True)

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        n = _posint("n", n, 0)
        t = 1.5 * math.pi * (1 + 2 * _draw(torch.rand, (n,), generator, device))  # (n,)
        x = torch.stack([t * t.cos(), t * t.sin()], dim=1) * (2 / (4.5 * math.pi))  # (n, 2)
        return x + self.noise * _draw(torch.randn, (n, 2), generator, device)


class TwoMoons(SwissRoll):  # shares dim and noise with SwissRoll
    """Two interleaved half circles (as sklearn's make_moons), scaled to x ∈ [-2, 2].

    Sample only (no closed-form density). Taught in chapter 2, The minimax game.
    """

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        n = _posint("n", n, 0)
        theta = math.pi * _draw(torch.rand, (n,), generator, device)  # (n,)
        lower = _draw(torch.randint, (n,), generator, device, low=0, high=2).bool()
        x = torch.stack([torch.where(lower, 1 - theta.cos(), theta.cos()),
                         torch.where(lower, 0.5 - theta.sin(), theta.sin())], dim=1)  # (n, 2)
        x = (x - torch.tensor([0.5, 0.25], device=x.device)) * (4 / 3)  # [-1,2]x[-.5,1] scaled
        return x + self.noise * _draw(torch.randn, (n, 2), generator, device)


class SineCurves(Distribution):
    """Curves x = a·sin(ω t + φ) on a fixed grid t (``.t``, shape (n_points,)): (n, n_points).

    a ~ U(amplitude), φ ~ U(phase), ω ~ U(frequency). With ``n_curves`` the data set is the
    finite set of curves whose parameters are evenly spaced over the ranges, sampled
    uniformly with replacement. :meth:`practice` is the toy of the practice slides: ten
    curves sin(ω t), ω ∈ linspace(1, 1.2, 10), t ∈ linspace(-2.5, 3.5, 32).
    Sample only. Taught in chapter 7, Practice.
    """

    def __init__(self, n_points: int = 64, amplitude=(1.0, 2.0), phase=(0.0, 2 * math.pi),
                 frequency=(1.0, 1.0), t_range=(-math.pi, math.pi), n_curves: int | None = None):
        self.n_points = self.dim = _posint("n_points", n_points, 2)
        self.n_curves = None if n_curves is None else _posint("n_curves", n_curves)
        ranges = dict(amplitude=amplitude, phase=phase, frequency=frequency, t_range=t_range)
        for name, rng in ranges.items():
            if isinstance(rng, (str, bytes)) or not hasattr(rng, "__len__") or len(rng) != 2:
                raise TypeError(f"{name}={rng!r} must be a (low, high) pair of numbers")
            low, high = _real(name, rng[0]), _real(name, rng[1])
            if low > high:
                raise ValueError(f"{name}={rng!r} must be a (low, high) pair with low <= high")
            setattr(self, name, (low, high))
        self.t = torch.linspace(*self.t_range, n_points)  # (n_points,)

    @classmethod
    def practice(cls, n_curves: int = 10):
        """The practice slides' toy: sin(ω t), ω ∈ linspace(1, 1.2, n_curves), 32 points."""
        return cls(n_points=32, amplitude=(1.0, 1.0), phase=(0.0, 0.0), frequency=(1.0, 1.2),
                   t_range=(-2.5, 3.5), n_curves=n_curves)

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        n = _posint("n", n, 0)
        if self.n_curves is None:
            u = _draw(torch.rand, (3, n), generator, device)  # (3, n) in [0, 1)
        else:  # curve k of n_curves: every parameter at fraction k / (n_curves - 1) of its range
            k = _draw(torch.randint, (n,), generator, device, low=0, high=self.n_curves)
            u = (k.float() / max(self.n_curves - 1, 1)).expand(3, n)
        a, phi, w = (lo + (hi - lo) * u[i, :, None] for i, (lo, hi) in
                     enumerate((self.amplitude, self.phase, self.frequency)))  # (n, 1) each
        return a * torch.sin(w * self.t.to(u.device) + phi)  # (n, n_points)


class Digits(Distribution):
    """scikit-learn's bundled 8×8 digits (offline), scaled to [-1, 1]: ``.images`` (1797, 1, 8, 8).

    ``.labels`` (1797,) int64; ``sample(n)`` draws images with replacement -> (n, 1, 8, 8).
    Taught in chapter 6, Evaluation.
    """
    shape, dim = (1, 8, 8), 64

    def __init__(self):
        from sklearn.datasets import load_digits

        bunch = load_digits()
        pixels = torch.as_tensor(bunch.images, dtype=torch.float32)  # (N, 8, 8) in [0, 16]
        self.images = (pixels / 16.0 * 2 - 1).unsqueeze(1)  # (N, 1, 8, 8) in [-1, 1]
        self.labels = torch.as_tensor(bunch.target, dtype=torch.long)  # (N,)

    def __len__(self):
        return len(self.images)

    def sample(self, n, generator=None, device=None) -> torch.Tensor:
        n = _posint("n", n, 0)
        idx = _draw(torch.randint, (n,), generator, device, low=0, high=len(self))
        return self.images.to(idx.device)[idx]  # (n, 1, 8, 8)


_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (LeCun's MNIST format; ``.gz`` allowed) into a NumPy array.

    Header: two zero bytes, a type code, the number of dims, then big-endian int32 sizes.
    Taught in chapter 6, Evaluation.
    """
    with (gzip.open if str(path).endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"path={str(path)!r} is not an IDX file (bad magic number)")
    ndim, dtype = raw[3], np.dtype(_IDX_DTYPES[raw[2]])
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4)
    count = int(np.prod(dims)) if ndim else 1
    if len(raw) < 4 + 4 * ndim + count * dtype.itemsize:
        raise ValueError(f"path={str(path)!r} is truncated: expected shape {tuple(dims)}")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=4 + 4 * ndim)
    return data.reshape(tuple(int(d) for d in dims)).astype(dtype.newbyteorder("="))


def _find_idx(root, stem: str):
    folders = (root, os.path.join(root, "MNIST", "raw"), os.path.join(root, "raw"))
    paths = [os.path.join(d, n) for d in folders for n in (stem, stem + ".gz")]
    return next((p for p in paths if os.path.isfile(p)), None)


def load_mnist(root, download: bool = False, train: bool = True):
    """MNIST as ``(images (N, 1, 28, 28) float32 in [-1, 1], labels (N,) int64)``.

    Reads the IDX files (``train-images-idx3-ubyte`` ... or ``t10k-...``, optionally
    ``.gz``) from ``root`` or ``root/MNIST/raw`` with our own reader. Missing files with
    ``download=False`` raise FileNotFoundError; ``download=True`` delegates to torchvision.
    Taught in chapter 6, Evaluation (optional larger images).
    """
    prefix, root = "train" if train else "t10k", os.fspath(root)
    paths = [_find_idx(root, f"{prefix}-{kind}-ubyte") for kind in ("images-idx3", "labels-idx1")]
    if None in paths:
        if not download:
            raise FileNotFoundError(f"MNIST {prefix} IDX files not found under root={root!r}; "
                                    "place them there or call load_mnist(root, download=True)")
        try:
            from torchvision.datasets import MNIST
        except ImportError as err:
            raise FileNotFoundError(f"MNIST not found under root={root!r} and download=True "
                                    "needs torchvision (pip install torchvision)") from err
        ds = MNIST(root, train=train, download=True)
        pixels, labels = ds.data.numpy(), ds.targets.numpy()
    else:
        pixels, labels = read_idx(paths[0]), read_idx(paths[1])
    if pixels.ndim != 3 or len(pixels) != len(labels):
        raise ValueError(f"root={root!r}: MNIST images {pixels.shape} vs labels {labels.shape}")
    images = torch.as_tensor(pixels.astype(np.float32) / 255.0 * 2 - 1).unsqueeze(1)
    return images, torch.as_tensor(labels.astype(np.int64))  # (N, 1, 28, 28), (N,)


def sampler(dist_or_tensor, batch_size: int, device=None, seed: int | None = None
            ) -> Iterator[torch.Tensor]:
    """Infinite iterator of batches generated on ``device`` (None: :func:`ganlib.device`).

    A :class:`Distribution` (or a name for :func:`get_dataset`) is sampled afresh each
    batch; a tensor data set ``(N, ...)`` is shuffled each epoch and cut into minibatches
    without replacement (the last incomplete batch of an epoch is dropped). One
    ``torch.Generator`` on ``device`` seeded with ``seed`` (None: drawn from torch's global
    RNG, so :func:`ganlib.seed_everything` fixes it) makes the stream reproducible.
    Taught in chapter 2, The minimax game (minibatches).
    """
    from . import device as resolve_device

    _posint("batch_size", batch_size)
    dev = resolve_device(device)
    seed = int(torch.randint(0, 2**62, (1,))) if seed is None else _posint("seed", seed, 0)
    gen = torch.Generator(device=dev).manual_seed(seed)
    if isinstance(dist_or_tensor, str):
        dist_or_tensor = get_dataset(dist_or_tensor)
    if not isinstance(dist_or_tensor, Distribution) and not torch.is_tensor(dist_or_tensor):
        raise ValueError(f"dist_or_tensor={type(dist_or_tensor).__name__} must be a "
                         "Distribution, a tensor or a dataset name")
    if torch.is_tensor(dist_or_tensor) and len(dist_or_tensor) < batch_size:
        raise ValueError(f"batch_size={batch_size} exceeds the data set size "
                         f"{len(dist_or_tensor)}")
    return _batches(dist_or_tensor, batch_size, dev, gen)


def _batches(source, batch_size, dev, gen):
    data = source.to(dev) if torch.is_tensor(source) else None
    while True:
        if data is None:
            yield source.sample(batch_size, generator=gen, device=dev)
            continue
        perm = torch.randperm(len(data), generator=gen, device=dev)  # one epoch
        for start in range(0, len(data) - batch_size + 1, batch_size):
            yield data[perm[start:start + batch_size]]  # (batch_size, ...)


_FACTORIES = {"gaussian": Gaussian1D, "ring": ring, "grid": grid,
              "mixture1d": lambda means=(-2.0, 2.0), stds=(0.5, 0.5), weights=None:
              Mixture1D(means, stds, weights),
              "swissroll": SwissRoll, "moons": TwoMoons, "sine": SineCurves, "digits": Digits}
#: Names accepted by :func:`get_dataset`.
DATASETS = tuple(_FACTORIES)


def get_dataset(name: str, **kw) -> Distribution:
    """Build a data set by name (one of :data:`DATASETS`); ``kw`` go to its constructor.

    ``"mixture1d"`` defaults to means (-2, 2), stds (0.5, 0.5).
    Taught in chapter 1, Generative models (and used by every chapter).
    """
    if not isinstance(name, str) or name not in _FACTORIES:
        raise ValueError(f"name={name!r} is not one of {', '.join(map(repr, DATASETS))}")
    return _FACTORIES[name](**kw)
