"""Known-answer and consistency tests for the motion models and batched Kalman/IMM steps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import solve_discrete_are
from scipy.stats import chi2

from samsim.tracking.filters import (
    imm_combine,
    imm_mix,
    imm_transition_matrix,
    inv_logdet_sym,
    kalman_update_position,
    kalman_update_position_numpy,
)
from samsim.tracking.models import (
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
    KnownTurn,
    StateLayout,
    cwna_block,
)


def _run_kf_1d(F: np.ndarray, Q: np.ndarray, r_m2: float, n_steps: int) -> tuple[np.ndarray, ...]:
    """Covariance recursion of a 1-D position-measured filter through the batched code."""
    x = np.zeros((1, 2))
    P = np.diag([r_m2, 1e6])[None]
    K = np.zeros(2)
    for _ in range(n_steps):
        Pp = F @ P @ F.T + Q
        S = Pp[0, 0, 0] + r_m2
        K = Pp[0, :, 0] / S
        x, P, _, _ = kalman_update_position(x, Pp, np.zeros((1, 1)), np.array([[[r_m2]]]))
    return K, P[0], Pp[0]


@pytest.mark.parametrize("lam", [0.05, 0.5, 2.0, 10.0])
def test_alpha_beta_steady_state_matches_kalata_closed_form(lam: float) -> None:
    # Discrete white-noise-acceleration CV model: the steady-state Kalman gains are the
    # alpha-beta filter of Kalata (1984), Bar-Shalom, Li and Kirubarajan 2001, sec. 6.5.3:
    # lambda = sigma_v T^2 / sigma_w,
    # alpha = -(lambda^2 + 8 lambda - (lambda + 4) sqrt(lambda^2 + 8 lambda)) / 8,
    # beta = (lambda^2 + 4 lambda - lambda sqrt(lambda^2 + 8 lambda)) / 4, K = [alpha, beta/T],
    # updated covariance P11 = alpha sigma_w^2, P12 = beta sigma_w^2 / T,
    # P22 = beta (alpha - beta/2) sigma_w^2 / ((1 - alpha) T^2).
    T, sw = 2.0, 50.0
    sv = lam * sw / T**2
    F = np.array([[1.0, T], [0.0, 1.0]])
    G = np.array([[T**2 / 2], [T]])
    Q = sv**2 * (G @ G.T)
    K, P, _ = _run_kf_1d(F, Q, sw**2, 400)
    root = np.sqrt(lam**2 + 8 * lam)
    alpha = -(lam**2 + 8 * lam - (lam + 4) * root) / 8
    beta = (lam**2 + 4 * lam - lam * root) / 4
    np.testing.assert_allclose(K, [alpha, beta / T], rtol=1e-9)
    np.testing.assert_allclose(
        P,
        sw**2
        * np.array(
            [[alpha, beta / T], [beta / T, beta * (alpha - beta / 2) / ((1 - alpha) * T**2)]]
        ),
        rtol=1e-8,
    )


def test_cwna_cv_steady_state_matches_riccati_solution() -> None:
    # The CV model used by the tracker (continuous white-noise acceleration, 1-D layout):
    # its steady-state prior covariance solves the discrete algebraic Riccati equation.
    lay = StateLayout(1, "cv")
    model = ConstantVelocity(lay, q_m2ps3=3.0)
    F, Q = model.transition(1.5)
    np.testing.assert_allclose(Q, cwna_block(1.5, 3.0))
    np.testing.assert_allclose(F, [[1.0, 1.5], [0.0, 1.0]])
    _, _, Pp = _run_kf_1d(F, Q, 400.0, 400)
    H = np.array([[1.0, 0.0]])
    P_are = solve_discrete_are(F.T, H.T, Q, np.array([[400.0]]))
    np.testing.assert_allclose(Pp, P_are, rtol=1e-9)


def test_cv_nees_within_chi_square_bounds_over_monte_carlo() -> None:
    # Truth simulated with the exact discretised CWNA noise, filter with the same model:
    # the average NEES over M runs must lie in the two-sided 99% chi-square band of
    # dof = M * nx / M at most time steps (Bar-Shalom, Li and Kirubarajan 2001, sec. 5.4.2).
    rng = np.random.default_rng(7)
    n_runs, n_steps, T, q, sig = 200, 40, 2.0, 5.0, 30.0
    lay = StateLayout(3, "cv")
    model = ConstantVelocity(lay, q)
    F, Q = model.transition(T)
    L = np.linalg.cholesky(Q)
    truth = np.zeros((n_runs, 6))
    truth[:, 3:] = rng.normal(0, 200, (n_runs, 3))
    x = np.zeros((n_runs, 6))
    P = np.tile(np.diag([sig**2] * 3 + [1e6] * 3), (n_runs, 1, 1))
    z = truth[:, :3] + rng.normal(0, sig, (n_runs, 3))
    R = np.tile(np.eye(3) * sig**2, (n_runs, 1, 1))
    x[:, :3] = z
    P[:, 3:, 3:] = np.eye(3) * 200.0**2
    x[:, 3:] = 0.0
    lo, hi = chi2.ppf([0.005, 0.995], n_runs * 6) / n_runs
    inside = []
    for _ in range(n_steps):
        truth = truth @ F.T + rng.standard_normal((n_runs, 6)) @ L.T
        x, P = model.predict(x, P, T)
        z = truth[:, :3] + rng.normal(0, sig, (n_runs, 3))
        x, P, _, _ = kalman_update_position(x, P, z, R)
        e = truth - x
        nees = np.einsum("ni,nij,nj->n", e, np.linalg.inv(P), e).mean()
        inside.append(lo <= nees <= hi)
    assert np.mean(inside) >= 0.9, (
        f"NEES inside the 99% band at only {np.mean(inside):.0%} of steps"
    )


def test_nees_test_detects_an_inconsistent_filter() -> None:
    # The same check must fail when the filter's process noise is 100x too small.
    rng = np.random.default_rng(8)
    n_runs, T = 200, 2.0
    lay = StateLayout(3, "cv")
    truth_model = ConstantVelocity(lay, 50.0)
    filt = ConstantVelocity(lay, 0.5)
    F, Q = truth_model.transition(T)
    L = np.linalg.cholesky(Q)
    truth = np.zeros((n_runs, 6))
    x = np.zeros((n_runs, 6))
    P = np.tile(np.diag([900.0] * 3 + [1e4] * 3), (n_runs, 1, 1))
    R = np.tile(np.eye(3) * 900.0, (n_runs, 1, 1))
    for _ in range(40):
        truth = truth @ F.T + rng.standard_normal((n_runs, 6)) @ L.T
        x, P = filt.predict(x, P, T)
        x, P, _, _ = kalman_update_position(x, P, truth[:, :3] + rng.normal(0, 30, (n_runs, 3)), R)
    e = truth - x
    nees = np.einsum("ni,nij,nj->n", e, np.linalg.inv(P), e).mean()
    assert nees > chi2.ppf(0.995, n_runs * 6) / n_runs


def test_ca_model_is_exact_on_constant_acceleration() -> None:
    lay = StateLayout(3, "ca")
    model = ConstantAcceleration(lay, q_m2ps5=1.0)
    x0 = np.array([[1.0, 2.0, 3.0, 10.0, -20.0, 5.0, 1.5, -2.0, 0.3]])
    xp, _ = model.predict(x0, np.zeros((1, 9, 9)), 4.0)
    t = 4.0
    np.testing.assert_allclose(xp[0, :3], x0[0, :3] + x0[0, 3:6] * t + 0.5 * x0[0, 6:] * t**2)
    np.testing.assert_allclose(xp[0, 3:6], x0[0, 3:6] + x0[0, 6:] * t)
    np.testing.assert_allclose(model.acceleration(xp), x0[:, 6:])


def test_coordinated_turn_jacobian_matches_finite_differences() -> None:
    lay = StateLayout(3, "ct")
    model = CoordinatedTurn(lay, 2.0, 0.01)
    for w in (0.15, -0.3, 1e-7, 0.0):
        x = np.array([[1e3, 2e3, 5e3, 200.0, -100.0, 3.0, w]])
        _, J = model.transition(x, 2.0)
        Jn = np.zeros((7, 7))
        for i in range(7):
            h = np.zeros(7)
            h[i] = 1e-5 * max(1.0, abs(x[0, i]))
            Jn[:, i] = (model.transition(x + h, 2.0)[0] - model.transition(x - h, 2.0)[0])[0] / (
                2 * h[i]
            )
        np.testing.assert_allclose(J[0], Jn, atol=1e-5)


def test_coordinated_turn_known_answers() -> None:
    lay = StateLayout(2, "ct")
    model = CoordinatedTurn(lay, 1.0, 1e-3)
    v, w = 250.0, 0.2
    x = np.array([[0.0, 0.0, v, 0.0, w]])
    # A quarter circle of radius v/w, counter-clockwise from heading east ends heading north.
    xp, _ = model.predict(x, np.zeros((1, 5, 5)), np.pi / 2 / w)
    np.testing.assert_allclose(xp[0, :4], [v / w, v / w, 0.0, v], atol=1e-9)
    np.testing.assert_allclose(model.acceleration(x), [[0.0, w * v]])
    # Zero turn rate reduces to constant velocity.
    x0 = np.array([[1.0, 2.0, 30.0, -40.0, 0.0]])
    xp, _ = model.predict(x0, np.zeros((1, 5, 5)), 3.0)
    np.testing.assert_allclose(xp[0, :4], [91.0, -118.0, 30.0, -40.0])


def test_known_turn_full_circle_returns_to_start() -> None:
    lay = StateLayout(3, "cv")
    w = 0.25
    model = KnownTurn(lay, w, 1.0)
    x = np.array([[100.0, -50.0, 3000.0, 200.0, 100.0, 0.0]])
    xp, _ = model.predict(x, np.zeros((1, 6, 6)), 2 * np.pi / w)
    np.testing.assert_allclose(xp, x, atol=1e-8)


def test_imm_transition_matrix_properties() -> None:
    tau = np.array([20.0, 10.0, 5.0])
    Pa = imm_transition_matrix(tau, 1.0)
    Pb = imm_transition_matrix(tau, 2.5)
    np.testing.assert_allclose(Pa.sum(axis=1), 1.0)
    np.testing.assert_allclose(imm_transition_matrix(tau, 3.5), Pa @ Pb, atol=1e-12)
    np.testing.assert_allclose(imm_transition_matrix(tau, 0.0), np.eye(3), atol=1e-12)
    # First-order form for small dt: p_ii ~ 1 - dt / tau_i.
    np.testing.assert_allclose(np.diag(imm_transition_matrix(tau, 1e-4)), 1 - 1e-4 / tau, rtol=1e-6)


def test_imm_mix_and_combine_moments() -> None:
    rng = np.random.default_rng(1)
    n, r, nx = 4, 3, 5
    xm = rng.normal(size=(n, r, nx))
    A = rng.normal(size=(n, r, nx, nx))
    Pm = A @ np.swapaxes(A, -1, -2) + np.eye(nx)
    mu = rng.dirichlet(np.ones(r), size=n)
    # Identity transitions: mixing changes nothing.
    x0, P0, c = imm_mix(xm, Pm, mu, np.eye(r))
    np.testing.assert_allclose(x0, xm, atol=1e-12)
    np.testing.assert_allclose(P0, Pm, atol=1e-12)
    np.testing.assert_allclose(c, mu)
    # Combination: mean and covariance of the Gaussian mixture, checked by sampling moments.
    x, P = imm_combine(xm, Pm, mu)
    for i in range(n):
        mean = (mu[i, :, None] * xm[i]).sum(0)
        second = sum(mu[i, j] * (Pm[i, j] + np.outer(xm[i, j], xm[i, j])) for j in range(r))
        np.testing.assert_allclose(x[i], mean)
        np.testing.assert_allclose(P[i], second - np.outer(mean, mean), atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_inv_logdet_sym_matches_numpy(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(6, d, d)) * rng.uniform(0.1, 1e3)
    S = A @ np.swapaxes(A, -1, -2) + np.eye(d) * 1e-3
    inv, logdet = inv_logdet_sym(S)
    np.testing.assert_allclose(inv @ S, np.broadcast_to(np.eye(d), S.shape), atol=1e-6)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(S)[1], rtol=1e-9, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([(1, 2), (2, 4), (2, 5), (3, 6), (3, 7), (3, 9)]), st.integers(0, 2**31 - 1))
def test_compiled_kalman_update_matches_numpy_formulas(dims: tuple[int, int], seed: int) -> None:
    d, nx = dims
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(20, nx, nx)) * rng.uniform(1, 300)
    P = A @ np.swapaxes(A, -1, -2) + np.eye(nx)
    B = rng.normal(size=(20, d, d)) * rng.uniform(1, 100)
    R = B @ np.swapaxes(B, -1, -2) + np.eye(d)
    x = rng.normal(size=(20, nx)) * 1e3
    z = rng.normal(size=(20, d)) * 1e3
    got = kalman_update_position(x, P, z, R)
    ref = kalman_update_position_numpy(x, P, z, R)
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-8, atol=1e-8 * np.abs(r).max())
