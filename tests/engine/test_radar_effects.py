"""Radars in the engine see what real radars see: false alarms at the configured Pfa,
terrain masking, noise jamming and burn-through, cueing and the fire-control radar's
channels, and the monotone properties (more RCS or power never shortens detection;
masking never adds any)."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache

import numpy as np
import pandas as pd
import pytest

from samsim.engine.loop import Engine
from samsim.engine.run import Run
from samsim.engine.world import World, compile_world
from samsim.errors import ScenarioError
from samsim.geo.terrain import TerrainGrid
from samsim.scenario.loader import load_scenario_text
from samsim.sensors.detection import pd_swerling
from samsim.sensors.jamming import self_screening_jnr_db, stand_off_jnr_db
from samsim.sensors.radar import Radar

BASE = """\
name: radar_effects
duration: {duration}
origin: {{lat: 40.0, lon: -40.0}}
assets:
  town: {{position: {{lat: 40.0, lon: -40.0}}, value: 10}}
units:
  bn:
    command_post: {{position: {{lat: 40.0, lon: -40.0}}}}
    radars:
      acq: {{type: 91N6E, position: {{lat: 40.0, lon: -40.0}}{acq}}}
      fcr: {{type: 92N6E, position: {{lat: 40.0, lon: -40.01}}{fcr}}}
    launchers:
      l1: {{position: {{lat: 40.01, lon: -40.0}}, load: {{48N6E3: {load}}}}}
threats:
  jet: {{type: {threat}{jet}}}
raid:
  inbound:
    threat: jet
    count: {count}
    interval: 0 s
    spread: {spread}
    route:
      - {{lat: {lat0}, lon: -40.0, {height}, speed: {speed}}}
      - {{lat: 40.3, lon: -40.0}}
{extra}"""


def scenario_text(**kw: object) -> str:
    args: dict[str, object] = dict(
        duration="4 min",
        acq="",
        fcr="",
        load=0,
        threat="fighter",
        jet="",
        count=3,
        spread="30 km",
        lat0=44.5,
        height="alt: 9 km",
        speed="300 m/s",
        extra="",
    )
    args.update(kw)
    return BASE.format(**args)


def run(text: str, seed: int = 0, world: World | None = None) -> Run:
    w = world or compile_world(load_scenario_text(text))
    return Engine(w, seed).run()


def events(r: Run) -> pd.DataFrame:
    return r.events.to_pandas()


def first_detection_range(ev: pd.DataFrame, sensor: str) -> dict[int, float]:
    d = ev[(ev.kind == "detection") & (ev.sensor == sensor) & (ev.threat_id >= 0)]
    return d.groupby("threat_id").range_m.first().to_dict()


# -- false alarms ---------------------------------------------------------------------

FAR = dict(lat0=56.0, count=1, duration="6 min", acq=", pfa: 1e-6")  # never in coverage


@cache
def _far_run() -> Run:
    return run(scenario_text(**FAR), seed=3)


def test_false_alarms_per_scan_match_pfa_times_cells() -> None:
    r = _far_run()
    ev = events(r)
    w = compile_world(load_scenario_text(scenario_text(**FAR)))
    acq = next(x for x in w.radars if x.name == "acq")
    fa = ev[(ev.kind == "detection") & (ev.sensor == "acq")]
    assert (fa.threat_id == -1).all()  # nothing real in coverage
    per_scan = fa.groupby("time_s").size()
    n_scans = len(per_scan)
    assert 34 <= n_scans <= 37  # one scan every 10 s for 6 minutes
    mean = acq.spec.pfa * acq.sector_cells  # about 58
    assert abs(per_scan.mean() - mean) < 5 * math.sqrt(mean / n_scans)
    assert fa.snr_db.isna().all() and (fa.threat_type == "").all()
    # the fire-control radar searches only where (false) tracks cued it: its verification
    # windows are small, so it adds few false alarms of its own
    fcr = ev[(ev.kind == "detection") & (ev.sensor == "fcr")]
    assert (fcr.threat_id == -1).all() and len(fcr) < 0.1 * len(fa)


def test_false_alarm_tracks_mostly_die_in_m_of_n_and_keep_truth_minus_one() -> None:
    ev = events(_far_run())
    starts = ev[ev.kind == "track_start"]
    assert len(starts) > 1000 and (starts.threat_id == -1).all()
    ends = ev[ev.kind == "track_end"]
    assert (ends.detail == "unconfirmed").mean() > 0.9
    # a few false tracks confirm (dense cells next to the radar) but carry no truth
    confirmed = ev[ev.kind == "track_confirmed"]
    assert len(confirmed) < 0.05 * len(starts)
    assert (confirmed.threat_id == -1).all()


def test_command_post_engages_only_real_threats_among_false_alarms() -> None:
    text = scenario_text(
        threat="subsonic_cruise_missile",
        height="agl: 100 m",
        speed="250 m/s",
        lat0=40.6,
        count=2,
        spread="2 km",
        load=4,
        acq=", pfa: 1e-6",
        duration="5 min",
    )
    ev = events(run(text, seed=1))
    assign = ev[ev.kind == "assignment"]
    assert len(assign) > 0 and (assign.threat_id >= 0).all()
    assert (ev[ev.kind == "track_start"].threat_id == -1).sum() > 100


# -- terrain masking --------------------------------------------------------------------

MASK = dict(
    duration="5 min",
    count=1,
    extra="""  south:
    threat: jet
    route:
      - {lat: 39.1, lon: -40.8, alt: 500 m, speed: 250 m/s}
      - {lat: 39.1, lon: -39.2}
