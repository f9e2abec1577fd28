"""The tracker end to end: initiation, confirmation, deletion, fusion, provenance, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.tracking import MeasurementBatch, Tracker, TrackerConfig
from samsim.tracking.metrics import assign_tracks_to_truth, id_switches, ospa

R3 = np.eye(3) * 50.0**2


def _targets(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p0 = np.column_stack([rng.uniform(-5e4, 5e4, (n, 2)), rng.uniform(1e3, 1e4, n)])
    v = np.column_stack([rng.uniform(-250, 250, (n, 2)), np.zeros(n)])
    return p0, v


def _run(
    cfg: TrackerConfig,
    n: int = 12,
    scans: int = 25,
    seed: int = 1,
    T: float = 2.0,
    pd: float = 1.0,
    n_clutter: int = 0,
):
    rng = np.random.default_rng(seed)
    p0, v = _targets(n, seed)
    trk = Tracker(cfg)
    results, truth, est, ids = [], [], [], []
    for k in range(scans):
        t = k * T
        pos = p0 + v * t
        det = rng.random(n) < pd
        z = pos[det] + rng.normal(0, 50.0, (int(det.sum()), 3))
        if n_clutter:
            z = np.vstack(
                [
                    z,
                    np.column_stack(
                        [rng.uniform(-6e4, 6e4, (n_clutter, 2)), rng.uniform(0, 1.2e4, n_clutter)]
                    ),
                ]
            )
        res = trk.step(MeasurementBatch.cartesian(t, 0, z, R3))
        tab = trk.tracks
        results.append(res)
        truth.append(pos)
        est.append(np.array(tab.x[tab.confirmed, :3]))
        ids.append(np.array(tab.ids[tab.confirmed]))
    return trk, results, truth, est, ids


@pytest.mark.parametrize(
    ("model", "ospa_max"),
    [("cv", 50.0), ("imm", 65.0), ("ca", 70.0), ("ct", 70.0), ("imm_known_turn", 65.0)],
)
def test_every_model_tracks_straight_targets(model: str, ospa_max: float) -> None:
    # 50 m noise per axis: the raw measurement error is ~80 m (3-D); filters must do better.
    # A stand-alone turn model of straight targets needs a quieter turn rate than the IMM's.
    kw = {"q_turn_rad2ps3": 1e-3} if model == "ct" else {}
    cfg = TrackerConfig(model=model, **kw)  # type: ignore[arg-type]
    trk, _results, truth, est, ids = _run(cfg)
    # Confirmed after M = 3 hits (scan index 2), and then one track per target, no switches.
    assert all(len(e) == 0 for e in est[:2])
    assert all(len(e) == 12 for e in est[2:])
    a = assign_tracks_to_truth(truth[2:], [np.arange(12)] * 23, est[2:], ids[2:], 500.0)
    assert (a.track_id >= 0).all()
    assert id_switches(a) == 0
    late = np.mean([ospa(t, e, 500.0).ospa for t, e in zip(truth[10:], est[10:], strict=True)])
    assert late < ospa_max, f"{model}: OSPA {late:.1f} m after convergence"
    assert trk.tracks.x.shape[1] == cfg.layout.nx


def test_step_reports_provenance_and_lifecycle() -> None:
    cfg = TrackerConfig(model="cv", first_id=100)
    trk = Tracker(cfg)
    z = np.array([[0.0, 0.0, 1000.0], [20e3, 0.0, 1000.0]])
    r0 = trk.step(MeasurementBatch.cartesian(0.0, 7, z, R3, det_index=[11, 12]))
    assert r0.started.tolist() == [100, 101]
    assert r0.det_track_id.tolist() == [100, 101]
    assert r0.det_index.tolist() == [11, 12]
    r1 = trk.step(MeasurementBatch.cartesian(1.0, 8, z[::-1] + 10.0, R3, det_index=[5, 6]))
    assert r1.det_track_id.tolist() == [101, 100]
    assert sorted(r1.updated.tolist()) == [100, 101]
    assert r1.started.size == 0 and r1.confirmed.size == 0
    r2 = trk.step(MeasurementBatch.cartesian(2.0, 7, z + 20.0, R3, det_index=[1, 2]))
    assert sorted(r2.confirmed.tolist()) == [100, 101]
    tab = trk.tracks
    assert tab.confirmed.all() and tab.n_hits.tolist() == [3, 3]
    assert tab.last_sensor_id.tolist() == [7, 7] and tab.last_det_index.tolist() == [1, 2]
    prov = trk.provenance()
    assert prov.track_id.tolist() == [100, 101, 101, 100, 100, 101]
    assert prov.sensor_id.tolist() == [7, 7, 8, 8, 7, 7]
    assert prov.det_index.tolist() == [11, 12, 5, 6, 1, 2]
    with pytest.raises(ValueError):
        tab.x[0, 0] = 1.0  # the table is a read-only view


def test_no_detections_deletes_every_track() -> None:
    cfg = TrackerConfig(model="cv", max_misses=3, confirm_m=2, confirm_n=3)
    trk, *_ = _run(cfg, n=6, scans=4)
    # One extra tentative track from a lone detection.
    trk.step(MeasurementBatch.cartesian(8.0, 0, [[9e5, 9e5, 0.0]], R3))
    assert trk.tracks.n == 7 and trk.tracks.confirmed.sum() == 6
    reasons: dict[int, str] = {}
    for k in range(5):
        res = trk.coast(10.0 + 2 * k)
        reasons.update(zip(res.deleted.tolist(), res.deleted_reason.tolist(), strict=True))
        assert res.det_track_id.size == 0
    assert trk.tracks.n == 0
    assert sorted(reasons.values()) == ["misses"] * 6 + ["unconfirmed"]


def test_expected_mask_limits_misses_to_sensor_coverage() -> None:
    cfg = TrackerConfig(model="cv", max_misses=2)
    trk, *_ = _run(cfg, n=8, scans=4)
    east = trk.tracks.x[:, 0] > 0
    # A sensor that only covers the western half sees nothing for three scans.
    for k in range(3):
        res = trk.coast(10.0 + k, expected=lambda ids, x: x[:, 0] <= 0)
        assert set(res.missed.tolist()) <= set(trk.tracks.ids.tolist()) | set(res.deleted.tolist())
    assert trk.tracks.n == int(east.sum())
    assert (trk.tracks.n_misses == 0).all()
    # The boolean-array form does the same.
    trk.coast(20.0, expected=np.zeros(trk.tracks.n, dtype=bool))
    assert trk.tracks.n == int(east.sum())
    with pytest.raises(ValueError, match="bool array of shape"):
        trk.coast(21.0, expected=np.ones(trk.tracks.n + 1, dtype=bool))
    with pytest.raises(ValueError, match="callable"):
        trk.coast(22.0, expected=lambda ids, x: np.ones(3))


def test_two_radars_feed_one_picture() -> None:
    # Two sensors with alternating scans and different coverage (x < 0 / x > 0 plus overlap):
    # every target is held by one track updated by whichever sensor sees it.
    rng = np.random.default_rng(4)
    p0, v = _targets(10, 4)
    trk = Tracker(TrackerConfig(model="cv", max_misses=3))
    cover = {1: lambda x: x[:, 0] < 5e3, 2: lambda x: x[:, 0] > -5e3}
    for k in range(30):
        sid = 1 + k % 2
        t = 1.5 * k
        pos = p0 + v * t
        seen = cover[sid](pos)
        z = pos[seen] + rng.normal(0, 50.0, (int(seen.sum()), 3))
        trk.step(
            MeasurementBatch.cartesian(t, sid, z, R3), expected=lambda ids, x, s=sid: cover[s](x)
        )
    tab = trk.tracks
    assert tab.confirmed.sum() == 10 and tab.n == 10
    prov = trk.provenance()
    assert set(prov.sensor_id.tolist()) == {1, 2}
    # Targets in the overlap are updated by both sensors.
    both = [i for i in tab.ids if len(set(prov.sensor_id[prov.track_id == i].tolist())) == 2]
    overlap = np.abs((p0 + v * 40)[:, 0]) < 5e3
    assert len(both) >= int(overlap.sum())


def test_determinism() -> None:
    cfg = TrackerConfig()
    a = _run(cfg, n=10, scans=15, pd=0.8, n_clutter=5)
    b = _run(cfg, n=10, scans=15, pd=0.8, n_clutter=5)
    np.testing.assert_array_equal(a[0].tracks.ids, b[0].tracks.ids)
    np.testing.assert_array_equal(a[0].tracks.x, b[0].tracks.x)
    for ra, rb in zip(a[1], b[1], strict=True):
        np.testing.assert_array_equal(ra.det_track_id, rb.det_track_id)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["gnn", "jpda"]))
def test_invariants_under_random_input(seed: int, assoc: str) -> None:
    # Ids unique and increasing, each detection used at most once (GNN), started ids match
    # the detections that started them, deleted ids leave the table.
    cfg = TrackerConfig(association=assoc)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    trk = Tracker(cfg)
    seen: set[int] = set()
    for k in range(8):
        n = int(rng.integers(0, 15))
        z = rng.uniform(-3e3, 3e3, (n, 3))
        res = trk.step(MeasurementBatch.cartesian(float(k), 0, z, R3))
        ids = trk.tracks.ids
        assert len(set(ids.tolist())) == ids.size and np.all(np.diff(ids) > 0)
        assert set(res.started.tolist()).isdisjoint(seen)
        seen |= set(res.started.tolist())
        assert set(res.deleted.tolist()).isdisjoint(ids.tolist())
        assert set(res.det_track_id[res.det_track_id >= 0].tolist()) <= seen
        if assoc == "gnn":
            used = res.det_track_id[res.det_track_id >= 0]
            assert used.size == np.unique(used).size
        assert np.isfinite(trk.tracks.x).all()
        assert (np.linalg.eigvalsh(trk.tracks.cov) > 0).all()


def test_jpda_tracks_through_clutter() -> None:
    cfg = TrackerConfig(model="cv", association="jpda", clutter_density=1e-13)
    _, _, truth, est, _ = _run(cfg, n=8, scans=20, pd=0.9, n_clutter=30)
    late = np.mean([ospa(t, e, 500.0).ospa for t, e in zip(truth[8:], est[8:], strict=True)])
    assert late < 100.0


def test_score_deletion() -> None:
    cfg = TrackerConfig(model="cv", deletion="score", score_drop=5.0, pd=0.9)
    trk, *_ = _run(cfg, n=4, scans=6)
    assert trk.tracks.n == 4
    n_scans = 0
    while trk.tracks.n and n_scans < 10:
        res = trk.coast(20.0 + n_scans)
        n_scans += 1
    # ln(1 - 0.9) = -2.30 per miss: the drop exceeds 5 on the third miss.
    assert n_scans == 3 and set(res.deleted_reason.tolist()) == {"score"}


def test_predict_is_pure_and_acceleration_of_a_turn() -> None:
    cfg = TrackerConfig(model="ct", confirm_m=1, confirm_n=1)
    trk = Tracker(cfg)
    trk.step(MeasurementBatch.cartesian(0.0, 0, [[0.0, 0.0, 5e3]], R3))
    x_before = trk.tracks.x.copy()
    ids, x, P = trk.predict(10.0)
    assert ids.tolist() == [1] and x.shape == (1, 7) and P.shape == (1, 7, 7)
    np.testing.assert_array_equal(trk.tracks.x, x_before)
    assert trk.time_s == 0.0
    # Follow a 0.2 rad/s turn at 200 m/s; the acceleration estimate approaches w v = 40 m/s^2.
    rng = np.random.default_rng(2)
    w, v, r = 0.2, 200.0, 1000.0
    for k in range(1, 60):
        t = 0.5 * k
        p = [r * np.sin(w * t), r * (1 - np.cos(w * t)), 5e3]
        trk.step(
            MeasurementBatch.cartesian(t, 0, [np.add(p, rng.normal(0, 5.0, 3))], np.eye(3) * 25)
        )
    _, acc = trk.predict_acceleration(30.0)
    assert np.linalg.norm(acc[0]) == pytest.approx(w * v, rel=0.1)
    assert trk.tracks.x[0, 6] == pytest.approx(w, rel=0.1)


def test_imm_beats_cv_in_a_turn() -> None:
    rng = np.random.default_rng(5)
    w, v = 0.2, 245.0
    errs = {}
    for model in ("imm", "cv"):
        trk = Tracker(TrackerConfig(model=model))  # type: ignore[arg-type]
        e = []
        pos, vel = np.array([0.0, 0.0, 5e3]), np.array([v, 0.0, 0.0])
        for k in range(50):
            if k:
                om = w if 15 <= k < 30 else 0.0
                c, s = np.cos(om), np.sin(om)
                new_v = np.array([c * vel[0] - s * vel[1], s * vel[0] + c * vel[1], 0.0])
                pos = pos + 0.5 * (vel + new_v)
                vel = new_v
            trk.step(
                MeasurementBatch.cartesian(
                    float(k), 0, [pos + rng.normal(0, 30.0, 3)], np.eye(3) * 900
                )
            )
            if 16 <= k < 30:
                tab = trk.tracks
                e.append(np.min(np.linalg.norm(tab.x[:, :3] - pos, axis=1)))
        errs[model] = float(np.sqrt(np.mean(np.square(e))))
    assert errs["imm"] < 0.7 * errs["cv"], errs


def test_two_dimensional_configuration() -> None:
    trk = Tracker(TrackerConfig(dims=2, model="cv"))
    for k in range(4):
        trk.step(MeasurementBatch.cartesian(float(k), 0, [[100.0 * k, 0.0]], np.eye(2) * 100))
    assert trk.tracks.x.shape == (1, 4) and trk.tracks.confirmed.all()
    with pytest.raises(ValueError, match="dims=2"):
        trk.step(MeasurementBatch.cartesian(5.0, 0, [[0.0, 0.0, 0.0]], R3))


def test_step_rejects_bad_input() -> None:
    trk = Tracker(TrackerConfig())
    trk.step(MeasurementBatch.cartesian(10.0, 0, [[0.0, 0.0, 0.0]], R3))
    with pytest.raises(ValueError, match="earlier than the tracker's time"):
        trk.step(MeasurementBatch.cartesian(9.0, 0, [[0.0, 0.0, 0.0]], R3))
    with pytest.raises(ValueError, match="MeasurementBatch"):
        trk.step(np.zeros((1, 3)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="earlier"):
        trk.predict(5.0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"model": "kalman"}, "model"),
        ({"dims": 4}, "dims"),
        ({"q_m2ps3": -1.0}, "q_m2ps3"),
        ({"gate_prob": 1.0}, "gate_prob"),
        ({"confirm_m": 4, "confirm_n": 3}, "confirm_m"),
        ({"pd": 0.0}, "pd"),
        ({"imm_sojourn_s": (10.0,)}, "imm_sojourn_s"),
        ({"association": "mht"}, "association"),
        ({"q_manoeuvre_m2ps3": 0.0}, "q_manoeuvre_m2ps3"),
    ],
)
def test_config_validation(kw: dict, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=match):
        TrackerConfig(**kw)


def test_tracks_outside_all_coverage_end_by_coast_time() -> None:
    trk, *_ = _run(TrackerConfig(model="cv", max_coast_s=30.0), n=3, scans=4)
    never = lambda ids, x: np.zeros(ids.size, dtype=bool)  # noqa: E731
    res = trk.coast(20.0, expected=never)
    assert res.deleted.size == 0 and res.missed.size == 0
    res = trk.coast(37.0, expected=never)  # last update at 6 s
    assert sorted(res.deleted_reason.tolist()) == ["coast"] * 3 and trk.tracks.n == 0


def test_predict_of_some_tracks_equals_their_rows_of_all() -> None:
    """Guidance predicts only the tracks interceptors fly on: the same values, bit for bit,
    as those rows of predicting every track."""
    trk = Tracker(TrackerConfig(confirm_m=1, confirm_n=1))
    p0, v = _targets(12, 3)
    rng = np.random.default_rng(3)
    for k in range(6):
        z = p0 + v * 2.0 * k + rng.normal(0, 50.0, p0.shape)
        trk.step(MeasurementBatch.cartesian(2.0 * k, 0, z, np.tile(R3, (12, 1, 1))))
    ids, x, P = trk.predict(13.7, confirmed_only=False)
    want = [int(ids[2]), int(ids[9]), int(ids[5]), 10_000]  # any order; 10,000: no such track
    sub_ids, sub_x, sub_P = trk.predict(13.7, confirmed_only=False, ids=want)
    rows = np.flatnonzero(np.isin(ids, want))
    assert sub_ids.tolist() == ids[rows].tolist()
    assert sub_x.tobytes() == x[rows].tobytes() and sub_P.tobytes() == P[rows].tobytes()


def _fed(model: str) -> Tracker:
    """A tracker of ``model`` after four scans of 12 targets (the last four start late:
    tentative tracks)."""
    trk = Tracker(TrackerConfig(model=model, confirm_m=2, confirm_n=3))  # type: ignore[arg-type]
    p0, v = _targets(12, 3)
    rng = np.random.default_rng(3)
    for k in range(4):
        z = p0 + v * 2.0 * k + rng.normal(0, 50.0, p0.shape)
        n = 12 if k else 8
        trk.step(MeasurementBatch.cartesian(2.0 * k, 0, z[:n], np.tile(R3, (n, 1, 1))))
    return trk


@pytest.mark.parametrize("model", ["cv", "imm"])
def test_predict_at_the_trackers_own_time_is_its_track_states(model: str) -> None:
    """Guidance often asks for tracks at the instant of the last update: no prediction,
    the stored states and covariances bit for bit (copies the caller may change), for a
    subset, the confirmed tracks and every track, as before any update."""
    empty = Tracker(TrackerConfig(model=model))  # type: ignore[arg-type]
    assert all(a.size == 0 for a in empty.predict(0.0, confirmed_only=False, ids=[1, 2]))
    trk = _fed(model)
    tab = trk.tracks
    want = [int(tab.ids[9]), int(tab.ids[2]), 10_000]
    for kw in ({"confirmed_only": False, "ids": want}, {}, {"ids": want}):
        rows = np.ones(tab.n, dtype=bool)
        if "ids" in kw:
            rows &= np.isin(tab.ids, want)
        if kw.get("confirmed_only", True):
            rows &= tab.confirmed
        ids, x, P = trk.predict(6.0, **kw)  # type: ignore[arg-type]
        assert ids.tolist() == tab.ids[rows].tolist() and ids.size
        assert x.tobytes() == tab.x[rows].tobytes() and P.tobytes() == tab.cov[rows].tobytes()
        x[:] = 0.0
        assert trk.predict(6.0, **kw)[1].tobytes() == tab.x[rows].tobytes()  # type: ignore[arg-type]


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("prob", [0.95, 0.99, 0.9973, 0.999, 0.9999])
def test_gate_threshold_is_scipy_chi2_bit_for_bit(dims: int, prob: float) -> None:
    """The gate threshold is computed without scipy.stats (its import costs seconds at
    start-up) and is still scipy.stats.chi2's quantile and CDF, to the last bit."""
    from scipy.stats import chi2

    cfg = TrackerConfig(dims=dims, gate_prob=prob)
    assert cfg.gamma == float(chi2.ppf(prob, dims))
    assert cfg.gate_pg == float(chi2.cdf(cfg.gamma, dims))


