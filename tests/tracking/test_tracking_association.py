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


def _dense_lsa_reference(nt: int, nd: int, ti, di, cost) -> np.ndarray:
    """GNN by one dense ``linear_sum_assignment`` over the whole problem (every track, a
    private miss column each, forbidden entries for ungated pairs)."""
    from scipy.optimize import linear_sum_assignment

    C = np.full((nt, nd + nt), 1e12)
    C[ti, di] = cost
    C[np.arange(nt), nd + np.arange(nt)] = 0.0
    rows, cols = linear_sum_assignment(C)
    out = np.full(nt, -1, dtype=np.int64)
    real = (cols < nd) & (C[rows, cols] < 0.0)
    out[rows[real]] = cols[real]
    return out


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(65, 100), st.integers(65, 100))
def test_large_gate_uses_the_small_kernel_arithmetic(seed: int, nt: int, nd: int) -> None:
    """Beyond one scan's size the candidates come from a k-d tree, but each pair is the
    same computation as in a small problem: gating track by track (each a small problem)
    gives the same pairs, distances and densities bit for bit; and the pairs are those of
    the dense chi-square test."""
    rng = np.random.default_rng(seed)
    r = int(rng.integers(1, 4))
    tp = rng.uniform(-3000.0, 3000.0, (nt, r, 3))
    A = rng.normal(size=(nt, r, 3, 3)) * rng.uniform(20, 300, (nt, r, 1, 1))
    tc = A @ np.swapaxes(A, -1, -2) + np.eye(3)
    dp = rng.uniform(-3000.0, 3000.0, (nd, 3))
    B = rng.normal(size=(nd, 3, 3)) * rng.uniform(10, 100, (nd, 1, 1))
    dc = B @ np.swapaxes(B, -1, -2) + np.eye(3)
    lw = np.log(rng.dirichlet(np.ones(r), nt))
    assert nt * nd > 4096
    big = gate(tp, tc, dp, dc, 16.0, lw, max_per_track=None)
    parts = [gate(tp[k : k + 1], tc[k : k + 1], dp, dc, 16.0, lw[k : k + 1]) for k in range(nt)]
    track = np.concatenate([np.full(p.m, k) for k, p in enumerate(parts)])
    assert big.track.tolist() == track.tolist()
    assert big.det.tolist() == np.concatenate([p.det for p in parts]).tolist()
    assert big.d2.tobytes() == np.concatenate([p.d2 for p in parts]).tobytes()
    assert big.loglik.tobytes() == np.concatenate([p.loglik for p in parts]).tobytes()
    # against the definition (any hypothesis inside the gate)
    want = []
    for i in range(nt):
        for j in range(nd):
            d2 = min(
                (dp[j] - tp[i, h]) @ np.linalg.solve(tc[i, h] + dc[j], dp[j] - tp[i, h])
                for h in range(r)
            )
            if d2 <= 16.0:
                want.append((i, j))
    assert list(zip(big.track.tolist(), big.det.tolist(), strict=True)) == want


