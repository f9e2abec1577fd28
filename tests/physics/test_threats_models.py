"""Threat motion models: terrain following, terminal manoeuvres, boosted ballistic
missiles, evasion splicing, and the threat catalogue."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.optimize import linprog

from samsim.engine.world import ballistic_missile_of
from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import SyntheticTerrain
from samsim.physics.threats import (
    G0_MPS2,
    Agility,
    BallisticMissile,
    Evasion,
    PathPoint,
    Reactions,
    RoutePlan,
    Terminal,
    ThreatTable,
    Trajectory,
    ballistic_missile_trajectory,
    vertical_profile,
    waypoint_trajectory,
)
from samsim.scenario.catalog import load_catalog
from samsim.scenario.specs import ThreatSpec

FRAME = EnuFrame(40.0, -40.0, 0.0)
#: Documented tolerance of terrain following (docs/models/threats.md): the requirement is
#: enforced at the construction points (every 100 m); between them, and between the
#: engine's 0.5 s samples, the bilinear terrain may rise a little above the chord.
CLEARANCE_TOLERANCE_M = 3.0


def flat(e: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.zeros_like(e)


def _up_components(pos: np.ndarray, vel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    up = FRAME.up_enu(pos)
    vz = np.sum(vel * up, axis=1)
    vh = np.linalg.norm(vel - vz[:, None] * up, axis=1)
    return vz, vh


def _lateral_accel(tr_pos: np.ndarray, tr_vel: np.ndarray, dt: float) -> np.ndarray:
    """Horizontal acceleration perpendicular to the velocity, from sampled velocities."""
    a = np.diff(tr_vel, axis=0) / dt
    v = 0.5 * (tr_vel[1:] + tr_vel[:-1])
    p = 0.5 * (tr_pos[1:] + tr_pos[:-1])
    up = FRAME.up_enu(p)
    side = np.cross(up, v)
    side /= np.linalg.norm(side, axis=1, keepdims=True)
    return np.sum(a * side, axis=1)


# -- vertical profile -----------------------------------------------------------------


def test_profile_without_push_over_limit_is_the_lp_optimum() -> None:
    """Stage 1 is the least profile above the requirement with slope and pull-up limits:
    it must equal the minimiser of sum(z) of that linear programme (HiGHS)."""
    rng = np.random.default_rng(1)
    n = 80
    s = np.cumsum(np.r_[0, rng.uniform(50, 150, n - 1)])
    r = np.cumsum(rng.normal(0, 15, n)) + 100
    climb, dive, k_up = 0.25, 0.18, 2e-4
    z = vertical_profile(s, r, climb, dive, k_up, np.inf)
    h = np.diff(s)
    rows, ub = [], []
    for i in range(n - 1):
        row = np.zeros(n)
        row[i + 1], row[i] = 1 / h[i], -1 / h[i]
        rows += [row, -row]
        ub += [climb, dive]
    for j in range(1, n - 1):
        row = np.zeros(n)
        row[j + 1] += 1 / h[j]
        row[j] -= 1 / h[j] + 1 / h[j - 1]
        row[j - 1] += 1 / h[j - 1]
        rows.append(row)
        ub.append(k_up * 0.5 * (h[j - 1] + h[j]))
    res = linprog(np.ones(n), A_ub=np.array(rows), b_ub=ub, bounds=[(x, None) for x in r])
    assert res.status == 0
    np.testing.assert_allclose(z, res.x, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**31 - 1),
    st.floats(5.0, 25.0),
    st.floats(5.0, 25.0),
    st.floats(0.5, 5.0),
    st.floats(0.3, 3.0),
)
def test_profile_honours_every_limit(
    seed: int, climb_deg: float, dive_deg: float, pull_g: float, push_g: float
) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    s = np.cumsum(np.r_[0.0, rng.uniform(60.0, 140.0, n - 1)])
    r = 50.0 + np.cumsum(rng.normal(0.0, 12.0, n))
    v = 245.0
    climb, dive = math.tan(math.radians(climb_deg)), math.tan(math.radians(dive_deg))
    k_up, k_down = pull_g * G0_MPS2 / v**2, push_g * G0_MPS2 / v**2
    z = vertical_profile(s, r, climb, dive, k_up, k_down)
    assert np.all(z >= r - 1e-5)
    slope = np.diff(z) / np.diff(s)
    assert slope.max() <= climb + 1e-9
    assert slope.min() >= -dive - 1e-9
    mid = 0.5 * (s[2:] - s[:-2])
    curv = np.diff(slope) / mid
    assert curv.max() <= k_up * (1 + 1e-6) + 1e-12
    assert curv.min() >= -k_down * (1 + 1e-6) - 1e-12


def test_profile_does_not_follow_every_bump() -> None:
    """Narrow 100 m-deep notches every 400 m: the missile flies over them, not into them."""
    s = np.arange(0.0, 20000.0, 50.0)
    r = np.where((s % 400) < 60, -100.0, 0.0) + 30.0
    z = vertical_profile(s, r, math.tan(math.radians(15)), math.tan(math.radians(10)), 3e-4, 1.6e-4)
    assert z[100:300].min() > 20.0


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.3, 0.9), st.floats(3e3, 15e3))
def test_terrain_following_clearance_and_climb_limit(
    seed: int, hurst: float, feature_m: float
) -> None:
    """Over seeded synthetic terrain (800 m relief), the engine's view of the missile
    (table interpolation at any time) never comes below the clearance minus the
    documented tolerance, and its flight-path angle never exceeds the climb limit."""
    grid = SyntheticTerrain.generate(
        FRAME,
        (-5e3, 5e3, -5e3, 45e3),
        300.0,
        rng=np.random.default_rng(seed),
        relief_m=800.0,
        hurst=hurst,
        feature_size_m=feature_m,
    ).grid
    la, lo, _ = FRAME.enu_to_geodetic(np.array([0.0, 40e3, 0.0]))
    ag = Agility(math.radians(15), math.radians(10), 2 * G0_MPS2, 1 * G0_MPS2)
    clearance = 50.0
    tr = waypoint_trajectory(
        FRAME,
        [
            PathPoint(40.0, -40.0, clearance, True, 245.0),
            PathPoint(float(la), float(lo), clearance, True, 245.0),
        ],
        0.0,
        grid.elevation_m,
        step_m=100.0,
        agility=ag,
    )
    table = ThreatTable([tr])
    times = np.linspace(0.0, tr.t_end_s, 3000)
    pos = np.array([table.state_at(float(t))[0][0] for t in times])
    lat, lon, alt = FRAME.enu_to_geodetic(pos)
    ground = FRAME.geodetic_to_enu(lat, lon, np.zeros_like(lat))
    clear = alt - grid.elevation_m(ground[:, 0], ground[:, 1])
    assert clear.min() >= clearance - CLEARANCE_TOLERANCE_M
    vz, vh = _up_components(tr.pos_m, tr.vel_mps)
    gamma = np.arctan2(vz, vh)
    assert gamma.max() <= math.radians(15) + 1e-3
    assert gamma.min() >= -math.radians(10) - 1e-3
    np.testing.assert_allclose(np.linalg.norm(tr.vel_mps, axis=1), 245.0, rtol=1e-9)


def test_without_agility_the_height_is_exactly_the_route_height() -> None:
    grid = SyntheticTerrain.generate(
        FRAME,
        (-5e3, 5e3, -5e3, 25e3),
        300.0,
        rng=np.random.default_rng(3),
        relief_m=600.0,
        hurst=0.4,
        feature_size_m=3e3,
    ).grid
    la, lo, _ = FRAME.enu_to_geodetic(np.array([0.0, 20e3, 0.0]))
    pts = [
        PathPoint(40.0, -40.0, 30.0, True, 245.0),
        PathPoint(float(la), float(lo), 30.0, True, 245.0),
    ]
    rigid = waypoint_trajectory(FRAME, pts, 0.0, grid.elevation_m, step_m=100.0)
    agile = waypoint_trajectory(
        FRAME,
        pts,
        0.0,
        grid.elevation_m,
        step_m=100.0,
        agility=Agility(math.radians(5), math.radians(5), 0.5 * G0_MPS2, 0.5 * G0_MPS2),
    )
    lat, lon, alt = FRAME.enu_to_geodetic(rigid.pos_m)
    g = FRAME.geodetic_to_enu(lat, lon, np.zeros_like(lat))
    np.testing.assert_allclose(alt - grid.elevation_m(g[:, 0], g[:, 1]), 30.0, atol=3.0)
    # the sluggish missile cannot follow the bumps: flatter and higher on average
    vz, vh = _up_components(rigid.pos_m, rigid.vel_mps)
    assert np.abs(np.arctan2(vz, vh)).max() > math.radians(10)
    vz, vh = _up_components(agile.pos_m, agile.vel_mps)
    assert np.abs(np.arctan2(vz, vh)).max() <= math.radians(5) + 1e-3
    assert agile.alt_m.mean() > rigid.alt_m.mean() + 10.0


# -- terminal manoeuvres --------------------------------------------------------------


def test_popup_climbs_to_the_apex_and_dives_onto_the_target() -> None:
    la, lo, _ = FRAME.enu_to_geodetic(np.array([0.0, 30e3, 0.0]))
    term = Terminal(
        "popup",
        range_m=6000.0,
        popup_height_m=300.0,
        dive_rad=math.radians(30),
        accel_mps2=4 * G0_MPS2,
    )
    ag = Agility(math.radians(15), math.radians(10), 2 * G0_MPS2, 1 * G0_MPS2)
    tr = waypoint_trajectory(
        FRAME,
        [
            PathPoint(float(la), float(lo), 30.0, True, 245.0),
            PathPoint(40.0, -40.0, 30.0, True, 245.0),
        ],
        0.0,
        flat,
        step_m=50.0,
        agility=ag,
        terminal=term,
    )
    assert tr.alt_m.max() >= 300.0
    assert tr.alt_m[-1] < 5.0
    assert np.linalg.norm(tr.pos_m[-1][:2]) < 60.0
    # low until the pop-up begins 6 km out
    north = tr.pos_m[:, 1]
    assert np.allclose(tr.alt_m[north > 8000.0], 30.0, atol=0.5)
    vz, vh = _up_components(tr.pos_m, tr.vel_mps)
    assert np.arctan2(vz, vh).max() <= math.radians(15) + 1e-3
    # the final dive reaches the commanded angle (after a 4 g push-over)
    assert np.arctan2(vz, vh)[-6:].min() <= -math.radians(30) + 0.02


def test_weave_lateral_acceleration_peaks_at_its_g() -> None:
    la, lo, _ = FRAME.enu_to_geodetic(np.array([0.0, 40e3, 0.0]))
    term = Terminal("weave", range_m=20e3, weave_accel_mps2=10 * G0_MPS2, weave_period_s=6.0)
    tr = waypoint_trajectory(
        FRAME,
        [
            PathPoint(float(la), float(lo), 15.0, True, 900.0),
            PathPoint(40.0, -40.0, 15.0, True, 900.0),
        ],
        0.0,
        flat,
        dt_s=0.1,
        terminal=term,
    )
    lat_acc = _lateral_accel(tr.pos_m, tr.vel_mps, tr.dt_s)
    assert np.abs(lat_acc).max() == pytest.approx(10 * G0_MPS2, rel=0.02)
    # none before the last 20 km; a whole number of periods: it ends on the target
    t_mid = tr.t0_s + tr.dt_s * (np.arange(len(lat_acc)) + 0.5)
    before = t_mid < tr.t_end_s - 20e3 / 900.0 - 0.2
    assert np.abs(lat_acc[before]).max() < 0.01 * G0_MPS2
    assert np.linalg.norm(tr.pos_m[-1][:2]) < 1.0


# -- ballistic missiles ---------------------------------------------------------------

#: Documented bands (docs/models/threats.md) for the catalogue's Iskander-class srbm:
#: range km -> (apogee km, peak speed m/s, impact speed m/s), each (low, high).
SRBM_BANDS = {
    50: ((15, 40), (600, 1100), (400, 900)),
    300: ((40, 70), (1600, 2100), (700, 1200)),
    500: ((60, 110), (2000, 2500), (700, 1300)),
}


@pytest.mark.parametrize("range_km", sorted(SRBM_BANDS))
def test_srbm_apogee_and_speeds_within_documented_bands(range_km: int) -> None:
    missile = ballistic_missile_of(load_catalog()["threats"]["srbm"].spec)
    dlat = math.degrees(range_km * 1e3 / 6371000.0)
    tr = ballistic_missile_trajectory(FRAME, (40.0 - dlat, -40.0), (40.0, -40.0), 0.0, missile)
    speed = np.linalg.norm(tr.vel_mps, axis=1)
    (a0, a1), (p0, p1), (i0, i1) = SRBM_BANDS[range_km]
    assert a0 <= tr.alt_m.max() / 1e3 <= a1
    assert p0 <= speed.max() <= p1
    assert i0 <= speed[-1] <= i1
    # on the aim point (the terminal weave ends on it)
    assert np.linalg.norm(tr.pos_m[-1] - FRAME.geodetic_to_enu(40.0, -40.0, 0.0)) < 30.0
    # it starts on the launch pad, at rest
    assert tr.alt_m[0] == pytest.approx(0.0, abs=1.0)
    assert speed[0] < 5.0


def test_srbm_range_grows_with_burn_and_weave_peaks_at_its_g() -> None:
    base = ballistic_missile_of(load_catalog()["threats"]["srbm"].spec)
    dlat = math.degrees(300e3 / 6371000.0)
    tr = ballistic_missile_trajectory(FRAME, (40.0 - dlat, -40.0), (40.0, -40.0), 0.0, base)
    lat_acc = _lateral_accel(tr.pos_m, tr.vel_mps, tr.dt_s)
    assert np.abs(lat_acc).max() == pytest.approx(base.terminal.weave_accel_mps2, rel=0.05)
    # the weave only happens below its altitude
    alt_mid = 0.5 * (tr.alt_m[1:] + tr.alt_m[:-1])
    assert np.abs(lat_acc[alt_mid > base.terminal.altitude_m + 2000]).max() < 0.5 * G0_MPS2


def test_srbm_outside_its_range_class_or_motor_is_a_clear_error() -> None:
    m = ballistic_missile_of(load_catalog()["threats"]["srbm"].spec)
    with pytest.raises(ValueError, match="range class"):
        ballistic_missile_trajectory(FRAME, (45.0, -40.0), (40.0, -40.0), 0.0, m)
    weak = BallisticMissile(**{**m.__dict__, "propellant_mass_kg": 1500.0})
    with pytest.raises(ValueError, match="full burn reaches"):
        ballistic_missile_trajectory(FRAME, (36.0, -40.0), (40.0, -40.0), 0.0, weak)


def test_ballistic_spec_checks_its_figures() -> None:
    base = load_catalog()["threats"]["srbm"].spec.model_dump()
    with pytest.raises(ValidationError, match="launch_mass_kg"):
        ThreatSpec.model_validate({**base, "launch_mass_kg": None})
    with pytest.raises(ValidationError, match="propellant_mass_kg"):
        ThreatSpec.model_validate({**base, "propellant_mass_kg": 5000.0})
    fighter = load_catalog()["threats"]["fighter"].spec.model_dump()
    with pytest.raises(ValidationError, match="speed_mps"):
        ThreatSpec.model_validate({**fighter, "speed_mps": None})


# -- evasion --------------------------------------------------------------------------


def _inbound_fighter(
    manoeuvre: str, accel_g: float = 5.0
) -> tuple[Reactions, Trajectory, NDArrayF, RoutePlan]:
    la, lo, _ = FRAME.enu_to_geodetic(np.array([0.0, 150e3, 0.0]))
    pts = (
        PathPoint(float(la), float(lo), 8000.0, False, 250.0),
        PathPoint(40.0, -40.0, 8000.0, False, 250.0),
    )
    tr = waypoint_trajectory(FRAME, pts, 10.0, flat)
    ev = Evasion(manoeuvre, accel_g * G0_MPS2, 2.0, 20.0)
    plan = RoutePlan(pts, None, None, ev)
    react = Reactions(ThreatTable([tr]), [plan], [tr.point_times_s], FRAME, flat)
    source = np.array([8000.0, 0.0, 0.0])  # launcher east of the track
    return react, tr, source, plan


NDArrayF = np.ndarray


@pytest.mark.parametrize("accel_g", [2.0, 5.0, 7.0])
def test_evasive_turn_lateral_acceleration_is_n_g(accel_g: float) -> None:
    react, tr, source, _ = _inbound_fighter("beam", accel_g)
    before = react.table.row(0)[0][: tr.alt_m.size].copy()
    t_end = react.launch_at(0, 100.0, source)
    assert t_end is not None
    tab = react.table
    k0 = math.ceil((102.0 - 10.0) / tab.dt_s[0] - 1e-9)
    # the past is untouched, the splice starts on the old sample
    np.testing.assert_array_equal(tab.row(0)[0][: k0 + 1], before[: k0 + 1])
    omega = accel_g * G0_MPS2 / 250.0
    n_turn = int((math.pi / 2) / omega / tab.dt_s[0])
    seg = slice(k0 + 1, k0 + n_turn - 1)
    lat_acc = _lateral_accel(tab.row(0)[0][seg], tab.row(0)[1][seg], float(tab.dt_s[0]))
    np.testing.assert_allclose(np.abs(lat_acc), accel_g * G0_MPS2, rtol=0.02)
    # on the beam after the turn: velocity perpendicular to the line of sight
    k = k0 + n_turn + 4
    los = tab.row(0)[0][k] - source
    v = tab.row(0)[1][k]
    up = FRAME.up_enu(tab.row(0)[0][k])
    los_h = los - np.dot(los, up) * up
    cosang = np.dot(los_h, v) / np.linalg.norm(los_h) / np.linalg.norm(v)
    assert abs(cosang) < math.sin(math.radians(3))
    # it stays level and keeps its speed
    n = int(tab.n_samples[0])
    np.testing.assert_allclose(tab.row(0)[2][k0:n], 8000.0, atol=2.0)
    np.testing.assert_allclose(np.linalg.norm(tab.row(0)[1][k0:n], axis=1), 250.0, rtol=0.01)


def test_beam_rejoins_the_route_and_turn_away_leaves() -> None:
    react, tr, source, _ = _inbound_fighter("beam")
    t_end = react.launch_at(0, 100.0, source)
    assert t_end is not None and t_end > tr.t_end_s  # the detour costs time
    tab = react.table
    # back on the route: it ends over the last route point
    end = tab.row(0)[0][tab.n_samples[0] - 1]
    assert np.linalg.norm(end[:2]) < 50.0
    # a second launch during the manoeuvre is ignored; after it, it evades again
    assert react.launch_at(0, 110.0, source) is None
    assert react.launch_at(0, react.busy_until_s[0] + 1.0, source) is not None

    react, tr, source, plan = _inbound_fighter("turn_away")
    t_end = react.launch_at(0, 100.0, source)
    assert t_end is not None
    tab = react.table
    n = int(tab.n_samples[0])
    # heading away from the launcher at the end, and gone hold_s after the turn
    last = tab.row(0)[0][n - 1]
    assert np.dot(tab.row(0)[1][n - 1], last - source) > 0.99 * 250.0 * np.linalg.norm(
        last - source
    ) * math.cos(math.radians(5))
    assert plan.evasion is not None
    omega = plan.evasion.accel_mps2 / 250.0
    assert t_end == pytest.approx(102.0 + math.pi / omega + plan.evasion.hold_s, abs=1.5)


def test_splice_grows_the_row_and_keeps_other_rows_and_the_compiled_table() -> None:
    react, tr, source, plan = _inbound_fighter("beam")
    other = waypoint_trajectory(
        FRAME,
        [
            PathPoint(40.5, -40.5, 3000.0, False, 200.0),
            PathPoint(40.4, -40.5, 3000.0, False, 200.0),
        ],
        0.0,
        flat,
    )
    compiled = ThreatTable([tr, other])
    before = compiled.samples()[0].copy()
    react = Reactions(compiled, [plan, None], [tr.point_times_s, None], FRAME, flat)
    cap = react.table.row(0)[0].shape[0]
    row1 = react.table.row(1)[0][: other.alt_m.size].copy()
    react.launch_at(0, 100.0, source)
    assert react.table.row(0)[0].shape[0] > cap  # the spliced row is longer
    np.testing.assert_array_equal(react.table.row(1)[0][: other.alt_m.size], row1)
    np.testing.assert_array_equal(compiled.samples()[0], before)  # the world's table: untouched
    assert react.launch_at(1, 5.0, source) is None  # no plan: does not react
    # state_at still evaluates both rows
    p, v, a = react.table.state_at(200.0)
    assert p.shape == (2, 3) and np.all(np.isfinite(p))


def test_a_run_copy_splices_like_the_table_itself() -> None:
    """A run's copy keeps spliced rows in an overlay instead of copying the table: every
    row's state at every time is the same, bit for bit, as splicing the table in place."""
    rng = np.random.default_rng(4)
    trs = []
    for j in range(5):
        la = 40.0 + 0.3 * j
        pts = [
            PathPoint(la, -41.0, 2000.0 + 500 * j, False, 220.0),
            PathPoint(la - 0.4, -40.0, 2000.0 + 500 * j, False, 220.0),
        ]
        trs.append(waypoint_trajectory(FRAME, pts, 10.0 * j, flat))
    inplace = ThreatTable(trs)
    copy = ThreatTable(trs).copy()
    for i, k in ((3, 40), (1, 10), (3, 60)):  # a row spliced twice, one longer than all
        n = int(rng.integers(50, 2 * int(inplace.n_samples.max())))
        pos = rng.normal(0.0, 1e4, (n, 3))
        vel = rng.normal(0.0, 200.0, (n, 3))
        alt = rng.uniform(0.0, 9e3, n)
        inplace.splice(i, k, pos, vel, alt)
        copy.splice(i, k, pos, vel, alt)
    np.testing.assert_array_equal(copy.n_samples, inplace.n_samples)
    np.testing.assert_array_equal(copy.t_end_s, inplace.t_end_s)
    for t in np.linspace(0.0, float(inplace.t_end_s.max()) + 5.0, 97):
        for idx in (None, np.array([3, 0, 1, 3, 4])):
            a = inplace.state_at(float(t), idx)
            b = copy.state_at(float(t), idx)
            for x, y in zip(a, b, strict=True):
                assert x.tobytes() == y.tobytes()
    for i in range(5):
        n = int(inplace.n_samples[i])
        for x, y in zip(inplace.row(i), copy.row(i), strict=True):
            assert x[:n].tobytes() == y[:n].tobytes()


