"""A radar in the engine: one scan over all threats, vectorised.

Composes the radar physics (:mod:`samsim.sensors.equation`, :mod:`.detection`,
:mod:`.noise`, :mod:`.clutter`, :mod:`.jamming`) with geometry: where the radar looks this
scan (its autonomous search sector and windows around cued or held tracks), line of sight
over the earth and terrain, the radar equation with land clutter and noise jamming as
signal to interference-plus-noise, a detection draw, measurement noise and noise false
alarms over the searched resolution cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

import samsim.jit as nb  # numba.njit, built on first call
from samsim.geo.earth import effective_earth_radius_m
from samsim.geo.frames import EnuFrame, local_of_row
from samsim.geo.los import ObserverGeometry, PreparedVisibility, visible
from samsim.geo.terrain import TerrainGrid
from samsim.scenario.specs import RadarSpec
from samsim.sensors.clutter import clutter_to_noise_db, false_alarm_count, n_resolution_cells
from samsim.sensors.detection import (
    _interp_kernel,
    _interp_one,
    _pd_table,
    _pd_tails,
    pd_swerling,
    threshold_from_pfa,
)
from samsim.sensors.equation import _DB_4PI_CUBED, BOLTZMANN_J_PER_K, REFERENCE_TEMP_K, snr_db
from samsim.sensors.interference import Emitters
from samsim.sensors.jamming import jammer_to_noise_db, sinr_db

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_C_MPS = 299792458.0
_TWO_PI = 2.0 * math.pi
# 10 log10(e) * 4 ln 2: one-way Gaussian beam loss in dB per (offset / beamwidth)^2.
_GAUSS_DB = 10.0 * math.log10(math.e) * 4.0 * math.log(2.0)
_LN10_OVER_10 = math.log(10.0) / 10.0
#: Elevation above which a target is in line of sight without a terrain test when no
#: terrain rises above the antenna (see :meth:`Radar.coverage_at`).
_FAST_LOS_EL_RAD = 1e-3


_NO_MASK = np.zeros(0, dtype=np.bool_)
_NO_FLOAT = np.zeros(0)


@dataclass
class Detections:
    """Plots reported by one radar in one scan (one row per plot; target plots first,
    then false alarms)."""

    time_s: float
    radar_index: int
    threat_id: IntArray  # truth; -1 for false alarms
    range_m: FloatArray  # measured
    az_rad: FloatArray
    el_rad: FloatArray
    sigma_range_m: FloatArray
    sigma_az_rad: FloatArray
    sigma_el_rad: FloatArray
    snr_db: FloatArray  # per-pulse signal to thermal noise (NaN for false alarms)
    true_range_m: FloatArray  # for false alarms: the range of the cell
    sinr_db: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Per-pulse signal to residual clutter, jamming and noise (NaN for false alarms)."""
    jnr_db: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Total jammer-to-noise ratio in the target's beam, dB (-inf: no jamming)."""
    cnr_db: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Clutter-to-noise ratio in the target's cell before MTI, dB (-inf: no clutter)."""
    az_el_rad: FloatArray | None = field(default=None, repr=False, compare=False)
    """``az_rad`` and ``el_rad`` as the rows of one (2, n) array when the scan made them so
    (:meth:`Radar.measured_enu_m`), else None."""

    def __len__(self) -> int:
        return len(self.threat_id)

    @property
    def n_false(self) -> int:
        """Number of false alarms among the plots."""
        return int(np.count_nonzero(self.threat_id < 0))


@dataclass
class Coverage:
    """Geometry of a scan: which threats the radar could see and their true az/el/range."""

    visible: NDArray[np.bool_]
    az_rad: FloatArray
    el_rad: FloatArray
    range_m: FloatArray


@dataclass(frozen=True)
class Windows:
    """Range-azimuth-elevation boxes a radar searches in one scan, one row per window
    (acquisition windows around cued tracks, track windows around held ones)."""

    track_id: IntArray
    range_m: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    half_range_m: FloatArray
    half_az_rad: FloatArray
    half_el_rad: FloatArray

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @classmethod
    def empty(cls) -> Windows:
        f = np.zeros(0)
        return cls(np.zeros(0, dtype=np.int64), f, f, f, f, f, f)

    def contains(
        self, range_m: FloatArray, az_rad: FloatArray, el_rad: FloatArray
    ) -> NDArray[np.bool_]:
        """(n, m) bool: point i lies in window j (azimuth differences wrapped)."""
        daz = np.abs((az_rad[:, None] - self.az_rad[None, :] + math.pi) % _TWO_PI - math.pi)
        return np.asarray(
            (np.abs(range_m[:, None] - self.range_m[None, :]) <= self.half_range_m[None, :])
            & (daz <= self.half_az_rad[None, :])
            & (np.abs(el_rad[:, None] - self.el_rad[None, :]) <= self.half_el_rad[None, :])
        )

    def any_contains(
        self, range_m: FloatArray, az_rad: FloatArray, el_rad: FloatArray
    ) -> NDArray[np.bool_]:
        """(n,) bool: point i lies in some window; ``contains(...).any(axis=1)`` without the
        (n, m) matrices, looking only at windows whose azimuth is near the point's (so a
        dense raid's thousand tracks cost about n log m, not n m)."""
        n = len(range_m)
        if len(self) == 0 or n == 0:
            return np.zeros(n, dtype=bool)
        out: NDArray[np.bool_] = _any_window_kernel(
            np.ascontiguousarray(range_m, dtype=np.float64),
            np.ascontiguousarray(az_rad, dtype=np.float64),
            np.ascontiguousarray(el_rad, dtype=np.float64),
            np.ascontiguousarray(self.range_m, dtype=np.float64),
            np.ascontiguousarray(self.az_rad, dtype=np.float64),
            np.ascontiguousarray(self.el_rad, dtype=np.float64),
            np.ascontiguousarray(self.half_range_m, dtype=np.float64),
            np.ascontiguousarray(self.half_az_rad, dtype=np.float64),
            np.ascontiguousarray(self.half_el_rad, dtype=np.float64),
        )
        return out


@nb.njit(cache=True)
def _in_window(
    r: float, a: float, e: float, wr: float, wa: float, we: float, hr: float, ha: float, he: float
) -> bool:
    """The test of :meth:`Windows.contains` for one point and one window (same arithmetic:
    Python's float ``%`` is numpy's ``remainder``)."""
    daz = abs((a - wa + math.pi) % _TWO_PI - math.pi)
    return abs(r - wr) <= hr and daz <= ha and abs(e - we) <= he


@nb.njit(cache=True)
def _any_window_kernel(
    range_m: FloatArray,
    az_rad: FloatArray,
    el_rad: FloatArray,
    w_range_in: FloatArray,
    w_az_in: FloatArray,
    w_el_in: FloatArray,
    w_hr_in: FloatArray,
    w_ha_in: FloatArray,
    w_he_in: FloatArray,
) -> NDArray[np.bool_]:
    """Kernel of :meth:`Windows.any_contains`: windows sorted by ``key`` = wrapped azimuth;
    a point is tested only against windows whose key lies within the widest half-width
    (plus a margin far above rounding) of its own, on both sides of the wrap. (The order
    among windows of equal key does not change the answer: any window will do.)"""
    n = range_m.shape[0]
    key_all = (w_az_in + math.pi) % _TWO_PI  # positions on [0, 2 pi)
    order = np.argsort(key_all, kind="mergesort")
    key = key_all[order]
    w_range, w_az, w_el = w_range_in[order], w_az_in[order], w_el_in[order]
    w_hr, w_ha, w_he = w_hr_in[order], w_ha_in[order], w_he_in[order]
    m = key.shape[0]
    reach = 0.0
    for j in range(m):
        if not w_ha[j] <= reach:  # (NaN half-widths: test every window)
            reach = w_ha[j]
    out = np.zeros(n, dtype=np.bool_)
    if not reach < math.pi:
        for i in range(n):
            for j in range(m):
                if _in_window(
                    range_m[i], az_rad[i], el_rad[i],
                    w_range[j], w_az[j], w_el[j], w_hr[j], w_ha[j], w_he[j],
                ):  # fmt: skip
                    out[i] = True
                    break
        return out
    reach += 1e-9
    for i in range(n):
        k = (az_rad[i] + math.pi) % _TWO_PI
        found = False
        # up to three arcs of key space: [k - reach, k + reach] wrapped into [0, 2 pi)
        for shift in (-_TWO_PI, 0.0, _TWO_PI):
            lo = k - reach + shift
            hi = k + reach + shift
            if hi < 0.0 or lo > _TWO_PI:
                continue
            j = np.searchsorted(key, lo)
            while j < m and key[j] <= hi:
                if _in_window(
                    range_m[i], az_rad[i], el_rad[i],
                    w_range[j], w_az[j], w_el[j], w_hr[j], w_ha[j], w_he[j],
                ):  # fmt: skip
                    found = True
                    break
                j += 1
            if found:
                break
        out[i] = found
    return out


