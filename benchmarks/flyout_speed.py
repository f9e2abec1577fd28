"""Flyout speed: 1,000 independent interceptor flyouts, batched, on one core.

Each interceptor (the five catalogue types, round robin) engages its own inbound,
non-manoeuvring target (250 or 300 m/s at a constant altitude of 0.1 to 12 km, along the
great circle, starting at 15 to 70 % of the type's published range, random bearing);
every flight runs to its end (intercept or self-destruct). Baselines measured in the same run:

* per-missile loop: the same flyout, one interceptor at a time (so the per-step Python
  work is not shared), on a subset, scaled to 1,000;
* interpreted: the same kernel with numba's JIT disabled (``NUMBA_DISABLE_JIT=1``, in a
  subprocess), on a smaller subset, scaled to 1,000.

Run: ``PYTHONPATH=src python benchmarks/flyout_speed.py`` (add ``--quick`` for a smoke run).
Results are recorded in docs/benchmarks/flyout.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from samsim.geo.frames import EnuFrame
from samsim.physics.envelope import tof_table
from samsim.physics.flyout import Flyout, osculating_sphere
from samsim.physics.missile import load_missile_catalog

FRAME = EnuFrame(45.0, 10.0, 0.0)


def make_problem(n: int, seed: int = 0) -> tuple[list, np.ndarray, np.ndarray]:
    """Types and target tracks for n engagements.

    Returns the specs, the type per shot and an array (n, 4, 3) per target: the centre
    of the osculating sphere, the start unit vector u, the unit tangent w toward the
    launcher, and (radius + altitude, angular rate, 0); the target flies the great circle
    p(t) = c + r (u cos(w t) + w sin(w t)) at constant altitude.
    """
    specs = list(load_missile_catalog().values())
    c, radius = osculating_sphere(FRAME)
    rng = np.random.default_rng(seed)
    typ = np.arange(n) % len(specs)
    rmax = np.array([specs[k].max_range_m for k in typ])
    ground = rng.uniform(0.15, 0.7, n) * rmax
    alt = rng.uniform(100.0, 12e3, n)
    az = rng.uniform(0, 2 * np.pi, n)
    th = ground / radius
    horiz = np.stack([np.sin(az), np.cos(az), np.zeros(n)], -1)
    u = np.sin(th)[:, None] * horiz + np.cos(th)[:, None] * np.array([0.0, 0.0, 1.0])
    w = -(np.cos(th)[:, None] * horiz - np.sin(th)[:, None] * np.array([0.0, 0.0, 1.0]))
    speed = rng.choice([250.0, 300.0], n)
    r = radius + alt
    track = np.zeros((n, 4, 3))
    track[:, 0] = c
    track[:, 1] = u
    track[:, 2] = w
    track[:, 3, 0] = r
    track[:, 3, 1] = speed / r
    return specs, typ, track


def truth_of(track: np.ndarray):  # type: ignore[no-untyped-def]
    """Target truth function over great-circle tracks (see :func:`make_problem`)."""

    def truth(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tr = track[ids]
        r = tr[:, 3, 0:1]
        om = tr[:, 3, 1:2]
        ca, sa = np.cos(om * t), np.sin(om * t)
        pos = tr[:, 0] + r * (tr[:, 1] * ca + tr[:, 2] * sa)
        vel = r * om * (-tr[:, 1] * sa + tr[:, 2] * ca)
        return pos, vel

    return truth


def run(
    specs: list,
    typ: np.ndarray,
    track: np.ndarray,
    tables: list | None = None,
    seeker_noise: bool = False,
) -> tuple[float, dict]:
    """Fly all engagements in one batch; return the wall time and outcome statistics.

    With ``seeker_noise`` the seekers measure with their noise (thermal, fixed, glint of a
    2.7 m span) against a 0.1 m^2 target, as in the engine; without it they measure the
    true line of sight at their reference RCS (the endgame's steps, not its draws)."""
    truth = truth_of(track)
    t0 = time.perf_counter()
    rng = np.random.default_rng(1) if seeker_noise else None
    fly = Flyout(FRAME, specs, tof_tables=tables, rng=rng)
    n = len(typ)
    extra = {"target_rcs_m2": 0.1, "target_span_m": 2.7} if seeker_noise else {}
    fly.launch(typ, np.zeros((n, 3)), 0.0, np.arange(n), truth(0.0, np.arange(n))[0], **extra)
    out = fly.advance(max(s.max_flight_time_s for s in specs) + 1.0, truth)
    dt = time.perf_counter() - t0
    kinds, counts = np.unique(out.kind, return_counts=True)
    stats = dict(zip(kinds.tolist(), counts.tolist(), strict=True))
    miss = out.miss_m[out.kind == "intercept"]
    if miss.size:
        stats["miss_p50_m"] = round(float(np.median(miss)), 3)
        stats["miss_p95_m"] = round(float(np.percentile(miss, 95)), 3)
    stats["steps"] = int(fly.steps_taken(np.arange(n)).sum())
    return dt, stats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--loop-subset", type=int, default=50)
    ap.add_argument("--interp-subset", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--interp-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.n, args.loop_subset, args.interp_subset = 50, 5, 1
    specs, typ, track = make_problem(args.n)
    if args.interp_only:
        dt, _ = run(specs, typ[: args.interp_subset], track[: args.interp_subset])
        print(dt)
        return
    run(specs, typ[:5], track[:5])  # compile / load the numba cache
    best = min(run(specs, typ, track)[0] for _ in range(3))
    _, counts = run(specs, typ, track)
    print(f"batched: {args.n} flyouts in {best:.3f} s (best of 3)  {counts}")
    tables = [tof_table(s) for s in specs]
    best_t = min(run(specs, typ, track, tables)[0] for _ in range(3))
    _, counts_t = run(specs, typ, track, tables)
    print(f"batched with TOF tables: {best_t:.3f} s (best of 3)  {counts_t}")
    best_n = min(run(specs, typ, track, tables, seeker_noise=True)[0] for _ in range(3))
    _, counts_n = run(specs, typ, track, tables, seeker_noise=True)
    print(
        f"batched with TOF tables and seeker noise (the engine's endgame): {best_n:.3f} s "
        f"(best of 3; {best_n / best_t:.2f}x the noise-free flight)  {counts_n}"
    )

    k = args.loop_subset
    t0 = time.perf_counter()
    for i in range(k):
        run(specs, typ[i : i + 1], track[i : i + 1])
    loop = (time.perf_counter() - t0) / k * args.n
    print(
        f"per-missile loop: {loop:.3f} s for {args.n} (measured on {k}, scaled)  "
        f"ratio {loop / best:.1f}x"
    )

    m = args.interp_subset
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    res = subprocess.run(
        [sys.executable, __file__, "--interp-only", "--n", str(args.n), "--interp-subset", str(m)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    interp = float(res.stdout.strip().splitlines()[-1]) / m * args.n
    print(
        f"interpreted (no JIT): {interp:.1f} s for {args.n} (measured on {m}, scaled)  "
        f"ratio {interp / best:.0f}x"
    )
    met = "met" if best * 1000 / args.n <= 1.0 else "NOT met"
    print(f"target: <= 1 s for 1000 on one core: {met}")


if __name__ == "__main__":
    main()
