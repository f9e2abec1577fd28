"""Exact target-based WTA: outer approximation with lazily added cuts on a HiGHS MILP.

The nonlinear objective sum_j V_j prod_i (1 - p_ij)^x_ij is replaced by one continuous
variable z_j per target, bounded below by linear cuts that are exact at the integer point
where they are generated; ``scipy.optimize.milp`` (HiGHS) solves the MILP, cuts are added
at its solution, and the loop repeats until the true value meets the proven bound.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse import coo_array, csr_array, vstack

from samsim.c2.wta_core import LOG_Q_FLOOR, Problem
from samsim.c2.wta_heuristic import local_search

#: Differences below ABS_TOL * sum(values) count as zero gap (an optimum near 0).
ABS_TOL = 1e-10

#: Cut families. "tangent": tangents of exp in y_j = sum_i x_ij ln(1 - p_ij) (classic OA);
#: "union": monotone union-bound cuts (exact marginals for added missiles).
CUT_FAMILIES = ("tangent", "union")


@dataclass
class ExactOutcome:
    """What the outer-approximation loop reached."""

    x: NDArray[np.int64]
    upper: float
    lower: float
    status: str
    iterations: int = 0
    n_cuts: int = 0
    history: list[tuple[float, float, float]] = field(default_factory=list)


class _Model:
    """The MILP over active pairs (p_ij > 0, V_j > 0, cap_ij > 0).

    Columns: for each pair, either one integer x_ij in [0, u_ij], or, when
    2 <= u_ij <= ``unary_max``, u_ij binaries w_ijr = [x_ij >= r] (unary encoding,
    x_ij = sum_r w_ijr, w_ij1 >= w_ij2 >= ...); then one z_j per target; then a binary
    "engages" e_ij for integer pairs of channel-limited types (unary pairs use w_ij1).
    """

    def __init__(self, problem: Problem, families: tuple[str, ...], unary_max: int = 0) -> None:
        p = problem
        self.p = p
        self.families = families
        q = 1.0 - p.pk
        active = (p.pair_cap > 0) & (p.pk > 0) & (p.values > 0)[None, :]
        self.pi, self.pj = np.nonzero(active)  # sorted by type, then target
        k = self.pi.size
        self.k = k
        self.q = q[self.pi, self.pj]
        self.a = np.maximum(np.log(np.maximum(self.q, 1e-300)), LOG_Q_FLOOR)
        self.u = p.pair_cap[self.pi, self.pj].astype(np.int64)
        self.unary = self.u <= max(unary_max, 1)  # u = 1: the binary x is its own unary
        self.width = np.where(self.unary, self.u, 1)
        self.start = np.concatenate([[0], np.cumsum(self.width)[:-1]]).astype(np.int64)
        n_x = int(self.width.sum())
        self.n_x = n_x
        self.col_pair = np.repeat(np.arange(k), self.width)
        self.col_level = np.arange(n_x) - self.start[self.col_pair] + 1  # r = 1..u (unary)
        self.col_ub = np.where(self.unary[self.col_pair], 1.0, self.u[self.col_pair])
        self.targets = np.unique(self.pj)
        self.n_t = p.n_targets
        order = np.argsort(self.pj, kind="stable")
        cuts_at = np.searchsorted(self.pj[order], np.arange(self.n_t + 1))
        self.by_target = [order[cuts_at[j] : cuts_at[j + 1]] for j in range(self.n_t)]
        # channel-limited types need an "engages" indicator per pair
        n_act_targets = np.bincount(self.pi, minlength=p.n_types)
        self.chan = (n_act_targets > p.channel_cap) & (p.rounds > p.channel_cap)
        self.e_pairs = np.flatnonzero(self.chan[self.pi] & ~self.unary)
        self.col_z = n_x
        self.col_e = n_x + self.n_t
        self._groups()
        self.col_ge = self.col_e + self.e_pairs.size
        self.n_col = n_x + self.n_t + self.e_pairs.size + self.ge_group.size
        self._static()
        self.cut_rows: list[int] = []
        self.cut_cols: list[int] = []
        self.cut_vals: list[float] = []
        self.cut_lb: list[float] = []
        self.n_cuts = 0
        self._seen: set[tuple[int, bytes, str]] = set()

    def _groups(self) -> None:
        """Which grouped limits can bind beyond the per-type ones, and the group-engages
        indicators e_gj (one per group and target it can reach) they need."""
        p = self.p
        g_of = p.group[self.pi]
        reach_missiles = np.bincount(g_of, weights=self.u, minlength=p.n_groups)
        implied = np.bincount(p.group, weights=p.rounds, minlength=p.n_groups)
        self.g_rounds_bind = np.flatnonzero(
            (reach_missiles > p.group_rounds) & (implied > p.group_rounds)
        )
        gt = np.unique(g_of * self.n_t + self.pj)  # (group, target) pairs reachable
        n_targets_g = np.bincount(gt // self.n_t, minlength=p.n_groups)
        per_type = np.minimum(np.bincount(self.pi, minlength=p.n_types), p.channel_cap)
        implied_ch = np.bincount(p.group, weights=per_type, minlength=p.n_groups)
        bind = (
            (n_targets_g > p.group_channels)
            & (p.group_rounds > p.group_channels)
            & (implied_ch > p.group_channels)
        )
        self.g_chan_bind = np.flatnonzero(bind)
        sel = bind[gt // self.n_t]
        self.ge_group = gt[sel] // self.n_t
        self.ge_target = gt[sel] % self.n_t
        self._ge_key = gt[sel]

    def _static(self) -> None:
        p = self.p
        rows: list[NDArray[np.int64]] = []
        cols: list[NDArray[np.int64]] = []
        vals: list[NDArray[np.float64]] = []
        ub: list[NDArray[np.float64]] = []
        r0 = 0
        col_type = self.pi[self.col_pair]
        col_target = self.pj[self.col_pair]
        x_cols = np.arange(self.n_x)
        # rounds per type, missiles per target (only where they can bind)
        for owner, n_owner, cap in (
            (col_type, p.n_types, p.rounds),
            (col_target, self.n_t, p.target_cap),
        ):
            reach = np.bincount(owner, weights=self.col_ub, minlength=n_owner)
            bind = np.flatnonzero(reach > cap)
            if bind.size:
                row_of = np.full(n_owner, -1)
                row_of[bind] = np.arange(bind.size) + r0
                sel = np.flatnonzero(row_of[owner] >= 0)
                rows.append(row_of[owner[sel]])
                cols.append(x_cols[sel])
                vals.append(np.ones(sel.size))
                ub.append(cap[bind].astype(float))
                r0 += bind.size
        # unary order: w_ijr <= w_ij(r-1)
        later = np.flatnonzero(self.unary[self.col_pair] & (self.col_level >= 2))
        if later.size:
            rr = r0 + np.arange(later.size)
            rows += [rr, rr]
            cols += [later, later - 1]
            vals += [np.ones(later.size), -np.ones(later.size)]
            ub.append(np.zeros(later.size))
            r0 += later.size
        # fire-control target channels: sum_j engages_ij <= c_i
        ch_pairs = np.flatnonzero(self.chan[self.pi])
        if ch_pairs.size:
            engage = np.empty(self.k, np.int64)
            engage[self.unary] = self.start[self.unary]
            engage[self.e_pairs] = self.col_e + np.arange(self.e_pairs.size)
            if self.e_pairs.size:  # x_ij - u_ij e_ij <= 0
                rr = r0 + np.arange(self.e_pairs.size)
                rows += [rr, rr]
                cols += [self.start[self.e_pairs], engage[self.e_pairs]]
                vals += [np.ones(self.e_pairs.size), -self.u[self.e_pairs].astype(float)]
                ub.append(np.zeros(self.e_pairs.size))
                r0 += self.e_pairs.size
            types = np.flatnonzero(self.chan)
            row_of = np.full(p.n_types, -1)
            row_of[types] = np.arange(types.size) + r0
            rows.append(row_of[self.pi[ch_pairs]])
            cols.append(engage[ch_pairs])
            vals.append(np.ones(ch_pairs.size))
            ub.append(p.channel_cap[types].astype(float))
            r0 += types.size
        # grouped missile limits: sum over the group's pairs of x_ij <= M_g
        if self.g_rounds_bind.size:
            g_row = np.full(p.n_groups, -1)
            g_row[self.g_rounds_bind] = r0 + np.arange(self.g_rounds_bind.size)
            row_of = g_row[p.group[col_type]]
            sel = np.flatnonzero(row_of >= 0)
            rows.append(row_of[sel])
            cols.append(x_cols[sel])
            vals.append(np.ones(sel.size))
            ub.append(p.group_rounds[self.g_rounds_bind].astype(float))
            r0 += self.g_rounds_bind.size
        # grouped target channels: x_ij - u_ij e_g(i)j <= 0 (first unary level - e <= 0),
        # sum_j e_gj <= C_g
        if self.ge_group.size:
            key = p.group[self.pi] * self.n_t + self.pj
            pos = np.searchsorted(self._ge_key, key)
            pos = np.minimum(pos, self._ge_key.size - 1)
            pairs = np.flatnonzero(self._ge_key[pos] == key)
            rr = r0 + np.arange(pairs.size)
            rows += [rr, rr]
            cols += [self.start[pairs], self.col_ge + pos[pairs]]
            coef = np.where(self.unary[pairs], 1.0, self.u[pairs].astype(float))
            vals += [np.ones(pairs.size), -coef]
            ub.append(np.zeros(pairs.size))
            r0 += pairs.size
            g_row = np.full(p.n_groups, -1)
            g_row[self.g_chan_bind] = r0 + np.arange(self.g_chan_bind.size)
            rows.append(g_row[self.ge_group])
            cols.append(self.col_ge + np.arange(self.ge_group.size))
            vals.append(np.ones(self.ge_group.size))
            ub.append(p.group_channels[self.g_chan_bind].astype(float))
            r0 += self.g_chan_bind.size
        self.n_static = r0
        if r0:
            self.static = csr_array(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                shape=(r0, self.n_col),
            )
            self.static_ub = np.concatenate(ub)
        else:
            self.static = csr_array((0, self.n_col))
            self.static_ub = np.zeros(0)

    def _pair_cols(self, idx: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Columns of the pairs ``idx`` and, for each column, its position in ``idx``."""
        w = self.width[idx]
        pos = np.repeat(np.arange(idx.size), w)
        cols = self.start[idx][pos] + (np.arange(int(w.sum())) - np.repeat(np.cumsum(w) - w, w))
        return cols, pos

    def add_cuts(self, j: int, s: NDArray[np.int64]) -> int:
        """Add the cuts of target j at the integer point s (counts of its active pairs)."""
        idx = self.by_target[j]
        if idx.size == 0:
            return 0
        v = float(self.p.values[j])
        q = self.q[idx]
        f = float(np.prod(q**s))
        key = s.astype(np.int64).tobytes()
        before = self.n_cuts
        if "union" in self.families and f > 0.0 and (j, key, "u") not in self._seen:
            self._seen.add((j, key, "u"))
            cols, pos = self._pair_cols(idx)
            level = self.col_level[cols]
            unary = self.unary[idx][pos]
            # unary: the exact increment p q^(r-1-s) of level r above s; integer: a slope
            inc = np.where(
                level > s[pos], (1.0 - q[pos]) * q[pos] ** np.maximum(level - 1 - s[pos], 0), 0.0
            )
            slope = union_coefficients(q, self.u[idx], s)[pos]
            c = np.where(unary, inc, slope)
            nz = np.flatnonzero(c > 0)
            self._row(j, cols[nz], v * f * c[nz], v * f)
        if "tangent" in self.families and (j, key, "t") not in self._seen:
            self._seen.add((j, key, "t"))
            self.add_tangent(j, float(self.a[idx] @ s))
        return self.n_cuts - before

    def add_tangent(self, j: int, t: float) -> None:
        """z_j >= V_j e^t (1 + y_j - t), y_j = sum_i a_ij x_ij (tangent of V_j e^y at t)."""
        idx = self.by_target[j]
        v = float(self.p.values[j])
        e = np.exp(t)
        cols, pos = self._pair_cols(idx)
        self._row(j, cols, -v * e * self.a[idx][pos], v * e * (1.0 - t))

    def _row(self, j: int, cols: NDArray[np.int64], vals: NDArray[np.float64], lb: float) -> None:
        """Append the cut z_j + vals . columns >= lb."""
        self.cut_rows += [self.n_cuts] * (cols.size + 1)
        self.cut_cols += [*cols.tolist(), self.col_z + j]
        self.cut_vals += [*vals.tolist(), 1.0]
        self.cut_lb.append(lb)
        self.n_cuts += 1

    def solve(
        self, gap: float, time_limit_s: float | None, extra: dict[str, float] | None = None
    ) -> OptimizeResult:
        p = self.p
        cuts = coo_array(
            (self.cut_vals, (self.cut_rows, self.cut_cols)), shape=(self.n_cuts, self.n_col)
        ).tocsr()
        a_mat = vstack([self.static, cuts]).tocsr()
        lo = np.concatenate([np.full(self.n_static, -np.inf), self.cut_lb])
        hi = np.concatenate([self.static_ub, np.full(self.n_cuts, np.inf)])
        cost = np.zeros(self.n_col)
        cost[self.col_z : self.col_z + self.n_t] = 1.0
        lb = np.zeros(self.n_col)
        ub = np.concatenate(
            [self.col_ub, p.values, np.ones(self.e_pairs.size), np.ones(self.ge_group.size)]
        )
        # targets with no active pair keep their whole value
        idle = np.ones(self.n_t, bool)
        idle[self.targets] = False
        lb[self.col_z : self.col_z + self.n_t][idle] = p.values[idle]
        integrality = np.ones(self.n_col)
        integrality[self.col_z : self.col_z + self.n_t] = 0
        options: dict[str, float | bool] = {"mip_rel_gap": gap, "disp": False}
        if time_limit_s is not None:
            options["time_limit"] = max(time_limit_s, 0.01)
        options.update(extra or {})
        with warnings.catch_warnings():
            # scipy passes HiGHS options it does not know verbatim, with a warning
            warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
            return milp(
                cost,
                constraints=LinearConstraint(a_mat, lo, hi) if a_mat.shape[0] else None,
                integrality=integrality,
                bounds=Bounds(lb, ub),
                options=options,
            )

    def counts(self, columns: NDArray[np.float64]) -> NDArray[np.int64]:
        """Missile count of each pair from a MILP solution."""
        w = np.round(columns[: self.n_x])
        return np.bincount(self.col_pair, weights=w, minlength=self.k).astype(np.int64)

    def to_matrix(self, xk: NDArray[np.int64]) -> NDArray[np.int64]:
        x = np.zeros(self.p.pk.shape, np.int64)
        x[self.pi, self.pj] = xk
        return x

    def from_matrix(self, x: NDArray[np.int64]) -> NDArray[np.int64]:
        return np.asarray(x[self.pi, self.pj], dtype=np.int64)


