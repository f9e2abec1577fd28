"""Threat trajectories as functions of time, precomputed per threat and sampled on a grid,
and the one way a threat reacts to the defence: an evasive manoeuvre spliced into its row.

Each threat's path is computed when the scenario is compiled and stored as a table (one
row per threat, one column per sample, uniform in time per row). The engine evaluates
every threat at any time by vectorised interpolation (:meth:`ThreatTable.state_at`).
When an interceptor is launched at a threat whose type evades, :class:`Reactions`
recomputes that threat's path from the reaction time and splices it into the row.

Models (docs/models/threats.md gives the formulas, sources and limits)
------------------------------------------------------------------------
- Waypoint movers (cruise missiles, drones, aircraft, decoys): great-circle legs at a
  height above ground or above the ellipsoid, speed per leg, and a vertical profile with
  climb/dive angle and pull-up/push-over limits (:func:`vertical_profile`: terrain
  following that does not follow every bump); terminal pop-up or weave.
- Aircraft evasion: a level turn at n g to beam or turn tail on the launcher, then hold
  and rejoin the route, or egress (:func:`evasion_path`).
- Ballistic missiles: powered boost from the launch point (thrust, mass flow, drag,
  pitch programme), ballistic flight under inverse-square gravity and drag, thrust cut-off
  solved so that the impact falls on the aim point (:func:`ballistic_missile_trajectory`);
  optional terminal weave. The older burn-out model (:func:`ballistic_trajectory`) stays.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numba
import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame, ecef_to_geodetic, ecef_to_geodetic_rad, geodetic_to_ecef
from samsim.physics.atmosphere import density_kgpm3, speed_of_sound_mps
from samsim.units import Mach

if TYPE_CHECKING:
    from samsim.scenario.specs import ThreatSpec

#: Earth's gravitational parameter, m^3/s^2 (WGS-84).
MU_EARTH = 3.986004418e14
#: Standard gravity, m/s^2 (for specific impulse and "g" figures).
G0_MPS2 = 9.80665

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
    the last sample is the end of the trajectory. ``point_times_s`` (waypoint movers):
    the time at which each route point is passed."""

    t0_s: float
    dt_s: float
    pos_m: NDArray[np.float64]  # (K, 3) ENU
    vel_mps: NDArray[np.float64]  # (K, 3) ENU
    alt_m: NDArray[np.float64]  # (K,) above the ellipsoid
    point_times_s: NDArray[np.float64] | None = None

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


# ---------------------------------------------------------------------------------------
# vertical agility: terrain following that does not follow every bump
# ---------------------------------------------------------------------------------------


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


@numba.njit(cache=True)
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


@numba.njit(cache=True)
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


@numba.njit(cache=True)
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


@numba.njit(cache=True)
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


@numba.njit(cache=True)
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


def _direction_velocity(
    pos: NDArray[np.float64], speed: NDArray[np.float64]
) -> NDArray[np.float64]:
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
    vel = _direction_velocity(pos, speed)
    path = DensePath(t, pos, vel, t[np.array(point_index)])
    if term is not None and term.kind == "weave" and term.range_m > 0:
        k = int(np.searchsorted(-x_to_go, -term.range_m))
        path.weave_start_s = float(t[min(k, len(t) - 1)])
        path.weave_accel_mps2 = term.weave_accel_mps2
        path.weave_period_s = term.weave_period_s
    return path