def test_predict_reuses_its_last_rows_only_for_the_same_tracks_and_time() -> None:
    """A decision cycle predicts the confirmed tracks and guidance some of them at the same
    instant: the second call takes the first's rows. Every answer equals that of a tracker
    that never predicted before, bit for bit, and no answer shares memory with another."""

    def fed() -> Tracker:
        return _fed("imm")

    def fresh(t: float, **kw) -> tuple[np.ndarray, ...]:  # type: ignore[no-untyped-def]
        return fed().predict(t, **kw)

    trk = fed()
    conf = trk.predict(13.7)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(conf, fresh(13.7), strict=True))
    held = trk.tracks.ids[trk.tracks.confirmed]
    want = [int(held[4]), int(held[1]), 10_000]
    sub = trk.predict(13.7, confirmed_only=False, ids=want)
    ref = fresh(13.7, confirmed_only=False, ids=want)
    assert sub[0].tolist() == sorted(want[:2])
    assert all(a.tobytes() == b.tobytes() for a, b in zip(sub, ref, strict=True))
    sub[1][:] = 0.0  # the caller's arrays are its own
    again = trk.predict(13.7, confirmed_only=False, ids=want)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(again, ref, strict=True))
    # rows the last call did not predict (tentative tracks), another time: computed
    everyone = trk.tracks.ids.tolist()
    for t, kw in ((13.7, {"confirmed_only": False, "ids": everyone}), (15.0, {})):
        got, ref = trk.predict(t, **kw), fresh(t, **kw)  # type: ignore[arg-type]
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got, ref, strict=True))


def test_provenance_is_the_tracker_own_record() -> None:
    """Provenance is kept as each step's detections and picked out when asked: a caller
    writing into a step's result or its batch afterwards does not change it."""
    trk = Tracker(TrackerConfig(model="cv", first_id=1))
    z = np.array([[0.0, 0.0, 1000.0], [20e3, 0.0, 1000.0], [9e5, 9e5, 0.0]])
    batch = MeasurementBatch.cartesian(0.0, 3, z, np.tile(R3, (3, 1, 1)), det_index=[4, 5, 6])
    res = trk.step(batch)
    res.det_track_id[:] = -1
    res.det_index[:] = 0
    batch.det_index.setflags(write=True)
    batch.det_index[:] = 99
    res = trk.step(MeasurementBatch.cartesian(1.0, 2, z[1:2], R3[None], det_index=[8]))
    prov = trk.provenance()
    assert prov.track_id.tolist() == [1, 2, 3, 2]
    assert prov.det_index.tolist() == [4, 5, 6, 8]
    assert prov.sensor_id.tolist() == [3, 3, 3, 2] and prov.time_s.tolist() == [0, 0, 0, 1]
