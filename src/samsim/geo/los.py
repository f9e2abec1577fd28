"""Line of sight over terrain and a curved, refracting earth, from one observer to many points.

Two entry points: :func:`visible` (observer to a batch of ENU targets: the engine's masking
test) and :func:`viewshed_grid` / :func:`polar_horizon` (whole grids at heights above
ground, by a radial horizon sweep: coverage maps and vertical coverage diagrams).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.geo.earth import EARTH_RADIUS_M, K_STANDARD
from samsim.geo.frames import EnuFrame, ecef_to_geodetic_rad
from samsim.geo.terrain import TerrainGrid, _bilinear_one, surface_point_enu
from samsim.jit import njit

__all__ = [
    "LOS_TOLERANCE_M",
    "HorizonProfile",
    "ObserverGeometry",
    "PreparedVisibility",
    "polar_horizon",
    "ray_min_height_m",
    "viewshed_grid",
    "visible",
]

#: Height tolerance of every LOS comparison, metres: a ray that dips at most this far
#: below the terrain still counts as clear (absorbs round-off when a site or target sits
#: exactly on the ground).
LOS_TOLERANCE_M = 1e-3


def _inv_effective_radius(k_factor: float, radius_m: float) -> float:
    """1 / (k R); k = inf (straight rays over a flat earth) gives 0."""
    if not (k_factor > 0):
        raise ValueError(
            f"k_factor must be positive (4/3 for the standard atmosphere; "
            f"math.inf for a flat earth), got {k_factor}"
        )
    if not (radius_m > 0 and math.isfinite(radius_m)):
        raise ValueError(f"radius_m must be a positive finite radius, got {radius_m}")
    return 0.0 if math.isinf(k_factor) else 1.0 / (k_factor * radius_m)


# ---------------------------------------------------------------------------------------
# Scalar kernels (numba). Geometry in the plane through the earth centre, observer and
# target: ground range s, effective angle beta = s / (k R), heights above the surface.
# ---------------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _sinc_tanhalf(beta: float) -> tuple[float, float]:
    """(sin(b)/b, tan(b/2)); Taylor series below 0.2 rad (relative error < 1e-10)."""
    if beta < 0.2:
        b2 = beta * beta
        sinc = 1.0 - b2 / 6.0 * (1.0 - b2 / 20.0 * (1.0 - b2 / 42.0))
        tanh = 0.5 * beta * (1.0 + b2 / 12.0 * (1.0 + b2 / 10.0 * (1.0 + 17.0 * b2 / 168.0)))
        return sinc, tanh
    return math.sin(beta) / beta, math.tan(0.5 * beta)


@njit(cache=True, inline="always")
def _sin_omc(phi: float) -> tuple[float, float]:
    """(sin(phi), 1 - cos(phi)); Taylor series below 0.2 rad (error < 1e-12 relative)."""
    if phi < 0.2:
        p2 = phi * phi
        s = phi * (1.0 - p2 / 6.0 * (1.0 - p2 / 20.0 * (1.0 - p2 / 42.0 * (1.0 - p2 / 72.0))))
        c = 0.5 * p2 * (1.0 - p2 / 12.0 * (1.0 - p2 / 30.0 * (1.0 - p2 / 56.0)))
        return s, c
    return math.sin(phi), 1.0 - math.cos(phi)


@njit(cache=True, inline="always")
def _slope(s: float, h: float, h0: float, inv_re: float) -> float:
    """tan of the elevation angle, seen from height h0, of a point at range s, height h."""
    sinc, tanh = _sinc_tanhalf(s * inv_re)
    return (h - h0) / (s * sinc * (1.0 + h * inv_re)) - tanh


@njit(cache=True, inline="always")
def _ray_min_height(h0: float, h1: float, s: float, slope1: float, inv_re: float) -> float:
    """Lowest height above the effective sphere of the straight ray from h0 to h1."""
    lo = min(h0, h1)
    if slope1 >= 0.0:
        return lo
    eps = math.atan(slope1)
    if -eps < s * inv_re:  # the tangent point lies between the ends
        half = math.sin(0.5 * eps)
        return min(lo, h0 * math.cos(eps) - 2.0 * half * half / inv_re)
    return lo


@njit(cache=True, inline="always")
def _los_one(
    f0e: float,
    f0n: float,
    ue: float,
    un: float,
    h0: float,
    radius: float,
    inv_re: float,
    clearance: float,
    tol: float,
    spacing: float,
    th: float,
    te_i: float,
    tn_i: float,
    h1: float,
    hgrid: NDArray[np.float64],
    e0: float,
    n0: float,
    idx: float,
    idy: float,
    tmin: float,
    tmax: float,
    t_obs: float,
    observer_clear: bool,
) -> bool:
    """The LOS test of one target (central angle ``th``, unit tangent ``(te_i, tn_i)`` in
    scenario east/north, height ``h1``) from an observer whose ground height is ``t_obs``:
    the body of :func:`_los_kernel`."""
    if not (observer_clear and math.isfinite(th) and math.isfinite(h1)):
        return False
    s = radius * th
    if s < 1e-3:  # straight above (or below) the observer
        return h1 >= t_obs + clearance - tol
    slope1 = _slope(s, h1, h0, inv_re)
    hmin = _ray_min_height(h0, h1, s, slope1, inv_re)
    if hmin < tmin + clearance - tol:  # below the lowest terrain somewhere
        return False
    if hmin >= tmax + clearance - tol:  # above the highest terrain everywhere
        return True
    sp, omc = _sin_omc(th)
    t_end = _bilinear_one(hgrid, e0, n0, idx, idy,
                          f0e + radius * (sp * te_i - omc * ue),
                          f0n + radius * (sp * tn_i - omc * un))  # fmt: skip
    if h1 < t_end + clearance - tol:
        return False
    # March along the path with rotation recurrences for (sin, cos) of the true angle
    # phi_j (sample position) and the effective angle beta_j = phi_j / k (ray height),
    # so the inner loop has no transcendental call and no division. Terrain h blocks
    # iff slope(h) > slope1, i.e. h - h0 > (slope1 A + B)(1 + h / Re) with
    # A = Re sin(beta), B = Re (1 - cos(beta)) = Re sin(beta) tan(beta / 2).
    n = math.ceil(s / spacing)
    dphi = th / n
    ds = s / n
    sd, cd = math.sin(dphi), math.cos(dphi)
    dbeta = ds * inv_re
    sbd, cbd = math.sin(dbeta), math.cos(dbeta)
    re = 1.0 / inv_re if inv_re > 0.0 else 0.0
    sp, cp = 0.0, 1.0
    sb, cb = 0.0, 1.0
    tei, tni = radius * te_i, radius * tn_i
    rue, run = radius * ue, radius * un
    for j in range(1, n):
        sp, cp = sp * cd + cp * sd, cp * cd - sp * sd
        sb, cb = sb * cbd + cb * sbd, cb * cbd - sb * sbd
        omc = 1.0 - cp
        hc = clearance + _bilinear_one(hgrid, e0, n0, idx, idy, f0e + sp * tei - omc * rue,
                                       f0n + sp * tni - omc * run)  # fmt: skip
        if inv_re > 0.0:
            rhs = (slope1 * re * sb + re * (1.0 - cb)) * (1.0 + hc * inv_re)
        else:
            rhs = slope1 * ds * j
        if hc - h0 > rhs + tol:
            return False
    return True


@njit(cache=True)
def _los_kernel(
    f0e: float,
    f0n: float,
    ue: float,
    un: float,
    h0: float,
    radius: float,
    inv_re: float,
    clearance: float,
    tol: float,
    spacing: float,
    theta: NDArray[np.float64],
    te: NDArray[np.float64],
    tn: NDArray[np.float64],
    ht: NDArray[np.float64],
    hgrid: NDArray[np.float64],
    e0: float,
    n0: float,
    idx: float,
    idy: float,
    tmin: float,
    tmax: float,
    out: NDArray[np.bool_],
) -> None:
    t_obs = _bilinear_one(hgrid, e0, n0, idx, idy, f0e, f0n)
    observer_clear = h0 >= t_obs + clearance - tol
    for i in range(theta.size):
        out[i] = _los_one(f0e, f0n, ue, un, h0, radius, inv_re, clearance, tol, spacing,
                          theta[i], te[i], tn[i], ht[i], hgrid, e0, n0, idx, idy, tmin, tmax,
                          t_obs, observer_clear)  # fmt: skip


@njit(cache=True)
def _horizon_ray(
    f0e: float,
    f0n: float,
    ue: float,
    un: float,
    te: float,
    tn: float,
    h0: float,
    inv_re: float,
    clearance: float,
    range_m: NDArray[np.float64],
    pos_s: NDArray[np.float64],
    pos_c: NDArray[np.float64],
    sb: NDArray[np.float64],
    tb: NDArray[np.float64],
    n_use: int,
    hgrid: NDArray[np.float64],
    e0: float,
    n0: float,
    idx: float,
    idy: float,
    terrain_out: NDArray[np.float64],
    horizon_out: NDArray[np.float64],
) -> None:
    """Terrain and running max terrain slope (inclusive) at the first n_use samples of a ray."""
    best = -math.inf
    for j in range(n_use):
        t = _bilinear_one(
            hgrid,
            e0,
            n0,
            idx,
            idy,
            f0e + pos_s[j] * te - pos_c[j] * ue,
            f0n + pos_s[j] * tn - pos_c[j] * un,
        )
        terrain_out[j] = t
        hc = t + clearance
        slope = (hc - h0) / (sb[j] * (1.0 + hc * inv_re)) - tb[j]
        if slope > best:
            best = slope
        horizon_out[j] = best


@njit(cache=True)
def _polar_kernel(
    f0e: float,
    f0n: float,
    ue: float,
    un: float,
    h0: float,
    radius: float,
    east_s: NDArray[np.float64],
    north_s: NDArray[np.float64],
    az: NDArray[np.float64],
    inv_re: float,
    clearance: float,
    range_m: NDArray[np.float64],
    pos_s: NDArray[np.float64],
    pos_c: NDArray[np.float64],
    sb: NDArray[np.float64],
    tb: NDArray[np.float64],
    hgrid: NDArray[np.float64],
    e0: float,
    n0: float,
    idx: float,
    idy: float,
    terrain_out: NDArray[np.float64],
    horizon_out: NDArray[np.float64],
) -> None:
    for i in range(az.size):
        sa, ca = math.sin(az[i]), math.cos(az[i])
        te = sa * east_s[0] + ca * north_s[0]
        tn = sa * east_s[1] + ca * north_s[1]
        _horizon_ray(f0e, f0n, ue, un, te, tn, h0, inv_re, clearance, range_m, pos_s, pos_c, sb,
                     tb, range_m.size, hgrid, e0, n0, idx, idy, terrain_out[i],
                     horizon_out[i])  # fmt: skip


@njit(cache=True)
def _viewshed_kernel(
    f0e: float,
    f0n: float,
    ue: float,
    un: float,
    h0: float,
    radius: float,
    east_s: NDArray[np.float64],
    north_s: NDArray[np.float64],
    n_az: int,
    inv_re: float,
    clearance: float,
    tol: float,
    step: float,
    range_m: NDArray[np.float64],
    pos_s: NDArray[np.float64],
    pos_c: NDArray[np.float64],
    sb: NDArray[np.float64],
    tb: NDArray[np.float64],
    hgrid: NDArray[np.float64],
    e0: float,
    n0: float,
    idx: float,
    idy: float,
    ptr: NDArray[np.int64],
    order: NDArray[np.int64],
    cell_s: NDArray[np.float64],
    cell_t: NDArray[np.float64],
    h_agl: NDArray[np.float64],
    observer_clear: bool,
    out: NDArray[np.bool_],
) -> None:
    """Cells binned by nearest ray (CSR ptr/order); out[k, cell] for each height k."""
    n_r = range_m.size
    terrain = np.empty(n_r)
    horizon = np.empty(n_r)
    two_pi = 2.0 * math.pi
    for i in range(n_az):
        a, b = ptr[i], ptr[i + 1]
        if a == b:
            continue
        far = 0
        for m in range(a, b):
            jl = math.ceil(cell_s[order[m]] / step - 1e-9) - 1
            far = max(far, min(jl, n_r))
        azi = two_pi * i / n_az
        sa, ca = math.sin(azi), math.cos(azi)
        te = sa * east_s[0] + ca * north_s[0]
        tn = sa * east_s[1] + ca * north_s[1]
        _horizon_ray(f0e, f0n, ue, un, te, tn, h0, inv_re, clearance, range_m, pos_s, pos_c, sb,
                     tb, far, hgrid, e0, n0, idx, idy, terrain, horizon)  # fmt: skip
        for m in range(a, b):
            c = order[m]
            s = cell_s[c]
            jl = min(math.ceil(s / step - 1e-9) - 1, n_r)
            for k in range(h_agl.size):
                ok = observer_clear and h_agl[k] >= clearance - tol
                if ok and s >= 1e-3 and jl >= 1:
                    slope_c = _slope(s, cell_t[c] + h_agl[k], h0, inv_re)
                    ok = slope_c >= horizon[jl - 1] - tol / s
                out[k, c] = ok


# ---------------------------------------------------------------------------------------
# Geometry preparation (numpy, vectorised)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObserverGeometry:
    """The observer's local sphere: the sphere of radius R tangent to the ellipsoid at the
    observer's foot point, on which LOS paths are traced.

    Attributes
    ----------
    foot_enu_m : ndarray (3,)
        The observer's foot point on the ellipsoid (scenario ENU).
    east, north, up : ndarray (3,)
        The observer's local unit axes (up = ellipsoid normal) in scenario ENU.
    height_m : float
        Ellipsoidal height of the antenna (observer altitude + antenna height).
    radius_m : float
        Sphere radius R.
    """

    foot_enu_m: NDArray[np.float64]
    east: NDArray[np.float64]
    north: NDArray[np.float64]
    up: NDArray[np.float64]
    height_m: float
    radius_m: float

    @classmethod
    def at(
        cls,
        frame: EnuFrame,
        observer_enu_m: ArrayLike,
        antenna_height_m: float = 0.0,
        radius_m: float = EARTH_RADIUS_M,
    ) -> ObserverGeometry:
        """Geometry of an observer at a scenario-ENU point, raised by an antenna height."""
        pos = np.asarray(observer_enu_m, dtype=float).reshape(3)
        if not np.all(np.isfinite(pos)):
            raise ValueError(f"observer_enu_m must be finite, got {pos}")
        if not math.isfinite(antenna_height_m):
            raise ValueError(f"antenna_height_m must be finite, got {antenna_height_m}")
        alt = float(frame.altitude_m(pos))
        rot = frame.site(pos).rot
        up = rot[2]
        return cls(
            pos - alt * up, rot[0], rot[1], up, alt + float(antenna_height_m), float(radius_m)
        )

    def _scalars(self) -> tuple[float, float, float, float, float, float]:
        return (
            float(self.foot_enu_m[0]),
            float(self.foot_enu_m[1]),
            float(self.up[0]),
            float(self.up[1]),
            self.height_m,
            self.radius_m,
        )

    def polar(
        self, ground_enu_m: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Central angle theta (rad), azimuth (rad, clockwise from the observer's north) and
        the unit tangent's east/north components (scenario ENU) of ground points (..., 3)."""
        centre = self.foot_enu_m - self.radius_m * self.up
        v = ground_enu_m - centre
        x, y, z = v @ self.east, v @ self.north, v @ self.up
        rho = np.hypot(x, y)
        theta = np.arctan2(rho, z)
        az = np.mod(np.arctan2(x, y), 2.0 * np.pi)
        with np.errstate(invalid="ignore", divide="ignore"):
            tx = np.where(rho > 0, x / rho, 0.0)
            ty = np.where(rho > 0, y / rho, 1.0)
        te = tx * self.east[0] + ty * self.north[0]
        tn = tx * self.east[1] + ty * self.north[1]
        return theta, az, te, tn

    def _polar_path(
        self, ground_enu_m: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """theta, te, tn of :meth:`polar` (the same doubles) for ground points (n, 3), as
        :func:`visible` needs them: no azimuth, the tangent in one kernel pass."""
        centre = self.foot_enu_m - self.radius_m * self.up
        v = ground_enu_m - centre
        x, y, z = v @ self.east, v @ self.north, v @ self.up
        rho = np.hypot(x, y)
        theta = np.arctan2(rho, z)
        e, n = self.east, self.north
        te, tn = _tangent_kernel(x, y, rho, float(e[0]), float(e[1]), float(n[0]), float(n[1]))
        return theta, te, tn


def _observer_clear(obs: ObserverGeometry, terrain: TerrainGrid, clearance_m: float) -> bool:
    """Whether the antenna is at least ``clearance_m`` above the terrain at its foot."""
    t_obs = float(terrain.elevation_m(obs.foot_enu_m[0], obs.foot_enu_m[1]))
    return bool(obs.height_m >= t_obs + clearance_m - LOS_TOLERANCE_M)


@njit(cache=True)
def _tangent_kernel(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    rho: NDArray[np.float64],
    e0: float,
    e1: float,
    n0: float,
    n1: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """te, tn of :meth:`ObserverGeometry.polar`: the unit tangent (x, y) / rho (north where
    rho is not positive) in scenario east and north, with its arithmetic."""
    m = x.shape[0]
    te = np.empty(m)
    tn = np.empty(m)
    for i in range(m):
        if rho[i] > 0:
            tx = x[i] / rho[i]
            ty = y[i] / rho[i]
        else:
            tx = 0.0
            ty = 1.0
        te[i] = tx * e0 + ty * n0
        tn[i] = tx * e1 + ty * n1
    return te, tn


@njit(cache=True)
def _normal_ecef_kernel(
    cos_lat: NDArray[np.float64],
    cos_lon: NDArray[np.float64],
    sin_lon: NDArray[np.float64],
    sin_lat: NDArray[np.float64],
) -> NDArray[np.float64]:
    """(n, 3) ellipsoid normals in ECEF from the sines and cosines of the geodetic angles."""
    m = cos_lat.shape[0]
    out = np.empty((m, 3))
    for i in range(m):
        out[i, 0] = cos_lat[i] * cos_lon[i]
        out[i, 1] = cos_lat[i] * sin_lon[i]
        out[i, 2] = sin_lat[i]
    return out


@njit(cache=True)
def _minus_scaled_kernel(
    points: NDArray[np.float64], scale: NDArray[np.float64], vec: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``points - scale[:, None] * vec`` for (n, 3) arrays."""
    m = points.shape[0]
    out = np.empty((m, 3))
    for i in range(m):
        for j in range(3):
            out[i, j] = points[i, j] - scale[i] * vec[i, j]
    return out


def _foot_and_altitude(
    frame: EnuFrame, points_enu_m: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Foot points on the ellipsoid (..., 3) and ellipsoidal heights (...) of ENU points."""
    lat, lon, alt = frame.enu_to_geodetic(points_enu_m)
    la, lo = np.radians(lat), np.radians(lon)
    if points_enu_m.ndim == 2:  # (n, 3): the same doubles, fewer array passes
        normal = frame.ecef_vector_to_enu(
            _normal_ecef_kernel(np.cos(la), np.cos(lo), np.sin(lo), np.sin(la))
        )
        pts = np.ascontiguousarray(points_enu_m, dtype=np.float64)
        return _minus_scaled_kernel(pts, alt, normal), alt
    normal = frame.ecef_vector_to_enu(
        np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    )
    return points_enu_m - alt[..., None] * normal, alt


def ray_min_height_m(
    h1_m: ArrayLike,
    h2_m: ArrayLike,
    ground_range_m: ArrayLike,
    k_factor: float = K_STANDARD,
    radius_m: float = EARTH_RADIUS_M,
) -> NDArray[np.float64]:
    """Lowest height, above the smooth effective earth, of the straight ray between two ends.

    Parameters
    ----------
    h1_m, h2_m : array_like
        Heights of the two ends above the surface, metres.
    ground_range_m : array_like
        Surface distance between them, metres.
    k_factor : float
        Effective earth radius factor (``math.inf``: flat earth).

    Returns
    -------
    ndarray
        min(h1, h2) unless the ray's tangent point with a concentric sphere lies between
        the ends; then (kR + h1) cos(eps) - kR, eps being the (negative) elevation angle of
        the ray at end 1. Over a smooth earth the two ends see each other iff this is >= 0
        (the horizon condition of Skolnik, *Introduction to Radar Systems*, 3rd ed.,
        sec. 8.2; the same as :func:`samsim.geo.earth.smooth_earth_visible`).

    Notes
    -----
    The elevation angle of a point at ground range s and height h seen from height h1 over
    the sphere of radius Re = kR is, with beta = s / Re,

        tan(eps) = (h - h1) / ((Re + h) sin(beta)) - tan(beta / 2),

    exact in the earth-centred plane and finite as k -> inf (it tends to (h - h1) / s).
    """
    inv_re = _inv_effective_radius(k_factor, radius_m)
    h1, h2, s = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (h1_m, h2_m, ground_range_m))
    )
    out = np.empty(h1.size)
    _ray_min_many(
        np.ascontiguousarray(h1).reshape(-1),
        np.ascontiguousarray(h2).reshape(-1),
        np.ascontiguousarray(s).reshape(-1),
        inv_re,
        out,
    )
    return out.reshape(h1.shape)


@njit(cache=True)
def _ray_min_many(
    h1: NDArray[np.float64],
    h2: NDArray[np.float64],
    s: NDArray[np.float64],
    inv_re: float,
    out: NDArray[np.float64],
) -> None:
    for i in range(h1.size):
        if s[i] <= 0.0:
            out[i] = min(h1[i], h2[i])
        else:
            out[i] = _ray_min_height(h1[i], h2[i], s[i], _slope(s[i], h2[i], h1[i], inv_re), inv_re)


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


def visible(
    observer_enu_m: ArrayLike,
    targets_enu_m: ArrayLike,
    terrain: TerrainGrid,
    *,
    antenna_height_m: float = 0.0,
    k_factor: float = K_STANDARD,
    clearance_m: float = 0.0,
    sample_spacing_m: float | None = None,
    radius_m: float = EARTH_RADIUS_M,
    observer: ObserverGeometry | None = None,
) -> NDArray[np.bool_]:
    """Which targets the observer sees over terrain and a refracting earth.

    Parameters
    ----------
    observer_enu_m : array_like, shape (3,)
        Observer (radar site) in the scenario ENU frame of ``terrain``.
    targets_enu_m : array_like, shape (..., 3)
        Targets in the same frame; their heights are their ellipsoidal altitudes.
    terrain : TerrainGrid
        Ground heights (a flat grid takes the smooth-earth path: no path sampling).
    antenna_height_m : float
        Added to the observer's altitude (mast height when the site is on the ground, see
        :func:`samsim.geo.terrain.point_above_ground_enu`).
    k_factor : float
        Effective earth radius factor for refraction (4/3 standard; ``math.inf`` for
        straight rays over a flat earth).
    clearance_m : float
        Margin by which the ray must clear the terrain, metres, applied along the whole
        path (also next to the ends: keep it below the antenna and target heights above
        ground).
    sample_spacing_m : float, optional
        Distance between terrain samples along each path; default half the grid spacing.
    radius_m : float
        Earth radius R (the mean radius; the local sphere is tangent to the ellipsoid at
        the observer).
    observer : ObserverGeometry, optional
        The observer's geometry precomputed by :meth:`ObserverGeometry.at` with the same
        position, antenna height and radius (a fixed radar computes it once); when given,
        ``observer_enu_m``, ``antenna_height_m`` and ``radius_m`` are not read.

    Returns
    -------
    ndarray of bool, shape (...)
        True where the ray clears terrain + clearance (within :data:`LOS_TOLERANCE_M`) at
        every point of the path. Targets below the ground, and everything when the antenna
        is below the ground, are not visible.

    Notes
    -----
    Refraction: the 4/3-earth model (rays straight over a sphere of radius kR; Skolnik,
    *Introduction to Radar Systems*, 3rd ed., sec. 8.2; Doerry, "Earth curvature and
    atmospheric refraction effects on radar signal propagation", Sandia SAND2012-10690,
    2013). Heights are ellipsoidal and are taken as heights above that sphere, which is
    tangent to the ellipsoid at the observer's foot point.

    Path: the great circle from the observer's foot to the target's foot (exact ellipsoid
    feet, traced on the tangent sphere), sampled every ``sample_spacing_m``. The target is
    visible iff no sample's elevation angle (terrain + clearance, formula in
    :func:`ray_min_height_m`) exceeds the target's, i.e. the classical terrain-profile
    LOS test (e.g. Franklin & Ray, "Higher isn't necessarily better: visibility algorithms
    and experiments", 5th Int. Symp. on Spatial Data Handling, 1994, algorithm R3).

    Shortcuts, exact: if the ray's lowest point (:func:`ray_min_height_m`) is below the
    grid's minimum height it is blocked; if above its maximum it is clear; a flat grid is
    therefore decided without sampling (smooth-earth path). Sampling error: a peak between
    samples is seen at most half a spacing away from its crest.
    """
    targets = np.asarray(targets_enu_m, dtype=float)
    if targets.shape[-1:] != (3,):
        raise ValueError(f"targets_enu_m must have shape (..., 3), got {targets.shape}")
    inv_re, spacing = _los_parameters(terrain, k_factor, clearance_m, sample_spacing_m, radius_m)
    obs = observer or ObserverGeometry.at(terrain.frame, observer_enu_m, antenna_height_m, radius_m)
    shape = targets.shape[:-1]
    flat = targets.reshape(-1, 3)
    foot, alt = _foot_and_altitude(terrain.frame, flat)
    theta, te, tn = obs._polar_path(foot)
    out = np.empty(flat.shape[0], dtype=np.bool_)
    _los_kernel(*obs._scalars(), inv_re, float(clearance_m), LOS_TOLERANCE_M, spacing,
                np.ascontiguousarray(theta), np.ascontiguousarray(te), np.ascontiguousarray(tn),
                np.ascontiguousarray(alt), *terrain.kernel_args(), terrain.min_m, terrain.max_m,
                out)  # fmt: skip
    return out.reshape(shape)


def _los_parameters(
    terrain: TerrainGrid,
    k_factor: float,
    clearance_m: float,
    sample_spacing_m: float | None,
    radius_m: float,
) -> tuple[float, float]:
    """``(1 / (k R), sample spacing)`` of :func:`visible`, its arguments checked."""
    inv_re = _inv_effective_radius(k_factor, radius_m)
    spacing = (
        0.5 * min(terrain.dx_m, terrain.dy_m)
        if sample_spacing_m is None
        else float(sample_spacing_m)
    )
    if not spacing > 0:
        raise ValueError(f"sample_spacing_m must be positive, got {sample_spacing_m}")
    if not (math.isfinite(clearance_m) and clearance_m >= 0):
        raise ValueError(f"clearance_m must be a non-negative number, got {clearance_m}")
    return inv_re, spacing


_DEG2RAD = math.pi / 180.0  # np.radians(x) is x * (pi / 180)


@njit(cache=True)
def _geodetic_rad_kernel(
    prod: NDArray[np.float64],
    origin: NDArray[np.float64],
    ang: NDArray[np.float64],
    alt: NDArray[np.float64],
) -> None:
    """Geodetic angles and heights of ECEF points ``prod + origin`` (prod (m, 3), the
    rotated ENU points), written to ``ang`` (2m) = [lat_0..lat_m-1, lon_0..lon_m-1] in
    radians, as ``np.radians`` of :func:`samsim.geo.frames.ecef_to_geodetic`'s degrees
    (``(lat 180 / pi) (pi / 180)``, the same doubles), and ``alt`` (m, metres); one pass."""
    m = prod.shape[0]
    for i in range(m):
        lat, lon, h = ecef_to_geodetic_rad(
            prod[i, 0] + origin[0], prod[i, 1] + origin[1], prod[i, 2] + origin[2]
        )
        ang[i] = lat * 180.0 / math.pi * _DEG2RAD
        ang[m + i] = lon * 180.0 / math.pi * _DEG2RAD
        alt[i] = h


@njit(cache=True)
def _normal_from_trig_kernel(
    cos_ang: NDArray[np.float64], sin_ang: NDArray[np.float64], out: NDArray[np.float64]
) -> None:
    """(m, 3) ellipsoid normals in ECEF ``(cos lat cos lon, cos lat sin lon, sin lat)``
    from ``cos`` and ``sin`` of :func:`_geodetic_rad_kernel`'s ``ang`` (2m), to ``out``."""
    m = cos_ang.shape[0] // 2
    for i in range(m):
        out[i, 0] = cos_ang[i] * cos_ang[m + i]
        out[i, 1] = cos_ang[i] * sin_ang[m + i]
        out[i, 2] = sin_ang[i]


@njit(cache=True)
def _centred_foot_kernel(
    points: NDArray[np.float64],
    alt: NDArray[np.float64],
    normal: NDArray[np.float64],
    centre: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """``out = (points - alt[:, None] normal) - centre``: the points' feet on the ellipsoid
    relative to the centre of the observer's tangent sphere, (m, 3)."""
    for i in range(points.shape[0]):
        for j in range(3):
            out[i, j] = (points[i, j] - alt[i] * normal[i, j]) - centre[j]


@njit(cache=True)
def _los_xy_kernel(
    f0e: float,
    f0n: float,
    ue: float,
    un: float,
    h0: float,
    radius: float,
    inv_re: float,
    clearance: float,
    tol: float,
    spacing: float,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    rho: NDArray[np.float64],
    theta: NDArray[np.float64],
    ht: NDArray[np.float64],
    east0: float,
    east1: float,
    north0: float,
    north1: float,
    hgrid: NDArray[np.float64],
    e0: float,
    n0: float,
    idx: float,
    idy: float,
    tmin: float,
    tmax: float,
    out: NDArray[np.bool_],
) -> None:
    """:func:`_los_kernel` with the unit tangents of :func:`_tangent_kernel` computed on the
    way (``(x, y) / rho``, north where ``rho`` is not positive, in scenario east/north)."""
    t_obs = _bilinear_one(hgrid, e0, n0, idx, idy, f0e, f0n)
    observer_clear = h0 >= t_obs + clearance - tol
    for i in range(theta.size):
        if rho[i] > 0:
            tx = x[i] / rho[i]
            ty = y[i] / rho[i]
        else:
            tx = 0.0
            ty = 1.0
        out[i] = _los_one(f0e, f0n, ue, un, h0, radius, inv_re, clearance, tol, spacing,
                          theta[i], tx * east0 + ty * north0, tx * east1 + ty * north1, ht[i],
                          hgrid, e0, n0, idx, idy, tmin, tmax, t_obs, observer_clear)  # fmt: skip


@njit(cache=True)
def _los_xy_packed(
    p: NDArray[np.float64],
    hgrid: NDArray[np.float64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    rho: NDArray[np.float64],
    theta: NDArray[np.float64],
    ht: NDArray[np.float64],
    out: NDArray[np.bool_],
) -> None:
    """:func:`_los_xy_kernel` with its 20 scalars in one array ``p`` (in its order:
    observer foot east and north, up east and north, height, radius, 1/Re, clearance,
    tolerance, sample spacing, the tangents' east and north components, the grid's
    east0, north0, 1/dx, 1/dy, lowest and highest terrain), so a call passes 8 arguments
    (numba checks each argument's type on every call)."""
    _los_xy_kernel(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9],
                   x, y, rho, theta, ht, p[10], p[11], p[12], p[13],
                   hgrid, p[14], p[15], p[16], p[17], p[18], p[19], out)  # fmt: skip


class PreparedVisibility:
    """:func:`visible` from one observer over one terrain, its per-observer constants
    (frame rotation, tangent sphere, kernel arguments) computed once: for a radar that
    tests a few targets every scan. ``prepared(targets)`` equals
    ``visible(observer, targets, terrain, ...)`` bit for bit, with fewer array passes.

    Parameters
    ----------
    observer : ObserverGeometry
        The observer (:meth:`ObserverGeometry.at`).
    terrain : TerrainGrid
        Ground heights.
    k_factor, clearance_m, sample_spacing_m, radius_m
        As in :func:`visible` (``radius_m`` that of ``observer``).
    """

    def __init__(
        self,
        observer: ObserverGeometry,
        terrain: TerrainGrid,
        *,
        k_factor: float = K_STANDARD,
        clearance_m: float = 0.0,
        sample_spacing_m: float | None = None,
        radius_m: float = EARTH_RADIUS_M,
    ) -> None:
        inv_re, spacing = _los_parameters(
            terrain, k_factor, clearance_m, sample_spacing_m, radius_m
        )
        obs = observer
        frame = terrain.frame
        self.terrain = terrain
        self.observer = obs
        self._rot = frame.rotation
        self._origin = np.ascontiguousarray(frame.origin_ecef_m, dtype=np.float64)
        self._centre = np.ascontiguousarray(obs.foot_enu_m - obs.radius_m * obs.up)
        self._east, self._north, self._up = obs.east, obs.north, obs.up
        self._tangent = (
            float(obs.east[0]),
            float(obs.east[1]),
            float(obs.north[0]),
            float(obs.north[1]),
        )
        head = (*obs._scalars(), inv_re, float(clearance_m), LOS_TOLERANCE_M, spacing)
        hgrid, *grid = terrain.kernel_args()
        self._hgrid = hgrid
        self._params = np.array(
            [*head, *self._tangent, *grid, terrain.min_m, terrain.max_m], dtype=np.float64
        )

    def __call__(self, targets_enu_m: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Visibility of targets (m, 3), scenario ENU (:func:`visible`)."""
        flat = np.ascontiguousarray(targets_enu_m, dtype=np.float64)
        m = flat.shape[0]
        out = np.empty(m, dtype=np.bool_)
        if m == 0:
            return out
        # _foot_and_altitude: ENU -> ECEF -> geodetic; the feet along the ellipsoid normals
        ang, alt = np.empty(2 * m), np.empty(m)
        _geodetic_rad_kernel(flat @ self._rot, self._origin, ang, alt)
        v = np.empty((m, 3))  # the normals, then the centred feet
        _normal_from_trig_kernel(np.cos(ang), np.sin(ang), v)
        _centred_foot_kernel(flat, alt, v @ self._rot.T, self._centre, v)
        # ObserverGeometry._polar_path on the tangent sphere, then the terrain profile
        x, y, z = v @ self._east, v @ self._north, v @ self._up
        rho = np.hypot(x, y)
        _los_xy_packed(self._params, self._hgrid, x, y, rho, np.arctan2(rho, z), alt, out)
        return out


def _range_tables(
    range_m: NDArray[np.float64], radius_m: float, inv_re: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per-range constants shared by every ray: position terms and elevation-angle terms."""
    phi = range_m / radius_m
    pos_s = radius_m * np.sin(phi)
    pos_c = radius_m * 2.0 * np.sin(0.5 * phi) ** 2
    beta = range_m * inv_re
    with np.errstate(invalid="ignore", divide="ignore"):
        sinc = np.where(beta > 0, np.sin(beta) / np.where(beta > 0, beta, 1.0), 1.0)
    return pos_s, pos_c, range_m * sinc, np.tan(0.5 * beta)


@dataclass(frozen=True)
class HorizonProfile:
    """Terrain and horizon along radial rays from one observer (a polar viewshed).

    Attributes
    ----------
    az_rad : ndarray (n_az,)
        Ray azimuths, clockwise from the observer's north.
    range_m : ndarray (n_r,)
        Ground ranges of the samples along each ray (strictly increasing, > 0).
    terrain_m : ndarray (n_az, n_r)
        Terrain height above the ellipsoid at the samples.
    horizon_slope : ndarray (n_az, n_r)
        tan of the highest terrain (+ clearance) elevation angle over samples 0..j.
    observer_height_m : float
        Ellipsoidal height of the antenna.
    k_factor, radius_m, clearance_m : float
        The model parameters used.
    observer_clear : bool
        False when the antenna is below the terrain (+ clearance): nothing is visible.
    """

    az_rad: NDArray[np.float64]
    range_m: NDArray[np.float64]
    terrain_m: NDArray[np.float64]
    horizon_slope: NDArray[np.float64]
    observer_height_m: float
    k_factor: float
    radius_m: float
    clearance_m: float
    observer_clear: bool = True

    def min_visible_height_m(self) -> NDArray[np.float64]:
        """Lowest visible ellipsoidal height at each sample (n_az, n_r), metres: the terrain
        masking height. Sample j is masked by samples 0..j-1 only; sample 0 by nothing."""
        inv_re = _inv_effective_radius(self.k_factor, self.radius_m)
        _, _, sb, tb = _range_tables(self.range_m, self.radius_m, inv_re)
        prev = np.concatenate(
            [np.full((self.az_rad.size, 1), -np.inf), self.horizon_slope[:, :-1]], axis=1
        )
        # slope(s, h) = sigma  <=>  h = (h0 + a) / (1 - a / Re),  a = (sigma + tan(b/2)) s sinc(b)
        a = (prev + tb) * sb
        with np.errstate(invalid="ignore"):
            h = (self.observer_height_m + a) / (1.0 - a * inv_re)
        h = np.where(np.isfinite(prev), h, -np.inf)
        h = np.maximum(h, self.terrain_m + self.clearance_m)
        return h if self.observer_clear else np.full_like(h, np.inf)

    def visible(self, height_agl_m: float) -> NDArray[np.bool_]:
        """Whether a target at ``height_agl_m`` above the terrain is seen at each sample."""
        h = self.terrain_m + height_agl_m
        return np.asarray(h >= self.min_visible_height_m() - LOS_TOLERANCE_M)


def polar_horizon(
    observer_enu_m: ArrayLike,
    terrain: TerrainGrid,
    *,
    max_range_m: float,
    range_step_m: float | None = None,
    n_az: int = 360,
    antenna_height_m: float = 0.0,
    k_factor: float = K_STANDARD,
    clearance_m: float = 0.0,
    radius_m: float = EARTH_RADIUS_M,
) -> HorizonProfile:
    """Radial horizon sweep: terrain and running horizon along ``n_az`` rays.

    Parameters
    ----------
    observer_enu_m : array_like (3,)
        Observer in the terrain's ENU frame.
    terrain : TerrainGrid
    max_range_m : float
        Ground range of the last sample.
    range_step_m : float, optional
        Sample spacing along each ray; default half the grid spacing.
    n_az : int
        Number of rays, evenly spaced from north clockwise.
    antenna_height_m, k_factor, clearance_m, radius_m
        As in :func:`visible`.

    Returns
    -------
    HorizonProfile
        With :meth:`HorizonProfile.min_visible_height_m` (range-height masking, for a
        vertical coverage diagram) and :meth:`HorizonProfile.visible`.

    Notes
    -----
    Along each ray the highest elevation angle seen so far is carried outwards, so a
    point is visible iff its own elevation angle is at least the running maximum over the
    nearer samples: O(n_az n_r) instead of O(n_az n_r^2) for a LOS test per sample. This
    is the radial sweep of Franklin & Ray (1994, algorithm R2) with the elevation angle of
    :func:`ray_min_height_m` over the 4/3 earth.
    """
    inv_re = _inv_effective_radius(k_factor, radius_m)
    step = 0.5 * min(terrain.dx_m, terrain.dy_m) if range_step_m is None else float(range_step_m)
    if not (step > 0 and max_range_m > 0 and n_az >= 1):
        raise ValueError(
            f"need range_step_m > 0, max_range_m > 0 and n_az >= 1, got "
            f"{range_step_m}, {max_range_m}, {n_az}"
        )
    n_r = math.ceil(max_range_m / step - 1e-9)
    if n_az * n_r > 50_000_000:
        raise ValueError(
            f"{n_az} rays x {n_r} samples is too many; raise range_step_m or lower n_az"
        )
    obs = ObserverGeometry.at(terrain.frame, observer_enu_m, antenna_height_m, radius_m)
    observer_clear = _observer_clear(obs, terrain, float(clearance_m))
    range_m = step * np.arange(1, n_r + 1, dtype=np.float64)
    tables = _range_tables(range_m, radius_m, inv_re)
    az = 2.0 * np.pi * np.arange(n_az) / n_az
    terrain_m = np.empty((n_az, n_r))
    horizon = np.empty((n_az, n_r))
    args: tuple[Any, ...] = (*obs._scalars(), obs.east, obs.north, az, inv_re,
                             float(clearance_m), range_m, *tables, *terrain.kernel_args(),
                             terrain_m, horizon)  # fmt: skip
    _polar_kernel(*args)
    return HorizonProfile(az, range_m, terrain_m, horizon, obs.height_m, float(k_factor),
                          float(radius_m), float(clearance_m), observer_clear)  # fmt: skip


def viewshed_grid(
    observer_enu_m: ArrayLike,
    terrain: TerrainGrid,
    east_m: ArrayLike,
    north_m: ArrayLike,
    height_agl_m: ArrayLike,
    *,
    antenna_height_m: float = 0.0,
    k_factor: float = K_STANDARD,
    clearance_m: float = 0.0,
    range_step_m: float | None = None,
    n_az: int | None = None,
    radius_m: float = EARTH_RADIUS_M,
) -> NDArray[np.bool_]:
    """Visibility of targets at heights above ground over a Cartesian (east, north) grid.

    Parameters
    ----------
    observer_enu_m : array_like (3,)
        Observer (radar) in the terrain's ENU frame.
    terrain : TerrainGrid
        Ground heights.
    east_m, north_m : array_like, 1-D
        Cell centres of the coverage grid (surface points, like the terrain grid's nodes).
    height_agl_m : float or array_like, 1-D
        Target heights above the ground; several heights share one sweep.
    antenna_height_m, k_factor, clearance_m, radius_m
        As in :func:`visible`.
    range_step_m : float, optional
        Sample spacing along the rays; default half the smaller of the terrain and the
        coverage grid spacings.
    n_az : int, optional
        Number of rays; default so that neighbouring rays are half a coverage cell apart at
        the farthest cell.

    Returns
    -------
    ndarray of bool
        Shape (n_north, n_east), or (n_heights, n_north, n_east) for an array of heights.

    Notes
    -----
    Radial horizon sweep (Franklin & Ray 1994, R2; see :func:`polar_horizon`): each cell is
    assigned to its nearest ray; along each ray the running maximum terrain elevation angle
    is carried out to the farthest cell of that ray, and a cell is visible iff its target's
    elevation angle is at least the running maximum over the samples nearer than it.
    Cost O(n_az n_r + n_cells) instead of O(n_cells n_r) for one LOS test per cell; the
    price is that a cell's profile is that of the nearest ray (at most a quarter of a cell
    away at the farthest range, by default). The cell's own terrain is the bilinear
    terrain at its centre.
    """
    east = np.asarray(east_m, dtype=float)
    north = np.asarray(north_m, dtype=float)
    if east.ndim != 1 or north.ndim != 1 or east.size < 1 or north.size < 1:
        raise ValueError(
            f"east_m and north_m must be non-empty 1-D arrays, got shapes "
            f"{east.shape}, {north.shape}"
        )
    hs = np.asarray(height_agl_m, dtype=float)
    if hs.ndim > 1 or not np.all(np.isfinite(hs)):
        raise ValueError(f"height_agl_m must be a finite number or 1-D array, got {height_agl_m!r}")
    heights = np.atleast_1d(hs)
    inv_re = _inv_effective_radius(k_factor, radius_m)
    cell = min(
        float(np.min(np.abs(np.diff(east)))) if east.size > 1 else math.inf,
        float(np.min(np.abs(np.diff(north)))) if north.size > 1 else math.inf,
    )
    step = (
        (0.5 * min(terrain.dx_m, terrain.dy_m, cell))
        if range_step_m is None
        else float(range_step_m)
    )
    if not step > 0:
        raise ValueError(f"range_step_m must be positive, got {range_step_m}")
    obs = ObserverGeometry.at(terrain.frame, observer_enu_m, antenna_height_m, radius_m)

    ee, nn = np.meshgrid(east, north)
    ground = surface_point_enu(terrain.frame, ee, nn).reshape(-1, 3)
    theta, az, _, _ = obs.polar(ground)
    cell_s = radius_m * theta
    cell_t = terrain.elevation_m(ground[:, 0], ground[:, 1])
    s_max = float(cell_s.max())
    if n_az is None:
        spacing = cell if math.isfinite(cell) else step
        n_az = max(math.ceil(2.0 * math.pi * s_max / (0.5 * spacing)), 8)
    n_r = max(math.ceil(s_max / step), 1)
    range_m = step * np.arange(1, n_r + 1, dtype=np.float64)
    tables = _range_tables(range_m, radius_m, inv_re)
    ray = np.rint(az * (n_az / (2.0 * np.pi))).astype(np.int64) % n_az
    order = np.argsort(ray, kind="stable").astype(np.int64)
    ptr = np.zeros(n_az + 1, dtype=np.int64)
    np.cumsum(np.bincount(ray, minlength=n_az), out=ptr[1:])

    observer_clear = _observer_clear(obs, terrain, float(clearance_m))
    out = np.empty((heights.size, cell_s.size), dtype=np.bool_)
    args: tuple[Any, ...] = (*obs._scalars(), obs.east, obs.north, int(n_az), inv_re,
                             float(clearance_m), LOS_TOLERANCE_M, step, range_m, *tables,
                             *terrain.kernel_args(), ptr, order, cell_s, cell_t, heights,
                             observer_clear, out)  # fmt: skip
    _viewshed_kernel(*args)
    grids = out.reshape(heights.size, north.size, east.size)
    return grids[0] if hs.ndim == 0 else grids
