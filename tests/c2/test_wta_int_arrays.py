"""``_int_array``'s pass-through of valid integers against its general path (issue 16):
the same int64 arrays, and the general path's errors for everything else."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.c2.wta_core import _int_array, make_problem


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 6), st.integers(0, 2**53 - 1), st.integers(0, 2**32 - 1))
def test_int_array_fast_path_equals_the_general_path(n: int, big: int, seed: int) -> None:
    """A whole number and an int64 array of the shape give the arrays the general path
    (through doubles, here fed a list) gives, bit for bit, and a new array each time."""
    rng = np.random.default_rng(seed)
    for value in (0, 1, big, int(rng.integers(0, 100))):
        got = _int_array("k", value, (n,), "what")
        want = _int_array("k", [float(value)] * n, (n,), "what")
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    arr = rng.integers(0, 2**53, n, dtype=np.int64)
    got = _int_array("k", arr, (n,), "what")
    want = _int_array("k", arr.tolist(), (n,), "what")
    assert got.tobytes() == want.tobytes() and got.flags.c_contiguous
    assert not np.shares_memory(got, arr)


def test_int_array_invalid_inputs_still_fail_by_name() -> None:
    """Values the pass-through does not take go through the checks: negative, too large
    for a double, wrong shape, booleans."""
    with pytest.raises(ValueError, match="rounds must be >= 0"):
        _int_array("rounds", -1, (2,), "missiles")
    with pytest.raises(ValueError, match="rounds must be >= 0"):
        _int_array("rounds", np.array([1, -2]), (2,), "missiles")
    with pytest.raises(ValueError, match="rounds has shape"):
        _int_array("rounds", np.array([1, 2, 3]), (2,), "missiles")
    with pytest.raises(ValueError, match="must be integers"):
        _int_array("rounds", True, (2,), "missiles")
    big = _int_array("rounds", np.array([2**53 + 1]), (1,), "missiles")
    assert big.tolist() == [int(float(2**53 + 1))]  # the general path's double rounding
    with pytest.raises(ValueError, match="rounds has shape"):
        make_problem(np.ones(2), np.full((1, 2), 0.5), np.array([1, 2]))