@nb.njit(cache=True)
def _coverage_masks(
    az: FloatArray,
    el: FloatArray,
    rng: FloatArray,
    r_min: float,
    r_max: float,
    el_min: float,
    el_max: float,
    az_centre: float,
    az_half_width: float,
    los_el_max: float,
) -> tuple[BoolArray, BoolArray, bool]:
    """The masks of :meth:`Radar.coverage_at` in one pass: ``inside`` the range, elevation
    and azimuth limits (the azimuth test only when the half width is below pi, with the
    arithmetic of its array form), ``test`` = inside and below ``los_el_max`` (the points
    that need a terrain LOS), and whether any point needs one."""
    n = az.shape[0]
    inside = np.empty(n, dtype=np.bool_)
    test = np.empty(n, dtype=np.bool_)
    wrap = az_half_width < math.pi
    any_test = False
    for i in range(n):
        ok = rng[i] >= r_min and rng[i] <= r_max and el[i] >= el_min and el[i] <= el_max
        if ok and wrap:
            ok = abs((az[i] - az_centre + math.pi) % _TWO_PI - math.pi) <= az_half_width
        t = ok and el[i] < los_el_max
        inside[i] = ok
        test[i] = t
        any_test = any_test or t
    return inside, test, any_test


@nb.njit(cache=True)
def _at_least_one(x: float) -> float:
    """``np.maximum(x, 1.0)`` of one value (NaN stays NaN)."""
    return x if (x >= 1.0 or x != x) else 1.0


@nb.njit(cache=True)
def _window_cells_kernel(
    half_range_m: FloatArray,
    half_az_rad: FloatArray,
    half_el_rad: FloatArray,
    range_resolution_m: float,
    beamwidth_az_rad: float,
    beamwidth_el_rad: float,
) -> FloatArray:
    """:meth:`Radar.window_cells` in one pass (the same arithmetic, in the same order)."""
    n = half_range_m.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = (
            _at_least_one(2.0 * half_range_m[i] / range_resolution_m)
            * _at_least_one(2.0 * half_az_rad[i] / beamwidth_az_rad)
            * _at_least_one(2.0 * half_el_rad[i] / beamwidth_el_rad)
        )
    return out


#: Longest array :func:`_small_sum` adds (numpy's pairwise sum splits longer ones).
_PAIRWISE_BLOCK = 128


@nb.njit(cache=True)
def _small_sum(a: FloatArray) -> float:
    """``np.sum(a)`` of a contiguous float64 array of at most 128 values, bit for bit:
    numpy's pairwise summation there (below 8 values a plain loop from 0; else eight
    running sums over blocks of 8, combined as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) +
    (r6 + r7))``, then the remainder one by one). NaN for a longer array (the caller
    sums it with numpy)."""
    n = a.shape[0]
    if n > _PAIRWISE_BLOCK:
        return math.nan
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r = a[:8].copy()
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[i]
        i += 1
    return res


@nb.njit(cache=True)
def _window_cells_total(
    half_range_m: FloatArray,
    half_az_rad: FloatArray,
    half_el_rad: FloatArray,
    range_resolution_m: float,
    beamwidth_az_rad: float,
    beamwidth_el_rad: float,
) -> tuple[FloatArray, float]:
    """:func:`_window_cells_kernel` and the cells' ``np.sum`` (:func:`_small_sum`; NaN
    beyond 128 windows)."""
    cells = _window_cells_kernel(
        half_range_m, half_az_rad, half_el_rad, range_resolution_m, beamwidth_az_rad,
        beamwidth_el_rad,
    )  # fmt: skip
    return cells, _small_sum(cells)


@nb.njit(cache=True)
def _look_kernel(
    az: FloatArray,
    el: FloatArray,
    rng: FloatArray,
    whole_field: bool,
    sector: bool,
    sector_half_width: float,
    sector_el_max: float,
    extra: BoolArray,
    windows: bool,
    w_range: FloatArray,
    w_az: FloatArray,
    w_el: FloatArray,
    w_half_range: FloatArray,
    w_half_az: FloatArray,
    w_half_el: FloatArray,
    r_min: float,
    r_max: float,
    el_min: float,
    el_max: float,
    az_centre: float,
    az_half_width: float,
    los_el_max: float,
    rcs_m2: FloatArray,
) -> tuple[BoolArray, BoolArray, bool, FloatArray]:
    """Where the radar looks and what it covers, in one pass: ``look`` = the whole field,
    or the autonomous sector (when ``sector``: :meth:`Radar.in_sector`'s tests) or
    ``extra[i]`` (held tracks; ``extra`` may be empty: none) or, when ``windows``, in a
    window (:meth:`Windows.any_contains` of the ``w_*`` arrays), and within
    :meth:`Radar.coverage_at`'s limits (:func:`_coverage_masks`); ``test`` = those below
    ``los_el_max`` (a terrain LOS to decide), and whether there is any; ``logs_in`` =
    [rcs, max(range, 1)] of every point when ``rcs_m2`` is given (else empty): the
    arguments of the radar equation's two log10, one array. The arithmetic of the array
    forms."""
    n = az.shape[0]
    ok_out = np.empty(n, dtype=np.bool_)
    test = np.empty(n, dtype=np.bool_)
    any_test = False
    has_extra = extra.shape[0] > 0
    if windows and n > 0 and w_range.shape[0] > 0:
        win = _any_window_kernel(rng, az, el, w_range, w_az, w_el, w_half_range, w_half_az,
                                 w_half_el)  # fmt: skip
    else:
        windows = False
        win = np.zeros(0, dtype=np.bool_)
    sector_wrap = sector_half_width < math.pi
    wrap = az_half_width < math.pi
    for i in range(n):
        look = whole_field
        if not look and sector:
            look = el[i] >= el_min and el[i] <= sector_el_max
            if look and sector_wrap:
                off = abs((az[i] - az_centre + math.pi) % _TWO_PI - math.pi)
                look = off <= sector_half_width
        if not look and has_extra:
            look = extra[i]
        if not look and windows:
            look = win[i]
        ok = look and rng[i] >= r_min and rng[i] <= r_max and el[i] >= el_min and el[i] <= el_max
        if ok and wrap:
            ok = abs((az[i] - az_centre + math.pi) % _TWO_PI - math.pi) <= az_half_width
        t = ok and el[i] < los_el_max
        ok_out[i] = ok
        test[i] = t
        any_test = any_test or t
    logs_in = np.empty(2 * n if rcs_m2.shape[0] == n else 0)
    if rcs_m2.shape[0] == n:
        for i in range(n):
            logs_in[i] = rcs_m2[i]
            ri = rng[i]
            logs_in[n + i] = ri if (ri >= 1.0 or ri != ri) else 1.0
    return ok_out, test, any_test, logs_in


#: Margin of :func:`_covers_clear_kernel`: rounding errors are ~1e-15 (relative).
_CLEAR_TOL = 1e-9


def _sin_of_bound(el_rad: float) -> float:
    """The sine of an elevation bound for :func:`_covers_clear_kernel`: -2 or 2 at or
    beyond -pi/2 or pi/2 (every elevation, which ``arcsin`` keeps in [-pi/2, pi/2], is
    then above or below it), NaN stays NaN (the kernel then declines)."""
    if el_rad >= math.pi / 2:
        return 2.0
    if el_rad <= -math.pi / 2:
        return -2.0
    return math.sin(el_rad)


