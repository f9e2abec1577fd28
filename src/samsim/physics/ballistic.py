"""Ballistic missiles: powered boost from the launch point (thrust, mass flow, drag,
pitch programme), ballistic flight under inverse-square gravity and drag, thrust cut-off
solved so that the impact falls on the aim point (:func:`ballistic_missile_trajectory`);
optional terminal weave. The older burn-out model (:func:`ballistic_trajectory`) stays.

Formulas, sources and limits: docs/models/threats.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame, ecef_to_geodetic_rad, geodetic_to_ecef
from samsim.jit import njit
from samsim.physics.atmosphere import density_kgpm3
from samsim.physics.route import Terminal, apply_weave
from samsim.physics.trajectory import G0_MPS2, MU_EARTH, Trajectory, uniform_times

_RHO_TABLE_STEP_M = 10.0
_RHO_TABLE = density_kgpm3(np.arange(0.0, 86000.0 + _RHO_TABLE_STEP_M, _RHO_TABLE_STEP_M))


@njit(cache=True)
def _rho(alt_m: float, table: NDArray[np.float64]) -> float:
    u = alt_m / _RHO_TABLE_STEP_M
    if u <= 0.0:
        return table[0]
    i = int(u)
    if i >= table.shape[0] - 1:
        return 0.0
    w = u - i
    return table[i] * (1.0 - w) + table[i + 1] * w


@njit(cache=True)
def _accel(
    p: NDArray[np.float64],
    v: NDArray[np.float64],
    rot: NDArray[np.float64],
    origin: NDArray[np.float64],
    beta: float,
    table: NDArray[np.float64],
) -> tuple[NDArray[np.float64], float]:
    ecef = p @ rot + origin
    r3 = (ecef[0] ** 2 + ecef[1] ** 2 + ecef[2] ** 2) ** 1.5
    _, _, alt = ecef_to_geodetic_rad(ecef[0], ecef[1], ecef[2])
    speed = math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
    k = _rho(alt, table) * speed / (2.0 * beta)
    g_enu = (-MU_EARTH / r3) * (rot @ ecef)
    return g_enu - k * v, alt


@njit(cache=True)
def _fly(
    p0: NDArray[np.float64],
    v0: NDArray[np.float64],
    rot: NDArray[np.float64],
    origin: NDArray[np.float64],
    beta: float,
    dt: float,
    max_steps: int,
    table: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], int]:
    ts = np.empty(max_steps + 1)
    ps = np.empty((max_steps + 1, 3))
    vs = np.empty((max_steps + 1, 3))
    p = p0.copy()
    v = v0.copy()
    ts[0] = 0.0
    ps[0] = p
    vs[0] = v
    _, alt = _accel(p, v, rot, origin, beta, table)
    n = 1
    for i in range(max_steps):
        a1, _ = _accel(p, v, rot, origin, beta, table)
        a2, _ = _accel(p + 0.5 * dt * v, v + 0.5 * dt * a1, rot, origin, beta, table)
        a3, _ = _accel(
            p + 0.5 * dt * (v + 0.5 * dt * a1), v + 0.5 * dt * a2, rot, origin, beta, table
        )
        a4, _ = _accel(p + dt * (v + 0.5 * dt * a2), v + dt * a3, rot, origin, beta, table)
        np_ = p + dt / 6.0 * (
            v + 2.0 * (v + 0.5 * dt * a1) + 2.0 * (v + 0.5 * dt * a2) + (v + dt * a3)
        )
        nv = v + dt / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        ecef = np_ @ rot + origin
        _, _, nalt = ecef_to_geodetic_rad(ecef[0], ecef[1], ecef[2])
        if nalt <= 0.0:
            frac = alt / (alt - nalt)
            ts[n] = (i + frac) * dt
            ps[n] = p + frac * (np_ - p)
            vs[n] = v + frac * (nv - v)
            return ts, ps, vs, n + 1
        p = np_
        v = nv
        alt = nalt
        ts[n] = (i + 1) * dt
        ps[n] = p
        vs[n] = v
        n += 1
    return ts, ps, vs, n


def ballistic_flight(
    frame: EnuFrame,
    start_enu_m: NDArray[np.float64],
    vel_enu_mps: NDArray[np.float64],
    beta_kgpm2: float,
    dt_s: float = 0.1,
    max_time_s: float = 3600.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Integrate a point mass under inverse-square gravity and drag until it reaches the
    ellipsoid (altitude 0); returns time, positions and velocities (ENU).

    Notes
    -----
    Equation of motion: r'' = -mu r/|r|^3 - rho(h) |v| v / (2 beta), beta = m/(C_D A),
    rho from the 1976 standard atmosphere (tabulated every 10 m), altitude from the
    ellipsoid, classical RK4 (Zarchan, *Tactical and Strategic Missile Guidance*, 6th ed.,
    ch. 34 for the reentry model). Earth rotation is neglected. The last sample is placed
    on the ground by linear interpolation of the final step.
    """
    ts, ps, vs, n = _fly(
        np.asarray(start_enu_m, dtype=float),
        np.asarray(vel_enu_mps, dtype=float),
        np.ascontiguousarray(frame.rotation),
        frame.origin_ecef_m,
        float(beta_kgpm2),
        float(dt_s),
        int(max_time_s / dt_s),
        _RHO_TABLE,
    )
    return ts[:n], ps[:n], vs[:n]


