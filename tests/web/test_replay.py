"""The replay document: decimation with a time-synchronised bound, radar horizon curve,
and what the page receives for a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.export.rundir import RunData, decimate_synchronised
from samsim.geo.earth import smooth_earth_visible
from samsim.web.replay import build_replay, visible_height_m
from tests.web.runfactory import OUTCOMES


def _sed(time_s: np.ndarray, pos: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Synchronised error of every sample against the track through the kept ones."""
    interp = np.stack([np.interp(time_s, time_s[keep], pos[keep, k]) for k in range(3)], axis=1)
    return np.linalg.norm(pos - interp, axis=1)


def test_straight_constant_speed_track_keeps_its_ends() -> None:
    t = np.arange(0.0, 600.0, 1.0)
    pos = np.stack([250.0 * t, -30.0 * t, np.full_like(t, 30.0)], axis=1)
    assert decimate_synchronised(t, pos, 1.0).tolist() == [0, len(t) - 1]


def test_speed_change_on_a_straight_line_is_kept() -> None:
    """Plain Douglas-Peucker drops the point (the path is straight); the replay must not,
    or the threat would be in the wrong place at the wrong time."""
    t = np.arange(0.0, 201.0)
    x = np.where(t < 100, 100.0 * t, 10000.0 + 300.0 * (t - 100))
    pos = np.stack([x, np.zeros_like(t), np.zeros_like(t)], axis=1)
    keep = decimate_synchronised(t, pos, 10.0)
    assert 100 in keep.tolist()
    assert _sed(t, pos, keep).max() <= 10.0


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 300),
    st.floats(1.0, 500.0),
    st.integers(0, 2**32 - 1),
)
def test_decimation_error_is_bounded(n: int, tol: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.1, 5.0, n))
    pos = np.cumsum(rng.normal(0.0, 200.0, (n, 3)), axis=0)
    keep = decimate_synchronised(t, pos, tol)
    assert keep[0] == 0 and keep[-1] == n - 1
    assert np.all(np.diff(keep) > 0)
    assert _sed(t, pos, keep).max() <= tol + 1e-9


@settings(max_examples=80, deadline=None)
@given(st.floats(1.0, 60.0), st.floats(1e3, 450e3), st.sampled_from([1.0, 4.0 / 3.0, 2.0]))
def test_visible_height_is_the_horizon_boundary(h_ant: float, s: float, k: float) -> None:
    """The side view's radar horizon inverts smooth_earth_visible (same model)."""
    h = float(visible_height_m(np.array([s]), h_ant, k)[0])
    if h > 0:
        assert smooth_earth_visible(h_ant, h * (1 + 1e-6) + 1e-6, s, k)
        assert not smooth_earth_visible(h_ant, h * (1 - 1e-6) - 1e-6, s, k)
    else:
        assert smooth_earth_visible(h_ant, 0.0, s, k)


def test_visible_height_known_answer() -> None:
    """10 m antenna, 4/3 earth: the horizon of a 10 m mast is 13.04 km; at 50 km the lowest
    visible height is (50 - 13.04)^2 / (2 kR) = 80.4 m (small-angle form; Skolnik sec. 8.2)."""
    k = 4.0 / 3.0
    re = k * 6371e3
    d1 = np.sqrt(2 * re * 10.0)
    h = visible_height_m(np.array([d1 * 0.5, 50e3]), 10.0, k)
    assert h[0] == 0.0
    assert h[1] == pytest.approx((50e3 - d1) ** 2 / (2 * re), rel=1e-3)


def test_replay_document_of_the_fixture(run_dir: Path) -> None:
    run = RunData(run_dir)
    doc = build_replay(run)
    assert len(doc["threats"]) == run.n_threats == 5
    assert [t["outcome"] for t in doc["threats"]] == [OUTCOMES[i] for i in range(5)]
    assert len(doc["interceptors"]) == run.summary["interceptors_fired_total"] == 8
    ev = doc["events"]
    assert len(ev["t"]) == run.events.num_rows
    assert ev["t"] == sorted(ev["t"])
    assert set(ev) >= {"kind", "threat", "lat", "lon", "sensor", "detail", "interceptor_id"}
    # every kill and leak is placed on the map
    for k, kind in enumerate(ev["kind"]):
        if kind in ("kill", "leak", "intercept", "launch"):
            assert ev["lat"][k] is not None and ev["lon"][k] is not None
    for tr in doc["threats"] + doc["interceptors"]:
        assert len(tr["t"]) == len(tr["lat"]) == len(tr["lon"]) == len(tr["alt"])
        assert len(tr["range"]) == len(tr["t"])
    # straight constant-speed threat tracks collapse to their two ends
    assert all(len(t["t"]) <= 3 for t in doc["threats"])
    tl = doc["threats"][2]["timeline"]
    assert tl["outcome"] == "leaked" and tl["outcome_detail"] == "reached port"
    assert len(tl["launches"]) == 2


def test_detections_are_thinned_beyond_the_cap(run_dir: Path) -> None:
    run = RunData(run_dir)
    det = int((run.ev["kind"] == "detection").sum())
    doc = build_replay(run, max_detections=5)
    ev = doc["events"]
    assert ev["detections_total"] == det and ev["detections_thinned"]
    kept = [k for k, kind in enumerate(ev["kind"]) if kind == "detection"]
    assert len(kept) < det
    # the first detection of each threat survives the thinning
    first = {tl.name: tl.first_detection_s for tl in run.timelines}
    for name, t0 in first.items():
        assert any(ev["threat"][k] == name and ev["t"][k] == round(t0, 2) for k in kept), name
    # everything that is not a detection is kept
    assert len(ev["t"]) - len(kept) == run.events.num_rows - det
