"""Batched 3-DOF point-mass interceptor flyout in the scenario ENU frame.

Owns the interceptors in flight (struct of arrays), their integration (RK4 in a numba
kernel, per-missile adaptive steps inside engine-sized macro steps), mid-course and
terminal guidance, closest-approach detection and the end-of-flight outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.geo.frames import WGS84_A_M, WGS84_B_M, WGS84_E2, WGS84_EP2, WGS84_F, EnuFrame
from samsim.jit import njit
from samsim.physics.aero import (
    I_APN,
    I_ASTR,
    I_CN,
    I_GTS,
    I_HL,
    I_HTOP,
    I_K,
    I_LOFT,
    I_M0,
    I_MDB,
    I_MDS,
    I_NAV,
    I_NFC,
    I_QREF,
    I_S,
    I_SBW,
    I_SEEK,
    I_SEXP,
    I_SFIX,
    I_SINTVC,
    I_SLOCK,
    I_SREF,
    I_TAU,
    I_TB,
    I_TBB,
    I_TBS,
    I_TF,
    I_TMAX,
    I_VL,
    I_VMIN,
    I_VPLAN,
    atm_lookup,
    atmosphere_table,
    cd0_lookup,
    motor,
    pack_specs,
)
from samsim.physics.autopilot import (
    MAX_ORDER,
    lag_chain_advance,
    lag_chain_output,
    response_scale,
)
from samsim.physics.cpa import cpa_hermite_kernel
from samsim.physics.guidance import (
    MIDCOURSE_LOOKAHEAD_S,
    MIDCOURSE_MIN_AUTHORITY_MPS2,
    MIDCOURSE_MIN_GAIN_PER_S,
    heading_kernel,
    limit_lateral,
)
from samsim.physics.missile import MissileSpec
from samsim.physics.seeker import (
    GLINT_CORRELATION_S,
    angle_noise_std_kernel,
    glint_sigma_m,
    lock_on_range_m,
    multipath_kernel,
)
from samsim.units import G0_MPS2

if TYPE_CHECKING:
    from samsim.physics.toftable import TofTable

#: Earth rotation rate, rad/s (WGS-84).
OMEGA_EARTH_RADPS = 7.292115e-5

#: Outcome kinds, indexed by the integer codes the kernel returns (0 = still flying).
OUTCOME_KINDS = (
    "",
    "intercept",
    "self_destruct",
    "ground",
    "time_limit",
    "min_speed",
    "target_gone",
)
_INTERCEPT, _SELF_DESTRUCT, _GROUND, _TIME_LIMIT, _MIN_SPEED, _TARGET_GONE = 1, 2, 3, 4, 5, 6

#: Largest integration step (mid-course coast), s; largest while a motor burns, s;
#: smallest step near closest approach, s.
DT_MAX_S = 0.5
DT_BOOST_S = 0.2
#: The exact ellipsoidal height is recomputed every step below this height above the
#: ground (m), and every EXACT_ALT_EVERY steps above it.
EXACT_ALT_BELOW_M = 3000.0
EXACT_ALT_EVERY = 16
DT_MIN_S = 5e-4
#: Step near the target as a fraction of time to go.
DT_TGO_FRACTION = 0.125

TruthFn = Callable[[float, NDArray[np.int64]], tuple[NDArray[np.float64], NDArray[np.float64]]]
EstimateFn = Callable[
    [float, NDArray[np.int64]], tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]
]
TerrainFn = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def _same_rows(a: NDArray[np.int64], b: NDArray[np.int64]) -> bool:
    """Whether two index arrays are equal (``numpy.array_equal``, faster on a few rows)."""
    return a.shape == b.shape and bool((a == b).all())


def _rows3(a: ArrayLike) -> NDArray[np.float64]:
    """``a`` as a C-contiguous float array of 3-vectors (k, 3) (``a`` itself if it is one)."""
    if (
        type(a) is np.ndarray
        and a.ndim == 2
        and a.shape[1] == 3
        and a.dtype == np.float64
        and a.flags.c_contiguous
    ):
        return a
    return np.ascontiguousarray(a, dtype=float).reshape(-1, 3)


def osculating_sphere(frame: EnuFrame) -> tuple[NDArray[np.float64], float]:
    """Centre (ENU, m) and radius (m) of the sphere osculating the ellipsoid at the origin.

    Notes
    -----
    The radius is the Gaussian mean radius sqrt(M N) at the origin latitude, with
    M = a (1 - e^2) / W^3, N = a / W, W = sqrt(1 - e^2 sin^2 lat) (NIMA TR8350.2 sec. 4);
    the centre lies on the origin's ellipsoid normal, R + alt0 below the origin. Gravity
    points to this centre and the flyout's fast altitude is the distance to it minus R,
    corrected once per step to the exact ellipsoidal height.
    """
    lat = math.radians(frame.lat0_deg)
    w = math.sqrt(1.0 - WGS84_E2 * math.sin(lat) ** 2)
    m = WGS84_A_M * (1.0 - WGS84_E2) / w**3
    n = WGS84_A_M / w
    radius = math.sqrt(m * n)
    return np.array([0.0, 0.0, -(radius + frame.alt0_m)]), radius


def sphere_altitude_m(frame: EnuFrame, enu_m: ArrayLike) -> NDArray[np.float64]:
    """Altitude above the osculating sphere (see :func:`osculating_sphere`), m."""
    c, radius = osculating_sphere(frame)
    return np.linalg.norm(np.asarray(enu_m, dtype=float) - c, axis=-1) - radius


@njit(cache=True)
def _ellipsoid_height(
    px: float, py: float, pz: float, rot: NDArray[np.float64], org: NDArray[np.float64]
) -> float:
    """Exact WGS-84 height of an ENU point (ECEF then Bowring, as geo.frames)."""
    x = org[0] + px * rot[0, 0] + py * rot[1, 0] + pz * rot[2, 0]
    y = org[1] + px * rot[0, 1] + py * rot[1, 1] + pz * rot[2, 1]
    z = org[2] + px * rot[0, 2] + py * rot[1, 2] + pz * rot[2, 2]
    p = np.sqrt(x * x + y * y)
    beta = np.arctan2(z, (1.0 - WGS84_F) * p)
    lat = 0.0
    for _ in range(2):
        sb = np.sin(beta)
        cb = np.cos(beta)
        lat = np.arctan2(
            z + WGS84_EP2 * WGS84_B_M * sb * sb * sb, p - WGS84_E2 * WGS84_A_M * cb * cb * cb
        )
        beta = np.arctan2((1.0 - WGS84_F) * np.sin(lat), np.cos(lat))
    sl = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    return p * np.cos(lat) + z * sl - WGS84_A_M * WGS84_A_M / n


@njit(cache=True, inline="always")
def _hermite_pv(
    p0: tuple[float, float, float],
    v0: tuple[float, float, float],
    p1: tuple[float, float, float],
    v1: tuple[float, float, float],
    h: float,
    u: float,
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Cubic Hermite position and velocity at fraction u of an interval of length h."""
    u2 = u * u
    u3 = u2 * u
    h00 = 2 * u3 - 3 * u2 + 1
    h10 = (u3 - 2 * u2 + u) * h
    h01 = -2 * u3 + 3 * u2
    h11 = (u3 - u2) * h
    d00 = (6 * u2 - 6 * u) / h
    d10 = 3 * u2 - 4 * u + 1
    d01 = (-6 * u2 + 6 * u) / h
    d11 = 3 * u2 - 2 * u
    pos = (
        h00 * p0[0] + h10 * v0[0] + h01 * p1[0] + h11 * v1[0],
        h00 * p0[1] + h10 * v0[1] + h01 * p1[1] + h11 * v1[1],
        h00 * p0[2] + h10 * v0[2] + h01 * p1[2] + h11 * v1[2],
    )
    vel = (
        d00 * p0[0] + d10 * v0[0] + d01 * p1[0] + d11 * v1[0],
        d00 * p0[1] + d10 * v0[1] + d01 * p1[1] + d11 * v1[1],
        d00 * p0[2] + d10 * v0[2] + d01 * p1[2] + d11 * v1[2],
    )
    return pos, vel


@njit(cache=True, inline="always")
def _deriv(
    p: tuple[float, float, float],
    v: tuple[float, float, float],
    al: tuple[float, float, float],
    t_fl: float,
    dalt: float,
    par: NDArray[np.float64],
    mach_row: NDArray[np.float64],
    cd_row: NDArray[np.float64],
    h0: float,
    dh: float,
    rho_tab: NDArray[np.float64],
    a_tab: NDArray[np.float64],
    cen: NDArray[np.float64],
    rg: float,
    om: NDArray[np.float64],
    gmul: float,
) -> tuple[tuple[float, float, float], float]:
    """Acceleration for autopilot output ``al``; also the lateral acceleration applied."""
    rx = p[0] - cen[0]
    ry = p[1] - cen[1]
    rz = p[2] - cen[2]
    r = np.sqrt(rx * rx + ry * ry + rz * rz)
    h = r - rg + dalt
    rho, a_snd = atm_lookup(h, h0, dh, rho_tab, a_tab)
    thrust, mass = motor(t_fl, par)
    vv = np.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    vh = (v[0] / vv, v[1] / vv, v[2] / vv)
    q_s = 0.5 * rho * vv * vv * par[I_S]
    cd0 = cd0_lookup(vv / a_snd, mach_row, cd_row)
    f_aero_max = q_s * par[I_CN]
    amax = min(par[I_ASTR], (f_aero_max + thrust * par[I_SINTVC]) / mass)
    alat, _ = limit_lateral(al, vh, amax)
    alat_n = np.sqrt(alat[0] ** 2 + alat[1] ** 2 + alat[2] ** 2)
    f_lat = mass * alat_n
    f_aero = min(f_lat, f_aero_max)
    f_tvc = f_lat - f_aero
    cn = f_aero / q_s if q_s > 0.0 else 0.0
    drag = q_s * (cd0 + par[I_K] * cn * cn)
    t_ax = np.sqrt(max(thrust * thrust - f_tvc * f_tvc, 0.0))
    a_ax = (t_ax - drag) / mass
    g = gmul * G0_MPS2 * (rg / r) ** 2 / r
    # Coriolis -2 Omega x v (centrifugal is folded into the standard gravity)
    cx = -2.0 * (om[1] * v[2] - om[2] * v[1])
    cy = -2.0 * (om[2] * v[0] - om[0] * v[2])
    cz = -2.0 * (om[0] * v[1] - om[1] * v[0])
    acc = (
        vh[0] * a_ax + alat[0] - g * rx + cx,
        vh[1] * a_ax + alat[1] - g * ry + cy,
        vh[2] * a_ax + alat[2] - g * rz + cz,
    )
    return acc, alat_n


