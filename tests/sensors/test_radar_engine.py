"""The radar as the engine drives it: search regions, false alarms over the searched
cells, clutter and jamming as SINR, cue windows and the fire-control radar's channels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from samsim.geo.frames import EnuFrame
from samsim.geo.los import visible
from samsim.geo.terrain import TerrainGrid
from samsim.physics.threats import ThreatTable, Trajectory
from samsim.scenario.catalog import load_catalog
from samsim.sensors.clutter import clutter_to_noise_db, n_resolution_cells
from samsim.sensors.cueing import FireControlChannels, time_to_go_s, track_windows
from samsim.sensors.interference import CARRIED, ESCORT, FIXED, Emitters, JammerTable
from samsim.sensors.jamming import self_screening_jnr_db, stand_off_jnr_db
from samsim.sensors.radar import (
    Detections,
    Radar,
    SearchRegion,
    Windows,
    detection_details,
    unit_tracker_figures,
)

FRAME = EnuFrame(40.0, -40.0, 0.0)


def _radar(name: str, index: int = 0, **update: object) -> Radar:
    spec = load_catalog()["radars"][name].spec
    if update:
        spec = spec.model_validate({**spec.model_dump(), **update})
    base = FRAME.geodetic_to_enu(40.0, -40.0, 0.0)
    return Radar(name, index, 0, spec, FRAME, base, TerrainGrid.flat(FRAME, 0.0), 0.0, 4 / 3)


def _at(radar: Radar, az_deg: float, el_deg: float, range_m: float) -> np.ndarray:
    return radar.site.aer_to_enu(math.radians(az_deg), math.radians(el_deg), range_m)


# -- false alarms ---------------------------------------------------------------------


def test_sector_cells_are_range_cells_times_beams() -> None:
    r = _radar("91N6E")
    s = r.spec
    expected = (
        (s.instrumented_range_m - s.min_range_m)
        / r.range_resolution_m
        * (2 * math.pi / s.beamwidth_az_rad)
        * ((s.autonomous_search_elevation_max_rad - s.elevation_min_rad) / s.beamwidth_el_rad)
    )
    assert r.sector_cells == pytest.approx(expected, rel=1e-12)
    # about 5.8e7 cells: with Pfa 1e-7, about 6 false alarms a scan
    assert 5.5e7 < r.sector_cells < 6.1e7


def test_false_alarm_count_per_scan_is_poisson_with_mean_pfa_times_cells() -> None:
    r = _radar("91N6E", pfa=1e-6)
    rng = np.random.default_rng(11)
    counts = np.array([len(r.false_alarms(rng, SearchRegion(sector=True))[0]) for _ in range(400)])
    mean = r.spec.pfa * r.sector_cells  # about 58
    # mean within 5 standard errors; variance ~ mean (Poisson dispersion)
    assert abs(counts.mean() - mean) < 5 * math.sqrt(mean / len(counts))
    assert counts.var(ddof=1) / mean == pytest.approx(1.0, abs=0.25)


def test_false_alarms_are_uniform_over_cells() -> None:
    r = _radar("91N6E", pfa=1e-5)
    rng = np.random.default_rng(2)
    rr, az, el = r.false_alarms(rng, SearchRegion(sector=True))
    s = r.spec
    assert len(rr) > 300
    u_r = (rr - s.min_range_m) / (s.instrumented_range_m - s.min_range_m)
    u_az = az / (2 * math.pi)
    u_el = (el - s.elevation_min_rad) / (
        s.autonomous_search_elevation_max_rad - s.elevation_min_rad
    )
    for u in (u_r, u_az, u_el):
        assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_window_false_alarms_scale_with_window_cells() -> None:
    r = _radar("92N6E", pfa=1e-3)
    w = Windows(
        track_id=np.array([1, 2]),
        range_m=np.array([50e3, 100e3]),
        az_rad=np.array([0.5, 2.0]),
        el_rad=np.array([0.05, 0.1]),
        half_range_m=np.array([3e3, 600.0]),
        half_az_rad=np.full(2, 0.02),
        half_el_rad=np.full(2, 0.01),
    )
    cells = r.window_cells(w)
    assert cells[0] == pytest.approx(
        (6e3 / r.range_resolution_m)
        * (0.04 / r.spec.beamwidth_az_rad)
        * (0.02 / r.spec.beamwidth_el_rad)
    )
    rng = np.random.default_rng(5)
    region = SearchRegion(sector=False, windows=w)
    n_scans = 300
    hits = np.zeros(2)
    for _ in range(n_scans):
        rr, az, el = r.false_alarms(rng, region)
        inside = w.contains(rr, az, el)
        assert inside.any(axis=1).all()  # every false alarm lies in a window
        hits += inside.sum(axis=0)
    mean = r.spec.pfa * cells * n_scans
    assert np.all(np.abs(hits - mean) < 5 * np.sqrt(mean))


def test_no_false_alarms_without_their_stream_and_none_outside_the_region() -> None:
    r = _radar("92N6E")
    assert r.sector_cells == 0.0  # cued only: no autonomous search
    rr, _, _ = r.false_alarms(np.random.default_rng(0), SearchRegion(sector=True))
    assert len(rr) == 0


# -- where the radar looks ------------------------------------------------------------


def _look(r: Radar, pos: np.ndarray, region: SearchRegion, seed: int = 0) -> Detections:
    n = len(pos)
    return r.scan(
        0.0,
        np.arange(n),
        pos,
        FRAME.altitude_m(pos),
        np.full(n, 10.0),
        np.zeros(n, dtype=np.int64),
        np.random.default_rng(seed),
        region=region,
    )


def test_cued_radar_detects_only_inside_its_windows() -> None:
    r = _radar("92N6E")
    pos = np.stack([_at(r, 10.0, 2.0, 60e3), _at(r, 200.0, 2.0, 60e3)])
    # no autonomous search, no window: blind
    assert len(_look(r, pos, SearchRegion(sector=False))) == 0
    az, el, rng = r.site.aer(pos[:1])
    w = Windows(np.array([7]), rng, az, el, np.array([500.0]), np.array([0.01]), np.array([0.01]))
    det = _look(r, pos, SearchRegion(sector=False, windows=w))
    assert det.threat_id.tolist() == [0]  # strong target: Pd ~ 1 inside, nothing outside
    # the whole field of regard sees both
    assert sorted(_look(r, pos, SearchRegion(whole_field=True)).threat_id.tolist()) == [0, 1]


def test_track_windows_known_answer() -> None:
    r = _radar("92N6E")
    pos = _at(r, 30.0, 10.0, 80e3)[None, :]
    sigma = 200.0
    w = track_windows(r, np.array([3]), pos, np.eye(3)[None] * sigma**2, 3.0)
    assert w.range_m[0] == pytest.approx(80e3, rel=1e-9)
    assert w.half_range_m[0] == r.spec.cue_window_range_m  # the range gate
    assert w.half_az_rad[0] == pytest.approx(3 * sigma / (80e3 * math.cos(math.radians(10))))
    assert w.half_el_rad[0] == pytest.approx(3 * sigma / 80e3)
    # a poor cue is capped at the largest acquisition window
    big = track_windows(r, np.array([3]), pos, np.eye(3)[None] * 20e3**2, 3.0)
    assert big.half_range_m[0] == r.spec.cue_window_range_m
    assert big.half_az_rad[0] == pytest.approx(
        0.5 * r.spec.cue_window_max_beams * r.spec.beamwidth_az_rad
    )


def _reference_windows(
    r: Radar, pos: np.ndarray, cov: np.ndarray, n_sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """The window half sizes as the array formulas of track_windows' docstring, with the
    quadratic forms summed in row order from 0 (the kernel's documented order)."""
    az, el, rng = r.site.aer(pos)
    cl = r.site.rot[None] @ cov @ r.site.rot.T[None]
    sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
    u_az = np.stack([ca, -sa, np.zeros_like(sa)], axis=1)
    u_el = np.stack([-sa * se, -ca * se, ce], axis=1)

    def quad(u: np.ndarray) -> np.ndarray:
        acc = np.zeros(len(u))
        for i in range(3):
            for j in range(3):
                acc = acc + u[:, i] * cl[:, i, j] * u[:, j]
        return acc

    s = r.spec
    rr = np.maximum(rng, 1.0)
    sig_az = np.sqrt(np.maximum(quad(u_az), 0.0)) / (rr * np.maximum(ce, 1e-6))
    sig_el = np.sqrt(np.maximum(quad(u_el), 0.0)) / rr
    hb = 0.5 * s.cue_window_max_beams
    half_az = np.clip(n_sigma * sig_az, 0.5 * s.beamwidth_az_rad, hb * s.beamwidth_az_rad)
    half_el = np.clip(n_sigma * sig_el, 0.5 * s.beamwidth_el_rad, hb * s.beamwidth_el_rad)
    # the einsum the formulas used before: the same sums, to rounding
    np.testing.assert_allclose(quad(u_el), np.einsum("ni,nij,nj->n", u_el, cl, u_el), rtol=1e-12)
    return half_az, half_el


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(0, 2**32 - 1),
    st.floats(0.5, 6.0),
)
def test_window_and_time_to_go_kernels_equal_the_array_formulas(
    m: int, seed: int, n_sigma: float
) -> None:
    """The compiled window half sizes and times to go (issue 16) are the same doubles as
    the array formulas, bit for bit; the einsum the formulas used before agrees to 1e-14."""
    rng = np.random.default_rng(seed)
    r = _radar("92N6E")
    x = np.empty((m, 6))
    x[:, :3] = r.site.position_enu_m + rng.normal(0.0, 60e3, (m, 3)) * [1, 1, 0.1]
    x[:, 3:] = rng.normal(0.0, 300.0, (m, 3))
    a = rng.normal(0.0, 1.0, (m, 3, 3)) * rng.uniform(10.0, 5e3, (m, 1, 1))
    cov = a @ np.swapaxes(a, 1, 2)
    w = track_windows(r, np.arange(m), x[:, :3], cov, n_sigma)
    half_az, half_el = _reference_windows(r, x[:, :3], cov, n_sigma)
    assert np.array_equal(w.half_az_rad, half_az)
    assert np.array_equal(w.half_el_rad, half_el)
    rel = x[:, :3] - r.site.position_enu_m
    p = rel * x[:, 3:]
    rg = np.maximum(np.sqrt(rel[:, 0] ** 2 + rel[:, 1] ** 2 + rel[:, 2] ** 2), 1.0)
    closing = -((p[:, 0] + p[:, 2]) + p[:, 1]) / rg
    assert np.array_equal(time_to_go_s(r, x), rg / np.maximum(closing, 1.0))
    assert np.array_equal(time_to_go_s(r, x[:, :3]), rg)  # positions only: the range
    dot = -np.einsum("ij,ij->i", rel, x[:, 3:]) / rg
    np.testing.assert_allclose(time_to_go_s(r, x), rg / np.maximum(dot, 1.0), rtol=1e-14)


