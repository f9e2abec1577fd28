"""Radar.scan's fused passes against the array code they replace (issue 16, round 7).

The scan, the look and coverage masks, the terrain LOS prepared once per radar, the
site's angles and its inverse each give the same numbers, bit for bit, as the array forms
they stand for (the event logs depend on it): random radars over hilly terrain, random
threats, search regions, Swerling cases, jamming and false alarms, compared through their
bytes, and the random streams left in the same state.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import EnuFrame, Site
from samsim.geo.los import ObserverGeometry, PreparedVisibility, visible
from samsim.geo.terrain import SyntheticTerrain, TerrainGrid
from samsim.scenario.catalog import load_catalog
from samsim.sensors.clutter import clutter_to_noise_db
from samsim.sensors.detection import pd_swerling
from samsim.sensors.interference import Emitters
from samsim.sensors.jamming import sinr_db
from samsim.sensors.noise import measurement_sigmas
from samsim.sensors.radar import (
    _NO_MASK,
    Detections,
    Radar,
    SearchRegion,
    Windows,
    _covers_clear_kernel,
    _small_sum,
)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
FRAME = EnuFrame(45.0, 10.0, 0.0)
_TERRAIN: dict[str, TerrainGrid] = {}


def _terrain(kind: str) -> TerrainGrid:
    """Flat ground, or 100 km x 100 km of 0..600 m fractal hills (seed 7)."""
    if kind not in _TERRAIN:
        _TERRAIN[kind] = (
            TerrainGrid.flat(FRAME, 0.0)
            if kind == "flat"
            else SyntheticTerrain.generate(
                FRAME,
                (-50e3, 50e3, -50e3, 50e3),
                500.0,
                rng=np.random.default_rng(7),
                relief_m=600.0,
                hurst=0.8,
                feature_size_m=10e3,
            ).grid
        )
    return _TERRAIN[kind]


def _radar(name: str, kind: str, centre: float) -> Radar:
    spec = load_catalog()["radars"][name].spec
    return Radar(name, 0, 0, spec, FRAME, np.zeros(3), _terrain(kind), centre, 4 / 3)


def _same(a: object, b: object) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _reference_scan(
    self: Radar,
    time_s: float,
    threat_ids: np.ndarray,
    pos_m: np.ndarray,
    rcs_m2: np.ndarray,
    swerling: np.ndarray,
    rng: np.random.Generator,
    region: SearchRegion,
    emitters: Emitters | None,
    n_threats: int,
    false_alarm_rng: np.random.Generator,
    vel_mps: np.ndarray,
) -> Detections:
    """Radar.scan as it was before its kernels (round 6), with the public methods."""
    s = self.spec
    rows = np.asarray(threat_ids, dtype=np.int64)
    u = rng.random(n_threats)[rows]
    z = rng.standard_normal((n_threats, 3))[rows]
    idx = np.zeros(0, dtype=np.int64)
    rng_t = az_t = el_t = np.zeros(0)
    if len(threat_ids) and not region.empty:
        az, el, rg = _reference_aer(self.site, pos_m)
        ok = self.in_region(region, rg, az, el)
        if ok.any():
            ok[ok] = self.coverage_at(pos_m[ok], az[ok], el[ok], rg[ok]).visible
        idx = ok.nonzero()[0]
        rng_t, az_t, el_t = rg[idx], az[idx], el[idx]
    snr = self.snr_db(rng_t, rcs_m2[idx])
    cnr = self.cnr_db(rng_t, el_t)
    jnr = self.jnr_db(az_t, el_t, emitters) if emitters is not None else np.full(len(idx), -np.inf)
    interfered = bool(np.isfinite(cnr).any() or (emitters is not None and np.isfinite(jnr).any()))
    sinr = self.sinr_db(snr, cnr, jnr) if interfered else snr
    pd = np.zeros(len(idx))
    sw = swerling[idx]
    for case in np.unique(sw):
        m = sw == case
        pd[m] = pd_swerling(sinr[m], s.pfa, s.n_pulses, int(case))
    if s.mti_notch_mps > 0 and len(idx):
        pd[self.in_notch(pos_m[idx], vel_mps[idx], cnr)] = 0.0
    hit = u[idx] < pd
    idx, snr, sinr, cnr, jnr = idx[hit], snr[hit], sinr[hit], cnr[hit], jnr[hit]
    rng_t, az_t, el_t = rng_t[hit], az_t[hit], el_t[hit]
    meas = sinr + 10.0 * math.log10(s.n_pulses)
    fa_r, fa_az, fa_el = self.false_alarms(false_alarm_rng, region)
    n_fa = len(fa_r)
    meas = np.concatenate([meas, np.full(n_fa, self.false_alarm_snr_db)])
    sr, saz, sel = measurement_sigmas(
        meas,
        self.range_resolution_m,
        s.range_accuracy_floor_m,
        s.beamwidth_az_rad,
        s.beamwidth_el_rad,
        s.monopulse_slope,
        s.angle_accuracy_floor_rad,
    )
    noise = z[idx]
    r_meas = rng_t + sr[: len(idx)] * noise[:, 0]
    az_meas = np.mod(az_t + saz[: len(idx)] * noise[:, 1], 2 * np.pi)
    el_meas = el_t + sel[: len(idx)] * noise[:, 2]
    nan, none = np.full(n_fa, np.nan), np.full(n_fa, -np.inf)
    return Detections(
        time_s=time_s,
        radar_index=self.index,
        threat_id=np.concatenate([threat_ids[idx], np.full(n_fa, -1, dtype=np.int64)]),
        range_m=np.concatenate([r_meas, fa_r]),
        az_rad=np.concatenate([az_meas, fa_az]),
        el_rad=np.concatenate([el_meas, fa_el]),
        sigma_range_m=sr,
        sigma_az_rad=saz,
        sigma_el_rad=sel,
        snr_db=np.concatenate([snr, nan]),
        true_range_m=np.concatenate([rng_t, fa_r]),
        sinr_db=np.concatenate([sinr, nan]),
        jnr_db=np.concatenate([jnr, none]),
        cnr_db=np.concatenate([cnr, none]),
    )


def _reference_aer(site: Site, enu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site.aer's array form before its kernel."""
    loc = site.to_local(enu)
    e, n, u = loc[..., 0], loc[..., 1], loc[..., 2]
    rng = np.sqrt(e * e + n * n + u * u)
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    el = np.arcsin(np.minimum(np.maximum(u / np.maximum(rng, 1e-9), -1.0), 1.0))
    return az, el, rng