@nb.njit(cache=True)
def _covers_clear_kernel(
    pos_m: FloatArray,
    site_m: FloatArray,
    rot: FloatArray,
    sector: bool,
    sector_half_width: float,
    sin_sector_el_max: float,
    extra: BoolArray,
    r_min: float,
    r_max: float,
    sin_el_min: float,
    sin_el_max: float,
    az_centre: float,
    az_half_width: float,
    sin_los_el_max: float,
    ok_out: BoolArray,
    test: BoolArray,
) -> int:
    """:func:`_look_kernel`'s ``ok`` and ``test`` masks (not the whole field, no windows)
    of scenario-ENU points, without :meth:`~samsim.geo.frames.Site.aer`, when every point
    is clear of the bounds.

    With ``d = p - site`` and the site-local ``(e, n, u) = rot d`` (summed in plain
    order), ``r = sqrt(e^2 + n^2 + u^2)`` and ``q = clip(u / max(r, 1e-9), -1, 1)`` (the
    sine of the elevation), each elevation test ``el >= b`` is ``q >= sin b`` (arcsin is
    increasing; the ``sin_*`` arguments are :func:`_sin_of_bound`'s) and, only when a
    half width is below pi, the azimuth ``atan2(e, n) mod 2 pi`` is tested as there.

    Returns
    -------
    int
        -1 (the masks then partly written) when some point is NaN or infinite, within
        ``1e-9 (r + 1)`` of a range bound, ``1e-9`` of a bound's sine or (when an azimuth
        is tested) ``1e-9`` rad of an azimuth bound, or so near the vertical
        (``hypot(e, n) < 1e-5 r``: ``e`` and ``n``, each within ~3.3e-16 ``r`` of the
        BLAS product's, then move the azimuth by at most ~7e-11 rad) that its azimuth is
        ill-conditioned: only then could ``Site.aer``'s values (local coordinates from a
        BLAS product, numpy's ``arctan2`` and ``arcsin``, each within a few units in the
        last place of these) fall on the other side of a bound. Otherwise whether any
        point needs a terrain LOS (0 or 1): the masks are then :func:`_look_kernel`'s on
        ``Site.aer``'s values.
    """
    n = pos_m.shape[0]
    has_extra = extra.shape[0] > 0
    sector_wrap = sector_half_width < math.pi
    wrap = az_half_width < math.pi
    need_az = (sector and sector_wrap) or wrap
    tol = _CLEAR_TOL
    any_test = 0
    for i in range(n):
        e, nn, u = local_of_row(pos_m, i, site_m, rot)
        r = math.sqrt(e * e + nn * nn + u * u)
        if not r < math.inf:  # NaN or infinite
            return -1
        rtol = tol * (r + 1.0)
        if abs(r - r_min) <= rtol or abs(r - r_max) <= rtol:
            return -1
        q = u / (1e-9 if r < 1e-9 else r)
        q = -1.0 if q < -1.0 else (1.0 if q > 1.0 else q)
        if (
            abs(q - sin_el_min) <= tol
            or abs(q - sin_el_max) <= tol
            or abs(q - sin_sector_el_max) <= tol
            or abs(q - sin_los_el_max) <= tol
        ):
            return -1
        off = 0.0
        if need_az:
            if not math.sqrt(e * e + nn * nn) >= 1e-5 * r:
                return -1
            az = math.atan2(e, nn) % _TWO_PI
            off = abs((az - az_centre + math.pi) % _TWO_PI - math.pi)
            if (sector and sector_wrap and abs(off - sector_half_width) <= tol) or (
                wrap and abs(off - az_half_width) <= tol
            ):
                return -1
        look = False
        if sector:
            look = q >= sin_el_min and q <= sin_sector_el_max
            if look and sector_wrap:
                look = off <= sector_half_width
        if not look and has_extra:
            look = extra[i]
        ok = look and r >= r_min and r <= r_max and q >= sin_el_min and q <= sin_el_max
        if ok and wrap:
            ok = off <= az_half_width
        t = ok and q < sin_los_el_max
        ok_out[i] = ok
        test[i] = t
        if t:
            any_test = 1
    return any_test


@nb.njit(cache=True)
def _gather_kernel(
    ok: BoolArray,
    rng: FloatArray,
    az: FloatArray,
    el: FloatArray,
    logs: FloatArray,
    swerling: IntArray,
    clutter_horizon_m: float,
    snr_1m_db: float,
    guess_case: int,
    grid: FloatArray,
    pd_grid: FloatArray,
    jammed: bool,
    meas_gain_db: float,
    n_fa: int,
    fa_snr_db: float,
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, int, int, bool, bool]:
    """The covered targets of a scan (``ok``) in one pass: their indices; their range,
    azimuth, elevation and per-pulse SNR, the rows of one (4, n) array, the SNR
    ``(c + 10 log10 sigma) - 40 log10 max(R, 1)`` from ``logs``
    (the log10 of :func:`_look_kernel`'s ``logs_in``, every given target); ``x``, the
    measurement SNR / 10 of every plot the scan may report, the targets'
    ``(snr + meas_gain_db) / 10`` (the SNR standing for the SINR) then ``n_fa`` false
    alarms' ``fa_snr_db / 10``; how many lie inside the clutter horizon; their Swerling
    case if they share one, else -1; and, when that case is ``guess_case`` (whose
    detection table ``grid``, ``pd_grid`` is given) and nothing interferes (no clutter,
    not ``jammed``), Pd from the table at the SNR (``np.interp``,
    :func:`.detection._interp_one`), whether some SNR lies beyond the table, and whether
    Pd was looked up."""
    n_given = ok.shape[0]
    n = 0
    n_near = 0
    case = -1
    for i in range(n_given):
        if ok[i]:
            if rng[i] < clutter_horizon_m:
                n_near += 1
            if n == 0:
                case = swerling[i]
            elif swerling[i] != case:
                case = -2
            n += 1
    case = case if case >= 0 else -1
    lookup = case >= 0 and case == guess_case and n_near == 0 and not jammed
    idx = np.empty(n, dtype=np.int64)
    rows = np.empty((4, n))
    pd = np.empty(n if lookup else 0)
    x = np.empty(n + n_fa)
    outside = False
    k = 0
    for i in range(n_given):
        if ok[i]:
            idx[k] = i
            rows[0, k] = rng[i]
            rows[1, k] = az[i]
            rows[2, k] = el[i]
            v = snr_1m_db + 10.0 * logs[i] - 40.0 * logs[n_given + i]
            rows[3, k] = v
            x[k] = (v + meas_gain_db) / 10.0
            if lookup:
                p, off = _interp_one(v, grid, pd_grid)
                pd[k] = p
                outside = outside or off
            k += 1
    for j in range(n_fa):
        x[n + j] = fa_snr_db / 10.0
    return idx, rows, pd, x, n_near, case, outside, lookup


@nb.njit(cache=True)
def _plots_kernel(
    u: FloatArray,
    pd: FloatArray,
    snr_lin: FloatArray,
    snr: FloatArray,
    sinr: FloatArray,
    range_m: FloatArray,
    az_rad: FloatArray,
    el_rad: FloatArray,
    z: FloatArray,
    rows: IntArray,
    idx: IntArray,
    threat_ids: IntArray,
    fa_r: FloatArray,
    fa_az: FloatArray,
    fa_el: FloatArray,
    range_resolution_m: float,
    range_floor_m: float,
    beamwidth_az_rad: float,
    beamwidth_el_rad: float,
    monopulse_slope: float,
    angle_floor_rad: float,
) -> tuple[BoolArray, FloatArray, IntArray]:
    """The detection draw of a scan's covered targets, ``hit = u[rows[idx]] < pd``, and its
    plots, the detected targets then the false alarms, as the rows of one (10, t) array:
    SNR and SINR (NaN for false alarms); standard deviations from the linear measurement
    SNR ``snr_lin`` (one per
    covered target, then per false alarm; :func:`.noise.measurement_sigmas`:
    ``sqrt(dR^2 / 2S + f^2)``, ``sqrt((theta / (k sqrt(2S)))^2 + f_a^2)``); measured range,
    azimuth (wrapped to [0, 2 pi) by Python's float ``%``, which is ``np.mod``) and
    elevation (true value + sigma x the normal draw ``z[rows[idx]]``; the false alarms'
    cells as drawn); true range (the cell's for false alarms); ``-inf`` (the clutter- and
    jammer-to-noise ratios of a scan with neither); and the threat ids (-1 for false
    alarms). The arithmetic of the array forms."""
    n = idx.shape[0]
    n_fa = fa_r.shape[0]
    hit = np.empty(n, dtype=np.bool_)
    m = 0
    for i in range(n):
        h = u[rows[idx[i]]] < pd[i]
        hit[i] = h
        if h:
            m += 1
    t = m + n_fa
    out = np.empty((10, t))
    snr_o, sinr_o, sr, saz, sel = out[0], out[1], out[2], out[3], out[4]
    r, az, el, true_r = out[5], out[6], out[7], out[8]
    out[9, :] = -math.inf
    ids = np.empty(t, dtype=np.int64)
    dr2 = range_resolution_m * range_resolution_m
    fr2 = range_floor_m * range_floor_m
    floor2 = angle_floor_rad * angle_floor_rad
    k = 0
    for i in range(n + n_fa):
        if i < n and not hit[i]:
            continue
        two_snr = 2.0 * snr_lin[i]
        sr[k] = math.sqrt(dr2 / two_snr + fr2)
        root = monopulse_slope * math.sqrt(two_snr)
        t_az = beamwidth_az_rad / root
        t_el = beamwidth_el_rad / root
        saz[k] = math.sqrt(t_az * t_az + floor2)
        sel[k] = math.sqrt(t_el * t_el + floor2)
        if i < n:
            q = rows[idx[i]]
            r[k] = range_m[i] + sr[k] * z[q, 0]
            az[k] = (az_rad[i] + saz[k] * z[q, 1]) % _TWO_PI
            el[k] = el_rad[i] + sel[k] * z[q, 2]
            true_r[k] = range_m[i]
            ids[k] = threat_ids[idx[i]]
            snr_o[k] = snr[i]
            sinr_o[k] = sinr[i]
        else:
            j = i - n
            r[k] = fa_r[j]
            az[k] = fa_az[j]
            el[k] = fa_el[j]
            true_r[k] = fa_r[j]
            ids[k] = -1
            snr_o[k] = math.nan
            sinr_o[k] = math.nan
        k += 1
    return hit, out, ids


