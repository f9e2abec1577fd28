"""Radar coverage outlines at target heights, for the viewer's map, reports and exports.

A thin adapter over :func:`samsim.analysis.coverage.coverage_map` (terrain masking,
refraction, radar equation and Swerling detection live there): it turns the farthest
covered ground range per azimuth of each radar into a latitude/longitude outline, and
carries the naive range ring beside it (min(instrumented range, free-space radar-equation
range), what a range-ring map would draw).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from samsim.errors import SamsimError
from samsim.geo.earth import EARTH_RADIUS_M

if TYPE_CHECKING:
    from samsim.analysis.coverage import CoverageMap
    from samsim.engine.world import World


class CoverageUnavailable(SamsimError):
    """The scenario of a run cannot be compiled, so its radars' coverage is unknown."""


@dataclass
class CoverageOutline:
    """Outer edge of one radar's coverage at one target height (one row per azimuth).

    ``ground_range_m`` is 0 where the radar sees nothing (outside its sector). Terrain
    shadows inside the edge are not part of an outline (see the coverage map's grids).
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
    naive_range_m: float
    reaches_edge: bool

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
            "naive_range_m": self.naive_range_m,
            "reaches_edge": self.reaches_edge,
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
    eq. 5-5 and 5-6). Within 0.5 % of the ellipsoidal distance at these ranges.
    """
    p1 = np.radians(lat_deg)
    l1 = np.radians(lon_deg)
    d = np.asarray(distance_m, dtype=float) / EARTH_RADIUS_M
    th = np.asarray(az_rad, dtype=float)
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(th))
    l2 = l1 + np.arctan2(np.sin(th) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 540.0) % 360.0 - 180.0


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


BALLISTIC_COVERAGE_HEIGHT_M = 10_000.0
"""Default coverage height of a threat type without a cruise height (ballistic missiles)."""


def threat_signatures(world: World) -> dict[str, tuple[float, int, float]]:
    """Per scenario threat type: (RCS m^2, Swerling case, default height m).

    A ballistic missile has no cruise height; its default coverage height is
    ``BALLISTIC_COVERAGE_HEIGHT_M`` (10 km, within its terminal dive), which the user can
    change in the viewer or with ``--height``.
    """
    out: dict[str, tuple[float, int, float]] = {}
    for name, spec in world.resolved.threats.items():
        h = BALLISTIC_COVERAGE_HEIGHT_M if spec.altitude_m is None else float(spec.altitude_m)
        out[name] = (float(spec.rcs_m2), int(spec.swerling), h)
    return out


def world_coverage(
    world: World,
    heights_agl_m: list[float],
    rcs_m2: float,
    swerling: int = 1,
    pd_min: float = 0.5,
    n_az: int = 360,
    cells: int = 384,
) -> dict[float, list[CoverageOutline]]:
    """Coverage outline of every radar of a compiled world at each target height.

    Parameters
    ----------
    world : World
        The compiled scenario.
    heights_agl_m : list of float
        Target heights above ground, m.
    rcs_m2 : float
        Target mean RCS, m^2.
    swerling : int
        Swerling case 0-4 of the target.
    pd_min : float
        Single-look detection probability that counts as covered.
    n_az : int
        Azimuths of the outline, evenly spaced from north clockwise.
    cells : int
        Grid cells along the longer side of the coverage map (sets the resolution of
        terrain masking and of the outline's ranges: the map's extent / ``cells``).

    Returns
    -------
    dict
        Height -> one :class:`CoverageOutline` per radar, in the world's radar order.

    Notes
    -----
    Covered means: line of sight over the terrain and the k-factor earth, inside the
    radar's range, elevation and azimuth limits, and Pd >= ``pd_min`` by the radar
    equation and the Swerling curves (see :func:`samsim.analysis.coverage.coverage_map`
    for the models and references). The outline's point on each azimuth is the farthest
    covered ground range, placed with :func:`destination` from the antenna's foot.
    """
    return _outlines(
        world, _coverage_grid(world, heights_agl_m, rcs_m2, swerling, pd_min, n_az, cells)
    )


def _coverage_grid(
    world: World,
    heights_agl_m: list[float],
    rcs_m2: float,
    swerling: int,
    pd_min: float,
    n_az: int,
    cells: int,
) -> CoverageMap:
    from samsim.analysis.coverage import coverage_map

    heights = [float(h) for h in heights_agl_m]
    for h in heights:
        if not h >= 0:
            raise ValueError(f"target heights above ground must be >= 0 m, got {h}")
    return coverage_map(
        world, heights, rcs_m2, pd_min=pd_min, swerling=swerling, n_az=n_az, cells=cells
    )


def terrain_box_m(world: World) -> tuple[float, float, float, float]:
    """ENU (east_min, east_max, north_min, north_max) of the scenario's terrain grid:
    beyond it the terrain is unknown (the grid only continues its edge heights)."""
    g = world.terrain_grid
    n_north, n_east = g.heights_m.shape
    return (
        g.east0_m,
        g.east0_m + g.dx_m * (n_east - 1),
        g.north0_m,
        g.north0_m + g.dy_m * (n_north - 1),
    )


def _range_to_box_m(
    east_m: float, north_m: float, az_rad: NDArray[np.float64], box: tuple[float, ...]
) -> NDArray[np.float64]:
    """Distance along each azimuth (clockwise from north) from a point inside ``box`` to
    its edge, in the ENU plane (the box is at most a few hundred km: flat is enough)."""
    e0, e1, n0, n1 = box
    se, cn = np.sin(az_rad), np.cos(az_rad)
    with np.errstate(divide="ignore", invalid="ignore"):
        te = np.where(se > 0, (e1 - east_m) / se, np.where(se < 0, (e0 - east_m) / se, np.inf))
        tn = np.where(cn > 0, (n1 - north_m) / cn, np.where(cn < 0, (n0 - north_m) / cn, np.inf))
    return np.asarray(np.maximum(np.minimum(te, tn), 0.0), dtype=np.float64)