@njit(cache=True, inline="always")
def _axpy(
    a: tuple[float, float, float], s: float, b: tuple[float, float, float]
) -> tuple[float, float, float]:
    return (a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2])


@njit(cache=True, inline="always")
def _comb(
    a: tuple[float, float, float],
    b: tuple[float, float, float],
    c: tuple[float, float, float],
    d: tuple[float, float, float],
    e: tuple[float, float, float],
    h: float,
) -> tuple[float, float, float]:
    k = h / 6.0
    return (
        a[0] + k * (b[0] + 2 * c[0] + 2 * d[0] + e[0]),
        a[1] + k * (b[1] + 2 * c[1] + 2 * d[1] + e[1]),
        a[2] + k * (b[2] + 2 * c[2] + 2 * d[2] + e[2]),
    )


@njit(cache=True)
def _available_accel(
    p: tuple[float, float, float],
    v: tuple[float, float, float],
    t_fl: float,
    dalt: float,
    par: NDArray[np.float64],
    h0: float,
    dh: float,
    rho_tab: NDArray[np.float64],
    a_tab: NDArray[np.float64],
    cen: NDArray[np.float64],
    rg: float,
) -> float:
    r = np.sqrt((p[0] - cen[0]) ** 2 + (p[1] - cen[1]) ** 2 + (p[2] - cen[2]) ** 2)
    rho, _ = atm_lookup(r - rg + dalt, h0, dh, rho_tab, a_tab)
    thrust, mass = motor(t_fl, par)
    vv2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
    return min(
        par[I_ASTR], (0.5 * rho * vv2 * par[I_S] * par[I_CN] + thrust * par[I_SINTVC]) / mass
    )


@njit(cache=True)
def _tof_lookup(
    k: int,
    launch: tuple[float, float, float],
    q: tuple[float, float, float],
    cen: NDArray[np.float64],
    rg: float,
    tab_r: NDArray[np.float64],
    tab_a: NDArray[np.float64],
    tab_t: NDArray[np.float64],
    tab_v: NDArray[np.float64],
    tab_n: NDArray[np.int64],
) -> tuple[float, float]:
    """Nominal time of flight and arrival speed of type k from ``launch`` to the point q.

    Bilinear in the type's table; ground range and altitude on the osculating sphere;
    beyond the last range both grow (or fall) linearly with the slope of the last two
    columns; altitudes are clamped.
    """
    ax = launch[0] - cen[0]
    ay = launch[1] - cen[1]
    az = launch[2] - cen[2]
    bx = q[0] - cen[0]
    by = q[1] - cen[1]
    bz = q[2] - cen[2]
    rb = np.sqrt(bx * bx + by * by + bz * bz)
    cx = ay * bz - az * by
    cy = az * bx - ax * bz
    cz = ax * by - ay * bx
    ang = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz)
    r = rg * ang
    h = rb - rg
    nr = tab_n[k, 0]
    na = tab_n[k, 1]
    i = 0
    while i < nr - 2 and tab_r[k, i + 1] <= r:
        i += 1
    j = 0
    while j < na - 2 and tab_a[k, j + 1] <= h:
        j += 1
    fr = (r - tab_r[k, i]) / (tab_r[k, i + 1] - tab_r[k, i])
    fa = min(max((h - tab_a[k, j]) / (tab_a[k, j + 1] - tab_a[k, j]), 0.0), 1.0)
    fr = max(fr, 0.0)
    t0 = tab_t[k, j, i] + fr * (tab_t[k, j, i + 1] - tab_t[k, j, i])
    t1 = tab_t[k, j + 1, i] + fr * (tab_t[k, j + 1, i + 1] - tab_t[k, j + 1, i])
    v0 = tab_v[k, j, i] + fr * (tab_v[k, j, i + 1] - tab_v[k, j, i])
    v1 = tab_v[k, j + 1, i] + fr * (tab_v[k, j + 1, i + 1] - tab_v[k, j + 1, i])
    return t0 + fa * (t1 - t0), v0 + fa * (v1 - v0)


@njit(cache=True)
def _altitude_of_density(rho: float, h0: float, dh: float, rho_tab: NDArray[np.float64]) -> float:
    """Altitude at which the tabulated ISA density equals rho (bisection; table decreasing)."""
    n = rho_tab.shape[0]
    if rho >= rho_tab[0]:
        return h0
    if rho <= rho_tab[n - 2]:
        return h0 + dh * (n - 2)
    lo = 0
    hi = n - 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if rho_tab[mid] > rho:
            lo = mid
        else:
            hi = mid
    f = (rho_tab[lo] - rho) / (rho_tab[lo] - rho_tab[hi])
    return h0 + dh * (lo + f)


@njit(cache=True)
def _midcourse_aim(
    p: tuple[float, float, float],
    pip: tuple[float, float, float],
    vref: float,
    par: NDArray[np.float64],
    cen: NDArray[np.float64],
    rg: float,
    h0: float,
    dh: float,
    rho_tab: NDArray[np.float64],
) -> tuple[float, float, float]:
    """Mid-course aim point: look-ahead point on the lofted altitude profile to the PIP.

    Ground distances and altitudes are on the osculating sphere. The profile altitude at
    ground distance x before the PIP is h_c(x) = max(h_pip, min(h_cr, h_pip + s x)): climb
    to the cruise altitude h_cr, cruise, dive at slope s onto the PIP, with
    s = min(k, (h_cr - h_pip) / (1.5 R_s)) so that the dive has begun when the seeker
    (range R_s) takes over. The cruise altitude h_cr
    is the lower of the type's h_top and h_q, the altitude where the burnt-out missile at
    the reference speed V still has MIDCOURSE_MIN_AUTHORITY_MPS2 of lateral acceleration
    (rho(h_q) V^2 S CN_max / (2 m_bo) = a_min), so that it can always pull out of the loft.
    The aim is the profile point L = min(d, V T_la) ahead along the great circle, raised by
    the gravity drop g (L/V)^2 / 2; while climbing, its elevation is capped at the flight
    path angle gamma_max from which the missile can still level off at h_c with a_min:
    (V^2 / a_min)(1 - cos gamma_max) = h_c - h.
    """
    mx = p[0] - cen[0]
    my = p[1] - cen[1]
    mz = p[2] - cen[2]
    mn = np.sqrt(mx * mx + my * my + mz * mz)
    qx = pip[0] - cen[0]
    qy = pip[1] - cen[1]
    qz = pip[2] - cen[2]
    qn = np.sqrt(qx * qx + qy * qy + qz * qz)
    mx, my, mz = mx / mn, my / mn, mz / mn
    qx, qy, qz = qx / qn, qy / qn, qz / qn
    c = mx * qx + my * qy + mz * qz
    ex = qx - c * mx
    ey = qy - c * my
    ez = qz - c * mz
    s = np.sqrt(ex * ex + ey * ey + ez * ez)
    theta = np.arctan2(s, c)
    d = rg * theta
    h_pip = qn - rg
    look = min(d, vref * MIDCOURSE_LOOKAHEAD_S)
    x = d - look
    m_bo = par[I_M0] - par[I_MDB] * par[I_TBB] - par[I_MDS] * par[I_TBS]
    rho_q = 2.0 * MIDCOURSE_MIN_AUTHORITY_MPS2 * m_bo / (vref * vref * par[I_S] * par[I_CN])
    h_q = _altitude_of_density(rho_q, h0, dh, rho_tab)
    h_top = min(par[I_HTOP], h_q)
    # the dive is no steeper than reaches the PIP from the cruise over 1.5 seeker ranges,
    # so that the hand-over to homing finds the missile already diving toward the PIP
    slope = min(par[I_LOFT], max(h_top - h_pip, 0.0) / (1.5 * par[I_SEEK]))
    h_c = max(h_pip, min(h_top, h_pip + slope * x))
    tla = look / vref
    h_aim = h_c + 0.5 * G0_MPS2 * (rg / qn) ** 2 * tla * tla
    h_m = mn - rg
    if h_c > h_m and look > 0.0:
        # climb no steeper than lets the missile level off at h_c with the cruise
        # authority: R (1 - cos gamma) <= h_c - h, R = V^2 / a_min
        cos_max = 1.0 - (h_c - h_m) * MIDCOURSE_MIN_AUTHORITY_MPS2 / (vref * vref)
        if cos_max > -1.0:
            gmax = np.arccos(min(cos_max, 1.0))
            h_aim = min(h_aim, h_m + look * np.tan(min(gmax, 1.55)))
    if s > 1e-12:
        ex, ey, ez = ex / s, ey / s, ez / s
    else:
        ex, ey, ez = 0.0, 0.0, 0.0
    th = look / rg
    ct = np.cos(th)
    st = np.sin(th)
    r = rg + h_aim
    return (
        cen[0] + r * (mx * ct + ex * st),
        cen[1] + r * (my * ct + ey * st),
        cen[2] + r * (mz * ct + ez * st),
    )