@nb.njit(cache=True, error_model="numpy")
def _clutter_sines_kernel(
    range_m: FloatArray, horizon_m: float, height_m: float, earth_radius_m: float
) -> tuple[IntArray, FloatArray]:
    """The points inside the clutter horizon (``range_m < horizon_m``: their indices) and,
    as the rows of one (2, m) array, the sines of their grazing angle and of the
    depression of the ground point at their range, each clipped to [-1, 1]:
    ``h/R + h^2/(2 a_e R) - R/(2 a_e)`` (:func:`.clutter.grazing_angle_rad`) and
    ``(2 a_e h + h^2 + R^2) / (2 (a_e + h) R)`` (:func:`.clutter.depression_angle_rad`),
    with their arithmetic in their order."""
    n = range_m.shape[0]
    m = 0
    for i in range(n):
        if range_m[i] < horizon_m:
            m += 1
    near = np.empty(m, dtype=np.int64)
    sines = np.empty((2, m))
    h = height_m
    hh = h * h
    two_ae = 2.0 * earth_radius_m
    top = 2.0 * earth_radius_m * h + hh
    bottom = 2.0 * (earth_radius_m + h)
    k = 0
    for i in range(n):
        r = range_m[i]
        if not r < horizon_m:
            continue
        near[k] = i
        a = h / r + hh / (two_ae * r) - r / two_ae
        b = (top + r * r) / (bottom * r)
        a = -1.0 if a < -1.0 else a
        b = -1.0 if b < -1.0 else b
        sines[0, k] = 1.0 if a > 1.0 else a
        sines[1, k] = 1.0 if b > 1.0 else b
        k += 1
    return near, sines


@nb.njit(cache=True, error_model="numpy")
def _clutter_terms_kernel(
    range_m: FloatArray,
    el_rad: FloatArray,
    near: IntArray,
    angles: FloatArray,
    sin_psi: FloatArray,
    cos_psi: FloatArray,
    height_m: float,
    gamma_lin: float,
    az_beamwidth_rad: float,
    range_resolution_m: float,
    el_beamwidth_rad: float,
    sidelobe_level_db: float,
    energy_1m2: float,
    kt: float,
) -> tuple[FloatArray, FloatArray]:
    """The terms of :func:`.clutter.clutter_to_noise_db` between its numpy functions, for
    the points ``near`` (``angles`` = their grazing and depression angles): the log10
    arguments, the clutter cell's energy term ``E sigma_c / (k T)`` then the range
    (one (2 m,) array), with ``sigma_c = (g max(sin psi, 0)) (R theta_az dR / cos psi)``
    (zero where ``R <= h``); and the two-way pattern ``2 max(-G x x, SLL)``,
    ``x = (el + d) / theta_el``. Their arithmetic in their order."""
    m = near.shape[0]
    args = np.empty(2 * m)
    pattern = np.empty(m)
    for k in range(m):
        i = near[k]
        r = range_m[i]
        sp = sin_psi[k]
        sigma0 = gamma_lin * (sp if (sp >= 0.0 or sp != sp) else 0.0)
        area = r * az_beamwidth_rad * range_resolution_m / cos_psi[k]
        sigma = sigma0 * area if r > height_m else 0.0
        args[k] = energy_1m2 * sigma / kt
        args[m + k] = r
        x = (el_rad[i] + angles[1, k]) / el_beamwidth_rad
        one_way = -_GAUSS_DB * x * x
        if not (one_way >= sidelobe_level_db or one_way != one_way):
            one_way = sidelobe_level_db
        pattern[k] = 2.0 * one_way
    return args, pattern


@nb.njit(cache=True)
def _clutter_db_kernel(
    n: int, near: IntArray, logs: FloatArray, pattern: FloatArray, at_1m: FloatArray
) -> FloatArray:
    """CNR, dB, of ``n`` points (``-inf`` but at ``near``): ``10 log10 E + ...`` as
    :func:`.equation.snr_db` adds its terms (``at_1m`` = the gains, noise figure, losses
    and ``(4 pi)^3``, in that order), ``- 40 log10 R``, ``+`` the pattern."""
    out = np.full(n, -math.inf)
    m = near.shape[0]
    for k in range(m):
        v = 10.0 * logs[k]
        for j in range(at_1m.shape[0]):
            v = v + at_1m[j] if j < 2 else v - at_1m[j]
        out[near[k]] = v - 40.0 * logs[m + k] + pattern[k]
    return out


@dataclass(frozen=True)
class SearchRegion:
    """Where a radar looks in one scan: its autonomous search sector (when ``sector``) and
    ``windows`` around tracks."""

    sector: bool = True
    windows: Windows = field(default_factory=Windows.empty)
    whole_field: bool = False
    """Look everywhere in the field of regard (every range, azimuth and elevation the radar
    covers), whatever its autonomous sector: the default of a stand-alone
    :meth:`Radar.scan`."""

    @property
    def empty(self) -> bool:
        return not (self.sector or self.whole_field) and len(self.windows) == 0


_NO_WINDOWS = Windows.empty()


