"""Radar coverage outlines at a target height, for maps, reports and exports.

The outline along each azimuth is the farthest ground range at which a target flying at
a given height above ground is both inside the radar's geometric coverage (range,
elevation, sector, line of sight over the refracting earth and the terrain:
:meth:`samsim.sensors.radar.Radar.coverage`) and detected with at least a given
probability per look (radar equation and Swerling detection). Only the outer edge is
drawn (terrain shadows inside it are not); a full coverage mask belongs to
``samsim.analysis.coverage``, which can replace :func:`coverage_outline` one for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from samsim.errors import SamsimError
from samsim.geo.earth import EARTH_RADIUS_M
from samsim.geo.frames import EnuFrame
from samsim.sensors.detection import pd_swerling

if TYPE_CHECKING:
    from samsim.engine.world import World
    from samsim.physics.threats import TerrainFn
    from samsim.sensors.radar import Radar


class CoverageUnavailable(SamsimError):
    """The scenario of a run cannot be compiled, so its radars' coverage is unknown."""


@dataclass
class CoverageOutline:
    """Outer edge of one radar's coverage at one target height (one row per azimuth).

    ``ground_range_m`` is 0 where the radar sees nothing (outside its sector).
    """

    radar: str
    unit: str
    height_agl_m: float
    rcs_m2: float
    pd_min: float
    az_rad: NDArray[np.float64]
    ground_range_m: NDArray[np.float64]
    lat_deg: NDArray[np.float64]
    lon_deg: NDArray[np.float64]
    site_lat_deg: float
    site_lon_deg: float
    instrumented_range_m: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (degrees and metres, rounded to what a map can show)."""
        return {
            "radar": self.radar,
            "unit": self.unit,
            "height_agl_m": self.height_agl_m,
            "rcs_m2": self.rcs_m2,
            "pd_min": self.pd_min,
            "site": [round(self.site_lat_deg, 6), round(self.site_lon_deg, 6)],
            "instrumented_range_m": self.instrumented_range_m,
            "max_range_m": float(np.max(self.ground_range_m)),
            "min_range_m": float(np.min(self.ground_range_m)),
            "outline": [
                [round(float(a), 5), round(float(b), 5)]
                for a, b in zip(self.lat_deg, self.lon_deg, strict=True)
            ],
        }


def destination(
    lat_deg: float, lon_deg: float, az_rad: NDArray[np.float64], distance_m: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Point at a great-circle distance and initial azimuth from a start point (sphere).

    Notes
    -----
    Direct problem on a sphere of radius R (mean earth radius):
    phi2 = asin(sin phi1 cos d + cos phi1 sin d cos theta),
    lambda2 = lambda1 + atan2(sin theta sin d cos phi1, cos d - sin phi1 sin phi2),
    with d = s / R (Snyder, *Map Projections: A Working Manual*, USGS PP 1395, 1987,
    eq. 5-5 and 5-6). Consistent with :func:`samsim.geo.earth.surface_distance_m`, which
    measures ground range on the same sphere.
    """
    p1 = np.radians(lat_deg)
    l1 = np.radians(lon_deg)
    d = np.asarray(distance_m, dtype=float) / EARTH_RADIUS_M
    th = np.asarray(az_rad, dtype=float)
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(th))
    l2 = l1 + np.arctan2(np.sin(th) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 540.0) % 360.0 - 180.0


