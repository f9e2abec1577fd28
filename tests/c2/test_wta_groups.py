"""Grouped (shared) limits of the WTA solvers: a fire unit's missile types share its
target and missile channels. Exact against brute force; every solver feasible."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.c2 import wta
from samsim.c2.wta_core import make_problem, violations


def brute_force_grouped(values, pk, rounds, groups, g_targets, g_missiles):
    """Minimum surviving value over every x with x_i. <= rounds_i and, per group, at most
    g_missiles missiles and g_targets distinct targets (enumeration)."""
    n_w, n_t = pk.shape
    per_type = []
    for i in range(n_w):
        per_type.append(
            [
                np.array(xi)
                for xi in itertools.product(range(rounds[i] + 1), repeat=n_t)
                if sum(xi) <= rounds[i]
            ]
        )
    best = math.inf
    for combo in itertools.product(*per_type):
        x = np.array(combo).reshape(n_w, n_t)
        ok = True
        for g in range(len(g_targets)):
            xg = x[groups == g]
            if xg.sum() > g_missiles[g] or (xg.sum(axis=0) > 0).sum() > g_targets[g]:
                ok = False
                break
        if ok:
            best = min(best, float(np.sum(values * np.prod((1 - pk) ** x, axis=0))))
    return best


def grouped_feasible(x, groups, g_targets, g_missiles):
    x = np.asarray(x)
    for g in range(len(g_targets)):
        xg = x[groups == g]
        assert xg.sum() <= g_missiles[g]
        assert (xg.sum(axis=0) > 0).sum() <= g_targets[g]


@st.composite
def grouped_instances(draw):
    n_w = draw(st.integers(2, 3))
    n_t = draw(st.integers(1, 3))
    values = np.array(draw(st.lists(st.integers(1, 100), min_size=n_t, max_size=n_t)), float)
    pk = np.array(
        draw(
            st.lists(st.sampled_from([0.0, 0.3, 0.6, 0.9]), min_size=n_w * n_t, max_size=n_w * n_t)
        )
    ).reshape(n_w, n_t)
    rounds = np.array(draw(st.lists(st.integers(0, 2), min_size=n_w, max_size=n_w)))
    groups = np.array(draw(st.lists(st.integers(0, 1), min_size=n_w, max_size=n_w)))
    n_g = int(groups.max()) + 1
    g_targets = np.array(draw(st.lists(st.integers(0, 2), min_size=n_g, max_size=n_g)))
    g_missiles = np.array(draw(st.lists(st.integers(0, 3), min_size=n_g, max_size=n_g)))
    return values, pk, rounds, groups, g_targets, g_missiles


def _limits(groups, g_targets, g_missiles):
    return {
        "groups": groups,
        "max_targets_per_group": g_targets,
        "max_missiles_per_group": g_missiles,
    }


@settings(max_examples=60, deadline=None)
@given(grouped_instances())
def test_exact_with_groups_matches_brute_force(inst):
    values, pk, rounds, groups, g_t, g_m = inst
    best = brute_force_grouped(values, pk, rounds, groups, g_t, g_m)
    res = wta.solve(values, pk, rounds, "exact", **_limits(groups, g_t, g_m))
    assert res.status == "optimal"
    grouped_feasible(res.assignment, groups, g_t, g_m)
    assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(grouped_instances(), st.sampled_from(["greedy", "heuristic"]))
def test_fast_solvers_respect_groups(inst, method):
    values, pk, rounds, groups, g_t, g_m = inst
    lim = _limits(groups, g_t, g_m)
    res = wta.solve(values, pk, rounds, method, **lim)
    grouped_feasible(res.assignment, groups, g_t, g_m)
    assert np.all(res.assignment.sum(axis=1) <= rounds)
    assert violations(make_problem(values, pk, rounds, **lim), res.assignment) == []
    greedy = wta.solve(values, pk, rounds, "greedy", **lim)
    assert res.objective <= greedy.objective + 1e-9


@settings(max_examples=40, deadline=None)
@given(grouped_instances(), st.sampled_from(["greedy", "heuristic"]))
def test_asset_based_respects_groups(inst, method):
    values, pk, rounds, groups, g_t, g_m = inst
    n_t = pk.shape[1]
    pi = wta.threat_asset_matrix(np.arange(n_t) % 2, 0.8, 2)
    res = wta.solve_asset_based([100.0, 50.0], pi, pk, rounds, method, **_limits(groups, g_t, g_m))
    grouped_feasible(res.assignment, groups, g_t, g_m)


def test_group_channel_shared_by_types_of_one_unit():
    """Two missile types of one fire unit with one target channel: only one target is
    engaged, though each type alone could take another; a target engaged by both types
    uses the channel once."""
    values = np.array([100.0, 90.0])
    pk = np.array([[0.8, 0.8], [0.7, 0.7]])
    rounds = np.array([2, 2])
    free = wta.solve(values, pk, rounds, "exact", max_per_pair=1)
    assert ((free.assignment.sum(axis=0)) > 0).sum() == 2
    shared = wta.solve(
        values, pk, rounds, "exact", max_per_pair=1, groups=[0, 0], max_targets_per_group=1
    )
    assert shared.assignment.tolist() == [[1, 0], [1, 0]]
    for method in ("greedy", "heuristic"):
        x = wta.solve(
            values, pk, rounds, method, max_per_pair=1, groups=[0, 0], max_targets_per_group=1
        ).assignment
        assert ((x.sum(axis=0)) > 0).sum() == 1


def test_group_missile_limit():
    values = np.array([100.0, 90.0, 80.0])
    pk = np.full((2, 3), 0.7)
    rounds = np.array([3, 3])
    for method in ("greedy", "heuristic", "exact"):
        x = wta.solve(
            values, pk, rounds, method, groups=[0, 0], max_missiles_per_group=[2]
        ).assignment
        assert x.sum() == 2
        # the two most valuable targets, one missile each
        assert x.sum(axis=0).tolist() == [1, 1, 0]


def test_group_errors_name_the_argument():
    v, p, r = np.ones(2), np.full((2, 2), 0.5), np.array([1, 1])
    with pytest.raises(ValueError, match="need groups"):
        wta.solve(v, p, r, "greedy", max_targets_per_group=1)
    with pytest.raises(ValueError, match="groups must be an integer array of shape"):
        wta.solve(v, p, r, "greedy", groups=[0])
    with pytest.raises(ValueError, match="groups must be >= 0"):
        wta.solve(v, p, r, "greedy", groups=[0, -1])
    with pytest.raises(ValueError, match="max_missiles_per_group"):
        wta.solve(v, p, r, "greedy", groups=[0, 1], max_missiles_per_group=[1, -1])
    with pytest.raises(ValueError, match="max_targets_per_group"):
        wta.solve(v, p, r, "greedy", groups=[0, 1], max_targets_per_group=[1, 2, 3])
