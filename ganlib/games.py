"""Gradient dynamics of the bilinear game min_x max_y x·y (chapter 2, The minimax game).

The smallest game that shows why GAN training is not an optimisation problem: the
"generator" x minimises f(x, y) = x·y, the "discriminator" y maximises it; the unique Nash
equilibrium is (0, 0). Every first-order method below is a *linear* map of the state, so its
behaviour is read off the eigenvalues of its matrix:

* ``simultaneous``: x ← x − η y, y ← y + η x. Spectral radius √(1 + η²) > 1: spirals out.
* ``alternating``: y ← y + kη x (k = n_critic), then x ← x − η y with the new y. Spectral radius
  1 for kη² < 4: cycles.
* ``extragradient``: a look-ahead half step, then a step with the look-ahead gradient
  (Korpelevich, 1976). Spectral radius √(1 − η² + η⁴) < 1 for 0 < η < 1: converges.
* ``optimistic``: x ← x − 2η y_t + η y_{t−1} (and likewise for y) (Daskalakis et al., 2018,
  "Training GANs with optimism"). Spectral radius < 1 for small η: converges.

Scalars are used (x, y ∈ ℝ); the vector game x^T A y decouples into such 2×2 blocks along the
singular vectors of A, with η replaced by η·σ_i. Plain NumPy, float64.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "METHODS", "bilinear_value", "simultaneous_step", "alternating_step",
    "extragradient_step", "optimistic_step", "update_matrix", "eigenvalues",
    "spectral_radius", "trajectory",
]

METHODS = ("simultaneous", "alternating", "extragradient", "optimistic")


def _check(method: str, lr: float, n_critic: int = 1) -> None:
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {', '.join(map(repr, METHODS))}")
    if isinstance(lr, (bool, str)) or not isinstance(lr, (int, float, np.number)):
        raise TypeError(f"lr={lr!r} must be a positive finite number")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr={lr!r} must be a positive finite number")
    if isinstance(n_critic, bool) or not isinstance(n_critic, (int, np.integer, float)):
        raise TypeError(f"n_critic={n_critic!r} must be a positive integer")
    if not np.isfinite(n_critic) or int(n_critic) != n_critic or n_critic < 1:
        raise ValueError(f"n_critic={n_critic!r} must be a positive integer")


def bilinear_value(x, y):
    """The value f(x, y) = x·y of the bilinear game (x minimises, y maximises)."""
    return np.asarray(x) * np.asarray(y)


def simultaneous_step(x: float, y: float, lr: float) -> tuple[float, float]:
    """Simultaneous gradient descent-ascent: both players use the *old* state.

    x ← x − η ∂f/∂x = x − η y,   y ← y + η ∂f/∂y = y + η x.
    """
    return x - lr * y, y + lr * x


def alternating_step(x: float, y: float, lr: float, n_critic: int = 1) -> tuple[float, float]:
    """Alternating updates in the order of Algorithm 1 (Goodfellow et al., 2014).

    The maximiser ("D", y) takes ``n_critic`` = k ascent steps, y ← y + η x each (so
    y ← y + kη x, because ∂f/∂y = x does not depend on y), then the minimiser ("G", x) steps
    against the *new* y: x ← x − η y.
    """
    for _ in range(int(n_critic)):
        y = y + lr * x
    return x - lr * y, y


def extragradient_step(x: float, y: float, lr: float) -> tuple[float, float]:
    """Extragradient (Korpelevich, 1976): step with the gradient at a look-ahead point.

    x̃ = x − η y, ỹ = y + η x (a simultaneous trial step), then
    x ← x − η ỹ, y ← y + η x̃.
    """
    x_look, y_look = x - lr * y, y + lr * x
    return x - lr * y_look, y + lr * x_look


def optimistic_step(x: float, y: float, x_prev: float, y_prev: float,
                    lr: float) -> tuple[float, float]:
    """Optimistic gradient descent-ascent (Daskalakis et al., 2018).

    Uses the last two gradients, g_t + (g_t − g_{t−1}) = 2 g_t − g_{t−1}:
    x ← x − 2η y_t + η y_{t−1},   y ← y + 2η x_t − η x_{t−1}.
    """
    return x - 2 * lr * y + lr * y_prev, y + 2 * lr * x - lr * x_prev


def update_matrix(method: str, lr: float, n_critic: int = 1) -> np.ndarray:
    """The linear map M of one update: state_{t+1} = M state_t.

    The state is (x, y) — shape (2, 2) — except for ``"optimistic"``, whose state is
    (x_t, y_t, x_{t−1}, y_{t−1}) — shape (4, 4). ``n_critic`` only affects ``"alternating"``.
    """
    _check(method, lr, n_critic)
    e = float(lr)
    if method == "simultaneous":
        return np.array([[1.0, -e], [e, 1.0]])
    if method == "alternating":
        k = int(n_critic)
        return np.array([[1.0 - k * e * e, -e], [k * e, 1.0]])
    if method == "extragradient":
        return np.array([[1.0 - e * e, -e], [e, 1.0 - e * e]])
    return np.array([[1.0, -2 * e, 0.0, e],
                     [2 * e, 1.0, -e, 0.0],
                     [1.0, 0.0, 0.0, 0.0],
                     [0.0, 1.0, 0.0, 0.0]])


def eigenvalues(method: str, lr: float, n_critic: int = 1) -> np.ndarray:
    """Complex eigenvalues of :func:`update_matrix`, sorted by decreasing modulus."""
    lam = np.linalg.eigvals(update_matrix(method, lr, n_critic))
    return lam[np.argsort(-np.abs(lam), kind="stable")]


def spectral_radius(method: str, lr: float, n_critic: int = 1) -> float:
    """max \\|λ\\| of the update map: > 1 diverges, = 1 cycles, < 1 converges to (0, 0)."""
    return float(np.abs(eigenvalues(method, lr, n_critic)).max())


def trajectory(method: str, x0: float = 1.0, y0: float = 1.0, lr: float = 0.1,
               steps: int = 100, n_critic: int = 1) -> np.ndarray:
    """Iterate one method from (x0, y0) with the step functions above.

    Returns an array of shape (steps + 1, 2) holding (x_t, y_t), row 0 = (x0, y0). The
    optimistic method starts with (x_{−1}, y_{−1}) = (x0, y0).
    """
    _check(method, lr, n_critic)
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps={steps!r} must be a non-negative integer")
    out = np.empty((int(steps) + 1, 2))  # (steps + 1, 2)
    x, y = float(x0), float(y0)
    x_prev, y_prev = x, y
    out[0] = x, y
    for t in range(1, int(steps) + 1):
        if method == "simultaneous":
            x, y = simultaneous_step(x, y, lr)
        elif method == "alternating":
            x, y = alternating_step(x, y, lr, n_critic)
        elif method == "extragradient":
            x, y = extragradient_step(x, y, lr)
        else:
            (x, y), x_prev, y_prev = optimistic_step(x, y, x_prev, y_prev, lr), x, y
        out[t] = x, y
    return out
