"""The scenario's local East-North-Up frame, a rigid transform of WGS-84 ECEF.

All engine mathematics runs in one Cartesian frame: the ENU tangent frame at the scenario
origin. It is an exact rotation and translation of ECEF, so straight-line distances are
exact at any range; the z axis is *not* altitude, which is always computed from the
ellipsoid (:meth:`EnuFrame.altitude_m`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: WGS-84 semi-major axis, m, and flattening (NIMA TR8350.2).
WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
WGS84_EP2 = (WGS84_A_M**2 - WGS84_B_M**2) / WGS84_B_M**2


def geodetic_to_ecef(lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike) -> NDArray[np.float64]:
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


def ecef_to_geodetic(xyz_m: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """ECEF (..., 3) to WGS-84 (lat_deg, lon_deg, alt_m), vectorised.

    Notes
    -----
    Bowring's method with two iterations of the parametric latitude, which is accurate to
    well under a millimetre for altitudes from -10 km to 1000 km (Bowring, "Transformation
    from spatial to geographical coordinates", Survey Review 23(181), 1976). Cross-checked
    against pymap3d in the tests.
    """
    xyz = np.asarray(xyz_m, dtype=float)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    beta = np.arctan2(z, (1.0 - WGS84_F) * p)
    for _ in range(2):
        lat = np.arctan2(z + WGS84_EP2 * WGS84_B_M * np.sin(beta) ** 3,
                         p - WGS84_E2 * WGS84_A_M * np.cos(beta) ** 3)
        beta = np.arctan2((1.0 - WGS84_F) * np.sin(lat), np.cos(lat))
    sin_lat = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    # Height from the projection that is well conditioned at all latitudes.
    alt = p * np.cos(lat) + z * sin_lat - WGS84_A_M**2 / n
    return np.degrees(lat), np.degrees(lon), alt


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
        rot = np.array([[-so, co, 0.0],
                        [-sl * co, -sl * so, cl],
                        [cl * co, cl * so, sl]])
        object.__setattr__(self, "_rot", rot)
        object.__setattr__(self, "_origin_ecef",
                           geodetic_to_ecef(self.lat0_deg, self.lon0_deg, self.alt0_m))

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

    def geodetic_to_enu(self, lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike) -> NDArray[np.float64]:
        """Geodetic coordinates to ENU (..., 3), metres."""
        return self.ecef_to_enu(geodetic_to_ecef(lat_deg, lon_deg, alt_m))

    def enu_to_geodetic(self, enu_m: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """ENU points (..., 3) to (lat_deg, lon_deg, alt_m) on WGS-84."""
        return ecef_to_geodetic(self.enu_to_ecef(enu_m))

    def altitude_m(self, enu_m: ArrayLike) -> NDArray[np.float64]:
        """Height above the WGS-84 ellipsoid of ENU points (..., 3), metres."""
        return self.enu_to_geodetic(enu_m)[2]

    def up_ecef(self, enu_m: ArrayLike) -> NDArray[np.float64]:
        """Local geodetic 'up' unit vectors at ENU points, expressed in ENU, shape (..., 3)."""
        lat, lon, _ = self.enu_to_geodetic(enu_m)
        la, lo = np.radians(lat), np.radians(lon)
        up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
        return self.ecef_vector_to_enu(up)

    def site(self, site_enu_m: ArrayLike) -> Site:
        """The local tangent frame of a site (radar, launcher) given in this frame's ENU."""
        pos = np.asarray(site_enu_m, dtype=float).reshape(3)
        lat, lon, _ = self.enu_to_geodetic(pos)
        site_rot = EnuFrame(float(lat), float(lon), 0.0)._rot
        # scenario ENU -> ECEF (rot.T) -> site ENU (site_rot)
        return Site(position_enu_m=pos, rot=site_rot @ self._rot.T)


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

    def aer(self, enu_m: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Azimuth (clockwise from north), elevation (above the site's horizontal plane),
        both in radians, and slant range in metres, of scenario-ENU points."""
        loc = self.to_local(enu_m)
        e, n, u = loc[..., 0], loc[..., 1], loc[..., 2]
        rng = np.sqrt(e * e + n * n + u * u)
        az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
        el = np.arcsin(np.clip(u / np.maximum(rng, 1e-9), -1.0, 1.0))
        return az, el, rng

    def aer_to_enu(self, az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike) -> NDArray[np.float64]:
        """Site-measured (az, el, range) back to scenario-ENU points (..., 3)."""
        az, el, r = (np.asarray(a, dtype=float) for a in (az_rad, el_rad, range_m))
        ce = np.cos(el)
        loc = np.stack([r * ce * np.sin(az), r * ce * np.cos(az), r * np.sin(el)], axis=-1)
        return self.from_local(loc)
