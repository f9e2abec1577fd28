"""Real terrain: digital elevation models read from files or from matplotlib's sample data.

GeoTIFF, DTED and SRTM ``.hgt`` files are read through rasterio, an optional extra
(``pip install samsim[terrain]``); rasterio is imported only when a file is read, so the
core works without it. The two DEMs matplotlib ships are read with numpy alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.errors import MissingExtraError

__all__ = [
    "MATPLOTLIB_DEMS",
    "DemTerrain",
    "MissingExtraError",
    "load_dem",
    "matplotlib_dem",
]

#: The DEMs shipped in matplotlib's sample data, by short name.
MATPLOTLIB_DEMS = {"jacksboro": "jacksboro_fault_dem.npz", "topobathy": "topobathy.npz"}

_FEET_UNITS = {"ft", "foot", "feet", "us survey foot", "ftus", "us-ft"}


def _fill_voids(heights: NDArray[np.float64], void: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Replace void cells by the nearest valid cell (Euclidean, in pixels)."""
    if not void.any():
        return heights
    if void.all():
        raise ValueError("the DEM has no valid elevation at all (every cell is nodata)")
    from scipy import ndimage

    idx = ndimage.distance_transform_edt(void, return_distances=False, return_indices=True)
    return np.asarray(heights[tuple(idx)], dtype=np.float64)