def test_gate_limit_keeps_the_nearest_and_is_exact_below_it() -> None:
    # A dense raid: 120 targets 10 m apart on a line, every gate holding all of them.
    n = 120
    x = np.arange(n) * 10.0
    tp = np.column_stack([x, np.zeros(n), np.zeros(n)])
    tc = np.tile(np.diag([4e4, 4e4, 4e4]), (n, 1, 1))  # 200 m sigma: ~60 targets per gate
    dp = tp + 1.0
    dc = np.tile(np.eye(3) * 100.0, (n, 1, 1))
    full = gate(tp, tc, dp, dc, 16.0, max_per_track=None)
    assert np.bincount(full.track, minlength=n).max() > 100
    lim = gate(tp, tc, dp, dc, 16.0, max_per_track=8)
    counts = np.bincount(lim.track, minlength=n)
    assert counts.max() == 8
    for k in (0, 57, 119):
        got = set(lim.det[lim.track == k].tolist())
        dist = np.linalg.norm(dp - tp[k], axis=1)
        assert got == set(np.argsort(dist, kind="stable")[:8].tolist())
    # every limited pair is a pair of the full gate, with the same numbers
    key = dict(
        zip(zip(full.track.tolist(), full.det.tolist(), strict=True), full.d2.tolist(), strict=True)
    )
    for t, d, d2 in zip(lim.track.tolist(), lim.det.tolist(), lim.d2.tolist(), strict=True):
        assert key[(t, d)] == d2
    # Spread out (1 km apart, tight gates): no gate reaches the limit, same pairs.
    far = tp * 100.0
    tight = np.tile(np.eye(3) * 2500.0, (n, 1, 1))
    a = gate(far, tight, far + 30.0, dc, 16.0, max_per_track=8)
    b = gate(far, tight, far + 30.0, dc, 16.0, max_per_track=None)
    assert a.track.tolist() == b.track.tolist() and a.d2.tobytes() == b.d2.tobytes()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 70), st.integers(1, 70))
def test_sparse_assignment_equals_dense_lsa(seed: int, nt: int, nd: int) -> None:
    from samsim.tracking.association import _sparse_assignment

    rng = np.random.default_rng(seed)
    mask = rng.random((nt, nd)) < rng.uniform(0.02, 0.6)
    ti, di = (a.astype(np.int64) for a in np.nonzero(mask))
    cost = rng.uniform(-10.0, -0.01, ti.size)
    perm = rng.permutation(ti.size)  # any pair order
    got = _sparse_assignment(nt, nd, ti[perm], di[perm], cost[perm])
    want = _dense_lsa_reference(nt, nd, ti, di, cost)
    # continuous random costs: the optimum is unique, so both methods return it
    assert got.tolist() == want.tolist()


def test_clusters_solved_alone_equal_the_global_problem() -> None:
    """GNN decomposes over clusters: solving each cluster on its own gives the assignment
    of the whole problem solved at once (one dense LSA over every track and measurement),
    for small clusters (dense LSA) and a chained cluster large enough for the sparse
    solver alike; and adding a far-away cluster changes nothing in the others."""
    rng = np.random.default_rng(7)
    blocks = []  # (track offset, det offset, nt, nd) of independent clusters
    ti_all, di_all, c_all = [], [], []
    t0 = d0 = 0
    for nt, nd, density in [(3, 4, 0.8), (5, 5, 0.7), (120, 130, 0.05), (2, 2, 1.0), (40, 45, 0.2)]:
        mask = rng.random((nt, nd)) < density
        mask[np.arange(nt), np.arange(nt) % nd] = True  # chained: one connected cluster
        mask[np.arange(nt - 1), (np.arange(nt - 1) + 1) % nd] = True
        ti, di = np.nonzero(mask)
        ti_all.append(ti + t0)
        di_all.append(di + d0)
        c_all.append(rng.uniform(-10.0, -0.01, ti.size))
        blocks.append((t0, d0, nt, nd))
        t0, d0 = t0 + nt, d0 + nd
    ti, di, cost = (np.concatenate(a) for a in (ti_all, di_all, c_all))
    o = np.lexsort((di, ti))
    ti, di, cost = ti[o].astype(np.int64), di[o].astype(np.int64), cost[o]
    pairs = GatedPairs(ti, di, np.zeros(ti.size), np.zeros(ti.size))
    together, _ = gnn_assign(t0, d0, pairs, cost)
    assert together.tolist() == _dense_lsa_reference(t0, d0, ti, di, cost).tolist()
    for a, b, nt, nd in blocks:
        sel = (ti >= a) & (ti < a + nt)
        sub = GatedPairs(ti[sel] - a, di[sel] - b, np.zeros(sel.sum()), np.zeros(sel.sum()))
        alone, _ = gnn_assign(nt, nd, sub, cost[sel])
        shifted = np.where(alone >= 0, alone + b, -1)
        assert shifted.tolist() == together[a : a + nt].tolist()
