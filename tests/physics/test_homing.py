"""The homing loop against the known answers (shared/reference/known-answers.md): the
linear planar loop (closed forms, fifth-order binomial table, adjoint vs Monte Carlo)
and the 3-DOF flyout reduced to that loop (no gravity, no drag, constant speed, small
angles, no saturation, no noise)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from samsim.geo.frames import EnuFrame
from samsim.physics.flyout import Flyout
from samsim.physics.homing import HomingLoop, adjoint_rms_miss, linear_miss, monte_carlo_miss
from samsim.physics.missile import MissileSpec

VC = 3000.0


def single_lag_step(n: int, x: float) -> float:
    """Closed form miss / (n_T T^2) of a step target manoeuvre, one lag (known answers)."""
    return (
        (x * x / 2.0)
        * math.exp(-x)
        * {3: 1.0, 4: 1.0 - x / 3.0, 5: 1.0 - 2 * x / 3 + x * x / 12}[n]
    )


def single_lag_heading(x: float) -> float:
    """Closed form miss / (V_m HE T) of a heading error, N' = 3, one lag."""
    return x * math.exp(-x) * (x / 2.0 - 1.0)


#: Fifth-order binomial table of known-answers.md: (disturbance, N', x) -> normalised miss.
BINOMIAL = {
    ("step", 3, 2): 1.1760,
    ("step", 3, 5): 0.3543,
    ("step", 3, 10): 0.0006,
    ("step", 4, 2): 0.9257,
    ("step", 4, 5): -0.5910,
    ("step", 4, 10): -0.0126,
    ("step", 5, 2): 0.6872,
    ("step", 5, 5): -0.6686,
    ("step", 5, 10): 0.0826,
    ("heading", 3, 2): -0.4241,
    ("heading", 3, 5): 0.3159,
    ("heading", 3, 10): 0.0009,
    ("heading", 5, 2): 0.4113,
    ("heading", 5, 5): -0.5428,
    ("heading", 5, 10): 0.0653,
}


def close(value: float, expected: float) -> bool:
    """1 % relative, or 1e-3 absolute near zero (the known answers' tolerance)."""
    return abs(value - expected) <= max(0.01 * abs(expected), 1e-3)


@pytest.mark.parametrize("nav", [3, 4, 5])
@pytest.mark.parametrize("x", [2.0, 4.0, 10.0])
def test_linear_loop_single_lag_step_manoeuvre(nav: int, x: float) -> None:
    miss = linear_miss(HomingLoop.single_lag(nav, 1.0, VC), x, target_accel_mps2=1.0)
    assert close(miss, single_lag_step(nav, x))


@pytest.mark.parametrize("x", [2.0, 4.0, 10.0])
def test_linear_loop_single_lag_heading_error(x: float) -> None:
    miss = linear_miss(
        HomingLoop.single_lag(3, 1.0, VC), x, heading_error_rad=1.0, missile_speed_mps=1.0
    )
    assert close(miss, single_lag_heading(x))


@pytest.mark.parametrize(("kind", "nav", "x"), list(BINOMIAL))
def test_linear_loop_fifth_order_binomial(kind: str, nav: int, x: int) -> None:
    loop = HomingLoop.binomial(nav, 1.0, VC)
    if kind == "step":
        miss = linear_miss(loop, float(x), target_accel_mps2=1.0)
    else:
        miss = linear_miss(loop, float(x), heading_error_rad=1.0, missile_speed_mps=1.0)
    assert close(miss, BINOMIAL[(kind, nav, x)])


def test_miss_scales_with_the_time_constant_squared() -> None:
    # miss / (n_T T^2) depends on t_F / T only: halving T at the same x quarters the miss
    a = linear_miss(HomingLoop.binomial(4, 1.0, VC), 5.0, target_accel_mps2=9.81)
    b = linear_miss(HomingLoop.binomial(4, 0.5, VC), 2.5, target_accel_mps2=9.81)
    assert b == pytest.approx(a / 4.0, rel=1e-6)


