"""Terrain: the source interface (flat, seeded synthetic, DEM) and the ENU terrain grid.

A terrain *source* answers "how high is the ground at this latitude and longitude" (height
above the WGS-84 ellipsoid). The engine never queries a source in its hot path: it resamples
one onto a regular grid in the scenario ENU frame (:class:`TerrainGrid`), whose vectorised
bilinear lookup is what line of sight, coverage maps and terrain-following threats call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.geo.frames import WGS84_A_M, WGS84_B_M, EnuFrame
from samsim.jit import interpret_as, njit

__all__ = [
    "FlatTerrain",
    "SyntheticTerrain",
    "TerrainGrid",
    "TerrainSource",
    "point_above_ground_enu",
    "resample_to_enu",
    "spectral_synthesis",
    "surface_point_enu",
    "terrain_height_along",
]


@runtime_checkable
class TerrainSource(Protocol):
    """Anything that gives the ground height at geodetic points.

    Implemented by :class:`FlatTerrain`, :class:`SyntheticTerrain` and
    :class:`samsim.geo.dem.DemTerrain`; :func:`resample_to_enu` turns any of them into the
    :class:`TerrainGrid` the engine uses.
    """

    def elevation_at(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> NDArray[np.float64]:
        """Ground height above the WGS-84 ellipsoid at (lat, lon) in degrees, metres."""
        ...


# ---------------------------------------------------------------------------------------
# Geometry of the ground in the ENU frame
# ---------------------------------------------------------------------------------------


def surface_point_enu(
    frame: EnuFrame, east_m: ArrayLike, north_m: ArrayLike
) -> NDArray[np.float64]:
    """The point on the WGS-84 ellipsoid whose ENU east and north are given, shape (..., 3).

    This defines the horizontal coordinates of every terrain grid: the grid node (e, n)
    stands for the ground point on the ellipsoid directly "below" (e, n) along the frame's
    up axis.

    Notes
    -----
    With P = O + e E + n N in ECEF (O the frame origin, E, N, U its unit axes), the up
    offset u that puts P + u U on the ellipsoid (x^2 + y^2)/a^2 + z^2/b^2 = 1 solves the
    quadratic A u^2 + B u + C = 0. The root nearer zero is taken in the cancellation-free
    form u = -2 C / (B + sqrt(B^2 - 4 A C)) (Press et al., *Numerical Recipes*, 3rd ed.,
    sec. 5.6).
    """
    e, n = np.broadcast_arrays(np.asarray(east_m, dtype=float), np.asarray(north_m, dtype=float))
    zero = np.zeros_like(e)
    p = frame.enu_to_ecef(np.stack([e, n, zero], axis=-1))
    up = frame.enu_vector_to_ecef(np.array([0.0, 0.0, 1.0]))
    wa, wb = 1.0 / WGS84_A_M**2, 1.0 / WGS84_B_M**2
    a = (up[0] ** 2 + up[1] ** 2) * wa + up[2] ** 2 * wb
    b = 2.0 * ((p[..., 0] * up[0] + p[..., 1] * up[1]) * wa + p[..., 2] * up[2] * wb)
    c = (p[..., 0] ** 2 + p[..., 1] ** 2) * wa + p[..., 2] ** 2 * wb - 1.0
    u = -2.0 * c / (b + np.sqrt(np.maximum(b * b - 4.0 * a * c, 0.0)))
    return np.stack([e, n, u], axis=-1)


def _surface_geodetic(
    frame: EnuFrame, east_m: ArrayLike, north_m: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Latitude and longitude (degrees) of the surface points of (east, north)."""
    lat, lon, _ = frame.enu_to_geodetic(surface_point_enu(frame, east_m, north_m))
    return lat, lon


# ---------------------------------------------------------------------------------------
# The ENU grid and its fast bilinear lookup
# ---------------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _bilinear_one(
    h: NDArray[np.float64], e0: float, n0: float, inv_dx: float, inv_dy: float, e: float, n: float
) -> float:
    """Bilinear height at (e, n) on the node grid h[north, east]; clamped to the edges."""
    ny, nx = h.shape
    x = (e - e0) * inv_dx
    y = (n - n0) * inv_dy
    if not (math.isfinite(x) and math.isfinite(y)):
        return math.nan
    x = min(max(x, 0.0), nx - 1.0)
    y = min(max(y, 0.0), ny - 1.0)
    j = min(int(x), nx - 2)
    i = min(int(y), ny - 2)
    fx = x - j
    fy = y - i
    return (h[i, j] * (1.0 - fx) + h[i, j + 1] * fx) * (1.0 - fy) + (
        h[i + 1, j] * (1.0 - fx) + h[i + 1, j + 1] * fx
    ) * fy


