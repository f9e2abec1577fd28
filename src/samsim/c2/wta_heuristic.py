"""Fast WTA solvers: maximum marginal return (greedy) and an improvement heuristic.

The heuristic starts from the greedy solution and alternates, until none improves, an
assignment-based very large-scale neighbourhood (an exact linear assignment over one
removed round or block per engaged target, which contains every target-disjoint cyclic
and path multi-exchange of them) with additions, relocations and swaps; deterministic
kicks then restart it from perturbed solutions. It never returns a worse solution than
greedy. Loops run in numba (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from samsim.c2.wta_core import Problem
from samsim.c2.wta_moves import (
    Limits,
    add_round,
    best_addition,
    can_add,
    can_relocate,
    can_swap,
    counts,
    group_apply,
    group_move_ok,
    has_round,
    recompute,
    relocate,
    surv,
    surv_change,
    survivals,
    swap,
)
from samsim.jit import njit
from samsim.lsap import linear_sum_assignment

_EPS_REL = 1e-12


@njit(cache=True)
def greedy_mmr(
    values: NDArray[np.float64],
    q: NDArray[np.float64],
    lim: Limits,
) -> NDArray[np.int64]:
    """Maximum marginal return: repeatedly fire the missile that removes the most value.

    Notes
    -----
    At each step choose (i, j) maximising V_j s_j p_ij among missiles that respect every
    limit (per type, per target, and shared by the types of a group), where s_j is target
    j's current survival probability; stop when no missile removes value. Den Broeder,
    Ellison & Emerling (1959); Ahuja et al. (2007), sec. 5. Cost O(R W T) for R missiles.
    """
    n_t = q.shape[1]
    group = lim[4]
    x = np.zeros(q.shape, np.int64)
    c = counts(x, group, lim[5].size)
    used, cnt, nch, gx, gused, gnch = c
    s = np.ones(n_t)
    d = np.empty(n_t)
    while True:
        for j in range(n_t):
            d[j] = values[j] * s[j]
        bi, bj = best_addition(d, q, x, c, lim)
        if bi < 0:
            break
        add_round(x, used, cnt, nch, gx, gused, gnch, bi, group[bi], bj)
        s[bj] *= q[bi, bj]
    return x


@njit(cache=True)
def local_search(
    values: NDArray[np.float64],
    q: NDArray[np.float64],
    lim: Limits,
    x_in: NDArray[np.int64],
    max_passes: int,
) -> NDArray[np.int64]:
    """Improve ``x_in`` by additions, single-round relocations and pairwise swaps.

    Notes
    -----
    Relocation moves one round of type i from target j to target k; a swap exchanges a
    round of type i on j with a round of type i' on k. Each move's change in expected
    surviving value touches only two targets, so it costs O(1):
    V_j (s_j q_i'j / q_ij - s_j) + V_k (s_k q_ik / q_i'k - s_k). Best improvement per
    round, first improvement over rounds; a pass with no improving move ends the search.
    Neighbourhoods of Ahuja et al. (2007), sec. 6 (the two-exchange neighbourhood), plus
    type exchanges within a group (a round of type i leaves target j while an unused round
    of another type of its group goes to target k, possibly k = j): with shared channels
    this moves a group's channel between its missile types. Moves keep every limit, the
    grouped ones included (relocations, swaps and type exchanges leave each group's
    missile count unchanged; only the targets it engages move).
    """
    n_w, n_t = q.shape
    pc, rounds, tc, cc, group, group_rounds, gc = lim
    x = x_in.copy()
    used, cnt, nch, gx, gused, gnch = counts(x, group, group_rounds.size)
    snz, n0 = survivals(q, x)
    scale = 0.0
    for j in range(n_t):
        scale += values[j]
    tol = _EPS_REL * max(scale, 1e-300)
    for _ in range(max_passes):
        improved = False
        # additions of unused rounds
        for i in range(n_w):
            g = group[i]
            while has_round(used, gused, rounds, group_rounds, i, g):
                best = -tol
                bk = -1
                for k in range(n_t):
                    if not can_add(x, cnt, nch, gx, gnch, pc, tc, cc, gc, i, g, k):
                        continue
                    d = -values[k] * surv(snz[k], n0[k]) * (1.0 - q[i, k])
                    if d < best:
                        best = d
                        bk = k
                if bk < 0:
                    break
                add_round(x, used, cnt, nch, gx, gused, gnch, i, g, bk)
                snz[bk], n0[bk] = recompute(q, x, bk)
                improved = True
        # relocations
        for i in range(n_w):
            g = group[i]
            for j in range(n_t):
                if x[i, j] == 0:
                    continue
                sj = surv(snz[j], n0[j])
                gain_j = values[j] * (surv_change(snz[j], n0[j], q[i, j], -1.0) - sj)
                best = -tol
                bk = -1
                for k in range(n_t):
                    if not can_relocate(x, cnt, nch, gx, gnch, pc, tc, cc, gc, i, g, j, k):
                        continue
                    d = gain_j - values[k] * surv(snz[k], n0[k]) * (1.0 - q[i, k])
                    if d < best:
                        best = d
                        bk = k
                if bk >= 0:
                    relocate(x, cnt, nch, gx, gused, gnch, i, g, j, bk)
                    snz[j], n0[j] = recompute(q, x, j)
                    snz[bk], n0[bk] = recompute(q, x, bk)
                    improved = True
        # type exchanges within a group: a round of type i leaves target j and an unused
        # round of another type i2 of the same group goes to target k (the group's missile
        # count is unchanged; its channel may move from j to k)
        for i in range(n_w):
            g = group[i]
            for j in range(n_t):
                if x[i, j] == 0:
                    continue
                sj = surv(snz[j], n0[j])
                best = -tol
                bi2 = -1
                bk = -1
                for i2 in range(n_w):
                    if i2 == i or group[i2] != g or used[i2] >= rounds[i2]:
                        continue
                    for k in range(n_t):
                        if x[i2, k] >= pc[i2, k]:
                            continue
                        if cnt[k] - (1 if k == j else 0) >= tc[k]:
                            continue
                        if x[i2, k] == 0 and nch[i2] >= cc[i2]:
                            continue
                        if k != j and not group_move_ok(gx, gnch, gc, g, j, k):
                            continue
                        if k == j:
                            d = values[j] * (surv_change(snz[j], n0[j], q[i, j], q[i2, j]) - sj)
                        else:
                            d = values[j] * (
                                surv_change(snz[j], n0[j], q[i, j], -1.0) - sj
                            ) - values[k] * surv(snz[k], n0[k]) * (1.0 - q[i2, k])
                        if d < best:
                            best = d
                            bi2 = i2
                            bk = k
                if bk >= 0:
                    x[i, j] -= 1
                    if x[i, j] == 0:
                        nch[i] -= 1
                    if x[bi2, bk] == 0:
                        nch[bi2] += 1
                    x[bi2, bk] += 1
                    used[i] -= 1
                    used[bi2] += 1
                    cnt[j] -= 1
                    cnt[bk] += 1
                    group_apply(gx, gused, gnch, g, j, -1)
                    group_apply(gx, gused, gnch, g, bk, 1)
                    snz[j], n0[j] = recompute(q, x, j)
                    snz[bk], n0[bk] = recompute(q, x, bk)
                    improved = True
        # swaps, over a snapshot of the engaged pairs (entries emptied meanwhile are skipped)
        n_eng = 0
        for i in range(n_w):
            for j in range(n_t):
                if x[i, j] > 0:
                    n_eng += 1
        eng_i = np.empty(n_eng, np.int64)
        eng_j = np.empty(n_eng, np.int64)
        n_eng = 0
        for i in range(n_w):
            for j in range(n_t):
                if x[i, j] > 0:
                    eng_i[n_eng] = i
                    eng_j[n_eng] = j
                    n_eng += 1
        for a in range(n_eng):
            i = eng_i[a]
            j = eng_j[a]
            for b in range(n_eng):
                i2 = eng_i[b]
                k = eng_j[b]
                g, g2 = group[i], group[i2]
                if not can_swap(x, nch, gx, gnch, pc, cc, gc, i, g, j, i2, g2, k):
                    continue
                d = values[j] * (
                    surv_change(snz[j], n0[j], q[i, j], q[i2, j]) - surv(snz[j], n0[j])
                ) + values[k] * (
                    surv_change(snz[k], n0[k], q[i2, k], q[i, k]) - surv(snz[k], n0[k])
                )
                if d < -tol:
                    swap(x, nch, gx, gused, gnch, i, g, j, i2, g2, k)
                    snz[j], n0[j] = recompute(q, x, j)
                    snz[k], n0[k] = recompute(q, x, k)
                    improved = True
        if not improved:
            break
    return x


@njit(cache=True)
def _batch(
    x: NDArray[np.int64], rounds: NDArray[np.int64], rot: int, blocks: bool
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Rows of the assignment neighbourhood: from every engaged target, its ``rot``-th
    round (``blocks`` False) or all rounds of its ``rot``-th engaged type (``blocks``
    True), plus every unused round. Returns type, origin (-1 = unused) and count."""
    n_w, n_t = x.shape
    n_unused = 0
    for i in range(n_w):
        u = rounds[i]
        for j in range(n_t):
            u -= x[i, j]
        n_unused += max(u, 0)
    types = np.empty(n_t + n_unused, np.int64)
    origin = np.empty(n_t + n_unused, np.int64)
    count = np.ones(n_t + n_unused, np.int64)
    nb = 0
    for j in range(n_t):
        c = 0
        for i in range(n_w):
            if blocks:
                c += 1 if x[i, j] > 0 else 0
            else:
                c += x[i, j]
        if c == 0:
            continue
        k = (rot + j) % c
        for i in range(n_w):
            size = (1 if x[i, j] > 0 else 0) if blocks else x[i, j]
            if k < size:
                types[nb] = i
                origin[nb] = j
                count[nb] = x[i, j] if blocks else 1
                nb += 1
                break
            k -= size
    for i in range(n_w):
        u = rounds[i]
        for j in range(n_t):
            u -= x[i, j]
        for _ in range(max(u, 0)):
            types[nb] = i
            origin[nb] = -1
            nb += 1
    return types[:nb], origin[:nb], count[:nb]