@njit(cache=True)
def _launch_aims(
    p0: NDArray[np.float64],
    pip: NDArray[np.float64],
    par_all: NDArray[np.float64],
    typ: NDArray[np.int64],
    cen: NDArray[np.float64],
    rg: float,
    h0: float,
    dh: float,
    rho_tab: NDArray[np.float64],
) -> NDArray[np.float64]:
    out = np.empty_like(p0)
    for i in range(p0.shape[0]):
        par = par_all[typ[i]]
        a = _midcourse_aim(
            (p0[i, 0], p0[i, 1], p0[i, 2]),
            (pip[i, 0], pip[i, 1], pip[i, 2]),
            par[I_VPLAN],
            par,
            cen,
            rg,
            h0,
            dh,
            rho_tab,
        )
        out[i, 0], out[i, 1], out[i, 2] = a
    return out


@njit(cache=True)
def _launch_states(
    pos: NDArray[np.float64],
    aim: NDArray[np.float64],
    typ: NDArray[np.int64],
    par_all: NDArray[np.float64],
    cen: NDArray[np.float64],
    rg: float,
    h0: float,
    dh: float,
    rho_tab: NDArray[np.float64],
    gmul: float,
    p0: NDArray[np.float64],
    vel: NDArray[np.float64],
    hold: NDArray[np.float64],
) -> None:
    """Initial states of interceptors launched from ``pos`` toward the PIPs ``aim``.

    With the radial unit vector u = (pos - c) / |pos - c| of the osculating sphere
    (centre c, radius R): the missile starts at p0 = pos + h_L u, heading along
    d = a - p0 - min(d . u, 0) u toward its first mid-course aim point a
    (:func:`_launch_aims`; never below the local horizontal, u if the aim is overhead),
    normalised, at the launch speed: v = V_L d; the lags hold the gravity part
    perpendicular to d, g_perp = g - (g . d) d with g = g0 (R / |p0 - c|)^2 u, scaled
    into the boost's lateral authority min(a_struct, T_b sin(d_max) / m0) (times the
    gravity switch). Sums of three products as ``numpy`` sums them, ((x + y) + z).
    Writes rows of ``p0``, ``vel`` and ``hold``.
    """
    k = typ.shape[0]
    up = np.empty((k, 3))
    for i in range(k):
        par = par_all[typ[i]]
        ux = pos[i, 0] - cen[0]
        uy = pos[i, 1] - cen[1]
        uz = pos[i, 2] - cen[2]
        un = np.sqrt(ux * ux + uy * uy + uz * uz)
        up[i, 0], up[i, 1], up[i, 2] = ux / un, uy / un, uz / un
        for c in range(3):
            p0[i, c] = pos[i, c] + up[i, c] * par[I_HL]
    aims = _launch_aims(p0, aim, par_all, typ, cen, rg, h0, dh, rho_tab)
    for i in range(k):
        par = par_all[typ[i]]
        u = (up[i, 0], up[i, 1], up[i, 2])
        d = (aims[i, 0] - p0[i, 0], aims[i, 1] - p0[i, 1], aims[i, 2] - p0[i, 2])
        dist = np.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
        du = min(d[0] * u[0] + d[1] * u[1] + d[2] * u[2], 0.0)
        d = (d[0] - du * u[0], d[1] - du * u[1], d[2] - du * u[2])
        dn = np.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
        if dn > 1e-6 * max(dist, 1.0):
            q = max(dn, 1e-300)
            d = (d[0] / q, d[1] / q, d[2] / q)
        else:
            d = u
        for c in range(3):
            vel[i, c] = d[c] * par[I_VL]
        rx = p0[i, 0] - cen[0]
        ry = p0[i, 1] - cen[1]
        rz = p0[i, 2] - cen[2]
        rr = rg / np.sqrt(rx * rx + ry * ry + rz * rz)
        gs = G0_MPS2 * (rr * rr)
        g0 = (gs * u[0], gs * u[1], gs * u[2])
        gd = g0[0] * d[0] + g0[1] * d[1] + g0[2] * d[2]
        gp = (g0[0] - gd * d[0], g0[1] - gd * d[1], g0[2] - gd * d[2])
        amax0 = min(par[I_ASTR], par[I_TB] * par[I_SINTVC] / par[I_M0])
        gn = np.sqrt(gp[0] * gp[0] + gp[1] * gp[1] + gp[2] * gp[2])
        f = min(1.0, amax0 / max(gn, 1e-12))
        for c in range(3):
            hold[i, c] = gp[c] * f * gmul


@njit(cache=True)
def _guidance_sample(
    i: int,
    j: int,
    kk: int,
    r_t: tuple[float, float, float],
    w_t: tuple[float, float, float],
    rng_t: float,
    up: tuple[float, float, float],
    par: NDArray[np.float64],
    nav: float,
    apn: bool,
    acc_t: tuple[float, float, float],
    gloc: float,
    zlos: NDArray[np.float64],
    glint: NDArray[np.float64],
    mp: NDArray[np.float64],
    lock: NDArray[np.float64],
    tglint: NDArray[np.float64],
    talt: NDArray[np.float64],
    gnoise: NDArray[np.float64],
) -> tuple[float, float, float]:
    """One seeker measurement and the terminal guidance command it gives (see Flyout).

    The measured line of sight u_m is the true one plus angle noise (thermal and fixed,
    white per sample), glint (Gauss-Markov, metres across the line of sight, divided by
    the range) and multipath (Gauss-Markov, in the vertical plane); the LOS-rate estimate
    is the filtered derivative d = (u_m - z) / T_f, z' = (u_m - z) / T_f (exact for the
    held sample), and the command N' V_c (d - (d . u_m) u_m) [+ N'/2 a_T,perp] + g up.
    The filter's time constant grows with the white noise above its floor,
    T_f = T_f0 sqrt(max(1, sigma / sigma_fixed)): a steady-state Kalman filter of the
    line-of-sight angle has a bandwidth ~ (q / r)^(1/4), so its time constant grows as
    the square root of the measurement noise (Zarchan, ch. 9; Bar-Shalom, Li and
    Kirubarajan, *Estimation with Applications to Tracking and Navigation*, sec. 6.5,
    the alpha-beta filter's gains vs the tracking index). Without it the thermal noise
    at lock-on range (8.6 mrad for a 5 deg beam at 13 dB) drove 50 to 100 g commands and
    saturated the airframe for seconds.

    At lock-on the glint and multipath wanders start in their stationary distributions
    and the filter state z on the true line of sight plus the white noise's stationary
    share, sqrt((1 - phi) / (1 + phi)) of it with phi = exp(-T_s / T_f): the seeker has
    acquired a track, not a single noisy look (starting z on one raw measurement would
    feed that measurement's noise into the loop as an angle step).
    """
    ts = par[I_GTS]
    rh = (r_t[0] / rng_t, r_t[1] / rng_t, r_t[2] / rng_t)
    # elevation axis: local up, perpendicular to the LOS; azimuth axis completes the triad
    du = up[0] * rh[0] + up[1] * rh[1] + up[2] * rh[2]
    e2 = (up[0] - du * rh[0], up[1] - du * rh[1], up[2] - du * rh[2])
    n2 = np.sqrt(e2[0] ** 2 + e2[1] ** 2 + e2[2] ** 2)
    if n2 < 1e-9:  # looking straight up or down: any perpendicular will do
        e2 = (rh[1], -rh[0], 0.0) if abs(rh[2]) < 0.9 else (0.0, rh[2], -rh[1])
        n2 = np.sqrt(e2[0] ** 2 + e2[1] ** 2 + e2[2] ** 2)
    e2 = (e2[0] / n2, e2[1] / n2, e2[2] / n2)
    e1 = (
        rh[1] * e2[2] - rh[2] * e2[1],
        rh[2] * e2[0] - rh[0] * e2[2],
        rh[0] * e2[1] - rh[1] * e2[0],
    )
    w0 = gnoise[j, kk, 0]
    w1 = gnoise[j, kk, 1]
    sig = angle_noise_std_kernel(rng_t, lock[i], par[I_SLOCK], par[I_SEXP], par[I_SFIX])
    # the filter narrows as the measurement noise grows above its floor, as a
    # steady-state Kalman filter's bandwidth does (time constant ~ r^(1/4) = sigma^(1/2))
    tf = par[I_TF]
    if par[I_SFIX] > 0.0 and sig > par[I_SFIX]:
        tf *= np.sqrt(sig / par[I_SFIX])
    first = np.isnan(zlos[i, 0])
    phi = np.exp(-ts / GLINT_CORRELATION_S)
    qn = 1.0 if first else np.sqrt(1.0 - phi * phi)
    if first:
        phi = 0.0
    # glint: keep the wander across the current line of sight, then one Gauss-Markov step
    gd = glint[i, 0] * rh[0] + glint[i, 1] * rh[1] + glint[i, 2] * rh[2]
    g = (glint[i, 0] - gd * rh[0], glint[i, 1] - gd * rh[1], glint[i, 2] - gd * rh[2])
    gs = qn * tglint[i]
    g = (
        phi * g[0] + gs * (gnoise[j, kk, 2] * e1[0] + gnoise[j, kk, 3] * e2[0]),
        phi * g[1] + gs * (gnoise[j, kk, 2] * e1[1] + gnoise[j, kk, 3] * e2[1]),
        phi * g[2] + gs * (gnoise[j, kk, 2] * e1[2] + gnoise[j, kk, 3] * e2[2]),
    )
    glint[i, 0], glint[i, 1], glint[i, 2] = g
    mp[i] = phi * mp[i] + qn * gnoise[j, kk, 4]
    smp = multipath_kernel(talt[j], rng_t, par[I_SBW]) * mp[i]
    um = (
        rh[0] + sig * (w0 * e1[0] + w1 * e2[0]) + g[0] / rng_t + smp * e2[0],
        rh[1] + sig * (w0 * e1[1] + w1 * e2[1]) + g[1] / rng_t + smp * e2[1],
        rh[2] + sig * (w0 * e1[2] + w1 * e2[2]) + g[2] / rng_t + smp * e2[2],
    )
    un = np.sqrt(um[0] ** 2 + um[1] ** 2 + um[2] ** 2)
    um = (um[0] / un, um[1] / un, um[2] / un)
    fz = np.exp(-ts / tf)
    if first:  # lock-on: the filter starts in its stationary state (see above)
        kz = np.sqrt((1.0 - fz) / (1.0 + fz))
        z0 = (
            rh[0] + kz * (um[0] - rh[0]),
            rh[1] + kz * (um[1] - rh[1]),
            rh[2] + kz * (um[2] - rh[2]),
        )
        zn = np.sqrt(z0[0] ** 2 + z0[1] ** 2 + z0[2] ** 2)
        zlos[i, 0], zlos[i, 1], zlos[i, 2] = z0[0] / zn, z0[1] / zn, z0[2] / zn
    d = ((um[0] - zlos[i, 0]) / tf, (um[1] - zlos[i, 1]) / tf, (um[2] - zlos[i, 2]) / tf)
    for c in range(3):
        zlos[i, c] = um[c] + (zlos[i, c] - um[c]) * fz
    dd = d[0] * um[0] + d[1] * um[1] + d[2] * um[2]
    vc = -(r_t[0] * w_t[0] + r_t[1] * w_t[1] + r_t[2] * w_t[2]) / rng_t
    k = nav * vc
    cmd = (k * (d[0] - dd * um[0]), k * (d[1] - dd * um[1]), k * (d[2] - dd * um[2]))
    if apn:
        ad = acc_t[0] * um[0] + acc_t[1] * um[1] + acc_t[2] * um[2]
        h = 0.5 * nav
        cmd = (
            cmd[0] + h * (acc_t[0] - ad * um[0]),
            cmd[1] + h * (acc_t[1] - ad * um[1]),
            cmd[2] + h * (acc_t[2] - ad * um[2]),
        )
    # gravity compensation
    return (cmd[0] + gloc * up[0], cmd[1] + gloc * up[1], cmd[2] + gloc * up[2])