class Radar:
    """One radar site: its spec, its local frame and its scan.

    Parameters
    ----------
    name : str
        Unique radar name.
    index : int
        Radar index in the world.
    unit : int
        Index of the fire unit the radar reports to.
    spec : RadarSpec
        Resolved catalogue figures.
    frame : EnuFrame
        Scenario frame.
    base_enu_m : ndarray, shape (3,)
        Foot of the antenna mast (the site on the ground, or at its given altitude); the
        phase centre is ``spec.mast_height_m`` above it along the local vertical.
    terrain : TerrainGrid
        Ground heights for line of sight.
    azimuth_center_rad : float
        Centre of the searched sector.
    k_factor : float
        Effective earth radius factor.
    """

    def __init__(
        self,
        name: str,
        index: int,
        unit: int,
        spec: RadarSpec,
        frame: EnuFrame,
        base_enu_m: NDArray[np.float64],
        terrain: TerrainGrid,
        azimuth_center_rad: float,
        k_factor: float,
    ) -> None:
        self.name = name
        self.index = index
        self.unit = unit
        self.spec = spec
        self.terrain = terrain
        self.base_enu_m = np.asarray(base_enu_m, dtype=float)
        up = frame.site(self.base_enu_m).rot[2]
        self.site = frame.site(self.base_enu_m + spec.mast_height_m * up)
        self.azimuth_center_rad = azimuth_center_rad
        self.k_factor = k_factor
        self._los: tuple[TerrainGrid, float, PreparedVisibility] | None = None
        self._pd_tables: dict[int, tuple[FloatArray, FloatArray]] = {}
        self._last_case = -1  # Swerling case of the last scan's covered targets (-1: none)
        self.antenna_altitude_m = float(frame.altitude_m(self.site.position_enu_m))
        # SNR of a 1 m^2 target at 1 m: SNR(R, sigma) = c + 10 log sigma - 40 log R.
        self.snr_1m_db = float(
            snr_db(
                peak_power_w=spec.peak_power_w,
                gain_tx_db=spec.antenna_gain_db,
                gain_rx_db=spec.antenna_gain_db,
                wavelength_m=spec.wavelength_m,
                rcs_m2=1.0,
                range_m=1.0,
                pulse_width_s=spec.pulse_width_s,
                noise_figure_db=spec.noise_figure_db,
                losses_db=spec.losses_db,
            )
        )
        self.range_resolution_m = _C_MPS / (2.0 * spec.bandwidth_hz)
        self.effective_earth_radius_m = effective_earth_radius_m(k_factor)
        # Ground clutter competes only inside the radar's smooth-earth horizon.
        h = spec.mast_height_m
        self.clutter_horizon_m = math.sqrt(2.0 * self.effective_earth_radius_m * h + h * h)

    @cached_property
    def false_alarm_snr_db(self) -> float:
        """A false alarm is a threshold crossing of noise alone: its "SNR" (integrated) for
        the measurement error is the threshold's excess over the mean noise, T - n. (On
        first use: scipy.special is not needed to compile a world, ``samsim validate``.)"""
        t = float(threshold_from_pfa(self.spec.pfa, self.spec.n_pulses))
        return 10.0 * math.log10(max(t - self.spec.n_pulses, 1.0))

    # -- where the radar looks ------------------------------------------------------------
    def _sector_bounds(self, whole_field: bool = False) -> tuple[float, float, float, float]:
        """(az_min, az_max, el_min, el_max) of the autonomous search sector (or of the
        whole field of regard)."""
        s = self.spec
        c = self.azimuth_center_rad
        if whole_field:
            hw = s.azimuth_half_width_rad
            return c - hw, c + hw, s.elevation_min_rad, s.elevation_max_rad
        hw = min(s.autonomous_search_half_width_rad, s.azimuth_half_width_rad)
        return c - hw, c + hw, s.elevation_min_rad, s.autonomous_search_elevation_max_rad

    def in_sector(self, az_rad: FloatArray, el_rad: FloatArray) -> NDArray[np.bool_]:
        """Directions inside the autonomous search sector (none if the radar has none)."""
        s = self.spec
        if not s.autonomous_search:
            return np.zeros(np.shape(az_rad), dtype=bool)
        hw = min(s.autonomous_search_half_width_rad, s.azimuth_half_width_rad)
        ok = (el_rad >= s.elevation_min_rad) & (el_rad <= s.autonomous_search_elevation_max_rad)
        if hw < math.pi:
            off = np.abs((az_rad - self.azimuth_center_rad + math.pi) % _TWO_PI - math.pi)
            ok &= off <= hw
        return np.asarray(ok)

    def in_region(
        self, region: SearchRegion, range_m: FloatArray, az_rad: FloatArray, el_rad: FloatArray
    ) -> NDArray[np.bool_]:
        """Points the radar's beams pass through this scan (sector or any window)."""
        if region.whole_field:
            return np.ones(len(az_rad), dtype=bool)
        if not region.sector:
            return region.windows.any_contains(range_m, az_rad, el_rad)
        out = self.in_sector(az_rad, el_rad)
        if len(region.windows) and len(az_rad):
            out |= region.windows.any_contains(range_m, az_rad, el_rad)
        return np.asarray(out)

    @cached_property
    def sector_cells(self) -> float:
        """Resolution cells of the autonomous search sector
        (:func:`.clutter.n_resolution_cells`)."""
        return self._cells(False) if self.spec.autonomous_search else 0.0

    @cached_property
    def field_cells(self) -> float:
        """Resolution cells of the whole field of regard."""
        return self._cells(True)

    def _cells(self, whole_field: bool) -> float:
        s = self.spec
        a0, a1, e0, e1 = self._sector_bounds(whole_field)
        return n_resolution_cells(
            range_min_m=s.min_range_m,
            range_max_m=s.instrumented_range_m,
            range_resolution_m=self.range_resolution_m,
            az_sector_rad=a1 - a0,
            azimuth_beamwidth_rad=s.beamwidth_az_rad,
            el_sector_rad=e1 - e0,
            elevation_beamwidth_rad=s.beamwidth_el_rad,
        )

    def window_cells(self, windows: Windows) -> FloatArray:
        """Resolution cells in each window: range cells x azimuth beams x elevation beams,
        each at least one."""
        s = self.spec
        out: FloatArray = _window_cells_kernel(
            np.ascontiguousarray(windows.half_range_m, dtype=np.float64),
            np.ascontiguousarray(windows.half_az_rad, dtype=np.float64),
            np.ascontiguousarray(windows.half_el_rad, dtype=np.float64),
            self.range_resolution_m,
            s.beamwidth_az_rad,
            s.beamwidth_el_rad,
        )
        return out

    def search_volume_m3(self) -> float:
        """Volume of the autonomous search sector, m^3:
        ``(R_max^3 - R_min^3) / 3 * d_az * (sin el_max - sin el_min)``."""
        s = self.spec
        if not s.autonomous_search:
            return 0.0
        a0, a1, e0, e1 = self._sector_bounds()
        return float(
            (s.instrumented_range_m**3 - s.min_range_m**3)
            / 3.0
            * (a1 - a0)
            * (math.sin(e1) - math.sin(e0))
        )

    def false_alarm_density_per_m3(self) -> float:
        """Mean spatial density of false alarms in the autonomous search sector, per m^3:
        expected false alarms per scan (``pfa`` x cells) over the sector's volume, i.e.
        ``pfa`` over the mean resolution-cell volume (Blackman and Popoli, *Design and
        Analysis of Modern Tracking Systems*, 1999, sec. 6.2: beta_FT = P_FA / V_C).
        Zero for a radar without autonomous search."""
        vol = self.search_volume_m3()
        return self.spec.pfa * self.sector_cells / vol if vol > 0 else 0.0

    def false_alarms(
        self, rng: np.random.Generator, region: SearchRegion
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Noise false alarms of one scan: a Poisson count with mean ``pfa`` x cells in
        the sector and in each window, positions uniform over each one's cells
        (:func:`.clutter.false_alarm_count`; uniform in range, azimuth, elevation).

        Returns
        -------
        range_m, az_rad, el_rad : ndarray
            Positions of the false alarms (azimuth in [0, 2 pi)).
        """
        s = self.spec
        parts: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        if region.whole_field or (region.sector and s.autonomous_search):
            cells = self.field_cells if region.whole_field else self.sector_cells
            n = false_alarm_count(rng, s.pfa, cells)
            a0, a1, e0, e1 = self._sector_bounds(region.whole_field)
            r = rng.uniform(s.min_range_m, s.instrumented_range_m, n)
            az = np.mod(a0 + (a1 - a0) * rng.random(n), _TWO_PI)
            el = rng.uniform(e0, e1, n)
            parts.append((r, az, el))
        w = region.windows
        if len(w) and not region.whole_field:
            # One Poisson count over all windows, then a window per false alarm with
            # probability proportional to its cells: the same law as one count per window.
            win_cells, total = _window_cells_total(
                w.half_range_m, w.half_az_rad, w.half_el_rad, *self._cell_args
            )
            if len(w) > _PAIRWISE_BLOCK:
                total = win_cells.sum()
            # false_alarm_count's Poisson draw (the radar's pfa checked with its spec)
            n_win = int(rng.poisson(float(s.pfa) * float(total)))
            if n_win:  # (draws of size zero would take nothing from the stream)
                k = np.minimum(
                    np.searchsorted(np.cumsum(win_cells), rng.random(n_win) * total), len(w) - 1
                )
                u = rng.uniform(-1.0, 1.0, (n_win, 3))
                r = np.clip(
                    w.range_m[k] + w.half_range_m[k] * u[:, 0],
                    s.min_range_m,
                    s.instrumented_range_m,
                )
                az = np.mod(w.az_rad[k] + w.half_az_rad[k] * u[:, 1], _TWO_PI)
                el = w.el_rad[k] + w.half_el_rad[k] * u[:, 2]
                parts.append((r, az, el))
        if not parts:
            return _NO_FLOAT, _NO_FLOAT, _NO_FLOAT  # (empty: nothing to write to)
        if len(parts) == 1:
            return parts[0]
        return (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    # -- geometry and physics ---------------------------------------------------------------
    def coverage(self, pos_m: FloatArray, alt_m: FloatArray | None = None) -> Coverage:
        """Which of the targets at ``pos_m`` (ENU; ``alt_m`` their altitudes, unused by the
        terrain LOS which derives them) are inside the radar's range, elevation and azimuth
        limits and in line of sight over the terrain and the refracting earth
        (:func:`samsim.geo.los.visible`)."""
        az, el, rng = self.site.aer(pos_m)
        return self.coverage_at(pos_m, az, el, rng)

    def coverage_at(
        self, pos_m: FloatArray, az: FloatArray, el: FloatArray, rng: FloatArray
    ) -> Coverage:
        """:meth:`coverage` of points whose azimuth, elevation and range from the radar
        (:meth:`samsim.geo.frames.Site.aer`) are already known."""
        s = self.spec
        # Exact shortcut: with no terrain above the antenna, a ray leaving it upward
        # clears everything (over the k R sphere, k >= 1, it only rises). A 1 mrad margin
        # covers the tangent sphere's departure from the ellipsoid (tens of m at 600 km)
        # that the terrain LOS accounts for.
        fast = self.k_factor >= 1.0 and self.terrain.max_m <= self.antenna_altitude_m - 1.0
        shape = np.shape(rng)
        inside, test, any_test = _coverage_masks(
            np.ascontiguousarray(az, dtype=np.float64).ravel(),
            np.ascontiguousarray(el, dtype=np.float64).ravel(),
            np.ascontiguousarray(rng, dtype=np.float64).ravel(),
            s.min_range_m,
            s.instrumented_range_m,
            s.elevation_min_rad,
            s.elevation_max_rad,
            self.azimuth_center_rad,
            s.azimuth_half_width_rad,
            _FAST_LOS_EL_RAD if fast else math.inf,
        )
        inside, test = inside.reshape(shape), test.reshape(shape)
        if any_test:
            inside[test] = self._visibility()(pos_m[test])
        return Coverage(inside, az, el, rng)

    def _visibility(self) -> PreparedVisibility:
        """The terrain LOS from the antenna (:func:`samsim.geo.los.visible` of the base
        point and mast height), prepared once per terrain and refraction (the terrain may
        be swapped after construction)."""
        los = self._los
        if los is None or los[0] is not self.terrain or los[1] != self.k_factor:
            obs = ObserverGeometry.at(self.terrain.frame, self.base_enu_m, self.spec.mast_height_m)
            prepared = PreparedVisibility(obs, self.terrain, k_factor=self.k_factor)
            los = self._los = (self.terrain, self.k_factor, prepared)
        return los[2]

    def snr_db(self, range_m: FloatArray, rcs_m2: FloatArray) -> FloatArray:
        """Per-pulse SNR of targets, dB (radar equation; see :func:`.equation.snr_db`)."""
        return self.snr_1m_db + 10.0 * np.log10(rcs_m2) - 40.0 * np.log10(np.maximum(range_m, 1.0))

    def cnr_db(self, range_m: FloatArray, el_rad: FloatArray) -> FloatArray:
        """Clutter-to-noise ratio of the land clutter competing with a target at
        ``range_m`` seen with the beam at ``el_rad``, before MTI, dB (``-inf`` beyond the
        smooth-earth clutter horizon ``sqrt(2 k a h + h^2)``).

        Notes
        -----
        :func:`samsim.sensors.clutter.clutter_to_noise_db`: constant-gamma clutter
        (``spec.clutter_gamma_db``) in the pulse-limited cell at the target's range, seen
        through a Gaussian elevation beam floored at ``spec.sidelobe_level_db``, phase
        centre ``mast_height_m`` above a smooth 4/3 earth (Barton, *Radar Equations for
        Modern Radar*, 2013, surface clutter). Terrain relief around the site is not
        modelled (its shadowing nor its discrete returns).
        """
        if (
            type(range_m) is np.ndarray
            and type(el_rad) is np.ndarray
            and range_m.dtype == el_rad.dtype == np.float64
            and range_m.ndim == 1
            and range_m.shape == el_rad.shape
        ):
            return self._cnr_db_vector(range_m, el_rad)
        out = np.full(np.shape(range_m), -np.inf)
        near = (range_m < self.clutter_horizon_m).nonzero()[0]
        if len(near):
            s = self.spec
            out[near] = clutter_to_noise_db(
                range_m=range_m[near],
                beam_elevation_rad=el_rad[near],
                peak_power_w=s.peak_power_w,
                gain_tx_db=s.antenna_gain_db,
                gain_rx_db=s.antenna_gain_db,
                wavelength_m=s.wavelength_m,
                pulse_width_s=s.pulse_width_s,
                noise_figure_db=s.noise_figure_db,
                losses_db=s.losses_db,
                radar_height_m=s.mast_height_m,
                gamma_db=s.clutter_gamma_db,
                azimuth_beamwidth_rad=s.beamwidth_az_rad,
                elevation_beamwidth_rad=s.beamwidth_el_rad,
                range_resolution_m=self.range_resolution_m,
                sidelobe_level_db=s.sidelobe_level_db,
                effective_earth_radius_m=self.effective_earth_radius_m,
            )
        return out

    def _cnr_db_vector(self, range_m: FloatArray, el_rad: FloatArray) -> FloatArray:
        """:meth:`cnr_db` of float64 vectors: the arithmetic of
        :func:`~samsim.sensors.clutter.clutter_to_noise_db` in three compiled passes, its
        arcsin, sin, cos and log10 numpy's (each called once, on stacked arguments)."""
        s = self.spec
        near, sines = _clutter_sines_kernel(
            np.ascontiguousarray(range_m),
            self.clutter_horizon_m,
            float(s.mast_height_m),
            float(self.effective_earth_radius_m),
        )
        if len(near) == 0:
            return np.full(len(range_m), -np.inf)
        angles = np.arcsin(sines)
        psi = angles[0]
        args, pattern = _clutter_terms_kernel(
            range_m, el_rad, near, angles, np.sin(psi), np.cos(psi), *self._clutter_args
        )
        with np.errstate(divide="ignore"):
            logs = np.log10(args)
        return _clutter_db_kernel(len(range_m), near, logs, pattern, self._clutter_sums)

    @cached_property
    def _clutter_args(self) -> tuple[float, ...]:
        """The per-radar figures of :func:`_clutter_terms_kernel`: the mast height, the
        terrain's ``gamma`` (linear, as :func:`.clutter.sigma0_constant_gamma` computes
        it), the azimuth beamwidth and range cell, the elevation beamwidth and sidelobe
        level, ``P tau n lambda^2`` and ``k T`` (:func:`.equation.snr_db`'s products in
        their order)."""
        s = self.spec
        lam = np.asarray(s.wavelength_m, dtype=float)
        energy = (
            np.asarray(s.peak_power_w, dtype=float)
            * np.asarray(s.pulse_width_s, dtype=float)
            * np.asarray(1, dtype=float)
            * lam
            * lam
        )
        gamma = 10.0 ** (np.asarray(s.clutter_gamma_db, dtype=float) / 10.0)
        return (
            float(s.mast_height_m),
            float(gamma),
            float(s.beamwidth_az_rad),
            float(self.range_resolution_m),
            float(s.beamwidth_el_rad),
            float(s.sidelobe_level_db),
            float(energy),
            float(BOLTZMANN_J_PER_K * np.asarray(REFERENCE_TEMP_K, dtype=float)),
        )

    @cached_property
    def _clutter_sums(self) -> FloatArray:
        """The terms :func:`.equation.snr_db` adds to ``10 log10 E`` in its order: + the
        two antenna gains, - the noise figure, - the losses, - ``(4 pi)^3`` in dB."""
        s = self.spec
        return np.array(
            [
                s.antenna_gain_db,
                s.antenna_gain_db,
                s.noise_figure_db,
                s.losses_db,
                _DB_4PI_CUBED,
            ],
            dtype=np.float64,
        )

    def receive_pattern_db(
        self, az_rad: FloatArray, el_rad: FloatArray, az_j_rad: FloatArray, el_j_rad: FloatArray
    ) -> FloatArray:
        """One-way receive gain toward (az_j, el_j) of a beam pointed at (az, el), relative
        to the peak, dB; broadcasts.

        ``max(-4 ln2 10 log10(e) [(d_az cos el / theta_az)^2 + (d_el / theta_el)^2], SLL)``:
        a Gaussian main beam (3 dB down at half a beamwidth in each plane; Barton 2013,
        beamshape loss) floored at the average sidelobe level ``spec.sidelobe_level_db``.
        """
        s = self.spec
        daz = (az_j_rad - az_rad + math.pi) % _TWO_PI - math.pi
        x = daz * np.cos(el_rad) / s.beamwidth_az_rad
        y = (el_j_rad - el_rad) / s.beamwidth_el_rad
        return np.asarray(np.maximum(-_GAUSS_DB * (x * x + y * y), s.sidelobe_level_db))

    def jnr_db(self, az_rad: FloatArray, el_rad: FloatArray, emitters: Emitters) -> FloatArray:
        """Total jammer-to-noise ratio in beams pointed at (az, el), dB (``-inf``: none).

        Notes
        -----
        Each emitter whose band contains the radar's carrier and that is in line of sight
        contributes :func:`samsim.sensors.jamming.jammer_to_noise_db` at its own range,
        received with gain ``antenna_gain_db`` + :meth:`receive_pattern_db` toward it: a
        self-screening jammer (on the target) is in the main lobe, a stand-off jammer in
        the sidelobes unless the beam points near it. Powers add (noise-like jamming;
        Skolnik 2001, noise jamming; Schleher 1999).
        """
        out = np.full(np.shape(az_rad), -np.inf)
        if len(emitters) == 0 or len(az_rad) == 0:
            return out
        s = self.spec
        use = np.flatnonzero(emitters.covering(s.frequency_hz))
        if len(use) == 0:
            return out
        pos = emitters.pos_m[use]
        use = use[
            visible(
                self.base_enu_m,
                pos,
                self.terrain,
                antenna_height_m=s.mast_height_m,
                k_factor=self.k_factor,
            )
        ]
        if len(use) == 0:
            return out
        az_j, el_j, r_j = self.site.aer(emitters.pos_m[use])
        gain = s.antenna_gain_db + self.receive_pattern_db(
            az_rad[:, None], el_rad[:, None], az_j[None, :], el_j[None, :]
        )
        jnr = jammer_to_noise_db(
            jammer_erp_w=emitters.erp_w[use][None, :],
            jammer_bandwidth_hz=emitters.bandwidth_hz[use][None, :],
            radar_bandwidth_hz=s.bandwidth_hz,
            jammer_range_m=np.maximum(r_j, 1.0)[None, :],
            gain_rx_toward_jammer_db=gain,
            wavelength_m=s.wavelength_m,
            noise_figure_db=s.noise_figure_db,
            jammer_losses_db=emitters.losses_db[use][None, :],
        )
        return np.asarray(np.logaddexp.reduce(jnr * _LN10_OVER_10, axis=1) / _LN10_OVER_10)

    def in_notch(self, pos_m: FloatArray, vel_mps: FloatArray, cnr_db: FloatArray) -> BoolArray:
        """Targets filtered out with the clutter: ground clutter competes (finite
        ``cnr_db``) and the radial speed is below ``spec.mti_notch_mps``.

        Notes
        -----
        Radial speed ``v_r = v . (p - s) / |p - s|`` with ``s`` the antenna's position
        (ENU, m; the site's own motion is zero).
        """
        clutter = np.isfinite(cnr_db)
        if not clutter.any():  # no clutter competes (the usual scan): nothing in the notch
            return clutter
        los = pos_m - self.site.position_enu_m
        rng = np.sqrt(np.einsum("ij,ij->i", los, los))
        v_r = np.einsum("ij,ij->i", vel_mps, los) / np.maximum(rng, 1.0)
        return np.asarray(clutter & (np.abs(v_r) < self.spec.mti_notch_mps))

    def sinr_db(self, snr_db: FloatArray, cnr_db: FloatArray, jnr_db: FloatArray) -> FloatArray:
        """Per-pulse signal to (residual clutter + jamming + noise) ratio, dB:
        ``SNR / (1 + JNR + CNR / I)`` with ``I`` = ``spec.mti_improvement_db``
        (:func:`samsim.sensors.jamming.sinr_db`)."""
        resid = cnr_db - self.spec.mti_improvement_db
        if not (
            type(snr_db) is type(jnr_db) is type(resid) is np.ndarray
            and snr_db.dtype == jnr_db.dtype == resid.dtype == np.float64
            and snr_db.ndim == 1
            and snr_db.shape == jnr_db.shape == resid.shape
        ):
            return sinr_db(snr_db, jnr_db, resid)
        # its log-sum-exp over (0, JNR, CNR / I) (the reduction's two steps, in order)
        total = np.logaddexp(np.logaddexp(0.0, jnr_db * _LN10_OVER_10), resid * _LN10_OVER_10)
        return snr_db - total / _LN10_OVER_10

    # -- one scan -------------------------------------------------------------------------
    def scan(
        self,
        time_s: float,
        threat_ids: IntArray,
        pos_m: FloatArray,
        alt_m: FloatArray,
        rcs_m2: FloatArray,
        swerling: IntArray,
        rng: np.random.Generator,
        *,
        region: SearchRegion | None = None,
        emitters: Emitters | None = None,
        n_threats: int | None = None,
        false_alarm_rng: np.random.Generator | None = None,
        vel_mps: FloatArray | None = None,
    ) -> Detections:
        """One look at every threat given: coverage, SINR, Doppler notch, detection draw,
        noisy plots and false alarms.

        Parameters
        ----------
        time_s : float
            Scan time, s.
        threat_ids : ndarray of int64, shape (n,)
            Ids of the threats given (rows of the world's threat table).
        pos_m, alt_m, rcs_m2, swerling : ndarray
            Their positions (ENU), altitudes, mean RCS and Swerling cases.
        rng : numpy.random.Generator
            The radar's stream for detection draws and measurement noise.
        region : SearchRegion, optional
            Where the radar looks (default: its whole field of regard). A threat is
            detectable only inside it; false alarms fill its cells.
        emitters : Emitters, optional
            Noise jammers radiating now.
        n_threats : int, optional
            Size of the world's threat table. When given, the scan draws one uniform and
            three normals for *every* threat of the table and uses those of
            ``threat_ids``: each threat's draws then depend only on the stream and the
            scan, not on which other threats are alive or seen (common random numbers, so
            runs that differ in RCS, power, terrain or jamming are compared scan by scan).
        false_alarm_rng : numpy.random.Generator, optional
            Stream for false alarms (:meth:`false_alarms`); None: no false alarms (a look
            at the targets alone). A stream of its own keeps the detection draws
            independent of the number of false alarms.
        vel_mps : ndarray, shape (n, 3), optional
            The threats' velocities (ENU), for the Doppler notch; None: no notch.

        Notes
        -----
        Pd from the per-pulse SINR (:meth:`sinr_db`) with ``n_pulses`` non-coherently
        integrated and the target's Swerling case (:func:`.detection.pd_swerling`); one
        uniform draw per target and scan (scan-to-scan independent, so Swerling 1 and 3
        decorrelate between scans as they should). Range and angle errors are Gaussian
        with standard deviations from the integrated SINR (:mod:`.noise`). The CFAR keeps
        the false-alarm rate at ``pfa`` whatever the interference, so false alarms do not
        depend on clutter or jamming.

        Doppler notch: where ground clutter competes (inside the clutter horizon, see
        :meth:`cnr_db`), the MTI / Doppler filter that removes the clutter removes a target
        whose radial speed ``|v . (p - s)| / |p - s|`` is below ``spec.mti_notch_mps`` with
        it: Pd = 0 (Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, sec. 3.2,
        MTI response near zero Doppler). A target flying across the beam (beaming) close
        to the radar hides in the notch; above the clutter horizon it does not.
        """
        s = self.spec
        region = region or SearchRegion(whole_field=True)
        n_given = len(threat_ids)
        if n_threats is None:
            n_draw, rows = n_given, np.arange(n_given)
        else:
            n_draw, rows = int(n_threats), np.asarray(threat_ids, dtype=np.int64)
        u = rng.random(n_draw)
        z = rng.standard_normal((n_draw, 3))
        if false_alarm_rng is None:
            fa_r = fa_az = fa_el = _NO_FLOAT
        else:
            fa_r, fa_az, fa_el = self.false_alarms(false_alarm_rng, region)
        n_fa = len(fa_r)
        fa_x = self.false_alarm_snr_db if n_fa else 0.0
        guess = self._last_case  # the Swerling case of the last scan's targets
        grid, pd_grid = self._pd_grid(guess)
        if n_given and not region.empty:
            az, el, rg = self.site.aer(pos_m)
            ok, test, any_test, logs_in = self._look(
                az, el, rg, region.whole_field, region.sector, windows=region.windows, rcs=rcs_m2
            )
            if any_test:
                ok[test] = self._visibility()(pos_m[test])
            # The measurement uses the energy of all n pulses of the look.
            idx, got, pd, x, n_near, case, outside, looked_up = _gather_kernel(
                ok, rg, az, el, np.log10(logs_in), swerling, self.clutter_horizon_m,
                self.snr_1m_db, guess, grid, pd_grid, emitters is not None, self._meas_gain_db,
                n_fa, fa_x,
            )  # fmt: skip
            rng_t, az_t, el_t, snr = got[0], got[1], got[2], got[3]
        else:
            idx, rng_t = np.zeros(0, dtype=np.int64), np.zeros(0)
            az_t = el_t = snr = pd = rng_t
            x = np.full(n_fa, fa_x / 10.0)
            n_near, case, outside, looked_up = 0, -1, False, False
        n = len(idx)
        self._last_case = case if case >= 0 else guess
        if case != guess:
            grid, pd_grid = self._pd_grid(case)
        jammed = emitters is not None and n > 0
        sinr = snr
        cnr = jnr = None
        if n_near > 0 or jammed:
            cnr = self.cnr_db(rng_t, el_t) if n_near else np.full(n, -np.inf)
            jnr = self.jnr_db(az_t, el_t, emitters) if jammed else np.full(n, -np.inf)  # type: ignore[arg-type]
            if np.isfinite(cnr).any() or (jammed and np.isfinite(jnr).any()):
                sinr = self.sinr_db(snr, cnr, jnr)
                x[:n] = (sinr + self._meas_gain_db) / 10.0
        if case >= 0 and not looked_up:
            pd, outside = _interp_kernel(sinr, grid, pd_grid)
        if case >= 0 and outside:
            pd = _pd_tails(pd, sinr, grid, pd_grid, s.pfa)
        elif case < 0:
            pd = np.zeros(n)
            sw = swerling[idx]
            for c in np.unique(sw):
                m = sw == c
                pd[m] = pd_swerling(sinr[m], s.pfa, s.n_pulses, int(c))
        if n_near and vel_mps is not None and s.mti_notch_mps > 0:
            assert cnr is not None
            pd[self.in_notch(pos_m[idx], vel_mps[idx], cnr)] = 0.0
        hit, plots, ids = _plots_kernel(
            u, pd, np.asarray(10.0**x, dtype=float), snr, sinr, rng_t, az_t, el_t, z, rows, idx,
            threat_ids, fa_r, fa_az, fa_el, *self._sigma_args,
        )  # fmt: skip
        snr, sinr, sr, saz, sel, r_meas, az_meas, el_meas, true_r, cnr_jnr = plots
        if cnr is None or jnr is None:
            cnr = jnr = cnr_jnr
        else:
            cnr, jnr = cnr[hit], jnr[hit]
            if n_fa:
                none = np.full(n_fa, -np.inf)
                jnr, cnr = np.concatenate([jnr, none]), np.concatenate([cnr, none])
        return Detections(
            time_s=time_s,
            radar_index=self.index,
            threat_id=ids,
            range_m=r_meas,
            az_rad=az_meas,
            el_rad=el_meas,
            sigma_range_m=sr,
            sigma_az_rad=saz,
            sigma_el_rad=sel,
            snr_db=snr,
            true_range_m=true_r,
            sinr_db=sinr,
            jnr_db=jnr,
            cnr_db=cnr,
            az_el_rad=plots[6:8],
        )

    def measured_enu_m(self, dets: Detections) -> FloatArray:
        """The plots' measured positions in scenario ENU, (n, 3):
        :meth:`~samsim.geo.frames.Site.aer_to_enu` of their azimuth, elevation and
        range."""
        if dets.az_el_rad is None:
            return self.site.aer_to_enu(dets.az_rad, dets.el_rad, dets.range_m)
        return self.site.aer_rows_to_enu(dets.az_el_rad, dets.range_m)

    def covers(
        self,
        pos_m: FloatArray,
        az_rad: FloatArray,
        el_rad: FloatArray,
        range_m: FloatArray,
        *,
        sector: bool = False,
        extra: BoolArray | None = None,
    ) -> BoolArray:
        """Points (ENU, with their :meth:`samsim.geo.frames.Site.aer`) in the autonomous
        search sector (when ``sector``: :meth:`in_sector`) or where ``extra`` is true, and
        in coverage over the terrain (:meth:`coverage_at`); one pass for the masks."""
        ok, test, any_test, _ = self._look(
            az_rad, el_rad, range_m, False, sector, _NO_MASK if extra is None else extra
        )
        if any_test:
            ok[test] = self._visibility()(pos_m[test])
        return ok

    def covers_enu(
        self, pos_m: FloatArray, *, sector: bool = False, extra: BoolArray | None = None
    ) -> BoolArray:
        """:meth:`covers` of scenario-ENU points (n, 3) whose
        :meth:`~samsim.geo.frames.Site.aer` is not known: when every point is clear of
        the bounds (:func:`_covers_clear_kernel`) the masks come without it, otherwise
        from ``Site.aer`` and :meth:`covers`; the result is the same either way."""
        n = pos_m.shape[0]
        ok = np.empty(n, dtype=np.bool_)
        test = np.empty(n, dtype=np.bool_)
        any_test = _covers_clear_kernel(
            pos_m, self.site.position_enu_m, self.site.rot,
            sector and self.spec.autonomous_search, *self._clear_args,
            _NO_MASK if extra is None else extra, *self._clear_limits,
            self._clear_los_sin, ok, test,
        )  # fmt: skip
        if any_test < 0:
            az, el, rg = self.site.aer(pos_m)
            return self.covers(pos_m, az, el, rg, sector=sector, extra=extra)
        if any_test:
            ok[test] = self._visibility()(pos_m[test])
        return ok

    @cached_property
    def _clear_args(self) -> tuple[float, float]:
        """The sector's half width and the sine of its top (:func:`_covers_clear_kernel`)."""
        hw, top = self._look_args[:2]
        return hw, _sin_of_bound(top)

    @cached_property
    def _clear_limits(self) -> tuple[float, ...]:
        """:meth:`_look_args`' coverage limits with the elevations as sines
        (:func:`_covers_clear_kernel`)."""
        r_min, r_max, el_min, el_max, centre, half_width = self._look_args[2:]
        return r_min, r_max, _sin_of_bound(el_min), _sin_of_bound(el_max), centre, half_width

    @property
    def _clear_los_sin(self) -> float:
        """The sine of the elevation below which a covered point needs a terrain LOS (2: every
        point; see :meth:`coverage_at`'s shortcut, which the terrain may switch)."""
        fast = self.k_factor >= 1.0 and self.terrain.max_m <= self.antenna_altitude_m - 1.0
        return _sin_of_bound(_FAST_LOS_EL_RAD) if fast else 2.0

    def _look(
        self,
        az: FloatArray,
        el: FloatArray,
        rg: FloatArray,
        whole_field: bool,
        sector: bool,
        extra: BoolArray = _NO_MASK,
        windows: Windows | None = None,
        rcs: FloatArray = _NO_FLOAT,
    ) -> tuple[BoolArray, BoolArray, bool, FloatArray]:
        """:func:`_look_kernel` with this radar's limits: the points in the field
        (``whole_field``), its autonomous sector (``sector``), ``extra`` or ``windows``,
        and inside its coverage; those that need a terrain LOS; whether there is any; the
        radar equation's log10 arguments when ``rcs`` is given."""
        # The exact shortcut of coverage_at (no terrain above the antenna; see there).
        fast = self.k_factor >= 1.0 and self.terrain.max_m <= self.antenna_altitude_m - 1.0
        hw, top, *limits = self._look_args
        w = windows if windows is not None and not whole_field else _NO_WINDOWS
        out: tuple[BoolArray, BoolArray, bool, FloatArray] = _look_kernel(
            az, el, rg, whole_field, sector and self.spec.autonomous_search, hw, top, extra,
            w is not _NO_WINDOWS, w.range_m, w.az_rad, w.el_rad, w.half_range_m,
            w.half_az_rad, w.half_el_rad, *limits, _FAST_LOS_EL_RAD if fast else math.inf, rcs,
        )  # fmt: skip
        return out

    @cached_property
    def _look_args(self) -> tuple[float, ...]:
        """Per-radar constants of :func:`_look_kernel`: the sector's half width and top,
        then the range, elevation and azimuth limits of :meth:`coverage_at`."""
        s = self.spec
        return (
            float(min(s.autonomous_search_half_width_rad, s.azimuth_half_width_rad)),
            float(s.autonomous_search_elevation_max_rad),
            float(s.min_range_m),
            float(s.instrumented_range_m),
            float(s.elevation_min_rad),
            float(s.elevation_max_rad),
            float(self.azimuth_center_rad),
            float(s.azimuth_half_width_rad),
        )

    @cached_property
    def _meas_gain_db(self) -> float:
        """Integration gain of the measurement, ``10 log10(n_pulses)``, dB."""
        return 10.0 * math.log10(self.spec.n_pulses)

    @cached_property
    def _sigma_args(self) -> tuple[float, ...]:
        """The figures of :func:`.noise.measurement_sigmas` (range resolution and floor,
        beamwidths, monopulse slope, angle floor)."""
        s = self.spec
        return (
            float(self.range_resolution_m),
            float(s.range_accuracy_floor_m),
            float(s.beamwidth_az_rad),
            float(s.beamwidth_el_rad),
            float(s.monopulse_slope),
            float(s.angle_accuracy_floor_rad),
        )

    @cached_property
    def _cell_args(self) -> tuple[float, float, float]:
        """Range resolution and beamwidths: the cell sizes of :func:`_window_cells_kernel`."""
        s = self.spec
        return (
            float(self.range_resolution_m),
            float(s.beamwidth_az_rad),
            float(s.beamwidth_el_rad),
        )

    def _pd_grid(self, case: int) -> tuple[FloatArray, FloatArray]:
        """The detection table (SNR grid, Pd) of Swerling ``case`` (``pd_swerling``'s
        ``"table"``); empty arrays for ``case`` < 0."""
        if case < 0:
            return _NO_FLOAT, _NO_FLOAT
        table = self._pd_tables.get(case)
        if table is None:
            table = _pd_table(float(self.spec.pfa), int(self.spec.n_pulses), case, "table")
            self._pd_tables[case] = table
        return table


def detection_details(dets: Detections, roles: list[str] | None = None) -> str | list[str]:
    """The ``detail`` text of each detection in the event log: ``;``-separated tokens.

    ``track`` / ``acquired``: a fire-control radar's plot that updated a track it holds /
    acquired a cued track (``roles``); ``jnr_db=X``: total jammer-to-noise ratio in the
    beam when a jammer reached the radar; ``cnr_db=X``: clutter-to-noise ratio before MTI
    when ground clutter competed; ``sinr_db=X``: the per-pulse SINR the detection was
    decided on, whenever jamming or clutter was present. Empty otherwise (and for false
    alarms). A single ``""`` when every detail is empty.
    """
    if not any(map(math.isfinite, dets.jnr_db.tolist())) and not any(
        map(math.isfinite, dets.cnr_db.tolist())
    ):  # (a scan's few detections: Python floats cost less than array calls)
        return roles if roles is not None and any(roles) else ""
    jam = np.isfinite(dets.jnr_db)
    clut = np.isfinite(dets.cnr_db)
    out = []
    for i in range(len(dets)):
        tok = [roles[i]] if roles is not None and roles[i] else []
        if jam[i]:
            tok.append(f"jnr_db={dets.jnr_db[i]:.2f}")
        if clut[i]:
            tok.append(f"cnr_db={dets.cnr_db[i]:.2f}")
        if jam[i] or clut[i]:
            tok.append(f"sinr_db={dets.sinr_db[i]:.2f}")
        out.append(";".join(tok))
    return out


def unit_init_speed_sigma_mps(radars: list[Radar]) -> float:
    """Velocity prior of a unit's new tracks: one third of the fastest target speed its
    radars are designed for, per axis, m/s.

    Notes
    -----
    Single-point initiation starts a track at the measured position with zero mean
    velocity; a second detection ``dt`` later lies ``v dt`` away, and the predicted position
    covariance grows as ``sigma_v^2 dt^2``, so the normalised distance is about
    ``v / sigma_v``. With ``sigma_v = v_max / 3`` every target up to ``v_max`` stays within
    3 sigma (inside the chi-square gate); a 300 m/s prior loses a 1.4 km/s ballistic
    missile between scans and its tracks fragment (Blackman & Popoli, *Design and
    Analysis of Modern Tracking Systems*, 1999, sec. 3.4, one-point initiation).
    """
    if not radars:
        raise ValueError("unit_init_speed_sigma_mps needs at least one radar")
    return max(float(r.spec.max_target_speed_mps) for r in radars) / 3.0


def unit_tracker_figures(radars: list[Radar]) -> tuple[float, float | None]:
    """Detection probability and false-alarm density a unit's tracker assumes, from its
    radars' figures: ``pd`` the lowest ``tracking_pd`` (the least favourable radar) and
    ``clutter_density`` the highest mean false-alarm density over the radars' search
    sectors, per m^3 (:meth:`Radar.false_alarm_density_per_m3`; None when no radar
    searches on its own). For :class:`samsim.tracking.TrackerConfig`."""
    if not radars:
        raise ValueError("unit_tracker_figures needs at least one radar")
    pd = min(r.spec.tracking_pd for r in radars)
    density = max(r.false_alarm_density_per_m3() for r in radars)
    return pd, (density if density > 0 else None)
