"""Asset-based WTA: expected loss of defended asset value, and its greedy and heuristic.

Asset k survives with P_k = prod_j (1 - pi_jk s_j); the loss sum_k w_k (1 - P_k) is linear
in each threat's survival s_j, so single-threat changes are scored exactly by the
linearised threat value D_j = sum_k w_k pi_jk prod_{j' != j} (1 - pi_j'k s_j').
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from samsim.c2.wta_core import Problem
from samsim.c2.wta_heuristic import solve_heuristic
from samsim.c2.wta_moves import (
    Limits,
    add_round,
    best_addition,
    can_add,
    can_relocate,
    can_swap,
    counts,
    has_round,
    recompute,
    relocate,
    surv,
    surv_change,
    survivals,
    swap,
)
from samsim.jit import njit

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
    lim: Limits,
) -> NDArray[np.int64]:
    n_t = q.shape[1]
    group = lim[4]
    x = np.zeros(q.shape, np.int64)
    c = counts(x, group, lim[5].size)
    used, cnt, nch, gx, gused, gnch = c
    s = np.ones(n_t)
    anz, az = _asset_state(pi, s)
    d = np.zeros(n_t)
    while True:
        # linearised value of each threat: exact for a change of one threat; L is linear
        # in s_j, so a missile (i, j) gains d_j p_ij
        for j in range(n_t):
            d[j] = _delta_value(w, pi, anz, az, s, j, 0.0, -1, 0.0)
        bi, bj = best_addition(d, q, x, c, lim)
        if bi < 0:
            break
        add_round(x, used, cnt, nch, gx, gused, gnch, bi, group[bi], bj)
        s[bj] *= q[bi, bj]
        _refresh(pi, s, anz, az, bj)
    return x


@njit(cache=True)
def _asset_local_search(
    w: NDArray[np.float64],
    pi: NDArray[np.float64],
    q: NDArray[np.float64],
    lim: Limits,
    x_in: NDArray[np.int64],
    max_passes: int,
) -> NDArray[np.int64]:
    n_w, n_t = q.shape
    pc, rounds, tc, cc, group, group_rounds, gc = lim
    x = x_in.copy()
    used, cnt, nch, gx, gused, gnch = counts(x, group, group_rounds.size)
    snz, n0 = survivals(q, x)
    s = np.empty(n_t)
    for j in range(n_t):
        s[j] = surv(snz[j], n0[j])
    anz, az = _asset_state(pi, s)
    tol = _EPS_REL * max(w.sum(), 1e-300)
    for _ in range(max_passes):
        improved = False
        for i in range(n_w):
            g = group[i]
            # additions of unused rounds
            while has_round(used, gused, rounds, group_rounds, i, g):
                best = tol
                bk = -1
                for k in range(n_t):
                    if not can_add(x, cnt, nch, gx, gnch, pc, tc, cc, gc, i, g, k):
                        continue
                    gain = _delta_value(w, pi, anz, az, s, k, s[k] * q[i, k], -1, 0.0)
                    if gain > best:
                        best = gain
                        bk = k
                if bk < 0:
                    break
                add_round(x, used, cnt, nch, gx, gused, gnch, i, g, bk)
                snz[bk] = snz[bk] * q[i, bk] if q[i, bk] > 0 else snz[bk]
                n0[bk] += 1 if q[i, bk] == 0 else 0
                s[bk] = surv(snz[bk], n0[bk])
                _refresh(pi, s, anz, az, bk)
                improved = True
            # relocations
            for j in range(n_t):
                if x[i, j] == 0:
                    continue
                sj_new = surv_change(snz[j], n0[j], q[i, j], -1.0)
                best = tol
                bk = -1
                for k in range(n_t):
                    if not can_relocate(x, cnt, nch, gx, gnch, pc, tc, cc, gc, i, g, j, k):
                        continue
                    gain = _delta_value(w, pi, anz, az, s, j, sj_new, k, s[k] * q[i, k])
                    if gain > best:
                        best = gain
                        bk = k
                if bk >= 0:
                    relocate(x, cnt, nch, gx, gused, gnch, i, g, j, bk)
                    _update(q, x, snz, n0, s, pi, anz, az, j, bk)
                    improved = True
        # swaps
        for i in range(n_w):
            for j in range(n_t):
                if x[i, j] == 0:
                    continue
                done = False
                for i2 in range(n_w):
                    if done:
                        continue
                    g, g2 = group[i], group[i2]
                    for k in range(n_t):
                        # most (i2, k) hold no round: skip them before the full check
                        if x[i2, k] == 0 or not can_swap(
                            x, nch, gx, gnch, pc, cc, gc, i, g, j, i2, g2, k
                        ):
                            continue
                        sj = surv_change(snz[j], n0[j], q[i, j], q[i2, j])
                        sk = surv_change(snz[k], n0[k], q[i2, k], q[i, k])
                        gain = _delta_value(w, pi, anz, az, s, j, sj, k, sk)
                        if gain > tol:
                            swap(x, nch, gx, gused, gnch, i, g, j, i2, g2, k)
                            _update(q, x, snz, n0, s, pi, anz, az, j, k)
                            improved = True
                            done = True
                            break
        if not improved:
            break
    return x


@njit(cache=True)
def _update(
    q: NDArray[np.float64],
    x: NDArray[np.int64],
    snz: NDArray[np.float64],
    n0: NDArray[np.int64],
    s: NDArray[np.float64],
    pi: NDArray[np.float64],
    anz: NDArray[np.float64],
    az: NDArray[np.int64],
    j: int,
    k: int,
) -> None:
    """Recompute the survival of targets j and k after a move, and the products of the
    assets they attack (in that order, as a move's scoring assumed)."""
    for t in (j, k):
        snz[t], n0[t] = recompute(q, x, t)
        s[t] = surv(snz[t], n0[t])
        _refresh(pi, s, anz, az, t)


def _args(problem: Problem) -> tuple[NDArray[np.float64], Limits]:
    p = problem
    return np.ascontiguousarray(1.0 - p.pk), p.limits()


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
