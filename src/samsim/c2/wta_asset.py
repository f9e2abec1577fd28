"""Asset-based WTA: expected loss of defended asset value, and its greedy and heuristic.

Asset k survives with P_k = prod_j (1 - pi_jk s_j); the loss sum_k w_k (1 - P_k) is linear
in each threat's survival s_j, so single-threat changes are scored exactly by the
linearised threat value D_j = sum_k w_k pi_jk prod_{j' != j} (1 - pi_j'k s_j').
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from samsim.c2.wta_core import Problem
from samsim.c2.wta_heuristic import (
    _group_apply,
    _group_move_ok,
    _group_state,
    _surv,
    _surv_change,
    solve_heuristic,
)

_EPS_REL = 1e-12


def asset_survival(pi: NDArray[np.float64], s: NDArray[np.float64]) -> NDArray[np.float64]:
    """P_k = prod_j (1 - pi_jk s_j): probability each asset survives, shape (A,)."""
    return np.asarray(np.prod(1.0 - pi * s[:, None], axis=0), dtype=np.float64)


def expected_loss(w: NDArray[np.float64], pi: NDArray[np.float64], s: NDArray[np.float64]) -> float:
    """L = sum_k w_k (1 - prod_j (1 - pi_jk s_j)), expected asset value lost."""
    return float(np.sum(w * (1.0 - asset_survival(pi, s))))


@njit(cache=True)
def _asset_state(
    pi: NDArray[np.float64], s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    n_t, n_a = pi.shape
    anz = np.ones(n_a)
    az = np.zeros(n_a, np.int64)
    for k in range(n_a):
        for j in range(n_t):
            f = 1.0 - pi[j, k] * s[j]
            if f == 0.0:
                az[k] += 1
            else:
                anz[k] *= f
    return anz, az


@njit(cache=True)
def _without(anz: float, az: int, f1: float, f2: float) -> float:
    """Product of the other factors after dividing out f1 and f2 (f2 < 0: none)."""
    if f1 == 0.0:
        az -= 1
    else:
        anz /= f1
    if f2 >= 0.0:
        if f2 == 0.0:
            az -= 1
        else:
            anz /= f2
    return anz if az == 0 else 0.0


@njit(cache=True)
def _delta_value(
    w: NDArray[np.float64],
    pi: NDArray[np.float64],
    anz: NDArray[np.float64],
    az: NDArray[np.int64],
    s: NDArray[np.float64],
    j: int,
    sj_new: float,
    k: int,
    sk_new: float,
) -> float:
    """Change of expected surviving asset value when s_j -> sj_new and s_k -> sk_new
    (k < 0: only j changes). Exact: P_m is bilinear in (s_j, s_k)."""
    out = 0.0
    for m in range(w.size):
        pj = pi[j, m]
        pk_ = pi[k, m] if k >= 0 else 0.0
        if pj == 0.0 and pk_ == 0.0:
            continue
        fj = 1.0 - pj * s[j]
        if k >= 0:
            fk = 1.0 - pk_ * s[k]
            rest = _without(anz[m], az[m], fj, fk)
            out += w[m] * rest * ((1.0 - pj * sj_new) * (1.0 - pk_ * sk_new) - fj * fk)
        else:
            rest = _without(anz[m], az[m], fj, -1.0)
            out += w[m] * rest * ((1.0 - pj * sj_new) - fj)
    return out


@njit(cache=True)
def _refresh(
    pi: NDArray[np.float64],
    s: NDArray[np.float64],
    anz: NDArray[np.float64],
    az: NDArray[np.int64],
    j: int,
) -> None:
    """Recompute the products of the assets threat j attacks."""
    n_t = pi.shape[0]
    for m in range(anz.size):
        if pi[j, m] == 0.0:
            continue
        anz[m] = 1.0
        az[m] = 0
        for jj in range(n_t):
            f = 1.0 - pi[jj, m] * s[jj]
            if f == 0.0:
                az[m] += 1
            else:
                anz[m] *= f


@njit(cache=True)
def _asset_greedy(
    w: NDArray[np.float64],
    pi: NDArray[np.float64],
    q: NDArray[np.float64],
    pair_cap: NDArray[np.int64],
    rounds: NDArray[np.int64],
    target_cap: NDArray[np.int64],
    channel_cap: NDArray[np.int64],
    group: NDArray[np.int64],
    group_rounds: NDArray[np.int64],
    group_channels: NDArray[np.int64],
) -> NDArray[np.int64]:
    n_w, n_t = q.shape
    x = np.zeros((n_w, n_t), np.int64)
    gx, gused, gnch = _group_state(x, group, group_rounds.size)
    s = np.ones(n_t)
    cnt = np.zeros(n_t, np.int64)
    used = np.zeros(n_w, np.int64)
    nch = np.zeros(n_w, np.int64)
    anz, az = _asset_state(pi, s)
    d = np.zeros(n_t)
    while True:
        # linearised value of each threat: exact for a change of one threat
        for j in range(n_t):
            d[j] = _delta_value(w, pi, anz, az, s, j, 0.0, -1, 0.0)
        best = 0.0
        bi = -1
        bj = -1
        for i in range(n_w):
            g = group[i]
            if used[i] >= rounds[i] or gused[g] >= group_rounds[g]:
                continue
            for j in range(n_t):
                if x[i, j] >= pair_cap[i, j] or cnt[j] >= target_cap[j]:
                    continue
                if x[i, j] == 0 and nch[i] >= channel_cap[i]:
                    continue
                if gx[g, j] == 0 and gnch[g] >= group_channels[g]:
                    continue
                # d_j is the gain of s_j -> 0; L is linear in s_j, so a missile gains d_j p_ij
                gain = d[j] * (1.0 - q[i, j])
                if gain > best:
                    best = gain
                    bi = i
                    bj = j
        if bi < 0:
            break
        if x[bi, bj] == 0:
            nch[bi] += 1
        x[bi, bj] += 1
        used[bi] += 1
        cnt[bj] += 1
        s[bj] *= q[bi, bj]
        _group_apply(gx, gused, gnch, group[bi], bj, 1)
        _refresh(pi, s, anz, az, bj)
    return x


@njit(cache=True)
def _asset_local_search(
    w: NDArray[np.float64],
    pi: NDArray[np.float64],
    q: NDArray[np.float64],
    pair_cap: NDArray[np.int64],
    rounds: NDArray[np.int64],
    target_cap: NDArray[np.int64],
    channel_cap: NDArray[np.int64],
    group: NDArray[np.int64],
    group_rounds: NDArray[np.int64],
    group_channels: NDArray[np.int64],
    x_in: NDArray[np.int64],
    max_passes: int,
) -> NDArray[np.int64]:
    x = x_in.copy()
    gx, gused, gnch = _group_state(x, group, group_rounds.size)
    n_w, n_t = q.shape
    snz = np.ones(n_t)
    n0 = np.zeros(n_t, np.int64)
    cnt = np.zeros(n_t, np.int64)
    used = np.zeros(n_w, np.int64)
    nch = np.zeros(n_w, np.int64)
    for i in range(n_w):
        for j in range(n_t):
            if x[i, j] > 0:
                cnt[j] += x[i, j]
                used[i] += x[i, j]
                nch[i] += 1
                if q[i, j] == 0.0:
                    n0[j] += x[i, j]
                else:
                    snz[j] *= q[i, j] ** x[i, j]
    s = np.empty(n_t)
    for j in range(n_t):
        s[j] = _surv(snz[j], n0[j])
    anz, az = _asset_state(pi, s)
    tol = _EPS_REL * max(w.sum(), 1e-300)
    for _ in range(max_passes):
        improved = False
        for i in range(n_w):
            g = group[i]
            # additions of unused rounds
            while used[i] < rounds[i] and gused[g] < group_rounds[g]:
                best = tol
                bk = -1
                for k in range(n_t):
                    if x[i, k] >= pair_cap[i, k] or cnt[k] >= target_cap[k]:
                        continue
                    if x[i, k] == 0 and nch[i] >= channel_cap[i]:
                        continue
                    if gx[g, k] == 0 and gnch[g] >= group_channels[g]:
                        continue
                    gain = _delta_value(w, pi, anz, az, s, k, s[k] * q[i, k], -1, 0.0)
                    if gain > best:
                        best = gain
                        bk = k
                if bk < 0:
                    break
                if x[i, bk] == 0:
                    nch[i] += 1
                x[i, bk] += 1
                used[i] += 1
                cnt[bk] += 1
                _group_apply(gx, gused, gnch, g, bk, 1)
                snz[bk] = snz[bk] * q[i, bk] if q[i, bk] > 0 else snz[bk]
                n0[bk] += 1 if q[i, bk] == 0 else 0
                s[bk] = _surv(snz[bk], n0[bk])
                _refresh(pi, s, anz, az, bk)
                improved = True
            # relocations
            for j in range(n_t):
                if x[i, j] == 0:
                    continue
                sj_new = _surv_change(snz[j], n0[j], q[i, j], -1.0)
                best = tol
                bk = -1
                for k in range(n_t):
                    if k == j or x[i, k] >= pair_cap[i, k] or cnt[k] >= target_cap[k]:
                        continue
                    if x[i, k] == 0 and nch[i] - (1 if x[i, j] == 1 else 0) >= channel_cap[i]:
                        continue
                    if not _group_move_ok(gx, gnch, group_channels, g, j, k):
                        continue
                    gain = _delta_value(w, pi, anz, az, s, j, sj_new, k, s[k] * q[i, k])
                    if gain > best:
                        best = gain
                        bk = k
                if bk >= 0:
                    k = bk
                    _group_apply(gx, gused, gnch, g, j, -1)
                    _group_apply(gx, gused, gnch, g, k, 1)
                    x[i, j] -= 1
                    if x[i, j] == 0:
                        nch[i] -= 1
                    if x[i, k] == 0:
                        nch[i] += 1
                    x[i, k] += 1
                    cnt[j] -= 1
                    cnt[k] += 1
                    for t in (j, k):
                        snz[t] = 1.0
                        n0[t] = 0
                        for ii in range(n_w):
                            if x[ii, t] > 0:
                                if q[ii, t] == 0.0:
                                    n0[t] += x[ii, t]
                                else:
                                    snz[t] *= q[ii, t] ** x[ii, t]
                        s[t] = _surv(snz[t], n0[t])
                        _refresh(pi, s, anz, az, t)
                    improved = True
        # swaps
        for i in range(n_w):
            g = group[i]
            for j in range(n_t):
                if x[i, j] == 0:
                    continue
                done = False
                for i2 in range(n_w):
                    if i2 == i or done:
                        continue
                    g2 = group[i2]
                    for k in range(n_t):
                        if k == j or x[i2, k] == 0 or x[i, j] == 0:
                            continue
                        if x[i, k] >= pair_cap[i, k] or x[i2, j] >= pair_cap[i2, j]:
                            continue
                        if (
                            nch[i] - (1 if x[i, j] == 1 else 0) + (1 if x[i, k] == 0 else 0)
                            > channel_cap[i]
                        ):
                            continue
                        if (
                            nch[i2] - (1 if x[i2, k] == 1 else 0) + (1 if x[i2, j] == 0 else 0)
                            > channel_cap[i2]
                        ):
                            continue
                        if g != g2 and not (
                            _group_move_ok(gx, gnch, group_channels, g, j, k)
                            and _group_move_ok(gx, gnch, group_channels, g2, k, j)
                        ):
                            continue
                        sj = _surv_change(snz[j], n0[j], q[i, j], q[i2, j])
                        sk = _surv_change(snz[k], n0[k], q[i2, k], q[i, k])
                        gain = _delta_value(w, pi, anz, az, s, j, sj, k, sk)
                        if gain > tol:
                            for gg, jj, dd in ((g, k, 1), (g2, j, 1), (g, j, -1), (g2, k, -1)):
                                _group_apply(gx, gused, gnch, gg, jj, dd)
                            for ii, jj, dd in ((i, j, -1), (i, k, 1), (i2, k, -1), (i2, j, 1)):
                                if dd < 0 and x[ii, jj] == 1:
                                    nch[ii] -= 1
                                if dd > 0 and x[ii, jj] == 0:
                                    nch[ii] += 1
                                x[ii, jj] += dd
                            for t in (j, k):
                                snz[t] = 1.0
                                n0[t] = 0
                                for ii in range(n_w):
                                    if x[ii, t] > 0:
                                        if q[ii, t] == 0.0:
                                            n0[t] += x[ii, t]
                                        else:
                                            snz[t] *= q[ii, t] ** x[ii, t]
                                s[t] = _surv(snz[t], n0[t])
                                _refresh(pi, s, anz, az, t)
                            improved = True
                            done = True
                            break
        if not improved:
            break
    return x


_I64 = NDArray[np.int64]


def _args(problem: Problem) -> tuple[NDArray[np.float64], _I64, _I64, _I64, _I64, _I64, _I64, _I64]:
    p = problem
    return (np.ascontiguousarray(1.0 - p.pk), *p.limits())


def asset_greedy(
    problem: Problem, w: NDArray[np.float64], pi: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Maximum marginal reduction of expected asset loss.

    Notes
    -----
    Adding one missile (i, j) changes only s_j, and L is linear in s_j, so its gain is
    D_j p_ij exactly, with D_j = sum_k w_k pi_jk prod_{j' != j} (1 - pi_j'k s_j') the
    value of threat j given the others (Hosein & Athans 1990, the asset-based MMR).
    """
    return np.asarray(_asset_greedy(w, np.ascontiguousarray(pi), *_args(problem)), dtype=np.int64)