@njit(cache=True)
def _due_rows(
    alive: NDArray[np.bool_], tcur: NDArray[np.float64], n: int, t_cut: float
) -> tuple[NDArray[np.int64], float]:
    """Interceptors in flight (``alive[:n]``) whose current time is before ``t_cut``,
    ascending, and the earliest current time of those in flight (inf if none)."""
    rows = np.empty(n, dtype=np.int64)
    k = 0
    t_min = np.inf
    for i in range(n):
        if alive[i]:
            t_min = min(t_min, tcur[i])
            if tcur[i] < t_cut:
                rows[k] = i
                k += 1
    return rows[:k], t_min


@njit(cache=True)
def _live_rows(
    alive: NDArray[np.bool_], tlaunch: NDArray[np.float64], n: int, t_cut: float
) -> NDArray[np.int64]:
    """Interceptors in flight (``alive[:n]``) launched by ``t_cut`` (``tlaunch <= t_cut``),
    ascending."""
    rows = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(n):
        if alive[i] and tlaunch[i] <= t_cut:
            rows[k] = i
            k += 1
    return rows[:k]


@njit(cache=True)
def _macro_step_inputs(
    rows: NDArray[np.int64],
    hw: float,
    tp0: NDArray[np.float64],
    tv0: NDArray[np.float64],
    tp1: NDArray[np.float64],
    tv1: NDArray[np.float64],
    pos: NDArray[np.float64],
    vel: NDArray[np.float64],
    phase: NDArray[np.int64],
    lock: NDArray[np.float64],
    typ: NDArray[np.int64],
    par_all: NDArray[np.float64],
    ok: NDArray[np.bool_],
    near: NDArray[np.bool_],
) -> tuple[int, int, float]:
    """Which interceptors of a macro step still have a target, and which may home in it.

    Row ``j`` is interceptor ``rows[j]``, whose target is at ``tp0[j]``, ``tv0[j]`` at the
    start of the step and ``tp1[j]``, ``tv1[j]`` at its end (``hw`` s later). ``ok[j]``:
    all twelve numbers are finite (otherwise the target is gone). ``near[j]`` (``ok`` rows
    only): the interceptor homes already (phase 2) or may reach its lock-on range
    R_lock in the step, reach = |p_T - p| - (|v| + |v_T| + 500 m/s) hw <= R_lock, each
    norm sqrt((x^2 + y^2) + z^2) as ``numpy.linalg.norm`` sums it.

    Returns
    -------
    tuple of (int, int, float)
        The number of ``ok`` rows, the number of ``near`` rows, and the shortest seeker
        sample interval (``I_GTS``) of the ``ok`` rows' types (inf without one).
    """
    n_ok = 0
    n_near = 0
    ts_min = np.inf
    for j in range(rows.shape[0]):
        good = True
        for c in range(3):
            if not (
                np.isfinite(tp0[j, c])
                and np.isfinite(tv0[j, c])
                and np.isfinite(tp1[j, c])
                and np.isfinite(tv1[j, c])
            ):
                good = False
        ok[j] = good
        near[j] = False
        if not good:
            continue
        n_ok += 1
        i = rows[j]
        ts_min = min(ts_min, par_all[typ[i], I_GTS])
        dx = tp0[j, 0] - pos[i, 0]
        dy = tp0[j, 1] - pos[i, 1]
        dz = tp0[j, 2] - pos[i, 2]
        d = np.sqrt(dx * dx + dy * dy + dz * dz)
        vm = np.sqrt(vel[i, 0] * vel[i, 0] + vel[i, 1] * vel[i, 1] + vel[i, 2] * vel[i, 2])
        vt = np.sqrt(tv0[j, 0] * tv0[j, 0] + tv0[j, 1] * tv0[j, 1] + tv0[j, 2] * tv0[j, 2])
        reach = d - (vm + vt + 500.0) * hw
        if phase[i] == 2 or reach <= lock[i]:
            near[j] = True
            n_near += 1
    return n_ok, n_near, ts_min


