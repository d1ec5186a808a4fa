"""Reading a GAN's training curves automatically.

A GAN's losses do not fall the way a classifier's do: each player is scored against an opponent
that keeps moving. What the curves *can* say is whether the game is balanced. ``diagnose``
encodes the checklist of chapter 7 (*Practice*, section "Reading the curves") as a few explicit
rules on the last part of a training history.

At the equilibrium of chapter 3, ``D(x) = D(G(z)) = 1/2`` and the discriminator's BCE loss is
``2 log 2 ≈ 1.386``; the rules flag histories that are far from that picture.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["diagnose"]

# mean D(x), D(G(z)) in a history are probabilities only for these losses
from .losses import LOSSES, SIGMOID_LOSSES


def _tail(values, fraction):
    values = list(values)
    n = max(1, int(round(len(values) * fraction)))
    return values[-n:]


def _mean(values):
    return sum(values) / len(values)


def diagnose(history, loss: str = "nonsaturating", window: float = 0.2,
             winning_margin: float = 0.1, vanishing_ratio: float = 1e-2) -> list[str]:
    """Return a list of problems seen in the last ``window`` of a training history (empty if none).

    Rules (chapter 7, "Reading the curves"):

    * **diverged** — a logged loss is ``nan`` or ``inf``;
    * **the discriminator is winning** — over the window, mean ``D(G(z)) < winning_margin`` and mean
      ``D(x) > 1 - winning_margin`` (only for losses whose D ends in a sigmoid, see
      :data:`ganlib.losses.SIGMOID_LOSSES`);
    * **the generator's gradient has vanished** — the mean of ``grad_norm_g`` over the window is
      below ``vanishing_ratio`` times its largest value earlier in training.

    Args:
        history: a :class:`ganlib.train.History` (or any object / dict with list fields ``loss_d``,
            ``loss_g``, ``d_real``, ``d_fake`` and ``grad_norm_g``).
        loss: the loss the history was trained with (a name of :data:`ganlib.losses.LOSSES`);
            it decides whether D's outputs are probabilities.
        window: fraction of the logged points, at the end, that the rules look at (0 < window ≤ 1).
        winning_margin: how close to 0 and 1 the discriminator's outputs must be to count as
            winning.
        vanishing_ratio: threshold for the generator's gradient norm relative to its maximum.
    """
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not one of {', '.join(map(repr, LOSSES))}")
    for name, value in (("window", window), ("winning_margin", winning_margin),
                        ("vanishing_ratio", vanishing_ratio)):
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"{name}={value!r} must be a number")
    if not 0 < window <= 1:
        raise ValueError(f"window={window!r} must be in (0, 1]")
    if not 0 < winning_margin < 0.5:
        raise ValueError(f"winning_margin={winning_margin!r} must be in (0, 0.5)")
    if not 0 < vanishing_ratio < 1:
        raise ValueError(f"vanishing_ratio={vanishing_ratio!r} must be in (0, 1)")
    def get(name):
        return history[name] if isinstance(history, dict) else getattr(history, name)

    loss_d, loss_g = list(get("loss_d")), list(get("loss_g"))
    if not loss_d:
        raise ValueError("history is empty: train for at least one logging interval before "
                         "diagnosing")

    problems = []
    if not all(math.isfinite(v) for v in loss_d + loss_g):
        problems.append("training diverged: a logged loss is not finite")
        return problems

    if loss in SIGMOID_LOSSES:
        d_real, d_fake = _mean(_tail(get("d_real"), window)), _mean(_tail(get("d_fake"), window))
        if d_fake < winning_margin and d_real > 1 - winning_margin:
            problems.append(
                f"the discriminator is winning: mean D(x) = {d_real:.3f}, "
                f"mean D(G(z)) = {d_fake:.3f} "
                "(balanced play keeps both near 0.5); slow D down, or use the non-saturating loss")

    grad = list(get("grad_norm_g"))
    if grad and max(grad) > 0:
        recent = _mean(_tail(grad, window))
        if recent < vanishing_ratio * max(grad):
            problems.append(
                f"the generator's gradient has vanished: recent mean norm {recent:.2e} vs "
                f"a maximum of {max(grad):.2e}")
    return problems
