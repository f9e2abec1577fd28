"""The heuristic's compiled integer step (the removals and the feasibility mask of the
assignment neighbourhood) against the array code it replaced, byte for byte."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from samsim.c2.wta_heuristic import _batch, _exchange_feasible

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _reference(
    x: NDArray[np.int64],
    types: NDArray[np.int64],
    origin: NDArray[np.int64],
    count: NDArray[np.int64],
    pair_cap: NDArray[np.int64],
    target_cap: NDArray[np.int64],
    channel_cap: NDArray[np.int64],
    grp: NDArray[np.int64],
    group_channels: NDArray[np.int64],
    kick: bool,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """``assignment_exchange``'s removals and mask as they were in numpy (d232c31)."""
    n_types, n_targets, n_groups = x.shape[0], x.shape[1], group_channels.shape[0]
    xr = x.copy()
    has = origin >= 0
    np.subtract.at(xr, (types[has], origin[has]), count[has])
    cnt_after = xr.sum(axis=0)
    m = count[:, None]
    ok = (xr[types, :] + m <= pair_cap[types, :]) & (cnt_after[None, :] + m <= target_cap)
    if kick:
        ok[np.flatnonzero(has), origin[has]] = False
    engaged = xr > 0
    nch_after = engaged.sum(axis=1)
    nb_type = np.bincount(types, minlength=n_types)
    tight = nch_after + nb_type > channel_cap
    if tight.any():
        vacated = np.zeros_like(engaged)
        vacated[types[has], origin[has]] = True
        keep = engaged | vacated
        rows_tight = tight[types]
        ok[rows_tight] &= keep[types[rows_tight]]
    gx_after = np.zeros((n_groups, n_targets), np.int64)
    np.add.at(gx_after, grp, xr)
    g_eng = gx_after > 0
    gtight = g_eng.sum(axis=1) + np.bincount(grp[types], minlength=n_groups) > group_channels
    if gtight.any():
        g_vac = np.zeros_like(g_eng)
        g_vac[grp[types[has]], origin[has]] = True
        g_keep = g_eng | g_vac
        rows_g = gtight[grp[types]]
        ok[rows_g] &= g_keep[grp[types[rows_g]]]
    return xr, ok


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 6),
    st.integers(1, 3),
    seeds,
    st.integers(0, 5),
    st.booleans(),
    st.booleans(),
)
def test_exchange_feasible_equals_the_array_code(
    n_w: int, n_t: int, n_g: int, seed: int, rot: int, blocks: bool, kick: bool
) -> None:
    rng = np.random.default_rng(seed)
    n_g = min(n_g, n_w)
    x = rng.integers(0, 3, (n_w, n_t)) * (rng.random((n_w, n_t)) < 0.5)
    x = x.astype(np.int64)
    rounds = x.sum(axis=1) + rng.integers(0, 3, n_w)
    pair_cap = rng.integers(0, 4, (n_w, n_t)).astype(np.int64)
    target_cap = rng.integers(0, 5, n_t).astype(np.int64)
    channel_cap = rng.integers(0, n_t + 2, n_w).astype(np.int64)
    grp = np.sort(rng.integers(0, n_g, n_w)).astype(np.int64)
    grp[:n_g] = np.arange(n_g)  # every group has a type
    grp = np.sort(grp)
    group_channels = rng.integers(0, n_t + 2, n_g).astype(np.int64)
    types, origin, count = _batch(x, rounds, rot, blocks)
    args = (x, types, origin, count, pair_cap, target_cap, channel_cap, grp, group_channels)
    xr, ok = _exchange_feasible(*args, kick)
    want_xr, want_ok = _reference(*args, kick)
    assert xr.dtype == want_xr.dtype and xr.tobytes() == want_xr.tobytes()
    assert ok.dtype == want_ok.dtype and ok.shape == want_ok.shape
    assert ok.tobytes() == want_ok.tobytes()
    py_xr, py_ok = _exchange_feasible.py_func(*args, kick)  # as `samsim validate` runs it
    assert py_xr.tobytes() == xr.tobytes() and py_ok.tobytes() == ok.tobytes()