@njit(cache=True)
def _advance_kernel(
    rows: NDArray[np.int64],
    t0: float,
    t1: float,
    pos: NDArray[np.float64],
    vel: NDArray[np.float64],
    chain: NDArray[np.float64],
    tcur: NDArray[np.float64],
    tlaunch: NDArray[np.float64],
    typ: NDArray[np.int64],
    phase: NDArray[np.int64],
    pip: NDArray[np.float64],
    peak: NDArray[np.float64],
    vpeak: NDArray[np.float64],
    nsteps: NDArray[np.int64],
    lpos: NDArray[np.float64],
    zlos: NDArray[np.float64],
    glint: NDArray[np.float64],
    mp: NDArray[np.float64],
    tnext: NDArray[np.float64],
    cmdh: NDArray[np.float64],
    lock: NDArray[np.float64],
    tglint: NDArray[np.float64],
    tp0: NDArray[np.float64],
    tv0: NDArray[np.float64],
    tp1: NDArray[np.float64],
    tv1: NDArray[np.float64],
    talt: NDArray[np.float64],
    ep: NDArray[np.float64],
    ev: NDArray[np.float64],
    ea: NDArray[np.float64],
    gnoise: NDArray[np.float64],
    ground: NDArray[np.float64],
    par_all: NDArray[np.float64],
    mach_all: NDArray[np.float64],
    cd_all: NDArray[np.float64],
    h0: float,
    dh: float,
    rho_tab: NDArray[np.float64],
    a_tab: NDArray[np.float64],
    cen: NDArray[np.float64],
    rg: float,
    om: NDArray[np.float64],
    gmul: float,
    rot: NDArray[np.float64],
    org: NDArray[np.float64],
    tab_r: NDArray[np.float64],
    tab_a: NDArray[np.float64],
    tab_t: NDArray[np.float64],
    tab_v: NDArray[np.float64],
    tab_n: NDArray[np.int64],
    out_code: NDArray[np.int64],
    out_t: NDArray[np.float64],
    out_miss: NDArray[np.float64],
    out_speed: NDArray[np.float64],
    out_amax: NDArray[np.float64],
    out_vrel: NDArray[np.float64],
) -> int:
    """Fly ``rows`` from their current times to ``t1`` (see :class:`Flyout`).

    Row ``j`` of the target and estimate arrays belongs to interceptor ``rows[j]``. A track
    estimate row with a non-finite position or velocity is no track (the interceptor
    keeps its intercept point); non-finite estimate accelerations count as zero. Writes
    the end code (0: still flying), time, miss distance and closing speed (NaN unless
    intercepted), speed and available lateral acceleration of every row; returns the
    number of rows whose flight ended.
    """
    hw = t1 - t0
    n_done = 0
    for j in range(rows.shape[0]):
        i = rows[j]
        k = typ[i]
        par = par_all[k]
        mrow = mach_all[k]
        crow = cd_all[k]
        n_fc = int(par[I_NFC])
        tau0 = par[I_TAU] / n_fc if n_fc > 0 else 1.0
        burn_end = par[I_TBB] + par[I_TBS]
        nav = par[I_NAV]
        apn = par[I_APN] > 0.5
        ts = par[I_GTS]
        state = chain[i]
        p = (pos[i, 0], pos[i, 1], pos[i, 2])
        v = (vel[i, 0], vel[i, 1], vel[i, 2])
        tp0_ = (tp0[j, 0], tp0[j, 1], tp0[j, 2])
        tv0_ = (tv0[j, 0], tv0[j, 1], tv0[j, 2])
        tp1_ = (tp1[j, 0], tp1[j, 1], tp1[j, 2])
        tv1_ = (tv1[j, 0], tv1[j, 1], tv1[j, 2])
        evalid = (
            np.isfinite(ep[j, 0])
            and np.isfinite(ep[j, 1])
            and np.isfinite(ep[j, 2])
            and np.isfinite(ev[j, 0])
            and np.isfinite(ev[j, 1])
            and np.isfinite(ev[j, 2])
        )
        ea0 = ea[j, 0] if np.isfinite(ea[j, 0]) else 0.0
        ea1 = ea[j, 1] if np.isfinite(ea[j, 1]) else 0.0
        ea2 = ea[j, 2] if np.isfinite(ea[j, 2]) else 0.0
        out_miss[j] = np.nan
        out_vrel[j] = np.nan
        t = tcur[i]
        code = 0
        kk = 0  # guidance samples taken in this macro step (index into gnoise)
        h_exact = _ellipsoid_height(p[0], p[1], p[2], rot, org)
        while t < t1 - 1e-12 and code == 0:
            t_fl = t - tlaunch[i]
            # target truth (Hermite in the macro step) and track estimate (const. acc.)
            pt, vt = _hermite_pv(tp0_, tv0_, tp1_, tv1_, hw, (t - t0) / hw)
            te = t - t0
            # altitude: sphere distance corrected by dalt to the (last) exact ellipsoidal height
            rr = np.sqrt((p[0] - cen[0]) ** 2 + (p[1] - cen[1]) ** 2 + (p[2] - cen[2]) ** 2)
            dalt = h_exact - (rr - rg)
            upx = (p[0] - cen[0]) / rr
            upy = (p[1] - cen[1]) / rr
            upz = (p[2] - cen[2]) / rr
            gloc = gmul * G0_MPS2 * (rg / rr) ** 2
            vv = np.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
            vh = (v[0] / vv, v[1] / vv, v[2] / vv)
            r_t = (pt[0] - p[0], pt[1] - p[1], pt[2] - p[2])
            w_t = (vt[0] - v[0], vt[1] - v[1], vt[2] - v[2])
            rng_t = np.sqrt(r_t[0] ** 2 + r_t[1] ** 2 + r_t[2] ** 2)
            if phase[i] == 1 and rng_t <= lock[i]:
                # lock-on: homing starts with a measurement now, the filter from rest
                phase[i] = 2
                tnext[i] = t
                zlos[i, 0] = np.nan
            if phase[i] == 2:
                if t >= tnext[i] - 1e-12:
                    acc_t = (ea0, ea1, ea2) if evalid else (0.0, 0.0, 0.0)
                    c = _guidance_sample(
                        i,
                        j,
                        min(kk, gnoise.shape[1] - 1),
                        r_t,
                        w_t,
                        rng_t,
                        (upx, upy, upz),
                        par,
                        nav,
                        apn,
                        acc_t,
                        gloc,
                        zlos,
                        glint,
                        mp,
                        lock,
                        tglint,
                        talt,
                        gnoise,
                    )
                    cmdh[i, 0], cmdh[i, 1], cmdh[i, 2] = c
                    kk += 1
                    tnext[i] += ts
                    while tnext[i] <= t + 1e-12:
                        tnext[i] += ts
                cmd = (cmdh[i, 0], cmdh[i, 1], cmdh[i, 2])
            else:
                vavg = max(vv, par[I_VPLAN])
                if evalid:
                    pe = (
                        ep[j, 0] + ev[j, 0] * te + 0.5 * ea0 * te * te,
                        ep[j, 1] + ev[j, 1] * te + 0.5 * ea1 * te * te,
                        ep[j, 2] + ev[j, 2] * te + 0.5 * ea2 * te * te,
                    )
                    ve = (
                        ev[j, 0] + ea0 * te,
                        ev[j, 1] + ea1 * te,
                        ev[j, 2] + ea2 * te,
                    )
                    tgo = (
                        np.sqrt((pe[0] - p[0]) ** 2 + (pe[1] - p[1]) ** 2 + (pe[2] - p[2]) ** 2)
                        / vavg
                    )
                    for _ in range(3):
                        q0 = pe[0] + ve[0] * tgo + 0.5 * ea0 * tgo * tgo
                        q1 = pe[1] + ve[1] * tgo + 0.5 * ea1 * tgo * tgo
                        q2 = pe[2] + ve[2] * tgo + 0.5 * ea2 * tgo * tgo
                        dq = np.sqrt((q0 - p[0]) ** 2 + (q1 - p[1]) ** 2 + (q2 - p[2]) ** 2)
                        tgo = dq / vavg
                        if tab_n[k, 0] > 1:
                            t_nom, v_arr = _tof_lookup(
                                k,
                                (lpos[i, 0], lpos[i, 1], lpos[i, 2]),
                                (q0, q1, q2),
                                cen,
                                rg,
                                tab_r,
                                tab_a,
                                tab_t,
                                tab_v,
                                tab_n,
                            )
                            if t_fl < burn_end:
                                # accelerating: the nominal time of flight from the launch
                                # point, minus the time flown
                                tgo = max(t_nom - t_fl, 0.5 * tgo)
                            else:
                                # coasting: the distance at the mean of the current and
                                # the nominal arrival speed (the nominal flight from the
                                # launch point no longer describes a missile whose PIP
                                # has moved, e.g. against a fast diving target)
                                tgo = dq / max(0.5 * (vv + max(v_arr, par[I_VMIN])), 1.0)
                    pip[i, 0] = pe[0] + ve[0] * tgo + 0.5 * ea0 * tgo * tgo
                    pip[i, 1] = pe[1] + ve[1] * tgo + 0.5 * ea1 * tgo * tgo
                    pip[i, 2] = pe[2] + ve[2] * tgo + 0.5 * ea2 * tgo * tgo
                aim = _midcourse_aim(
                    p, (pip[i, 0], pip[i, 1], pip[i, 2]), vavg, par, cen, rg, h0, dh, rho_tab
                )
                aim = (aim[0] - p[0], aim[1] - p[1], aim[2] - p[2])
                d_aim = np.sqrt(aim[0] ** 2 + aim[1] ** 2 + aim[2] ** 2)
                gain = max(nav * vv / max(d_aim, 1.0), MIDCOURSE_MIN_GAIN_PER_S)
                cmd = heading_kernel(v, aim, gain)
            # command limiter: perpendicular to velocity, within the current limit
            amax0 = _available_accel(p, v, t_fl, dalt, par, h0, dh, rho_tab, a_tab, cen, rg)
            cmd, _ = limit_lateral(cmd, vh, amax0)
            # flight-control lags, slower at low dynamic pressure
            if n_fc > 0:
                rho0, _ = atm_lookup(rr - rg + dalt, h0, dh, rho_tab, a_tab)
                tau = tau0 * response_scale(0.5 * rho0 * vv * vv, par[I_QREF])
            else:
                tau = 1.0
            # step size
            dt_cap = DT_BOOST_S if t_fl < burn_end else DT_MAX_S
            dt = min(dt_cap, t1 - t, par[I_TMAX] - t_fl)
            if phase[i] == 2:
                dt = min(dt, tnext[i] - t)
            vc_t = -(r_t[0] * w_t[0] + r_t[1] * w_t[1] + r_t[2] * w_t[2]) / max(rng_t, 1e-9)
            if vc_t > 0.0:
                dt = min(dt, max(DT_TGO_FRACTION * rng_t / vc_t, DT_MIN_S))
            for ev_t in (par[I_TBB], burn_end):
                if t_fl < ev_t - 1e-9 and t_fl + dt > ev_t:
                    dt = ev_t - t_fl
            dt = max(dt, 1e-9)
            # RK4 on (p, v); the flight-control lags are integrated exactly for the command
            # held over the step (autopilot.lag_chain_output)
            al = lag_chain_output(state, n_fc, cmd, 0.0, tau)
            hh = 0.5 * dt
            l2 = lag_chain_output(state, n_fc, cmd, hh, tau)
            ln = lag_chain_output(state, n_fc, cmd, dt, tau)
            a1, n1 = _deriv(
                p, v, al, t_fl, dalt, par, mrow, crow, h0, dh, rho_tab, a_tab, cen, rg, om, gmul
            )
            p2 = _axpy(p, hh, v)
            v2 = _axpy(v, hh, a1)
            a2, n2 = _deriv(
                p2,
                v2,
                l2,
                t_fl + hh,
                dalt,
                par,
                mrow,
                crow,
                h0,
                dh,
                rho_tab,
                a_tab,
                cen,
                rg,
                om,
                gmul,
            )
            p3 = _axpy(p, hh, v2)
            v3 = _axpy(v, hh, a2)
            a3, n3 = _deriv(
                p3,
                v3,
                l2,
                t_fl + hh,
                dalt,
                par,
                mrow,
                crow,
                h0,
                dh,
                rho_tab,
                a_tab,
                cen,
                rg,
                om,
                gmul,
            )
            p4 = _axpy(p, dt, v3)
            v4 = _axpy(v, dt, a3)
            a4, n4 = _deriv(
                p4,
                v4,
                ln,
                t_fl + dt,
                dalt,
                par,
                mrow,
                crow,
                h0,
                dh,
                rho_tab,
                a_tab,
                cen,
                rg,
                om,
                gmul,
            )
            pn_ = _comb(p, v, v2, v3, v4, dt)
            vn = _comb(v, a1, a2, a3, a4, dt)
            peak[i] = max(peak[i], n1, n2, n3, n4)
            vpeak[i] = max(vpeak[i], np.sqrt(vn[0] ** 2 + vn[1] ** 2 + vn[2] ** 2))
            nsteps[i] += 1
            tn = t + dt
            # closest approach inside the step (analytic, on the Hermite relative motion)
            ptn, vtn = _hermite_pv(tp0_, tv0_, tp1_, tv1_, hw, (tn - t0) / hw)
            r1 = (ptn[0] - pn_[0], ptn[1] - pn_[1], ptn[2] - pn_[2])
            w1 = (vtn[0] - vn[0], vtn[1] - vn[1], vtn[2] - vn[2])
            rd0 = r_t[0] * w_t[0] + r_t[1] * w_t[1] + r_t[2] * w_t[2]
            rd1 = r1[0] * w1[0] + r1[1] * w1[1] + r1[2] * w1[2]
            if rd0 < 0.0 and rd1 >= 0.0 and (phase[i] == 2 or rng_t < lock[i]):
                s, miss = cpa_hermite_kernel(
                    np.array(r_t), np.array(w_t), np.array(r1), np.array(w1), dt
                )
                pc, vcx = _hermite_pv(p, v, pn_, vn, dt, s / dt)
                _, vtc = _hermite_pv(tp0_, tv0_, tp1_, tv1_, hw, (t + s - t0) / hw)
                p, v = pc, vcx
                lag_chain_advance(state, n_fc, cmd, s, tau)
                t = t + s
                code = _INTERCEPT
                out_miss[j] = miss
                out_vrel[j] = np.sqrt(
                    (vtc[0] - v[0]) ** 2 + (vtc[1] - v[1]) ** 2 + (vtc[2] - v[2]) ** 2
                )
                break
            lag_chain_advance(state, n_fc, cmd, dt, tau)
            p, v, t = pn_, vn, tn
            t_fl = t - tlaunch[i]
            # exact height when near the ground or every EXACT_ALT_EVERY steps; otherwise
            # the sphere altitude with the last correction (drifts < 0.1 m per 250 m step)
            r_end = np.sqrt((p[0] - cen[0]) ** 2 + (p[1] - cen[1]) ** 2 + (p[2] - cen[2]) ** 2)
            h_end = r_end - rg + dalt
            if h_end - ground[j] < EXACT_ALT_BELOW_M or nsteps[i] % EXACT_ALT_EVERY == 0:
                h_end = _ellipsoid_height(p[0], p[1], p[2], rot, org)
            if h_end < ground[j]:
                code = _GROUND
                # time of impact by linear interpolation of the altitude over the step,
                # kept inside the step: the ground height is sampled once per macro step,
                # so over hills the missile can start a step already below it, and a
                # nearly level step would otherwise date the impact seconds back
                if h_exact > h_end:
                    frac = (ground[j] - h_end) / (h_exact - h_end)
                    t = t - dt * min(1.0, max(0.0, frac))
            elif t_fl >= burn_end and np.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2) < par[I_VMIN]:
                code = _MIN_SPEED
            elif t_fl >= par[I_TMAX] - 1e-9:
                code = _TIME_LIMIT
            h_exact = h_end
        pos[i, 0], pos[i, 1], pos[i, 2] = p
        vel[i, 0], vel[i, 1], vel[i, 2] = v
        tcur[i] = t
        out_code[j] = code
        if code > 0:
            n_done += 1
        out_t[j] = t
        vv = np.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
        out_speed[j] = vv
        h_fin = _ellipsoid_height(p[0], p[1], p[2], rot, org)
        rr = np.sqrt((p[0] - cen[0]) ** 2 + (p[1] - cen[1]) ** 2 + (p[2] - cen[2]) ** 2)
        out_amax[j] = _available_accel(
            p, v, t - tlaunch[i], h_fin - (rr - rg), par, h0, dh, rho_tab, a_tab, cen, rg
        )
    return n_done


