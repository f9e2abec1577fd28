"""Coverage maps: where each radar, and each battalion as a whole, detects a target of a
given RCS at given heights above the ground, over terrain and a refracting earth.

Owns the map computation (:func:`coverage_map`), its result (:class:`CoverageMap`: grids,
covered areas, detection range per azimuth) and its files (.npz, GeoTIFF).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.engine.world import World, compile_world
from samsim.geo.earth import horizon_range_m
from samsim.geo.frames import EnuFrame, Site
from samsim.geo.los import LOS_TOLERANCE_M, ObserverGeometry, ray_min_height_m, viewshed_grid
from samsim.geo.terrain import (
    TerrainGrid,
    TerrainSource,
    resample_to_enu,
    surface_point_enu,
)
from samsim.scenario.models import Scenario
from samsim.sensors.detection import SWERLING_CASES, pd_swerling, snr_required_db
from samsim.sensors.radar import Radar
from samsim.units import UnitError, length_m
from samsim.units import rcs_m2 as parse_rcs_m2

__all__ = [
    "CoverageMap",
    "CoverageRow",
    "Extent",
    "TerrainLike",
    "coverage_map",
    "default_extent_m",
    "enu_crs_proj4",
    "naive_range_m",
    "radar_equation_range_m",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: (east_min, east_max, north_min, north_max) in the scenario ENU frame, metres.
Extent = tuple[float, float, float, float]
#: What ``terrain=`` accepts: an ENU grid, a source (flat, synthetic, DEM), or a
#: height function of scenario-ENU (east, north) such as ``World.terrain``.
TerrainLike = TerrainGrid | TerrainSource | Callable[[FloatArray, FloatArray], FloatArray]
Scope = Literal["radar", "unit", "all"]


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


def _as_world(source: Scenario | World | str | os.PathLike[str]) -> World:
    if isinstance(source, World):
        return source
    if isinstance(source, Scenario):
        return compile_world(source)
    if isinstance(source, str | os.PathLike):
        from samsim.scenario.loader import load_scenario

        return compile_world(load_scenario(Path(source)))
    raise TypeError(
        f"coverage_map needs a Scenario, a compiled World or a scenario file path, "
        f"got {type(source).__name__}"
    )


def _altitudes(altitudes_agl_m: float | str | Sequence[float | str]) -> FloatArray:
    items = [altitudes_agl_m] if isinstance(altitudes_agl_m, float | int | str) else altitudes_agl_m
    out = []
    for a in items:
        try:
            v = length_m(a)
        except UnitError as exc:
            raise ValueError(f"altitudes_agl_m: {exc}") from None
        if not (math.isfinite(v) and v >= 0.0):
            raise ValueError(
                f"altitudes_agl_m must be heights above the ground >= 0, got {a!r}; "
                "give e.g. 30 or '1 km'"
            )
        out.append(v)
    if not out:
        raise ValueError("altitudes_agl_m is empty; give at least one height, e.g. [30, 1000]")
    return np.asarray(out, dtype=np.float64)


def _rcs(rcs: float | str) -> float:
    try:
        return parse_rcs_m2(rcs)
    except UnitError as exc:
        raise ValueError(f"rcs_m2: {exc}; give e.g. 0.1 or '-10 dBsm'") from None


def _check_detection_args(pd_min: float, swerling: int) -> None:
    if not (isinstance(pd_min, float | int) and 0.0 < pd_min < 1.0):
        raise ValueError(f"pd_min must be a probability strictly between 0 and 1, got {pd_min!r}")
    if isinstance(swerling, bool) or swerling not in SWERLING_CASES:
        raise ValueError(f"swerling must be one of 0 (steady), 1, 2, 3, 4, got {swerling!r}")


# ---------------------------------------------------------------------------------------
# Range figures of one radar
# ---------------------------------------------------------------------------------------


def radar_equation_range_m(
    radar: Radar, rcs_m2: float, pd_min: float = 0.5, swerling: int = 1
) -> float:
    """Free-space range at which the radar detects the target with probability ``pd_min``.

    Parameters
    ----------
    radar : Radar
        A compiled radar (its spec gives Pfa and the pulses integrated).
    rcs_m2 : float
        Target radar cross section, m^2.
    pd_min : float
        Probability of detection that defines the range.
    swerling : int
        Target fluctuation model, 0-4.

    Returns
    -------
    float
        R = 10^((SNR_1 + 10 log10(sigma) - SNR_req) / 40), metres: the range at which the
        per-pulse SNR of the radar equation falls to the SNR that gives ``pd_min``.

    Notes
    -----
    SNR(R) = SNR_1 + 10 log10(sigma) - 40 log10(R), with SNR_1 the per-pulse SNR of a
    1 m^2 target at 1 m (:attr:`samsim.sensors.radar.Radar.snr_1m_db`: the point-target
    radar equation SNR = P_t tau G^2 lambda^2 sigma / ((4 pi)^3 R^4 k T_0 F L), Richards,
    *Fundamentals of Radar Signal Processing*, 2005, ch. 2; Skolnik, *Introduction to
    Radar Systems*, 3rd ed., ch. 2); SNR_req from the exact Swerling detection curves
    (:func:`samsim.sensors.detection.snr_required_db`). No horizon, no terrain, no range
    limit: the "range ring" of the radar equation.
    """
    _check_detection_args(pd_min, swerling)
    s = radar.spec
    if pd_min <= s.pfa:
        raise ValueError(f"pd_min ({pd_min}) must exceed the radar's pfa ({s.pfa})")
    req = float(snr_required_db(pd_min, s.pfa, s.n_pulses, swerling))
    return float(10.0 ** ((radar.snr_1m_db + 10.0 * math.log10(rcs_m2) - req) / 40.0))


def naive_range_m(radar: Radar, rcs_m2: float, pd_min: float = 0.5, swerling: int = 1) -> float:
    """The naive range ring: min(instrumented range, free-space radar-equation range), m.

    What a range ring on a map shows: it ignores the horizon, terrain and the target's
    height (see :func:`radar_equation_range_m`).
    """
    return min(
        float(radar.spec.instrumented_range_m),
        radar_equation_range_m(radar, rcs_m2, pd_min, swerling),
    )


# ---------------------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------------------


def _normals_enu(frame: EnuFrame, points_enu_m: FloatArray) -> tuple[FloatArray, ...]:
    """Latitude, longitude (deg) and ellipsoid normals (ENU, (..., 3)) at surface points."""
    lat, lon, _ = frame.enu_to_geodetic(points_enu_m)
    la, lo = np.radians(lat), np.radians(lon)
    normal_ecef = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    return lat, lon, frame.ecef_vector_to_enu(normal_ecef)


def _foot_en(frame: EnuFrame, point_enu_m: FloatArray) -> tuple[float, float]:
    """ENU (east, north) of the ellipsoid point below a point (along its normal)."""
    lat, lon, _ = frame.enu_to_geodetic(point_enu_m)
    foot = frame.geodetic_to_enu(lat, lon, 0.0)
    return float(foot[0]), float(foot[1])


def enu_crs_proj4(frame: EnuFrame) -> str:
    """PROJ string of the CRS in which the map grid's (east, north) are coordinates.

    Notes
    -----
    A grid cell (e, n) stands for the ellipsoid point directly below (e, n) along the
    frame's up axis (:func:`samsim.geo.terrain.surface_point_enu`): the orthogonal
    projection of the ellipsoid onto the tangent plane at the origin, i.e. the ellipsoidal
    Orthographic projection (EPSG method 9840; IOGP Guidance Note 7-2, sec. 3.2.11).
    Checked against PROJ through rasterio to 1e-9 m in the tests.
    """
    return (
        f"+proj=ortho +lat_0={frame.lat0_deg!r} +lon_0={frame.lon0_deg!r} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )


def default_extent_m(
    world: World,
    altitudes_agl_m: ArrayLike,
    rcs_m2: float,
    pd_min: float = 0.5,
    swerling: int = 1,
    relief_m: float = 0.0,
    margin: float = 0.05,
) -> Extent:
    """A square extent that holds every radar's coverage at the highest altitude.

    Parameters
    ----------
    world : World
        The compiled scenario.
    altitudes_agl_m : array_like
        Target heights above the ground, metres.
    rcs_m2, pd_min, swerling
        As in :func:`coverage_map`.
    relief_m : float
        Terrain height range (max - min), metres: the horizon is computed as if antenna
        and target stood ``relief_m`` higher, an upper bound over terrain.
    margin : float
        Relative margin added to the half width.

    Returns
    -------
    Extent
        Centred on the middle of the radars' bounding box, half width
        max_r(|site_r - centre|_inf + reach_r) (1 + margin), reach_r being the smaller of
        the naive range ring and the 4/3-earth horizon range between the antenna and the
        highest target (:func:`samsim.geo.earth.horizon_range_m`).
    """
    alts = np.atleast_1d(np.asarray(altitudes_agl_m, dtype=float))
    if not world.radars:
        raise ValueError("the scenario has no radars; a coverage map needs at least one")
    pos = np.array([r.site.position_enu_m[:2] for r in world.radars])
    centre = 0.5 * (pos.min(axis=0) + pos.max(axis=0))
    half = 0.0
    for r, p in zip(world.radars, pos, strict=True):
        mast = float(r.spec.mast_height_m)
        horizon = float(horizon_range_m(mast + relief_m, float(alts.max()) + relief_m, r.k_factor))
        reach = min(naive_range_m(r, rcs_m2, pd_min, swerling), horizon)
        half = max(half, float(np.max(np.abs(p - centre))) + reach)
    half *= 1.0 + margin
    return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def _extent(
    extent_m: float | str | Sequence[float] | None,
    default: Callable[[], Extent],
    centre: FloatArray,
) -> Extent:
    if extent_m is None:
        return default()
    if isinstance(extent_m, float | int | str):
        try:
            half = length_m(extent_m)
        except UnitError as exc:
            raise ValueError(f"extent_m: {exc}") from None
        if not half > 0:
            raise ValueError(f"extent_m as a half width must be positive, got {extent_m!r}")
        return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)
    ext = tuple(float(v) for v in extent_m)
    if len(ext) != 4 or not (ext[1] > ext[0] and ext[3] > ext[2]):
        raise ValueError(
            "extent_m must be a half width (m, or '300 km') or "
            f"(east_min, east_max, north_min, north_max) with max > min, got {extent_m!r}"
        )
    return (ext[0], ext[1], ext[2], ext[3])


# ---------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One line of the coverage table: one radar, unit or the whole force at one height.

    Ranges are ground ranges from the radar (or from the centroid of the unit's radars)
    to the farthest covered point along each azimuth: the first-detection range of a
    target flying straight in at that azimuth. ``reaches_edge`` is True when coverage
    runs to the edge of the map on some azimuth (the range there is a lower bound).
    """

    altitude_agl_m: float
    scope: Scope
    name: str
    unit: str
    area_km2: float
    range_min_m: float
    range_median_m: float
    range_max_m: float
    naive_range_m: float | None
    reaches_edge: bool