def test_common_random_numbers_per_threat() -> None:
    """With n_threats, a threat's draws do not depend on which other threats are given."""
    r = _radar("91N6E")
    pos = np.stack([_at(r, a, 3.0, 450e3) for a in (0.0, 90.0, 180.0)])
    alt = FRAME.altitude_m(pos)
    rcs = np.full(3, 3.0)
    sw = np.ones(3, dtype=np.int64)
    hits_all, hits_one = [], []
    for seed in range(60):
        d = r.scan(0.0, np.arange(3), pos, alt, rcs, sw, np.random.default_rng(seed), n_threats=3)
        hits_all.append(2 in d.threat_id.tolist())
        d1 = r.scan(
            0.0, np.array([2]), pos[2:], alt[2:], rcs[2:], sw[2:], np.random.default_rng(seed),
            n_threats=3,
        )  # fmt: skip
        hits_one.append(2 in d1.threat_id.tolist())
    assert hits_all == hits_one
    assert 0 < sum(hits_all) < 60


# -- clutter and jamming ----------------------------------------------------------------


def test_ground_clutter_lowers_sinr_of_a_low_target_near_the_radar() -> None:
    r = _radar("91N6E")
    rng = np.array([5e3, 10e3, 40e3])
    el = np.full(3, math.radians(0.2))
    cnr = r.cnr_db(rng, el)
    s = r.spec
    ref = clutter_to_noise_db(
        range_m=rng[:2],
        beam_elevation_rad=el[:2],
        peak_power_w=s.peak_power_w,
        gain_tx_db=s.antenna_gain_db,
        gain_rx_db=s.antenna_gain_db,
        wavelength_m=s.wavelength_m,
        pulse_width_s=s.pulse_width_s,
        noise_figure_db=s.noise_figure_db,
        losses_db=s.losses_db,
        radar_height_m=s.mast_height_m,
        gamma_db=s.clutter_gamma_db,
        azimuth_beamwidth_rad=s.beamwidth_az_rad,
        elevation_beamwidth_rad=s.beamwidth_el_rad,
        range_resolution_m=r.range_resolution_m,
        sidelobe_level_db=s.sidelobe_level_db,
        effective_earth_radius_m=r.effective_earth_radius_m,
    )
    np.testing.assert_allclose(cnr[:2], ref, atol=1e-9)
    assert cnr[2] == -np.inf  # beyond the clutter horizon (13.0 km for a 10 m mast)
    snr = r.snr_db(rng, np.full(3, 0.1))
    sinr = r.sinr_db(snr, cnr, np.full(3, -np.inf))
    # clutter residue raises the threshold near the ground: 10 log10(1 + CNR / I)
    rise = 10 * np.log10(1 + 10 ** ((cnr[:2] - s.mti_improvement_db) / 10))
    np.testing.assert_allclose(snr[:2] - sinr[:2], rise, atol=1e-9)
    assert rise[0] > 20.0
    assert sinr[2] == pytest.approx(snr[2])
    # a better MTI gives it back
    r2 = _radar("91N6E", mti_improvement_db=90.0)
    assert r2.sinr_db(snr, cnr, np.full(3, -np.inf))[0] == pytest.approx(snr[0], abs=0.1)


