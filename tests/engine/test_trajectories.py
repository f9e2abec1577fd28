"""Trajectory rows: a threat's times in the order and with the duplicates a sort of all rows
by (entity, id, time) keeping the last of equal rows gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.engine.trajectories import _ascending_last


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 2.0000000000000004]), max_size=12))
def test_ascending_last_equals_sort_and_keep_last(times: list[float]) -> None:
    ts = np.array(times)
    o = np.lexsort((ts,))
    ref = ts[o]
    keep = np.ones(len(ref), dtype=bool)
    if len(ref) > 1:
        keep[:-1] = ref[1:] != ref[:-1]
    assert _ascending_last(ts).tolist() == ref[keep].tolist()
