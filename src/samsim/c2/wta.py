"""Weapon-target assignment (WTA): one interface, three solvers, two objective forms.

``solve`` is the target-based static WTA (minimise the expected surviving value of the
threats); ``solve_asset_based`` maximises the expected surviving value of defended assets.
Both take the same limits (inventories, fire-control channels, engagement windows, salvo
caps). Usable on its own (analysts study WTA in isolation) and by the command post.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.c2.wta_asset import asset_greedy, asset_heuristic, asset_survival, expected_loss
from samsim.c2.wta_core import Problem, make_problem, survival, surviving_value, violations
from samsim.c2.wta_heuristic import greedy_mmr, solve_heuristic
from samsim.c2.wta_instances import random_instance, read_apt_instance

if TYPE_CHECKING:
    from samsim.c2.wta_exact import CUT_FAMILIES

__all__ = [
    "CUT_FAMILIES",
    "METHODS",
    "WTAResult",
    "make_problem",
    "random_instance",
    "read_apt_instance",
    "solve",
    "solve_asset_based",
    "survival",
    "surviving_value",
    "threat_asset_matrix",
    "violations",
]

Method = Literal["exact", "heuristic", "greedy"]
_T = TypeVar("_T", bound=np.generic)
METHODS: tuple[str, ...] = ("exact", "heuristic", "greedy")


def __getattr__(name: str) -> object:
    # the exact solver's constants, without importing scipy's MILP with this module
    if name in ("ABS_TOL", "CUT_FAMILIES"):
        from samsim.c2 import wta_exact

        return getattr(wta_exact, name)
    raise AttributeError(f"module 'samsim.c2.wta' has no attribute {name!r}")


@dataclass(frozen=True)
class WTAResult:
    """The outcome of a WTA solve. Arrays are read-only.

    Attributes
    ----------
    assignment : ndarray of int64, shape (W, T)
        Missiles of weapon type i fired at target j.
    objective : float
        Target-based: expected surviving threat value sum_j V_j prod_i (1-p_ij)^x_ij.
        Asset-based: expected loss of asset value (see :func:`solve_asset_based`).
        Minimised in both forms.
    lower_bound : float
        Proven lower bound on the objective (method "exact"); NaN otherwise.
    gap : float
        (objective - lower_bound) / objective for "exact", or 0 when the difference is
        below 1e-10 of the total target value (an optimum near 0); NaN otherwise.
    status : str
        "optimal" (gap <= rel_gap); "time_limit", "iteration_limit" or "node_limit"
        (exact stopped on that budget; the assignment is the best found and
        ``lower_bound`` the bound proven so far); "stalled" (exact loop made no progress,
        tolerance issue) or "feasible" (greedy/heuristic: limits hold, no optimality
        claim).
    solve_time_s : float
        Wall-clock time of the solve, seconds.
    method : str
        "exact", "heuristic" or "greedy".
    survival : ndarray, shape (T,)
        Probability each target (threat) survives the assignment.
    iterations : int
        MILP solves of the exact outer-approximation loop (0 for other methods).
    n_cuts : int
        Cuts in the last MILP (0 for other methods).
    asset_survival : ndarray, shape (A,), or None
        Asset-based form only: probability each asset survives.
    """

    assignment: NDArray[np.int64]
    objective: float
    lower_bound: float
    gap: float
    status: str
    solve_time_s: float
    method: str
    survival: NDArray[np.float64]
    iterations: int = 0
    n_cuts: int = 0
    asset_survival: NDArray[np.float64] | None = None

    @property
    def missiles_used(self) -> NDArray[np.int64]:
        """Missiles fired per weapon type, shape (W,)."""
        return np.asarray(self.assignment.sum(axis=1), dtype=np.int64)


def _check_method(method: str, allowed: tuple[str, ...]) -> None:
    if method not in allowed:
        raise ValueError(f"method must be one of {allowed}; got {method!r}")


def _check_time(time_limit_s: float | None, rel_gap: float) -> None:
    if time_limit_s is not None and not (
        isinstance(time_limit_s, int | float) and math.isfinite(time_limit_s) and time_limit_s > 0
    ):
        raise ValueError(
            f"time_limit_s must be a positive number of seconds or None; got {time_limit_s!r}"
        )
    if not (isinstance(rel_gap, int | float) and 0 < rel_gap < 1):
        raise ValueError(f"rel_gap must be in (0, 1); got {rel_gap!r}")


def _frozen(a: NDArray[_T]) -> NDArray[_T]:
    out = np.array(a, copy=True)
    out.flags.writeable = False
    return out


def _heuristic_x(
    problem: Problem,
    method: str,
    kicks: int | None = None,
    pool: list[NDArray[np.int64]] | None = None,
) -> NDArray[np.int64]:
    q = np.ascontiguousarray(1.0 - problem.pk)
    x = greedy_mmr(problem.values, q, problem.limits())
    if method != "greedy":
        x = solve_heuristic(problem, x, kicks=kicks, pool=pool)
    return np.asarray(x, dtype=np.int64)


def solve(
    values: ArrayLike,
    pk: ArrayLike,
    rounds: ArrayLike,
    method: Method | str = "exact",
    *,
    max_per_target: ArrayLike | None = None,
    max_per_pair: ArrayLike | None = None,
    allowed: ArrayLike | None = None,
    max_targets_per_type: ArrayLike | None = None,
    max_missiles_per_type: ArrayLike | None = None,
    groups: ArrayLike | None = None,
    max_targets_per_group: ArrayLike | None = None,
    max_missiles_per_group: ArrayLike | None = None,
    time_limit_s: float | None = None,
    rel_gap: float = 1e-6,
    kicks: int | None = None,
    max_iterations: int | None = None,
    node_limit: int | None = None,
) -> WTAResult:
    """Assign missiles of W weapon types to T targets to minimise expected surviving value.

    Parameters
    ----------
    values : array_like, shape (T,)
        Value V_j >= 0 of each target (threat value from threat evaluation).
    pk : array_like, shape (W, T)
        Single-shot kill probability p_ij in [0, 1] of one missile of type i on target j.
    rounds : array_like of int, shape (W,)
        Missiles each weapon type (fire unit and missile type) may fire now.
    method : {"exact", "heuristic", "greedy"}
        "greedy": maximum marginal return. "heuristic": greedy, then very large-scale
        neighbourhood search; for real-time use. "exact": proven optimum (outer
        approximation on a HiGHS MILP), warm-started with the heuristic.
    max_per_target : int or array_like of int, shape (T,), optional
        At most k_j missiles (all types together) on target j in this salvo.
    max_per_pair : int or array_like of int, shape (W, T), optional
        At most m_ij missiles of type i on target j (a fire unit's salvo size).
    allowed : array_like of bool, shape (W, T), optional
        Engagement windows: False where type i cannot engage target j now.
    max_targets_per_type : int or array_like of int, shape (W,), optional
        Fire-control target channels: type i engages at most c_i distinct targets.
    max_missiles_per_type : int or array_like of int, shape (W,), optional
        Guided-missile channels: type i has at most g_i missiles in flight, so it fires at
        most min(rounds_i, g_i) now.
    groups : array_like of int, shape (W,), optional
        Group g(i) in 0..G-1 of each weapon type, for limits its types share: e.g. a fire
        unit whose missile types share its fire-control channels.
    max_targets_per_group : int or array_like of int, shape (G,), optional
        Group g engages at most C_g distinct targets (a target engaged by two types of
        the group uses one channel).
    max_missiles_per_group : int or array_like of int, shape (G,), optional
        Group g fires at most M_g missiles in this decision (its free missile channels).
    time_limit_s : float, optional
        Wall-clock budget of the exact solver; on expiry it returns the best assignment
        found with status "time_limit" and the proven bound. Ignored by other methods.
        The result then depends on the machine's speed: inside a run (the engine) the
        budget is ``max_iterations`` and ``node_limit`` instead.
    max_iterations : int, optional
        Most MILP solves of the exact solver's outer-approximation loop (default 200);
        when reached, status "iteration_limit". Deterministic.
    node_limit : int, optional
        Most branch-and-bound nodes of each MILP solve (HiGHS ``mip_max_nodes``; default
        none); when one stops on it, status "node_limit". Deterministic.
    rel_gap : float
        Relative optimality gap at which the exact solver stops (default 1e-6).
    kicks : int, optional
        Perturbation rounds of the heuristic (also the exact solver's warm start);
        default min(8, 20000 // (W T)), which keeps W = T = 100 near 50 ms. More kicks,
        better solutions, linearly more time. Deterministic.

    Returns
    -------
    WTAResult

    Raises
    ------
    ValueError
        For malformed inputs (pk outside [0, 1], NaN, shapes that disagree, negative or
        fractional counts, unknown method), naming the argument.

    Notes
    -----
    Minimise sum_j V_j prod_i (1 - p_ij)^x_ij over integers x_ij >= 0 with
    sum_j x_ij <= min(rounds_i, g_i), x_ij <= m_ij, sum_i x_ij <= k_j, x_ij = 0 outside
    ``allowed``, |{j : x_ij > 0}| <= c_i (Manne 1958; Ahuja et al. 2007, eq. 1), and
    for each group g: sum_{i in g, j} x_ij <= M_g and |{j : sum_{i in g} x_ij > 0}| <= C_g
    (in the MILP: binaries e_gj with x_ij <= u_ij e_gj, sum_j e_gj <= C_g).

    The exact method is an outer approximation (Duran & Grossmann 1986) of the convex
    function V_j exp(y_j), y_j = sum_i x_ij ln(1 - p_ij): a MILP with one z_j >= 0 per
    target is solved by ``scipy.optimize.milp`` (HiGHS); at its solution x*, wherever
    z_j underestimates the true value, two cuts exact at x* are added: the tangent
    z_j >= V_j e^t (1 + y_j - t), t = y_j(x*) (Andersen, Pavlikov & Toffolo 2022), and the
    union-bound cut z_j >= V_j f(x*) (1 - sum_i c_ij x_ij) whose slopes are the exact
    marginal kill probabilities (see ``wta_exact.union_coefficients``). The loop stops
    when the best true value is within ``rel_gap`` of the MILP's proven dual bound.
    The bound is proven up to HiGHS's feasibility tolerances (1e-7 on each cut).

    References
    ----------
    Ahuja, Kumar, Jha & Orlin, Operations Research 55(6):1136-1146, 2007.
    Andersen, Pavlikov & Toffolo, Annals of Operations Research 312(2):581-606, 2022.
    Duran & Grossmann, Mathematical Programming 36:307-339, 1986.
    """
    t0 = time.perf_counter()
    _check_method(method, METHODS)
    _check_time(time_limit_s, rel_gap)
    for name, budget in (("max_iterations", max_iterations), ("node_limit", node_limit)):
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, int) or budget < 1
        ):
            raise ValueError(f"{name} must be a whole number >= 1 or None; got {budget!r}")
    if kicks is not None and (isinstance(kicks, bool) or not isinstance(kicks, int) or kicks < 0):
        raise ValueError(f"kicks must be a non-negative integer or None; got {kicks!r}")
    prob = make_problem(
        values,
        pk,
        rounds,
        max_per_target=max_per_target,
        max_per_pair=max_per_pair,
        allowed=allowed,
        max_targets_per_type=max_targets_per_type,
        max_missiles_per_type=max_missiles_per_type,
        groups=groups,
        max_targets_per_group=max_targets_per_group,
        max_missiles_per_group=max_missiles_per_group,
    )
    pool: list[NDArray[np.int64]] = []
    x = _heuristic_x(prob, "heuristic" if method == "exact" else method, kicks, pool)
    lower = gap = math.nan
    status = "feasible"
    iterations = n_cuts = 0
    if method == "exact":
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        from samsim.c2.wta_exact import solve_exact  # (scipy's MILP: imported when used)

        out = solve_exact(
            prob,
            x,
            rel_gap=rel_gap,
            time_limit_s=left,
            seed_points=pool,
            max_iterations=200 if max_iterations is None else max_iterations,
            highs_options=None if node_limit is None else {"node_limit": node_limit},
        )
        x, lower, status = out.x, out.lower, out.status
        iterations, n_cuts = out.iterations, out.n_cuts
    obj = surviving_value(prob.values, prob.pk, x)
    if method == "exact":
        diff = max(obj - lower, 0.0)
        from samsim.c2.wta_exact import ABS_TOL

        # an absolute floor: with values summing to far below 1 (a subnormal value, say)
        # the solver cannot resolve the optimum relatively, and the gap is no gap
        gap = 0.0 if diff <= ABS_TOL * max(float(prob.values.sum()), 1.0) else diff / obj
    return WTAResult(
        assignment=_frozen(x),
        objective=obj,
        lower_bound=lower,
        gap=gap,
        status=status,
        solve_time_s=time.perf_counter() - t0,
        method=method,
        survival=_frozen(survival(prob.pk, x)),
        iterations=iterations,
        n_cuts=n_cuts,
    )


def threat_asset_matrix(aim: ArrayLike, lethality: ArrayLike, n_assets: int) -> NDArray[np.float64]:
    """Build ``threat_asset_prob`` from each threat's aim point and lethality.

    Parameters
    ----------
    aim : array_like of int, shape (T,)
        Index of the asset threat j attacks (-1: none).
    lethality : float or array_like, shape (T,)
        Probability threat j destroys its asset if it is not intercepted.
    n_assets : int
        Number of assets A.

    Returns
    -------
    ndarray, shape (T, A)
        pi_jk = lethality_j where k = aim_j, else 0.
    """
    a = np.asarray(aim)
    if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"aim must be a 1-D integer array of asset indices; got {aim!r}")
    if np.any((a < -1) | (a >= n_assets)):
        raise ValueError(f"aim must hold asset indices in [-1, {n_assets - 1}]; got {a.tolist()}")
    lam = np.broadcast_to(np.asarray(lethality, dtype=np.float64), a.shape)
    if np.any(~np.isfinite(lam)) or np.any((lam < 0) | (lam > 1)):
        raise ValueError(f"lethality must lie in [0, 1]; got {lam.tolist()}")
    out = np.zeros((a.size, n_assets))
    hit = a >= 0
    out[np.flatnonzero(hit), a[hit]] = lam[hit]
    return out


def solve_asset_based(
    asset_values: ArrayLike,
    threat_asset_prob: ArrayLike,
    pk: ArrayLike,
    rounds: ArrayLike,
    method: Literal["heuristic", "greedy"] | str = "heuristic",
    *,
    max_per_target: ArrayLike | None = None,
    max_per_pair: ArrayLike | None = None,
    allowed: ArrayLike | None = None,
    max_targets_per_type: ArrayLike | None = None,
    max_missiles_per_type: ArrayLike | None = None,
    groups: ArrayLike | None = None,
    max_targets_per_group: ArrayLike | None = None,
    max_missiles_per_group: ArrayLike | None = None,
) -> WTAResult:
    """Assign missiles to threats to minimise the expected loss of defended asset value.

    Parameters
    ----------
    asset_values : array_like, shape (A,)
        Value w_k >= 0 of each defended asset.
    threat_asset_prob : array_like, shape (T, A)
        pi_jk: probability that threat j, if it survives the defence, destroys asset k
        (probability it attacks k times its lethality against k). Rows sum to <= 1: a
        threat destroys at most one asset. See :func:`threat_asset_matrix`.
    pk, rounds, limits
        As in :func:`solve` (threats are the targets).
    method : {"heuristic", "greedy"}
        "greedy": maximum marginal reduction of expected loss. "heuristic": greedy, then
        relocations and swaps evaluated on the exact asset objective, alternated with
        target-based neighbourhood search on the linearised threat values.

    Returns
    -------
    WTAResult
        ``objective`` is the expected loss L (minimised); ``asset_survival`` the
        probability each asset survives; ``lower_bound`` and ``gap`` are NaN.

    Notes
    -----
    Threat j survives the defence with s_j = prod_i (1 - p_ij)^x_ij; threats act
    independently, so asset k survives with P_k = prod_j (1 - pi_jk s_j) and

        L(x) = sum_k w_k (1 - prod_j (1 - pi_jk s_j)),

    the expected loss; maximising the expected surviving asset value sum_k w_k P_k is the
    same problem. With one threat per asset (pi_jk = 1 for k = aim_j) it reduces to the
    target-based form with V_j = w_aim_j. The asset-based form is not convex in the log
    survival, so no exact method is offered (Hosein & Athans 1990, sec. 3; Ahuja et al.
    2007 solve the target-based form only).

    References
    ----------
    Hosein & Athans, "Preferential defense strategies. Part I: the static case", MIT LIDS
    report LIDS-P-2002, 1990.
    Ahuja, Kumar, Jha & Orlin, Operations Research 55(6):1136-1146, 2007, sec. 1.
    """
    t0 = time.perf_counter()
    _check_method(method, ("heuristic", "greedy"))
    w = np.asarray(asset_values, dtype=np.float64) if np.ndim(asset_values) else None
    if w is None or w.ndim != 1:
        raise ValueError(
            f"asset_values must be a 1-D array (one value per asset); got {asset_values!r}"
        )
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"asset_values must be finite and >= 0; got {w.tolist()}")
    pi = np.asarray(threat_asset_prob, dtype=np.float64)
    p_arr = np.asarray(pk, dtype=np.float64)
    n_t = p_arr.shape[-1] if p_arr.ndim == 2 else -1
    if pi.ndim != 2 or pi.shape != (n_t, w.size):
        raise ValueError(
            f"threat_asset_prob has shape {pi.shape} but must have shape "
            f"(threats, assets) = ({n_t}, {w.size}), matching pk's columns and asset_values"
        )
    if np.any(~np.isfinite(pi)) or np.any((pi < 0) | (pi > 1)):
        raise ValueError("threat_asset_prob must lie in [0, 1] and be finite")
    if np.any(pi.sum(axis=1) > 1 + 1e-9):
        j = int(np.argmax(pi.sum(axis=1)))
        raise ValueError(
            f"threat_asset_prob rows must sum to <= 1 (a threat destroys at most one asset); "
            f"row {j} sums to {pi[j].sum():.6g}"
        )
    # threat values only matter through pi; use the linearised value for validation
    prob = make_problem(
        pi @ w,
        p_arr,
        rounds,
        max_per_target=max_per_target,
        max_per_pair=max_per_pair,
        allowed=allowed,
        max_targets_per_type=max_targets_per_type,
        max_missiles_per_type=max_missiles_per_type,
        groups=groups,
        max_targets_per_group=max_targets_per_group,
        max_missiles_per_group=max_missiles_per_group,
    )
    x = asset_greedy(prob, w, pi)
    if method == "heuristic":
        x = asset_heuristic(prob, w, pi, x)
    s = survival(prob.pk, x)
    return WTAResult(
        assignment=_frozen(x),
        objective=expected_loss(w, pi, s),
        lower_bound=math.nan,
        gap=math.nan,
        status="feasible",
        solve_time_s=time.perf_counter() - t0,
        method=method,
        survival=_frozen(s),
        asset_survival=_frozen(asset_survival(pi, s)),
    )
