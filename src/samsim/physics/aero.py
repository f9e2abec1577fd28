"""Aerodynamics and propulsion for the flyout: packed type tables and numba lookups.

Turns a sequence of :class:`~samsim.physics.missile.MissileSpec` into flat arrays the
integrator reads (one row per type), and provides the numba kernels for the motor
(thrust, mass), zero-lift drag vs Mach, and a tabulated ISA atmosphere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.jit import njit
from samsim.physics.atmosphere import isa
from samsim.physics.missile import MissileSpec

# Column indices of the packed type table (one row per missile type).
I_M0 = 0  # launch mass, kg
I_TB = 1  # boost thrust, N
I_TBB = 2  # boost burn time, s
I_MDB = 3  # boost mass flow, kg/s
I_TS = 4  # sustain thrust, N
I_TBS = 5  # sustain burn time, s
I_MDS = 6  # sustain mass flow, kg/s
I_S = 7  # reference area, m^2
I_K = 8  # induced-drag factor
I_CN = 9  # CN max
I_SINTVC = 10  # sin(max thrust-vector deflection)
I_ASTR = 11  # structural lateral acceleration limit, m/s^2
I_TAU = 12  # flight-control total time constant (all lags), s
I_NAV = 13  # navigation constant N'
I_APN = 14  # 1.0 for APN, 0.0 for PN
I_LOFT = 15  # mid-course ballistic-lead factor
I_SEEK = 16  # seeker (hand-over) range, m
I_SFIX = 17  # seeker range-independent angle noise std, rad
I_VL = 18  # launch speed, m/s
I_HL = 19  # cold-launch height (ignition height above the launcher), m
I_TMAX = 20  # max time of flight, s
I_VMIN = 21  # min speed after burn-out, m/s
I_VPLAN = 22  # planning mean speed for time-to-go before a table is available, m/s
I_HTOP = 23  # mid-course cruise altitude, m
I_NFC = 24  # flight-control order (number of equal lags)
I_QREF = 25  # dynamic pressure below which the response slows, Pa (0: never)
I_GTS = 26  # guidance sample period, s
I_TF = 27  # guidance (LOS-rate) filter time constant, s
I_SEXP = 28  # seeker SNR range exponent in the missile-target range: 4 active, 2 semi-active
I_SREF = 29  # seeker reference RCS (lock-on range seeker_range_m holds for it), m^2
I_SBW = 30  # seeker beamwidth, rad
I_SLOCK = 31  # seeker thermal angle noise std at lock-on range, rad
NPAR = 32

#: Monopulse slope k_m of the seeker's angle discriminator (Barton, *Radar System
#: Analysis and Modeling*, sec. 8.2: 1.2 to 1.9; 1.6 typical).
MONOPULSE_SLOPE = 1.6

#: Planning mean speed as a fraction of the ideal velocity gain (crude t_go estimate).
VPLAN_FRACTION = 0.6

# ISA table: geometric altitude grid for linear interpolation.
_ATM_H0_M = -1000.0
_ATM_DH_M = 10.0
_ATM_N = 9101  # -1 km .. 90 km


@dataclass(frozen=True)
class TypeTable:
    """Missile types packed for the integrator.

    Attributes
    ----------
    par : ndarray, shape (n_types, NPAR)
        Scalar figures, columns ``I_*``.
    mach : ndarray, shape (n_types, n_points)
        Mach breakpoints of the CD0 table, padded by repeating the last point.
    cd0 : ndarray, shape (n_types, n_points)
        CD0 at the breakpoints.
    """

    par: NDArray[np.float64]
    mach: NDArray[np.float64]
    cd0: NDArray[np.float64]


def pack_specs(specs: Sequence[MissileSpec]) -> TypeTable:
    """Pack missile specs into a :class:`TypeTable` (SI units, one row per type)."""
    if len(specs) == 0:
        raise ValueError("specs is empty; give at least one MissileSpec")
    n = len(specs)
    par = np.zeros((n, NPAR))
    npts = max(len(s.cd0_mach_table) for s in specs)
    mach = np.zeros((n, npts))
    cd0 = np.zeros((n, npts))
    for i, s in enumerate(specs):
        par[i, I_M0] = s.mass_launch_kg
        par[i, I_TB] = s.boost_thrust_n
        par[i, I_TBB] = s.boost_burn_time_s
        par[i, I_MDB] = s.boost_propellant_kg / s.boost_burn_time_s
        par[i, I_TS] = s.sustain_thrust_n
        par[i, I_TBS] = s.sustain_burn_time_s
        par[i, I_MDS] = (
            s.sustain_propellant_kg / s.sustain_burn_time_s if s.sustain_burn_time_s > 0 else 0.0
        )
        par[i, I_S] = s.reference_area_m2
        par[i, I_K] = s.induced_drag_factor
        par[i, I_CN] = s.cn_max
        par[i, I_SINTVC] = np.sin(s.tvc_max_deflection_rad)
        par[i, I_ASTR] = s.structural_accel_limit_mps2
        par[i, I_TAU] = s.autopilot_time_constant_s
        par[i, I_NAV] = s.nav_constant
        par[i, I_APN] = 1.0 if s.guidance_law == "apn" else 0.0
        par[i, I_LOFT] = s.midcourse_loft_ratio
        par[i, I_HTOP] = s.midcourse_altitude_m
        par[i, I_SEEK] = s.seeker_range_m
        par[i, I_SFIX] = s.seeker_fixed_noise_rad
        par[i, I_NFC] = s.flight_control_order
        par[i, I_QREF] = s.flight_control_q_ref_pa
        par[i, I_GTS] = 1.0 / s.guidance_rate_hz
        par[i, I_TF] = s.guidance_filter_time_constant_s
        par[i, I_SEXP] = 4.0 if s.seeker_kind == "active" else 2.0
        par[i, I_SREF] = s.seeker_reference_rcs_m2
        par[i, I_SBW] = s.seeker_beamwidth_rad
        snr = 10.0 ** (s.seeker_lock_snr_db / 10.0)
        par[i, I_SLOCK] = s.seeker_beamwidth_rad / (MONOPULSE_SLOPE * np.sqrt(2.0 * snr))
        par[i, I_VL] = s.launch_speed_mps
        par[i, I_HL] = s.cold_launch_height_m
        par[i, I_TMAX] = s.max_flight_time_s
        par[i, I_VMIN] = s.min_speed_mps
        par[i, I_VPLAN] = max(VPLAN_FRACTION * s.ideal_delta_v_mps, s.min_speed_mps)
        tab = np.asarray(s.cd0_mach_table, dtype=float)
        k = tab.shape[0]
        mach[i, :k] = tab[:, 0]
        cd0[i, :k] = tab[:, 1]
        mach[i, k:] = tab[-1, 0] + np.arange(1, npts - k + 1)
        cd0[i, k:] = tab[-1, 1]
    return TypeTable(par=par, mach=mach, cd0=cd0)


def atmosphere_table() -> tuple[float, float, NDArray[np.float64], NDArray[np.float64]]:
    """ISA density and speed of sound on a 10 m grid from -1 km to 90 km.

    Returns
    -------
    h0_m, dh_m, density_kgpm3, speed_of_sound_mps
        Grid origin and spacing, and the tabulated values from
        :func:`samsim.physics.atmosphere.isa`. Linear interpolation on this grid differs from
        the closed form by less than 1e-6 relative (density scale height > 6 km).
    """
    h = _ATM_H0_M + _ATM_DH_M * np.arange(_ATM_N)
    _, _, rho, a = isa(h)
    return _ATM_H0_M, _ATM_DH_M, np.ascontiguousarray(rho), np.ascontiguousarray(a)


@njit(cache=True, inline="always")
def atm_lookup(
    h_m: float, h0: float, dh: float, rho_tab: NDArray[np.float64], a_tab: NDArray[np.float64]
) -> tuple[float, float]:
    """Density and speed of sound at altitude h by linear interpolation of the ISA table."""
    x = (h_m - h0) / dh
    n = rho_tab.shape[0]
    if x <= 0.0:
        return rho_tab[0], a_tab[0]
    if x >= n - 1:
        return 0.0, a_tab[n - 1]
    i = int(x)
    f = x - i
    return (
        rho_tab[i] + f * (rho_tab[i + 1] - rho_tab[i]),
        a_tab[i] + f * (a_tab[i + 1] - a_tab[i]),
    )


@njit(cache=True, inline="always")
def cd0_lookup(mach: float, mach_row: NDArray[np.float64], cd_row: NDArray[np.float64]) -> float:
    """CD0 at a Mach number: linear between breakpoints, constant beyond the ends."""
    n = mach_row.shape[0]
    if mach <= mach_row[0]:
        return cd_row[0]
    if mach >= mach_row[n - 1]:
        return cd_row[n - 1]
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mach_row[mid] <= mach:
            lo = mid
        else:
            hi = mid
    f = (mach - mach_row[lo]) / (mach_row[hi] - mach_row[lo])
    return cd_row[lo] + f * (cd_row[hi] - cd_row[lo])


@njit(cache=True, inline="always")
def motor(t_s: float, par: NDArray[np.float64]) -> tuple[float, float]:
    """Thrust (N) and mass (kg) at time t after ignition for one type row.

    Notes
    -----
    Boost then sustain, each at constant thrust and mass flow:
    m(t) = m0 - mdot_b min(t, t_b) - mdot_s clip(t - t_b, 0, t_s).
    """
    tb = par[I_TBB]
    ts = par[I_TBS]
    if t_s < 0.0:
        return 0.0, par[I_M0]
    if t_s < tb:
        return par[I_TB], par[I_M0] - par[I_MDB] * t_s
    m_after_boost = par[I_M0] - par[I_MDB] * tb
    if t_s < tb + ts:
        return par[I_TS], m_after_boost - par[I_MDS] * (t_s - tb)
    return 0.0, m_after_boost - par[I_MDS] * ts


def motor_profile(
    spec: MissileSpec, t_s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Thrust (N) and mass (kg) of one type at times after ignition (vectorised helper)."""
    row = pack_specs([spec]).par[0]
    t = np.asarray(t_s, dtype=float)
    out = np.array([motor(float(x), row) for x in t.ravel()]).reshape(*t.shape, 2)
    return out[..., 0], out[..., 1]