@njit(cache=True)
def _mask_channels(
    engaged: NDArray[np.int64],
    cls: NDArray[np.int64],
    origin: NDArray[np.int64],
    channels: NDArray[np.int64],
    ok: NDArray[np.bool_],
) -> None:
    """The channel limit of :func:`_exchange_feasible`, for types or groups alike: a class
    (row ``c`` of ``engaged``, rounds per target after the removals) whose engaged targets
    plus its rows re-inserted could exceed ``channels[c]`` keeps its rows (``cls[b] == c``)
    to targets it still engages or a row of it just vacated (``origin``); ``ok`` in place."""
    n_c, n_t = engaged.shape
    nb = cls.shape[0]
    n_rows = np.zeros(n_c, np.int64)
    for b in range(nb):
        n_rows[cls[b]] += 1
    tight = np.zeros(n_c, np.bool_)
    any_tight = False
    for c in range(n_c):
        nch = 0
        for j in range(n_t):
            if engaged[c, j] > 0:
                nch += 1
        tight[c] = nch + n_rows[c] > channels[c]
        any_tight = any_tight or tight[c]
    if not any_tight:
        return
    keep = np.zeros((n_c, n_t), np.bool_)
    for c in range(n_c):
        for j in range(n_t):
            keep[c, j] = engaged[c, j] > 0
    for b in range(nb):
        if origin[b] >= 0:
            keep[cls[b], origin[b]] = True
    for b in range(nb):
        c = cls[b]
        if tight[c]:
            for j in range(n_t):
                ok[b, j] = ok[b, j] and keep[c, j]


