"""Cueing and target channels of a fire-control radar.

The unit's tracks cue the fire-control radar, which searches a window around each cued
track's predicted position (a verification look for a tentative track, an acquisition
look for a confirmed one); a detection that updates a confirmed cued track acquires it,
and the radar then holds it (a track window every scan) on one of its
``target_channels``. It never holds more tracks than it has channels.

Radars report, trackers listen: the channels take the unit's tracks as arrays (ids,
states, covariances, which the engine reads off the tracker) and never import the
tracker.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

import samsim.jit as nb  # numba.njit, built on first call
from samsim.geo.frames import aer_of_local_row, local_of_row
from samsim.sensors.radar import Radar, Windows

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: A track takes the channel of a held one only if its time to go is shorter by this
#: factor (hysteresis: targets of similar urgency do not trade the channel back and forth).
PREEMPT_RATIO = 0.8
#: Offset that puts preferred tracks (ballistic first) ahead of every other, s.
_PREFERRED = 1e9


def _outranks(key: FloatArray, worst: float) -> NDArray[np.bool_]:
    """Whether tracks with priority keys ``key`` (smaller: more urgent) take the channel of
    a held track of key ``worst``: a preferred track always outranks a plain one;
    otherwise the key must be below :data:`PREEMPT_RATIO` times ``worst``."""
    k = np.asarray(key, dtype=float)
    pref_k = k < 0
    pref_w = bool(worst < 0)
    base_k = np.where(pref_k, k + _PREFERRED, k)
    base_w = worst + _PREFERRED if pref_w else worst
    same_class = pref_k if pref_w else ~pref_k
    beats = same_class & (base_k < PREEMPT_RATIO * base_w)
    return np.asarray(beats | pref_k) if not pref_w else np.asarray(beats)


def _outranks_one(key: float, worst: float) -> bool:
    """:func:`_outranks` of one key, in scalars (the same double arithmetic)."""
    pref_k, pref_w = key < 0, worst < 0
    base_k = key + _PREFERRED if pref_k else key
    base_w = worst + _PREFERRED if pref_w else worst
    same_class = pref_k if pref_w else not pref_k
    beats = same_class and base_k < PREEMPT_RATIO * base_w
    return beats if pref_w else (beats or pref_k)


def _nan_as_zero(v: float) -> float:
    """``v``, or 0.0 for NaN (a sort key that compares NaN equal to NaN)."""
    return 0.0 if v != v else v


def member(ids: IntArray, keys: Collection[int]) -> NDArray[np.bool_]:
    """``ids[i] in keys`` for each i (a set lookup: cheaper than ``np.isin`` for the few
    tracks of a scan; the bound ``__contains__`` mapped over a list, cheaper than a
    generator)."""
    return np.array(list(map(keys.__contains__, ids.tolist())), dtype=bool)


def track_windows(
    radar: Radar,
    track_ids: IntArray,
    pos_m: FloatArray,
    pos_cov_m2: FloatArray,
    n_sigma: float,
) -> Windows:
    """Range-azimuth-elevation windows around tracks' predicted positions.

    Parameters
    ----------
    radar : Radar
        The searching radar (its site, range resolution and beamwidths).
    track_ids : ndarray of int64, shape (m,)
    pos_m : ndarray, shape (m, 3)
        Predicted positions, scenario ENU, m.
    pos_cov_m2 : ndarray, shape (m, 3, 3)
        Their covariances, m^2.
    n_sigma : float
        Half size of each window in standard deviations.

    Returns
    -------
    Windows
        Centred on the predicted (range, az, el). In angle, half sizes ``n_sigma`` times
        the standard deviations of azimuth and elevation, at least half a beamwidth (one
        beam position) and at most ``spec.cue_window_max_beams`` beam positions (a poor
        cue is searched over the largest window the radar gives an acquisition). In range,
        the gate ``spec.cue_window_range_m`` either side: a beam receives every range,
        and the radar processes that swath around the expected range, so a target that
        weaves or a track that lags in range is still found.

    Notes
    -----
    The angular standard deviations project the position covariance on the radar's local
    unit vectors: ``sigma_az = sqrt(u_az' P u_az) / (R cos el)``,
    ``sigma_el = sqrt(u_el' P u_el) / R`` (first-order propagation through the
    Cartesian-to-polar Jacobian; Bar-Shalom, Li and Kirubarajan, *Estimation with
    Applications to Tracking and Navigation*, 2001, sec. 1.4 and 10.4).
    """
    if len(track_ids) == 0:
        return Windows.empty()
    d_m = np.asarray(pos_m, dtype=float) - radar.site.position_enu_m
    return _windows_from_offsets(
        radar, np.asarray(track_ids, dtype=np.int64), d_m, pos_cov_m2, n_sigma
    )


def _windows_from_offsets(
    radar: Radar, track_ids: IntArray, d_m: FloatArray, pos_cov_m2: FloatArray, n_sigma: float
) -> Windows:
    """:func:`track_windows` of tracks (m >= 1) given by their positions' offsets from the
    radar's site, ``d_m = pos_m - site`` (m, 3), scenario ENU.

    The local positions are ``d_m @ rot.T``, as :meth:`~samsim.geo.frames.Site.to_local`
    computes them; azimuth, range and elevation as :meth:`~samsim.geo.frames.Site.aer`'s
    array form (:func:`_aer_rows`: the same arithmetic, numpy's ``arctan2`` and
    ``arcsin``), with numpy's ``sin`` and ``cos`` of azimuth and elevation in one call
    each (stacked rows: the same doubles as four calls).
    """
    s = radar.spec
    m = d_m.shape[0]
    rot = radar.site.rot
    loc = d_m @ rot.T
    aer = _aer_rows(loc, np.arctan2(loc[..., 0], loc[..., 1]))
    np.arcsin(aer[1], out=aer[1])
    trig = aer[:2]
    sin_ae, cos_ae = np.sin(trig), np.cos(trig)
    cov_local = np.ascontiguousarray(rot[None, :, :] @ pos_cov_m2 @ rot.T[None, :, :])
    dr = radar.range_resolution_m
    max_beams = 0.5 * s.cue_window_max_beams
    baz, bel = s.beamwidth_az_rad, s.beamwidth_el_rad
    half = np.empty((3, m))
    _window_halves(
        sin_ae, cos_ae, cov_local, aer[2], float(n_sigma), 0.5 * baz, max_beams * baz,
        0.5 * bel, max_beams * bel, float(max(s.cue_window_range_m, dr)), half,
    )  # fmt: skip
    # a frozen dataclass's __init__ sets each field through object.__setattr__
    w = object.__new__(Windows)
    w.__dict__.update(
        track_id=track_ids,
        range_m=aer[2],
        az_rad=aer[0],
        el_rad=aer[1],
        half_range_m=half[0],
        half_az_rad=half[1],
        half_el_rad=half[2],
    )
    return w


@nb.njit(cache=True)
def _aer_rows(loc: FloatArray, atan: FloatArray) -> FloatArray:
    """:func:`samsim.geo.frames.aer_of_local_row` of site-local points (m, 3), as
    :func:`samsim.geo.frames._aer_rows_kernel` but with the rows in the order (azimuth,
    sine of the elevation, range), so that the first two are one contiguous block."""
    m = loc.shape[0]
    out = np.empty((3, m))
    for i in range(m):
        out[0, i], out[2, i], out[1, i] = aer_of_local_row(loc, atan, i)
    return out


@nb.njit(inline="always")
def _np_max(a: float, b: float) -> float:
    """``np.maximum`` of two doubles (NaN propagates; ``b`` is never NaN here)."""
    return a if (a >= b or a != a) else b


@nb.njit(inline="always")
def _np_min(a: float, b: float) -> float:
    """``np.minimum`` of two doubles (NaN propagates; ``b`` is never NaN here)."""
    return a if (a <= b or a != a) else b


@nb.njit(cache=True)
def _window_halves(
    sin_ae: FloatArray,
    cos_ae: FloatArray,
    cov_local: FloatArray,
    r: FloatArray,
    n_sigma: float,
    az_lo: float,
    az_hi: float,
    el_lo: float,
    el_hi: float,
    half_r: float,
    half: FloatArray,
) -> None:
    """The half sizes of :func:`track_windows`, in one pass, to the rows of ``half`` (3,
    m): range (``half_r``), azimuth, elevation. ``sin_ae`` and ``cos_ae`` (2, m) are the
    sines and cosines of azimuth (row 0) and elevation (row 1). With the local unit
    vectors ``u_az = (cos az, -sin az, 0)``, ``u_el = (-sin az sin el, -cos az sin el,
    cos el)``, ``sigma_az = sqrt(u_az' P u_az) / (R cos el)``, ``sigma_el = sqrt(u_el' P
    u_el) / R``, then ``n_sigma`` sigmas clipped to [lo, hi]. The quadratic forms sum
    ``u_i P_ij u_j`` over (i, j) in row order from 0, as numpy's ``einsum("ni,nij,nj->n")``
    does, so the halves are the same doubles as the array formulas."""
    u = np.empty(3)
    w = np.empty(3)
    for k in range(r.shape[0]):
        sa, ca, se, ce = sin_ae[0, k], cos_ae[0, k], sin_ae[1, k], cos_ae[1, k]
        u[0], u[1], u[2] = ca, -sa, 0.0
        w[0], w[1], w[2] = -sa * se, -ca * se, ce
        qa = 0.0
        qe = 0.0
        for i in range(3):
            for j in range(3):
                qa += u[i] * cov_local[k, i, j] * u[j]
        for i in range(3):
            for j in range(3):
                qe += w[i] * cov_local[k, i, j] * w[j]
        rr = _np_max(r[k], 1.0)
        sig_az = math.sqrt(_np_max(qa, 0.0)) / (rr * _np_max(ce, 1e-6))
        sig_el = math.sqrt(_np_max(qe, 0.0)) / rr
        half[0, k] = half_r
        half[1, k] = _np_min(_np_max(n_sigma * sig_az, az_lo), az_hi)
        half[2, k] = _np_min(_np_max(n_sigma * sig_el, el_lo), el_hi)


def time_to_go_s(radar: Radar, x: FloatArray) -> FloatArray:
    """Urgency of tracks for a radar: range over closing speed, s.

    ``t = R / max(-(r . v) / R, 1 m/s)`` with ``r`` the track's position from the radar and
    ``v`` its velocity (zero when ``x`` has positions only): a track that does not close
    ranks by its range in metres-per-(m/s), i.e. after every closing one in practice.
    """
    out = np.empty(x.shape[0])
    _time_to_go_kernel(
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(radar.site.position_enu_m, dtype=np.float64),
        out,
    )
    return out


@nb.njit(cache=True)
def _time_to_go_kernel(x: FloatArray, site_m: FloatArray, out: FloatArray) -> None:
    """:func:`time_to_go_s` per track: ``R = max(|r|, 1)`` (squares summed in order),
    closing speed ``-(r . v) / R`` with the products summed as numpy's ``einsum("ij,ij->i")``
    sums three (first and third, then the second), ``R / max(closing, 1)``."""
    has_v = x.shape[1] >= 6
    for k in range(x.shape[0]):
        r0 = x[k, 0] - site_m[0]
        r1 = x[k, 1] - site_m[1]
        r2 = x[k, 2] - site_m[2]
        rng = _np_max(math.sqrt(r0 * r0 + r1 * r1 + r2 * r2), 1.0)
        closing = 0.0
        if has_v:
            closing = -((r0 * x[k, 3] + r2 * x[k, 5]) + r1 * x[k, 4]) / rng
        out[k] = rng / _np_max(closing, 1.0)


#: ``az_ok`` of :func:`_plan_rows` for a radar that sees every azimuth.
_ALL_AZIMUTHS = np.zeros(0, dtype=bool)


@nb.njit(inline="always")
def _key_before(a: float, b: float) -> bool:
    """``a`` sorts strictly before ``b`` in numpy's order of doubles (NaN last)."""
    return a < b or (b != b and a == a)


@nb.njit(cache=True)
def _plan_rows(
    r: FloatArray,
    el: FloatArray,
    az_ok: NDArray[np.bool_],
    key: FloatArray,
    is_held: NDArray[np.bool_],
    min_range_m: float,
    max_range_m: float,
    el_min_rad: float,
    el_max_rad: float,
    rows: IntArray,
) -> tuple[int, int]:
    """The rows a fire-control radar looks at (:meth:`FireControlChannels.plan`): the held
    tracks' rows in track order, then the rows of the tracks it does not hold inside its
    field of regard (``min_range_m <= r <= max_range_m``, ``el_min_rad <= el <=
    el_max_rad`` and ``az_ok``, all true when empty), by ``key`` ascending with ties in
    track order (numpy's stable ``argsort``, NaN last), written to ``rows``.

    Returns
    -------
    tuple of (int, int)
        The number of held rows and of rows written.
    """
    n = r.shape[0]
    k = 0
    for i in range(n):
        if is_held[i]:
            rows[k] = i
            k += 1
    n_held = k
    all_az = az_ok.shape[0] == 0
    for i in range(n):
        if is_held[i]:
            continue
        if not (r[i] >= min_range_m and r[i] <= max_range_m):
            continue
        if not (el[i] >= el_min_rad and el[i] <= el_max_rad):
            continue
        if not (all_az or az_ok[i]):
            continue
        # insertion, after every row of an equal key (stable)
        j = k
        while j > n_held and _key_before(key[i], key[rows[j - 1]]):
            rows[j] = rows[j - 1]
            j -= 1
        rows[j] = i
        k += 1
    return n_held, k


def _sin_bound(el_rad: float) -> float:
    """The sine of an elevation bound for :func:`_field_of_regard`: -2 or 2 beyond -pi/2
    or pi/2 (every elevation, which ``arcsin`` keeps in [-pi/2, pi/2], passes)."""
    if el_rad >= math.pi / 2:
        return 2.0
    if el_rad <= -math.pi / 2:
        return -2.0
    return math.sin(el_rad)


#: Relative tolerance of :func:`_field_of_regard` (rounding errors are ~1e-15).
_FIELD_TOL = 1e-9


@nb.njit(cache=True)
def _field_of_regard(
    pos_m: FloatArray,
    site_m: FloatArray,
    rot: FloatArray,
    min_range_m: float,
    max_range_m: float,
    sin_el_min: float,
    sin_el_max: float,
    inside: NDArray[np.bool_],
) -> bool:
    """Which tracks lie in a radar's field of regard in range and elevation, when every
    track is clear of its bounds.

    With ``d = p - site`` and the site-local ``(e, n, u) = rot d`` (summed in plain
    order), ``r = sqrt(e^2 + n^2 + u^2)`` and ``q = clip(u / max(r, 1e-9), -1, 1)``:
    ``inside = min_range <= r <= max_range and sin_el_min <= q <= sin_el_max``, where the
    sines are those of the elevation bounds (:func:`_sin_bound`).

    Returns
    -------
    bool
        False (``inside`` then partly written) when some track is NaN or infinite, or
        within ``1e-9 (r + 1)`` of a range bound or ``1e-9`` of a bound's sine: only
        then could :meth:`~samsim.geo.frames.Site.aer`'s range and elevation (its local
        coordinates from a BLAS product, its ``arcsin``, each within a few units in the
        last place of these) fall on the other side of a bound. True: ``inside`` is what
        the bounds give on ``Site.aer``'s range and elevation, for every track.
    """
    for i in range(pos_m.shape[0]):
        e, n, u = local_of_row(pos_m, i, site_m, rot)
        r = math.sqrt(e * e + n * n + u * u)
        if not r < math.inf:  # NaN or infinite
            return False
        tol = _FIELD_TOL * (r + 1.0)
        if abs(r - min_range_m) <= tol or abs(r - max_range_m) <= tol:
            return False
        q = u / (1e-9 if r < 1e-9 else r)
        q = -1.0 if q < -1.0 else (1.0 if q > 1.0 else q)
        if abs(q - sin_el_min) <= _FIELD_TOL or abs(q - sin_el_max) <= _FIELD_TOL:
            return False
        inside[i] = min_range_m <= r <= max_range_m and sin_el_min <= q <= sin_el_max
    return True


#: ``preferred`` of :func:`_plan_kernel` when no track is preferred.
_NO_PREFERENCE = np.zeros(0, dtype=np.bool_)


@nb.njit(cache=True)
def _plan_kernel(
    x: FloatArray,
    cov: FloatArray,
    ids: IntArray,
    site_m: FloatArray,
    rot: FloatArray,
    preferred: NDArray[np.bool_],
    all_azimuths: bool,
    min_range_m: float,
    max_range_m: float,
    sin_el_min: float,
    sin_el_max: float,
    held_ids: IntArray,
    gather: bool,
    is_held: NDArray[np.bool_],
    key: FloatArray,
    inside: NDArray[np.bool_],
    rows: IntArray,
    id_rows: IntArray,
    d_rows: FloatArray,
    cov_rows: FloatArray,
) -> tuple[int, int]:
    """The compiled part of :meth:`FireControlChannels.plan` in one call.

    Writes whether each track is held (its id among ``held_ids``) to ``is_held``, the
    priority keys to ``key`` (:func:`_time_to_go_kernel`, minus
    :data:`_PREFERRED` where ``preferred``, the doubles of ``np.where(preferred, key -
    _PREFERRED, key)``; ``preferred`` empty: none); then, for a radar that sees every
    azimuth (``all_azimuths``), the field-of-regard flags (:func:`_field_of_regard`) and,
    when they are decided, the rows (:func:`_plan_rows` with the flags as its azimuth
    mask and bounds that pass every track) to ``rows``; then, if ``gather``, the rows'
    ids, position offsets from the site (``x[rows, :3] - site_m``) and position
    covariances (``cov[rows, :3, :3]``) to the first rows of ``id_rows``, ``d_rows`` and
    ``cov_rows``.

    Returns
    -------
    tuple of (int, int)
        The number of held rows and of rows written, or (-1, -1) when the rows are not
        written (a sector radar, or a track near a bound of the field of regard: the
        caller then decides the rows on ``Site.aer``).
    """
    for i in range(ids.shape[0]):
        h = False
        for k in range(held_ids.shape[0]):
            if held_ids[k] == ids[i]:
                h = True
                break
        is_held[i] = h
    _time_to_go_kernel(x, site_m, key)
    if preferred.shape[0] > 0:
        for i in range(key.shape[0]):
            if preferred[i]:
                key[i] = key[i] - _PREFERRED
    if not all_azimuths:
        return -1, -1
    if not _field_of_regard(
        x[:, :3], site_m, rot, min_range_m, max_range_m, sin_el_min, sin_el_max, inside
    ):
        return -1, -1
    zero = np.zeros(key.shape[0])
    n_held, n_rows = _plan_rows(zero, zero, inside, key, is_held, 0.0, 0.0, 0.0, 0.0, rows)
    if gather:
        for k in range(n_rows):
            i = rows[k]
            id_rows[k] = ids[i]
            for a in range(3):
                d_rows[k, a] = x[i, a] - site_m[a]
                for b in range(3):
                    cov_rows[k, a, b] = cov[i, a, b]
    return n_held, n_rows


@dataclass
class LookPlan:
    """What a fire-control radar looks at in one scan."""

    windows: Windows
    """Track windows of held tracks, then acquisition windows of cued tracks."""
    held: IntArray
    """Ids of the tracks it holds (their windows come first in :attr:`windows`)."""
    cued: IntArray
    """Ids of the tracks it cues this scan (verification or acquisition), most urgent first."""


class FireControlChannels:
    """Target channels of one fire-control radar: which tracks it holds and which it cues.

    Parameters
    ----------
    radar : Radar
        A fire-control radar (``spec.target_channels`` channels).
    hold_s : float
        A held track the radar has not updated for this long is released (unless the
        command post is engaging it), s.

    Notes
    -----
    Each scan (:meth:`plan`): release held tracks that were deleted or not updated for
    ``hold_s``; look at every held track through a track window; cue every track it does
    not hold inside its field of regard through an acquisition window
    (:func:`track_windows`; when every channel is taken, only tracks more urgent than
    the least urgent one that could give way, by :data:`PREEMPT_RATIO`).
    After the tracker has taken the scan's detections (:meth:`update`): a detection that
    updated a held track refreshes it; one that updated a cued track (or, for a radar
    with autonomous search, any confirmed track it found in its sector) acquires it if a
    channel is free, or takes the channel of the least urgent held track the command post
    is not engaging when the new one is more urgent by :data:`PREEMPT_RATIO`. Urgency is
    the time to go, range over closing speed (:func:`time_to_go_s`), with ``preferred``
    tracks (the doctrine's ballistic first) ahead of all: the threats the battery must
    engage first (a first-order stand-in for the command post's threat evaluation).
    """

    def __init__(self, radar: Radar, hold_s: float) -> None:
        if radar.spec.role != "fire_control":
            raise ValueError(
                f"radar {radar.name!r} has role {radar.spec.role!r}; only fire-control "
                "radars have target channels"
            )
        self.radar = radar
        self.capacity = int(radar.spec.target_channels)
        self.hold_s = float(hold_s)
        # track id -> (time of the last update by this radar, its priority key: time to go)
        self.held: dict[int, tuple[float, float]] = {}
        self._cued: set[int] = set()
        self._key: dict[int, float] = {}
        self._site_m = np.ascontiguousarray(radar.site.position_enu_m, dtype=np.float64)
        s = radar.spec
        self._field_limits = (
            float(s.min_range_m),
            float(s.instrumented_range_m),
            _sin_bound(float(s.elevation_min_rad)),
            _sin_bound(float(s.elevation_max_rad)),
        )

    @property
    def held_ids(self) -> IntArray:
        """Ids of the held tracks, in the order they were acquired."""
        return np.fromiter(self.held.keys(), dtype=np.int64, count=len(self.held))

    def plan(
        self,
        time_s: float,
        track_ids: IntArray,
        x: FloatArray,
        cov: FloatArray,
        engaged: Collection[int] = (),
        preferred: NDArray[np.bool_] | None = None,
    ) -> LookPlan:
        """This scan's looks, from the unit's tracks predicted to ``time_s``.

        Parameters
        ----------
        time_s : float
            Scan time, s.
        track_ids : ndarray of int64, shape (n,)
            The unit's tracks (tentative ones get verification looks: a plot there
            counts toward their confirmation).
        x : ndarray, shape (n, 3) or (n, >= 6)
            Their predicted positions, then velocities (for the time to go), scenario ENU.
        cov : ndarray, shape (n, >= 3, >= 3)
            Their covariances (positions first).
        engaged : collection of int
            Tracks the command post is engaging with this radar: never released.
        preferred : ndarray of bool, shape (n,), optional
            Tracks that come before all others whatever their time to go (the doctrine's
            ``ballistic_first``).
        """
        radar = self.radar
        s = radar.spec
        ids = np.asarray(track_ids, dtype=np.int64)
        n = len(ids)
        if n == 0:
            self.held.clear()
            self._cued = set()
            e = np.zeros(0, dtype=np.int64)
            return LookPlan(Windows.empty(), e, e.copy())
        x = np.ascontiguousarray(x, dtype=np.float64)
        id_list = ids.tolist()
        held = self.held
        if held:
            present = set(id_list)
            for k, (last, _) in list(held.items()):
                if k not in present or (time_s - last > self.hold_s and k not in engaged):
                    del held[k]
        # a free channel: the rows are final in the kernel, which gathers their inputs
        gather = self.capacity > len(held)
        is_held = np.empty(n, dtype=np.bool_)
        key = np.empty(n)
        rows = np.empty(n, dtype=np.int64)
        id_rows = np.empty(n, dtype=np.int64)
        d_rows = np.empty((n, 3))
        cov_rows = np.empty((n, 3, 3))
        # the keys, and the rows when every track is clear of the field's bounds (its
        # flags are then those of Site.aer's range and elevation; the rows' windows take
        # Site.aer's arithmetic below)
        n_held, n_rows = _plan_kernel(
            x, np.ascontiguousarray(cov, dtype=np.float64), ids, self._site_m, radar.site.rot,
            _NO_PREFERENCE if preferred is None else np.asarray(preferred, dtype=np.bool_),
            s.azimuth_half_width_rad >= math.pi, *self._field_limits,
            np.fromiter(held, dtype=np.int64, count=len(held)), gather, is_held, key,
            np.empty(n, dtype=np.bool_), rows, id_rows, d_rows, cov_rows,
        )  # fmt: skip
        self._key = live = dict(zip(id_list, key.tolist(), strict=True))
        for k, (last, _) in held.items():  # held tracks rank by their current urgency
            held[k] = (last, live[k])
        if n_rows >= 0 and gather:
            if n_rows == 0:
                windows = Windows.empty()
            else:
                windows = _windows_from_offsets(
                    radar, id_rows[:n_rows], d_rows[:n_rows], cov_rows[:n_rows],
                    s.cue_window_sigmas,
                )  # fmt: skip
            self._cued = set(id_rows[n_held:n_rows].tolist())
            return LookPlan(windows, id_rows[:n_held], id_rows[n_held:n_rows])
        pos = x[:, :3]
        if n_rows < 0:
            az, el, r = radar.site.aer(pos)
            if s.azimuth_half_width_rad < math.pi:
                off = np.abs((az - radar.azimuth_center_rad + math.pi) % (2 * math.pi) - math.pi)
                az_ok = off <= s.azimuth_half_width_rad
            else:
                az_ok = _ALL_AZIMUTHS
            n_held, n_rows = _plan_rows(
                r, el, az_ok, key, is_held, s.min_range_m, s.instrumented_range_m,
                s.elevation_min_rad, s.elevation_max_rad, rows,
            )  # fmt: skip
        cand = rows[n_held:n_rows]
        if self.capacity - len(held) <= 0:
            # Only tracks more urgent than the least urgent held track that could give way.
            victims = [v for k, (_, v) in held.items() if k not in engaged]
            cand = cand[_outranks(key[cand], max(victims))] if victims else cand[:0]
            rows = np.concatenate([rows[:n_held], cand])
        else:
            rows = rows[:n_rows]
        windows = track_windows(
            radar, ids[rows], pos[rows], np.asarray(cov[rows, :3, :3]), s.cue_window_sigmas
        )
        cued = ids[cand]
        self._cued = set(cued.tolist())
        return LookPlan(windows, ids[rows[:n_held]], cued)

    def update(
        self,
        time_s: float,
        det_track_id: IntArray,
        det_range_m: FloatArray,
        confirmed_ids: Collection[int],
        engaged: Collection[int] = (),
        det_in_sector: NDArray[np.bool_] | None = None,
    ) -> NDArray[np.bool_]:
        """Take the scan's detections (after the tracker step); returns, per detection,
        whether it updated a track this radar holds.

        Parameters
        ----------
        time_s : float
            Scan time, s.
        det_track_id : ndarray of int64, shape (n_det,)
            Track each detection updated or started (-1: none), from the tracker.
        det_range_m : ndarray, shape (n_det,)
            Measured range of each detection, m.
        confirmed_ids : collection of int
            The unit's confirmed tracks after the step.
        engaged : collection of int
            Tracks the command post is engaging with this radar (never given way).
        det_in_sector : ndarray of bool, optional
            Detections made by the autonomous search (may acquire any confirmed track).
        """
        tids = np.asarray(det_track_id, dtype=np.int64)
        tid_list = tids.tolist()
        held = self.held
        in_sector = [False] * len(tid_list) if det_in_sector is None else det_in_sector.tolist()
        key = self._key
        ranges = np.asarray(det_range_m, dtype=np.float64).tolist()
        keys = [key.get(k, r) for k, r in zip(tid_list, ranges, strict=True)]
        # Refresh held tracks first, then acquisitions most urgent first (ties in detection
        # order, NaN last: numpy's stable lexsort of (keys, not held)).
        order = sorted(
            range(len(tid_list)),
            key=lambda j: (tid_list[j] not in held, keys[j] != keys[j], _nan_as_zero(keys[j])),
        )
        for j in order:
            k = tid_list[j]
            if k < 0:
                continue
            urgency = keys[j]
            if k in held:
                held[k] = (time_s, urgency)
                continue
            if k not in confirmed_ids or not (k in self._cued or in_sector[j]):
                continue
            if len(held) >= self.capacity:
                victims = [(v[1], kk) for kk, v in held.items() if kk not in engaged]
                if not victims:
                    continue
                worst, far = max(victims)
                if not _outranks_one(urgency, worst):
                    continue
                del held[far]
            held[k] = (time_s, urgency)
        return member(tids, self.held)