""",
    lat0=40.9,
    height="alt: 500 m",
    speed="250 m/s",
)


def _mask_text() -> str:
    # the northern jet flies east along 40.9 N (100 km north), the southern one along 39.1 N
    return scenario_text(**MASK).replace(
        "{lat: 40.9, lon: -40.0, alt: 500 m, speed: 250 m/s}\n      - {lat: 40.3, lon: -40.0}",
        "{lat: 40.9, lon: -40.8, alt: 500 m, speed: 250 m/s}\n      - {lat: 40.9, lon: -39.2}",
    )


def _with_ridge(w: World, height_m: float) -> World:
    """The world with an east-west ridge 50 km north of the radars (2 km wide crest)."""
    north = np.arange(-200e3, 200e3 + 1, 1000.0)
    east = np.array([-300e3, 300e3])
    h = np.where(np.abs(north - 50e3) <= 2e3, height_m, 0.0)
    grid = TerrainGrid(w.frame, east[0], north[0], 600e3, 1000.0, np.repeat(h[:, None], 2, 1))
    for r in w.radars:
        r.terrain = grid
    return replace(w, terrain_grid=grid)


def test_a_ridge_masks_the_threat_behind_it() -> None:
    text = _mask_text()
    flat = events(run(text, seed=0))
    ridge = events(
        run(text, seed=0, world=_with_ridge(compile_world(load_scenario_text(text)), 2000.0))
    )
    real = lambda ev: ev[(ev.kind == "detection") & (ev.threat_id >= 0)]  # noqa: E731
    assert set(real(flat).threat_id) == {0, 1}  # both seen over flat ground
    assert set(real(ridge).threat_id) == {1}  # zero detections of the masked one


@pytest.mark.parametrize("seed", [0, 1])
def test_masking_never_adds_a_detection(seed: int) -> None:
    """Common random numbers: the same draws per threat and scan, so every detection over
    the ridge is also one over flat ground (no missiles: the raids are identical)."""
    text = _mask_text()
    w = compile_world(load_scenario_text(text))
    flat = events(run(text, seed=seed))
    low = events(run(text, seed=seed, world=_with_ridge(w, 600.0)))

    def pairs(ev: pd.DataFrame) -> set[tuple[float, int]]:
        d = ev[(ev.kind == "detection") & (ev.sensor == "acq") & (ev.threat_id >= 0)]
        return set(zip(d.time_s, d.threat_id, strict=True))

    masked, clear = pairs(low), pairs(flat)
    assert masked <= clear
    assert len(masked) < len(clear)


# -- monotone properties --------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 5])
def test_more_rcs_or_power_never_shortens_detection(seed: int) -> None:
    # at 20 km the radar horizon (596 km) is beyond the detection ranges
    kw = dict(lat0=44.5, duration="6 min", speed="400 m/s", height="alt: 20 km")
    base = events(run(scenario_text(jet=", rcs_m2: 0.5 m2", **kw), seed=seed))
    more_rcs = events(run(scenario_text(jet=", rcs_m2: 2 m2", **kw), seed=seed))
    more_power = events(
        run(scenario_text(jet=", rcs_m2: 0.5 m2", acq=", peak_power_w: 2 MW", **kw), seed=seed)
    )
    r0 = first_detection_range(base, "acq")
    for other in (more_rcs, more_power):
        r1 = first_detection_range(other, "acq")
        assert set(r0) <= set(r1)
        assert all(r1[k] >= r0[k] for k in r0)
        assert sum(r1.values()) > sum(r0.values()) + 20e3


# -- noise jamming ----------------------------------------------------------------------

SOJ = """jammers:
  soj:
    position: {lat: 40.0, lon: -37.65, alt: 10 km}
    erp: 1 kW
    bandwidth: 200 MHz
