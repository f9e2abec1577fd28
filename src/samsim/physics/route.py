"""Waypoint movers (cruise missiles, drones, aircraft, decoys): great-circle legs at a
height above ground or above the ellipsoid, speed per leg, and a vertical profile with
climb/dive angle and pull-up/push-over limits (:func:`vertical_profile`: terrain
following that does not follow every bump); terminal pop-up or weave.

Formulas, sources and limits: docs/models/threats.md.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame, ecef_to_geodetic, geodetic_to_ecef
from samsim.jit import njit
from samsim.physics.trajectory import PathPoint, TerrainFn, Trajectory, uniform_times


@dataclass(frozen=True)
class Agility:
    """Vertical agility of a waypoint mover.

    Attributes
    ----------
    max_climb_rad, max_dive_rad : float
        Steepest climb and dive (flight-path angle), rad.
    pull_up_mps2, push_over_mps2 : float
        Largest vertical acceleration added to 1 g level flight when pulling up (valley
        floors, the start of a climb) and pushing over (crests), m/s^2.
    """

    max_climb_rad: float
    max_dive_rad: float
    pull_up_mps2: float
    push_over_mps2: float


@njit(cache=True)
def _slope_pass(
    z: NDArray[np.float64],
    s: NDArray[np.float64],
    climb: NDArray[np.float64],
    dive: NDArray[np.float64],
) -> None:
    """Raise ``z`` in place to the least profile with segment slopes in [-dive, climb]:
    a backward pass (climb early enough for what lies ahead) then a forward pass (dive no
    faster than allowed)."""
    n = z.shape[0]
    for i in range(n - 2, -1, -1):
        lim = z[i + 1] - climb[i] * (s[i + 1] - s[i])
        if z[i] < lim:
            z[i] = lim
    for i in range(1, n):
        lim = z[i - 1] - dive[i - 1] * (s[i] - s[i - 1])
        if z[i] < lim:
            z[i] = lim


@njit(cache=True)
def _pull_up_pass(z: NDArray[np.float64], s: NDArray[np.float64], k_per_m: float) -> None:
    """Raise ``z`` in place to the least profile whose curvature is <= ``k_per_m``:
    k s^2/2 plus the upper concave hull of z - k s^2/2 (monotone chain)."""
    n = z.shape[0]
    if n < 3 or not (k_per_m < 1e300):
        return
    s0 = s[n // 2]
    g = np.empty(n)
    for i in range(n):
        g[i] = z[i] - 0.5 * k_per_m * (s[i] - s0) ** 2
    hull = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        while m >= 2:
            a = hull[m - 2]
            b = hull[m - 1]
            cross = (s[b] - s[a]) * (g[i] - g[a]) - (g[b] - g[a]) * (s[i] - s[a])
            if cross >= 0.0:
                m -= 1
            else:
                break
        hull[m] = i
        m += 1
    for j in range(m - 1):
        a = hull[j]
        b = hull[j + 1]
        for i in range(a + 1, b):
            w = (s[i] - s[a]) / (s[b] - s[a])
            zi = g[a] + w * (g[b] - g[a]) + 0.5 * k_per_m * (s[i] - s0) ** 2
            if zi > z[i]:
                z[i] = zi


@njit(cache=True)
def _least_profile(
    s: NDArray[np.float64],
    required: NDArray[np.float64],
    climb: NDArray[np.float64],
    dive: NDArray[np.float64],
    k_up: float,
) -> NDArray[np.float64]:
    z = required.copy()
    for _ in range(100):
        before = z.copy()
        _slope_pass(z, s, climb, dive)
        _pull_up_pass(z, s, k_up)
        change = 0.0
        for i in range(z.shape[0]):
            change = max(change, z[i] - before[i])
        if change < 1e-7:
            break
    return z


@njit(cache=True)
def _escape_clears(
    i: int,
    z_i: float,
    sigma: float,
    z1: NDArray[np.float64],
    s: NDArray[np.float64],
    climb: NDArray[np.float64],
    k_up: NDArray[np.float64],
) -> bool:
    """Whether, after flying segment ``i`` at slope ``sigma`` from height ``z_i``, a
    full pull-up (slope rising at ``k_up[j]`` per metre to the climb limit) stays above
    ``z1`` for ever (stops once it is above z1 and at least as steep)."""
    n = z1.shape[0]
    ze = z_i + sigma * (s[i + 1] - s[i])
    se = sigma
    j = i + 1
    while True:
        if ze < z1[j] - 1e-6:
            return False
        if j == n - 1:
            return True
        m = 0.5 * (s[j + 1] - s[j - 1])
        se = min(climb[j], se + k_up[j] * m)
        if se >= (z1[j + 1] - z1[j]) / (s[j + 1] - s[j]):
            return True
        ze += se * (s[j + 1] - s[j])
        j += 1


@njit(cache=True)
def _track_from_above(
    z1: NDArray[np.float64],
    s: NDArray[np.float64],
    climb: NDArray[np.float64],
    dive: NDArray[np.float64],
    k_up: NDArray[np.float64],
    k_down: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Fly ``z1`` from above with slope and curvature limits: at each segment the lowest
    slope (within the push-over and pull-up limits from the previous one) from which a
    full pull-up still clears ``z1``."""
    n = z1.shape[0]
    z = np.empty(n)
    z[0] = z1[0]
    if n < 2:
        return z
    sig_prev = (z1[1] - z1[0]) / (s[1] - s[0])
    for i in range(n - 1):
        h = s[i + 1] - s[i]
        m = h if i == 0 else 0.5 * (s[i + 1] - s[i - 1])
        lo = max(-dive[i], sig_prev - k_down[i] * m)
        hi = min(climb[i], sig_prev + k_up[i] * m)
        if hi < lo:
            lo = hi
        cand = max(lo, min(hi, (z1[i + 1] - z[i]) / h))
        if _escape_clears(i, z[i], cand, z1, s, climb, k_up):
            sig = cand
        else:
            a, b = cand, hi
            for _ in range(40):
                mid = 0.5 * (a + b)
                if _escape_clears(i, z[i], mid, z1, s, climb, k_up):
                    b = mid
                else:
                    a = mid
            sig = b
        z[i + 1] = z[i] + sig * h
        sig_prev = sig
    return z


