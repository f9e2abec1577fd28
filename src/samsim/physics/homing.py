"""The interceptor's homing loop reduced to the linear planar engagement.

The 3-DOF flyout's terminal loop (:mod:`samsim.physics.flyout`) is seeker -> guidance
filter -> N' V_c -> flight-control lags -> airframe. Linearised about the collision
course (constant closing speed, small angles, no saturation) it becomes the classical
loop of Zarchan's miss-distance analysis, computed here three ways:

* :func:`linear_miss`: one deterministic engagement (step target manoeuvre, heading
  error), integrated to high accuracy; it reproduces the closed forms and the
  fifth-order table of ``shared/reference/known-answers.md``;
* :func:`monte_carlo_miss`: many engagements with sampled seeker angle noise, the noise
  entering as it does in the flyout (one measurement held per guidance sample);
* :func:`adjoint_rms_miss`: the RMS miss due to white angle noise from one backward
  integration of the adjoint system.

The same structure (one filter lag of T_f on the line-of-sight rate, then n equal lags
of total T_a on the acceleration) is used everywhere, so a single lag of T is
``T_f = T, n = 0`` and the fifth-order binomial of total T is ``T_f = T/5, n = 4,
T_a = 4T/5``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp


@dataclass(frozen=True)
class HomingLoop:
    """A linear homing loop.

    Attributes
    ----------
    nav_constant : float
        Effective navigation ratio N'.
    closing_speed_mps : float
        Constant closing speed V_c.
    filter_time_constant_s : float
        Time constant T_f of the line-of-sight-rate filter (> 0).
    order : int
        Number n of equal flight-control lags after the filter (0 to 5).
    flight_control_time_constant_s : float
        Their total time constant T_a (each lag T_a / n).
    """

    nav_constant: float
    closing_speed_mps: float
    filter_time_constant_s: float
    order: int = 0
    flight_control_time_constant_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.filter_time_constant_s > 0:
            raise ValueError(
                f"filter_time_constant_s must be > 0, got {self.filter_time_constant_s}"
            )
        if not 0 <= self.order <= 5:
            raise ValueError(f"order must be in 0..5, got {self.order}")
        if self.order > 0 and not self.flight_control_time_constant_s > 0:
            raise ValueError("flight_control_time_constant_s must be > 0 when order > 0")

    @property
    def total_time_constant_s(self) -> float:
        """T = T_f + T_a."""
        return self.filter_time_constant_s + (
            self.flight_control_time_constant_s if self.order else 0.0
        )

    @staticmethod
    def single_lag(
        nav_constant: float, time_constant_s: float, closing_speed_mps: float
    ) -> HomingLoop:
        """The loop with one lag of T (the filter), as in the closed forms."""
        return HomingLoop(nav_constant, closing_speed_mps, time_constant_s)

    @staticmethod
    def binomial(
        nav_constant: float, time_constant_s: float, closing_speed_mps: float, order: int = 5
    ) -> HomingLoop:
        """n equal lags of total T: the filter and n - 1 flight-control lags."""
        return HomingLoop(
            nav_constant,
            closing_speed_mps,
            time_constant_s / order,
            order - 1,
            time_constant_s * (order - 1) / order,
        )

    def _matrices(self, t_go_s: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """A and the noise input B of x' = A x + b n_T + B v at time to go t_go.

        State x = [y, y', z, a_1 .. a_n] with y the target-minus-missile lateral
        displacement, z the filter state (lambda_hat' = (lambda_m - z) / T_f, z' the same),
        a_k the lag outputs; the measured LOS angle is lambda_m = y / (V_c t_go) + v.
        """
        n = self.order
        m = 3 + n
        a = np.zeros((m, m))
        b = np.zeros(m)
        tf = self.filter_time_constant_s
        g = 1.0 / (self.closing_speed_mps * t_go_s)
        a[0, 1] = 1.0
        # filter: z' = (lambda - z) / T_f, LOS-rate estimate = (lambda - z) / T_f
        a[2, 0] = g / tf
        a[2, 2] = -1.0 / tf
        b[2] = 1.0 / tf
        k = self.nav_constant * self.closing_speed_mps / tf  # n_c = k (lambda_m - z)
        if n == 0:
            a[1, 0] -= k * g
            a[1, 2] += k
            b[1] = -k
        else:
            tau = self.flight_control_time_constant_s / n
            a[3, 0] = k * g / tau
            a[3, 2] = -k / tau
            a[3, 3] = -1.0 / tau
            b[3] = k / tau
            for j in range(1, n):
                a[3 + j, 2 + j] = 1.0 / tau
                a[3 + j, 3 + j] = -1.0 / tau
            a[1, 2 + n] = -1.0  # y'' = n_T - n_L
        return a, b


def linear_miss(
    loop: HomingLoop,
    flight_time_s: float,
    target_accel_mps2: float = 0.0,
    heading_error_rad: float = 0.0,
    missile_speed_mps: float = 0.0,
    rtol: float = 1e-11,
) -> float:
    """Miss distance y(t_F) of one noise-free linear engagement (signed).

    Parameters
    ----------
    loop : HomingLoop
    flight_time_s : float
        Homing time t_F.
    target_accel_mps2 : float
        Step target acceleration n_T applied from t = 0.
    heading_error_rad, missile_speed_mps : float
        Heading error HE of a missile of speed V_m: y'(0) = -V_m HE.
    rtol : float
        Relative tolerance of the DOP853 integration.

    Notes
    -----
    y'' = n_T - n_L with n_L the loop's output (see :class:`HomingLoop`), integrated from
    rest (filter on the first measurement, lags at zero) to t_F. The closed forms for a
    single lag (x = t_F / T): step manoeuvre miss / (n_T T^2) = (x^2/2) e^-x times
    1, (1 - x/3), (1 - 2x/3 + x^2/12) for N' = 3, 4, 5; heading error (N' = 3)
    miss / (V_m HE T) = x e^-x (x/2 - 1). Reference: Zarchan, *Tactical and Strategic
    Missile Guidance*, 6th ed., ch. 3 and 6 (closed forms, adjoint and binomial
    flight-control systems).
    """
    m = 3 + loop.order
    x0 = np.zeros(m)
    x0[1] = -missile_speed_mps * heading_error_rad

    def rhs(t: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
        a, _ = loop._matrices(flight_time_s - t)
        dx = a @ x
        dx[1] += target_accel_mps2
        return dx

    # stop just short of t_F, where 1 / t_go diverges, then coast the last instant
    eps = 1e-9 * flight_time_s
    sol = solve_ivp(rhs, (0.0, flight_time_s - eps), x0, method="DOP853", rtol=rtol, atol=1e-12)
    y, yd = sol.y[0, -1], sol.y[1, -1]
    return float(y + yd * eps)


def monte_carlo_miss(
    loop: HomingLoop,
    flight_time_s: float,
    noise_rad: float,
    sample_period_s: float,
    runs: int,
    rng: np.random.Generator,
    substeps: int = 4,
) -> NDArray[np.float64]:
    """Miss distances of ``runs`` linear engagements driven by sampled angle noise alone.

    The measured LOS angle carries a new Gaussian error of standard deviation
    ``noise_rad`` every ``sample_period_s`` (held in between, as in the flyout); the loop
    is integrated by RK4 with ``substeps`` steps per sample, all runs as one array.
    For a sample period short against the loop's time constants this is white noise of
    spectral density Phi = sigma^2 T_s (:func:`adjoint_rms_miss`).
    """
    n_samp = round(flight_time_s / sample_period_s)
    h = sample_period_s / substeps
    m = 3 + loop.order
    x = np.zeros((runs, m))
    noise = rng.standard_normal((n_samp, runs)) * noise_rad
    t = 0.0

    def f(tg: float, xx: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
        a, b = loop._matrices(tg)
        return xx @ a.T + v[:, None] * b[None, :]

    for k in range(n_samp):
        v = noise[k]
        for _ in range(substeps):
            t_go = max(flight_time_s - t, 0.5 * h)

            k1 = f(t_go, x, v)
            k2 = f(max(t_go - 0.5 * h, 0.25 * h), x + 0.5 * h * k1, v)
            k3 = f(max(t_go - 0.5 * h, 0.25 * h), x + 0.5 * h * k2, v)
            k4 = f(max(t_go - h, 0.125 * h), x + h * k3, v)
            x = x + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
            t += h
    return x[:, 0].copy()


def adjoint_rms_miss(
    loop: HomingLoop, flight_time_s: float, noise_psd_rad2s: float, rtol: float = 1e-9
) -> float:
    """RMS miss due to white LOS-angle noise, by the adjoint method (one run).

    Notes
    -----
    For x' = A(t) x + B(t) v with white v of spectral density Phi, the miss y(t_F) = C x
    has variance Phi int_0^{t_F} h(t)^2 dt with h(t) = C Phi(t_F, t) B(t) the impulse
    response from the noise at time t to the miss. The adjoint lambda' = -A(t)^T lambda,
    lambda(t_F) = C^T gives h(t) = lambda(t)^T B(t) for every t in one backward run.
    Reference: Zarchan, *Tactical and Strategic Missile Guidance*, 6th ed., ch. 4
    (adjoints) and ch. 6 (noise-induced miss).
    """
    m = 3 + loop.order
    eps = 1e-6 * flight_time_s

    def rhs(s: float, z: NDArray[np.float64]) -> NDArray[np.float64]:
        # s = time to go; d lambda / ds = A^T lambda; the last entry integrates h^2
        a, b = loop._matrices(max(s, eps))
        lam = z[:m]
        return np.concatenate([a.T @ lam, [float(lam @ b) ** 2]])

    z0 = np.zeros(m + 1)
    z0[0] = 1.0
    sol = solve_ivp(rhs, (eps, flight_time_s), z0, method="DOP853", rtol=rtol, atol=1e-14)
    return math.sqrt(noise_psd_rad2s * float(sol.y[m, -1]))