@dataclass(frozen=True)
class CoverageMap:
    """Coverage of a target of one RCS at several heights above ground, per radar and
    combined, on a square-cell grid of the scenario ENU frame.

    Grids have shape (..., n_north, n_east); row 0 is the southernmost row. Cell (i, j)
    stands for the ground point below ENU (``east_m[j]``, ``north_m[i]``) (see
    :func:`enu_crs_proj4` for its CRS). Indices: ``a`` altitude, ``r`` radar, ``u`` unit.

    Attributes
    ----------
    frame : EnuFrame
    east_m, north_m : ndarray
        Cell-centre coordinates, metres.
    lat_deg, lon_deg : ndarray (n_north, n_east)
        Geodetic position of each cell's ground point.
    terrain_m : ndarray (n_north, n_east)
        Ground height above the ellipsoid at the cells.
    has_terrain : bool
        False when the ground is flat (smooth earth).
    masking : bool
        Whether terrain masked the line of sight (False: LOS over a smooth earth at the
        lowest terrain height, targets and radars still on the terrain).
    cell_area_m2 : ndarray (n_north, n_east)
        Area of each cell's ground patch on the ellipsoid.
    altitudes_agl_m : ndarray (n_alt,)
    rcs_m2, pd_min : float
    swerling : int
    radar_names, unit_names : list of str
    radar_unit : ndarray (n_radar,)
        Unit index of each radar.
    antenna_enu_m : ndarray (n_radar, 3)
        Antenna positions used (on the terrain, plus mast height).
    pd : ndarray float32 (n_alt, n_radar, n_north, n_east)
        Probability of detection; 0 where the target is masked or outside the radar's
        range, elevation or azimuth limits.
    visible : ndarray bool (n_alt, n_radar, n_north, n_east)
        Line of sight only.
    covered : ndarray bool (n_alt, n_radar, n_north, n_east)
        Pd >= pd_min.
    naive_range_m, radar_equation_range_m : ndarray (n_radar,)
        Range ring (min(instrumented, radar equation)) and free-space radar-equation range.
    az_rad : ndarray (n_az,)
        Azimuths of the detection-range rays, clockwise from north at the ray origin.
    radar_range_az_m : ndarray (n_alt, n_radar, n_az)
    unit_range_az_m : ndarray (n_alt, n_unit, n_az)
    all_range_az_m : ndarray (n_alt, n_az)
        Farthest covered ground range along each azimuth (0 where nothing is covered).
    radar_edge_az, unit_edge_az, all_edge_az : ndarray of bool, same shapes
        True where that farthest point is at the edge of the map.
    """

    frame: EnuFrame
    east_m: FloatArray
    north_m: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    terrain_m: FloatArray
    has_terrain: bool
    masking: bool
    cell_area_m2: FloatArray
    altitudes_agl_m: FloatArray
    rcs_m2: float
    pd_min: float
    swerling: int
    radar_names: list[str]
    unit_names: list[str]
    radar_unit: NDArray[np.int64]
    antenna_enu_m: FloatArray
    pd: NDArray[np.float32]
    visible: BoolArray
    covered: BoolArray
    naive_range_m: FloatArray
    radar_equation_range_m: FloatArray
    az_rad: FloatArray
    radar_range_az_m: FloatArray
    unit_range_az_m: FloatArray
    all_range_az_m: FloatArray
    radar_edge_az: BoolArray
    unit_edge_az: BoolArray
    all_edge_az: BoolArray

    @property
    def cell_m(self) -> tuple[float, float]:
        """(dx, dy) cell size, metres."""
        return (float(self.east_m[1] - self.east_m[0]), float(self.north_m[1] - self.north_m[0]))

    @property
    def extent_m(self) -> Extent:
        """(east_min, east_max, north_min, north_max) of the cell edges, metres."""
        dx, dy = self.cell_m
        return (
            float(self.east_m[0] - dx / 2),
            float(self.east_m[-1] + dx / 2),
            float(self.north_m[0] - dy / 2),
            float(self.north_m[-1] + dy / 2),
        )

    @property
    def covered_unit(self) -> BoolArray:
        """(n_alt, n_unit, n_north, n_east): covered by at least one radar of the unit."""
        units = range(len(self.unit_names))
        return np.stack([self.covered[:, self.radar_unit == u].any(axis=1) for u in units], axis=1)

    @property
    def covered_all(self) -> BoolArray:
        """(n_alt, n_north, n_east): covered by at least one radar."""
        return np.asarray(self.covered.any(axis=1))

    @property
    def pd_unit(self) -> NDArray[np.float32]:
        """(n_alt, n_unit, n_north, n_east): the best single radar's Pd in each unit."""
        return np.stack(
            [self.pd[:, self.radar_unit == u].max(axis=1) for u in range(len(self.unit_names))],
            axis=1,
        )

    def area_km2(self, grid: BoolArray) -> NDArray[np.float64]:
        """Covered area of boolean grid(s) (..., n_north, n_east), km^2 on the ellipsoid."""
        return np.asarray(np.sum(grid * self.cell_area_m2, axis=(-2, -1)) / 1e6, dtype=float)

    def rows(self) -> list[CoverageRow]:
        """The coverage table: per altitude, each radar, each unit, and all units together
        (the last only when there is more than one unit)."""
        out: list[CoverageRow] = []
        area_r = self.area_km2(self.covered)
        area_u = self.area_km2(self.covered_unit)
        area_a = self.area_km2(self.covered_all)

        def row(a: int, scope: Scope, name: str, unit: str, area: float, rng: FloatArray,
                edge: BoolArray, naive: float | None) -> CoverageRow:  # fmt: skip
            return CoverageRow(
                float(self.altitudes_agl_m[a]),
                scope,
                name,
                unit,
                float(area),
                float(rng.min()),
                float(np.median(rng)),
                float(rng.max()),
                naive,
                bool(edge.any()),
            )

        for a in range(self.altitudes_agl_m.size):
            for r, name in enumerate(self.radar_names):
                unit = self.unit_names[int(self.radar_unit[r])]
                out.append(row(a, "radar", name, unit, area_r[a, r], self.radar_range_az_m[a, r],
                               self.radar_edge_az[a, r], float(self.naive_range_m[r])))  # fmt: skip
            for u, unit in enumerate(self.unit_names):
                out.append(row(a, "unit", unit, unit, area_u[a, u], self.unit_range_az_m[a, u],
                               self.unit_edge_az[a, u], None))  # fmt: skip
            if len(self.unit_names) > 1:
                out.append(row(a, "all", "all units", "", area_a[a], self.all_range_az_m[a],
                               self.all_edge_az[a], None))  # fmt: skip
        return out

    # ------------------------------------------------------------------------- files

    def to_npz(self, path: str | os.PathLike[str]) -> Path:
        """Write every grid and figure to a compressed .npz (numpy only; no pickle).

        Keys: the attributes of this class (strings as unicode arrays) plus
        ``covered_unit``, ``covered_all``, ``frame_origin`` (lat0, lon0, alt0) and ``crs``
        (PROJ string of the east/north coordinates).
        """
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            p,
            east_m=self.east_m,
            north_m=self.north_m,
            lat_deg=self.lat_deg,
            lon_deg=self.lon_deg,
            terrain_m=self.terrain_m,
            has_terrain=np.bool_(self.has_terrain),
            masking=np.bool_(self.masking),
            cell_area_m2=self.cell_area_m2,
            altitudes_agl_m=self.altitudes_agl_m,
            rcs_m2=np.float64(self.rcs_m2),
            pd_min=np.float64(self.pd_min),
            swerling=np.int64(self.swerling),
            radar_names=np.array(self.radar_names, dtype=str),
            unit_names=np.array(self.unit_names, dtype=str),
            radar_unit=self.radar_unit,
            antenna_enu_m=self.antenna_enu_m,
            pd=self.pd,
            visible=self.visible,
            covered=self.covered,
            covered_unit=self.covered_unit,
            covered_all=self.covered_all,
            naive_range_m=self.naive_range_m,
            radar_equation_range_m=self.radar_equation_range_m,
            az_rad=self.az_rad,
            radar_range_az_m=self.radar_range_az_m,
            unit_range_az_m=self.unit_range_az_m,
            all_range_az_m=self.all_range_az_m,
            frame_origin=np.array([self.frame.lat0_deg, self.frame.lon0_deg, self.frame.alt0_m]),
            crs=np.array(enu_crs_proj4(self.frame)),
        )
        return p

    def to_geotiff(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write two GeoTIFFs per altitude: ``coverage_<h>m.tif`` (uint8 0/1) and
        ``pd_<h>m.tif`` (float32), one band per radar, then per unit, then all units.

        Band descriptions name the radar or unit. The CRS is the ellipsoidal orthographic
        projection at the scenario origin (:func:`enu_crs_proj4`), so the files overlay
        correctly in any GIS. Needs rasterio (``pip install samsim[terrain]``).

        Raises
        ------
        samsim.geo.dem.MissingExtraError
            rasterio is not installed; write :meth:`to_npz` instead.
        """
        from samsim.geo.dem import _import_rasterio

        rasterio = _import_rasterio("writing GeoTIFF coverage maps")
        from affine import Affine
        from rasterio.crs import CRS

        out_dir = Path(folder)
        out_dir.mkdir(parents=True, exist_ok=True)
        dx, dy = self.cell_m
        e0, _, _, n1 = self.extent_m
        transform = Affine(dx, 0.0, e0, 0.0, -dy, n1)
        crs = CRS.from_proj4(enu_crs_proj4(self.frame))
        names = [*self.radar_names, *self.unit_names, "all units"]
        cov_u = self.covered_unit
        cov_a = self.covered_all
        pd_u = self.pd_unit
        pd_a = self.pd.max(axis=1)
        written: list[Path] = []
        for a, alt in enumerate(self.altitudes_agl_m):
            tag = f"{alt:g}m"
            cov = np.concatenate([self.covered[a], cov_u[a], cov_a[a][None]]).astype(np.uint8)
            pdg = np.concatenate([self.pd[a], pd_u[a], pd_a[a][None]]).astype(np.float32)
            for kind, data, dtype in (("coverage", cov, "uint8"), ("pd", pdg, "float32")):
                path = out_dir / f"{kind}_{tag}.tif"
                with rasterio.open(
                    path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                    count=data.shape[0], dtype=dtype, crs=crs, transform=transform,
                    compress="deflate",
                ) as dst:  # fmt: skip
                    dst.write(data[:, ::-1, :])  # GeoTIFF row 0 is the northern row
                    for b, name in enumerate(names, start=1):
                        dst.set_band_description(b, name)
                    dst.update_tags(
                        altitude_agl_m=f"{alt:g}",
                        rcs_m2=f"{self.rcs_m2:g}",
                        pd_min=f"{self.pd_min:g}",
                        swerling=str(self.swerling),
                    )
                written.append(path)
        return written


# ---------------------------------------------------------------------------------------
# Computation
# ---------------------------------------------------------------------------------------


def _terrain_grid(
    terrain: TerrainLike | None,
    world: World,
    extent: Extent,
    resolution_m: float,
) -> TerrainGrid:
    """Resolve ``terrain=`` into an ENU grid covering ``extent`` (plus a cell)."""
    e0, e1, n0, n1 = extent
    pad = 2.0 * resolution_m
    ext = (e0 - pad, e1 + pad, n0 - pad, n1 + pad)
    if terrain is None:
        terrain = _world_terrain(world)
    if isinstance(terrain, TerrainGrid):
        if terrain.frame != world.frame:
            raise ValueError(
                "terrain grid is in another ENU frame than the scenario (origin "
                f"{terrain.frame.lat0_deg}, {terrain.frame.lon0_deg} vs "
                f"{world.frame.lat0_deg}, {world.frame.lon0_deg}); build it with the "
                "scenario's frame or pass the terrain source instead"
            )
        return terrain
    if isinstance(terrain, TerrainSource):
        return resample_to_enu(terrain, world.frame, ext, resolution_m)
    if callable(terrain):
        nx = max(math.ceil((ext[1] - ext[0]) / resolution_m) + 1, 2)
        ny = max(math.ceil((ext[3] - ext[2]) / resolution_m) + 1, 2)
        east = ext[0] + resolution_m * np.arange(nx)
        north = ext[2] + resolution_m * np.arange(ny)
        ee, nn = np.meshgrid(east, north)
        h = np.asarray(terrain(ee, nn), dtype=np.float64).reshape(ny, nx)
        if float(h.min()) == float(h.max()):
            return TerrainGrid.flat(world.frame, float(h.flat[0]), ext)
        return TerrainGrid(world.frame, ext[0], ext[2], resolution_m, resolution_m, h)
    raise TypeError(
        "terrain must be a TerrainGrid, a terrain source (FlatTerrain, SyntheticTerrain, "
        f"DemTerrain) or a height function of (east_m, north_m), got {type(terrain).__name__}"
    )


def _world_terrain(world: World) -> TerrainLike:
    """The scenario's terrain: its ENU grid (``World.terrain_grid``) or, for worlds compiled
    before terrain grids, its height function (``World.terrain``)."""
    grid = getattr(world, "terrain_grid", None)
    if isinstance(grid, TerrainGrid):
        return grid
    fn = getattr(world, "terrain", None)
    if fn is None:
        raise TypeError("the world has neither terrain_grid nor terrain")
    return fn


def _antenna(world: World, radar: Radar, grid: TerrainGrid) -> tuple[FloatArray, float]:
    """Antenna position on ``grid``: ground under the site plus the mast, and the ground."""
    fe, fn = _foot_en(world.frame, radar.site.position_enu_m)
    foot = surface_point_enu(world.frame, fe, fn)
    _, _, normal = _normals_enu(world.frame, foot)
    ground = float(grid.elevation_m(fe, fn))
    mast = float(radar.spec.mast_height_m)
    return np.asarray(foot + (ground + mast) * normal, dtype=np.float64), ground


def _ray_samples(
    frame: EnuFrame,
    centre_enu_m: FloatArray,
    az_rad: FloatArray,
    east_m: FloatArray,
    north_m: FloatArray,
) -> tuple[FloatArray, NDArray[np.int64], NDArray[np.int64], BoolArray]:
    """Ground ranges and grid cells of samples along great circles from ``centre``.

    Returns (range_m (n_s,), row (n_az, n_s), col (n_az, n_s), on_grid (n_az, n_s)).
    Samples are half a cell apart, out to the farthest grid corner.
    """
    dx, dy = float(east_m[1] - east_m[0]), float(north_m[1] - north_m[0])
    obs = ObserverGeometry.at(frame, centre_enu_m)
    corners = np.array(
        [[east_m[0], north_m[0]], [east_m[-1], north_m[0]], [east_m[0], north_m[-1]],
         [east_m[-1], north_m[-1]]]
    )  # fmt: skip
    far = float(np.max(np.hypot(*(corners - obs.foot_enu_m[:2]).T))) * 1.01 + max(dx, dy)
    step = 0.5 * min(dx, dy)
    s = step * np.arange(1, math.ceil(far / step) + 1, dtype=np.float64)
    phi = s / obs.radius_m
    t = np.sin(az_rad)[:, None, None] * obs.east + np.cos(az_rad)[:, None, None] * obs.north
    p = obs.foot_enu_m + obs.radius_m * (
        np.sin(phi)[None, :, None] * t - (1.0 - np.cos(phi))[None, :, None] * obs.up
    )
    col = np.rint((p[..., 0] - east_m[0]) / dx).astype(np.int64)
    row = np.rint((p[..., 1] - north_m[0]) / dy).astype(np.int64)
    on = (col >= 0) & (col < east_m.size) & (row >= 0) & (row < north_m.size)
    return s, np.where(on, row, 0), np.where(on, col, 0), on


def _farthest(
    grid: BoolArray, s: FloatArray, row: NDArray[np.int64], col: NDArray[np.int64], on: BoolArray
) -> tuple[FloatArray, BoolArray]:
    """Farthest covered sample range per ray, and whether it is the ray's last on-grid one."""
    hit = grid[row, col] & on
    n_s = s.size
    last_hit = n_s - 1 - np.argmax(hit[:, ::-1], axis=1)
    any_hit = hit.any(axis=1)
    last_on = n_s - 1 - np.argmax(on[:, ::-1], axis=1)
    rng = np.where(any_hit, s[last_hit], 0.0)
    edge = any_hit & (last_hit >= last_on)
    return rng, edge


def coverage_map(
    source: Scenario | World | str | os.PathLike[str],
    altitudes_agl_m: float | str | Sequence[float | str],
    rcs_m2: float | str,
    *,
    pd_min: float = 0.5,
    swerling: int = 1,
    extent_m: float | str | Sequence[float] | None = None,
    cells: int = 512,
    terrain: TerrainLike | None = None,
    terrain_resolution_m: float | None = None,
    masking: bool = True,
    n_az: int = 360,
) -> CoverageMap:
    """Where each radar and each unit detects a target of ``rcs_m2`` at heights above ground.

    Parameters
    ----------
    source : Scenario, World or path
        The scenario (a file path, a validated :class:`~samsim.scenario.models.Scenario`
        or a compiled :class:`~samsim.engine.world.World`); its radars, sites, units and
        refraction k-factor are used.
    altitudes_agl_m : float, str or sequence
        Target heights above the ground, metres or with a unit (``"1 km"``); >= 0.
    rcs_m2 : float or str
        Target radar cross section, m^2, or ``"0.1 m2"``, ``"-10 dBsm"``.
    pd_min : float
        Probability of detection that counts as covered (default 0.5).
    swerling : int
        Target fluctuation model, 0-4 (default 1).
    extent_m : float, str or (east_min, east_max, north_min, north_max), optional
        Map area in the scenario ENU frame: a half width (m or ``"300 km"``) around the
        radars, or explicit bounds. Default :func:`default_extent_m`: large enough for
        every radar's coverage at the highest altitude.
    cells : int
        Cells along the longer side (square cells); default 512.
    terrain : TerrainGrid, terrain source or height function, optional
        Ground under radars and targets, and what masks the line of sight. Default: the
        scenario's terrain (``World.terrain_grid``). A source (flat, synthetic, DEM) or a
        height function of (east, north) is resampled onto an ENU grid of
        ``terrain_resolution_m``.
    terrain_resolution_m : float, optional
        Resampling resolution for a source or function; default half a map cell.
    masking : bool
        False: line of sight over a smooth earth at the lowest terrain height, radars and
        targets still standing on the terrain. Compared with True, shows what the terrain
        costs.
    n_az : int
        Number of azimuths (evenly spaced from north) for the detection range per azimuth.

    Returns
    -------
    CoverageMap

    Notes
    -----
    For each cell, radar and height h: the target stands at h above the cell's ground
    (ellipsoidal height terrain + h, along the ellipsoid normal) and is covered iff

    1. the line of sight clears the terrain over the 4/3 earth (refraction as an effective
       earth radius kR, Skolnik, *Introduction to Radar Systems*, 3rd ed., sec. 8.2):
       by the radial horizon sweep of :func:`samsim.geo.los.viewshed_grid` over terrain
       (Franklin & Ray 1994, algorithm R2), or in closed form over a smooth earth
       (:func:`samsim.geo.los.ray_min_height_m`: the ray's lowest point clears the
       ground); over terrain the ray must also clear the smooth earth at the lowest
       terrain height (which makes masking monotone: terrain never adds coverage);
    2. slant range, elevation and azimuth are inside the radar's instrumented range,
       minimum range, elevation limits and sector (geometric angles at the antenna, as
       :meth:`samsim.sensors.radar.Radar.coverage` computes them for the engine);
    3. Pd >= ``pd_min``, with Pd from the radar equation's per-pulse SNR and the exact
       Swerling curves for the radar's Pfa and pulses integrated
       (:func:`samsim.sensors.detection.pd_swerling`).

    A unit's coverage is the union of its radars' (its Pd the best single radar's). No
    clutter, multipath lobing, jamming or antenna elevation pattern (uniform coverage
    between the elevation limits): see docs/coverage.md.
    """
    world = _as_world(source)
    alts = _altitudes(altitudes_agl_m)
    rcs = _rcs(rcs_m2)
    _check_detection_args(pd_min, swerling)
    for r in world.radars:
        if pd_min <= r.spec.pfa:
            raise ValueError(f"pd_min ({pd_min}) must exceed radar {r.name}'s pfa ({r.spec.pfa})")
    if isinstance(cells, bool) or not isinstance(cells, int | np.integer) or not 8 <= cells <= 8192:
        raise ValueError(f"cells must be an integer from 8 to 8192, got {cells!r}")
    if isinstance(n_az, bool) or not isinstance(n_az, int | np.integer) or not 4 <= n_az <= 36000:
        raise ValueError(f"n_az must be an integer from 4 to 36000, got {n_az!r}")
    if not world.radars:
        raise ValueError("the scenario has no radars; a coverage map needs at least one")
    frame = world.frame

    radar_en = np.array([r.site.position_enu_m[:2] for r in world.radars])
    centre = 0.5 * (radar_en.min(axis=0) + radar_en.max(axis=0))

    def default() -> Extent:
        smooth = default_extent_m(world, alts, rcs, pd_min, swerling)
        if isinstance(terrain, TerrainGrid):
            relief = terrain.max_m - terrain.min_m
        else:
            # Probe the terrain coarsely over the smooth-earth extent for its relief.
            probe = _terrain_grid(terrain, world, smooth, (smooth[1] - smooth[0]) / 128.0)
            relief = probe.max_m - probe.min_m
        if relief == 0.0:
            return smooth
        return default_extent_m(world, alts, rcs, pd_min, swerling, relief_m=relief)

    e0, e1, n0, n1 = _extent(extent_m, default, centre)
    span = max(e1 - e0, n1 - n0)
    cell = span / int(cells)
    nx = max(round((e1 - e0) / cell), 2)
    ny = max(round((n1 - n0) / cell), 2)
    east = np.asarray(e0 + cell * (np.arange(nx) + 0.5), dtype=np.float64)
    north = np.asarray(n0 + cell * (np.arange(ny) + 0.5), dtype=np.float64)
    res = 0.5 * cell if terrain_resolution_m is None else float(terrain_resolution_m)
    if not res > 0:
        raise ValueError(f"terrain_resolution_m must be positive, got {terrain_resolution_m}")
    grid = _terrain_grid(terrain, world, (e0, e1, n0, n1), res)
    flat = grid.flat_height_m is not None

    ee, nn = np.meshgrid(east, north)
    ground = surface_point_enu(frame, ee, nn)
    lat, lon, normal = _normals_enu(frame, ground)
    cell_area = cell * cell / normal[..., 2]
    t_cell = grid.elevation_m(ee, nn)

    n_alt, n_radar = alts.size, len(world.radars)
    pd = np.zeros((n_alt, n_radar, ny, nx), dtype=np.float32)
    vis = np.zeros((n_alt, n_radar, ny, nx), dtype=np.bool_)
    cov = np.zeros((n_alt, n_radar, ny, nx), dtype=np.bool_)
    antennas = np.zeros((n_radar, 3))
    eq_range = np.zeros(n_radar)
    naive = np.zeros(n_radar)
    for ri, radar in enumerate(world.radars):
        s = radar.spec
        antenna, _ = _antenna(world, radar, grid)
        antennas[ri] = antenna
        eq_range[ri] = radar_equation_range_m(radar, rcs, pd_min, swerling)
        naive[ri] = min(float(s.instrumented_range_m), eq_range[ri])
        site: Site = frame.site(antenna)
        # LOS over a smooth earth at the lowest terrain height: exact on flat terrain,
        # the whole test without masking, and a bound the terrain LOS must also satisfy.
        obs = ObserverGeometry.at(frame, antenna)
        theta, _, _, _ = obs.polar(ground)
        s_ground = obs.radius_m * theta
        floor = grid.min_m
        los = np.stack([
            ray_min_height_m(obs.height_m, t_cell + h, s_ground, radar.k_factor)
            >= floor - LOS_TOLERANCE_M
            for h in alts
        ])  # fmt: skip
        if masking and not flat:
            los &= viewshed_grid(antenna, grid, east, north, alts, k_factor=radar.k_factor)
        vis[:, ri] = los
        for ai, h in enumerate(alts):
            target = ground + (t_cell + h)[..., None] * normal
            az, el, rng = site.aer(target)
            ok = los[ai] & (rng >= s.min_range_m) & (rng <= s.instrumented_range_m)
            ok &= (el >= s.elevation_min_rad) & (el <= s.elevation_max_rad)
            if s.azimuth_half_width_rad < np.pi:
                off = np.abs((az - radar.azimuth_center_rad + np.pi) % (2 * np.pi) - np.pi)
                ok &= off <= s.azimuth_half_width_rad
            idx = np.flatnonzero(ok)
            p = pd_swerling(radar.snr_db(rng.reshape(-1)[idx], np.asarray(rcs)), s.pfa,
                            s.n_pulses, swerling)  # fmt: skip
            pd[ai, ri].reshape(-1)[idx] = p
            cov[ai, ri].reshape(-1)[idx] = p >= pd_min

    az_rad = 2.0 * np.pi * np.arange(n_az) / n_az
    n_unit = len(world.units)
    radar_unit = np.array([r.unit for r in world.radars], dtype=np.int64)
    r_rng = np.zeros((n_alt, n_radar, n_az))
    r_edge = np.zeros((n_alt, n_radar, n_az), dtype=np.bool_)
    u_rng = np.zeros((n_alt, n_unit, n_az))
    u_edge = np.zeros((n_alt, n_unit, n_az), dtype=np.bool_)
    a_rng = np.zeros((n_alt, n_az))
    a_edge = np.zeros((n_alt, n_az), dtype=np.bool_)
    for ri in range(n_radar):
        rays = _ray_samples(frame, antennas[ri], az_rad, east, north)
        for ai in range(n_alt):
            r_rng[ai, ri], r_edge[ai, ri] = _farthest(cov[ai, ri], *rays)
    for u in range(n_unit):
        members = radar_unit == u
        if not members.any():
            continue
        rays = _ray_samples(frame, antennas[members].mean(axis=0), az_rad, east, north)
        for ai in range(n_alt):
            u_rng[ai, u], u_edge[ai, u] = _farthest(cov[ai, members].any(axis=0), *rays)
    rays = _ray_samples(frame, antennas.mean(axis=0), az_rad, east, north)
    for ai in range(n_alt):
        a_rng[ai], a_edge[ai] = _farthest(cov[ai].any(axis=0), *rays)

    return CoverageMap(
        frame=frame,
        east_m=east,
        north_m=north,
        lat_deg=lat,
        lon_deg=lon,
        terrain_m=t_cell,
        has_terrain=not flat,
        masking=bool(masking),
        cell_area_m2=cell_area,
        altitudes_agl_m=alts,
        rcs_m2=rcs,
        pd_min=float(pd_min),
        swerling=int(swerling),
        radar_names=[r.name for r in world.radars],
        unit_names=[u.name for u in world.units],
        radar_unit=radar_unit,
        antenna_enu_m=antennas,
        pd=pd,
        visible=vis,
        covered=cov,
        naive_range_m=naive,
        radar_equation_range_m=eq_range,
        az_rad=az_rad,
        radar_range_az_m=r_rng,
        unit_range_az_m=u_rng,
        all_range_az_m=a_rng,
        radar_edge_az=r_edge,
        unit_edge_az=u_edge,
        all_edge_az=a_edge,
    )