@dataclass(frozen=True)
class Outcomes:
    """End-of-flight records, one row per interceptor whose flight ended.

    Attributes
    ----------
    interceptor_id : ndarray of int64
    kind : ndarray of str
        One of ``intercept``, ``self_destruct``, ``ground``, ``time_limit``, ``min_speed``,
        ``target_gone``.
    time_s : ndarray
        Time the flight ended (for ``intercept``, the time of closest approach).
    miss_m : ndarray
        Miss distance at closest approach (``intercept`` only, NaN otherwise).
    position_enu_m : ndarray, shape (k, 3)
        Interceptor position at the end.
    target_id : ndarray of int64
    type_index : ndarray of int64
    speed_mps : ndarray
        Interceptor speed at the end.
    accel_available_mps2 : ndarray
        Lateral acceleration the airframe could still pull at the end (manoeuvre authority).
    closing_speed_mps : ndarray
        Relative (encounter) speed at closest approach (``intercept`` only, NaN otherwise).
    """

    interceptor_id: NDArray[np.int64]
    kind: NDArray[np.str_]
    time_s: NDArray[np.float64]
    miss_m: NDArray[np.float64]
    position_enu_m: NDArray[np.float64]
    target_id: NDArray[np.int64]
    type_index: NDArray[np.int64]
    speed_mps: NDArray[np.float64]
    accel_available_mps2: NDArray[np.float64]
    closing_speed_mps: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.interceptor_id.shape[0])

    @staticmethod
    def empty() -> Outcomes:
        z = np.zeros(0)
        zi = np.zeros(0, dtype=np.int64)
        return Outcomes(zi, np.zeros(0, dtype="<U13"), z, z, np.zeros((0, 3)), zi, zi, z, z, z)

    @staticmethod
    def concat(parts: Sequence[Outcomes]) -> Outcomes:
        if not parts:
            return Outcomes.empty()
        if len(parts) == 1 and len(parts[0]) <= 1:
            return parts[0]
        out = Outcomes(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Outcomes.__dataclass_fields__)
        )
        order = np.lexsort((out.interceptor_id, out.time_s))
        return Outcomes(*(getattr(out, f)[order] for f in Outcomes.__dataclass_fields__))


#: What :meth:`Flyout.advance` returns when no flight ended (shared: nothing to write).
_NO_OUTCOMES = Outcomes.empty()