def linearised_values(
    w: NDArray[np.float64], pi: NDArray[np.float64], s: NDArray[np.float64]
) -> NDArray[np.float64]:
    """D_j = sum_k w_k pi_jk prod_{j' != j} (1 - pi_j'k s_j') (= -dL/ds_j), shape (T,).

    The product over the other threats is a prefix product times a suffix product, so
    no division (factors may be 0).
    """
    f = 1.0 - pi * s[:, None]
    ones = np.ones((1, f.shape[1]))
    before = np.cumprod(np.vstack([ones, f[:-1]]), axis=0)
    after = np.cumprod(np.vstack([ones, f[::-1][:-1]]), axis=0)[::-1]
    return np.asarray((pi * before * after) @ w, dtype=np.float64)


def asset_heuristic(
    problem: Problem,
    w: NDArray[np.float64],
    pi: NDArray[np.float64],
    x0: NDArray[np.int64],
    max_rounds: int = 20,
) -> NDArray[np.int64]:
    """Improve ``x0`` on the exact asset objective; never worse than ``x0``.

    Alternates (1) relocations, swaps and additions scored exactly on L, and (2) the
    target-based very large-scale neighbourhood search with threat values frozen at the
    linearisation D_j(x), accepting its result only if it lowers the true L.
    """
    pi = np.ascontiguousarray(pi)
    args = _args(problem)
    q = args[0]

    def loss(x: NDArray[np.int64]) -> float:
        return expected_loss(w, pi, np.prod(q**x, axis=0))

    tol = _EPS_REL * max(float(w.sum()), 1e-300)
    x = np.asarray(_asset_local_search(w, pi, *args, x0, 1000), dtype=np.int64)
    fx = loss(x)
    for _ in range(max_rounds):
        d = linearised_values(w, pi, np.prod(q**x, axis=0))
        lin = problem.with_values(d)
        x_try = solve_heuristic(lin, x)
        x_try = np.asarray(_asset_local_search(w, pi, *args, x_try, 1000), dtype=np.int64)
        f_try = loss(x_try)
        if f_try < fx - tol:
            x, fx = x_try, f_try
        else:
            break
    return x