def _threats(rng: np.random.Generator, n: int, reach_m: float) -> np.ndarray:
    """n points around the origin: low fliers over the hills, high ones, a few overhead."""
    pos = np.column_stack(
        [
            rng.uniform(-reach_m, reach_m, n),
            rng.uniform(-reach_m, reach_m, n),
            rng.choice([30.0, 200.0, 800.0, 5e3, 20e3], n) + rng.uniform(0.0, 100.0, n),
        ]
    )
    if n > 2:
        pos[0, :2] = rng.uniform(-50.0, 50.0, 2)  # (nearly) overhead
    return pos


@settings(max_examples=120, deadline=None)
@given(
    seeds,
    st.integers(0, 40),
    st.sampled_from(["92N6E", "96L6E", "91N6E"]),
    st.sampled_from(["flat", "hills"]),
    st.sampled_from(["whole", "sector", "windows", "both", "none"]),
    st.sampled_from(["one", "mixed"]),
    st.booleans(),
)
def test_scan_equals_the_array_form(
    seed: int, n: int, name: str, kind: str, where: str, cases: str, jam: bool
) -> None:
    """Every field of the detections, and both streams' states afterwards, are those of the
    array code the scan replaced: hills (terrain LOS) and a flat earth, the whole field,
    the sector, windows (wrapping azimuths), one or several Swerling cases, noise jamming
    (SINR, a Pd beyond the table) and ground clutter (Doppler notch)."""
    rng = np.random.default_rng(seed)
    radar = _radar(name, kind, float(rng.uniform(0.0, 2 * np.pi)))
    n_threats = n + int(rng.integers(0, 5))
    ids = np.sort(rng.choice(n_threats, n, replace=False)).astype(np.int64)
    pos = _threats(rng, n, float(rng.choice([5e3, 30e3, 80e3, 300e3])))
    vel = rng.normal(0.0, 200.0, (n, 3))
    rcs = rng.choice([1e-3, 0.1, 1.0, 10.0, 100.0], n) * rng.uniform(0.5, 2.0, n)
    sw = (
        np.full(n, int(rng.integers(0, 5)), dtype=np.int64)
        if cases == "one"
        else rng.integers(0, 5, n).astype(np.int64)
    )
    m = int(rng.integers(0, 8))
    az_w, el_w, r_w = _reference_aer(radar.site, _threats(rng, m, 100e3))
    wins = Windows(
        np.arange(m, dtype=np.int64),
        r_w,
        az_w,
        el_w,
        rng.uniform(100.0, 5e3, m),
        rng.uniform(1e-3, 0.3, m),
        rng.uniform(1e-3, 0.2, m),
    )
    region = {
        "whole": SearchRegion(whole_field=True),
        "sector": SearchRegion(sector=True),
        "windows": SearchRegion(sector=False, windows=wins),
        "both": SearchRegion(sector=True, windows=wins),
        "none": SearchRegion(sector=False),
    }[where]
    emitters = None
    if jam and n:
        k = int(rng.integers(1, 3))
        emitters = Emitters(
            pos_m=pos[:k].copy(),
            erp_w=rng.uniform(1.0, 1e4, k),
            bandwidth_hz=np.full(k, 500e6),
            center_hz=np.full(k, np.nan),
            losses_db=np.zeros(k),
            jammer=np.arange(k, dtype=np.int64),
            carrier_threat=ids[:k],
        )
    # the Swerling case the last scan saw: its table is tried first (in the kernel)
    radar._last_case = int(sw[0]) if n and rng.random() < 0.7 else int(rng.integers(-1, 5))
    streams = [np.random.default_rng(seed + 1), np.random.default_rng(seed + 2)]
    twins = [np.random.default_rng(seed + 1), np.random.default_rng(seed + 2)]
    got = radar.scan(
        10.0, ids, pos, pos[:, 2], rcs, sw, streams[0], region=region, emitters=emitters,
        n_threats=n_threats, false_alarm_rng=streams[1], vel_mps=vel,
    )  # fmt: skip
    want = _reference_scan(
        radar, 10.0, ids, pos, rcs, sw, twins[0], region, emitters, n_threats, twins[1], vel
    )
    for key, value in asdict(want).items():
        if key != "az_el_rad":
            assert _same(getattr(got, key), value), key
    assert got.az_el_rad is not None
    assert _same(got.az_el_rad, np.stack([want.az_rad, want.el_rad]))
    assert _same(
        radar.measured_enu_m(got), radar.site.aer_to_enu(want.az_rad, want.el_rad, want.range_m)
    )
    for a, b in zip(streams, twins, strict=True):
        assert a.bit_generator.state == b.bit_generator.state


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(0, 40), st.sampled_from(["flat", "hills"]), st.booleans(), st.booleans())
def test_covers_equals_sector_or_held_then_coverage(
    seed: int, n: int, kind: str, sector: bool, held: bool
) -> None:
    """Radar.covers (the tracker's expected tracks) is the sector test or the held mask,
    then coverage_at on those points, as the engine computed it before."""
    rng = np.random.default_rng(seed)
    radar = _radar("92N6E", kind, float(rng.uniform(0.0, 2 * np.pi)))
    pos = _threats(rng, n, 60e3)
    az, el, rg = radar.site.aer(pos)
    extra = rng.random(n) < 0.5 if held else None
    look = radar.in_sector(az, el) if sector else np.zeros(n, dtype=bool)
    if extra is not None:
        look |= extra
    want = np.zeros(n, dtype=bool)
    if look.any():
        want[look] = radar.coverage_at(pos[look], az[look], el[look], rg[look]).visible
    assert _same(radar.covers(pos, az, el, rg, sector=sector, extra=extra), want)


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(0, 40), st.floats(0.0, 60.0), st.sampled_from([4 / 3, 1.0, math.inf]))
def test_prepared_visibility_equals_visible(seed: int, n: int, mast: float, k: float) -> None:
    """The terrain LOS prepared once per observer gives visible()'s answers, bit for bit
    (targets below, on and above the hills, far and overhead)."""
    rng = np.random.default_rng(seed)
    terrain = _terrain("hills")
    base = np.array([*rng.uniform(-20e3, 20e3, 2), 0.0])
    obs = ObserverGeometry.at(terrain.frame, base, mast)
    pts = _threats(rng, n, 70e3)
    pts[:, 2] -= rng.choice([0.0, 0.0, 700.0], n)
    want = visible(base, pts, terrain, antenna_height_m=mast, k_factor=k, observer=obs)
    assert _same(PreparedVisibility(obs, terrain, k_factor=k)(pts), want)


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(0, 60), st.floats(-80.0, 80.0))
def test_site_angles_equal_the_array_forms(seed: int, n: int, lat: float) -> None:
    """Site.aer and Site.aer_to_enu of (n, 3) points and (n,) angles: the array forms'
    doubles (points at the site itself, straight up and down included)."""
    rng = np.random.default_rng(seed)
    frame = EnuFrame(lat, 20.0, 0.0)
    site = frame.site(rng.normal(0.0, 1e4, 3))
    pts = site.position_enu_m + rng.normal(0.0, 1e5, (n, 3))
    if n > 3:
        pts[0] = site.position_enu_m
        pts[1] = site.position_enu_m + 1e4 * site.rot[2]
        pts[2] = site.position_enu_m - 1e-12 * site.rot[2]
    for a, b in zip(site.aer(pts), _reference_aer(site, pts), strict=True):
        assert _same(a, b)
    az, el, r = rng.uniform(0, 2 * np.pi, n), rng.uniform(-0.2, 1.6, n), rng.uniform(0, 4e5, n)
    ce = np.cos(el)
    loc = np.stack([r * ce * np.sin(az), r * ce * np.cos(az), r * np.sin(el)], axis=-1)
    assert _same(site.aer_to_enu(az, el, r), site.from_local(loc))
    assert _same(site.aer_rows_to_enu(np.stack([az, el]), r), site.from_local(loc))


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(1, 300), st.integers(0, 64))
def test_numpy_functions_are_elementwise(seed: int, n: int, offset: int) -> None:
    """The scan passes stacked arrays (or more elements than it keeps) to numpy's log10,
    cos, sin and power: their values must not depend on the neighbours or the position
    in the array (numpy's SIMD loops and their remainders)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-50.0, 50.0, n + offset) * rng.choice([1e-3, 1.0, 1e3], n + offset)
    part = x[offset:].copy()
    for f in (np.log10, np.cos, np.sin, np.arcsin, lambda v: 10.0**v):
        with np.errstate(all="ignore"):
            assert _same(f(x)[offset:], f(part))
            assert _same(np.concatenate([f(part[i : i + 1]) for i in range(n)]), f(part))


@settings(max_examples=100, deadline=None)
@given(seeds, st.integers(0, 200))
def test_small_sum_is_numpy_sum(seed: int, n: int) -> None:
    """The windows' total cells are ``np.sum`` of them, bit for bit (numpy's pairwise
    summation up to 128 values; NaN, for numpy to sum, beyond)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(1.0, 1e4, n) * rng.choice([1e-3, 1.0, 1e5], n)
    got = _small_sum(a)
    if n > 128:
        assert math.isnan(got)
    else:
        assert _same(np.float64(got), a.sum())


