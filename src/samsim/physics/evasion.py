"""Aircraft evasion: a level turn at n g to beam or turn tail on the launcher, then hold
and rejoin the route, or egress (:func:`evasion_path`).

Formulas, sources and limits: docs/models/threats.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame
from samsim.physics.route import Agility, DensePath, Terminal, direction_velocity, trace_route
from samsim.physics.trajectory import PathPoint, TerrainFn


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
    vel = direction_velocity(pos, np.full(n, speed))
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
