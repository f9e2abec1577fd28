"""The 1976 U.S. Standard Atmosphere (identical to ISA below 32 km), to 86 km.

Temperature, pressure, density and speed of sound as functions of geopotential altitude,
vectorised over altitude arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Gas constant of dry air, J/(kg K); ratio of specific heats; standard gravity; earth radius
#: for geopotential altitude (all from U.S. Standard Atmosphere 1976, NOAA-S/T 76-1562).
R_AIR = 287.05287
GAMMA_AIR = 1.4
G0 = 9.80665
R_EARTH_GEOPOT_M = 6356766.0

# Layer bases: geopotential altitude (m), lapse rate (K/m), base temperature (K) and
# base pressure (Pa).
_H_BASE = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_LAPSE = np.array([-0.0065, 0.0, 0.001, 0.0028, 0.0, -0.0028, -0.002, 0.0])
_T_BASE = np.empty(8)
_P_BASE = np.empty(8)
_T_BASE[0], _P_BASE[0] = 288.15, 101325.0
for _i in range(1, 8):
    _dh = _H_BASE[_i] - _H_BASE[_i - 1]
    _T_BASE[_i] = _T_BASE[_i - 1] + _LAPSE[_i - 1] * _dh
    if _LAPSE[_i - 1] == 0.0:
        _P_BASE[_i] = _P_BASE[_i - 1] * np.exp(-G0 * _dh / (R_AIR * _T_BASE[_i - 1]))
    else:
        _P_BASE[_i] = _P_BASE[_i - 1] * (_T_BASE[_i] / _T_BASE[_i - 1]) ** (
            -G0 / (R_AIR * _LAPSE[_i - 1])
        )


def isa(
    altitude_m: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Standard atmosphere at geometric altitude.

    Parameters
    ----------
    altitude_m : array_like
        Geometric altitude above mean sea level, metres. Clipped to [-1000, 86000] m;
        above 86 km the density is taken as zero.

    Returns
    -------
    temperature_k, pressure_pa, density_kgpm3, speed_of_sound_mps : ndarray

    Notes
    -----
    Geopotential altitude H = r0 z / (r0 + z). In a layer with base (H_b, T_b, p_b) and
    lapse rate L: T = T_b + L (H - H_b); p = p_b (T/T_b)^(-g0/(R L)) for L != 0 and
    p = p_b exp(-g0 (H - H_b)/(R T_b)) for L = 0; rho = p/(R T); a = sqrt(gamma R T).
    Reference: U.S. Standard Atmosphere, 1976, NOAA-S/T 76-1562, Table 4 and eqs. 23, 33a, 33b.
    Known answer: rho(11 km) = 0.36392 kg/m^3, a(11 km) = 295.07 m/s.
    """
    z = np.asarray(altitude_m, dtype=float)
    zc = np.clip(z, -1000.0, 86000.0)
    h = R_EARTH_GEOPOT_M * zc / (R_EARTH_GEOPOT_M + zc)
    i = np.clip(np.searchsorted(_H_BASE, h, side="right") - 1, 0, 7)
    lapse = _LAPSE[i]
    tb = _T_BASE[i]
    pb = _P_BASE[i]
    dh = h - _H_BASE[i]
    t = tb + lapse * dh
    iso = lapse == 0.0
    safe_l = np.where(iso, 1.0, lapse)
    p = np.where(
        iso, pb * np.exp(-G0 * dh / (R_AIR * tb)), pb * (t / tb) ** (-G0 / (R_AIR * safe_l))
    )
    rho = p / (R_AIR * t)
    rho = np.where(z > 86000.0, 0.0, rho)
    a = np.sqrt(GAMMA_AIR * R_AIR * t)
    return t, p, rho, a


def density_kgpm3(altitude_m: ArrayLike) -> NDArray[np.float64]:
    """Air density of the standard atmosphere, kg/m^3 (see :func:`isa`)."""
    return isa(altitude_m)[2]


def speed_of_sound_mps(altitude_m: ArrayLike) -> NDArray[np.float64]:
    """Speed of sound of the standard atmosphere, m/s (see :func:`isa`)."""
    return isa(altitude_m)[3]