def ballistic_trajectory(
    frame: EnuFrame,
    launch: tuple[float, float],
    aim: tuple[float, float],
    t0_s: float,
    burnout_altitude_m: float,
    beta_kgpm2: float,
    max_speed_mps: float,
    dt_s: float = 0.5,
) -> Trajectory:
    """A ballistic missile from burnout above ``launch`` (lat, lon) to impact at ``aim``
    (the burn-out model, without a boost phase; the engine uses
    :func:`ballistic_missile_trajectory`).

    The flight-path angle at burnout is the minimum-energy angle for the ground range,
    gamma = pi/4 - theta/4 with theta the central angle (Zarchan, ch. 2); the burnout
    speed is found by the secant method so that the drag-affected impact falls within 50 m
    of the aim point.

    Raises
    ------
    ValueError
        When the aim point needs a burnout speed above ``max_speed_mps``.
    """
    p0 = frame.geodetic_to_enu(launch[0], launch[1], burnout_altitude_m)
    ground0 = frame.geodetic_to_enu(launch[0], launch[1], 0.0)
    aim_enu = frame.geodetic_to_enu(aim[0], aim[1], 0.0)
    up = frame.up_enu(ground0)
    up = up / np.linalg.norm(up)
    d = aim_enu - ground0
    horiz = d - np.dot(d, up) * up
    horiz /= np.linalg.norm(horiz)
    theta = _central_angle(launch, aim)
    gamma = math.pi / 4 - theta / 4
    direction = math.cos(gamma) * horiz + math.sin(gamma) * up

    def miss(
        v: float,
    ) -> tuple[float, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]]:
        ts, ps, vs = ballistic_flight(frame, p0, v * direction, beta_kgpm2, dt_s=0.1)
        along = float(np.dot(ps[-1] - ground0, horiz))
        target = float(np.dot(aim_enu - ground0, horiz))
        return along - target, (ts, ps, vs)

    r_earth = 6371000.0
    v_vac = (
        math.sqrt(
            MU_EARTH
            / r_earth
            * (1 - math.cos(theta))
            / (math.cos(gamma) * (math.cos(gamma) - math.cos(gamma + theta)) + 1e-12)
        )
        if theta > 0
        else 100.0
    )
    v_a, v_b = 0.9 * v_vac, 1.1 * v_vac
    m_a, _ = miss(v_a)
    m_b, flight = miss(v_b)
    for _ in range(30):
        if abs(m_b) < 50.0:
            break
        if m_b == m_a:
            break
        v_a, v_b, m_a = v_b, v_b - m_b * (v_b - v_a) / (m_b - m_a), m_b
        v_b = max(v_b, 50.0)
        m_b, flight = miss(v_b)
    if v_b > max_speed_mps:
        raise ValueError(
            f"reaching the aim point needs a burnout speed of {v_b:.0f} m/s, above "
            f"the threat's {max_speed_mps:.0f} m/s"
        )
    ts, ps, vs = flight
    tu, step = uniform_times(float(ts[-1]), dt_s)
    samp = np.stack([np.interp(tu, ts, ps[:, i]) for i in range(3)], axis=1)
    vsamp = np.stack([np.interp(tu, ts, vs[:, i]) for i in range(3)], axis=1)
    return Trajectory(t0_s, step, samp, vsamp, frame.altitude_m(samp))


