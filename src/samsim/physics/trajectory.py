"""Threat trajectories sampled in time, and the small pieces every motion model shares:
gravity, a speed given as a Mach number, the uniform time grid.

The motion models (:mod:`samsim.physics.route`, :mod:`samsim.physics.ballistic`,
:mod:`samsim.physics.evasion`) produce :class:`Trajectory` objects; the engine's table of
them is :class:`samsim.physics.threats.ThreatTable` (docs/models/threats.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame
from samsim.physics.atmosphere import speed_of_sound_mps
from samsim.units import Mach

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
