"""samsim.lsap against scipy.optimize.linear_sum_assignment: the same assignment, entry
for entry (the engine's event logs depend on which of several optimal assignments is
taken), and its optimality on its own terms."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment as scipy_lsap

from samsim.lsap import linear_sum_assignment


@st.composite
def cost_matrices(draw: st.DrawFn) -> np.ndarray:
    """Small matrices, wide or tall, with many ties (small integers) or continuous costs,
    and some forbidden (+inf) or large-penalty entries."""
    nr = draw(st.integers(0, 7))
    nc = draw(st.integers(0, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["ties", "float", "penalty"]))
    if kind == "ties":
        c = rng.integers(-2, 3, size=(nr, nc)).astype(float)
    elif kind == "float":
        c = rng.normal(size=(nr, nc)) * 10.0 ** rng.integers(-3, 4)
    else:  # the GNN form: forbidden pairs at a large penalty, misses at 0
        c = np.where(rng.random((nr, nc)) < 0.5, 1e12, -rng.random((nr, nc)) * 20.0)
    if draw(st.booleans()) and c.size:
        c[rng.random(c.shape) < 0.2] = np.inf
    return c


def _scipy(c: np.ndarray) -> tuple[np.ndarray, np.ndarray] | str:
    try:
        r, k = scipy_lsap(c)
    except ValueError as e:
        return str(e)
    return r.astype(np.int64), k.astype(np.int64)


def _ours(c: np.ndarray) -> tuple[np.ndarray, np.ndarray] | str:
    try:
        return linear_sum_assignment(c)
    except ValueError as e:
        return str(e)


@settings(max_examples=600, deadline=None)
@given(cost_matrices())
def test_same_assignment_as_scipy(c: np.ndarray) -> None:
    want, got = _scipy(c), _ours(c)
    if isinstance(want, str) or isinstance(got, str):
        assert want == got
        return
    assert want[0].tolist() == got[0].tolist()
    assert want[1].tolist() == got[1].tolist()
    assert got[0].dtype == np.int64 and got[1].dtype == np.int64


@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 3)])
def test_optimal_by_enumeration(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        c = rng.integers(0, 4, size=shape).astype(float)
        rows, cols = linear_sum_assignment(c)
        n = min(shape)
        assert len(rows) == n and len(set(rows.tolist())) == n and len(set(cols.tolist())) == n
        small, big = sorted(shape)
        best = min(
            sum(c[(i, p[i]) if shape[0] <= shape[1] else (p[i], i)] for i in range(small))
            for p in itertools.permutations(range(big), small)
        )
        assert c[rows, cols].sum() == best


def test_constant_matrix_gives_identity() -> None:
    rows, cols = linear_sum_assignment(np.ones((4, 4)))
    assert rows.tolist() == cols.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("c", "message"),
    [
        (np.array([[0.0, np.nan]]), "invalid numeric entries"),
        (np.array([[0.0, -np.inf]]), "invalid numeric entries"),
        (np.array([[np.inf, np.inf], [0.0, 1.0]]), "infeasible"),
        (np.zeros(3), "2-D"),
    ],
)
def test_bad_matrices_raise(c: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        linear_sum_assignment(c)


def test_empty() -> None:
    for shape in [(0, 0), (0, 3), (3, 0)]:
        rows, cols = linear_sum_assignment(np.zeros(shape))
        assert rows.size == cols.size == 0