@settings(max_examples=80, deadline=None)
@given(seeds, st.integers(0, 30), st.sampled_from(["92N6E", "96L6E", "91N6E"]))
def test_cnr_equals_clutter_to_noise(seed: int, n: int, name: str) -> None:
    """Radar.cnr_db's compiled passes give clutter_to_noise_db's doubles inside the clutter
    horizon and -inf beyond (ranges below the mast, near and beyond the horizon; beams
    above and below the horizontal); the sinr_db after them is jamming.sinr_db's."""
    rng = np.random.default_rng(seed)
    radar = _radar(name, "flat", 0.0)
    s = radar.spec
    horizon = radar.clutter_horizon_m
    r = rng.uniform(0.0, 1.3, n) * horizon
    r[rng.random(n) < 0.2] = rng.uniform(0.1, 2.0) * s.mast_height_m
    el = rng.uniform(-0.05, 0.3, n)
    want = np.full(n, -np.inf)
    near = r < horizon
    want[near] = clutter_to_noise_db(
        range_m=r[near],
        beam_elevation_rad=el[near],
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
        range_resolution_m=radar.range_resolution_m,
        sidelobe_level_db=s.sidelobe_level_db,
        effective_earth_radius_m=radar.effective_earth_radius_m,
    )
    got = radar.cnr_db(r, el)
    assert _same(got, want)
    snr = rng.uniform(-20.0, 40.0, n)
    jnr = np.where(rng.random(n) < 0.5, -np.inf, rng.uniform(-10.0, 50.0, n))
    assert _same(radar.sinr_db(snr, got, jnr), sinr_db(snr, jnr, got - s.mti_improvement_db))