def _central_angle(a: tuple[float, float], b: tuple[float, float]) -> float:
    ea = geodetic_to_ecef(a[0], a[1], 0.0)
    eb = geodetic_to_ecef(b[0], b[1], 0.0)
    c = float(np.dot(ea, eb) / (np.linalg.norm(ea) * np.linalg.norm(eb)))
    return math.acos(min(1.0, max(-1.0, c)))


@dataclass(frozen=True)
class BallisticMissile:
    """A single-stage ballistic missile for :func:`ballistic_missile_trajectory`.

    Attributes
    ----------
    launch_mass_kg, propellant_mass_kg : float
        Mass at launch and of the propellant, kg.
    burn_time_s, specific_impulse_s : float
        Full burn time and specific impulse; thrust T = Isp g0 m_p / t_b.
    ballistic_coefficient_kgpm2 : float
        beta = m / (C_D A) at burn-out mass; C_D A is held for the whole flight.
    vertical_rise_s, pitch_rate_radps, burnout_flight_path_rad : float
        Pitch programme: vertical rise, then the commanded flight-path angle falls at the
        pitch rate to the final angle, which is held until cut-off.
    steer_accel_mps2 : float
        Largest lateral acceleration the steering gives during the boost, m/s^2.
    min_range_m, max_range_m : float
        The published range class.
    terminal : Terminal
        Terminal weave below ``terminal.altitude_m`` (kind ``"weave"``) or none.
    """

    launch_mass_kg: float
    propellant_mass_kg: float
    burn_time_s: float
    specific_impulse_s: float
    ballistic_coefficient_kgpm2: float
    vertical_rise_s: float
    pitch_rate_radps: float
    burnout_flight_path_rad: float
    steer_accel_mps2: float
    min_range_m: float
    max_range_m: float
    terminal: Terminal = field(default_factory=Terminal)

    @property
    def burnout_mass_kg(self) -> float:
        return self.launch_mass_kg - self.propellant_mass_kg

    @property
    def thrust_n(self) -> float:
        return self.specific_impulse_s * G0_MPS2 * self.propellant_mass_kg / self.burn_time_s


_STEER_TIME_CONSTANT_S = 1.0


@njit(cache=True)
def _boost_accel(
    t: float,
    p: NDArray[np.float64],
    v: NDArray[np.float64],
    rot: NDArray[np.float64],
    origin: NDArray[np.float64],
    plane_n: NDArray[np.float64],
    prm: NDArray[np.float64],
    table: NDArray[np.float64],
) -> tuple[NDArray[np.float64], float]:
    """Acceleration of the boosted missile; prm = (m0, mdot, thrust, t_cut, t_vert,
    pitch_rate, gamma_final, a_steer, cda)."""
    m0, mdot, thrust, t_cut, t_vert, pitch_rate, gamma_f, a_steer, cda = (
        prm[0],
        prm[1],
        prm[2],
        prm[3],
        prm[4],
        prm[5],
        prm[6],
        prm[7],
        prm[8],
    )
    ecef = p @ rot + origin
    r = math.sqrt(ecef[0] ** 2 + ecef[1] ** 2 + ecef[2] ** 2)
    _, _, alt = ecef_to_geodetic_rad(ecef[0], ecef[1], ecef[2])
    up = (rot @ ecef) / r
    speed = math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
    mass = m0 - mdot * min(t, t_cut)
    a = (-MU_EARTH / (r * r)) * up - (_rho(alt, table) * speed * cda / (2.0 * mass)) * v
    if t < t_cut and speed > 0.0:
        vhat = v / speed
        a = a + (thrust / mass) * vhat
        if t >= t_vert:
            sin_g = min(1.0, max(-1.0, vhat[0] * up[0] + vhat[1] * up[1] + vhat[2] * up[2]))
            gam = math.asin(sin_g)
            gc = max(gamma_f, 0.5 * math.pi - pitch_rate * (t - t_vert))
            an = (gc - gam) * speed / _STEER_TIME_CONSTANT_S
            an = min(a_steer, max(-a_steer, an))
            nvec = np.cross(vhat, plane_n)
            nn = math.sqrt(nvec[0] ** 2 + nvec[1] ** 2 + nvec[2] ** 2)
            if nn > 0.0:
                a = a + (an / nn) * nvec
    return a, alt


