"""Engine speed on the flagship example: simulated seconds per wall-clock second.

Floor (issue 2): 20 simulated minutes in at most 2 s on one core, i.e. >= 600x real time.
Compiles numba kernels first (a warm-up run, reported separately), then times several
seeds of the battalion example and prints the ratio simulated/wall for each and overall.
Also prints the time of a fixed numpy reference workload measured in the same process,
so figures from different (shared, noisy) machines can be compared.

    python benchmarks/run_speed.py [--runs 5] [--scenario examples/battalion_vs_cruise_raid.yaml]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def reference_workload_s() -> float:
    """A fixed mixed numpy workload (small-array ops, like the engine's), best of 3."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 3))
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(20000):
            b = a @ np.eye(3)
            np.linalg.norm(b, axis=1).argmin()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scenario", default=str(ROOT / "examples" / "battalion_vs_cruise_raid.yaml"))
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    import samsim

    sc = samsim.load_scenario(args.scenario)
    t = time.perf_counter()
    samsim.simulate(sc, seed=0)
    warm = time.perf_counter() - t
    ref = reference_workload_s()
    print(f"scenario: {sc.name}; warm-up run (includes numba compile or cache load): {warm:.2f} s")
    print(f"reference numpy workload: {ref:.3f} s")
    sims, walls = [], []
    for seed in range(1, args.runs + 1):
        t = time.perf_counter()
        run = samsim.simulate(sc, seed=seed)
        wall = time.perf_counter() - t
        sim = run.summary["simulated_time_s"]
        sims.append(sim)
        walls.append(wall)
        print(
            f"seed {seed}: simulated {sim:7.1f} s in {wall:6.3f} s wall "
            f"(engine loop {run.wall_time_s:.3f} s) -> {sim / wall:7.1f}x real time; "
            f"{run.summary['events']} events"
        )
    ratio = sum(sims) / sum(walls)
    per_20min = 1200.0 / ratio
    print(
        f"overall: {ratio:.1f}x real time; 20 simulated minutes take {per_20min:.2f} s "
        f"(floor: 600x, 2.00 s) -> {'PASS' if ratio >= 600 else 'FAIL'}"
    )
    print(f"wall time per run / reference workload: {np.mean(walls) / ref:.2f}")


if __name__ == "__main__":
    main()
