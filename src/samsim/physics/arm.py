"""Anti-radiation missiles: a flight that homes on an emitting radar, and the aim point it
falls back to when the radar stops emitting.

The flight is kinematic, like the other waypoint movers: constant speed along the route
at its height, then a straight dive onto the aim point at the type's dive angle
(:func:`arm_trajectory`). While the target radar emits in the seeker's band the aim point
is the radar itself; when it goes dark the missile flies on to the position it remembers,
off by an error that grows with the range left (:func:`memory_aim`); when the radar
emits again the missile homes on it again. The engine re-plans the rest of the flight
at each change (:meth:`ArmSeekers.update`), splicing it into the threat's row.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame
from samsim.physics.threats import ThreatTable, Trajectory, resolve_speed, uniform_times

if TYPE_CHECKING:
    from samsim.scenario.specs import ThreatSpec

#: Spacing of the geometric construction of a flight, m.
STEP_M = 250.0
#: Sampling step of a flight, s (the waypoint movers' step).
DT_S = 0.5


@dataclass(frozen=True)
class ArmModel:
    """What the flight and the seeker of an anti-radiation missile type need.

    Attributes
    ----------
    speed_mps : float
        Speed along the whole flight, m/s.
    height_m : float
        Cruise height above the ellipsoid where a route point gives none, m.
    dive_rad : float
        Flight-path angle of the final dive onto the aim point.
    band_hz : tuple of float
        The passive seeker's band (low, high), Hz.
    bearing_sigma_rad : float
        Memory mode: error of the held line of sight (1 sigma per horizontal axis).
    position_sigma_m : float
        Memory mode: error of the remembered emitter position (1 sigma per horizontal
        axis), m.
    """

    speed_mps: float
    height_m: float
    dive_rad: float
    band_hz: tuple[float, float]
    bearing_sigma_rad: float
    position_sigma_m: float

    def hears(self, frequency_hz: float) -> bool:
        """Whether a radar on this carrier is in the seeker's band."""
        return self.band_hz[0] <= frequency_hz <= self.band_hz[1]

    def miss_sigma_m(self, range_m: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Standard deviation (per horizontal axis) of the remembered aim point's error
        when the emitter is lost at ground range ``range_m``, m (see :func:`memory_aim`)."""
        r = np.asarray(range_m, dtype=float)
        return np.asarray(np.hypot(self.position_sigma_m, self.bearing_sigma_rad * r))

    def mean_miss_m(self, dark_time_s: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Expected miss of a missile that flies ``dark_time_s`` to its impact after the
        emitter went dark (and stays dark): sqrt(pi / 2) sigma(v t_dark), m."""
        t = np.asarray(dark_time_s, dtype=float)
        return np.asarray(math.sqrt(math.pi / 2.0) * self.miss_sigma_m(self.speed_mps * t))


def arm_of(spec: ThreatSpec) -> ArmModel:
    """The model of an anti-radiation missile type (its figures are checked by
    :class:`~samsim.scenario.specs.ThreatSpec`)."""
    if spec.kind != "anti_radiation_missile":
        raise ValueError(f"not an anti-radiation missile: {spec.kind}")
    height = float(spec.altitude_m or 0.0)
    speed = resolve_speed(spec.speed_mps or 0.0, height)
    lo, hi = float(spec.seeker_band_min_hz or 0.0), float(spec.seeker_band_max_hz or 0.0)
    return ArmModel(
        speed_mps=speed,
        height_m=height,
        dive_rad=float(spec.terminal_dive_rad),
        band_hz=(lo, hi),
        bearing_sigma_rad=float(spec.memory_bearing_sigma_rad),
        position_sigma_m=float(spec.memory_position_sigma_m),
    )


def _ground_range_m(frame: EnuFrame, a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Distance from a to b along b's local horizontal, m."""
    up = frame.up_enu(b)
    d = b - a
    return float(np.linalg.norm(d - np.dot(d, up) * up))


def flight_points(
    frame: EnuFrame,
    route_geo: list[tuple[float, float, float]],
    aim_geo: tuple[float, float, float],
    dive_rad: float,
    step_m: float = STEP_M,
) -> NDArray[np.float64]:
    """Dense ENU polyline of a flight: the route's points (lat, lon, height above the
    ellipsoid), then level toward the aim point until its dive line, then straight down
    it at ``dive_rad``.

    Notes
    -----
    Each leg is drawn by linear interpolation in latitude, longitude and height (a level
    leg keeps its height over the curved earth, unlike a chord of the ENU frame); the
    dive starts (h_last - h_aim) / tan(dive) short of the aim point, or at once when the
    last route point is closer than that.
    """
    pts = [np.asarray(p, dtype=float) for p in route_geo]
    aim = np.asarray(aim_geo, dtype=float)
    last = pts[-1]
    a_enu = frame.geodetic_to_enu(last[0], last[1], last[2])
    t_enu = frame.geodetic_to_enu(aim[0], aim[1], aim[2])
    ground = _ground_range_m(frame, a_enu, t_enu)
    dive_m = max(last[2] - aim[2], 0.0) / math.tan(dive_rad)
    if ground > dive_m + step_m:
        f = (ground - dive_m) / ground
        pts.append(
            np.array([last[0] + f * (aim[0] - last[0]), last[1] + f * (aim[1] - last[1]), last[2]])
        )
    pts.append(aim)
    out: list[NDArray[np.float64]] = [frame.geodetic_to_enu(*pts[0])[None, :]]
    for p, q in itertools.pairwise(pts):
        e0 = frame.geodetic_to_enu(*p)
        e1 = frame.geodetic_to_enu(*q)
        n = max(1, math.ceil(float(np.linalg.norm(e1 - e0)) / step_m))
        f = np.arange(1, n + 1, dtype=float)[:, None] / n
        geo = p[None, :] + f * (q - p)[None, :]
        out.append(frame.geodetic_to_enu(geo[:, 0], geo[:, 1], geo[:, 2]).reshape(-1, 3))
    return np.concatenate(out, axis=0)


def fly(
    frame: EnuFrame,
    points_m: NDArray[np.float64],
    speed_mps: float,
    t0_s: float,
    dt_s: float = DT_S,
) -> Trajectory:
    """A constant-speed flight along a dense polyline, sampled every ``dt_s`` (the last
    sample is the end of the polyline; the step is shortened to divide its duration)."""
    seg = np.linalg.norm(np.diff(points_m, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    duration = float(s[-1]) / speed_mps
    ts, step = uniform_times(duration, dt_s)
    arc = np.minimum(ts * speed_mps, s[-1])
    pos = np.stack([np.interp(arc, s, points_m[:, j]) for j in range(3)], axis=1)
    k = np.clip(np.searchsorted(s, arc, side="right") - 1, 0, len(seg) - 1)
    direction = (points_m[k + 1] - points_m[k]) / np.maximum(seg[k], 1e-12)[:, None]
    vel = direction * speed_mps
    return Trajectory(t0_s, step, pos, vel, frame.altitude_m(pos))


def arm_trajectory(
    frame: EnuFrame,
    model: ArmModel,
    route_geo: list[tuple[float, float, float]],
    aim_geo: tuple[float, float, float],
    t0_s: float,
) -> Trajectory:
    """The compiled flight of an anti-radiation missile: its route, then the dive onto the
    target radar's site (homing all the way, as long as the radar emits)."""
    pts = flight_points(frame, route_geo, aim_geo, model.dive_rad)
    return fly(frame, pts, model.speed_mps, t0_s)


def memory_aim(
    rng: np.random.Generator,
    frame: EnuFrame,
    model: ArmModel,
    missile_m: NDArray[np.float64],
    emitter_m: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The aim point a missile at ``missile_m`` flies on to when the emitter at
    ``emitter_m`` goes dark: the emitter's position off by a horizontal error.

    Notes
    -----
    The error has independent normal components along the emitter's local east and north,
    each of standard deviation sigma = sqrt(sigma_p^2 + (sigma_theta R)^2), with R the
    ground range from the missile to the emitter when it is lost, sigma_theta the error
    of the line of sight the seeker holds (an angle-only seeker: the point where the held
    line of sight meets the ground is off by about sigma_theta R) and sigma_p the error of
    the emitter position the missile remembers (GPS/INS missiles that geolocate the
    emitter). Its length is Rayleigh, of mean sqrt(pi / 2) sigma. A missile that loses
    the emitter at range R = v t_dark, t_dark seconds before it impacts, misses by
    sigma_theta v t_dark times a Rayleigh factor: the miss grows with the dark time.
    Simplified: the along-range error of a shallow line of sight (larger than the
    across-range one) is taken equal to it.
    """
    r = _ground_range_m(frame, np.asarray(missile_m, float), np.asarray(emitter_m, float))
    sigma = float(model.miss_sigma_m(r))
    rot = frame.site(emitter_m).rot
    e = rng.standard_normal(2) * sigma
    return np.asarray(emitter_m, dtype=float) + e[0] * rot[0] + e[1] * rot[1]


def replan(
    frame: EnuFrame,
    table: ThreatTable,
    i: int,
    t_s: float,
    model: ArmModel,
    aim_m: NDArray[np.float64],
) -> float | None:
    """Re-plan threat ``i``'s flight from its first sample at or after ``t_s`` onto
    ``aim_m`` (from its height there: level, then the dive) and splice it into its row;
    returns the new end time (None if the flight has already ended)."""
    dt = float(table.dt_s[i])
    t0 = float(table.t0_s[i])
    k = max(0, math.ceil((t_s - t0) / dt - 1e-9))
    if k >= table.n_samples[i] - 1:
        return None
    p0 = table.row(i)[0][k].copy()
    lat, lon, h = (float(x) for x in frame.enu_to_geodetic(p0))
    la, lo, ha = (float(x) for x in frame.enu_to_geodetic(np.asarray(aim_m, dtype=float)))
    pts = flight_points(frame, [(lat, lon, h)], (la, lo, ha), model.dive_rad)
    tr = fly(frame, pts, model.speed_mps, t0 + k * dt, dt)
    if len(tr.alt_m) < 2:
        return None
    # the new flight is sampled on the row's step; its last step is shortened (uniform
    # time grid): resample it on the row's grid so the splice stays uniform
    steps = max(1, math.ceil((tr.t_end_s - tr.t0_s) / dt - 1e-9))
    tt = np.arange(1, steps + 1) * dt
    t_src = np.arange(len(tr.alt_m)) * tr.dt_s
    pos = np.stack([np.interp(tt, t_src, tr.pos_m[:, j]) for j in range(3)], axis=1)
    vel = np.stack([np.interp(tt, t_src, tr.vel_mps[:, j]) for j in range(3)], axis=1)
    vel *= model.speed_mps / np.maximum(np.linalg.norm(vel, axis=1, keepdims=True), 1e-12)
    table.splice(i, k + 1, pos, vel, frame.altitude_m(pos))
    return float(table.t_end_s[i])


class ArmSeekers:
    """The seekers of a run's anti-radiation missiles: which are homing, and their
    re-planned flights when their target radar stops or starts emitting.

    Parameters
    ----------
    frame : EnuFrame
    threats : list of int
        The anti-radiation missiles (rows of the threat table).
    target_radar : dict of int to int
        Per missile, the radar it is sent against.
    models : dict of int to ArmModel
        Per missile, its type's model.
    rng : callable
        Returns the random stream of the memory errors (created on first use).
    """

    def __init__(
        self,
        frame: EnuFrame,
        threats: list[int],
        target_radar: dict[int, int],
        models: dict[int, ArmModel],
        rng: Callable[[], np.random.Generator],
    ) -> None:
        self.frame = frame
        self.threats = threats
        self.target_radar = target_radar
        self.models = models
        self._rng_of = rng
        self._rng: np.random.Generator | None = None
        #: Per missile: homing on its radar (True) or flying on memory (False); absent
        #: until it is launched.
        self.homing: dict[int, bool] = {}

    def rng(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = self._rng_of()
        return self._rng

    def update(
        self,
        t_s: float,
        i: int,
        table: ThreatTable,
        hears: bool,
        radar_m: NDArray[np.float64],
        last_known_m: NDArray[np.float64],
    ) -> float | None:
        """Missile ``i`` at ``t_s``: it ``hears`` its radar (emitting, in band) at
        ``radar_m`` or not (then it flies on to ``last_known_m`` off by its memory error).
        Re-plans its flight when that changed (or at launch, when it does not hear the
        radar); returns its new end time, or None when its flight is unchanged."""
        was = self.homing.get(i)
        if was is not None and was == hears:
            return None
        self.homing[i] = hears
        model = self.models[i]
        if hears:
            if was is None:
                return None  # launched homing: its compiled flight is the homing flight
            return replan(self.frame, table, i, t_s, model, radar_m)
        p, _, _ = table.state_at(t_s, np.array([i]))
        aim = memory_aim(self.rng(), self.frame, model, p[0], last_known_m)
        return replan(self.frame, table, i, t_s, model, aim)
