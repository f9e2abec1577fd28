"""Threat trajectories as functions of time, precomputed per threat and sampled on a grid.

Threats do not react to the defence in the first-order models, so each threat's path is
computed once when the scenario is compiled and stored as a table (one row per threat,
one column per sample). The engine evaluates every threat at any time by vectorised
interpolation (:meth:`ThreatTable.state_at`).

Models
------
- Waypoint movers (cruise missiles, aircraft, decoys): piecewise great-circle legs at a
  height above ground or above the ellipsoid, speed per leg.
- Ballistic missiles: from burnout above the launch point, point-mass flight under
  inverse-square gravity and drag in the standard atmosphere, the burnout speed solved so
  that the impact falls on the aim point.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame, ecef_to_geodetic, ecef_to_geodetic_rad, geodetic_to_ecef
from samsim.physics.atmosphere import density_kgpm3, speed_of_sound_mps
from samsim.units import Mach

#: Earth's gravitational parameter, m^3/s^2 (WGS-84).
MU_EARTH = 3.986004418e14

TerrainFn = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]
"""Terrain height above the ellipsoid at scenario-ENU (east, north), metres."""


@dataclass(frozen=True)
class PathPoint:
    """A resolved waypoint: geodetic position, height mode and speed from here on."""

    lat_deg: float
    lon_deg: float
    height_m: float
    above_ground: bool
    speed_mps: float


@dataclass
class Trajectory:
    """One threat's sampled trajectory, uniform in time from ``t0_s`` with step ``dt_s``;
    the last sample is the end of the trajectory."""

    t0_s: float
    dt_s: float
    pos_m: NDArray[np.float64]  # (K, 3) ENU
    vel_mps: NDArray[np.float64]  # (K, 3) ENU
    alt_m: NDArray[np.float64]  # (K,) above the ellipsoid

    @property
    def t_end_s(self) -> float:
        return self.t0_s + self.dt_s * (len(self.alt_m) - 1)


def uniform_times(duration_s: float, dt_s: float) -> tuple[NDArray[np.float64], float]:
    """Sample times from 0 to ``duration_s`` inclusive with the largest step <= ``dt_s``
    that divides the duration exactly; returns (times, step)."""
    n = max(1, math.ceil(duration_s / dt_s - 1e-9))
    step = duration_s / n if duration_s > 0 else dt_s
    return np.arange(n + 1, dtype=np.float64) * step, step


def gravity_enu_mps2(frame: EnuFrame, pos_enu_m: NDArray[np.float64]) -> NDArray[np.float64]:
    """Gravitational acceleration at ENU points (..., 3): -mu r / |r|^3 with r from the
    earth's centre (inverse-square, spherical earth; WGS-84 mu)."""
    r = np.asarray(pos_enu_m, dtype=float) - frame.ecef_to_enu(np.zeros(3))
    n = np.linalg.norm(r, axis=-1, keepdims=True)
    return -MU_EARTH * r / n**3


def resolve_speed(speed: float | Mach, altitude_m: float) -> float:
    """A speed in m/s; a :class:`~samsim.units.Mach` number uses the ISA speed of sound
    at ``altitude_m``."""
    if isinstance(speed, Mach):
        return speed.to_mps(float(speed_of_sound_mps(altitude_m)))
    return float(speed)


def waypoint_trajectory(
    frame: EnuFrame,
    points: Sequence[PathPoint],
    t0_s: float,
    terrain: TerrainFn,
    dt_s: float = 0.5,
    step_m: float = 200.0,
) -> Trajectory:
    """Trajectory along waypoints at constant speed per leg.

    Parameters
    ----------
    frame : EnuFrame
        Scenario frame.
    points : sequence of PathPoint
        At least two points; heights and speeds apply from each point on; the height
        changes linearly along a leg between the heights of its two ends.
    t0_s : float
        Time at the first point.
    terrain : callable
        Terrain height above the ellipsoid at ENU (east, north), for heights above ground.
    dt_s : float
        Sampling step of the output, s.
    step_m : float
        Spacing of the geometric construction along each leg, m.

    Notes
    -----
    Each leg is traced by projecting the ECEF chord between its ends onto the ellipsoid
    (a close approximation of the geodesic at these ranges: under 10 m off at 1000 km)
    and raising it to the flight height. Time follows from the path length at the leg's
    speed; samples are then interpolated uniformly in time.
    """
    if len(points) < 2:
        raise ValueError("a waypoint trajectory needs at least two points")
    seg_pos: list[NDArray[np.float64]] = []
    seg_speed: list[NDArray[np.float64]] = []
    for a, b in itertools.pairwise(points):
        ea = geodetic_to_ecef(a.lat_deg, a.lon_deg, 0.0)
        eb = geodetic_to_ecef(b.lat_deg, b.lon_deg, 0.0)
        n = max(2, math.ceil(float(np.linalg.norm(eb - ea)) / step_m) + 1)
        f = np.linspace(0.0, 1.0, n)
        chord = ea[None, :] + f[:, None] * (eb - ea)[None, :]
        lat, lon, _ = ecef_to_geodetic(chord)
        ground_enu = frame.geodetic_to_enu(lat, lon, np.zeros_like(lat))
        ground_h = terrain(ground_enu[:, 0], ground_enu[:, 1])
        # Height mode follows the leg's destination; the height ramps linearly.
        ha = (
            a.height_m
            if a.above_ground == b.above_ground
            else (a.height_m + (float(ground_h[0]) if a.above_ground else -float(ground_h[0])))
        )
        h = ha + f * (b.height_m - ha)
        alt = h + ground_h if b.above_ground else h
        pts = frame.geodetic_to_enu(lat, lon, alt)
        if seg_pos:
            pts = pts[1:]
        seg_pos.append(pts)
        seg_speed.append(np.full(len(pts), a.speed_mps))
    pos = np.concatenate(seg_pos)
    speed = np.concatenate(seg_speed)
    ds = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    t = np.concatenate([[0.0], np.cumsum(ds / speed[1:])])
    ts, step = uniform_times(float(t[-1]), dt_s)
    samp = np.stack([np.interp(ts, t, pos[:, i]) for i in range(3)], axis=1)
    vel = np.gradient(samp, step, axis=0)
    # The gradient gives the direction; the speed is the leg's (exact on straight legs).
    leg_speed = np.interp(ts, t, speed)
    norm = np.linalg.norm(vel, axis=1, keepdims=True)
    vel = vel / np.maximum(norm, 1e-12) * leg_speed[:, None]
    return Trajectory(t0_s, step, samp, vel, frame.altitude_m(samp))