def _emitters(pos: np.ndarray, erp: float, bw: float, center: float = math.nan) -> Emitters:
    m = len(pos)
    return Emitters(
        pos_m=pos,
        erp_w=np.full(m, erp),
        bandwidth_hz=np.full(m, bw),
        center_hz=np.full(m, center),
        losses_db=np.zeros(m),
        jammer=np.arange(m),
        carrier_threat=np.full(m, -1),
    )


def test_stand_off_jammer_in_the_sidelobes_matches_the_closed_form() -> None:
    r = _radar("91N6E")
    s = r.spec
    jam_pos = _at(r, 90.0, 1.0, 150e3)[None, :]
    em = _emitters(jam_pos, 1e3, 100e6)
    az, el = np.array([0.0]), np.array([math.radians(2.0)])
    _, _, rj = r.site.aer(jam_pos)
    ref = stand_off_jnr_db(
        jammer_erp_w=1e3,
        jammer_bandwidth_hz=100e6,
        radar_bandwidth_hz=s.bandwidth_hz,
        jammer_range_m=rj,
        gain_rx_db=s.antenna_gain_db,
        sidelobe_level_db=s.sidelobe_level_db,
        wavelength_m=s.wavelength_m,
        noise_figure_db=s.noise_figure_db,
        jammer_losses_db=0.0,
    )
    assert r.jnr_db(az, el, em)[0] == pytest.approx(float(ref[0]), abs=1e-9)
    # two equal jammers: +3.01 dB
    two = _emitters(np.vstack([jam_pos, jam_pos]), 1e3, 100e6)
    assert r.jnr_db(az, el, two)[0] == pytest.approx(float(ref[0]) + 10 * math.log10(2))
    # pointing at the jammer: main lobe, sidelobe level gained back
    az_j, el_j, _ = r.site.aer(jam_pos)
    assert r.jnr_db(az_j, el_j, em)[0] == pytest.approx(float(ref[0]) - s.sidelobe_level_db)
    # out of band: no jamming
    off = _emitters(jam_pos, 1e3, 100e6, center=10e9)
    assert r.jnr_db(az, el, off)[0] == -np.inf