def union_coefficients(
    q: NDArray[np.float64], u: NDArray[np.int64], s: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Slopes c_i of the union-bound cut at s: max over x = 1..u_i of (1 - q_i^(x-s_i)+)/x.

    Notes
    -----
    For any integer x in the box, monotonicity and the union (Bonferroni) bound give
    prod_i q_i^x_i >= prod_i q_i^max(x_i, s_i) = f(s) prod_i q_i^(x_i - s_i)+
    >= f(s) (1 - sum_i (1 - q_i^(x_i - s_i)+)) >= f(s) (1 - sum_i c_i x_i),
    the last step because 1 - q^(x-s)+ is 0 at x = 0 and at most c_i x for x in 1..u_i.
    With s_i = 0 the slope is p_i: one more missile removes exactly p_i f(s), where the
    tangent of exp removes -ln(1 - p_i) f(s) (2.3 f(s) at p = 0.9).
    """
    out = np.zeros(q.size)
    umax = int(u.max(initial=0))
    for x in range(1, umax + 1):
        val = (1.0 - q ** np.maximum(x - s, 0)) / x
        out = np.where(x <= u, np.maximum(out, val), out)
    return out


def _limit_status(res: OptimizeResult, time_limit_s: float | None) -> str:
    """Which budget stopped a MILP solve: the wall clock or the node limit."""
    message = str(getattr(res, "message", "")).lower()
    return "time_limit" if time_limit_s is not None and "time" in message else "node_limit"


def solve_exact(
    problem: Problem,
    x_start: NDArray[np.int64],
    *,
    rel_gap: float = 1e-6,
    time_limit_s: float | None = None,
    families: tuple[str, ...] = CUT_FAMILIES,
    tangent_step: float = 2.0,
    tangent_floor: float = -6.0,
    unary_max: int = 0,
    max_iterations: int = 200,
    highs_options: dict[str, float] | None = None,
    seed_points: list[NDArray[np.int64]] | None = None,
) -> ExactOutcome:
    """Outer-approximation loop; see :func:`samsim.c2.wta.solve` for the method.

    Parameters
    ----------
    problem : Problem
        Validated instance.
    x_start : ndarray of int64, shape (W, T)
        A feasible assignment (the heuristic's): first upper bound and first cut points.
    rel_gap : float
        Stop when (upper - lower) / upper <= rel_gap.
    time_limit_s : float or None
        Wall-clock budget for the whole loop.
    families : tuple of str
        Cut families to use (see :data:`CUT_FAMILIES`); the benchmark compares them.
    tangent_step, tangent_floor : float
        Initial tangents of V_j e^y at y = 0, -step, ..., down to max(floor, y_min_j).
    unary_max : int
        Encode x_ij in unary binaries when its cap is at most this (0: never). The union
        cut is then exact along every single-type increase, but HiGHS solves the larger
        model 3-4 times slower on the APT instances, so the default is integer x_ij.
    max_iterations : int
        Most MILP solves.
    highs_options : dict, optional
        Extra HiGHS options (passed verbatim by scipy).
    seed_points : list of ndarray, optional
        More feasible assignments (the heuristic's local optima) at which to add the
        initial cuts; the best of them also tightens the upper bound.
    """
    t0 = time.perf_counter()
    # HiGHS tolerances are absolute (1e-7 on each cut row), so solve with values scaled to
    # a maximum of 100, where they are small against the objective, and scale back.
    v_max = float(problem.values.max(initial=0.0))
    unscale = v_max / 100.0 if v_max > 0 else 1.0
    p = problem.with_values(problem.values / (v_max if v_max > 0 else 1.0) * 100)
    m = _Model(p, families, unary_max)
    q_full = np.ascontiguousarray(1.0 - p.pk)
    ls_args = (p.values, q_full, p.limits())

    def value(x: NDArray[np.int64]) -> float:
        return float(np.sum(p.values * np.prod(q_full**x, axis=0)))

    def outcome(status: str) -> ExactOutcome:
        hist = [(t, lo * unscale, up * unscale) for t, lo, up in history]
        return ExactOutcome(best, upper * unscale, lower * unscale, status, it, m.n_cuts, hist)

    best = x_start.copy()
    upper = value(best)
    floor_val = float(p.values[np.setdiff1d(np.arange(p.n_targets), m.targets)].sum())
    lower = floor_val
    history: list[tuple[float, float, float]] = []
    it = 0
    # relative gap, or an absolutely negligible one when the optimum is ~0
    abs_tol = ABS_TOL * float(p.values.sum())

    def closed() -> bool:
        return upper - lower <= rel_gap * upper + abs_tol

    if m.k == 0:  # no missile can change the objective
        lower = upper
    if closed():
        return outcome("optimal")
    # initial cuts: union bound at zero, both families at the start points, tangent grid
    starts = [m.from_matrix(xs) for xs in [x_start, *(seed_points or [])]]
    for xs in seed_points or []:
        if value(xs) < upper:
            best, upper = xs.copy(), value(xs)
    for j in m.targets:
        idx = m.by_target[j]
        m.add_cuts(j, np.zeros(idx.size, np.int64))
        for s0 in starts:
            m.add_cuts(j, s0[idx])
        if "tangent" in families:
            y_min = max(float(m.a[idx] @ m.u[idx]), tangent_floor)
            for t in np.arange(-tangent_step, y_min - 1e-9, -tangent_step):
                m.add_tangent(int(j), float(t))
    status = "iteration_limit"
    for it in range(1, max_iterations + 1):  # noqa: B007
        remaining = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        if remaining is not None and remaining <= 0:
            status = "time_limit"
            break
        options = {
            "mip_abs_gap": abs_tol * 0.1,
            "mip_feasibility_tolerance": 1e-9,
            "objective_bound": upper * (1 + rel_gap) + abs_tol,
            **(highs_options or {}),
        }
        res = m.solve(gap=rel_gap * 0.1, time_limit_s=remaining, extra=options)
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            lower = max(lower, float(dual))
        if res.x is None:
            # no solution under the cutoff: a budget ran out, or tolerances
            status = _limit_status(res, time_limit_s) if res.status == 1 else "stalled"
            break
        xk = m.counts(res.x)
        x = m.to_matrix(xk)
        fx = value(x)
        if fx < upper:
            best, upper = x, fx
        x_ls = local_search(*ls_args, x, 1000)
        f_ls = value(x_ls)
        if f_ls < upper:
            best, upper = x_ls, f_ls
        lower = min(lower, upper)
        history.append((time.perf_counter() - t0, lower, upper))
        if closed():
            status = "optimal"
            break
        if res.status == 1:  # HiGHS stopped on a limit (time or nodes)
            status = _limit_status(res, time_limit_s)
            break
        z = res.x[m.col_z : m.col_z + m.n_t]
        surv = np.prod(q_full**x, axis=0)
        added = 0
        for j in m.targets:
            if p.values[j] * surv[j] > z[j] + 1e-9 * p.values[j]:
                idx = m.by_target[j]
                added += m.add_cuts(int(j), xk[idx])
        s_ls = m.from_matrix(x_ls)
        for j in np.flatnonzero(np.any(x_ls != x, axis=0)):
            idx = m.by_target[j]
            if idx.size:
                added += m.add_cuts(int(j), s_ls[idx])
        if added == 0:
            status = "optimal" if closed() else "stalled"
            break
    return outcome(status)
