"""samsim's multi-target tracker against Stone Soup on the same generated data (issue 4).

Part 1 (scaling): 2-D nearly-constant-velocity targets in a 100 km x 100 km box, start within
+-40 km, speeds 100-300 m/s, random headings, process noise q = 1 m^2/s^3, 1 s scans,
Cartesian measurements with sigma 50 m, Pd 0.9, Poisson clutter of mean 10 per scan, 100
scans, N = 10, 50, 100, 300. Stone Soup runs its standard recipe (Kalman predictor/updater,
DistanceHypothesiser with Mahalanobis and missed distance 3, GNNWith2DAssignment,
MultiMeasurementInitiator with 3 points, CovarianceBasedDeleter) and its k-d-tree GNN variant
(DetectionKDTreeGNN2D); samsim runs alone at N = 3000. Prints per-scan times, their ratios
and the OSPA of each tracker (c = 500 m, p = 1, confirmed tracks against truth).

Part 2 (manoeuvring): 3-D targets flying straight then turning at 5 g, seen by a radar
(range/azimuth/elevation, unbiased converted measurements); RMS position error during the
turns of samsim's IMM (CV + coordinated turn) against samsim's CV filter, and against Stone
Soup's standard recipe (CV) on the same Cartesian data.

Run ``python benchmarks/tracking_vs_stonesoup.py`` (full, ~10 min on 2 busy cores) or with
``--quick`` (~1 min). Requires the ``bench`` extra (stonesoup).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.tracking import MeasurementBatch, Tracker, TrackerConfig
from samsim.tracking.metrics import ospa

FloatArray = NDArray[np.float64]

SIGMA_M = 50.0
Q_M2PS3 = 1.0
PD = 0.9
CLUTTER_MEAN = 10.0
HALF_BOX_M = 50_000.0
START_HALF_M = 40_000.0
SCAN_S = 1.0
INIT_SPEED_SIGMA_MPS = 200.0
OSPA_C_M = 500.0
OSPA_P = 1.0
#: CovarianceBasedDeleter thresholds (trace of the 4x4 covariance, m^2 and m^2/s^2 mixed, as
#: Stone Soup defines it). See docs/benchmarks/tracking.md for how they were chosen.
SS_HOLD_TRACE = 5.0e4
SS_MAIN_TRACE = 5.0e4
#: k-d tree search radius, m: the largest 3-sigma gate radius of a one-point track
#: (3 sqrt(2 R + sigma_v^2) ~ 0.7 km), so the tree never removes a hypothesis the
#: DistanceHypothesiser would keep.
SS_KD_MAX_DISTANCE_M = 1000.0


@dataclass
class Scenario:
    """Truth and detections for every scan."""

    truth: list[FloatArray]  # (N, 2) per scan
    z: list[FloatArray]  # (m, 2) per scan
    is_clutter: list[NDArray[np.bool_]]

    @property
    def n_scans(self) -> int:
        return len(self.truth)


def make_scenario(n_targets: int, n_scans: int, seed: int) -> Scenario:
    """The issue's 2-D scenario (see the module docstring), deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-START_HALF_M, START_HALF_M, (n_targets, 2))
    speed = rng.uniform(100.0, 300.0, n_targets)
    hdg = rng.uniform(0.0, 2.0 * np.pi, n_targets)
    vel = np.stack([speed * np.sin(hdg), speed * np.cos(hdg)], axis=1)
    T = SCAN_S
    Q = Q_M2PS3 * np.array([[T**3 / 3, T**2 / 2], [T**2 / 2, T]])
    L = np.linalg.cholesky(Q)
    truth, zs, clut = [], [], []
    for k in range(n_scans):
        if k > 0:
            w = rng.standard_normal((n_targets, 2, 2)) @ L.T  # (N, axis, [p, v])
            pos = pos + vel * T + w[:, :, 0]
            vel = vel + w[:, :, 1]
        truth.append(pos.copy())
        det = rng.random(n_targets) < PD
        z_t = pos[det] + rng.normal(0.0, SIGMA_M, (int(det.sum()), 2))
        n_c = rng.poisson(CLUTTER_MEAN)
        z_c = rng.uniform(-HALF_BOX_M, HALF_BOX_M, (n_c, 2))
        z = np.concatenate([z_t, z_c])
        c = np.concatenate([np.zeros(z_t.shape[0], bool), np.ones(n_c, bool)])
        o = rng.permutation(z.shape[0])
        zs.append(z[o])
        clut.append(c[o])
    return Scenario(truth, zs, clut)


