"""The rectangular linear sum assignment problem, compiled, without importing scipy.optimize.

The engine solves small assignment problems every few scans (GNN clusters of several
tracks and plots, the weapon-assignment heuristic's reinsertion step, track-to-track
fusion). ``scipy.optimize.linear_sum_assignment`` solves them, but importing
``scipy.optimize`` costs 0.14-0.18 s in every process that runs the engine (it pulls in
scipy.sparse, scipy.spatial and HiGHS), about 7 % of a whole ``samsim run``. This module
solves the same problem with the same algorithm and the same tie rules, so it returns the
same assignment as scipy, entry for entry (tests/test_lsap.py checks this against scipy on
random matrices with many ties).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

import samsim.jit as nb

__all__ = ["linear_sum_assignment"]


def linear_sum_assignment(
    cost_matrix: ArrayLike,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Minimum-cost assignment of the rows of a rectangular cost matrix to its columns.

    Parameters
    ----------
    cost_matrix : array_like, shape (n_rows, n_cols)
        Finite costs; ``+inf`` marks a forbidden pair.

    Returns
    -------
    row_ind, col_ind : ndarray of int64, shape (min(n_rows, n_cols),)
        The assigned pairs, ``row_ind`` increasing: every row is assigned when
        ``n_rows <= n_cols``, else every column; ``cost[row_ind, col_ind].sum()`` is
        minimal. As ``scipy.optimize.linear_sum_assignment(cost_matrix)``.

    Raises
    ------
    ValueError
        The matrix is not 2-D, holds NaN or ``-inf``, or has no complete assignment of
        finite cost ("cost matrix is infeasible", as scipy says).

    Notes
    -----
    The shortest augmenting path algorithm of Jonker and Volgenant in the form of Crouse
    (2016), sec. IV: rows are added one at a time; for each, Dijkstra's search over
    reduced costs ``c_ij - u_i - v_j`` (non-negative by the dual variables' invariant)
    finds the cheapest augmenting path to a free column, then the duals and the
    assignment are updated along it. O(n_rows^2 n_cols). The costs are first shifted by
    their minimum (no change to the optimum); a matrix of forbidden pairs only is
    infeasible. A tall matrix is solved transposed.

    Ties are broken as scipy's implementation does (scipy.optimize, rectangular_lsap;
    BSD-3-Clause, P. M. Larsen), so both return the same one of several optimal
    assignments: the columns are scanned from the last to the first, a column whose
    shortest-path cost equals the lowest so far is preferred when it is free, and a
    scanned column leaves the candidate list by a swap with its last entry.

    References
    ----------
    D. F. Crouse, "On implementing 2D rectangular assignment algorithms", IEEE Trans.
    Aerospace and Electronic Systems 52(4), 1679-1696, 2016, doi:10.1109/TAES.2016.140952.
    R. Jonker and A. Volgenant, "A shortest augmenting path algorithm for dense and sparse
    linear assignment problems", Computing 38, 325-340, 1987.
    """
    cost = np.asarray(cost_matrix, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f"expected a matrix (2-D array), got a {cost.ndim}-D array")
    transposed = cost.shape[1] < cost.shape[0]
    if transposed:
        cost = cost.T
    nr = cost.shape[0]
    if nr == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    col4row = np.empty(nr, dtype=np.int64)
    status = _solve(np.ascontiguousarray(cost), col4row)
    if status == _INVALID:
        raise ValueError("matrix contains invalid numeric entries")
    if status == _INFEASIBLE:
        raise ValueError("cost matrix is infeasible")
    if transposed:
        order = np.argsort(col4row)
        return col4row[order], order.astype(np.int64)
    return np.arange(nr, dtype=np.int64), col4row


_OK, _INVALID, _INFEASIBLE = 0, 1, 2


@nb.njit(cache=True)
def _solve(cost_in: NDArray[np.float64], col4row: NDArray[np.int64]) -> int:
    """The assignment of a wide matrix (n_rows <= n_cols) into ``col4row``; returns
    0 (solved), 1 (NaN or -inf entries) or 2 (infeasible). See
    :func:`linear_sum_assignment`."""
    nr, nc = cost_in.shape
    low = math.inf
    for i in range(nr):
        for j in range(nc):
            c = cost_in[i, j]
            if c != c or c == -math.inf:
                return 1
            if c < low:
                low = c
    if low == math.inf:
        return 2  # every pair forbidden
    cost = np.empty((nr, nc))
    for i in range(nr):
        for j in range(nc):
            cost[i, j] = cost_in[i, j] - low
    u = np.zeros(nr)
    v = np.zeros(nc)
    dist = np.empty(nc)  # shortest-path cost to each column in this row's search
    path = np.full(nc, -1, dtype=np.int64)  # row preceding each column on its path
    row4col = np.full(nc, -1, dtype=np.int64)
    col4row[:] = -1
    seen_row = np.zeros(nr, dtype=np.bool_)
    seen_col = np.zeros(nc, dtype=np.bool_)
    todo = np.empty(nc, dtype=np.int64)
    for start in range(nr):
        # Dijkstra from row `start` over reduced costs, to the nearest free column.
        for k in range(nc):
            todo[k] = nc - 1 - k
        n_todo = nc
        seen_row[:] = False
        seen_col[:] = False
        dist[:] = math.inf
        i = start
        reach = 0.0
        sink = -1
        while sink < 0:
            seen_row[i] = True
            best = -1
            best_dist = math.inf
            for k in range(n_todo):
                j = todo[k]
                r = reach + cost[i, j] - u[i] - v[j]
                if r < dist[j]:
                    path[j] = i
                    dist[j] = r
                if dist[j] < best_dist or (dist[j] == best_dist and row4col[j] == -1):
                    best_dist = dist[j]
                    best = k
            reach = best_dist
            if reach == math.inf:
                return 2
            j = todo[best]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            seen_col[j] = True
            n_todo -= 1
            todo[best] = todo[n_todo]
        # Dual update, then the assignment flipped along the path.
        u[start] += reach
        for i in range(nr):
            if seen_row[i] and i != start:
                u[i] += reach - dist[col4row[i]]
        for j in range(nc):
            if seen_col[j]:
                v[j] -= reach - dist[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            prev = col4row[i]
            col4row[i] = j
            j = prev
            if i == start:
                break
    return 0