_RHO_TABLE_STEP_M = 10.0
_RHO_TABLE = density_kgpm3(np.arange(0.0, 86000.0 + _RHO_TABLE_STEP_M, _RHO_TABLE_STEP_M))


@numba.njit(cache=True)
def _rho(alt_m: float, table: NDArray[np.float64]) -> float:
    u = alt_m / _RHO_TABLE_STEP_M
    if u <= 0.0:
        return table[0]
    i = int(u)
    if i >= table.shape[0] - 1:
        return 0.0
    w = u - i
    return table[i] * (1.0 - w) + table[i + 1] * w


@numba.njit(cache=True)
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


@numba.njit(cache=True)
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
    """A ballistic missile from burnout above ``launch`` (lat, lon) to impact at ``aim``.

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
    a_ecef = geodetic_to_ecef(launch[0], launch[1], 0.0)
    b_ecef = geodetic_to_ecef(aim[0], aim[1], 0.0)
    theta = float(
        np.arccos(
            np.clip(
                np.dot(a_ecef, b_ecef) / (np.linalg.norm(a_ecef) * np.linalg.norm(b_ecef)), -1, 1
            )
        )
    )
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


class ThreatTable:
    """All threats' trajectories in padded arrays, evaluated at any time, vectorised.

    Attributes
    ----------
    t0_s, t_end_s : ndarray (n,)
        Appearance and end of each trajectory.
    """

    def __init__(self, trajectories: Sequence[Trajectory]) -> None:
        n = len(trajectories)
        self.dt_s = np.array([tr.dt_s for tr in trajectories])
        k = max((len(tr.alt_m) for tr in trajectories), default=1)
        self.n_samples = np.array([len(tr.alt_m) for tr in trajectories], dtype=np.int64)
        self.t0_s = np.array([tr.t0_s for tr in trajectories])
        self.t_end_s = np.array([tr.t_end_s for tr in trajectories])
        self.pos_m = np.empty((n, k, 3))
        self.vel_mps = np.zeros((n, k, 3))
        self.alt_m = np.empty((n, k))
        for i, tr in enumerate(trajectories):
            m = len(tr.alt_m)
            self.pos_m[i, :m] = tr.pos_m
            self.pos_m[i, m:] = tr.pos_m[-1]
            self.vel_mps[i, :m] = tr.vel_mps
            self.alt_m[i, :m] = tr.alt_m
            self.alt_m[i, m:] = tr.alt_m[-1]
        self._rows = np.arange(n)

    def __len__(self) -> int:
        return len(self.t0_s)

    def active(self, t_s: float) -> NDArray[np.bool_]:
        """Threats whose trajectory covers time ``t_s``."""
        return (self.t0_s <= t_s) & (t_s <= self.t_end_s)

    def state_at(
        self, t_s: float, idx: NDArray[np.int64] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Positions (n,3), velocities (n,3) and altitudes (n,) at time ``t_s``.

        Linear interpolation between samples; outside a threat's time span the first or
        last sample is returned (check :meth:`active`).
        """
        rows = self._rows if idx is None else np.asarray(idx, dtype=np.int64)
        u = (t_s - self.t0_s[rows]) / self.dt_s[rows]
        top = self.n_samples[rows] - 1
        u = np.clip(u, 0.0, top)
        i0 = np.minimum(np.floor(u).astype(np.int64), np.maximum(top - 1, 0))
        w = (u - i0)[:, None]
        i1 = np.minimum(i0 + 1, top)
        p = self.pos_m[rows, i0] * (1.0 - w) + self.pos_m[rows, i1] * w
        v = self.vel_mps[rows, i0] * (1.0 - w) + self.vel_mps[rows, i1] * w
        a = self.alt_m[rows, i0] * (1.0 - w[:, 0]) + self.alt_m[rows, i1] * w[:, 0]
        return p, v, a