@settings(max_examples=40, deadline=None)
@given(seeds, st.integers(0, 20))
def test_clutter_and_angle_kernels_run_as_python(seed: int, n: int) -> None:
    """The new kernels of the scan give the same doubles as plain Python (``samsim
    validate`` runs them uncompiled)."""
    import warnings

    from samsim.geo.frames import _aer_rows_kernel
    from samsim.sensors.radar import (
        _clutter_db_kernel,
        _clutter_sines_kernel,
        _clutter_terms_kernel,
    )

    def py(kernel: object) -> object:
        return getattr(kernel, "py_func", kernel)

    rng = np.random.default_rng(seed)
    loc = rng.normal(0.0, 1e5, (n, 3))
    atan = np.arctan2(loc[:, 0], loc[:, 1])
    assert _same(_aer_rows_kernel(loc, atan), py(_aer_rows_kernel)(loc, atan))  # type: ignore[operator]
    r, el = rng.uniform(0.0, 5e4, n), rng.uniform(-0.1, 0.3, n)
    near, sines = _clutter_sines_kernel(r, 3e4, 20.0, 8.5e6)
    want = py(_clutter_sines_kernel)(r, 3e4, 20.0, 8.5e6)  # type: ignore[operator]
    assert _same(near, want[0]) and _same(sines, want[1])
    angles = np.arcsin(sines)
    trig = (np.sin(angles[0]), np.cos(angles[0]))
    args = (r, el, near, angles, *trig, 20.0, 0.01, 0.02, 50.0, 0.03, -25.0, 1e3, 4e-21)
    got = _clutter_terms_kernel(*args)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        ref = py(_clutter_terms_kernel)(*args)  # type: ignore[operator]
        logs = np.log10(got[0])
    assert _same(got[0], ref[0]) and _same(got[1], ref[1])
    sums = np.array([30.0, 30.0, 3.0, 5.0, 33.0])
    assert _same(
        _clutter_db_kernel(n, near, logs, got[1], sums),
        py(_clutter_db_kernel)(n, near, logs, got[1], sums),  # type: ignore[operator]
    )


