"""The scenario's local East-North-Up frame, a rigid transform of WGS-84 ECEF.

All engine mathematics runs in one Cartesian frame: the ENU tangent frame at the scenario
origin. It is an exact rotation and translation of ECEF, so straight-line distances are
exact at any range; the z axis is *not* altitude, which is always computed from the
ellipsoid (:meth:`EnuFrame.altitude_m`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import interpret_as, njit

#: WGS-84 semi-major axis, m, and flattening (NIMA TR8350.2).
WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
WGS84_EP2 = (WGS84_A_M**2 - WGS84_B_M**2) / WGS84_B_M**2
_TWO_PI = 2.0 * math.pi


def geodetic_to_ecef(
    lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike
) -> NDArray[np.float64]:
    """WGS-84 geodetic coordinates to ECEF, shape (..., 3), metres.

    Notes
    -----
    x = (N + h) cos(lat) cos(lon), y = (N + h) cos(lat) sin(lon), z = (N (1 - e^2) + h) sin(lat),
    with N = a / sqrt(1 - e^2 sin^2 lat) (NIMA TR8350.2, eq. 4-14).
    """
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    h = np.asarray(alt_m, dtype=float)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * np.sin(lat)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


@njit(cache=True)
def ecef_to_geodetic_rad(x: float, y: float, z: float) -> tuple[float, float, float]:
    """One ECEF point to WGS-84 (lat_rad, lon_rad, alt_m); numba-compiled scalar kernel.

    Notes
    -----
    Bowring's method with two iterations of the parametric latitude, accurate to well
    under a millimetre for altitudes from -10 km to 1000 km (Bowring, "Transformation
    from spatial to geographical coordinates", Survey Review 23(181), 1976). The height
    uses h = p cos(lat) + z sin(lat) - a^2/N, well conditioned at all latitudes.
    """
    p = math.hypot(x, y)
    lon = math.atan2(y, x)
    beta = math.atan2(z, (1.0 - WGS84_F) * p)
    lat = 0.0
    for _ in range(2):
        sb = math.sin(beta)
        cb = math.cos(beta)
        lat = math.atan2(
            z + WGS84_EP2 * WGS84_B_M * sb * sb * sb, p - WGS84_E2 * WGS84_A_M * cb * cb * cb
        )
        beta = math.atan2((1.0 - WGS84_F) * math.sin(lat), math.cos(lat))
    sl = math.sin(lat)
    n = WGS84_A_M / math.sqrt(1.0 - WGS84_E2 * sl * sl)
    alt = p * math.cos(lat) + z * sl - WGS84_A_M * WGS84_A_M / n
    return lat, lon, alt


@njit(cache=True)
def _ecef_to_geodetic_many(xyz: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.empty_like(xyz)
    for i in range(xyz.shape[0]):
        lat, lon, alt = ecef_to_geodetic_rad(xyz[i, 0], xyz[i, 1], xyz[i, 2])
        out[i, 0] = lat * 180.0 / math.pi
        out[i, 1] = lon * 180.0 / math.pi
        out[i, 2] = alt
    return out


@interpret_as(_ecef_to_geodetic_many)
def _ecef_to_geodetic_numpy(xyz: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`_ecef_to_geodetic_many` on whole columns (``samsim validate`` without numba)."""
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    beta = np.arctan2(z, (1.0 - WGS84_F) * p)
    lat = np.zeros_like(p)
    for _ in range(2):
        sb = np.sin(beta)
        cb = np.cos(beta)
        lat = np.arctan2(
            z + WGS84_EP2 * WGS84_B_M * sb * sb * sb, p - WGS84_E2 * WGS84_A_M * cb * cb * cb
        )
        beta = np.arctan2((1.0 - WGS84_F) * np.sin(lat), np.cos(lat))
    sl = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    out = np.empty_like(xyz)
    out[:, 0] = lat * 180.0 / math.pi
    out[:, 1] = lon * 180.0 / math.pi
    out[:, 2] = p * np.cos(lat) + z * sl - WGS84_A_M * WGS84_A_M / n
    return out


def ecef_to_geodetic(
    xyz_m: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """ECEF (..., 3) to WGS-84 (lat_deg, lon_deg, alt_m), vectorised.

    See :func:`ecef_to_geodetic_rad` for the method; cross-checked against pymap3d in the
    tests.
    """
    xyz = np.asarray(xyz_m, dtype=float)
    flat = np.ascontiguousarray(xyz.reshape(-1, 3))
    out = _ecef_to_geodetic_many(flat).reshape(xyz.shape)
    return out[..., 0], out[..., 1], out[..., 2]


@dataclass(frozen=True)
class EnuFrame:
    """Local East-North-Up tangent frame at a geodetic origin on the WGS-84 ellipsoid.

    Parameters
    ----------
    lat0_deg, lon0_deg, alt0_m : float
        Origin of the frame (geodetic latitude and longitude in degrees, height above the
        ellipsoid in metres).
    """

    lat0_deg: float
    lon0_deg: float
    alt0_m: float = 0.0
    _rot: NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _origin_ecef: NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lat = np.radians(self.lat0_deg)
        lon = np.radians(self.lon0_deg)
        sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
        # Rows are the E, N, U unit vectors expressed in ECEF.
        rot = np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])
        object.__setattr__(self, "_rot", rot)
        object.__setattr__(
            self, "_origin_ecef", geodetic_to_ecef(self.lat0_deg, self.lon0_deg, self.alt0_m)
        )

    @property
    def rotation(self) -> NDArray[np.float64]:
        """Rotation whose rows are the frame's E, N, U unit vectors in ECEF (enu = R (ecef - o))."""
        return self._rot

    @property
    def origin_ecef_m(self) -> NDArray[np.float64]:
        """The frame origin in ECEF, metres."""
        return self._origin_ecef

    def ecef_to_enu(self, xyz_m: ArrayLike) -> NDArray[np.float64]:
        """ECEF points (..., 3) to ENU (..., 3), metres."""
        return (np.asarray(xyz_m, dtype=float) - self._origin_ecef) @ self._rot.T

    def enu_to_ecef(self, enu_m: ArrayLike) -> NDArray[np.float64]:
        """ENU points (..., 3) to ECEF (..., 3), metres."""
        return np.asarray(enu_m, dtype=float) @ self._rot + self._origin_ecef

    def enu_vector_to_ecef(self, vec: ArrayLike) -> NDArray[np.float64]:
        """Rotate ENU vectors (velocities, directions) to ECEF; no translation."""
        return np.asarray(vec, dtype=float) @ self._rot

    def ecef_vector_to_enu(self, vec: ArrayLike) -> NDArray[np.float64]:
        """Rotate ECEF vectors to ENU; no translation."""
        return np.asarray(vec, dtype=float) @ self._rot.T

    def geodetic_to_enu(
        self, lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike
    ) -> NDArray[np.float64]:
        """Geodetic coordinates to ENU (..., 3), metres."""
        return self.ecef_to_enu(geodetic_to_ecef(lat_deg, lon_deg, alt_m))

    def enu_to_geodetic(
        self, enu_m: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """ENU points (..., 3) to (lat_deg, lon_deg, alt_m) on WGS-84."""
        return ecef_to_geodetic(self.enu_to_ecef(enu_m))

    def altitude_m(self, enu_m: ArrayLike) -> NDArray[np.float64]:
        """Height above the WGS-84 ellipsoid of ENU points (..., 3), metres."""
        return self.enu_to_geodetic(enu_m)[2]

    def up_enu(self, enu_m: ArrayLike) -> NDArray[np.float64]:
        """Local geodetic 'up' unit vectors at ENU points, expressed in ENU, shape (..., 3)."""
        lat, lon, _ = self.enu_to_geodetic(enu_m)
        return self.up_at(lat, lon)

    def up_at(self, lat_deg: ArrayLike, lon_deg: ArrayLike) -> NDArray[np.float64]:
        """:meth:`up_enu` at points given by their geodetic latitude and longitude, degrees
        (from :meth:`enu_to_geodetic`, when the caller also needs their heights)."""
        la, lo = np.radians(lat_deg), np.radians(lon_deg)
        up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
        return self.ecef_vector_to_enu(up)

    def site(self, site_enu_m: ArrayLike) -> Site:
        """The local tangent frame of a site (radar, launcher) given in this frame's ENU."""
        pos = np.asarray(site_enu_m, dtype=float).reshape(3)
        lat, lon, _ = self.enu_to_geodetic(pos)
        site_rot = EnuFrame(float(lat), float(lon), 0.0)._rot
        # scenario ENU -> ECEF (rot.T) -> site ENU (site_rot)
        return Site(position_enu_m=pos, rot=site_rot @ self._rot.T)


@njit(cache=True, inline="always")
def local_of_row(
    pos_m: NDArray[np.float64], i: int, site_m: NDArray[np.float64], rot: NDArray[np.float64]
) -> tuple[float, float, float]:
    """Row ``i`` of points ``pos_m`` (n, 3) in scenario ENU, in the local (east, north, up)
    frame of a site at ``site_m`` with rotation ``rot``: ``rot @ (p - site)``, each
    component summed left to right (the loops' form of :meth:`Site.to_local`, for kernels
    that test one point at a time)."""
    d0 = pos_m[i, 0] - site_m[0]
    d1 = pos_m[i, 1] - site_m[1]
    d2 = pos_m[i, 2] - site_m[2]
    e = rot[0, 0] * d0 + rot[0, 1] * d1 + rot[0, 2] * d2
    n = rot[1, 0] * d0 + rot[1, 1] * d1 + rot[1, 2] * d2
    u = rot[2, 0] * d0 + rot[2, 1] * d1 + rot[2, 2] * d2
    return e, n, u


@njit(cache=True, inline="always")
def aer_of_local_row(
    loc: NDArray[np.float64], atan: NDArray[np.float64], i: int
) -> tuple[float, float, float]:
    """Row ``i``'s azimuth ``atan mod 2 pi`` (``atan`` = numpy's ``arctan2(e, n)``;
    Python's float ``%`` is ``np.mod``), slant range ``r = sqrt(e^2 + n^2 + u^2)`` and
    sine of the elevation ``clip(u / max(r, 1e-9), -1, 1)`` of site-local points (n, 3)
    (NaN propagates as through np.maximum): the arithmetic of :meth:`Site.aer`'s array
    form, for kernels that lay the rows out as they need them."""
    e = loc[i, 0]
    n = loc[i, 1]
    u = loc[i, 2]
    r = math.sqrt(e * e + n * n + u * u)
    q = u / (1e-9 if r < 1e-9 else r)
    q = -1.0 if q < -1.0 else q
    return atan[i] % _TWO_PI, r, 1.0 if q > 1.0 else q


@njit(cache=True)
def _aer_rows_kernel(loc: NDArray[np.float64], atan: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`aer_of_local_row` of every site-local point (n, 3), as the rows (azimuth,
    slant range, sine of the elevation) of one (3, n) array."""
    m = loc.shape[0]
    out = np.empty((3, m))
    for i in range(m):
        out[0, i], out[1, i], out[2, i] = aer_of_local_row(loc, atan, i)
    return out


@njit(cache=True)
def _polar_to_local_kernel(
    r: NDArray[np.float64],
    cos_el: NDArray[np.float64],
    sin_az: NDArray[np.float64],
    cos_az: NDArray[np.float64],
    sin_el: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Site-local ENU points (n, 3) ``(r cos el sin az, r cos el cos az, r sin el)`` from
    the sines and cosines of their angles: the arithmetic of :meth:`Site.aer_to_enu`."""
    m = r.shape[0]
    out = np.empty((m, 3))
    for i in range(m):
        rc = r[i] * cos_el[i]
        out[i, 0] = rc * sin_az[i]
        out[i, 1] = rc * cos_az[i]
        out[i, 2] = r[i] * sin_el[i]
    return out


@dataclass(frozen=True)
class Site:
    """A site's local tangent frame: az/el/range as an instrument at the site measures them.

    Attributes
    ----------
    position_enu_m : ndarray, shape (3,)
        Site position in the scenario ENU frame.
    rot : ndarray, shape (3, 3)
        Rotation from scenario-ENU vectors to the site's local ENU (east, north, up at the
        site, up being the ellipsoid normal there).
    """

    position_enu_m: NDArray[np.float64]
    rot: NDArray[np.float64]

    def to_local(self, enu_m: ArrayLike) -> NDArray[np.float64]:
        """Scenario-ENU points (..., 3) to the site's local ENU, metres."""
        return (np.asarray(enu_m, dtype=float) - self.position_enu_m) @ self.rot.T

    def from_local(self, local_m: ArrayLike) -> NDArray[np.float64]:
        """Site-local ENU points (..., 3) back to scenario ENU, metres."""
        return np.asarray(local_m, dtype=float) @ self.rot + self.position_enu_m

    def aer(
        self, enu_m: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Azimuth (clockwise from north), elevation (above the site's horizontal plane),
        both in radians, and slant range in metres, of scenario-ENU points."""
        loc = self.to_local(enu_m)
        e, n, u = loc[..., 0], loc[..., 1], loc[..., 2]
        if loc.ndim == 2:  # (n, 3): the arithmetic in one pass, arctan2 and arcsin numpy's
            rows = _aer_rows_kernel(loc, np.arctan2(e, n))
            return rows[0], np.arcsin(rows[2]), rows[1]
        az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
        rng = np.sqrt(e * e + n * n + u * u)
        # np.minimum(np.maximum(.)) is np.clip(., -1, 1) without its wrapper's overhead
        el = np.arcsin(np.minimum(np.maximum(u / np.maximum(rng, 1e-9), -1.0), 1.0))
        return az, el, rng

    def aer_to_enu(
        self, az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike
    ) -> NDArray[np.float64]:
        """Site-measured (az, el, range) back to scenario-ENU points (..., 3)."""
        az, el, r = (np.asarray(a, dtype=float) for a in (az_rad, el_rad, range_m))
        if az.ndim == 1 and az.shape == el.shape == r.shape:  # one pass, numpy's cos and sin
            return self.from_local(
                _polar_to_local_kernel(r, np.cos(el), np.sin(az), np.cos(az), np.sin(el))
            )
        ce = np.cos(el)
        loc = np.stack([r * ce * np.sin(az), r * ce * np.cos(az), r * np.sin(el)], axis=-1)
        return self.from_local(loc)

    def aer_rows_to_enu(
        self, az_el_rad: NDArray[np.float64], range_m: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """:meth:`aer_to_enu` of azimuths and elevations given as the rows of one (2, n)
        float64 array (numpy's cos and sin once each over both rows)."""
        c = np.cos(az_el_rad)
        s = np.sin(az_el_rad)
        return self.from_local(_polar_to_local_kernel(range_m, c[1], s[0], c[0], s[1]))