def _outlines(world: World, cm: CoverageMap) -> dict[float, list[CoverageOutline]]:
    """Outlines per height and radar, cut at the terrain grid's edge when there is terrain
    (coverage beyond it stands on made-up terrain: the grid's edge heights continued
    outward, which draws stripes)."""
    box = terrain_box_m(world)
    lat0, lon0, _ = world.frame.enu_to_geodetic(cm.antenna_enu_m)
    out: dict[float, list[CoverageOutline]] = {}
    for a, h in enumerate(cm.altitudes_agl_m.tolist()):
        rows = []
        for r, radar in enumerate(world.radars):
            rng = np.asarray(cm.radar_range_az_m[a, r], dtype=np.float64)
            east, north = cm.antenna_enu_m[r, 0], cm.antenna_enu_m[r, 1]
            to_edge = _range_to_box_m(float(east), float(north), cm.az_rad, box)
            if not cm.has_terrain:  # flat ground continues exactly beyond the grid
                to_edge = np.full_like(rng, np.inf)
            cut = rng > to_edge
            rng = np.minimum(rng, to_edge)
            la, lo = destination(float(lat0[r]), float(lon0[r]), cm.az_rad, rng)
            rows.append(
                CoverageOutline(
                    radar=radar.name,
                    unit=world.units[radar.unit].name,
                    height_agl_m=h,
                    rcs_m2=float(cm.rcs_m2),
                    pd_min=float(cm.pd_min),
                    az_rad=np.asarray(cm.az_rad, dtype=np.float64),
                    ground_range_m=rng,
                    lat_deg=np.asarray(la, dtype=np.float64),
                    lon_deg=np.asarray(lo, dtype=np.float64),
                    site_lat_deg=float(lat0[r]),
                    site_lon_deg=float(lon0[r]),
                    instrumented_range_m=float(radar.spec.instrumented_range_m),
                    naive_range_m=float(cm.naive_range_m[r]),
                    reaches_edge=bool(cm.radar_edge_az[a, r].any() or cut.any()),
                )
            )
        out[float(h)] = rows
    return out


@dataclass
class CoverageArea:
    """Where at least one radar covers the target, cell by cell, at one height: what a
    map shades (an outline also spans the terrain shadows inside it). Cells beyond the
    terrain grid are not covered (unknown terrain)."""

    height_agl_m: float
    lat_deg: NDArray[np.float64]  # (n_north, n_east)
    lon_deg: NDArray[np.float64]
    covered: NDArray[np.bool_]
    terrain_box_lat_deg: NDArray[np.float64]  # the terrain grid's edge, closed ring
    terrain_box_lon_deg: NDArray[np.float64]


def _area(world: World, cm: CoverageMap, a: int) -> CoverageArea:
    box = terrain_box_m(world)
    inside = (
        (cm.east_m[None, :] >= box[0])
        & (cm.east_m[None, :] <= box[1])
        & (cm.north_m[:, None] >= box[2])
        & (cm.north_m[:, None] <= box[3])
    )
    if not cm.has_terrain:  # flat ground continues exactly beyond the grid
        inside[:] = True
    e = np.array([box[0], box[1], box[1], box[0], box[0]])
    n = np.array([box[2], box[2], box[3], box[3], box[2]])
    # the edges sampled densely, so the ring stays on the grid's edge on a lat/lon map
    t = np.linspace(0.0, 1.0, 50)
    ee = np.concatenate([e[k] + (e[k + 1] - e[k]) * t for k in range(4)])
    nn = np.concatenate([n[k] + (n[k + 1] - n[k]) * t for k in range(4)])
    la, lo, _ = world.frame.enu_to_geodetic(np.stack([ee, nn, np.zeros_like(ee)], axis=1))
    return CoverageArea(
        float(cm.altitudes_agl_m[a]),
        np.asarray(cm.lat_deg, dtype=np.float64),
        np.asarray(cm.lon_deg, dtype=np.float64),
        np.asarray(cm.covered_all[a] & inside, dtype=bool),
        np.asarray(la, dtype=np.float64),
        np.asarray(lo, dtype=np.float64),
    )


@dataclass
class CoverageSet:
    """Coverage outlines of every radar at several target heights, for one target type."""

    threat_type: str
    rcs_m2: float
    swerling: int
    by_height: dict[float, list[CoverageOutline]]
    #: Per height, the covered cells (for shading a map); None where not computed.
    areas: dict[float, CoverageArea] | None = None
    #: Whether the scenario has terrain (not flat): then its grid's edge matters.
    has_terrain: bool = False


def run_coverage(
    scenario: dict[str, Any],
    heights_agl_m: list[float] | None = None,
    threat_type: str | None = None,
    world: World | None = None,
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
    w = world if world is not None else compile_run_world(scenario)
    sig = threat_signatures(w)
    if threat_type is None:
        threat_type = min(sig, key=lambda k: sig[k][0])
    elif threat_type not in sig:
        raise ValueError(f"unknown threat type {threat_type!r}; use one of {sorted(sig)}")
    rcs, swerling, own_height = sig[threat_type]
    heights = [own_height] if heights_agl_m is None else heights_agl_m
    cm = _coverage_grid(w, heights, rcs, swerling, 0.5, 360, 384)
    areas = {float(h): _area(w, cm, a) for a, h in enumerate(cm.altitudes_agl_m.tolist())}
    return CoverageSet(threat_type, rcs, swerling, _outlines(w, cm), areas, cm.has_terrain)
