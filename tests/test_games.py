"""Tests for ganlib.games: bilinear-game update maps against their closed-form eigenvalues."""
import numpy as np
import pytest

from ganlib import games


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.5])
def test_closed_form_spectral_radii(lr):
    assert games.spectral_radius("simultaneous", lr) == pytest.approx(np.sqrt(1 + lr**2))
    assert games.spectral_radius("alternating", lr) == pytest.approx(1.0)
    assert games.spectral_radius("extragradient", lr) == pytest.approx(
        np.sqrt(1 - lr**2 + lr**4))
    assert games.spectral_radius("optimistic", lr) < 1.0


def test_alternating_with_n_critic_stays_on_unit_circle_until_threshold():
    # det = 1 always; complex eigenvalues (|λ| = 1) while k η² < 4
    for k in (1, 3, 5):
        lr = 0.9 * 2 / np.sqrt(k)
        assert np.linalg.det(games.update_matrix("alternating", lr, k)) == pytest.approx(1.0)
        assert games.spectral_radius("alternating", lr, k) == pytest.approx(1.0)
    assert games.spectral_radius("alternating", 2.5) > 1.0  # η² > 4: real eigenvalues, diverges


@pytest.mark.parametrize("method", games.METHODS)
def test_matrix_matches_step_functions(method):
    lr, steps = 0.2, 7
    traj = games.trajectory(method, 0.3, -1.1, lr, steps, n_critic=2)
    assert traj.shape == (steps + 1, 2)
    M = games.update_matrix(method, lr, n_critic=2)
    state = np.array([0.3, -1.1] if M.shape[0] == 2 else [0.3, -1.1, 0.3, -1.1])
    for t in range(1, steps + 1):
        state = M @ state
        np.testing.assert_allclose(state[:2], traj[t], rtol=1e-12, atol=1e-12)


def test_qualitative_behaviour():
    r0 = np.hypot(1.0, 1.0)
    norms = {m: np.linalg.norm(games.trajectory(m, 1.0, 1.0, 0.1, 500), axis=1)
             for m in games.METHODS}
    assert norms["simultaneous"][-1] > 5 * r0          # spirals out
    assert 0.5 * r0 < norms["alternating"].max() < 2 * r0  # bounded cycle
    assert norms["alternating"][-1] > 0.5 * r0
    assert norms["extragradient"][-1] < 0.1 * r0        # converges to the equilibrium
    assert norms["optimistic"][-1] < 0.1 * r0


def test_eigenvalues_sorted_and_complex():
    lam = games.eigenvalues("simultaneous", 0.3)
    np.testing.assert_allclose(sorted(lam, key=lambda z: z.imag), [1 - 0.3j, 1 + 0.3j])
    assert games.eigenvalues("optimistic", 0.1).shape == (4,)
    assert np.all(np.diff(np.abs(games.eigenvalues("optimistic", 0.1))) <= 1e-12)


def test_bilinear_value():
    assert games.bilinear_value(2.0, -3.0) == -6.0


def test_bad_input():
    with pytest.raises(ValueError, match="method='sgd' is not one of"):
        games.update_matrix("sgd", 0.1)
    with pytest.raises(ValueError, match="lr"):
        games.trajectory("simultaneous", lr=-1.0)
    with pytest.raises(ValueError, match="n_critic"):
        games.update_matrix("alternating", 0.1, n_critic=0)
    with pytest.raises(ValueError, match="steps"):
        games.trajectory("alternating", steps=-2)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=float("nan")), "lr"), (dict(lr=float("inf")), "lr"), (dict(lr="0.1"), "lr"),
    (dict(lr=-0.1), "lr"), (dict(n_critic=0), "n_critic"), (dict(n_critic=1.5), "n_critic"),
    (dict(n_critic="2"), "n_critic"), (dict(n_critic=float("nan")), "n_critic"),
])
def test_bad_arguments_are_refused_by_name(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=rf"{name}="):
        games.update_matrix("alternating", **{"lr": 0.1, **kwargs})


def test_numpy_scalars_work():
    assert games.spectral_radius("alternating", np.float32(0.1), np.int64(2)) == \
        pytest.approx(games.spectral_radius("alternating", 0.1, 2))
