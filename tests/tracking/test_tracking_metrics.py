"""OSPA and GOSPA against direct implementations; id switches and continuity known answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.tracking.metrics import (
    TrackTruthAssignment,
    assign_tracks_to_truth,
    gospa,
    id_switches,
    ospa,
    track_continuity,
)


def _ospa_direct(X: np.ndarray, Y: np.ndarray, c: float, p: float) -> float:
    """Schuhmacher et al. (2008) eq. 3 by enumerating every injection of the smaller set."""
    if len(X) > len(Y):
        X, Y = Y, X
    m, n = len(X), len(Y)
    if n == 0:
        return 0.0
    best = np.inf
    for perm in itertools.permutations(range(n), m):
        s = sum(min(c, float(np.linalg.norm(X[i] - Y[j]))) ** p for i, j in enumerate(perm))
        best = min(best, s)
    return float(((best + c**p * (n - m)) / n) ** (1 / p))


def _gospa_direct(X: np.ndarray, Y: np.ndarray, c: float, p: float) -> float:
    """GOSPA (alpha = 2) by enumerating all partial assignments (Rahmathullah et al. 2017)."""
    m, n = len(X), len(Y)
    best = np.inf
    for choice in itertools.product(*[[-1, *range(n)] for _ in range(m)]):
        used = [j for j in choice if j >= 0]
        if len(used) != len(set(used)):
            continue
        loc = sum(float(np.linalg.norm(X[i] - Y[j])) ** p for i, j in enumerate(choice) if j >= 0)
        k = len(used)
        best = min(best, loc + c**p / 2 * (m + n - 2 * k))
    return float(best ** (1 / p))


points = st.integers(0, 5).flatmap(
    lambda k: st.lists(
        st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=k, max_size=k
    )
)


@settings(max_examples=80, deadline=None)
@given(points, points, st.sampled_from([1.0, 2.0]), st.sampled_from([50.0, 300.0]))
def test_ospa_matches_direct_implementation(xs, ys, p, c) -> None:  # type: ignore[no-untyped-def]
    X = np.array(xs, dtype=float).reshape(-1, 2)
    Y = np.array(ys, dtype=float).reshape(-1, 2)
    got = ospa(X, Y, c, p)
    np.testing.assert_allclose(got.ospa, _ospa_direct(X, Y, c, p), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.ospa, ospa(Y, X, c, p).ospa, rtol=1e-12)
    np.testing.assert_allclose(got.ospa**p, got.localisation**p + got.cardinality**p, rtol=1e-9)
    assert 0.0 <= got.ospa <= c + 1e-9


@settings(max_examples=80, deadline=None)
@given(points, points, st.sampled_from([1.0, 2.0]), st.sampled_from([50.0, 300.0]))
def test_gospa_matches_direct_implementation(xs, ys, p, c) -> None:  # type: ignore[no-untyped-def]
    X = np.array(xs, dtype=float).reshape(-1, 2)
    Y = np.array(ys, dtype=float).reshape(-1, 2)
    got = gospa(X, Y, c, p)
    np.testing.assert_allclose(got.gospa, _gospa_direct(X, Y, c, p), rtol=1e-9, atol=1e-9)


def test_ospa_and_gospa_known_answers() -> None:
    X = np.array([[0.0, 0.0], [100.0, 0.0]])
    Y = np.array([[0.0, 30.0]])
    # OSPA p=1, c=50: one pair at 30 m, one cardinality error: (30 + 50) / 2 = 40.
    assert ospa(X, Y, 50.0, 1.0).ospa == pytest.approx(40.0)
    assert ospa(X, X, 50.0).ospa == 0.0
    assert ospa(np.zeros((0, 2)), X, 50.0).ospa == pytest.approx(50.0)
    g = gospa(X, Y, 50.0, 1.0)
    assert g.gospa == pytest.approx(30.0 + 25.0)
    assert (g.n_missed, g.n_false) == (1, 0)


def test_metrics_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="cut-off"):
        ospa(np.zeros((1, 2)), np.zeros((1, 2)), 0.0)
    with pytest.raises(ValueError, match="order p"):
        gospa(np.zeros((1, 2)), np.zeros((1, 2)), 10.0, 0.5)
    with pytest.raises(ValueError, match="NaN"):
        ospa(np.array([[np.nan, 0.0]]), np.zeros((1, 2)), 10.0)


def _assignment(rows: list[tuple[int, int, int]]) -> TrackTruthAssignment:
    a = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return TrackTruthAssignment(a[:, 0], a[:, 1], a[:, 2], np.zeros(len(rows)))


def test_id_switches_and_continuity_known_answers() -> None:
    # Truth 7: tracked by 1, 1, gap, 1, then 2, 2 -> one switch, two fragments, longest 3/6.
    # Truth 9: tracked by 5 throughout its 3 scans.
    rows = [(0, 7, 1), (1, 7, 1), (2, 7, -1), (3, 7, 1), (4, 7, 2), (5, 7, 2)]
    rows += [(1, 9, 5), (2, 9, 5), (3, 9, 5)]
    a = _assignment(rows)
    assert id_switches(a) == 1
    c = track_continuity(a)
    assert c.coverage == pytest.approx(8 / 9)
    assert c.fragments_per_truth == pytest.approx((2 + 1) / 2)
    assert c.longest_fraction == pytest.approx((2 / 6 + 3 / 3) / 2)


def test_assign_tracks_to_truth_and_swap_counts_two_switches() -> None:
    truth = [np.array([[0.0, 0.0], [1000.0, 0.0]])] * 3
    tid = [np.array([10, 11])] * 3
    est = [
        np.array([[5.0, 0.0], [1005.0, 0.0]]),
        np.array([[1003.0, 0.0], [4.0, 0.0]]),  # ids swap here
        np.array([[1003.0, 0.0], [2.0, 0.0], [5e4, 0.0]]),  # plus a far false track
    ]
    kid = [np.array([1, 2]), np.array([1, 2]), np.array([1, 2, 3])]
    a = assign_tracks_to_truth(truth, tid, est, kid, max_distance=100.0)
    assert a.track_id.tolist() == [1, 2, 2, 1, 2, 1]
    assert id_switches(a) == 2
    assert track_continuity(a).coverage == 1.0
