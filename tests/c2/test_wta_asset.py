"""Tests of the asset-based WTA form (samsim.c2.wta.solve_asset_based)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.c2 import wta
from samsim.c2.wta_asset import linearised_values


def loss(w, pi, pk, x):
    s = np.prod((1 - pk) ** x, axis=0)
    return float(np.sum(w * (1 - np.prod(1 - pi * s[:, None], axis=0))))


def test_two_threats_on_one_asset_known_answer():
    # Asset A (100) is attacked by threats 0 and 1, asset B (60) by threat 2, each
    # certain to destroy its asset. One missile, p = 0.9. Shooting a threat at A leaves
    # the other, so A is lost anyway: loss 160. Shooting B's threat: 100 + 60*0.1 = 106.
    w = np.array([100.0, 60.0])
    pi = wta.threat_asset_matrix(np.array([0, 0, 1]), 1.0, 2)
    pk = np.full((1, 3), 0.9)
    for method in ("greedy", "heuristic"):
        res = wta.solve_asset_based(w, pi, pk, [1], method)
        np.testing.assert_array_equal(res.assignment, [[0, 0, 1]])
        assert res.objective == pytest.approx(106.0)
        np.testing.assert_allclose(res.asset_survival, [0.0, 0.9])
    # the target-based form with linearised values 100, 100, 60 shoots at A's threats
    tb = wta.solve(pi @ w, pk, [1], "exact")
    assert tb.assignment[0, 2] == 0


def test_one_threat_per_asset_reduces_to_target_based():
    rng = np.random.default_rng(5)
    values, pk, rounds = wta.random_instance(8, rng, n_targets=8, rounds=2)
    pi = np.eye(8)
    exact = wta.solve(values, pk, rounds, "exact")
    for method in ("greedy", "heuristic"):
        a = wta.solve_asset_based(values, pi, pk, rounds, method)
        # the loss sum_k w_k (1 - (1 - s_k)) = sum_j V_j s_j is the target-based objective
        assert a.objective == pytest.approx(
            float(np.sum(values * np.prod((1 - pk) ** a.assignment, axis=0))), rel=1e-12
        )
        assert a.objective >= exact.objective * (1 - 1e-9)
    g_a = wta.solve_asset_based(values, pi, pk, rounds, "greedy")
    g_t = wta.solve(values, pk, rounds, "greedy")
    np.testing.assert_array_equal(g_a.assignment, g_t.assignment)
    assert g_a.objective == pytest.approx(g_t.objective, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_asset_heuristic_never_worse_than_greedy_and_feasible(data):
    n_w = data.draw(st.integers(1, 3))
    n_t = data.draw(st.integers(1, 3))
    n_a = data.draw(st.integers(1, 3))
    seed = data.draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    pk = rng.uniform(0, 1, (n_w, n_t))
    w = rng.uniform(0, 100, n_a)
    raw = rng.uniform(0, 1, (n_t, n_a)) * (rng.random((n_t, n_a)) < 0.7)
    pi = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1.0)
    rounds = rng.integers(0, 3, n_w)
    chan = data.draw(st.one_of(st.none(), st.integers(0, 2)))
    g = wta.solve_asset_based(w, pi, pk, rounds, "greedy", max_targets_per_type=chan)
    h = wta.solve_asset_based(w, pi, pk, rounds, "heuristic", max_targets_per_type=chan)
    for res in (g, h):
        x = res.assignment
        assert np.all(x.sum(axis=1) <= rounds)
        if chan is not None:
            assert np.all((x > 0).sum(axis=1) <= chan)
        assert res.objective == pytest.approx(loss(w, pi, pk, x), abs=1e-9)
    assert h.objective <= g.objective + 1e-9
    # brute force: the heuristic is never below the true optimum (sanity of the loss)
    best = min(
        loss(w, pi, pk, np.array(c).reshape(n_w, n_t))
        for c in itertools.product(range(3), repeat=n_w * n_t)
        if np.all(np.array(c).reshape(n_w, n_t).sum(axis=1) <= rounds)
        and (chan is None or np.all((np.array(c).reshape(n_w, n_t) > 0).sum(axis=1) <= chan))
    )
    assert h.objective >= best - 1e-9


def test_linearised_value_is_the_derivative_of_the_loss():
    # L is linear in each s_j, so a finite difference of any size is exact
    rng = np.random.default_rng(2)
    pi = rng.uniform(0, 0.5, (4, 3))
    pi[1, 0] = 1.0
    s = rng.uniform(0, 1, 4)
    s[1] = 1.0  # a zero factor (1 - pi s = 0) must not break the product
    w = rng.uniform(1, 10, 3)

    def lossf(sv):
        return float(np.sum(w * (1 - np.prod(1 - pi * sv[:, None], axis=0))))

    d = linearised_values(w, pi, s)
    for j in range(4):
        s2 = s.copy()
        s2[j] -= 0.3
        assert lossf(s) - lossf(s2) == pytest.approx(0.3 * d[j], rel=1e-12, abs=1e-12)


def test_asset_based_errors_name_the_argument():
    pk = np.full((1, 2), 0.5)
    with pytest.raises(ValueError, match="threat_asset_prob has shape"):
        wta.solve_asset_based([1.0], np.ones((3, 1)) * 0.5, pk, [1])
    with pytest.raises(ValueError, match="rows must sum to <= 1"):
        wta.solve_asset_based([1.0, 1.0], np.full((2, 2), 0.6), pk, [1])
    with pytest.raises(ValueError, match="asset_values"):
        wta.solve_asset_based([-1.0], np.full((2, 1), 0.5), pk, [1])
    with pytest.raises(ValueError, match="method must be one of"):
        wta.solve_asset_based([1.0], np.full((2, 1), 0.5), pk, [1], "exact")
    with pytest.raises(ValueError, match="aim must hold asset indices"):
        wta.threat_asset_matrix(np.array([0, 3]), 1.0, 2)
    with pytest.raises(ValueError, match="lethality"):
        wta.threat_asset_matrix(np.array([0, 1]), 1.5, 2)