def vertical_profile(
    s_m: NDArray[np.float64],
    required_m: NDArray[np.float64],
    climb_slope: NDArray[np.float64] | float,
    dive_slope: NDArray[np.float64] | float,
    pull_up_per_m: NDArray[np.float64] | float,
    push_over_per_m: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Height profile over a path that stays above a required height with bounded slopes
    and bounded curvature.

    Parameters
    ----------
    s_m : ndarray (n,)
        Distance along the path (increasing), m.
    required_m : ndarray (n,)
        Lowest allowed height at each point (terrain + clearance), m.
    climb_slope, dive_slope : float or ndarray (n-1,)
        Steepest climb and dive per segment, as slopes tan(gamma) >= 0.
    pull_up_per_m, push_over_per_m : float or ndarray (n-1,)
        Largest upward and downward curvature of the profile per segment, 1/m (a vertical
        acceleration a at speed V is a curvature a / V^2); ``inf`` for no limit. Stage 1
        uses the smallest pull-up limit of the path.

    Returns
    -------
    ndarray (n,)
        The profile z >= required, slopes within the limits, curvature within the limits.

    Notes
    -----
    Two stages. (1) The least profile z1 >= required whose slopes are within
    [-dive, climb] and whose curvature is <= the pull-up limit k_u. It exists and is
    unique because each constraint set is closed under pointwise minimum; it is reached
    by alternating two closures to their fixed point: the slope closure (a backward pass
    z_i = max(z_i, z_{i+1} - climb h_i): look ahead and climb early enough; then a forward
    pass z_{i+1} = max(z_{i+1}, z_i - dive h_i)) and the curvature closure
    (k_u s^2/2 plus the least concave majorant of z - k_u s^2/2, i.e. parabolic fillets
    of curvature k_u in valleys). (2) The push-over limit k_d is not closed under minimum,
    so z1 is flown from above: at each segment the lowest slope within
    [sigma_prev - k_d h, sigma_prev + k_u h] and [-dive, climb] from which a full pull-up
    (slope rising at k_u to the climb limit) still clears z1 ever after -- a viability
    test over the pull-up horizon, as in time-optimal control. The result never goes
    below z1 and honours all four limits on the discrete grid; over sharp crests it
    balloons (it cannot anticipate a push-over), which is conservative. See
    docs/models/threats.md for the derivation and its limits.
    """
    s = np.ascontiguousarray(s_m, dtype=float)
    r = np.ascontiguousarray(required_m, dtype=float)
    n = len(s)
    climb = np.broadcast_to(np.asarray(climb_slope, dtype=float), (max(n - 1, 0),)).copy()
    dive = np.broadcast_to(np.asarray(dive_slope, dtype=float), (max(n - 1, 0),)).copy()
    if n < 2:
        return r.copy()
    # One extra entry so that the kernels may read climb[n-1] harmlessly.
    climb = np.append(climb, climb[-1])
    dive = np.append(dive, dive[-1])
    k_up = np.minimum(np.broadcast_to(np.asarray(pull_up_per_m, dtype=float), (n - 1,)), 1e301)
    k_down = np.minimum(np.broadcast_to(np.asarray(push_over_per_m, dtype=float), (n - 1,)), 1e301)
    k_up = np.append(k_up, k_up[-1])
    k_down = np.append(k_down, k_down[-1])
    z1 = _least_profile(s, r, climb, dive, float(k_up.min()))
    return _track_from_above(z1, s, climb, dive, k_up, k_down)


# ---------------------------------------------------------------------------------------
# waypoint movers
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terminal:
    """A terminal manoeuvre.

    Attributes
    ----------
    kind : str
        ``"none"``, ``"popup"`` (climb to ``popup_height_m`` above the target and dive
        onto it at ``dive_rad``) or ``"weave"`` (lateral weave of amplitude
        accel / omega^2 at ``weave_accel_mps2`` peak, period ``weave_period_s``).
    range_m : float
        Distance to go at which the manoeuvre begins (waypoint movers).
    altitude_m : float
        Altitude below which the weave begins (ballistic missiles, on the way down).
    accel_mps2 : float
        Vertical acceleration available for the pop-up's pull-up and push-over (used over
        the last ``range_m`` when above the cruise agility).
    """

    kind: str = "none"
    range_m: float = 0.0
    altitude_m: float = 0.0
    popup_height_m: float = 0.0
    dive_rad: float = 0.0
    weave_accel_mps2: float = 0.0
    weave_period_s: float = 1.0
    accel_mps2: float = 0.0


@dataclass
class DensePath:
    """A path sampled densely (not uniformly): times from 0, positions and velocities
    (ENU), the time at each route point, and the start of a terminal weave (NaN if none).
    """

    t_s: NDArray[np.float64]
    pos_m: NDArray[np.float64]
    vel_mps: NDArray[np.float64]
    point_times_s: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    weave_start_s: float = math.nan
    weave_accel_mps2: float = 0.0
    weave_period_s: float = 1.0

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1])


def direction_velocity(pos: NDArray[np.float64], speed: NDArray[np.float64]) -> NDArray[np.float64]:
    """Velocity along the path's tangent (central differences) at the given speeds."""
    if len(pos) < 2:
        return np.zeros_like(pos)
    d = np.gradient(pos, axis=0)
    n = np.linalg.norm(d, axis=1, keepdims=True)
    return d / np.maximum(n, 1e-12) * speed[:, None]