def test_self_screening_jammer_is_in_the_main_lobe() -> None:
    r = _radar("92N6E")
    s = r.spec
    target = _at(r, 45.0, 3.0, 120e3)[None, :]
    az, el, rng = r.site.aer(target)
    em = _emitters(target, 50.0, 500e6)
    ref = self_screening_jnr_db(
        jammer_erp_w=50.0,
        jammer_bandwidth_hz=500e6,
        radar_bandwidth_hz=s.bandwidth_hz,
        target_range_m=rng,
        gain_rx_db=s.antenna_gain_db,
        wavelength_m=s.wavelength_m,
        noise_figure_db=s.noise_figure_db,
        jammer_losses_db=0.0,
    )
    assert r.jnr_db(az, el, em)[0] == pytest.approx(float(ref[0]), abs=1e-9)


def test_jammer_below_the_horizon_does_not_jam() -> None:
    r = _radar("91N6E")
    low = FRAME.geodetic_to_enu(40.0 + 300e3 / 111e3, -40.0, 10.0)[None, :]
    assert r.jnr_db(np.array([0.0]), np.array([0.05]), _emitters(low, 1e4, 1e8))[0] == -np.inf


def test_emitters_follow_their_platforms_and_switch() -> None:
    a = FRAME.geodetic_to_enu(41.0, -40.0, 5000.0)
    b = FRAME.geodetic_to_enu(40.5, -40.0, 5000.0)
    times = np.array([0.0, 100.0])
    tr = Trajectory(0.0, 100.0, np.stack([a, b]), np.zeros((2, 3)), np.full(2, 5000.0))
    threats = ThreatTable([tr, tr])
    table = JammerTable(
        names=["soj", "esc", "ssj"],
        kinds=["stand_off", "escort", "self_screening"],
        kind=np.array([FIXED, ESCORT, CARRIED, CARRIED]),
        jammer=np.array([0, 1, 2, 2]),
        fixed_pos_m=np.stack([a, np.zeros(3), np.zeros(3), np.zeros(3)]),
        route_row=np.full(4, -1),
        threat_row=np.array([-1, 0, 0, 1]),
        erp_w=np.ones(4),
        bandwidth_hz=np.ones(4),
        center_hz=np.full(4, np.nan),
        losses_db=np.zeros(4),
        on_s=np.array([10.0, 0.0, 0.0, 0.0]),
        off_s=np.array([60.0, np.inf, np.inf, np.inf]),
    )
    alive = np.array([False, True])  # threat 0 shot down
    em = table.emitters_at(50.0, threats, alive)
    # stand-off on; escort flies on with its (dead) lead; the dead carrier's jammer is silent
    assert em.jammer.tolist() == [0, 1, 2]
    assert em.carrier_threat.tolist() == [-1, -1, 1]
    np.testing.assert_allclose(em.pos_m[1], 0.5 * (a + b))
    assert table.emitters_at(70.0, threats, alive).jammer.tolist() == [1, 2]
    assert len(table.emitters_at(150.0, threats, alive)) == 0  # the group's flight is over
    assert times.size == 2