@pytest.mark.parametrize(
    "loop", [HomingLoop.single_lag(3, 0.5, VC), HomingLoop.binomial(4, 0.5, VC)]
)
def test_noise_rms_miss_adjoint_matches_monte_carlo(loop: HomingLoop) -> None:
    """RMS miss from white angle noise: one adjoint run against 3,000 Monte Carlo runs of
    the same loop with sampled noise (Phi = sigma^2 T_s); the Monte Carlo RMS has a
    relative standard error of about 1 / sqrt(2 N) = 1.3 %, so 5 % is a 4-sigma bound."""
    sigma, ts, tf = 1e-3, 0.005, 6.0
    rms_adj = adjoint_rms_miss(loop, tf, sigma**2 * ts)
    mc = monte_carlo_miss(loop, tf, sigma, ts, 3000, np.random.default_rng(7))
    assert float(np.sqrt(np.mean(mc**2))) == pytest.approx(rms_adj, rel=0.05)
    # and it grows with the time constant and the navigation ratio
    slower = HomingLoop(
        loop.nav_constant,
        VC,
        2 * loop.filter_time_constant_s,
        loop.order,
        2 * loop.flight_control_time_constant_s,
    )
    assert adjoint_rms_miss(slower, tf, sigma**2 * ts) > rms_adj
    higher = HomingLoop(
        loop.nav_constant + 1,
        VC,
        loop.filter_time_constant_s,
        loop.order,
        loop.flight_control_time_constant_s,
    )
    assert adjoint_rms_miss(higher, tf, sigma**2 * ts) > rms_adj


# ----------------------------------------------------------- the 3-DOF flyout, reduced

FRAME = EnuFrame(45.0, 0.0, 0.0)
V_M = 2000.0
V_T = VC - V_M
ALT_M = 10e3


def reduced_spec(base: MissileSpec, loop: HomingLoop) -> MissileSpec:
    """The catalogue type with the linear loop's assumptions: no drag, no thrust, no
    saturation, a seeker that homes from the start at 10 kHz (the known answers are for a
    continuous loop: a digital loop's last samples, where the LOS angle y / (V_c t_go) grows
    without bound, add +2 % to the single-lag miss at 1 kHz and +0.25 % at 10 kHz), PN
    with the loop's lags."""
    return base.model_copy(
        update={
            "cd0_mach_table": [(0.0, 0.0), (10.0, 0.0)],
            "induced_drag_factor": 0.0,
            "cn_max": 1e6,
            "structural_accel_limit_mps2": 1e6,
            "tvc_max_deflection_rad": 0.0,
            "boost_thrust_n": 1e-9,
            "boost_burn_time_s": 1e-3,
            "boost_propellant_kg": 1e-12,
            "sustain_thrust_n": 0.0,
            "sustain_burn_time_s": 0.0,
            "sustain_propellant_kg": 0.0,
            "min_speed_mps": 0.0,
            "max_flight_time_s": 1000.0,
            "seeker_range_m": 1e9,
            "guidance_rate_hz": 10000.0,
            "guidance_law": "pn",
            "nav_constant": float(loop.nav_constant),
            "guidance_filter_time_constant_s": loop.filter_time_constant_s,
            "flight_control_order": loop.order,
            "autopilot_time_constant_s": loop.flight_control_time_constant_s or 1.0,
            "flight_control_q_ref_pa": 0.0,
            "cold_launch_height_m": 0.0,
        }
    )


