"""The catalogue radars reproduce the published detection range through the radar
equation, and the scan behaves as the physics says."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import TerrainGrid
from samsim.scenario.catalog import load_catalog
from samsim.sensors.detection import pd_swerling
from samsim.sensors.radar import Radar


def _radar(name: str, mast_m: float | None = None) -> Radar:
    spec = load_catalog()["radars"][name].spec
    if mast_m is not None:
        spec = spec.model_copy(update={"mast_height_m": mast_m})
    f = EnuFrame(40.0, -40.0, 0.0)
    base = f.geodetic_to_enu(40.0, -40.0, 0.0)
    return Radar(name, 0, 0, spec, f, base, TerrainGrid.flat(f, 0.0), 0.0, 4.0 / 3.0)


def test_91n6e_sees_a_large_target_at_600_km() -> None:
    r = _radar("91N6E")
    pd = pd_swerling(r.snr_db(np.array([600e3]), np.array([10.0])), r.spec.pfa, r.spec.n_pulses, 1)
    assert float(pd[0]) == pytest.approx(0.5, abs=0.01)


def test_92n6e_calibration() -> None:
    r = _radar("92N6E")
    pd = pd_swerling(r.snr_db(np.array([250e3]), np.array([1.0])), r.spec.pfa, r.spec.n_pulses, 1)
    assert float(pd[0]) == pytest.approx(0.5, abs=0.01)


def test_snr_falls_as_range_to_the_fourth() -> None:
    r = _radar("92N6E")
    s = r.snr_db(np.array([50e3, 100e3]), np.array([1.0, 1.0]))
    assert s[0] - s[1] == pytest.approx(40 * np.log10(2), abs=1e-9)


def test_horizon_masks_a_low_target() -> None:
    """A 30 m target is invisible beyond the 4/3-earth horizon of a 10 m antenna
    (sqrt(2kRh1) + sqrt(2kRh2) = 13.0 + 22.6 = 35.6 km), visible inside it."""
    r = _radar("91N6E", mast_m=10.0)
    f = EnuFrame(40.0, -40.0, 0.0)
    near = f.geodetic_to_enu(40.0 + 34e3 / 111e3, -40.0, 30.0)
    far = f.geodetic_to_enu(40.0 + 37.5e3 / 111e3, -40.0, 30.0)
    cov = r.coverage(np.stack([near, far]), np.array([30.0, 30.0]))
    assert cov.visible.tolist() == [True, False]


@settings(max_examples=30, deadline=None)
@given(st.floats(0.001, 100.0), st.floats(1.0, 1000.0), st.floats(5e3, 500e3))
def test_more_rcs_never_lowers_pd(rcs: float, factor: float, rng_m: float) -> None:
    r = _radar("91N6E")
    s1 = r.snr_db(np.array([rng_m]), np.array([rcs]))
    s2 = r.snr_db(np.array([rng_m]), np.array([rcs * factor]))
    p1 = pd_swerling(s1, r.spec.pfa, r.spec.n_pulses, 1)
    p2 = pd_swerling(s2, r.spec.pfa, r.spec.n_pulses, 1)
    assert p2[0] >= p1[0]


def test_scan_detection_rate_matches_pd() -> None:
    """Over many looks the detection frequency matches Pd (binomial 5-sigma band)."""
    r = _radar("92N6E")
    f = EnuFrame(40.0, -40.0, 0.0)
    target = f.geodetic_to_enu(40.0 + 250e3 / 111e3, -40.0, 10000.0)
    n = 4000
    pos = np.repeat(target[None, :], n, axis=0)
    rng = np.random.default_rng(3)
    det = r.scan(
        0.0, np.arange(n), pos, np.full(n, 10000.0), np.ones(n), np.ones(n, dtype=np.int64), rng
    )
    _, _, true_r = f.site(r.site.position_enu_m).aer(target)
    pd = float(
        pd_swerling(r.snr_db(np.array([true_r]), np.array([1.0])), r.spec.pfa, r.spec.n_pulses, 1)[
            0
        ]
    )
    sigma = np.sqrt(n * pd * (1 - pd))
    assert abs(len(det) - n * pd) < 5 * sigma
    # measured range errors are consistent with their stated sigma
    z = (det.range_m - det.true_range_m) / det.sigma_range_m
    assert abs(float(np.std(z)) - 1.0) < 0.1