# -- fire-control channels ------------------------------------------------------------


def _tracks(r: Radar, ranges_km: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(ranges_km)
    ids = np.arange(1, n + 1, dtype=np.int64)
    x = np.stack([_at(r, 20.0 * i, 3.0, 1e3 * k) for i, k in enumerate(ranges_km)])
    cov = np.repeat(np.eye(3)[None] * 100.0**2, n, axis=0)
    return ids, x, cov


def test_channels_acquire_cued_tracks_up_to_capacity_most_urgent_first() -> None:
    r = _radar("92N6E", target_channels=2)
    ch = FireControlChannels(r, hold_s=5.0)
    ids, x, cov = _tracks(r, [150, 60, 90, 120])
    plan = ch.plan(0.0, ids, x, cov)
    assert plan.cued.tolist() == [2, 3, 4, 1]  # nearest first
    held = ch.update(0.0, plan.cued, np.array([60e3, 90e3, 120e3, 150e3]), set(ids.tolist()))
    assert held.tolist() == [True, True, False, False]
    assert sorted(ch.held) == [2, 3]
    # a nearer track takes the channel of the farthest held one the command post is not
    # engaging; an engaged one is never given up
    ids2 = np.append(ids, 5)
    x2 = np.vstack([x, _at(r, 300.0, 3.0, 30e3)])
    cov2 = np.vstack([cov, cov[:1]])
    plan = ch.plan(1.0, ids2, x2, cov2, engaged={3})
    assert plan.cued.tolist() == [5]  # only tracks that would outrank one that can go
    ch.update(1.0, np.array([2, 3, 5]), np.array([60e3, 90e3, 30e3]), {1, 2, 3, 4, 5}, {3})
    assert sorted(ch.held) == [3, 5]
    # hysteresis: a track only slightly more urgent (nearer, here) than the least urgent
    # held one is not even cued for its channel; a clearly nearer one is
    ids3 = np.array([3, 5, 6, 7])
    x3 = np.vstack([x2[[2, 4]], _at(r, 100.0, 3.0, 0.9 * 90e3), _at(r, 140.0, 3.0, 0.5 * 90e3)])
    plan = ch.plan(1.5, ids3, x3, cov2[:4])
    assert plan.cued.tolist() == [7]
    assert ch.update(1.5, np.array([6, 7]), np.array([81e3, 45e3]), {3, 5, 6, 7}).tolist() == [
        False,
        True,
    ]
    assert sorted(ch.held) == [5, 7]
    # a held track not refreshed for hold_s is released, unless engaged
    ch.plan(10.0, ids3, x3, cov2[:4], engaged={5})
    assert sorted(ch.held) == [5]


def test_channel_priority_is_time_to_go_with_preferred_tracks_first() -> None:
    r = _radar("92N6E", target_channels=1)
    near_slow = _at(r, 0.0, 2.0, 40e3)
    far_fast = _at(r, 90.0, 20.0, 150e3)
    away = _at(r, 180.0, 2.0, 20e3)
    x = np.zeros((3, 6))
    x[:, :3] = np.stack([near_slow, far_fast, away])
    for i, (p, speed) in enumerate(zip(x[:, :3], [250.0, 2000.0, -250.0], strict=True)):
        rel = p - r.site.position_enu_m
        x[i, 3:] = -speed * rel / np.linalg.norm(rel)  # closing at `speed`
    ids = np.array([1, 2, 3])
    cov = np.repeat(np.eye(3)[None] * 1e4, 3, axis=0)
    ch = FireControlChannels(r, hold_s=5.0)
    # time to go: 160 s, 75 s, and a receding track last
    assert ch.plan(0.0, ids, x, cov).cued.tolist() == [2, 1, 3]
    ch2 = FireControlChannels(r, hold_s=5.0)
    plan = ch2.plan(0.0, ids, x, cov, preferred=np.array([False, False, True]))
    assert plan.cued.tolist() == [3, 2, 1]


def test_channels_do_not_acquire_uncued_or_unconfirmed_tracks() -> None:
    r = _radar("92N6E")
    ch = FireControlChannels(r, hold_s=5.0)
    ids, x, cov = _tracks(r, [50])
    ch.plan(0.0, ids, x, cov)
    held = ch.update(0.0, np.array([1, 9, -1]), np.array([50e3, 40e3, 30e3]), {1, 9})
    assert held.tolist() == [True, False, False]  # 9 was not cued (no autonomous search)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4),
    st.lists(
        st.tuples(
            st.lists(st.integers(1, 12), max_size=12, unique=True),
            st.lists(st.integers(-1, 12), max_size=15),
            st.sets(st.integers(1, 12), max_size=4),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_channels_never_exceed_capacity(capacity: int, scans: list) -> None:  # type: ignore[type-arg]
    r = _radar("92N6E", target_channels=capacity)
    ch = FireControlChannels(r, hold_s=3.0)
    rng = np.random.default_rng(0)
    for k, (live, det_ids, engaged) in enumerate(scans):
        ids = np.array(sorted(live), dtype=np.int64)
        x = (
            np.stack([_at(r, 7.0 * i, 2.0, 20e3 + 5e3 * i) for i in ids])
            if len(ids)
            else np.zeros((0, 3))
        )
        cov = np.repeat(np.eye(3)[None] * 1e4, len(ids), axis=0)
        eng = {e for e in engaged if e in ch.held}
        ch.plan(float(k), ids, x, cov, eng)
        dets = np.array([d for d in det_ids if d < 0 or d in live], dtype=np.int64)
        ch.update(float(k), dets, rng.uniform(10e3, 90e3, len(dets)), set(live), eng)
        assert len(ch.held) <= capacity
        assert set(ch.held) <= set(live)


# -- engine glue ----------------------------------------------------------------------


def test_detection_details_tokens() -> None:
    n = 3
    f = np.zeros(n)
    d = Detections(
        0.0, 0, np.array([0, 1, -1]), f, f, f, f, f, f,
        snr_db=np.array([10.0, 12.0, np.nan]),
        true_range_m=f,
        sinr_db=np.array([4.0, 12.0, np.nan]),
        jnr_db=np.array([5.5, -np.inf, -np.inf]),
        cnr_db=np.array([-np.inf, -np.inf, -np.inf]),
    )  # fmt: skip
    assert detection_details(d, ["track", "", ""]) == ["track;jnr_db=5.50;sinr_db=4.00", "", ""]
    d.jnr_db[:] = -np.inf
    assert detection_details(d) == ""
    assert detection_details(d, ["acquired", "", ""]) == ["acquired", "", ""]
    d.cnr_db[1] = 7.0  # clutter alone also details every detection
    assert detection_details(d) == ["", "cnr_db=7.00;sinr_db=12.00", ""]


def test_unit_tracker_figures_come_from_the_radars() -> None:
    acq, fcr = _radar("91N6E"), _radar("92N6E", 1)
    pd, density = unit_tracker_figures([acq, fcr])
    assert pd == min(acq.spec.tracking_pd, fcr.spec.tracking_pd)
    cells = n_resolution_cells(
        range_min_m=acq.spec.min_range_m,
        range_max_m=acq.spec.instrumented_range_m,
        range_resolution_m=acq.range_resolution_m,
        az_sector_rad=2 * math.pi,
        azimuth_beamwidth_rad=acq.spec.beamwidth_az_rad,
        el_sector_rad=acq.spec.autonomous_search_elevation_max_rad - acq.spec.elevation_min_rad,
        elevation_beamwidth_rad=acq.spec.beamwidth_el_rad,
    )
    assert density == pytest.approx(acq.spec.pfa * cells / acq.search_volume_m3())
    assert unit_tracker_figures([fcr])[1] is None


@pytest.mark.parametrize("k_factor", [4 / 3, 1.0, 0.8])
def test_line_of_sight_shortcut_agrees_with_the_terrain_test(k_factor: float) -> None:
    """Over ground below the antenna, targets well above the horizontal skip the path
    test; the answer must be the terrain LOS's (both sides of the 1 mrad margin)."""
    r = _radar("91N6E")
    r.k_factor = k_factor
    rng = np.random.default_rng(0)
    n = 20000
    az, el, rg = (
        rng.uniform(0, 2 * np.pi, n),
        rng.uniform(-0.02, 0.3, n),
        rng.uniform(2e3, 600e3, n),
    )
    pos = r.site.aer_to_enu(az, el, rg)
    a, e, g = r.site.aer(pos)
    got = r.coverage_at(pos, a, e, g).visible
    s = r.spec
    inside = (g >= s.min_range_m) & (g <= s.instrumented_range_m) & (e >= s.elevation_min_rad)
    want = np.zeros(n, dtype=bool)
    want[inside] = visible(
        r.base_enu_m, pos[inside], r.terrain, antenna_height_m=s.mast_height_m, k_factor=k_factor
    )
    assert (got == want).all()
    assert 0 < want.sum() < n


def _notch_scan(radar: Radar, looks: int = 60) -> dict[int, int]:
    """Detections per threat over ``looks`` scans of three 10 m^2 targets: 0 crossing the
    beam 8 km out (inside the 92N6E's 20.6 km clutter horizon), 1 closing 8 km out,
    2 crossing 40 km out and 8 km up (no clutter competes)."""
    near = _at(radar, 30.0, 0.5, 8e3)
    far = _at(radar, 30.0, 11.5, 40e3)
    pos = np.stack([near, near, far])
    los = (pos - radar.site.position_enu_m) / np.linalg.norm(
        pos - radar.site.position_enu_m, axis=1
    )[:, None]
    up = np.array([0.0, 0.0, 1.0])
    across = np.cross(los, up)
    across /= np.linalg.norm(across, axis=1)[:, None]
    vel = np.stack([250.0 * across[0], -250.0 * los[1], 250.0 * across[2]])
    rng = np.random.default_rng(5)
    counts = {0: 0, 1: 0, 2: 0}
    for k in range(looks):
        dets = radar.scan(
            float(k),
            np.arange(3),
            pos,
            np.array([100.0, 100.0, 8000.0]),
            np.full(3, 10.0),
            np.ones(3, dtype=np.int64),
            rng,
            vel_mps=vel,
        )
        for tid in dets.threat_id.tolist():
            counts[tid] += 1
    return counts


def test_a_target_crossing_the_beam_in_clutter_hides_in_the_doppler_notch() -> None:
    r = _radar("92N6E")
    assert r.spec.mti_notch_mps == 10.0
    counts = _notch_scan(r)
    assert counts[0] == 0  # crossing, in clutter: filtered out with the clutter
    assert counts[1] >= 55  # closing at 250 m/s: far outside the notch
    assert counts[2] >= 55  # crossing, but above the clutter horizon: no MTI, no notch
    no_notch = _notch_scan(_radar("92N6E", mti_notch_mps=0.0))
    assert no_notch[0] >= 55


@given(
    st.floats(-50.0, 50.0),
    st.floats(0.0, 40.0),
    st.sampled_from([-np.inf, 30.0]),
)
def test_notch_is_radial_speed_below_the_half_width_where_clutter_competes(
    v_radial: float, notch: float, cnr: float
) -> None:
    r = _radar("92N6E", mti_notch_mps=notch)
    pos = _at(r, 45.0, 1.0, 10e3)[None, :]
    los = (pos[0] - r.site.position_enu_m) / np.linalg.norm(pos[0] - r.site.position_enu_m)
    side = np.cross(los, [0.0, 0.0, 1.0])
    vel = (v_radial * los + 200.0 * side / np.linalg.norm(side))[None, :]
    got = bool(r.in_notch(pos, vel, np.array([cnr]))[0])
    if abs(abs(v_radial) - notch) > 1e-6:
        assert got == (np.isfinite(cnr) and abs(v_radial) < notch)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(0, 300), st.integers(0, 300))
def test_any_window_equals_the_dense_test(seed: int, n: int, m: int) -> None:
    """The sorted-azimuth search of windows gives ``contains(...).any(axis=1)`` exactly,
    across the +-pi wrap and with windows of very different widths."""
    rng = np.random.default_rng(seed)
    az_c = rng.choice([0.0, math.pi - 0.01, -math.pi + 0.01, 1.0])
    w = Windows(
        track_id=np.arange(m, dtype=np.int64),
        range_m=rng.uniform(1e4, 5e4, m),
        az_rad=(az_c + rng.normal(0.0, 0.05, m) + math.pi) % (2 * math.pi) - math.pi,
        el_rad=rng.uniform(0.0, 0.1, m),
        half_range_m=rng.uniform(100.0, 5e3, m),
        half_az_rad=rng.choice([0.002, 0.02, 0.3], m),
        half_el_rad=rng.uniform(0.005, 0.05, m),
    )
    rr = rng.uniform(1e4, 5e4, n)
    az = (az_c + rng.normal(0.0, 0.06, n) + math.pi) % (2 * math.pi) - math.pi
    el = rng.uniform(0.0, 0.1, n)
    want = w.contains(rr, az, el).any(axis=1) if m else np.zeros(n, dtype=bool)
    assert w.any_contains(rr, az, el).tolist() == want.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-2e9, 2e9, allow_nan=False),
    st.floats(-2e9, 2e9, allow_nan=False),
)
def test_outranks_of_one_key_equals_the_array_rule(key: float, worst: float) -> None:
    from samsim.sensors.cueing import _outranks, _outranks_one

    assert _outranks_one(key, worst) == bool(_outranks(np.array([key]), worst)[0])