# -- catalogue ------------------------------------------------------------------------


def test_catalogue_threats_each_kind_and_sources() -> None:
    cat = load_catalog()["threats"]
    kinds = {e.spec.kind for e in cat.values()}
    assert kinds == {
        "cruise_missile",
        "aircraft",
        "ballistic_missile",
        "decoy",
        "anti_radiation_missile",
    }
    for name, entry in cat.items():
        for key, fig in entry.figures.items():
            assert fig.source.strip(), f"{name}.{key} has no source"
        if entry.spec.appears_as is not None:
            assert entry.spec.appears_as in cat, name
    assert cat["decoy"].spec.capability == 0.0
    assert cat[cat["decoy"].spec.appears_as].spec.capability > 0


def _padded_state(
    pos: np.ndarray,
    vel: np.ndarray,
    alt: np.ndarray,
    t0: np.ndarray,
    dt: np.ndarray,
    n: np.ndarray,
    t_s: float,
    rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The padded table's interpolation as array code (the formula the table had before
    its samples were stored end to end)."""
    top = n[rows] - 1
    u = np.clip((t_s - t0[rows]) / dt[rows], 0.0, top)
    i0 = np.minimum(np.floor(u).astype(np.int64), np.maximum(top - 1, 0))
    w = u - i0
    i1 = np.minimum(i0 + 1, top)
    p = pos[rows, i0] * (1.0 - w)[:, None] + pos[rows, i1] * w[:, None]
    v = vel[rows, i0] * (1.0 - w)[:, None] + vel[rows, i1] * w[:, None]
    a = alt[rows, i0] * (1.0 - w) + alt[rows, i1] * w
    return p, v, a


@settings(max_examples=40, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_ragged_table_equals_the_padded_table(lengths: list[int], seed: int) -> None:
    """Issue 16 (memory): the samples of all threats are stored end to end instead of
    padded to the longest trajectory (a 3,000-threat theatre raid: 831 -> 391 MB). The
    state of every row at any time, before and after splices, is the padded table's, bit
    for bit; splicing a run's copy leaves the compiled samples alone."""
    rng = np.random.default_rng(seed)
    trs = [
        Trajectory(
            float(rng.uniform(0.0, 50.0)),
            float(rng.choice([0.5, 1.0, 0.25])),
            rng.normal(0.0, 1e4, (m, 3)),
            rng.normal(0.0, 300.0, (m, 3)),
            rng.uniform(0.0, 9e3, m),
        )
        for m in lengths
    ]
    table = ThreatTable(trs)
    compiled = [a.copy() for a in table.samples()]
    run = table.copy()
    k_max = max(lengths)
    pos = np.stack(
        [np.concatenate([t.pos_m, np.repeat(t.pos_m[-1:], k_max - len(t.alt_m), 0)]) for t in trs]
    )
    vel = np.stack([np.concatenate([t.vel_mps, np.zeros((k_max - len(t.alt_m), 3))]) for t in trs])
    alt = np.stack(
        [np.concatenate([t.alt_m, np.repeat(t.alt_m[-1:], k_max - len(t.alt_m))]) for t in trs]
    )
    t0 = np.array([t.t0_s for t in trs])
    dt = np.array([t.dt_s for t in trs])
    n = np.array(lengths, dtype=np.int64)
    rows_all = np.arange(len(trs))

    def check(tab: ThreatTable) -> None:
        for t_s in rng.uniform(-10.0, float(tab.t_end_s.max()) + 10.0, 12):
            for rows in (None, rng.integers(0, len(trs), 5)):
                r = rows_all if rows is None else rows
                want = _padded_state(pos, vel, alt, t0, dt, n, float(t_s), r)
                got = tab.state_at(float(t_s), rows)
                for x, y in zip(got, want, strict=True):
                    assert x.tobytes() == y.tobytes()
        for i in range(len(trs)):
            m = int(n[i])
            for x, y in zip(tab.row(i), (pos[i], vel[i], alt[i]), strict=True):
                assert x.shape[0] == m and x.tobytes() == y[:m].tobytes()

    check(table)
    check(run)
    for _ in range(3):  # splices of the run's copy, applied to the padded reference too
        i = int(rng.integers(0, len(trs)))
        k = int(rng.integers(0, n[i]))
        m_new = int(rng.integers(1, 2 * k_max + 2))
        p_new = rng.normal(0.0, 1e4, (m_new, 3))
        v_new = rng.normal(0.0, 300.0, (m_new, 3))
        a_new = rng.uniform(0.0, 9e3, m_new)
        run.splice(i, k, p_new, v_new, a_new)
        m = k + m_new
        if m > pos.shape[1]:
            grow = m - pos.shape[1]
            pos = np.concatenate([pos, np.repeat(pos[:, -1:], grow, axis=1)], axis=1)
            vel = np.concatenate([vel, np.zeros((len(trs), grow, 3))], axis=1)
            alt = np.concatenate([alt, np.repeat(alt[:, -1:], grow, axis=1)], axis=1)
        pos[i, k:m], vel[i, k:m], alt[i, k:m] = p_new, v_new, a_new
        pos[i, m:], vel[i, m:], alt[i, m:] = p_new[-1], 0.0, a_new[-1]
        n[i] = m
        np.testing.assert_array_equal(run.n_samples, n)
        check(run)
    for now, before in zip(table.samples(), compiled, strict=True):
        assert now.tobytes() == before.tobytes()
    np.testing.assert_array_equal(table.n_samples, lengths)