def trace_route(
    frame: EnuFrame,
    points: Sequence[PathPoint],
    terrain: TerrainFn,
    step_m: float = 200.0,
    agility: Agility | None = None,
    terminal: Terminal | None = None,
) -> DensePath:
    """A route through waypoints, sampled every ``step_m`` along each leg.

    Notes
    -----
    Each leg is traced by projecting the ECEF chord between its ends onto the ellipsoid
    (a close approximation of the geodesic at these ranges: under 10 m off at 1000 km).
    The required height ramps linearly along a leg between the heights of its ends, in
    the height mode (above ground or ellipsoid) of the leg's destination. With
    ``agility`` the flown height is :func:`vertical_profile` of the required height
    (curvature limits from the largest speed on the route); a pop-up terminal manoeuvre
    adds a trapezoid to the requirement over the last ``terminal.range_m``: climb at the
    climb limit to ``popup_height_m`` above the target's ground, hold, dive at
    ``dive_rad`` onto the target (terrain clearance is not required in the final dive,
    and the dive limit there is relaxed to dive_rad + 20 deg so the push-over can be
    caught up); over that stretch the curvature limits are raised to
    ``terminal.accel_mps2``. Time follows from the 3-D path length at each leg's speed.
    """
    if len(points) < 2:
        raise ValueError("a waypoint trajectory needs at least two points")
    lats: list[NDArray[np.float64]] = []
    lons: list[NDArray[np.float64]] = []
    req: list[NDArray[np.float64]] = []
    grd: list[NDArray[np.float64]] = []
    spd: list[NDArray[np.float64]] = []
    point_index = [0]
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
        sl = slice(1, None) if lats else slice(None)
        lats.append(lat[sl])
        lons.append(lon[sl])
        req.append(alt[sl])
        grd.append(ground_h[sl])
        spd.append(np.full(len(lat[sl]), a.speed_mps))
        point_index.append(sum(len(x) for x in lats) - 1)
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    required = np.concatenate(req)
    ground = np.concatenate(grd)
    speed = np.concatenate(spd)
    flat = frame.geodetic_to_enu(lat, lon, np.zeros_like(lat))
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(flat, axis=0), axis=1))])
    term = terminal if terminal is not None and terminal.kind != "none" else None
    x_to_go = s[-1] - s
    z = required
    if agility is not None:
        climb = np.full(len(s) - 1, math.tan(agility.max_climb_rad))
        dive = np.full(len(s) - 1, math.tan(agility.max_dive_rad))
        v_max = float(np.max(speed))
        if term is not None and term.kind == "popup" and term.range_m > 0:
            tan_d = math.tan(term.dive_rad)
            k_t = max(term.accel_mps2, agility.push_over_mps2) / v_max**2
            # plateau at the apex height, a push-over arc of curvature k_t tangent to it
            # and to the dive line through the target, the dive line
            x_a = term.popup_height_m / tan_d + tan_d / (2.0 * k_t)
            x_b = x_a - tan_d / k_t
            shape = np.where(
                x_to_go >= x_a,
                term.popup_height_m,
                np.where(
                    x_to_go >= x_b,
                    term.popup_height_m - 0.5 * k_t * (x_a - x_to_go) ** 2,
                    x_to_go * tan_d,
                ),
            )
            climb_ramp = (
                np.maximum(term.range_m - x_to_go, 0.0) * math.tan(agility.max_climb_rad)
                + required
                - ground[-1]
            )
            trap = ground[-1] + np.minimum(shape, climb_ramp)
            zone = x_to_go <= term.range_m
            in_dive = x_to_go < x_a
            required = np.where(zone, np.maximum(required, trap), required)
            required = np.where(in_dive, trap, required)
            seg_dive = in_dive[1:] | in_dive[:-1]
            dive = np.where(
                seg_dive, math.tan(min(math.radians(85.0), term.dive_rad + math.radians(20))), dive
            )
        k_up = np.full(len(s) - 1, agility.pull_up_mps2 / v_max**2)
        k_down = np.full(len(s) - 1, agility.push_over_mps2 / v_max**2)
        if term is not None and term.kind == "popup":
            near = (x_to_go[1:] <= term.range_m) | (x_to_go[:-1] <= term.range_m)
            k_t = term.accel_mps2 / v_max**2
            k_up = np.where(near, np.maximum(k_up, k_t), k_up)
            k_down = np.where(near, np.maximum(k_down, k_t), k_down)
        z = vertical_profile(s, required, climb, dive, k_up, k_down)
    pos = frame.geodetic_to_enu(lat, lon, z)
    ds = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    t = np.concatenate([[0.0], np.cumsum(ds / speed[1:])])
    vel = direction_velocity(pos, speed)
    path = DensePath(t, pos, vel, t[np.array(point_index)])
    if term is not None and term.kind == "weave" and term.range_m > 0:
        k = int(np.searchsorted(-x_to_go, -term.range_m))
        path.weave_start_s = float(t[min(k, len(t) - 1)])
        path.weave_accel_mps2 = term.weave_accel_mps2
        path.weave_period_s = term.weave_period_s
    return path