"""
JAM = dict(
    jet=", swerling: 0",
    lat0=43.15,
    count=8,
    spread="10 km",
    duration="6 min",
)


def _acq(w: World) -> Radar:
    return next(x for x in w.radars if x.name == "acq")


def _pd_closed_form(w: World, range_m: np.ndarray, jnr_db: float) -> np.ndarray:
    """Pd of a 3 m^2 Swerling 0 target at ``range_m`` against noise plus a jammer of
    constant JNR: the radar equation's SNR over (1 + JNR), Marcum's Pd (closed forms)."""
    acq = _acq(w)
    s = acq.spec
    sinr = acq.snr_db(range_m, np.full(len(range_m), 3.0)) - 10 * math.log10(
        1 + 10 ** (jnr_db / 10)
    )
    return np.asarray(pd_swerling(sinr, s.pfa, s.n_pulses, 0, method="exact"))


@cache
def _jam_runs() -> tuple[World, Run, Run]:
    clear = run(scenario_text(**JAM), seed=2)
    text = scenario_text(**JAM, extra=SOJ)
    w = compile_world(load_scenario_text(text))
    return w, clear, run(text, seed=2, world=w)


def test_stand_off_jammer_shortens_detection_and_burn_through_matches_closed_form() -> None:
    w, clear, jammed = _jam_runs()
    r_clear = first_detection_range(events(clear), "acq")
    ev = events(jammed)
    r_jam = first_detection_range(ev, "acq")
    assert set(r_jam) == set(r_clear) == set(range(8))
    assert all(r_jam[k] < r_clear[k] - 10e3 for k in r_jam)
    # every jammed plot of the acquisition radar records the closed-form sidelobe JNR
    acq = _acq(w)
    _, _, rj = acq.site.aer(w.jammers.fixed_pos_m[:1])
    s = acq.spec
    jnr = float(
        stand_off_jnr_db(
            jammer_erp_w=1e3,
            jammer_bandwidth_hz=200e6,
            radar_bandwidth_hz=s.bandwidth_hz,
            jammer_range_m=rj,
            gain_rx_db=s.antenna_gain_db,
            sidelobe_level_db=s.sidelobe_level_db,
            wavelength_m=s.wavelength_m,
            noise_figure_db=s.noise_figure_db,
            jammer_losses_db=0.0,
        )[0]
    )
    d = ev[(ev.kind == "detection") & (ev.sensor == "acq") & (ev.threat_id >= 0)]
    logged = d.detail.str.extract(r"jnr_db=(-?[\d.]+)")[0].astype(float)
    np.testing.assert_allclose(logged, jnr, atol=0.006)  # 2 decimals in the log
    assert jnr > 5.0
    # The reported burn-through ranges follow the closed form: at the acquisition radar's
    # scans, the first detection of each threat falls where the cumulative detection
    # probability (1 - prod(1 - Pd_k), Pd_k from SNR / (1 + JNR)) says: its probability
    # integral transform is uniform.
    bt = jammed.summary["burn_through_range_m"]["acq"]["jet"]
    assert bt["count"] == 8
    scans = np.sort(ev[(ev.kind == "detection") & (ev.sensor == "acq")].time_s.unique())
    u = []
    for k, (i, r_first) in enumerate(sorted(r_jam.items())):
        p, _, _ = w.threats.state_at(0.0, np.array([i]))
        ranges = np.array(
            [acq.site.aer(w.threats.state_at(t, np.array([i]))[0])[2][0] for t in scans]
        )
        pd_k = _pd_closed_form(w, ranges, jnr)
        miss_before = np.concatenate([[1.0], np.cumprod(1 - pd_k)[:-1]])
        cdf = 1 - np.cumprod(1 - pd_k)
        j = int(np.argmin(np.abs(ranges - r_first)))
        assert abs(ranges[j] - r_first) < 1.0  # detected at one of those scans
        u.append(cdf[j] - 0.5 * pd_k[j] * miss_before[j])
        assert k < 8 and p.shape == (1, 3)
    u_arr = np.array(u)
    assert np.all((u_arr > 0.002) & (u_arr < 0.998))
    assert 0.5 - 3 * math.sqrt(1 / 12 / 8) < u_arr.mean() < 0.5 + 3 * math.sqrt(1 / 12 / 8)
    assert bt["min"] == pytest.approx(min(r_jam.values()))
    assert clear.summary["burn_through_range_m"] == {}


def test_self_screening_jammers_follow_their_carriers() -> None:
    text = scenario_text(
        **JAM,
        extra="""jammers:
  ssj:
    carried_by: inbound
    erp: 10 W
    bandwidth: 500 MHz