class Flyout:
    """Interceptors in flight, integrated together (struct of arrays).

    Parameters
    ----------
    frame : EnuFrame
        The scenario frame; positions and velocities are ENU metres and m/s.
    specs : sequence of MissileSpec
        The type table; ``launch`` refers to types by index into it.
    rng : numpy.random.Generator, optional
        Draws the seeker's angle noise, glint and multipath (:mod:`samsim.physics.seeker`);
        without it the seeker measures the true line of sight.
    macro_step_s : float
        Interval at which target truth and track estimates are sampled (the command
        uplink rate); the integrator steps inside it adaptively. Target truth is
        interpolated between samples by cubic Hermite (exact for constant acceleration).
    earth_rotation : bool
        Include the Coriolis acceleration of the earth-fixed frame.
    tof_tables : sequence of TofTable or None, optional
        One per type (:func:`samsim.physics.envelope.tof_table`, the command post's
        tables): mid-course then predicts the intercept point with the nominal time to go
        T(PIP) - t_flown instead of distance / planning speed. Strongly recommended
        against moving targets.
    gravity : bool
        Include gravity (and the homing loop's gravity compensation). False only to reduce
        the model to the linear engagement of the known answers.

    Notes
    -----
    Equations of motion (3-DOF point mass, ENU frame rotating with the earth):
    dv/dt = [(T cos d - D)/m] v_hat + a_lat + g + a_cor, with
    D = q S (CD0(M) + k CN^2), CN = m |a_lat,aero| / (q S), q = rho V^2 / 2;
    |a_lat| <= min(a_struct, (q S CN_max + T sin d_max)/m) (the thrust-vector part d is used
    only for what the aerodynamic normal force cannot give); a_lat follows the command
    a_c through n equal lags of total time constant T (:mod:`samsim.physics.autopilot`,
    slower below the type's reference dynamic pressure); g = -g0 (R/r)^2 r_hat toward the
    centre of the osculating sphere; a_cor = -2 Omega x v.

    Terminal homing starts at the seeker's lock-on range (scaled with the target's RCS,
    :func:`samsim.physics.seeker.lock_on_range_m`). From then on the seeker measures the
    line of sight every 1/f_g seconds with thermal, fixed, glint and multipath errors, a
    filtered derivative estimates the line-of-sight rate, and the PN/APN command is held
    until the next measurement (:func:`_guidance_sample`). The homing loop is thus
    seeker noise -> guidance filter (T_f) -> N' V_c -> n flight-control lags -> airframe
    limit; reduced to the linear planar case it is the loop of the known answers
    (:mod:`samsim.physics.homing`).

    Integration: classical RK4 on (p, v) with the guidance command held over a step and
    the flight-control lags integrated exactly; steps of 0.5 s in mid-course coast, 0.2 s
    while a motor burns (cut at the burn-out times), one guidance sample in homing and
    t_go/8 (>= 0.5 ms) near the target, never across a macro step. Arithmetic is plain
    IEEE double (no fast-math), so results do not depend on the compiler's contraction
    choices. References: Zarchan, *Tactical and Strategic Missile Guidance*, 6th ed., ch. 2,
    9 and 13 (point-mass missile models, noise in the homing loop); Siouris, *Missile
    Guidance and Control Systems*, sec. 4. See docs/models/interceptors.md for the
    guidance laws, the earth model and their limits.
    """

    def __init__(
        self,
        frame: EnuFrame,
        specs: Sequence[MissileSpec],
        rng: np.random.Generator | None = None,
        macro_step_s: float = 0.5,
        earth_rotation: bool = True,
        tof_tables: Sequence[TofTable | None] | None = None,
        gravity: bool = True,
    ) -> None:
        if macro_step_s <= 0:
            raise ValueError(f"macro_step_s must be > 0, got {macro_step_s}")
        if tof_tables is not None and len(tof_tables) != len(specs):
            raise ValueError(
                f"tof_tables must have one entry (or None) per spec: {len(tof_tables)} "
                f"tables for {len(specs)} specs"
            )
        self.frame = frame
        self.specs = list(specs)
        self.types = pack_specs(self.specs)
        self.rng = rng
        self.macro_step_s = float(macro_step_s)
        self._h0, self._dh, self._rho, self._a = atmosphere_table()
        self._cen, self._rg = osculating_sphere(frame)
        lat = math.radians(frame.lat0_deg)
        w = OMEGA_EARTH_RADPS if earth_rotation else 0.0
        self._om = np.array([0.0, w * math.cos(lat), w * math.sin(lat)])
        self._gmul = 1.0 if gravity else 0.0
        self._rot = np.ascontiguousarray(frame.rotation)
        self._org = np.ascontiguousarray(frame.origin_ecef_m)
        self._pack_tables(tof_tables)
        self.t_now = 0.0
        self._n = 0
        self._n_alive = 0  # interceptors launched and not ended (n_in_flight)
        # target truth at the end of the last macro step: (t, rows, pos, vel)
        self._truth_end: (
            tuple[float, NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]] | None
        ) = None
        cap = 64
        self._pos = np.zeros((cap, 3))
        self._vel = np.zeros((cap, 3))
        self._chain = np.zeros((cap, MAX_ORDER, 3))
        self._tcur = np.zeros(cap)
        self._tlaunch = np.zeros(cap)
        self._typ = np.zeros(cap, dtype=np.int64)
        self._phase = np.zeros(cap, dtype=np.int64)
        self._pip = np.zeros((cap, 3))
        self._peak = np.zeros(cap)
        self._vpeak = np.zeros(cap)
        self._nsteps = np.zeros(cap, dtype=np.int64)
        self._lpos = np.zeros((cap, 3))
        self._target = np.zeros(cap, dtype=np.int64)
        self._alive = np.zeros(cap, dtype=bool)
        self._zlos = np.zeros((cap, 3))
        self._glint = np.zeros((cap, 3))
        self._mp = np.zeros(cap)
        self._tnext = np.zeros(cap)
        self._cmdh = np.zeros((cap, 3))
        self._lock = np.zeros(cap)
        self._tglint = np.zeros(cap)

    def _pack_tables(self, tables: Sequence[TofTable | None] | None) -> None:
        nt = len(self.specs)
        tabs = list(tables) if tables is not None else [None] * nt
        nr = max([t.ranges_m.size for t in tabs if t is not None], default=2)
        na = max([t.altitudes_m.size for t in tabs if t is not None], default=2)
        self._tab_r = np.zeros((nt, nr))
        self._tab_a = np.zeros((nt, na))
        self._tab_t = np.zeros((nt, na, nr))
        self._tab_v = np.zeros((nt, na, nr))
        self._tab_n = np.zeros((nt, 2), dtype=np.int64)
        for k, t in enumerate(tabs):
            if t is None:
                continue
            r, a, tof = t.ranges_m, t.altitudes_m, t.filled_time_of_flight_s()
            self._tab_v[k, : a.size, : r.size] = t.filled_speed_mps()
            self._tab_r[k, : r.size] = r
            self._tab_a[k, : a.size] = a
            self._tab_t[k, : a.size, : r.size] = tof
            self._tab_n[k] = (r.size, a.size)

    # ------------------------------------------------------------------ state management
    def _grow(self, need: int) -> None:
        cap = self._pos.shape[0]
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name in (
            "_pos",
            "_vel",
            "_chain",
            "_tcur",
            "_tlaunch",
            "_typ",
            "_phase",
            "_pip",
            "_peak",
            "_vpeak",
            "_nsteps",
            "_lpos",
            "_target",
            "_alive",
            "_zlos",
            "_glint",
            "_mp",
            "_tnext",
            "_cmdh",
            "_lock",
            "_tglint",
        ):
            old = getattr(self, name)
            arr = np.zeros((new, *old.shape[1:]), dtype=old.dtype)
            arr[:cap] = old
            setattr(self, name, arr)

    def launch(
        self,
        type_index: ArrayLike,
        pos_enu_m: ArrayLike,
        t_launch_s: ArrayLike,
        target_id: ArrayLike,
        aim_point_enu_m: ArrayLike,
        target_rcs_m2: ArrayLike | None = None,
        target_span_m: ArrayLike = 0.0,
    ) -> NDArray[np.int64]:
        """Launch interceptors; returns their ids (consecutive integers from 0).

        Parameters
        ----------
        type_index : array_like of int, shape (k,)
            Index into ``specs``.
        pos_enu_m : array_like, shape (k, 3)
            Launcher positions.
        t_launch_s : array_like, shape (k,) or scalar
            Launch times, not before the flyout's current time ``t_now``.
        target_id : array_like of int, shape (k,)
            The engine's threat ids, passed back to ``truth`` and ``estimate``.
        aim_point_enu_m : array_like, shape (k, 3)
            Initial predicted intercept point (the command post's); the cold launch turns
            the missile toward the mid-course aim point above it before ignition.
        target_rcs_m2 : array_like, shape (k,) or scalar, optional
            Mean RCS of each target, which sets the seeker's lock-on range
            (:func:`samsim.physics.seeker.lock_on_range_m`). Default: the type's
            reference RCS (lock-on at ``seeker_range_m``).
        target_span_m : array_like, shape (k,) or scalar
            Span of each target, which sets its glint (0: a point target).
        """
        typ = np.atleast_1d(np.asarray(type_index, dtype=np.int64))
        k = typ.shape[0]
        pos = np.asarray(pos_enu_m, dtype=float).reshape(k, 3)
        aim = np.asarray(aim_point_enu_m, dtype=float).reshape(k, 3)
        tl = np.broadcast_to(np.asarray(t_launch_s, dtype=float), (k,)).copy()
        tgt = np.broadcast_to(np.asarray(target_id, dtype=np.int64), (k,)).copy()
        nt = len(self.specs)
        if np.any((typ < 0) | (typ >= nt)):
            raise ValueError(
                f"type_index must be in 0..{nt - 1}, got {typ[(typ < 0) | (typ >= nt)]}"
            )
        if np.any(tl < self.t_now - 1e-9):
            raise ValueError(
                f"t_launch_s must not be before the flyout time {self.t_now} s, "
                f"got {tl[tl < self.t_now - 1e-9]}"
            )
        if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(aim))):
            raise ValueError("pos_enu_m and aim_point_enu_m must be finite")
        par = self.types.par[typ]
        rcs = (
            par[:, I_SREF]
            if target_rcs_m2 is None
            else np.broadcast_to(np.asarray(target_rcs_m2, dtype=float), (k,))
        )
        span = np.broadcast_to(np.asarray(target_span_m, dtype=float), (k,))
        if np.any(~(rcs > 0)) or np.any(~(span >= 0)):
            raise ValueError("target_rcs_m2 must be > 0 and target_span_m >= 0")
        # start point, heading (never below the local horizontal; straight up if the aim
        # is overhead) and the lags' hold against gravity from ignition (thrust vectoring)
        p0, vel, hold = np.empty((k, 3)), np.empty((k, 3)), np.empty((k, 3))
        _launch_states(
            np.ascontiguousarray(pos), np.ascontiguousarray(aim), typ, self.types.par,
            self._cen, self._rg, self._h0, self._dh, self._rho, self._gmul, p0, vel, hold,
        )  # fmt: skip
        ids = np.arange(self._n, self._n + k, dtype=np.int64)
        self._grow(self._n + k)
        self._pos[ids] = p0
        self._vel[ids] = vel
        self._chain[ids] = hold[:, None, :]
        self._tcur[ids] = tl
        self._tlaunch[ids] = tl
        self._typ[ids] = typ
        self._phase[ids] = 1
        self._pip[ids] = aim
        self._peak[ids] = 0.0
        self._vpeak[ids] = np.linalg.norm(self._vel[ids], axis=1)
        self._nsteps[ids] = 0
        self._lock[ids] = lock_on_range_m(par[:, I_SEEK], par[:, I_SREF], rcs, par[:, I_SEXP])
        self._tglint[ids] = glint_sigma_m(span)
        self._zlos[ids] = np.nan
        self._glint[ids] = 0.0
        self._mp[ids] = 0.0
        self._tnext[ids] = 0.0
        self._cmdh[ids] = 0.0
        self._lpos[ids] = pos
        self._target[ids] = tgt
        self._alive[ids] = True
        self._n += k
        self._n_alive += k
        return ids

    def set_state(
        self, interceptor_ids: ArrayLike, pos_enu_m: ArrayLike, vel_enu_mps: ArrayLike
    ) -> None:
        """Place interceptors in flight at a position and velocity (for example to study
        the homing loop from a hand-over state); guidance and lags keep their state."""
        ids = np.atleast_1d(np.asarray(interceptor_ids, dtype=np.int64))
        if np.any((ids < 0) | (ids >= self._n)) or not np.all(self._alive[ids]):
            raise ValueError(f"interceptor_ids must be interceptors in flight, got {ids}")
        pos = np.asarray(pos_enu_m, dtype=float).reshape(ids.size, 3)
        vel = np.asarray(vel_enu_mps, dtype=float).reshape(ids.size, 3)
        if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(vel))):
            raise ValueError("pos_enu_m and vel_enu_mps must be finite")
        self._pos[ids] = pos
        self._vel[ids] = vel
        self._vpeak[ids] = np.maximum(self._vpeak[ids], np.linalg.norm(vel, axis=1))

    def abort(self, interceptor_ids: ArrayLike) -> Outcomes:
        """Command self-destruct of interceptors in flight (kind ``self_destruct``) now."""
        ids = np.atleast_1d(np.asarray(interceptor_ids, dtype=np.int64))
        ids = ids[(ids >= 0) & (ids < self._n)]
        ids = ids[self._alive[ids]]
        return self._end(
            ids,
            np.full(ids.shape[0], _SELF_DESTRUCT),
            np.maximum(self._tcur[ids], self.t_now),
            np.full(ids.shape[0], np.nan),
        )

    def _end(
        self,
        ids: NDArray[np.int64],
        code: NDArray[np.int64],
        t: NDArray[np.float64],
        miss: NDArray[np.float64],
        speed: NDArray[np.float64] | None = None,
        amax: NDArray[np.float64] | None = None,
        vrel: NDArray[np.float64] | None = None,
    ) -> Outcomes:
        self._alive[ids] = False
        self._n_alive = int(np.count_nonzero(self._alive[: self._n]))
        n = ids.shape[0]
        if speed is None:
            speed = np.linalg.norm(self._vel[ids], axis=1)
        if amax is None:
            amax = np.full(n, np.nan)
        if vrel is None:
            vrel = np.full(n, np.nan)
        kinds = np.asarray(OUTCOME_KINDS, dtype="<U13")[code]
        return Outcomes(
            ids.copy(),
            kinds,
            np.asarray(t, float),
            np.asarray(miss, float),
            self._pos[ids].copy(),
            self._target[ids].copy(),
            self._typ[ids].copy(),
            np.asarray(speed, float),
            np.asarray(amax, float),
            np.asarray(vrel, float),
        )

    # ------------------------------------------------------------------ integration
    def advance(
        self,
        t_end_s: float,
        truth: TruthFn,
        estimate: EstimateFn | None = None,
        terrain: TerrainFn | None = None,
    ) -> Outcomes:
        """Fly every interceptor to ``t_end_s``; return the flights that ended on the way.

        Parameters
        ----------
        t_end_s : float
            Time to advance to (not before ``t_now``).
        truth : callable
            ``truth(t_s, target_ids) -> (pos (k, 3), vel (k, 3))``: true target states
            (used by the seeker and for closest approach). Rows of NaN mean the target no
            longer exists: its interceptors end with ``target_gone``. Sampled at the macro
            step boundaries; within one call a step starts from the states its predecessor
            ended with when the same interceptors fly on (so at most once per boundary).
        estimate : callable, optional
            ``estimate(t_s, target_ids) -> (pos, vel, acc)``: track estimates for
            mid-course guidance (and the APN term). NaN rows: no track; the interceptor
            keeps its last predicted intercept point. Default: the truth, zero acceleration.
        terrain : callable, optional
            ``terrain(pos_enu (k, 3)) -> ground height above the ellipsoid (k,)``, sampled
            once per macro step under each interceptor. Default: 0 m.

        Returns
        -------
        Outcomes
            Sorted by time, for every interceptor whose flight ended in (t_now, t_end].
        """
        if t_end_s < self.t_now - 1e-9:
            raise ValueError(f"t_end_s ({t_end_s}) is before the flyout time ({self.t_now})")
        parts: list[Outcomes] = []
        self._truth_end = None
        while self.t_now < t_end_s - 1e-12:
            t0 = self.t_now
            t1 = min(t0 + self.macro_step_s, t_end_s)
            if self._n_alive == 0:
                self.t_now = max(self.t_now, t_end_s)
                break
            rows, t_min = _due_rows(self._alive, self._tcur, self._n, t1 - 1e-12)
            if t_min >= t1 - 1e-12:
                # nothing flies before the next launch: jump to its macro step
                self.t_now = min(t_min, t_end_s)
                continue
            parts += self._macro_step(rows, t0, t1, truth, estimate, terrain)
            self.t_now = t1
        self._truth_end = None
        return Outcomes.concat(parts) if parts else _NO_OUTCOMES

    def _macro_step(
        self,
        rows: NDArray[np.int64],
        t0: float,
        t1: float,
        truth: TruthFn,
        estimate: EstimateFn | None,
        terrain: TerrainFn | None,
    ) -> list[Outcomes]:
        """Fly ``rows`` to ``t1``; the flights that ended (unsorted parts, none if none did)."""
        parts = []
        tid = self._target[rows]
        last = self._truth_end
        if last is not None and last[0] == t0 and _same_rows(last[1], rows):
            # the same targets as at the end of the last step (within one advance)
            tp0, tv0 = last[2], last[3]
        else:
            tp0, tv0 = truth(t0, tid)
            tp0, tv0 = _rows3(tp0), _rows3(tv0)
        tp1, tv1 = truth(t1, tid)
        tp1, tv1 = _rows3(tp1), _rows3(tv1)
        self._truth_end = (t1, rows, tp1, tv1)
        m = rows.size
        ok = np.empty(m, dtype=np.bool_)
        near = np.empty(m, dtype=np.bool_)
        hw = t1 - t0
        n_ok, n_near, ts_min = _macro_step_inputs(
            rows,
            hw,
            tp0,
            tv0,
            tp1,
            tv1,
            self._pos,
            self._vel,
            self._phase,
            self._lock,
            self._typ,
            self.types.par,
            ok,
            near,
        )
        if n_ok < m:
            gone = rows[~ok]
            parts.append(
                self._end(
                    gone,
                    np.full(gone.shape[0], _TARGET_GONE),
                    np.maximum(self._tcur[gone], t0),
                    np.full(gone.shape[0], np.nan),
                )
            )
            if n_ok == 0:
                return parts
            rows, tid, near = rows[ok], tid[ok], near[ok]
            tp0, tv0, tp1, tv1 = tp0[ok], tv0[ok], tp1[ok], tv1[ok]
            m = n_ok
        if estimate is None:
            ep, ev, ea = tp0, tv0, np.zeros_like(tp0)
        else:
            ep, ev, ea = estimate(t0, tid)
            ep, ev, ea = _rows3(ep), _rows3(ev), _rows3(ea)
        gnoise, talt, ground = self._seeker_inputs(
            rows, tp0, near, n_near, math.ceil(hw / ts_min) + 2, terrain
        )
        code = np.empty(m, dtype=np.int64)
        out = np.empty((5, m))
        n_done = _advance_kernel(
            rows,
            t0,
            t1,
            self._pos,
            self._vel,
            self._chain,
            self._tcur,
            self._tlaunch,
            self._typ,
            self._phase,
            self._pip,
            self._peak,
            self._vpeak,
            self._nsteps,
            self._lpos,
            self._zlos,
            self._glint,
            self._mp,
            self._tnext,
            self._cmdh,
            self._lock,
            self._tglint,
            tp0,
            tv0,
            tp1,
            tv1,
            talt,
            ep,
            ev,
            ea,
            gnoise,
            ground,
            self.types.par,
            self.types.mach,
            self.types.cd0,
            self._h0,
            self._dh,
            self._rho,
            self._a,
            self._cen,
            self._rg,
            self._om,
            self._gmul,
            self._rot,
            self._org,
            self._tab_r,
            self._tab_a,
            self._tab_t,
            self._tab_v,
            self._tab_n,
            code,
            out[0],
            out[1],
            out[2],
            out[3],
            out[4],
        )
        if n_done:
            done = code > 0
            tend, miss, speed, amax, vrel = out[:, done]
            parts.append(self._end(rows[done], code[done], tend, miss, speed, amax, vrel))
        return parts

    def _seeker_inputs(
        self,
        rows: NDArray[np.int64],
        tp0: NDArray[np.float64],
        near: NDArray[np.bool_],
        n_near: int,
        nsamp: int,
        terrain: TerrainFn | None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Standard normals for the ``nsamp`` seeker samples of this macro step (rows
        ``near``, that may home in it; zeros for the others and without an rng), target
        heights above the surface under them, which reflects the multipath (m), and the
        ground height under every interceptor (m; 0 without ``terrain``).

        Five normals per sample: two for the thermal and fixed angle noise, two for the
        glint and one for the multipath wander.
        """
        m = rows.size
        talt = np.zeros(m)
        tn = None
        if self.rng is None or not n_near:
            gnoise = np.zeros((m, nsamp, 5))
        else:
            tn = tp0[near]
            if n_near == m:
                gnoise = self.rng.standard_normal((m, nsamp, 5))
            else:
                gnoise = np.zeros((m, nsamp, 5))
                gnoise[near] = self.rng.standard_normal((n_near, nsamp, 5))
            talt[near] = self.frame.altitude_m(tn)
        if terrain is None:
            return gnoise, talt, np.zeros(m)
        # the ground under the interceptors and under the targets near them: one call
        pts = self._pos[rows] if tn is None else np.concatenate((self._pos[rows], tn))
        h = np.asarray(terrain(pts), dtype=float).reshape(-1)
        if tn is not None:
            talt[near] -= h[m:]
        return gnoise, talt, h[:m]

    # ------------------------------------------------------------------ queries
    def live_ids(self) -> NDArray[np.int64]:
        """Ids of the interceptors in flight now (those of :meth:`positions`)."""
        return _live_rows(self._alive, self._tlaunch, self._n, self.t_now + 1e-12)

    def positions(self) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Ids, ENU positions (k, 3) and velocities (k, 3) of interceptors in flight now
        (new arrays: the rows are taken by index)."""
        live = self.live_ids()
        return live, self._pos[live], self._vel[live]

    def peak_lateral_accel_mps2(self, interceptor_ids: ArrayLike) -> NDArray[np.float64]:
        """Largest lateral acceleration each interceptor has pulled so far, m/s^2."""
        ids = np.asarray(interceptor_ids, dtype=np.int64)
        return self._peak[ids].copy()

    def peak_speed_mps(self, interceptor_ids: ArrayLike) -> NDArray[np.float64]:
        """Largest speed each interceptor has reached so far, m/s."""
        ids = np.asarray(interceptor_ids, dtype=np.int64)
        return self._vpeak[ids].copy()

    def steps_taken(self, interceptor_ids: ArrayLike) -> NDArray[np.int64]:
        """Integration steps taken so far by each interceptor (a cost diagnostic)."""
        return self._nsteps[np.asarray(interceptor_ids, dtype=np.int64)].copy()

    @property
    def n_in_flight(self) -> int:
        """Number of interceptors launched and not yet ended."""
        return self._n_alive