@njit(cache=True)
def _boost_fly(
    p0: NDArray[np.float64],
    v0: NDArray[np.float64],
    rot: NDArray[np.float64],
    origin: NDArray[np.float64],
    plane_n: NDArray[np.float64],
    prm: NDArray[np.float64],
    stop_alt: float,
    dt: float,
    max_steps: int,
    table: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], int]:
    ts = np.empty(max_steps + 2)
    ps = np.empty((max_steps + 2, 3))
    vs = np.empty((max_steps + 2, 3))
    p = p0.copy()
    v = v0.copy()
    t = 0.0
    t_cut = prm[3]
    ts[0] = 0.0
    ps[0] = p
    vs[0] = v
    _, alt = _boost_accel(t, p, v, rot, origin, plane_n, prm, table)
    n = 1
    for _ in range(max_steps):
        h = dt
        if t < t_cut < t + h:
            h = t_cut - t
        a1, _ = _boost_accel(t, p, v, rot, origin, plane_n, prm, table)
        p2 = p + 0.5 * h * v
        v2 = v + 0.5 * h * a1
        a2, _ = _boost_accel(t + 0.5 * h, p2, v2, rot, origin, plane_n, prm, table)
        p3 = p + 0.5 * h * v2
        v3 = v + 0.5 * h * a2
        a3, _ = _boost_accel(t + 0.5 * h, p3, v3, rot, origin, plane_n, prm, table)
        p4 = p + h * v3
        v4 = v + h * a3
        a4, _ = _boost_accel(t + h * (1.0 - 1e-12), p4, v4, rot, origin, plane_n, prm, table)
        np_ = p + h / 6.0 * (v + 2.0 * v2 + 2.0 * v3 + v4)
        nv = v + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        ecef = np_ @ rot + origin
        _, _, nalt = ecef_to_geodetic_rad(ecef[0], ecef[1], ecef[2])
        if t + h > t_cut and nalt <= stop_alt and nalt < alt:
            frac = (alt - stop_alt) / (alt - nalt)
            ts[n] = t + frac * h
            ps[n] = p + frac * (np_ - p)
            vs[n] = v + frac * (nv - v)
            return ts, ps, vs, n + 1
        p = np_
        v = nv
        alt = nalt
        t = t + h
        ts[n] = t
        ps[n] = p
        vs[n] = v
        n += 1
    return ts, ps, vs, n