""",
    )
    w = compile_world(load_scenario_text(text))
    assert len(w.jammers) == 8  # one emitter per member of the group
    ev = events(run(text, seed=2, world=w))
    acq = next(x for x in w.radars if x.name == "acq")
    s = acq.spec
    d = ev[(ev.kind == "detection") & (ev.sensor == "acq") & (ev.threat_id >= 0)]
    assert len(d) > 0
    logged = d.detail.str.extract(r"jnr_db=(-?[\d.]+)")[0].astype(float).to_numpy()
    # main-lobe jamming from its own carrier at the true range dominates (neighbours 15 km
    # apart add a little through the beam's skirts and sidelobes)
    own = self_screening_jnr_db(
        jammer_erp_w=10.0,
        jammer_bandwidth_hz=500e6,
        radar_bandwidth_hz=s.bandwidth_hz,
        target_range_m=d.range_m.to_numpy(),
        gain_rx_db=s.antenna_gain_db,
        wavelength_m=s.wavelength_m,
        noise_figure_db=s.noise_figure_db,
        jammer_losses_db=0.0,
    )
    assert np.all(logged >= own - 0.01) and np.all(logged <= own + 0.5)


def test_jammer_entries_are_checked() -> None:
    bad_group = scenario_text(
        extra="jammers:\n  x: {escorting: nobody, erp: 1 kW, bandwidth: 1 GHz}\n"
    )
    with pytest.raises(ScenarioError, match="unknown raid group 'nobody'"):
        load_scenario_text(bad_group)
    two = scenario_text(
        extra="jammers:\n  x: {carried_by: inbound, position: {lat: 40, lon: -39},"
        " erp: 1 kW, bandwidth: 1 GHz}\n"
    )
    with pytest.raises(ScenarioError, match="exactly one of position, route"):
        load_scenario_text(two)
    times = scenario_text(
        extra="jammers:\n  x: {carried_by: inbound, erp: 1 kW, bandwidth: 1 GHz,"
        " on_time: 60 s, off_time: 30 s}\n"
    )
    with pytest.raises(ScenarioError, match="off_time"):
        load_scenario_text(times)


def test_route_jammer_compiles_and_jams_only_in_band() -> None:
    text = scenario_text(
        **JAM,
        extra="""jammers:
  orbit:
    route:
      - {lat: 40.5, lon: -37.6, alt: 10 km, speed: 200 m/s}
      - {lat: 39.5, lon: -37.6}
    erp: 1 kW
    bandwidth: 200 MHz
    center_frequency: 10 GHz