def apply_weave(
    frame: EnuFrame,
    t_s: NDArray[np.float64],
    pos: NDArray[np.float64],
    vel: NDArray[np.float64],
    start_s: float,
    accel_mps2: float,
    period_s: float,
) -> None:
    """Add a horizontal weave y = A (1 - cos w tau), A = a / w^2, across the track (in
    place): the lateral acceleration is a cos(w tau), peak ``accel_mps2``. The weave
    starts at or after ``start_s`` so that a whole number of periods ends at the last
    sample (y = 0 there: the end point, an impact, is unchanged); none if less than one
    period fits."""
    if not np.isfinite(start_s) or accel_mps2 <= 0 or len(t_s) == 0:
        return
    periods = math.floor((float(t_s[-1]) - start_s) / period_s + 1e-9)
    if periods < 1:
        return
    start_s = float(t_s[-1]) - periods * period_s
    on = t_s >= start_s
    w = 2.0 * math.pi / period_s
    amp = accel_mps2 / w**2
    tau = t_s[on] - start_s
    up = frame.up_enu(pos[on])
    side = np.cross(up, vel[on])
    side /= np.maximum(np.linalg.norm(side, axis=1, keepdims=True), 1e-12)
    pos[on] += (amp * (1.0 - np.cos(w * tau)))[:, None] * side
    vel[on] += (amp * w * np.sin(w * tau))[:, None] * side