@dataclass
class RunResult:
    per_scan_s: FloatArray
    est: list[FloatArray]  # confirmed-track positions per scan
    ids: list[NDArray[np.int64]]

    def ospa_series(self, truth: list[FloatArray]) -> FloatArray:
        return np.array(
            [ospa(t, e, OSPA_C_M, OSPA_P).ospa for t, e in zip(truth, self.est, strict=True)]
        )


def samsim_benchmark_config() -> TrackerConfig:
    """samsim's tracker set up for the issue's scenario (2-D, CV, the scenario's q, R, Pd)."""
    return TrackerConfig(
        dims=2,
        model="cv",
        q_m2ps3=Q_M2PS3,
        gate_value=9.0,  # Mahalanobis 3, Stone Soup's missed distance
        association="gnn",
        cost="loglik",
        pd=PD,
        clutter_density=CLUTTER_MEAN / (2 * HALF_BOX_M) ** 2,
        confirm_m=3,
        confirm_n=4,
        max_misses=4,
        init_speed_sigma_mps=INIT_SPEED_SIGMA_MPS,
        keep_provenance=False,
    )


def run_samsim(scn: Scenario, n_scans: int, cfg: TrackerConfig | None = None) -> RunResult:
    trk = Tracker(cfg or samsim_benchmark_config())
    cov = np.eye(2) * SIGMA_M**2
    times, est, ids = [], [], []
    for k in range(n_scans):
        t0 = time.perf_counter()
        batch = MeasurementBatch.cartesian(k * SCAN_S, 0, scn.z[k], cov)
        trk.step(batch)
        times.append(time.perf_counter() - t0)
        tab = trk.tracks
        est.append(np.array(tab.x[tab.confirmed, :2]))
        ids.append(np.array(tab.ids[tab.confirmed]))
    return RunResult(np.array(times), est, ids)