@settings(max_examples=150, deadline=None)
@given(
    seeds,
    st.integers(1, 40),
    st.sampled_from(["flat", "hills"]),
    st.sampled_from(["91N6E", "92N6E"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["none", "range", "elevation", "top", "azimuth", "nan", "overhead"]),
)
def test_covers_enu_equals_covers_of_site_aer(
    seed: int, n: int, kind: str, name: str, sector: bool, held: bool, edge: str
) -> None:
    """Radar.covers_enu (the tracker's expected tracks without ``Site.aer``) is
    Radar.covers of ``Site.aer``'s angles, bit for bit, for radars of every sector and
    field width, points near and far, low and overhead, in every column layout; when a
    point lies exactly on a bound (range, elevation, sector top or azimuth edge, as
    ``Site.aer`` gives it), is NaN or straight overhead, the kernel declines (and
    covers_enu takes ``Site.aer``)."""
    rng = np.random.default_rng(seed)
    spec = load_catalog()["radars"][name].spec
    update: dict[str, float] = {
        "azimuth_half_width_rad": float(rng.choice([math.pi, 1.2, 0.4])),
        "autonomous_search_half_width_rad": float(rng.choice([0.0, math.pi, 0.8, 0.3])),
    }
    x = np.column_stack([_threats(rng, n, 60e3), rng.normal(0.0, 1.0, (n, 3))])
    pos = x[:, :3]  # (a view with the tracks' stride, as the engine passes it)
    centre = float(rng.uniform(0.0, 2 * np.pi))
    probe = Radar(name, 0, 0, spec, FRAME, np.zeros(3), _terrain(kind), centre, 4 / 3)
    az, el, rg = probe.site.aer(pos)
    k = int(rng.integers(0, n))
    if edge == "range":
        update["instrumented_range_m"] = float(rg[k])
    elif edge == "elevation":
        update["elevation_min_rad"] = float(el[k])
    elif edge == "top":
        update["autonomous_search_elevation_max_rad"] = float(el[k])
        update["autonomous_search_half_width_rad"] = math.pi
        sector = True
    elif edge == "azimuth":
        update["azimuth_half_width_rad"] = abs(
            (float(az[k]) - centre + math.pi) % (2 * math.pi) - math.pi
        )
    elif edge == "nan":
        x[k, 1] = np.nan
    elif edge == "overhead":
        x[k, :3] = probe.site.position_enu_m + 5e3 * probe.site.rot[2]
    radar = Radar(
        name, 0, 0, spec.model_copy(update=update), FRAME, np.zeros(3), _terrain(kind), centre,
        4 / 3,
    )  # fmt: skip
    extra = rng.random(n) < 0.5 if held else None
    az, el, rg = radar.site.aer(pos)
    want = radar.covers(pos, az, el, rg, sector=sector, extra=extra)
    assert _same(radar.covers_enu(pos, sector=sector, extra=extra), want)
    ok, test = np.empty(n, dtype=bool), np.empty(n, dtype=bool)
    answer = _covers_clear_kernel(
        pos, radar.site.position_enu_m, radar.site.rot, sector and radar.spec.autonomous_search,
        *radar._clear_args, _NO_MASK if extra is None else extra, *radar._clear_limits,
        radar._clear_los_sin, ok, test,
    )  # fmt: skip
    az_tested = update["azimuth_half_width_rad"] < math.pi
    if edge in ("range", "elevation", "nan") or (edge == "azimuth" and az_tested):
        assert answer < 0
    if edge == "top" and extra is None:
        assert answer < 0
    sector_az = sector and radar.spec.autonomous_search and radar._clear_args[0] < math.pi
    if edge == "overhead" and (az_tested or sector_az):
        assert answer < 0
