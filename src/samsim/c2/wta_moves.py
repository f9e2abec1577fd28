"""The moves both WTA heuristics make, and the limits each must keep.

The target-based heuristic (:mod:`samsim.c2.wta_heuristic`) and the asset-based one
(:mod:`samsim.c2.wta_asset`) search the same neighbourhoods (add an unused round, move a
round to another target, swap two rounds between targets) under the same limits (pair,
target, channel and group caps); only how they score a move differs. The bookkeeping of
an assignment ``x`` (W, T) lives here once:

- per target: ``snz`` (product of the miss probabilities that are not zero), ``n0``
  (rounds with a miss probability of zero) and ``cnt`` (rounds on it);
- per weapon type: ``used`` (rounds fired) and ``nch`` (targets engaged: channels);
- per group of types: ``gx`` (G, T) rounds on each target, ``gused``, ``gnch``.

The kernels take the limits as one tuple (:data:`Limits`: ``pc, rounds, tc, cc, group,
group_rounds, gc``, the pair, target, channel and group-channel caps) and unpack it once;
the checks and moves called in their inner loops take the arrays themselves and update
the counts in place. The checks are single branch-free expressions (``&``, ``|``): numba
then drops the reference counting of their array arguments, which a check with early
returns pays on every call (about 100 ns, 30 to 100 times the check itself).

Loops run in numba (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from samsim.jit import njit

_I64 = NDArray[np.int64]
_F64 = NDArray[np.float64]

#: ``(used, cnt, nch, gx, gused, gnch)``: the counts of an assignment.
Counts = tuple[_I64, _I64, _I64, _I64, _I64, _I64]
#: ``(pair_cap, rounds, target_cap, channel_cap, group, group_rounds, group_channels)``:
#: the limits, in the order of :meth:`samsim.c2.wta_core.Problem.limits`.
Limits = tuple[_I64, _I64, _I64, _I64, _I64, _I64, _I64]


@njit(cache=True)
def surv(snz: float, n0: int) -> float:
    """A target's survival probability from its product of nonzero miss probabilities
    and its count of certain kills."""
    return snz if n0 == 0 else 0.0


@njit(cache=True)
def surv_change(snz: float, n0: int, q_out: float, q_in: float) -> float:
    """Survival after removing a round with miss prob ``q_out`` (< 0: none) and adding
    one with ``q_in`` (< 0: none)."""
    if q_out >= 0.0:
        if q_out == 0.0:
            n0 -= 1
        else:
            snz /= q_out
    if q_in >= 0.0:
        if q_in == 0.0:
            n0 += 1
        else:
            snz *= q_in
    return snz if n0 == 0 else 0.0


@njit(cache=True)
def recompute(q: _F64, x: _I64, j: int) -> tuple[float, int]:
    """``(snz, n0)`` of target j, from scratch."""
    snz = 1.0
    n0 = 0
    for i in range(q.shape[0]):
        if x[i, j] > 0:
            if q[i, j] == 0.0:
                n0 += x[i, j]
            else:
                snz *= q[i, j] ** x[i, j]
    return snz, n0


@njit(cache=True)
def survivals(q: _F64, x: _I64) -> tuple[_F64, _I64]:
    """``snz, n0`` of every target of an assignment."""
    n_t = x.shape[1]
    snz = np.ones(n_t)
    n0 = np.zeros(n_t, np.int64)
    for j in range(n_t):
        snz[j], n0[j] = recompute(q, x, j)
    return snz, n0


@njit(cache=True)
def counts(x: _I64, group: _I64, n_g: int) -> Counts:
    """The counts of an assignment ``x``: ``(used, cnt, nch, gx, gused, gnch)``."""
    n_w, n_t = x.shape
    cnt = np.zeros(n_t, np.int64)
    used = np.zeros(n_w, np.int64)
    nch = np.zeros(n_w, np.int64)
    for i in range(n_w):
        for j in range(n_t):
            if x[i, j] > 0:
                cnt[j] += x[i, j]
                used[i] += x[i, j]
                nch[i] += 1
    gx, gused, gnch = group_state(x, group, n_g)
    return used, cnt, nch, gx, gused, gnch


@njit(cache=True)
def group_state(x: _I64, group: _I64, n_g: int) -> tuple[_I64, _I64, _I64]:
    """Missiles of each group on each target (G, T), per group (G,), targets per group."""
    n_w, n_t = x.shape
    gx = np.zeros((n_g, n_t), np.int64)
    gused = np.zeros(n_g, np.int64)
    gnch = np.zeros(n_g, np.int64)
    for i in range(n_w):
        g = group[i]
        for j in range(n_t):
            if x[i, j] > 0:
                if gx[g, j] == 0:
                    gnch[g] += 1
                gx[g, j] += x[i, j]
                gused[g] += x[i, j]
    return gx, gused, gnch


@njit(cache=True)
def group_move_ok(
    gx: _I64, gnch: _I64, group_channels: _I64, g: int, j_out: int, j_in: int
) -> bool:
    """Whether group g may move one round from target ``j_out`` to target ``j_in``
    without engaging more targets than its channels."""
    return gnch[g] - (gx[g, j_out] == 1) + (gx[g, j_in] == 0) <= group_channels[g]


@njit(cache=True)
def group_apply(gx: _I64, gused: _I64, gnch: _I64, g: int, j: int, d: int) -> None:
    """Add ``d`` (+1 or -1) rounds of group g on target j to the group state."""
    if d > 0 and gx[g, j] == 0:
        gnch[g] += 1
    gx[g, j] += d
    gused[g] += d
    if d < 0 and gx[g, j] == 0:
        gnch[g] -= 1


@njit(cache=True)
def has_round(used: _I64, gused: _I64, rounds: _I64, group_rounds: _I64, i: int, g: int) -> bool:
    """Whether type i (of group g) has a round left to fire, its own and its group's."""
    return (used[i] < rounds[i]) & (gused[g] < group_rounds[g])