def flyout_miss(
    spec: MissileSpec, flight_time_s: float, target_accel_mps2: float, heading_error_rad: float
) -> float:
    """CPA miss of the reduced flyout: missile and target head-on at V_m and V_t, the
    target accelerating east from t = 0, the missile's velocity turned by HE."""
    up = FRAME.geodetic_to_enu(45.0, 0.0, ALT_M)
    north = np.array([0.0, 1.0, 0.0])
    east = np.array([1.0, 0.0, 0.0])
    p_t0 = up + north * VC * flight_time_s

    def truth(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = p_t0 - north * V_T * t + east * 0.5 * target_accel_mps2 * t * t
        v = -north * V_T + east * target_accel_mps2 * t
        return np.repeat(p[None], ids.size, 0), np.repeat(v[None], ids.size, 0)

    fly = Flyout(FRAME, [spec], earth_rotation=False, gravity=False)
    ids = fly.launch([0], up[None], 0.0, [0], p_t0[None])
    vel = V_M * (north * math.cos(heading_error_rad) - east * math.sin(heading_error_rad))
    fly.set_state(ids, up[None], vel[None])
    out = fly.advance(2.0 * flight_time_s, truth)
    assert list(out.kind) == ["intercept"]
    return float(out.miss_m[0])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("loop", "x", "expected"),
    [
        (HomingLoop.single_lag(3, 0.5, VC), 2.0, single_lag_step(3, 2.0)),
        (HomingLoop.single_lag(3, 0.5, VC), 4.0, single_lag_step(3, 4.0)),
        (HomingLoop.single_lag(4, 0.5, VC), 2.0, single_lag_step(4, 2.0)),
        (HomingLoop.single_lag(5, 0.5, VC), 4.0, single_lag_step(5, 4.0)),
        (HomingLoop.binomial(3, 0.5, VC), 2.0, BINOMIAL[("step", 3, 2)]),
        (HomingLoop.binomial(4, 0.5, VC), 5.0, BINOMIAL[("step", 4, 5)]),
        (HomingLoop.binomial(5, 0.5, VC), 5.0, BINOMIAL[("step", 5, 5)]),
    ],
)
def test_flyout_reduced_to_the_linear_loop_step_manoeuvre(
    catalog: dict[str, MissileSpec], loop: HomingLoop, x: float, expected: float
) -> None:
    t = loop.total_time_constant_s
    n_t = 2.0 * 9.80665
    miss = flyout_miss(reduced_spec(catalog["9M96E2"], loop), x * t, n_t, 0.0)
    assert close(miss / (n_t * t * t), abs(expected))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("loop", "x", "expected"),
    [
        (HomingLoop.single_lag(3, 0.5, VC), 4.0, single_lag_heading(4.0)),
        (HomingLoop.binomial(3, 0.5, VC), 5.0, BINOMIAL[("heading", 3, 5)]),
        (HomingLoop.binomial(5, 0.5, VC), 2.0, BINOMIAL[("heading", 5, 2)]),
    ],
)
def test_flyout_reduced_to_the_linear_loop_heading_error(
    catalog: dict[str, MissileSpec], loop: HomingLoop, x: float, expected: float
) -> None:
    t = loop.total_time_constant_s
    he = math.radians(0.5)
    miss = flyout_miss(reduced_spec(catalog["9M96E2"], loop), x * t, 0.0, he)
    assert close(miss / (V_M * he * t), abs(expected))


@pytest.mark.slow
def test_flyout_noise_driven_miss_matches_the_linear_loop(catalog: dict[str, MissileSpec]) -> None:
    """Seeker angle noise alone (range-independent, 1 mrad per sample at 1 kHz) through
    the reduced flyout: its RMS miss over 400 engagements matches the linear loop's
    adjoint RMS miss. The noise acts on both axes, so the radial RMS is sqrt(2) times the
    per-axis one; the relative standard error of a 400-run RMS is about 1 / sqrt(2 x 400)
    = 3.5 %, so 12 % is a 3.5-sigma bound."""
    loop = HomingLoop.binomial(4, 0.5, VC)
    sigma, rate, tf, n = 1e-3, 1000.0, 3.0, 400
    spec = reduced_spec(catalog["9M96E2"], loop).model_copy(
        update={
            "guidance_rate_hz": rate,
            "seeker_fixed_noise_rad": sigma,
            "seeker_beamwidth_rad": 1e-9,  # no thermal noise, no multipath
        }
    )
    up = FRAME.geodetic_to_enu(45.0, 0.0, ALT_M)
    north = np.array([0.0, 1.0, 0.0])
    p_t0 = up + north * VC * tf

    def truth(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = p_t0 - north * V_T * t
        return np.repeat(p[None], ids.size, 0), np.repeat((-north * V_T)[None], ids.size, 0)

    fly = Flyout(FRAME, [spec], rng=np.random.default_rng(3), earth_rotation=False, gravity=False)
    ids = fly.launch(
        np.zeros(n, dtype=int),
        np.repeat(up[None], n, 0),
        0.0,
        np.zeros(n, int),
        np.repeat(p_t0[None], n, 0),
    )
    fly.set_state(ids, np.repeat(up[None], n, 0), np.repeat((north * V_M)[None], n, 0))
    out = fly.advance(2.0 * tf, truth)
    assert set(out.kind) == {"intercept"}
    rms_3d = float(np.sqrt(np.mean(out.miss_m**2)))
    rms_axis = adjoint_rms_miss(loop, tf, sigma**2 / rate)
    assert rms_3d == pytest.approx(math.sqrt(2.0) * rms_axis, rel=0.12)