def _stonesoup_tracker(variant: str, scn: Scenario, n_scans: int):  # type: ignore[no-untyped-def]
    """Stone Soup's standard multi-target recipe; ``variant`` 'standard' or 'kdtree'."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
    from stonesoup.deleter.error import CovarianceBasedDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    transition = CombinedLinearGaussianTransitionModel(
        [ConstantVelocity(Q_M2PS3), ConstantVelocity(Q_M2PS3)]
    )
    meas_model = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.eye(2) * SIGMA_M**2)
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(meas_model)
    hypothesiser = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=3
    )
    if variant == "standard":
        associator = GNNWith2DAssignment(hypothesiser)
    else:
        associator = DetectionKDTreeGNN2D(
            hypothesiser=hypothesiser,
            predictor=predictor,
            updater=updater,
            max_distance=SS_KD_MAX_DISTANCE_M,
        )
    prior = GaussianState(
        np.zeros((4, 1)), np.diag([0.0, INIT_SPEED_SIGMA_MPS**2, 0.0, INIT_SPEED_SIGMA_MPS**2])
    )
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        measurement_model=meas_model,
        deleter=CovarianceBasedDeleter(covar_trace_thresh=SS_HOLD_TRACE),
        data_associator=associator,
        updater=updater,
        min_points=3,
    )
    t0 = dt.datetime(2025, 1, 1)
    feed = []
    for k in range(n_scans):
        ts = t0 + dt.timedelta(seconds=k * SCAN_S)
        dets = {
            Detection(z.reshape(2, 1), timestamp=ts, measurement_model=meas_model) for z in scn.z[k]
        }
        feed.append((ts, dets))
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=CovarianceBasedDeleter(covar_trace_thresh=SS_MAIN_TRACE),
        detector=feed,
        data_associator=associator,
        updater=updater,
    )
    return tracker


def run_stonesoup(variant: str, scn: Scenario, n_scans: int) -> RunResult:
    tracker = _stonesoup_tracker(variant, scn, n_scans)
    it = iter(tracker)
    times, est, ids = [], [], []
    for _ in range(n_scans):
        t0 = time.perf_counter()
        _, tracks = next(it)
        times.append(time.perf_counter() - t0)
        tl = sorted(tracks, key=lambda tr: tr.id)
        est.append(
            np.array([[tr.state_vector[0, 0], tr.state_vector[2, 0]] for tr in tl]).reshape(-1, 2)
        )
        ids.append(np.arange(len(tl)))
    return RunResult(np.array(times), est, ids)


def scaling(args: argparse.Namespace) -> None:
    print(
        "== Part 1: scaling, issue scenario (2-D CV, 1 s scans, sigma 50 m, Pd 0.9, "
        "clutter 10/scan) =="
    )
    print(
        f"OSPA: c = {OSPA_C_M:.0f} m, p = {OSPA_P:g}, confirmed tracks vs truth, mean over the "
        "scans each tracker ran; times are mean per-scan wall time of the tracker step"
    )
    hdr = (
        f"{'N':>5} {'scans':>5} {'samsim ms':>10} {'SS std ms':>10} {'SS kd ms':>10} "
        f"{'x std':>7} {'x kd':>7} {'OSPA samsim':>11} {'OSPA std':>9} {'OSPA kd':>8} "
        f"{'samsim 100':>10}"
    )
    print(hdr)
    for n_t in args.n:
        scn = make_scenario(n_t, args.scans, args.seed + n_t)
        run_samsim(scn, min(3, args.scans))  # warm-up (imports, caches)
        sam = run_samsim(scn, args.scans)
        ss_scans = {
            "standard": min(args.scans, args.ss_scans_std.get(n_t, args.scans)),
            "kdtree": min(args.scans, args.ss_scans_kd.get(n_t, args.scans)),
        }
        out = {}
        for variant in ("standard", "kdtree"):
            k = ss_scans[variant]
            if k <= 0:
                continue
            res = run_stonesoup(variant, scn, k)
            o_ss = float(res.ospa_series(scn.truth[:k]).mean())
            o_sam = float(sam.ospa_series(scn.truth[:k])[:k].mean())
            out[variant] = (
                k,
                float(res.per_scan_s.mean()),
                float(sam.per_scan_s[:k].mean()),
                o_ss,
                o_sam,
            )
        o_full = float(sam.ospa_series(scn.truth).mean())
        std = out.get("standard")
        kd = out.get("kdtree")
        scans_txt = "/".join(str(v[0]) for v in out.values())
        sam_ms = 1e3 * float(sam.per_scan_s.mean())
        cells = [f"{n_t:>5}", f"{scans_txt:>5}", f"{sam_ms:>10.2f}"]
        cells.append(f"{1e3 * std[1]:>10.1f}" if std else f"{'-':>10}")
        cells.append(f"{1e3 * kd[1]:>10.1f}" if kd else f"{'-':>10}")
        cells.append(f"{std[1] / std[2]:>7.0f}" if std else f"{'-':>7}")
        cells.append(f"{kd[1] / kd[2]:>7.0f}" if kd else f"{'-':>7}")
        # samsim OSPA over the same scans as the Stone Soup run with the fewest scans.
        ref = min(out.values(), key=lambda v: v[0]) if out else None
        cells.append(f"{ref[4]:>11.1f}" if ref else f"{'-':>11}")
        cells.append(f"{std[3]:>9.1f}" if std else f"{'-':>9}")
        cells.append(f"{kd[3]:>8.1f}" if kd else f"{'-':>8}")
        cells.append(f"{o_full:>10.1f}")
        print(" ".join(cells), flush=True)
        for variant, v in out.items():
            if v[0] < args.scans:
                print(
                    f"      (Stone Soup {variant} cut to the first {v[0]} scans; ratio and OSPA "
                    f"compare both trackers over those scans: samsim {1e3 * v[2]:.2f} ms/scan, "
                    f"OSPA {v[4]:.1f} m there)"
                )
    for n_t in args.n_alone:
        scn = make_scenario(n_t, args.scans, args.seed + n_t)
        run_samsim(scn, min(3, args.scans))
        sam = run_samsim(scn, args.scans)
        o_full = float(sam.ospa_series(scn.truth).mean())
        p50, p95 = np.percentile(sam.per_scan_s, [50, 95]) * 1e3
        print(
            f"{n_t:>5} {args.scans:>5} {1e3 * sam.per_scan_s.mean():>10.2f}  (samsim alone; "
            f"median {p50:.2f} ms, p95 {p95:.2f} ms, max {1e3 * sam.per_scan_s.max():.2f} ms); "
            f"OSPA {o_full:.1f} m",
            flush=True,
        )


# --------------------------------------------------------------------------- part 2


@dataclass
class ManoeuvreScenario:
    t_s: FloatArray  # (K,)
    truth: FloatArray  # (K, N, 3)
    turning: NDArray[np.bool_]  # (K, N)
    batches: list[MeasurementBatch]
    z: list[FloatArray]  # Cartesian converted positions per scan (for Stone Soup)
    R: list[FloatArray]


def make_manoeuvre_scenario(
    n_targets: int, n_scans: int, scan_s: float, seed: int, turn_g: float = 5.0
) -> ManoeuvreScenario:
    """Targets at 5-10 km altitude, 200-300 m/s, flying legs of 20-40 s straight then turning
    90-180 deg at ``turn_g`` g (left or right), seen by one radar at the origin
    (sigma range 30 m, az/el 2 mrad, Pd 0.9, no clutter)."""
    rng = np.random.default_rng(seed)
    g = 9.80665
    dt_int = 0.05
    n_sub = round(scan_s / dt_int)
    pos = np.column_stack(
        [rng.uniform(-40e3, 40e3, (n_targets, 2)), rng.uniform(5e3, 10e3, n_targets)]
    )
    pos[:, :2] += np.sign(pos[:, :2]) * 20e3
    speed = rng.uniform(200.0, 300.0, n_targets)
    hdg = rng.uniform(0, 2 * np.pi, n_targets)
    vel = np.column_stack([speed * np.cos(hdg), speed * np.sin(hdg), np.zeros(n_targets)])
    # Piecewise schedule: straight leg, then turn by a random angle at omega = a / v.
    phase_turn = np.zeros(n_targets, bool)
    t_left = rng.uniform(20.0, 40.0, n_targets)
    omega = np.zeros(n_targets)
    truth, turning = [], []
    for _ in range(n_scans):
        truth.append(pos.copy())
        turning.append(phase_turn.copy())
        for _ in range(n_sub):
            v_h = np.hypot(vel[:, 0], vel[:, 1])
            w = np.where(phase_turn, omega, 0.0)
            c, s = np.cos(w * dt_int), np.sin(w * dt_int)
            vx = c * vel[:, 0] - s * vel[:, 1]
            vy = s * vel[:, 0] + c * vel[:, 1]
            pos = pos + 0.5 * dt_int * (vel + np.column_stack([vx, vy, vel[:, 2]]))
            vel = np.column_stack([vx, vy, vel[:, 2]])
            t_left -= dt_int
            switch = t_left <= 0
            if switch.any():
                to_turn = switch & ~phase_turn
                to_str = switch & phase_turn
                sgn = rng.choice([-1.0, 1.0], n_targets)
                omega = np.where(to_turn, sgn * turn_g * g / v_h, omega)
                angle = rng.uniform(np.pi / 2, np.pi, n_targets)
                t_left = np.where(to_turn, angle / np.abs(np.where(omega == 0, 1, omega)), t_left)
                t_left = np.where(to_str, rng.uniform(20.0, 40.0, n_targets), t_left)
                phase_turn = np.where(switch, ~phase_turn, phase_turn)
    truth_a = np.array(truth)
    turning_a = np.array(turning)
    t_s = np.arange(n_scans) * scan_s
    site_pos = np.zeros(3)
    rot = np.eye(3)
    s_r, s_a, s_e = 30.0, 2e-3, 2e-3
    batches, zs, Rs = [], [], []
    for k in range(n_scans):
        det = rng.random(n_targets) < PD
        p = truth_a[k][det]
        rng_m = np.linalg.norm(p, axis=1)
        az = np.arctan2(p[:, 0], p[:, 1])
        el = np.arcsin(p[:, 2] / rng_m)
        b = MeasurementBatch.from_polar(
            t_s[k],
            0,
            site_pos,
            rot,
            rng_m + rng.normal(0, s_r, rng_m.size),
            az + rng.normal(0, s_a, rng_m.size),
            el + rng.normal(0, s_e, rng_m.size),
            s_r,
            s_a,
            s_e,
        )
        batches.append(b)
        zs.append(b.z_m)
        Rs.append(b.cov_m2)
    return ManoeuvreScenario(t_s, truth_a, turning_a, batches, zs, Rs)


def _track_errors(scn: ManoeuvreScenario, est: list[FloatArray]) -> tuple[float, float, float]:
    """RMS position error of the nearest confirmed track to each target (within 2 km),
    during turns and on straight legs, and the fraction of target-scans tracked."""
    err_turn, err_str, tracked, total = [], [], 0, 0
    for k in range(len(est)):
        tr = scn.truth[k]
        total += tr.shape[0]
        if est[k].shape[0] == 0:
            continue
        dist = np.linalg.norm(tr[:, None, :] - est[k][None, :, :], axis=2).min(axis=1)
        ok = dist < 2000.0
        tracked += int(ok.sum())
        err_turn.append(dist[ok & scn.turning[k]])
        err_str.append(dist[ok & ~scn.turning[k]])
    et = np.concatenate(err_turn)
    es = np.concatenate(err_str)
    return float(np.sqrt(np.mean(et**2))), float(np.sqrt(np.mean(es**2))), tracked / total


def manoeuvre_config(model: str, **kw: float) -> TrackerConfig:
    return TrackerConfig(model=model, keep_provenance=False, **kw)  # type: ignore[arg-type]


def run_manoeuvre(args: argparse.Namespace) -> None:
    n_t, n_s = args.man_targets, args.man_scans
    print(
        f"\n== Part 2: manoeuvring targets, 5 g turns, 3-D, radar r/az/el (sigma 30 m, "
        f"2 mrad), {n_t} targets, {n_s} scans of {args.man_scan_s:g} s =="
    )
    for scan_s in (args.man_scan_s,):
        scn = make_manoeuvre_scenario(n_t, n_s, scan_s, args.seed)
        turn_frac = scn.turning[1:].mean()
        print(f"fraction of target-scans in a turn: {turn_frac:.2f}")
        rows = []
        for label, cfg in (
            ("samsim IMM (CV+CT), defaults", manoeuvre_config("imm")),
            ("samsim CV, default q = 2", manoeuvre_config("cv")),
            ("samsim CV, q = 50", manoeuvre_config("cv", q_m2ps3=50.0)),
            ("samsim CV, q = 500", manoeuvre_config("cv", q_m2ps3=500.0)),
            ("samsim IMM (CV + +-w turns)", manoeuvre_config("imm_known_turn")),
            ("samsim CA, q = 50 m2/s5", manoeuvre_config("ca", q_ca_m2ps5=50.0)),
        ):
            trk = Tracker(cfg)
            est = []
            t0 = time.perf_counter()
            for b in scn.batches:
                trk.step(b)
                tab = trk.tracks
                est.append(np.array(tab.x[tab.confirmed, :3]))
            el = time.perf_counter() - t0
            rows.append((label, *_track_errors(scn, est), 1e3 * el / n_s))
        base = rows[1][1]
        best_cv = min(r[1] for r in rows[1:4])
        print(
            f"{'filter':<32} {'RMS turn m':>10} {'RMS straight m':>14} {'tracked':>8} "
            f"{'ms/scan':>8} {'turn / CV default':>17} {'turn / best CV':>14}"
        )
        for label, e_t, e_s, frac, ms in rows:
            print(
                f"{label:<32} {e_t:>10.1f} {e_s:>14.1f} {frac:>8.3f} {ms:>8.2f} "
                f"{e_t / base:>17.2f} {e_t / best_cv:>14.2f}"
            )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="N = 10, 50 (+ 1000 alone), 20 scans")
    ap.add_argument("--scans", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--skip-scaling", action="store_true")
    ap.add_argument("--skip-manoeuvre", action="store_true")
    ap.add_argument("--man-targets", type=int, default=20)
    ap.add_argument("--man-scans", type=int, default=200)
    ap.add_argument("--man-scan-s", type=float, default=1.0)
    args = ap.parse_args(argv)
    args.n = [10, 50, 100, 300]
    args.n_alone = [3000]
    # Stone Soup scans per N (its N = 100/300 runs are cut to keep the whole run < 15 min).
    args.ss_scans_std = {10: 100, 50: 100, 100: 40, 300: 12}
    args.ss_scans_kd = {10: 100, 50: 100, 100: 100, 300: 40}
    if args.quick:
        args.n = [10, 50]
        args.n_alone = [1000]
        args.scans = 20
        args.man_scans = 100
    t0 = time.perf_counter()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    if not args.skip_scaling:
        scaling(args)
    if not args.skip_manoeuvre:
        run_manoeuvre(args)
    print(f"\ntotal wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