@njit(cache=True)
def can_add(
    x: _I64,
    cnt: _I64,
    nch: _I64,
    gx: _I64,
    gnch: _I64,
    pc: _I64,
    tc: _I64,
    cc: _I64,
    gc: _I64,
    i: int,
    g: int,
    j: int,
) -> bool:
    """Whether one more round of type i (of group g) may go to target j: its pair cap
    ``pc``, target cap ``tc``, and a channel of the type (``cc``) and of its group
    (``gc``) if j is new to them."""
    return (
        (x[i, j] < pc[i, j])
        & (cnt[j] < tc[j])
        & ((x[i, j] > 0) | (nch[i] < cc[i]))
        & ((gx[g, j] > 0) | (gnch[g] < gc[g]))
    )


@njit(cache=True)
def add_round(
    x: _I64,
    used: _I64,
    cnt: _I64,
    nch: _I64,
    gx: _I64,
    gused: _I64,
    gnch: _I64,
    i: int,
    g: int,
    j: int,
) -> None:
    """Fire one more round of type i (of group g) at target j (counts only)."""
    if x[i, j] == 0:
        nch[i] += 1
    x[i, j] += 1
    used[i] += 1
    cnt[j] += 1
    group_apply(gx, gused, gnch, g, j, 1)


@njit(cache=True)
def best_addition(d: _F64, q: _F64, x: _I64, c: Counts, lim: Limits) -> tuple[int, int]:
    """The round (i, j) that removes the most value, ``d_j p_ij``, among those every
    limit allows (-1, -1 if none removes any): one step of maximum marginal return,
    with ``d_j`` the value target j still holds."""
    used, cnt, nch, gx, gused, gnch = c
    pc, rounds, tc, cc, group, group_rounds, gc = lim
    n_w, n_t = q.shape
    best = 0.0
    bi = -1
    bj = -1
    for i in range(n_w):
        g = group[i]
        if not has_round(used, gused, rounds, group_rounds, i, g):
            continue
        for j in range(n_t):
            if not can_add(x, cnt, nch, gx, gnch, pc, tc, cc, gc, i, g, j):
                continue
            gain = d[j] * (1.0 - q[i, j])
            if gain > best:
                best = gain
                bi = i
                bj = j
    return bi, bj


@njit(cache=True)
def can_relocate(
    x: _I64,
    cnt: _I64,
    nch: _I64,
    gx: _I64,
    gnch: _I64,
    pc: _I64,
    tc: _I64,
    cc: _I64,
    gc: _I64,
    i: int,
    g: int,
    j: int,
    k: int,
) -> bool:
    """Whether a round of type i (of group g) may move from target j to target k."""
    return (
        (k != j)
        & (x[i, k] < pc[i, k])
        & (cnt[k] < tc[k])
        & ((x[i, k] > 0) | (nch[i] - (x[i, j] == 1) < cc[i]))
        & group_move_ok(gx, gnch, gc, g, j, k)
    )


@njit(cache=True)
def relocate(
    x: _I64, cnt: _I64, nch: _I64, gx: _I64, gused: _I64, gnch: _I64, i: int, g: int, j: int, k: int
) -> None:
    """Move one round of type i (of group g) from target j to target k (counts only)."""
    x[i, j] -= 1
    if x[i, j] == 0:
        nch[i] -= 1
    if x[i, k] == 0:
        nch[i] += 1
    x[i, k] += 1
    cnt[j] -= 1
    cnt[k] += 1
    group_apply(gx, gused, gnch, g, j, -1)
    group_apply(gx, gused, gnch, g, k, 1)


@njit(cache=True)
def can_swap(
    x: _I64,
    nch: _I64,
    gx: _I64,
    gnch: _I64,
    pc: _I64,
    cc: _I64,
    gc: _I64,
    i: int,
    g: int,
    j: int,
    i2: int,
    g2: int,
    k: int,
) -> bool:
    """Whether a round of type i (group g) on target j and one of type i2 (group g2) on
    target k may trade targets (pair caps, and channels of both types and groups)."""
    return (
        (i2 != i)
        & (k != j)
        & (x[i, j] > 0)
        & (x[i2, k] > 0)
        & (x[i, k] < pc[i, k])
        & (x[i2, j] < pc[i2, j])
        & (nch[i] - (x[i, j] == 1) + (x[i, k] == 0) <= cc[i])
        & (nch[i2] - (x[i2, k] == 1) + (x[i2, j] == 0) <= cc[i2])
        & (
            (g == g2)
            | (group_move_ok(gx, gnch, gc, g, j, k) & group_move_ok(gx, gnch, gc, g2, k, j))
        )
    )


@njit(cache=True)
def swap(
    x: _I64,
    nch: _I64,
    gx: _I64,
    gused: _I64,
    gnch: _I64,
    i: int,
    g: int,
    j: int,
    i2: int,
    g2: int,
    k: int,
) -> None:
    """Trade a round of type i (group g) on target j for one of type i2 (group g2) on
    target k (counts only)."""
    for ii, jj, dd in ((i, j, -1), (i, k, 1), (i2, k, -1), (i2, j, 1)):
        if dd < 0 and x[ii, jj] == 1:
            nch[ii] -= 1
        if dd > 0 and x[ii, jj] == 0:
            nch[ii] += 1
        x[ii, jj] += dd
    for gg, jj, dd in ((g, k, 1), (g2, j, 1), (g, j, -1), (g2, k, -1)):
        group_apply(gx, gused, gnch, gg, jj, dd)