@njit(cache=True)
def _bilinear_many(
    h: NDArray[np.float64],
    e0: float,
    n0: float,
    inv_dx: float,
    inv_dy: float,
    e: NDArray[np.float64],
    n: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    for k in range(e.size):
        out[k] = _bilinear_one(h, e0, n0, inv_dx, inv_dy, e[k], n[k])


@interpret_as(_bilinear_many)
def _bilinear_numpy(
    h: NDArray[np.float64],
    e0: float,
    n0: float,
    inv_dx: float,
    inv_dy: float,
    e: NDArray[np.float64],
    n: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """:func:`_bilinear_many` on whole arrays (``samsim validate`` without numba)."""
    ny, nx = h.shape
    x = (e - e0) * inv_dx
    y = (n - n0) * inv_dy
    ok = np.isfinite(x) & np.isfinite(y)
    x = np.minimum(np.maximum(np.where(ok, x, 0.0), 0.0), nx - 1.0)
    y = np.minimum(np.maximum(np.where(ok, y, 0.0), 0.0), ny - 1.0)
    j = np.minimum(x.astype(np.int64), nx - 2)
    i = np.minimum(y.astype(np.int64), ny - 2)
    fx = x - j
    fy = y - i
    v = (h[i, j] * (1.0 - fx) + h[i, j + 1] * fx) * (1.0 - fy) + (
        h[i + 1, j] * (1.0 - fx) + h[i + 1, j + 1] * fx
    ) * fy
    out[:] = np.where(ok, v, math.nan)


@dataclass(frozen=True)
class TerrainGrid:
    """Ground heights on a regular (east, north) grid of the scenario ENU frame.

    Parameters
    ----------
    frame : EnuFrame
        The scenario frame the grid lives in.
    east0_m, north0_m : float
        ENU east and north of node [0, 0] (the south-west corner), metres.
    dx_m, dy_m : float
        Node spacing east and north, metres.
    heights_m : ndarray, shape (n_north, n_east)
        Ground height above the WGS-84 ellipsoid at the nodes, metres; row 0 is the
        southernmost row. At least 2 x 2 nodes, all finite.

    Notes
    -----
    Node (i, j) stands for the ellipsoid surface point with ENU east
    ``east0_m + j dx_m`` and north ``north0_m + i dy_m`` (:func:`surface_point_enu`).
    Between nodes the height is bilinear. **Off the grid the nearest edge value is used**
    (coordinates are clamped to the grid), so the terrain continues flat-along-the-normal
    beyond the extent instead of dropping to a cliff.
    """

    frame: EnuFrame
    east0_m: float
    north0_m: float
    dx_m: float
    dy_m: float
    heights_m: NDArray[np.float64]
    min_m: float = field(init=False)
    max_m: float = field(init=False)

    def __post_init__(self) -> None:
        h = np.ascontiguousarray(self.heights_m, dtype=np.float64)
        if h.ndim != 2 or h.shape[0] < 2 or h.shape[1] < 2:
            raise ValueError(
                f"heights_m must be a 2-D array of at least 2 x 2 nodes, got shape {h.shape}"
            )
        if not np.all(np.isfinite(h)):
            raise ValueError(
                f"heights_m has {int(np.sum(~np.isfinite(h)))} non-finite values; fill voids "
                "(e.g. with the nearest valid height) before building a TerrainGrid"
            )
        if not (self.dx_m > 0 and self.dy_m > 0):
            raise ValueError(f"dx_m and dy_m must be positive, got {self.dx_m}, {self.dy_m}")
        h.setflags(write=False)
        object.__setattr__(self, "heights_m", h)
        object.__setattr__(self, "min_m", float(h.min()))
        object.__setattr__(self, "max_m", float(h.max()))

    @classmethod
    def flat(
        cls,
        frame: EnuFrame,
        height_m: float = 0.0,
        extent_m: tuple[float, float, float, float] = (-1e6, 1e6, -1e6, 1e6),
    ) -> TerrainGrid:
        """A constant-height grid (height above the ellipsoid); LOS takes its fast path."""
        e0, e1, n0, n1 = extent_m
        h = np.full((2, 2), float(height_m))
        return cls(frame, e0, n0, e1 - e0, n1 - n0, h)

    @property
    def shape(self) -> tuple[int, int]:
        """(n_north, n_east) nodes."""
        return (int(self.heights_m.shape[0]), int(self.heights_m.shape[1]))

    @property
    def east_m(self) -> NDArray[np.float64]:
        """ENU east of the node columns, metres."""
        return self.east0_m + self.dx_m * np.arange(self.shape[1], dtype=np.float64)

    @property
    def north_m(self) -> NDArray[np.float64]:
        """ENU north of the node rows, metres."""
        return self.north0_m + self.dy_m * np.arange(self.shape[0], dtype=np.float64)

    @property
    def extent_m(self) -> tuple[float, float, float, float]:
        """(east_min, east_max, north_min, north_max) of the nodes, metres."""
        ny, nx = self.shape
        return (
            self.east0_m,
            self.east0_m + (nx - 1) * self.dx_m,
            self.north0_m,
            self.north0_m + (ny - 1) * self.dy_m,
        )

    @property
    def flat_height_m(self) -> float | None:
        """The constant height when the grid is flat, else None."""
        return self.min_m if self.min_m == self.max_m else None

    def kernel_args(self) -> tuple[NDArray[np.float64], float, float, float, float]:
        """(heights, east0, north0, 1/dx, 1/dy): the arguments numba kernels take."""
        return (self.heights_m, self.east0_m, self.north0_m, 1.0 / self.dx_m, 1.0 / self.dy_m)

    def elevation_m(self, east_m: ArrayLike, north_m: ArrayLike) -> NDArray[np.float64]:
        """Bilinear ground height above the ellipsoid at ENU (east, north), metres.

        Vectorised and broadcasting; off-grid points take the nearest edge value; NaN
        coordinates give NaN. Compiled (numba), about 10 ns a point.
        """
        e, n = np.broadcast_arrays(
            np.asarray(east_m, dtype=float), np.asarray(north_m, dtype=float)
        )
        shape = e.shape
        ef = np.ascontiguousarray(e).reshape(-1)
        nf = np.ascontiguousarray(n).reshape(-1)
        out = np.empty(ef.size)
        _bilinear_many(*self.kernel_args(), ef, nf, out)
        return out.reshape(shape)


def terrain_height_along(
    terrain: TerrainGrid, east_m: ArrayLike, north_m: ArrayLike
) -> NDArray[np.float64]:
    """Ground height under ENU points, for threats that follow terrain; same as
    :meth:`TerrainGrid.elevation_m` (bilinear, clamped to the grid edge).

    A threat flying at height ``h_agl`` above ground at ENU (e, n) is at ellipsoidal height
    ``terrain_height_along(grid, e, n) + h_agl``. Using the threat's own (e, n) instead of
    its foot point's shifts the lookup by h sin(s / R) horizontally (s its distance from
    the frame origin): 1.5 m for 30 m at 300 km, well below a grid cell.
    """
    return terrain.elevation_m(east_m, north_m)


def point_above_ground_enu(
    terrain: TerrainGrid, east_m: ArrayLike, north_m: ArrayLike, height_agl_m: ArrayLike = 0.0
) -> NDArray[np.float64]:
    """ENU points (..., 3) at a height above the ground over the surface points (e, n).

    Use it to site a radar on the terrain (``height_agl_m`` = 0, then give the mast as
    ``antenna_height_m`` to the LOS functions) or to place a terrain-following threat.

    Notes
    -----
    The surface point S of (e, n) (:func:`surface_point_enu`) is moved along the ellipsoid
    normal at S by the terrain height plus ``height_agl_m``, so the returned point's
    geodetic height is exactly terrain + height_agl (a point at geodetic height h lies at
    h along the normal through its foot; NIMA TR8350.2 eq. 4-14).
    """
    frame = terrain.frame
    s = surface_point_enu(frame, east_m, north_m)
    lat, lon, _ = frame.enu_to_geodetic(s)
    la, lo = np.radians(lat), np.radians(lon)
    normal_ecef = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    normal = frame.ecef_vector_to_enu(normal_ecef)
    h = terrain.elevation_m(s[..., 0], s[..., 1]) + np.asarray(height_agl_m, dtype=float)
    return s + h[..., None] * normal


# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlatTerrain:
    """Ground at a constant height above the WGS-84 ellipsoid (0 by default)."""

    height_m: float = 0.0

    def elevation_at(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> NDArray[np.float64]:
        """The constant height, broadcast to the shape of the inputs."""
        lat, _ = np.broadcast_arrays(np.asarray(lat_deg, dtype=float), np.asarray(lon_deg))
        return np.full(lat.shape, float(self.height_m))


def spectral_synthesis(
    shape: tuple[int, int],
    spacing_m: tuple[float, float],
    *,
    hurst: float,
    feature_size_m: float,
    rng: np.random.Generator,
    pad_factor: int = 2,
) -> NDArray[np.float64]:
    """Zero-mean, unit-variance fractal surface by Fourier filtering of white noise.

    Parameters
    ----------
    shape : (n_north, n_east)
        Number of nodes.
    spacing_m : (dy, dx)
        Node spacing, metres.
    hurst : float
        Hurst exponent H in (0, 1): roughness at scales below the feature size; low H is
        rugged, high H smooth (real terrain: about 0.7-0.9).
    feature_size_m : float
        Corner length a of the spectrum: features larger than about a are suppressed, so it
        sets the spacing of the big hills and valleys.
    rng : numpy.random.Generator
        Source of the white noise; the surface is a pure function of its state.
    pad_factor : int
        The field is synthesised on a grid this many times larger and cropped, so opposite
        edges are not correlated by the periodic FFT.

    Returns
    -------
    ndarray, shape ``shape``

    Notes
    -----
    Spectral synthesis (Saupe, "Algorithms for random fractals", in Peitgen & Saupe (eds.),
    *The Science of Fractal Images*, Springer 1988, sec. 2.4 and 2.6): white Gaussian noise
    is filtered in the wavenumber domain by the square root of the 2-D von Kármán power
    spectrum

        P(k) ∝ (1 + k^2 a^2)^-(H + 1),

    which is fractional Brownian (P ∝ k^-(2H+2), fractal dimension 3 - H) for k a >> 1
    and flat for k a << 1 (Goff & Jordan, "Stochastic modeling of seafloor morphology",
    J. Geophys. Res. 93(B11), 1988, eq. 5).
    """
    if not 0.0 < hurst < 1.0:
        raise ValueError(f"hurst must be in (0, 1), got {hurst}")
    if not feature_size_m > 0:
        raise ValueError(f"feature_size_m must be positive, got {feature_size_m}")
    ny, nx = shape
    dy, dx = spacing_m
    from scipy import fft

    big_y = fft.next_fast_len(max(pad_factor, 1) * ny, real=True)
    big_x = fft.next_fast_len(max(pad_factor, 1) * nx, real=True)
    ky = 2.0 * np.pi * np.fft.fftfreq(big_y, dy)
    kx = 2.0 * np.pi * np.fft.rfftfreq(big_x, dx)
    k2 = ky[:, None] ** 2 + kx[None, :] ** 2
    amplitude = (1.0 + k2 * feature_size_m**2) ** (-(hurst + 1.0) / 2.0)
    amplitude[0, 0] = 0.0
    noise = rng.standard_normal((big_y, big_x))
    surface = fft.irfft2(fft.rfft2(noise) * amplitude, s=(big_y, big_x))[:ny, :nx]
    surface = surface - surface.mean()
    std = surface.std()
    if std == 0.0:
        raise ValueError(
            f"the synthesised surface is constant; feature_size_m={feature_size_m} is too "
            f"large or small for a {ny} x {nx} grid at {spacing_m} m"
        )
    return np.asarray(surface / std, dtype=np.float64)


@dataclass(frozen=True)
class SyntheticTerrain:
    """Seeded fractal terrain on a regular ENU grid; also a :class:`TerrainSource`.

    Build it with :meth:`generate`. ``grid`` is ready for the engine when the scenario
    uses the same frame; :meth:`elevation_at` makes it a source for any other frame.
    """

    grid: TerrainGrid

    @classmethod
    def generate(
        cls,
        frame: EnuFrame,
        extent_m: tuple[float, float, float, float],
        resolution_m: float,
        *,
        rng: np.random.Generator,
        relief_m: float = 500.0,
        relief_kind: Literal["peak_to_peak", "rms"] = "peak_to_peak",
        hurst: float = 0.8,
        feature_size_m: float = 20_000.0,
        base_height_m: float = 0.0,
    ) -> SyntheticTerrain:
        """Generate fractal terrain over an ENU extent.

        Parameters
        ----------
        frame : EnuFrame
            Frame of the grid.
        extent_m : (east_min, east_max, north_min, north_max)
            Area covered, metres.
        resolution_m : float
            Node spacing, metres (both axes; the extent is rounded up to whole cells).
        rng : numpy.random.Generator
            The terrain is a pure function of this generator's state (same seed, same
            terrain).
        relief_m : float
            Peak-to-peak height range, or RMS height when ``relief_kind="rms"``, metres.
        hurst : float
            Roughness: Hurst exponent in (0, 1) (see :func:`spectral_synthesis`).
        feature_size_m : float
            Size of the largest hills, metres.
        base_height_m : float
            Height of the lowest point above the ellipsoid, metres.
        """
        e0, e1, n0, n1 = (float(v) for v in extent_m)
        if not (e1 > e0 and n1 > n0):
            raise ValueError(
                f"extent_m must be (east_min, east_max, north_min, north_max) "
                f"with max > min, got {extent_m}"
            )
        if not resolution_m > 0:
            raise ValueError(f"resolution_m must be positive, got {resolution_m}")
        if not relief_m >= 0:
            raise ValueError(f"relief_m must be non-negative, got {relief_m}")
        nx = max(math.ceil((e1 - e0) / resolution_m - 1e-9) + 1, 2)
        ny = max(math.ceil((n1 - n0) / resolution_m - 1e-9) + 1, 2)
        if nx * ny > 50_000_000:
            raise ValueError(
                f"a {ny} x {nx} grid is too large; raise resolution_m (now {resolution_m} m)"
            )
        z = spectral_synthesis(
            (ny, nx),
            (resolution_m, resolution_m),
            hurst=hurst,
            feature_size_m=feature_size_m,
            rng=rng,
        )
        if relief_kind == "peak_to_peak":
            span = float(z.max() - z.min())
            z = z * (relief_m / span)
        elif relief_kind == "rms":
            z = z * relief_m
        else:
            raise ValueError(f"relief_kind must be 'peak_to_peak' or 'rms', got {relief_kind!r}")
        z = z - z.min() + base_height_m
        return cls(TerrainGrid(frame, e0, n0, resolution_m, resolution_m, z))

    def elevation_at(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> NDArray[np.float64]:
        """Height above the ellipsoid at geodetic points (bilinear on the grid)."""
        enu = self.grid.frame.geodetic_to_enu(lat_deg, lon_deg, 0.0)
        return self.grid.elevation_m(enu[..., 0], enu[..., 1])


def resample_to_enu(
    source: TerrainSource,
    frame: EnuFrame,
    extent_m: tuple[float, float, float, float],
    resolution_m: float,
) -> TerrainGrid:
    """Resample a terrain source onto a regular grid of the scenario ENU frame.

    Parameters
    ----------
    source : TerrainSource
        Flat, synthetic or DEM terrain.
    frame : EnuFrame
        The scenario frame.
    extent_m : (east_min, east_max, north_min, north_max)
        Area the scenario needs (radars' ranges included), metres.
    resolution_m : float
        Node spacing, metres. Pick it no coarser than the features that matter: a peak
        narrower than a cell is smoothed by the point sampling.

    Returns
    -------
    TerrainGrid
        Flat sources give a 2 x 2 constant grid (LOS then takes its smooth-earth path).

    Notes
    -----
    Each node's surface point (:func:`surface_point_enu`) is converted to geodetic
    coordinates and the source is sampled there (for a DEM: bilinear in the raster).
    """
    e0, e1, n0, n1 = (float(v) for v in extent_m)
    if not (e1 > e0 and n1 > n0):
        raise ValueError(
            f"extent_m must be (east_min, east_max, north_min, north_max) with "
            f"max > min, got {extent_m}"
        )
    if not resolution_m > 0:
        raise ValueError(f"resolution_m must be positive, got {resolution_m}")
    if isinstance(source, FlatTerrain):
        return TerrainGrid.flat(frame, source.height_m, (e0, e1, n0, n1))
    nx = max(math.ceil((e1 - e0) / resolution_m - 1e-9) + 1, 2)
    ny = max(math.ceil((n1 - n0) / resolution_m - 1e-9) + 1, 2)
    if nx * ny > 50_000_000:
        raise ValueError(
            f"a {ny} x {nx} grid is too large; raise resolution_m (now {resolution_m} m)"
        )
    east = e0 + resolution_m * np.arange(nx)
    north = n0 + resolution_m * np.arange(ny)
    ee, nn = np.meshgrid(east, north)
    lat, lon = _surface_geodetic(frame, ee, nn)
    heights = np.asarray(source.elevation_at(lat, lon), dtype=np.float64).reshape(ny, nx)
    return TerrainGrid(frame, e0, n0, resolution_m, resolution_m, heights)