def _apply_weave(
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
    _apply_weave(
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


# ---------------------------------------------------------------------------------------
# ballistic missiles
# ---------------------------------------------------------------------------------------

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


@numba.njit(cache=True)
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


@numba.njit(cache=True)
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
            _apply_weave(
                frame,
                tu,
                pos,
                vel,
                float(tu[apex + below[0]]),
                term.weave_accel_mps2,
                term.weave_period_s,
            )
    return Trajectory(t0_s, step, pos, vel, frame.altitude_m(pos))


# ---------------------------------------------------------------------------------------
# evasion: a threat reacts to a launch at it
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evasion:
    """An evasive manoeuvre.

    Attributes
    ----------
    manoeuvre : str
        ``"beam"``: level turn to put the launcher abeam (velocity perpendicular to the
        line of sight: the Doppler notch of a pulse-Doppler radar, and the longest chase
        for the missile), hold ``hold_s``, then turn back to the next route point and
        continue the route; ``"turn_away"``: turn tail on the launcher and egress for
        ``hold_s``, then the trajectory ends (the threat has left).
    accel_mps2 : float
        Horizontal (lateral) acceleration of the turns, m/s^2 (n g: a level turn at load
        factor sqrt(n^2 + 1)).
    delay_s : float
        Reaction time from the launch to the start of the turn, s.
    hold_s : float
        Time held on the beam or egress heading, s.
    """

    manoeuvre: str
    accel_mps2: float
    delay_s: float
    hold_s: float


@dataclass(frozen=True)
class RoutePlan:
    """What a waypoint mover needs to re-plan its path: its route, its vertical agility,
    terminal manoeuvre and evasion, and the construction step."""

    points: tuple[PathPoint, ...]
    agility: Agility | None
    terminal: Terminal | None
    evasion: Evasion | None
    step_m: float = 200.0
    #: Last-ditch break turn against an interceptor about to arrive (a beam turn relative
    #: to the interceptor, no delay) and the time to go at which it starts; None: none.
    break_turn: Evasion | None = None
    break_time_to_go_s: float = 0.0


def _horizontal(vec: NDArray[np.float64], up: NDArray[np.float64]) -> NDArray[np.float64]:
    h = vec - np.dot(vec, up) * up
    n = float(np.linalg.norm(h))
    return h / n if n > 0 else h


def _signed_angle(u: NDArray[np.float64], d: NDArray[np.float64], up: NDArray[np.float64]) -> float:
    """Angle from u to d about up (counter-clockwise seen from above, i.e. to the left)."""
    return math.atan2(float(np.dot(np.cross(u, d), up)), float(np.dot(u, d)))


def _on_height(frame: EnuFrame, pos: NDArray[np.float64], alt_m: float) -> NDArray[np.float64]:
    lat, lon, _ = frame.enu_to_geodetic(pos)
    return frame.geodetic_to_enu(lat, lon, np.full(np.shape(lat), alt_m))


def _arc(
    frame: EnuFrame,
    p0: NDArray[np.float64],
    u: NDArray[np.float64],
    up: NDArray[np.float64],
    side: float,
    speed: float,
    omega: float,
    alt_m: float,
    tau: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A level turn at rate ``omega`` to the left (side +1) or right (-1): positions (on
    the height ``alt_m``) and velocities at times ``tau`` from its start."""
    w = np.cross(up, u)
    r = speed / omega if omega > 0 else 0.0
    sn, cs = np.sin(omega * tau), np.cos(omega * tau)
    pos = p0 + r * sn[:, None] * u + side * r * (1.0 - cs)[:, None] * w
    vel = speed * (cs[:, None] * u + side * sn[:, None] * w)
    return _on_height(frame, pos, alt_m), vel


def _straight(
    frame: EnuFrame,
    p0: NDArray[np.float64],
    u: NDArray[np.float64],
    speed: float,
    alt_m: float,
    duration_s: float,
    step_s: float = 1.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Straight flight on the height ``alt_m`` (the tangent line projected on the
    height surface: a great circle), sampled every ``step_s``."""
    n = max(2, math.ceil(duration_s / step_s) + 1)
    tau = np.linspace(0.0, duration_s, n)
    pos = _on_height(frame, p0 + speed * tau[:, None] * u, alt_m)
    vel = _direction_velocity(pos, np.full(n, speed))
    return tau, pos, vel


def evasion_path(
    frame: EnuFrame,
    terrain: TerrainFn,
    plan: RoutePlan,
    point_times_s: NDArray[np.float64],
    t_start_s: float,
    p0: NDArray[np.float64],
    v0: NDArray[np.float64],
    source_enu_m: NDArray[np.float64],
    arc_step_s: float = 0.05,
) -> tuple[DensePath, float, NDArray[np.float64] | None]:
    """The path of a threat that evades a missile launched from ``source_enu_m``,
    starting at ``t_start_s`` in state (p0, v0).

    Returns
    -------
    path : DensePath
        From the start of the manoeuvre to the end of the trajectory (times from 0).
    manoeuvre_end_s : float
        Time (from the start) at which the manoeuvre is over (back on course or gone).
    point_times_s : ndarray or None
        New absolute times of the route points (entries already passed unchanged), or
        None when the threat egresses.

    Notes
    -----
    A level turn at constant speed V and lateral acceleration a has rate omega = a / V
    and radius V^2 / a; it is traced in the tangent plane at its start and projected on
    the height surface (its lateral acceleration stays a to better than 0.1 %). Beam:
    the heading perpendicular to the horizontal line of sight from the launcher closest
    to the current heading; turn-away: the line of sight itself. The turn is to the side
    of the smaller heading change. Back on course: the turn continues until the velocity
    points at the next route point not yet passed, then the route is flown from there
    (:func:`trace_route`).
    """
    ev = plan.evasion
    if ev is None:
        raise ValueError("the threat's type has no evasion")
    up = frame.up_enu(p0)
    up = up / np.linalg.norm(up)
    speed = float(np.linalg.norm(v0))
    u = _horizontal(v0, up)
    alt0 = float(frame.altitude_m(p0))
    los = _horizontal(p0 - source_enu_m, up)
    if ev.manoeuvre == "turn_away":
        desired = los
    else:
        beam = np.cross(up, los)
        cands = [beam, -beam]
        desired = min(cands, key=lambda d: abs(_signed_angle(u, d, up)))
    phi = _signed_angle(u, desired, up)
    side = 1.0 if phi >= 0 else -1.0
    omega = ev.accel_mps2 / max(speed, 1e-6)
    t_turn = abs(phi) / omega if omega > 0 else 0.0
    n_arc = max(2, math.ceil(t_turn / arc_step_s) + 1)
    tau1 = np.linspace(0.0, t_turn, n_arc)
    pos1, vel1 = _arc(frame, p0, u, up, side, speed, omega, alt0, tau1)
    pe = pos1[-1]
    up_e = frame.up_enu(pe)
    up_e = up_e / np.linalg.norm(up_e)
    u1 = _horizontal(vel1[-1], up_e)
    tau2, pos2, vel2 = _straight(frame, pe, u1, speed, alt0, ev.hold_s)
    ts = [tau1, t_turn + tau2[1:]]
    ps = [pos1, pos2[1:]]
    vs = [vel1, vel2[1:]]
    t_now = t_turn + ev.hold_s
    passed = np.asarray(point_times_s) <= t_start_s
    nxt = int(np.argmin(passed)) if not passed.all() else len(passed)
    if ev.manoeuvre == "turn_away" or nxt >= len(plan.points):
        t = np.concatenate(ts)
        return DensePath(t, np.concatenate(ps), np.concatenate(vs)), float(t[-1]), None
    # Turn back toward the next route point, then fly the rest of the route.
    pb = pos2[-1]
    up_b = frame.up_enu(pb)
    up_b = up_b / np.linalg.norm(up_b)
    ub = _horizontal(vel2[-1], up_b)
    goal = plan.points[nxt]
    g_alt = goal.height_m
    if goal.above_ground:
        g0 = frame.geodetic_to_enu(goal.lat_deg, goal.lon_deg, 0.0)
        g_alt += float(terrain(np.array([g0[0]]), np.array([g0[1]]))[0])
    g_enu = frame.geodetic_to_enu(goal.lat_deg, goal.lon_deg, g_alt)
    phi_b = _signed_angle(ub, _horizontal(g_enu - pb, up_b), up_b)
    side_b = 1.0 if phi_b >= 0 else -1.0
    tau3 = np.arange(0.0, 2.0 * math.pi / omega + arc_step_s, arc_step_s)
    pos3, vel3 = _arc(frame, pb, ub, up_b, side_b, speed, omega, alt0, tau3)
    to_goal = g_enu - pos3
    to_goal -= (to_goal @ up_b)[:, None] * up_b
    cross = np.cross(vel3, to_goal) @ up_b
    aligned = (side_b * cross <= 0) & (np.sum(vel3 * to_goal, axis=1) > 0)
    aligned[0] = False
    k = int(np.argmax(aligned)) if aligned.any() else round(abs(phi_b) / omega / arc_step_s)
    k = max(1, min(k, len(tau3) - 1))
    ts.append(t_now + tau3[1 : k + 1])
    ps.append(pos3[1 : k + 1])
    vs.append(vel3[1 : k + 1])
    t_now += float(tau3[k])
    lat, lon, _ = frame.enu_to_geodetic(pos3[k])
    start = PathPoint(float(lat), float(lon), alt0, False, speed)
    rest = trace_route(
        frame, (start, *plan.points[nxt:]), terrain, plan.step_m, plan.agility, plan.terminal
    )
    ts.append(t_now + rest.t_s[1:])
    ps.append(rest.pos_m[1:])
    vs.append(rest.vel_mps[1:])
    path = DensePath(np.concatenate(ts), np.concatenate(ps), np.concatenate(vs))
    path.weave_start_s = t_now + rest.weave_start_s
    path.weave_accel_mps2 = rest.weave_accel_mps2
    path.weave_period_s = rest.weave_period_s
    new_times = np.array(point_times_s, dtype=float, copy=True)
    new_times[nxt:] = t_start_s + t_now + rest.point_times_s[1:]
    return path, t_now, new_times


# ---------------------------------------------------------------------------------------
# the table the engine evaluates
# ---------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _state_at_kernel(
    t_s: float,
    rows: NDArray[np.int64],
    t0_s: NDArray[np.float64],
    dt_s: NDArray[np.float64],
    n_samples: NDArray[np.int64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    alt_m: NDArray[np.float64],
    p: NDArray[np.float64],
    v: NDArray[np.float64],
    a: NDArray[np.float64],
) -> None:
    """Kernel of :meth:`ThreatTable.state_at`: per row, the sample interval holding
    ``t_s`` (clipped to the trajectory) and the linear interpolation in it, written with
    the same floating-point operations, in the same order, as the array expression
    ``x0 * (1 - w) + x1 * w`` (so the results are bit-for-bit those of numpy)."""
    for k in range(rows.shape[0]):
        r = rows[k]
        u = (t_s - t0_s[r]) / dt_s[r]
        top = n_samples[r] - 1
        # np.clip(u, 0, top): max then min, NaN kept
        if not math.isnan(u):
            u = u if u > 0.0 else 0.0
            u = u if u < top else float(top)
        i0 = min(np.int64(math.floor(u)), max(top - 1, 0))
        w = u - i0
        i1 = min(i0 + 1, top)
        for j in range(3):
            p[k, j] = pos_m[r, i0, j] * (1.0 - w) + pos_m[r, i1, j] * w
            v[k, j] = vel_mps[r, i0, j] * (1.0 - w) + vel_mps[r, i1, j] * w
        a[k] = alt_m[r, i0] * (1.0 - w) + alt_m[r, i1] * w


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
        # A run's copy (see copy()) shares the sample arrays above and keeps the rows it
        # splices in an overlay of its own: _slot[i] is row i's overlay row or -1.
        self._slot: NDArray[np.int64] | None = None
        self._over: _Overlay | None = None

    def __len__(self) -> int:
        return len(self.t0_s)

    def copy(self) -> ThreatTable:
        """A copy for one run (the engine splices evasions into its own copy, so a compiled
        world can be run many times). The per-threat times are the copy's own; the sample
        arrays are shared and never written through the copy, which moves a row it splices
        to an overlay of its own: a run copies the few threats that manoeuvre, not the
        whole table (hundreds of MB for a theatre raid)."""
        out = object.__new__(ThreatTable)
        for name in ("dt_s", "n_samples", "t0_s", "t_end_s"):
            setattr(out, name, getattr(self, name).copy())
        out.pos_m, out.vel_mps, out.alt_m = self.pos_m, self.vel_mps, self.alt_m
        out._rows = self._rows
        out._slot = (
            np.full(len(self), -1, dtype=np.int64) if self._slot is None else self._slot.copy()
        )
        out._over = None if self._over is None else self._over.copy()
        return out

    def row(self, i: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Row ``i``'s samples (positions, velocities, altitudes; padded beyond
        ``n_samples[i]``), read-only views."""
        s = -1 if self._slot is None else int(self._slot[i])
        if s < 0:
            pos, vel, alt = self.pos_m[i], self.vel_mps[i], self.alt_m[i]
        else:
            assert self._over is not None
            pos, vel, alt = self._over.pos_m[s], self._over.vel_mps[s], self._over.alt_m[s]
        out = []
        for a in (pos, vel, alt):
            v = a.view()
            v.flags.writeable = False
            out.append(v)
        return out[0], out[1], out[2]

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
        n = rows.shape[0]
        p, v, a = np.empty((n, 3)), np.empty((n, 3)), np.empty(n)
        over = self._over
        slot = None if over is None or self._slot is None else self._slot[rows]
        if slot is None or not (slot >= 0).any():
            _state_at_kernel(
                float(t_s),
                np.ascontiguousarray(rows),
                self.t0_s,
                self.dt_s,
                self.n_samples,
                self.pos_m,
                self.vel_mps,
                self.alt_m,
                p,
                v,
                a,
            )
            return p, v, a
        # Rows of the overlay and of the shared table, each evaluated where it lives (the
        # same arithmetic per row).
        assert over is not None
        ov = slot >= 0
        base = (self.t0_s, self.dt_s, self.n_samples, self.pos_m, self.vel_mps, self.alt_m)
        mine = (over.t0_s, over.dt_s, over.n_samples, over.pos_m, over.vel_mps, over.alt_m)
        for sel, r, (t0, dt, ns, pos, vel, alt) in ((~ov, rows[~ov], base), (ov, slot[ov], mine)):
            k = int(np.count_nonzero(sel))
            if k == 0:
                continue
            ps, vs, as_ = np.empty((k, 3)), np.empty((k, 3)), np.empty(k)
            _state_at_kernel(
                float(t_s), np.ascontiguousarray(r), t0, dt, ns, pos, vel, alt, ps, vs, as_
            )
            p[sel], v[sel], a[sel] = ps, vs, as_
        return p, v, a

    def splice(
        self,
        i: int,
        k: int,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
    ) -> None:
        """Replace row ``i`` from sample ``k`` on with new samples (same step); the row's
        end time follows. The sample arrays grow (by at least a quarter) when the new
        trajectory is longer than the table."""
        m = k + len(alt_m)
        if self._slot is not None:
            # a run's copy: the row goes to (or is already in) the overlay
            if self._over is None:
                self._over = _Overlay.empty(self.alt_m.shape[1])
            s = int(self._slot[i])
            if s < 0:
                s = self._slot[i] = self._over.add(
                    self.pos_m[i], self.vel_mps[i], self.alt_m[i], self.t0_s[i], self.dt_s[i]
                )
            self._over.write(s, k, pos_m, vel_mps, alt_m)
        else:
            self.pos_m, self.vel_mps, self.alt_m = _write_row(
                self.pos_m, self.vel_mps, self.alt_m, i, k, pos_m, vel_mps, alt_m
            )
        self.n_samples[i] = m
        self.t_end_s[i] = self.t0_s[i] + self.dt_s[i] * (m - 1)
        if self._over is not None and self._slot is not None and self._slot[i] >= 0:
            self._over.n_samples[self._slot[i]] = m


def _write_row(
    pos: NDArray[np.float64],
    vel: NDArray[np.float64],
    alt: NDArray[np.float64],
    i: int,
    k: int,
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    alt_m: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Row ``i`` of padded sample arrays replaced from sample ``k`` on (the arrays grow by
    at least a quarter when the row gets longer than they are); returns the arrays."""
    m = k + len(alt_m)
    cap = alt.shape[1]
    if m > cap:
        new_cap = max(m, cap + cap // 4 + 1)
        grow = new_cap - cap
        pos = np.concatenate([pos, np.repeat(pos[:, -1:], grow, axis=1)], axis=1)
        vel = np.concatenate([vel, np.zeros((len(vel), grow, 3))], axis=1)
        alt = np.concatenate([alt, np.repeat(alt[:, -1:], grow, axis=1)], axis=1)
    pos[i, k:m] = pos_m
    vel[i, k:m] = vel_mps
    alt[i, k:m] = alt_m
    pos[i, m:] = pos_m[-1]
    vel[i, m:] = 0.0
    alt[i, m:] = alt_m[-1]
    return pos, vel, alt


class _Overlay:
    """The rows a run's copy of a :class:`ThreatTable` has spliced: padded sample arrays
    like the table's, one row per spliced threat, with their times."""

    def __init__(
        self,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
        t0_s: NDArray[np.float64],
        dt_s: NDArray[np.float64],
        n_samples: NDArray[np.int64],
        n: int,
    ) -> None:
        self.pos_m, self.vel_mps, self.alt_m = pos_m, vel_mps, alt_m
        self.t0_s, self.dt_s, self.n_samples = t0_s, dt_s, n_samples
        self.n = n

    @classmethod
    def empty(cls, k: int) -> _Overlay:
        z = np.zeros(0)
        none = np.zeros(0, dtype=np.int64)
        return cls(np.zeros((0, k, 3)), np.zeros((0, k, 3)), np.zeros((0, k)), z, z, none, 0)

    def copy(self) -> _Overlay:
        return _Overlay(
            self.pos_m.copy(),
            self.vel_mps.copy(),
            self.alt_m.copy(),
            self.t0_s.copy(),
            self.dt_s.copy(),
            self.n_samples.copy(),
            self.n,
        )

    def add(
        self,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
        t0_s: float,
        dt_s: float,
    ) -> int:
        """Append a copy of a table row; returns its overlay row."""
        if self.n == len(self.t0_s):  # grow the rows by half
            extra = max(4, self.n // 2)
            k = self.alt_m.shape[1]
            self.pos_m = np.concatenate([self.pos_m, np.zeros((extra, k, 3))])
            self.vel_mps = np.concatenate([self.vel_mps, np.zeros((extra, k, 3))])
            self.alt_m = np.concatenate([self.alt_m, np.zeros((extra, k))])
            self.t0_s = np.concatenate([self.t0_s, np.zeros(extra)])
            self.dt_s = np.concatenate([self.dt_s, np.ones(extra)])
            self.n_samples = np.concatenate([self.n_samples, np.ones(extra, dtype=np.int64)])
        s = self.n
        k = min(len(alt_m), self.alt_m.shape[1])
        self.pos_m[s, :k], self.vel_mps[s, :k], self.alt_m[s, :k] = pos_m, vel_mps, alt_m
        self.t0_s[s], self.dt_s[s] = t0_s, dt_s
        self.n += 1
        return s

    def write(
        self,
        s: int,
        k: int,
        pos_m: NDArray[np.float64],
        vel_mps: NDArray[np.float64],
        alt_m: NDArray[np.float64],
    ) -> None:
        self.pos_m, self.vel_mps, self.alt_m = _write_row(
            self.pos_m, self.vel_mps, self.alt_m, s, k, pos_m, vel_mps, alt_m
        )


class Reactions:
    """Per-run state of threats that react to the defence; owns a copy of the table.

    Parameters
    ----------
    table : ThreatTable
        The compiled table (copied, never modified).
    plans : sequence of RoutePlan or None
        Per threat (None: does not react).
    point_times_s : sequence of ndarray or None
        Per threat, the compiled time at which each route point is passed.
    frame, terrain
        Scenario frame and terrain.
    """

    def __init__(
        self,
        table: ThreatTable,
        plans: Sequence[RoutePlan | None],
        point_times_s: Sequence[NDArray[np.float64] | None],
        frame: EnuFrame,
        terrain: TerrainFn,
    ) -> None:
        self.table = table.copy()
        self.plans = list(plans)
        self.point_times_s = list(point_times_s)
        self.frame = frame
        self.terrain = terrain
        self.busy_until_s = np.full(len(table), -np.inf)

    def can_evade(self, i: int) -> bool:
        plan = self.plans[i] if i < len(self.plans) else None
        return plan is not None and plan.evasion is not None

    def can_break(self, i: int) -> bool:
        plan = self.plans[i] if i < len(self.plans) else None
        return plan is not None and plan.break_turn is not None

    def break_at(self, i: int, t_s: float, missile_enu_m: NDArray[np.float64]) -> float | None:
        """Threat ``i`` breaks at ``t_s`` against an interceptor at ``missile_enu_m``
        (its type's ``break_turn``: a hard level turn to put the interceptor abeam, held,
        then back on the route), whatever manoeuvre it was flying; returns its new end
        time (None when nothing changed). See :meth:`launch_at`."""
        plan = self.plans[i] if i < len(self.plans) else None
        if plan is None or plan.break_turn is None:
            return None
        return self._splice(
            i, t_s, dataclasses.replace(plan, evasion=plan.break_turn), missile_enu_m
        )

    def launch_at(self, i: int, t_s: float, source_enu_m: NDArray[np.float64]) -> float | None:
        """A missile is launched at threat ``i`` at ``t_s`` from ``source_enu_m``: if its
        type evades and it is not already manoeuvring, splice the evasion into its row
        from the first sample at or after ``t_s`` + the reaction delay.

        Returns
        -------
        float or None
            The threat's new end time, or None when nothing changed.

        Notes
        -----
        The new segment is sampled on the row's own grid; its duration D is stretched to
        a whole number of steps (factor <= 1 + dt/D, speeds scaled to match) so the last
        sample is the end. Deterministic: a function of the table, the plan and the
        arguments.
        """
        plan = self.plans[i] if i < len(self.plans) else None
        if plan is None or plan.evasion is None or t_s < self.busy_until_s[i]:
            return None
        return self._splice(i, t_s, plan, source_enu_m)

    def _splice(
        self, i: int, t_s: float, plan: RoutePlan, source_enu_m: NDArray[np.float64]
    ) -> float | None:
        """Splice ``plan.evasion`` against ``source_enu_m`` into row i (see launch_at)."""
        times = self.point_times_s[i] if i < len(self.point_times_s) else None
        if times is None or plan.evasion is None:
            return None
        tab = self.table
        dt = float(tab.dt_s[i])
        t0 = float(tab.t0_s[i])
        k = max(0, math.ceil((t_s + plan.evasion.delay_s - t0) / dt - 1e-9))
        if k >= tab.n_samples[i] - 1:
            return None
        t_start = t0 + k * dt
        path, t_done, new_times = evasion_path(
            self.frame,
            self.terrain,
            plan,
            times,
            t_start,
            tab.row(i)[0][k].copy(),
            tab.row(i)[1][k].copy(),
            np.asarray(source_enu_m, dtype=float),
        )
        steps = max(1, math.ceil(path.duration_s / dt - 1e-9))
        stretch = steps * dt / max(path.duration_s, 1e-9)
        path.t_s = path.t_s * stretch
        path.vel_mps = path.vel_mps / stretch
        path.weave_start_s *= stretch
        grid = np.asarray(np.arange(1, steps + 1) * dt, dtype=np.float64)
        pos, vel = sample_path(self.frame, path, grid)
        tab.splice(i, k + 1, pos, vel, self.frame.altitude_m(pos))
        self.busy_until_s[i] = t_start + t_done * stretch
        if new_times is not None:
            nt = np.array(new_times, copy=True)
            changed = nt != times
            nt[changed] = t_start + (nt[changed] - t_start) * stretch
            self.point_times_s[i] = nt
        else:
            self.point_times_s[i] = None
        return float(tab.t_end_s[i])


# ---------------------------------------------------------------------------------------
# from a catalogue threat type to its motion models
# ---------------------------------------------------------------------------------------


def ballistic_missile_of(spec: ThreatSpec) -> BallisticMissile:
    """The motion model of a ballistic threat type (its figures must be present, which
    :class:`ThreatSpec` checks)."""

    def need(value: float | None, name: str) -> float:
        if value is None:
            raise ValueError(f"a ballistic missile needs {name}")
        return float(value)

    return BallisticMissile(
        launch_mass_kg=need(spec.launch_mass_kg, "launch_mass_kg"),
        propellant_mass_kg=need(spec.propellant_mass_kg, "propellant_mass_kg"),
        burn_time_s=need(spec.burn_time_s, "burn_time_s"),
        specific_impulse_s=need(spec.specific_impulse_s, "specific_impulse_s"),
        ballistic_coefficient_kgpm2=spec.ballistic_coefficient_kgpm2,
        vertical_rise_s=spec.vertical_rise_s,
        pitch_rate_radps=spec.pitch_rate_radps,
        burnout_flight_path_rad=spec.burnout_flight_path_rad,
        steer_accel_mps2=spec.steer_accel_mps2,
        min_range_m=need(spec.min_range_m, "min_range_m"),
        max_range_m=need(spec.max_range_m, "max_range_m"),
        terminal=terminal_of(spec),
    )


def terminal_of(spec: ThreatSpec) -> Terminal:
    """The terminal manoeuvre of a threat type."""
    return Terminal(
        kind=spec.terminal_manoeuvre,
        range_m=spec.terminal_range_m,
        altitude_m=spec.terminal_altitude_m,
        popup_height_m=spec.popup_height_m,
        dive_rad=spec.terminal_dive_rad,
        weave_accel_mps2=spec.weave_accel_mps2,
        weave_period_s=spec.weave_period_s,
        accel_mps2=spec.terminal_accel_mps2,
    )
