"""The terrain LOS's compiled set-up against the array code it replaces (issue 16): foot
points and path tangents of :func:`samsim.geo.los.visible`, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import EnuFrame
from samsim.geo.los import ObserverGeometry, _foot_and_altitude

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _foot_reference(frame: EnuFrame, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The array form ``_foot_and_altitude`` had before its kernels."""
    lat, lon, alt = frame.enu_to_geodetic(pts)
    la, lo = np.radians(lat), np.radians(lon)
    normal = frame.ecef_vector_to_enu(
        np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    )
    return pts - alt[..., None] * normal, alt


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), seeds, st.floats(-80.0, 80.0), st.floats(-179.0, 179.0))
def test_foot_points_equal_the_array_form(n: int, seed: int, lat0: float, lon0: float) -> None:
    """Foot points and heights of (n, 3) points: the kernels give the array form's
    doubles; other shapes take the array form itself."""
    frame = EnuFrame(lat0, lon0, 0.0)
    rng = np.random.default_rng(seed)
    pts = rng.normal(0.0, 1.5e5, (n, 3)) * [1.0, 1.0, 0.05]
    foot, alt = _foot_and_altitude(frame, pts)
    ref_foot, ref_alt = _foot_reference(frame, pts)
    assert _same(foot, ref_foot)
    assert _same(alt, ref_alt)
    pts3 = pts.reshape(1, n, 3)
    assert _same(_foot_and_altitude(frame, pts3)[0], ref_foot.reshape(1, n, 3))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), seeds, st.floats(-80.0, 80.0), st.floats(0.0, 5e3))
def test_polar_path_equals_polar(n: int, seed: int, lat0: float, height: float) -> None:
    """theta and the path tangent for the LOS are those of ``ObserverGeometry.polar``,
    including points straight below the observer (rho = 0)."""
    frame = EnuFrame(lat0, 10.0, 0.0)
    rng = np.random.default_rng(seed)
    obs = ObserverGeometry.at(frame, rng.normal(0.0, 1e4, 3) * [1.0, 1.0, 0.0], height)
    ground = rng.normal(0.0, 2e5, (n, 3)) * [1.0, 1.0, 0.01]
    if n:
        ground[0] = obs.foot_enu_m  # rho = 0
    theta, _, te, tn = obs.polar(ground)
    got = obs._polar_path(ground)
    assert _same(got[0], theta)
    assert _same(got[1], te)
    assert _same(got[2], tn)