""",
    )
    w = compile_world(load_scenario_text(text))
    assert w.jammers.routes is not None and len(w.jammers) == 1
    ev = events(run(text, seed=2, world=w))
    d = ev[(ev.kind == "detection") & (ev.sensor == "acq")]
    assert not d.detail.str.contains("jnr_db").any()  # X-band jammer, S-band radar


# -- cueing and channels ----------------------------------------------------------------


class _Watch(Engine):
    """An engine that records how many tracks each fire-control radar holds after each
    of its scans (observation only)."""

    held_log: list[tuple[float, int]]

    def _scan(self, r_index: int) -> None:
        super()._scan(r_index)
        if r_index in self.channels:
            if not hasattr(self, "held_log"):
                self.held_log = []
            self.held_log.append((self.t, len(self.channels[r_index].held)))


def test_fire_control_radar_detects_only_cued_targets_and_respects_its_channels() -> None:
    text = scenario_text(
        fcr=", target_channels: 2", lat0=42.3, count=5, spread="12 km", duration="3 min"
    )
    eng = _Watch(compile_world(load_scenario_text(text)), 4)
    ev = events(eng.run())
    held = [n for _, n in eng.held_log]
    assert max(held) == 2  # the limit binds (5 targets in its field) and holds
    fcr = ev[(ev.kind == "detection") & (ev.sensor == "fcr") & (ev.threat_id >= 0)]
    assert len(fcr) > 0
    started = ev[ev.kind == "track_start"].groupby("threat_id").time_s.min()
    first_fcr = fcr.groupby("threat_id").time_s.min()
    # the fire-control radar sees a threat only after the unit has a track on it (cued by
    # the acquisition radar's plot), and holds it only once that track is confirmed
    assert all(first_fcr[k] > started[k] for k in first_fcr.index)
    acquired = fcr[fcr.detail.str.contains("acquired")].groupby("threat_id").time_s.min()
    confirmed = ev[ev.kind == "track_confirmed"].groupby("threat_id").time_s.min()
    assert len(acquired) > 0 and all(acquired[k] >= confirmed[k] for k in acquired.index)
    # it holds at most two tracks at any scan
    kept = fcr[fcr.detail.str.contains("track|acquired")]
    assert kept.groupby("time_s").track_id.nunique().max() <= 2
    # and the acquisition radar kept tracking the rest
    assert ev[(ev.kind == "detection") & (ev.sensor == "acq")].threat_id.nunique() >= 5


def test_fire_control_radar_with_autonomous_sector_search() -> None:
    """A fire-control radar given an autonomous sector finds threats there on its own
    (before any cue), fills the sector with false alarms and still holds at most its
    channels."""
    text = scenario_text(
        fcr=", autonomous_search_half_width_rad: 30 deg, autonomous_search_elevation_max_rad:"
        " 5 deg, target_channels: 2",
        lat0=42.3,
        count=4,
        spread="8 km",
        duration="2 min",
    )
    eng = _Watch(compile_world(load_scenario_text(text)), 1)
    ev = events(eng.run())
    fcr = ev[(ev.kind == "detection") & (ev.sensor == "fcr")]
    real = fcr[fcr.threat_id >= 0]
    confirmed = ev[ev.kind == "track_confirmed"].groupby("threat_id").time_s.min()
    first = real.groupby("threat_id").time_s.min()
    assert any(first[k] < confirmed.get(k, np.inf) for k in first.index)  # uncued plots
    assert (fcr.threat_id == -1).sum() > 0  # sector false alarms
    assert max(n for _, n in eng.held_log) <= 2