def _axis_index(
    coords: NDArray[np.float64], q: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Cell index and fraction of q on ascending coords, clamped to the ends."""
    qc = np.clip(q, coords[0], coords[-1])
    i = np.clip(np.searchsorted(coords, qc, side="right") - 1, 0, coords.size - 2)
    f = (qc - coords[i]) / (coords[i + 1] - coords[i])
    return i, f


@dataclass(frozen=True)
class DemTerrain:
    """A north-up raster DEM sampled bilinearly between cell centres; a TerrainSource.

    Parameters
    ----------
    heights_m : ndarray, shape (n_y, n_x)
        Elevations, metres, above the DEM's vertical datum; finite (fill voids first).
    y : ndarray, shape (n_y,)
        Row centres: latitude in degrees, or the y coordinate of ``crs``; strictly
        monotonic (either direction).
    x : ndarray, shape (n_x,)
        Column centres: longitude in degrees (-180..180), or the x coordinate of ``crs``.
    crs : str or None
        None for geographic WGS-84 degrees; otherwise a CRS string that rasterio
        understands (queries are transformed with :func:`rasterio.warp.transform`).
    geoid_undulation_m : float
        Height of the geoid above the ellipsoid, N, added to every elevation: DTED, SRTM
        and most DEMs give orthometric heights (above the EGM96/EGM2008 geoid), and samsim
        works in ellipsoidal heights, h = H + N. One constant for the whole DEM; N varies
        by a few metres over 100 km and spans -107..+85 m worldwide (NGA EGM96). Default 0.
    name : str
        Label for plots and messages.

    Notes
    -----
    Off the raster the nearest edge value is used (queries are clamped).
    """

    heights_m: NDArray[np.float64]
    y: NDArray[np.float64]
    x: NDArray[np.float64]
    crs: str | None = None
    geoid_undulation_m: float = 0.0
    name: str = ""
    _ascending: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        h = np.asarray(self.heights_m, dtype=np.float64)
        y = np.asarray(self.y, dtype=np.float64)
        x = np.asarray(self.x, dtype=np.float64)
        if h.ndim != 2 or h.shape != (y.size, x.size) or min(h.shape) < 2:
            raise ValueError(
                f"heights_m must have shape (len(y), len(x)) with at least 2 x 2 cells, got "
                f"heights {h.shape}, y {y.shape}, x {x.shape}"
            )
        if not np.all(np.isfinite(h)):
            raise ValueError("heights_m has non-finite values; fill the voids first")
        for name, c in (("y", y), ("x", x)):
            d = np.diff(c)
            if not (np.all(d > 0) or np.all(d < 0)):
                raise ValueError(f"DEM coordinate {name} must be strictly monotonic")
        if y[1] < y[0]:
            y, h = y[::-1], h[::-1]
        if x[1] < x[0]:
            x, h = x[::-1], h[:, ::-1]
        object.__setattr__(self, "_ascending", (np.ascontiguousarray(h), y, x))

    def elevation_at(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> NDArray[np.float64]:
        """Height above the WGS-84 ellipsoid (DEM value + geoid undulation), metres."""
        lat, lon = np.broadcast_arrays(
            np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float)
        )
        shape = lat.shape
        if self.crs is None:
            qx = (lon.reshape(-1) + 180.0) % 360.0 - 180.0
            qy = lat.reshape(-1)
        else:
            warp = _import_rasterio(f"querying a DEM in {self.crs}").warp
            xs, ys = warp.transform(
                "EPSG:4326", self.crs, lon.reshape(-1).tolist(), lat.reshape(-1).tolist()
            )
            qx, qy = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        h, y, x = self._ascending
        i, fy = _axis_index(y, qy)
        j, fx = _axis_index(x, qx)
        z = (h[i, j] * (1 - fx) + h[i, j + 1] * fx) * (1 - fy) + (
            h[i + 1, j] * (1 - fx) + h[i + 1, j + 1] * fx
        ) * fy
        return (z + self.geoid_undulation_m).reshape(shape)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max) of the cell centres (lon/lat degrees if geographic)."""
        _, y, x = self._ascending
        return (float(x[0]), float(x[-1]), float(y[0]), float(y[-1]))

    @property
    def center_lat_lon_deg(self) -> tuple[float, float]:
        """Geodetic centre of the DEM (a natural scenario origin for a demo)."""
        x0, x1, y0, y1 = self.bounds
        if self.crs is None:
            return (0.5 * (y0 + y1), 0.5 * (x0 + x1))
        warp = _import_rasterio(f"querying a DEM in {self.crs}").warp
        lon, lat = warp.transform(self.crs, "EPSG:4326", [0.5 * (x0 + x1)], [0.5 * (y0 + y1)])
        return (float(lat[0]), float(lon[0]))


def _import_rasterio(purpose: str) -> Any:
    try:
        import rasterio
        import rasterio.warp
    except ImportError as exc:
        raise MissingExtraError(
            f"{purpose} needs rasterio, which is not installed. Install samsim's terrain "
            "extra: pip install samsim[terrain]"
        ) from exc
    return rasterio


def load_dem(
    path: str | os.PathLike[str],
    *,
    band: int = 1,
    geoid_undulation_m: float = 0.0,
) -> DemTerrain:
    """Read a DEM file (GeoTIFF, DTED ``.dt0/.dt1/.dt2``, SRTM ``.hgt``) through rasterio.

    Parameters
    ----------
    path : path-like
        The file; any raster GDAL reads works.
    band : int
        Band holding the elevations (1-based).
    geoid_undulation_m : float
        Geoid height N added to turn orthometric into ellipsoidal heights (see
        :class:`DemTerrain`).

    Returns
    -------
    DemTerrain

    Raises
    ------
    MissingExtraError
        rasterio is not installed (``pip install samsim[terrain]``).
    ValueError
        The file is rotated/sheared, has no CRS or has no valid cell.

    Notes
    -----
    Cell centres come from the affine geotransform, x_j = c + (j + 1/2) a and
    y_i = f + (i + 1/2) e (GDAL data model; GDAL already moves the pixel-is-point SRTM
    and DTED posts to this convention). Nodata cells are filled with the nearest valid
    cell. Elevations in feet are converted to metres.
    """
    rasterio = _import_rasterio(f"reading the DEM file {os.fspath(path)!r}")
    with rasterio.open(path) as ds:
        t = ds.transform
        if t.b != 0 or t.d != 0:
            raise ValueError(
                f"DEM {os.fspath(path)!r} is rotated or sheared (geotransform {t}); "
                "warp it to a north-up grid first (e.g. gdalwarp)"
            )
        if ds.crs is None:
            raise ValueError(
                f"DEM {os.fspath(path)!r} has no coordinate reference system; "
                "assign one (e.g. gdal_edit.py -a_srs EPSG:4326)"
            )
        if not 1 <= band <= ds.count:
            raise ValueError(f"band must be in 1..{ds.count} for {os.fspath(path)!r}, got {band}")
        data = ds.read(band, masked=True)
        heights = np.asarray(data.filled(0), dtype=np.float64)
        void = np.asarray(np.ma.getmaskarray(data)) | ~np.isfinite(heights)
        units = (ds.units[band - 1] or "").strip().lower() if ds.units else ""
        x = t.c + (np.arange(ds.width) + 0.5) * t.a
        y = t.f + (np.arange(ds.height) + 0.5) * t.e
        crs = None if ds.crs.is_geographic else ds.crs.to_string()
    heights = _fill_voids(heights, void)
    if units in _FEET_UNITS:
        heights = heights * 0.3048
    if crs is None:
        x = (x + 180.0) % 360.0 - 180.0
    return DemTerrain(
        heights,
        y,
        x,
        crs=crs,
        geoid_undulation_m=geoid_undulation_m,
        name=os.path.basename(os.fspath(path)),
    )


def matplotlib_dem(
    name: Literal["jacksboro", "topobathy"], *, geoid_undulation_m: float = 0.0
) -> DemTerrain:
    """One of the two DEMs matplotlib ships, georeferenced; the offline real-terrain demo.

    Parameters
    ----------
    name : {"jacksboro", "topobathy"}
        ``"jacksboro"``: ``jacksboro_fault_dem.npz``, 344 x 403 cells of 3 arc-seconds
        over 36.446-36.733 N, 84.414-84.078 W (Cumberland Mountains, Tennessee/Kentucky),
        236..1076 m. ``"topobathy"``: ``topobathy.npz``, 91 x 120 cells of 2 arc-minutes
        (longitude) over 48.0-50.0 N, 126.0-122.0 W (Vancouver Island and the Salish
        Sea), -1437..2205 m, sea floor included.
    geoid_undulation_m : float
        Added to the elevations (see :class:`DemTerrain`); the files give heights above
        sea level.

    Notes
    -----
    Georeferencing, found by inspecting the files:

    - jacksboro: keys ``xmin``, ``xmax``, ``ymin``, ``ymax``, ``dx``, ``dy`` in degrees.
      (xmax - xmin) / dx = 403 = n_cols, so they are cell *edges*. The y keys are
      swapped: ``ymin`` = 36.7329 is the northern edge and ``ymax`` = 36.4463 the southern
      one, (ymin - ymax) / dy = 344 = n_rows. Row 0 is the northern row (image order, as
      matplotlib's own examples plot it; consistent with the high Cumberland Mountains in
      the south-west and the low valley to the south-east).
    - topobathy: 1-D ``latitude`` (ascending, row centres, slightly uneven spacing) and
      ``longitude`` in 0..360 degrees east (column centres), converted here to -180..180.
    """
    from matplotlib import cbook

    if name not in MATPLOTLIB_DEMS:
        raise ValueError(f"name must be one of {sorted(MATPLOTLIB_DEMS)}, got {name!r}")
    npz: Any = cbook.get_sample_data(MATPLOTLIB_DEMS[name])
    with npz:
        d = {k: np.asarray(npz[k]) for k in npz.files}
    if name == "jacksboro":
        z = d["elevation"].astype(np.float64)
        dx, dy = float(d["dx"]), float(d["dy"])
        north_edge = max(float(d["ymin"]), float(d["ymax"]))  # keys are swapped in the file
        x = float(d["xmin"]) + (np.arange(z.shape[1], dtype=np.float64) + 0.5) * dx
        y = north_edge - (np.arange(z.shape[0], dtype=np.float64) + 0.5) * dy
        return DemTerrain(z, y, x, geoid_undulation_m=geoid_undulation_m, name="jacksboro")
    z = d["topo"].astype(np.float64)
    lon = d["longitude"].astype(np.float64)
    lon = np.where(lon > 180.0, lon - 360.0, lon)
    lat = d["latitude"].astype(np.float64)
    return DemTerrain(z, lat, lon, geoid_undulation_m=geoid_undulation_m, name="topobathy")
