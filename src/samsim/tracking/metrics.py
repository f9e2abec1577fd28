"""Tracking performance metrics: OSPA, GOSPA, track-to-truth assignment, id switches, continuity.

Per-scan metrics take point sets as arrays; the per-run metrics take long-form arrays (one
row per truth-scan) so a whole run is scored with array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _points(name: str, a: ArrayLike) -> FloatArray:
    x = np.asarray(a, dtype=float)
    if x.ndim == 1 and x.size == 0:
        x = x.reshape(0, 1)
    if x.ndim != 2:
        raise ValueError(f"{name} must be an (n, d) array of points, got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf; pass finite positions.")
    return x


def _check_cp(c: float, p: float) -> None:
    if not (c > 0 and np.isfinite(c)):
        raise ValueError(f"cut-off c must be a positive finite distance, got {c!r}.")
    if not (p >= 1 and np.isfinite(p)):
        raise ValueError(f"order p must be a finite number >= 1, got {p!r}.")


@dataclass(frozen=True)
class OspaResult:
    """OSPA distance and its localisation and cardinality components (same units as c)."""

    ospa: float
    localisation: float
    cardinality: float


def ospa(X: ArrayLike, Y: ArrayLike, c: float, p: float = 1.0) -> OspaResult:
    """Optimal sub-pattern assignment distance between two finite point sets.

    Parameters
    ----------
    X, Y : array_like, shape (m, d) and (n, d)
        Point sets (e.g. true positions and track positions); either may be empty.
    c : float
        Cut-off distance (penalty per cardinality error), same unit as the points.
    p : float
        Order, >= 1.

    Returns
    -------
    OspaResult

    Notes
    -----
    For m <= n, d_p^c(X, Y) = ( (1/n) [ min_pi sum_i d_c(x_i, y_pi(i))^p + c^p (n - m) ] )^(1/p)
    with d_c = min(c, ||x - y||) (Schuhmacher, Vo and Vo, "A consistent metric for
    performance evaluation of multi-object filters", IEEE Trans. Signal Processing 56(8),
    2008, eq. 3); symmetric in X and Y; 0 when both are empty. The minimum is found with
    ``scipy.optimize.linear_sum_assignment``. The components satisfy
    ospa^p = localisation^p + cardinality^p.
    """
    _check_cp(c, p)
    A = _points("X", X)
    B = _points("Y", Y)
    m, n = A.shape[0], B.shape[0]
    if m > n:
        A, B, m, n = B, A, n, m
    if n == 0:
        return OspaResult(0.0, 0.0, 0.0)
    loc = 0.0
    if m > 0:
        D = np.minimum(cdist(A, B), c) ** p
        r, k = linear_sum_assignment(D)
        loc = float(D[r, k].sum())
    card = c**p * (n - m)
    return OspaResult(
        ((loc + card) / n) ** (1.0 / p), (loc / n) ** (1.0 / p), (card / n) ** (1.0 / p)
    )


@dataclass(frozen=True)
class GospaResult:
    """GOSPA distance (alpha = 2) and its decomposition."""

    gospa: float
    localisation: float
    n_missed: int
    n_false: int


def gospa(X: ArrayLike, Y: ArrayLike, c: float, p: float = 1.0) -> GospaResult:
    """Generalised OSPA (alpha = 2) between truth X and estimates Y.

    Parameters
    ----------
    X, Y : array_like, shape (m, d) and (n, d)
        True and estimated positions.
    c : float
        Cut-off distance.
    p : float
        Order, >= 1.

    Returns
    -------
    GospaResult
        ``gospa`` = [ sum over assigned pairs ||x - y||^p + (c^p / 2)(n_missed + n_false) ]^(1/p),
        ``localisation`` the first term to the power 1/p.

    Notes
    -----
    Rahmathullah, Garcia-Fernandez and Svensson, "Generalized optimal sub-pattern assignment
    metric", FUSION 2017, Proposition 1: with alpha = 2 the metric is the minimum over
    assignments of the sum of localisation errors of assigned pairs (each closer than c) plus
    c^p / 2 per missed or false object. Computed by one ``linear_sum_assignment`` on
    min(d, c)^p; pairs at distance >= c are counted as one miss plus one false object
    (same cost).
    """
    _check_cp(c, p)
    A = _points("X", X)
    B = _points("Y", Y)
    m, n = A.shape[0], B.shape[0]
    loc = 0.0
    n_pairs = 0
    if m and n:
        Dfull = cdist(A, B)
        D = np.minimum(Dfull, c) ** p
        r, k = linear_sum_assignment(D)
        real = Dfull[r, k] < c
        loc = float(D[r, k][real].sum())
        n_pairs = int(real.sum())
    n_missed = m - n_pairs
    n_false = n - n_pairs
    total = loc + 0.5 * c**p * (n_missed + n_false)
    return GospaResult(total ** (1.0 / p), loc ** (1.0 / p), n_missed, n_false)


@dataclass(frozen=True)
class TrackTruthAssignment:
    """Long-form truth-to-track assignment over a run: one row per (scan, truth object).

    Attributes
    ----------
    scan : ndarray of int64
    truth_id : ndarray of int64
    track_id : ndarray of int64
        Assigned track id, -1 if the truth object was not tracked in that scan.
    distance : ndarray of float
        Distance to the assigned track (nan if none).
    """

    scan: IntArray
    truth_id: IntArray
    track_id: IntArray
    distance: FloatArray


def assign_tracks_to_truth(
    truth_pos: list[FloatArray],
    truth_ids: list[IntArray],
    track_pos: list[FloatArray],
    track_ids: list[IntArray],
    max_distance: float,
) -> TrackTruthAssignment:
    """Per scan, the one-to-one truth-track assignment minimising total distance.

    Parameters
    ----------
    truth_pos, track_pos : list of ndarray, shape (m_k, d) / (n_k, d)
        Positions per scan.
    truth_ids, track_ids : list of int arrays
        Ids per scan.
    max_distance : float
        Pairs farther apart than this are not assigned.

    Returns
    -------
    TrackTruthAssignment
    """
    if not (len(truth_pos) == len(truth_ids) == len(track_pos) == len(track_ids)):
        raise ValueError(
            "truth_pos, truth_ids, track_pos and track_ids must have one entry per scan."
        )
    scans, tids, kids, dists = [], [], [], []
    for k, (X, xi, Y, yi) in enumerate(
        zip(truth_pos, truth_ids, track_pos, track_ids, strict=True)
    ):
        A = _points("truth_pos", X)
        B = _points("track_pos", Y)
        xi = np.asarray(xi, dtype=np.int64)
        yi = np.asarray(yi, dtype=np.int64)
        kid = np.full(A.shape[0], -1, dtype=np.int64)
        dist = np.full(A.shape[0], np.nan)
        if A.shape[0] and B.shape[0]:
            D = cdist(A, B)
            r, c = linear_sum_assignment(np.minimum(D, max_distance * 2.0))
            ok = D[r, c] <= max_distance
            kid[r[ok]] = yi[c[ok]]
            dist[r[ok]] = D[r[ok], c[ok]]
        scans.append(np.full(A.shape[0], k, dtype=np.int64))
        tids.append(xi)
        kids.append(kid)
        dists.append(dist)
    return TrackTruthAssignment(
        np.concatenate(scans), np.concatenate(tids), np.concatenate(kids), np.concatenate(dists)
    )


def _by_truth(a: TrackTruthAssignment) -> tuple[IntArray, IntArray, IntArray]:
    o = np.lexsort((a.scan, a.truth_id))
    return a.truth_id[o], a.scan[o], a.track_id[o]


def id_switches(a: TrackTruthAssignment) -> int:
    """Number of track-id switches: times a truth object's assigned track id changes.

    Notes
    -----
    For each truth object, scans where it is tracked are taken in time order and every change
    of track id between consecutive tracked scans counts one switch (the IDSW count of the
    CLEAR MOT metrics, Bernardin and Stiefelhagen, EURASIP J. Image Video Proc. 2008,
    sec. 2.1, without its distance threshold, which is ``max_distance`` here).
    """
    tid, _, kid = _by_truth(a)
    tracked = kid >= 0
    tid, kid = tid[tracked], kid[tracked]
    if tid.size < 2:
        return 0
    same_truth = tid[1:] == tid[:-1]
    return int(np.count_nonzero(same_truth & (kid[1:] != kid[:-1])))


@dataclass(frozen=True)
class Continuity:
    """Track continuity over a run.

    Attributes
    ----------
    coverage : float
        Fraction of truth-scans that had a track assigned.
    fragments_per_truth : float
        Mean number of maximal runs of consecutive tracked scans per truth object (1 is an
        unbroken track picture; a gap adds one).
    longest_fraction : float
        Mean over truth objects of (longest run of scans held by one track id) / (scans the
        object existed).
    """

    coverage: float
    fragments_per_truth: float
    longest_fraction: float


def track_continuity(a: TrackTruthAssignment) -> Continuity:
    """Coverage, fragmentation and longest single-id fraction (see :class:`Continuity`)."""
    tid, scan, kid = _by_truth(a)
    if tid.size == 0:
        return Continuity(float("nan"), float("nan"), float("nan"))
    uniq, inv, life = np.unique(tid, return_inverse=True, return_counts=True)
    tracked = kid >= 0
    new_truth = np.ones(tid.size, dtype=bool)
    new_truth[1:] = tid[1:] != tid[:-1]
    consecutive = np.zeros(tid.size, dtype=bool)
    consecutive[1:] = (~new_truth[1:]) & (scan[1:] == scan[:-1] + 1)
    prev_tracked = np.zeros(tid.size, dtype=bool)
    prev_tracked[1:] = tracked[:-1]
    fragment_start = tracked & ~(consecutive & prev_tracked)
    fragments = np.bincount(inv, weights=fragment_start, minlength=uniq.size)
    # Runs held by one id: a run starts where tracked and (not continuing the same id).
    prev_kid = np.full(tid.size, -2, dtype=np.int64)
    prev_kid[1:] = kid[:-1]
    run_start = tracked & ~(consecutive & (prev_kid == kid))
    run_id = np.cumsum(run_start) - 1
    run_len = np.bincount(run_id[tracked], minlength=int(run_start.sum()))
    run_truth = inv[run_start]
    longest = np.zeros(uniq.size)
    np.maximum.at(longest, run_truth, run_len)
    return Continuity(
        float(tracked.mean()), float(fragments.mean()), float((longest / life).mean())
    )