def boosted_flight(
    frame: EnuFrame,
    launch_enu_m: NDArray[np.float64],
    aim_enu_m: NDArray[np.float64],
    missile: BallisticMissile,
    cut_off_s: float,
    stop_altitude_m: float = 0.0,
    dt_s: float = 0.1,
    max_time_s: float = 3600.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Fly a ballistic missile from its launch point with thrust cut off at
    ``cut_off_s``, until it comes down to ``stop_altitude_m``; returns time, positions and
    velocities (ENU).

    Notes
    -----
    Point mass in the plane through the launch point, the aim point and the earth's
    centre: m v' = T v_hat + m a_n n_hat - mu m r/|r|^3 - rho |v| v C_D A / 2, with
    m = m0 - mdot min(t, t_c), T = Isp g0 mdot while t < t_c. Steering: vertical for
    ``vertical_rise_s``, then the commanded flight-path angle gamma_c(t) =
    max(gamma_bo, pi/2 - q (t - t_v)) is followed by a lateral acceleration
    a_n = clip((gamma_c - gamma) V / tau, +-a_steer), tau = 1 s, in the flight plane
    (a gravity turn would need no steering; this keeps the flight-path angle on the
    programme). RK4 with a step boundary exactly at cut-off. Atmosphere: 1976 standard
    density; earth rotation neglected (Zarchan, *Tactical and Strategic Missile
    Guidance*, 6th ed., ch. 34 for the ballistic and reentry model; Sutton & Biblarz,
    *Rocket Propulsion Elements*, 9th ed., ch. 4 for the flight-path equations).
    """
    centre = frame.ecef_to_enu(np.zeros(3))
    up0 = launch_enu_m - centre
    up0 = up0 / np.linalg.norm(up0)
    d = aim_enu_m - launch_enu_m
    horiz = d - np.dot(d, up0) * up0
    horiz /= np.linalg.norm(horiz)
    plane_n = np.cross(up0, horiz)
    mdot = missile.propellant_mass_kg / missile.burn_time_s
    cda = missile.burnout_mass_kg / missile.ballistic_coefficient_kgpm2
    prm = np.array(
        [
            missile.launch_mass_kg,
            mdot,
            missile.thrust_n,
            min(cut_off_s, missile.burn_time_s),
            missile.vertical_rise_s,
            missile.pitch_rate_radps,
            missile.burnout_flight_path_rad,
            missile.steer_accel_mps2,
            cda,
        ]
    )
    ts, ps, vs, n = _boost_fly(
        np.asarray(launch_enu_m, dtype=float),
        up0 * 1.0,
        np.ascontiguousarray(frame.rotation),
        frame.origin_ecef_m,
        plane_n,
        prm,
        float(stop_altitude_m),
        float(dt_s),
        int(max_time_s / dt_s),
        _RHO_TABLE,
    )
    return ts[:n], ps[:n], vs[:n]


def ballistic_missile_trajectory(
    frame: EnuFrame,
    launch: tuple[float, float],
    aim: tuple[float, float],
    t0_s: float,
    missile: BallisticMissile,
    launch_alt_m: float = 0.0,
    aim_alt_m: float = 0.0,
    dt_s: float = 0.5,
    check_range_class: bool = True,
) -> Trajectory:
    """A boosted ballistic missile from ``launch`` (lat, lon) to impact at ``aim``.

    The thrust is cut off (energy management) at the time that puts the drag-affected
    impact on the aim point, found by the Illinois variant of regula falsi on
    [0, burn time] to 20 m (:func:`boosted_flight` gives the flight); a terminal weave is
    added below ``missile.terminal.altitude_m`` on the way down.

    Raises
    ------
    ValueError
        When the ground range is outside the missile's range class (with
        ``check_range_class``) or beyond what the full burn reaches.
    """
    launch_enu = frame.geodetic_to_enu(launch[0], launch[1], launch_alt_m)
    aim_enu = frame.geodetic_to_enu(aim[0], aim[1], aim_alt_m)
    ground_range = _central_angle(launch, aim) * 6371000.0
    if check_range_class and not (
        missile.min_range_m * 0.99 <= ground_range <= missile.max_range_m * 1.01
    ):
        raise ValueError(
            f"the ground range from launch to aim point is {ground_range / 1e3:.0f} km, "
            f"outside the threat's range class {missile.min_range_m / 1e3:.0f} to "
            f"{missile.max_range_m / 1e3:.0f} km"
        )
    centre = frame.ecef_to_enu(np.zeros(3))
    up0 = (launch_enu - centre) / np.linalg.norm(launch_enu - centre)
    d = aim_enu - launch_enu
    horiz = d - np.dot(d, up0) * up0
    horiz /= np.linalg.norm(horiz)
    target = float(np.dot(aim_enu - launch_enu, horiz))

    def miss(
        t_cut: float,
    ) -> tuple[float, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]]:
        fl = boosted_flight(frame, launch_enu, aim_enu, missile, t_cut, aim_alt_m)
        return float(np.dot(fl[1][-1] - launch_enu, horiz)) - target, fl

    a, b = min(1.0, 0.5 * missile.burn_time_s), missile.burn_time_s
    fa, _ = miss(a)
    fb, flight = miss(b)
    if fb < 0:
        raise ValueError(
            f"the aim point is {ground_range / 1e3:.0f} km away, beyond the "
            f"{(fb + target) / 1e3:.0f} km the full burn reaches"
        )
    if fa > 0:
        raise ValueError(
            f"the aim point is {ground_range / 1e3:.0f} km away, closer than the shortest "
            "flight the missile can make"
        )
    for _ in range(60):
        if abs(fb) <= 20.0:
            break
        c = b - fb * (b - a) / (fb - fa)
        fc, fl_c = miss(c)
        if fc * fb < 0:
            a, fa = b, fb
        else:
            fa *= 0.5
        b, fb, flight = c, fc, fl_c
    ts, ps, vs = flight
    tu, step = uniform_times(float(ts[-1]), dt_s)
    pos = np.stack([np.interp(tu, ts, ps[:, i]) for i in range(3)], axis=1)
    vel = np.stack([np.interp(tu, ts, vs[:, i]) for i in range(3)], axis=1)
    term = missile.terminal
    if term.kind == "weave" and term.weave_accel_mps2 > 0:
        alt = frame.altitude_m(pos)
        apex = int(np.argmax(alt))
        below = np.flatnonzero(alt[apex:] <= term.altitude_m)
        if len(below):
            apply_weave(
                frame,
                tu,
                pos,
                vel,
                float(tu[apex + below[0]]),
                term.weave_accel_mps2,
                term.weave_period_s,
            )
    return Trajectory(t0_s, step, pos, vel, frame.altitude_m(pos))
