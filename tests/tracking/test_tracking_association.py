"""Gating, clustering, GNN and JPDA against brute-force references on small problems."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from samsim.tracking.association import (
    GatedPairs,
    clusters,
    gate,
    gnn_assign,
    jpda_probabilities,
)


def _random_problem(seed: int, nt: int, nd: int, d: int = 3, spread: float = 2000.0):
    rng = np.random.default_rng(seed)
    tp = rng.uniform(-spread, spread, (nt, d))
    A = rng.normal(size=(nt, d, d)) * rng.uniform(20, 300, (nt, 1, 1))
    tc = A @ np.swapaxes(A, -1, -2) + np.eye(d)
    dp = rng.uniform(-spread, spread, (nd, d))
    B = rng.normal(size=(nd, d, d)) * rng.uniform(10, 100, (nd, 1, 1))
    dc = B @ np.swapaxes(B, -1, -2) + np.eye(d)
    return tp, tc, dp, dc


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(0, 30), st.integers(0, 30), st.sampled_from([2, 3]))
def test_gate_equals_dense_chi_square_test(seed: int, nt: int, nd: int, d: int) -> None:
    tp, tc, dp, dc = _random_problem(seed, nt, nd, d)
    gamma = 16.0
    pairs = gate(tp, tc, dp, dc, gamma)
    want = []
    for i in range(nt):
        for j in range(nd):
            nu = dp[j] - tp[i]
            d2 = nu @ np.linalg.solve(tc[i] + dc[j], nu)
            if d2 <= gamma:
                want.append((i, j, d2))
    got = list(zip(pairs.track.tolist(), pairs.det.tolist(), pairs.d2.tolist(), strict=True))
    assert [(i, j) for i, j, _ in got] == [(i, j) for i, j, _ in want]
    np.testing.assert_allclose([g[2] for g in got], [w[2] for w in want], rtol=1e-9)
    # Gaussian log density of each pair.
    for (i, j, _), lnl in zip(want, pairs.loglik, strict=True):
        S = tc[i] + dc[j]
        nu = dp[j] - tp[i]
        ref = -0.5 * (nu @ np.linalg.solve(S, nu) + np.linalg.slogdet(S)[1] + d * np.log(2 * np.pi))
        np.testing.assert_allclose(lnl, ref, rtol=1e-9)


def test_gate_with_modes_uses_any_mode_and_mixture_density() -> None:
    # Two hypotheses per track: a tight one far from the measurement and a wide one near it.
    tp = np.array([[[0.0, 0.0, 0.0], [500.0, 0.0, 0.0]]])
    tc = np.array([np.eye(3) * 100.0, np.eye(3) * 1e4])[None]
    dp = np.array([[520.0, 0.0, 0.0]])
    dc = np.eye(3)[None] * 100.0
    w = np.log(np.array([[0.9, 0.1]]))
    single = gate(tp[:, 0], tc[:, 0], dp, dc, 16.0)
    assert single.m == 0
    pairs = gate(tp, tc, dp, dc, 16.0, w)
    assert pairs.m == 1
    dens = 0.0
    for k in range(2):
        S = tc[0, k] + dc[0]
        nu = dp[0] - tp[0, k]
        dens += np.exp(w[0, k]) * np.exp(
            -0.5 * (nu @ np.linalg.solve(S, nu) + np.linalg.slogdet(S)[1] + 3 * np.log(2 * np.pi))
        )
    np.testing.assert_allclose(pairs.loglik[0], np.log(dens), rtol=1e-9)
    np.testing.assert_allclose(pairs.d2[0], 400.0 / 10100.0, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_clusters_match_connected_components(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nt, nd = rng.integers(1, 40, 2)
    m = int(rng.integers(1, 80))
    e = np.unique(np.column_stack([rng.integers(0, nt, m), rng.integers(0, nd, m)]), axis=0)
    t, d = e[:, 0], e[:, 1]
    lab = clusters(int(nt), int(nd), t, d)
    n = nt + nd
    g = coo_matrix((np.ones(t.size), (t, d + nt)), shape=(n, n))
    _, ref = connected_components(g, directed=False)
    ref = ref[t]
    # Same partition of the edges.
    assert len(set(zip(lab.tolist(), ref.tolist(), strict=True))) == len(set(ref.tolist()))
    assert len(set(lab.tolist())) == len(set(ref.tolist()))


def _brute_force_gnn(nt: int, nd: int, cost: dict[tuple[int, int], float]) -> float:
    best = 0.0
    for choice in itertools.product(*[[-1, *range(nd)] for _ in range(nt)]):
        used = [j for j in choice if j >= 0]
        if len(used) != len(set(used)):
            continue
        if any(j >= 0 and (i, j) not in cost for i, j in enumerate(choice)):
            continue
        best = min(best, sum(cost[(i, j)] for i, j in enumerate(choice) if j >= 0))
    return best


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_gnn_is_optimal_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nt, nd = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    mask = rng.random((nt, nd)) < 0.6
    ti, di = np.nonzero(mask)
    reduced = rng.uniform(-10.0, 2.0, ti.size)  # some pairs not worth assigning
    pairs = GatedPairs(
        ti.astype(np.int64), di.astype(np.int64), np.zeros(ti.size), np.zeros(ti.size)
    )
    det_of_track, track_of_det = gnn_assign(nt, nd, pairs, reduced)
    cost = {(int(i), int(j)): float(c) for i, j, c in zip(ti, di, reduced, strict=True)}
    got = sum(cost[(i, int(j))] for i, j in enumerate(det_of_track) if j >= 0)
    np.testing.assert_allclose(got, _brute_force_gnn(nt, nd, cost), atol=1e-9)
    # Consistency of the two views and one-to-one use.
    for i, j in enumerate(det_of_track):
        if j >= 0:
            assert track_of_det[j] == i
            assert (i, int(j)) in cost
    assert (track_of_det >= 0).sum() == (det_of_track >= 0).sum()


def test_gnn_resolves_a_contested_measurement_globally() -> None:
    # Track 0 is slightly closer to det 0, but giving det 0 to track 1 lets both be assigned.
    pairs = GatedPairs(np.array([0, 0, 1]), np.array([0, 1, 0]), np.zeros(3), np.zeros(3))
    det_of_track, _ = gnn_assign(2, 2, pairs, np.array([-5.0, -4.0, -4.5]))
    assert det_of_track.tolist() == [1, 0]


def _brute_force_jpda(nt: int, nd: int, g: dict[tuple[int, int], float], miss: np.ndarray):
    acc = {k: 0.0 for k in g}
    acc0 = np.zeros(nt)
    total = 0.0
    for choice in itertools.product(*[[-1, *range(nd)] for _ in range(nt)]):
        used = [j for j in choice if j >= 0]
        if len(used) != len(set(used)) or any(
            j >= 0 and (i, j) not in g for i, j in enumerate(choice)
        ):
            continue
        w = 1.0
        for i, j in enumerate(choice):
            w *= g[(i, j)] if j >= 0 else miss[i]
        total += w
        for i, j in enumerate(choice):
            if j >= 0:
                acc[(i, j)] += w
            else:
                acc0[i] += w
    return {k: v / total for k, v in acc.items()}, acc0 / total


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_jpda_marginals_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nt, nd = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    mask = rng.random((nt, nd)) < 0.7
    ti, di = np.nonzero(mask)
    g = rng.uniform(0.01, 50.0, ti.size)
    miss = rng.uniform(0.05, 0.5, nt)
    pairs = GatedPairs(
        ti.astype(np.int64), di.astype(np.int64), np.zeros(ti.size), np.zeros(ti.size)
    )
    beta, beta0 = jpda_probabilities(nt, pairs, g, miss)
    gd = {(int(i), int(j)): float(v) for i, j, v in zip(ti, di, g, strict=True)}
    ref, ref0 = _brute_force_jpda(nt, nd, gd, miss)
    np.testing.assert_allclose(
        beta, [ref[(int(i), int(j))] for i, j in zip(ti, di, strict=True)], rtol=1e-9
    )
    has = np.bincount(ti, minlength=nt) > 0
    np.testing.assert_allclose(beta0[has], ref0[has], rtol=1e-9)
    np.testing.assert_allclose(beta0[~has], 1.0)


def test_jpda_cheap_approximation_used_beyond_the_event_cap() -> None:
    rng = np.random.default_rng(3)
    nt, nd = 4, 4
    ti, di = (a.ravel() for a in np.meshgrid(np.arange(nt), np.arange(nd), indexing="ij"))
    g = rng.uniform(1.0, 10.0, ti.size)
    pairs = GatedPairs(ti, di, np.zeros(ti.size), np.zeros(ti.size))
    miss = np.full(nt, 0.1)
    exact, exact0 = jpda_probabilities(nt, pairs, g, miss, max_events=10_000)
    cheap, cheap0 = jpda_probabilities(nt, pairs, g, miss, max_events=10)
    assert not np.allclose(exact, cheap)
    # Still probabilities: each track's row sums to one with its miss term.
    np.testing.assert_allclose(np.bincount(ti, weights=cheap, minlength=nt) + cheap0, 1.0)
    np.testing.assert_allclose(np.bincount(ti, weights=exact, minlength=nt) + exact0, 1.0)
    # And the cheap form ranks the pairs of each track like the exact one here.
    for i in range(nt):
        sel = ti == i
        assert np.argmax(cheap[sel]) == np.argmax(exact[sel])