def sample_path(
    frame: EnuFrame, path: DensePath, t_rel_s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Positions and velocities of a dense path at times from its start (linear
    interpolation; the speed is interpolated and the direction renormalised), with the
    terminal weave added analytically."""
    pos = np.stack([np.interp(t_rel_s, path.t_s, path.pos_m[:, i]) for i in range(3)], axis=1)
    vel = np.stack([np.interp(t_rel_s, path.t_s, path.vel_mps[:, i]) for i in range(3)], axis=1)
    speed = np.interp(t_rel_s, path.t_s, np.linalg.norm(path.vel_mps, axis=1))
    vel = vel / np.maximum(np.linalg.norm(vel, axis=1, keepdims=True), 1e-12) * speed[:, None]
    apply_weave(
        frame, t_rel_s, pos, vel, path.weave_start_s, path.weave_accel_mps2, path.weave_period_s
    )
    return pos, vel


def waypoint_trajectory(
    frame: EnuFrame,
    points: Sequence[PathPoint],
    t0_s: float,
    terrain: TerrainFn,
    dt_s: float = 0.5,
    step_m: float = 200.0,
    agility: Agility | None = None,
    terminal: Terminal | None = None,
) -> Trajectory:
    """Trajectory along waypoints at constant speed per leg (see :func:`trace_route`).

    Parameters
    ----------
    frame : EnuFrame
        Scenario frame.
    points : sequence of PathPoint
        At least two points; heights and speeds apply from each point on.
    t0_s : float
        Time at the first point.
    terrain : callable
        Terrain height above the ellipsoid at ENU (east, north), for heights above ground.
    dt_s : float
        Sampling step of the output, s.
    step_m : float
        Spacing of the geometric construction along each leg, m.
    agility : Agility, optional
        Vertical agility (terrain following); None: the required height exactly.
    terminal : Terminal, optional
        Terminal manoeuvre.
    """
    path = trace_route(frame, points, terrain, step_m, agility, terminal)
    ts, step = uniform_times(path.duration_s, dt_s)
    pos, vel = sample_path(frame, path, ts)
    return Trajectory(t0_s, step, pos, vel, frame.altitude_m(pos), t0_s + path.point_times_s)
