"""Engagement envelopes, kinematic range and ceiling, calibration, and time-of-flight tables.

Everything here is computed by flying the batched 3-DOF flyout
(:class:`~samsim.physics.flyout.Flyout`) against non-manoeuvring targets: the engagement
envelope (range vs altitude, for a target of a given speed), the maximum kinematic range
and ceiling that the catalogue is calibrated against, the calibration itself, and the
lazily built time-of-flight tables the command post uses to predict intercept points.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.geo.frames import EnuFrame
from samsim.jit import njit
from samsim.physics.flyout import Flyout, osculating_sphere
from samsim.physics.missile import MissileSpec
from samsim.physics.toftable import TofTable, _bilinear_point, _feasible_point
from samsim.units import G0_MPS2

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Manoeuvre authority an interceptor must still have at closest approach for the point to
#: count as inside the envelope (3 g: the usual 3:1 rule of missile over target
#: acceleration against a 1 g target; Zarchan, *Tactical and Strategic Missile Guidance*,
#: 6th ed., ch. 2).
MIN_ACCEL_AT_INTERCEPT_MPS2 = 3.0 * G0_MPS2

#: Reference frame of envelope computations: launcher at the origin, 45 deg N, firing north.
REFERENCE_FRAME = EnuFrame(45.0, 0.0, 0.0)

#: Macro step used for envelope flyouts (targets are exactly interpolated; see Flyout).
_ENVELOPE_MACRO_STEP_S = 1.0


def _points(
    frame: EnuFrame, ground_range_m: NDArray[np.float64], alt_m: NDArray[np.float64]
) -> NDArray[np.float64]:
    """ENU points due north of the origin at a ground range and altitude (osculating sphere)."""
    c, radius = osculating_sphere(frame)
    th = ground_range_m / radius
    r = radius + alt_m
    return np.stack([np.zeros_like(th), r * np.sin(th), r * np.cos(th) + c[2]], axis=-1)


@njit(cache=True, inline="always")
def _clip_pm1(x: float) -> float:
    """``np.clip(x, -1.0, 1.0)`` (max then min, NaN kept, ties to the bound)."""
    if math.isnan(x):
        return x
    x = x if x > -1.0 else -1.0
    return x if x < 1.0 else 1.0


@njit(cache=True, error_model="numpy")
def _sphere_angle_parts(
    o: NDArray[np.float64],
    p: NDArray[np.float64],
    c: NDArray[np.float64],
    sing: NDArray[np.float64],
    cosg: NDArray[np.float64],
    rb: NDArray[np.float64],
) -> None:
    """Per row of :func:`_ground_range_alt`: sine and cosine of the central angle between
    ``o`` and ``p`` seen from the centre ``c``, and |p - c|, with the array code's
    operations in its order (np.cross's products, sequential x, y, z sums)."""
    for k in range(p.shape[0]):
        sing[k], cosg[k], rb[k] = _sphere_angle_point(
            o[k, 0], o[k, 1], o[k, 2], p[k, 0], p[k, 1], p[k, 2], c
        )


@njit(cache=True, inline="always", error_model="numpy")
def _sphere_angle_point(
    o0: float, o1: float, o2: float, p0: float, p1: float, p2: float, c: NDArray[np.float64]
) -> tuple[float, float, float]:
    """One row of :func:`_sphere_angle_parts`: (sin, cos) of the central angle between
    o and p seen from c, and |p - c|; with a = o - c, b = p - c,
    cos = clip(a . b / (|a| |b|), -1, 1) and sin = |a x b| / (|a| |b|)."""
    a0, a1, a2 = o0 - c[0], o1 - c[1], o2 - c[2]
    b0, b1, b2 = p0 - c[0], p1 - c[1], p2 - c[2]
    rbk = math.sqrt(b0 * b0 + b1 * b1 + b2 * b2)
    rak = math.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
    cosg = _clip_pm1((a0 * b0 + a1 * b1 + a2 * b2) / (rak * rbk))
    x0 = a1 * b2 - a2 * b1
    x1 = a2 * b0 - a0 * b2
    x2 = a0 * b1 - a1 * b0
    sing = math.sqrt(x0 * x0 + x1 * x1 + x2 * x2) / (rak * rbk)
    return sing, cosg, rbk


def _ground_range_alt(
    frame: EnuFrame, p: NDArray[np.float64], origin: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Ground range from ``origin`` (default the frame origin) and altitude, on the sphere."""
    c, radius = osculating_sphere(frame)
    o = np.zeros(3) if origin is None else np.asarray(origin, dtype=float)
    pf = np.asarray(p, dtype=float)
    if pf.shape[-1:] == (3,) and o.shape[-1:] == (3,) and np.shape(c) == (3,):
        # One compiled pass (same operations as below) up to the arctangent.
        ob, pb = np.broadcast_arrays(o, pf)
        shape = pb.shape[:-1]
        n = int(np.prod(shape))
        sing_f, cosg_f, rb_f = np.empty(n), np.empty(n), np.empty(n)
        _sphere_angle_parts(
            np.ascontiguousarray(ob).reshape(n, 3),
            np.ascontiguousarray(pb).reshape(n, 3),
            np.asarray(c, dtype=float),
            sing_f,
            cosg_f,
            rb_f,
        )
        sing_s, cosg_s, rb_s = sing_f.reshape(shape), cosg_f.reshape(shape), rb_f.reshape(shape)
        return radius * np.arctan2(sing_s, cosg_s), rb_s - radius
    a = o - c
    b = pf - c
    rb = np.linalg.norm(b, axis=-1)
    ra = np.linalg.norm(a, axis=-1)
    cosg = np.clip(np.sum(a * b, axis=-1) / (ra * rb), -1.0, 1.0)
    sing = np.linalg.norm(np.cross(a, b), axis=-1) / (ra * rb)
    return radius * np.arctan2(sing, cosg), rb - radius


@dataclass(frozen=True)
class FlyoutResults:
    """Outcome of one flyout per intended intercept point (rows of a batch)."""

    success: NDArray[np.bool_]
    time_of_flight_s: NDArray[np.float64]
    speed_mps: NDArray[np.float64]
    accel_available_mps2: NDArray[np.float64]
    miss_m: NDArray[np.float64]
    intercept_range_m: NDArray[np.float64]
    intercept_alt_m: NDArray[np.float64]
    kind: NDArray[np.str_]


def fly_to_points(
    specs: Sequence[MissileSpec],
    type_index: ArrayLike,
    ground_range_m: ArrayLike,
    alt_m: ArrayLike,
    target_speed_mps: float = 0.0,
    frame: EnuFrame = REFERENCE_FRAME,
    min_accel_mps2: float = MIN_ACCEL_AT_INTERCEPT_MPS2,
) -> FlyoutResults:
    """Fly one interceptor per intended intercept point, all in one batch.

    Parameters
    ----------
    specs : sequence of MissileSpec
        Type table.
    type_index : array_like of int, shape (n,)
        Missile type per shot.
    ground_range_m, alt_m : array_like, shape (n,)
        Intended intercept point: ground range from the launcher (at the frame origin) and
        altitude above the osculating sphere.
    target_speed_mps : float
        Target flying at constant altitude radially toward the launcher (0: stationary).
        A moving target starts at r + V T(r, h), T from the type's time-of-flight table
        (:func:`tof_table`), and the interceptor uses the table for its mid-course
        predicted intercept point; the intercept then happens near, not exactly at, the
        intended point (``intercept_range_m`` reports where).
    frame : EnuFrame
        Frame of the launcher (origin) and of the computation.
    min_accel_mps2 : float
        Manoeuvre authority required at closest approach for a success.

    Returns
    -------
    FlyoutResults
        ``success`` = flight ended in ``intercept`` with miss <= the lethal radius and the
        available lateral acceleration at closest approach >= ``min_accel_mps2`` (the speed
        was >= the type's minimum speed, or the flight would have ended with ``min_speed``).
    """
    typ = np.atleast_1d(np.asarray(type_index, dtype=np.int64))
    rng = np.broadcast_to(np.asarray(ground_range_m, dtype=float), typ.shape).copy()
    alt = np.broadcast_to(np.asarray(alt_m, dtype=float), typ.shape).copy()
    if target_speed_mps < 0:
        raise ValueError(f"target_speed_mps must be >= 0, got {target_speed_mps}")
    if target_speed_mps == 0.0:
        return _fly_stationary(specs, typ, rng, alt, frame, min_accel_mps2)
    # place the target so that it would reach the intended point after the nominal time
    # of flight there (the type's time-of-flight table, extrapolated beyond the envelope)
    tables = [tof_table(s) for s in specs]
    tof0 = np.empty(typ.shape[0])
    for k, tab in enumerate(tables):
        sel = typ == k
        tof0[sel] = tab.lookup(rng[sel], alt[sel])[0]
    c, radius = osculating_sphere(frame)
    omega = target_speed_mps / (radius + alt)  # angular rate about the centre
    th0 = rng / radius + omega * tof0
    aim = _points(frame, rng, alt)

    def truth(t: float, ids: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        th = th0[ids] - omega[ids] * t
        r = radius + alt[ids]
        pos = np.stack([np.zeros_like(th), r * np.sin(th), r * np.cos(th) + c[2]], axis=-1)
        w = -omega[ids] * r
        vel = np.stack([np.zeros_like(th), w * np.cos(th), -w * np.sin(th)], axis=-1)
        return pos, vel

    return _run(specs, typ, aim, truth, frame, min_accel_mps2, tables)


def _fly_stationary(
    specs: Sequence[MissileSpec],
    typ: NDArray[np.int64],
    rng: NDArray[np.float64],
    alt: NDArray[np.float64],
    frame: EnuFrame,
    min_accel_mps2: float,
) -> FlyoutResults:
    pts = _points(frame, rng, alt)

    def truth(t: float, ids: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return pts[ids], np.zeros((ids.shape[0], 3))

    return _run(specs, typ, pts, truth, frame, min_accel_mps2)


def _run(
    specs: Sequence[MissileSpec],
    typ: NDArray[np.int64],
    aim: NDArray[np.float64],
    truth: object,
    frame: EnuFrame,
    min_accel_mps2: float,
    tables: Sequence[TofTable | None] | None = None,
) -> FlyoutResults:
    n = typ.shape[0]
    fly = Flyout(frame, specs, macro_step_s=_ENVELOPE_MACRO_STEP_S, tof_tables=tables)
    fly.launch(typ, np.zeros((n, 3)), 0.0, np.arange(n), aim)
    t_end = max(s.max_flight_time_s for s in specs) + 1.0
    out = fly.advance(t_end, truth)  # type: ignore[arg-type]
    i = out.interceptor_id
    kind = np.full(n, "", dtype="<U13")
    tof = np.full(n, np.nan)
    speed = np.full(n, np.nan)
    acc = np.full(n, np.nan)
    miss = np.full(n, np.nan)
    kind[i] = out.kind
    tof[i] = out.time_s
    speed[i] = out.speed_mps
    acc[i] = out.accel_available_mps2
    miss[i] = out.miss_m
    radius_l = np.array([s.kill_radius_m for s in specs])[typ]
    ok = (kind == "intercept") & (miss <= radius_l) & (acc >= min_accel_mps2)
    grange = np.full(n, np.nan)
    galt = np.full(n, np.nan)
    grange[i], galt[i] = _ground_range_alt(frame, out.position_enu_m)
    tof = np.where(kind == "intercept", tof, np.nan)
    return FlyoutResults(ok, tof, speed, acc, miss, grange, galt, kind)


# ---------------------------------------------------------------------------------------
# far boundary, kinematic range, ceiling
# ---------------------------------------------------------------------------------------


def far_boundary_m(
    specs: Sequence[MissileSpec],
    type_index: ArrayLike,
    alt_m: ArrayLike,
    target_speed_mps: float = 0.0,
    iterations: int = 9,
    frame: EnuFrame = REFERENCE_FRAME,
) -> NDArray[np.float64]:
    """Far boundary of the envelope: the largest intercept ground range at each altitude.

    Parameters
    ----------
    specs, type_index : as :func:`fly_to_points`; one row per (type, altitude) pair.
    alt_m : array_like, shape (n,)
        Target altitude per row.
    target_speed_mps : float
        Target speed, flying radially inbound at constant altitude.
    iterations : int
        Bisection steps after a coarse scan of 16 ranges from 2 % to 170 % of the
        published ``max_range_m``; the bracket shrinks to 1.68 x max_range / 15 / 2^iterations.

    Returns
    -------
    ndarray, shape (n,)
        Ground range (m) of the actual closest approach of the last success (equal to the
        intended point for a stationary target), 0 where no scanned range succeeds. The
        bisection is on the intended point; rows are bisected together in one flyout batch
        per step.

    Notes
    -----
    The boundary is the last success of the coarse scan followed by bisection between it
    and the next scanned range; a region of success beyond a failure is not looked for.
    """
    typ = np.atleast_1d(np.asarray(type_index, dtype=np.int64))
    alt = np.broadcast_to(np.asarray(alt_m, dtype=float), typ.shape).copy()
    rmax = np.array([specs[k].max_range_m for k in typ])
    frac = np.linspace(0.02, 1.7, 16)
    n = typ.shape[0]
    grid = rmax[:, None] * frac[None, :]
    res = fly_to_points(
        specs, np.repeat(typ, 16), grid.ravel(), np.repeat(alt, 16), target_speed_mps, frame
    )
    ok = res.success.reshape(n, 16)
    actual_grid = res.intercept_range_m.reshape(n, 16)
    last = np.where(ok.any(axis=1), 15 - np.argmax(ok[:, ::-1], axis=1), -1)
    rows = np.arange(n)
    lo = np.where(last >= 0, grid[rows, np.maximum(last, 0)], 0.0)
    actual = np.where(last >= 0, actual_grid[rows, np.maximum(last, 0)], 0.0)
    hi = np.where(last < 15, grid[rows, np.minimum(last + 1, 15)], grid[:, -1])
    live = (last >= 0) & (last < 15)
    for _ in range(iterations):
        if not live.any():
            break
        mid = 0.5 * (lo + hi)
        idx = np.flatnonzero(live)
        r = fly_to_points(specs, typ[idx], mid[idx], alt[idx], target_speed_mps, frame)
        lo[idx] = np.where(r.success, mid[idx], lo[idx])
        actual[idx] = np.where(r.success, r.intercept_range_m, actual[idx])
        hi[idx] = np.where(r.success, hi[idx], mid[idx])
    return actual


@dataclass(frozen=True)
class KinematicFigures:
    """Simulated kinematic figures of one missile type (see docs/models/interceptors.md).

    Attributes
    ----------
    max_range_m : float
        Maximum kinematic range: the largest far boundary over the altitudes tried.
    best_altitude_m : float
        Altitude at which it is reached.
    ceiling_m : float
        Highest altitude with any successful intercept over the ranges tried.
    altitudes_m, far_boundary_m : ndarray
        The far boundary at each altitude tried.
    peak_speed_mps : float
        Largest speed of a flight to the reference point (:func:`peak_speed_mps`).
    """

    max_range_m: float
    best_altitude_m: float
    ceiling_m: float
    altitudes_m: NDArray[np.float64]
    far_boundary_m: NDArray[np.float64]
    peak_speed_mps: float = math.nan


DEFAULT_RANGE_ALTITUDES_M = np.array([0.1e3, 2e3, 5e3, 8e3, 11e3, 14e3, 17e3, 20e3, 23e3, 26e3])


def ceiling_m(
    specs: Sequence[MissileSpec],
    type_index: ArrayLike,
    ground_ranges_frac: Sequence[float] = (0.05, 0.1, 0.2, 0.3),
    iterations: int = 9,
    target_speed_mps: float = 0.0,
    frame: EnuFrame = REFERENCE_FRAME,
) -> NDArray[np.float64]:
    """Ceiling per type: the highest successful intercept altitude over a few ranges.

    Each type is tried at ground ranges that are the given fractions of its published
    ``max_range_m`` (near ranges, where the interceptor arrives fastest); at each, the
    altitude is bisected between 0 and 60 km. Returns the largest, in metres.
    """
    typ = np.atleast_1d(np.asarray(type_index, dtype=np.int64))
    fr = np.asarray(ground_ranges_frac, dtype=float)
    rows_t = np.repeat(typ, fr.size)
    rows_r = np.array([specs[k].max_range_m for k in typ])[:, None] * fr[None, :]
    rows_r = rows_r.ravel()
    lo = np.zeros(rows_t.size)
    hi = np.full(rows_t.size, 60e3)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        r = fly_to_points(specs, rows_t, rows_r, mid, target_speed_mps, frame)
        lo = np.where(r.success, mid, lo)
        hi = np.where(r.success, hi, mid)
    return lo.reshape(typ.size, fr.size).max(axis=1)


#: Reference intercept point of the peak speed: this fraction of the published maximum
#: range, at this altitude (the peak is reached at burn-out and depends little on it).
PEAK_SPEED_RANGE_FRACTION = 0.3
PEAK_SPEED_ALTITUDE_M = 10e3


def peak_speed_mps(
    specs: Sequence[MissileSpec], frame: EnuFrame = REFERENCE_FRAME
) -> NDArray[np.float64]:
    """Peak speed of each type, m/s: the largest speed of a flight to a stationary point
    at 0.3 of its published maximum range and 10 km altitude (reached at burn-out)."""
    n = len(specs)
    rng = np.array([PEAK_SPEED_RANGE_FRACTION * s.max_range_m for s in specs])
    alt = np.full(n, PEAK_SPEED_ALTITUDE_M)
    pts = _points(frame, rng, alt)
    fly = Flyout(frame, specs, macro_step_s=_ENVELOPE_MACRO_STEP_S)
    ids = fly.launch(np.arange(n), np.zeros((n, 3)), 0.0, np.arange(n), pts)

    def truth(t: float, k: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return pts[k], np.zeros((k.shape[0], 3))

    fly.advance(max(s.max_flight_time_s for s in specs) + 1.0, truth)
    return fly.peak_speed_mps(ids)


def kinematic_figures(
    specs: Sequence[MissileSpec],
    altitudes_m: ArrayLike | None = None,
    target_speed_mps: float = 0.0,
    iterations: int = 9,
    frame: EnuFrame = REFERENCE_FRAME,
) -> list[KinematicFigures]:
    """Maximum kinematic range (at the best altitude) and ceiling of each type.

    Definition (see docs/models/interceptors.md): the maximum kinematic range is the
    largest ground range of the intercept point, over target altitudes, at which the
    interceptor, launched at the right time against a non-manoeuvring target (stationary
    by default, else flying radially inbound at constant altitude), reaches closest approach
    within its lethal radius, at no less than its minimum speed and with at least
    :data:`MIN_ACCEL_AT_INTERCEPT_MPS2` of lateral acceleration available. The ceiling is
    the highest such intercept altitude at any range.
    """
    alts = DEFAULT_RANGE_ALTITUDES_M if altitudes_m is None else np.asarray(altitudes_m, float)
    n = len(specs)
    typ = np.repeat(np.arange(n), alts.size)
    fb = far_boundary_m(specs, typ, np.tile(alts, n), target_speed_mps, iterations, frame)
    fb = fb.reshape(n, alts.size)
    ceil = ceiling_m(
        specs, np.arange(n), iterations=iterations, target_speed_mps=target_speed_mps, frame=frame
    )
    vpk = peak_speed_mps(specs, frame)
    out = []
    for k in range(n):
        j = int(np.argmax(fb[k]))
        out.append(
            KinematicFigures(
                float(fb[k, j]),
                float(alts[j]),
                float(ceil[k]),
                alts.copy(),
                fb[k].copy(),
                float(vpk[k]),
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# calibration
# ---------------------------------------------------------------------------------------


def scale_propulsion(spec: MissileSpec, factor: float) -> MissileSpec:
    """Scale both grains' propellant and thrust by ``factor`` (burn times and Isp kept)."""
    return spec.model_copy(
        update={
            "boost_propellant_kg": spec.boost_propellant_kg * factor,
            "boost_thrust_n": spec.boost_thrust_n * factor,
            "sustain_propellant_kg": spec.sustain_propellant_kg * factor,
            "sustain_thrust_n": spec.sustain_thrust_n * factor,
        }
    )


def _with_knobs(spec: MissileSpec, x: NDArray[np.float64], knobs: Sequence[str]) -> MissileSpec:
    """``spec`` with each knob (log of a factor) applied: 'prop', 'tmax', 'cn'."""
    out = spec
    for name, v in zip(knobs, x, strict=True):
        f = math.exp(float(v))
        if name == "prop":
            prop = spec.boost_propellant_kg + spec.sustain_propellant_kg
            f = min(f, 0.97 * (spec.mass_launch_kg - 1.0) / prop)
            out = scale_propulsion(out, f)
        elif name == "tmax":
            out = out.model_copy(update={"max_flight_time_s": spec.max_flight_time_s * f})
        else:
            out = out.model_copy(update={"cn_max": out.cn_max * f})
    return out


def _figure_logs(f: KinematicFigures, goals: Sequence[str]) -> NDArray[np.float64]:
    vals = {
        "range": f.max_range_m,
        "ceiling": f.ceiling_m,
        "speed": f.peak_speed_mps,
    }
    return np.log(np.maximum(np.array([vals[g] for g in goals], dtype=float), 1.0))


def calibrate(
    specs: Sequence[MissileSpec],
    ranges_m: Sequence[float],
    ceilings_m: Sequence[float | None],
    rounds: int = 8,
    rel_tol: float = 0.01,
    altitudes_m: ArrayLike | None = None,
    iterations: int = 9,
    speeds_mps: Sequence[float | None] | None = None,
    speed_rel_tol: float = 0.03,
    max_step: float = 0.15,
) -> tuple[list[MissileSpec], list[KinematicFigures]]:
    """Tune notional figures so each type's kinematic range, ceiling and peak speed match
    the targets.

    Knobs (logarithms of factors on the catalogue values) and the figures they are
    solved for, per type:

    * the propulsion scale (:func:`scale_propulsion`: propellant and thrust, burn times
      and exhaust speed kept) and ``cn_max``, for the maximum kinematic range and the
      ceiling, when no peak speed is given;
    * with a peak speed target (:func:`peak_speed_mps`), also the maximum flight time:
      propulsion then sets the speed, and the flight time the missile can guide for
      (on-board power) holds the faster missile to its published range class. Neither a
      slow motor nor an inflated drag does it: both would also slow every shorter flight
      (a drag scaled to hold the 48N6E3's range at 2 km/s left it 460 m/s at a 100 km
      intercept at 5 km, against 900 m/s with generic drag and a flight-time limit).

    Each round is a damped Newton step on the log figures with a forward-difference
    Jacobian: every type's current specs and one perturbation per knob are flown in one
    batch (:func:`kinematic_figures`); steps are limited to ``max_step`` in log per knob.
    ``ceilings_m`` and ``speeds_mps`` entries may be None (that figure is not a target
    and its knob is left out). Stops when every figure is within its tolerance
    (``rel_tol`` for range and ceiling, ``speed_rel_tol`` for speed) or after ``rounds``
    rounds.

    Returns
    -------
    specs : list of MissileSpec
        Calibrated specs.
    figures : list of KinematicFigures
        Their kinematic figures as last computed.
    """
    v_goals = list(speeds_mps) if speeds_mps is not None else [None] * len(specs)
    plans = []
    for r, c, v in zip(ranges_m, ceilings_m, v_goals, strict=True):
        goals = ["range"] + (["ceiling"] if c is not None else []) + (["speed"] if v else [])
        knobs = ["prop"] + (["cn"] if c is not None else []) + (["tmax"] if v else [])
        target = {"range": r, "ceiling": c, "speed": v}
        tol = {"range": rel_tol, "ceiling": rel_tol, "speed": speed_rel_tol}
        plans.append((goals, knobs, target, tol))
    x = [np.zeros(len(p[1])) for p in plans]
    # forward-difference steps per knob: the ceiling is found by bisection, so cn_max needs
    # a step that moves it by more than the bisection's resolution
    eps_of = {"prop": 0.05, "tmax": 0.05, "cn": 0.3}
    # the figure each knob mainly moves, and a prior d log(figure) / d log(knob) used when
    # the difference shows none (the far-boundary scan stops at 1.7 x the published range;
    # the ceiling bisection has a finite resolution)
    prior = {"range": 4.0, "speed": 1.0, "ceiling": 0.22}
    tmax_prior = 1.0
    figs: list[KinematicFigures] = []
    cur = list(specs)
    for rnd in range(rounds + 1):
        batch: list[MissileSpec] = []
        for spec, xk, (_, knobs, _, _) in zip(specs, x, plans, strict=True):
            batch.append(_with_knobs(spec, xk, knobs))
            if rnd < rounds:
                for i, name in enumerate(knobs):
                    batch.append(
                        _with_knobs(spec, xk + eps_of[name] * np.eye(len(knobs))[i], knobs)
                    )
        res = kinematic_figures(batch, altitudes_m, iterations=iterations)
        pos = 0
        done = True
        figs = []
        cur = []
        for k, (goals, knobs, target, tol) in enumerate(plans):
            f0 = res[pos]
            cur.append(batch[pos])
            figs.append(f0)
            y0 = _figure_logs(f0, goals)
            goal = np.log(np.array([float(target[g] or 1.0) for g in goals]))
            off = [
                abs(math.exp(a - b) - 1.0) > tol[g] for a, b, g in zip(y0, goal, goals, strict=True)
            ]
            if rnd < rounds:
                jac = np.empty((len(goals), len(knobs)))
                for i, name in enumerate(knobs):
                    jac[:, i] = (_figure_logs(res[pos + 1 + i], goals) - y0) / eps_of[name]
                    own = {"prop": "speed" if "speed" in goals else "range", "tmax": "range"}
                    g = own.get(name, "ceiling")
                    p0 = tmax_prior if name == "tmax" else prior[g]
                    gi = goals.index(g)
                    if abs(jac[gi, i]) < 0.1 * p0:
                        jac[gi, i] = p0
                pos += 1 + len(knobs)
                if any(off):
                    done = False
                    step, *_ = np.linalg.lstsq(jac, goal - y0, rcond=None)
                    x[k] = x[k] + np.clip(step, -max_step, max_step)
            else:
                pos += 1
                done = done and not any(off)
        if done or rnd == rounds:
            break
    return cur, figs


# ---------------------------------------------------------------------------------------
# envelope (range vs altitude) and its plot
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    """Engagement envelope of one type for one target speed.

    Attributes
    ----------
    name : str
    target_speed_mps : float
    ranges_m, altitudes_m : ndarray, shapes (nr,), (na,)
        Grid of intended intercept points (ground range from the launcher, altitude).
    success : ndarray of bool, shape (na, nr)
    time_of_flight_s, speed_mps, accel_available_mps2 : ndarray, shape (na, nr)
        At closest approach (NaN where there was no intercept).
    far_boundary_m : ndarray, shape (na,)
        Refined far boundary at each altitude (bisection).
    """

    name: str
    target_speed_mps: float
    ranges_m: NDArray[np.float64]
    altitudes_m: NDArray[np.float64]
    success: NDArray[np.bool_]
    time_of_flight_s: NDArray[np.float64]
    speed_mps: NDArray[np.float64]
    accel_available_mps2: NDArray[np.float64]
    far_boundary_m: NDArray[np.float64]

    def near_boundary_m(self) -> NDArray[np.float64]:
        """Smallest successful grid range at each altitude (NaN if none)."""
        first = np.argmax(self.success, axis=1)
        return np.where(self.success.any(axis=1), self.ranges_m[first], np.nan)

    def rows(self) -> list[tuple[float, float, float, float, float] | None]:
        """Per altitude: (near, far, time of flight and speed at the far point) or None.

        The far point is the farther of the bisected far boundary and the farthest
        successful grid point (against a moving target both are where the intercepts
        actually happened, found by different searches); a row with neither is None:
        no intercept at that altitude.
        """
        near = self.near_boundary_m()
        out: list[tuple[float, float, float, float, float] | None] = []
        for j in range(self.altitudes_m.size):
            ok = np.flatnonzero(self.success[j])
            far_grid = self.ranges_m[ok[-1]] if ok.size else 0.0
            far = max(float(self.far_boundary_m[j]), float(far_grid))
            if not ok.size and far <= 0.0:
                out.append(None)
                continue
            near_j = float(near[j]) if ok.size else far
            tof = float(self.time_of_flight_s[j, ok[-1]]) if ok.size else math.nan
            spd = float(self.speed_mps[j, ok[-1]]) if ok.size else math.nan
            out.append((min(near_j, far), far, tof, spd, float(self.altitudes_m[j])))
        return out

    def to_text(self) -> str:
        """The envelope as a text table: altitude rows, near and far boundary, and the
        time of flight and interceptor speed at the farthest grid intercept."""
        what = (
            "stationary target"
            if self.target_speed_mps == 0
            else f"target {self.target_speed_mps:.0f} m/s radially inbound at constant altitude"
        )
        lines = [
            f"{self.name}: engagement envelope (intercept points), {what}",
            f"{'altitude km':>11} {'near km':>8} {'far km':>8} {'TOF s':>7} {'speed m/s':>9}",
        ]
        for j, row in enumerate(self.rows()):
            alt = self.altitudes_m[j] / 1e3
            if row is None:
                lines.append(f"{alt:11.1f} {'none':>8}")
                continue
            near, far, tof, spd, _ = row
            lines.append(f"{alt:11.1f} {near / 1e3:8.1f} {far / 1e3:8.1f} {tof:7.1f} {spd:9.0f}")
        lines.append("(TOF and speed: at the farthest grid intercept of the row)")
        return "\n".join(lines)


def compute_envelope(
    spec: MissileSpec,
    target_speed_mps: float = 0.0,
    ranges_m: ArrayLike | None = None,
    altitudes_m: ArrayLike | None = None,
    refine_iterations: int = 7,
    frame: EnuFrame = REFERENCE_FRAME,
) -> Envelope:
    """Engagement envelope (intercept-point ranges vs altitudes) for a target speed.

    Parameters
    ----------
    spec : MissileSpec
    target_speed_mps : float
        Non-manoeuvring target flying radially toward the launcher at constant altitude
        (0: stationary).
    ranges_m, altitudes_m : array_like, optional
        Grid; default 40 ranges to 1.25 x the published max range and 0.05 to 40 km.
    refine_iterations : int
        Bisection steps for the far boundary at each altitude.

    Returns
    -------
    Envelope
    """
    rng = (
        np.linspace(0.01, 1.25, 40) * spec.max_range_m
        if ranges_m is None
        else np.asarray(ranges_m, dtype=float)
    )
    alts = (
        np.concatenate([[50.0], np.arange(2.5e3, 40.1e3, 2.5e3)])
        if altitudes_m is None
        else np.asarray(altitudes_m, dtype=float)
    )
    rr, aa = np.meshgrid(rng, alts)
    res = fly_to_points(
        [spec], np.zeros(rr.size, dtype=np.int64), rr.ravel(), aa.ravel(), target_speed_mps, frame
    )
    shape = rr.shape
    far = far_boundary_m(
        [spec],
        np.zeros(alts.size, dtype=np.int64),
        alts,
        target_speed_mps,
        refine_iterations,
        frame,
    )
    return Envelope(
        spec.name,
        float(target_speed_mps),
        rng,
        alts,
        res.success.reshape(shape),
        res.time_of_flight_s.reshape(shape),
        res.speed_mps.reshape(shape),
        res.accel_available_mps2.reshape(shape),
        far,
    )


def plot_envelope(
    envelopes: Sequence[Envelope], spec: MissileSpec | None = None, ax: object | None = None
) -> Figure:
    """Plot envelopes (range vs altitude) with the published figures beside them.

    Parameters
    ----------
    envelopes : sequence of Envelope
        One per target speed, all of the same type; drawn as far/near boundary lines.
    spec : MissileSpec, optional
        When given, the published ``max_range_m`` / ``min_range_m`` /
        ``min_altitude_m`` / ``max_altitude_m`` box is drawn dashed for comparison.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig("x.png", dpi=120)``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure as _Figure

    fig = _Figure(figsize=(7.0, 4.2))
    axes = fig.add_subplot(1, 1, 1)
    for env in envelopes:
        far = env.far_boundary_m
        near = env.near_boundary_m()
        ok = far > 0
        label = (
            "simulated, stationary target"
            if env.target_speed_mps == 0
            else f"simulated, target {env.target_speed_mps:.0f} m/s inbound"
        )
        (line,) = axes.plot(far[ok] / 1e3, env.altitudes_m[ok] / 1e3, "-", lw=2, label=label)
        axes.plot(near[ok] / 1e3, env.altitudes_m[ok] / 1e3, ":", color=line.get_color(), lw=1.5)
    if spec is not None:
        r0, r1 = spec.min_range_m / 1e3, spec.max_range_m / 1e3
        h0, h1 = spec.min_altitude_m / 1e3, spec.max_altitude_m / 1e3
        axes.plot(
            [r0, r1, r1, r0, r0],
            [h0, h0, h1, h1, h0],
            "k--",
            lw=1,
            label="published range / altitude",
        )
    name = envelopes[0].name if envelopes else (spec.name if spec else "")
    axes.set_title(f"{name}: engagement envelope (intercept points)")
    axes.set_xlabel("ground range of intercept point, km")
    axes.set_ylabel("target altitude, km")
    top = max(
        [spec.max_altitude_m if spec is not None else 0.0]
        + [float(e.altitudes_m[e.far_boundary_m > 0].max(initial=0.0)) for e in envelopes]
    )
    axes.set_xlim(left=0)
    axes.set_ylim(0, 1.4 * top / 1e3 if top > 0 else None)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# time-of-flight tables and intercept-point prediction (for the command post)
# ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _tof_table_cached(spec_json: str, n_ranges: int, n_alts: int) -> TofTable:
    spec = MissileSpec.model_validate_json(spec_json)
    ranges = np.linspace(0.02, 1.3, n_ranges) * spec.max_range_m
    alts = np.linspace(0.0, 1.35 * spec.max_altitude_m, n_alts)
    alts[0] = max(spec.min_altitude_m, 10.0)
    rr, aa = np.meshgrid(ranges, alts)
    zeros = np.zeros(rr.size, dtype=np.int64)
    res = fly_to_points([spec], zeros, rr.ravel(), aa.ravel())
    shape = rr.shape
    ok = res.success.reshape(shape)
    tof = np.where(ok, res.time_of_flight_s.reshape(shape), np.nan)
    speed = np.where(ok, res.speed_mps.reshape(shape), np.nan)
    first = np.argmax(ok, axis=1)
    near = np.where(ok.any(axis=1), ranges[first], np.nan)
    far = far_boundary_m([spec], np.zeros(n_alts, dtype=np.int64), alts, iterations=7)
    return TofTable(spec.name, ranges, alts, tof, speed, near, far)


def tof_table(spec: MissileSpec, n_ranges: int = 28, n_alts: int = 12) -> TofTable:
    """Time-of-flight table of a type, built on first use and cached (per process).

    Grid: ``n_ranges`` ground ranges from 2 % to 130 % of the published max range and
    ``n_alts`` altitudes from the min altitude to 1.35 x the published max altitude;
    one batched stationary-target flyout per node plus a bisection of the far boundary
    per altitude (about 0.2 to 2 s per type).
    """
    return _tof_table_cached(spec.model_dump_json(), n_ranges, n_alts)


def predict_intercept(
    table: TofTable,
    frame: EnuFrame,
    launcher_enu_m: ArrayLike,
    target_pos_enu_m: ArrayLike,
    target_vel_enu_mps: ArrayLike,
    target_acc_enu_mps2: ArrayLike | None = None,
    iterations: int = 6,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Predicted intercept points of many (launcher, track) pairs for one type.

    Parameters
    ----------
    table : TofTable
        The type's time-of-flight table (:func:`tof_table`).
    frame : EnuFrame
        Scenario frame.
    launcher_enu_m, target_pos_enu_m, target_vel_enu_mps : array_like, shape (..., 3)
        Broadcast together: one row per pair.
    target_acc_enu_mps2 : array_like, shape (..., 3), optional
        Target acceleration, e.g. gravity for a ballistic track (default zero: a
        constant-velocity track).
    iterations : int
        Regula-falsi (Illinois) iterations on T(PIP(t)) = t, PIP(t) = p + v t + a t^2 / 2,
        inside the first bracket of a scan.

    Returns
    -------
    pip_enu_m : ndarray, shape (..., 3)
    time_of_flight_s : ndarray, shape (...)
    feasible : ndarray of bool, shape (...)
        The PIP is inside the table's envelope and the iteration converged (to 1 %).

    Notes
    -----
    f(t) = T(PIP(t)) - t is positive at t = 0 (the missile needs time to get anywhere);
    the intercept is its first root: the earliest launch-to-intercept time at which the
    missile and the extrapolated target meet. A target that overflies the launcher has a
    second root (a tail chase after it passed), which an open iteration from t = 0 may
    converge to; so f is first scanned on 12 times from 0 to 1.1 x the table's longest
    time of flight (quadratically spaced: denser early), the first sign change brackets
    the root, and the Illinois variant of the
    false-position method refines it (superlinear and bracketed). Ground range and
    altitude are measured on the frame's osculating sphere from the launcher, as in the
    table. Reference: Dowell & Jarratt (1971), BIT 11, "A modified regula falsi method".
    """
    acc = np.zeros(3) if target_acc_enu_mps2 is None else target_acc_enu_mps2
    lp, tp, tv, ta = np.broadcast_arrays(
        np.asarray(launcher_enu_m, float),
        np.asarray(target_pos_enu_m, float),
        np.asarray(target_vel_enu_mps, float),
        np.asarray(acc, float),
    )
    shape = tp.shape[:-1]
    n = math.prod(shape)
    grid = 1.1 * table.max_time_of_flight_s * _SCAN_FRACTIONS
    c, radius = _sphere(frame)
    lp_r, tp_r, tv_r, ta_r = (np.ascontiguousarray(x).reshape(n, 3) for x in (lp, tp, tv, ta))
    # work arrays: 0 t, 1 sin, 2 cos, 3 angle, 4 |p - c|, 5 lo, 6 f(lo), 7 hi, 8 f(hi),
    # 9 side, 10 t1, 11 f1, 12 ground range, 13 altitude, 14 found, 15 converged,
    # 16 feasible and converged
    work = np.empty((17, n))
    pip = np.empty((n, 3))
    n_eval = grid.size + iterations
    args = (n_eval, grid.size, grid, lp_r, tp_r, tv_r, ta_r, c, radius, *table.kernel_arrays)
    # The arctangent stays numpy's (its SIMD arctan2 differs from libm's in the last bit
    # for some arguments); everything between two arctangents is one compiled pass.
    sing, cosg, ang = work[1], work[2], work[3]
    _intercept_stage(0, *args, work, pip)
    for j in range(1, n_eval + 1):
        np.arctan2(sing, cosg, out=ang)
        _intercept_stage(j, *args, work, pip)
    t1 = work[10]
    if iterations == 0:  # the last evaluation was not at t1
        pip = tp_r + tv_r * t1[..., None] + 0.5 * ta_r * (t1 * t1)[..., None]
        g_f, h_f = _ground_range_alt(frame, pip, lp_r)
        feas = table.lookup(g_f, h_f)[2] & (work[15] > 0.0)
        return pip.reshape(tp.shape), t1.reshape(shape).copy(), feas.reshape(shape)
    return pip.reshape(tp.shape), t1.reshape(shape).copy(), work[16].reshape(shape) > 0.0


#: predict_intercept's scan times as fractions of 1.1 x the table's longest time of flight.
_SCAN_FRACTIONS = np.linspace(0.0, 1.0, 12) ** 2


@functools.lru_cache(maxsize=16)
def _sphere(frame: EnuFrame) -> tuple[NDArray[np.float64], float]:
    """:func:`osculating_sphere` of a frame, computed once (the centre read-only)."""
    c, radius = osculating_sphere(frame)
    c = np.array(c, dtype=float)
    c.flags.writeable = False
    return c, radius


@njit(cache=True, error_model="numpy")
def _intercept_stage(
    j: int,
    n_eval: int,
    n_grid: int,
    grid: NDArray[np.float64],
    lp: NDArray[np.float64],
    tp: NDArray[np.float64],
    tv: NDArray[np.float64],
    ta: NDArray[np.float64],
    c: NDArray[np.float64],
    radius: float,
    gr: NDArray[np.float64],
    ga: NDArray[np.float64],
    tof: NDArray[np.float64],
    speed: NDArray[np.float64],
    far: NDArray[np.float64],
    near: NDArray[np.float64],
    work: NDArray[np.float64],
    pip: NDArray[np.float64],
) -> None:
    """One step of :func:`predict_intercept` between two arctangents.

    Parameters
    ----------
    j : int
        Step: 0 prepares evaluation 0; ``j`` in 1..``n_eval`` takes evaluation j - 1 (its
        arctangent in ``work[3]``) and prepares evaluation j (if j < ``n_eval``).
        Evaluation 0 is at t = 0, 1..``n_grid`` - 1 at the scan's ``grid``, the others the
        Illinois iterations.
    n_eval, n_grid : int
        Number of evaluations, and of scan times (``grid``).
    lp, tp, tv, ta : ndarray, shape (n, 3)
        Launcher, target position, velocity and acceleration per row.
    c, radius : ndarray, shape (3,), and float
        The frame's osculating sphere.
    gr, ga, tof, speed, far, near : ndarray
        The time-of-flight table's :attr:`~TofTable.kernel_arrays`.
    work : ndarray, shape (17, n)
        State, see :func:`predict_intercept`.
    pip : ndarray, shape (n, 3)
        Out: p(t) of the evaluation prepared (the predicted intercept points after the
        last Illinois iteration).

    Notes
    -----
    The residual f(t) = T(g, h) - t of the table's time of flight T at the ground range
    g = R atan2(sin, cos) and altitude h = |p(t) - c| - R of p(t) = p + v t + a t^2 / 2,
    then the array code's scan (first t with f <= 0) and Illinois updates, row by row
    with the same operations in the same order (the same values bit for bit).
    """
    n = lp.shape[0]
    t_cur, sing, cosg, ang, rb = work[0], work[1], work[2], work[3], work[4]
    lo, flo, hi, fhi, side = work[5], work[6], work[7], work[8], work[9]
    t1, f1, g_out, h_out, found, conv = (
        work[10],
        work[11],
        work[12],
        work[13],
        work[14],
        work[15],
    )
    e = j - 1  # the evaluation taken now
    for k in range(n):
        if j > 0:
            g = radius * ang[k]
            h = rb[k] - radius
            g_out[k] = g
            h_out[k] = h
            f = _bilinear_point(g, h, gr, ga, tof, speed)[0] - t_cur[k]
            if e == 0:
                lo[k] = 0.0
                flo[k] = f
                hi[k] = grid[n_grid - 1]
                fhi[k] = np.nan
                found[k] = 0.0
            elif e < n_grid:
                tk = t_cur[k]
                if found[k] == 0.0 and f <= 0.0:
                    hi[k] = tk
                    fhi[k] = f
                    found[k] = 1.0
                if found[k] == 0.0:
                    lo[k] = tk
                    flo[k] = f
            else:
                fd = found[k] != 0.0
                if fd:
                    f1[k] = f
                pos = f1[k] > 0.0
                # move the bound on f1's side; halve the kept bound's value when it is
                # kept twice
                if fd and pos:
                    lo[k] = t1[k]
                    flo[k] = f1[k]
                    if side[k] > 0:
                        fhi[k] = 0.5 * fhi[k]
                elif fd:
                    hi[k] = t1[k]
                    fhi[k] = f1[k]
                    if side[k] < 0:
                        flo[k] = 0.5 * flo[k]
                side[k] = 1.0 if pos else -1.0
            if e == n_grid - 1:  # the scan is over: start the iteration
                side[k] = 0.0
                t1[k] = hi[k]
                f1[k] = fhi[k] if found[k] != 0.0 else np.inf
            if j == n_eval:
                m = t1[k] if (math.isnan(t1[k]) or t1[k] >= 1.0) else 1.0  # np.maximum
                ok = found[k] != 0.0 and abs(f1[k]) <= 0.01 * m
                conv[k] = 1.0 if ok else 0.0
                # the table's feasibility at the last evaluation (at t1 when there was
                # an iteration; without one the caller tests t1 itself)
                feas = ok and _feasible_point(g, h, ga, far, near)
                work[16, k] = 1.0 if feas else 0.0
        if j < n_eval:
            if j == 0:
                t = 0.0
            elif j < n_grid:
                t = grid[j]
            else:
                t = t1[k]
                den = flo[k] - fhi[k]
                if found[k] != 0.0 and abs(den) > 1e-12:
                    t = (lo[k] * fhi[k] - hi[k] * flo[k]) / -den
                t1[k] = t
            t_cur[k] = t
            tt = t * t
            p0 = tp[k, 0] + tv[k, 0] * t + 0.5 * ta[k, 0] * tt
            p1 = tp[k, 1] + tv[k, 1] * t + 0.5 * ta[k, 1] * tt
            p2 = tp[k, 2] + tv[k, 2] * t + 0.5 * ta[k, 2] * tt
            pip[k, 0], pip[k, 1], pip[k, 2] = p0, p1, p2
            sing[k], cosg[k], rb[k] = _sphere_angle_point(
                lp[k, 0], lp[k, 1], lp[k, 2], p0, p1, p2, c
            )


def envelope_report(
    spec: MissileSpec,
    target_speeds_mps: Sequence[float] = (0.0, 300.0),
    altitudes_m: ArrayLike | None = None,
) -> tuple[list[Envelope], str, Figure]:
    """Everything ``samsim envelope MISSILE`` shows: envelopes, a text table and a figure.

    Parameters
    ----------
    spec : MissileSpec
    target_speeds_mps : sequence of float
        One envelope per target speed (0: stationary; else radially inbound).
    altitudes_m : array_like, optional
        Altitude rows (default 0.05 to 40 km every 2.5 km).

    Returns
    -------
    envelopes : list of Envelope
    text : str
        The tables one after the other, then the published figures with their labels.
    figure : matplotlib.figure.Figure
        Far (solid) and near (dotted) boundaries per speed, published box dashed.
    """
    envs = [compute_envelope(spec, v, altitudes_m=altitudes_m) for v in target_speeds_mps]
    pub = (
        f"published: range {spec.min_range_m / 1e3:.0f} to {spec.max_range_m / 1e3:.0f} km, "
        f"altitude {spec.min_altitude_m:.0f} m to {spec.max_altitude_m / 1e3:.0f} km, "
        f"target speed up to {spec.max_target_speed_mps:.0f} m/s"
    )
    text = "\n\n".join([*(e.to_text() for e in envs), pub])
    return envs, text, plot_envelope(envs, spec)