@njit(cache=True)
def _exchange_feasible(
    x: NDArray[np.int64],
    types: NDArray[np.int64],
    origin: NDArray[np.int64],
    count: NDArray[np.int64],
    pair_cap: NDArray[np.int64],
    target_cap: NDArray[np.int64],
    channel_cap: NDArray[np.int64],
    group: NDArray[np.int64],
    group_channels: NDArray[np.int64],
    kick: bool,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """The integer part of :func:`assignment_exchange`: the solution after the removals
    and which (row, target) re-insertions keep every limit.

    Parameters
    ----------
    x : ndarray of int64, shape (W, T)
        Current solution.
    types, origin, count : ndarray of int64, shape (B,)
        The rows of :func:`_batch` (origin -1: an unused round).
    pair_cap, target_cap, channel_cap, group, group_channels
        The problem's limits (:class:`samsim.c2.wta_core.Problem`).
    kick : bool
        No row may return to its origin.

    Returns
    -------
    xr : ndarray of int64, shape (W, T)
        ``x`` less each row's ``count`` rounds at its origin.
    ok : ndarray of bool, shape (B, T)
        Row b may go to target j: the pair and target caps hold with its ``count`` added;
        not its own origin under ``kick``; a row of a type (of a group) whose channels the
        re-insertion could exceed only to targets the type (group) still engages or a row
        of it just vacated.
    """
    n_w, n_t = x.shape
    nb = types.shape[0]
    n_g = group_channels.shape[0]
    xr = x.copy()
    for b in range(nb):
        if origin[b] >= 0:
            xr[types[b], origin[b]] -= count[b]
    cnt_after = np.zeros(n_t, np.int64)
    for i in range(n_w):
        for j in range(n_t):
            cnt_after[j] += xr[i, j]
    ok = np.empty((nb, n_t), np.bool_)
    for b in range(nb):
        i, m = types[b], count[b]
        for j in range(n_t):
            ok[b, j] = xr[i, j] + m <= pair_cap[i, j] and cnt_after[j] + m <= target_cap[j]
        if kick and origin[b] >= 0:
            ok[b, origin[b]] = False
    # channels of each type, then of each group
    _mask_channels(xr, types, origin, channel_cap, ok)
    gx_after = np.zeros((n_g, n_t), np.int64)
    for i in range(n_w):
        for j in range(n_t):
            gx_after[group[i], j] += xr[i, j]
    block_group = np.empty(nb, np.int64)
    for b in range(nb):
        block_group[b] = group[types[b]]
    _mask_channels(gx_after, block_group, origin, group_channels, ok)
    return xr, ok


def assignment_exchange(
    problem: Problem, x: NDArray[np.int64], rot: int, blocks: bool = False, kick: bool = False
) -> NDArray[np.int64]:
    """One step of the assignment-based very large-scale neighbourhood search.

    Removes one round (or one type's whole block of rounds) from every engaged target
    (the ``rot``-th one) and re-inserts all removed blocks and unused rounds optimally,
    each target taking at most one of them. With ``kick`` no block may return to its
    origin: the best solution in which every removed block moves (a perturbation).

    Notes
    -----
    With at most one block removed from and at most one re-inserted into each target,
    the change in expected surviving value is additive over targets: placing a block of
    m rounds of type i on target j changes it by -V_j s'_j (1 - q_ij^m), with s'_j the
    survival after the removals. The best re-insertion is therefore a rectangular linear
    assignment problem (solved exactly by :func:`samsim.lsap.linear_sum_assignment`), whose
    feasible set contains the current solution and every target-disjoint cyclic or path
    exchange of the removed blocks: the multi-exchange neighbourhood of Ahuja, Kumar, Jha
    & Orlin (2007), sec. 6, searched exactly rather than by negative-cycle detection.
    Moving whole blocks frees a fire-control channel, which single-round moves cannot do.
    Limits stay satisfied: pair and target caps are column masks; a channel-limited type
    (or group of types) whose removed blocks could exceed its channels may only return to
    targets it still engages or just vacated; a group whose missile limit the re-insertion
    of unused rounds would break re-solves without them (and the step is void if that
    still fails).
    """
    p = problem
    q = 1.0 - p.pk
    types, origin, count = _batch(x, p.rounds, rot, blocks)
    nb = types.size
    if nb == 0:
        return x
    xr, ok = _exchange_feasible(
        x,
        types,
        origin,
        count,
        p.pair_cap,
        p.target_cap,
        p.channel_cap,
        p.group,
        p.group_channels,
        kick,
    )
    has = origin >= 0
    s_after = np.prod(q**xr, axis=0)
    m = count[:, None]
    cost = -(p.values * s_after)[None, :] * (1.0 - q[types, :] ** m)
    grp = p.group
    # an "unused" column per row that may need one: every row can go back to its own
    # (distinct) origin, so only unused rounds, or every row in a kick, need them
    n_dummy = nb if kick else int((~has).sum())
    for _ in range(2):
        x_new = _reinsert(p, xr, types, count, np.where(ok, cost, np.inf), n_dummy)
        g_used = np.bincount(grp, weights=x_new.sum(axis=1), minlength=p.n_groups)
        over = g_used > p.group_rounds
        if not over.any():
            return x_new
        ok[~has & over[grp[types]]] = False
    return x


def _reinsert(
    p: Problem,
    xr: NDArray[np.int64],
    types: NDArray[np.int64],
    count: NDArray[np.int64],
    cost: NDArray[np.float64],
    n_dummy: int,
) -> NDArray[np.int64]:
    """Place the removed blocks by a rectangular linear assignment; ``n_dummy`` columns
    let blocks stay out."""
    nb = types.size
    full = np.hstack([cost, np.zeros((nb, n_dummy))]) if n_dummy else cost
    rows, cols = linear_sum_assignment(full)
    x_new = xr.copy()
    placed = cols < p.n_targets
    np.add.at(x_new, (types[rows[placed]], cols[placed]), count[rows[placed]])
    return x_new


def _descent(problem: Problem, x0: NDArray[np.int64], max_steps: int) -> NDArray[np.int64]:
    """Alternate the assignment neighbourhood and local search until a full rotation
    finds no improvement. Round and block steps alternate while some pair holds two or
    more rounds (otherwise blocks are single rounds and the block step is redundant)."""
    p = problem
    q = np.ascontiguousarray(1.0 - p.pk)
    args = (p.values, q, p.limits())
    tol = _EPS_REL * max(float(p.values.sum()), 1e-300)
    x = local_search(*args, x0, 1000)
    fx = _value(p.values, q, x)
    stale = 0
    for step in range(max_steps):
        multi = bool((x > 1).any())
        blocks = multi and step % 2 == 1
        rot = step // 2 if multi else step
        depth = int(x.sum(axis=0).max(initial=0)) + (
            int((x > 0).sum(axis=0).max(initial=0)) if multi else 0
        )
        x_try = assignment_exchange(p, x, rot, blocks)
        if _value(p.values, q, x_try) < fx - tol:
            x = local_search(*args, x_try, 1000)
            fx = _value(p.values, q, x)
            stale = 0
        else:
            stale += 1
            if stale >= max(depth, 1):
                break
    return x


def _value(values: NDArray[np.float64], q: NDArray[np.float64], x: NDArray[np.int64]) -> float:
    return float(np.sum(values * np.prod(q**x, axis=0)))


def default_kicks(problem: Problem) -> int:
    """Perturbations the heuristic makes by default: min(8, 20000 // (W T)).

    Each kick costs about one descent, whose cost grows with W T; this keeps the
    heuristic near 50 ms at W = T = 100 (2 kicks) while small engine-sized problems
    (W T <= 2500) get all 8.
    """
    return int(min(8, 20000 // max(problem.n_types * problem.n_targets, 1)))


def solve_heuristic(
    problem: Problem,
    x0: NDArray[np.int64],
    kicks: int | None = None,
    max_steps: int = 50,
    pool: list[NDArray[np.int64]] | None = None,
) -> NDArray[np.int64]:
    """Iterated very large-scale neighbourhood search from ``x0``; never worse than it.

    Parameters
    ----------
    problem : Problem
        Validated instance.
    x0 : ndarray of int64
        Feasible start (the greedy solution).
    kicks : int or None
        Perturbations of the best solution (None: :func:`default_kicks`): an assignment
        step in which every removed block must move (:func:`assignment_exchange` with
        ``kick``), followed by a full descent; kept only if it improves. Deterministic
        (rotations, no random numbers).
    max_steps : int
        Most assignment steps per descent.
    pool : list, optional
        If given, every local optimum reached is appended (the exact solver seeds its
        cuts with them).

    Notes
    -----
    Iterated local search (Lourenco, Martin & Stuetzle, "Iterated local search",
    Handbook of Metaheuristics, 2003) over the neighbourhoods above.
    """
    p = problem
    q = np.ascontiguousarray(1.0 - p.pk)
    tol = _EPS_REL * max(float(p.values.sum()), 1e-300)
    x = _descent(p, x0, max_steps)
    fx = _value(p.values, q, x)
    if pool is not None:
        pool.append(x)
    for k in range(default_kicks(p) if kicks is None else kicks):
        multi = bool((x > 1).any())
        xk = assignment_exchange(p, x, k // 2 if multi else k, multi and k % 2 == 1, kick=True)
        xk = _descent(p, xk, max_steps)
        fk = _value(p.values, q, xk)
        if pool is not None:
            pool.append(xk)
        if fk < fx - tol:
            x, fx = xk, fk
    return x
