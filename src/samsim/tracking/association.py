"""Gating and data association on arrays: spatial-index gating, clusters, GNN and JPDA.

Gating finds the (track, measurement) pairs whose innovation passes a chi-square test without
forming the full tracks x measurements matrix; association then works per cluster (connected
component of the gated bipartite graph), so cost grows near-linearly with the picture.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

import samsim.jit as nb  # numba.njit, built on first call
from samsim.tracking.filters import _inv_det_sym3, gaussian_loglik, inv_logdet_sym, mahalanobis2

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Cost of a forbidden (ungated) entry in a dense per-cluster assignment problem.
_FORBIDDEN = 1e12

#: Largest number of track-measurement pairs that :func:`candidate_pairs` tests directly
#: (without k-d trees).
_BRUTE_FORCE_PAIRS = 4096

#: Largest dense matrix (tracks x (measurements + tracks)) of a cluster solved by
#: :func:`samsim.lsap.linear_sum_assignment`; larger clusters use :func:`_sparse_assignment`.
_DENSE_ASSIGNMENT_ENTRIES = 4096


@dataclass(frozen=True)
class GatedPairs:
    """Track-measurement pairs that passed the gate.

    Attributes
    ----------
    track, det : ndarray of int64, shape (m,)
        Row of the track and of the measurement in their tables, sorted by (track, det).
    d2 : ndarray, shape (m,)
        Squared Mahalanobis distance of the innovation (the smallest over a track's
        hypotheses when it has several, e.g. IMM modes).
    loglik : ndarray, shape (m,)
        Log of the predicted measurement density at the measurement, ln p(z | track): the
        Gaussian N(nu; 0, S), or for several hypotheses the mixture sum_j w_j N(nu_j; 0, S_j).
    """

    track: IntArray
    det: IntArray
    d2: FloatArray
    loglik: FloatArray

    @property
    def m(self) -> int:
        return int(self.track.shape[0])

    def take(self, keep: NDArray[np.bool_] | IntArray) -> GatedPairs:
        """The subset of pairs selected by a boolean mask or index array."""
        return GatedPairs(self.track[keep], self.det[keep], self.d2[keep], self.loglik[keep])


def _empty_pairs() -> GatedPairs:
    e = np.zeros(0, dtype=np.int64)
    return GatedPairs(e, e.copy(), np.zeros(0), np.zeros(0))


def candidate_pairs(
    track_pos: FloatArray, track_radius: FloatArray, det_pos: FloatArray, det_radius: FloatArray
) -> tuple[IntArray, IntArray]:
    """Pairs whose Euclidean separation is within ``track_radius + det_radius``.

    Parameters
    ----------
    track_pos : ndarray, shape (nt, d)
    track_radius : ndarray, shape (nt,)
    det_pos : ndarray, shape (nd, d)
    det_radius : ndarray, shape (nd,)

    Returns
    -------
    track, det : ndarray of int64
        Candidate pairs, sorted by (track, det).

    Notes
    -----
    A k-d tree is built on the measurements; tracks are queried in groups whose radii lie
    within a factor of two (octaves), each group with one ``sparse_distance_matrix`` call, so a
    few tracks with huge gates (new tracks, long coasts) do not inflate the search radius of
    all the others. Work is O((nt + nd) log nd + pairs). Small problems (at most
    ``_BRUTE_FORCE_PAIRS`` track-measurement pairs, the usual case of one scan) skip the
    trees and test every pair directly, which returns the same pairs at a fraction of the
    fixed cost of building trees.
    """
    nt, nd = track_pos.shape[0], det_pos.shape[0]
    if nt == 0 or nd == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    if nt * nd <= _BRUTE_FORCE_PAIRS:
        diff = track_pos[:, None, :] - det_pos[None, :, :]
        dist = np.sqrt(np.add.reduce(diff * diff, axis=2))
        ti, di = np.nonzero(dist <= track_radius[:, None] + det_radius[None, :])
        return ti.astype(np.int64, copy=False), di.astype(np.int64, copy=False)
    from scipy.spatial import cKDTree  # only problems beyond one ordinary scan need it

    det_tree = cKDTree(det_pos)
    rm = float(det_radius.max())
    r0 = max(float(track_radius.min()), 1e-9)
    octave = np.floor(np.log2(np.maximum(track_radius, r0) / r0)).astype(np.int64)
    order = np.argsort(octave, kind="stable")
    bounds = np.flatnonzero(np.diff(octave[order])) + 1
    ti_parts, di_parts = [], []
    for lo, hi in pairwise([0, *bounds.tolist(), nt]):
        sel = order[lo:hi]
        reach = float(track_radius[sel].max()) + rm
        tree = cKDTree(track_pos[sel])
        sdm = tree.sparse_distance_matrix(det_tree, reach, output_type="ndarray")
        if sdm.shape[0] == 0:
            continue
        ti = sel[sdm["i"]]
        di = sdm["j"].astype(np.int64)
        ok = sdm["v"] <= track_radius[ti] + det_radius[di]
        ti_parts.append(ti[ok])
        di_parts.append(di[ok])
    if not ti_parts:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    ti = np.concatenate(ti_parts).astype(np.int64)
    di = np.concatenate(di_parts)
    o = np.lexsort((di, ti))
    return ti[o], di[o]


def gate(
    track_pos: FloatArray,
    track_pos_cov: FloatArray,
    det_pos: FloatArray,
    det_cov: FloatArray,
    gamma: float,
    log_weight: FloatArray | None = None,
    max_per_track: int | None = None,
) -> GatedPairs:
    """Chi-square gate of predicted track positions against measurements.

    Parameters
    ----------
    track_pos : ndarray, shape (nt, d) or (nt, r, d)
        Predicted positions H x; with a middle axis, r hypotheses per track (IMM modes).
    track_pos_cov : ndarray, shape (nt, d, d) or (nt, r, d, d)
        Their covariances H P H'.
    det_pos : ndarray, shape (nd, d)
        Measured positions z.
    det_cov : ndarray, shape (nd, d, d)
        Measurement covariances R.
    gamma : float
        Gate threshold on the squared Mahalanobis distance.
    log_weight : ndarray, shape (nt, r), optional
        Log probabilities of the hypotheses (IMM predicted mode probabilities).
    max_per_track : int, optional
        Gate limit (d = 3): a track whose Euclidean pre-gate (below) holds more than this
        many measurements tests only the ``max_per_track`` nearest to it. None: no limit.

    Returns
    -------
    GatedPairs
        Pairs with nu' S^-1 nu <= gamma for at least one hypothesis, nu = z - H x,
        S = H P H' + R, with the mixture log density of the measurement.

    Notes
    -----
    Ellipsoidal gating (Bar-Shalom, Li and Kirubarajan 2001, sec. 5.2.4; Blackman and
    Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House 1999, sec. 6.3.2).
    Since nu' S^-1 nu <= gamma implies |nu|^2 <= gamma lambda_max(S) and
    lambda_max(P + R) <= tr(P) + tr(R), a pair can pass only if
    |nu| <= sqrt(gamma tr P) + sqrt(gamma tr R); that Euclidean bound prunes candidates in a
    spatial index (:func:`candidate_pairs`) before the exact test. With several hypotheses
    per track (IMM) a measurement is gated if it falls in any mode's gate, so a manoeuvre
    that leaves the dominant (quiet) mode's gate still reaches the manoeuvring mode, and its
    density is the IMM predicted mixture sum_j c_j N(nu_j; 0, S_j) (Bar-Shalom, Li and
    Kirubarajan 2001, sec. 11.6.6).

    For d = 3 every pair is tested by one compiled kernel, whatever the problem size, so a
    pair's distance and density do not depend on what else is in the picture. Small
    problems (at most ``_BRUTE_FORCE_PAIRS`` pairs, one scan of an ordinary raid) test
    every pair; larger ones take each track's candidates from a k-d tree of the
    measurements (the ``max_per_track + 1`` nearest within the bound when limited), so the
    work is O((nt + nd) log nd + pairs) and, with a limit, O(nt max_per_track) pairs even
    when a dense raid puts hundreds of targets inside one gate. The limit is the
    "gate limiting" of practical trackers (Blackman and Popoli 1999, sec. 6.3): when a
    gate holds more measurements than the limit, the farther ones are not considered.
    """
    if track_pos.ndim == 2:
        track_pos = track_pos[:, None, :]
        track_pos_cov = track_pos_cov[:, None, :, :]
    nt, r, d = track_pos.shape
    nd = det_pos.shape[0]
    if nt == 0 or nd == 0:
        return _empty_pairs()
    lw = np.zeros((nt, r)) if log_weight is None else log_weight
    if d == 3:
        return gate_states(
            np.ascontiguousarray(track_pos, dtype=np.float64),
            np.ascontiguousarray(track_pos_cov, dtype=np.float64),
            det_pos,
            det_cov,
            gamma,
            lw,
            max_per_track,
        )
    if r == 1:
        centre = track_pos[:, 0]
        rt = np.sqrt(gamma * np.trace(track_pos_cov[:, 0], axis1=1, axis2=2))
    else:
        centre = track_pos.mean(axis=1)
        dc = track_pos - centre[:, None, :]
        off = np.sqrt(np.add.reduce(dc * dc, axis=2))  # np.linalg.norm(dc, axis=2)
        rt = (np.sqrt(gamma * np.trace(track_pos_cov, axis1=2, axis2=3)) + off).max(axis=1)
    rd = np.sqrt(gamma * np.trace(det_cov, axis1=1, axis2=2))
    ti, di = candidate_pairs(centre, rt, det_pos, rd)
    if ti.shape[0] == 0:
        return _empty_pairs()
    nu = det_pos[di][:, None, :] - track_pos[ti]  # (m, r, d)
    S_inv, logdet = inv_logdet_sym(track_pos_cov[ti] + det_cov[di][:, None, :, :])
    d2_all = mahalanobis2(nu, S_inv)  # (m, r)
    lnl_all = gaussian_loglik(d2_all, logdet, d) + lw[ti]
    if r == 1:
        d2, lnl = d2_all[:, 0], lnl_all[:, 0]
    else:
        d2 = d2_all.min(axis=1)
        mx = lnl_all.max(axis=1)
        lnl = mx + np.log(np.exp(lnl_all - mx[:, None]).sum(axis=1))
    ok = d2 <= gamma
    return GatedPairs(ti[ok], di[ok], d2[ok], lnl[ok])


def gate_states(
    xm: FloatArray,
    Pm: FloatArray,
    det_pos: FloatArray,
    det_cov: FloatArray,
    gamma: float,
    log_weight: FloatArray,
    max_per_track: int | None = None,
) -> GatedPairs:
    """:func:`gate` (d = 3) of track hypotheses given as whole states: the positions are
    ``xm[:, :, :3]`` and their covariances ``Pm[:, :, :3, :3]``, read in place.

    Parameters
    ----------
    xm : ndarray, shape (nt, r, nx), C-contiguous, nx >= 3
        Hypothesis states, positions first (the tracker's model-conditioned states).
    Pm : ndarray, shape (nt, r, nx, nx), C-contiguous
        Their covariances.
    det_pos, det_cov, gamma, max_per_track
        As for :func:`gate`.
    log_weight : ndarray, shape (nt, r)
        Log probabilities of the hypotheses.

    Returns
    -------
    GatedPairs
        The pairs :func:`gate` returns for ``xm[:, :, :3]`` and ``Pm[:, :, :3, :3]``.
    """
    nt, nd = xm.shape[0], det_pos.shape[0]
    if nt == 0 or nd == 0:
        return _empty_pairs()
    dp = np.ascontiguousarray(det_pos, dtype=np.float64)
    dc = np.ascontiguousarray(det_cov, dtype=np.float64)
    lw = np.ascontiguousarray(log_weight, dtype=np.float64)
    if nt * nd <= _BRUTE_FORCE_PAIRS:
        # One scan's worth: every pair tested, in one compiled call.
        ti, di, d2, lnl = _gate_every_pair(xm, Pm, dp, dc, float(gamma), lw)
        return GatedPairs(ti, di, d2, lnl)
    centre, rt, rd = _gate_bounds(xm, Pm, dc, float(gamma))
    ptr, cand = _nearest_candidates(centre, rt, dp, rd, max_per_track)
    ti, di, d2, lnl = _gate_pairs(xm, Pm, dp, dc, float(gamma), lw, centre, rt, rd, ptr, cand)
    return GatedPairs(ti, di, d2, lnl)


@nb.njit(cache=True)
def _gate_every_pair(
    track_pos: FloatArray,
    track_pos_cov: FloatArray,
    det_pos: FloatArray,
    det_cov: FloatArray,
    gamma: float,
    lw: FloatArray,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """:func:`_gate_bounds` and :func:`_gate_pairs` with every measurement a candidate of
    every track (``cand[ptr[k]:ptr[k + 1]]`` = 0 .. nd - 1), d = 3; the positions and
    covariances are the first three entries of the last axes of ``track_pos`` and
    ``track_pos_cov``."""
    nt, nd = track_pos.shape[0], det_pos.shape[0]
    centre, rt, rd = _gate_bounds(track_pos, track_pos_cov, det_cov, gamma)
    ptr = np.empty(nt + 1, dtype=np.int64)
    for k in range(nt + 1):
        ptr[k] = k * nd
    cand = np.empty(nt * nd, dtype=np.int64)
    for k in range(nt):
        for i in range(nd):
            cand[k * nd + i] = i
    return _gate_pairs(
        track_pos, track_pos_cov, det_pos, det_cov, gamma, lw, centre, rt, rd, ptr, cand
    )


def _nearest_candidates(
    centre: FloatArray,
    rt: FloatArray,
    det_pos: FloatArray,
    rd: FloatArray,
    max_per_track: int | None,
) -> tuple[IntArray, IntArray]:
    """Each track's candidate measurements (CSR: ``cand[ptr[k]:ptr[k + 1]]``, ascending):
    those within the Euclidean bound ``rt[k] + rd[i]``, or with a limit and more of them
    than ``max_per_track``, the ``max_per_track`` nearest to the track's centre.

    The k-d tree query's radius is slightly wider than the largest bound; the exact bound is
    applied by :func:`_gate_pairs` with the same arithmetic as for small problems, so the
    tree's own rounding never decides a pair.
    """
    from scipy.spatial import cKDTree  # only problems beyond one ordinary scan need it

    nt = centre.shape[0]
    nd = det_pos.shape[0]
    tree = cKDTree(det_pos)
    reach = (rt + float(rd.max())) * (1.0 + 1e-9) + 1e-9
    if max_per_track is None:
        # Every measurement within each track's own reach.
        lists = tree.query_ball_point(centre, reach, return_sorted=True)
        counts = np.fromiter((len(c) for c in lists), dtype=np.int64, count=nt)
        ptr = np.zeros(nt + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        cand = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=ptr[-1])
        return ptr, cand
    k = int(max_per_track)
    if k < 1:
        raise ValueError(f"max_per_track must be a positive integer or None, got {max_per_track}")
    q = min(k + 1, nd)
    # (one radius for the query; each track's own reach is applied to what it returns)
    dist, idx = tree.query(centre, k=q, distance_upper_bound=float(reach.max()))
    dist = np.asarray(dist).reshape(nt, q)
    idx = np.asarray(idx, dtype=np.int64).reshape(nt, q)
    return _limit_candidates(dist, idx, reach, nd, k)


@nb.njit(cache=True)
def _limit_candidates(
    dist: FloatArray, idx: IntArray, reach: FloatArray, nd: int, k: int
) -> tuple[IntArray, IntArray]:
    """CSR candidate lists from a k-nearest query (columns by increasing distance; ``nd``
    marks "none"): at most ``k`` per track, in ascending measurement order. A query that
    returned fewer than ``k + 1`` measurements within the track's reach holds every one in
    range (the nearest come first); a full one drops its farthest."""
    nt, q = idx.shape
    ptr = np.zeros(nt + 1, dtype=np.int64)
    for t in range(nt):
        c = 0
        for j in range(q):
            if idx[t, j] < nd and dist[t, j] <= reach[t]:
                c += 1
        ptr[t + 1] = ptr[t] + min(c, k)
    cand = np.empty(ptr[nt], dtype=np.int64)
    for t in range(nt):
        lo, hi = ptr[t], ptr[t + 1]
        c = 0
        for j in range(q):
            if c == hi - lo:
                break
            if idx[t, j] < nd and dist[t, j] <= reach[t]:
                cand[lo + c] = idx[t, j]
                c += 1
        cand[lo:hi] = np.sort(cand[lo:hi])
    return ptr, cand


@nb.njit(cache=True)
def _gate_bounds(
    track_pos: FloatArray, track_pos_cov: FloatArray, det_cov: FloatArray, gamma: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Centre and Euclidean gate radius of each track (the mean of its hypotheses; the
    largest over hypotheses of sqrt(gamma tr P) plus the hypothesis' offset from the
    centre) and of each measurement (sqrt(gamma tr R)), d = 3: the positions and their
    covariances are the first three entries of the last axes of ``track_pos`` and
    ``track_pos_cov`` (whole states may be passed)."""
    nt, r, _ = track_pos.shape
    nd = det_cov.shape[0]
    centre = np.empty((nt, 3))
    rt = np.empty(nt)
    for k in range(nt):
        if r == 1:
            for a in range(3):
                centre[k, a] = track_pos[k, 0, a]
            C = track_pos_cov[k, 0]
            rt[k] = np.sqrt(gamma * (C[0, 0] + C[1, 1] + C[2, 2]))
        else:
            for a in range(3):
                acc = 0.0
                for j in range(r):
                    acc += track_pos[k, j, a]
                centre[k, a] = acc / r
            best = -np.inf
            for j in range(r):
                off = 0.0
                for a in range(3):
                    dc = track_pos[k, j, a] - centre[k, a]
                    off += dc * dc
                C = track_pos_cov[k, j]
                v = np.sqrt(gamma * (C[0, 0] + C[1, 1] + C[2, 2])) + np.sqrt(off)
                if v > best or v != v:
                    best = v
                if best != best:
                    break
            rt[k] = best
    rd = np.empty(nd)
    for i in range(nd):
        R = det_cov[i]
        rd[i] = np.sqrt(gamma * (R[0, 0] + R[1, 1] + R[2, 2]))
    return centre, rt, rd


@nb.njit(cache=True)
def _gate_pairs(
    track_pos: FloatArray,
    track_pos_cov: FloatArray,
    det_pos: FloatArray,
    det_cov: FloatArray,
    gamma: float,
    lw: FloatArray,
    centre: FloatArray,
    rt: FloatArray,
    rd: FloatArray,
    ptr: IntArray,
    cand: IntArray,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """The exact test of :func:`gate` (d = 3) on each track's candidates
    ``cand[ptr[k]:ptr[k + 1]]``: the Euclidean bound, then per hypothesis the adjugate
    inverse of S = H P H' + R, nu' S^-1 nu and the Gaussian log density, and the
    log-sum-exp over hypotheses; pairs in (track, measurement) order."""
    nt, r, _ = track_pos.shape
    log2pi3 = 3.0 * np.log(2.0 * np.pi)
    m_max = cand.shape[0]
    ti = np.empty(m_max, dtype=np.int64)
    di = np.empty(m_max, dtype=np.int64)
    d2o = np.empty(m_max)
    lnlo = np.empty(m_max)
    lnl_j = np.empty(r)
    S = np.empty((1, 3, 3))
    inv = np.empty((1, 3, 3))
    det = np.empty(1)
    nu = np.empty(3)
    m = 0
    for k in range(nt):
        for c in range(ptr[k], ptr[k + 1]):
            i = cand[c]
            dist = 0.0
            for a in range(3):
                df = centre[k, a] - det_pos[i, a]
                dist += df * df
            if not np.sqrt(dist) <= rt[k] + rd[i]:
                continue
            d2min = np.inf
            for j in range(r):
                for a in range(3):
                    for b in range(3):
                        S[0, a, b] = track_pos_cov[k, j, a, b] + det_cov[i, a, b]
                _inv_det_sym3(S, inv, det)
                for a in range(3):
                    nu[a] = det_pos[i, a] - track_pos[k, j, a]
                d2 = 0.0
                for a in range(3):
                    y = 0.0
                    for b in range(3):
                        y += inv[0, a, b] * nu[b]
                    d2 += nu[a] * y
                lnl_j[j] = -0.5 * (d2 + np.log(det[0]) + log2pi3) + lw[k, j]
                if (j == 0 or d2 < d2min or d2 != d2) and d2min == d2min:
                    d2min = d2  # (the minimum over hypotheses; NaN propagates like np.min)
            if r == 1:
                lnl = lnl_j[0]
            else:
                mx = lnl_j[0]
                for j in range(1, r):
                    if (lnl_j[j] > mx or lnl_j[j] != lnl_j[j]) and mx == mx:
                        mx = lnl_j[j]
                tot = 0.0
                for j in range(r):
                    tot += np.exp(lnl_j[j] - mx)
                lnl = mx + np.log(tot)
            if d2min <= gamma:
                ti[m], di[m], d2o[m], lnlo[m] = k, i, d2min, lnl
                m += 1
    return ti[:m].copy(), di[:m].copy(), d2o[:m].copy(), lnlo[:m].copy()


def clusters(n_tracks: int, n_dets: int, track: IntArray, det: IntArray) -> IntArray:
    """Cluster label of each pair: connected components of the bipartite gate graph.

    Returns labels 0..k-1, numbered in order of each component's smallest track row.

    Notes
    -----
    Nodes are tracks and measurements; an edge joins a gated pair. Tracks and measurements in
    different components never compete, so assignment decomposes over components (the
    "cluster" of Blackman and Popoli 1999, sec. 6.5). Components are found by union-find
    in a compiled kernel (one pass over the pairs), which avoids the fixed overhead of a
    sparse-graph library call or of repeated vectorised sweeps on the tiny graphs of one
    scan.
    """
    m = track.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    out: IntArray = _cluster_labels(
        int(n_tracks),
        int(n_dets),
        np.ascontiguousarray(track, dtype=np.int64),
        np.ascontiguousarray(det, dtype=np.int64),
    )
    return out


@nb.njit(cache=True)
def _cluster_labels(n_tracks: int, n_dets: int, track: IntArray, det: IntArray) -> IntArray:
    """Kernel of :func:`clusters`: union-find over tracks (0..n_tracks-1) and measurements
    (n_tracks + det), each component represented by its smallest track row; components
    then numbered in order of that row (the same labels as min-label propagation)."""
    parent = np.arange(n_tracks + n_dets)
    for k in range(track.shape[0]):
        a = track[k]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        b = n_tracks + det[k]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b
    # Every pair's track row -> root (the smallest node of a component that has a track
    # is a track row, since track rows precede measurement nodes).
    number = np.full(n_tracks, -1, dtype=np.int64)
    root = np.empty(track.shape[0], dtype=np.int64)
    for k in range(track.shape[0]):
        a = track[k]
        while parent[a] != a:
            a = parent[a]
        root[k] = a
        number[a] = 0
    nxt = 0
    for i in range(n_tracks):
        if number[i] == 0:
            number[i] = nxt
            nxt += 1
    out = np.empty(track.shape[0], dtype=np.int64)
    for k in range(track.shape[0]):
        out[k] = number[root[k]]
    return out


def gnn_assign(
    n_tracks: int, n_dets: int, pairs: GatedPairs, reduced_cost: FloatArray
) -> tuple[IntArray, IntArray]:
    """Global nearest neighbour: the minimum-cost one-to-one assignment of gated pairs.

    Parameters
    ----------
    n_tracks, n_dets : int
        Table sizes.
    pairs : GatedPairs
        Gated pairs.
    reduced_cost : ndarray, shape (m,)
        Cost of assigning each pair minus the cost of leaving its track unassigned
        (c_ij - c_i0). Pairs with a non-negative reduced cost are never worth assigning.

    Returns
    -------
    det_of_track : ndarray of int64, shape (n_tracks,)
        Assigned measurement row per track, -1 if none.
    track_of_det : ndarray of int64, shape (n_dets,)
        Assigned track row per measurement, -1 if none.

    Notes
    -----
    Minimises sum over assigned pairs of (c_ij - c_i0) (the constant sum of c_i0 dropped)
    subject to each track and measurement used at most once, which is the 2-D assignment
    problem of GNN (Blackman and Popoli 1999, sec. 6.4). It is solved per cluster
    (:func:`clusters`): a cluster with a single track or a single measurement by taking its
    cheapest pair; a larger one by :func:`samsim.lsap.linear_sum_assignment` (scipy's
    Jonker-Volgenant-type algorithm of Crouse, IEEE Trans. AES 52(4), 2016) on the dense
    cluster matrix augmented with one private "miss" column per track at reduced cost 0,
    or, beyond ``_DENSE_ASSIGNMENT_ENTRIES`` entries (a dense raid whose gates overlap
    from end to end), by the same method on the cluster's gated pairs alone
    (:func:`_sparse_assignment`). Clusters never compete, so solving them one by one gives
    the assignment of the whole problem.
    """
    # Pairs worth assigning, their clusters, and the simple clusters (one track or one
    # measurement: the cheapest pair) in one compiled pass.
    det_of_track, track_of_det, keep, lab, simple, hard = _gnn_simple(
        int(n_tracks),
        int(n_dets),
        np.ascontiguousarray(pairs.track, dtype=np.int64),
        np.ascontiguousarray(pairs.det, dtype=np.int64),
        np.ascontiguousarray(reduced_cost, dtype=np.float64),
    )
    # Larger clusters: an assignment problem each.
    if hard:
        tk = np.ascontiguousarray(pairs.track[keep], dtype=np.int64)
        dk = np.ascontiguousarray(pairs.det[keep], dtype=np.int64)
        ck = np.ascontiguousarray(reduced_cost[keep], dtype=np.float64)
        cm = _cluster_matrices(int(n_tracks), int(n_dets), tk, dk, ck, lab, simple)
        if cm is not None:
            from samsim.lsap import linear_sum_assignment

            flat, c_off, c_nt, c_nd, ut_all, ud_all = cm
            for h in range(c_nt.size):
                nt, nd = int(c_nt[h]), int(c_nd[h])
                C = flat[c_off[h] : c_off[h] + nt * (nd + nt)].reshape(nt, nd + nt)
                ut = ut_all[c_off[h] : c_off[h] + nt]
                ud = ud_all[c_off[h] : c_off[h] + nd]
                rows, cols = linear_sum_assignment(C)
                real = (cols < nd) & (C[rows, cols] < 0.0)
                det_of_track[ut[rows[real]]] = ud[cols[real]]
                track_of_det[ud[cols[real]]] = ut[rows[real]]
            return det_of_track, track_of_det
        p = pairs.take(keep)
        cost = reduced_cost[keep]
        hp = (~simple[lab]).nonzero()[0]
        o = hp[np.argsort(lab[hp], kind="stable")]
        lab_o = lab[o]
        # Local (within-cluster) row and column numbers, computed for all clusters at once.
        t_loc = _local_index(lab_o, p.track[o])
        d_loc = _local_index(lab_o, p.det[o])
        bounds = np.flatnonzero(np.diff(lab_o)) + 1
        for lo, hi in pairwise([0, *bounds.tolist(), o.size]):
            ti, dj = t_loc[lo:hi], d_loc[lo:hi]
            nt, nd = int(ti.max()) + 1, int(dj.max()) + 1
            # Global rows of the cluster's tracks and dets, by local number.
            ut = np.empty(nt, dtype=np.int64)
            ut[ti] = p.track[o[lo:hi]]
            ud = np.empty(nd, dtype=np.int64)
            ud[dj] = p.det[o[lo:hi]]
            if nt * (nd + nt) > _DENSE_ASSIGNMENT_ENTRIES:
                col_of_row = _sparse_assignment(nt, nd, ti, dj, cost[o[lo:hi]])
                rows = np.flatnonzero(col_of_row >= 0)
                cols = col_of_row[rows]
                det_of_track[ut[rows]] = ud[cols]
                track_of_det[ud[cols]] = ut[rows]
                continue
            from samsim.lsap import linear_sum_assignment

            C = np.full((nt, nd + nt), _FORBIDDEN)
            C[ti, dj] = cost[o[lo:hi]]
            C[np.arange(nt), nd + np.arange(nt)] = 0.0
            rows, cols = linear_sum_assignment(C)
            real = (cols < nd) & (C[rows, cols] < 0.0)
            det_of_track[ut[rows[real]]] = ud[cols[real]]
            track_of_det[ud[cols[real]]] = ut[rows[real]]
    return det_of_track, track_of_det


@nb.njit(cache=True)
def _gnn_simple(
    n_tracks: int, n_dets: int, track: IntArray, det: IntArray, reduced_cost: FloatArray
) -> tuple[IntArray, IntArray, IntArray, IntArray, NDArray[np.bool_], bool]:
    """The part of :func:`gnn_assign` that needs no assignment solver: the pairs with a
    negative reduced cost (``keep``, indices into the pairs), their cluster labels
    (:func:`clusters`), which clusters are simple, the winning pair of every simple
    cluster (:func:`_simple_clusters`) entered in ``det_of_track`` and ``track_of_det``,
    and whether some cluster is not simple."""
    det_of_track = np.full(n_tracks, -1, dtype=np.int64)
    track_of_det = np.full(n_dets, -1, dtype=np.int64)
    m = 0
    for k in range(track.shape[0]):
        if reduced_cost[k] < 0.0:
            m += 1
    keep = np.empty(m, dtype=np.int64)
    m = 0
    for k in range(track.shape[0]):
        if reduced_cost[k] < 0.0:
            keep[m] = k
            m += 1
    if m == 0:
        e = np.zeros(0, dtype=np.int64)
        return det_of_track, track_of_det, keep, e, np.zeros(0, dtype=np.bool_), False
    tk, dk, ck = track[keep], det[keep], reduced_cost[keep]
    lab = _cluster_labels(n_tracks, n_dets, tk, dk)
    n_lab = 0
    for k in range(m):
        n_lab = max(n_lab, lab[k] + 1)
    simple, win = _simple_clusters(n_lab, n_dets, tk, dk, lab, ck)
    for q in range(win.shape[0]):
        det_of_track[tk[win[q]]] = dk[win[q]]
        track_of_det[dk[win[q]]] = tk[win[q]]
    hard = False
    for c in range(n_lab):
        if not simple[c]:
            hard = True
    return det_of_track, track_of_det, keep, lab, simple, hard


def _cluster_matrices(
    n_tracks: int,
    n_dets: int,
    track: IntArray,
    det: IntArray,
    cost: FloatArray,
    lab: IntArray,
    simple: NDArray[np.bool_],
) -> tuple[FloatArray, IntArray, IntArray, IntArray, IntArray, IntArray] | None:
    """The dense assignment problems of :func:`gnn_assign`'s clusters that are not simple,
    in cluster order (:func:`_cluster_matrices_kernel`), or None when one of them is too
    large for a dense matrix (``_DENSE_ASSIGNMENT_ENTRIES``)."""
    out = _cluster_matrices_kernel(
        n_tracks, n_dets, track, det, cost, lab, simple, _DENSE_ASSIGNMENT_ENTRIES, _FORBIDDEN
    )
    return None if out[1].size == 0 else out


@nb.njit(cache=True)
def _cluster_matrices_kernel(
    n_tracks: int,
    n_dets: int,
    track: IntArray,
    det: IntArray,
    cost: FloatArray,
    lab: IntArray,
    simple: NDArray[np.bool_],
    max_entries: int,
    forbidden: float,
) -> tuple[FloatArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Dense cost matrices of the clusters that are not simple, in increasing label order.

    Each cluster's tracks and measurements are numbered in increasing row order; its
    matrix is nt x (nd + nt): ``cost`` at (local track, local measurement) of each of
    its pairs, 0 at (t, nd + t) (the track's private miss column), ``forbidden``
    elsewhere. Returns the matrices row-major one after the other (``flat``), each
    cluster's offset into them (``off``, also the offset of its rows in ``ut`` and
    ``ud``), its ``nt`` and ``nd``, and its tracks' and measurements' rows by local
    number (``ut[off:off + nt]``, ``ud[off:off + nd]``). Empty offsets when some
    cluster's matrix would have more than ``max_entries`` entries.
    """
    m = track.shape[0]
    n_lab = simple.shape[0]
    hard_of_lab = np.full(n_lab, -1, dtype=np.int64)
    h = 0
    for c in range(n_lab):
        if not simple[c]:
            hard_of_lab[c] = h
            h += 1
    cl_track = np.full(n_tracks, -1, dtype=np.int64)
    cl_det = np.full(n_dets, -1, dtype=np.int64)
    for k in range(m):
        q = hard_of_lab[lab[k]]
        if q >= 0:
            cl_track[track[k]] = q
            cl_det[det[k]] = q
    nt = np.zeros(h, dtype=np.int64)
    nd = np.zeros(h, dtype=np.int64)
    t_loc = np.full(n_tracks, -1, dtype=np.int64)
    d_loc = np.full(n_dets, -1, dtype=np.int64)
    for t in range(n_tracks):
        if cl_track[t] >= 0:
            t_loc[t] = nt[cl_track[t]]
            nt[cl_track[t]] += 1
    for j in range(n_dets):
        if cl_det[j] >= 0:
            d_loc[j] = nd[cl_det[j]]
            nd[cl_det[j]] += 1
    off = np.zeros(h + 1, dtype=np.int64)
    for q in range(h):
        size = nt[q] * (nd[q] + nt[q])
        if size > max_entries:
            e = np.zeros(0, dtype=np.int64)
            return np.zeros(0), e, e, e, e, e
        off[q + 1] = off[q] + size
    flat = np.full(off[h], forbidden)
    ut = np.empty(off[h], dtype=np.int64)
    ud = np.empty(off[h], dtype=np.int64)
    for q in range(h):
        w = nd[q] + nt[q]
        for t in range(nt[q]):
            flat[off[q] + t * w + nd[q] + t] = 0.0
    for t in range(n_tracks):
        if cl_track[t] >= 0:
            ut[off[cl_track[t]] + t_loc[t]] = t
    for j in range(n_dets):
        if cl_det[j] >= 0:
            ud[off[cl_det[j]] + d_loc[j]] = j
    for k in range(m):
        q = hard_of_lab[lab[k]]
        if q >= 0:
            w = nd[q] + nt[q]
            flat[off[q] + t_loc[track[k]] * w + d_loc[det[k]]] = cost[k]
    return flat, off[:h], nt, nd, ut, ud


def _sparse_assignment(
    n_rows: int, n_cols: int, row: IntArray, col: IntArray, cost: FloatArray
) -> IntArray:
    """Minimum-cost assignment on a sparse bipartite graph where every row may also stay
    unassigned at cost 0: the column of each row, -1 for none.

    Parameters
    ----------
    n_rows, n_cols : int
    row, col : ndarray of int64, shape (m,)
        The allowed (row, column) pairs (no duplicates), any order.
    cost : ndarray, shape (m,)
        Their costs.

    Notes
    -----
    The same problem as ``linear_sum_assignment`` on the dense ``n_rows x (n_cols +
    n_rows)`` matrix with forbidden entries and a private zero-cost "miss" column per row,
    solved by the same method (successive shortest augmenting paths with dual potentials,
    Crouse, IEEE Trans. AES 52(4), 2016) but searching only the allowed pairs, with a
    binary heap for Dijkstra's queue (Jonker and Volgenant, Computing 38, 1987, for the
    sparse form). Each search stops at the first free column, usually the row's own miss
    column or a near neighbour, so a long chain of overlapping gates costs about
    O(m log m) instead of a dense cubic solve. Ties between equally cheap columns prefer
    a free one, as scipy does; when the optimum is unique both return it.
    """
    o = np.lexsort((col, row))
    r, c, w = row[o], col[o], cost[o]
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n_rows), out=ptr[1:])
    out: IntArray = _sparse_assignment_kernel(
        int(n_rows),
        int(n_cols),
        ptr,
        np.ascontiguousarray(c, dtype=np.int64),
        np.ascontiguousarray(w, dtype=np.float64),
    )
    return out


@nb.njit(cache=True)
def _heap_push(
    hk: FloatArray, hf: IntArray, hj: IntArray, n: int, key: float, flag: int, j: int
) -> int:
    """Push (key, flag, j) on a binary min-heap held in three arrays of ``n`` items."""
    k = n
    hk[k], hf[k], hj[k] = key, flag, j
    while k > 0:
        p = (k - 1) >> 1
        if hk[p] < hk[k] or (hk[p] == hk[k] and (hf[p], hj[p]) <= (hf[k], hj[k])):
            break
        hk[p], hk[k] = hk[k], hk[p]
        hf[p], hf[k] = hf[k], hf[p]
        hj[p], hj[k] = hj[k], hj[p]
        k = p
    return n + 1


@nb.njit(cache=True)
def _heap_pop(hk: FloatArray, hf: IntArray, hj: IntArray, n: int) -> int:
    """Remove the root of the heap of ``n`` items (read it first); returns the new size."""
    n -= 1
    hk[0], hf[0], hj[0] = hk[n], hf[n], hj[n]
    k = 0
    while True:
        a = 2 * k + 1
        if a >= n:
            break
        b = a + 1
        if b < n and (hk[b] < hk[a] or (hk[b] == hk[a] and (hf[b], hj[b]) < (hf[a], hj[a]))):
            a = b
        if hk[k] < hk[a] or (hk[k] == hk[a] and (hf[k], hj[k]) <= (hf[a], hj[a])):
            break
        hk[a], hk[k] = hk[k], hk[a]
        hf[a], hf[k] = hf[k], hf[a]
        hj[a], hj[k] = hj[k], hj[a]
        k = a
    return n


@nb.njit(cache=True)
def _sparse_assignment_kernel(
    n_rows: int, n_cols: int, ptr: IntArray, col: IntArray, cost: FloatArray
) -> IntArray:
    """Kernel of :func:`_sparse_assignment`; row i's pairs are ``ptr[i]:ptr[i + 1]`` and its
    miss column is ``n_cols + i``."""
    nc = n_cols + n_rows
    u = np.zeros(n_rows)
    v = np.zeros(nc)
    col4row = np.full(n_rows, -1, dtype=np.int64)
    row4col = np.full(nc, -1, dtype=np.int64)
    dist = np.full(nc, np.inf)
    path = np.full(nc, -1, dtype=np.int64)
    done = np.zeros(nc, dtype=np.bool_)
    cap = col.shape[0] + n_rows + 1
    hk = np.empty(cap)
    hf = np.empty(cap, dtype=np.int64)
    hj = np.empty(cap, dtype=np.int64)
    touched = np.empty(nc, dtype=np.int64)
    rows_seen = np.empty(n_rows, dtype=np.int64)
    for cur in range(n_rows):
        n_touched = 0
        n_seen = 0
        n_heap = 0
        min_val = 0.0
        sink = -1
        i = cur
        while sink < 0:
            rows_seen[n_seen] = i
            n_seen += 1
            for e in range(ptr[i], ptr[i + 1] + 1):
                if e < ptr[i + 1]:
                    j, c = col[e], cost[e]
                else:
                    j, c = n_cols + i, 0.0  # the row's own miss column
                if done[j]:
                    continue
                r = min_val + c - u[i] - v[j]
                if r < dist[j]:
                    if dist[j] == np.inf:
                        touched[n_touched] = j
                        n_touched += 1
                    dist[j] = r
                    path[j] = i
                    n_heap = _heap_push(hk, hf, hj, n_heap, r, 0 if row4col[j] < 0 else 1, j)
            # the closest column not yet finished (stale heap entries skipped)
            j = -1
            while n_heap > 0:
                key, jj = hk[0], hj[0]
                n_heap = _heap_pop(hk, hf, hj, n_heap)
                if not done[jj] and key == dist[jj]:
                    j = jj
                    break
            if j < 0:
                raise RuntimeError("sparse assignment: no augmenting path (cannot happen)")
            min_val = dist[j]
            done[j] = True
            if row4col[j] < 0:
                sink = j
            else:
                i = row4col[j]
        # dual update, then augment along the path
        u[cur] += min_val
        for s in range(1, n_seen):
            i = rows_seen[s]
            u[i] += min_val - dist[col4row[i]]
        for t in range(n_touched):
            j = touched[t]
            if done[j]:
                v[j] -= min_val - dist[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            prev = col4row[i]
            col4row[i] = j
            j = prev
            if i == cur:
                break
        for t in range(n_touched):
            j = touched[t]
            dist[j] = np.inf
            path[j] = -1
            done[j] = False
    out = np.full(n_rows, -1, dtype=np.int64)
    for i in range(n_rows):
        if col4row[i] < n_cols:
            out[i] = col4row[i]
    return out


@nb.njit(cache=True)
def _simple_clusters(
    n_lab: int, n_dets: int, track: IntArray, det: IntArray, lab: IntArray, cost: FloatArray
) -> tuple[NDArray[np.bool_], IntArray]:
    """Which clusters are simple (one distinct track or one distinct measurement), and the
    winning pair of each simple cluster: its smallest cost, the first such pair in pair
    order on ties (pairs sorted by track; costs not NaN)."""
    m = track.shape[0]
    nt_lab = np.zeros(n_lab, dtype=np.int64)
    nd_lab = np.zeros(n_lab, dtype=np.int64)
    det_seen = np.zeros(n_dets, dtype=np.bool_)
    for k in range(m):
        if k == 0 or track[k] != track[k - 1]:
            nt_lab[lab[k]] += 1
        if not det_seen[det[k]]:  # a measurement belongs to one cluster
            det_seen[det[k]] = True
            nd_lab[lab[k]] += 1
    simple = (nt_lab == 1) | (nd_lab == 1)
    best = np.full(n_lab, -1, dtype=np.int64)
    for k in range(m):
        c = lab[k]
        if simple[c] and (best[c] < 0 or cost[k] < cost[best[c]]):
            best[c] = k
    n_win = 0
    for c in range(n_lab):
        if best[c] >= 0:
            n_win += 1
    win = np.empty(n_win, dtype=np.int64)
    j = 0
    for c in range(n_lab):  # in cluster order, as the sort by (cluster, cost) gave
        if best[c] >= 0:
            win[j] = best[c]
            j += 1
    return simple, win


def _local_index(group: IntArray, key: IntArray) -> IntArray:
    """Dense rank of ``key`` within each run of equal ``group`` (``group`` sorted)."""
    o = np.lexsort((key, group))
    g, k = group[o], key[o]
    new_key = np.ones(o.size, dtype=bool)
    new_key[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
    new_group = np.ones(o.size, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    rank = np.cumsum(new_key) - 1
    base = np.maximum.accumulate(np.where(new_group, rank, 0))
    out = np.empty(o.size, dtype=np.int64)
    out[o] = rank - base
    return out


def jpda_probabilities(
    n_tracks: int,
    pairs: GatedPairs,
    pair_weight: FloatArray,
    miss_weight: FloatArray,
    max_events: int = 10_000,
) -> tuple[FloatArray, FloatArray]:
    """Joint probabilistic data association: marginal association probabilities.

    Parameters
    ----------
    n_tracks : int
        Number of tracks.
    pairs : GatedPairs
        Gated pairs.
    pair_weight : ndarray, shape (m,)
        Likelihood ratio of each pair, g_ij = P_D N(nu_ij; 0, S_ij) / lambda.
    miss_weight : ndarray, shape (n_tracks,)
        Weight of "track not detected", 1 - P_D P_G.
    max_events : int
        Clusters with more feasible joint events than this (bounded by the product over its
        tracks of 1 + number of gated measurements) use Fitzgerald's approximation.

    Returns
    -------
    beta : ndarray, shape (m,)
        P(measurement j originated from track i) per pair.
    beta_miss : ndarray, shape (n_tracks,)
        P(track i was not detected); 1 for tracks without gated measurements.

    Notes
    -----
    A joint event assigns each track at most one measurement and each measurement at most one
    track; its weight is the product of g_ij over assigned pairs and of miss_weight over
    undetected tracks; beta_ij is the normalised sum over events containing (i, j)
    (Fortmann, Bar-Shalom and Scheffe, IEEE J. Oceanic Eng. 8(3), 1983; Bar-Shalom, Daum
    and Huang, IEEE Control Systems 29(6), 2009, eqs. 38-41, parametric form). Events are
    enumerated exactly per cluster; single-track clusters reduce to the PDA closed form
    beta_ij = g_ij / (1 - P_D P_G + sum_j g_ij). Clusters too large to enumerate use the
    "cheap JPDA" of Fitzgerald (IEE Proc. F 132(2), 1985):
    beta_ij = G_ij / (T_i + S_j - G_ij + B), G = g normalised by the miss weight,
    T_i = sum_j G_ij, S_j = sum_i G_ij, B = 1, then renormalised with the miss term.
    """
    m = pairs.m
    beta = np.zeros(m)
    beta_miss = np.ones(n_tracks)
    if m == 0:
        return beta, beta_miss
    n_dets = int(pairs.det.max()) + 1
    lab = clusters(n_tracks, n_dets, pairs.track, pairs.det)
    n_lab = int(lab.max()) + 1
    first_t = np.ones(m, dtype=bool)
    first_t[1:] = pairs.track[1:] != pairs.track[:-1]
    nt_lab = np.bincount(lab[first_t], minlength=n_lab)
    single = nt_lab[lab] == 1
    # Single-track clusters: PDA.
    if single.any():
        idx = np.flatnonzero(single)
        ti = pairs.track[idx]
        tot = np.bincount(ti, weights=pair_weight[idx], minlength=n_tracks)
        denom = miss_weight + tot
        beta[idx] = pair_weight[idx] / denom[ti]
        has = np.bincount(ti, minlength=n_tracks) > 0
        beta_miss[has] = miss_weight[has] / denom[has]
    multi = np.flatnonzero(~single)
    if multi.size:
        o = multi[np.argsort(lab[multi], kind="stable")]
        bounds = np.flatnonzero(np.diff(lab[o])) + 1
        for lo, hi in pairwise([0, *bounds.tolist(), o.size]):
            sel = o[lo:hi]
            ut, ti = np.unique(pairs.track[sel], return_inverse=True)
            ud, dj = np.unique(pairs.det[sel], return_inverse=True)
            G = np.zeros((ut.size, ud.size))
            G[ti, dj] = pair_weight[sel] / miss_weight[ut[ti]]
            n_events = float(np.prod(1.0 + (G > 0).sum(axis=1)))
            if n_events <= max_events:
                B, B0 = _jpda_exact(G)
            else:
                B, B0 = _jpda_cheap(G)
            beta[sel] = B[ti, dj]
            beta_miss[ut] = B0
    return beta, beta_miss


def _jpda_exact(G: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Exact JPDA marginals by depth-first enumeration of the feasible joint events.

    G holds pair weights divided by each track's miss weight, so a track's miss contributes
    a factor 1.
    """
    nt, nd = G.shape
    acc = np.zeros((nt, nd))
    acc0 = np.zeros(nt)
    total = 0.0
    options = [np.flatnonzero(G[i] > 0).tolist() for i in range(nt)]
    choice = [-1] * nt
    used = [False] * nd

    def rec(i: int, w: float) -> None:
        nonlocal total
        if i == nt:
            total += w
            for k in range(nt):
                if choice[k] < 0:
                    acc0[k] += w
                else:
                    acc[k, choice[k]] += w
            return
        choice[i] = -1
        rec(i + 1, w)
        for j in options[i]:
            if not used[j]:
                used[j] = True
                choice[i] = j
                rec(i + 1, w * G[i, j])
                used[j] = False
        choice[i] = -1

    rec(0, 1.0)
    return acc / total, acc0 / total


def _jpda_cheap(G: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fitzgerald's cheap JPDA approximation (see :func:`jpda_probabilities`)."""
    T = G.sum(axis=1, keepdims=True)
    S = G.sum(axis=0, keepdims=True)
    B = G / (T + S - G + 1.0)
    B[G == 0] = 0.0
    tot = 1.0 + B.sum(axis=1)
    return B / tot[:, None], 1.0 / tot
