"""An offline feature extractor for the 8x8 digits: a tiny CNN (Chapter 6, Evaluating GANs).

FID, KID, the Inception Score and precision/recall all need a network that maps an image to
a feature vector (and, for IS, to class probabilities). The papers use Inception-v3 trained on
ImageNet. **This module is not Inception.** It trains, in a few seconds on a CPU, a small CNN on
scikit-learn's bundled 8x8 digits (no download), so that Chapter 6 can compute the *same
formulas* on the book's digits GAN. Numbers computed with it are comparable only with other
numbers computed with the same classifier (same seed and epochs), never with published FIDs.

Public API: :class:`DigitsClassifier`, :func:`train_digits_classifier`, :func:`load_digits_split`.
"""
from __future__ import annotations

import functools
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["DigitsClassifier", "train_digits_classifier", "load_digits_split"]


class DigitsClassifier(nn.Module):
    """Small CNN for 8x8 digit images in [-1, 1]; not Inception (Chapter 6).

    Architecture: conv3x3(1→16) → ReLU → conv3x3(16→32) → ReLU → maxpool 2 → linear(512→64)
    → ReLU (the *features*, 64-d penultimate layer) → linear(64→10) (logits).

    ``forward(x)`` returns logits (B, 10); ``features(x)`` returns (B, 64);
    ``probs(x)`` returns softmax probabilities p(y|x), (B, 10).
    ``num_features`` (= 64) lets torchmetrics skip its shape probe.

    Args:
        x: images (B, 1, 8, 8) or (B, 64), float, values in [-1, 1] (the range of
           ``ganlib.data.Digits`` and of a tanh generator).
    """

    num_features = 64
    num_classes = 10

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 4 * 4, self.num_features)
        self.fc2 = nn.Linear(self.num_features, self.num_classes)
        self.test_accuracy: float | None = None  # set by train_digits_classifier

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2 and x.shape[1] == 64:
            x = x.reshape(-1, 1, 8, 8)  # (B, 64) -> (B, 1, 8, 8)
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 8, 8):
            raise ValueError(f"x must have shape (B, 1, 8, 8) or (B, 64), got {tuple(x.shape)}")
        p = next(self.parameters())
        return x.to(device=p.device, dtype=p.dtype)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate-layer activations, (B, 1, 8, 8) -> (B, 64)."""
        x = self._check(x)
        h = F.relu(self.conv1(x))                   # (B, 16, 8, 8)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (B, 32, 4, 4)
        return F.relu(self.fc1(h.flatten(1)))       # (B, 512) -> (B, 64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, (B, 1, 8, 8) -> (B, 10)."""
        return self.fc2(self.features(x))

    def probs(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities p(y|x) = softmax(logits), (B, 1, 8, 8) -> (B, 10)."""
        return F.softmax(self.forward(x), dim=1)

    def feature_extractor(self) -> nn.Module:
        """An ``nn.Module`` whose ``forward`` returns ``features(x)`` (B, 64).

        For torchmetrics: ``FrechetInceptionDistance(feature=clf.feature_extractor(),
        normalize=True)`` (``normalize=True`` so float images in [-1, 1] pass through unchanged).
        """
        return _Features(self)


class _Features(nn.Module):
    """Wraps a DigitsClassifier so that ``forward`` = ``features`` (torchmetrics' protocol)."""

    num_features = DigitsClassifier.num_features

    def __init__(self, classifier: DigitsClassifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(x)


def load_digits_split(test_fraction: float = 0.25, seed: int = 0):
    """scikit-learn's bundled digits as (x_train, y_train, x_test, y_test) tensors.

    Images (N, 1, 8, 8) float32 scaled from {0..16} to [-1, 1] by x/8 − 1; a stratified
    split with ``test_fraction`` of each class held out (seeded). Nothing is downloaded.
    """
    if isinstance(test_fraction, (bool, str)) or not isinstance(
            test_fraction, (int, float, np.number)):
        raise TypeError(f"test_fraction={test_fraction!r} must be a number in (0, 1)")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction={test_fraction!r} must be in (0, 1)")
    from .data import Digits

    digits = Digits()
    x, y = digits.images, digits.labels                                          # (1797, 1, 8, 8)
    rng = np.random.default_rng(seed)
    test_idx = []
    for c in range(10):
        idx = np.flatnonzero(y.numpy() == c)
        rng.shuffle(idx)
        test_idx.extend(idx[: int(round(test_fraction * len(idx)))])
    test_mask = np.zeros(len(y), dtype=bool)
    test_mask[test_idx] = True
    test_mask_t = torch.from_numpy(test_mask)
    return x[~test_mask_t], y[~test_mask_t], x[test_mask_t], y[test_mask_t]


def _train(seed: int, epochs: int, device: str) -> DigitsClassifier:
    x_tr, y_tr, x_te, y_te = load_digits_split(seed=seed)
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # do not disturb the caller's global RNG
        torch.manual_seed(seed)
        model = DigitsClassifier()
    model = model.to(device)
    x_tr, y_tr = x_tr.to(device), y_tr.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    batch_size = 64
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x_tr), generator=g).to(device)
        for i in range(0, len(x_tr), batch_size):
            idx = perm[i : i + batch_size]
            loss = F.cross_entropy(model(x_tr[idx]), y_tr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(x_te.to(device)).argmax(1).cpu()
    model.test_accuracy = float((pred == y_te).float().mean())
    return model


@functools.lru_cache(maxsize=4)
def _cached(seed: int, epochs: int, device: str, path: str | None) -> DigitsClassifier:
    if path is not None and os.path.exists(path):
        model = DigitsClassifier().to(device)
        state = torch.load(path, map_location=device, weights_only=True)
        acc = state.pop("test_accuracy", None)
        model.load_state_dict(state)
        model.test_accuracy = None if acc is None else float(acc)
        return model.eval()
    model = _train(seed, epochs, device)
    if path is not None:
        state = dict(model.state_dict())
        state["test_accuracy"] = torch.tensor(model.test_accuracy)
        torch.save(state, path)
    return model


def train_digits_classifier(seed: int = 0, epochs: int = 15, device=None,
                            path: str | os.PathLike | None = None) -> DigitsClassifier:
    """Train (or fetch from the per-process cache) the offline digits feature extractor.

    Trains :class:`DigitsClassifier` with Adam (lr 2e-3, batch 64, cross-entropy) on 75% of
    scikit-learn's bundled 8x8 digits; the held-out 25% gives ``model.test_accuracy``
    (about 0.97–0.99). Takes a few seconds on one CPU core; nothing is downloaded. The result is
    cached per process (``functools.lru_cache`` keyed on seed, epochs, device, path), so every
    call with the same arguments returns **the same module** — do not train it further.
    If ``path`` is given and exists the weights are loaded from it (``weights_only=True``);
    otherwise they are trained and saved there. Not Inception: see the module docstring.
    Chapter 6.

    Args:
        seed: seeds the split, the initial weights and the minibatch order.
        epochs: passes over the training split (≥ 1).
        device: None (CPU) or anything ``torch.device`` accepts.
        path: optional ``.pt`` file to load from / save to.
    Returns:
        the trained model in eval mode, with ``test_accuracy`` set.
    """
    for name, value, low in (("epochs", epochs, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name}={value!r} must be an integer >= {low}")
    epochs = int(epochs)
    dev = str(torch.device(device)) if device is not None else "cpu"
    return _cached(int(seed), epochs, dev, None if path is None else os.fspath(path))