def _detectable(
    radar: Radar,
    frame: EnuFrame,
    terrain: TerrainFn,
    site_lat: float,
    site_lon: float,
    az_rad: NDArray[np.float64],
    ground_m: NDArray[np.float64],
    height_agl_m: float,
    rcs_m2: float,
    swerling: int,
    pd_min: float,
) -> NDArray[np.bool_]:
    lat, lon = destination(site_lat, site_lon, az_rad, ground_m)
    g = frame.geodetic_to_enu(lat, lon, np.zeros_like(lat))
    alt = terrain(g[..., 0], g[..., 1]) + height_agl_m
    pos = frame.geodetic_to_enu(lat, lon, alt)
    shape = np.shape(lat)
    cov = radar.coverage(pos.reshape(-1, 3), alt.reshape(-1))
    ok = cov.visible.copy()
    idx = np.flatnonzero(ok)
    if len(idx):
        s = radar.spec
        snr = radar.snr_db(cov.range_m[idx], np.full(len(idx), rcs_m2))
        pd = pd_swerling(snr, s.pfa, s.n_pulses, int(swerling))
        ok[idx] = pd >= pd_min
    return ok.reshape(shape)


def coverage_outline(
    radar: Radar,
    frame: EnuFrame,
    terrain: TerrainFn,
    height_agl_m: float,
    rcs_m2: float,
    swerling: int = 1,
    pd_min: float = 0.5,
    n_az: int = 360,
    n_range: int = 200,
    refine: int = 16,
    unit: str = "",
) -> CoverageOutline:
    """Outer edge of a radar's coverage against a target at a height above ground.

    Parameters
    ----------
    radar : Radar
        The radar as the engine builds it (spec, site, k-factor).
    frame : EnuFrame
        The scenario frame the radar's site is given in.
    terrain : callable
        Ground height above the ellipsoid at ENU (east, north), metres (e.g.
        ``world.terrain_grid.elevation_m``); the target flies at ``height_agl_m`` above it.
    height_agl_m : float
        Target height above ground, m.
    rcs_m2 : float
        Target mean RCS, m^2.
    swerling : int
        Swerling case 0-4 of the target.
    pd_min : float
        Single-look detection probability that counts as covered.
    n_az : int
        Azimuths, evenly spaced from north clockwise.
    n_range : int
        Ground-range samples of the first pass, 0 to the instrumented range.
    refine : int
        Bisection steps on the outermost covered cell of each azimuth; the edge is then
        known to ``instrumented_range / n_range / 2**refine``.

    Returns
    -------
    CoverageOutline

    Notes
    -----
    Covered means visible (:meth:`Radar.coverage`: instrumented and minimum range,
    elevation limits, azimuth sector, line of sight over the k-factor earth and terrain)
    and Pd >= ``pd_min``, with Pd from the per-pulse SNR of the radar equation
    SNR = P G^2 lambda^2 sigma tau / ((4 pi)^3 k T0 F L R^4) (Skolnik, *Introduction to
    Radar Systems*, 3rd ed., eq. 2.61) integrated over ``n_pulses`` for the Swerling case
    (:func:`samsim.sensors.detection.pd_swerling`). Targets are placed on a polar grid
    of ground range (great circle, mean-radius sphere) and azimuth around the radar; the
    outermost covered sample per azimuth is refined by bisection.
    """
    if height_agl_m < 0:
        raise ValueError(f"height_agl_m must be >= 0, got {height_agl_m}")
    if rcs_m2 <= 0:
        raise ValueError(f"rcs_m2 must be > 0, got {rcs_m2}")
    if not 0.0 < pd_min < 1.0:
        raise ValueError(f"pd_min must be in (0, 1), got {pd_min}")
    lat0, lon0, _ = frame.enu_to_geodetic(radar.site.position_enu_m)
    site_lat, site_lon = float(lat0), float(lon0)
    r_max = float(radar.spec.instrumented_range_m)
    az = np.arange(n_az, dtype=np.float64) * (2.0 * np.pi / n_az)
    s: NDArray[np.float64] = np.linspace(0.0, r_max, n_range + 1)
    args = (height_agl_m, rcs_m2, swerling, pd_min)
    ok = _detectable(radar, frame, terrain, site_lat, site_lon, az[:, None], s[None, :], *args)
    any_ok = ok.any(axis=1)
    last = np.where(any_ok, ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1), 0)
    lo = s[last]
    hi = s[np.minimum(last + 1, n_range)]
    for _ in range(refine):
        mid = 0.5 * (lo + hi)
        m = _detectable(radar, frame, terrain, site_lat, site_lon, az, mid, *args)
        lo = np.where(m, mid, lo)
        hi = np.where(m, hi, mid)
    edge = np.where(any_ok, lo, 0.0)
    lat, lon = destination(site_lat, site_lon, az, edge)
    return CoverageOutline(
        radar=radar.name,
        unit=unit,
        height_agl_m=float(height_agl_m),
        rcs_m2=float(rcs_m2),
        pd_min=float(pd_min),
        az_rad=az,
        ground_range_m=edge,
        lat_deg=np.asarray(lat, dtype=float),
        lon_deg=np.asarray(lon, dtype=float),
        site_lat_deg=site_lat,
        site_lon_deg=site_lon,
        instrumented_range_m=r_max,
    )


