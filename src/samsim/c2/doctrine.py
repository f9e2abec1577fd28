"""Firing doctrine as arrays: which (missile type, target) pairs may be engaged now, with
what planning kill probability, and the doctrine's weapon-target assignment.

Shared by the battalion command post (weapons = its missile types) and the regiment
command post (weapons = (battalion, missile type), grouped by battalion).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.c2.envelope import EngagementWindows
from samsim.c2.wta import solve, solve_asset_based

if TYPE_CHECKING:
    from samsim.physics.missile import MissileSpec
    from samsim.scenario.models import Doctrine


def window_delays(doctrine: Doctrine, cycle_s: float) -> NDArray[np.float64]:
    """Launch delays at which the engagement windows are sampled: now, the doctrine's
    minimum window and, under best_pk, the next decision (is the window about to close?)."""
    d = [0.0, float(doctrine.min_window)]
    if doctrine.engagement == "best_pk":
        d.append(cycle_s)
    return np.unique(np.array(d))


def allowed_now(win: EngagementWindows, doctrine: Doctrine, cycle_s: float) -> NDArray[np.bool_]:
    """Whether the doctrine launches at each target now (one missile type).

    Notes
    -----
    A launch needs the window open now and still open after ``min_window`` (the launch
    margin in time; a target about to leave the envelope is not chased). Under
    ``engagement: best_pk`` it also waits while the predicted intercept point is beyond
    ``best_pk_range_fraction`` of max range or more than ``best_pk_time_of_flight`` away,
    unless the window will have closed by the next decision cycle (then it is the last
    chance and the launch goes now). The kill probability of a real engagement falls with
    the time of flight (the predicted intercept point drifts with every unmodelled target
    acceleration, e.g. drag in a ballistic reentry, and the missile arrives slower), which
    is what the wait buys.
    """
    d = win.delays_s
    ok = win.open_now & win.feasible[:, int(np.searchsorted(d, float(doctrine.min_window)))]
    if doctrine.engagement == "best_pk":
        closing = ~win.feasible[:, int(np.searchsorted(d, cycle_s))]
        best = (win.range_fraction <= doctrine.best_pk_range_fraction) & (
            np.nan_to_num(win.time_of_flight_s, nan=np.inf)
            <= float(doctrine.best_pk_time_of_flight)
        )
        ok &= best | closing
    return np.asarray(ok, dtype=bool)


def engagement_pk(single_shot_pk: ArrayLike, shots: int) -> NDArray[np.float64]:
    """Kill probability of one engagement of ``shots`` independent missiles.

    Notes
    -----
    1 - (1 - p)^n for single-shot Pk p (the command post's planning Pk of each missile,
    :meth:`samsim.c2.command_post.CommandPost.single_shot_pk`).
    """
    p = np.clip(np.asarray(single_shot_pk, dtype=float), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - p) ** shots, dtype=np.float64)


def economy_weight(spec: MissileSpec, doctrine: Doctrine) -> float:
    """Weight of a missile type's kill probability in the assignment objective.

    Notes
    -----
    w = 1 - e R_max / 100 km, e = ``economy``: a small preference for the shorter-range
    type when several can engage a target. It weights the objective only; the planning
    Pk the command post logs and expects stays the physical one.
    """
    return float(max(1.0 - doctrine.economy * spec.max_range_m / 100e3, 0.0))


#: Perturbation rounds of the heuristic per decision (each costs about one descent; the
#: command post's problems are small and re-solved every cycle).
KICKS = 2


@dataclass
class AssignmentInput:
    """One decision's weapon-target assignment problem (weapons in rows).

    ``pk`` is zero where a pair is not allowed; ``rounds`` counts engagements (one
    engagement is ``shots_per_engagement`` missiles of its weapon).
    """

    values: NDArray[np.float64]  # (T,)
    pk: NDArray[np.float64]  # (W, T)
    weight: NDArray[np.float64]  # (W,) objective weight of each weapon (economy_weight)
    rounds: NDArray[np.int64]  # (W,)
    groups: NDArray[np.int64]  # (W,)
    group_targets: NDArray[np.int64]  # (G,)
    group_engagements: NDArray[np.int64]  # (G,)
    max_per_target: int
    ballistic: NDArray[np.bool_]  # (T,)
    asset_values: NDArray[np.float64]  # (A,)
    asset_prob: NDArray[np.float64]  # (T, A)


def assign(problem: AssignmentInput, doctrine: Doctrine) -> NDArray[np.int64]:
    """Engagements per (weapon, target) under the doctrine's WTA method and objective.

    Notes
    -----
    With ``ballistic_first`` the ballistic targets are assigned first over all weapons,
    then the other targets with the rounds and channels left (a lexicographic priority).
    Each pass is one static WTA (:func:`samsim.c2.wta.solve` or, for ``asset_value``,
    :func:`samsim.c2.wta.solve_asset_based`) with at most one engagement per weapon and
    target (a battalion engages a target once at a time) and the groups' shared limits,
    on the kill probabilities weighted by ``weight`` (:func:`economy_weight`).
    """
    p = problem
    x = np.zeros(p.pk.shape, dtype=np.int64)
    if p.pk.size == 0:
        return x
    pk_obj = p.pk * np.asarray(p.weight, dtype=float)[:, None]
    passes = (
        [p.ballistic, ~p.ballistic]
        if doctrine.ballistic_first and p.ballistic.any()
        else [np.ones(p.values.size, dtype=bool)]
    )
    rounds = p.rounds.copy()
    g_targets = p.group_targets.copy()
    g_eng = p.group_engagements.copy()
    for cols in passes:
        allowed = (p.pk > 0) & cols[None, :]
        if not allowed.any() or rounds.sum() == 0:
            continue
        limits: dict[str, Any] = {
            "max_per_target": p.max_per_target,
            "max_per_pair": 1,
            "allowed": allowed,
            "groups": p.groups,
            "max_targets_per_group": g_targets,
            "max_missiles_per_group": g_eng,
        }
        if doctrine.wta_objective == "asset_value":
            res = solve_asset_based(
                p.asset_values,
                p.asset_prob,
                pk_obj,
                rounds,
                "greedy" if doctrine.wta_method == "greedy" else "heuristic",
                **limits,
            )
        else:
            res = solve(
                p.values,
                pk_obj,
                rounds,
                doctrine.wta_method,
                # a deterministic budget (never the wall clock): the same decisions on
                # any machine, so the event log does not depend on its speed
                max_iterations=doctrine.wta_max_iterations,
                node_limit=doctrine.wta_node_limit,
                kicks=KICKS,
                **limits,
            )
        xa = np.asarray(res.assignment, dtype=np.int64)
        x += xa
        rounds -= xa.sum(axis=1)
        used = np.zeros((g_targets.size, xa.shape[1]), dtype=np.int64)
        np.add.at(used, p.groups, xa)
        g_targets -= (used > 0).sum(axis=1)
        g_eng -= used.sum(axis=1)
    return x
