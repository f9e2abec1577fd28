"""Vertical coverage: the range-height (Blake chart) diagram of one radar for one target.

Owns :func:`vertical_coverage`, which evaluates line of sight (smooth 4/3 earth, or the
terrain profile along one azimuth), the radar's limits and Pd on a ground-range x height
grid, and the constant-elevation-angle curves drawn on the chart.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.analysis.coverage import (
    TerrainLike,
    _antenna,
    _as_world,
    _check_detection_args,
    _rcs,
    _terrain_grid,
    radar_equation_range_m,
)
from samsim.engine.world import World
from samsim.geo.earth import EARTH_RADIUS_M, effective_earth_radius_m
from samsim.geo.los import LOS_TOLERANCE_M, polar_horizon, ray_min_height_m
from samsim.scenario.models import Scenario
from samsim.sensors.detection import pd_swerling
from samsim.units import UnitError, length_m

__all__ = ["VerticalCoverage", "elevation_curve_height_m", "vertical_coverage"]

FloatArray = NDArray[np.float64]


def elevation_curve_height_m(
    ground_range_m: FloatArray,
    elevation_rad: float,
    antenna_height_m: float,
    k_factor: float = 4.0 / 3.0,
    radius_m: float = EARTH_RADIUS_M,
) -> FloatArray:
    """Height of a ray leaving the antenna at a given elevation angle, over a 4/3 earth.

    Parameters
    ----------
    ground_range_m : ndarray
        Ground range along the surface, metres.
    elevation_rad : float
        Elevation angle of the ray at the antenna.
    antenna_height_m : float
        Antenna height above the surface of the sphere, metres.
    k_factor, radius_m : float
        Effective earth radius kR.

    Returns
    -------
    ndarray
        h(s) = (Re + h_a) cos(eps) / cos(eps + s / Re) - Re, metres (inf past the point
        where the ray would be horizontal at the earth's centre, eps + s/Re >= pi/2).

    Notes
    -----
    A straight ray over the sphere of radius Re = kR (sine rule in the triangle earth
    centre, antenna, ray point). The constant-angle lines of the range-height-angle chart
    (Blake, *Radar Range-Performance Analysis*, Artech House 1986, ch. 2; Blake, NRL
    Report 7098, 1970). For small angles h ~ h_a + s tan(eps) + s^2 / (2 Re).
    """
    re = effective_earth_radius_m(k_factor, radius_m)
    s = np.asarray(ground_range_m, dtype=float)
    ang = elevation_rad + s / re
    with np.errstate(divide="ignore", invalid="ignore"):
        h = (re + antenna_height_m) * math.cos(elevation_rad) / np.cos(ang) - re
    return np.asarray(np.where(ang < 0.5 * math.pi, h, np.inf), dtype=float)


@dataclass(frozen=True)
class VerticalCoverage:
    """Detection of one target type over ground range and height along one azimuth.

    Attributes
    ----------
    radar_name : str
    az_rad : float
        Azimuth of the cut (clockwise from north at the radar).
    ground_range_m : ndarray (n_range,)
        Ground range from the radar along the surface.
    height_m : ndarray (n_height,)
        Height above the ellipsoid (above the smooth surface when there is no terrain).
    pd : ndarray (n_height, n_range)
        Probability of detection; 0 where masked or outside the radar's limits.
    visible : ndarray of bool (n_height, n_range)
        Line of sight only.
    detected : ndarray of bool (n_height, n_range)
        Pd >= pd_min.
    terrain_m : ndarray (n_range,)
        Ground height along the cut.
    antenna_height_m : float
        Ellipsoidal height of the antenna.
    ground_height_m : float
        Ground height under the antenna.
    k_factor, rcs_m2, pd_min : float
    swerling : int
    free_space_range_m : float
        Radar-equation range for ``pd_min`` (no horizon).
    instrumented_range_m : float
    elevation_limits_rad : (float, float)
    has_terrain : bool
    """

    radar_name: str
    az_rad: float
    ground_range_m: FloatArray
    height_m: FloatArray
    pd: FloatArray
    visible: NDArray[np.bool_]
    detected: NDArray[np.bool_]
    terrain_m: FloatArray
    antenna_height_m: float
    ground_height_m: float
    k_factor: float
    rcs_m2: float
    pd_min: float
    swerling: int
    free_space_range_m: float
    instrumented_range_m: float
    elevation_limits_rad: tuple[float, float]
    has_terrain: bool

    def lowest_detected_height_m(self) -> FloatArray:
        """Lowest detected height at each ground range (NaN where nothing is detected)."""
        idx = np.argmax(self.detected, axis=0)
        h = self.height_m[idx]
        return np.asarray(np.where(self.detected.any(axis=0), h, np.nan), dtype=float)

    def max_range_at_height_m(self) -> FloatArray:
        """Farthest detected ground range at each height (0 where nothing is detected)."""
        n = self.ground_range_m.size
        last = n - 1 - np.argmax(self.detected[:, ::-1], axis=1)
        return np.asarray(
            np.where(self.detected.any(axis=1), self.ground_range_m[last], 0.0), dtype=float
        )


def vertical_coverage(
    source: Scenario | World | str | os.PathLike[str],
    radar: str | int,
    rcs_m2: float | str,
    *,
    pd_min: float = 0.5,
    swerling: int = 1,
    terrain: TerrainLike | None = None,
    az_rad: float | None = None,
    max_range_m: float | None = None,
    max_height_m: float | str = 30e3,
    n_range: int = 600,
    n_height: int = 400,
) -> VerticalCoverage:
    """Range-height coverage diagram of one radar against one target type.

    Parameters
    ----------
    source : Scenario, World or path
        The scenario, as for :func:`samsim.analysis.coverage.coverage_map`.
    radar : str or int
        The radar's name or index in the world.
    rcs_m2 : float or str
        Target radar cross section, m^2 (or ``"-10 dBsm"``).
    pd_min : float
        Probability of detection that counts as detected.
    swerling : int
        Target fluctuation model, 0-4.
    terrain : TerrainGrid, terrain source or height function, optional
        Terrain for the profile along ``az_rad``; default the scenario's. Flat terrain
        gives the smooth-earth diagram.
    az_rad : float, optional
        Azimuth of the cut (clockwise from north); default the centre of the radar's
        sector.
    max_range_m : float, optional
        Ground range shown; default 1.1 x min(instrumented range, free-space range).
    max_height_m : float or str
        Height shown above the radar's ground (default 30 km).
    n_range, n_height : int
        Grid size.

    Returns
    -------
    VerticalCoverage

    Notes
    -----
    Geometry in the plane of the cut over the 4/3 earth (Re = kR; Skolnik, *Introduction
    to Radar Systems*, 3rd ed., sec. 8.2; Blake, *Radar Range-Performance Analysis*,
    1986, ch. 2): for the antenna at height h_a and a point at ground range s and height
    h, with r_a = Re + h_a, r = Re + h, phi = s / Re,

        R = sqrt(r_a^2 + r^2 - 2 r_a r cos(phi))            (slant range)
        eps = atan2(r cos(phi) - r_a, r sin(phi))           (elevation angle)

    Detected iff the ray clears the ground (smooth earth: the ray's lowest point,
    :func:`samsim.geo.los.ray_min_height_m`, is above it; terrain: the point is above the
    masking height of the radial horizon sweep :func:`samsim.geo.los.polar_horizon`
    along the nearest of 3600 rays), R and eps are within the radar's limits and
    Pd(R) >= pd_min with Pd from the radar equation and the exact Swerling curves. The
    antenna's elevation pattern and surface multipath (the lobes of Blake's chart) are
    not modelled: coverage is uniform between the elevation limits, i.e. the free-space
    detection range at every elevation.
    """
    world = _as_world(source)
    rcs = _rcs(rcs_m2)
    _check_detection_args(pd_min, swerling)
    names = [r.name for r in world.radars]
    if isinstance(radar, str):
        if radar not in names:
            raise ValueError(f"unknown radar {radar!r}; the scenario has: {', '.join(names)}")
        rad = world.radars[names.index(radar)]
    elif isinstance(radar, int) and not isinstance(radar, bool) and 0 <= radar < len(names):
        rad = world.radars[radar]
    else:
        raise ValueError(f"radar must be a name ({', '.join(names)}) or an index, got {radar!r}")
    try:
        top_m = length_m(max_height_m)
    except UnitError as exc:
        raise ValueError(f"max_height_m: {exc}") from None
    if not (isinstance(n_range, int) and isinstance(n_height, int) and n_range >= 2
            and n_height >= 2):  # fmt: skip
        raise ValueError(f"n_range and n_height must be integers >= 2, got {n_range}, {n_height}")
    if not (math.isfinite(top_m) and top_m > 0):
        raise ValueError(f"max_height_m must be positive, got {max_height_m!r}")
    s = rad.spec
    free = radar_equation_range_m(rad, rcs, pd_min, swerling)
    rmax = 1.1 * min(free, float(s.instrumented_range_m)) if max_range_m is None else max_range_m
    if not (math.isfinite(rmax) and rmax > 0):
        raise ValueError(f"max_range_m must be positive, got {max_range_m}")
    az = float(rad.azimuth_center_rad if az_rad is None else az_rad) % (2.0 * math.pi)
    k = float(rad.k_factor)
    re = effective_earth_radius_m(k)
    centre = rad.site.position_enu_m
    extent = (centre[0] - rmax, centre[0] + rmax, centre[1] - rmax, centre[1] + rmax)
    grid = _terrain_grid(terrain, world, extent, max(rmax / 1000.0, 30.0))
    antenna_enu, ground_m = _antenna(world, rad, grid)
    antenna_m = ground_m + float(s.mast_height_m)
    rng = np.linspace(0.0, rmax, n_range)
    floor_flat = grid.flat_height_m
    if floor_flat is None:
        n_az = 3600
        horizon = polar_horizon(antenna_enu, grid, max_range_m=rmax, n_az=n_az, k_factor=k)
        ray = round(az * n_az / (2.0 * math.pi)) % n_az
        r_s = horizon.range_m
        mvh = horizon.min_visible_height_m()[ray]
        mask_h = np.interp(rng, r_s, mvh, left=float(mvh[0]))
        t_ray = horizon.terrain_m[ray]
        prof = np.interp(rng, r_s, t_ray, left=float(t_ray[0]))
    else:
        prof = np.full(n_range, float(floor_flat))
    bottom = min(ground_m, float(prof.min()))
    hgt = np.linspace(bottom, ground_m + top_m, n_height)
    ss, hh = np.meshgrid(rng, hgt)
    if floor_flat is None:
        vis = hh >= mask_h[None, :] - LOS_TOLERANCE_M
    else:
        floor = float(floor_flat)
        vis = (ray_min_height_m(antenna_m, hh, ss, k) >= floor - LOS_TOLERANCE_M) & (
            hh >= floor - LOS_TOLERANCE_M
        )

    ra = re + antenna_m
    r = re + hh
    phi = ss / re
    slant = np.sqrt(np.maximum(ra * ra + r * r - 2.0 * ra * r * np.cos(phi), 0.0))
    el = np.arctan2(r * np.cos(phi) - ra, r * np.sin(phi))
    ok = vis & (slant >= s.min_range_m) & (slant <= s.instrumented_range_m)
    ok &= (el >= s.elevation_min_rad) & (el <= s.elevation_max_rad)
    pd = np.zeros_like(ss)
    pd[ok] = pd_swerling(rad.snr_db(slant[ok], np.asarray(rcs)), s.pfa, s.n_pulses, swerling)
    return VerticalCoverage(
        radar_name=rad.name,
        az_rad=az,
        ground_range_m=rng,
        height_m=hgt,
        pd=pd,
        visible=np.asarray(vis),
        detected=np.asarray(pd >= pd_min),
        terrain_m=prof,
        antenna_height_m=antenna_m,
        ground_height_m=ground_m,
        k_factor=k,
        rcs_m2=rcs,
        pd_min=float(pd_min),
        swerling=int(swerling),
        free_space_range_m=free,
        instrumented_range_m=float(s.instrumented_range_m),
        elevation_limits_rad=(float(s.elevation_min_rad), float(s.elevation_max_rad)),
        has_terrain=floor_flat is None,
    )