def compile_run_world(scenario: dict[str, Any]) -> World:
    """The engine's world for a run's ``scenario.json`` (radars, terrain, frame).

    Raises
    ------
    CoverageUnavailable
        If the scenario does not validate or compile with this version of samsim.
    """
    try:
        from samsim.engine.world import compile_world
        from samsim.scenario.models import Scenario

        return compile_world(Scenario.model_validate(scenario))
    except SamsimError as exc:
        raise CoverageUnavailable(f"the run's scenario does not compile: {exc}") from None
    except Exception as exc:  # an old scenario.json, or a samsim mid-upgrade
        raise CoverageUnavailable(
            f"the run's scenario cannot be compiled by this samsim "
            f"({type(exc).__name__}: {exc}); coverage is not shown"
        ) from None


def threat_signatures(world: World) -> dict[str, tuple[float, int, float]]:
    """Per scenario threat type: (RCS m^2, Swerling case, default height m)."""
    out: dict[str, tuple[float, int, float]] = {}
    for name, spec in world.resolved.threats.items():
        out[name] = (float(spec.rcs_m2), int(spec.swerling), float(spec.altitude_m))
    return out


def world_coverage(
    world: World,
    height_agl_m: float,
    rcs_m2: float,
    swerling: int = 1,
    pd_min: float = 0.5,
    n_az: int = 360,
) -> list[CoverageOutline]:
    """:func:`coverage_outline` of every radar of a compiled world."""
    return [
        coverage_outline(
            r,
            world.frame,
            world.terrain_grid.elevation_m,
            height_agl_m,
            rcs_m2,
            swerling,
            pd_min,
            n_az=n_az,
            unit=world.units[r.unit].name,
        )
        for r in world.radars
    ]


@dataclass
class CoverageSet:
    """Coverage outlines of every radar at several target heights, for one target type."""

    threat_type: str
    rcs_m2: float
    swerling: int
    by_height: dict[float, list[CoverageOutline]]


def run_coverage(
    scenario: dict[str, Any],
    heights_agl_m: list[float] | None = None,
    threat_type: str | None = None,
) -> CoverageSet:
    """Coverage of a run's radars at each height against one of its threat types (by
    default the one with the smallest RCS, the hardest to see; default height: that
    type's own cruise height).

    Raises
    ------
    CoverageUnavailable
        If the scenario cannot be compiled.
    ValueError
        If ``threat_type`` is not a threat type of the scenario.
    """
    world = compile_run_world(scenario)
    sig = threat_signatures(world)
    if threat_type is None:
        threat_type = min(sig, key=lambda k: sig[k][0])
    elif threat_type not in sig:
        raise ValueError(f"unknown threat type {threat_type!r}; use one of {sorted(sig)}")
    rcs, swerling, own_height = sig[threat_type]
    heights = [own_height] if heights_agl_m is None else heights_agl_m
    return CoverageSet(
        threat_type,
        rcs,
        swerling,
        {float(h): world_coverage(world, float(h), rcs, swerling) for h in heights},
    )
